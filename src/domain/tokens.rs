//! The access tokens a store issues (spec 4.3): signing with the store's key, revocation by
//! customer and second, and reading a bearer token back into who is asking.

use std::collections::HashMap;

use super::accounts::Accounts;
use super::admins;
use super::fixtures::Fixtures;
use super::token::{Claims, UTYPID_ADMIN, UTYPID_CUSTOMER};

/// Who a request runs as, from its bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Guest,
    /// A customer token; `admin_id` is set on admin-assisted sessions.
    Customer {
        customer_id: u64,
        admin_id: Option<u64>,
    },
    Admin {
        admin_id: u64,
    },
}

/// Why a bearer token is refused (spec 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerError {
    Unreadable,
    Revoked,
    Expired,
}

impl BearerError {
    pub(crate) fn message(&self) -> &'static str {
        match self {
            BearerError::Unreadable => "Composite reader could not read a token",
            BearerError::Revoked => "User token has been revoked",
            BearerError::Expired => "Consumer key has expired",
        }
    }
}

/// Revocations, by customer: the second of the latest `revokeCustomerToken`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tokens {
    revoked_at: HashMap<u64, i64>,
}

impl Tokens {
    /// Every token of the customer issued up to and including `now` is revoked (spec 4.3).
    pub(super) fn revoke(&mut self, customer_id: u64, now: i64) {
        self.revoked_at.insert(customer_id, now);
    }

    /// Customers with a recorded revocation.
    #[cfg(any(test, feature = "test-support"))]
    pub(super) fn revocations(&self) -> usize {
        self.revoked_at.len()
    }

    /// Forgets a deleted customer's revocation: its tokens read as revoked without it (the
    /// account is gone), and ids are never reused.
    pub(super) fn forget(&mut self, customer_id: u64) {
        self.revoked_at.remove(&customer_id);
    }

    /// Reads a JWT already verified by `signer` against the store's state: a token of a
    /// deleted customer or admin counts as revoked (**mock decision**); expired when
    /// `exp <= now`.
    pub(super) fn check(
        &self,
        claims: &Claims,
        accounts: &Accounts,
        fixtures: &Fixtures,
        now: i64,
    ) -> Result<Auth, BearerError> {
        let auth = match claims.utypid {
            UTYPID_CUSTOMER => {
                if accounts.get(claims.uid).is_none()
                    || self.revoked_at.get(&claims.uid).is_some_and(|t| claims.iat <= *t)
                {
                    return Err(BearerError::Revoked);
                }
                Auth::Customer {
                    customer_id: claims.uid,
                    admin_id: claims.admin_id,
                }
            }
            UTYPID_ADMIN => {
                if admins::by_id(fixtures, claims.uid).is_none() {
                    return Err(BearerError::Revoked);
                }
                Auth::Admin { admin_id: claims.uid }
            }
            _ => return Err(BearerError::Unreadable),
        };
        if claims.exp <= now {
            return Err(BearerError::Expired);
        }
        Ok(auth)
    }
}

/// Claims of a token issued now for `lifetime_secs`.
pub(super) fn claims(uid: u64, utypid: u8, now: i64, lifetime_secs: i64, admin_id: Option<u64>) -> Claims {
    Claims {
        uid,
        utypid,
        iat: now,
        exp: now + lifetime_secs,
        admin_id,
    }
}
