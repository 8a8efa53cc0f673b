//! Behaviour profiles (spec `behaviour.md` section 1) as data.
//!
//! Everything that differs between `saas`, `paas-2.4.8` and `paas-2.4.7` is a field of
//! [`Capabilities`]; the rest of the code asks the table instead of comparing profile names.

use std::fmt;

use crate::graphql::Category;
use std::str::FromStr;

/// Which Adobe Commerce flavour a target behaves like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Adobe Commerce as a Cloud Service.
    #[default]
    Saas,
    /// Magento Open Source / Adobe Commerce 2.4.8.
    Paas248,
    /// 2.4.7 and earlier 2.4.x (JWT era).
    Paas247,
}

/// What a profile does, one row of the spec's section 1 table per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Admin one-time code REST endpoint, and OTCs accepted as `password`.
    pub admin_otc: bool,
    /// `exchangeOtpForCustomerToken` exists in the schema.
    pub exchange_otp_mutation: bool,
    /// A reset-password token is accepted as `password` of `generateCustomerToken`.
    pub reset_token_as_password: bool,
    /// `generateCustomerToken` says "This account isn't confirmed…" (else the generic message).
    pub unconfirmed_message: bool,
    /// Execution errors get the HTTP status of their category (else always 200).
    pub status_by_category: bool,
    /// Status of errors thrown before execution (bad JSON, content type, mutation over GET).
    pub pre_execution_status: u16,
    /// Status of a syntax error.
    pub syntax_error_status: u16,
    /// A bad, expired or revoked bearer token fails the request with 401 (else: guest).
    pub bearer_errors_fail_request: bool,
    /// REST answers under the bare `/V1/…` prefix as well as `/rest/V1/…`.
    pub rest_bare_v1_prefix: bool,
    /// `POST /V1/integration/customer/token` exists.
    pub integration_customer_token: bool,
    /// `POST /V1/customers/{id}/token` (admin-issued customer token) exists.
    pub admin_customer_token_endpoint: bool,
    /// `Customer.group { uid }` exists in the schema.
    pub customer_group_field: bool,
    /// `recaptchaFormConfig(formType:)`, `ReCaptchaConfigurationV3.theme` and the form
    /// `RESEND_CONFIRMATION_EMAIL` exist (2.4.8 onwards; 2.4.7 has `recaptchaV3Config` only).
    pub recaptcha_form_config: bool,
    /// `recaptchaFormConfigs(formTypes:)` and the reCAPTCHA type `RECAPTCHA_ENTERPRISE` exist.
    pub recaptcha_form_configs: bool,
}

const SAAS: Capabilities = Capabilities {
    admin_otc: true,
    exchange_otp_mutation: true,
    reset_token_as_password: true,
    unconfirmed_message: true,
    status_by_category: true,
    pre_execution_status: 400,
    syntax_error_status: 400,
    bearer_errors_fail_request: true,
    rest_bare_v1_prefix: true,
    integration_customer_token: false,
    admin_customer_token_endpoint: true,
    customer_group_field: true,
    recaptcha_form_config: true,
    recaptcha_form_configs: true,
};

const PAAS_248: Capabilities = Capabilities {
    admin_otc: false,
    exchange_otp_mutation: false,
    reset_token_as_password: false,
    unconfirmed_message: true,
    status_by_category: true,
    pre_execution_status: 400,
    syntax_error_status: 400,
    bearer_errors_fail_request: true,
    rest_bare_v1_prefix: false,
    integration_customer_token: true,
    admin_customer_token_endpoint: false,
    customer_group_field: false,
    recaptcha_form_config: true,
    recaptcha_form_configs: false,
};

const PAAS_247: Capabilities = Capabilities {
    unconfirmed_message: false,
    status_by_category: false,
    pre_execution_status: 500,
    syntax_error_status: 500,
    bearer_errors_fail_request: false,
    recaptcha_form_config: false,
    ..PAAS_248
};

impl Profile {
    /// All profiles, in the spec's order.
    pub const ALL: [Profile; 3] = [Profile::Saas, Profile::Paas248, Profile::Paas247];

    /// The profile's name as used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Saas => "saas",
            Profile::Paas248 => "paas-2.4.8",
            Profile::Paas247 => "paas-2.4.7",
        }
    }

    /// The profile's row of the capability table.
    pub fn caps(self) -> &'static Capabilities {
        match self {
            Profile::Saas => &SAAS,
            Profile::Paas248 => &PAAS_248,
            Profile::Paas247 => &PAAS_247,
        }
    }

    /// HTTP status of a response whose first error has `category` (spec 4.2).
    pub fn status_for(self, category: &Category) -> u16 {
        if !self.caps().status_by_category {
            return 200;
        }
        match category {
            Category::Authentication => 401,
            Category::Authorization => 403,
            _ => 200,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown profile `{s}`: use one of saas, paas-2.4.8, paas-2.4.7"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_round_trip() {
        for p in Profile::ALL {
            assert_eq!(p.name().parse::<Profile>().unwrap(), p);
        }
        assert!("paas".parse::<Profile>().is_err());
    }

    #[test]
    fn paas_247_answers_200_for_every_category() {
        assert_eq!(Profile::Saas.status_for(&"graphql-authentication".into()), 401);
        assert_eq!(Profile::Paas248.status_for(&"graphql-authorization".into()), 403);
        assert_eq!(Profile::Paas247.status_for(&"graphql-authentication".into()), 200);
        assert_eq!(Profile::Saas.status_for(&"graphql-input".into()), 200);
    }
}
