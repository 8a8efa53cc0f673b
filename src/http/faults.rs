//! Fault injection: deterministic latency, HTTP errors, GraphQL errors and
//! dropped connections for a GraphQL operation or a REST route, for the next N calls or for a
//! seeded fraction of calls.
//!
//! What matches ([`FaultMatch`]) is separate from what happens ([`FaultKind`]) and from when it
//! happens ([`Trigger`]). Faults come from the fixtures (`faults`, restored by
//! `POST /__mock/reset`) and from the control API (`/__mock/faults`). One middleware,
//! [`inject`], sits inside the journal and CORS layers, so a faulted request is journaled with
//! the status the client saw and error answers still carry CORS headers.
//!
//! A dropped connection is a response whose body fails before its first byte: hyper then closes
//! the connection without writing the (buffered) head, so the client sees the connection end
//! with no answer.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Extension;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::domain::{FixtureError, Fixtures};
use crate::graphql::{Category, ExecutionResult, GraphqlError};

use super::front_door::{json_response, GraphqlSummary};
use super::journal::is_control_path;
use super::request::{is_graphql_path, GraphqlRequest};
use super::store::Store;
use super::AppState;

/// What `POST /__mock/faults` accepts, quoted in its 400 answers.
pub const FAULT_USAGE: &str = "Send JSON {\"match\":{\"operation\":\"<GraphQL root field>\"} or \
{\"route\":\"<METHOD> /V1/<path, {name} for a segment>\"}, \"kind\":\"latency\"|\"http_error\"|\
\"graphql_error\"|\"drop\", \"latency_ms\":<ms, required for latency, optional delay before the \
others>, \"status\":<400-599, http_error>, \"body\":<JSON, http_error>, \"message\":<text, \
graphql_error>, \"category\":<e.g. graphql-input, graphql_error>, and \"times\":<N> or \
\"fraction\":<0..1> with \"seed\":<integer> (neither: every call)}.";

/// The longest latency a fault may add (5 minutes): anything longer is a typo.
pub const MAX_LATENCY_MS: u64 = 300_000;

const FIELDS: [&str; 11] = [
    "$comment",
    "match",
    "kind",
    "latency_ms",
    "status",
    "body",
    "message",
    "category",
    "times",
    "fraction",
    "seed",
];

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultMatch {
    /// A GraphQL request whose first root field is this name (`generateCustomerToken`).
    Operation(String),
    /// A REST request: method and the path after the REST prefix, `{name}` matching one segment.
    Route {
        method: Method,
        /// As written, e.g. `POST /V1/customer/{id}/otp`.
        text: String,
        /// The segments after `/V1/`.
        segments: Vec<String>,
    },
}

/// What a fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Waits, then answers normally.
    Latency,
    /// Answers `status` with `body` (the request is not executed).
    HttpError { status: u16, body: Value },
    /// Answers Magento's error shape (spec 4.1) for the operation, with the profile's status.
    GraphqlError { message: String, category: Category },
    /// Closes the connection without answering (the request is not executed).
    Drop,
    /// Panics inside the handler stack. Hidden (not in [`FAULT_USAGE`] nor `docs/faults.md`):
    /// it exists for the mock's own tests, which check that a panic becomes a 500 JSON answer
    /// and that the server keeps serving.
    Panic,
}

impl FaultKind {
    fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::HttpError { .. } => "http_error",
            FaultKind::GraphqlError { .. } => "graphql_error",
            FaultKind::Drop => "drop",
            FaultKind::Panic => "panic",
        }
    }
}

/// When a matching request is faulted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// Every matching request, until the fault is deleted.
    Always,
    /// The next N matching requests.
    Times(u64),
    /// Each matching request with this probability, drawn from an RNG seeded with `seed`.
    Fraction { fraction: f64, seed: u64 },
}

/// One fault as written in a request body or a fixture file.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    pub matcher: FaultMatch,
    pub kind: FaultKind,
    /// Delay before answering (required for `latency`, optional for the other kinds).
    pub latency_ms: u64,
    pub trigger: Trigger,
}

/// Problems in a fault object: `(place inside the object, problem)`, e.g. `("kind", "…")`.
pub type FaultProblems = Vec<(String, String)>;

impl FaultSpec {
    /// Reads a fault object, reporting every problem found (not only the first).
    pub fn parse(v: &Value) -> Result<FaultSpec, FaultProblems> {
        let mut problems: FaultProblems = Vec::new();
        let Value::Object(obj) = v else {
            return Err(vec![(
                String::new(),
                format!("expected a JSON object, found {v}"),
            )]);
        };
        for key in obj.keys() {
            if !FIELDS.contains(&key.as_str()) {
                problems.push((
                    key.clone(),
                    format!("unknown field `{key}`, expected one of {}", FIELDS.join(", ")),
                ));
            }
        }
        let matcher = parse_match(obj.get("match"), &mut problems);
        let kind_name = match obj.get("kind") {
            Some(Value::String(k))
                if ["latency", "http_error", "graphql_error", "drop", "panic"].contains(&k.as_str()) =>
            {
                Some(k.as_str())
            }
            Some(other) => {
                problems.push((
                    "kind".into(),
                    format!(
                        "must be \"latency\", \"http_error\", \"graphql_error\" or \"drop\", got {other}"
                    ),
                ));
                None
            }
            None => {
                problems.push((
                    "kind".into(),
                    "missing: one of \"latency\", \"http_error\", \"graphql_error\", \"drop\"".into(),
                ));
                None
            }
        };
        // Fields that belong to one kind only.
        let owner = |field: &str| match field {
            "status" | "body" => Some("http_error"),
            "message" | "category" => Some("graphql_error"),
            _ => None,
        };
        if let Some(kind) = kind_name {
            for field in ["status", "body", "message", "category"] {
                if obj.contains_key(field) && owner(field) != Some(kind) {
                    problems.push((
                        field.into(),
                        format!(
                            "only for kind \"{}\", this fault is \"{kind}\"",
                            owner(field).unwrap_or("")
                        ),
                    ));
                }
            }
        }
        let latency_ms = match obj.get("latency_ms") {
            None if kind_name == Some("latency") => {
                problems.push((
                    "latency_ms".into(),
                    "missing: a latency fault needs latency_ms".into(),
                ));
                0
            }
            None => 0,
            Some(v) => match v.as_u64() {
                Some(ms) if ms <= MAX_LATENCY_MS => ms,
                _ => {
                    problems.push((
                        "latency_ms".into(),
                        format!("must be an integer from 0 to {MAX_LATENCY_MS} (milliseconds), got {v}"),
                    ));
                    0
                }
            },
        };
        let kind = match kind_name {
            Some("latency") => Some(FaultKind::Latency),
            Some("drop") => Some(FaultKind::Drop),
            Some("panic") => Some(FaultKind::Panic),
            Some("http_error") => {
                let status = match obj.get("status") {
                    Some(v) => match v.as_u64() {
                        Some(s @ 400..=599) => s as u16,
                        _ => {
                            problems.push((
                                "status".into(),
                                format!("must be an HTTP error status from 400 to 599, got {v}"),
                            ));
                            500
                        }
                    },
                    None => {
                        problems.push((
                            "status".into(),
                            "missing: an http_error fault needs a status (400-599)".into(),
                        ));
                        500
                    }
                };
                let body = obj
                    .get("body")
                    .cloned()
                    .unwrap_or_else(|| json!({ "message": "Fault injected by commerce-auth-mock." }));
                Some(FaultKind::HttpError { status, body })
            }
            Some("graphql_error") => {
                let message = match obj.get("message") {
                    Some(Value::String(m)) if !m.is_empty() => m.clone(),
                    Some(v) => {
                        problems.push(("message".into(), format!("must be a non-empty string, got {v}")));
                        String::new()
                    }
                    None => {
                        problems.push((
                            "message".into(),
                            "missing: a graphql_error fault needs a message".into(),
                        ));
                        String::new()
                    }
                };
                let category = match obj.get("category") {
                    Some(Value::String(c)) if !c.is_empty() => Category::from(c.as_str()),
                    Some(v) => {
                        problems.push((
                            "category".into(),
                            format!("must be a non-empty string such as \"graphql-input\", got {v}"),
                        ));
                        Category::Input
                    }
                    None => Category::Input,
                };
                if let Some(FaultMatch::Route { .. }) = &matcher {
                    problems.push((
                        "kind".into(),
                        "graphql_error applies to GraphQL operations; use http_error for a REST route".into(),
                    ));
                }
                Some(FaultKind::GraphqlError { message, category })
            }
            _ => None,
        };
        let trigger = parse_trigger(obj, &mut problems);
        match (matcher, kind) {
            (Some(matcher), Some(kind)) if problems.is_empty() => Ok(FaultSpec {
                matcher,
                kind,
                latency_ms,
                trigger,
            }),
            _ => Err(problems),
        }
    }

    /// The fault as the control API shows it (the same keys it accepts).
    fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let matcher = match &self.matcher {
            FaultMatch::Operation(op) => json!({ "operation": op }),
            FaultMatch::Route { text, .. } => json!({ "route": text }),
        };
        m.insert("match".into(), matcher);
        m.insert("kind".into(), json!(self.kind.name()));
        if self.latency_ms > 0 || self.kind == FaultKind::Latency {
            m.insert("latency_ms".into(), json!(self.latency_ms));
        }
        match &self.kind {
            FaultKind::HttpError { status, body } => {
                m.insert("status".into(), json!(status));
                m.insert("body".into(), body.clone());
            }
            FaultKind::GraphqlError { message, category } => {
                m.insert("message".into(), json!(message));
                m.insert("category".into(), json!(category.as_str()));
            }
            FaultKind::Latency | FaultKind::Drop | FaultKind::Panic => {}
        }
        match self.trigger {
            Trigger::Always => {}
            Trigger::Times(n) => {
                m.insert("times".into(), json!(n));
            }
            Trigger::Fraction { fraction, seed } => {
                m.insert("fraction".into(), json!(fraction));
                m.insert("seed".into(), json!(seed));
            }
        }
        m
    }
}

fn parse_match(v: Option<&Value>, problems: &mut FaultProblems) -> Option<FaultMatch> {
    const EXPECTED: &str =
        "expected {\"operation\":\"generateCustomerToken\"} or {\"route\":\"POST /V1/customer/{id}/otp\"}";
    let Some(Value::Object(m)) = v else {
        let what = if v.is_none() {
            "missing".to_string()
        } else {
            format!("got {}", v.unwrap_or(&Value::Null))
        };
        problems.push(("match".into(), format!("{what}: {EXPECTED}")));
        return None;
    };
    match (m.get("operation"), m.get("route"), m.len()) {
        (Some(Value::String(op)), None, 1) if is_graphql_name(op) => Some(FaultMatch::Operation(op.clone())),
        (Some(op), None, 1) => {
            problems.push((
                "match.operation".into(),
                format!("must be a GraphQL root field name such as \"generateCustomerToken\", got {op}"),
            ));
            None
        }
        (None, Some(Value::String(route)), 1) => match parse_route(route) {
            Some(matcher) => Some(matcher),
            None => {
                problems.push((
                    "match.route".into(),
                    format!("must be \"<METHOD> /V1/<path>\" such as \"POST /V1/customer/{{id}}/otp\" (GET, POST, PUT, DELETE or PATCH), got {route:?}"),
                ));
                None
            }
        },
        _ => {
            problems.push((
                "match".into(),
                format!("{EXPECTED}, got {}", Value::Object(m.clone())),
            ));
            None
        }
    }
}

fn is_graphql_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn parse_route(text: &str) -> Option<FaultMatch> {
    let (method, path) = text.split_once(' ')?;
    let method = match method {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        "PATCH" => Method::PATCH,
        _ => return None,
    };
    let tail = path.strip_prefix("/V1/")?;
    let segments: Vec<String> = tail.split('/').map(str::to_string).collect();
    if segments.iter().any(|s| s.is_empty() || s.contains(' ')) {
        return None;
    }
    Some(FaultMatch::Route {
        method,
        text: text.to_string(),
        segments,
    })
}

fn parse_trigger(obj: &Map<String, Value>, problems: &mut FaultProblems) -> Trigger {
    let times = obj.get("times");
    let fraction = obj.get("fraction");
    let seed = obj.get("seed");
    if times.is_some() && fraction.is_some() {
        problems.push(("times".into(), "give either times or fraction, not both".into()));
        return Trigger::Always;
    }
    if let Some(v) = times {
        if seed.is_some() {
            problems.push(("seed".into(), "only with fraction".into()));
        }
        return match v.as_u64() {
            Some(n) if n > 0 => Trigger::Times(n),
            _ => {
                problems.push(("times".into(), format!("must be a positive integer, got {v}")));
                Trigger::Always
            }
        };
    }
    if let Some(v) = fraction {
        let fraction = match v.as_f64() {
            Some(f) if f > 0.0 && f <= 1.0 => f,
            _ => {
                problems.push((
                    "fraction".into(),
                    format!("must be a number above 0 and at most 1, got {v}"),
                ));
                1.0
            }
        };
        let seed = match seed {
            None => 0,
            Some(s) => s.as_u64().unwrap_or_else(|| {
                problems.push(("seed".into(), format!("must be a non-negative integer, got {s}")));
                0
            }),
        };
        return Trigger::Fraction { fraction, seed };
    }
    if seed.is_some() {
        problems.push(("seed".into(), "only with fraction".into()));
    }
    Trigger::Always
}

/// Every problem in the `faults` section of `fixtures`, with its JSON path (`faults[1].kind`).
pub fn fixture_fault_problems(faults: &[Value]) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for (i, v) in faults.iter().enumerate() {
        if let Err(problems) = FaultSpec::parse(v) {
            for (at, problem) in problems {
                let path = if at.is_empty() {
                    format!("faults[{i}]")
                } else {
                    format!("faults[{i}].{at}")
                };
                all.push((path, problem));
            }
        }
    }
    all
}

/// The first problem in the fixtures' faults, as the fixture loader reports mistakes.
pub fn check_fixture_faults(fixtures: &Fixtures) -> Result<(), FixtureError> {
    match fixture_fault_problems(&fixtures.faults).into_iter().next() {
        None => Ok(()),
        Some((path, problem)) => Err(FixtureError::Invalid {
            file: fixtures.source.clone(),
            path,
            problem,
        }),
    }
}

/// A fault in force: its spec, where it came from and what is left of it.
#[derive(Debug)]
struct ActiveFault {
    id: u64,
    spec: FaultSpec,
    from_fixtures: bool,
    remaining: Option<u64>,
    rng: Option<StdRng>,
    hits: u64,
}

impl ActiveFault {
    fn new(id: u64, spec: FaultSpec, from_fixtures: bool) -> Self {
        let (remaining, rng) = match spec.trigger {
            Trigger::Always => (None, None),
            Trigger::Times(n) => (Some(n), None),
            Trigger::Fraction { seed, .. } => (None, Some(StdRng::seed_from_u64(seed))),
        };
        ActiveFault {
            id,
            spec,
            from_fixtures,
            remaining,
            rng,
            hits: 0,
        }
    }

    /// Whether this matching call is faulted; consumes a count or a draw.
    fn fires(&mut self) -> bool {
        let fire = match self.spec.trigger {
            Trigger::Always => true,
            Trigger::Times(_) => match self.remaining {
                Some(n) if n > 0 => {
                    self.remaining = Some(n - 1);
                    true
                }
                _ => false,
            },
            Trigger::Fraction { fraction, .. } => {
                let rng = self.rng.get_or_insert_with(|| StdRng::seed_from_u64(0));
                rng.gen::<f64>() < fraction
            }
        };
        if fire {
            self.hits += 1;
        }
        fire
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.extend(self.spec.to_json());
        m.insert("remaining".into(), json!(self.remaining));
        m.insert("hits".into(), json!(self.hits));
        m.insert(
            "source".into(),
            json!(if self.from_fixtures { "fixtures" } else { "api" }),
        );
        Value::Object(m)
    }
}

#[derive(Debug, Default)]
struct Table {
    fixture_specs: Vec<FaultSpec>,
    active: Vec<ActiveFault>,
    next_id: u64,
}

impl Table {
    fn restore(&mut self) {
        self.active.clear();
        self.next_id = 1;
        for spec in self.fixture_specs.clone() {
            let id = self.next_id;
            self.next_id += 1;
            self.active.push(ActiveFault::new(id, spec, true));
        }
    }
}

/// The faults in force, shared by all connections. A std mutex: each critical section decides
/// or edits, never awaits (the latency is slept after unlocking).
#[derive(Debug, Default)]
pub struct Faults {
    table: Mutex<Table>,
}

/// What the middleware does to one request.
#[derive(Debug, Clone, PartialEq)]
struct Decision {
    latency_ms: u64,
    /// The fault that answers instead of the mock, if any.
    terminal: Option<(u64, FaultKind)>,
    /// Ids of the faults that fired.
    fired: Vec<u64>,
}

/// The journal's marker on a faulted request: `{"id":…,"kind":…}`. Dropped requests are
/// journaled with status 0 (no answer) and kind `drop`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultMark {
    pub id: u64,
    pub kind: &'static str,
}

/// A request as faults see it.
enum Target<'a> {
    Operation(&'a str),
    Route { method: &'a Method, tail: &'a str },
}

impl FaultMatch {
    fn matches(&self, target: &Target<'_>) -> bool {
        match (self, target) {
            (FaultMatch::Operation(op), Target::Operation(name)) => op == name,
            (FaultMatch::Route { method, segments, .. }, Target::Route { method: m, tail }) => {
                let parts: Vec<&str> = tail.split('/').collect();
                method == *m
                    && parts.len() == segments.len()
                    && segments.iter().zip(&parts).all(|(pattern, part)| {
                        (pattern.starts_with('{') && pattern.ends_with('}')) || pattern == part
                    })
            }
            _ => false,
        }
    }
}

impl Faults {
    /// The faults of `fixtures` (checked by the loaders: an invalid entry here is skipped with
    /// a warning).
    pub fn from_fixtures(fixtures: &Fixtures) -> Faults {
        let faults = Faults::default();
        faults.replace_fixture_faults(fixtures);
        faults
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // Each critical section leaves a valid table: recover from a poisoned lock.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// New fixture faults (a reloaded file), and back to them.
    pub fn replace_fixture_faults(&self, fixtures: &Fixtures) {
        let specs = fixtures
            .faults
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match FaultSpec::parse(v) {
                Ok(spec) => Some(spec),
                Err(problems) => {
                    tracing::warn!(file = %fixtures.source, "faults[{i}] skipped: {problems:?}");
                    None
                }
            })
            .collect();
        let mut table = self.lock();
        table.fixture_specs = specs;
        table.restore();
    }

    /// Back to the fixture faults, with fresh counts and re-seeded RNGs (`POST /__mock/reset`).
    pub fn reset(&self) {
        self.lock().restore();
    }

    /// Adds a fault; returns it as the control API shows it.
    pub fn add(&self, spec: FaultSpec) -> Value {
        let mut table = self.lock();
        let id = table.next_id.max(1);
        table.next_id = id + 1;
        let fault = ActiveFault::new(id, spec, false);
        let json = fault.to_json();
        table.active.push(fault);
        json
    }

    /// All faults in force, oldest first.
    pub fn list(&self) -> Vec<Value> {
        self.lock().active.iter().map(ActiveFault::to_json).collect()
    }

    /// Removes every fault (fixture faults come back on reset).
    pub fn clear(&self) {
        self.lock().active.clear();
    }

    /// Removes one fault; false when no fault has this id.
    pub fn remove(&self, id: u64) -> bool {
        let mut table = self.lock();
        let before = table.active.len();
        table.active.retain(|f| f.id != id);
        table.active.len() != before
    }

    fn has_operation_faults(&self) -> bool {
        self.lock()
            .active
            .iter()
            .any(|f| matches!(f.spec.matcher, FaultMatch::Operation(_)))
    }

    fn has_route_faults(&self) -> bool {
        self.lock()
            .active
            .iter()
            .any(|f| matches!(f.spec.matcher, FaultMatch::Route { .. }))
    }

    /// Walks the matching faults oldest first: latencies add up; the first error or drop that
    /// fires answers instead of the mock and ends the walk.
    fn decide(&self, target: &Target<'_>) -> Option<Decision> {
        let mut table = self.lock();
        let mut decision = Decision {
            latency_ms: 0,
            terminal: None,
            fired: Vec::new(),
        };
        for fault in table.active.iter_mut().filter(|f| f.spec.matcher.matches(target)) {
            if !fault.fires() {
                continue;
            }
            decision.fired.push(fault.id);
            decision.latency_ms = decision.latency_ms.saturating_add(fault.spec.latency_ms);
            if fault.spec.kind != FaultKind::Latency {
                decision.terminal = Some((fault.id, fault.spec.kind.clone()));
                break;
            }
        }
        (!decision.fired.is_empty()).then_some(decision)
    }
}

/// A body that fails before its first byte: hyper closes the connection without answering.
struct DroppedBody;

impl HttpBody for DroppedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by an injected fault",
        ))))
    }
}

/// Middleware: applies the faults in force to GraphQL and REST requests (never to `/__mock`).
/// A GraphQL request is matched on the first root field of its one reading (see `request.rs`).
pub async fn inject(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let Some(store) = request.extensions().get::<Arc<Store>>().cloned() else {
        return next.run(request).await;
    };
    if is_control_path(path) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let root = request
        .extensions()
        .get::<Arc<GraphqlRequest>>()
        .and_then(|r| r.root_field());
    let decision = if is_graphql_path(path) {
        root.as_ref()
            .filter(|_| store.faults.has_operation_faults())
            .and_then(|r| store.faults.decide(&Target::Operation(&r.name)))
    } else if store.faults.has_route_faults() {
        super::rest::v1_tail(&app, path).and_then(|tail| {
            store.faults.decide(&Target::Route {
                method: &method,
                tail,
            })
        })
    } else {
        None
    };
    let Some(decision) = decision else {
        return next.run(request).await;
    };
    if decision.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
    }
    let Some((id, kind)) = decision.terminal else {
        let mut response = next.run(request).await;
        let last = *decision.fired.last().unwrap_or(&0);
        response.extensions_mut().insert(FaultMark {
            id: last,
            kind: "latency",
        });
        return response;
    };
    let mut response = match &kind {
        FaultKind::Latency => unreachable!("latency faults never answer"),
        FaultKind::HttpError { status, body } => json_response(*status, body),
        FaultKind::GraphqlError { message, category } => {
            let root = root.as_ref().expect("operation faults match a root field");
            // The shape of an execution error (spec 4.1) for the operation the request names.
            let result = ExecutionResult {
                errors: vec![GraphqlError::field(
                    category.clone(),
                    message,
                    root.location,
                    &root.key,
                )],
                data: Some(json!({ root.key.clone(): null })),
            };
            json_response(app.profile.status_for(category), &result.to_json())
        }
        FaultKind::Panic => panic!("panic injected by fault {id} (a fault kind for the mock's own tests)"),
        FaultKind::Drop => {
            let mut r = Response::new(Body::new(DroppedBody));
            *r.status_mut() = StatusCode::OK;
            r
        }
    };
    response.extensions_mut().insert(FaultMark {
        id,
        kind: kind.name(),
    });
    if let Some(root) = root {
        response.extensions_mut().insert(GraphqlSummary {
            operation: Some(root.name),
        });
    }
    response
}

// ----- control API: /__mock/faults -----------------------------------------------------------

/// `GET /__mock/faults`.
pub async fn list(Extension(store): Extension<Arc<Store>>) -> Response {
    json_response(200, &json!({ "faults": store.faults.list() }))
}

/// `POST /__mock/faults`: one fault object → the created fault with its id.
pub async fn add(Extension(store): Extension<Arc<Store>>, body: Bytes) -> Response {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return json_response(
                400,
                &json!({ "message": format!("The body is not JSON ({e}). {FAULT_USAGE}") }),
            );
        }
    };
    match FaultSpec::parse(&value) {
        Ok(spec) => json_response(201, &store.faults.add(spec)),
        Err(problems) => {
            let listed: Vec<String> = problems
                .iter()
                .map(|(at, p)| {
                    if at.is_empty() {
                        p.clone()
                    } else {
                        format!("{at}: {p}")
                    }
                })
                .collect();
            json_response(
                400,
                &json!({ "message": format!("Invalid fault: {}. {FAULT_USAGE}", listed.join("; ")) }),
            )
        }
    }
}

/// `DELETE /__mock/faults`.
pub async fn clear(Extension(store): Extension<Arc<Store>>) -> Response {
    store.faults.clear();
    json_response(200, &json!({ "faults": [] }))
}

/// `DELETE /__mock/faults/{id}`.
pub async fn remove(Extension(store): Extension<Arc<Store>>, Path(id): Path<String>) -> Response {
    match id.parse::<u64>() {
        Ok(n) if store.faults.remove(n) => json_response(200, &json!({ "deleted": n })),
        _ => json_response(
            404,
            &json!({ "message": format!("No fault with id {id}. GET /__mock/faults lists them.") }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(v: Value) -> FaultProblems {
        FaultSpec::parse(&v).unwrap_err()
    }

    #[test]
    fn a_fault_object_reports_every_problem() {
        let p = problems(json!({"match": {"route": "FETCH /x"}, "kind": "boom", "times": 0, "colour": 1}));
        let places: Vec<&str> = p.iter().map(|(at, _)| at.as_str()).collect();
        assert_eq!(places, ["colour", "match.route", "kind", "times"]);
    }

    #[test]
    fn routes_match_segments_and_placeholders() {
        let spec =
            FaultSpec::parse(&json!({"match": {"route": "POST /V1/customer/{id}/otp"}, "kind": "drop"}))
                .unwrap();
        let post = Method::POST;
        assert!(spec.matcher.matches(&Target::Route {
            method: &post,
            tail: "customer/7/otp"
        }));
        assert!(!spec.matcher.matches(&Target::Route {
            method: &post,
            tail: "customer/7"
        }));
        assert!(!spec.matcher.matches(&Target::Route {
            method: &Method::GET,
            tail: "customer/7/otp"
        }));
    }
}
