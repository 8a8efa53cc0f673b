//! The front gate, around the router: which store a request belongs to, and who may drive the
//! control API.
//!
//! - **Host.** The `Host` header must name an IP address, a loopback name (`localhost`,
//!   `*.localhost`), the `--public-url` host or an `--allowed-host`; anything else is refused
//!   with 421. A web page that rebinds its own name to 127.0.0.1 (DNS rebinding) sends its own
//!   name, so it cannot reach the mock; a page served from an IP address is that address's own
//!   origin, not a cross-site visitor.
//! - **Store.** `/<tenant>/graphql`, `/<tenant>/rest/…`, `/<tenant>/V1/…`, `/<tenant>/__mock/…`
//!   and `/<tenant>/customer/…` belong to the sandbox `<tenant>` (created on first use); the
//!   prefix is stripped, so the router and everything below it serve every store alike.
//! - **Control plane.** The control API's answers carry no CORS headers unless `--cors-origin`
//!   names an origin (and `control.rs` accepts a state change only as JSON), so a page on
//!   another origin can neither read it nor pass the preflight a JSON request needs.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderMap, Uri};
use axum::response::Response;

use crate::graphql::Category;

use super::guard::refusal;
use super::journal::is_control_path;
use super::store::Store;
use super::stores::is_tenant_name;
use super::AppState;

/// The first segments of the mock's own routes: never a tenant name.
const ROUTE_ROOTS: [&str; 5] = ["graphql", "rest", "V1", "__mock", "customer"];

/// What the gate leaves on the response for the journal (which sits outside it): the store
/// that served the request and its clock's time when the request arrived.
#[derive(Debug, Clone)]
pub(crate) struct Served {
    pub(crate) store: Arc<Store>,
    pub(crate) at: i64,
}

/// `(tenant, path without the prefix)` for a path under a tenant prefix.
pub(crate) fn tenant_of(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix('/')?;
    let (tenant, tail) = rest.split_once('/')?;
    if ROUTE_ROOTS.contains(&tenant) || !is_tenant_name(tenant) {
        return None;
    }
    let root = tail.split('/').next().unwrap_or("");
    ROUTE_ROOTS
        .contains(&root)
        .then(|| (tenant, &path[1 + tenant.len()..]))
}

/// The host part of a `Host` header value (`[::1]:4000` → `::1`, `Example.com:80` → `example.com`).
fn host_name(value: &str) -> Cow<'_, str> {
    let value = value.trim();
    let host = if let Some(v6) = value.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        value.rsplit_once(':').map_or(value, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                value
            }
        })
    };
    let host = host.trim_end_matches('.');
    // Borrowed when already in lower case (what clients send): no copy per request.
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    }
}

/// Whether a request naming `host` is one the mock serves.
pub(crate) fn host_allowed(app: &AppState, value: &str) -> bool {
    let host = host_name(value);
    if host.parse::<std::net::IpAddr>().is_ok() || host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    let public = app
        .config
        .public_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    if public.as_deref() == Some(&*host) {
        return true;
    }
    app.config.allowed_hosts.iter().any(|allowed| {
        let allowed = allowed.trim_end_matches('.').to_ascii_lowercase();
        // A leading dot allows the name and every subdomain, as Vite's `allowedHosts` does.
        match allowed.strip_prefix('.') {
            Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
            None => host == allowed,
        }
    })
}

fn host_of<'r>(headers: &'r HeaderMap, uri: &'r Uri) -> Option<&'r str> {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
}

/// The middleware.
pub(crate) async fn gate<F>(app: &AppState, mut request: Request, next: impl FnOnce(Request) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let path = request.uri().path();
    if let Some(host) = host_of(request.headers(), request.uri()) {
        if !host_allowed(app, host) {
            let name = host_name(host);
            let message = format!(
                "This mock does not serve the host `{name}` (the Host header): only IP addresses, \
                 localhost and the names given with --public-url or --allowed-host {name}."
            );
            return refusal(path, 421, Category::Input, &message);
        }
    }
    // The path without the tenant prefix, copied only when there is one.
    let (store, inner_path) = match tenant_of(path) {
        None => (app.stores.default.clone(), None),
        Some((tenant, rest)) => match app.stores.sandbox(tenant) {
            Ok(store) => (store, Some(rest.to_string())),
            Err(e) => return refusal(rest, 503, Category::Input, &e.to_string()),
        },
    };
    let control = is_control_path(inner_path.as_deref().unwrap_or(path));
    if let Some(inner_path) = inner_path {
        let mut parts = request.uri().clone().into_parts();
        let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
        parts.path_and_query = format!("{inner_path}{query}").parse().ok();
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    store.touch();
    let at = store.domain.clock().now();
    request.extensions_mut().insert(store.clone());
    let mut response = next(request).await;
    if control && app.config.cors_origins.is_empty() {
        // No CORS for the control API unless an origin is named: a page on another origin can
        // neither read it nor pass a preflight to change it.
        let names: Vec<header::HeaderName> = response
            .headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in names {
            response.headers_mut().remove(name);
        }
    }
    response.extensions_mut().insert(Served { store, at });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_prefixes_are_recognised_before_known_routes_only() {
        assert_eq!(tenant_of("/acme/graphql"), Some(("acme", "/graphql")));
        assert_eq!(
            tenant_of("/w-1/rest/V1/customers/1"),
            Some(("w-1", "/rest/V1/customers/1"))
        );
        assert_eq!(
            tenant_of("/w_2/V1/customer/1/otp"),
            Some(("w_2", "/V1/customer/1/otp"))
        );
        assert_eq!(tenant_of("/t/__mock/reset"), Some(("t", "/__mock/reset")));
        assert_eq!(tenant_of("/t/__mock"), Some(("t", "/__mock")));
        assert_eq!(
            tenant_of("/t/customer/account/confirm/"),
            Some(("t", "/customer/account/confirm/"))
        );
        for path in [
            "/graphql",
            "/rest/V1/x",
            "/rest/default/V1/x",
            "/__mock/health",
            "/acme",
            "/acme/unknown",
            "/-bad/graphql",
            "/has.dot/graphql",
            "//graphql",
        ] {
            assert_eq!(tenant_of(path), None, "{path}");
        }
        let long = format!("/{}/graphql", "a".repeat(64));
        assert_eq!(tenant_of(&long), None);
        let longest = format!("/{}/graphql", "a".repeat(63));
        assert!(tenant_of(&longest).is_some());
    }

    #[test]
    fn host_names_lose_their_port_and_case() {
        assert_eq!(host_name("127.0.0.1:4000"), "127.0.0.1");
        assert_eq!(host_name("[::1]:4000"), "::1");
        assert_eq!(host_name("LocalHost"), "localhost");
        assert_eq!(host_name("shop.example.:8080"), "shop.example");
    }
}
