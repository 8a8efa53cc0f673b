//! Login as Customer over REST (`saas`, spec 6), ACL `Magento_LoginAsCustomer::login`:
//! - `POST /V1/customer/{customerId}/otp` (body `{"reason": …}`, optional) → `{"otp": "<32 hex>"}`;
//! - `POST /V1/customers/{customerId}/token` → an admin-issued customer token (a JSON string).

use serde_json::{json, Value};

use crate::domain::messages::ASSISTANCE_DISABLED_FOR_CUSTOMER;
use crate::domain::OtcError;

use super::{
    acl, body_fields, customer_id, error, no_such_customer, ok, require_admin, RestRequest, RestResult,
};

pub fn issue_otc(req: &RestRequest, id: &str) -> RestResult {
    let admin = require_admin(req, acl::LOGIN_AS_CUSTOMER)?;
    let customer = customer_id(id)?;
    // The reason is optional and only logged by Magento; the body must still be JSON.
    body_fields(req.body)?;
    match req.domain.issue_otc(customer, admin.id) {
        Ok(otp) => Ok(ok(&json!({ "otp": otp }))),
        Err(OtcError::UnknownCustomer) => Err(no_such_customer(id)),
        // **Mock decision** (spec 6): the status of this refusal is 400.
        Err(OtcError::AssistanceDisabled) => Err(error(400, ASSISTANCE_DISABLED_FOR_CUSTOMER)),
    }
}

pub fn customer_token(req: &RestRequest, id: &str) -> RestResult {
    let admin = require_admin(req, acl::LOGIN_AS_CUSTOMER)?;
    let customer = customer_id(id)?;
    body_fields(req.body)?;
    match req.domain.admin_issued_customer_token(customer, admin.id) {
        Some(token) => Ok(ok(&Value::String(token))),
        None => Err(no_such_customer(id)),
    }
}
