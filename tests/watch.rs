//! `serve --watch`: a saved fixtures file replaces the state; a broken one keeps the last good
//! state serving and shows the problem in `GET /__mock/health`. Waits poll with a deadline.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use commerce_auth_mock::domain::fixtures::DEFAULT_FIXTURES_JSON;
use commerce_auth_mock::http::watch::load_fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use common::{gql, request};
use serde_json::{json, Value};

const SIGN_IN: &str =
    "mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }";

/// A fixtures file in a fresh temporary directory, removed on drop.
struct TempFixtures {
    dir: PathBuf,
    path: PathBuf,
}

impl TempFixtures {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("cam-watch-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fixtures.json");
        std::fs::write(&path, text).unwrap();
        TempFixtures { dir, path }
    }

    fn write(&self, text: &str) {
        std::fs::write(&self.path, text).unwrap();
    }
}

impl Drop for TempFixtures {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The default fixtures with one more customer.
fn with_customer(email: &str, password: &str) -> String {
    let mut v: Value = serde_json::from_str(DEFAULT_FIXTURES_JSON).unwrap();
    v["customers"].as_array_mut().unwrap().push(json!({
        "id": 99, "email": email, "password": password, "firstname": "New", "lastname": "Comer"
    }));
    serde_json::to_string_pretty(&v).unwrap()
}

async fn watching(file: &TempFixtures) -> TestServer {
    let config = ServeConfig {
        fixtures: Some(file.path.clone()),
        watch: true,
        ..ServeConfig::default()
    };
    TestServer::start_config(config, load_fixtures(&file.path).unwrap()).await
}

async fn sign_in_status(s: &TestServer, email: &str, password: &str) -> u16 {
    gql(&s.graphql_url(), SIGN_IN, json!({"e": email, "p": password}), &[])
        .await
        .status
}

async fn health_fixtures(s: &TestServer) -> Value {
    let r = request("GET", &format!("{}/__mock/health", s.base_url()), "", &[]).await;
    r.json()["fixtures"].clone()
}

/// Polls `check` every 50 ms until it holds, failing after 10 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_saved_fixtures_file_replaces_the_state() {
    let file = TempFixtures::new("good", DEFAULT_FIXTURES_JSON);
    let s = watching(&file).await;
    assert_eq!(
        health_fixtures(&s).await,
        json!({"path": file.path.display().to_string(), "loaded_at": 1_767_225_600, "error": null})
    );
    assert_eq!(sign_in_status(&s, "new@example.com", "New-Comer-2024").await, 401);

    file.write(&with_customer("new@example.com", "New-Comer-2024"));
    eventually("the new customer can sign in", || async {
        sign_in_status(&s, "new@example.com", "New-Comer-2024").await == 200
    })
    .await;
    assert_eq!(health_fixtures(&s).await["error"], Value::Null);
    // The default accounts are still there.
    assert_eq!(
        sign_in_status(&s, "roni_cost@example.com", "Roni-Cost-2024").await,
        200
    );
}

#[tokio::test]
async fn a_broken_file_keeps_the_last_good_state_and_shows_the_error_in_health() {
    let file = TempFixtures::new("broken", &with_customer("kept@example.com", "Kept-Pass-2024"));
    let s = watching(&file).await;
    assert_eq!(
        sign_in_status(&s, "kept@example.com", "Kept-Pass-2024").await,
        200
    );

    file.write(r#"{"customers": [{"id": 1, "email": "nope", "firstname": "A", "lastname": "B"}]}"#);
    let expected = format!(
        "fixture file {}: at customers[0].email: \"nope\" is not a valid email address",
        file.path.display()
    );
    eventually("health shows the error", || async {
        health_fixtures(&s).await["error"] == json!(expected)
    })
    .await;
    assert_eq!(
        sign_in_status(&s, "kept@example.com", "Kept-Pass-2024").await,
        200
    );

    // Fixing the file clears the error and loads it.
    file.write(&with_customer("fixed@example.com", "Fixed-Pass-2024"));
    eventually("the error clears", || async {
        health_fixtures(&s).await["error"].is_null()
    })
    .await;
    assert_eq!(
        sign_in_status(&s, "fixed@example.com", "Fixed-Pass-2024").await,
        200
    );
    assert_eq!(
        sign_in_status(&s, "kept@example.com", "Kept-Pass-2024").await,
        401
    );
}

#[tokio::test]
async fn a_reload_brings_the_files_faults() {
    let file = TempFixtures::new("faults", DEFAULT_FIXTURES_JSON);
    let s = watching(&file).await;
    let mut v: Value = serde_json::from_str(DEFAULT_FIXTURES_JSON).unwrap();
    v["faults"] =
        json!([{"match": {"operation": "generateCustomerToken"}, "kind": "http_error", "status": 503}]);
    file.write(&v.to_string());
    eventually("the fixture fault answers", || async {
        sign_in_status(&s, "roni_cost@example.com", "Roni-Cost-2024").await == 503
    })
    .await;
}

#[test]
fn watch_without_fixtures_is_a_cli_error_that_says_what_to_pass() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_commerce-auth-mock"))
        .args(["serve", "--watch", "--port", "0"])
        .env_remove("COMMERCE_AUTH_MOCK_FIXTURES")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: --watch needs a fixtures file to watch: pass --fixtures FILE"),
        "{stderr}"
    );
}
