//! The control API's customer routes, which the web console drives, over real HTTP with exact
//! bodies: `GET /__mock/customers`, `POST /__mock/customers/{id}`, and the console page itself
//! at `GET /__mock/ui` (served without the control token; everything it calls is guarded).

mod common;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::{gql, request, Reply};
use serde_json::{json, Value};

const T0: i64 = 1_767_225_600;
const JSON: (&str, &str) = ("Content-Type", "application/json");
const ADMIN: (&str, &str) = ("Authorization", "Bearer mock-admin-token");
const SIGN_IN: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";

async fn control(s: &TestServer, method: &str, path: &str, body: &str) -> Reply {
    request(method, &format!("{}/__mock{path}", s.base_url()), body, &[JSON]).await
}

async fn act(s: &TestServer, id: &str, action: &str) -> Reply {
    control(
        s,
        "POST",
        &format!("/customers/{id}"),
        &json!({ "action": action }).to_string(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
fn customer(
    id: u64,
    email: &str,
    first: &str,
    last: &str,
    confirmed: bool,
    locked_until: Option<i64>,
    failures: u32,
    assistance: bool,
    has_password: bool,
    otc_expires_at: Option<i64>,
) -> Value {
    json!({
        "id": id, "email": email, "firstname": first, "lastname": last, "confirmed": confirmed,
        "locked_until": locked_until, "failures": failures,
        "allow_remote_shopping_assistance": assistance, "has_password": has_password,
        "otc_expires_at": otc_expires_at,
    })
}

fn default_customers() -> Vec<Value> {
    vec![
        customer(
            1,
            "roni_cost@example.com",
            "Veronica",
            "Costello",
            true,
            None,
            0,
            false,
            true,
            None,
        ),
        customer(
            2,
            "assisted@example.com",
            "Alex",
            "Assisted",
            true,
            None,
            0,
            true,
            true,
            None,
        ),
        customer(
            3,
            "unconfirmed@example.com",
            "Una",
            "Confirmed",
            false,
            None,
            0,
            false,
            true,
            None,
        ),
        customer(
            4,
            "locked@example.com",
            "Lou",
            "Locked",
            true,
            Some(4_102_444_800),
            10,
            false,
            true,
            None,
        ),
        customer(
            5,
            "nopassword@example.com",
            "Nora",
            "Nopass",
            true,
            None,
            0,
            true,
            false,
            None,
        ),
        customer(
            6,
            "bobloblaw@example.com",
            "Bob",
            "Loblaw",
            true,
            None,
            0,
            false,
            true,
            None,
        ),
    ]
}

#[tokio::test]
async fn customers_lists_every_fixture_customer_with_its_sign_in_state() {
    let s = TestServer::start(Profile::Saas).await;
    let r = control(&s, "GET", "/customers", "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(
        r.body,
        json!({
            "customers": default_customers(), "total": 6, "page": 1, "size": 50,
            "otc_ttl_seconds": 30, "admin_otc": true
        })
        .to_string()
    );
    for profile in [Profile::Paas248, Profile::Paas247] {
        let s = TestServer::start(profile).await;
        let r = control(&s, "GET", "/customers", "").await.json();
        assert_eq!(r["admin_otc"], json!(false), "{profile}");
    }
}

#[tokio::test]
async fn the_listing_pages_and_searches() {
    let s = TestServer::start(Profile::Saas).await;
    let emails = |v: &Value| -> Vec<String> {
        v["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["email"].as_str().unwrap().to_string())
            .collect()
    };
    let r = control(&s, "GET", "/customers?page=2&size=4", "").await.json();
    assert_eq!(
        (r["total"].clone(), r["page"].clone(), r["size"].clone()),
        (json!(6), json!(2), json!(4))
    );
    assert_eq!(emails(&r), ["nopassword@example.com", "bobloblaw@example.com"]);
    assert_eq!(r["customers"][1], default_customers()[5]);
    let r = control(&s, "GET", "/customers?page=3&size=4", "").await.json();
    assert_eq!((emails(&r).len(), r["total"].clone()), (0, json!(6)));
    // q: a substring of the email, first or last name, ignoring case.
    let r = control(&s, "GET", "/customers?q=LOCK", "").await.json();
    assert_eq!(
        (emails(&r), r["total"].clone()),
        (vec!["locked@example.com".to_string()], json!(1))
    );
    let r = control(&s, "GET", "/customers?q=veronica", "").await.json();
    assert_eq!(emails(&r), ["roni_cost@example.com"]);
    let r = control(&s, "GET", "/customers?q=%40example.com&page=2&size=5", "")
        .await
        .json();
    assert_eq!(
        (emails(&r), r["total"].clone()),
        (vec!["bobloblaw@example.com".to_string()], json!(6))
    );
    for bad in ["page=0", "page=x", "size=0", "size=501", "size=-1"] {
        let r = control(&s, "GET", &format!("/customers?{bad}"), "").await;
        assert_eq!(r.status, 400, "{bad}");
        let (key, value) = bad.split_once('=').unwrap();
        assert_eq!(
            r.json(),
            json!({"message": format!(
                "{key} {value:?} is not valid: page is a whole number from 1 and size one from 1 to 500, for example /__mock/customers?q=smith&page=2&size=50."
            )}),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn an_unchanged_page_is_a_304_until_something_on_it_changes() {
    let s = TestServer::start(Profile::Saas).await;
    let first = control(&s, "GET", "/customers", "").await;
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 26,
        "{etag}"
    );
    let url = format!("{}/__mock/customers", s.base_url());
    let again = request("GET", &url, "", &[("If-None-Match", etag.as_str())]).await;
    assert_eq!((again.status, again.body.as_str()), (304, ""));
    assert_eq!(again.headers["etag"], etag);
    // A change on the page (a failed sign-in counts) gives a new body and a new tag.
    let vars = json!({"email": "roni_cost@example.com", "password": "wrong"});
    gql(&s.graphql_url(), SIGN_IN, vars, &[]).await;
    let changed = request("GET", &url, "", &[("If-None-Match", etag.as_str())]).await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.json()["customers"][0]["failures"], json!(1));
    assert_ne!(changed.headers["etag"], etag);
    // Each page has its own tag.
    let other = control(&s, "GET", "/customers?page=2&size=3", "").await;
    assert_ne!(other.headers["etag"], changed.headers["etag"]);
}

#[tokio::test]
async fn a_login_code_shows_its_expiry_until_used_or_expired() {
    let s = TestServer::start(Profile::Saas).await;
    let url = format!("{}/rest/V1/customer/2/otp", s.base_url());
    let otp = request("POST", &url, "{}", &[JSON, ADMIN]).await.json()["otp"]
        .as_str()
        .unwrap()
        .to_string();
    let assisted = |r: &Reply| r.json()["customers"][1].clone();
    let r = control(&s, "GET", "/customers", "").await;
    assert_eq!(
        assisted(&r),
        customer(
            2,
            "assisted@example.com",
            "Alex",
            "Assisted",
            true,
            None,
            0,
            true,
            true,
            Some(T0 + 30)
        )
    );
    // Used once: gone.
    let vars = json!({"email": "assisted@example.com", "password": otp});
    assert_eq!(gql(&s.graphql_url(), SIGN_IN, vars, &[]).await.status, 200);
    let r = control(&s, "GET", "/customers", "").await;
    assert_eq!(assisted(&r)["otc_expires_at"], Value::Null);
    // A new one, then the clock passes its expiry.
    request("POST", &url, "{}", &[JSON, ADMIN]).await;
    control(&s, "POST", "/clock", r#"{"action":"advance","seconds":30}"#).await;
    let r = control(&s, "GET", "/customers", "").await;
    assert_eq!(assisted(&r)["otc_expires_at"], Value::Null);
}

#[tokio::test]
async fn failures_and_expired_locks_read_from_the_clock() {
    let s = TestServer::start(Profile::Saas).await;
    let vars = json!({"email": "roni_cost@example.com", "password": "wrong"});
    gql(&s.graphql_url(), SIGN_IN, vars, &[]).await;
    let r = control(&s, "GET", "/customers", "").await.json();
    assert_eq!(r["customers"][0]["failures"], json!(1));
    let r = act(&s, "1", "lock").await;
    assert_eq!(r.json()["customer"]["locked_until"], json!(T0 + 600));
    control(&s, "POST", "/clock", r#"{"action":"advance","seconds":600}"#).await;
    let r = control(&s, "GET", "/customers", "").await.json();
    // The lock has run out: no longer shown, though the counter stays until the next check.
    assert_eq!(
        (
            r["customers"][0]["locked_until"].clone(),
            r["customers"][0]["failures"].clone()
        ),
        (Value::Null, json!(10))
    );
}

#[tokio::test]
async fn actions_lock_unlock_confirm_and_toggle_assistance() {
    let s = TestServer::start(Profile::Saas).await;
    let sign_in = |email: &'static str, password: &'static str| {
        let url = s.graphql_url();
        async move { gql(&url, SIGN_IN, json!({"email": email, "password": password}), &[]).await }
    };

    let r = act(&s, "1", "lock").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({ "customer": customer(1, "roni_cost@example.com", "Veronica", "Costello", true, Some(T0 + 600), 10, false, true, None) })
            .to_string()
    );
    assert_eq!(
        sign_in("roni_cost@example.com", "Roni-Cost-2024").await.status,
        401
    );

    let r = act(&s, "4", "unlock").await;
    assert_eq!(
        r.body,
        json!({ "customer": customer(4, "locked@example.com", "Lou", "Locked", true, None, 0, false, true, None) })
            .to_string()
    );
    assert_eq!(sign_in("locked@example.com", "Locked-2024").await.status, 200);

    let r = act(&s, "3", "confirm").await;
    assert_eq!(r.json()["customer"]["confirmed"], json!(true));
    assert_eq!(
        sign_in("unconfirmed@example.com", "Unconfirmed-2024")
            .await
            .status,
        200
    );
    // Idempotent: confirming again answers the same state.
    assert_eq!(act(&s, "3", "confirm").await.body, r.body);

    let otp_url = format!("{}/rest/V1/customer/1/otp", s.base_url());
    assert_eq!(request("POST", &otp_url, "{}", &[JSON, ADMIN]).await.status, 400);
    let r = act(&s, "1", "allow_assistance").await;
    assert_eq!(
        r.json()["customer"]["allow_remote_shopping_assistance"],
        json!(true)
    );
    assert_eq!(request("POST", &otp_url, "{}", &[JSON, ADMIN]).await.status, 200);
    let r = act(&s, "1", "deny_assistance").await;
    assert_eq!(
        r.json()["customer"]["allow_remote_shopping_assistance"],
        json!(false)
    );
    // Denying assistance leaves a code already issued in place; the list still shows it.
    assert_eq!(r.json()["customer"]["otc_expires_at"], json!(T0 + 30));

    // Reset brings the fixtures back.
    control(&s, "POST", "/reset", "").await;
    let r = control(&s, "GET", "/customers", "").await.json();
    assert_eq!(r["customers"], json!(default_customers()));
}

#[tokio::test]
async fn bad_actions_and_unknown_customers_are_explained() {
    let s = TestServer::start(Profile::Saas).await;
    let usage = json!({"message": "Send JSON {\"action\":\"lock\"}, {\"action\":\"unlock\"}, {\"action\":\"confirm\"}, {\"action\":\"allow_assistance\"} or {\"action\":\"deny_assistance\"}."}).to_string();
    for body in ["", "{}", r#"{"action":"explode"}"#, r#"{"action":1}"#, "not json"] {
        let r = control(&s, "POST", "/customers/1", body).await;
        assert_eq!((r.status, r.body.clone()), (400, usage.clone()), "{body}");
    }
    for id in ["99", "abc"] {
        let r = act(&s, id, "lock").await;
        assert_eq!(r.status, 404);
        assert_eq!(
            r.body,
            json!({"message": format!("No customer with id {id}. GET /__mock/customers lists them.")})
                .to_string()
        );
    }
}

#[tokio::test]
async fn the_console_page_is_served_from_the_binary_and_its_calls_are_guarded() {
    let config = ServeConfig {
        profile: Profile::Saas,
        control_token: Some("s3cret".into()),
        ..ServeConfig::default()
    };
    let s = TestServer::start_config(config, Fixtures::embedded_default()).await;
    let r = request("GET", &format!("{}/__mock/ui", s.base_url()), "", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.headers["cache-control"], "no-store");
    assert!(r.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none';"));
    assert!(r.body.contains("<title>commerce-auth-mock console</title>"));
    // Offline: nothing is loaded from elsewhere.
    for needle in ["http://", "https://", "<script src", "stylesheet"] {
        assert!(!r.body.contains(needle), "the page references {needle}");
    }
    // The page is not journaled, and its data needs the token.
    let r = control(&s, "GET", "/customers", "").await;
    assert_eq!(r.status, 401);
    let auth = ("Authorization", "Bearer s3cret");
    let r = request("GET", &format!("{}/__mock/customers", s.base_url()), "", &[auth]).await;
    assert_eq!(r.status, 200);
    let r = request(
        "POST",
        &format!("{}/__mock/customers/1", s.base_url()),
        r#"{"action":"lock"}"#,
        &[JSON],
    )
    .await;
    assert_eq!(r.status, 401);
    let r = request("GET", &format!("{}/__mock/journal", s.base_url()), "", &[auth]).await;
    assert_eq!(r.body, r#"{"requests":[]}"#);

    // Without the control API, no console either.
    let config = ServeConfig {
        no_control: true,
        ..ServeConfig::default()
    };
    let s = TestServer::start_config(config, Fixtures::embedded_default()).await;
    let r = request("GET", &format!("{}/__mock/ui", s.base_url()), "", &[]).await;
    assert_eq!(r.status, 404);
}
