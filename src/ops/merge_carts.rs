//! `mergeCarts(source_cart_id, destination_cart_id)` — PWA Studio merges the guest cart into the
//! customer's cart right after sign-in (`MergeCartsAfterSignIn`).
//!
//! Magento's checks, in order: a customer token is required (`The current customer isn't
//! authorized.`, `graphql-authorization`); empty `source_cart_id` →
//! `Required parameter "source_cart_id" is missing` (`graphql-input`); an unknown cart →
//! `Could not find a cart with ID "<id>"` (`graphql-no-such-entity`); a cart of another customer
//! → `The current user cannot perform operations on cart "<id>"` (`graphql-authorization`).
//! Without `destination_cart_id` the customer's active cart is the destination. The mock's carts
//! hold no items, so merging deactivates the source and returns the destination.

use serde_json::Value;

use super::{cart_json, input_error, require_customer, str_arg, RequestCtx};
use crate::domain::cart::CartError;
use crate::graphql::{Args, Category, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let customer_id = require_customer(ctx)?;
    let source = str_arg(args, "source_cart_id");
    if source.is_empty() {
        return Err(input_error("Required parameter \"source_cart_id\" is missing"));
    }
    let destination = match str_arg(args, "destination_cart_id") {
        "" => ctx.domain.customer_cart(customer_id).id,
        d => d.to_string(),
    };
    let cart = ctx
        .domain
        .merge_carts(source, &destination, customer_id)
        .map_err(|e| match e {
            CartError::NotFound(id) => FieldError::new(
                Category::NoSuchEntity,
                format!("Could not find a cart with ID \"{id}\""),
            ),
            CartError::NotYours(id) => FieldError::new(
                Category::Authorization,
                format!("The current user cannot perform operations on cart \"{id}\""),
            ),
        })?;
    Ok(cart_json(&ctx.domain, &cart))
}
