//! Robustness: body size limit, slow clients, panics, and garbage input of every kind.
//! Nothing here sleeps for a timing assertion: timeouts are configured short and the bounds on
//! waits are hang guards only.

mod common;

use std::time::Duration;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::{gql, post_raw, request};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMIT: usize = 1024 * 1024;
/// Upper bound for anything that should happen "soon": a hang guard, not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(10);

fn too_large_graphql() -> String {
    json!({"errors":[{"message":"Request body is too large: the limit is 1048576 bytes.","extensions":{"category":"graphql-input"}}]}).to_string()
}

fn too_large_rest() -> String {
    json!({"message":"Request body is too large: the limit is 1048576 bytes."}).to_string()
}

async fn server_with(config: ServeConfig) -> TestServer {
    TestServer::start_config(config, Fixtures::embedded_default()).await
}

/// Writes `head` (and `body`) on a raw connection, then reads until the server closes it.
/// Returns the raw answer (possibly empty when the server closed without answering).
async fn raw_exchange(server: &TestServer, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the server neither answered nor closed the connection"
    );
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_and_body(raw: &str) -> (u16, &str) {
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {raw:?}"));
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body)
}

/// The routes of every kind: GraphQL (both URL shapes), REST (all prefixes), control, fallback.
const ROUTES: [(&str, bool); 6] = [
    ("/graphql", true),
    ("/default/graphql", true),
    ("/rest/V1/integration/admin/token", false),
    ("/V1/customer/1/otp", false),
    ("/__mock/faults", false),
    ("/no/such/route", false),
];

#[tokio::test]
async fn a_body_declared_over_1_mib_is_refused_with_413_json_on_every_route() {
    let server = TestServer::start(Profile::Saas).await;
    for (path, graphql) in ROUTES {
        // The head alone: the server answers from Content-Length without reading a byte.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            LIMIT + 1
        );
        let raw = raw_exchange(&server, &head, b"").await;
        let (status, body) = status_and_body(&raw);
        assert_eq!(status, 413, "{path}");
        assert!(raw.contains("content-type: application/json"), "{path}: {raw}");
        let expected = if graphql {
            too_large_graphql()
        } else {
            too_large_rest()
        };
        assert_eq!(body, expected, "{path}");
    }
}

#[tokio::test]
async fn a_chunked_body_over_1_mib_is_refused_with_413_json() {
    let server = TestServer::start(Profile::Saas).await;
    for (path, graphql) in [("/graphql", true), ("/rest/V1/integration/admin/token", false)] {
        // One chunk one byte over the limit, and nothing after it, so the server has read every
        // byte sent when it answers (no reset from unread data).
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n",
            LIMIT + 1
        );
        let raw = raw_exchange(&server, &head, &vec![b' '; LIMIT + 1]).await;
        let (status, body) = status_and_body(&raw);
        assert_eq!(status, 413, "{path}");
        let expected = if graphql {
            too_large_graphql()
        } else {
            too_large_rest()
        };
        assert_eq!(body, expected, "{path}");
    }
}

#[tokio::test]
async fn a_body_of_exactly_1_mib_is_read() {
    let server = TestServer::start(Profile::Saas).await;
    let query = r#"{"query":"{ storeConfig { store_code } }"}"#;
    let body = format!("{query}{}", " ".repeat(LIMIT - query.len()));
    let r = post_raw(
        &server.graphql_url(),
        &body,
        &[("Content-Type", "application/json")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"data":{"storeConfig":{"store_code":"default"}}}"#);
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_disconnected() {
    let server = server_with(ServeConfig {
        header_read_timeout: Duration::from_millis(500),
        ..ServeConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
        .await
        .expect("write");
    let mut sink = Vec::new();
    // Ends (EOF or reset) when the server drops the connection; the bound is a hang guard.
    let read = tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut sink)).await;
    assert!(read.is_ok(), "the server kept a stalled connection open");
    // The server is still serving others.
    let r = gql(
        &server.graphql_url(),
        "{ storeConfig { store_code } }",
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_client_that_stalls_in_its_body_gets_408_json() {
    let server = server_with(ServeConfig {
        body_read_timeout: Duration::from_millis(500),
        ..ServeConfig::default()
    })
    .await;
    for (path, expected) in [
        (
            "/graphql",
            json!({"errors":[{"message":"Request body was not received within 500 ms.","extensions":{"category":"graphql-input"}}]}),
        ),
        (
            "/rest/V1/integration/admin/token",
            json!({"message":"Request body was not received within 500 ms."}),
        ),
    ] {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"query\":"
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut answer = Vec::new();
        let read = tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "{path}: the server kept a stalled body open");
        let raw = String::from_utf8_lossy(&answer);
        let (status, body) = status_and_body(&raw);
        assert_eq!(status, 408, "{path}");
        assert_eq!(body, expected.to_string(), "{path}");
    }
}

async fn add_fault(server: &TestServer, fault: serde_json::Value) {
    let r = post_raw(
        &format!("{}/__mock/faults", server.base_url()),
        &fault.to_string(),
        &[("Content-Type", "application/json")],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

#[tokio::test]
async fn a_panic_in_a_handler_is_a_500_json_error_and_the_server_keeps_serving() {
    let server = TestServer::start(Profile::Saas).await;
    add_fault(
        &server,
        json!({"match": {"operation": "storeConfig"}, "kind": "panic", "times": 1}),
    )
    .await;
    add_fault(
        &server,
        json!({"match": {"route": "GET /V1/customers/{id}"}, "kind": "panic", "times": 1}),
    )
    .await;

    let query = "{ storeConfig { store_code } }";
    let r = gql(&server.graphql_url(), query, json!({}), &[]).await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.body,
        r#"{"errors":[{"message":"Internal server error","extensions":{"category":"internal"}}]}"#
    );
    let rest_url = format!("{}/rest/V1/customers/1", server.base_url());
    let r = request("GET", &rest_url, "", &[]).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body, r#"{"message":"Internal server error"}"#);

    // Still serving, and the panicked requests are journaled with their 500.
    let r = gql(&server.graphql_url(), query, json!({}), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"data":{"storeConfig":{"store_code":"default"}}}"#);
    let r = request("GET", &rest_url, "", &[]).await;
    assert_eq!(r.status, 401);
    let journal = request("GET", &format!("{}/__mock/journal", server.base_url()), "", &[]).await;
    let statuses: Vec<u64> = journal.json()["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|e| e["status"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(statuses, [500, 500, 200, 401]);
}

// ----- garbage in, well-formed answers out (property tests) ---------------------------------

mod garbage {
    use std::sync::OnceLock;

    use commerce_auth_mock::http::TestServer;
    use commerce_auth_mock::profile::Profile;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    use serde_json::Value;

    /// Cases per property: enough to find shape bugs, small enough to run in a few seconds
    /// (`ROBUST_CASES=<n>` for a longer hunt).
    fn cases() -> u32 {
        std::env::var("ROBUST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(256)
    }

    /// Servers shared by the properties: `saas`, and `paas-2.4.7` (500 for pre-execution and
    /// syntax errors), each with a live customer token to send as a bearer.
    struct Servers {
        runtime: tokio::runtime::Runtime,
        saas: TestServer,
        paas247: TestServer,
        client: reqwest::Client,
        token: String,
    }

    fn servers() -> &'static Servers {
        static SERVERS: OnceLock<Servers> = OnceLock::new();
        SERVERS.get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            let (saas, paas247) = runtime.block_on(async {
                (
                    TestServer::start(Profile::Saas).await,
                    TestServer::start(Profile::Paas247).await,
                )
            });
            let client = super::common::client();
            let token = runtime.block_on(async {
                let r = super::gql(
                    &saas.graphql_url(),
                    r#"mutation { generateCustomerToken(email: "roni_cost@example.com", password: "Roni-Cost-2024") { token } }"#,
                    serde_json::json!({}),
                    &[],
                )
                .await;
                r.json()["data"]["generateCustomerToken"]["token"]
                    .as_str()
                    .expect("a token")
                    .to_string()
            });
            Servers {
                runtime,
                saas,
                paas247,
                client,
                token,
            }
        })
    }

    /// One garbage request.
    #[derive(Debug, Clone)]
    struct Garbage {
        paas247: bool,
        get: bool,
        path: &'static str,
        content_type: Option<&'static str>,
        /// An index into [`AUTHORIZATIONS`]; `Some(usize::MAX)` sends the live token.
        authorization: Option<usize>,
        /// POST: the body; GET: the `query` parameter.
        payload: Vec<u8>,
        /// GET only: the `variables` parameter.
        variables: Option<String>,
    }

    const GRAPHQL_PATHS: [&str; 2] = ["/graphql", "/tenant-1/graphql"];
    const REST_PATHS: [&str; 6] = [
        "/rest/V1/integration/admin/token",
        "/V1/integration/customer/token",
        "/rest/default/V1/customer/2/otp",
        "/rest/V1/customers/1",
        "/rest/V1/customers/search?searchCriteria[filterGroups][0][filters][0][field]=email",
        "/V1/customers/1/token",
    ];
    const CONTENT_TYPES: [&str; 7] = [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "text/plain",
        "application/graphql",
        "multipart/form-data; boundary=x",
        "",
    ];
    const AUTHORIZATIONS: [&str; 8] = [
        "Bearer abc",
        "Bearer",
        "bearer a.b.c",
        "Bearer  two  spaces",
        "Basic dXNlcjpwYXNz",
        "Bearer eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.eyJ1aWQiOjEsInV0eXBpZCI6M30.x",
        "Bearer admin-static-token",
        "Bearer t\u{e9}l\u{e9}phone", // sent as UTF-8 bytes (obs-text)
    ];

    /// GraphQL-ish tokens: real field and argument names, punctuation, strings with escapes,
    /// numbers, spreads, directives, variables.
    const TOKENS: [&str; 48] = [
        "{",
        "}",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ":",
        "!",
        "=",
        "$",
        "...",
        "@skip(if: true)",
        "@include(if: $v)",
        "@skip",
        "query",
        "mutation",
        "subscription",
        "fragment F on Customer",
        "...F",
        "... on Customer",
        "query Q($v: Boolean!, $e: String)",
        "generateCustomerToken",
        "exchangeOtpForCustomerToken",
        "revokeCustomerToken",
        "customer",
        "storeConfig",
        "isEmailAvailable",
        "createCustomerV2",
        "requestPasswordResetEmail",
        "__schema",
        "__type",
        "__typename",
        "token",
        "email",
        "firstname",
        "result",
        "is_email_available",
        "store_code",
        "email: \"roni_cost@example.com\"",
        "password: \"Roni-Cost-2024\"",
        "password: \"a\\\"b\\\\c\\n\\u00e9\\uD83D\"",
        "otp: $e",
        "input: {firstname: \"A\", email: 1}",
        "1",
        "-2.5e3",
        "\"\"\"block \\\"\"\" string\"\"\"",
    ];

    fn graphqlish() -> impl Strategy<Value = String> {
        let body = prop::collection::vec(prop::sample::select(&TOKENS[..]), 0..40).prop_map(|t| t.join(" "));
        (body, 0usize..3, 0usize..200).prop_map(|(body, wrap, depth)| match wrap {
            0 => body,
            1 => format!("{{ {body} }}"),
            // Deep nesting around the tokens.
            _ => format!("{}{body}{}", "{ customer ".repeat(depth), " }".repeat(depth)),
        })
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".*".prop_map(Value::String),
            graphqlish().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop::sample::select(vec![
                            "query",
                            "variables",
                            "operationName",
                            "email",
                            "username",
                            "password",
                            "reason",
                            "customer",
                            "x"
                        ])
                        .prop_map(String::from),
                        inner
                    ),
                    0..6
                )
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// A GraphQL request body: a JSON object whose `query` is GraphQL-ish.
    fn graphql_body() -> impl Strategy<Value = Vec<u8>> {
        (graphqlish(), prop::option::of(json_value())).prop_map(|(q, vars)| {
            let mut body = serde_json::Map::new();
            body.insert("query".into(), Value::String(q));
            if let Some(v) = vars {
                body.insert("variables".into(), v);
            }
            Value::Object(body).to_string().into_bytes()
        })
    }

    fn garbage(payload: BoxedStrategy<Vec<u8>>, rest_too: bool) -> impl Strategy<Value = Garbage> {
        let paths: Vec<&'static str> = if rest_too {
            GRAPHQL_PATHS.iter().chain(REST_PATHS.iter()).copied().collect()
        } else {
            GRAPHQL_PATHS.to_vec()
        };
        (
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(paths),
            prop::option::of(prop::sample::select(&CONTENT_TYPES[..])),
            prop::option::of(prop_oneof![0..AUTHORIZATIONS.len(), Just(usize::MAX)]),
            payload,
            prop::option::of(prop_oneof![json_value().prop_map(|v| v.to_string()), ".{0,20}"]),
        )
            .prop_map(
                |(paas247, get, path, content_type, authorization, payload, variables)| Garbage {
                    paas247,
                    get,
                    path,
                    content_type,
                    authorization,
                    payload,
                    variables,
                },
            )
    }

    /// Keys of a GraphQL error, in the only order they may appear (spec 4.1).
    const ERROR_KEYS: [&str; 4] = ["message", "locations", "path", "extensions"];

    /// Checks one answer against the spec's shapes; `Err` says what is wrong.
    fn check(g: &Garbage, status: u16, content_type: &str, body: &str) -> Result<(), String> {
        if !content_type.starts_with("application/json") {
            return Err(format!("content type {content_type:?}"));
        }
        let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON ({e})"))?;
        let Value::Object(obj) = &value else {
            if status == 200 && !GRAPHQL_PATHS.contains(&g.path) {
                return Ok(()); // REST success bodies may be strings or arrays (tokens, `true`).
            }
            return Err("not an object".into());
        };
        if GRAPHQL_PATHS.contains(&g.path) {
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            if !matches!(keys.as_slice(), ["errors"] | ["data"] | ["errors", "data"]) {
                return Err(format!("top-level keys {keys:?}"));
            }
            if let Some(errors) = obj.get("errors") {
                let list = errors.as_array().ok_or("errors is not a list")?;
                if list.is_empty() {
                    return Err("errors is empty".into());
                }
                for e in list {
                    let e = e.as_object().ok_or("an error is not an object")?;
                    let keys: Vec<&str> = e.keys().map(String::as_str).collect();
                    let mut expected = ERROR_KEYS.iter().filter(|k| keys.contains(k));
                    if keys.iter().any(|k| !ERROR_KEYS.contains(k))
                        || !keys.iter().all(|k| expected.next() == Some(k))
                    {
                        return Err(format!("error keys {keys:?}"));
                    }
                    if !e.get("message").is_some_and(Value::is_string) {
                        return Err("error without a string message".into());
                    }
                }
            }
            if let Some(data) = obj.get("data") {
                if !(data.is_object() || data.is_null()) {
                    return Err("data is neither an object nor null".into());
                }
            }
            if status >= 500 && !(status == 500 && g.paas247 && !obj.contains_key("data")) {
                return Err(format!("status {status}"));
            }
        } else {
            if status >= 400 && !obj.get("message").is_some_and(Value::is_string) {
                return Err("REST error without a string message".into());
            }
            if status >= 500 {
                return Err(format!("status {status}"));
            }
        }
        Ok(())
    }

    fn send(g: &Garbage) -> Result<(), String> {
        let s = servers();
        let server = if g.paas247 { &s.paas247 } else { &s.saas };
        let url = format!("{}{}", server.base_url(), g.path);
        let mut req = if g.get {
            let mut params = vec![("query", String::from_utf8_lossy(&g.payload).into_owned())];
            if let Some(v) = &g.variables {
                params.push(("variables", v.clone()));
            }
            s.client.get(&url).query(&params)
        } else {
            s.client.post(&url).body(g.payload.clone())
        };
        if let Some(ct) = g.content_type {
            req = req.header("Content-Type", ct);
        }
        match g.authorization {
            Some(usize::MAX) => req = req.header("Authorization", format!("Bearer {}", s.token)),
            Some(i) => {
                let value = reqwest::header::HeaderValue::from_bytes(AUTHORIZATIONS[i].as_bytes())
                    .expect("header bytes");
                req = req.header("Authorization", value);
            }
            None => {}
        }
        s.runtime.block_on(async {
            let resp = req.send().await.map_err(|e| format!("no answer: {e}"))?;
            let status = resp.status().as_u16();
            let ct = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let body = resp.text().await.map_err(|e| format!("body: {e}"))?;
            check(g, status, &ct, &body).map_err(|e| format!("{e}: {status} {body}"))
        })
    }

    /// Runs [`cases`] cases from a seed that is printed on failure; `ROBUST_SEED=<n>` replays one.
    fn run(strategy: impl Strategy<Value = Garbage>) {
        let seed = std::env::var("ROBUST_SEED")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or_else(rand::random);
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(seed),
            ..Config::default()
        });
        let result = runner.run(&strategy, |g| {
            send(&g).map_err(TestCaseError::fail)?;
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}\n(replay with ROBUST_SEED={seed})");
        }
    }

    #[test]
    fn arbitrary_bytes_get_well_formed_answers() {
        run(garbage(prop::collection::vec(any::<u8>(), 0..256).boxed(), true));
    }

    #[test]
    fn arbitrary_json_gets_well_formed_answers() {
        run(garbage(
            json_value().prop_map(|v| v.to_string().into_bytes()).boxed(),
            true,
        ));
    }

    #[test]
    fn graphql_ish_documents_get_well_formed_answers() {
        run(garbage(graphql_body().boxed(), false));
    }
}
