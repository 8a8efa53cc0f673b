//! A GraphQL request, read once (spec section 2, step 1, and the parse of step 6).
//!
//! A middleware reads every GET or POST to a GraphQL path as Magento's controller does — the
//! query text and variables, and the parsed document — and leaves the result in the request's
//! extensions. The front door, fault injection and the journal all use that one reading, so
//! they cannot disagree about what a request was.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::graphql::{self, Document, GraphqlError, RawVariables, RootField};

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
    /// foldhash rather than SipHash: every request hashes its whole query text here, and the
    /// map is small and bounded (emptied when full), so colliding keys cannot pile up.
    documents: HashMap<String, Arc<Document>, foldhash::fast::RandomState>,
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
        variables: RawVariables,
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
fn read_post_body(body: &[u8]) -> Result<(Cow<'_, str>, RawVariables), ()> {
    if body.is_empty() {
        return Ok((Cow::Borrowed(""), RawVariables::default()));
    }
    // One UTF-8 check of the whole body, then a reader that checks no string again: `from_slice`
    // checks each string as it meets it, which for a sign-in's few short strings cost more than
    // one pass over the body. The same bodies are refused: `from_slice` refuses any body that is
    // not UTF-8 too (outside strings JSON is ASCII).
    let text = std::str::from_utf8(body).map_err(|_| ())?;
    let read: PostBody<'_> = serde_json::from_str(text).map_err(|_| ())?;
    let variables = match read.variables {
        Some(MemberValue::Object(v)) => v,
        // Some clients send the variables as a JSON-encoded string, as in GET requests.
        Some(MemberValue::Text(s)) if !s.is_empty() => decode_variables(&s)?,
        _ => RawVariables::default(),
    };
    Ok((read.query.unwrap_or_default(), variables))
}

/// What a POST body says, read the way `serde_json::Value` reads it — the same JSON accepted and
/// refused, a repeated member's last value kept — without building a tree of the whole body:
/// `query` borrowed from the body when it has no escapes, members other than `query` and
/// `variables` read and dropped.
#[derive(Default)]
struct PostBody<'a> {
    /// `query`, when it is a string.
    query: Option<Cow<'a, str>>,
    /// `variables`, whatever JSON it is.
    variables: Option<MemberValue<'a>>,
}

/// The value of `query` or `variables` in a POST body: a string, borrowed where it can be; an
/// object, read straight into [`RawVariables`] (not a JSON map first); or any other JSON value,
/// read in full as a `Value` would be, then ignored.
enum MemberValue<'a> {
    Object(RawVariables),
    Text(Cow<'a, str>),
    Other,
}

impl<'de> Deserialize<'de> for MemberValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Any;
        impl<'de> Visitor<'de> for Any {
            type Value = MemberValue<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawVariables::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(MemberValue::Object)
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(MemberValue::Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(MemberValue::Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(MemberValue::Text(Cow::Owned(s)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MemberValue::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MemberValue::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MemberValue::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MemberValue::Other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MemberValue::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<Value>()?.is_some() {}
                Ok(MemberValue::Other)
            }
        }
        deserializer.deserialize_any(Any)
    }
}

impl<'de> Deserialize<'de> for PostBody<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PostBodyVisitor)
    }
}

struct PostBodyVisitor;

impl<'de> Visitor<'de> for PostBodyVisitor {
    type Value = PostBody<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    // Not an object: a request with no query.
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(PostBody::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(PostBody::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(PostBody::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(PostBody::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(PostBody::default())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(PostBody::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<Value>()?.is_some() {}
        Ok(PostBody::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut body = PostBody::default();
        while let Some(member) = map.next_key::<Member>()? {
            match member {
                Member::Query => {
                    body.query = match map.next_value()? {
                        MemberValue::Text(query) => Some(query),
                        _ => None,
                    }
                }
                Member::Variables => body.variables = Some(map.next_value()?),
                Member::Other => {
                    map.next_value::<Value>()?;
                }
            }
        }
        Ok(body)
    }
}

/// A member name of the body, as far as the controller cares.
enum Member {
    Query,
    Variables,
    Other,
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = Member;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E>(self, name: &str) -> Result<Member, E> {
                Ok(match name {
                    "query" => Member::Query,
                    "variables" => Member::Variables,
                    _ => Member::Other,
                })
            }
        }
        deserializer.deserialize_str(Name)
    }
}

/// GET: `query` and `variables` from the URL; `variables` is a JSON string.
fn read_get_params(raw_query: Option<&str>) -> Result<(Cow<'_, str>, RawVariables), ()> {
    let mut query = Cow::Borrowed("");
    let mut variables = RawVariables::default();
    for (key, value) in url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "query" => query = value,
            "variables" if !value.is_empty() => variables = decode_variables(&value)?,
            _ => {}
        }
    }
    Ok((query, variables))
}

fn decode_variables(text: &str) -> Result<RawVariables, ()> {
    match serde_json::from_str::<Value>(text).map_err(|_| ())? {
        Value::Object(v) => Ok(v.into()),
        Value::Null => Ok(RawVariables::default()),
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
    // The guard has read the body with its limit and deadline already, into one frame, which
    // this takes as it is (no wait, no copy).
    let bytes = super::guard::read_whole(body).await.unwrap_or_default();
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

    #[test]
    fn a_body_that_is_not_utf8_is_unreadable_wherever_the_bad_byte_is() {
        let cache = DocumentCache::new(4);
        let post = |body: &[u8]| GraphqlRequest::read(&cache, &Method::POST, None, body);
        let good = r#"{"query":"{ a }","variables":{"email":"é@example.com"},"x":["ü"]}"#.as_bytes();
        assert!(matches!(post(good), GraphqlRequest::Read { .. }));
        assert!(serde_json::from_slice::<Value>(good).is_ok());
        // A lone continuation byte, a truncated sequence and an overlong one, in the query, in a
        // variable, in an ignored member, in a key and outside any string.
        for bad in [&b"\x80"[..], b"\xc3", b"\xc0\xaf", b"\xff"] {
            for at in ["{ a }", "é@example.com", "ü", "email", "\"x\""] {
                let at_bytes = at.as_bytes();
                let start = good.windows(at_bytes.len()).position(|w| w == at_bytes).unwrap();
                let mut body = good[..start].to_vec();
                body.extend_from_slice(bad);
                body.extend_from_slice(&good[start..]);
                assert!(serde_json::from_slice::<Value>(&body).is_err(), "{body:?}");
                assert!(matches!(post(&body), GraphqlRequest::Unreadable), "{body:?}");
            }
        }
    }
}
