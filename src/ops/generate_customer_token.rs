//! `generateCustomerToken(email, password)` — spec 5.1.
//!
//! Steps 1 and 2 here: empty `email` → `Specify the "email" value.`, empty `password` →
//! `Specify the "password" value.` (PHP's `empty()`: `""` or `"0"`). The domain runs steps 3–9:
//! throttle, unknown email, locked, not confirmed, then the `password` tried as the account
//! password, (saas) a reset token, (saas) an admin OTC; failure or success.

use serde_json::Value;

use super::{authentication_error, input_error, str_arg, RequestCtx};
use crate::domain::messages as msg;
use crate::domain::rules::php_empty;
use crate::domain::{AcceptedSecrets, SignInError};
use crate::graphql::{Args, FieldError, Resolved};
use crate::profile::Capabilities;

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Resolved, FieldError> {
    let (email, password) = (str_arg(args, "email"), str_arg(args, "password"));
    if php_empty(email) {
        return Err(input_error(msg::SPECIFY_EMAIL));
    }
    if php_empty(password) {
        return Err(input_error(msg::SPECIFY_PASSWORD));
    }
    let caps = ctx.profile.caps();
    let accept = AcceptedSecrets {
        password: true,
        reset_token: caps.reset_token_as_password,
        otc: caps.admin_otc,
    };
    let token = ctx
        .domain
        .sign_in(email, password, accept)
        .map_err(|e| sign_in_error(e, caps))?;
    Ok(Resolved::Fields(vec![("token", Value::String(token))]))
}

/// The wire error of a failed sign-in: the generic message, except an unconfirmed account on a
/// profile that says so.
pub(crate) fn sign_in_error(e: SignInError, caps: &Capabilities) -> FieldError {
    match e {
        SignInError::NotConfirmed if caps.unconfirmed_message => authentication_error(msg::NOT_CONFIRMED),
        _ => authentication_error(msg::GENERIC_SIGN_IN),
    }
}
