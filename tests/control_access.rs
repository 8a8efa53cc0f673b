//! `GET /__mock/access`: the fixtures' admin access, which lets `conform --target URL` run every
//! admin scenario against the mock without admin flags.

mod common;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::request;
use serde_json::json;

#[tokio::test]
async fn access_lists_the_default_fixtures_admin_users_and_static_tokens() {
    let s = TestServer::start(Profile::Saas).await;
    let r = request("GET", &format!("{}/__mock/access", s.base_url()), "", &[]).await;
    assert_eq!(r.status, 200);
    let all = json!([
        "Magento_LoginAsCustomer::login",
        "Magento_LoginAsCustomer::allow_shopping_assistance",
        "Magento_Customer::manage"
    ]);
    assert_eq!(
        r.json(),
        json!({
            "admin_users": [
                {"id": 1, "username": "admin", "password": "Admin-Pass-2024", "permissions": all},
                {"id": 2, "username": "support", "password": "Support-Pass-2024", "permissions": ["Magento_LoginAsCustomer::login"]},
                {"id": 3, "username": "viewer", "password": "Viewer-Pass-2024", "permissions": ["Magento_Customer::manage"]}
            ],
            "admin_tokens": [
                {"token": "mock-admin-token", "username": "admin", "permissions": all},
                {"token": "mock-support-token", "username": "support", "permissions": ["Magento_LoginAsCustomer::login"]},
                {"token": "mock-viewer-token", "username": "viewer", "permissions": ["Magento_Customer::manage"]}
            ]
        })
    );
}

#[tokio::test]
async fn access_reflects_the_fixtures_in_force() {
    let fixtures = Fixtures::from_json_str(
        "test",
        r#"{"admin_users":[{"id":7,"username":"ci","password":"Ci-Pass-2024","permissions":["Magento_Backend::all"]}],
            "admin_tokens":{"ci-token":"ci"}}"#,
    )
    .expect("valid fixtures");
    let s = TestServer::start_with(Profile::Saas, fixtures).await;
    let r = request("GET", &format!("{}/__mock/access", s.base_url()), "", &[]).await;
    assert_eq!(
        r.json(),
        json!({
            "admin_users": [{"id": 7, "username": "ci", "password": "Ci-Pass-2024", "permissions": ["Magento_Backend::all"]}],
            "admin_tokens": [{"token": "ci-token", "username": "ci", "permissions": ["Magento_Backend::all"]}]
        })
    );
}

#[tokio::test]
async fn access_is_guarded_by_the_control_token() {
    let config = ServeConfig {
        control_token: Some("s3cret".into()),
        ..ServeConfig::default()
    };
    let s = TestServer::start_config(config, Fixtures::embedded_default()).await;
    let url = format!("{}/__mock/access", s.base_url());
    let refused = request("GET", &url, "", &[]).await;
    assert_eq!(refused.status, 401);
    assert!(!refused.body.contains("Admin-Pass-2024"), "{}", refused.body);
    let allowed = request("GET", &url, "", &[("Authorization", "Bearer s3cret")]).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.json()["admin_users"][0]["username"], "admin");
}
