//! What the runner expects of each profile: the table of `behaviour.md` section 1 (with the
//! statuses of 4.2), stated here on its own rather than read from the mock's capability table,
//! so that a wrong row on either side shows up as a disagreement (`tests/conform_independence.rs`)
//! instead of being agreed with by construction.

use crate::profile::Profile;

/// One profile's column of `behaviour.md` section 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectations {
    /// `POST /V1/customer/{id}/otp` exists and its codes are accepted as `password`.
    pub admin_otc: bool,
    /// `exchangeOtpForCustomerToken` is a mutation of the schema.
    pub exchange_otp_mutation: bool,
    /// A reset-password token is accepted as `password` of `generateCustomerToken`.
    pub reset_token_as_password: bool,
    /// `generateCustomerToken` answers `This account isn't confirmed. Verify and try again.`
    /// (else the generic sign-in message).
    pub unconfirmed_message: bool,
    /// Execution errors get the status of their category (4.2); else always 200.
    pub status_by_category: bool,
    /// Status of errors thrown before execution (bad JSON, content type, mutation over GET).
    pub pre_execution_status: u16,
    pub syntax_error_status: u16,
    /// A bad, expired or revoked bearer fails the request with 401 before execution (else the
    /// request runs as a guest).
    pub bad_bearer_fails_request: bool,
    /// REST answers under bare `/V1/…` as well as `/rest/V1/…`.
    pub rest_bare_v1_prefix: bool,
    /// `POST /V1/integration/customer/token` exists.
    pub integration_customer_token: bool,
    /// `POST /V1/customers/{customerId}/token` exists (section 6).
    pub admin_customer_token_endpoint: bool,
    /// `Customer.group { uid }` exists (section 3).
    pub customer_group_field: bool,
}

const SAAS: Expectations = Expectations {
    admin_otc: true,
    exchange_otp_mutation: true,
    reset_token_as_password: true,
    unconfirmed_message: true,
    status_by_category: true,
    pre_execution_status: 400,
    syntax_error_status: 400,
    bad_bearer_fails_request: true,
    rest_bare_v1_prefix: true,
    integration_customer_token: false,
    admin_customer_token_endpoint: true,
    customer_group_field: true,
};

const PAAS_248: Expectations = Expectations {
    admin_otc: false,
    exchange_otp_mutation: false,
    reset_token_as_password: false,
    unconfirmed_message: true,
    status_by_category: true,
    pre_execution_status: 400,
    syntax_error_status: 400,
    bad_bearer_fails_request: true,
    rest_bare_v1_prefix: false,
    integration_customer_token: true,
    admin_customer_token_endpoint: false,
    customer_group_field: false,
};

const PAAS_247: Expectations = Expectations {
    admin_otc: false,
    exchange_otp_mutation: false,
    reset_token_as_password: false,
    unconfirmed_message: false,
    status_by_category: false,
    pre_execution_status: 500,
    syntax_error_status: 500,
    bad_bearer_fails_request: false,
    rest_bare_v1_prefix: false,
    integration_customer_token: true,
    admin_customer_token_endpoint: false,
    customer_group_field: false,
};

/// What a target of `profile` must do.
pub fn expect(profile: Profile) -> &'static Expectations {
    match profile {
        Profile::Saas => &SAAS,
        Profile::Paas248 => &PAAS_248,
        Profile::Paas247 => &PAAS_247,
    }
}

impl Expectations {
    /// HTTP status of an execution error of `category` (4.2): authentication 401, authorization
    /// 403, the rest 200; always 200 where statuses do not follow categories.
    pub fn status_for(&self, category: &str) -> u16 {
        match category {
            "graphql-authentication" if self.status_by_category => 401,
            "graphql-authorization" if self.status_by_category => 403,
            _ => 200,
        }
    }
}
