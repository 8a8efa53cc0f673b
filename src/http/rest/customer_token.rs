//! `POST /V1/integration/customer/token` `{"username","password"}` (paas profiles): the sign-in
//! rules of `generateCustomerToken` (spec 5.1), answered as REST: a token as a JSON string;
//! 400 for empty fields (Magento's credentials validator), 401 for a failed sign-in.
//!
//! With reCAPTCHA on the customer login form, a request without the test token in
//! `X-ReCaptcha` gets 400 `{"message":"ReCaptcha validation failed, please try again"}` first:
//! Magento checks it around the route's request validation
//! (`ReCaptchaWebapiRest\Plugin\RestValidationPlugin::aroundValidate`), before the body is read.

use serde_json::Value;

use crate::domain::messages::{GENERIC_SIGN_IN, NOT_CONFIRMED};
use crate::domain::recaptcha::{self, Form};
use crate::domain::{AcceptedSecrets, SignInError};
use crate::http::front_door::RECAPTCHA_HEADER;

use super::{credentials, error, ok, RestRequest, RestResult};

pub fn handle(req: &RestRequest) -> RestResult {
    let token = req.headers.get(RECAPTCHA_HEADER).and_then(|v| v.to_str().ok());
    if !recaptcha::passes(&req.domain.settings(), Form::CustomerLogin, token) {
        return Err(error(400, recaptcha::VALIDATION_FAILED));
    }
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
