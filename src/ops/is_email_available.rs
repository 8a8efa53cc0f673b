//! `isEmailAvailable(email)` — spec 5.10: empty → `Email must be specified`; invalid →
//! `Email is invalid` (`graphql-input`); otherwise always available (Magento's default
//! configuration does not disclose existing accounts).

use serde_json::{json, Value};

use super::{input_error, str_arg, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::rules::{is_valid_email, php_empty};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(_ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let email = str_arg(args, "email");
    if php_empty(email) {
        return Err(input_error(msg::EMAIL_MUST_BE_SPECIFIED));
    }
    if !is_valid_email(email) {
        return Err(input_error(msg::EMAIL_IS_INVALID));
    }
    Ok(json!({ "is_email_available": true }))
}
