//! Helpers shared by the HTTP integration tests: a reqwest client and compact request helpers.
#![allow(dead_code)]

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

/// A response reduced to what the tests assert: status and the exact body bytes as text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

fn header_map(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await.expect("body");
    Reply {
        status,
        body,
        headers,
    }
}

/// POST a raw body with the given headers.
pub async fn post_raw(url: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
    let resp = client()
        .post(url)
        .headers(header_map(headers))
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    reply(resp).await
}

/// POST `{"query":…,"variables":…}` as application/json, with optional extra headers.
pub async fn gql(url: &str, query: &str, variables: Value, headers: &[(&str, &str)]) -> Reply {
    let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    post_raw(url, &body, &all).await
}

/// GET with URL query parameters.
pub async fn get(url: &str, params: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
    let resp = client()
        .get(url)
        .query(params)
        .headers(header_map(headers))
        .send()
        .await
        .expect("send");
    reply(resp).await
}

/// Any method, raw body.
pub async fn request(method: &str, url: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let resp = client()
        .request(method, url)
        .headers(header_map(headers))
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    reply(resp).await
}

/// The wire body of an error raised by root field `field` of a one-line `query` (spec 4.1): the
/// field's location, its path, the category, and `data` with the field null.
pub fn field_error(query: &str, field: &str, message: &str, category: &str) -> String {
    let column = query
        .find(&format!("{field}("))
        .or_else(|| query.find(field))
        .expect("field in query")
        + 1;
    serde_json::json!({
        "errors": [{
            "message": message,
            "locations": [{"line": 1, "column": column}],
            "path": [field],
            "extensions": {"category": category}
        }],
        "data": { field: null }
    })
    .to_string()
}

/// A mock with the default fixtures that requires email confirmation of new accounts
/// (`serve --require-confirmation`; Magento's default is not to).
pub async fn requiring_confirmation(
    profile: commerce_auth_mock::profile::Profile,
) -> commerce_auth_mock::http::TestServer {
    let config = commerce_auth_mock::http::ServeConfig {
        profile,
        require_confirmation: true,
        ..Default::default()
    };
    commerce_auth_mock::http::TestServer::start_config(
        config,
        commerce_auth_mock::domain::Fixtures::embedded_default(),
    )
    .await
}
