//! Robustness (issue 6): body size limit, slow clients, panics, and garbage input of every kind.
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
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
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
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n",
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
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Ty")
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
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"query\":"
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
