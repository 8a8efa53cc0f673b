//! Seeding and configuring a running mock, over real HTTP with exact bodies:
//! `POST/PATCH/DELETE /__mock/customers`, `GET/PATCH /__mock/settings`, fixture files that
//! layer over the embedded defaults, and sign-up then sign-in on the default settings.

mod common;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{gql, request, Reply};
use serde_json::{json, Value};

const JSON: (&str, &str) = ("Content-Type", "application/json");
const SIGN_IN: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";
const CREATE: &str = "mutation($i: CustomerCreateInput!) { createCustomerV2(input: $i) { customer { email confirmation_status } } }";
const NOT_CONFIRMED: &str = "This account isn't confirmed. Verify and try again.";
const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";

async fn control(s: &TestServer, method: &str, path: &str, body: Value) -> Reply {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    request(method, &format!("{}/__mock{path}", s.base_url()), &body, &[JSON]).await
}

async fn sign_in(s: &TestServer, email: &str, password: &str) -> Reply {
    gql(
        &s.graphql_url(),
        SIGN_IN,
        json!({"email": email, "password": password}),
        &[],
    )
    .await
}

fn message(r: &Reply) -> Value {
    r.json()["errors"][0]["message"].clone()
}

#[tokio::test]
async fn sign_up_then_sign_in_works_on_the_default_fixtures_in_every_profile() {
    for profile in Profile::ALL {
        let s = TestServer::start(profile).await;
        let input = json!({"firstname": "Fresh", "lastname": "Shopper", "email": "fresh@example.com", "password": "Fresh-Pass-2024"});
        let r = gql(&s.graphql_url(), CREATE, json!({ "i": input }), &[]).await;
        assert_eq!(
            r.body,
            r#"{"data":{"createCustomerV2":{"customer":{"email":"fresh@example.com","confirmation_status":"ACCOUNT_CONFIRMATION_NOT_REQUIRED"}}}}"#,
            "{profile}"
        );
        let r = sign_in(&s, "fresh@example.com", "Fresh-Pass-2024").await;
        assert_eq!(r.status, 200, "{profile}: {}", r.body);
        assert!(r.json()["data"]["generateCustomerToken"]["token"].is_string());
        assert!(
            s.domain.outbox_for("fresh@example.com").is_empty(),
            "no confirmation email"
        );
    }
}

#[tokio::test]
async fn settings_change_at_run_time_and_reset_restores_the_fixture_values() {
    let s = TestServer::start(Profile::Saas).await;
    let r = control(&s, "GET", "/settings", Value::Null).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["settings"]["confirmation_required"], json!(false));
    assert_eq!(r.json()["settings"]["otc_ttl_seconds"], json!(30));

    let r = control(&s, "PATCH", "/settings", json!({"confirmation_required": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["settings"]["confirmation_required"], json!(true));
    assert_eq!(
        r.json()["settings"]["otc_ttl_seconds"],
        json!(30),
        "the others stay"
    );
    assert_eq!(
        r.json()["fixture_settings"]["confirmation_required"],
        json!(false),
        "the fixtures' value, which a reset brings back"
    );
    let r = control(&s, "GET", "/settings", Value::Null).await;
    assert_eq!(r.json()["settings"]["confirmation_required"], json!(true));
    assert_eq!(
        r.json()["fixture_settings"]["confirmation_required"],
        json!(false)
    );
    // The unconfirmed fixture account now answers as on a store that requires confirmation.
    let r = sign_in(&s, "unconfirmed@example.com", "Unconfirmed-2024").await;
    assert_eq!((r.status, message(&r)), (401, json!(NOT_CONFIRMED)));
    let sc = gql(
        &s.graphql_url(),
        "{ storeConfig { create_account_confirmation } }",
        json!({}),
        &[],
    )
    .await;
    assert_eq!(
        sc.body,
        r#"{"data":{"storeConfig":{"create_account_confirmation":true}}}"#
    );

    let r = control(&s, "POST", "/reset", Value::Null).await;
    assert_eq!(r.status, 200);
    let r = sign_in(&s, "unconfirmed@example.com", "Unconfirmed-2024").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = control(&s, "GET", "/settings", Value::Null).await;
    assert_eq!(r.json()["settings"]["confirmation_required"], json!(false));
}

#[tokio::test]
async fn bad_settings_are_refused_with_every_problem_and_nothing_changes() {
    let s = TestServer::start(Profile::Saas).await;
    let r = control(
        &s,
        "PATCH",
        "/settings",
        json!({"otc_ttl_seconds": 0, "confirmation_required": "yes", "colour": 1}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "message": "Invalid settings: colour: unknown field `colour`, expected one of customer_token_lifetime_minutes, admin_token_lifetime_hours, otc_ttl_seconds, reset_token_ttl_seconds, throttle_max_failures, throttle_window_seconds, lockout_failures, lockout_minutes, password_min_length, password_required_classes, confirmation_required, login_as_customer_enabled, recaptcha_customer_login, recaptcha_customer_create, recaptcha_customer_forgot_password, recaptcha_customer_edit, recaptcha_resend_confirmation_email, recaptcha_website_key, recaptcha_test_token, token_signing_secret, base_url, max_created_customers; confirmation_required: expected true or false, found \"yes\"; otc_ttl_seconds: must be greater than 0, got 0",
            "problems": [
                {"path": "colour", "message": "unknown field `colour`, expected one of customer_token_lifetime_minutes, admin_token_lifetime_hours, otc_ttl_seconds, reset_token_ttl_seconds, throttle_max_failures, throttle_window_seconds, lockout_failures, lockout_minutes, password_min_length, password_required_classes, confirmation_required, login_as_customer_enabled, recaptcha_customer_login, recaptcha_customer_create, recaptcha_customer_forgot_password, recaptcha_customer_edit, recaptcha_resend_confirmation_email, recaptcha_website_key, recaptcha_test_token, token_signing_secret, base_url, max_created_customers"},
                {"path": "confirmation_required", "message": "expected true or false, found \"yes\""},
                {"path": "otc_ttl_seconds", "message": "must be greater than 0, got 0"},
            ]
        })
    );
    let r = control(&s, "GET", "/settings", Value::Null).await;
    assert_eq!(r.json()["settings"]["otc_ttl_seconds"], json!(30));
    let r = request(
        "PATCH",
        &format!("{}/__mock/settings", s.base_url()),
        "{nope",
        &[JSON],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("The body is not JSON"));
}

#[tokio::test]
async fn customers_are_seeded_changed_and_deleted_at_run_time_and_reset_forgets_them() {
    let s = TestServer::start(Profile::Saas).await;
    let r = control(
        &s,
        "POST",
        "/customers",
        json!({"email": "seeded@example.com", "firstname": "Seed", "lastname": "Ed",
               "password": "Seeded-Pass-2024", "allow_remote_shopping_assistance": true}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"customer": {"id": 7, "email": "seeded@example.com", "firstname": "Seed", "lastname": "Ed",
            "confirmed": true, "locked_until": null, "failures": 0, "allow_remote_shopping_assistance": true,
            "has_password": true, "otc_expires_at": null}})
    );
    assert_eq!(
        sign_in(&s, "seeded@example.com", "Seeded-Pass-2024").await.status,
        200
    );

    // Any state a fixture file can express: here an unconfirmed, locked account.
    let r = control(
        &s,
        "POST",
        "/customers",
        json!({"id": 40, "email": "stuck@example.com", "firstname": "S", "lastname": "T",
               "password": "Stuck-Pass-2024", "confirmed": false, "locked_until": 4_102_444_800_i64, "failures": 10}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["customer"]["locked_until"], json!(4_102_444_800_i64));
    let r = sign_in(&s, "stuck@example.com", "Stuck-Pass-2024").await;
    assert_eq!((r.status, message(&r)), (401, json!(GENERIC)));

    let r = control(
        &s,
        "PATCH",
        "/customers/40",
        json!({"locked_until": null, "failures": 0}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["customer"]["locked_until"], Value::Null);
    let r = sign_in(&s, "stuck@example.com", "Stuck-Pass-2024").await;
    assert_eq!(
        r.status, 200,
        "confirmation is not required by default: {}",
        r.body
    );
    let r = control(
        &s,
        "PATCH",
        "/customers/40",
        json!({"email": "STUCK2@example.com", "firstname": "Renamed"}),
    )
    .await;
    assert_eq!(r.json()["customer"]["email"], json!("STUCK2@example.com"));
    assert_eq!(
        sign_in(&s, "stuck2@example.com", "Stuck-Pass-2024").await.status,
        200
    );
    assert_eq!(
        sign_in(&s, "stuck@example.com", "Stuck-Pass-2024").await.status,
        401
    );

    let r = control(&s, "DELETE", "/customers/40", Value::Null).await;
    assert_eq!((r.status, r.json()), (200, json!({"deleted": 40})));
    assert_eq!(
        sign_in(&s, "stuck2@example.com", "Stuck-Pass-2024").await.status,
        401
    );
    let r = control(&s, "DELETE", "/customers/40", Value::Null).await;
    assert_eq!(r.status, 404);

    control(&s, "POST", "/reset", Value::Null).await;
    let list = control(&s, "GET", "/customers", Value::Null).await.json();
    assert_eq!(
        list["customers"].as_array().unwrap().len(),
        6,
        "reset forgets seeded customers"
    );
    assert_eq!(
        sign_in(&s, "seeded@example.com", "Seeded-Pass-2024").await.status,
        401
    );
}

#[tokio::test]
async fn seeding_refuses_a_taken_email_as_magento_does_and_reports_every_problem() {
    let s = TestServer::start(Profile::Saas).await;
    let r = control(
        &s,
        "POST",
        "/customers",
        json!({"email": "ROni_cost@example.com", "firstname": "R", "lastname": "C"}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"message": "A customer with the same email address already exists in an associated website."})
        )
    );
    let r = control(
        &s,
        "POST",
        "/customers",
        json!({"email": "nope", "firstname": " ", "gender": 9, "emial": "x"}),
    )
    .await;
    assert_eq!(r.status, 400);
    let paths: Vec<Value> = r.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].clone())
        .collect();
    assert_eq!(
        paths,
        [
            json!("emial"),
            json!("email"),
            json!("firstname"),
            json!("lastname"),
            json!("gender")
        ]
    );
    let r = control(
        &s,
        "PATCH",
        "/customers/1",
        json!({"email": "assisted@example.com"}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"message": "A customer with the same email address already exists in an associated website."})
        )
    );
    let r = control(&s, "PATCH", "/customers/1", json!({"id": 2})).await;
    assert_eq!(
        r.json()["problems"][0],
        json!({"path": "id", "message": "a customer's id cannot change"})
    );
    let r = control(&s, "PATCH", "/customers/999", json!({"firstname": "X"})).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_fixture_file_with_only_customers_keeps_the_default_admins_and_tokens() {
    let fixtures = Fixtures::from_json_str(
        "customers-only.json",
        r#"{"customers":[{"email":"only@example.com","firstname":"O","lastname":"C","password":"Only-Pass-2024","allow_remote_shopping_assistance":true}]}"#,
    )
    .unwrap();
    let s = TestServer::start_with(Profile::Saas, fixtures).await;
    let r = request(
        "POST",
        &format!("{}/rest/V1/customer/1/otp", s.base_url()),
        "{}",
        &[JSON, ("Authorization", "Bearer mock-admin-token")],
    )
    .await;
    assert_eq!(r.status, 200, "mock-admin-token still works: {}", r.body);
    assert_eq!(
        sign_in(&s, "only@example.com", "Only-Pass-2024").await.status,
        200
    );
    assert_eq!(
        sign_in(&s, "roni_cost@example.com", "Roni-Cost-2024")
            .await
            .status,
        401
    );
}
