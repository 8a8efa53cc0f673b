//! `recaptchaFormConfig(formType)` (2.4.8 and saas) — what Adobe's storefront drop-ins read, one
//! aliased field per form (`ReCaptchaWebapiGraphQl\Model\Resolver\ReCaptchaFormConfig`).

use serde_json::Value;

use super::recaptcha::form_config;
use super::{str_arg, RequestCtx};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let settings = ctx.domain.settings();
    Ok(Value::Object(form_config(&settings, str_arg(args, "formType"))))
}
