//! `/graphql` and `/<tenant>/graphql`: the order of checks of Magento 2.4.8's GraphQL controller
//! (spec `behaviour.md` section 2), first failing one wins.

use std::sync::Arc;

use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::domain::Auth;
use crate::graphql::{Category, GraphqlError, Output};
use crate::ops::RequestCtx;

use super::request::GraphqlRequest;
use super::store::Store;
use super::AppState;

const UNABLE_TO_PARSE: &str = "Unable to parse the request.";
const CONTENT_TYPE_MESSAGE: &str = "Request content type must be application/json";
const MUTATION_OVER_GET: &str = "Mutation requests allowed only for POST requests";
/// The header storefronts send the reCAPTCHA token in (Adobe's "protected mutations" page).
pub(crate) const RECAPTCHA_HEADER: &str = "x-recaptcha";
/// [`RECAPTCHA_HEADER`] as a header name, so that looking it up does not parse the text first.
const RECAPTCHA_HEADER_NAME: header::HeaderName = header::HeaderName::from_static(RECAPTCHA_HEADER);

/// What the front door learned about a request, for the journal and the log line.
#[derive(Debug, Default, Clone)]
pub struct GraphqlSummary {
    /// The first root field of the executed operation, e.g. `generateCustomerToken` (held
    /// inline up to 24 bytes).
    pub operation: Option<compact_str::CompactString>,
}

/// An error raised before execution (steps 1–4, and the guard's refusals): the one shape,
/// `{"errors":[{"message":…,"extensions":{"category":…}}]}`, no `data`.
pub(crate) fn request_error(status: u16, category: Category, message: &str) -> Response {
    let error = GraphqlError::request(category, message);
    result_response(status, std::slice::from_ref(&error), None)
}

/// `{"errors":[…],"data":…}` as `json_response` writes `ExecutionResult::to_json()` (`errors`
/// left out when empty, `data` when `None`), written straight from the errors and the data
/// rather than through JSON maps, which hash every key.
pub(crate) fn result_response(status: u16, errors: &[GraphqlError], data: Option<&Output>) -> Response {
    written_response(status, |bytes| write_result(bytes, errors, data))
}

fn write_result(out: &mut Vec<u8>, errors: &[GraphqlError], data: Option<&Output>) {
    out.push(b'{');
    if !errors.is_empty() {
        out.extend_from_slice(br#""errors":"#);
        write_seq(out, b'[', errors, b']', write_error);
    }
    if let Some(data) = data {
        if !errors.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(br#""data":"#);
        write_output(out, data);
    }
    out.push(b'}');
}

/// The bytes of `error.to_json()`: message, locations, path, extensions, in that order.
fn write_error(out: &mut Vec<u8>, error: &GraphqlError) {
    out.extend_from_slice(br#"{"message":"#);
    write_json_str(out, &error.message);
    if !error.locations.is_empty() {
        out.extend_from_slice(br#","locations":"#);
        write_seq(out, b'[', &error.locations, b']', |out, at| {
            let (mut line, mut column) = (itoa::Buffer::new(), itoa::Buffer::new());
            out.extend_from_slice(br#"{"line":"#);
            out.extend_from_slice(line.format(at.line).as_bytes());
            out.extend_from_slice(br#","column":"#);
            out.extend_from_slice(column.format(at.column).as_bytes());
            out.push(b'}');
        });
    }
    if let Some(path) = &error.path {
        out.extend_from_slice(br#","path":"#);
        write_seq(out, b'[', path, b']', write_json);
    }
    if let Some(category) = &error.category {
        out.extend_from_slice(br#","extensions":{"category":"#);
        write_json_str(out, category.as_str());
        out.push(b'}');
    }
    out.push(b'}');
}

pub(crate) fn json_response(status: u16, body: &Value) -> Response {
    written_response(status, |bytes| write_json(bytes, body))
}

/// A JSON answer with `status` whose body `write` writes.
fn written_response(status: u16, write: impl FnOnce(&mut Vec<u8>)) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut bytes = Vec::with_capacity(256);
    write(&mut bytes);
    json_bytes_response(status, bytes)
}

/// What `(status, [(CONTENT_TYPE, "application/json")], bytes).into_response()` builds — the
/// body, the status and the one header — without parsing the header's value from text and
/// replacing the `application/octet-stream` a byte body gets first.
fn json_bytes_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(axum::body::Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, APPLICATION_JSON);
    response
}

const APPLICATION_JSON: header::HeaderValue = header::HeaderValue::from_static("application/json");

/// Appends `value` as `serde_json::to_vec` writes it (compact, members in map order), byte for
/// byte. A string with nothing to escape — every string of a sign-in's answer, the token too — is
/// copied whole after one pass over its bytes, where serde_json looks each byte up in its escape
/// table and writes the runs between escapes; numbers and strings that need escapes are written
/// by serde_json itself.
pub(crate) fn write_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => serde_json::to_writer(&mut *out, n).expect("a JSON number always serializes"),
        Value::String(s) => write_json_str(out, s),
        Value::Array(items) => write_seq(out, b'[', items, b']', write_json),
        Value::Object(members) => write_seq(out, b'{', members, b'}', |out, (key, item)| {
            write_json_str(out, key);
            out.push(b':');
            write_json(out, item);
        }),
    }
}

/// `open`, the items written by `write` with a comma between each two, `close`.
fn write_seq<T>(
    out: &mut Vec<u8>,
    open: u8,
    items: impl IntoIterator<Item = T>,
    close: u8,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(open);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(close);
}

/// True when `bytes` has a byte serde_json escapes. No early exit: one branch-free pass, which
/// the compiler does several bytes at a time.
fn needs_escape(bytes: &[u8]) -> bool {
    !bytes
        .iter()
        .fold(true, |plain, &b| plain & (b >= 0x20) & (b != b'"') & (b != b'\\'))
}

/// A JSON string: serde_json escapes exactly the control characters (below U+0020), `"` and `\`.
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if !needs_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("a string always serializes");
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

/// Handles one request to the GraphQL endpoint (`request`: its one reading, absent for
/// methods other than GET and POST) and says what it ran.
pub(crate) fn handle(
    app: &AppState,
    store: &Store,
    method: &Method,
    headers: &HeaderMap,
    request: Option<&Arc<GraphqlRequest>>,
) -> (Response, GraphqlSummary) {
    let caps = app.profile.caps();
    let mut summary = GraphqlSummary::default();
    let pre = caps.pre_execution_status;

    // Step 5 for the methods that carry no GraphQL request at all (OPTIONS is answered before
    // any handler, see `options.rs`).
    let Some(request) = request.filter(|_| method == Method::GET || method == Method::POST) else {
        // Mock decision: Magento answers 200 with no body; 405 tells a developer what is wrong.
        let mut response = request_error(405, Category::Input, "Only GET and POST requests are allowed");
        response.headers_mut().insert(
            header::ALLOW,
            header::HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        return (response, summary);
    };

    // Step 1: read the request.
    let GraphqlRequest::Read { variables, document } = &**request else {
        return (request_error(pre, Category::Input, UNABLE_TO_PARSE), summary);
    };

    // Step 2: the content type of a POST (a case-sensitive substring test, as Magento does).
    if method == Method::POST {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.contains("application/json") {
            return (request_error(pre, Category::Input, CONTENT_TYPE_MESSAGE), summary);
        }
    }

    // Step 3: no mutations over GET. A document that does not parse is reported at step 6.
    if method == Method::GET && document.as_ref().is_ok_and(|doc| doc.has_mutation()) {
        return (request_error(pre, Category::Input, MUTATION_OVER_GET), summary);
    }

    // Step 4: the bearer token, if the header has the one shape Magento reads.
    let mut auth = Auth::Guest;
    if let Some(token) = bearer_token(headers) {
        match store.domain.authenticate_bearer(token) {
            Ok(who) => auth = who,
            Err(e) if caps.bearer_errors_fail_request => {
                return (request_error(401, Category::Authentication, e.message()), summary);
            }
            Err(_) => {} // paas-2.4.7: the request runs as a guest.
        }
    }

    // Step 6: parse.
    let doc = match document {
        Ok(doc) => doc,
        Err(e) => {
            let errors = std::slice::from_ref(e);
            return (result_response(caps.syntax_error_status, errors, None), summary);
        }
    };
    summary.operation = doc.root_field_name().map(Into::into);

    // Step 7: validate and execute.
    let ctx = RequestCtx {
        domain: store.domain.clone(),
        profile: app.profile,
        auth,
        recaptcha: headers
            .get(RECAPTCHA_HEADER_NAME)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    let result = app.engine.execute(&ctx, doc, variables);
    let status = match result.errors.first() {
        Some(first) if result.data.is_some() => {
            first.category.as_ref().map_or(200, |c| app.profile.status_for(c))
        }
        _ => 200,
    };
    (result_response(status, &result.errors, result.data.as_ref()), summary)
}

/// Appends the bytes [`write_json`] writes for `output.into_json()`.
fn write_output(out: &mut Vec<u8>, output: &Output) {
    match output {
        Output::Value(v) => write_json(out, v),
        Output::Object(members) => write_seq(out, b'{', members, b'}', |out, (key, item)| {
            write_json_str(out, key);
            out.push(b':');
            write_output(out, item);
        }),
        Output::List(items) => write_seq(out, b'[', items, b']', write_output),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn json_responses_are_what_axum_builds() {
        use axum::response::IntoResponse;
        let ours = json_bytes_response(StatusCode::CREATED, br#"{"a":1}"#.to_vec());
        let axums = (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            br#"{"a":1}"#.to_vec(),
        )
            .into_response();
        assert_eq!(ours.status(), axums.status());
        assert_eq!(ours.headers(), axums.headers());
        let body = |r: Response| axum::body::to_bytes(r.into_body(), usize::MAX);
        assert_eq!(body(ours).await.unwrap(), body(axums).await.unwrap());
    }

    #[test]
    fn results_are_written_as_their_json_would_be() {
        use crate::graphql::{ExecutionResult, Location};
        let at = |line, column| Location { line, column };
        let errors = [
            GraphqlError::request(Category::Authentication, "The current customer isn't authorized."),
            GraphqlError::field(Category::Input, "Specify the \"email\" value.", at(1, 12), "generateCustomerToken"),
            GraphqlError {
                message: "Syntax Error: Unexpected <EOF>\n\u{1}é".into(),
                locations: vec![at(3, 1), at(10_000, 123_456)],
                path: Some(vec![json!("customer"), json!(0), json!("addresses"), json!(u64::MAX)]),
                category: None,
            },
            GraphqlError {
                message: String::new(),
                locations: vec![],
                path: Some(vec![]),
                category: Some(Category::Other("a-custom\"category".into())),
            },
        ];
        let data = Output::Object(vec![("generateCustomerToken".into(), Output::NULL)]);
        for n in 0..=errors.len() {
            for data in [None, Some(data.clone()), Some(Output::NULL)] {
                let result = ExecutionResult {
                    errors: errors[..n].to_vec(),
                    data: data.clone(),
                };
                let mut ours = Vec::new();
                write_result(&mut ours, &result.errors, result.data.as_ref());
                let theirs = serde_json::to_vec(&result.to_json()).unwrap();
                assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
            }
        }
        let refused = request_error(401, Category::Authentication, "x");
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn write_output_writes_the_bytes_of_its_json() {
        let key = |k: &str| compact_str::CompactString::from(k);
        let leaf = |v: Value| Output::Value(v);
        let outputs = [
            Output::NULL,
            Output::Object(vec![]),
            Output::List(vec![]),
            Output::Object(vec![(
                key("generateCustomerToken"),
                Output::Object(vec![(key("token"), leaf(json!("eyJ0eXAi.eyJ1aWQiOjF9.c2ln-_")))]),
            )]),
            Output::Object(vec![
                (key("z"), leaf(json!(1))),
                (key("a \"quoted\" key with a long name past inline"), Output::NULL),
                (
                    key("list"),
                    Output::List(vec![
                        Output::NULL,
                        leaf(json!({"raw": ["json", 1.5, null]})),
                        Output::Object(vec![(key("é\n"), leaf(json!(true)))]),
                        Output::List(vec![Output::List(vec![])]),
                    ]),
                ),
            ]),
        ];
        for output in outputs {
            let mut ours = Vec::new();
            write_output(&mut ours, &output);
            let json = output.clone().into_json();
            assert_eq!(ours, serde_json::to_vec(&json).unwrap(), "{json}");
        }
    }

    #[test]
    fn write_json_writes_serde_jsons_bytes() {
        let values = [
            json!(null),
            json!({}),
            json!([]),
            json!({"data": {"generateCustomerToken": {"token": "eyJ0eXAiOiJKV1Qi.eyJ1aWQiOjF9.c2ln-_"}}}),
            json!({"errors": [{"message": "Quote \" and backslash \\ and tab \t", "locations": [{"line": 1, "column": 3}],
                "path": ["a", 0, "b"], "extensions": {"category": "graphql-input"}}], "data": null}),
            json!(["\u{0}\u{1f}\u{7f}", "é ✓ 😀", "\u{2028}\u{2029}", "/<script>", "", true, false]),
            json!([0, -1, u64::MAX, i64::MIN, 1.5, -0.0, 1e300, 2.5e-8, 100.0]),
            json!({"z": 1, "a": {"nested": [[], [{}], {"k": "v\n"}]}, "\"key\"": "x"}),
        ];
        for v in values {
            let mut ours = Vec::new();
            write_json(&mut ours, &v);
            assert_eq!(ours, serde_json::to_vec(&v).unwrap(), "{v}");
        }
        // An escape at every position of a string longer than two 16-byte chunks.
        for at in 0..40 {
            for escape in ['"', '\\', '\n', '\u{1}'] {
                let mut text = "é".repeat(20);
                text.insert(text.char_indices().nth(at / 2).map_or(text.len(), |(i, _)| i), escape);
                let v = Value::String(text);
                let mut ours = Vec::new();
                write_json(&mut ours, &v);
                assert_eq!(ours, serde_json::to_vec(&v).unwrap(), "{v}");
            }
        }
        // Every ASCII byte at every position of a string of three 8-byte words.
        for b in 0u8..=127 {
            for at in 0..24 {
                let v = Value::String(format!("{}{}{}", "x".repeat(at), b as char, "é".repeat(12 - at / 2)));
                let mut ours = Vec::new();
                write_json(&mut ours, &v);
                assert_eq!(ours, serde_json::to_vec(&v).unwrap(), "byte {b} at {at}");
            }
        }
        for b in 0u8..=127 {
            let v = Value::String(format!("a{}b", b as char));
            let mut ours = Vec::new();
            write_json(&mut ours, &v);
            assert_eq!(ours, serde_json::to_vec(&v).unwrap(), "byte {b}");
        }
    }
}
