//! `OPTIONS` → `204` with an empty body on every route (spec section 2, step 5), CORS
//! preflights included.
//!
//! Two layers, because tower-http's CORS layer answers a preflight itself, with `200`, before
//! any inner layer runs: [`answer`] sits inside it and answers every other `OPTIONS` request
//! (so no handler ever sees one); [`preflight_status`] sits outside it and turns the
//! preflight's `200` into `204`.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};

/// Inside the CORS layer: an `OPTIONS` request is answered here.
pub(crate) async fn answer<F>(request: Request, next: impl FnOnce(Request) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    if request.method() == Method::OPTIONS {
        return StatusCode::NO_CONTENT.into_response();
    }
    next(request).await
}

/// Outside the CORS layer: its preflight answer becomes `204`.
pub(crate) async fn preflight_status<F>(request: Request, next: impl FnOnce(Request) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let is_options = request.method() == Method::OPTIONS;
    let mut response = next(request).await;
    if is_options && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
}
