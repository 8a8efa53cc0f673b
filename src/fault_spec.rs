//! What an injected fault is: which requests it matches, what it does to them, and when —
//! as written in a fixture file's `faults` or sent to `POST /__mock/faults`, checked once
//! with every problem reported, then kept typed. `src/http/faults.rs` applies them.

use axum::http::Method;
use serde_json::{json, Map, Value};

use crate::graphql::Category;

/// What `POST /__mock/faults` accepts, quoted in its 400 answers.
pub(crate) const FAULT_USAGE: &str = "Send JSON {\"match\":{\"operation\":\"<GraphQL root field>\"} or \
{\"route\":\"<METHOD> /V1/<path, {name} for a segment>\"}, \"kind\":\"latency\"|\"http_error\"|\
\"graphql_error\"|\"drop\", \"latency_ms\":<ms, required for latency, optional delay before the \
others>, \"status\":<400-599, http_error>, \"body\":<JSON, http_error>, \"message\":<text, \
graphql_error>, \"category\":<e.g. graphql-input, graphql_error>, and \"times\":<N> or \
\"fraction\":<0..1> with \"seed\":<integer> (neither: every call)}.";

/// The longest latency a fault may add (5 minutes): anything longer is a typo.
pub(crate) const MAX_LATENCY_MS: u64 = 300_000;

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
    pub(crate) fn name(&self) -> &'static str {
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
pub(crate) type FaultProblems = Vec<(String, String)>;

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
    pub(crate) fn to_json(&self) -> Map<String, Value> {
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
}
