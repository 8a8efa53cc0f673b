//! Fault injection over real HTTP: each kind, `times`, seeded `fraction`, fixture faults and
//! reset, and the control API's answers. Timing is only ever asserted as a lower bound.

mod common;

use std::time::{Duration, Instant};

use commerce_auth_mock::domain::fixtures::DEFAULT_FIXTURES_JSON;
use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{gql, request, Reply};
use serde_json::{json, Value};

const JSON: (&str, &str) = ("Content-Type", "application/json");
const SIGN_IN: &str = r#"mutation { generateCustomerToken(email: "roni_cost@example.com", password: "Roni-Cost-2024") { token } }"#;
const AVAILABLE: &str = r#"{ isEmailAvailable(email: "x@example.com") { is_email_available } }"#;
const AVAILABLE_BODY: &str = r#"{"data":{"isEmailAvailable":{"is_email_available":true}}}"#;

async fn control(s: &TestServer, method: &str, path: &str, body: Value) -> Reply {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    request(method, &format!("{}/__mock{path}", s.base_url()), &body, &[JSON]).await
}

async fn add_fault(s: &TestServer, fault: Value) -> Value {
    let r = control(s, "POST", "/faults", fault).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

async fn journal(s: &TestServer) -> Vec<Value> {
    control(s, "GET", "/journal", Value::Null).await.json()["requests"]
        .as_array()
        .unwrap()
        .clone()
}

async fn available(s: &TestServer) -> Reply {
    gql(&s.graphql_url(), AVAILABLE, json!({}), &[]).await
}

#[tokio::test]
async fn latency_delays_the_answer_which_is_otherwise_normal() {
    let s = TestServer::start(Profile::Saas).await;
    let fault = add_fault(
        &s,
        json!({"match": {"operation": "generateCustomerToken"}, "kind": "latency", "latency_ms": 150, "times": 1}),
    )
    .await;
    assert_eq!(
        fault,
        json!({"id": 1, "match": {"operation": "generateCustomerToken"}, "kind": "latency", "latency_ms": 150,
               "times": 1, "remaining": 1, "hits": 0, "source": "api"})
    );
    let started = Instant::now();
    let r = gql(&s.graphql_url(), SIGN_IN, json!({}), &[]).await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(r.status, 200);
    assert!(r.json()["data"]["generateCustomerToken"]["token"].is_string());

    gql(&s.graphql_url(), SIGN_IN, json!({}), &[]).await;
    let entries = journal(&s).await;
    assert!(
        entries[0]["duration_ms"].as_f64().unwrap() >= 150.0,
        "{}",
        entries[0]
    );
    assert_eq!(entries[0]["fault"], json!({"id": 1, "kind": "latency"}));
    assert_eq!(entries[0]["operation"], "generateCustomerToken");
    assert!(entries[1].get("fault").is_none(), "{}", entries[1]);
}

#[tokio::test]
async fn http_error_answers_a_rest_route_with_the_given_status_and_body() {
    let s = TestServer::start(Profile::Saas).await;
    add_fault(
        &s,
        json!({"match": {"route": "POST /V1/customer/{id}/otp"}, "kind": "http_error", "status": 503,
               "body": {"message": "Service Unavailable"}}),
    )
    .await;
    for path in [
        "/rest/V1/customer/2/otp",
        "/rest/default/V1/customer/9/otp",
        "/V1/customer/2/otp",
    ] {
        let r = request("POST", &format!("{}{path}", s.base_url()), "{}", &[JSON]).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (503, r#"{"message":"Service Unavailable"}"#),
            "{path}"
        );
        assert_eq!(r.headers["content-type"], "application/json");
    }
    // Other routes and methods are untouched.
    let r = request(
        "GET",
        &format!("{}/rest/V1/customer/2/otp", s.base_url()),
        "",
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    let entries = journal(&s).await;
    assert_eq!(entries[0]["status"], 503);
    assert_eq!(entries[0]["fault"], json!({"id": 1, "kind": "http_error"}));
}

#[tokio::test]
async fn http_error_can_answer_a_graphql_operation() {
    let s = TestServer::start(Profile::Saas).await;
    add_fault(
        &s,
        json!({"match": {"operation": "isEmailAvailable"}, "kind": "http_error", "status": 502}),
    )
    .await;
    let r = available(&s).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (502, r#"{"message":"Fault injected by commerce-auth-mock."}"#)
    );
    // Another operation is not faulted.
    assert_eq!(gql(&s.graphql_url(), SIGN_IN, json!({}), &[]).await.status, 200);
}

#[tokio::test]
async fn graphql_error_answers_magentos_error_shape_with_the_profiles_status() {
    for (profile, status) in [
        (Profile::Saas, 401),
        (Profile::Paas248, 401),
        (Profile::Paas247, 200),
    ] {
        let s = TestServer::start(profile).await;
        add_fault(
            &s,
            json!({"match": {"operation": "generateCustomerToken"}, "kind": "graphql_error",
                   "message": "Temporarily unavailable", "category": "graphql-authentication"}),
        )
        .await;
        let query = "mutation {\n  signIn: generateCustomerToken(email: \"roni_cost@example.com\", password: \"Roni-Cost-2024\") { token }\n}";
        let r = gql(&s.graphql_url(), query, json!({}), &[]).await;
        assert_eq!(r.status, status, "{profile}");
        assert_eq!(
            r.body,
            r#"{"errors":[{"message":"Temporarily unavailable","locations":[{"line":2,"column":3}],"path":["signIn"],"extensions":{"category":"graphql-authentication"}}],"data":{"signIn":null}}"#
        );
        let entries = journal(&s).await;
        assert_eq!(entries[0]["operation"], "generateCustomerToken");
        assert_eq!(entries[0]["status"], status);
    }
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let s = TestServer::start(Profile::Saas).await;
    add_fault(
        &s,
        json!({"match": {"operation": "isEmailAvailable"}, "kind": "drop", "times": 1}),
    )
    .await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let err = client
        .post(s.graphql_url())
        .header("Content-Type", "application/json")
        .body(json!({ "query": AVAILABLE }).to_string())
        .send()
        .await
        .expect_err("a dropped connection is an error, not a response");
    assert!(err.is_request() && !err.is_timeout(), "{err:?}");
    // The fault was for one call: the next is answered.
    assert_eq!(available(&s).await.body, AVAILABLE_BODY);
    let entries = journal(&s).await;
    assert_eq!(entries[0]["status"], 0);
    assert_eq!(entries[0]["fault"], json!({"id": 1, "kind": "drop"}));
    assert_eq!(entries[1]["status"], 200);
}

#[tokio::test]
async fn drop_works_on_rest_routes_too() {
    let s = TestServer::start(Profile::Saas).await;
    add_fault(
        &s,
        json!({"match": {"route": "GET /V1/customers/{id}"}, "kind": "drop"}),
    )
    .await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let result = client
        .get(format!("{}/rest/V1/customers/1", s.base_url()))
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn times_faults_the_next_n_calls_then_stops() {
    let s = TestServer::start(Profile::Saas).await;
    add_fault(
        &s,
        json!({"match": {"operation": "isEmailAvailable"}, "kind": "http_error", "status": 500, "times": 2}),
    )
    .await;
    let statuses: Vec<u16> = [available(&s).await, available(&s).await, available(&s).await]
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [500, 500, 200]);
    let list = control(&s, "GET", "/faults", Value::Null).await.json();
    assert_eq!(list["faults"][0]["remaining"], 0);
    assert_eq!(list["faults"][0]["hits"], 2);
}

async fn fraction_sequence(s: &TestServer) -> Vec<u16> {
    control(s, "DELETE", "/faults", Value::Null).await;
    add_fault(
        s,
        json!({"match": {"operation": "isEmailAvailable"}, "kind": "http_error", "status": 503, "fraction": 0.5, "seed": 42}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..24 {
        statuses.push(available(s).await.status);
    }
    statuses
}

#[tokio::test]
async fn a_seeded_fraction_gives_the_same_sequence_every_run() {
    let s = TestServer::start(Profile::Saas).await;
    let first = fraction_sequence(&s).await;
    let second = fraction_sequence(&s).await;
    assert_eq!(first, second);
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
    let other = TestServer::start(Profile::Saas).await;
    assert_eq!(fraction_sequence(&other).await, first);
}

fn fixtures_with_faults(faults: Value) -> Fixtures {
    let mut v: Value = serde_json::from_str(DEFAULT_FIXTURES_JSON).unwrap();
    v["faults"] = faults;
    Fixtures::from_json_str("faults.json", &v.to_string()).unwrap()
}

#[tokio::test]
async fn reset_restores_the_fixture_faults_with_fresh_counts() {
    let fixtures = fixtures_with_faults(json!([
        {"$comment": "the first two availability checks fail", "match": {"operation": "isEmailAvailable"},
         "kind": "http_error", "status": 500, "times": 2}
    ]));
    let s = TestServer::start_with(Profile::Saas, fixtures).await;
    assert_eq!(available(&s).await.status, 500);
    add_fault(&s, json!({"match": {"operation": "customer"}, "kind": "drop"})).await;
    let list = control(&s, "GET", "/faults", Value::Null).await.json();
    assert_eq!(list["faults"].as_array().unwrap().len(), 2);
    assert_eq!(list["faults"][0]["remaining"], 1);
    assert_eq!(list["faults"][0]["source"], "fixtures");
    assert_eq!(list["faults"][1]["id"], 2);

    assert_eq!(
        control(&s, "DELETE", "/faults", Value::Null).await.body,
        r#"{"faults":[]}"#
    );
    assert_eq!(available(&s).await.status, 200);

    control(&s, "POST", "/reset", Value::Null).await;
    let list = control(&s, "GET", "/faults", Value::Null).await.json();
    assert_eq!(
        list,
        json!({"faults": [{"id": 1, "match": {"operation": "isEmailAvailable"}, "kind": "http_error", "status": 500,
               "body": {"message": "Fault injected by commerce-auth-mock."}, "times": 2, "remaining": 2, "hits": 0,
               "source": "fixtures"}]})
    );
    assert_eq!(available(&s).await.status, 500);
}

#[tokio::test]
async fn one_fault_can_be_deleted_by_id() {
    let s = TestServer::start(Profile::Saas).await;
    add_fault(
        &s,
        json!({"match": {"operation": "isEmailAvailable"}, "kind": "http_error", "status": 500}),
    )
    .await;
    let r = control(&s, "DELETE", "/faults/1", Value::Null).await;
    assert_eq!((r.status, r.body.as_str()), (200, r#"{"deleted":1}"#));
    assert_eq!(available(&s).await.status, 200);
    let r = control(&s, "DELETE", "/faults/1", Value::Null).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["message"],
        "No fault with id 1. GET /__mock/faults lists them."
    );
}

#[tokio::test]
async fn a_bad_fault_is_refused_with_what_is_wrong_and_what_is_accepted() {
    let s = TestServer::start(Profile::Saas).await;
    let r = control(
        &s,
        "POST",
        "/faults",
        json!({"match": {"route": "POST /customer/1"}, "kind": "graphql_error", "times": 0}),
    )
    .await;
    assert_eq!(r.status, 400);
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.starts_with(
            "Invalid fault: match.route: must be \"<METHOD> /V1/<path>\" such as \"POST /V1/customer/{id}/otp\" \
             (GET, POST, PUT, DELETE or PATCH), got \"POST /customer/1\"; message: missing: a graphql_error fault \
             needs a message; times: must be a positive integer, got 0. Send JSON {\"match\""
        ),
        "{message}"
    );
    let r = request(
        "POST",
        &format!("{}/__mock/faults", s.base_url()),
        "nope",
        &[JSON],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("Send JSON"));
    assert_eq!(
        control(&s, "GET", "/faults", Value::Null).await.body,
        r#"{"faults":[]}"#
    );
}

#[test]
fn invalid_fixture_faults_are_located() {
    let mut v: Value = serde_json::from_str(DEFAULT_FIXTURES_JSON).unwrap();
    v["faults"] = json!([{"match": {"operation": "x"}, "kind": "latency"}]);
    let e = Fixtures::from_json_str("faults.json", &v.to_string()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "fixture file faults.json: at faults[0].latency_ms: missing: a latency fault needs latency_ms"
    );
}
