//! The web console at `GET /__mock/ui`: one self-contained HTML page (inline CSS and JS, no
//! external resources, so it works offline) that reads and drives the mock only through the
//! control API and admin REST, so everything it does is scriptable too. See `docs/console.md`.
//!
//! The page itself carries no state or secret, so it is served without the control token; every
//! request it makes is guarded like any other `/__mock` call (it asks for the token when one is
//! configured and sends it as a bearer header).

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The page, embedded in the binary.
pub const PAGE: &str = include_str!("console/index.html");

/// Only inline script and style, and requests to the mock itself: nothing is fetched elsewhere.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                   connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// `GET /__mock/ui`.
pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, CSP),
        ],
        PAGE,
    )
        .into_response()
}
