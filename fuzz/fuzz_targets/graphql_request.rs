//! Arbitrary bytes through the mock's whole request handler (`commerce_auth_mock::http::router`),
//! as a `POST /graphql` body, as the `query` parameter of a `GET /graphql`, and as its raw query
//! string, under every profile.
//!
//! What must hold for any input: no panic (neither raised nor caught by the router's
//! `CatchPanicLayer` and answered 500), a status from the set the front door can answer
//! (spec `behaviour.md` sections 1, 2 and 4.2), and a JSON body whenever there is a body.

#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::stores::ClockStart;
use commerce_auth_mock::http::{router, AppState, ServeConfig};
use commerce_auth_mock::profile::Profile;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

/// Statuses the GraphQL endpoint may answer: 200 (results and validation errors), 204 (OPTIONS),
/// 400 (pre-execution and syntax errors), 401 and 403 (authentication and authorization
/// categories), 405 (other methods), 413 (body limit) and 500 (`paas-2.4.7` pre-execution errors).
const ALLOWED: &[u16] = &[200, 204, 400, 401, 403, 405, 413, 500];

/// One router per profile, built once: state (throttle counters, the document cache) carries
/// over between inputs, as it does on a long-running server.
struct Targets {
    runtime: tokio::runtime::Runtime,
    routers: Vec<Router>,
}

fn targets() -> &'static Targets {
    static TARGETS: OnceLock<Targets> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio current-thread runtime");
        let routers = [Profile::Saas, Profile::Paas248, Profile::Paas247]
            .into_iter()
            .map(|profile| {
                let config = ServeConfig {
                    port: 0,
                    profile,
                    ..ServeConfig::default()
                };
                router(Arc::new(AppState::new(
                    config,
                    Fixtures::embedded_default(),
                    ClockStart::VirtualAt(1_767_225_600),
                    std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                )))
            })
            .collect();
        Targets { runtime, routers }
    })
}

fn check(targets: &Targets, app: &Router, request: Request<Body>, what: &str) {
    let response = targets
        .runtime
        .block_on(app.clone().oneshot(request))
        .expect("the router's error type is Infallible");
    let status = response.status();
    assert!(
        ALLOWED.contains(&status.as_u16()),
        "{what}: unexpected status {status}"
    );
    let body = targets
        .runtime
        .block_on(response.into_body().collect())
        .expect("collect the body")
        .to_bytes();
    if body.is_empty() || status == StatusCode::PAYLOAD_TOO_LARGE {
        return;
    }
    let json: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(json) => json,
        Err(e) => panic!("{what}: status {status} with a body that is not JSON ({e}): {body:?}"),
    };
    // The router's CatchPanicLayer turns a handler panic into 500 `{"message":"Internal server
    // error"}` (the front door's own 500s, `paas-2.4.7`, have an `errors` list): that is a crash too.
    assert!(
        !(status == StatusCode::INTERNAL_SERVER_ERROR && json.get("message").is_some()),
        "{what}: a handler panicked (caught and answered 500; the panic message is in the log)"
    );
}

fuzz_target!(|data: &[u8]| {
    let targets = targets();
    // The first byte picks the profile; the whole input is still the payload.
    let app = &targets.routers[data.first().map_or(0, |b| *b as usize % targets.routers.len())];

    // As a POST body, with the content type a GraphQL client sends.
    let post = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(data.to_vec()))
        .expect("a POST request");
    check(targets, app, post, "POST body");

    // As the `query` parameter of a GET (percent-encoded; invalid UTF-8 is replaced, as the
    // URL decoder of any client would have to).
    let text = String::from_utf8_lossy(data);
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &text)
        .finish();
    let get = Request::builder()
        .method(Method::GET)
        .uri(format!("/graphql?{query}"))
        .body(Body::empty())
        .expect("a GET request");
    check(targets, app, get, "GET query");

    // As the raw URL query string, when it is one a client could send (exercises `variables`
    // decoding and the form decoder).
    if let Ok(uri) = format!("/graphql?{text}").parse::<axum::http::Uri>() {
        let raw = Request::builder()
            .method(Method::GET)
            .uri(uri)
            .body(Body::empty())
            .expect("a GET request");
        check(targets, app, raw, "GET raw query string");
    }
});
