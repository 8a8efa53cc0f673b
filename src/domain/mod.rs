//! The commerce domain: customers, credentials and their evaluation order, tokens, throttle and
//! lockout, one-time codes, reset tokens and the outbox.
//!
//! Plain Rust: nothing here knows about HTTP or GraphQL, and nothing knows about profiles —
//! operations pass flags (for example [`AcceptedSecrets`]) taken from `profile.caps()`.
//! Every time rule reads the one [`Clock`]. Expiry is uniformly `expires_at <= now` ⇒ expired.

pub mod attributes;
pub mod cart;
pub mod clock;
pub mod console;
pub mod fixtures;
mod generations;
mod memory;
pub mod messages;
pub mod rules;
pub mod throttle;
pub mod token;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Serialize;

pub use clock::Clock;
pub use console::{ConsoleAction, CustomerState};
pub use fixtures::{AdminUser, CustomerFixture, FixtureError, Fixtures, Settings, StoreConfig};
use generations::FixtureGenerations;
use messages as msg;
pub use throttle::Throttle;
use token::{Claims, UTYPID_ADMIN, UTYPID_CUSTOMER};

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
    pub fn message(&self) -> &'static str {
        match self {
            BearerError::Unreadable => "Composite reader could not read a token",
            BearerError::Revoked => "User token has been revoked",
            BearerError::Expired => "Consumer key has expired",
        }
    }
}

/// The kind of a refused operation; the GraphQL layer maps it to a category, REST to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Input,
    Authentication,
    Authorization,
    NoSuchEntity,
    AlreadyExists,
}

/// A refused operation with its wire message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub kind: RefusalKind,
    pub message: String,
}

impl Refusal {
    pub fn new(kind: RefusalKind, message: impl Into<String>) -> Refusal {
        Refusal {
            kind,
            message: message.into(),
        }
    }
    pub fn input(message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::Input, message)
    }
    pub fn authentication(message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::Authentication, message)
    }
    pub fn authorization(message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::Authorization, message)
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

/// Why an admin one-time code cannot be issued (spec 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtcError {
    UnknownCustomer,
    AssistanceDisabled,
}

/// Why an admin token cannot be issued (spec 6); both answer the generic sign-in message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminLoginError {
    Throttled,
    InvalidCredentials,
}

/// A secret with a lifetime: reset token or one-time code.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Secret {
    value: String,
    issued_at: i64,
    expires_at: i64,
    /// The admin who issued a one-time code.
    admin_id: Option<u64>,
}

impl Secret {
    fn is_live(&self, now: i64) -> bool {
        self.expires_at > now
    }
}

/// A customer account, with its lockout counter and outstanding secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub id: u64,
    pub email: String,
    #[serde(skip)]
    password: Option<String>,
    pub prefix: Option<String>,
    pub firstname: String,
    pub middlename: Option<String>,
    pub lastname: String,
    pub suffix: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<i64>,
    pub taxvat: Option<String>,
    pub is_subscribed: bool,
    pub allow_remote_shopping_assistance: bool,
    pub confirmed: bool,
    #[serde(skip)]
    confirmation_key: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub group_id: u64,
    /// Failed credential checks (lockout counter).
    pub failures_num: u32,
    /// Locked while `lock_expires > now`.
    pub lock_expires: Option<i64>,
    #[serde(skip)]
    reset_token: Option<Secret>,
    #[serde(skip)]
    otc: Option<Secret>,
}

impl Customer {
    fn from_fixture(f: &CustomerFixture) -> Customer {
        Customer {
            id: f.id,
            email: f.email.clone(),
            password: f.password.clone(),
            prefix: f.prefix.clone(),
            firstname: f.firstname.clone(),
            middlename: f.middlename.clone(),
            lastname: f.lastname.clone(),
            suffix: f.suffix.clone(),
            date_of_birth: f.date_of_birth.clone(),
            gender: f.gender,
            taxvat: f.taxvat.clone(),
            is_subscribed: f.is_subscribed,
            allow_remote_shopping_assistance: f.allow_remote_shopping_assistance,
            confirmed: f.confirmed,
            confirmation_key: if f.confirmed {
                None
            } else {
                Some(f.confirmation_key.clone().unwrap_or_else(random_hex32))
            },
            created_at: f.created_at.clone(),
            updated_at: f.created_at.clone(),
            group_id: f.group_id,
            failures_num: f.failures,
            lock_expires: f.locked_until,
            reset_token: None,
            otc: None,
        }
    }

    /// True while the lockout lasts.
    pub fn is_locked(&self, now: i64) -> bool {
        self.lock_expires.is_some_and(|t| t > now)
    }

    /// True when the account has a password (else: reset token or OTC only).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// True when sign-in must wait for `confirmEmail`.
    pub fn awaits_confirmation(&self, confirmation_required: bool) -> bool {
        confirmation_required && !self.confirmed
    }

    /// The key `confirmEmail` accepts, while the account is unconfirmed.
    pub fn confirmation_key(&self) -> Option<&str> {
        self.confirmation_key.as_deref()
    }

    fn password_is(&self, candidate: &str) -> bool {
        self.password.as_deref() == Some(candidate)
    }

    /// Counts a failed credential check (spec 4.4): the `max`-th failure locks for `minutes`;
    /// a failure after an expired lock starts again at 1.
    fn record_failure(&mut self, now: i64, max: u32, minutes: i64) {
        if self.lock_expires.is_some_and(|t| t <= now) {
            self.failures_num = 0;
            self.lock_expires = None;
        }
        self.failures_num += 1;
        if self.failures_num >= max {
            self.lock_expires = Some(now + minutes * 60);
        }
    }

    fn reset_failures(&mut self) {
        self.failures_num = 0;
        self.lock_expires = None;
    }
}

/// What kind of email the outbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    PasswordReset,
    Confirmation,
}

/// An email the mock "sent" (it sends nothing; the control API shows the outbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Email {
    pub id: u64,
    pub to: String,
    pub customer_id: u64,
    pub kind: EmailKind,
    pub subject: String,
    pub body: String,
    pub link: String,
    /// The reset token or confirmation key carried by the link.
    pub token: String,
    pub sent_at: i64,
}

/// Fields `updateCustomerV2` (and the admin REST update) may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerUpdate {
    pub prefix: Option<String>,
    pub firstname: Option<String>,
    pub middlename: Option<String>,
    pub lastname: Option<String>,
    pub suffix: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<i64>,
    pub taxvat: Option<String>,
    pub is_subscribed: Option<bool>,
    pub allow_remote_shopping_assistance: Option<bool>,
    /// Admin REST only (the storefront cannot change the email here).
    pub email: Option<String>,
}

/// A new account (`createCustomerV2`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCustomer {
    pub email: String,
    pub firstname: String,
    pub lastname: String,
    pub password: Option<String>,
    pub prefix: Option<String>,
    pub middlename: Option<String>,
    pub suffix: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<i64>,
    pub taxvat: Option<String>,
    pub is_subscribed: bool,
    pub allow_remote_shopping_assistance: bool,
}

/// How many emails the outbox keeps (**mock decision**: older ones are dropped first, as the
/// journal does; ids keep counting up).
pub const OUTBOX_CAPACITY: usize = 1000;

/// Everything that changes while the mock runs.
#[derive(Debug)]
struct State {
    /// Boxed: built from the fixtures with `collect`, which gathers every entry in a `Vec` to
    /// sort it before building the tree. Unboxed, that `Vec` was a second copy of the customers
    /// (40 MB with 100 000 of them) and most of the peak memory after loading.
    customers: BTreeMap<u64, Box<Customer>>,
    /// Customer sign-in throttle, keyed by the email exactly as submitted.
    throttle: Throttle,
    /// Admin token throttle, keyed by the username exactly as submitted.
    admin_throttle: Throttle,
    /// Customer id → the second of the latest `revokeCustomerToken`.
    revoked_at: HashMap<u64, i64>,
    outbox: Vec<Email>,
    next_email_id: u64,
    /// The id the next created customer gets. Like Magento's auto-increment it never goes back,
    /// so a deleted customer's id (and with it their revocation record, throttle-free as it is)
    /// is never given to someone else.
    next_customer_id: u64,
    carts: cart::Carts,
}

impl State {
    fn from_fixtures(f: &Fixtures) -> State {
        State {
            customers: f
                .customers
                .iter()
                .map(|c| (c.id, Box::new(Customer::from_fixture(c))))
                .collect(),
            throttle: Throttle::default(),
            admin_throttle: Throttle::default(),
            revoked_at: HashMap::new(),
            outbox: Vec::new(),
            next_email_id: 1,
            next_customer_id: f.customers.iter().map(|c| c.id).max().unwrap_or(0) + 1,
            carts: cart::Carts::default(),
        }
    }

    /// Accounts are found by email ignoring ASCII case (Magento's collation).
    fn find_by_email(&self, email: &str) -> Option<u64> {
        self.customers
            .values()
            .find(|c| c.email.eq_ignore_ascii_case(email))
            .map(|c| c.id)
    }

    /// The password-reset operations' first checks (spec 5.5, 5.6): an unknown email answers
    /// `unknown` (their messages differ), a locked account `The account is locked`.
    fn unlocked_for_reset(&mut self, email: &str, now: i64, unknown: &str) -> Result<&mut Customer, Refusal> {
        let id = self.find_by_email(email).ok_or_else(|| Refusal::input(unknown))?;
        let c = self.customer_mut(id);
        if c.is_locked(now) {
            return Err(Refusal::input(msg::ACCOUNT_LOCKED));
        }
        Ok(c)
    }

    fn customer_mut(&mut self, id: u64) -> &mut Customer {
        self.customers
            .get_mut(&id)
            .expect("customer id was just looked up under the same lock")
    }
}

/// The shared state of the mock.
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
    /// The fixtures in force are the newest generation (see [`Domain::replace_fixtures`]).
    fixtures: FixtureGenerations,
    clock: Clock,
    state: Mutex<State>,
}

fn random_hex32() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_alnum32() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

impl Domain {
    pub fn new(fixtures: Fixtures, clock: Clock) -> Domain {
        let state = Mutex::new(State::from_fixtures(&fixtures));
        let domain = Domain {
            fixtures: FixtureGenerations::new(fixtures),
            clock,
            state,
        };
        memory::release_freed_heap();
        domain
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn settings(&self) -> &Settings {
        &self.fixtures().settings
    }

    pub fn store_config(&self) -> &StoreConfig {
        &self.fixtures().store_config
    }

    /// The attributes of an `attributesForm` form, `None` for a form the fixtures do not have.
    pub fn attribute_form(&self, form_code: &str) -> Option<&[attributes::AttributeMetadata]> {
        self.fixtures().attribute_forms.get(form_code).map(Vec::as_slice)
    }

    /// A new guest cart (`createEmptyCart` without a customer token).
    pub fn create_guest_cart(&self) -> cart::Cart {
        self.state().carts.create_guest(random_alnum32())
    }

    /// The customer's active cart, created when the customer has none.
    pub fn customer_cart(&self, customer_id: u64) -> cart::Cart {
        self.state().carts.customer_cart(customer_id, random_alnum32())
    }

    /// Merges the guest cart `source` into the customer's cart `destination`.
    pub fn merge_carts(
        &self,
        source: &str,
        destination: &str,
        customer_id: u64,
    ) -> Result<cart::Cart, cart::CartError> {
        self.state().carts.merge(source, destination, customer_id)
    }

    pub fn fixtures(&self) -> &Fixtures {
        self.fixtures.latest()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves maps that are still well-formed: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the fixtures, atomically (customers, counters, secrets, revocations, outbox).
    pub fn reset(&self) {
        // The old state is dropped once the lock is released, then its memory given back.
        let old = std::mem::replace(&mut *self.state(), State::from_fixtures(self.fixtures()));
        drop(old);
        memory::release_freed_heap();
    }

    /// New fixtures in force (`serve --watch`), and the state reset to them, under the one lock:
    /// a request sees the old fixtures and state or the new ones. A request already running may
    /// finish with settings it borrowed before the swap.
    pub fn replace_fixtures(&self, fixtures: Fixtures) {
        let old = {
            let mut state = self.state();
            let fixtures = self.fixtures.push(fixtures);
            std::mem::replace(&mut *state, State::from_fixtures(fixtures))
        };
        drop(old);
        memory::release_freed_heap();
    }

    /// Drops expired throttle windows and one-time codes.
    pub fn purge_expired(&self) {
        let now = self.clock.now();
        let mut st = self.state();
        st.throttle.purge_expired(now);
        st.admin_throttle.purge_expired(now);
        for c in st.customers.values_mut() {
            if c.otc.as_ref().is_some_and(|s| !s.is_live(now)) {
                c.otc = None;
            }
            // An expired reset token is kept: `resetPassword` must still answer "expired"
            // (spec 5.6) rather than "mismatched", however long after the expiry it is tried.
            // (Change from branch `rest`: the purge task runs this every few seconds.)
        }
    }

    // ----- tokens -------------------------------------------------------------------------

    fn sign(&self, uid: u64, utypid: u8, lifetime_secs: i64, admin_id: Option<u64>, now: i64) -> String {
        let claims = Claims {
            uid,
            utypid,
            iat: now,
            exp: now + lifetime_secs,
            admin_id,
        };
        token::sign(&claims, &self.settings().token_signing_secret)
    }

    fn customer_token(&self, customer_id: u64, admin_id: Option<u64>, now: i64) -> String {
        self.sign(
            customer_id,
            UTYPID_CUSTOMER,
            self.settings().customer_token_lifetime_minutes * 60,
            admin_id,
            now,
        )
    }

    /// Reads an `Authorization: Bearer` token (spec 4.3): a static admin token, or one of our
    /// JWTs that is neither revoked nor expired (`exp <= now`). A token of a deleted customer or
    /// admin counts as revoked (**mock decision**).
    pub fn authenticate_bearer(&self, bearer: &str) -> Result<Auth, BearerError> {
        if let Some(admin) = self.static_token_admin(bearer) {
            return Ok(Auth::Admin { admin_id: admin.id });
        }
        let claims =
            token::read(bearer, &self.settings().token_signing_secret).ok_or(BearerError::Unreadable)?;
        let now = self.clock.now();
        let auth = match claims.utypid {
            UTYPID_CUSTOMER => {
                let st = self.state();
                if !st.customers.contains_key(&claims.uid) {
                    return Err(BearerError::Revoked);
                }
                if st.revoked_at.get(&claims.uid).is_some_and(|t| claims.iat <= *t) {
                    return Err(BearerError::Revoked);
                }
                Auth::Customer {
                    customer_id: claims.uid,
                    admin_id: claims.admin_id,
                }
            }
            UTYPID_ADMIN => {
                if self.admin_by_id(claims.uid).is_none() {
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

    /// Revokes every token of the customer issued up to and including this second (spec 4.3).
    pub fn revoke_customer_tokens(&self, customer_id: u64) {
        let now = self.clock.now();
        self.state().revoked_at.insert(customer_id, now);
    }

    // ----- sign-in (spec 5.1, 5.2, 4.4) ---------------------------------------------------

    /// Signs a customer in with `secret`, following spec 5.1 steps 3–9 (emptiness, step 1–2,
    /// is the operation's business). Returns a customer token.
    pub fn sign_in(&self, email: &str, secret: &str, accept: AcceptedSecrets) -> Result<String, SignInError> {
        let s = self.settings();
        let now = self.clock.now();
        let throttle_key = throttle::key(email);
        let (customer_id, admin_id) = {
            let mut st = self.state();
            // 3. Throttle, checked before authentication; a throttled attempt does not count.
            if st
                .throttle
                .is_throttled(&throttle_key, now, s.throttle_max_failures)
            {
                return Err(SignInError::Throttled);
            }
            let fail = |st: &mut State, e: SignInError| {
                st.throttle
                    .record_failure(&throttle_key, now, s.throttle_window_seconds);
                Err(e)
            };
            // 4. Unknown email.
            let Some(id) = st.find_by_email(email) else {
                return fail(&mut st, SignInError::UnknownEmail);
            };
            let c = st.customer_mut(id);
            // 5. Locked.
            if c.is_locked(now) {
                return fail(&mut st, SignInError::Locked);
            }
            // 6. Not confirmed.
            if c.awaits_confirmation(s.confirmation_required) {
                return fail(&mut st, SignInError::NotConfirmed);
            }
            // 7. The secret, in the seed's evaluation order; an earlier match leaves later ones alone.
            let matched: Option<Option<u64>> = if accept.password && c.password_is(secret) {
                Some(None)
            } else if accept.reset_token
                && c.reset_token
                    .as_ref()
                    .is_some_and(|t| t.is_live(now) && t.value == secret)
            {
                c.reset_token = None;
                Some(None)
            } else if accept.otc
                && c.allow_remote_shopping_assistance
                && c.otc
                    .as_ref()
                    .is_some_and(|t| t.is_live(now) && t.value == secret)
            {
                c.otc.take().map(|t| t.admin_id)
            } else {
                None
            };
            // 8. No match: throttle +1, lockout +1.
            let Some(admin_id) = matched else {
                c.record_failure(now, s.lockout_failures, s.lockout_minutes);
                return fail(&mut st, SignInError::NoMatch);
            };
            // 9. Success resets both counters.
            c.reset_failures();
            st.throttle.reset(&throttle_key);
            (id, admin_id)
        };
        Ok(self.customer_token(customer_id, admin_id, now))
    }

    // ----- the signed-in customer (spec 5.4) ----------------------------------------------

    /// A copy of a customer record.
    pub fn customer(&self, id: u64) -> Option<Customer> {
        self.state().customers.get(&id).map(|c| Customer::clone(c))
    }

    /// A copy of the customer with this email (ignoring ASCII case).
    pub fn customer_by_email(&self, email: &str) -> Option<Customer> {
        let st = self.state();
        st.find_by_email(email)
            .and_then(|id| st.customers.get(&id).map(|c| Customer::clone(c)))
    }

    /// Every customer, by id.
    pub fn customers(&self) -> Vec<Customer> {
        self.state()
            .customers
            .values()
            .map(|c| Customer::clone(c))
            .collect()
    }

    fn account_check(&self, c: &Customer, now: i64) -> Result<(), Refusal> {
        if c.is_locked(now) {
            return Err(Refusal::authentication(msg::ACCOUNT_LOCKED_PERIOD));
        }
        if c.awaits_confirmation(self.settings().confirmation_required) {
            return Err(Refusal::authentication(msg::NOT_CONFIRMED));
        }
        Ok(())
    }

    fn missing_customer(id: u64) -> Refusal {
        // **Mock decision**: Magento's GetCustomer wording; unreachable through a live token.
        Refusal::new(
            RefusalKind::NoSuchEntity,
            format!("Customer with id \"{id}\" does not exist."),
        )
    }

    /// The signed-in customer, refused when locked or awaiting confirmation (spec 5.4).
    pub fn current_customer(&self, id: u64) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        let c = self.customer(id).ok_or_else(|| Self::missing_customer(id))?;
        self.account_check(&c, now)?;
        Ok(c)
    }

    fn validate_names_gender_dob(
        firstname: Option<&str>,
        lastname: Option<&str>,
        gender: Option<i64>,
        dob: Option<&str>,
    ) -> Result<(), Refusal> {
        if firstname.is_some_and(|f| f.trim().is_empty()) {
            return Err(Refusal::input(msg::FIRST_NAME_REQUIRED));
        }
        if lastname.is_some_and(|l| l.trim().is_empty()) {
            return Err(Refusal::input(msg::LAST_NAME_REQUIRED));
        }
        if let Some(g) = gender {
            if !rules::is_valid_gender(g) {
                return Err(Refusal::input(msg::invalid_gender(g)));
            }
        }
        if let Some(d) = dob {
            if !rules::is_valid_date(d) {
                return Err(Refusal::input(msg::invalid_date(d)));
            }
        }
        Ok(())
    }

    fn apply_update(c: &mut Customer, u: &CustomerUpdate, now: i64) {
        let set = |field: &mut Option<String>, v: &Option<String>| {
            if let Some(v) = v {
                *field = Some(v.clone());
            }
        };
        set(&mut c.prefix, &u.prefix);
        set(&mut c.middlename, &u.middlename);
        set(&mut c.suffix, &u.suffix);
        set(&mut c.date_of_birth, &u.date_of_birth);
        set(&mut c.taxvat, &u.taxvat);
        if let Some(v) = &u.firstname {
            c.firstname = v.clone();
        }
        if let Some(v) = &u.lastname {
            c.lastname = v.clone();
        }
        if let Some(v) = &u.email {
            c.email = v.clone();
        }
        if let Some(g) = u.gender {
            c.gender = Some(g);
        }
        if let Some(b) = u.is_subscribed {
            c.is_subscribed = b;
        }
        if let Some(b) = u.allow_remote_shopping_assistance {
            c.allow_remote_shopping_assistance = b;
        }
        c.updated_at = rules::format_datetime(now);
    }

    /// `updateCustomerV2` for the signed-in customer: account check, then field checks
    /// (first name, last name, gender, date of birth — **mock decision** on this order).
    pub fn update_customer(&self, id: u64, u: &CustomerUpdate) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        let mut st = self.state();
        let c = st
            .customers
            .get_mut(&id)
            .ok_or_else(|| Self::missing_customer(id))?;
        self.account_check(c, now)?;
        Self::validate_names_gender_dob(
            u.firstname.as_deref(),
            u.lastname.as_deref(),
            u.gender,
            u.date_of_birth.as_deref(),
        )?;
        Self::apply_update(c, u, now);
        Ok(Customer::clone(c))
    }

    /// `changeCustomerPassword` in Magento's order: check the current password (a failure
    /// counts towards the lockout; the failure that locks answers `The account is locked.`),
    /// check the policy, change, and only then refuse a locked or unconfirmed account.
    pub fn change_password(&self, id: u64, current: &str, new: &str) -> Result<Customer, Refusal> {
        let s = self.settings();
        let now = self.clock.now();
        let mut st = self.state();
        let c = st
            .customers
            .get_mut(&id)
            .ok_or_else(|| Self::missing_customer(id))?;
        if !c.password_is(current) {
            c.record_failure(now, s.lockout_failures, s.lockout_minutes);
            if c.is_locked(now) {
                return Err(Refusal::authentication(msg::ACCOUNT_LOCKED_PERIOD));
            }
            return Err(Refusal::authentication(msg::INVALID_LOGIN));
        }
        rules::check_password_policy(new, &c.email, s.password_min_length, s.password_required_classes)
            .map_err(|e| Refusal::input(e.message()))?;
        c.password = Some(new.to_string());
        c.updated_at = rules::format_datetime(now);
        let c = Customer::clone(c);
        drop(st);
        self.account_check(&c, now)?;
        Ok(c)
    }

    // ----- password reset (spec 5.5, 5.6) -------------------------------------------------

    /// `requestPasswordResetEmail` after the email checks: issues a new reset token (replacing
    /// any earlier one) and puts the email in the outbox. Returns the token.
    pub fn request_password_reset(&self, email: &str) -> Result<String, Refusal> {
        let s = self.settings();
        let now = self.clock.now();
        let token = random_alnum32();
        let mut st = self.state();
        let c = st.unlocked_for_reset(email, now, msg::CANNOT_RESET_PASSWORD)?;
        c.reset_token = Some(Secret {
            value: token.clone(),
            issued_at: now,
            expires_at: now + s.reset_token_ttl_seconds,
            admin_id: None,
        });
        let (id, to, name) = (c.id, c.email.clone(), format!("{} {}", c.firstname, c.lastname));
        let link = format!(
            "{}/customer/account/createPassword/?token={token}",
            s.base_url.trim_end_matches('/')
        );
        let body = format!(
            "{name},\n\nThere was recently a request to change the password for your account.\n\n\
             If you requested this change, set a new password here: {link}\n\n\
             If you did not make this request, you can ignore this email and your password will stay the same."
        );
        let subject = format!("Reset your {} password", self.store_config().website_name);
        Self::send(
            &mut st,
            to,
            id,
            EmailKind::PasswordReset,
            subject,
            body,
            link,
            token.clone(),
            now,
        );
        Ok(token)
    }

    #[allow(clippy::too_many_arguments)]
    fn send(
        st: &mut State,
        to: String,
        customer_id: u64,
        kind: EmailKind,
        subject: String,
        body: String,
        link: String,
        token: String,
        now: i64,
    ) {
        let id = st.next_email_id;
        st.next_email_id += 1;
        if st.outbox.len() >= OUTBOX_CAPACITY {
            // Oldest first out, so a load test of `requestPasswordResetEmail` keeps memory flat.
            st.outbox.remove(0);
        }
        st.outbox.push(Email {
            id,
            to,
            customer_id,
            kind,
            subject,
            body,
            link,
            token,
            sent_at: now,
        });
    }

    /// `resetPassword` after the argument checks: spec 5.6 from "unknown customer" on.
    pub fn reset_password(&self, email: &str, reset_token: &str, new_password: &str) -> Result<(), Refusal> {
        let s = self.settings();
        let now = self.clock.now();
        let mut st = self.state();
        let c = st.unlocked_for_reset(email, now, msg::CANNOT_SET_PASSWORD)?;
        match &c.reset_token {
            Some(t) if t.value == reset_token => {
                if !t.is_live(now) {
                    return Err(Refusal::input(msg::RESET_TOKEN_EXPIRED));
                }
            }
            _ => return Err(Refusal::input(msg::RESET_TOKEN_MISMATCHED)),
        }
        rules::check_password_policy(
            new_password,
            &c.email,
            s.password_min_length,
            s.password_required_classes,
        )
        .map_err(|e| Refusal::input(e.message()))?;
        c.password = Some(new_password.to_string());
        c.reset_token = None;
        c.reset_failures();
        c.updated_at = rules::format_datetime(now);
        // **Mock decision**: "counters reset" includes the throttle of the submitted email.
        st.throttle.reset(&throttle::key(email));
        Ok(())
    }

    // ----- accounts (spec 5.8, confirmEmail, resendConfirmationEmail) ---------------------

    /// `createCustomerV2`: email format, names, gender, date of birth, password policy, then
    /// uniqueness (**mock decision** on the order after the email). When confirmation is
    /// required the account starts unconfirmed and a confirmation email lands in the outbox.
    pub fn create_customer(&self, n: &NewCustomer) -> Result<Customer, Refusal> {
        let s = self.settings();
        if !rules::is_valid_email(&n.email) {
            return Err(Refusal::input(msg::not_a_valid_email_address(&n.email)));
        }
        Self::validate_names_gender_dob(
            Some(&n.firstname),
            Some(&n.lastname),
            n.gender,
            n.date_of_birth.as_deref(),
        )?;
        if let Some(p) = &n.password {
            rules::check_password_policy(p, &n.email, s.password_min_length, s.password_required_classes)
                .map_err(|e| Refusal::input(e.message()))?;
        }
        let now = self.clock.now();
        let mut st = self.state();
        if st.find_by_email(&n.email).is_some() {
            return Err(Refusal::input(msg::EMAIL_ALREADY_EXISTS));
        }
        let id = st.next_customer_id;
        st.next_customer_id += 1;
        let created = rules::format_datetime(now);
        let key = s.confirmation_required.then(random_hex32);
        let c = Customer {
            id,
            email: n.email.clone(),
            password: n.password.clone(),
            prefix: n.prefix.clone(),
            firstname: n.firstname.clone(),
            middlename: n.middlename.clone(),
            lastname: n.lastname.clone(),
            suffix: n.suffix.clone(),
            date_of_birth: n.date_of_birth.clone(),
            gender: n.gender,
            taxvat: n.taxvat.clone(),
            is_subscribed: n.is_subscribed,
            allow_remote_shopping_assistance: n.allow_remote_shopping_assistance,
            confirmed: key.is_none(),
            confirmation_key: key.clone(),
            created_at: created.clone(),
            updated_at: created,
            group_id: 1,
            failures_num: 0,
            lock_expires: None,
            reset_token: None,
            otc: None,
        };
        st.customers.insert(id, Box::new(c.clone()));
        if let Some(key) = key {
            self.send_confirmation(&mut st, &c, key, now);
        }
        Ok(c)
    }

    fn send_confirmation(&self, st: &mut State, c: &Customer, key: String, now: i64) {
        let s = self.settings();
        let link = format!(
            "{}/customer/account/confirm/?id={}&key={key}",
            s.base_url.trim_end_matches('/'),
            c.id
        );
        let body = format!(
            "{} {},\n\nYou must confirm your {} email before you can sign in.\n\nConfirm your account: {link}\n\n\
             Confirmation key: {key}",
            c.firstname,
            c.lastname,
            c.email
        );
        let subject = format!("Please confirm your {} account", self.store_config().website_name);
        Self::send(
            st,
            c.email.clone(),
            c.id,
            EmailKind::Confirmation,
            subject,
            body,
            link,
            key,
            now,
        );
    }

    /// `confirmEmail` after the email format check.
    pub fn confirm_email(&self, email: &str, key: &str) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        let mut st = self.state();
        let id = st
            .find_by_email(email)
            .ok_or_else(|| Refusal::new(RefusalKind::NoSuchEntity, msg::no_such_customer_email(email)))?;
        let c = st.customer_mut(id);
        match c.confirmation_key.as_deref() {
            None => Err(Refusal::input(msg::ACCOUNT_ALREADY_ACTIVE)),
            Some(k) if k != key => Err(Refusal::input(msg::CONFIRMATION_KEY_INVALID)),
            Some(_) => {
                c.confirmation_key = None;
                c.confirmed = true;
                c.updated_at = rules::format_datetime(now);
                Ok(c.clone())
            }
        }
    }

    /// `resendConfirmationEmail` after the email format check: sends the same key again.
    pub fn resend_confirmation(&self, email: &str) -> Result<(), Refusal> {
        let now = self.clock.now();
        let mut st = self.state();
        let id = st
            .find_by_email(email)
            .ok_or_else(|| Refusal::input(msg::NO_USER_WITH_EMAIL))?;
        let c = st.customers[&id].clone();
        let Some(key) = c.confirmation_key.clone() else {
            return Err(Refusal::input(msg::CONFIRMATION_NOT_NEEDED));
        };
        self.send_confirmation(&mut st, &c, key, now);
        Ok(())
    }

    // ----- outbox ---------------------------------------------------------------------------

    /// Every email sent since the last reset, oldest first.
    pub fn outbox(&self) -> Vec<Email> {
        self.state().outbox.clone()
    }

    /// Emails to `recipient` (ignoring ASCII case), oldest first.
    pub fn outbox_for(&self, recipient: &str) -> Vec<Email> {
        self.state()
            .outbox
            .iter()
            .filter(|e| e.to.eq_ignore_ascii_case(recipient))
            .cloned()
            .collect()
    }

    pub fn clear_outbox(&self) {
        self.state().outbox.clear();
    }

    // ----- admin side (spec 5.9, 6) ---------------------------------------------------------

    pub fn admin_by_id(&self, id: u64) -> Option<&AdminUser> {
        self.fixtures().admin_users.iter().find(|a| a.id == id)
    }

    fn static_token_admin(&self, bearer: &str) -> Option<&AdminUser> {
        let username = self.fixtures().admin_tokens.get(bearer)?;
        self.fixtures()
            .admin_users
            .iter()
            .find(|a| a.username.eq_ignore_ascii_case(username))
    }

    /// `POST /V1/integration/admin/token`: an admin JWT (utypid 2), throttled by username as
    /// submitted with the customer throttle's numbers.
    pub fn admin_token(&self, username: &str, password: &str) -> Result<String, AdminLoginError> {
        let s = self.settings();
        let now = self.clock.now();
        let throttle_key = throttle::key(username);
        let admin_id = {
            let mut st = self.state();
            if st
                .admin_throttle
                .is_throttled(&throttle_key, now, s.throttle_max_failures)
            {
                return Err(AdminLoginError::Throttled);
            }
            let found = self
                .fixtures()
                .admin_users
                .iter()
                .find(|a| a.username.eq_ignore_ascii_case(username) && a.password == password);
            let Some(admin) = found else {
                st.admin_throttle
                    .record_failure(&throttle_key, now, s.throttle_window_seconds);
                return Err(AdminLoginError::InvalidCredentials);
            };
            st.admin_throttle.reset(&throttle_key);
            admin.id
        };
        Ok(self.sign(
            admin_id,
            UTYPID_ADMIN,
            s.admin_token_lifetime_hours * 3600,
            None,
            now,
        ))
    }

    /// The admin behind a bearer token (static or JWT) when it holds `acl`.
    pub fn authorize_admin(&self, bearer: &str, acl: &str) -> Option<&AdminUser> {
        match self.authenticate_bearer(bearer) {
            Ok(Auth::Admin { admin_id }) => self.admin_by_id(admin_id).filter(|a| a.has_permission(acl)),
            _ => None,
        }
    }

    /// Issues an admin one-time code for a customer (spec 6): 32 lowercase hex, valid
    /// `otc_ttl_seconds`, one-time; it replaces the customer's earlier unused code.
    pub fn issue_otc(&self, customer_id: u64, admin_id: u64) -> Result<String, OtcError> {
        let now = self.clock.now();
        let ttl = self.settings().otc_ttl_seconds;
        let code = random_hex32(); // before locking: nothing but map updates under the lock
        let mut st = self.state();
        let c = st
            .customers
            .get_mut(&customer_id)
            .ok_or(OtcError::UnknownCustomer)?;
        if !c.allow_remote_shopping_assistance {
            return Err(OtcError::AssistanceDisabled);
        }
        c.otc = Some(Secret {
            value: code.clone(),
            issued_at: now,
            expires_at: now + ttl,
            admin_id: Some(admin_id),
        });
        Ok(code)
    }

    /// `POST /V1/customers/{id}/token`: an admin-issued customer token carrying `admin_id`.
    pub fn admin_issued_customer_token(&self, customer_id: u64, admin_id: u64) -> Option<String> {
        let now = self.clock.now();
        if !self.state().customers.contains_key(&customer_id) {
            return None; // (no copy of the record under the lock just to test it exists)
        }
        Some(self.customer_token(customer_id, Some(admin_id), now))
    }

    /// `generateCustomerTokenAsAdmin` after the emptiness check (spec 5.9).
    pub fn customer_token_as_admin(&self, auth: Auth, customer_email: &str) -> Result<String, Refusal> {
        let Auth::Admin { admin_id } = auth else {
            return Err(Refusal::authorization(msg::NOT_AUTHORIZED));
        };
        let admin = self
            .admin_by_id(admin_id)
            .ok_or_else(|| Refusal::authorization(msg::NOT_AUTHORIZED))?;
        if !admin.has_permission("Magento_LoginAsCustomer::login") {
            return Err(Refusal::authorization(msg::NO_LOGIN_AS_CUSTOMER_PERMISSION));
        }
        if !self.settings().login_as_customer_enabled {
            return Err(Refusal::authorization(msg::LOGIN_AS_CUSTOMER_DISABLED));
        }
        if !admin.has_permission("Magento_LoginAsCustomer::allow_shopping_assistance") {
            return Err(Refusal::authorization(msg::SHOPPING_ASSISTANCE_DISABLED));
        }
        let c = self
            .customer_by_email(customer_email)
            .ok_or_else(|| Refusal::input(msg::CUSTOMER_EMAIL_DOES_NOT_EXIST))?;
        Ok(self.customer_token(c.id, Some(admin_id), self.clock.now()))
    }

    /// Admin REST update of any customer (no lock or confirmation check), same field rules.
    pub fn admin_update_customer(&self, id: u64, u: &CustomerUpdate) -> Result<Customer, Refusal> {
        let now = self.clock.now();
        Self::validate_names_gender_dob(
            u.firstname.as_deref(),
            u.lastname.as_deref(),
            u.gender,
            u.date_of_birth.as_deref(),
        )?;
        let mut st = self.state();
        if let Some(e) = &u.email {
            if !rules::is_valid_email(e) {
                return Err(Refusal::input(msg::not_a_valid_email_address(e)));
            }
            if st.find_by_email(e).is_some_and(|other| other != id) {
                return Err(Refusal::input(msg::EMAIL_ALREADY_EXISTS));
            }
        }
        let c = st
            .customers
            .get_mut(&id)
            .ok_or_else(|| Self::missing_customer(id))?;
        Self::apply_update(c, u, now);
        Ok(Customer::clone(c))
    }

    /// Sets a customer's `allow_remote_shopping_assistance`; false when there is no such customer.
    pub fn set_assistance_allowed(&self, id: u64, allowed: bool) -> bool {
        let now = self.clock.now();
        let mut st = self.state();
        let Some(c) = st.customers.get_mut(&id) else {
            return false;
        };
        c.allow_remote_shopping_assistance = allowed;
        c.updated_at = rules::format_datetime(now);
        true
    }

    /// Deletes a customer; their tokens then read as revoked. False when there is no such customer.
    pub fn delete_customer(&self, id: u64) -> bool {
        self.state().customers.remove(&id).is_some()
    }

    /// Customers whose email equals `email` ignoring ASCII case (REST search, `eq`).
    pub fn search_customers_by_email(&self, email: &str) -> Vec<Customer> {
        self.state()
            .customers
            .values()
            .filter(|c| c.email.eq_ignore_ascii_case(email))
            .map(|c| Customer::clone(c))
            .collect()
    }

    // ----- introspection for tests and the control API --------------------------------------

    /// Live throttle failures of a submitted email string.
    pub fn throttle_failures(&self, email_as_submitted: &str) -> u32 {
        self.state()
            .throttle
            .failures(&throttle::key(email_as_submitted), self.clock.now())
    }

    /// The live reset token of a customer (what the outbox link carries).
    pub fn live_reset_token(&self, customer_id: u64) -> Option<String> {
        self.live_secret(customer_id, |c| c.reset_token.as_ref())
    }

    /// The live one-time code of a customer.
    pub fn live_otc(&self, customer_id: u64) -> Option<String> {
        self.live_secret(customer_id, |c| c.otc.as_ref())
    }

    fn live_secret(&self, customer_id: u64, which: impl Fn(&Customer) -> Option<&Secret>) -> Option<String> {
        let now = self.clock.now();
        let st = self.state();
        which(st.customers.get(&customer_id)?)
            .filter(|t| t.is_live(now))
            .map(|t| t.value.clone())
    }

    /// When the customer's current reset token was issued.
    pub fn reset_token_issued_at(&self, customer_id: u64) -> Option<i64> {
        self.state()
            .customers
            .get(&customer_id)?
            .reset_token
            .as_ref()
            .map(|t| t.issued_at)
    }

    /// When the customer's current one-time code was issued.
    pub fn otc_issued_at(&self, customer_id: u64) -> Option<i64> {
        self.state()
            .customers
            .get(&customer_id)?
            .otc
            .as_ref()
            .map(|t| t.issued_at)
    }
}

#[cfg(test)]
mod tests;
