//! `commerce-auth-mock health`: is a mock answering GraphQL? For container health checks, where
//! a `FROM scratch` image has no curl: the binary asks itself.

use std::time::{Duration, Instant};

use serde_json::Value;

/// The query sent: the smallest document every GraphQL server answers with `data`.
pub(crate) const QUERY_BODY: &str = r#"{"query":"{ __typename }"}"#;

/// `http://127.0.0.1:<COMMERCE_AUTH_MOCK_PORT or 4000>/graphql`: the address `serve` listens on
/// with the same environment, seen from inside its container.
pub(crate) fn default_url() -> String {
    let port = std::env::var("COMMERCE_AUTH_MOCK_PORT")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "4000".into());
    format!("http://127.0.0.1:{}/graphql", port.trim())
}

/// Posts [`QUERY_BODY`] to `url`. `Ok` with a one-line summary when the answer is HTTP 200 with a
/// GraphQL `data` object; otherwise `Err` with one line saying what failed.
pub(crate) fn check(url: &str, timeout: Duration) -> Result<String, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
    rt.block_on(check_async(url, timeout))
}

async fn check_async(url: &str, timeout: Duration) -> Result<String, String> {
    let client = crate::http_client::client_builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("commerce-auth-mock-health/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let started = Instant::now();
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(QUERY_BODY)
        .send()
        .await
        .map_err(|e| format!("POST {url} failed: {}", error_chain(&e)))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| format!("POST {url}: HTTP {status}, body unreadable: {}", error_chain(&e)))?;
    if status != reqwest::StatusCode::OK {
        return Err(format!("POST {url} answered HTTP {status}: {}", excerpt(&body)));
    }
    let json: Value = serde_json::from_str(&body)
        .map_err(|_| format!("POST {url} answered HTTP 200 but not JSON: {}", excerpt(&body)))?;
    if !json.get("data").is_some_and(Value::is_object) {
        return Err(format!(
            "POST {url} answered HTTP 200 without GraphQL data: {}",
            excerpt(&body)
        ));
    }
    Ok(format!(
        "healthy: {url} answered GraphQL in {:.2} ms",
        started.elapsed().as_secs_f64() * 1000.0
    ))
}

/// reqwest's top-level message ("error sending request for url …") hides the cause (refused,
/// timed out, DNS); the whole chain on one line says what to fix.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The start of a body, on one line.
fn excerpt(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "(empty body)".into();
    }
    match one_line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// The `health` subcommand: exit status 0 when healthy, 1 otherwise.
pub fn run(url: Option<&str>, timeout: Duration) -> u8 {
    let url = url.map(str::to_string).unwrap_or_else(default_url);
    match check(&url, timeout) {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(line) => {
            eprintln!("unhealthy: {line}");
            1
        }
    }
}
