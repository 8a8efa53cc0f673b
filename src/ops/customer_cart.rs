//! `customerCart` — the signed-in customer's active cart, created when they have none.
//! A customer token is required (`The current customer isn't authorized.`).

use serde_json::Value;

use super::{cart_json, require_customer, RequestCtx};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, _args: &Args) -> Result<Value, FieldError> {
    let customer_id = require_customer(ctx)?;
    let cart = ctx.domain.customer_cart(customer_id);
    Ok(cart_json(&ctx.domain, &cart))
}
