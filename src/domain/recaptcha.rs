//! reCAPTCHA on the storefront forms: which forms are switched on, and whether the token a
//! request carries passes.
//!
//! The mock serves reCAPTCHA v3 only (**mock decision**). There is no Google to ask, so the one
//! token that passes is the setting `recaptcha_test_token` (**mock decision**); every other
//! value fails, and so does no token at all (Magento reads a missing `X-ReCaptcha` header as
//! `""`, which Google refuses: missing and wrong are one failure).
//!
//! The display values (`minimum_score`, `badge_position`, `theme`, `language_code`, the two
//! failure messages) are the defaults of Magento's `config.xml` files in
//! `magento/security-package`; no setting changes them.

use super::fixtures::Settings;

/// A storefront form that can be protected, by its Magento key
/// (`recaptcha_frontend/type_for/<key>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    CustomerForgotPassword,
    CustomerEdit,
    CustomerLogin,
    CustomerCreate,
    ResendConfirmationEmail,
}

impl Form {
    /// Every form the mock can switch on, in the order `recaptchaV3Config.forms` lists them:
    /// the `formTypes` order of `ReCaptchaVersion3Invisible/etc/di.xml` (which has no
    /// `resend_confirmation_email`; the mock lists it last).
    pub(crate) const ALL: [Form; 5] = [
        Form::CustomerForgotPassword,
        Form::CustomerEdit,
        Form::CustomerLogin,
        Form::CustomerCreate,
        Form::ResendConfirmationEmail,
    ];

    /// Magento's form key, e.g. `customer_login`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Form::CustomerForgotPassword => "customer_forgot_password",
            Form::CustomerEdit => "customer_edit",
            Form::CustomerLogin => "customer_login",
            Form::CustomerCreate => "customer_create",
            Form::ResendConfirmationEmail => "resend_confirmation_email",
        }
    }

    /// Whether the settings switch this form on.
    pub(crate) fn is_on(self, s: &Settings) -> bool {
        match self {
            Form::CustomerForgotPassword => s.recaptcha_customer_forgot_password,
            Form::CustomerEdit => s.recaptcha_customer_edit,
            Form::CustomerLogin => s.recaptcha_customer_login,
            Form::CustomerCreate => s.recaptcha_customer_create,
            Form::ResendConfirmationEmail => s.recaptcha_resend_confirmation_email,
        }
    }
}

/// The error of a protected operation whose check fails, GraphQL and REST alike
/// (`ReCaptchaWebapiGraphQl\Plugin\GraphQlValidator`, `ReCaptchaWebapiRest\Plugin\RestValidationPlugin`).
pub(crate) const VALIDATION_FAILED: &str = "ReCaptcha validation failed, please try again";

/// `recaptcha_frontend/type_recaptcha_v3/score_threshold`.
pub(crate) const MINIMUM_SCORE: f64 = 0.5;
/// `recaptcha_frontend/type_recaptcha_v3/position`.
pub(crate) const BADGE_POSITION: &str = "inline";
/// `recaptcha_frontend/type_recaptcha_v3/theme`.
pub(crate) const THEME: &str = "light";
/// `recaptcha_frontend/type_recaptcha_v3/lang` is empty; the resolvers read it as a string.
pub(crate) const LANGUAGE_CODE: &str = "";
/// `recaptcha_frontend/failure_messages/validation_failure_message`: what the storefront shows
/// its user, not the API's error text.
pub(crate) const VALIDATION_FAILURE_MESSAGE: &str = "reCAPTCHA verification failed.";
/// `recaptcha_frontend/failure_messages/technical_failure_message`.
pub(crate) const TECHNICAL_FAILURE_MESSAGE: &str =
    "Something went wrong with reCAPTCHA. Please contact the store owner.";

/// Whether a request for `form` may proceed: the form is off, or `token` (the `X-ReCaptcha`
/// header, `None` when absent) is the test token.
pub(crate) fn passes(settings: &Settings, form: Form, token: Option<&str>) -> bool {
    !form.is_on(settings) || token == Some(settings.recaptcha_test_token.as_str())
}

/// The forms switched on, in [`Form::ALL`] order.
pub(crate) fn forms_on(settings: &Settings) -> Vec<Form> {
    Form::ALL.into_iter().filter(|f| f.is_on(settings)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_that_is_off_lets_everything_through() {
        let s = Settings::default();
        for form in Form::ALL {
            assert!(passes(&s, form, None));
            assert!(passes(&s, form, Some("anything")));
        }
        assert!(forms_on(&s).is_empty());
    }

    #[test]
    fn a_form_that_is_on_needs_exactly_the_test_token() {
        let s = Settings {
            recaptcha_customer_edit: true,
            recaptcha_test_token: "let-me-in".into(),
            ..Settings::default()
        };
        assert!(!passes(&s, Form::CustomerEdit, None));
        assert!(!passes(&s, Form::CustomerEdit, Some("")));
        assert!(!passes(&s, Form::CustomerEdit, Some("let-me-in ")));
        assert!(!passes(&s, Form::CustomerEdit, Some("LET-ME-IN")));
        assert!(passes(&s, Form::CustomerEdit, Some("let-me-in")));
        assert!(passes(&s, Form::CustomerLogin, None), "other forms stay off");
        assert_eq!(forms_on(&s), [Form::CustomerEdit]);
    }
}
