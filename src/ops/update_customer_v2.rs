//! `updateCustomerV2(input)` — spec 5.4.
//!
//! Customer token required; `input: {}` → `"input" value should be specified`; then the account
//! check (locked, unconfirmed); then the fields: empty names, gender not 1–3, bad date.
//! `allow_remote_shopping_assistance` is stored; `date_of_birth` (or its alias `dob`) is echoed
//! as submitted.

use serde_json::Value;

use super::{customer_output, input_error, object_arg, opt_str, refusal, require_customer, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::CustomerUpdate;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let customer_id = require_customer(ctx)?;
    let input = object_arg(args, "input");
    if input.is_empty() {
        return Err(input_error(msg::INPUT_MUST_BE_SPECIFIED));
    }
    let update = CustomerUpdate {
        prefix: opt_str(&input, "prefix"),
        firstname: opt_str(&input, "firstname"),
        middlename: opt_str(&input, "middlename"),
        lastname: opt_str(&input, "lastname"),
        suffix: opt_str(&input, "suffix"),
        date_of_birth: opt_str(&input, "date_of_birth").or_else(|| opt_str(&input, "dob")),
        gender: input.get("gender").and_then(Value::as_i64),
        taxvat: opt_str(&input, "taxvat"),
        is_subscribed: input.get("is_subscribed").and_then(Value::as_bool),
        allow_remote_shopping_assistance: input
            .get("allow_remote_shopping_assistance")
            .and_then(Value::as_bool),
        email: None,
    };
    let c = ctx
        .domain
        .update_customer(customer_id, &update)
        .map_err(refusal)?;
    Ok(customer_output(&ctx.domain, &c))
}
