//! CORS on every route (spec 7): preflights succeed with headers a browser accepts for
//! `Authorization` (mirrored, never `*`), the origin is echoed, and `--cors-origin` restricts.

mod common;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::{request, Reply};

const APP: &str = "http://localhost:3000";

async fn preflight(s: &TestServer, path: &str, origin: &str, method: &str) -> Reply {
    request(
        "OPTIONS",
        &format!("{}{path}", s.base_url()),
        "",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", method),
            ("Access-Control-Request-Headers", "authorization, content-type"),
        ],
    )
    .await
}

fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
    r.headers.get(name).map(|v| v.to_str().unwrap())
}

/// The storefront routes: permissive CORS by default. (The control API sends none unless an
/// origin is named, see below.)
const PATHS: [(&str, &str); 5] = [
    ("/graphql", "POST"),
    ("/tenant/graphql", "POST"),
    ("/rest/V1/integration/admin/token", "POST"),
    ("/V1/customers/2", "PUT"),
    ("/rest/default/V1/customers/2", "DELETE"),
];

#[tokio::test]
async fn preflight_allows_any_origin_by_echoing_it_and_mirrors_the_requested_headers() {
    let s = TestServer::start(Profile::Saas).await;
    for (path, method) in PATHS {
        let r = preflight(&s, path, APP, method).await;
        assert_eq!(r.status, 204, "{path}");
        assert_eq!(r.body, "", "{path}");
        assert_eq!(header(&r, "access-control-allow-origin"), Some(APP), "{path}");
        assert_eq!(
            header(&r, "access-control-allow-headers"),
            Some("authorization, content-type"),
            "{path}: not `*`, which browsers refuse for Authorization"
        );
        assert_eq!(header(&r, "access-control-allow-methods"), Some(method), "{path}");
        assert_eq!(header(&r, "access-control-max-age"), Some("600"), "{path}");
        let vary = r
            .headers
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap().to_lowercase())
            .collect::<Vec<_>>()
            .join(",");
        assert!(vary.contains("origin"), "{path}: Vary: {vary}");
    }
}

#[tokio::test]
async fn preflight_is_answered_before_the_control_token_is_checked() {
    let s = TestServer::start_config(
        ServeConfig {
            control_token: Some("t".into()),
            cors_origins: vec![APP.into()],
            ..ServeConfig::default()
        },
        Fixtures::embedded_default(),
    )
    .await;
    let r = preflight(&s, "/__mock/reset", APP, "POST").await;
    assert_eq!(r.status, 204);
    assert_eq!(header(&r, "access-control-allow-origin"), Some(APP));
}

#[tokio::test]
async fn the_control_api_sends_no_cors_headers_unless_an_origin_is_named() {
    let s = TestServer::start(Profile::Saas).await;
    let r = preflight(&s, "/__mock/clock", APP, "POST").await;
    assert_eq!(r.status, 204);
    let cors: Vec<&str> = r
        .headers
        .keys()
        .map(|k| k.as_str())
        .filter(|k| k.starts_with("access-control-"))
        .collect();
    assert!(cors.is_empty(), "preflight answered with {cors:?}");
    for path in ["/__mock/outbox", "/__mock/health", "/tenant/__mock/outbox"] {
        let r = request("GET", &format!("{}{path}", s.base_url()), "", &[("Origin", APP)]).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(header(&r, "access-control-allow-origin"), None, "{path}");
    }
    // Named explicitly, the origin gets CORS on the control API too (and no other origin does).
    let s = TestServer::start_config(
        ServeConfig {
            cors_origins: vec![APP.into()],
            ..ServeConfig::default()
        },
        Fixtures::embedded_default(),
    )
    .await;
    let r = request(
        "GET",
        &format!("{}/__mock/outbox", s.base_url()),
        "",
        &[("Origin", APP)],
    )
    .await;
    assert_eq!(header(&r, "access-control-allow-origin"), Some(APP));
    let r = request(
        "GET",
        &format!("{}/__mock/outbox", s.base_url()),
        "",
        &[("Origin", "https://evil.example")],
    )
    .await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn actual_responses_carry_the_echoed_origin_errors_included() {
    let s = TestServer::start(Profile::Saas).await;
    for (method, path, status) in [
        ("GET", "/graphql?query=%7BstoreConfig%7Bstore_code%7D%7D", 200),
        ("GET", "/rest/V1/customers/2", 401),
        ("GET", "/nowhere", 404),
    ] {
        let r = request(method, &format!("{}{path}", s.base_url()), "", &[("Origin", APP)]).await;
        assert_eq!(r.status, status, "{path}");
        assert_eq!(header(&r, "access-control-allow-origin"), Some(APP), "{path}");
        assert_eq!(header(&r, "access-control-expose-headers"), Some("*"), "{path}");
    }
    // No Origin, no CORS answer (not a cross-origin request).
    let r = request("GET", &format!("{}/rest/V1/customers/2", s.base_url()), "", &[]).await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn cors_origin_restricts_to_the_listed_origins() {
    let s = TestServer::start_config(
        ServeConfig {
            cors_origins: vec!["https://shop.example".into(), APP.into()],
            ..ServeConfig::default()
        },
        Fixtures::embedded_default(),
    )
    .await;
    for allowed in ["https://shop.example", APP] {
        let r = preflight(&s, "/graphql", allowed, "POST").await;
        assert_eq!(r.status, 204);
        assert_eq!(header(&r, "access-control-allow-origin"), Some(allowed));
        assert_eq!(
            header(&r, "access-control-allow-headers"),
            Some("authorization, content-type")
        );
    }
    let r = preflight(&s, "/graphql", "https://evil.example", "POST").await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    let r = request(
        "GET",
        &format!("{}/__mock/health", s.base_url()),
        "",
        &[("Origin", "https://evil.example")],
    )
    .await;
    assert_eq!(
        r.status, 200,
        "the request itself is served; the browser withholds it"
    );
    assert_eq!(header(&r, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn plain_options_without_preflight_headers_is_204() {
    let s = TestServer::start(Profile::Saas).await;
    for path in ["/graphql", "/rest/V1/customers/2"] {
        let r = request("OPTIONS", &format!("{}{path}", s.base_url()), "", &[]).await;
        assert_eq!((r.status, r.body.as_str()), (204, ""), "{path}");
    }
}
