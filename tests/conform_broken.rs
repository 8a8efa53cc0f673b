//! Detection power: targets that each break one rule of behaviour.md, and the scenario (or
//! property) that must catch it; plus the controls that must pass.
//!
//! A broken target is the in-process mock behind a small proxy (axum in front, reqwest to the
//! mock) that rewrites one thing, or the mock with one fixture setting changed. The runner runs
//! against it with no flag but the target (it finds the mock's control API through the proxy and
//! learns the admin access), filtered to the scenario named in the test, which must fail; the
//! failure must be reported with expected and actual values and without Rust debug text.
//!
//! Controls (exit 0): the faithful proxy, the faithful mock behind 150 ms of latency, and the
//! faithful mock with `/__mock` hidden (a real server's shape) with a Mailpit-compatible mailbox
//! served from the mock's outbox.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use commerce_auth_mock::conform::event::{Status, Summary};
use commerce_auth_mock::conform::{exit_code, run_with, ConformArgs};
use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use serde_json::{json, Value};
use tokio::net::TcpListener;

const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";

/// The one rule a proxy breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    None,
    // 2. front door
    ContentTypeCaseInsensitive,
    PreExecutionStatus200,
    MutationOverGet,
    OperationNameHonoured,
    BadBearerIgnored,
    OptionsAnswer200,
    // 3. validation and schema
    AllValidationErrors,
    DepthLimit21,
    IntrospectionMissesAField,
    // 4.1, 4.2 errors
    GenericReworded,
    SignInFailure200,
    ErrorKeysReordered,
    AuthorizationIs401,
    EnumeratingMessage,
    // 4.3 tokens
    TokenHeaderReordered,
    WrongUidClaim,
    WrongAdminIdClaim,
    IatInThePast,
    SameSecondTokensDiffer,
    TokenSurvivesRevocation,
    RevocationSparesLaterSameSecond,
    PasswordChangeRevokes,
    PasswordResetRevokes,
    TokenValidAtExp,
    StoreConfigUnderstatesLifetime,
    // 4.4 throttle and lockout
    ThrottleKeyedCaseInsensitively,
    SuccessKeepsThrottleCount,
    SuccessKeepsLockoutCount,
    ResetKeepsLockoutCount,
    LockCountNotRestarted,
    // 5.1 evaluation order, secrets bound to their account
    ReusableOtc,
    OtcNeverExpires,
    ResetTokenBeforePassword,
    PasswordOfAnotherAccountAccepted,
    OtcOfAnotherAccountAccepted,
    ResetTokenOfAnotherAccountAccepted,
    ExchangeWithAnotherAccountsOtc,
    OtcAcceptedWithoutAssistance,
    // 5.4 – 5.8
    LockedMessageWithoutPeriod,
    UnconfirmedAnswersGeneric,
    CaseSensitiveEmailLookup,
    ResetPasswordWithAnotherAccountsToken,
    ReplacedResetTokenStillWorks,
    ResetLinkWrong,
    PolicyOrderSwapped,
    CreateAnswersAnId,
    ConfirmWithAnotherAccountsKey,
    IsEmailAvailableFalseForAccounts,
    // 6 admin REST, 5.9
    OtcIssuedWithoutAssistance,
    LimitedAdminAccepted,
    AdminWithoutAssistancePermissionAccepted,
}

#[derive(Default)]
struct Memory {
    /// OTC → (customer id it was issued for, used successfully).
    otcs: HashMap<String, (u64, bool)>,
    /// Email (lower case) → REST id, from admin customer searches.
    ids: HashMap<String, u64>,
    /// Email (lower case) → the last successful sign-in body.
    success: HashMap<String, Vec<u8>>,
    /// Password → the email (lower case) it signed in.
    good_passwords: HashMap<String, String>,
    /// Email (lower case) → every reset token mailed to it, oldest first.
    resets: HashMap<String, Vec<String>>,
    /// Reset tokens "consumed" by a broken server.
    consumed_resets: HashSet<String>,
    /// Confirmation key → email (lower case).
    confirmation_keys: HashMap<String, String>,
    /// Emails (lower case) of accounts created.
    created: HashSet<String>,
    /// Customer token → email (lower case).
    token_email: HashMap<String, String>,
    /// Tokens issued (the last one per email), to spot a repeat.
    seen_tokens: HashSet<String>,
    /// Tokens rewritten by the proxy → the original.
    tampered: HashMap<String, String>,
    /// Tokens a broken server treats as revoked.
    revoked: HashSet<String>,
    /// Emails (lower case) whose customer revoked.
    revoked_emails: HashSet<String>,
    /// Tokens issued after their customer revoked.
    after_revoke: HashSet<String>,
    /// Emails (lower case) whose assistance was turned off.
    assistance_off: HashSet<String>,
    /// Sign-in failures per exact email string / per account.
    failures_exact: HashMap<String, u32>,
    failures_account: HashMap<String, u32>,
}

/// A request as the proxy forwards it.
#[derive(Clone)]
struct Exchange {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Exchange {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
    }
    fn bearer(&self) -> Option<String> {
        let v = self.header("authorization")?;
        v.strip_prefix("Bearer ").map(String::from)
    }
    /// The GraphQL document of a POST.
    fn query(&self) -> String {
        self.json()["query"].as_str().unwrap_or_default().to_string()
    }
    fn var(&self, name: &str) -> Option<String> {
        self.json()["variables"][name].as_str().map(String::from)
    }
    fn is(&self, field: &str) -> bool {
        self.query().contains(&format!("{field}("))
    }
}

struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn message(&self) -> String {
        self.json()
            .pointer("/errors/0/message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }
    fn set(&mut self, status: u16, v: &Value) {
        self.status = status;
        self.body = v.to_string().into_bytes();
    }
    fn replace_text(&mut self, from: &str, to: &str) {
        self.body = String::from_utf8_lossy(&self.body).replace(from, to).into_bytes();
    }
}

fn generic_body(field: &str) -> Value {
    json!({"errors": [{"message": GENERIC, "locations": [{"line": 1, "column": 56}], "path": [field], "extensions": {"category": "graphql-authentication"}}], "data": {field: null}})
}

struct Proxy {
    upstream: String,
    client: reqwest::Client,
    bug: Bug,
    hide_control: bool,
    latency: Duration,
    mem: Mutex<Memory>,
}

impl Proxy {
    async fn forward(&self, x: &Exchange) -> Answer {
        let mut url = format!("{}{}", self.upstream, x.path);
        if let Some(q) = &x.query {
            url.push('?');
            url.push_str(q);
        }
        let mut b = self
            .client
            .request(reqwest::Method::from_bytes(x.method.as_bytes()).unwrap(), url);
        for (k, v) in &x.headers {
            if !matches!(k.as_str(), "host" | "content-length") {
                b = b.header(k, v);
            }
        }
        let resp = b.body(x.body.clone()).send().await.expect("the mock answers");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_string();
        Answer {
            status,
            content_type,
            body: resp.bytes().await.unwrap().to_vec(),
        }
    }

    async fn upstream_now(&self) -> i64 {
        let v: Value = self
            .client
            .get(format!("{}/__mock/clock", self.upstream))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["now"].as_i64().unwrap()
    }

    /// The request side of a bug.
    fn before(&self, x: &mut Exchange) {
        let mem = self.mem.lock().unwrap();
        // Tokens the runner got rewritten go back to the mock as the mock issued them.
        for (tampered, original) in &mem.tampered {
            for (_, v) in x.headers.iter_mut() {
                *v = v.replace(tampered, original);
            }
            let body = String::from_utf8_lossy(&x.body).replace(tampered, original);
            x.body = body.into_bytes();
        }
        match self.bug {
            Bug::ContentTypeCaseInsensitive if x.header("content-type") == Some("Application/JSON") => {
                x.set_header("content-type", "application/json")
            }
            Bug::MutationOverGet if x.method == "GET" && x.path.ends_with("/graphql") => {
                let params: HashMap<String, String> =
                    url::form_urlencoded::parse(x.query.as_deref().unwrap_or("").as_bytes())
                        .into_owned()
                        .collect();
                if let Some(q) = params.get("query").filter(|q| q.contains("mutation")) {
                    x.method = "POST".into();
                    x.query = None;
                    x.body = json!({ "query": q }).to_string().into_bytes();
                    x.set_header("content-type", "application/json");
                }
            }
            Bug::OperationNameHonoured => {
                let body = x.json();
                if let (Some(name), Some(q)) = (body["operationName"].as_str(), body["query"].as_str()) {
                    if let Some(start) = q.find(&format!("query {name}")) {
                        let rest = &q[start..];
                        let end = rest[1..].find("query ").map_or(rest.len(), |i| i + 1);
                        x.body = json!({"query": rest[..end].trim()}).to_string().into_bytes();
                    }
                }
            }
            Bug::BadBearerIgnored if x.bearer().is_some_and(|t| t.matches('.').count() != 2) => {
                x.headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            }
            Bug::DepthLimit21 => {
                let q = x.query();
                if q.matches("ofType { ").count() == 19 {
                    let q = q.replacen("ofType { ", "", 1).replacen("name }", "name", 1);
                    x.body = json!({ "query": q }).to_string().into_bytes();
                }
            }
            Bug::LimitedAdminAccepted
                if x.path.ends_with("/otp") && x.bearer().as_deref() == Some("mock-viewer-token") =>
            {
                x.set_header("authorization", "Bearer mock-admin-token")
            }
            Bug::AdminWithoutAssistancePermissionAccepted
                if x.is("generateCustomerTokenAsAdmin")
                    && x.bearer().as_deref() == Some("mock-support-token") =>
            {
                x.set_header("authorization", "Bearer mock-admin-token")
            }
            _ => {}
        }
    }

    /// The response side of a bug. `original` is the mock's own answer.
    async fn after(&self, x: &Exchange, a: &mut Answer) {
        let message = a.message();
        let body = a.json();
        let sign_in = x
            .is("generateCustomerToken")
            .then(|| Some((x.var("email")?, x.var("password")?)))
            .flatten();
        let signed_in = body
            .pointer("/data/generateCustomerToken/token")
            .is_some_and(Value::is_string);
        let lower = |s: &str| s.to_lowercase();
        // Needs the mock's clock: read before taking the lock.
        let now = match self.bug {
            Bug::TokenValidAtExp if message == "Consumer key has expired" => Some(self.upstream_now().await),
            _ => None,
        };
        let mut mem = self.mem.lock().unwrap();
        match self.bug {
            Bug::None => {}
            Bug::PreExecutionStatus200 if message == "Request content type must be application/json" => a.status = 200,
            Bug::OptionsAnswer200 if x.method == "OPTIONS" => a.status = 200,
            Bug::AllValidationErrors => {
                let mut v = body.clone();
                let validation = v.get("data").is_none()
                    && v["errors"].as_array().is_some_and(|e| e.len() == 1 && e[0].get("extensions").is_none());
                if validation {
                    let e = v["errors"][0].clone();
                    v["errors"].as_array_mut().unwrap().push(e);
                    a.set(a.status, &v);
                }
            }
            Bug::IntrospectionMissesAField if x.query().contains("__type") => {
                fn drop_field(v: &mut Value) {
                    match v {
                        Value::Array(items) => {
                            items.retain(|i| i["name"] != "revokeCustomerToken");
                            items.iter_mut().for_each(drop_field);
                        }
                        Value::Object(m) => m.values_mut().for_each(drop_field),
                        _ => {}
                    }
                }
                let mut v = body.clone();
                drop_field(&mut v);
                a.set(a.status, &v);
            }
            Bug::GenericReworded if message == GENERIC => a.replace_text(GENERIC, "Invalid login."),
            Bug::SignInFailure200 if message == GENERIC && a.status == 401 => a.status = 200,
            Bug::ErrorKeysReordered if body.pointer("/errors/0/path").is_some() => {
                let mut v = body.clone();
                let e = v["errors"][0].take();
                v["errors"][0] = json!({"message": e["message"], "locations": e["locations"], "extensions": e["extensions"], "path": e["path"]});
                a.set(a.status, &v);
            }
            Bug::AuthorizationIs401 if a.status == 403 => a.status = 401,
            Bug::EnumeratingMessage if message == GENERIC => {
                if let Some((email, _)) = &sign_in {
                    if !mem.created.contains(&lower(email)) {
                        a.replace_text(GENERIC, "No account exists for this email address.");
                    }
                }
            }
            Bug::TokenHeaderReordered
            | Bug::WrongUidClaim
            | Bug::WrongAdminIdClaim
            | Bug::IatInThePast
            | Bug::SameSecondTokensDiffer => {
                let mut v = body.clone();
                retoken(&mut v, self.bug, &mut mem);
                a.set(a.status, &v);
            }
            Bug::TokenSurvivesRevocation if message == "User token has been revoked" => {
                a.set(200, &json!({"data": {"customer": {"id": null, "email": "x@example.com"}}}))
            }
            Bug::RevocationSparesLaterSameSecond
                if message == "User token has been revoked"
                    && x.bearer().is_some_and(|t| mem.after_revoke.contains(&t)) =>
            {
                a.set(200, &json!({"data": {"customer": {"id": null, "email": "x@example.com"}}}))
            }
            Bug::PasswordChangeRevokes | Bug::PasswordResetRevokes => {
                if x.bearer().is_some_and(|t| mem.revoked.contains(&t)) {
                    a.set(
                        401,
                        &json!({"errors": [{"message": "User token has been revoked", "extensions": {"category": "graphql-authentication"}}]}),
                    );
                }
                let changed = x.is("changeCustomerPassword") && body.pointer("/data/changeCustomerPassword/email").is_some();
                if self.bug == Bug::PasswordChangeRevokes && changed {
                    mem.revoked.extend(x.bearer());
                }
                let reset = x.is("resetPassword") && body.pointer("/data/resetPassword") == Some(&json!(true));
                if self.bug == Bug::PasswordResetRevokes && reset {
                    let email = lower(&x.var("email").unwrap_or_default());
                    let tokens: Vec<String> =
                        mem.token_email.iter().filter(|(_, e)| **e == email).map(|(t, _)| t.clone()).collect();
                    mem.revoked.extend(tokens);
                }
            }
            Bug::TokenValidAtExp => {
                let exp = x.bearer().and_then(|t| claims(&t)).and_then(|c| c["exp"].as_i64());
                if now.is_some() && exp == now {
                    a.set(200, &json!({"data": {"customer": {"id": null, "email": "x@example.com"}}}));
                }
            }
            Bug::StoreConfigUnderstatesLifetime if body.pointer("/data/storeConfig/customer_access_token_lifetime").is_some() => {
                let mut v = body.clone();
                v["data"]["storeConfig"]["customer_access_token_lifetime"] = json!(1.0);
                a.set(a.status, &v);
            }
            Bug::ThrottleKeyedCaseInsensitively
            | Bug::SuccessKeepsThrottleCount
            | Bug::SuccessKeepsLockoutCount
            | Bug::ResetKeepsLockoutCount
            | Bug::LockCountNotRestarted => {
                if let Some((email, _)) = &sign_in {
                    let (key, limit, by_success) = match self.bug {
                        Bug::ThrottleKeyedCaseInsensitively => (lower(email), 6, true),
                        Bug::SuccessKeepsThrottleCount => (email.clone(), 6, false),
                        Bug::SuccessKeepsLockoutCount => (lower(email), 10, false),
                        Bug::ResetKeepsLockoutCount => (lower(email), 10, true),
                        _ => (lower(email), 11, true),
                    };
                    let counts = if self.bug == Bug::SuccessKeepsThrottleCount {
                        &mut mem.failures_exact
                    } else {
                        &mut mem.failures_account
                    };
                    let n = counts.get(&key).copied().unwrap_or(0);
                    if signed_in && n >= limit {
                        a.set(401, &generic_body("generateCustomerToken"));
                    } else if signed_in && by_success {
                        counts.remove(&key);
                    } else if message == GENERIC {
                        counts.insert(key, n + 1);
                    }
                }
            }
            Bug::ReusableOtc | Bug::OtcNeverExpires | Bug::OtcAcceptedWithoutAssistance => {
                if let Some((email, pw)) = &sign_in {
                    if let (Some(&(for_id, used)), false) = (mem.otcs.get(pw), signed_in) {
                        let own = mem.ids.get(&lower(email)) == Some(&for_id);
                        let accept = match self.bug {
                            Bug::ReusableOtc => used,
                            Bug::OtcNeverExpires => !used,
                            _ => !used && mem.assistance_off.contains(&lower(email)),
                        };
                        if let (true, true, Some(ok)) = (own, accept, mem.success.get(&lower(email)).cloned()) {
                            a.status = 200;
                            a.body = ok;
                        }
                    }
                }
            }
            Bug::ResetTokenBeforePassword => {
                if let Some((email, pw)) = &sign_in {
                    if let Some(tok) = mem.resets.get(&lower(email)).and_then(|v| v.last()).cloned() {
                        if signed_in && *pw != tok {
                            mem.consumed_resets.insert(tok);
                        } else if signed_in && *pw == tok && mem.consumed_resets.contains(&tok) {
                            a.set(401, &generic_body("generateCustomerToken"));
                        }
                    }
                }
            }
            Bug::PasswordOfAnotherAccountAccepted if message == GENERIC => {
                if let Some((email, pw)) = &sign_in {
                    if mem.good_passwords.get(pw).is_some_and(|e| *e != lower(email)) {
                        a.set(200, &json!({"data": {"generateCustomerToken": {"token": "a-token-of-the-wrong-check"}}}));
                    }
                }
            }
            Bug::OtcOfAnotherAccountAccepted if message == GENERIC => {
                if let Some((email, pw)) = &sign_in {
                    let other = mem
                        .otcs
                        .get(pw)
                        .is_some_and(|(id, _)| mem.ids.get(&lower(email)) != Some(id));
                    if let (true, Some(ok)) = (other, mem.success.get(&lower(email)).cloned()) {
                        a.status = 200;
                        a.body = ok;
                    }
                }
            }
            Bug::ResetTokenOfAnotherAccountAccepted if message == GENERIC => {
                if let Some((email, pw)) = &sign_in {
                    let other = mem.resets.iter().any(|(e, toks)| *e != lower(email) && toks.contains(pw));
                    if let (true, Some(ok)) = (other, mem.success.get(&lower(email)).cloned()) {
                        a.status = 200;
                        a.body = ok;
                    }
                }
            }
            Bug::ExchangeWithAnotherAccountsOtc if message == GENERIC && x.is("exchangeOtpForCustomerToken") => {
                let (email, otp) = (lower(&x.var("email").unwrap_or_default()), x.var("otp").unwrap_or_default());
                let other = mem.otcs.get(&otp).is_some_and(|(id, _)| mem.ids.get(&email) != Some(id));
                let token = mem.token_email.iter().find(|(_, e)| **e == email).map(|(t, _)| t.clone());
                if let (true, Some(token)) = (other, token) {
                    a.set(200, &json!({"data": {"exchangeOtpForCustomerToken": {"token": token}}}));
                }
            }
            Bug::LockedMessageWithoutPeriod if message == "The account is locked." => {
                a.replace_text("The account is locked.", "The account is locked")
            }
            Bug::UnconfirmedAnswersGeneric if message == "This account isn't confirmed. Verify and try again." => {
                a.replace_text("This account isn't confirmed. Verify and try again.", GENERIC)
            }
            Bug::CaseSensitiveEmailLookup if signed_in => {
                if let Some((email, _)) = &sign_in {
                    if *email != lower(email) {
                        a.set(401, &generic_body("generateCustomerToken"));
                    }
                }
            }
            Bug::ResetPasswordWithAnotherAccountsToken | Bug::ReplacedResetTokenStillWorks
                if message == "The password token is mismatched. Reset and try again." =>
            {
                let (email, token) = (lower(&x.var("email").unwrap_or_default()), x.var("token").unwrap_or_default());
                let accept = match self.bug {
                    Bug::ResetPasswordWithAnotherAccountsToken => {
                        mem.resets.iter().any(|(e, toks)| *e != email && toks.contains(&token))
                    }
                    _ => mem.resets.get(&email).is_some_and(|toks| toks.contains(&token) && toks.last() != Some(&token)),
                };
                if accept {
                    a.set(200, &json!({"data": {"resetPassword": true}}));
                }
            }
            Bug::ResetLinkWrong if x.path.ends_with("/__mock/outbox") => {
                a.replace_text("/customer/account/createPassword/", "/customer/account/resetPassword/")
            }
            Bug::PolicyOrderSwapped
                if x.is("createCustomerV2")
                    && x.json()["variables"]["input"]["password"] == "abc"
                    && message.starts_with("The password needs at least") =>
            {
                a.replace_text(&message, "Minimum of different classes of characters in password is 3. Classes of characters: Lower Case, Upper Case, Digits, Special Characters.")
            }
            Bug::CreateAnswersAnId if body.pointer("/data/createCustomerV2/customer/id") == Some(&Value::Null) => {
                let mut v = body.clone();
                v["data"]["createCustomerV2"]["customer"]["id"] = json!(42);
                a.set(a.status, &v);
            }
            Bug::ConfirmWithAnotherAccountsKey if x.is("confirmEmail") && !message.is_empty() => {
                let (email, key) = (lower(&x.var("email").unwrap_or_default()), x.var("key").unwrap_or_default());
                if mem.confirmation_keys.get(&key).is_some_and(|e| *e != email) {
                    a.set(200, &json!({"data": {"confirmEmail": {"customer": {"email": email}}}}));
                }
            }
            Bug::IsEmailAvailableFalseForAccounts if x.is("isEmailAvailable") => {
                let email = lower(&x.var("email").unwrap_or_default());
                if mem.created.contains(&email) && body.pointer("/data/isEmailAvailable/is_email_available") == Some(&json!(true)) {
                    a.set(200, &json!({"data": {"isEmailAvailable": {"is_email_available": false}}}));
                }
            }
            Bug::OtcIssuedWithoutAssistance if body["message"] == "Login as Customer assistance is disabled for this Customer." => {
                a.set(200, &json!({"otp": "0123456789abcdef0123456789abcdef"}))
            }
            _ => {}
        }
        observe(x, &body, &mut mem);
    }
}

/// What every broken server remembers of an exchange (from the mock's own answer).
fn observe(x: &Exchange, body: &Value, mem: &mut Memory) {
    let lower = |s: &str| s.to_lowercase();
    if let Some(email) = x.json().pointer("/variables/input/email").and_then(Value::as_str) {
        mem.created.insert(lower(email));
        if let Some(pw) = x
            .json()
            .pointer("/variables/input/password")
            .and_then(Value::as_str)
        {
            if body
                .pointer("/data/createCustomerV2/customer")
                .is_some_and(|c| !c.is_null())
            {
                mem.good_passwords.insert(pw.to_string(), lower(email));
            }
        }
    }
    if let Some(otp) = body.get("otp").and_then(Value::as_str) {
        let id = x
            .path
            .split('/')
            .rev()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        mem.otcs.insert(otp.to_string(), (id, false));
    }
    for item in body["items"].as_array().into_iter().flatten() {
        if let (Some(e), Some(id)) = (item["email"].as_str(), item["id"].as_u64()) {
            mem.ids.insert(lower(e), id);
        }
    }
    if x.path.ends_with("/__mock/outbox") {
        for e in body["emails"].as_array().into_iter().flatten() {
            let (to, tok) = (
                lower(e["to"].as_str().unwrap_or("")),
                e["token"].as_str().unwrap_or("").to_string(),
            );
            if e["kind"] == "reset_password" {
                let list = mem.resets.entry(to).or_default();
                if !list.contains(&tok) {
                    list.push(tok);
                }
            } else if e["kind"] == "confirmation" {
                mem.confirmation_keys.insert(tok, to);
            }
        }
    }
    let token = body
        .pointer("/data/generateCustomerToken/token")
        .or_else(|| body.pointer("/data/exchangeOtpForCustomerToken/token"))
        .and_then(Value::as_str);
    if let (Some(token), Some(email)) = (token, x.var("email")) {
        let email = lower(&email);
        if x.is("generateCustomerToken") {
            mem.success
                .insert(email.clone(), serde_json::to_vec(body).unwrap());
            if let Some(pw) = x.var("password") {
                if let Some(used) = mem.otcs.get_mut(&pw) {
                    used.1 = true;
                }
                mem.good_passwords.insert(pw, email.clone());
            }
        }
        if mem.revoked_emails.contains(&email) {
            mem.after_revoke.insert(token.to_string());
        }
        mem.token_email.insert(token.to_string(), email);
    }
    if body.pointer("/data/revokeCustomerToken/result") == Some(&json!(true)) {
        if let Some(email) = x.bearer().and_then(|t| mem.token_email.get(&t).cloned()) {
            mem.revoked_emails.insert(email);
        }
    }
    if x.is("updateCustomerV2") {
        let on = x
            .json()
            .pointer("/variables/input/allow_remote_shopping_assistance")
            .and_then(Value::as_bool);
        if let (Some(on), Some(email)) = (on, x.bearer().and_then(|t| mem.token_email.get(&t).cloned())) {
            if on {
                mem.assistance_off.remove(&email);
            } else {
                mem.assistance_off.insert(email);
            }
        }
    }
}

fn claims(token: &str) -> Option<Value> {
    let p = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

/// Rewrite every customer token in `v` as `bug` breaks it, remembering the original.
fn retoken(v: &mut Value, bug: Bug, mem: &mut Memory) {
    match v {
        Value::String(s) if s.starts_with("eyJ") && s.matches('.').count() == 2 => {
            let Some(mut c) = claims(s) else { return };
            if c["utypid"] != 3 {
                return;
            }
            let parts: Vec<&str> = s.split('.').collect();
            let mut header = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
            let mut sig = parts[2].to_string();
            match bug {
                Bug::TokenHeaderReordered => header = r#"{"alg":"HS256","kid":"1"}"#.into(),
                Bug::WrongUidClaim => c["uid"] = json!(c["uid"].as_i64().unwrap() + 1000),
                Bug::WrongAdminIdClaim if c.get("admin_id").is_some() => {
                    c["admin_id"] = json!(c["admin_id"].as_i64().unwrap() + 1)
                }
                Bug::IatInThePast => {
                    c["iat"] = json!(c["iat"].as_i64().unwrap() - 5);
                    c["exp"] = json!(c["exp"].as_i64().unwrap() - 5);
                }
                Bug::SameSecondTokensDiffer if !mem.seen_tokens.insert(s.clone()) => {
                    let first = if sig.starts_with('A') { "B" } else { "A" };
                    sig.replace_range(0..1, first);
                }
                _ => return,
            }
            let tampered = format!(
                "{}.{}.{sig}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(c.to_string())
            );
            mem.tampered.insert(tampered.clone(), s.clone());
            *s = tampered;
        }
        Value::Array(a) => a.iter_mut().for_each(|x| retoken(x, bug, mem)),
        Value::Object(m) => m.values_mut().for_each(|x| retoken(x, bug, mem)),
        _ => {}
    }
}

async fn handle(
    State(p): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    tokio::time::sleep(p.latency).await;
    if p.hide_control && uri.path().starts_with("/__mock") {
        // What a real store answers for a path it does not route.
        return (
            axum::http::StatusCode::NOT_FOUND,
            "<html><body>404 Not Found</body></html>",
        )
            .into_response();
    }
    let mut x = Exchange {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(String::from),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: body.to_vec(),
    };
    p.before(&mut x);
    let mut a = p.forward(&x).await;
    p.after(&x, &mut a).await;
    Response::builder()
        .status(a.status)
        .header("content-type", a.content_type)
        .body(axum::body::Body::from(a.body))
        .unwrap()
}

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

struct Setup {
    mock: TestServer,
    proxy: SocketAddr,
}

async fn start(bug: Bug, fixtures: Fixtures, hide_control: bool, latency: Duration) -> Setup {
    let mock = TestServer::start_with(Profile::Saas, fixtures).await;
    let proxy = Arc::new(Proxy {
        upstream: mock.base_url(),
        client: reqwest::Client::new(),
        bug,
        hide_control,
        latency,
        mem: Mutex::new(Memory::default()),
    });
    let addr = serve(Router::new().fallback(handle).with_state(proxy)).await;
    Setup { mock, proxy: addr }
}

async fn run(args: ConformArgs) -> Summary {
    tokio::task::spawn_blocking(move || run_with(args, vec![]))
        .await
        .unwrap()
        .expect("the run starts")
}

/// No flag but the target (the proxy), a fixed seed; the built-in snapshots (nothing written).
fn args(s: &Setup, filter: &str) -> ConformArgs {
    let mut a = ConformArgs::for_target(format!("http://{}/graphql", s.proxy), Profile::Saas);
    // The broken server is the proxy in front of the mock's default store (its bugs are written
    // against the un-prefixed routes).
    a.no_sandbox = true;
    a.filter = Some(filter.into());
    a.seed = Some(7);
    a.cases = Some(48);
    a
}

fn failed(s: &Summary) -> Vec<String> {
    s.records
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .map(|r| r.name.clone())
        .collect()
}

/// Every failure says what was expected and what happened, in JSON or words, not Rust's
/// debug notation.
fn assert_reported_for_a_person(s: &Summary) {
    for r in &s.records {
        let Status::Failed(f) = &r.status else { continue };
        assert!(
            !f.expected.is_empty() && !f.actual.is_empty(),
            "{}: {f:?}",
            r.name
        );
        for text in [&f.message, &f.expected, &f.actual] {
            for debug in ["Some(", "None", "Outcome {", "Op::", "TestCaseError"] {
                assert!(
                    !text.contains(debug),
                    "{}: debug text {debug:?} in {text}",
                    r.name
                );
            }
        }
    }
}

/// Run the items whose names contain `scenario` against a target with `bug` (or `fixtures`
/// changed): `scenario` fails.
async fn caught(bug: Bug, fixtures: Fixtures, scenario: &str) -> Summary {
    let setup = start(bug, fixtures, false, Duration::ZERO).await;
    let s = run(args(&setup, scenario)).await;
    assert!(
        failed(&s).contains(&scenario.to_string()),
        "{bug:?} must fail {scenario}: failed {:?}",
        failed(&s)
    );
    assert_reported_for_a_person(&s);
    if let Some(Status::Failed(f)) = s.records.iter().find(|r| r.name == scenario).map(|r| &r.status) {
        eprintln!(
            "CAUGHT {bug:?} by {scenario} at {:?}: {}",
            f.step,
            f.message.lines().next().unwrap_or("")
        );
    }
    assert_eq!(exit_code(&Ok(s.clone())), 1);
    drop(setup);
    s
}

async fn caught_by(bug: Bug, scenario: &str) -> Summary {
    caught(bug, Fixtures::embedded_default(), scenario).await
}

fn with(f: impl FnOnce(&mut Fixtures)) -> Fixtures {
    let mut fixtures = Fixtures::embedded_default();
    f(&mut fixtures);
    fixtures
}

/// One test per broken rule: `broken!(test_name, Bug::X, "scenario/name")`.
macro_rules! broken {
    ($test:ident, $bug:expr, $scenario:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            caught_by($bug, $scenario).await;
        }
    };
}

/// A broken rule that only a store requiring email confirmation shows (Magento's default is
/// not to require it, so the confirmation scenarios do not apply to the default fixtures).
macro_rules! broken_requiring_confirmation {
    ($test:ident, $bug:expr, $scenario:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            caught(
                $bug,
                with(|f| f.settings.confirmation_required = true),
                $scenario,
            )
            .await;
        }
    };
}

/// One test per fixture setting off the contract: `misconfigured!(test_name, |f| …, "scenario")`.
macro_rules! misconfigured {
    ($test:ident, $change:expr, $scenario:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            caught(Bug::None, with($change), $scenario).await;
        }
    };
}

// ----- the front door (behaviour.md 2) -----
broken!(
    a_case_insensitive_content_type_check_is_caught,
    Bug::ContentTypeCaseInsensitive,
    "front_door/content_type"
);
broken!(
    pre_execution_errors_answering_200_are_caught,
    Bug::PreExecutionStatus200,
    "front_door/content_type"
);
broken!(
    mutations_over_get_are_caught,
    Bug::MutationOverGet,
    "front_door/get_requests"
);
broken!(
    an_honoured_operation_name_is_caught,
    Bug::OperationNameHonoured,
    "front_door/multiple_operations"
);
broken!(
    ignored_unreadable_bearers_are_caught,
    Bug::BadBearerIgnored,
    "front_door/bad_bearer_on_public_operation"
);
broken!(
    options_answering_200_is_caught,
    Bug::OptionsAnswer200,
    "front_door/options_preflight"
);
// ----- validation and schema (3) -----
broken!(
    more_than_the_first_validation_error_is_caught,
    Bug::AllValidationErrors,
    "front_door/validation_first_error_only"
);
broken!(
    a_depth_limit_of_21_is_caught,
    Bug::DepthLimit21,
    "front_door/depth_and_complexity_limits"
);
broken!(
    introspection_missing_a_field_is_caught,
    Bug::IntrospectionMissesAField,
    "front_door/introspection_lists_the_contract_schema"
);
// ----- errors (4.1, 4.2) -----
broken!(
    a_reworded_generic_message_is_caught,
    Bug::GenericReworded,
    "signin/wrong_password"
);
broken!(
    sign_in_failures_answering_200_are_caught,
    Bug::SignInFailure200,
    "signin/wrong_password"
);
broken!(
    error_keys_out_of_order_are_caught,
    Bug::ErrorKeysReordered,
    "signin/wrong_password"
);
broken!(
    authorization_errors_answering_401_are_caught,
    Bug::AuthorizationIs401,
    "revocation/requires_customer_token"
);
// ----- tokens (4.3) -----
broken!(
    a_token_header_in_another_order_is_caught,
    Bug::TokenHeaderReordered,
    "signin/success"
);
broken!(
    a_wrong_uid_claim_is_caught,
    Bug::WrongUidClaim,
    "signin/token_claims"
);
broken!(
    a_wrong_admin_id_claim_is_caught,
    Bug::WrongAdminIdClaim,
    "admin/generate_customer_token_as_admin"
);
broken!(
    a_wrong_iat_claim_is_caught,
    Bug::IatInThePast,
    "signin/token_claims"
);
broken!(
    different_tokens_in_the_same_second_are_caught,
    Bug::SameSecondTokensDiffer,
    "signin/success"
);
broken!(
    a_token_that_survives_revocation_is_caught,
    Bug::TokenSurvivesRevocation,
    "revocation/revoke_kills_every_earlier_token"
);
broken!(
    revocation_sparing_a_later_token_of_the_same_second_is_caught,
    Bug::RevocationSparesLaterSameSecond,
    "revocation/same_second"
);
broken!(
    a_password_change_that_revokes_is_caught,
    Bug::PasswordChangeRevokes,
    "revocation/password_change_keeps_tokens"
);
broken!(
    a_password_reset_that_revokes_is_caught,
    Bug::PasswordResetRevokes,
    "revocation/password_reset_keeps_tokens"
);
broken!(
    a_token_still_valid_at_exp_is_caught,
    Bug::TokenValidAtExp,
    "expiry/customer_token_boundary"
);
// ----- throttle and lockout (4.4) -----
broken!(
    a_throttle_keyed_ignoring_case_is_caught,
    Bug::ThrottleKeyedCaseInsensitively,
    "signin/throttle"
);
broken!(
    a_success_that_keeps_the_throttle_count_is_caught,
    Bug::SuccessKeepsThrottleCount,
    "signin/success_clears_counters"
);
broken!(
    a_success_that_keeps_the_lockout_count_is_caught,
    Bug::SuccessKeepsLockoutCount,
    "signin/success_clears_counters"
);
broken!(
    a_reset_that_keeps_the_lockout_count_is_caught,
    Bug::ResetKeepsLockoutCount,
    "password/reset_clears_the_lockout_count"
);
broken!(
    a_lock_count_that_does_not_restart_is_caught,
    Bug::LockCountNotRestarted,
    "expiry/lockout_count_restarts_after_the_lock"
);
misconfigured!(
    a_throttle_after_7_failures_is_caught,
    |f| f.settings.throttle_max_failures = 7,
    "signin/throttle"
);
misconfigured!(
    a_lockout_after_11_failures_is_caught,
    |f| f.settings.lockout_failures = 11,
    "signin/lockout"
);
misconfigured!(
    an_11_minute_lock_is_caught,
    |f| f.settings.lockout_minutes = 11,
    "expiry/lockout_ends_after_10_minutes"
);
misconfigured!(
    a_throttle_window_of_1801_s_is_caught,
    |f| f.settings.throttle_window_seconds = 1801,
    "expiry/throttle_boundary"
);
// ----- evaluation order and secrets (5.1, 5.2) -----
broken!(
    a_reusable_otc_is_caught,
    Bug::ReusableOtc,
    "order/password_leaves_otc_usable"
);
broken!(
    an_otc_that_never_expires_is_caught,
    Bug::OtcNeverExpires,
    "expiry/otc_lifetime"
);
broken!(
    the_reset_token_tried_before_the_password_is_caught,
    Bug::ResetTokenBeforePassword,
    "order/password_leaves_reset_token_usable"
);
broken!(
    another_accounts_password_accepted_is_caught,
    Bug::PasswordOfAnotherAccountAccepted,
    "signin/password_of_another_account"
);
broken!(
    another_accounts_otc_accepted_is_caught,
    Bug::OtcOfAnotherAccountAccepted,
    "order/otc_of_other_customer"
);
broken!(
    another_accounts_reset_token_accepted_is_caught,
    Bug::ResetTokenOfAnotherAccountAccepted,
    "order/secrets_of_another_account"
);
broken!(
    another_accounts_otc_exchanged_is_caught,
    Bug::ExchangeWithAnotherAccountsOtc,
    "order/secrets_of_another_account"
);
broken!(
    an_otc_accepted_without_assistance_is_caught,
    Bug::OtcAcceptedWithoutAssistance,
    "order/assistance_flag_required"
);
misconfigured!(
    an_otc_living_31_s_is_caught,
    |f| f.settings.otc_ttl_seconds = 31,
    "expiry/otc_boundary"
);
misconfigured!(
    a_reset_token_living_7201_s_is_caught,
    |f| f.settings.reset_token_ttl_seconds = 7201,
    "expiry/reset_token_boundary"
);
// ----- customer operations, reset, policy, create (5.4 – 5.10) -----
broken!(
    a_locked_message_without_its_period_is_caught,
    Bug::LockedMessageWithoutPeriod,
    "signin/lockout"
);
broken_requiring_confirmation!(
    the_generic_message_for_an_unconfirmed_account_is_caught,
    Bug::UnconfirmedAnswersGeneric,
    "signin/unconfirmed_account"
);
broken!(
    a_case_sensitive_email_lookup_is_caught,
    Bug::CaseSensitiveEmailLookup,
    "signin/email_case_insensitive"
);
broken!(
    another_accounts_reset_token_resetting_is_caught,
    Bug::ResetPasswordWithAnotherAccountsToken,
    "password/reset_token_of_another_account"
);
broken!(
    a_replaced_reset_token_that_still_works_is_caught,
    Bug::ReplacedResetTokenStillWorks,
    "password/reset_password_flow"
);
broken!(
    a_wrong_reset_link_is_caught,
    Bug::ResetLinkWrong,
    "password/reset_password_flow"
);
broken!(
    password_policy_checks_out_of_order_are_caught,
    Bug::PolicyOrderSwapped,
    "password/policy_on_create"
);
broken!(
    create_answering_an_id_is_caught,
    Bug::CreateAnswersAnId,
    "account/create"
);
broken_requiring_confirmation!(
    another_accounts_confirmation_key_accepted_is_caught,
    Bug::ConfirmWithAnotherAccountsKey,
    "account/confirmation_key_of_another_account"
);
broken!(
    is_email_available_false_for_accounts_is_caught,
    Bug::IsEmailAvailableFalseForAccounts,
    "account/is_email_available"
);
// ----- admin (5.9, 6) -----
broken!(
    an_otc_issued_without_assistance_is_caught,
    Bug::OtcIssuedWithoutAssistance,
    "order/assistance_flag_required"
);
broken!(
    an_admin_without_login_as_customer_accepted_is_caught,
    Bug::LimitedAdminAccepted,
    "admin/otc_no_permission"
);
broken!(
    an_admin_without_the_assistance_permission_accepted_is_caught,
    Bug::AdminWithoutAssistancePermissionAccepted,
    "admin/as_admin_without_assistance_permission"
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enumerating_message_fails_the_scenario_and_the_property() {
    caught_by(Bug::EnumeratingMessage, "signin/unknown_email_same_body").await;
    caught_by(Bug::EnumeratingMessage, "properties/no_account_enumeration").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_machine_property_catches_a_reusable_otc() {
    let s = caught_by(Bug::ReusableOtc, "properties/state_machine").await;
    let Status::Failed(f) = &s.records[0].status else {
        unreachable!()
    };
    assert!(f.message.contains("minimal failing sequence"), "{}", f.message);
    assert!(
        f.message.contains("customer 0 signs in with the latest OTC"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("replay: commerce-auth-mock conform --target"),
        "{}",
        f.message
    );
    assert!(f.expected.starts_with("operation "), "{}", f.expected);
    assert!(f.actual.starts_with("200 success"), "{}", f.actual);
}

/// storeConfig saying 1 h while tokens live 2 h: the token checks catch it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_config_understating_the_token_lifetime_is_caught() {
    let s = caught(
        Bug::StoreConfigUnderstatesLifetime,
        with(|f| f.settings.customer_token_lifetime_minutes = 120),
        "signin/success",
    )
    .await;
    let Status::Failed(f) = &s.records[0].status else {
        unreachable!()
    };
    assert!(
        f.message
            .contains("exp - iat is 7200 s (expected the lifetime, 3600 s)"),
        "{}",
        f.message
    );
}

/// The accounts of a failing scenario stay, so its reproduce commands work after the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_scenarios_accounts_are_kept_and_listed() {
    let setup = start(
        Bug::GenericReworded,
        Fixtures::embedded_default(),
        false,
        Duration::ZERO,
    )
    .await;
    let s = run(args(&setup, "signin/")).await;
    assert!(failed(&s).contains(&"signin/wrong_password".to_string()));
    let kept: Vec<&(String, String)> = s
        .kept
        .iter()
        .filter(|(_, item)| item == "signin/wrong_password")
        .collect();
    assert_eq!(kept.len(), 1, "{:?}", s.kept);
    assert!(
        s.kept.iter().all(|(_, item)| failed(&s).contains(item)),
        "only failing items keep accounts"
    );
    let customers: Value = reqwest::get(format!("{}/__mock/customers", setup.mock.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = customers["customers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["email"].as_str())
        .collect();
    assert_eq!(emails.len(), 6 + s.kept.len(), "every other account was deleted");
    assert!(
        emails.contains(&kept[0].0.as_str()),
        "the kept account exists: {emails:?}"
    );
}

// ----- controls -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faithful_mock_through_the_proxy_passes_a_full_run() {
    let setup = start(Bug::None, Fixtures::embedded_default(), false, Duration::ZERO).await;
    let mut a = args(&setup, "");
    a.filter = None;
    let s = run(a).await;
    assert_eq!(failed(&s), Vec::<String>::new());
    assert_eq!(s.skipped(), 0);
    assert_eq!(exit_code(&Ok(s)), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faithful_mock_behind_150_ms_of_latency_passes() {
    let setup = start(
        Bug::None,
        Fixtures::embedded_default(),
        false,
        Duration::from_millis(150),
    )
    .await;
    let s = run(args(&setup, "order/password_leaves_otc_usable")).await;
    assert_eq!(failed(&s), Vec::<String>::new());
    assert_eq!(s.passed(), 1);
    assert_eq!(exit_code(&Ok(s)), 0);
}

/// A Mailpit-compatible API (the part the runner reads) serving the mock's outbox.
async fn mailpit_of(mock: &TestServer) -> SocketAddr {
    #[derive(Clone)]
    struct Upstream(String);
    async fn outbox(u: &Upstream) -> Vec<Value> {
        let v: Value = reqwest::get(format!("{}/__mock/outbox", u.0))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["emails"].as_array().cloned().unwrap_or_default()
    }
    fn summary(e: &Value) -> Value {
        json!({"ID": e["id"].to_string(), "To": [{"Name": "", "Address": e["to"]}], "Subject": e["subject"]})
    }
    async fn messages(State(u): State<Upstream>) -> axum::Json<Value> {
        let mut list: Vec<Value> = outbox(&u).await.iter().map(summary).collect();
        list.reverse();
        axum::Json(json!({"total": list.len(), "messages": list}))
    }
    async fn search(
        State(u): State<Upstream>,
        Query(q): Query<HashMap<String, String>>,
    ) -> axum::Json<Value> {
        let to = q
            .get("query")
            .map(|q| q.trim_start_matches("to:").trim_matches('"').to_lowercase());
        let mut list: Vec<Value> = outbox(&u)
            .await
            .iter()
            .filter(|e| Some(e["to"].as_str().unwrap_or("").to_lowercase()) == to)
            .map(summary)
            .collect();
        list.reverse();
        axum::Json(json!({"total": list.len(), "messages": list}))
    }
    async fn message(State(u): State<Upstream>, Path(id): Path<String>) -> Response {
        match outbox(&u)
            .await
            .into_iter()
            .find(|e| e["id"].as_u64().is_some_and(|n| n.to_string() == id))
        {
            Some(e) => axum::Json(json!({"ID": id, "Subject": e["subject"], "Text": e["body"], "HTML": ""}))
                .into_response(),
            None => axum::http::StatusCode::NOT_FOUND.into_response(),
        }
    }
    let router = Router::new()
        .route("/api/v1/messages", get(messages))
        .route("/api/v1/search", get(search))
        .route("/api/v1/message/{id}", get(message))
        .with_state(Upstream(mock.base_url()));
    serve(router).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faithful_mock_shaped_as_a_real_server_passes_a_full_run() {
    let setup = start(Bug::None, Fixtures::embedded_default(), true, Duration::ZERO).await;
    // A real server's clock runs; nothing can move it.
    setup.mock.domain.clock().resume();
    let mailpit = mailpit_of(&setup.mock).await;
    let mut a = ConformArgs::for_target(format!("http://{}/graphql", setup.proxy), Profile::Saas);
    a.admin_token = Some("mock-admin-token".into());
    a.admin_username = Some("admin".into());
    a.admin_password = Some("Admin-Pass-2024".into());
    a.limited_admin_token = Some("mock-viewer-token".into());
    a.admin_token_without_assistance = Some("mock-support-token".into());
    a.mailbox = Some(format!("http://{mailpit}"));
    a.rate = Some(0.0);
    a.seed = Some(7);
    let s = run(a).await;
    assert_eq!(failed(&s), Vec::<String>::new());
    assert!(s.passed() > 45, "{} passed", s.passed());
    // Only what needs time to pass, or the mock's clock, is left out.
    for r in &s.records {
        if let Status::Skipped(skip) = &r.status {
            assert!(
                skip.reason.contains("no controllable clock")
                    || skip.reason.contains("controllable to the second")
                    || skip.cause.not_applicable(),
                "{}: {}",
                r.name,
                skip.reason
            );
        }
    }
    assert!(s.uncleaned.is_empty(), "{:?}", s.uncleaned);
    assert!(
        s.cleaned > 40,
        "accounts deleted through admin REST: {}",
        s.cleaned
    );
    assert_eq!(exit_code(&Ok(s)), 0);
}
