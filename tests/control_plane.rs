//! The control plane only its owner can drive, over real HTTP: the Host header must name the
//! mock (DNS rebinding), state changes must be JSON (HTML forms, CORS "simple" requests), and
//! an open bind is a decision (the real binary refuses an unguarded control API on 0.0.0.0).

mod common;

use std::process::Command;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::{gql, request};
use serde_json::json;

const JSON: (&str, &str) = ("Content-Type", "application/json");

fn clock_now(r: &common::Reply) -> i64 {
    r.json()["now"].as_i64().unwrap()
}

#[tokio::test]
async fn a_host_that_is_not_the_mock_is_refused_on_every_route() {
    let s = TestServer::start(Profile::Saas).await;
    let evil = ("Host", "attacker.example");
    let r = request(
        "POST",
        &format!("{}/__mock/reset", s.base_url()),
        "{}",
        &[JSON, evil],
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            421,
            r#"{"message":"This mock does not serve the host `attacker.example` (the Host header): only IP addresses, localhost and the names given with --public-url or --allowed-host attacker.example."}"#
        )
    );
    let r = gql(
        &s.graphql_url(),
        "{ storeConfig { store_code } }",
        json!({}),
        &[evil],
    )
    .await;
    assert_eq!(r.status, 421);
    assert_eq!(
        r.json()["errors"][0]["extensions"]["category"],
        json!("graphql-input"),
        "GraphQL refusals keep GraphQL's shape"
    );
    let r = request(
        "GET",
        &format!("{}/rest/V1/customers/1", s.base_url()),
        "",
        &[evil],
    )
    .await;
    assert_eq!(r.status, 421);
    let r = request(
        "GET",
        &format!("{}/__mock/outbox", s.base_url()),
        "",
        &[("Host", "attacker.example:4000")],
    )
    .await;
    assert_eq!(r.status, 421, "a port does not help");
    // What a browser sends for the mock itself.
    for host in [
        "127.0.0.1:4000",
        "localhost:4000",
        "LOCALHOST",
        "app.localhost:5173",
        "[::1]:4000",
        "10.0.0.7",
    ] {
        let r = request(
            "GET",
            &format!("{}/__mock/health", s.base_url()),
            "",
            &[("Host", host)],
        )
        .await;
        assert_eq!(r.status, 200, "{host}");
    }
}

#[tokio::test]
async fn allowed_hosts_and_the_public_url_host_are_served() {
    let config = ServeConfig {
        allowed_hosts: vec!["mock.internal".into(), ".ci.example".into()],
        public_url: Some("https://auth-mock.example.com".into()),
        ..ServeConfig::default()
    };
    let s = TestServer::start_config(config, Fixtures::embedded_default()).await;
    for (host, status) in [
        ("mock.internal", 200),
        ("MOCK.internal:8080", 200),
        ("ci.example", 200),
        ("job-7.ci.example", 200),
        ("auth-mock.example.com", 200),
        ("other.internal", 421),
        ("evilci.example", 421),
    ] {
        let r = request(
            "GET",
            &format!("{}/__mock/health", s.base_url()),
            "",
            &[("Host", host)],
        )
        .await;
        assert_eq!(r.status, status, "{host}");
    }
}

#[tokio::test]
async fn state_changes_that_are_not_json_are_refused_and_change_nothing() {
    let s = TestServer::start(Profile::Saas).await;
    let base = s.base_url();
    let before = clock_now(&request("GET", &format!("{base}/__mock/clock"), "", &[]).await);
    // What an HTML form or a CORS "simple" request can send.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = request(
            "POST",
            &format!("{base}/__mock/clock"),
            r#"{"action":"advance","seconds":86400}"#,
            &[("Content-Type", content_type)],
        )
        .await;
        assert_eq!(r.status, 415, "{content_type}");
        assert_eq!(
            r.body,
            r#"{"message":"The control API changes state only on requests with Content-Type: application/json (so that no web page can drive it): send this POST with that header and a JSON body (`{}` when there is nothing to say)."}"#
        );
    }
    for (method, path) in [
        ("POST", "/reset"),
        ("DELETE", "/outbox"),
        ("POST", "/faults"),
        ("PATCH", "/settings"),
        ("POST", "/customers/1"),
    ] {
        let r = request(method, &format!("{base}/__mock{path}"), "", &[]).await;
        assert_eq!(r.status, 415, "{method} {path} without a content type");
    }
    let after = clock_now(&request("GET", &format!("{base}/__mock/clock"), "", &[]).await);
    assert_eq!(after, before, "the clock did not move");
    assert_eq!(
        request("GET", &format!("{base}/__mock/faults"), "", &[])
            .await
            .body,
        r#"{"faults":[]}"#
    );
    // JSON with a charset is JSON; reads need nothing.
    let r = request(
        "POST",
        &format!("{base}/__mock/clock"),
        r#"{"action":"advance","seconds":1}"#,
        &[("Content-Type", "application/json; charset=utf-8")],
    )
    .await;
    assert_eq!((r.status, clock_now(&r)), (200, before + 1));
}

#[test]
fn an_unguarded_control_api_on_an_open_address_refuses_to_start() {
    // Nothing binds: the refusal comes before the socket.
    let out = Command::new(env!("CARGO_BIN_EXE_commerce-auth-mock"))
        .args(["serve", "--host", "0.0.0.0", "--port", "0"])
        .env_remove("COMMERCE_AUTH_MOCK_CONTROL_TOKEN")
        .env_remove("COMMERCE_AUTH_MOCK_NO_CONTROL")
        .env_remove("COMMERCE_AUTH_MOCK_DANGEROUSLY_ALLOW_OPEN_CONTROL")
        .output()
        .expect("run commerce-auth-mock");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: refusing to serve an unguarded control API on 0.0.0.0:0, which other machines can reach"
        ),
        "{stderr}"
    );
    for remedy in [
        "--control-token TOKEN",
        "--no-control",
        "--dangerously-allow-open-control",
    ] {
        assert!(stderr.contains(remedy), "names {remedy}: {stderr}");
    }
}
