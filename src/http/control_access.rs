//! `GET /__mock/access`: the admin access the fixtures in force define, so a client of the mock
//! (the conformance runner, a test) can use it without being told on its command line.
//!
//! `{"admin_users":[{"id","username","password","permissions"}],
//!   "admin_tokens":[{"token","username","permissions"}]}`. Guarded by the control token like
//! every `/__mock` route; real servers have nothing like it.

use std::sync::Arc;

use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::front_door::json_response;
use super::store::Store;

/// `GET /__mock/access`.
pub async fn get(Extension(store): Extension<Arc<Store>>) -> Response {
    let fixtures = store.domain.fixtures();
    let admin_users: Vec<Value> = fixtures
        .admin_users
        .iter()
        .map(|a| json!({"id": a.id, "username": a.username, "password": a.password, "permissions": a.permissions}))
        .collect();
    let admin_tokens: Vec<Value> = fixtures
        .admin_tokens
        .iter()
        .map(|(token, username)| {
            // The loader guarantees every static token names an admin user.
            let permissions = fixtures
                .admin_users
                .iter()
                .find(|a| a.username.eq_ignore_ascii_case(username))
                .map(|a| a.permissions.clone())
                .unwrap_or_default();
            json!({"token": token, "username": username, "permissions": permissions})
        })
        .collect();
    json_response(
        200,
        &json!({"admin_users": admin_users, "admin_tokens": admin_tokens}),
    )
}
