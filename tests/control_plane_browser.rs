//! A web page on another origin cannot drive or read the control API, proven in a real
//! headless Chromium: the page's auto-submitted HTML form POST to `/__mock/clock` changes
//! nothing, and its `fetch` of `/__mock/outbox` (which holds a live reset token) fails, while the
//! same page can still call the storefront GraphQL (permissive CORS, as a frontend needs).
//!
//! Skips without Chromium unless `REQUIRE_BROWSER_TESTS=1`; see `common/browser.rs`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use browser::{eval, wait_for, Browser};
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{gql, request};
use serde_json::{json, Value};

const DESCRIBE: &str = "return { url: location.href, title: document.title, result: window.result || null };";

/// A page on its own origin (another port), served by a tiny server of the test's.
async fn attacker_site(mock: &str) -> String {
    let form = format!(
        r#"<!doctype html><title>form</title>
<form id="f" method="POST" action="{mock}/__mock/clock" enctype="text/plain">
<input name='{{"action":"advance","seconds":86400,"x":"' value='"}}'>
</form>
<script>document.getElementById('f').submit();</script>"#
    );
    let reader = format!(
        r#"<!doctype html><title>reader</title>
<script>
window.result = null;
Promise.allSettled([
  fetch('{mock}/__mock/outbox').then(r => r.text()),
  fetch('{mock}/__mock/reset', {{method: 'POST', headers: {{'Content-Type': 'application/json'}}, body: '{{}}'}}).then(r => r.text()),
  fetch('{mock}/graphql', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
    body: JSON.stringify({{query: '{{ storeConfig {{ store_code }} }}'}})}}).then(r => r.json()),
]).then(([outbox, reset, graphql]) => {{
  window.result = {{
    outbox: outbox.status === 'fulfilled' ? 'read: ' + outbox.value : 'blocked',
    reset: reset.status === 'fulfilled' ? 'answered: ' + reset.value : 'blocked',
    graphql: graphql.status === 'fulfilled' ? graphql.value : 'blocked',
  }};
}});
</script>"#
    );
    let app = Router::new()
        .route("/form", get(move || async move { Html(form) }))
        .route("/reader", get(move || async move { Html(reader) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_can_neither_drive_nor_read_the_control_api() {
    let Some(browser) = Browser::start("control-plane-browser").await else {
        return;
    };
    let s = TestServer::start(Profile::Saas).await;
    let mock = s.base_url();
    // A live reset token in the outbox: what a reading page would be after.
    gql(
        &s.graphql_url(),
        "mutation { requestPasswordResetEmail(email: \"roni_cost@example.com\") }",
        json!({}),
        &[],
    )
    .await;
    let clock = |r: common::Reply| r.json()["now"].as_i64().unwrap();
    let before = clock(request("GET", &format!("{mock}/__mock/clock"), "", &[]).await);
    let site = attacker_site(&mock).await;

    // The form posts, and the browser follows it to the mock's answer: a 415, nothing moved.
    browser.client.goto(&format!("{site}/form")).await.unwrap();
    wait_for(
        &browser.client,
        "the form's answer from the mock",
        "return location.href.includes('/__mock/clock') && document.body ? document.body.innerText : null;",
        DESCRIBE,
    )
    .await;
    let answer = eval(&browser.client, "return document.body.innerText;").await;
    assert!(
        answer
            .as_str()
            .unwrap()
            .contains("The control API changes state only on requests with Content-Type: application/json"),
        "{answer}"
    );
    let after = clock(request("GET", &format!("{mock}/__mock/clock"), "", &[]).await);
    assert_eq!(after, before, "the form did not move the clock");

    // fetch: the outbox cannot be read, the JSON reset is stopped by its preflight; GraphQL
    // answers (the storefront API is meant for pages on other origins).
    browser.client.goto(&format!("{site}/reader")).await.unwrap();
    let result: Value = wait_for(
        &browser.client,
        "the fetches to settle",
        "return window.result;",
        DESCRIBE,
    )
    .await;
    assert_eq!(result["outbox"], json!("blocked"), "{result}");
    assert_eq!(result["reset"], json!("blocked"), "{result}");
    assert_eq!(
        result["graphql"],
        json!({"data": {"storeConfig": {"store_code": "default"}}}),
        "{result}"
    );
    let outbox = request("GET", &format!("{mock}/__mock/outbox"), "", &[])
        .await
        .json();
    assert_eq!(
        outbox["emails"].as_array().unwrap().len(),
        1,
        "the preflighted reset never ran"
    );
    browser.close().await;
}
