//! `recaptchaFormConfig(formType)` (2.4.8 and saas) — what Adobe's storefront drop-ins read, one
//! aliased field per form (`ReCaptchaWebapiGraphQl\Model\Resolver\ReCaptchaFormConfig`).

use serde_json::{Map, Value};

use super::recaptcha::form_config;
use super::{str_arg, RequestCtx};
use crate::graphql::FieldError;

pub(crate) fn resolve(ctx: &RequestCtx, args: &Map<String, Value>) -> Result<Value, FieldError> {
    let settings = ctx.domain.settings();
    Ok(Value::Object(form_config(&settings, str_arg(args, "formType"))))
}
