//! The scenario catalogue: named, ordered steps whose normalised responses are compared with
//! stored snapshots. Each scenario declares the profiles it applies to and what it needs.

use std::cell::{Cell, RefCell};

use serde_json::{json, Value};

use super::client::{Request, Response};
pub use super::event::{Skip, SkipCause};
use super::expect::{expect, Expectations};
use super::mailbox::EmailKind;
use super::normalize::{self, Normalizer};
use super::target::Target;
use crate::profile::Profile;

mod account;
mod admin;
mod expiry;
mod front_door;
mod order;
mod password;
mod revocation;
mod signin;

/// Areas group results in reports, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    FrontDoor,
    SignIn,
    Order,
    Expiry,
    Revocation,
    Password,
    Account,
    Admin,
    Properties,
}

impl Area {
    /// Every area, in report order.
    pub const ALL: [Area; 9] = [
        Area::FrontDoor,
        Area::SignIn,
        Area::Order,
        Area::Expiry,
        Area::Revocation,
        Area::Password,
        Area::Account,
        Area::Admin,
        Area::Properties,
    ];

    /// The area named `s`: its report name (`sign-in`) or the prefix of its items (`signin`).
    pub fn parse(s: &str) -> Option<Area> {
        let s = s.trim();
        Area::ALL.into_iter().find(|a| a.name() == s || a.prefix() == s)
    }

    /// The prefix of its items' names (`signin/…`).
    pub fn prefix(self) -> &'static str {
        match self {
            Area::FrontDoor => "front_door",
            Area::SignIn => "signin",
            Area::Order => "order",
            Area::Expiry => "expiry",
            Area::Revocation => "revocation",
            Area::Password => "password",
            Area::Account => "account",
            Area::Admin => "admin",
            Area::Properties => "properties",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Area::FrontDoor => "front-door",
            Area::SignIn => "sign-in",
            Area::Order => "evaluation-order",
            Area::Expiry => "expiry",
            Area::Revocation => "revocation",
            Area::Password => "password",
            Area::Account => "account",
            Area::Admin => "admin",
            Area::Properties => "properties",
        }
    }
}

/// Something a scenario needs from the environment or the store's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// An admin token (`--admin-token` or admin credentials).
    Admin,
    /// Admin user name and password (the admin token endpoint itself, GraphQL admin operations).
    AdminCredentials,
    /// An admin token without the Login-as-Customer permission (`--limited-admin-token`).
    LimitedAdmin,
    /// An admin token with Login as Customer but without the shopping-assistance permission.
    AdminWithoutAssistance,
    /// Reset and confirmation emails (mock outbox or `--mailbox`).
    Mail,
    /// This many seconds must pass (mock clock, or `--slow` real waits).
    Wait(u64),
    /// Control of the clock down to the second (the mock's frozen clock).
    Clock,
    /// The store requires new accounts to confirm their email (`create_account_confirmation`).
    Confirmation,
    /// The store's password policy is the contract's default (8 characters, 3 classes): the
    /// transcript quotes the policy's messages.
    DefaultPasswordPolicy,
}

impl Need {
    pub fn label(self) -> String {
        match self {
            Need::Admin => "admin".into(),
            Need::AdminCredentials => "admin-credentials".into(),
            Need::LimitedAdmin => "limited-admin".into(),
            Need::AdminWithoutAssistance => "admin-without-assistance".into(),
            Need::Mail => "mail".into(),
            Need::Wait(s) => format!("wait {s}s"),
            Need::Clock => "clock".into(),
            Need::Confirmation => "confirmation required".into(),
            Need::DefaultPasswordPolicy => "default password policy".into(),
        }
    }

    /// Why `need` is not met on `t` for this run, if it is not.
    pub fn unmet(self, t: &Target, run: &RunState) -> Option<Skip> {
        let skip = |cause, reason: &str| Some(Skip::new(cause, reason));
        match self {
            Need::Admin if !t.admin.available() => skip(
                SkipCause::Admin,
                "needs admin access: pass --admin-token or --admin-username/--admin-password",
            ),
            Need::AdminCredentials if t.admin.credentials().is_none() => {
                skip(SkipCause::Admin, "needs --admin-username/--admin-password")
            }
            Need::LimitedAdmin if t.admin.access.limited_token.is_none() => skip(
                SkipCause::Admin,
                "needs an admin token without Magento_LoginAsCustomer::login: pass --limited-admin-token",
            ),
            Need::AdminWithoutAssistance if t.admin.access.token_without_assistance.is_none() => skip(
                SkipCause::Admin,
                "needs an admin token without the shopping-assistance permission: pass --admin-token-without-assistance",
            ),
            Need::Mail if !t.has_mail() => skip(
                SkipCause::Mail,
                "needs to read emails: pass --mailbox (a Mailpit-compatible API)",
            ),
            Need::Wait(s) => t
                .can_advance(s)
                .err()
                .map(|e| Skip::new(SkipCause::Time, e.to_string())),
            Need::Clock if !t.has_clock() => skip(
                SkipCause::Clock,
                "needs a clock controllable to the second (the mock's control API)",
            ),
            Need::Confirmation if !run.store.confirmation_required => skip(
                SkipCause::StoreConfig,
                "the target does not require account confirmation (storeConfig.create_account_confirmation is false)",
            ),
            Need::DefaultPasswordPolicy if !run.store.default_password_policy => skip(
                SkipCause::StoreConfig,
                "the store's password policy differs from the contract's default (see the configuration differences)",
            ),
            _ => None,
        }
    }
}

pub const ALL: &[Profile] = &Profile::ALL;
pub const SAAS: &[Profile] = &[Profile::Saas];
pub const PAAS: &[Profile] = &[Profile::Paas248, Profile::Paas247];

/// What a scenario does.
pub type Run = fn(&mut Ctx) -> StepResult<()>;

/// One scenario of the catalogue.
pub struct Scenario {
    /// `area-file/slug`, unique, used for snapshot names and `--filter`.
    pub name: &'static str,
    pub area: Area,
    pub description: &'static str,
    pub profiles: &'static [Profile],
    pub needs: &'static [Need],
    pub source: &'static str,
    pub run: Run,
}

impl Scenario {
    /// A scenario of `area` for every profile, needing nothing. Its snapshot header records the
    /// file that defines it (`#[track_caller]`: the caller's file, as `file!()` there would).
    #[track_caller]
    pub fn new(area: Area, name: &'static str, description: &'static str, run: Run) -> Self {
        Scenario {
            name,
            area,
            description,
            profiles: ALL,
            needs: &[],
            source: std::panic::Location::caller().file(),
            run,
        }
    }

    /// Only for these profiles.
    pub fn profiles(mut self, profiles: &'static [Profile]) -> Self {
        self.profiles = profiles;
        self
    }

    /// Needs these from the environment.
    pub fn needs(mut self, needs: &'static [Need]) -> Self {
        self.needs = needs;
        self
    }

    /// The snapshot name for `profile`: `<profile>/<name with / as __>`.
    pub fn snapshot_name(&self, profile: Profile) -> String {
        format!("{}/{}", profile.name(), self.name.replace('/', "__"))
    }

    /// Why this scenario cannot run here, if it cannot.
    pub fn skip_reason(&self, t: &Target, run: &RunState) -> Option<Skip> {
        if !self.profiles.contains(&t.profile) {
            let names: Vec<_> = self.profiles.iter().map(|p| p.name()).collect();
            return Some(Skip::new(
                SkipCause::Profile,
                format!("applies to {} only", names.join(", ")),
            ));
        }
        self.needs.iter().find_map(|n| n.unmet(t, run))
    }
}

/// The whole catalogue, in run order.
pub fn catalogue() -> Vec<Scenario> {
    let mut v = Vec::new();
    v.extend(front_door::scenarios());
    v.extend(signin::scenarios());
    v.extend(order::scenarios());
    v.extend(expiry::scenarios());
    v.extend(revocation::scenarios());
    v.extend(password::scenarios());
    v.extend(account::scenarios());
    v.extend(admin::scenarios());
    v
}

/// A failed check: which step, what was expected and seen, and how to reproduce it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Failure {
    pub step: Option<String>,
    pub message: String,
    /// What the contract asks for: the stored transcript, a value as JSON, or a statement.
    pub expected: String,
    /// What the target did: its transcript, a value as JSON, or its last response.
    pub actual: String,
    /// `expected` and `actual` are transcripts, best read as a diff.
    pub transcripts: bool,
    pub curl: Option<String>,
    pub pending_snapshot: Option<String>,
}

/// A value as a report shows it: JSON, never Rust's debug notation.
pub fn shown<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("(not representable: {e})"))
}

impl std::fmt::Display for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flow::Skip(s) => write!(f, "skipped: {}", s.reason),
            Flow::Fail(fail) => write!(
                f,
                "{} (expected {}; actual {})",
                fail.message, fail.expected, fail.actual
            ),
        }
    }
}

/// Why a scenario stopped early.
#[derive(Debug, Clone, PartialEq)]
pub enum Flow {
    Skip(Skip),
    Fail(Box<Failure>),
}

pub type StepResult<T> = Result<T, Flow>;

/// Run-wide facts and bookkeeping shared by scenarios.
pub struct RunState {
    pub run_id: String,
    pub email_domain: String,
    next_account: Cell<u32>,
    /// Accounts created in this run, with the item that created them (to clean up, or to keep
    /// for a failing item's reproduce commands).
    pub created: RefCell<Vec<(String, String)>>,
    /// The item running now.
    current: RefCell<String>,
    pub store: StoreFacts,
}

/// What the target's `storeConfig` says, as far as the scenarios depend on it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreFacts {
    pub confirmation_required: bool,
    pub token_lifetime_secs: i64,
    /// `minimum_password_length` "8" and `required_character_classes_number` "3".
    pub default_password_policy: bool,
}

impl Default for StoreFacts {
    /// The contract's defaults (behaviour.md 7 and 8), confirmation required as the mock's
    /// fixtures have it.
    fn default() -> Self {
        StoreFacts {
            confirmation_required: true,
            token_lifetime_secs: 3600,
            default_password_policy: true,
        }
    }
}

impl RunState {
    pub fn new(run_id: String, email_domain: String, store: StoreFacts) -> Self {
        RunState {
            run_id,
            email_domain,
            next_account: Cell::new(0),
            created: RefCell::new(Vec::new()),
            current: RefCell::new(String::new()),
            store,
        }
    }

    /// Accounts created from now on belong to `item`.
    pub fn begin(&self, item: &str) {
        *self.current.borrow_mut() = item.to_string();
    }

    /// Record an account this run created.
    pub fn created(&self, email: &str) {
        let item = self.current.borrow().clone();
        self.created.borrow_mut().push((email.to_string(), item));
    }

    /// A fresh address `conformance+<run id>-<n>@<domain>`.
    pub fn fresh_email(&self) -> String {
        let n = self.next_account.get() + 1;
        self.next_account.set(n);
        format!("conformance+{}-{}@{}", self.run_id, n, self.email_domain)
    }
}

/// The password of accounts the runner creates (4 character classes, 14 characters).
pub const PASSWORD: &str = "Conform-Pass-1";
/// The password the runner changes to.
pub const NEW_PASSWORD: &str = "Conform-Pass-2";
/// A wrong password that passes no check.
pub const WRONG_PASSWORD: &str = "Wrong-Pass-9";

/// An account created by this scenario.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub password: String,
    /// Placeholder used in snapshots (`[email-n]`).
    pub label: String,
}

/// GraphQL documents used by the scenarios (and the properties).
pub mod q {
    pub(crate) const SIGN_IN: &str =
        "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";
    pub(crate) const EXCHANGE: &str =
        "mutation($email: String!, $otp: String!) { exchangeOtpForCustomerToken(email: $email, otp: $otp) { token } }";
    pub(crate) const CUSTOMER: &str =
        "{ customer { id email firstname lastname allow_remote_shopping_assistance confirmation_status } }";
    pub(crate) const REVOKE: &str = "mutation { revokeCustomerToken { result } }";
    pub(crate) const REQUEST_RESET: &str = "mutation($email: String!) { requestPasswordResetEmail(email: $email) }";
    pub(crate) const RESET: &str = "mutation($email: String!, $token: String!, $new: String!) { resetPassword(email: $email, resetPasswordToken: $token, newPassword: $new) }";
    pub(crate) const CREATE: &str = "mutation($input: CustomerCreateInput!) { createCustomerV2(input: $input) { customer { id email firstname lastname allow_remote_shopping_assistance } } }";
    pub(crate) const UPDATE: &str = "mutation($input: CustomerUpdateInput!) { updateCustomerV2(input: $input) { customer { firstname lastname gender date_of_birth allow_remote_shopping_assistance } } }";
    pub(crate) const CHANGE_PASSWORD: &str = "mutation($current: String!, $new: String!) { changeCustomerPassword(currentPassword: $current, newPassword: $new) { email } }";
    pub(crate) const IS_EMAIL_AVAILABLE: &str =
        "query($email: String!) { isEmailAvailable(email: $email) { is_email_available } }";
    pub(crate) const AS_ADMIN: &str = "mutation($email: String!) { generateCustomerTokenAsAdmin(input: { customer_email: $email }) { customer_token } }";
    pub(crate) const CONFIRM: &str = "mutation($email: String!, $key: String!) { confirmEmail(input: { email: $email, confirmation_key: $key }) { customer { email } } }";
    pub(crate) const STORE_CONFIG: &str = "{ storeConfig { create_account_confirmation customer_access_token_lifetime minimum_password_length required_character_classes_number } }";
}

/// What a scenario works with: the target, the run, and its own transcript.
pub struct Ctx<'a> {
    pub t: &'a Target,
    pub run: &'a RunState,
    pub profile: Profile,
    /// What the profile must do (behaviour.md section 1).
    pub expect: &'static Expectations,
    pub norm: Normalizer,
    /// The normalised transcript, compared with the snapshot.
    pub transcript: String,
    steps: u32,
    /// The `curl` command of each recorded step, in order.
    pub step_curls: Vec<String>,
    last_title: Option<String>,
    last_curl: Option<String>,
    last_response: Option<Response>,
    emails: u32,
}

impl<'a> Ctx<'a> {
    pub fn new(t: &'a Target, run: &'a RunState) -> Self {
        let mut norm = Normalizer::new(run.store.token_lifetime_secs)
            .confirmation_required(run.store.confirmation_required);
        norm.add(t.urls.graphql.clone(), "[graphql]");
        norm.add(t.urls.rest_base.clone(), "[rest]");
        norm.add(t.urls.origin.clone(), "[origin]");
        let access = &t.admin.access;
        if let Some(tok) = &access.token {
            norm.add(tok.clone(), "[admin-token]");
        }
        if let Some(tok) = &access.limited_token {
            norm.add(tok.clone(), "[limited-admin-token]");
        }
        if let Some(tok) = &access.token_without_assistance {
            norm.add(tok.clone(), "[admin-token-without-assistance]");
        }
        Ctx {
            t,
            run,
            profile: t.profile,
            expect: expect(t.profile),
            norm,
            transcript: String::new(),
            steps: 0,
            step_curls: Vec::new(),
            last_title: None,
            last_curl: None,
            last_response: None,
            emails: 0,
        }
    }

    // ----- failures -----

    /// A failure at the current step: `message` states what was expected; the actual is the
    /// last response the target gave.
    pub fn fail(&self, message: impl std::fmt::Display) -> Flow {
        let message = message.to_string();
        let actual = match &self.last_response {
            Some(r) => format!("the last response: {}", r.shown()),
            None => "no response yet".into(),
        };
        self.fail_with(message.clone(), message, actual)
    }

    /// A failure at the current step with what was expected and what was seen.
    pub fn fail_with(&self, message: impl Into<String>, expected: String, actual: String) -> Flow {
        Flow::Fail(Box::new(Failure {
            step: self.last_title.clone(),
            message: message.into(),
            expected,
            actual,
            transcripts: false,
            curl: self.last_curl.clone(),
            pending_snapshot: None,
        }))
    }

    /// Fail unless `cond`.
    pub fn check(&self, cond: bool, message: impl std::fmt::Display) -> StepResult<()> {
        if cond {
            Ok(())
        } else {
            Err(self.fail(message))
        }
    }

    /// Fail unless `actual == expected`, with both in the report (as JSON).
    pub fn check_eq<T: PartialEq + serde::Serialize>(
        &self,
        actual: T,
        expected: T,
        what: &str,
    ) -> StepResult<()> {
        if actual == expected {
            return Ok(());
        }
        Err(self.fail_with(what, shown(&expected), shown(&actual)))
    }

    fn transport(&self, e: impl std::fmt::Display) -> Flow {
        self.fail_with(
            format!("transport error: {e}"),
            "an answer".into(),
            format!("no answer: {e}"),
        )
    }

    /// A setup step failed (not what the scenario checks, but it cannot go on).
    pub fn setup_failed(&self, what: &str, resp: &Response) -> Flow {
        self.fail_with(
            format!("setup: {what} answered {}", resp.status),
            format!("{what} succeeds"),
            resp.shown(),
        )
    }

    // ----- steps -----

    /// Send `req` as a recorded step titled `title`.
    pub fn send(&mut self, title: &str, req: Request) -> StepResult<Response> {
        self.steps += 1;
        self.last_title = Some(format!("{}. {title}", self.steps));
        self.last_curl = Some(req.to_curl());
        self.step_curls.push(req.to_curl());
        let resp = self.t.send(&req).map_err(|e| self.transport(e))?;
        self.last_response = Some(resp.clone());
        self.record(title, &req, &resp);
        Ok(resp)
    }

    /// Send `req` as a recorded step whose body is not compared (only the status is).
    pub fn send_status_only(&mut self, title: &str, req: Request) -> StepResult<Response> {
        self.steps += 1;
        self.last_title = Some(format!("{}. {title}", self.steps));
        self.last_curl = Some(req.to_curl());
        self.step_curls.push(req.to_curl());
        let resp = self.t.send(&req).map_err(|e| self.transport(e))?;
        self.last_response = Some(resp.clone());
        let shown = Response {
            json: None,
            text: BODY_NOT_COMPARED.into(),
            ..resp.clone()
        };
        self.record(title, &req, &shown);
        Ok(resp)
    }

    /// Send `req` without recording it (setup).
    pub fn quiet(&mut self, req: Request) -> StepResult<Response> {
        self.last_curl = Some(req.to_curl());
        let resp = self.t.send(&req).map_err(|e| self.transport(e))?;
        self.last_response = Some(resp.clone());
        Ok(resp)
    }

    /// A recorded GraphQL step, as a guest.
    pub fn gql(&mut self, title: &str, query: &str, vars: Value) -> StepResult<Response> {
        let req = self.t.gql_req(query, vars_opt(vars), None);
        self.send(title, req)
    }

    /// A recorded GraphQL step with a bearer token.
    pub fn gql_as(&mut self, title: &str, bearer: &str, query: &str, vars: Value) -> StepResult<Response> {
        let req = self.t.gql_req(query, vars_opt(vars), Some(bearer));
        self.send(title, req)
    }

    /// A recorded REST step.
    pub fn rest(
        &mut self,
        title: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        bearer: Option<&str>,
    ) -> StepResult<Response> {
        let req = self.t.rest_req(method, path, body.as_ref(), bearer);
        self.send(title, req)
    }

    /// Send `req` as a recorded step whose JSON body is recorded as `filter` makes it (for answers
    /// a real server pads with more than the contract names, such as introspection).
    pub fn send_filtered(
        &mut self,
        title: &str,
        req: Request,
        filter: impl Fn(&Value) -> Value,
    ) -> StepResult<Response> {
        self.steps += 1;
        self.last_title = Some(format!("{}. {title}", self.steps));
        self.last_curl = Some(req.to_curl());
        self.step_curls.push(req.to_curl());
        let resp = self.t.send(&req).map_err(|e| self.transport(e))?;
        self.last_response = Some(resp.clone());
        let shown = Response {
            json: resp.json.as_ref().map(&filter),
            ..resp.clone()
        };
        self.record(title, &req, &shown);
        Ok(resp)
    }

    /// The mock's clock now, when the target is the mock.
    pub fn mock_now(&self) -> StepResult<Option<i64>> {
        match self.t.mock.as_ref().filter(|m| m.has("clock")) {
            None => Ok(None),
            Some(m) => m
                .clock(&self.t.client)
                .map(|c| Some(c.now))
                .map_err(|e| self.fail(format!("setup: reading the mock's clock: {e}"))),
        }
    }

    /// The admin user id behind an admin bearer, when it can be known: the `uid` of an admin JWT,
    /// or what the mock's fixtures say of a static token.
    pub fn admin_id_of(&self, admin_token: &str) -> Option<i64> {
        let claims = normalize::jwt_claims(admin_token);
        match claims.as_ref().and_then(|c| c["utypid"].as_i64()) {
            Some(2) => claims.and_then(|c| c["uid"].as_i64()),
            _ if self.t.admin.access.token.as_deref() == Some(admin_token) => {
                self.t.admin.token_admin_id.map(|id| id as i64)
            }
            _ => None,
        }
    }

    /// The claims of a customer token issued through `admin_token`: well-formed, and `admin_id`
    /// is the id of that admin wherever it can be known (behaviour.md 4.3).
    pub fn check_admin_assisted(&self, token: &str, admin_token: &str) -> StepResult<normalize::TokenClaims> {
        let claims = normalize::check_customer_token(token, self.run.store.token_lifetime_secs)
            .map_err(|e| self.fail(format!("malformed customer token: {e}")))?;
        self.check(
            claims.admin_id.is_some(),
            "an admin-assisted token carries admin_id",
        )?;
        if let Some(id) = self.admin_id_of(admin_token) {
            self.check_eq(
                claims.admin_id,
                Some(id),
                "admin_id is the id of the admin who issued the session",
            )?;
        }
        Ok(claims)
    }

    /// Add a note line to the transcript (for example a clock move).
    pub fn note(&mut self, line: &str) {
        self.transcript.push_str(&format!("## {line}\n\n"));
    }

    fn record(&mut self, title: &str, req: &Request, resp: &Response) {
        let n = &self.norm;
        let mut s = format!("# {}. {}\n", self.steps, title);
        let url = n.text(&req.url);
        match url.split_once('?') {
            Some((path, query)) => {
                s.push_str(&format!("> {} {}\n", req.method, path));
                for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
                    s.push_str(&format!(">   {k} = {}\n", n.text(&v)));
                }
            }
            None => s.push_str(&format!("> {} {}\n", req.method, url)),
        }
        for (k, v) in &req.headers {
            let show = match k.as_str() {
                "Content-Type" => v != "application/json",
                _ => true,
            };
            if show {
                let v = match v.split_once(' ') {
                    Some((scheme, tok)) if k == "Authorization" => {
                        format!("{scheme} {}", n.string(None, tok))
                    }
                    _ => n.text(v),
                };
                s.push_str(&format!("> {k}: {v}\n"));
            }
        }
        if let Some(b) = &req.body {
            match serde_json::from_str::<Value>(b) {
                Ok(v) => s.push_str(&format!("> {}\n", n.value(&v))),
                Err(_) => s.push_str(&format!("> (raw) {}\n", n.text(b))),
            }
        }
        s.push_str(&format!("< {}\n", resp.status));
        match &resp.json {
            Some(v) => s.push_str(&serde_json::to_string_pretty(&n.value(v)).unwrap_or_default()),
            None if resp.text.is_empty() => s.push_str("(empty body)"),
            None if resp.text == BODY_NOT_COMPARED => s.push_str(BODY_NOT_COMPARED),
            None => s.push_str(&format!("(not JSON) {}", truncate(&n.text(&resp.text), 300))),
        }
        s.push_str("\n\n");
        self.transcript.push_str(&s);
    }

    // ----- accounts -----

    /// A new, unconfirmed-or-confirmed-as-needed account with [`PASSWORD`], ready to sign in.
    pub fn account(&mut self) -> StepResult<Account> {
        self.account_with(json!({}))
    }

    /// A new account with extra `createCustomerV2` input fields.
    pub fn account_with(&mut self, extra: Value) -> StepResult<Account> {
        if self.run.store.confirmation_required && !self.t.has_mail() {
            return Err(Flow::Skip(Skip::new(SkipCause::Mail, NEEDS_MAILBOX_TO_CONFIRM)));
        }
        let email = self.fresh_email();
        let mut input =
            json!({"firstname": "Conform", "lastname": "Runner", "email": email, "password": PASSWORD});
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                i.insert(k.clone(), v.clone());
            }
        }
        let password = input["password"].as_str().unwrap_or(PASSWORD).to_string();
        let resp = self.quiet(self.t.gql_req(q::CREATE, Some(json!({ "input": input })), None))?;
        if resp.str_at("/data/createCustomerV2/customer/email").is_none() {
            return Err(self.setup_failed("createCustomerV2", &resp));
        }
        self.run.created(&email);
        if self.run.store.confirmation_required {
            self.confirm(&email)?;
        }
        let label = self.norm.text(&email);
        Ok(Account {
            email,
            password,
            label,
        })
    }

    /// A fresh address, registered with the normaliser as `[email-n]`.
    pub fn fresh_email(&mut self) -> String {
        let email = self.run.fresh_email();
        self.emails += 1;
        self.norm.add(email.clone(), format!("[email-{}]", self.emails));
        email
    }

    /// Confirm an account with the key from its confirmation email.
    pub fn confirm(&mut self, email: &str) -> StepResult<()> {
        if !self.t.has_mail() {
            return Err(Flow::Skip(Skip::new(SkipCause::Mail, NEEDS_MAILBOX_TO_CONFIRM)));
        }
        let key = self
            .t
            .latest_email(email, EmailKind::Confirmation)
            .map_err(|e| self.fail(format!("setup: reading the confirmation email: {e}")))?
            .and_then(|m| m.token)
            .ok_or_else(|| self.fail(format!("setup: no confirmation email for {email}")))?;
        let resp = self.quiet(
            self.t
                .gql_req(q::CONFIRM, Some(json!({"email": email, "key": key})), None),
        )?;
        if resp.at("/data/confirmEmail/customer").is_none_or(Value::is_null) {
            return Err(self.setup_failed("confirmEmail", &resp));
        }
        Ok(())
    }

    /// A case variant of an account's email (same account, another throttle key), registered with
    /// the normaliser. `i` 1.. upper-cases the i-th letter of the local part.
    pub fn variant(&mut self, acct: &Account, i: usize) -> String {
        let mut seen = 0;
        let v: String = acct
            .email
            .chars()
            .map(|c| {
                if c.is_ascii_lowercase() {
                    seen += 1;
                    if seen == i {
                        return c.to_ascii_uppercase();
                    }
                }
                c
            })
            .collect();
        let label = format!("{}:case-{i}]", acct.label.trim_end_matches(']'));
        self.norm.add(v.clone(), label);
        v
    }

    /// Sign in quietly, returning the token.
    pub fn sign_in_quiet(&mut self, email: &str, password: &str) -> StepResult<String> {
        let resp = self.quiet(self.t.gql_req(
            q::SIGN_IN,
            Some(json!({"email": email, "password": password})),
            None,
        ))?;
        resp.str_at("/data/generateCustomerToken/token")
            .ok_or_else(|| self.setup_failed("generateCustomerToken", &resp))
    }

    /// A recorded sign-in step.
    pub fn sign_in(&mut self, title: &str, email: &str, password: &str) -> StepResult<Response> {
        self.gql(title, q::SIGN_IN, json!({"email": email, "password": password}))
    }

    /// The token of a sign-in response, checked.
    pub fn token_of(&self, resp: &Response) -> StepResult<String> {
        let t = resp
            .str_at("/data/generateCustomerToken/token")
            .or_else(|| resp.str_at("/data/exchangeOtpForCustomerToken/token"))
            .ok_or_else(|| self.fail("expected a customer token"))?;
        normalize::check_customer_token(&t, self.run.store.token_lifetime_secs)
            .map_err(|e| self.fail(format!("malformed customer token: {e}")))?;
        Ok(t)
    }

    /// Whether a sign-in response carries a token.
    pub fn has_token(resp: &Response) -> bool {
        resp.str_at("/data/generateCustomerToken/token").is_some()
            || resp.str_at("/data/exchangeOtpForCustomerToken/token").is_some()
    }

    /// The admin token for admin REST.
    pub fn admin_token(&self) -> StepResult<String> {
        self.t
            .admin
            .token(&self.t.client)
            .map_err(|e| self.fail(format!("setup: admin token: {e}")))
    }

    /// The admin token fetched with the admin credentials (GraphQL admin operations).
    pub fn credential_admin_token(&self) -> StepResult<String> {
        self.t
            .admin
            .credential_token(&self.t.client)
            .map_err(|e| self.fail(format!("setup: {e}")))
    }

    /// The REST id of an account (admin search).
    pub fn customer_id(&mut self, email: &str) -> StepResult<u64> {
        self.t
            .admin
            .customer_id(&self.t.client, email)
            .map_err(|e| self.fail(format!("setup: customer id: {e}")))
    }

    /// Issue an admin OTC for customer `id` as a recorded step, returning the code.
    pub fn issue_otc(&mut self, title: &str, id: u64) -> StepResult<String> {
        let admin = self.admin_token()?;
        let resp = self.rest(
            title,
            "POST",
            &format!("/V1/customer/{id}/otp"),
            Some(json!({"reason": "conformance"})),
            Some(&admin),
        )?;
        let otc = resp
            .str_at("/otp")
            .ok_or_else(|| self.fail(format!("expected {{\"otp\":…}}, got {}", resp.status)))?;
        normalize::check_otc(&otc).map_err(|e| self.fail(e))?;
        Ok(otc)
    }

    /// Request a password reset quietly and read the token from the mail.
    pub fn reset_token(&mut self, email: &str) -> StepResult<String> {
        let resp = self.quiet(
            self.t
                .gql_req(q::REQUEST_RESET, Some(json!({"email": email})), None),
        )?;
        if resp.at("/data/requestPasswordResetEmail") != Some(&json!(true)) {
            return Err(self.setup_failed("requestPasswordResetEmail", &resp));
        }
        self.read_reset_token(email)
    }

    /// The newest reset token mailed to `email`.
    pub fn read_reset_token(&mut self, email: &str) -> StepResult<String> {
        let mail = self
            .t
            .latest_email(email, EmailKind::PasswordReset)
            .map_err(|e| self.fail(format!("reading the reset email: {e}")))?
            .ok_or_else(|| self.fail(format!("no reset email for {email}")))?;
        let tok = mail
            .token
            .clone()
            .ok_or_else(|| self.fail("the reset email carries no token"))?;
        normalize::check_reset_token(&tok).map_err(|e| self.fail(format!("reset token: {e}")))?;
        // behaviour.md 5.5: the link is <base-url>/customer/account/createPassword/?token=<token>.
        let want = format!("/customer/account/createPassword/?token={tok}");
        let link_ok = match &mail.link {
            Some(l) => l.ends_with(&want),
            None => mail.body.contains(&want),
        };
        if !link_ok {
            return Err(self.fail_with(
                "the reset email's link",
                format!("a link ending in {want}"),
                mail.link
                    .clone()
                    .unwrap_or_else(|| format!("no link; the body: {}", mail.body)),
            ));
        }
        self.norm.add(tok.clone(), "[reset-token]");
        Ok(tok)
    }

    /// Let `secs` seconds pass (noted in the transcript).
    pub fn advance(&mut self, secs: u64) -> StepResult<()> {
        self.t
            .advance(secs)
            .map_err(|e| Flow::Skip(Skip::new(SkipCause::Time, e.to_string())))?;
        self.note(&format!("{secs} s pass"));
        Ok(())
    }

    /// Let `secs` seconds pass, noted in the transcript as `what` (for durations that come from
    /// the store's configuration, whose value must not make the transcript differ).
    pub fn advance_noting(&mut self, secs: u64, what: &str) -> StepResult<()> {
        self.t
            .advance(secs)
            .map_err(|e| Flow::Skip(Skip::new(SkipCause::Time, e.to_string())))?;
        self.note(what);
        Ok(())
    }

    /// A recorded sign-in must have failed with the generic message.
    pub fn expect_generic(&self, resp: &Response) -> StepResult<()> {
        self.check_eq(
            resp.message(),
            Some(GENERIC),
            "sign-in refused with the generic message",
        )
    }
}

/// Why scenarios that create accounts skip when the store requires confirmation and no mail is readable.
pub(super) const NEEDS_MAILBOX_TO_CONFIRM: &str =
    "new accounts need confirmation (create_account_confirmation) and no mailbox was given: pass --mailbox";

/// What a status-only step shows instead of the body.
const BODY_NOT_COMPARED: &str = "(body not compared)";

/// The generic sign-in failure message (behaviour.md 5.1).
pub const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";

fn vars_opt(v: Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) if m.is_empty() => None,
        other => Some(other),
    }
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
