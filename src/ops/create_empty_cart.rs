//! `createEmptyCart` — PWA Studio calls it right after sign-in (`cartId: createEmptyCart`) to get
//! the customer's cart. A guest gets a new guest cart; a customer gets their active cart, created
//! when they have none (Magento's behaviour). The optional `input.cart_id` is not supported.

use serde_json::Value;

use super::{customer_or_guest, RequestCtx};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, _args: &Args) -> Result<Value, FieldError> {
    let cart = match customer_or_guest(ctx)? {
        Some(customer_id) => ctx.domain.customer_cart(customer_id),
        None => ctx.domain.create_guest_cart(),
    };
    Ok(Value::String(cart.id))
}
