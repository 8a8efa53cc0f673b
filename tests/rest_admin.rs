//! The admin REST API of spec section 6 over real HTTP: every endpoint's success and each of its
//! errors, byte for byte, under every URL prefix of section 1 for each profile. Time moves on
//! the virtual clock.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{gql, request, Reply};
use serde_json::{json, Value};

const T0: i64 = 1_767_225_600;
const ADMIN_TOKEN: &str = "mock-admin-token";
const SUPPORT_TOKEN: &str = "mock-support-token";
const VIEWER_TOKEN: &str = "mock-viewer-token";
const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";
const NOT_CONFIRMED: &str = "This account isn't confirmed. Verify and try again.";
const NO_ROUTE: &str = r#"{"message":"Request does not match any route."}"#;
const SIGN_IN: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";

/// A REST call under `/rest/V1` with an optional bearer token.
async fn rest(s: &TestServer, method: &str, path: &str, body: &str, token: Option<&str>) -> Reply {
    rest_at(s, "/rest", method, path, body, token).await
}

/// A REST call under an explicit prefix (`""`, `/rest`, `/rest/default`).
async fn rest_at(
    s: &TestServer,
    prefix: &str,
    method: &str,
    path: &str,
    body: &str,
    token: Option<&str>,
) -> Reply {
    let url = format!("{}{prefix}{path}", s.base_url());
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    request(method, &url, body, &headers).await
}

fn unauthorized(resource: &str) -> String {
    json!({"message": "The consumer isn't authorized to access %resources.", "parameters": {"resources": resource}})
        .to_string()
}

fn no_such_customer(id: &str) -> String {
    json!({"message": "No such entity with %fieldName = %fieldValue", "parameters": {"fieldName": "customerId", "fieldValue": id}})
        .to_string()
}

fn required(field: &str) -> String {
    json!({"message": "\"%fieldName\" is required. Enter and try again.", "parameters": {"fieldName": field}})
        .to_string()
}

fn both_required() -> String {
    json!({
        "message": "One or more input exceptions have occurred.",
        "errors": [
            {"message": "\"%fieldName\" is required. Enter and try again.", "parameters": {"fieldName": "username"}},
            {"message": "\"%fieldName\" is required. Enter and try again.", "parameters": {"fieldName": "password"}}
        ]
    })
    .to_string()
}

fn message(m: &str) -> String {
    json!({ "message": m }).to_string()
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn assert_json_content_type(r: &Reply) {
    assert_eq!(
        r.headers.get("content-type").map(|v| v.to_str().unwrap()),
        Some("application/json"),
        "{}",
        r.body
    );
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

fn token_of(r: &Reply) -> String {
    r.json()["data"]["generateCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", r.body))
        .to_string()
}

// ----- admin token -------------------------------------------------------------------------------

#[tokio::test]
async fn admin_token_is_a_json_string_jwt_of_user_type_2() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(
        &s,
        "POST",
        "/V1/integration/admin/token",
        r#"{"username":"admin","password":"Admin-Pass-2024"}"#,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_json_content_type(&r);
    let token = r.json().as_str().expect("a JSON string").to_string();
    assert_eq!(
        claims(&token).to_string(),
        format!(r#"{{"uid":1,"utypid":2,"iat":{T0},"exp":{}}}"#, T0 + 4 * 3600)
    );
    // The token works on an admin endpoint.
    let r = rest(&s, "GET", "/V1/customers/1", "", Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn admin_token_with_empty_fields_names_each_missing_field() {
    let s = TestServer::start(Profile::Saas).await;
    let path = "/V1/integration/admin/token";
    for body in [r#"{"username":"","password":""}"#, "{}", "", "[1,2]"] {
        let r = rest(&s, "POST", path, body, None).await;
        assert_eq!((r.status, r.body.clone()), (400, both_required()), "{body}");
        assert_json_content_type(&r);
    }
    let r = rest(&s, "POST", path, r#"{"username":"","password":"x"}"#, None).await;
    assert_eq!((r.status, r.body), (400, required("username")));
    let r = rest(&s, "POST", path, r#"{"username":"admin","password":null}"#, None).await;
    assert_eq!((r.status, r.body), (400, required("password")));
}

#[tokio::test]
async fn admin_token_with_wrong_credentials_is_401_with_the_generic_message() {
    let s = TestServer::start(Profile::Saas).await;
    let path = "/V1/integration/admin/token";
    for body in [
        r#"{"username":"admin","password":"wrong"}"#,
        r#"{"username":"nobody","password":"Admin-Pass-2024"}"#,
    ] {
        let r = rest(&s, "POST", path, body, None).await;
        assert_eq!((r.status, r.body.clone()), (401, message(GENERIC)), "{body}");
    }
}

#[tokio::test]
async fn admin_token_is_throttled_by_the_username_as_submitted() {
    let s = TestServer::start(Profile::Saas).await;
    let path = "/V1/integration/admin/token";
    for _ in 0..6 {
        let r = rest(
            &s,
            "POST",
            path,
            r#"{"username":"admin","password":"wrong"}"#,
            None,
        )
        .await;
        assert_eq!(r.status, 401);
    }
    let right = r#"{"username":"admin","password":"Admin-Pass-2024"}"#;
    let r = rest(&s, "POST", path, right, None).await;
    assert_eq!(
        (r.status, r.body),
        (401, message(GENERIC)),
        "throttled even when right"
    );
    // Another spelling of the username is another throttle key.
    let r = rest(
        &s,
        "POST",
        path,
        r#"{"username":"ADMIN","password":"Admin-Pass-2024"}"#,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The window passes after 1800 s.
    s.domain.clock().advance(1800);
    let r = rest(&s, "POST", path, right, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_decoding_error() {
    let s = TestServer::start(Profile::Saas).await;
    let decoding = message("Decoding error.");
    let r = rest(&s, "POST", "/V1/integration/admin/token", "{not json", None).await;
    assert_eq!((r.status, r.body.clone()), (400, decoding.clone()));
    assert_json_content_type(&r);
    let r = rest(&s, "POST", "/V1/customer/2/otp", "reason=x", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body.clone()), (400, decoding.clone()));
    let r = rest(&s, "PUT", "/V1/customers/2", "{", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body), (400, decoding.clone()));
    let p = TestServer::start(Profile::Paas248).await;
    let r = rest(&p, "POST", "/V1/integration/customer/token", "nope", None).await;
    assert_eq!((r.status, r.body), (400, decoding));
}

// ----- one-time codes (saas) ---------------------------------------------------------------------

#[tokio::test]
async fn otc_is_32_lowercase_hex_and_signs_the_customer_in_once() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(
        &s,
        "POST",
        "/V1/customer/2/otp",
        r#"{"reason":"support call"}"#,
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_json_content_type(&r);
    let otp = r.json()["otp"].as_str().unwrap().to_string();
    assert_eq!(r.body, json!({ "otp": otp }).to_string());
    assert_eq!(otp.len(), 32);
    assert!(
        otp.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{otp}"
    );
    let first = sign_in(&s, "assisted@example.com", &otp).await;
    let token = token_of(&first);
    assert_eq!(
        claims(&token)["admin_id"],
        json!(1),
        "the session is admin-assisted"
    );
    let again = sign_in(&s, "assisted@example.com", &otp).await;
    assert_eq!(again.json()["errors"][0]["message"], json!(GENERIC), "one-time");
}

#[tokio::test]
async fn otc_without_a_body_and_with_a_support_admin_is_issued() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(&s, "POST", "/V1/customer/5/otp", "", Some(SUPPORT_TOKEN)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let otp = r.json()["otp"].as_str().unwrap().to_string();
    assert_eq!(
        claims(&token_of(&sign_in(&s, "nopassword@example.com", &otp).await))["admin_id"],
        json!(2)
    );
}

#[tokio::test]
async fn otc_is_refused_after_its_lifetime_of_30_seconds() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(&s, "POST", "/V1/customer/2/otp", "{}", Some(ADMIN_TOKEN)).await;
    let otp = r.json()["otp"].as_str().unwrap().to_string();
    s.domain.clock().advance(30);
    let r = sign_in(&s, "assisted@example.com", &otp).await;
    assert_eq!(r.json()["errors"][0]["message"], json!(GENERIC));
    // A fresh code after expiry works.
    let r = rest(&s, "POST", "/V1/customer/2/otp", "{}", Some(ADMIN_TOKEN)).await;
    let otp = r.json()["otp"].as_str().unwrap().to_string();
    s.domain.clock().advance(29);
    token_of(&sign_in(&s, "assisted@example.com", &otp).await);
}

#[tokio::test]
async fn a_new_otc_replaces_the_customers_unused_one() {
    let s = TestServer::start(Profile::Saas).await;
    let first = rest(&s, "POST", "/V1/customer/2/otp", "{}", Some(ADMIN_TOKEN))
        .await
        .json()["otp"]
        .clone();
    let second = rest(&s, "POST", "/V1/customer/2/otp", "{}", Some(ADMIN_TOKEN))
        .await
        .json()["otp"]
        .clone();
    let r = sign_in(&s, "assisted@example.com", first.as_str().unwrap()).await;
    assert_eq!(r.json()["errors"][0]["message"], json!(GENERIC));
    token_of(&sign_in(&s, "assisted@example.com", second.as_str().unwrap()).await);
}

#[tokio::test]
async fn otc_errors_unknown_customer_assistance_disabled_and_bad_id() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(&s, "POST", "/V1/customer/999/otp", "{}", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body.clone()), (404, no_such_customer("999")));
    assert_json_content_type(&r);
    let r = rest(&s, "POST", "/V1/customer/1/otp", "{}", Some(ADMIN_TOKEN)).await;
    assert_eq!(
        (r.status, r.body),
        (
            400,
            message("Login as Customer assistance is disabled for this Customer.")
        )
    );
    let r = rest(&s, "POST", "/V1/customer/abc/otp", "{}", Some(ADMIN_TOKEN)).await;
    assert_eq!(
        (r.status, r.body),
        (
            400,
            json!({
                "message": "The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again.",
                "parameters": {"value": "abc", "type": "int"}
            })
            .to_string()
        )
    );
}

#[tokio::test]
async fn otc_needs_an_admin_token_with_the_login_as_customer_permission() {
    let s = TestServer::start(Profile::Saas).await;
    let acl = unauthorized("Magento_LoginAsCustomer::login");
    let customer = token_of(&sign_in(&s, "assisted@example.com", "Assisted-2024").await);
    let expired_admin = {
        let r = rest(
            &s,
            "POST",
            "/V1/integration/admin/token",
            r#"{"username":"admin","password":"Admin-Pass-2024"}"#,
            None,
        )
        .await;
        r.json().as_str().unwrap().to_string()
    };
    for token in [
        None,
        Some("not-a-token"),
        Some(VIEWER_TOKEN),
        Some(customer.as_str()),
    ] {
        let r = rest(&s, "POST", "/V1/customer/2/otp", "{}", token).await;
        assert_eq!((r.status, r.body.clone()), (401, acl.clone()), "{token:?}");
        assert_json_content_type(&r);
    }
    s.domain.clock().advance(4 * 3600);
    let r = rest(&s, "POST", "/V1/customer/2/otp", "{}", Some(&expired_admin)).await;
    assert_eq!((r.status, r.body), (401, acl.clone()), "expired admin JWT");
    // The permission is checked before the customer id.
    let r = rest(&s, "POST", "/V1/customer/999/otp", "{}", None).await;
    assert_eq!((r.status, r.body), (401, acl));
}

#[tokio::test]
async fn otc_and_admin_customer_token_endpoints_do_not_exist_on_paas() {
    for profile in [Profile::Paas248, Profile::Paas247] {
        let s = TestServer::start(profile).await;
        for path in ["/V1/customer/2/otp", "/V1/customers/2/token"] {
            let r = rest(&s, "POST", path, "{}", Some(ADMIN_TOKEN)).await;
            assert_eq!(
                (r.status, r.body.clone()),
                (404, NO_ROUTE.to_string()),
                "{profile} {path}"
            );
            assert_json_content_type(&r);
        }
    }
}

// ----- admin-issued customer token (saas) --------------------------------------------------------

#[tokio::test]
async fn admin_issued_customer_token_is_a_json_string_carrying_admin_id() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(&s, "POST", "/V1/customers/6/token", "", Some(SUPPORT_TOKEN)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.json().as_str().unwrap().to_string();
    assert_eq!(
        claims(&token).to_string(),
        format!(
            r#"{{"uid":6,"utypid":3,"iat":{T0},"exp":{},"admin_id":2}}"#,
            T0 + 3600
        )
    );
    let me = gql(
        &s.graphql_url(),
        "{ customer { email } }",
        json!({}),
        &[("Authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(
        me.body,
        r#"{"data":{"customer":{"email":"bobloblaw@example.com"}}}"#
    );
}

#[tokio::test]
async fn admin_issued_customer_token_errors() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(&s, "POST", "/V1/customers/77/token", "", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body), (404, no_such_customer("77")));
    let r = rest(&s, "POST", "/V1/customers/6/token", "", Some(VIEWER_TOKEN)).await;
    assert_eq!(
        (r.status, r.body),
        (401, unauthorized("Magento_LoginAsCustomer::login"))
    );
    let r = rest(&s, "POST", "/V1/customers/6/token", "", None).await;
    assert_eq!(
        (r.status, r.body),
        (401, unauthorized("Magento_LoginAsCustomer::login"))
    );
}

// ----- integration customer token (paas) ---------------------------------------------------------

#[tokio::test]
async fn integration_customer_token_signs_in_on_paas() {
    for profile in [Profile::Paas248, Profile::Paas247] {
        let s = common::requiring_confirmation(profile).await;
        let path = "/V1/integration/customer/token";
        let r = rest(
            &s,
            "POST",
            path,
            r#"{"username":"roni_cost@example.com","password":"Roni-Cost-2024"}"#,
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{profile} {}", r.body);
        let token = r.json().as_str().unwrap().to_string();
        assert_eq!(
            claims(&token).to_string(),
            format!(r#"{{"uid":1,"utypid":3,"iat":{T0},"exp":{}}}"#, T0 + 3600)
        );
        let r = rest(
            &s,
            "POST",
            path,
            r#"{"username":"roni_cost@example.com","password":"wrong"}"#,
            None,
        )
        .await;
        assert_eq!((r.status, r.body), (401, message(GENERIC)), "{profile}");
        let r = rest(&s, "POST", path, r#"{"username":"","password":""}"#, None).await;
        assert_eq!((r.status, r.body), (400, both_required()), "{profile}");
        let r = rest(&s, "POST", path, r#"{"username":"x@example.com"}"#, None).await;
        assert_eq!((r.status, r.body), (400, required("password")), "{profile}");
        let r = rest(
            &s,
            "POST",
            path,
            r#"{"username":"locked@example.com","password":"Locked-2024"}"#,
            None,
        )
        .await;
        assert_eq!((r.status, r.body), (401, message(GENERIC)), "{profile} locked");
        let unconfirmed = rest(
            &s,
            "POST",
            path,
            r#"{"username":"unconfirmed@example.com","password":"Unconfirmed-2024"}"#,
            None,
        )
        .await;
        let expected = if profile == Profile::Paas248 {
            NOT_CONFIRMED
        } else {
            GENERIC
        };
        assert_eq!(
            (unconfirmed.status, unconfirmed.body),
            (401, message(expected)),
            "{profile}"
        );
    }
}

#[tokio::test]
async fn integration_customer_token_shares_the_sign_in_throttle() {
    let s = TestServer::start(Profile::Paas248).await;
    let path = "/V1/integration/customer/token";
    for _ in 0..6 {
        rest(
            &s,
            "POST",
            path,
            r#"{"username":"bobloblaw@example.com","password":"nope"}"#,
            None,
        )
        .await;
    }
    let r = rest(
        &s,
        "POST",
        path,
        r#"{"username":"bobloblaw@example.com","password":"b0bl0bl@w"}"#,
        None,
    )
    .await;
    assert_eq!((r.status, r.body), (401, message(GENERIC)));
    let r = sign_in(&s, "bobloblaw@example.com", "b0bl0bl@w").await;
    assert_eq!(
        r.json()["errors"][0]["message"],
        json!(GENERIC),
        "same throttle as GraphQL"
    );
}

#[tokio::test]
async fn integration_customer_token_does_not_exist_on_saas() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(
        &s,
        "POST",
        "/V1/integration/customer/token",
        r#"{"username":"roni_cost@example.com","password":"Roni-Cost-2024"}"#,
        None,
    )
    .await;
    assert_eq!((r.status, r.body), (404, NO_ROUTE.to_string()));
}

// ----- customers ---------------------------------------------------------------------------------

fn assisted_json(assistance: u8) -> Value {
    json!({
        "id": 2,
        "group_id": 1,
        "created_at": "2025-02-01 12:00:00",
        "updated_at": "2025-02-01 12:00:00",
        "created_in": "Default Store View",
        "email": "assisted@example.com",
        "firstname": "Alex",
        "lastname": "Assisted",
        "middlename": "J",
        "prefix": "Dr.",
        "suffix": "Jr.",
        "store_id": 1,
        "taxvat": "GB123456789",
        "website_id": 1,
        "addresses": [],
        "disable_auto_group_change": 0,
        "extension_attributes": {"is_subscribed": true, "assistance_allowed": assistance}
    })
}

#[tokio::test]
async fn get_customer_answers_magentos_rest_shape() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(&s, "GET", "/V1/customers/2", "", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body.clone()), (200, assisted_json(2).to_string()));
    assert_json_content_type(&r);
    let r = rest(&s, "GET", "/V1/customers/1", "", Some(VIEWER_TOKEN)).await;
    assert_eq!(
        r.body,
        json!({
            "id": 1, "group_id": 1,
            "created_at": "2025-01-15 09:30:00", "updated_at": "2025-01-15 09:30:00",
            "created_in": "Default Store View", "dob": "1973-12-15",
            "email": "roni_cost@example.com", "firstname": "Veronica", "lastname": "Costello",
            "gender": 2, "store_id": 1, "website_id": 1, "addresses": [],
            "disable_auto_group_change": 0,
            "extension_attributes": {"is_subscribed": false, "assistance_allowed": 1}
        })
        .to_string()
    );
    // An unconfirmed account shows its confirmation key, as Magento does.
    let r = rest(&s, "GET", "/V1/customers/3", "", Some(ADMIN_TOKEN)).await;
    assert_eq!(
        r.json()["confirmation"],
        json!("0123456789abcdef0123456789abcdef")
    );
}

#[tokio::test]
async fn get_customer_errors() {
    let s = TestServer::start(Profile::Paas248).await;
    let r = rest(&s, "GET", "/V1/customers/404", "", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body), (404, no_such_customer("404")));
    for token in [None, Some(SUPPORT_TOKEN), Some("garbage")] {
        let r = rest(&s, "GET", "/V1/customers/1", "", token).await;
        assert_eq!(
            (r.status, r.body),
            (401, unauthorized("Magento_Customer::customer")),
            "{token:?}"
        );
    }
}

#[tokio::test]
async fn put_customer_enables_assistance_so_an_otc_can_be_issued() {
    let s = TestServer::start(Profile::Saas).await;
    let r = rest(&s, "POST", "/V1/customer/1/otp", "{}", Some(ADMIN_TOKEN)).await;
    assert_eq!(r.status, 400);
    s.domain.clock().advance(60);
    let r = rest(
        &s,
        "PUT",
        "/V1/customers/1",
        r#"{"customer":{"firstname":"Roni","extension_attributes":{"assistance_allowed":2}}}"#,
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["firstname"], json!("Roni"));
    assert_eq!(v["lastname"], json!("Costello"), "absent fields are kept");
    assert_eq!(v["extension_attributes"]["assistance_allowed"], json!(2));
    assert_eq!(v["updated_at"], json!("2026-01-01 00:01:00"));
    assert_eq!(
        rest(&s, "GET", "/V1/customers/1", "", Some(ADMIN_TOKEN))
            .await
            .body,
        r.body
    );
    let r = rest(&s, "POST", "/V1/customer/1/otp", "{}", Some(ADMIN_TOKEN)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // And back to denied.
    let r = rest(
        &s,
        "PUT",
        "/V1/customers/1",
        r#"{"customer":{"extension_attributes":{"assistance_allowed":1,"is_subscribed":true}}}"#,
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(
        r.json()["extension_attributes"],
        json!({"is_subscribed": true, "assistance_allowed": 1})
    );
}

#[tokio::test]
async fn put_customer_errors() {
    let s = TestServer::start(Profile::Saas).await;
    let put = |body: &'static str, id: &'static str, token: Option<&'static str>| {
        let s = &s;
        async move { rest(s, "PUT", &format!("/V1/customers/{id}"), body, token).await }
    };
    let r = put(r#"{"customer":{"firstname":"X"}}"#, "404", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body), (404, no_such_customer("404")));
    let r = put(r#"{"customer":{"firstname":" "}}"#, "2", Some(ADMIN_TOKEN)).await;
    assert_eq!(
        (r.status, r.body),
        (400, message("\"First Name\" is a required value."))
    );
    let r = put(r#"{"customer":{"lastname":""}}"#, "2", Some(ADMIN_TOKEN)).await;
    assert_eq!(
        (r.status, r.body),
        (400, message("\"Last Name\" is a required value."))
    );
    let r = put(r#"{"customer":{"gender":7}}"#, "2", Some(ADMIN_TOKEN)).await;
    assert_eq!(
        (r.status, r.body),
        (400, message("\"7\" is not a valid gender value."))
    );
    let r = put(
        r#"{"customer":{"email":"roni_cost@example.com"}}"#,
        "2",
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(
        (r.status, r.body),
        (
            400,
            message("A customer with the same email address already exists in an associated website.")
        )
    );
    let r = put(
        r#"{"customer":{"extension_attributes":{"assistance_allowed":3}}}"#,
        "2",
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(
        (r.status, r.body),
        (
            400,
            message("\"3\" is not a valid assistance_allowed value. Use 1 (denied) or 2 (allowed).")
        )
    );
    for body in [r#"{"firstname":"X"}"#, "{}", ""] {
        let r = put(body, "2", Some(ADMIN_TOKEN)).await;
        assert_eq!((r.status, r.body), (400, required("customer")), "{body}");
    }
    let r = put(r#"{"customer":{"firstname":"X"}}"#, "2", None).await;
    assert_eq!(
        (r.status, r.body),
        (401, unauthorized("Magento_Customer::manage"))
    );
    let r = put(r#"{"customer":{"firstname":"X"}}"#, "2", Some(SUPPORT_TOKEN)).await;
    assert_eq!(
        (r.status, r.body),
        (401, unauthorized("Magento_Customer::manage"))
    );
    // Nothing above changed the record.
    let r = rest(&s, "GET", "/V1/customers/2", "", Some(ADMIN_TOKEN)).await;
    assert_eq!(r.body, assisted_json(2).to_string());
}

#[tokio::test]
async fn delete_customer_answers_true_and_revokes_their_tokens() {
    let s = TestServer::start(Profile::Saas).await;
    let token = token_of(&sign_in(&s, "bobloblaw@example.com", "b0bl0bl@w").await);
    let r = rest(&s, "DELETE", "/V1/customers/6", "", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body), (200, "true".to_string()));
    let r = rest(&s, "GET", "/V1/customers/6", "", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body), (404, no_such_customer("6")));
    let r = rest(&s, "DELETE", "/V1/customers/6", "", Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body), (404, no_such_customer("6")));
    let me = gql(
        &s.graphql_url(),
        "{ customer { email } }",
        json!({}),
        &[("Authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(me.status, 401);
    let r = sign_in(&s, "bobloblaw@example.com", "b0bl0bl@w").await;
    assert_eq!(r.json()["errors"][0]["message"], json!(GENERIC));
}

#[tokio::test]
async fn delete_customer_needs_the_permission() {
    let s = TestServer::start(Profile::Saas).await;
    for token in [None, Some(SUPPORT_TOKEN)] {
        let r = rest(&s, "DELETE", "/V1/customers/6", "", token).await;
        assert_eq!(
            (r.status, r.body),
            (401, unauthorized("Magento_Customer::delete"))
        );
    }
    let r = rest(&s, "DELETE", "/V1/customers/6", "", Some(VIEWER_TOKEN)).await;
    assert_eq!(
        r.status, 200,
        "Magento_Customer::manage grants delete (mock decision)"
    );
}

// ----- search ------------------------------------------------------------------------------------

fn filter(field: &str, value: &str, condition: &str) -> Vec<(String, String)> {
    let k = |p: &str| format!("searchCriteria[filterGroups][0][filters][0][{p}]");
    vec![
        (k("field"), field.into()),
        (k("value"), value.into()),
        (k("conditionType"), condition.into()),
    ]
}

async fn search(s: &TestServer, params: &[(String, String)], token: Option<&str>) -> Reply {
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    common::get(
        &format!("{}/rest/V1/customers/search", s.base_url()),
        &pairs,
        &headers,
    )
    .await
}

#[tokio::test]
async fn search_by_email_eq_ignores_case() {
    let s = TestServer::start(Profile::Saas).await;
    let r = search(
        &s,
        &filter("email", "ASSISTED@example.com", "eq"),
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_json_content_type(&r);
    assert_eq!(
        r.body,
        json!({
            "items": [assisted_json(2)],
            "search_criteria": {"filter_groups": [{"filters": [
                {"field": "email", "value": "ASSISTED@example.com", "condition_type": "eq"}
            ]}]},
            "total_count": 1
        })
        .to_string()
    );
    let r = search(
        &s,
        &filter("email", "nobody@example.com", "eq"),
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.json()["items"], json!([]));
    assert_eq!(r.json()["total_count"], json!(0));
}

#[tokio::test]
async fn search_like_with_wildcards_and_paging() {
    let s = TestServer::start(Profile::Saas).await;
    let mut params = filter("email", "%@example.com", "like");
    params.push(("searchCriteria[pageSize]".into(), "2".into()));
    params.push(("searchCriteria[currentPage]".into(), "2".into()));
    let r = search(&s, &params, Some(ADMIN_TOKEN)).await;
    let v = r.json();
    let ids: Vec<u64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![3, 4]);
    assert_eq!(v["total_count"], json!(6));
    assert_eq!(
        v["search_criteria"],
        json!({
            "filter_groups": [{"filters": [{"field": "email", "value": "%@example.com", "condition_type": "like"}]}],
            "page_size": 2,
            "current_page": 2
        })
    );
    // A page past the end shows the last page, as Magento's collections do.
    params.pop();
    params.push(("searchCriteria[currentPage]".into(), "9".into()));
    let v = search(&s, &params, Some(ADMIN_TOKEN)).await.json();
    let ids: Vec<u64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![5, 6]);
    // `like` with a trailing %, ignoring case; and with % on both sides.
    let v = search(&s, &filter("lastname", "LO%", "like"), Some(ADMIN_TOKEN))
        .await
        .json();
    assert_eq!(v["items"][0]["email"], json!("locked@example.com"));
    assert_eq!(v["total_count"], json!(2), "Locked and Loblaw");
    let v = search(&s, &filter("lastname", "%ELL%", "like"), Some(ADMIN_TOKEN))
        .await
        .json();
    assert_eq!(v["items"][0]["email"], json!("roni_cost@example.com"));
    assert_eq!(v["total_count"], json!(1));
}

#[tokio::test]
async fn search_filters_in_a_group_are_ored_and_groups_anded() {
    let s = TestServer::start(Profile::Saas).await;
    let params: Vec<(String, String)> = [
        ("searchCriteria[filterGroups][0][filters][0][field]", "email"),
        (
            "searchCriteria[filterGroups][0][filters][0][value]",
            "roni_cost@example.com",
        ),
        ("searchCriteria[filterGroups][0][filters][1][field]", "email"),
        (
            "searchCriteria[filterGroups][0][filters][1][value]",
            "bobloblaw@example.com",
        ),
        ("searchCriteria[filterGroups][1][filters][0][field]", "gender"),
        ("searchCriteria[filterGroups][1][filters][0][value]", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let v = search(&s, &params, Some(ADMIN_TOKEN)).await.json();
    assert_eq!(v["total_count"], json!(1));
    assert_eq!(v["items"][0]["id"], json!(6));
    assert_eq!(
        v["search_criteria"]["filter_groups"][0]["filters"][1]["condition_type"],
        json!("eq"),
        "conditionType defaults to eq"
    );
}

#[tokio::test]
async fn search_errors() {
    let s = TestServer::start(Profile::Saas).await;
    let r = search(&s, &[], Some(ADMIN_TOKEN)).await;
    assert_eq!((r.status, r.body), (400, required("searchCriteria")));
    let r = search(&s, &filter("password", "x", "eq"), Some(ADMIN_TOKEN)).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("Cannot filter customers by \"password\"."));
    let r = search(&s, &filter("email", "x", "regex"), Some(ADMIN_TOKEN)).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("\"regex\""));
    let r = search(&s, &filter("email", "x", "eq"), None).await;
    assert_eq!(
        (r.status, r.body),
        (401, unauthorized("Magento_Customer::customer"))
    );
}

// ----- prefixes and unknown routes ---------------------------------------------------------------

#[tokio::test]
async fn every_prefix_of_the_profile_reaches_the_endpoints() {
    for profile in Profile::ALL {
        let s = TestServer::start(profile).await;
        let bare_allowed = profile == Profile::Saas;
        for prefix in ["", "/rest", "/rest/default", "/rest/all", "/rest/fr_store"] {
            let r = rest_at(&s, prefix, "GET", "/V1/customers/2", "", Some(ADMIN_TOKEN)).await;
            if prefix.is_empty() && !bare_allowed {
                assert_eq!(
                    (r.status, r.body.clone()),
                    (404, NO_ROUTE.to_string()),
                    "{profile} bare /V1"
                );
            } else {
                assert_eq!(
                    (r.status, r.body.clone()),
                    (200, assisted_json(2).to_string()),
                    "{profile} {prefix}"
                );
            }
            let r = rest_at(
                &s,
                prefix,
                "POST",
                "/V1/integration/admin/token",
                r#"{"username":"admin","password":"Admin-Pass-2024"}"#,
                None,
            )
            .await;
            let expected = if prefix.is_empty() && !bare_allowed {
                404
            } else {
                200
            };
            assert_eq!(r.status, expected, "{profile} {prefix}: {}", r.body);
        }
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_no_route() {
    let s = TestServer::start(Profile::Saas).await;
    for (method, path) in [
        ("GET", "/rest/V1/nothing"),
        ("GET", "/rest/V1/integration/admin/token"),
        ("PATCH", "/rest/V1/customers/2"),
        ("POST", "/rest/V1/customers/search"),
        ("GET", "/rest/V2/customers/2"),
        ("GET", "/rest/default/V1/customers/2/extra"),
        ("GET", "/rest/"),
        ("GET", "/V1/"),
        ("GET", "/nowhere"),
    ] {
        let r = request(
            method,
            &format!("{}{path}", s.base_url()),
            "",
            &[("Authorization", "Bearer mock-admin-token")],
        )
        .await;
        assert_eq!(
            (r.status, r.body.clone()),
            (404, NO_ROUTE.to_string()),
            "{method} {path}"
        );
        assert_json_content_type(&r);
    }
}
