//! Attribute forms: the customer attributes a storefront renders in a form (Magento's
//! `attributesForm(formCode:)`), as fixture data.
//!
//! The default set holds Magento's default `customer_account_create` form: the attributes a
//! fresh store shows on its sign-up page, `firstname`, `lastname` and `email` (prefix, middle
//! name, suffix, date of birth, tax/VAT number and gender are hidden by default configuration).
//! The password is not an attribute: storefronts render their own password field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One attribute of a form (Magento's `CustomerAttributeMetadata`). Enum-valued fields hold
/// the GraphQL enum name (`TEXT`, `CUSTOMER`, `MAX_TEXT_LENGTH`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMetadata {
    pub code: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default = "customer_entity")]
    pub entity_type: String,
    #[serde(default = "text_input")]
    pub frontend_input: String,
    #[serde(default)]
    pub frontend_class: Option<String>,
    #[serde(default)]
    pub is_required: bool,
    #[serde(default)]
    pub is_unique: bool,
    #[serde(default)]
    pub default_value: Option<String>,
    #[serde(default)]
    pub options: Vec<AttributeOption>,
    #[serde(default)]
    pub input_filter: Option<String>,
    #[serde(default)]
    pub multiline_count: Option<i64>,
    #[serde(default)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    pub validate_rules: Vec<ValidationRule>,
}

/// One option of a select or multiselect attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeOption {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub is_default: bool,
}

/// A validation rule (`name` is a `ValidationRuleEnum` value such as `MAX_TEXT_LENGTH`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationRule {
    pub name: String,
    pub value: String,
}

fn customer_entity() -> String {
    "CUSTOMER".into()
}

fn text_input() -> String {
    "TEXT".into()
}

/// The values a `frontend_input` may take (Magento's `AttributeFrontendInputEnum`).
pub(crate) const FRONTEND_INPUTS: &[&str] = &[
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "FILE",
    "GALLERY",
    "HIDDEN",
    "IMAGE",
    "MEDIA_IMAGE",
    "MULTILINE",
    "MULTISELECT",
    "PRICE",
    "SELECT",
    "TEXT",
    "TEXTAREA",
    "UNDEFINED",
    "WEIGHT",
];

/// The values an `entity_type` may take (Magento's `AttributeEntityTypeEnum`).
pub(crate) const ENTITY_TYPES: &[&str] = &[
    "CATALOG_CATEGORY",
    "CATALOG_PRODUCT",
    "CUSTOMER",
    "CUSTOMER_ADDRESS",
];

/// The values a validation rule `name` may take (Magento's `ValidationRuleEnum`).
pub(crate) const VALIDATION_RULES: &[&str] = &[
    "DATE_RANGE_MAX",
    "DATE_RANGE_MIN",
    "FILE_EXTENSIONS",
    "INPUT_VALIDATION",
    "MAX_FILE_SIZE",
    "MAX_IMAGE_HEIGHT",
    "MAX_IMAGE_WIDTH",
    "MAX_TEXT_LENGTH",
    "MIN_TEXT_LENGTH",
];

/// The values an `input_filter` may take (Magento's `InputFilterEnum`).
pub(crate) const INPUT_FILTERS: &[&str] = &["DATE", "ESCAPEHTML", "NONE", "STRIPTAGS", "TRIM"];

/// The form code of the sign-up form.
pub(crate) const CUSTOMER_ACCOUNT_CREATE: &str = "customer_account_create";

fn text_attribute(code: &str, label: &str, sort_order: i64, rules: &[(&str, &str)]) -> AttributeMetadata {
    AttributeMetadata {
        code: code.into(),
        label: Some(label.into()),
        entity_type: customer_entity(),
        frontend_input: text_input(),
        frontend_class: None,
        is_required: true,
        is_unique: false,
        default_value: None,
        options: Vec::new(),
        input_filter: Some("NONE".into()),
        multiline_count: Some(0),
        sort_order: Some(sort_order),
        validate_rules: rules
            .iter()
            .map(|(name, value)| ValidationRule {
                name: (*name).into(),
                value: (*value).into(),
            })
            .collect(),
    }
}

/// Magento's default forms: `customer_account_create` with first name, last name and email.
pub(crate) fn default_forms() -> BTreeMap<String, Vec<AttributeMetadata>> {
    let names = [("MAX_TEXT_LENGTH", "255"), ("MIN_TEXT_LENGTH", "1")];
    let create = vec![
        text_attribute("firstname", "First Name", 40, &names),
        text_attribute("lastname", "Last Name", 70, &names),
        text_attribute("email", "Email", 80, &[("INPUT_VALIDATION", "email")]),
    ];
    BTreeMap::from([(CUSTOMER_ACCOUNT_CREATE.to_string(), create)])
}
