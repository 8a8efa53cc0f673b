//! reCAPTCHA on GraphQL: which mutation each form protects, the check that runs before a
//! protected mutation's resolver, and the JSON of a form's configuration that the config
//! queries share.
//!
//! Magento runs the check as a `before` plugin on every resolver
//! (`ReCaptchaWebapiGraphQl\Plugin\GraphQlValidator`), for mutations only, so it is a field
//! error of the protected field and comes before that resolver's own argument checks. Here it
//! is one wrapper, [`guarded`], put around the protected resolvers when they are registered
//! ([`super::build_engine`]); queries are never wrapped.

use serde_json::{json, Map, Value};

use super::{input_error, RequestCtx};
use crate::domain::recaptcha::{self, Form};
use crate::domain::Settings;
use crate::graphql::{Args, FieldError};

/// `op` with the check of `form` first. Which form protects which mutation (registered in
/// [`super::build_engine`]): Magento's `WebapiConfigProvider`s map resolver classes to forms
/// (`ReCaptchaCustomer`, `ReCaptchaResendConfirmationEmail`), and Adobe's "protected
/// mutations" page adds `exchangeOtpForCustomerToken` (SaaS) to customer login.
pub(crate) fn guarded<R: 'static>(
    form: Form,
    op: fn(&RequestCtx, &Args) -> Result<R, FieldError>,
) -> impl Fn(&RequestCtx, &Args) -> Result<R, FieldError> + Send + Sync + 'static {
    move |ctx, args| {
        check(ctx, form)?;
        op(ctx, args)
    }
}

/// The check of a protected mutation: `ReCaptcha validation failed, please try again`
/// (`graphql-input`) unless the form is off or `X-ReCaptcha` carries the test token.
pub(crate) fn check(ctx: &RequestCtx, form: Form) -> Result<(), FieldError> {
    if recaptcha::passes(&ctx.domain.settings(), form, ctx.recaptcha.as_deref()) {
        Ok(())
    } else {
        Err(input_error(recaptcha::VALIDATION_FAILED))
    }
}

/// `ReCaptchaFormEnum` value of a form (Magento upper-cases the form key).
pub(crate) fn enum_name(form: Form) -> String {
    form.key().to_ascii_uppercase()
}

/// The form a `ReCaptchaFormEnum` value names, `None` for the forms the mock has no switch for
/// (they are never protected).
pub(crate) fn form_named(value: &str) -> Option<Form> {
    Form::ALL.into_iter().find(|f| enum_name(*f) == value)
}

/// `ReCaptchaConfigOutput` of a form (`ReCaptchaFormConfig` resolver): not protected →
/// `{"is_enabled": false, "configurations": null}`; protected → its v3 configuration.
pub(crate) fn form_config(settings: &Settings, form_type: &str) -> Map<String, Value> {
    let on = form_named(form_type).is_some_and(|f| f.is_on(settings));
    let configurations = if on {
        json!({
            "re_captcha_type": "RECAPTCHA_V3",
            "website_key": settings.recaptcha_website_key,
            "minimum_score": recaptcha::MINIMUM_SCORE,
            "badge_position": recaptcha::BADGE_POSITION,
            "theme": recaptcha::THEME,
            "language_code": recaptcha::LANGUAGE_CODE,
            "validation_failure_message": recaptcha::VALIDATION_FAILURE_MESSAGE,
            "technical_failure_message": recaptcha::TECHNICAL_FAILURE_MESSAGE,
        })
    } else {
        Value::Null
    };
    let mut out = Map::new();
    out.insert("is_enabled".into(), Value::Bool(on));
    out.insert("configurations".into(), configurations);
    out
}
