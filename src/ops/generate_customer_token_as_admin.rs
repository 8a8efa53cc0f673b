//! `generateCustomerTokenAsAdmin(input: {customer_email})` — spec 5.9.
//!
//! Blank `customer_email` (Magento trims spaces) → `Specify the "customer email" value.`
//! (`graphql-input`); then, all `graphql-authorization`: caller not an admin → `The current
//! customer isn't authorized.`; admin without `Magento_LoginAsCustomer::login` → `The current
//! user does not have permission to login as customer.` (**mock decision**, Magento's resolver);
//! Login as Customer disabled → `Login as Customer is disabled.`; admin without
//! `Magento_LoginAsCustomer::allow_shopping_assistance` → `Allow remote shopping assistance is
//! disabled.`; unknown customer → `Customer email provided does not exist` (`graphql-input`).
//! The customer's own `allow_remote_shopping_assistance` is not checked (as Magento's code).

use serde_json::{json, Value};

use super::{input_error, object_arg, opt_str, refusal, RequestCtx};
use crate::domain::messages as msg;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let input = object_arg(args, "input");
    let email = opt_str(&input, "customer_email").unwrap_or_default();
    if email.trim_matches(' ').is_empty() {
        return Err(input_error(msg::SPECIFY_CUSTOMER_EMAIL));
    }
    let token = ctx
        .domain
        .customer_token_as_admin(ctx.auth, &email)
        .map_err(refusal)?;
    Ok(json!({ "customer_token": token }))
}
