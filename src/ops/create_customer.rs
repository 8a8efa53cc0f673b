//! `createCustomer(input)` — the first version of account creation, still sent by PWA Studio
//! (`CreateAccount` in `@magento/peregrine`) and by the storefront auth drop-in when it is told
//! `apiVersion2: false`.
//!
//! Same semantics as `createCustomerV2` (spec 5.8), over `CustomerInput`, whose fields are all
//! optional: an absent email, first name or last name reads as empty and meets the same checks
//! (`"" is not a valid email address.`, `"First Name" is a required value.`, …) — **mock decision**.

use serde_json::Value;

use super::create_customer_v2::new_customer;
use super::{customer_output, object_arg, refusal, RequestCtx};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let input = object_arg(args, "input");
    let c = ctx
        .domain
        .create_customer(&new_customer(&input))
        .map_err(refusal)?;
    Ok(customer_output(&ctx.domain, &c))
}
