//! `GET /__mock/sandboxes` and `DELETE /__mock/sandboxes/{name}`: the sandboxes this mock
//! serves (one per tenant prefix), with their size and last use, and ending one. Only the
//! default store's control API has these routes; a sandbox's own `/__mock` does not.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::front_door::json_response;
use super::store::Store;
use super::AppState;

fn not_here() -> Response {
    json_response(
        404,
        &json!({ "message": "Sandboxes are listed and ended by the control API without a tenant prefix: GET /__mock/sandboxes." }),
    )
}

/// `GET /__mock/sandboxes`.
pub async fn list(State(app): State<Arc<AppState>>, Extension(store): Extension<Arc<Store>>) -> Response {
    if store.name.is_some() {
        return not_here();
    }
    let limits = app.stores.limits();
    let sandboxes: Vec<Value> = app
        .stores
        .list()
        .into_iter()
        .map(|s| {
            json!({
                "name": s.name,
                "created_at": s.created_at,
                "last_used_at": s.last_used_at,
                "customers": s.customers,
                "emails": s.emails,
                "journal": s.journal,
            })
        })
        .collect();
    json_response(
        200,
        &json!({ "sandboxes": sandboxes, "max": limits.max, "idle_seconds": limits.idle_secs }),
    )
}

/// `DELETE /__mock/sandboxes/{name}`: the sandbox and everything in it are gone (a request
/// under its prefix starts a fresh one from the fixtures).
pub async fn remove(
    State(app): State<Arc<AppState>>,
    Extension(store): Extension<Arc<Store>>,
    Path(name): Path<String>,
) -> Response {
    if store.name.is_some() {
        return not_here();
    }
    if app.stores.remove(&name) {
        json_response(200, &json!({ "deleted": name }))
    } else {
        json_response(
            404,
            &json!({ "message": format!("No sandbox named {name:?}. GET /__mock/sandboxes lists them.") }),
        )
    }
}
