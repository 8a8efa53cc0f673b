//! The mock-only control API under `/__mock/` (spec section 7): health, virtual clock, outbox,
//! reset to fixtures and the request journal. Real servers have none of this; the conformance
//! runner discovers the mock through `GET /__mock/health`.
//!
//! `serve --control-token T` guards every route with `Authorization: Bearer T`;
//! `serve --no-control` does not mount this router at all.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, Method, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{json, Value};

use crate::domain::Email;

use super::faults;
use super::front_door::{bearer_token, json_response};
use super::store::Store;
use super::{console, control_customers, control_sandboxes, control_settings, AppState};

/// What `GET /__mock/health` lists under `capabilities`.
pub const CAPABILITIES: [&str; 9] = [
    "clock",
    "outbox",
    "journal",
    "reset",
    "customers",
    "settings",
    "faults",
    "sandboxes",
    "ui",
];

const CLOCK_USAGE: &str =
    "Send JSON {\"action\":\"freeze\"}, {\"action\":\"advance\",\"seconds\":<integer>}, \
     {\"action\":\"set\",\"now\":<unix seconds>}, {\"action\":\"resume\"} or {\"action\":\"real\"}.";

/// `{"message": …}` with a status.
fn message(status: u16, text: &str) -> Response {
    json_response(status, &json!({ "message": text }))
}

/// The routes under `/__mock`, guarded by the control token when one is configured.
pub fn routes(app: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/health", get(health))
        .route("/access", get(super::control_access::get))
        .route("/clock", get(clock_get).post(clock_post))
        .route("/outbox", get(outbox_get).delete(outbox_delete))
        .route("/reset", axum::routing::post(reset))
        .route("/journal", get(journal_get).delete(journal_delete))
        .route(
            "/customers",
            get(control_customers::list).post(control_customers::add),
        )
        .route(
            "/customers/{id}",
            axum::routing::post(control_customers::act)
                .patch(control_customers::patch)
                .delete(control_customers::delete),
        )
        .route(
            "/settings",
            get(control_settings::get).patch(control_settings::patch),
        )
        .route("/sandboxes", get(control_sandboxes::list))
        .route(
            "/sandboxes/{name}",
            axum::routing::delete(control_sandboxes::remove),
        )
        .route(
            "/faults",
            get(faults::list).post(faults::add).delete(faults::clear),
        )
        .route("/faults/{id}", axum::routing::delete(faults::remove))
        .fallback(unknown)
        .layer(middleware::from_fn_with_state(app, require_control_token))
        // The console page holds no state; what it fetches is guarded (see `console.rs`).
        .route("/ui", get(console::page))
}

/// Refuses control requests without `Authorization: Bearer <control token>` when one is set,
/// then a state change that is not JSON (415): an HTML form or a CORS "simple" request from
/// another site cannot send `Content-Type: application/json` without a preflight, and the
/// control API answers no preflight with CORS headers unless `--cors-origin` names the origin.
async fn require_control_token(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if let Some(expected) = &app.config.control_token {
        if bearer_token(request.headers()) != Some(expected.as_str()) {
            return message(
                401,
                "The control API needs the header Authorization: Bearer <token>, with the token given to serve --control-token.",
            );
        }
    }
    let changes_state = [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(request.method());
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if changes_state && !json {
        return message(
            415,
            &format!(
                "The control API changes state only on requests with Content-Type: application/json \
                 (so that no web page can drive it): send this {} with that header and a JSON body \
                 (`{{}}` when there is nothing to say).",
                request.method()
            ),
        );
    }
    next.run(request).await
}

async fn unknown() -> Response {
    message(
        404,
        "Unknown control route. Available: GET /__mock/health, GET|POST /__mock/clock, GET|DELETE /__mock/outbox, \
         POST /__mock/reset, GET|DELETE /__mock/journal, GET|POST|DELETE /__mock/faults, DELETE /__mock/faults/{id}, \
         GET|PATCH /__mock/settings, GET|POST /__mock/customers, POST|PATCH|DELETE /__mock/customers/{id}, \
         GET /__mock/access, GET /__mock/sandboxes, DELETE /__mock/sandboxes/{name}, GET /__mock/ui.",
    )
}

fn clock_json(store: &Store) -> Value {
    let clock = store.domain.clock();
    json!({ "now": clock.now(), "virtual": clock.is_virtual(), "frozen": clock.is_frozen() })
}

async fn health(State(app): State<Arc<AppState>>, Extension(store): Extension<Arc<Store>>) -> Response {
    let body = json!({
        "status": "ok",
        "mock": "commerce-auth-mock",
        "version": env!("CARGO_PKG_VERSION"),
        "profile": app.profile.name(),
        "clock": clock_json(&store),
        "capabilities": CAPABILITIES,
        "sandbox": store.name,
        "fixtures": app.fixtures_status.to_json(),
    });
    json_response(200, &body)
}

async fn clock_get(Extension(store): Extension<Arc<Store>>) -> Response {
    json_response(200, &clock_json(&store))
}

/// One clock command, read from the request body.
enum ClockAction {
    Freeze,
    Advance(i64),
    Set(i64),
    Resume,
    Real,
}

fn read_clock_action(body: &[u8]) -> Option<ClockAction> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.get("action")?.as_str()? {
        "freeze" => Some(ClockAction::Freeze),
        "advance" => v.get("seconds")?.as_i64().map(ClockAction::Advance),
        "set" => v.get("now")?.as_i64().map(ClockAction::Set),
        "resume" => Some(ClockAction::Resume),
        "real" => Some(ClockAction::Real),
        _ => None,
    }
}

async fn clock_post(Extension(store): Extension<Arc<Store>>, body: Bytes) -> Response {
    let Some(action) = read_clock_action(&body) else {
        return message(400, CLOCK_USAGE);
    };
    let clock = store.domain.clock();
    match action {
        ClockAction::Freeze => clock.freeze(),
        ClockAction::Advance(secs) => clock.advance(secs),
        ClockAction::Set(now) => clock.set(now),
        ClockAction::Resume => clock.resume(),
        ClockAction::Real => clock.resume_real_time(),
    }
    json_response(200, &clock_json(&store))
}

fn email_json(e: &Email) -> Value {
    json!({
        "id": e.id,
        "to": e.to,
        "kind": e.kind.wire_name(),
        "subject": e.subject,
        "body": e.body,
        "link": e.link,
        "token": e.token,
        "sent_at": e.sent_at,
    })
}

async fn outbox_get(Extension(store): Extension<Arc<Store>>, uri: Uri) -> Response {
    let to = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "to")
        .map(|(_, v)| v.into_owned());
    let emails = match to {
        Some(to) => store.domain.outbox_for(&to),
        None => store.domain.outbox(),
    };
    let list: Vec<Value> = emails.iter().map(email_json).collect();
    json_response(200, &json!({ "emails": list }))
}

async fn outbox_delete(Extension(store): Extension<Arc<Store>>) -> Response {
    store.domain.clear_outbox();
    json_response(200, &json!({ "emails": [] }))
}

async fn reset(Extension(store): Extension<Arc<Store>>) -> Response {
    store.reset();
    json_response(200, &json!({ "reset": true }))
}

async fn journal_get(Extension(store): Extension<Arc<Store>>, uri: Uri) -> Response {
    let mut limit = None;
    for (key, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if key == "limit" {
            match value.parse::<usize>() {
                Ok(n) => limit = Some(n),
                Err(_) => {
                    return message(
                        400,
                        "limit must be a non-negative integer, for example /__mock/journal?limit=20.",
                    )
                }
            }
        }
    }
    let requests = store.journal.latest(limit);
    json_response(200, &json!({ "requests": requests }))
}

async fn journal_delete(Extension(store): Extension<Arc<Store>>) -> Response {
    store.journal.clear();
    json_response(200, &json!({ "requests": [] }))
}
