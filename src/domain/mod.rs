//! The commerce domain of one store: customers, credentials and their evaluation order, tokens,
//! throttle and lockout, one-time codes, reset tokens and the outbox.
//!
//! Plain Rust: nothing here knows about HTTP or GraphQL, and nothing knows about profiles —
//! operations pass flags (for example [`AcceptedSecrets`]) taken from the profile table.
//! Every time rule reads the store's one [`Clock`]. Expiry is uniformly `expires_at <= now`.
//!
//! The state is made of owned parts, each a file with its own methods: [`accounts`] (customers
//! and their e-mail index), [`credentials`] (secrets, lockout, throttle, the order of sign-in),
//! [`tokens`] (revocation, reading bearers), [`admins`] and [`outbox`]. [`Domain`] locks the
//! state and hands each request to the parts it needs.

pub(crate) mod accounts;
pub(crate) mod admins;
pub(crate) mod attributes;
pub(crate) mod cart;
pub(crate) mod clock;
pub(crate) mod console;
pub(crate) mod credentials;
pub(crate) mod customer;
pub mod fixtures;
mod memory;
pub(crate) mod messages;
pub(crate) mod outbox;
pub(crate) mod recaptcha;
pub(crate) mod rules;
pub(crate) mod throttle;
pub mod token;
pub(crate) mod tokens;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

pub(crate) use admins::{AdminLoginError, AdminUser};
pub use clock::Clock;
pub(crate) use console::{ConsoleAction, CustomerState};
pub use credentials::{AcceptedSecrets, SignInError};
pub(crate) use customer::{Customer, CustomerUpdate, NewCustomer};
pub use fixtures::{CustomerFixture, FixtureError, Fixtures, Settings, StoreConfig};
pub(crate) use outbox::Email;
#[cfg(feature = "test-support")]
pub use outbox::EmailKind;
pub use tokens::{Auth, BearerError};

use accounts::Accounts;
use admins::Admins;
use credentials::Credentials;
use messages as msg;
use outbox::{Letterhead, Outbox};
use token::{Signer, UTYPID_ADMIN, UTYPID_CUSTOMER};
use tokens::Tokens;

/// The kind of a refused operation; the GraphQL layer maps it to a category, REST to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Input,
    Authentication,
    Authorization,
    NoSuchEntity,
    AlreadyExists,
    /// A bound of the mock is reached (customers created at run time).
    LimitReached,
}

/// A refused operation with its wire message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub kind: RefusalKind,
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(kind: RefusalKind, message: impl Into<String>) -> Refusal {
        Refusal {
            kind,
            message: message.into(),
        }
    }
    pub(crate) fn input(message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::Input, message)
    }
    pub(crate) fn authentication(message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::Authentication, message)
    }
    pub(crate) fn authorization(message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::Authorization, message)
    }

    fn no_such_customer(id: u64) -> Refusal {
        // **Mock decision**: Magento's GetCustomer wording; unreachable through a live token.
        Refusal::new(
            RefusalKind::NoSuchEntity,
            format!("Customer with id \"{id}\" does not exist."),
        )
    }
}

/// How much a store holds of each thing that requests make grow: what the bounds of the mock
/// are about (README, "Performance and robustness"). For tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg(any(test, feature = "test-support"))]
pub struct Footprint {
    pub customers: usize,
    /// Live customers created at run time (at most `max_created_customers`).
    pub created_customers: usize,
    /// Customer throttle keys (at most [`throttle::MAX_KEYS`]).
    pub throttle_keys: usize,
    /// Admin-token throttle keys (at most [`throttle::MAX_KEYS`]).
    pub admin_throttle_keys: usize,
    /// One-time code expiries awaiting the purge (at most one per customer).
    pub otc_expiries: usize,
    /// Customers with a recorded revocation (at most one per live customer).
    pub revocations: usize,
    /// Carts (at most [`cart::MAX_GUEST_CARTS`] guest carts plus one per customer).
    pub carts: usize,
    /// Emails in the outbox (at most [`OUTBOX_CAPACITY`]).
    pub emails: usize,
}

/// Why an admin one-time code cannot be issued (spec 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtcError {
    UnknownCustomer,
    AssistanceDisabled,
}

/// Everything of a store that changes while the mock runs, in parts.
#[derive(Debug)]
struct State {
    /// The fixtures in force: what a reset returns to.
    fixtures: Arc<Fixtures>,
    /// The settings in force (the fixtures' until changed at run time).
    settings: Arc<Settings>,
    /// Signs and reads this store's tokens.
    signer: Signer,
    accounts: Accounts,
    credentials: Credentials,
    admins: Admins,
    tokens: Tokens,
    outbox: Outbox,
    carts: cart::Carts,
    /// Ids of the live customers created at run time, at most `max_created_customers`.
    created: BTreeSet<u64>,
}

impl State {
    /// A fresh state: the accounts are shared with the fixtures (copy on write), so this costs
    /// the same whatever the number of customers.
    fn new(fixtures: Arc<Fixtures>, signer: Signer) -> State {
        State {
            settings: Arc::new(fixtures.settings.clone()),
            accounts: fixtures.customers.clone(),
            fixtures,
            signer,
            credentials: Credentials::default(),
            admins: Admins::default(),
            tokens: Tokens::default(),
            outbox: Outbox::default(),
            carts: cart::Carts::default(),
            created: BTreeSet::new(),
        }
    }

    /// Refuses a new run-time customer once `max_created_customers` of them are alive.
    fn room_for_a_customer(&self) -> Result<(), Refusal> {
        let max = self.settings.max_created_customers;
        if self.created.len() >= max {
            return Err(Refusal::new(
                RefusalKind::LimitReached,
                msg::created_customers_limit(max),
            ));
        }
        Ok(())
    }

    fn customer_token_claims(&self, customer_id: u64, admin_id: Option<u64>, now: i64) -> token::Claims {
        let lifetime = self.settings.customer_token_lifetime_minutes * 60;
        tokens::claims(customer_id, UTYPID_CUSTOMER, now, lifetime, admin_id)
    }

    /// The signed-in customer's account check (spec 5.4): locked, then unconfirmed.
    fn account_check(&self, c: &Customer, now: i64) -> Result<(), Refusal> {
        if c.is_locked(now) {
            return Err(Refusal::authentication(msg::ACCOUNT_LOCKED_PERIOD));
        }
        if c.awaits_confirmation(self.settings.confirmation_required) {
            return Err(Refusal::authentication(msg::NOT_CONFIRMED));
        }
        Ok(())
    }
}

/// Where a store's email links point (the `base_url` setting, else the store's own address),
/// and the name they sign with.
fn letterhead<'a>(settings: &'a Settings, fixtures: &'a Fixtures, served: &'a str) -> Letterhead<'a> {
    let base = if settings.base_url.is_empty() {
        served
    } else {
        &settings.base_url
    };
    Letterhead {
        base_url: base.trim_end_matches('/'),
        website_name: &fixtures.store_config.website_name,
    }
}

/// What tells one store from another: its tokens' key and its address.
#[derive(Debug, Clone)]
pub(crate) struct StoreIdentity {
    /// Mixed into the signing key of every token, so a store's tokens are refused by every
    /// other store (empty for the default store, whose key is the fixtures' secret).
    pub key_salt: String,
    /// Where the store is served (`http://127.0.0.1:4000`, or `…/<tenant>` for a sandbox): the
    /// base of email links when the `base_url` setting is empty.
    pub address: String,
}

impl Default for StoreIdentity {
    fn default() -> Self {
        StoreIdentity {
            key_salt: String::new(),
            address: "http://localhost:4000".into(),
        }
    }
}

/// The shared state of one store.
///
/// All mutable state sits behind one `std::sync::Mutex`. A std mutex (not an async one) is the
/// right tool because no critical section awaits anything: each method locks, reads or updates a
/// few maps, and unlocks — microseconds, never across I/O (tokens are signed after unlocking).
/// One lock for everything also makes each rule atomic: checking and consuming a one-time code
/// or reset token happens under the same guard, so two concurrent sign-ins cannot both use it.
///
/// ```
/// use commerce_auth_mock::domain::{AcceptedSecrets, Auth, Clock, Domain, Fixtures};
///
/// let domain = Domain::new(Fixtures::embedded_default(), Clock::virtual_at(1_767_225_600));
/// // An admin (id 1) issues a one-time code for the customer with id 2 …
/// let otc = domain.issue_otc(2, 1).unwrap();
/// // … which signs that customer in once, as the `password` of generateCustomerToken (saas).
/// let saas = AcceptedSecrets { password: true, reset_token: true, otc: true };
/// let token = domain.sign_in("assisted@example.com", &otc, saas).unwrap();
/// assert_eq!(
///     domain.authenticate_bearer(&token),
///     Ok(Auth::Customer { customer_id: 2, admin_id: Some(1) })
/// );
/// assert!(domain.sign_in("assisted@example.com", &otc, saas).is_err());
/// ```
#[derive(Debug)]
pub struct Domain {
    clock: Clock,
    identity: StoreIdentity,
    state: Mutex<State>,
}

impl Domain {
    /// A store on `fixtures`, with the default identity.
    #[cfg(any(test, feature = "test-support"))]
    pub fn new(fixtures: Fixtures, clock: Clock) -> Domain {
        Domain::on(Arc::new(fixtures), clock, StoreIdentity::default())
    }

    /// A store on shared fixtures.
    pub(crate) fn on(fixtures: Arc<Fixtures>, clock: Clock, identity: StoreIdentity) -> Domain {
        memory::keep_large_blocks_unpooled();
        let signer = Self::signer(&fixtures.settings, &identity.key_salt);
        let domain = Domain {
            clock,
            identity,
            state: Mutex::new(State::new(fixtures, signer)),
        };
        memory::release_freed_heap();
        domain
    }

    fn signer(settings: &Settings, key_salt: &str) -> Signer {
        if key_salt.is_empty() {
            Signer::new(&settings.token_signing_secret)
        } else {
            Signer::new(&format!("{}\u{0}{key_salt}", settings.token_signing_secret))
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves maps that are still well-formed: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The settings in force.
    pub(crate) fn settings(&self) -> Arc<Settings> {
        self.state().settings.clone()
    }

    /// New settings in force until the next reset (`PATCH /__mock/settings`).
    pub(crate) fn set_settings(&self, settings: Settings) {
        let mut st = self.state();
        if settings.token_signing_secret != st.settings.token_signing_secret {
            st.signer = Self::signer(&settings, &self.identity.key_salt);
        }
        st.settings = Arc::new(settings);
    }

    /// The fixtures in force.
    pub(crate) fn fixtures(&self) -> Arc<Fixtures> {
        self.state().fixtures.clone()
    }

    /// The store configuration values of the fixtures (spec 8).
    pub(crate) fn store_config(&self) -> StoreConfig {
        self.fixtures().store_config.clone()
    }

    /// The attributes of an `attributesForm` form, `None` for a form the fixtures do not have.
    pub(crate) fn attribute_form(&self, form_code: &str) -> Option<Vec<attributes::AttributeMetadata>> {
        self.fixtures().attribute_forms.get(form_code).cloned()
    }

    // ----- lifecycle ------------------------------------------------------------------------

    /// Back to the fixtures, atomically (customers, counters, secrets, revocations, outbox,
    /// settings).
    pub fn reset(&self) {
        let old = {
            let mut st = self.state();
            let fresh = State::new(st.fixtures.clone(), st.signer.clone());
            std::mem::replace(&mut *st, fresh)
        };
        // The old state is dropped once the lock is released, then its memory given back.
        drop(old);
        memory::release_freed_heap();
    }

    /// New fixtures in force (`serve --watch`), and the state reset to them, under the one lock:
    /// a request sees the old fixtures and state or the new ones.
    pub(crate) fn replace_fixtures(&self, fixtures: Arc<Fixtures>) {
        let signer = Self::signer(&fixtures.settings, &self.identity.key_salt);
        let old = std::mem::replace(&mut *self.state(), State::new(fixtures, signer));
        drop(old);
        memory::release_freed_heap();
    }

    /// Drops expired throttle windows and one-time codes.
    pub fn purge_expired(&self) {
        let now = self.clock.now();
        let mut st = self.state();
        let st = &mut *st;
        st.credentials.purge_expired(&mut st.accounts, now);
        st.admins.purge_expired(now);
    }

    // ----- tokens (spec 4.3) ----------------------------------------------------------------

    /// Reads an `Authorization: Bearer` token (spec 4.3): a static admin token, or one of this
    /// store's JWTs that is neither revoked nor expired (`exp <= now`). A token of a deleted
    /// customer or admin counts as revoked (**mock decision**).
    pub fn authenticate_bearer(&self, bearer: &str) -> Result<Auth, BearerError> {
        let (signer, fixtures) = {
            let st = self.state();
            if let Some(admin) = admins::by_static_token(&st.fixtures, bearer) {
                return Ok(Auth::Admin { admin_id: admin.id });
            }
            (st.signer.clone(), st.fixtures.clone())
        };
        // The signature is checked outside the lock; the claims against the state inside it.
        let claims = signer.read(bearer).ok_or(BearerError::Unreadable)?;
        let now = self.clock.now();
        let st = self.state();
        st.tokens.check(&claims, &st.accounts, &fixtures, now)
    }

    /// Revokes every token of the customer issued up to and including this second (spec 4.3).
    pub(crate) fn revoke_customer_tokens(&self, customer_id: u64) {
        let now = self.clock.now();
        self.state().tokens.revoke(customer_id, now);
    }

    // ----- sign-in (spec 5.1, 5.2, 4.4) -----------------------------------------------------

    /// Signs a customer in with `secret`, following spec 5.1 steps 3–9 (emptiness, steps 1–2,
    /// is the operation's business). Returns a customer token.
    pub fn sign_in(&self, email: &str, secret: &str, accept: AcceptedSecrets) -> Result<String, SignInError> {
        let now = self.clock.now();
        let throttle_key = throttle::key(email);
        let (claims, signer) = {
            let mut st = self.state();
            let st = &mut *st;
            let (id, admin_id) = st.credentials.sign_in(
                &mut st.accounts,
                &st.settings,
                email,
                &throttle_key,
                secret,
                accept,
                now,
            )?;
            (st.customer_token_claims(id, admin_id, now), st.signer.clone())
        };
        Ok(signer.sign(&claims))
    }

    // ----- the signed-in customer (spec 5.4) ------------------------------------------------

    /// A copy of a customer record.
    pub fn customer(&self, id: u64) -> Option<Customer> {
        self.state().accounts.get(id).cloned()
    }

    /// A copy of the customer with this email (ignoring ASCII case).
    #[cfg(any(test, feature = "test-support"))]
    pub fn customer_by_email(&self, email: &str) -> Option<Customer> {
        let st = self.state();
        st.accounts
            .find_by_email(email)
            .and_then(|id| st.accounts.get(id).cloned())
    }

    /// How many customers the store has.
    pub(crate) fn customer_count(&self) -> usize {
        self.state().accounts.len()
    }

    /// Every customer, by id.
    #[cfg(test)]
    pub fn customers(&self) -> Vec<Customer> {
        self.state().accounts.iter().cloned().collect()
    }

    /// The signed-in customer, refused when locked or awaiting confirmation (spec 5.4).
    pub(crate) fn current_customer(&self, id: u64) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        let st = self.state();
        let c = st.accounts.get(id).ok_or_else(|| Refusal::no_such_customer(id))?;
        st.account_check(c, now)?;
        Ok(c.clone())
    }

    /// `updateCustomerV2` for the signed-in customer: account check, then field checks
    /// (first name, last name, gender, date of birth — **mock decision** on this order).
    pub(crate) fn update_customer(&self, id: u64, u: &CustomerUpdate) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        let mut st = self.state();
        let c = st.accounts.get(id).ok_or_else(|| Refusal::no_such_customer(id))?;
        st.account_check(c, now)?;
        u.check()?;
        let c = st
            .accounts
            .get_mut(id)
            .ok_or_else(|| Refusal::no_such_customer(id))?;
        c.apply(u, now);
        Ok(c.clone())
    }

    /// `changeCustomerPassword`: the password changes first, then a locked or unconfirmed
    /// account is refused (Magento's order, spec 5.4).
    pub(crate) fn change_password(&self, id: u64, current: &str, new: &str) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        let mut st = self.state();
        let st = &mut *st;
        let c = st
            .accounts
            .get_mut(id)
            .ok_or_else(|| Refusal::no_such_customer(id))?;
        let c = credentials::change_password(c, &st.settings, current, new, now)?.clone();
        st.account_check(&c, now)?;
        Ok(c)
    }

    // ----- password reset (spec 5.5, 5.6) ---------------------------------------------------

    /// `requestPasswordResetEmail` after the email checks: issues a new reset token (replacing
    /// any earlier one) and puts the email in the outbox. Returns the token.
    pub fn request_password_reset(&self, email: &str) -> Result<String, Refusal> {
        let now = self.clock.now();
        let token = rules::random_alnum32(); // drawn before locking
        let mut st = self.state();
        let st = &mut *st;
        let c = credentials::issue_reset_token(&mut st.accounts, &st.settings, email, &token, now)?;
        st.outbox.send_reset(
            c,
            &token,
            &letterhead(&st.settings, &st.fixtures, &self.identity.address),
            now,
        );
        Ok(token)
    }

    /// `resetPassword` after the argument checks: spec 5.6 from "unknown customer" on.
    pub(crate) fn reset_password(&self, email: &str, reset_token: &str, new_password: &str) -> Result<(), Refusal> {
        let now = self.clock.now();
        let throttle_key = throttle::key(email);
        let mut st = self.state();
        let st = &mut *st;
        credentials::reset_password(
            &mut st.accounts,
            &st.settings,
            email,
            reset_token,
            new_password,
            now,
        )?;
        st.credentials.forget(&throttle_key);
        Ok(())
    }

    /// The customer whose current reset token is `token` and still live: whom the
    /// `createPassword` page sets a password for. `None` for an unknown, replaced, used or
    /// expired token. Reads only: opening the page changes nothing (`resetPassword` does).
    pub(crate) fn customer_by_live_reset_token(&self, token: &str) -> Option<Customer> {
        if token.is_empty() {
            return None;
        }
        let now = self.clock.now();
        let st = self.state();
        // A walk over every account: there is no index by token, and this serves a page a person
        // opens, never a hot path (a million accounts take a few milliseconds).
        let found = st
            .accounts
            .iter()
            .find(|c| {
                c.reset_token()
                    .is_some_and(|t| t.value == token && t.is_live(now))
            })
            .cloned();
        found
    }

    // ----- accounts (spec 5.8, confirmEmail, resendConfirmationEmail) -----------------------

    /// `createCustomerV2`: email format, names, gender, date of birth, password policy,
    /// uniqueness (**mock decision** on the order after the email), then room under
    /// `max_created_customers`. When confirmation is required the account starts unconfirmed
    /// and a confirmation email lands in the outbox. Text fields are cut to Magento's columns.
    pub(crate) fn create_customer(&self, n: &NewCustomer) -> Result<Customer, Refusal> {
        n.check()?;
        let now = self.clock.now();
        let key = rules::random_hex32(); // drawn before locking, used when confirmation is on
        let mut st = self.state();
        let st = &mut *st;
        if let Some(p) = &n.password {
            credentials::check_policy(p, &n.email, &st.settings)?;
        }
        if st.accounts.find_by_email(&n.email).is_some() {
            return Err(Refusal::input(msg::EMAIL_ALREADY_EXISTS));
        }
        st.room_for_a_customer()?;
        let id = st.accounts.allocate_id();
        st.created.insert(id);
        let key = st.settings.confirmation_required.then_some(key);
        let c = Customer::new_account(id, n, key.clone(), now);
        if let Some(key) = key {
            st.outbox.send_confirmation(
                &c,
                &key,
                &letterhead(&st.settings, &st.fixtures, &self.identity.address),
                now,
            );
        }
        st.accounts.insert(c.clone());
        Ok(c)
    }

    /// `confirmEmail` after the email format check.
    pub(crate) fn confirm_email(&self, email: &str, key: &str) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        let mut st = self.state();
        let id = st
            .accounts
            .find_by_email(email)
            .ok_or_else(|| Refusal::new(RefusalKind::NoSuchEntity, msg::no_such_customer_email(email)))?;
        match st.accounts.get(id).and_then(Customer::confirmation_key) {
            None => Err(Refusal::input(msg::ACCOUNT_ALREADY_ACTIVE)),
            Some(k) if k != key => Err(Refusal::input(msg::CONFIRMATION_KEY_INVALID)),
            Some(_) => {
                let c = st
                    .accounts
                    .get_mut(id)
                    .ok_or_else(|| Refusal::no_such_customer(id))?;
                c.confirm();
                c.touch(now);
                Ok(c.clone())
            }
        }
    }

    /// `resendConfirmationEmail` after the email format check: sends the same key again.
    pub(crate) fn resend_confirmation(&self, email: &str) -> Result<(), Refusal> {
        let now = self.clock.now();
        let mut st = self.state();
        let st = &mut *st;
        let c = st
            .accounts
            .find_by_email(email)
            .and_then(|id| st.accounts.get(id))
            .ok_or_else(|| Refusal::input(msg::NO_USER_WITH_EMAIL))?;
        let Some(key) = c.confirmation_key() else {
            return Err(Refusal::input(msg::CONFIRMATION_NOT_NEEDED));
        };
        st.outbox.send_confirmation(
            c,
            key,
            &letterhead(&st.settings, &st.fixtures, &self.identity.address),
            now,
        );
        Ok(())
    }

    // ----- outbox ---------------------------------------------------------------------------

    /// Every email sent since the last reset, oldest first.
    pub fn outbox(&self) -> Vec<Email> {
        self.state().outbox.list(None)
    }

    /// Emails to `recipient` (ignoring ASCII case), oldest first.
    pub fn outbox_for(&self, recipient: &str) -> Vec<Email> {
        self.state().outbox.list(Some(recipient))
    }

    pub(crate) fn clear_outbox(&self) {
        self.state().outbox.clear();
    }

    // ----- admin side (spec 5.9, 6) ---------------------------------------------------------

    /// A copy of the admin user with this id.
    pub(crate) fn admin_by_id(&self, id: u64) -> Option<AdminUser> {
        admins::by_id(&self.state().fixtures, id).cloned()
    }

    /// `POST /V1/integration/admin/token`: an admin JWT (utypid 2), throttled by username as
    /// submitted with the customer throttle's numbers.
    pub(crate) fn admin_token(&self, username: &str, password: &str) -> Result<String, AdminLoginError> {
        let now = self.clock.now();
        let throttle_key = throttle::key(username);
        let (claims, signer) = {
            let mut st = self.state();
            let st = &mut *st;
            let s = &st.settings;
            let admin_id = st.admins.login(
                &st.fixtures,
                username,
                &throttle_key,
                password,
                s.throttle_max_failures,
                s.throttle_window_seconds,
                now,
            )?;
            let lifetime = s.admin_token_lifetime_hours * 3600;
            (
                tokens::claims(admin_id, UTYPID_ADMIN, now, lifetime, None),
                st.signer.clone(),
            )
        };
        Ok(signer.sign(&claims))
    }

    /// The admin behind a bearer token (static or JWT) when it grants `resource`.
    pub(crate) fn authorize_admin(&self, bearer: &str, resource: &str) -> Option<AdminUser> {
        match self.authenticate_bearer(bearer) {
            Ok(Auth::Admin { admin_id }) => self.admin_by_id(admin_id).filter(|a| a.grants(resource)),
            _ => None,
        }
    }

    /// Issues an admin one-time code for a customer (spec 6): 32 lowercase hex, valid
    /// `otc_ttl_seconds`, one-time; it replaces the customer's earlier unused code.
    pub fn issue_otc(&self, customer_id: u64, admin_id: u64) -> Result<String, OtcError> {
        let now = self.clock.now();
        let code = rules::random_hex32(); // before locking: nothing but map updates under the lock
        let mut st = self.state();
        let st = &mut *st;
        let ttl = st.settings.otc_ttl_seconds;
        st.credentials
            .issue_otc(&mut st.accounts, customer_id, admin_id, code.clone(), ttl, now)?;
        Ok(code.into())
    }

    /// `POST /V1/customers/{id}/token`: an admin-issued customer token carrying `admin_id`.
    pub(crate) fn admin_issued_customer_token(&self, customer_id: u64, admin_id: u64) -> Option<String> {
        let now = self.clock.now();
        let (claims, signer) = {
            let st = self.state();
            st.accounts.get(customer_id)?;
            (
                st.customer_token_claims(customer_id, Some(admin_id), now),
                st.signer.clone(),
            )
        };
        Some(signer.sign(&claims))
    }

    /// `generateCustomerTokenAsAdmin` after the emptiness check (spec 5.9).
    pub(crate) fn customer_token_as_admin(&self, auth: Auth, customer_email: &str) -> Result<String, Refusal> {
        let Auth::Admin { admin_id } = auth else {
            return Err(Refusal::authorization(msg::NOT_AUTHORIZED));
        };
        let now = self.clock.now();
        let (claims, signer) = {
            let st = self.state();
            let admin = admins::by_id(&st.fixtures, admin_id)
                .ok_or_else(|| Refusal::authorization(msg::NOT_AUTHORIZED))?;
            if !admin.grants(admins::acl::LOGIN_AS_CUSTOMER) {
                return Err(Refusal::authorization(msg::NO_LOGIN_AS_CUSTOMER_PERMISSION));
            }
            if !st.settings.login_as_customer_enabled {
                return Err(Refusal::authorization(msg::LOGIN_AS_CUSTOMER_DISABLED));
            }
            if !admin.grants(admins::acl::ALLOW_SHOPPING_ASSISTANCE) {
                return Err(Refusal::authorization(msg::SHOPPING_ASSISTANCE_DISABLED));
            }
            let id = st
                .accounts
                .find_by_email(customer_email)
                .ok_or_else(|| Refusal::input(msg::CUSTOMER_EMAIL_DOES_NOT_EXIST))?;
            (
                st.customer_token_claims(id, Some(admin_id), now),
                st.signer.clone(),
            )
        };
        Ok(signer.sign(&claims))
    }

    /// Admin REST update of any customer (no lock or confirmation check), same field rules.
    pub(crate) fn admin_update_customer(&self, id: u64, u: &CustomerUpdate) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        u.check()?;
        let mut st = self.state();
        if let Some(e) = &u.email {
            if !rules::is_valid_email(e) {
                return Err(Refusal::input(msg::not_a_valid_email_address(e)));
            }
            if st.accounts.find_by_email(e).is_some_and(|other| other != id) {
                return Err(Refusal::input(msg::EMAIL_ALREADY_EXISTS));
            }
        }
        st.accounts.get(id).ok_or_else(|| Refusal::no_such_customer(id))?;
        if let Some(e) = &u.email {
            st.accounts.set_email(id, e);
        }
        let c = st
            .accounts
            .get_mut(id)
            .ok_or_else(|| Refusal::no_such_customer(id))?;
        c.apply(u, now);
        Ok(c.clone())
    }

    /// Adds a customer in any state a fixture file can describe (`POST /__mock/customers`):
    /// the next id when it has none; its fields checked as Magento's save checks them
    /// ([`customer::check_fixture`]) and cut to Magento's columns; a taken email is refused as
    /// `createCustomerV2` refuses it; it counts towards `max_created_customers`.
    pub(crate) fn add_customer(&self, f: &CustomerFixture) -> Result<Customer, Refusal> {
        customer::check_fixture(f)?;
        let mut st = self.state();
        if st.accounts.find_by_email(&f.email).is_some() {
            return Err(Refusal::input(msg::EMAIL_ALREADY_EXISTS));
        }
        st.room_for_a_customer()?;
        let id = match f.id {
            Some(id) if st.accounts.get(id).is_some() => {
                return Err(Refusal::new(
                    RefusalKind::AlreadyExists,
                    format!("A customer with id {id} already exists."),
                ))
            }
            Some(id) => id,
            None => st.accounts.allocate_id(),
        };
        let mut c = Customer::from_fixture(f, id);
        c.fit_columns();
        st.created.insert(id);
        st.accounts.insert(c.clone());
        Ok(c)
    }

    /// Replaces a customer's fields with `f`'s (`PATCH /__mock/customers/{id}`), keeping its
    /// live reset token and one-time code; `None` when there is no such customer.
    pub(crate) fn replace_customer(&self, id: u64, f: &CustomerFixture) -> Result<Option<Customer>, Refusal> {
        customer::check_fixture(f)?;
        let now = self.clock.now();
        let mut st = self.state();
        if st.accounts.get(id).is_none() {
            return Ok(None);
        }
        if st
            .accounts
            .find_by_email(&f.email)
            .is_some_and(|other| other != id)
        {
            return Err(Refusal::input(msg::EMAIL_ALREADY_EXISTS));
        }
        st.accounts.set_email(id, &f.email);
        let c = st
            .accounts
            .get_mut(id)
            .ok_or_else(|| Refusal::no_such_customer(id))?;
        c.replace_from(f, now);
        Ok(Some(c.clone()))
    }

    /// Sets a customer's `allow_remote_shopping_assistance`; false when there is no such customer.
    #[cfg(test)]
    pub fn set_assistance_allowed(&self, id: u64, allowed: bool) -> bool {
        let now = self.clock.now();
        let mut st = self.state();
        let Some(c) = st.accounts.get_mut(id) else {
            return false;
        };
        c.allow_remote_shopping_assistance = allowed;
        c.touch(now);
        true
    }

    /// Deletes a customer; their tokens then read as revoked. False when there is no such customer.
    /// What the store kept for that id goes with it (its revocation, its cart, its place under
    /// `max_created_customers`), so create-and-delete loops keep memory flat.
    pub(crate) fn delete_customer(&self, id: u64) -> bool {
        let mut st = self.state();
        if st.accounts.remove(id).is_none() {
            return false;
        }
        st.tokens.forget(id);
        st.carts.forget_customer(id);
        st.created.remove(&id);
        true
    }

    /// The customers `keep` selects, by id, in one pass under the lock. The records are shared
    /// with the store (no copy): what a search over 100 000 customers returns costs a pointer
    /// each. `keep` must be quick; it runs with the store locked.
    pub(crate) fn find_customers(&self, mut keep: impl FnMut(&Customer) -> bool) -> Vec<Arc<Customer>> {
        self.state()
            .accounts
            .shared()
            .filter(|c| keep(c))
            .cloned()
            .collect()
    }

    /// Customers whose email equals `email` ignoring ASCII case (REST search, `eq`).
    #[cfg(test)]
    pub fn search_customers_by_email(&self, email: &str) -> Vec<Customer> {
        self.customer_by_email(email).into_iter().collect()
    }

    // ----- carts ----------------------------------------------------------------------------

    /// A new guest cart (`createEmptyCart` without a customer token).
    pub(crate) fn create_guest_cart(&self) -> cart::Cart {
        let id = rules::random_alnum32();
        self.state().carts.create_guest(id)
    }

    /// The customer's active cart, created when the customer has none.
    pub(crate) fn customer_cart(&self, customer_id: u64) -> cart::Cart {
        let id = rules::random_alnum32();
        self.state().carts.customer_cart(customer_id, id)
    }

    /// Merges the guest cart `source` into the customer's cart `destination`.
    pub(crate) fn merge_carts(
        &self,
        source: &str,
        destination: &str,
        customer_id: u64,
    ) -> Result<cart::Cart, cart::CartError> {
        self.state().carts.merge(source, destination, customer_id)
    }

    // ----- introspection for tests ------------------------------------------------------------

    /// What the store holds now.
    #[cfg(any(test, feature = "test-support"))]
    pub fn footprint(&self) -> Footprint {
        let st = self.state();
        let (throttle_keys, otc_expiries) = st.credentials.sizes();
        Footprint {
            customers: st.accounts.len(),
            created_customers: st.created.len(),
            throttle_keys,
            admin_throttle_keys: st.admins.throttle_keys(),
            otc_expiries,
            revocations: st.tokens.revocations(),
            carts: st.carts.len(),
            emails: st.outbox.len(),
        }
    }

    /// Live throttle failures of a submitted email string.
    #[cfg(test)]
    pub fn throttle_failures(&self, email_as_submitted: &str) -> u32 {
        let now = self.clock.now();
        self.state()
            .credentials
            .throttle_failures(&throttle::key(email_as_submitted), now)
    }

    /// The live reset token of a customer (what the outbox link carries).
    #[cfg(any(test, feature = "test-support"))]
    pub fn live_reset_token(&self, customer_id: u64) -> Option<String> {
        self.live_secret(customer_id, Customer::reset_token)
    }

    /// The live one-time code of a customer.
    #[cfg(any(test, feature = "test-support"))]
    pub fn live_otc(&self, customer_id: u64) -> Option<String> {
        self.live_secret(customer_id, Customer::otc)
    }

    #[cfg(any(test, feature = "test-support"))]
    fn live_secret(&self, customer_id: u64, which: impl Fn(&Customer) -> Option<&credentials::Secret>) -> Option<String> {
        let now = self.clock.now();
        let st = self.state();
        which(st.accounts.get(customer_id)?)
            .filter(|t| t.is_live(now))
            .map(|t| t.value.to_string())
    }

    /// When the customer's current reset token was issued.
    #[cfg(test)]
    pub fn reset_token_issued_at(&self, customer_id: u64) -> Option<i64> {
        let st = self.state();
        st.accounts.get(customer_id)?.reset_token().map(|t| t.issued_at)
    }

    /// When the customer's current one-time code was issued.
    #[cfg(test)]
    pub fn otc_issued_at(&self, customer_id: u64) -> Option<i64> {
        let st = self.state();
        st.accounts.get(customer_id)?.otc().map(|t| t.issued_at)
    }
}

#[cfg(test)]
mod tests;
