//! A GraphQL request, read once (spec section 2, step 1, and the parse of step 6).
//!
//! A middleware reads every GET or POST to a GraphQL path as Magento's controller does — the
//! query text and variables, and the parsed document — and leaves the result in the request's
//! extensions. The front door, fault injection and the journal all use that one reading, so
//! they cannot disagree about what a request was.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::graphql::{self, Document, GraphqlError, RootField};

use super::AppState;

/// A bounded cache of parsed documents keyed by query text, so a frontend repeating the same
/// operation does not pay for parsing each time. When full it is cleared (cheap and bounded).
/// Documents longer than [`MAX_CACHED_QUERY_BYTES`] are parsed every time and never cached, so
/// the cache holds at most `capacity` × 64 KiB of query text (plus their parses) even when fed
/// 1 MiB garbage documents.
pub struct DocumentCache {
    capacity: usize,
    map: Mutex<Cached>,
}

/// The cached parses and the total length of their query texts.
#[derive(Default)]
struct Cached {
    documents: HashMap<String, Arc<Document>>,
    text_bytes: usize,
}

/// The longest query text [`DocumentCache`] keeps (real frontends' operations are a few KiB).
pub const MAX_CACHED_QUERY_BYTES: usize = 64 * 1024;

/// The most query text the cache holds in all (**mock decision**): a storefront's few dozen
/// operations take a few hundred KiB, while 1024 distinct 64 KiB documents would be 64 MiB of
/// text plus their syntax trees.
pub const MAX_CACHED_TEXT_BYTES: usize = 2 * 1024 * 1024;

impl DocumentCache {
    pub(crate) fn new(capacity: usize) -> Self {
        DocumentCache {
            capacity,
            map: Mutex::new(Cached::default()),
        }
    }

    /// Parses `query`, or returns the cached parse. Syntax errors are not cached. The cache is
    /// emptied when it would hold more than `capacity` documents or
    /// [`MAX_CACHED_TEXT_BYTES`] of text.
    pub(crate) fn parse(&self, query: &str) -> Result<Arc<Document>, GraphqlError> {
        if let Some(doc) = self.lock().documents.get(query) {
            return Ok(doc.clone());
        }
        let doc = graphql::parse(query)?;
        if query.len() > MAX_CACHED_QUERY_BYTES {
            return Ok(doc);
        }
        let mut cached = self.lock();
        if cached.documents.len() >= self.capacity || cached.text_bytes + query.len() > MAX_CACHED_TEXT_BYTES
        {
            cached.documents.clear();
            cached.text_bytes = 0;
        }
        if cached.documents.insert(query.to_string(), doc.clone()).is_none() {
            cached.text_bytes += query.len();
        }
        Ok(doc)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        // A panic while holding this lock cannot leave the map inconsistent: recover it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A GET or POST to a GraphQL path, as read.
#[derive(Debug)]
pub(crate) enum GraphqlRequest {
    /// Step 1 failed: the body is not JSON, or `variables` does not decode.
    Unreadable,
    Read {
        variables: Map<String, Value>,
        /// The parse of the query text (an empty or missing query is a syntax error).
        document: Result<Arc<Document>, GraphqlError>,
    },
}

impl GraphqlRequest {
    /// The first root field of the parsed document.
    pub(crate) fn root_field(&self) -> Option<RootField> {
        match self {
            GraphqlRequest::Read {
                document: Ok(doc), ..
            } => doc.root_field(),
            _ => None,
        }
    }

    fn read(cache: &DocumentCache, method: &Method, raw_query: Option<&str>, body: &[u8]) -> GraphqlRequest {
        let read = if method == Method::POST {
            read_post_body(body)
        } else {
            read_get_params(raw_query)
        };
        match read {
            Ok((query, variables)) => GraphqlRequest::Read {
                variables,
                document: cache.parse(&query),
            },
            Err(()) => GraphqlRequest::Unreadable,
        }
    }
}

/// POST: an empty body, or JSON that is not an object, is a request with no query.
fn read_post_body(body: &[u8]) -> Result<(String, Map<String, Value>), ()> {
    if body.is_empty() {
        return Ok((String::new(), Map::new()));
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| ())?;
    let Value::Object(mut obj) = value else {
        return Ok((String::new(), Map::new()));
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
    Ok((query, variables))
}

/// GET: `query` and `variables` from the URL; `variables` is a JSON string.
fn read_get_params(raw_query: Option<&str>) -> Result<(String, Map<String, Value>), ()> {
    let mut query = String::new();
    let mut variables = Map::new();
    for (key, value) in url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "query" => query = value.into_owned(),
            "variables" if !value.is_empty() => variables = decode_variables(&value)?,
            _ => {}
        }
    }
    Ok((query, variables))
}

fn decode_variables(text: &str) -> Result<Map<String, Value>, ()> {
    match serde_json::from_str::<Value>(text).map_err(|_| ())? {
        Value::Object(v) => Ok(v),
        Value::Null => Ok(Map::new()),
        _ => Err(()),
    }
}

/// True for `/graphql` and `/<tenant>/graphql`.
pub(crate) fn is_graphql_path(path: &str) -> bool {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    match trimmed.split_once('/') {
        None => trimmed == "graphql",
        Some((tenant, rest)) => !tenant.is_empty() && rest == "graphql",
    }
}

/// Middleware (inside the body guard, which has buffered the body): reads GET and POST
/// requests to a GraphQL path into an `Arc<GraphqlRequest>` extension.
pub(crate) async fn read_graphql<F>(
    app: &AppState,
    request: Request,
    next: impl FnOnce(Request) -> F,
) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let method = request.method();
    if !(method == Method::GET || method == Method::POST) || !is_graphql_path(request.uri().path()) {
        return next(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // The guard has already read the body with its limit and deadline: this cannot wait.
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let read = GraphqlRequest::read(&app.documents, &parts.method, parts.uri.query(), &bytes);
    parts.extensions.insert(Arc::new(read));
    next(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_paths_are_recognised() {
        assert!(is_graphql_path("/graphql"));
        assert!(is_graphql_path("/tenant1/graphql"));
        assert!(!is_graphql_path("/V1/graphql/x"));
        assert!(!is_graphql_path("//graphql"));
    }

    #[test]
    fn a_request_is_read_as_magento_reads_it() {
        let cache = DocumentCache::new(4);
        let post = |body: &str| GraphqlRequest::read(&cache, &Method::POST, None, body.as_bytes());
        assert!(matches!(post("{nope"), GraphqlRequest::Unreadable));
        assert!(matches!(
            post(r#"{"query":"{ a }","variables":"[1]"}"#),
            GraphqlRequest::Unreadable
        ));
        match post(r#"{"query":"{ storeConfig { store_code } }","variables":"{\"x\":1}"}"#) {
            GraphqlRequest::Read { variables, document } => {
                assert_eq!(variables.get("x"), Some(&Value::from(1)));
                assert_eq!(document.unwrap().root_field().unwrap().name, "storeConfig");
            }
            other => panic!("{other:?}"),
        }
        let get = GraphqlRequest::read(&cache, &Method::GET, Some("query=%7B+a%3A+b+%7D"), b"");
        let root = get.root_field().unwrap();
        assert_eq!((root.name.as_str(), root.key.as_str()), ("b", "a"));
        assert!(post("").root_field().is_none());
    }
}
