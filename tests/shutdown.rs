//! Ctrl-C and SIGTERM let in-flight requests finish, then the real binary exits 0.
#![cfg(unix)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{client, post_raw};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Hang guard for the exit (the contract: in-flight requests finish, then exit within 5 s).
const EXIT_BOUND: Duration = Duration::from_secs(5);

async fn in_flight_request_finishes_then_exit_0(signal: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_commerce-auth-mock"))
        .args(["serve", "--port", "0"])
        .env_remove("COMMERCE_AUTH_MOCK_PORT")
        .env_remove("COMMERCE_AUTH_MOCK_FIXTURES")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the binary printed nothing")
        .expect("read stdout")
        .expect("a first line");
    // `… serving GraphQL on http://127.0.0.1:PORT/graphql`
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    let base = url.trim_end_matches("/graphql").to_string();

    let fault = json!({"match": {"operation": "storeConfig"}, "kind": "latency", "latency_ms": 1500});
    let r = post_raw(
        &format!("{base}/__mock/faults"),
        &fault.to_string(),
        &[("Content-Type", "application/json")],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let slow = tokio::spawn({
        let url = url.clone();
        async move {
            client()
                .post(&url)
                .header("Content-Type", "application/json")
                .body(r#"{"query":"{ storeConfig { store_code } }"}"#)
                .send()
                .await
        }
    });
    // Ordering only: give the slow request time to reach the server (it then waits 1.5 s).
    tokio::time::sleep(Duration::from_millis(400)).await;
    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());

    let response = slow
        .await
        .expect("join")
        .expect("the in-flight request was answered");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.text().await.expect("body"),
        r#"{"data":{"storeConfig":{"store_code":"default"}}}"#
    );
    let status = tokio::time::timeout(EXIT_BOUND, child.wait())
        .await
        .unwrap_or_else(|_| panic!("still running {EXIT_BOUND:?} after {signal}"))
        .expect("wait");
    assert_eq!(status.code(), Some(0), "{signal}");
    drop(lines);
}

#[tokio::test]
async fn sigterm_lets_the_in_flight_request_finish_then_exits_0() {
    in_flight_request_finishes_then_exit_0("-TERM").await;
}

#[tokio::test]
async fn ctrl_c_lets_the_in_flight_request_finish_then_exits_0() {
    in_flight_request_finishes_then_exit_0("-INT").await;
}
