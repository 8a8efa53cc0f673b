//! The runner's only way to the target: HTTP. A small blocking facade over `reqwest` (driven by a
//! private current-thread Tokio runtime), target discovery (`/__mock/health`), the request-rate
//! bound, the mock's clock and outbox, a Mailpit-compatible mailbox, and admin REST helpers.
//!
//! There are no retries anywhere: a retried failed sign-in could lock an account by accident.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::cli::ConformArgs;
use crate::profile::Profile;

/// One HTTP request, kept as data so reports can print it as a `curl` command.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Request {
    pub fn new(method: &str, url: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn bearer(self, token: Option<&str>) -> Self {
        match token {
            Some(t) => self.header("Authorization", format!("Bearer {t}")),
            None => self,
        }
    }

    pub fn json_body(self, body: &Value) -> Self {
        let mut r = self.header("Content-Type", "application/json");
        r.body = Some(body.to_string());
        r
    }

    pub fn raw_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The request as a `curl` command line that reproduces it.
    pub fn to_curl(&self) -> String {
        let mut s = format!("curl -i -X {} {}", self.method, shell_quote(&self.url));
        for (k, v) in &self.headers {
            s.push_str(&format!(" -H {}", shell_quote(&format!("{k}: {v}"))));
        }
        if let Some(b) = &self.body {
            s.push_str(&format!(" --data-raw {}", shell_quote(b)));
        }
        s
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A response: status, content type, raw text and (when it parses) JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub text: String,
    pub json: Option<Value>,
}

impl Response {
    /// `errors[0].message`, if any.
    pub fn message(&self) -> Option<&str> {
        self.json.as_ref()?.pointer("/errors/0/message")?.as_str()
    }

    /// `errors[0].extensions.category`, if any.
    pub fn category(&self) -> Option<&str> {
        self.json
            .as_ref()?
            .pointer("/errors/0/extensions/category")?
            .as_str()
    }

    /// A JSON pointer into the body.
    pub fn at(&self, pointer: &str) -> Option<&Value> {
        self.json.as_ref()?.pointer(pointer)
    }

    /// A string at a JSON pointer.
    pub fn str_at(&self, pointer: &str) -> Option<String> {
        self.at(pointer).and_then(Value::as_str).map(str::to_owned)
    }

    /// The body as a JSON string (REST endpoints that answer a bare string, such as tokens).
    pub fn json_string(&self) -> Option<String> {
        self.json.as_ref().and_then(Value::as_str).map(str::to_owned)
    }
}

/// Could not reach the target or read its answer.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("request to {url} failed: {reason}")]
    Failed { url: String, reason: String },
}

/// What the mock's `/__mock/health` said.
#[derive(Debug, Clone)]
pub struct MockInfo {
    pub version: String,
    pub profile: String,
    pub capabilities: Vec<String>,
    /// The mock's clock followed real time when the run started (restored at the end).
    pub clock_was_real: bool,
}

/// An email found in the mock's outbox or the mailbox.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// The link the email carries (the mock's outbox gives it; from a mailbox, the body).
    pub link: Option<String>,
    /// Reset token or confirmation key.
    pub token: Option<String>,
}

/// The target, as the runner sees it.
pub struct Target {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    pub profile: Profile,
    pub graphql_url: String,
    pub origin: String,
    pub rest_base: String,
    pub mock: Option<MockInfo>,
    control_token: Option<String>,
    mailbox: Option<String>,
    pub slow: bool,
    pub max_wait_secs: u64,
    min_interval: Option<Duration>,
    last_request: Cell<Option<Instant>>,
    pub requests: Cell<u64>,
    admin_token: RefCell<Option<Result<String, String>>>,
    admin_username: Option<String>,
    admin_password: Option<String>,
    pub static_admin_token: Option<String>,
    pub limited_admin_token: Option<String>,
    pub admin_token_without_assistance: Option<String>,
    /// Seconds the virtual clock was moved (mock) or waited for real.
    pub time_moved: Cell<u64>,
}

impl Target {
    /// Build the client and discover what the target is. Errors mean "could not start" (exit 2).
    pub fn connect(args: &ConformArgs) -> Result<Target, String> {
        let url = url::Url::parse(&args.target).map_err(|e| {
            format!(
                "--target `{}` is not a URL ({e}); pass e.g. http://127.0.0.1:8080/graphql",
                args.target
            )
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(format!("--target `{}` must be an http or https URL", args.target));
        }
        let origin = url.origin().ascii_serialization();
        let rest_base = args.rest_url.clone().unwrap_or_else(|| format!("{origin}/rest"));
        let rest_base = rest_base.trim_end_matches('/').to_string();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
        let mut builder = crate::http_client::client_builder()
            .timeout(Duration::from_secs(args.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("commerce-auth-mock-conform/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &args.ca_cert {
            for cert in read_ca_certs(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let mut target = Target {
            rt,
            client,
            profile: args.profile,
            graphql_url: args.target.clone(),
            origin,
            rest_base,
            mock: None,
            control_token: args.control_token.clone(),
            mailbox: args.mailbox.clone().map(|m| m.trim_end_matches('/').to_string()),
            slow: args.slow,
            max_wait_secs: args.max_wait_secs,
            min_interval: None,
            last_request: Cell::new(None),
            requests: Cell::new(0),
            admin_token: RefCell::new(None),
            admin_username: args.admin_username.clone(),
            admin_password: args.admin_password.clone(),
            static_admin_token: args.admin_token.clone(),
            limited_admin_token: args.limited_admin_token.clone(),
            admin_token_without_assistance: args.admin_token_without_assistance.clone(),
            time_moved: Cell::new(0),
        };
        // Discovery: is this the mock? A real server answers 404 (or anything else).
        let health = target
            .send(&target.control_req("GET", "/__mock/health"))
            .map_err(|e| unreachable_message(&e, args))?;
        if health.status == 200 {
            if let Some(j) = health.json.as_ref().filter(|j| j["mock"] == "commerce-auth-mock") {
                target.mock = Some(MockInfo {
                    version: j["version"].as_str().unwrap_or("?").into(),
                    profile: j["profile"].as_str().unwrap_or("?").into(),
                    capabilities: j["capabilities"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect())
                        .unwrap_or_default(),
                    clock_was_real: j.pointer("/clock/virtual") == Some(&Value::Bool(false)),
                });
            }
        } else if health.status == 401 && target.control_token.is_none() {
            return Err("the mock's control API answered 401: pass --control-token".into());
        }
        let rate = match (args.rate, target.mock.is_some()) {
            (Some(r), _) => Some(r),
            (None, true) => None,
            (None, false) => Some(10.0),
        };
        target.min_interval = rate
            .filter(|r| *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        // The GraphQL endpoint must answer something GraphQL-like.
        let probe = target
            .send(&target.gql_req("{ __typename }", None, None))
            .map_err(|e| format!("target unreachable: {e}"))?;
        if probe.json.is_none() {
            return Err(format!(
                "{} does not look like a GraphQL endpoint (status {}, no JSON body); check --target",
                args.target, probe.status
            ));
        }
        if target.has_clock() {
            target.control_json("POST", "/__mock/clock", Some(json!({"action": "freeze"})))?;
        }
        Ok(target)
    }

    fn control_req(&self, method: &str, path: &str) -> Request {
        Request::new(method, format!("{}{}", self.origin, path)).bearer(self.control_token.as_deref())
    }

    fn control_json(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut req = self.control_req(method, path);
        if let Some(b) = body {
            req = req.json_body(&b);
        }
        let resp = self.send(&req).map_err(|e| e.to_string())?;
        if resp.status / 100 != 2 {
            return Err(format!("{method} {path} answered {}: {}", resp.status, resp.text));
        }
        Ok(resp.json.unwrap_or(Value::Null))
    }

    /// Whether the target is the mock with a controllable clock.
    pub fn has_clock(&self) -> bool {
        self.mock
            .as_ref()
            .is_some_and(|m| m.capabilities.iter().any(|c| c == "clock"))
    }

    /// Whether reset and confirmation emails can be read (mock outbox or `--mailbox`).
    pub fn has_mail(&self) -> bool {
        self.mailbox.is_some()
            || self
                .mock
                .as_ref()
                .is_some_and(|m| m.capabilities.iter().any(|c| c == "outbox"))
    }

    /// Whether admin credentials were given.
    pub fn has_admin(&self) -> bool {
        self.static_admin_token.is_some() || (self.admin_username.is_some() && self.admin_password.is_some())
    }

    pub fn has_admin_credentials(&self) -> bool {
        self.admin_username.is_some() && self.admin_password.is_some()
    }

    pub fn admin_credentials(&self) -> Option<(String, String)> {
        Some((self.admin_username.clone()?, self.admin_password.clone()?))
    }

    /// Send one request (respecting the rate bound). Never retried.
    pub fn send(&self, req: &Request) -> Result<Response, TransportError> {
        if let (Some(gap), Some(last)) = (self.min_interval, self.last_request.get()) {
            let elapsed = last.elapsed();
            if elapsed < gap {
                std::thread::sleep(gap - elapsed);
            }
        }
        self.last_request.set(Some(Instant::now()));
        self.requests.set(self.requests.get() + 1);
        let fail = |reason: String| TransportError::Failed {
            url: req.url.clone(),
            reason,
        };
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| fail(e.to_string()))?;
        let mut b = self.client.request(method, &req.url);
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        if let Some(body) = &req.body {
            b = b.body(body.clone());
        }
        self.rt.block_on(async {
            let resp = b.send().await.map_err(|e| fail(error_chain(&e)))?;
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            let text = resp.text().await.map_err(|e| fail(e.to_string()))?;
            let json = serde_json::from_str(&text).ok();
            Ok(Response {
                status,
                content_type,
                text,
                json,
            })
        })
    }

    /// A GraphQL POST request.
    pub fn gql_req(&self, query: &str, variables: Option<Value>, bearer: Option<&str>) -> Request {
        let mut body = json!({ "query": query });
        if let Some(v) = variables {
            body["variables"] = v;
        }
        Request::new("POST", &self.graphql_url)
            .bearer(bearer)
            .json_body(&body)
    }

    /// A REST request under the REST base (`path` starts with `/V1/`).
    pub fn rest_req(&self, method: &str, path: &str, body: Option<&Value>, bearer: Option<&str>) -> Request {
        let r = Request::new(method, format!("{}{}", self.rest_base, path)).bearer(bearer);
        match body {
            Some(b) => r.json_body(b),
            None => r,
        }
    }

    // ----- time -----

    /// Make `secs` seconds pass: move the mock's clock, or wait for real when allowed.
    /// Waits of up to 2 s are always allowed (tokens have one-second granularity).
    pub fn advance(&self, secs: u64) -> Result<(), String> {
        if self.has_clock() {
            self.control_json(
                "POST",
                "/__mock/clock",
                Some(json!({"action": "advance", "seconds": secs})),
            )?;
        } else if secs <= 2 || (self.slow && secs <= self.max_wait_secs) {
            std::thread::sleep(Duration::from_secs(secs));
        } else {
            return Err(format!("cannot make {secs} s pass: {}", self.wait_limit_reason()));
        }
        self.time_moved.set(self.time_moved.get() + secs);
        Ok(())
    }

    /// Whether `secs` seconds can be made to pass.
    pub fn can_advance(&self, secs: u64) -> Result<(), String> {
        if self.has_clock() || secs <= 2 || (self.slow && secs <= self.max_wait_secs) {
            Ok(())
        } else {
            Err(format!("needs {secs} s to pass: {}", self.wait_limit_reason()))
        }
    }

    fn wait_limit_reason(&self) -> String {
        if self.slow {
            format!(
                "longer than --max-wait-secs {} and the target has no controllable clock",
                self.max_wait_secs
            )
        } else {
            "the target has no controllable clock; pass --slow to wait for real".into()
        }
    }

    /// Give the clock back to real time at the end of a run, if it followed real time before
    /// (a virtual clock stays where the run left it).
    pub fn release_clock(&self) {
        if self.has_clock() && self.mock.as_ref().is_some_and(|m| m.clock_was_real) {
            let _ = self.control_json("POST", "/__mock/clock", Some(json!({"action": "real"})));
        }
    }

    // ----- mail -----

    /// The newest email of `kind` ("reset_password" or "confirmation") sent to `to`.
    pub fn latest_email(&self, to: &str, kind: &str) -> Result<Option<Email>, String> {
        if let Some(mb) = &self.mailbox {
            return self.mailpit_latest(mb, to, kind);
        }
        if self.mock.is_none() {
            return Err("no mailbox: pass --mailbox".into());
        }
        let mut u = url::Url::parse(&format!("{}/__mock/outbox", self.origin)).map_err(|e| e.to_string())?;
        u.query_pairs_mut().append_pair("to", to);
        let req = Request::new("GET", u.as_str()).bearer(self.control_token.as_deref());
        let resp = self.send(&req).map_err(|e| e.to_string())?;
        let emails = resp
            .at("/emails")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(emails
            .iter()
            .rev()
            .find(|e| e["kind"] == kind && e["to"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(to)))
            .map(|e| Email {
                to: e["to"].as_str().unwrap_or_default().into(),
                kind: kind.into(),
                subject: e["subject"].as_str().unwrap_or_default().into(),
                body: e["body"].as_str().unwrap_or_default().into(),
                link: e["link"].as_str().map(String::from),
                token: e["token"].as_str().map(String::from),
            }))
    }

    fn mailpit_latest(&self, mb: &str, to: &str, kind: &str) -> Result<Option<Email>, String> {
        let mut u = url::Url::parse(&format!("{mb}/api/v1/search")).map_err(|e| format!("--mailbox: {e}"))?;
        u.query_pairs_mut().append_pair("query", &format!("to:\"{to}\""));
        let resp = self
            .send(&Request::new("GET", u.as_str()))
            .map_err(|e| e.to_string())?;
        if resp.status != 200 {
            return Err(format!("mailbox search answered {}", resp.status));
        }
        let messages = resp
            .at("/messages")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // Mailpit lists newest first.
        for m in messages {
            let Some(id) = m["ID"].as_str() else { continue };
            let msg = self
                .send(&Request::new("GET", format!("{mb}/api/v1/message/{id}")))
                .map_err(|e| e.to_string())?;
            let Some(j) = msg.json else { continue };
            let text = format!(
                "{}\n{}",
                j["Text"].as_str().unwrap_or(""),
                j["HTML"].as_str().unwrap_or("")
            );
            let token = match kind {
                "reset_password" => extract_param(&text, "token="),
                _ => extract_param(&text, "key="),
            };
            if token.is_some() {
                return Ok(Some(Email {
                    to: to.into(),
                    kind: kind.into(),
                    subject: j["Subject"].as_str().unwrap_or_default().into(),
                    body: text,
                    link: None,
                    token,
                }));
            }
        }
        Ok(None)
    }

    // ----- admin -----

    /// An admin bearer token: `--admin-token`, or one fetched once with the admin credentials.
    pub fn admin_token(&self) -> Result<String, String> {
        if let Some(t) = &self.static_admin_token {
            return Ok(t.clone());
        }
        if let Some(cached) = self.admin_token.borrow().clone() {
            return cached;
        }
        let result = self.fetch_admin_token();
        *self.admin_token.borrow_mut() = Some(result.clone());
        result
    }

    /// An admin token fetched with the credentials (a JWT), when credentials were given.
    pub fn fetch_admin_token(&self) -> Result<String, String> {
        let (u, p) = self.admin_credentials().ok_or_else(|| {
            "no admin access: pass --admin-token or --admin-username/--admin-password".to_string()
        })?;
        let req = self.rest_req(
            "POST",
            "/V1/integration/admin/token",
            Some(&json!({"username": u, "password": p})),
            None,
        );
        let resp = self.send(&req).map_err(|e| e.to_string())?;
        match (resp.status, resp.json_string()) {
            (200, Some(t)) => Ok(t),
            (s, _) => Err(format!("admin token request answered {s}: {}", resp.text)),
        }
    }

    /// The customer id of `email`, through the admin search endpoint.
    pub fn customer_id(&self, email: &str) -> Result<u64, String> {
        let token = self.admin_token()?;
        let mut u =
            url::Url::parse(&format!("{}/V1/customers/search", self.rest_base)).map_err(|e| e.to_string())?;
        u.query_pairs_mut()
            .append_pair("searchCriteria[filterGroups][0][filters][0][field]", "email")
            .append_pair("searchCriteria[filterGroups][0][filters][0][value]", email)
            .append_pair("searchCriteria[filterGroups][0][filters][0][conditionType]", "eq");
        let resp = self
            .send(&Request::new("GET", u.as_str()).bearer(Some(&token)))
            .map_err(|e| e.to_string())?;
        resp.at("/items")
            .and_then(Value::as_array)
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| i["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)))
            })
            .and_then(|i| {
                i["id"]
                    .as_u64()
                    .or_else(|| i["id"].as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| {
                format!(
                    "customer search for {email} answered {}: {}",
                    resp.status, resp.text
                )
            })
    }

    /// Delete a customer the runner created.
    pub fn delete_customer(&self, email: &str) -> Result<(), String> {
        let id = self.customer_id(email)?;
        let token = self.admin_token()?;
        let resp = self
            .send(&self.rest_req("DELETE", &format!("/V1/customers/{id}"), None, Some(&token)))
            .map_err(|e| e.to_string())?;
        if resp.status == 200 {
            Ok(())
        } else {
            Err(format!("DELETE /V1/customers/{id} answered {}", resp.status))
        }
    }
}

/// An error with its sources (`a: b: c`), so a TLS failure deep in the stack shows its cause.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}

/// The certificates of a PEM file (`--ca-cert`), or why they cannot be used.
fn read_ca_certs(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("--ca-cert {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("--ca-cert {}: not a PEM certificate file ({e})", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "--ca-cert {}: no certificate found (expected -----BEGIN CERTIFICATE----- blocks)",
            path.display()
        ));
    }
    Ok(certs)
}

/// The message of a first request that failed: a TLS certificate that is not trusted says so
/// and what to do; anything else means the target is unreachable.
fn unreachable_message(e: &TransportError, args: &ConformArgs) -> String {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    let tls = [
        "certificate",
        "unknownissuer",
        "unknown issuer",
        "invalid peer certificate",
        "self signed",
        "self-signed",
        "notvalidforname",
    ];
    if args.target.starts_with("https:") && tls.iter().any(|m| lower.contains(m)) {
        let hint = if args.ca_cert.is_some() {
            "the --ca-cert file does not contain the CA that issued it (or the name does not match the URL's host)"
        } else {
            "pass --ca-cert FILE (or CONFORM_CA_CERT) with the PEM certificate of the CA that issued it, e.g. your staging CA or the self-signed certificate itself"
        };
        return format!(
            "the TLS certificate of {} was not trusted: {hint}. ({text})",
            args.target
        );
    }
    format!(
        "target unreachable: {text}. Is the server running at {}?",
        args.target
    )
}

/// The value after `marker` in `text`, as a run of `[A-Za-z0-9]`.
pub fn extract_param(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let v: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (!v.is_empty()).then_some(v)
}
