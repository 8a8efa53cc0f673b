//! The runner's only way to the target: HTTP. A small blocking facade over `reqwest`, driven by a
//! private current-thread Tokio runtime so scenarios read as plain sequential code, with the
//! request-rate bound.
//!
//! There are no retries anywhere: a retried failed sign-in could lock an account by accident.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

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

/// Single-quoted for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
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

    /// Status and body as a report shows them: `<status>` then the body (pretty JSON when it is JSON).
    pub fn shown(&self) -> String {
        let body = match &self.json {
            Some(v) => serde_json::to_string_pretty(v).unwrap_or_else(|_| self.text.clone()),
            None if self.text.is_empty() => "(empty body)".into(),
            None => self.text.clone(),
        };
        format!("{}\n{body}\n", self.status)
    }
}

/// Could not reach the target or read its answer.
#[derive(Debug, thiserror::Error)]
#[error("request to {url} failed: {reason}")]
pub struct TransportError {
    pub url: String,
    /// The error and its sources (`a: b: c`), so a TLS failure deep in the stack shows its cause.
    pub reason: String,
}

/// The client could not be built (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("--ca-cert {}: {reason}", path.display())]
    CaCert { path: PathBuf, reason: String },
    #[error("cannot start the HTTP client: {0}")]
    Build(String),
}

/// How the client is built.
pub struct ClientOptions<'a> {
    pub timeout: Duration,
    pub ca_cert: Option<&'a Path>,
}

/// Sends requests one at a time, within the rate bound, counting them.
pub struct Client {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    min_interval: Cell<Option<Duration>>,
    last_request: Cell<Option<Instant>>,
    requests: Cell<u64>,
}

impl Client {
    pub fn new(options: &ClientOptions<'_>) -> Result<Client, ClientError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        let mut builder = crate::http_client::client_builder()
            .timeout(options.timeout)
            // A redirect is an answer to report, not to follow (a login page, a wrong path).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("commerce-auth-mock-conform/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = options.ca_cert {
            for cert in read_ca_certs(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(Client {
            rt,
            http,
            min_interval: Cell::new(None),
            last_request: Cell::new(None),
            requests: Cell::new(0),
        })
    }

    /// Bound the request rate to `per_second` (`None` or 0: no bound).
    pub fn set_rate(&self, per_second: Option<f64>) {
        self.min_interval.set(
            per_second
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / r)),
        );
    }

    /// How many requests were sent.
    pub fn requests(&self) -> u64 {
        self.requests.get()
    }

    /// Send one request (respecting the rate bound). Never retried.
    pub fn send(&self, req: &Request) -> Result<Response, TransportError> {
        if let (Some(gap), Some(last)) = (self.min_interval.get(), self.last_request.get()) {
            let elapsed = last.elapsed();
            if elapsed < gap {
                std::thread::sleep(gap - elapsed);
            }
        }
        self.last_request.set(Some(Instant::now()));
        self.requests.set(self.requests.get() + 1);
        let fail = |reason: String| TransportError {
            url: req.url.clone(),
            reason,
        };
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| fail(e.to_string()))?;
        let mut b = self.http.request(method, &req.url);
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
            let text = resp.text().await.map_err(|e| fail(error_chain(&e)))?;
            let json = serde_json::from_str(&text).ok();
            Ok(Response {
                status,
                content_type,
                text,
                json,
            })
        })
    }
}

/// An error with its sources (`a: b: c`).
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
fn read_ca_certs(path: &Path) -> Result<Vec<reqwest::Certificate>, ClientError> {
    let fail = |reason: String| ClientError::CaCert {
        path: path.to_path_buf(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| fail(format!("not a PEM certificate file ({e})")))?;
    if certs.is_empty() {
        return Err(fail(
            "no certificate found (expected -----BEGIN CERTIFICATE----- blocks)".into(),
        ));
    }
    Ok(certs)
}
