//! `exchangeOtpForCustomerToken(email, otp)` — spec 5.2 (`saas` only).
//!
//! Same as `generateCustomerToken`, but the secret is tried only as (b) a reset token, then
//! (c) an admin OTC; the account password is not accepted (**mock decision**).
//! Empty `otp` → `Specify the "otp" value.` (**mock decision**).

use serde_json::{json, Value};

use super::generate_customer_token::sign_in_error;
use super::{input_error, str_arg, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::rules::php_empty;
use crate::domain::AcceptedSecrets;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let (email, otp) = (str_arg(args, "email"), str_arg(args, "otp"));
    if php_empty(email) {
        return Err(input_error(msg::SPECIFY_EMAIL));
    }
    if php_empty(otp) {
        return Err(input_error(msg::SPECIFY_OTP));
    }
    let accept = AcceptedSecrets {
        password: false,
        reset_token: true,
        otc: true,
    };
    let token = ctx
        .domain
        .sign_in(email, otp, accept)
        .map_err(|e| sign_in_error(e, ctx.profile.caps()))?;
    Ok(json!({ "token": token }))
}
