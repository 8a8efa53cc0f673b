//! `storeConfig` — spec 8: the values a storefront reads at sign-in, from the fixtures.
//! Password policy, confirmation, token lifetime and shopping assistance are derived from the
//! settings the rules use, so what the storefront is told is what the mock enforces.

use serde_json::{json, Value};

use super::RequestCtx;
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, _args: &Args) -> Result<Value, FieldError> {
    let s = ctx.domain.settings();
    let sc = ctx.domain.store_config();
    Ok(json!({
        "store_code": sc.store_code,
        "store_name": sc.store_name,
        "store_group_code": sc.store_group_code,
        "website_code": sc.website_code,
        "website_name": sc.website_name,
        "locale": sc.locale,
        "minimum_password_length": s.password_min_length.to_string(),
        "required_character_classes_number": s.password_required_classes.to_string(),
        "autocomplete_on_storefront": sc.autocomplete_on_storefront,
        "create_account_confirmation": s.confirmation_required,
        "customer_access_token_lifetime": s.customer_token_lifetime_minutes as f64 / 60.0,
        "shopping_assistance_enabled": s.login_as_customer_enabled,
        "shopping_assistance_checkbox_title": sc.shopping_assistance_checkbox_title,
        "shopping_assistance_checkbox_tooltip": sc.shopping_assistance_checkbox_tooltip,
        "share_customer_accounts_scope": sc.share_customer_accounts_scope,
    }))
}
