//! `revokeCustomerToken` — spec 5.3: a customer token is required; every token of the customer
//! issued up to this second is revoked.

use serde_json::{json, Value};

use super::{require_customer, RequestCtx};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, _args: &Args) -> Result<Value, FieldError> {
    let customer_id = require_customer(ctx)?;
    ctx.domain.revoke_customer_tokens(customer_id);
    Ok(json!({ "result": true }))
}
