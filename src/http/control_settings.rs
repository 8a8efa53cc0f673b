//! `GET /__mock/settings` and `PATCH /__mock/settings`: the settings of the running store,
//! changed without a restart (checked as a fixture file's `settings` are; `POST /__mock/reset`
//! brings back the fixtures' values). Both answer `{"settings": {…}, "fixture_settings": {…}}`:
//! the values in force and the fixtures' (what a reset brings back), so a client such as the
//! console can tell which were changed.

use std::sync::Arc;

use axum::body::Bytes;
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use crate::domain::fixtures::{patch_settings, Problem};

use super::front_door::json_response;
use super::store::Store;

/// `{"message": …, "problems": [{"path": …, "message": …}]}` with status 400.
pub(crate) fn problems_response(what: &str, problems: &[Problem]) -> Response {
    let listed: Vec<String> = problems
        .iter()
        .map(|p| {
            if p.path.is_empty() {
                p.message.clone()
            } else {
                format!("{}: {}", p.path, p.message)
            }
        })
        .collect();
    let items: Vec<Value> = problems
        .iter()
        .map(|p| json!({ "path": p.path, "message": p.message }))
        .collect();
    json_response(
        400,
        &json!({ "message": format!("{what}: {}", listed.join("; ")), "problems": items }),
    )
}

/// The body as JSON, or the message of the 400 that says it is not.
pub(crate) fn json_body(body: &[u8], usage: &str) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("The body is not JSON ({e}). {usage}"))
}

/// `{"message": …}` with status 400.
pub(crate) fn bad_request(message: &str) -> Response {
    json_response(400, &json!({ "message": message }))
}

const USAGE: &str = "Send a JSON object of the settings to change, for example \
    {\"confirmation_required\": true, \"otc_ttl_seconds\": 60}; GET /__mock/settings lists them.";

/// The settings in force and the fixtures' values.
fn settings_json(store: &Store) -> Value {
    json!({
        "settings": *store.domain.settings(),
        "fixture_settings": store.domain.fixtures().settings,
    })
}

/// `GET /__mock/settings`.
pub async fn get(Extension(store): Extension<Arc<Store>>) -> Response {
    json_response(200, &settings_json(&store))
}

/// `PATCH /__mock/settings`: the fields given change, the others stay.
pub async fn patch(Extension(store): Extension<Arc<Store>>, body: Bytes) -> Response {
    let patch = match json_body(&body, USAGE) {
        Ok(v) => v,
        Err(message) => return bad_request(&message),
    };
    match patch_settings(&store.domain.settings(), &patch) {
        Ok(settings) => {
            store.domain.set_settings(settings);
            json_response(200, &settings_json(&store))
        }
        Err(problems) => problems_response("Invalid settings", &problems),
    }
}
