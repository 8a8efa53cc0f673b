//! `recaptchaFormConfigs(formTypes)` (saas): `recaptchaFormConfig` for several forms at once,
//! each item naming its `form_type`, in the order asked (repeats kept).

use serde_json::{Map, Value};

use super::recaptcha::form_config;
use super::RequestCtx;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let settings = ctx.domain.settings();
    let asked = args
        .get("formTypes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let items = asked
        .iter()
        .filter_map(Value::as_str)
        .map(|form_type| {
            let mut item = Map::new();
            item.insert("form_type".into(), Value::String(form_type.into()));
            item.extend(form_config(&settings, form_type));
            Value::Object(item)
        })
        .collect();
    Ok(Value::Array(items))
}
