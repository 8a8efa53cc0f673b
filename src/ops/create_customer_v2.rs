//! `createCustomerV2(input)` — spec 5.8.
//!
//! Missing required fields are validation errors (the engine). Then: invalid email →
//! `"<email>" is not a valid email address.`; empty names → `"First Name" is a required value.` /
//! `"Last Name" is a required value.`; gender, date of birth, password policy; existing email →
//! `A customer with the same email address already exists in an associated website.`
//! Password optional. With confirmation required the account starts unconfirmed and a
//! confirmation email lands in the outbox. Returns `customer` with `id: null`.

use serde_json::{Map, Value};

use super::{customer_output, object_arg, opt_str, refusal, RequestCtx};
use crate::domain::NewCustomer;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let input = object_arg(args, "input");
    let c = ctx
        .domain
        .create_customer(&new_customer(&input))
        .map_err(refusal)?;
    Ok(customer_output(&ctx.domain, &c))
}

/// The domain's [`NewCustomer`] from a `CustomerCreateInput` (or a `CustomerInput`, whose
/// fields are the same but optional: an absent one reads as empty). `custom_attributes` are
/// accepted and not kept.
pub(crate) fn new_customer(input: &Map<String, Value>) -> NewCustomer {
    NewCustomer {
        email: opt_str(input, "email").unwrap_or_default(),
        firstname: opt_str(input, "firstname").unwrap_or_default(),
        lastname: opt_str(input, "lastname").unwrap_or_default(),
        password: opt_str(input, "password").filter(|p| !p.is_empty()),
        prefix: opt_str(input, "prefix"),
        middlename: opt_str(input, "middlename"),
        suffix: opt_str(input, "suffix"),
        date_of_birth: opt_str(input, "date_of_birth").or_else(|| opt_str(input, "dob")),
        gender: input.get("gender").and_then(Value::as_i64),
        taxvat: opt_str(input, "taxvat"),
        is_subscribed: input
            .get("is_subscribed")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        allow_remote_shopping_assistance: input
            .get("allow_remote_shopping_assistance")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}
