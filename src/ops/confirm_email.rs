//! `confirmEmail(input: {email, confirmation_key})` — confirms a new account with the key from
//! its confirmation email. Messages are **mock decisions** from Magento's `AccountManagement`:
//! bad email → `Email is invalid`; empty key → `Specify the "confirmation_key" value.`; unknown →
//! `No such entity with email = <email>, websiteId = 1` (`graphql-no-such-entity`); already
//! confirmed → `The account is already active.`; wrong key → `The confirmation token is invalid.
//! Verify the token and try again.`

use serde_json::Value;

use super::{customer_output, input_error, object_arg, opt_str, refusal, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::rules::{is_valid_email, php_empty};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let input = object_arg(args, "input");
    let email = opt_str(&input, "email").unwrap_or_default();
    let key = opt_str(&input, "confirmation_key").unwrap_or_default();
    if !is_valid_email(&email) {
        return Err(input_error(msg::EMAIL_IS_INVALID));
    }
    if php_empty(&key) {
        return Err(input_error(msg::SPECIFY_CONFIRMATION_KEY));
    }
    let c = ctx.domain.confirm_email(&email, &key).map_err(refusal)?;
    Ok(customer_output(&ctx.domain, &c))
}
