//! `changeCustomerPassword(currentPassword, newPassword)` — spec 5.4.
//!
//! Customer token required; blank `currentPassword` → `Specify the "currentPassword" value.`;
//! blank `newPassword` → `Specify the "newPassword" value.` (Magento trims here: whitespace-only
//! is blank, **mock decision** following its resolver). Then, in Magento's order: wrong current
//! password → `Invalid login or password.` (counts towards the lockout), policy (5.7), the
//! change, and only then the account check — a locked account gets its password changed and
//! answers `The account is locked.` Tokens stay valid.

use serde_json::Value;

use super::{customer_json, input_error, refusal, require_customer, str_arg, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::rules::blank_after_php_trim;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let customer_id = require_customer(ctx)?;
    let (current, new) = (str_arg(args, "currentPassword"), str_arg(args, "newPassword"));
    if blank_after_php_trim(current) {
        return Err(input_error(msg::SPECIFY_CURRENT_PASSWORD));
    }
    if blank_after_php_trim(new) {
        return Err(input_error(msg::SPECIFY_NEW_PASSWORD));
    }
    let c = ctx
        .domain
        .change_password(customer_id, current, new)
        .map_err(refusal)?;
    Ok(customer_json(&ctx.domain, &c))
}
