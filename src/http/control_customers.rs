//! The control API's customer routes, which the web console (`/__mock/ui`) reads and drives:
//!
//! - `GET /__mock/customers` → `{"customers":[{id, email, firstname, lastname, confirmed,
//!   locked_until, failures, allow_remote_shopping_assistance, has_password, otc_expires_at}],
//!   "otc_ttl_seconds": N, "admin_otc": bool}` (`admin_otc`: whether the profile has
//!   `POST /V1/customer/{id}/otp`).
//! - `POST /__mock/customers/{id}` with `{"action": "lock" | "unlock" | "confirm" |
//!   "allow_assistance" | "deny_assistance"}` → `{"customer": {…}}`.
//!
//! - `POST /__mock/customers` with a customer as a fixture file writes one (`id` optional) →
//!   `201 {"customer": {…}}`; `PATCH /__mock/customers/{id}` with some of those fields;
//!   `DELETE /__mock/customers/{id}`. Checked as the fixture file's customers are.
//!
//! Times are unix seconds of the mock's clock. Like the rest of `/__mock`, mock-only.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use crate::domain::fixtures::{customer_from_json, patch_customer};
use crate::domain::{ConsoleAction, CustomerState, RefusalKind};

use super::control_settings::{bad_request, json_body, problems_response};
use super::front_door::json_response;
use super::store::Store;
use super::AppState;

const ACTION_USAGE: &str =
    "Send JSON {\"action\":\"lock\"}, {\"action\":\"unlock\"}, {\"action\":\"confirm\"}, \
     {\"action\":\"allow_assistance\"} or {\"action\":\"deny_assistance\"}.";

fn customer_json(c: &CustomerState) -> Value {
    json!({
        "id": c.id,
        "email": c.email,
        "firstname": c.firstname,
        "lastname": c.lastname,
        "confirmed": c.confirmed,
        "locked_until": c.locked_until,
        "failures": c.failures,
        "allow_remote_shopping_assistance": c.allow_remote_shopping_assistance,
        "has_password": c.has_password,
        "otc_expires_at": c.otc_expires_at,
    })
}

/// `GET /__mock/customers`.
pub async fn list(State(app): State<Arc<AppState>>, Extension(store): Extension<Arc<Store>>) -> Response {
    let customers: Vec<Value> = store.domain.customer_states().iter().map(customer_json).collect();
    json_response(
        200,
        &json!({
            "customers": customers,
            "otc_ttl_seconds": store.domain.settings().otc_ttl_seconds,
            "admin_otc": app.profile.caps().admin_otc,
        }),
    )
}

fn read_action(body: &[u8]) -> Option<ConsoleAction> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.get("action")?.as_str()? {
        "lock" => Some(ConsoleAction::Lock),
        "unlock" => Some(ConsoleAction::Unlock),
        "confirm" => Some(ConsoleAction::Confirm),
        "allow_assistance" => Some(ConsoleAction::AllowAssistance),
        "deny_assistance" => Some(ConsoleAction::DenyAssistance),
        _ => None,
    }
}

const CUSTOMER_USAGE: &str = "Send a customer as a fixture file writes one, for example \
    {\"email\":\"new@example.com\",\"firstname\":\"New\",\"lastname\":\"Shopper\",\"password\":\"Passw0rd!\"} \
    (see docs/fixtures.md for every field).";

/// `POST /__mock/customers`: adds a customer.
pub async fn add(Extension(store): Extension<Arc<Store>>, body: Bytes) -> Response {
    let value = match json_body(&body, CUSTOMER_USAGE) {
        Ok(v) => v,
        Err(message) => return bad_request(&message),
    };
    let fixture = match customer_from_json(&value) {
        Ok(f) => f,
        Err(problems) => return problems_response("Invalid customer", &problems),
    };
    match store.domain.add_customer(&fixture) {
        Ok(c) => created(&store, c.id),
        // **Mock decision**: 409, the store is full rather than the request malformed.
        Err(refusal) if refusal.kind == RefusalKind::LimitReached => {
            json_response(409, &json!({ "message": refusal.message }))
        }
        Err(refusal) => bad_request(&refusal.message),
    }
}

fn created(store: &Store, id: u64) -> Response {
    match store.domain.customer_state(id) {
        Some(state) => json_response(201, &json!({ "customer": customer_json(&state) })),
        None => json_response(404, &json!({ "message": format!("No customer with id {id}.") })),
    }
}

/// `PATCH /__mock/customers/{id}`: changes the fields given.
pub async fn patch(Extension(store): Extension<Arc<Store>>, Path(id): Path<String>, body: Bytes) -> Response {
    let unknown = || unknown_customer(&id);
    let Ok(numeric) = id.parse::<u64>() else {
        return unknown();
    };
    let value = match json_body(&body, CUSTOMER_USAGE) {
        Ok(v) => v,
        Err(message) => return bad_request(&message),
    };
    let Some(current) = store.domain.customer(numeric) else {
        return unknown();
    };
    let fixture = match patch_customer(&current.to_fixture(), &value) {
        Ok(f) => f,
        Err(problems) => return problems_response("Invalid customer", &problems),
    };
    match store.domain.replace_customer(numeric, &fixture) {
        Ok(Some(_)) => match store.domain.customer_state(numeric) {
            Some(state) => json_response(200, &json!({ "customer": customer_json(&state) })),
            None => unknown(),
        },
        Ok(None) => unknown(),
        Err(refusal) => bad_request(&refusal.message),
    }
}

/// `DELETE /__mock/customers/{id}`: the customer and its tokens are gone.
pub async fn delete(Extension(store): Extension<Arc<Store>>, Path(id): Path<String>) -> Response {
    match id.parse::<u64>() {
        Ok(n) if store.domain.delete_customer(n) => json_response(200, &json!({ "deleted": n })),
        _ => unknown_customer(&id),
    }
}

fn unknown_customer(id: &str) -> Response {
    json_response(
        404,
        &json!({ "message": format!("No customer with id {id}. GET /__mock/customers lists them.") }),
    )
}

/// `POST /__mock/customers/{id}`.
pub async fn act(Extension(store): Extension<Arc<Store>>, Path(id): Path<String>, body: Bytes) -> Response {
    let unknown = || unknown_customer(&id);
    let Ok(numeric) = id.parse::<u64>() else {
        return unknown();
    };
    let Some(action) = read_action(&body) else {
        return json_response(400, &json!({ "message": ACTION_USAGE }));
    };
    match store.domain.console_action(numeric, action) {
        Some(state) => json_response(200, &json!({ "customer": customer_json(&state) })),
        None => unknown(),
    }
}
