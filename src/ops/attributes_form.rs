//! `attributesForm(formCode)` — the attributes of a storefront form; the storefront auth
//! drop-in renders its sign-up form from `customer_account_create`.
//!
//! Magento's resolver (`Magento\EavGraphQl\Model\Resolver\AttributesForm`): an empty `formCode`
//! → `Required parameter "formCode" of type string.` (`graphql-input`); an admin form
//! (`adminhtml_…`) or a form no provider knows → no items and one error
//! `{"type":"ENTITY_NOT_FOUND","message":"Form \"<code>\" could not be found."}`.
//! The forms come from the fixtures (`attribute_forms`).

use serde_json::{json, Value};

use super::{input_error, str_arg, RequestCtx};
use crate::domain::attributes::AttributeMetadata;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, args: &Args) -> Result<Value, FieldError> {
    let form_code = str_arg(args, "formCode");
    if form_code.is_empty() {
        return Err(input_error("Required parameter \"formCode\" of type string."));
    }
    let form = ctx
        .domain
        .attribute_form(form_code)
        .filter(|_| !form_code.starts_with("adminhtml_"));
    Ok(match form {
        Some(items) => json!({
            "items": items.iter().map(attribute_json).collect::<Vec<_>>(),
            "errors": [],
        }),
        None => json!({
            "items": [],
            "errors": [{
                "type": "ENTITY_NOT_FOUND",
                "message": format!("Form \"{form_code}\" could not be found."),
            }],
        }),
    })
}

/// A `CustomerAttributeMetadata` object.
fn attribute_json(a: &AttributeMetadata) -> Value {
    json!({
        "code": a.code,
        "default_value": a.default_value,
        "entity_type": a.entity_type,
        "frontend_class": a.frontend_class,
        "frontend_input": a.frontend_input,
        "input_filter": a.input_filter,
        "is_required": a.is_required,
        "is_unique": a.is_unique,
        "label": a.label,
        "multiline_count": a.multiline_count,
        "options": a.options.iter().map(|o| json!({
            "is_default": o.is_default,
            "label": o.label,
            "value": o.value,
        })).collect::<Vec<_>>(),
        "sort_order": a.sort_order,
        "validate_rules": a.validate_rules.iter().map(|r| json!({
            "name": r.name,
            "value": r.value,
        })).collect::<Vec<_>>(),
    })
}
