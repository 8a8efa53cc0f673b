//! The target, as the runner sees it: an HTTP [`Client`], the URLs of its GraphQL and REST APIs,
//! the mock's control API when it is the mock, a [`Mailbox`], the [`AdminSession`] and how time
//! can be made to pass.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use serde_json::{json, Value};

use super::admin::{AdminAccess, AdminSession};
use super::cli::ConformArgs;
use super::client::{Client, ClientError, ClientOptions, Request, Response, TransportError};
use super::control::{ClockAction, ControlApi, ControlError, Discovery, MockControl};
use super::mailbox::{Email, EmailKind, MailError, Mailbox};
use crate::profile::Profile;

/// The target's endpoints.
#[derive(Debug, Clone)]
pub struct Urls {
    /// The GraphQL endpoint (`--target`).
    pub graphql: String,
    /// `scheme://host:port` of the GraphQL endpoint.
    pub origin: String,
    /// REST base, without a trailing slash (`--rest-url`, default `<origin>/rest`).
    pub rest_base: String,
}

impl Urls {
    /// A GraphQL POST request.
    pub fn gql_req(&self, query: &str, variables: Option<Value>, bearer: Option<&str>) -> Request {
        let mut body = json!({ "query": query });
        if let Some(v) = variables {
            body["variables"] = v;
        }
        Request::new("POST", &self.graphql)
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
}

/// Time cannot be made to pass here.
#[derive(Debug, thiserror::Error)]
pub enum TimeError {
    #[error("needs {secs} s to pass: {why}")]
    CannotPass { secs: u64, why: String },
    #[error("moving the mock's clock failed: {0}")]
    Control(#[from] ControlError),
}

/// How time passes: the mock's clock, or real waits within a bound.
#[derive(Debug)]
pub struct Time {
    pub slow: bool,
    pub max_wait_secs: u64,
    /// Seconds the virtual clock was moved (mock) or waited for real.
    pub moved: Rc<Cell<u64>>,
}

/// Why the target could not be reached (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no target: pass --target URL (the GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql) or set CONFORM_TARGET")]
    NoTarget,
    #[error("--target `{target}` is not a URL ({reason}); pass e.g. --target http://127.0.0.1:4000/graphql")]
    BadUrl { target: String, reason: String },
    #[error("--target `{0}` must be an http or https URL, e.g. http://127.0.0.1:4000/graphql")]
    BadScheme(String),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("{0}")]
    Unreachable(String),
    #[error("the mock's control API answered 401: pass --control-token (the token given to serve --control-token)")]
    ControlTokenMissing,
    #[error(
        "the mock's control API refused --control-token (401): pass the token given to serve --control-token"
    )]
    ControlTokenRefused,
    #[error("the mock's control API failed: {0}")]
    Control(#[from] ControlError),
}

/// The target of a run.
pub struct Target {
    pub client: Client,
    pub profile: Profile,
    pub urls: Urls,
    /// The mock's control API, when the target is the mock.
    pub mock: Option<MockControl>,
    /// The sandbox the run made for itself on a mock that has them.
    pub sandbox: Option<OwnSandbox>,
    pub mailbox: Option<Mailbox>,
    pub admin: AdminSession,
    pub time: Time,
}

/// A sandbox of the run's own (`/<name>/…` on the mock): the run touches nothing else, and ends
/// it afterwards through the root control API.
#[derive(Debug, Clone)]
pub struct OwnSandbox {
    pub name: String,
    pub root: ControlApi,
}

impl Target {
    /// Build the client and discover what the target is. Errors mean "could not start" (exit 2).
    pub fn connect(args: &ConformArgs) -> Result<Target, ConnectError> {
        let target = args.target.clone().ok_or(ConnectError::NoTarget)?;
        let url = url::Url::parse(&target).map_err(|e| ConnectError::BadUrl {
            target: target.clone(),
            reason: e.to_string(),
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(ConnectError::BadScheme(target));
        }
        let origin = url.origin().ascii_serialization();
        // A GraphQL endpoint under a tenant prefix (`/<tenant>/graphql`) has its control API
        // and REST under the same prefix.
        let prefix = url.path().strip_suffix("/graphql").unwrap_or("").to_string();
        let rest_for = |prefix: &str| {
            args.rest_url
                .clone()
                .unwrap_or_else(|| format!("{origin}{prefix}/rest"))
                .trim_end_matches('/')
                .to_string()
        };
        let mut urls = Urls {
            graphql: target.clone(),
            origin: origin.clone(),
            rest_base: rest_for(&prefix),
        };
        let client = Client::new(&ClientOptions {
            timeout: Duration::from_secs(args.timeout_secs),
            ca_cert: args.ca_cert.as_deref(),
        })?;
        let discover = |api: &ControlApi| -> Result<Option<MockControl>, ConnectError> {
            match MockControl::discover(&client, api.clone()).map_err(|e| {
                ConnectError::Unreachable(unreachable_message(&e, &target, args.ca_cert.is_some()))
            })? {
                Discovery::Mock(m) => Ok(Some(m)),
                Discovery::Unauthorized if api.has_token() => Err(ConnectError::ControlTokenRefused),
                Discovery::Unauthorized => Err(ConnectError::ControlTokenMissing),
                Discovery::NotTheMock => Ok(None),
            }
        };
        let api = ControlApi::new(format!("{origin}{prefix}/__mock"), args.control_token.clone());
        let mut mock = discover(&api)?;
        // On a mock with sandboxes, addressed at its default store, the run makes a sandbox of
        // its own: a shared mock keeps its clock, journal, customers and faults as they were.
        let mut sandbox = None;
        let at_default_store = url.path() == "/graphql";
        if mock.as_ref().is_some_and(|m| m.has("sandboxes")) && at_default_store && !args.no_sandbox {
            let name = format!("conform-{:08x}", rand::random::<u32>());
            let prefix = format!("/{name}");
            urls.graphql = format!("{origin}{prefix}/graphql");
            urls.rest_base = rest_for(&prefix);
            mock = discover(&ControlApi::new(
                format!("{origin}{prefix}/__mock"),
                args.control_token.clone(),
            ))?;
            sandbox = Some(OwnSandbox { name, root: api });
        }
        client.set_rate(match (args.rate, mock.is_some()) {
            (Some(r), _) => Some(r),
            (None, true) => None,
            (None, false) => Some(10.0),
        });
        let mailbox = match (&args.mailbox, &mock) {
            (Some(m), _) => Some(Mailbox::mailpit(m)),
            (None, Some(m)) if m.has("outbox") => Some(Mailbox::Outbox(m.api.clone())),
            _ => None,
        };
        let mut access = AdminAccess {
            token: args.admin_token.clone(),
            username: args.admin_username.clone(),
            password: args.admin_password.clone(),
            limited_token: args.limited_admin_token.clone(),
            token_without_assistance: args.admin_token_without_assistance.clone(),
        };
        let mock_access = match &mock {
            Some(m) => m.access(&client)?,
            None => None,
        };
        let learned = mock_access
            .as_ref()
            .map(|a| access.fill_from(a))
            .unwrap_or_default();
        let moved = Rc::new(Cell::new(0));
        let mut admin = AdminSession::new(access, &urls, moved.clone());
        admin.learned = learned;
        admin.token_admin_id = mock_access.as_ref().and_then(|a| {
            let token = admin.access.token.as_deref()?;
            let user = &a.admin_tokens.iter().find(|t| t.token == token)?.username;
            a.admin_users.iter().find(|u| &u.username == user).map(|u| u.id)
        });
        Ok(Target {
            admin,
            client,
            profile: args.profile,
            urls,
            mock,
            sandbox,
            mailbox,
            time: Time {
                slow: args.slow,
                max_wait_secs: args.max_wait_secs,
                moved,
            },
        })
    }

    /// Send one request (respecting the rate bound). Never retried.
    pub fn send(&self, req: &Request) -> Result<Response, TransportError> {
        self.client.send(req)
    }

    /// A GraphQL POST request to the target.
    pub fn gql_req(&self, query: &str, variables: Option<Value>, bearer: Option<&str>) -> Request {
        self.urls.gql_req(query, variables, bearer)
    }

    /// A REST request to the target (`path` starts with `/V1/`).
    pub fn rest_req(&self, method: &str, path: &str, body: Option<&Value>, bearer: Option<&str>) -> Request {
        self.urls.rest_req(method, path, body, bearer)
    }

    /// The mock's control API, when it has a clock.
    fn clock_control(&self) -> Option<&MockControl> {
        self.mock.as_ref().filter(|m| m.has("clock"))
    }

    /// Whether the target is the mock with a controllable clock.
    pub fn has_clock(&self) -> bool {
        self.clock_control().is_some()
    }

    /// Whether reset and confirmation e-mails can be read (mock outbox or `--mailbox`).
    pub fn has_mail(&self) -> bool {
        self.mailbox.is_some()
    }

    /// The newest e-mail of `kind` sent to `to`.
    pub fn latest_email(&self, to: &str, kind: EmailKind) -> Result<Option<Email>, MailError> {
        match &self.mailbox {
            Some(m) => m.latest(&self.client, to, kind),
            None => Err(MailError::NoMailbox),
        }
    }

    // ----- time -----

    /// Make `secs` seconds pass: move the mock's clock, or wait for real when allowed.
    /// Waits of up to 2 s are always allowed (tokens have one-second granularity).
    pub fn advance(&self, secs: u64) -> Result<(), TimeError> {
        if let Some(m) = self.clock_control() {
            m.set_clock(&self.client, ClockAction::Advance { seconds: secs as i64 })?;
        } else {
            self.can_advance(secs)?;
            std::thread::sleep(Duration::from_secs(secs));
        }
        self.time.moved.set(self.time.moved.get() + secs);
        Ok(())
    }

    /// Whether `secs` seconds can be made to pass.
    pub fn can_advance(&self, secs: u64) -> Result<(), TimeError> {
        if self.has_clock() || secs <= 2 || (self.time.slow && secs <= self.time.max_wait_secs) {
            return Ok(());
        }
        let why = if self.time.slow {
            format!(
                "longer than --max-wait-secs {} and the target has no controllable clock",
                self.time.max_wait_secs
            )
        } else {
            "the target has no controllable clock; pass --slow to wait for real".into()
        };
        Err(TimeError::CannotPass { secs, why })
    }
}

/// The message of a first request that failed: for an HTTPS target, the TLS cause named with
/// its fix; otherwise the target is unreachable.
fn unreachable_message(e: &TransportError, target: &str, has_ca_cert: bool) -> String {
    let text = e.to_string();
    let https = target.starts_with("https:");
    let url = url::Url::parse(target).ok();
    let host = url
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or("the host")
        .to_string();
    let host_port = url
        .as_ref()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| host.clone());
    if https && (text.contains("InvalidContentType") || text.contains("wrong version number")) {
        let http = target.replacen("https:", "http:", 1);
        return format!(
            "{host_port} answers plain HTTP, not TLS: use --target {http}, or the port where the server speaks HTTPS. ({text})"
        );
    }
    if https && text.contains("CaUsedAsEndEntity") {
        return format!(
            "the server's certificate at {host_port} is a CA certificate (basicConstraints CA:TRUE), which TLS clients refuse \
             as a server certificate even when trusted with --ca-cert; `openssl req -x509` makes such certificates unless told \
             otherwise. Make a server certificate instead, e.g. `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN={host} \
             -addext basicConstraints=critical,CA:FALSE -addext subjectAltName=DNS:{host}` (IP:{host} for an address), or \
             sign one with your CA. ({text})"
        );
    }
    if https && (text.contains("not valid for name") || text.contains("NotValidForName")) {
        let names = text
            .split_once("only valid for ")
            .map(|(_, rest)| {
                let quoted: Vec<&str> = rest.split('"').skip(1).step_by(2).collect();
                if quoted.is_empty() {
                    rest.to_string()
                } else {
                    quoted.join(", ")
                }
            })
            .unwrap_or_else(|| "other names".into());
        return format!(
            "the certificate of {host_port} is not valid for {host} (it names {names}): use a --target host the certificate \
             names, or reissue the certificate with subjectAltName {host}. ({text})"
        );
    }
    let lower = text.to_ascii_lowercase();
    let tls = [
        "certificate",
        "unknownissuer",
        "unknown issuer",
        "invalid peer certificate",
        "self signed",
        "self-signed",
    ];
    if https && tls.iter().any(|m| lower.contains(m)) {
        let hint = if has_ca_cert {
            "the --ca-cert file does not contain the CA that issued it"
        } else {
            "pass --ca-cert FILE (or CONFORM_CA_CERT) with the PEM certificate of the CA that issued it, e.g. your staging CA or the self-signed certificate itself"
        };
        return format!("the TLS certificate of {target} was not trusted: {hint}. ({text})");
    }
    format!("target unreachable: {text}. Is the server running at {target}?")
}
