//! `recaptchaV3Config` — what PWA Studio reads to learn which forms need a token
//! (`ReCaptchaWebapiGraphQl\Model\Resolver\ReCaptchaV3`).
//!
//! `is_enabled`: at least one form is on (the mock's site key is always set); `forms`: the
//! forms that are on, as `ReCaptchaFormEnum` values in Magento's order. A profile whose enum
//! lacks `RESEND_CONFIRMATION_EMAIL` (2.4.7) does not list that form.

use serde_json::{json, Value};

use super::recaptcha::enum_name;
use super::RequestCtx;
use crate::domain::recaptcha::{self, Form};
use crate::graphql::{Args, FieldError};

pub(crate) fn resolve(ctx: &RequestCtx, _args: &Args) -> Result<Value, FieldError> {
    let s = ctx.domain.settings();
    let listed = |f: &Form| *f != Form::ResendConfirmationEmail || ctx.profile.caps().recaptcha_form_config;
    let forms: Vec<String> = recaptcha::forms_on(&s)
        .into_iter()
        .filter(listed)
        .map(enum_name)
        .collect();
    Ok(json!({
        "is_enabled": !forms.is_empty(),
        "website_key": s.recaptcha_website_key,
        "minimum_score": recaptcha::MINIMUM_SCORE,
        "badge_position": recaptcha::BADGE_POSITION,
        "language_code": recaptcha::LANGUAGE_CODE,
        "failure_message": recaptcha::VALIDATION_FAILURE_MESSAGE,
        "forms": forms,
        "theme": recaptcha::THEME,
    }))
}
