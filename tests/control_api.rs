//! The `/__mock` control API of spec section 7 over real HTTP, with the exact shapes the
//! conformance runner reads: health, clock, outbox, reset, journal, the control token and
//! `--no-control`.

mod common;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::{gql, request, Reply};
use serde_json::{json, Value};

const T0: i64 = 1_767_225_600;
const JSON: (&str, &str) = ("Content-Type", "application/json");
const SIGN_IN: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";
const REQUEST_RESET: &str = "mutation($e: String!) { requestPasswordResetEmail(email: $e) }";
const RESET: &str = "mutation($e: String!, $t: String!, $p: String!) { resetPassword(email: $e, resetPasswordToken: $t, newPassword: $p) }";

async fn control(s: &TestServer, method: &str, path: &str, body: &str) -> Reply {
    request(method, &format!("{}/__mock{path}", s.base_url()), body, &[JSON]).await
}

async fn clock(s: &TestServer, body: Value) -> Reply {
    control(s, "POST", "/clock", &body.to_string()).await
}

async fn start_with(config: ServeConfig) -> TestServer {
    TestServer::start_config(config, Fixtures::embedded_default()).await
}

#[tokio::test]
async fn health_names_the_mock_its_version_profile_clock_and_capabilities() {
    for profile in Profile::ALL {
        let s = TestServer::start(profile).await;
        let r = control(&s, "GET", "/health", "").await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body,
            json!({
                "status": "ok",
                "mock": "commerce-auth-mock",
                "version": env!("CARGO_PKG_VERSION"),
                "profile": profile.name(),
                "clock": {"now": T0, "virtual": true, "frozen": true},
                "capabilities": ["clock", "outbox", "journal", "reset", "customers", "settings", "faults", "sandboxes", "ui"],
                "sandbox": null,
                "fixtures": {"path": null, "loaded_at": T0, "error": null}
            })
            .to_string()
        );
        assert_eq!(r.headers["content-type"], "application/json");
    }
}

#[tokio::test]
async fn clock_can_be_read_frozen_advanced_set_resumed_and_made_real() {
    let s = TestServer::start(Profile::Saas).await;
    let frozen = |now: i64| json!({"now": now, "virtual": true, "frozen": true}).to_string();
    assert_eq!(control(&s, "GET", "/clock", "").await.body, frozen(T0));
    let r = clock(&s, json!({"action": "advance", "seconds": 31})).await;
    assert_eq!((r.status, r.body), (200, frozen(T0 + 31)));
    let r = clock(&s, json!({"action": "advance", "seconds": -1})).await;
    assert_eq!(r.body, frozen(T0 + 30));
    let r = clock(&s, json!({"action": "set", "now": 2_000_000_000})).await;
    assert_eq!(r.body, frozen(2_000_000_000));
    let r = clock(&s, json!({"action": "freeze"})).await;
    assert_eq!(r.body, frozen(2_000_000_000));
    let r = clock(&s, json!({"action": "resume"})).await.json();
    assert_eq!(
        (r["virtual"].clone(), r["frozen"].clone()),
        (json!(true), json!(false))
    );
    assert!((2_000_000_000..2_000_000_010).contains(&r["now"].as_i64().unwrap()));
    let r = clock(&s, json!({"action": "real"})).await.json();
    assert_eq!(
        (r["virtual"].clone(), r["frozen"].clone()),
        (json!(false), json!(false))
    );
    let system = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((r["now"].as_i64().unwrap() - system).abs() <= 2);
    // The real clock can be frozen again (what the runner does first).
    let r = clock(&s, json!({"action": "freeze"})).await.json();
    assert_eq!(r["frozen"], json!(true));
    assert_eq!(s.domain.clock().now(), r["now"].as_i64().unwrap());
}

#[tokio::test]
async fn clock_refuses_a_bad_body_saying_what_it_accepts() {
    let s = TestServer::start(Profile::Saas).await;
    let usage = json!({"message": "Send JSON {\"action\":\"freeze\"}, {\"action\":\"advance\",\"seconds\":<integer>}, \
        {\"action\":\"set\",\"now\":<unix seconds>}, {\"action\":\"resume\"} or {\"action\":\"real\"}."})
    .to_string();
    for body in [
        "",
        "not json",
        r#"{"action":"rewind"}"#,
        r#"{"action":"advance"}"#,
        r#"{"action":"advance","seconds":"31"}"#,
        r#"{"action":"set","now":1.5}"#,
        r#"{"seconds":31}"#,
    ] {
        let r = control(&s, "POST", "/clock", body).await;
        assert_eq!((r.status, r.body.clone()), (400, usage.clone()), "{body}");
    }
    assert_eq!(s.domain.clock().now(), T0, "nothing moved");
}

#[tokio::test]
async fn moving_the_clock_expires_customer_tokens() {
    let s = TestServer::start(Profile::Saas).await;
    let r = gql(
        &s.graphql_url(),
        SIGN_IN,
        json!({"email": "bobloblaw@example.com", "password": "b0bl0bl@w"}),
        &[],
    )
    .await;
    let token = r.json()["data"]["generateCustomerToken"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    clock(&s, json!({"action": "advance", "seconds": 3600})).await;
    let me = gql(
        &s.graphql_url(),
        "{ customer { email } }",
        json!({}),
        &[("Authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(me.status, 401);
    assert_eq!(
        me.json()["errors"][0]["message"],
        json!("Consumer key has expired")
    );
}

#[tokio::test]
async fn outbox_lists_reset_and_confirmation_emails_filterable_by_recipient() {
    let s = TestServer::start(Profile::Saas).await;
    assert_eq!(control(&s, "GET", "/outbox", "").await.body, r#"{"emails":[]}"#);
    let r = gql(
        &s.graphql_url(),
        REQUEST_RESET,
        json!({"e": "roni_cost@example.com"}),
        &[],
    )
    .await;
    assert_eq!(r.body, r#"{"data":{"requestPasswordResetEmail":true}}"#);
    clock(&s, json!({"action": "advance", "seconds": 5})).await;
    gql(
        &s.graphql_url(),
        "mutation($e: String!) { resendConfirmationEmail(email: $e) }",
        json!({"e": "unconfirmed@example.com"}),
        &[],
    )
    .await;
    let all = control(&s, "GET", "/outbox", "").await.json();
    let emails = all["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2);
    let reset = &emails[0];
    let token = reset["token"].as_str().unwrap();
    assert_eq!(token.len(), 32);
    let keys: Vec<&str> = reset.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["id", "to", "kind", "subject", "body", "link", "token", "sent_at"]
    );
    assert_eq!(reset["id"], json!(1));
    assert_eq!(reset["to"], json!("roni_cost@example.com"));
    assert_eq!(reset["kind"], json!("reset_password"));
    assert_eq!(reset["sent_at"], json!(T0));
    assert!(reset["link"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/customer/account/createPassword/?token={token}")));
    assert!(reset["body"]
        .as_str()
        .unwrap()
        .contains(reset["link"].as_str().unwrap()));
    let confirmation = &emails[1];
    assert_eq!(confirmation["id"], json!(2));
    assert_eq!(confirmation["kind"], json!("confirmation"));
    assert_eq!(confirmation["token"], json!("0123456789abcdef0123456789abcdef"));
    assert_eq!(confirmation["sent_at"], json!(T0 + 5));

    let only = control(&s, "GET", "/outbox?to=RONI_COST%40Example.com", "")
        .await
        .json();
    assert_eq!(only["emails"], json!([reset]));
    let none = control(&s, "GET", "/outbox?to=nobody%40example.com", "").await;
    assert_eq!(none.body, r#"{"emails":[]}"#);

    let r = control(&s, "DELETE", "/outbox", "").await;
    assert_eq!((r.status, r.body), (200, r#"{"emails":[]}"#.to_string()));
    assert_eq!(control(&s, "GET", "/outbox", "").await.body, r#"{"emails":[]}"#);
    // The token of a cleared email still works: clearing the outbox is not a reset.
    let r = gql(
        &s.graphql_url(),
        RESET,
        json!({"e": "roni_cost@example.com", "t": token, "p": "New-Passw0rd-1"}),
        &[],
    )
    .await;
    assert_eq!(r.body, r#"{"data":{"resetPassword":true}}"#);
}

#[tokio::test]
async fn an_expired_reset_token_stays_expired_after_the_purge() {
    let s = TestServer::start(Profile::Saas).await;
    gql(
        &s.graphql_url(),
        REQUEST_RESET,
        json!({"e": "roni_cost@example.com"}),
        &[],
    )
    .await;
    let token = control(&s, "GET", "/outbox", "").await.json()["emails"][0]["token"].clone();
    clock(&s, json!({"action": "advance", "seconds": 7200})).await;
    s.domain.purge_expired();
    let r = gql(
        &s.graphql_url(),
        RESET,
        json!({"e": "roni_cost@example.com", "t": token, "p": "New-Passw0rd-1"}),
        &[],
    )
    .await;
    assert_eq!(
        r.json()["errors"][0]["message"],
        json!("The password token is expired. Reset and try again.")
    );
}

/// Everything observable about the customers, through the admin REST API.
async fn all_customers(s: &TestServer) -> String {
    let url = format!(
        "{}/rest/V1/customers/search?searchCriteria[pageSize]=100",
        s.base_url()
    );
    let r = request("GET", &url, "", &[("Authorization", "Bearer mock-admin-token")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

#[tokio::test]
async fn reset_restores_the_fixtures_exactly() {
    let s = TestServer::start(Profile::Saas).await;
    let before = all_customers(&s).await;
    let url = s.graphql_url();
    let r = gql(
        &url,
        SIGN_IN,
        json!({"email": "assisted@example.com", "password": "Assisted-2024"}),
        &[],
    )
    .await;
    let token = r.json()["data"]["generateCustomerToken"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let bearer = format!("Bearer {token}");
    // Change everything a run can change.
    gql(
        &url,
        "mutation { revokeCustomerToken { result } }",
        json!({}),
        &[("Authorization", &bearer)],
    )
    .await;
    for _ in 0..6 {
        gql(
            &url,
            SIGN_IN,
            json!({"email": "bobloblaw@example.com", "password": "wrong"}),
            &[],
        )
        .await;
    }
    gql(&url, REQUEST_RESET, json!({"e": "roni_cost@example.com"}), &[]).await;
    let admin = [("Authorization", "Bearer mock-admin-token"), JSON];
    let base = s.base_url();
    request("DELETE", &format!("{base}/rest/V1/customers/5"), "", &admin).await;
    request(
        "PUT",
        &format!("{base}/rest/V1/customers/1"),
        r#"{"customer":{"firstname":"Changed","extension_attributes":{"assistance_allowed":2}}}"#,
        &admin,
    )
    .await;
    let otp = request("POST", &format!("{base}/rest/V1/customer/2/otp"), "{}", &admin)
        .await
        .json()["otp"]
        .clone();
    gql(
        &url,
        "mutation { createCustomerV2(input: {firstname: \"N\", lastname: \"N\", email: \"new@example.com\"}) { customer { email } } }",
        json!({}),
        &[],
    )
    .await;
    assert_ne!(all_customers(&s).await, before);
    assert!(!control(&s, "GET", "/journal", "").await.json()["requests"]
        .as_array()
        .unwrap()
        .is_empty());

    let r = control(&s, "POST", "/reset", "").await;
    assert_eq!((r.status, r.body), (200, r#"{"reset":true}"#.to_string()));

    assert_eq!(all_customers(&s).await, before, "customers as in the fixtures");
    assert_eq!(control(&s, "GET", "/outbox", "").await.body, r#"{"emails":[]}"#);
    let journal = control(&s, "GET", "/journal", "").await.json();
    assert_eq!(
        journal["requests"].as_array().unwrap().len(),
        1,
        "only the search since the reset"
    );
    // Revocations are forgotten: the revoked token reads the customer again.
    let me = gql(
        &url,
        "{ customer { email } }",
        json!({}),
        &[("Authorization", &bearer)],
    )
    .await;
    assert_eq!(
        me.body,
        r#"{"data":{"customer":{"email":"assisted@example.com"}}}"#
    );
    // The throttle is forgotten.
    let r = gql(
        &url,
        SIGN_IN,
        json!({"email": "bobloblaw@example.com", "password": "b0bl0bl@w"}),
        &[],
    )
    .await;
    assert!(
        r.json()["data"]["generateCustomerToken"]["token"].is_string(),
        "{}",
        r.body
    );
    // Secrets are forgotten: the OTC issued before the reset is refused.
    let r = gql(
        &url,
        SIGN_IN,
        json!({"email": "assisted@example.com", "password": otp}),
        &[],
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.body);
    // The clock is not part of the fixtures: it stays where it was.
    assert_eq!(control(&s, "GET", "/clock", "").await.json()["now"], json!(T0));
}

#[tokio::test]
async fn journal_records_graphql_and_rest_requests_but_not_the_control_api() {
    let s = TestServer::start(Profile::Saas).await;
    clock(&s, json!({"action": "advance", "seconds": 10})).await;
    gql(
        &s.graphql_url(),
        SIGN_IN,
        json!({"email": "bobloblaw@example.com", "password": "b0bl0bl@w"}),
        &[],
    )
    .await;
    gql(&s.graphql_url(), "{ storeConfig { store_code } }", json!({}), &[]).await;
    request(
        "GET",
        &format!("{}/tenant-1/graphql?query=%7B", s.base_url()),
        "",
        &[],
    )
    .await;
    request("GET", &format!("{}/rest/V1/customers/1", s.base_url()), "", &[]).await;
    control(&s, "GET", "/health", "").await;
    let r = control(&s, "GET", "/journal", "").await;
    assert_eq!(r.status, 200);
    let mut requests = r.json()["requests"].as_array().unwrap().clone();
    // The request under a tenant prefix went to that sandbox, with its own journal.
    assert_eq!(requests.len(), 3, "{}", r.body);
    for entry in &mut requests {
        let keys: Vec<String> = entry.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            ["at", "method", "path", "operation", "status", "duration_ms"]
        );
        let ms = entry["duration_ms"].as_f64().expect("duration_ms is a number");
        assert!((0.0..5000.0).contains(&ms));
        entry["duration_ms"] = json!(0);
    }
    assert_eq!(
        Value::Array(requests),
        json!([
            {"at": T0 + 10, "method": "POST", "path": "/graphql", "operation": "generateCustomerToken", "status": 200, "duration_ms": 0},
            {"at": T0 + 10, "method": "POST", "path": "/graphql", "operation": "storeConfig", "status": 200, "duration_ms": 0},
            {"at": T0 + 10, "method": "GET", "path": "/rest/V1/customers/1", "operation": null, "status": 401, "duration_ms": 0}
        ])
    );
    let tenant = request(
        "GET",
        &format!("{}/tenant-1/__mock/journal", s.base_url()),
        "",
        &[],
    )
    .await;
    let mut tenant_requests = tenant.json()["requests"].as_array().unwrap().clone();
    tenant_requests[0]["duration_ms"] = json!(0);
    assert_eq!(
        Value::Array(tenant_requests),
        json!([{"at": T0, "method": "GET", "path": "/tenant-1/graphql", "operation": null, "status": 400, "duration_ms": 0}]),
        "the sandbox's own clock has not moved"
    );
    let last = control(&s, "GET", "/journal?limit=1", "").await.json();
    assert_eq!(last["requests"].as_array().unwrap().len(), 1);
    assert_eq!(last["requests"][0]["path"], json!("/rest/V1/customers/1"));
    let r = control(&s, "GET", "/journal?limit=ten", "").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        r#"{"message":"limit must be a non-negative integer, for example /__mock/journal?limit=20."}"#
    );
    let r = control(&s, "DELETE", "/journal", "").await;
    assert_eq!((r.status, r.body), (200, r#"{"requests":[]}"#.to_string()));
    assert_eq!(
        control(&s, "GET", "/journal", "").await.body,
        r#"{"requests":[]}"#
    );
}

#[tokio::test]
async fn control_token_guards_every_control_route() {
    let s = start_with(ServeConfig {
        control_token: Some("s3cret".into()),
        ..ServeConfig::default()
    })
    .await;
    let refused = r#"{"message":"The control API needs the header Authorization: Bearer <token>, with the token given to serve --control-token."}"#;
    for (method, path) in [
        ("GET", "/health"),
        ("GET", "/clock"),
        ("POST", "/reset"),
        ("GET", "/outbox"),
        ("DELETE", "/journal"),
        ("GET", "/nothing"),
    ] {
        for auth in [
            None,
            Some("Bearer wrong"),
            Some("s3cret"),
            Some("Bearer s3cret extra"),
        ] {
            let url = format!("{}/__mock{path}", s.base_url());
            let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", *a)).collect();
            let r = request(method, &url, "", &headers).await;
            assert_eq!(
                (r.status, r.body.as_str()),
                (401, refused),
                "{method} {path} {auth:?}"
            );
            assert_eq!(r.headers["content-type"], "application/json");
        }
    }
    let r = request(
        "GET",
        &format!("{}/__mock/health", s.base_url()),
        "",
        &[("Authorization", "Bearer s3cret")],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = request(
        "POST",
        &format!("{}/__mock/reset", s.base_url()),
        "{}",
        &[
            ("Authorization", "bearer s3cret"),
            ("Content-Type", "application/json"),
        ],
    )
    .await;
    assert_eq!(r.body, r#"{"reset":true}"#);
    // The storefront API is not guarded.
    let r = gql(&s.graphql_url(), "{ storeConfig { store_code } }", json!({}), &[]).await;
    assert_eq!(r.body, r#"{"data":{"storeConfig":{"store_code":"default"}}}"#);
}

#[tokio::test]
async fn no_control_removes_the_control_api() {
    let s = start_with(ServeConfig {
        no_control: true,
        ..ServeConfig::default()
    })
    .await;
    for path in ["/__mock/health", "/__mock/reset", "/__mock"] {
        let r = request("GET", &format!("{}{path}", s.base_url()), "", &[]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.body, r#"{"message":"Request does not match any route."}"#);
    }
    let r = gql(&s.graphql_url(), "{ storeConfig { store_code } }", json!({}), &[]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn unknown_control_routes_say_what_exists() {
    let s = TestServer::start(Profile::Saas).await;
    let r = control(&s, "GET", "/nothing", "").await;
    assert_eq!(r.status, 404);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("GET /__mock/health"),
        "{}",
        r.body
    );
}
