//! Admin users (REST admin tokens, one-time codes, `generateCustomerTokenAsAdmin`): who they
//! are, what they may do, and the throttle of the admin token endpoint.

use serde::{Deserialize, Serialize};

use super::fixtures::Fixtures;
use super::throttle::Throttle;

/// ACL resources the mock's endpoints ask for (names from Magento's `acl.xml` / `webapi.xml`).
pub(crate) mod acl {
    pub(crate) const LOGIN_AS_CUSTOMER: &str = "Magento_LoginAsCustomer::login";
    pub(crate) const ALLOW_SHOPPING_ASSISTANCE: &str = "Magento_LoginAsCustomer::allow_shopping_assistance";
    pub(crate) const CUSTOMER_READ: &str = "Magento_Customer::customer";
    pub(crate) const CUSTOMER_MANAGE: &str = "Magento_Customer::manage";
    pub(crate) const CUSTOMER_DELETE: &str = "Magento_Customer::delete";
    /// Magento's root resource: everything.
    pub(crate) const ALL: &str = "Magento_Backend::all";
}

/// An admin user as written in the fixtures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminUser {
    pub id: u64,
    pub username: String,
    pub password: String,
    /// ACL resources, e.g. `Magento_LoginAsCustomer::login`.
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl AdminUser {
    /// Whether the admin may use `resource`: granted directly, through `Magento_Backend::all`,
    /// or (**mock decision**) for a `Magento_Customer::` resource through
    /// `Magento_Customer::manage` ("All Customers" in Magento's ACL tree, whose holders also hold
    /// its children). The one grant check of REST and GraphQL.
    pub(crate) fn grants(&self, resource: &str) -> bool {
        let holds = |acl: &str| self.permissions.iter().any(|p| p == acl || p == acl::ALL);
        holds(resource) || (resource.starts_with("Magento_Customer::") && holds(acl::CUSTOMER_MANAGE))
    }
}

/// Why an admin token cannot be issued (spec 6); both answer the generic sign-in message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdminLoginError {
    Throttled,
    InvalidCredentials,
}

/// The store's admin-side state: the throttle of `POST /V1/integration/admin/token`, keyed by
/// the username as submitted. The admin users themselves are the fixtures'.
#[derive(Debug, Clone, Default)]
pub(crate) struct Admins {
    throttle: Throttle,
}

/// The admin with this id.
pub(crate) fn by_id(f: &Fixtures, id: u64) -> Option<&AdminUser> {
    f.admin_users.iter().find(|a| a.id == id)
}

/// The admin a static token (a stand-in for an Adobe IMS token) names.
pub(crate) fn by_static_token<'f>(f: &'f Fixtures, token: &str) -> Option<&'f AdminUser> {
    let username = f.admin_tokens.get(token)?;
    f.admin_users
        .iter()
        .find(|a| a.username.eq_ignore_ascii_case(username))
}

impl Admins {
    /// Throttle keys held.
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn throttle_keys(&self) -> usize {
        self.throttle.len()
    }

    /// Checks admin credentials with the customer throttle's numbers; returns the admin's id.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn login(
        &mut self,
        f: &Fixtures,
        username: &str,
        throttle_key: &str,
        password: &str,
        max_failures: u32,
        window: i64,
        now: i64,
    ) -> Result<u64, AdminLoginError> {
        if self.throttle.is_throttled(throttle_key, now, max_failures) {
            return Err(AdminLoginError::Throttled);
        }
        let found = f
            .admin_users
            .iter()
            .find(|a| a.username.eq_ignore_ascii_case(username) && a.password == password);
        match found {
            Some(admin) => {
                self.throttle.reset(throttle_key);
                Ok(admin.id)
            }
            None => {
                self.throttle.record_failure(throttle_key, now, window);
                Err(AdminLoginError::InvalidCredentials)
            }
        }
    }

    pub(super) fn purge_expired(&mut self, now: i64) {
        self.throttle.purge_expired(now);
    }
}
