//! `customer` query — spec 5.4: a customer token is required; a locked account answers
//! `The account is locked.`, an unconfirmed one `This account isn't confirmed. Verify and try again.`

use serde_json::Value;

use super::{customer_json, refusal, require_customer, RequestCtx};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, _args: &Args) -> Result<Value, FieldError> {
    let customer_id = require_customer(ctx)?;
    let c = ctx.domain.current_customer(customer_id).map_err(refusal)?;
    Ok(customer_json(&ctx.domain, &c))
}
