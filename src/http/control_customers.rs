//! The control API's customer routes, which the web console (`/__mock/ui`) reads and drives:
//!
//! - `GET /__mock/customers` → `{"customers":[{id, email, firstname, lastname, confirmed,
//!   locked_until, failures, allow_remote_shopping_assistance, has_password, otc_expires_at}],
//!   "otc_ttl_seconds": N, "admin_otc": bool}` (`admin_otc`: whether the profile has
//!   `POST /V1/customer/{id}/otp`).
//! - `POST /__mock/customers/{id}` with `{"action": "lock" | "unlock" | "confirm" |
//!   "allow_assistance" | "deny_assistance"}` → `{"customer": {…}}`.
//!
//! Times are unix seconds of the mock's clock. Like the rest of `/__mock`, mock-only.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use crate::domain::{ConsoleAction, CustomerState};

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

/// `POST /__mock/customers/{id}`.
pub async fn act(Extension(store): Extension<Arc<Store>>, Path(id): Path<String>, body: Bytes) -> Response {
    let unknown = || {
        json_response(
            404,
            &json!({ "message": format!("No customer with id {id}. GET /__mock/customers lists them.") }),
        )
    };
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
