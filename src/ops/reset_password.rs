//! `resetPassword(email, resetPasswordToken, newPassword)` — spec 5.6.
//!
//! In order: empty email, invalid email, empty token, empty new password (here), then unknown
//! customer, locked, token mismatched (not the current one, or consumed), token expired
//! (2 hours), policy (in the domain). Success consumes the token and resets the counters.

use serde_json::Value;

use super::{input_error, refusal, str_arg, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::rules::{is_valid_email, php_empty};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let email = str_arg(args, "email");
    let token = str_arg(args, "resetPasswordToken");
    let new_password = str_arg(args, "newPassword");
    if php_empty(email) {
        return Err(input_error(msg::MUST_SPECIFY_EMAIL));
    }
    if !is_valid_email(email) {
        return Err(input_error(msg::EMAIL_INVALID_FORMAT));
    }
    if php_empty(token) {
        return Err(input_error(msg::RESET_TOKEN_MUST_BE_SPECIFIED));
    }
    if php_empty(new_password) {
        return Err(input_error(msg::NEW_PASSWORD_MUST_BE_SPECIFIED));
    }
    ctx.domain
        .reset_password(email, token, new_password)
        .map_err(refusal)?;
    Ok(Value::Bool(true))
}
