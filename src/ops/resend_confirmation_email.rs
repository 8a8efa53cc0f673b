//! `resendConfirmationEmail(email)` — sends the confirmation email again. Messages are
//! **mock decisions** from Magento's resolver: bad email → `Email address is not valid`;
//! unknown → `There is no user registered with that email address.`; already confirmed →
//! `Confirmation isn't needed.` (all `graphql-input`).

use serde_json::Value;

use super::{input_error, refusal, str_arg, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::rules::is_valid_email;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let email = str_arg(args, "email");
    if !is_valid_email(email) {
        return Err(input_error(msg::EMAIL_ADDRESS_NOT_VALID));
    }
    ctx.domain.resend_confirmation(email).map_err(refusal)?;
    Ok(Value::Bool(true))
}
