//! How a customer proves who they are (spec 4.4 and 5.1–5.7): the password, the one-time
//! secrets (reset-password tokens and admin one-time codes), the lockout counter on the record,
//! the throttle keyed by the submitted string, and the evaluation order of sign-in.
//!
//! Each function runs under the store's one lock with the parts it needs; none signs a token
//! or draws a random value (both happen outside the lock).

use std::collections::BTreeSet;

use compact_str::CompactString;

use super::accounts::Accounts;
use super::customer::{Customer, Secrets};
use super::fixtures::Settings;
use super::messages as msg;
use super::throttle::Throttle;
use super::{rules, OtcError, Refusal};

/// A secret with a lifetime: reset token or one-time code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Secret {
    pub(crate) value: CompactString,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
    /// The admin who issued a one-time code.
    pub(crate) admin_id: Option<u64>,
}

impl Secret {
    /// Live until `expires_at`; `expires_at <= now` is expired, as every expiry of the mock.
    pub(crate) fn is_live(&self, now: i64) -> bool {
        self.expires_at > now
    }
}

/// Which secrets `generateCustomerToken`'s `password` may be, tried in this order (spec 5.1 step 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedSecrets {
    /// (a) the account password.
    pub password: bool,
    /// (b) a live reset-password token, consumed on use.
    pub reset_token: bool,
    /// (c) a live admin one-time code, consumed on use.
    pub otc: bool,
}

/// Why a sign-in failed (spec 5.1 steps 3–8). All but `NotConfirmed` show the generic message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInError {
    Throttled,
    UnknownEmail,
    Locked,
    NotConfirmed,
    NoMatch,
}

/// What the submitted secret turned out to be.
enum Matched {
    Password,
    ResetToken,
    /// A one-time code, with the admin who issued it.
    Otc(Option<u64>),
}

impl Customer {
    /// True while the lockout lasts.
    pub(crate) fn is_locked(&self, now: i64) -> bool {
        self.lock_expires().is_some_and(|t| t > now)
    }

    pub(super) fn password_is(&self, candidate: &str) -> bool {
        self.password.as_deref() == Some(candidate)
    }

    pub(super) fn set_password(&mut self, password: &str) {
        self.password = Some(password.into());
    }

    /// Counts a failed credential check (spec 4.4): the `max`-th failure locks for `minutes`;
    /// a failure after an expired lock starts again at 1.
    pub(super) fn record_failure(&mut self, now: i64, max: u32, minutes: i64) {
        if self.lock_expires().is_some_and(|t| t <= now) {
            self.failures_num = 0;
            self.set_lock_expires(None);
        }
        self.failures_num += 1;
        if self.failures_num >= max {
            self.set_lock_expires(Some(now + minutes * 60));
        }
    }

    fn has_failures(&self) -> bool {
        self.failures_num != 0 || self.lock_expires().is_some()
    }

    pub(super) fn reset_failures(&mut self) {
        self.failures_num = 0;
        self.set_lock_expires(None);
    }

    pub(super) fn lock_now(&mut self, now: i64, max: u32, minutes: i64) {
        self.failures_num = max;
        self.set_lock_expires(Some(now + minutes * 60));
    }

    pub(super) fn reset_token(&self) -> Option<&Secret> {
        self.secrets.as_ref()?.reset_token.as_ref()
    }

    pub(super) fn otc(&self) -> Option<&Secret> {
        self.secrets.as_ref()?.otc.as_ref()
    }

    fn secrets_mut(&mut self) -> &mut Secrets {
        self.secrets.get_or_insert_with(Default::default)
    }

    pub(super) fn set_reset_token(&mut self, token: Secret) {
        self.secrets_mut().reset_token = Some(token);
    }

    pub(super) fn set_otc(&mut self, code: Secret) {
        self.secrets_mut().otc = Some(code);
    }

    fn take_reset_token(&mut self) {
        self.take_secret(|s| &mut s.reset_token);
    }

    fn take_otc(&mut self) -> Option<Secret> {
        self.take_secret(|s| &mut s.otc)
    }

    fn take_secret(&mut self, which: impl Fn(&mut Secrets) -> &mut Option<Secret>) -> Option<Secret> {
        let secrets = self.secrets.as_mut()?;
        let taken = which(secrets).take();
        if secrets.reset_token.is_none() && secrets.otc.is_none() {
            self.secrets = None;
        }
        taken
    }

    /// Step 7 of spec 5.1: the password, then a live reset token, then a live one-time code
    /// (refused when remote shopping assistance is off at exchange time).
    fn matching_secret(&self, secret: &str, accept: AcceptedSecrets, now: i64) -> Option<Matched> {
        let live = |s: Option<&Secret>| s.is_some_and(|s| s.is_live(now) && s.value == secret);
        if accept.password && self.password_is(secret) {
            Some(Matched::Password)
        } else if accept.reset_token && live(self.reset_token()) {
            Some(Matched::ResetToken)
        } else if accept.otc && self.allow_remote_shopping_assistance && live(self.otc()) {
            Some(Matched::Otc(self.otc().and_then(|s| s.admin_id)))
        } else {
            None
        }
    }
}

/// The store-wide part of the credentials: the sign-in throttle, and which customers hold a
/// one-time code (so that dropping expired codes does not walk every customer).
#[derive(Debug, Clone, Default)]
pub(crate) struct Credentials {
    /// Customer sign-in throttle, keyed by the email exactly as submitted.
    throttle: Throttle,
    /// `(expires_at, customer id)` of every code issued and not yet purged.
    otc_expiries: BTreeSet<(i64, u64)>,
}

impl Credentials {
    /// Spec 5.1 steps 3–9 (emptiness, steps 1–2, is the operation's business): returns the
    /// customer id and, for a one-time code, the admin who issued it. `throttle_key` is
    /// [`throttle::key`](super::throttle::key) of `email`, computed before the lock.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sign_in(
        &mut self,
        accounts: &mut Accounts,
        s: &Settings,
        email: &str,
        throttle_key: &str,
        secret: &str,
        accept: AcceptedSecrets,
        now: i64,
    ) -> Result<(u64, Option<u64>), SignInError> {
        // 3. Throttle, checked before authentication; a throttled attempt does not count.
        if self
            .throttle
            .is_throttled(throttle_key, now, s.throttle_max_failures)
        {
            return Err(SignInError::Throttled);
        }
        let outcome = Self::authenticate(accounts, s, email, secret, accept, now);
        match outcome {
            Ok(_) => self.throttle.reset(throttle_key),
            Err(_) => self
                .throttle
                .record_failure(throttle_key, now, s.throttle_window_seconds),
        }
        outcome
    }

    fn authenticate(
        accounts: &mut Accounts,
        s: &Settings,
        email: &str,
        secret: &str,
        accept: AcceptedSecrets,
        now: i64,
    ) -> Result<(u64, Option<u64>), SignInError> {
        // 4. Unknown email.
        let id = accounts.find_by_email(email).ok_or(SignInError::UnknownEmail)?;
        let c = accounts.get(id).ok_or(SignInError::UnknownEmail)?;
        // 5. Locked.
        if c.is_locked(now) {
            return Err(SignInError::Locked);
        }
        // 6. Not confirmed.
        if c.awaits_confirmation(s.confirmation_required) {
            return Err(SignInError::NotConfirmed);
        }
        // 7. The secret, in the seed's evaluation order; an earlier match leaves later ones
        // alone. The record is written (copied, when shared) only when something changes.
        let matched = c.matching_secret(secret, accept, now);
        let needs_write = !matches!(matched, Some(Matched::Password)) || c.has_failures();
        if !needs_write {
            return Ok((id, None));
        }
        let c = accounts.get_mut(id).ok_or(SignInError::UnknownEmail)?;
        let admin_id = match matched {
            // 8. No match: lockout +1 (the throttle is counted by the caller).
            None => {
                c.record_failure(now, s.lockout_failures, s.lockout_minutes);
                return Err(SignInError::NoMatch);
            }
            Some(Matched::Password) => None,
            Some(Matched::ResetToken) => {
                c.take_reset_token();
                None
            }
            Some(Matched::Otc(admin_id)) => {
                c.take_otc();
                admin_id
            }
        };
        // 9. Success resets both counters.
        c.reset_failures();
        Ok((id, admin_id))
    }

    /// A successful reset also clears the throttle of the submitted email (**mock decision**:
    /// "counters reset" includes it).
    pub(super) fn forget(&mut self, throttle_key: &str) {
        self.throttle.reset(throttle_key);
    }

    /// Issues `code` to a customer with remote shopping assistance (spec 6); it replaces the
    /// customer's earlier unused code.
    pub(super) fn issue_otc(
        &mut self,
        accounts: &mut Accounts,
        customer_id: u64,
        admin_id: u64,
        code: CompactString,
        ttl: i64,
        now: i64,
    ) -> Result<(), OtcError> {
        let c = accounts.get(customer_id).ok_or(OtcError::UnknownCustomer)?;
        if !c.allow_remote_shopping_assistance {
            return Err(OtcError::AssistanceDisabled);
        }
        if let Some(old) = c.otc() {
            // The replaced code's expiry goes too: one entry per customer, whatever the TTL.
            self.otc_expiries.remove(&(old.expires_at, customer_id));
        }
        let c = accounts.get_mut(customer_id).ok_or(OtcError::UnknownCustomer)?;
        c.set_otc(Secret {
            value: code,
            issued_at: now,
            expires_at: now + ttl,
            admin_id: Some(admin_id),
        });
        self.otc_expiries.insert((now + ttl, customer_id));
        Ok(())
    }

    /// Drops expired throttle windows and one-time codes (kept: expired reset tokens, because
    /// `resetPassword` must still answer "expired", not "mismatched", however late it is tried).
    pub(super) fn purge_expired(&mut self, accounts: &mut Accounts, now: i64) {
        self.throttle.purge_expired(now);
        while let Some(&(expires_at, id)) = self.otc_expiries.first() {
            if expires_at > now {
                break;
            }
            self.otc_expiries.pop_first();
            // Only the code that expired then: a newer one issued since stays.
            if accounts
                .get(id)
                .and_then(Customer::otc)
                .is_some_and(|s| s.expires_at == expires_at)
            {
                if let Some(c) = accounts.get_mut(id) {
                    c.take_otc();
                }
            }
        }
    }

    /// Throttle keys held, and one-time code expiries waiting to be purged.
    #[cfg(any(test, feature = "test-support"))]
    pub(super) fn sizes(&self) -> (usize, usize) {
        (self.throttle.len(), self.otc_expiries.len())
    }

    /// Live throttle failures of a submitted email string.
    #[cfg(test)]
    pub(super) fn throttle_failures(&self, throttle_key: &str, now: i64) -> u32 {
        self.throttle.failures(throttle_key, now)
    }
}

/// The password-reset operations' first checks (spec 5.5, 5.6): an unknown email answers
/// `unknown` (their messages differ), a locked account `The account is locked`.
fn unlocked_for_reset<'a>(
    accounts: &'a mut Accounts,
    email: &str,
    now: i64,
    unknown: &str,
) -> Result<&'a mut Customer, Refusal> {
    let id = accounts
        .find_by_email(email)
        .ok_or_else(|| Refusal::input(unknown))?;
    if accounts.get(id).is_some_and(|c| c.is_locked(now)) {
        return Err(Refusal::input(msg::ACCOUNT_LOCKED));
    }
    accounts.get_mut(id).ok_or_else(|| Refusal::input(unknown))
}

/// `requestPasswordResetEmail` after the email checks: `token` replaces any earlier one.
pub(super) fn issue_reset_token<'a>(
    accounts: &'a mut Accounts,
    s: &Settings,
    email: &str,
    token: &str,
    now: i64,
) -> Result<&'a Customer, Refusal> {
    let c = unlocked_for_reset(accounts, email, now, msg::CANNOT_RESET_PASSWORD)?;
    c.set_reset_token(Secret {
        value: token.into(),
        issued_at: now,
        expires_at: now + s.reset_token_ttl_seconds,
        admin_id: None,
    });
    Ok(c)
}

/// `resetPassword` from "unknown customer" on (spec 5.6): the token must be the customer's
/// current one and live, the new password must pass the policy; then the token is consumed
/// and the counters reset.
pub(super) fn reset_password(
    accounts: &mut Accounts,
    s: &Settings,
    email: &str,
    token: &str,
    new_password: &str,
    now: i64,
) -> Result<(), Refusal> {
    let c = unlocked_for_reset(accounts, email, now, msg::CANNOT_SET_PASSWORD)?;
    match c.reset_token() {
        Some(t) if t.value == token => {
            if !t.is_live(now) {
                return Err(Refusal::input(msg::RESET_TOKEN_EXPIRED));
            }
        }
        _ => return Err(Refusal::input(msg::RESET_TOKEN_MISMATCHED)),
    }
    check_policy(new_password, &c.email, s)?;
    c.set_password(new_password);
    c.take_reset_token();
    c.reset_failures();
    c.touch(now);
    Ok(())
}

/// `changeCustomerPassword` in Magento's order: the current password (a failure counts
/// towards the lockout; the failure that locks answers `The account is locked.`), the policy,
/// the change. The caller refuses a locked or unconfirmed account only afterwards.
pub(super) fn change_password<'a>(
    c: &'a mut Customer,
    s: &Settings,
    current: &str,
    new: &str,
    now: i64,
) -> Result<&'a Customer, Refusal> {
    if !c.password_is(current) {
        c.record_failure(now, s.lockout_failures, s.lockout_minutes);
        if c.is_locked(now) {
            return Err(Refusal::authentication(msg::ACCOUNT_LOCKED_PERIOD));
        }
        return Err(Refusal::authentication(msg::INVALID_LOGIN));
    }
    check_policy(new, &c.email, s)?;
    c.set_password(new);
    c.touch(now);
    Ok(c)
}

/// The password policy of spec 5.7 with the store's settings, as a refusal.
pub(super) fn check_policy(password: &str, email: &str, s: &Settings) -> Result<(), Refusal> {
    rules::check_password_policy(
        password,
        email,
        s.password_min_length,
        s.password_required_classes,
    )
    .map_err(|e| Refusal::input(e.message()))
}
