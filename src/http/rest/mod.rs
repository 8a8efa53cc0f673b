//! The admin REST API of spec section 6, under every URL prefix of section 1:
//! `/rest/V1/…` and `/rest/<store>/V1/…` everywhere, bare `/V1/…` where the profile has it.
//!
//! One entry point strips the prefix and dispatches on method and path segments; each endpoint
//! group is its own file reading like its row of the spec. Errors are Magento's REST shape:
//! `{"message": M}` or `{"message": M, "parameters": {...}}`, always `application/json`.

mod admin_token;
mod customer_token;
mod customers;
mod login_as_customer;
mod search;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Map, Value};

use crate::domain::{AdminUser, Domain, Refusal, RefusalKind};

use super::front_door::{bearer_token, json_response};
use super::store::Store;
use super::AppState;

/// Magento's answer for a path (or method) that no REST route matches.
pub(crate) const NO_ROUTE: &str = "Request does not match any route.";
/// **Mock decision**: Magento's production-mode text for a body that is not JSON.
pub(crate) const DECODING_ERROR: &str = "Decoding error.";
const NOT_AUTHORIZED: &str = "The consumer isn't authorized to access %resources.";
const NO_SUCH_ENTITY: &str = "No such entity with %fieldName = %fieldValue";
const FIELD_REQUIRED: &str = "\"%fieldName\" is required. Enter and try again.";
const INPUT_EXCEPTIONS: &str = "One or more input exceptions have occurred.";
const INVALID_TYPE: &str =
    "The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again.";

pub(crate) use crate::domain::admins::acl;

/// A REST error: its status and its JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RestError {
    pub status: u16,
    pub body: Value,
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body)
    }
}

/// A REST answer: a success response, or an error.
pub(crate) type RestResult = Result<Response, RestError>;

/// `{"message": M}` with `status`.
pub(crate) fn error(status: u16, message: &str) -> RestError {
    RestError {
        status,
        body: json!({ "message": message }),
    }
}

/// `{"message": M, "parameters": P}` with `status`.
pub(crate) fn error_with(status: u16, message: &str, parameters: Value) -> RestError {
    RestError {
        status,
        body: json!({ "message": message, "parameters": parameters }),
    }
}

/// 404 `Request does not match any route.`
pub(crate) fn no_route() -> RestError {
    error(404, NO_ROUTE)
}

/// 401 for a missing or invalid admin token, or one without `resource`.
pub(crate) fn not_authorized(resource: &str) -> RestError {
    error_with(401, NOT_AUTHORIZED, json!({ "resources": resource }))
}

/// 404 for an unknown customer id, echoing the id as written in the path.
pub(crate) fn no_such_customer(id: &str) -> RestError {
    error_with(
        404,
        NO_SUCH_ENTITY,
        json!({ "fieldName": "customerId", "fieldValue": id }),
    )
}

/// 400 for invalid JSON bodies.
pub(crate) fn decoding_error() -> RestError {
    error(400, DECODING_ERROR)
}

/// 400 for a value of the wrong type (`"abc"` where an `int` is expected).
pub(crate) fn invalid_type(value: &str, ty: &str) -> RestError {
    error_with(400, INVALID_TYPE, json!({ "value": value, "type": ty }))
}

/// 400 for missing or empty required fields, worded as Magento's `InputException` does: one
/// field gives its own message; several give `One or more input exceptions have occurred.`
/// with one item per field under `errors`.
pub(crate) fn fields_required(fields: &[&str]) -> RestError {
    match fields {
        [one] => error_with(400, FIELD_REQUIRED, json!({ "fieldName": one })),
        many => {
            let errors: Vec<Value> = many
                .iter()
                .map(|f| json!({ "message": FIELD_REQUIRED, "parameters": { "fieldName": f } }))
                .collect();
            RestError {
                status: 400,
                body: json!({ "message": INPUT_EXCEPTIONS, "errors": errors }),
            }
        }
    }
}

/// A domain refusal as a REST error: input and already-exists 400, no-such-entity 404,
/// authentication and authorization 401.
pub(crate) fn refusal(r: Refusal) -> RestError {
    let status = match r.kind {
        RefusalKind::Input | RefusalKind::AlreadyExists => 400,
        RefusalKind::LimitReached => 409,
        RefusalKind::NoSuchEntity => 404,
        RefusalKind::Authentication | RefusalKind::Authorization => 401,
    };
    error(status, &r.message)
}

/// A JSON success body.
pub(crate) fn ok(body: &Value) -> Response {
    json_response(200, body)
}

/// The request body as JSON fields. An empty body, or JSON that is not an object, has no
/// fields (Magento then reports the missing ones); a body that is not JSON is a decoding error.
pub(crate) fn body_fields(body: &[u8]) -> Result<Map<String, Value>, RestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Ok(Map::new()),
        Err(_) => Err(decoding_error()),
    }
}

/// A scalar body field as PHP would read it into a string parameter: strings as they are,
/// numbers and booleans as their JSON text, null or absent as `""`.
pub(crate) fn string_field(fields: &Map<String, Value>, name: &str) -> String {
    match fields.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(Value::Bool(b)) => if *b { "1" } else { "" }.to_string(),
        Some(other) => other.to_string(),
    }
}

/// `{"username","password"}` of the token endpoints, as Magento's `CredentialsValidator` reads
/// them: the length is tested only, so `"0"` is a value here (unlike GraphQL's `empty()`); every
/// missing field is reported.
pub(crate) fn credentials(body: &[u8]) -> Result<(String, String), RestError> {
    let fields = body_fields(body)?;
    let username = string_field(&fields, "username");
    let password = string_field(&fields, "password");
    let missing: Vec<&str> = [("username", &username), ("password", &password)]
        .into_iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(name, _)| name)
        .collect();
    if !missing.is_empty() {
        return Err(fields_required(&missing));
    }
    Ok((username, password))
}

/// A customer id from the path; anything but a non-negative integer is a type error.
pub(crate) fn customer_id(segment: &str) -> Result<u64, RestError> {
    segment.parse::<u64>().map_err(|_| invalid_type(segment, "int"))
}

/// The admin behind the request's bearer token (static or JWT) when it grants `resource`,
/// else the 401 of spec 6.
pub(crate) fn require_admin(req: &RestRequest, resource: &str) -> Result<AdminUser, RestError> {
    let token = bearer_token(req.headers).ok_or_else(|| not_authorized(resource))?;
    req.domain
        .authorize_admin(token, resource)
        .ok_or_else(|| not_authorized(resource))
}

/// The part of `path` after `V1/`, when `path` is under a REST prefix the profile serves.
pub(crate) fn v1_tail<'p>(app: &AppState, path: &'p str) -> Option<&'p str> {
    if let Some(rest) = path.strip_prefix("/rest/") {
        if let Some(tail) = rest.strip_prefix("V1/") {
            return Some(tail);
        }
        let (store, after) = rest.split_once('/')?;
        if store.is_empty() {
            return None;
        }
        return after.strip_prefix("V1/");
    }
    if app.profile.caps().rest_bare_v1_prefix {
        return path.strip_prefix("/V1/");
    }
    None
}

/// One REST request, as the endpoint files see it.
pub(crate) struct RestRequest<'a> {
    pub app: &'a AppState,
    /// The domain of the store the request belongs to.
    pub domain: &'a Domain,
    pub headers: &'a HeaderMap,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

/// The entry point of every REST prefix.
pub(crate) async fn endpoint(
    State(app): State<Arc<AppState>>,
    Extension(store): Extension<Arc<Store>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(tail) = v1_tail(&app, uri.path()) else {
        return no_route().into_response();
    };
    let req = RestRequest {
        app: &app,
        domain: &store.domain,
        headers: &headers,
        query: uri.query(),
        body: &body,
    };
    let caps = app.profile.caps();
    let segments: Vec<&str> = tail.split('/').collect();
    let result = match (&method, segments.as_slice()) {
        (&Method::POST, ["integration", "admin", "token"]) => admin_token::handle(&req),
        (&Method::POST, ["integration", "customer", "token"]) if caps.integration_customer_token => {
            customer_token::handle(&req)
        }
        (&Method::POST, ["customer", id, "otp"]) if caps.admin_otc => login_as_customer::issue_otc(&req, id),
        (&Method::POST, ["customers", id, "token"]) if caps.admin_customer_token_endpoint => {
            login_as_customer::customer_token(&req, id)
        }
        (&Method::GET, ["customers", "search"]) => search::handle(&req),
        (&Method::GET, ["customers", id]) => customers::get(&req, id),
        (&Method::PUT, ["customers", id]) => customers::put(&req, id),
        (&Method::DELETE, ["customers", id]) => customers::delete(&req, id),
        _ => Err(no_route()),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Any other path of the mock: the REST 404 (**mock decision**: JSON, not Magento's HTML page).
pub(crate) async fn fallback() -> Response {
    no_route().into_response()
}
