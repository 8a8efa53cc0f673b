//! `POST /V1/integration/customer/token` `{"username","password"}` (paas profiles): the sign-in
//! rules of `generateCustomerToken` (spec 5.1), answered as REST: a token as a JSON string;
//! 400 for empty fields (Magento's credentials validator), 401 for a failed sign-in.

use serde_json::Value;

use crate::domain::messages::{GENERIC_SIGN_IN, NOT_CONFIRMED};
use crate::domain::{AcceptedSecrets, SignInError};

use super::{credentials, error, ok, RestRequest, RestResult};

pub fn handle(req: &RestRequest) -> RestResult {
    let (username, password) = credentials(req.body)?;
    let caps = req.app.profile.caps();
    let accept = AcceptedSecrets {
        password: true,
        reset_token: caps.reset_token_as_password,
        otc: caps.admin_otc,
    };
    match req.domain.sign_in(&username, &password, accept) {
        Ok(token) => Ok(ok(&Value::String(token))),
        Err(SignInError::NotConfirmed) if caps.unconfirmed_message => Err(error(401, NOT_CONFIRMED)),
        Err(_) => Err(error(401, GENERIC_SIGN_IN)),
    }
}
