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
use axum::extract::{Path, Request};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Extension;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::domain::Fixtures;
use crate::fault_spec::{FaultKind, FaultMatch, FaultSpec, Trigger, FAULT_USAGE};
use crate::graphql::{GraphqlError, Output};

use super::front_door::{json_response, result_response, GraphqlSummary};
use super::journal::is_control_path;
use super::request::{is_graphql_path, GraphqlRequest};
use super::store::Store;
use super::AppState;

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

/// Faults a store holds at most (added through the control API; the fixtures' are counted too):
/// every request is matched against each, and the list must not grow without end.
pub(crate) const MAX_FAULTS: usize = 1000;

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
    /// The faults of `fixtures` (checked when they were loaded).
    pub(crate) fn from_fixtures(fixtures: &Fixtures) -> Faults {
        let faults = Faults::default();
        faults.replace_fixture_faults(fixtures);
        faults
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // Each critical section leaves a valid table: recover from a poisoned lock.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// New fixture faults (a reloaded file), and back to them.
    pub(crate) fn replace_fixture_faults(&self, fixtures: &Fixtures) {
        let mut table = self.lock();
        table.fixture_specs = fixtures.faults.clone();
        table.restore();
    }

    /// Back to the fixture faults, with fresh counts and re-seeded RNGs (`POST /__mock/reset`).
    pub(crate) fn reset(&self) {
        self.lock().restore();
    }

    /// Adds a fault; returns it as the control API shows it, or `None` when [`MAX_FAULTS`]
    /// are in force already.
    pub fn add(&self, spec: FaultSpec) -> Option<Value> {
        let mut table = self.lock();
        if table.active.len() >= MAX_FAULTS {
            return None;
        }
        let id = table.next_id.max(1);
        table.next_id = id + 1;
        let fault = ActiveFault::new(id, spec, false);
        let json = fault.to_json();
        table.active.push(fault);
        Some(json)
    }

    /// All faults in force, oldest first.
    pub(crate) fn list(&self) -> Vec<Value> {
        self.lock().active.iter().map(ActiveFault::to_json).collect()
    }

    /// Removes every fault (fixture faults come back on reset).
    pub(crate) fn clear(&self) {
        self.lock().active.clear();
    }

    /// Removes one fault; false when no fault has this id.
    pub(crate) fn remove(&self, id: u64) -> bool {
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
pub(crate) async fn inject<F>(app: &AppState, request: Request, next: impl FnOnce(Request) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let path = request.uri().path();
    let Some(store) = request.extensions().get::<Arc<Store>>().cloned() else {
        return next(request).await;
    };
    if is_control_path(path) {
        return next(request).await;
    }
    let method = request.method().clone();
    let graphql = is_graphql_path(path);
    // Read only when an operation fault could match (it is copied out of the document).
    let root = if graphql && store.faults.has_operation_faults() {
        request
            .extensions()
            .get::<Arc<GraphqlRequest>>()
            .and_then(|r| r.root_field())
    } else {
        None
    };
    let decision = if graphql {
        root.as_ref()
            .and_then(|r| store.faults.decide(&Target::Operation(&r.name)))
    } else if store.faults.has_route_faults() {
        super::rest::v1_tail(app, path).and_then(|tail| {
            store.faults.decide(&Target::Route {
                method: &method,
                tail,
            })
        })
    } else {
        None
    };
    let Some(decision) = decision else {
        return next(request).await;
    };
    if decision.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
    }
    let Some((id, kind)) = decision.terminal else {
        let mut response = next(request).await;
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
            let error = GraphqlError::field(category.clone(), message, root.location, &root.key);
            let data = Output::Object(vec![(root.key.as_str().into(), Output::NULL)]);
            result_response(app.profile.status_for(category), &[error], Some(&data))
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
            operation: Some(root.name.into()),
        });
    }
    response
}

// ----- control API: /__mock/faults -----------------------------------------------------------

/// `GET /__mock/faults`.
pub(crate) async fn list(Extension(store): Extension<Arc<Store>>) -> Response {
    json_response(200, &json!({ "faults": store.faults.list() }))
}

/// `POST /__mock/faults`: one fault object → the created fault with its id.
pub(crate) async fn add(Extension(store): Extension<Arc<Store>>, body: Bytes) -> Response {
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
        Ok(spec) => match store.faults.add(spec) {
            Some(fault) => json_response(201, &fault),
            // **Mock decision**: 409, like a full store of customers.
            None => json_response(
                409,
                &json!({ "message": format!(
                    "The mock already holds {MAX_FAULTS} faults, the most it keeps. Remove some first \
                     (DELETE /__mock/faults/{{id}}, or DELETE /__mock/faults for all)."
                ) }),
            ),
        },
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
pub(crate) async fn clear(Extension(store): Extension<Arc<Store>>) -> Response {
    store.faults.clear();
    json_response(200, &json!({ "faults": [] }))
}

/// `DELETE /__mock/faults/{id}`.
pub(crate) async fn remove(Extension(store): Extension<Arc<Store>>, Path(id): Path<String>) -> Response {
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
