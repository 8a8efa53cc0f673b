//! `/graphql` and `/<tenant>/graphql`: the order of checks of Magento 2.4.8's GraphQL controller
//! (spec `behaviour.md` section 2), first failing one wins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::domain::Auth;
use crate::graphql::{self, Document, GraphqlError};
use crate::ops::RequestCtx;

use super::AppState;

const UNABLE_TO_PARSE: &str = "Unable to parse the request.";
const CONTENT_TYPE_MESSAGE: &str = "Request content type must be application/json";
const MUTATION_OVER_GET: &str = "Mutation requests allowed only for POST requests";

/// A bounded cache of parsed documents keyed by query text, so a frontend repeating the same
/// operation does not pay for parsing each time. When full it is cleared (cheap and bounded).
/// Documents longer than [`MAX_CACHED_QUERY_BYTES`] are parsed every time and never cached, so
/// the cache holds at most `capacity` × 64 KiB of query text (plus their parses) even when fed
/// 1 MiB garbage documents.
pub struct DocumentCache {
    capacity: usize,
    map: Mutex<HashMap<String, Arc<Document>>>,
}

/// The longest query text [`DocumentCache`] keeps (real frontends' operations are a few KiB).
pub const MAX_CACHED_QUERY_BYTES: usize = 64 * 1024;

impl DocumentCache {
    pub fn new(capacity: usize) -> Self {
        DocumentCache {
            capacity,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Parses `query`, or returns the cached parse. Syntax errors are not cached.
    pub fn parse(&self, query: &str) -> Result<Arc<Document>, GraphqlError> {
        if let Some(doc) = self.lock().get(query) {
            return Ok(doc.clone());
        }
        let doc = graphql::parse(query)?;
        if query.len() > MAX_CACHED_QUERY_BYTES {
            return Ok(doc);
        }
        let mut map = self.lock();
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(query.to_string(), doc.clone());
        Ok(doc)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Document>>> {
        // A panic while holding this lock cannot leave the map inconsistent: recover it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the front door learned about a request, for the journal and the log line.
#[derive(Debug, Default, Clone)]
pub struct GraphqlSummary {
    /// The first root field of the executed operation, e.g. `generateCustomerToken`.
    pub operation: Option<String>,
}

/// A request as Magento reads it: the query text and the variables.
struct GraphqlRequest {
    query: String,
    variables: Map<String, Value>,
}

/// An error raised before execution (steps 1–4): `message` and `extensions.category` only.
fn pre_execution_error(status: u16, category: &str, message: &str) -> Response {
    let body = json!({"errors": [{"message": message, "extensions": {"category": category}}]});
    json_response(status, &body)
}

pub(crate) fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Step 1 for POST: an empty body, or JSON that is not an object, is a request with no query.
fn read_post_body(body: &[u8]) -> Result<GraphqlRequest, ()> {
    if body.is_empty() {
        return Ok(GraphqlRequest {
            query: String::new(),
            variables: Map::new(),
        });
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| ())?;
    let Value::Object(mut obj) = value else {
        return Ok(GraphqlRequest {
            query: String::new(),
            variables: Map::new(),
        });
    };
    let query = match obj.remove("query") {
        Some(Value::String(q)) => q,
        _ => String::new(),
    };
    let variables = match obj.remove("variables") {
        Some(Value::Object(v)) => v,
        // Some clients send the variables as a JSON-encoded string, as in GET requests.
        Some(Value::String(s)) if !s.is_empty() => decode_variables(&s)?,
        _ => Map::new(),
    };
    Ok(GraphqlRequest { query, variables })
}

/// Step 1 for GET: `query` and `variables` from the URL; `variables` is a JSON string.
fn read_get_params(raw_query: Option<&str>) -> Result<GraphqlRequest, ()> {
    let mut query = String::new();
    let mut variables = Map::new();
    for (key, value) in url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "query" => query = value.into_owned(),
            "variables" if !value.is_empty() => variables = decode_variables(&value)?,
            _ => {}
        }
    }
    Ok(GraphqlRequest { query, variables })
}

fn decode_variables(text: &str) -> Result<Map<String, Value>, ()> {
    match serde_json::from_str::<Value>(text).map_err(|_| ())? {
        Value::Object(v) => Ok(v),
        Value::Null => Ok(Map::new()),
        _ => Err(()),
    }
}

/// Step 4: only `<scheme> <token>` with exactly one space and a case-insensitive `bearer`.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let mut parts = value.split(' ');
    let (scheme, token) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Some(token)
}

/// Handles one request to the GraphQL endpoint and says what it ran.
pub(crate) fn handle(
    app: &AppState,
    method: &Method,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> (Response, GraphqlSummary) {
    let caps = app.profile.caps();
    let mut summary = GraphqlSummary::default();
    let pre = caps.pre_execution_status;

    // Step 5 first for the methods that carry no GraphQL request at all.
    if method == Method::OPTIONS {
        return (StatusCode::NO_CONTENT.into_response(), summary);
    }
    if method != Method::GET && method != Method::POST {
        // Mock decision: Magento answers 200 with no body; 405 tells a developer what is wrong.
        let mut response =
            pre_execution_error(405, "graphql-input", "Only GET and POST requests are allowed");
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        response.headers_mut().insert(
            header::ALLOW,
            header::HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        return (response, summary);
    }

    // Step 1: read the request.
    let read = if method == Method::POST {
        read_post_body(body)
    } else {
        read_get_params(raw_query)
    };
    let Ok(request) = read else {
        return (
            pre_execution_error(pre, "graphql-input", UNABLE_TO_PARSE),
            summary,
        );
    };

    // Step 2: the content type of a POST (a case-sensitive substring test, as Magento does).
    if method == Method::POST {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.contains("application/json") {
            return (
                pre_execution_error(pre, "graphql-input", CONTENT_TYPE_MESSAGE),
                summary,
            );
        }
    }

    // Step 3: no mutations over GET. A document that does not parse is reported at step 6.
    let parsed = app.documents.parse(&request.query);
    if method == Method::GET {
        if let Ok(doc) = &parsed {
            if doc.has_mutation() {
                return (
                    pre_execution_error(pre, "graphql-input", MUTATION_OVER_GET),
                    summary,
                );
            }
        }
    }

    // Step 4: the bearer token, if the header has the one shape Magento reads.
    let mut auth = Auth::Guest;
    if let Some(token) = bearer_token(headers) {
        match app.domain.authenticate_bearer(token) {
            Ok(who) => auth = who,
            Err(e) if caps.bearer_errors_fail_request => {
                return (
                    pre_execution_error(401, "graphql-authentication", e.message()),
                    summary,
                );
            }
            Err(_) => {} // paas-2.4.7: the request runs as a guest.
        }
    }

    // Step 6: parse.
    let doc = match parsed {
        Ok(doc) => doc,
        Err(e) => {
            let body = json!({ "errors": [e.to_json()] });
            return (json_response(caps.syntax_error_status, &body), summary);
        }
    };
    summary.operation = doc.first_root_field();

    // Step 7: validate and execute.
    let ctx = RequestCtx {
        domain: app.domain.clone(),
        profile: app.profile,
        auth,
    };
    let result = app.engine.execute(&ctx, &doc, &request.variables);
    let status = match result.errors.first() {
        Some(first) if result.data.is_some() => app.profile.status_for_category(first.category.as_deref()),
        _ => 200,
    };
    (json_response(status, &result.to_json()), summary)
}
