//! The control API's customer routes, which the web console (`/__mock/ui`) reads and drives:
//!
//! - `GET /__mock/customers?q=&page=&size=` → `{"customers":[{id, email, firstname, lastname,
//!   confirmed, locked_until, failures, allow_remote_shopping_assistance, has_password,
//!   otc_expires_at}], "total": N, "page": P, "size": S, "otc_ttl_seconds": N, "admin_otc": bool}`
//!   (`q`: a case-insensitive substring of the email, first or last name; `page` from 1; `size`
//!   50 by default, at most 500; `admin_otc`: whether the profile has
//!   `POST /V1/customer/{id}/otp`), with an `ETag` (`If-None-Match` → 304).
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
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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

/// Customers on a page when `size` is not given, and the most a page may hold.
pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 500;

const PAGE_USAGE: &str = "page is a whole number from 1 and size one from 1 to 500, for example \
    /__mock/customers?q=smith&page=2&size=50.";

/// What `?q=&page=&size=` asked for.
fn read_listing(query: Option<&str>) -> Result<(String, usize, usize), String> {
    let (mut q, mut page, mut size) = (String::new(), 1, DEFAULT_PAGE_SIZE);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match &*key {
            "q" => q = value.into_owned(),
            "page" => match value.parse::<usize>() {
                Ok(n) if n >= 1 => page = n,
                _ => return Err(format!("page {value:?} is not valid: {PAGE_USAGE}")),
            },
            "size" => match value.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => size = n,
                _ => return Err(format!("size {value:?} is not valid: {PAGE_USAGE}")),
            },
            _ => {}
        }
    }
    Ok((q, page, size))
}

/// A strong validator of a body: its bytes' SHA-256, shortened (a change marker, not a secret).
fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// True when `If-None-Match` names `etag` (or is `*`).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t == etag || t.strip_prefix("W/") == Some(etag))
        })
}

/// `GET /__mock/customers?q=&page=&size=`: one page of customers (see [`Domain::customer_page`]
/// for what it costs), with `total`, `page` and `size`. The answer carries an `ETag`; a poller
/// that sends it back in `If-None-Match` gets `304 Not Modified` with no body while nothing on
/// its page changed (the console polls every second).
///
/// [`Domain::customer_page`]: crate::domain::Domain::customer_page
pub async fn list(
    State(app): State<Arc<AppState>>,
    Extension(store): Extension<Arc<Store>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (q, page, size) = match read_listing(uri.query()) {
        Ok(asked) => asked,
        Err(message) => return bad_request(&message),
    };
    let listing = store.domain.customer_page(&q, page, size);
    let customers: Vec<Value> = listing.customers.iter().map(customer_json).collect();
    let body = json!({
        "customers": customers,
        "total": listing.total,
        "page": page,
        "size": size,
        "otc_ttl_seconds": store.domain.settings().otc_ttl_seconds,
        "admin_otc": app.profile.caps().admin_otc,
    })
    .to_string();
    let etag = etag_of(body.as_bytes());
    let mut response = if not_modified(&headers, &etag) {
        (StatusCode::NOT_MODIFIED, ()).into_response()
    } else {
        (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
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
