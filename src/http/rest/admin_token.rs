//! `POST /V1/integration/admin/token` `{"username","password"}` → an admin JWT as a JSON string
//! (spec 6). Empty fields → 400; wrong credentials → 401 with the generic sign-in message,
//! throttled by the username exactly as submitted.

use serde_json::Value;

use crate::domain::messages::GENERIC_SIGN_IN;

use super::{credentials, error, ok, RestRequest, RestResult};

pub fn handle(req: &RestRequest) -> RestResult {
    let (username, password) = credentials(req.body)?;
    match req.domain.admin_token(&username, &password) {
        Ok(token) => Ok(ok(&Value::String(token))),
        // Throttled or wrong: one message, so the answer does not tell which.
        Err(_) => Err(error(401, GENERIC_SIGN_IN)),
    }
}
