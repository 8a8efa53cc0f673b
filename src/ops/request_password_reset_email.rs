//! `requestPasswordResetEmail(email)` — spec 5.5.
//!
//! Empty → `You must specify an email address.`; bad format → `The email address has an invalid
//! format.`; unknown → `Cannot reset the customer's password`; locked → `The account is locked`
//! (all `graphql-input`). Success: a new 2-hour reset token replaces any earlier one, and the
//! email with `<base-url>/customer/account/createPassword/?token=<token>` lands in the outbox.
//! No rate limit.

use serde_json::Value;

use super::{input_error, refusal, str_arg, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::rules::{is_valid_email, php_empty};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let email = str_arg(args, "email");
    if php_empty(email) {
        return Err(input_error(msg::MUST_SPECIFY_EMAIL));
    }
    if !is_valid_email(email) {
        return Err(input_error(msg::EMAIL_INVALID_FORMAT));
    }
    ctx.domain.request_password_reset(email).map_err(refusal)?;
    Ok(Value::Bool(true))
}
