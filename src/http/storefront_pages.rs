//! The storefront pages the mock's emails link to, so a person can click through the outbox:
//!
//! - `GET /customer/account/createPassword/?token=…` (the reset-password email): a form that
//!   sets a new password through the mock's own `resetPassword`;
//! - `GET /customer/account/confirm/?id=…&key=…` (the confirmation email): a page that confirms
//!   the account through the mock's own `confirmEmail`.
//!
//! Each is one self-contained HTML page (inline CSS and JS, nothing fetched elsewhere) whose
//! script calls GraphQL from the browser, same origin, so the request is journaled, faulted and
//! answered exactly like a storefront's. Every URL in a page is relative to the page, because a
//! store may be served under a tenant prefix (`/<tenant>/customer/account/…`) that the handler
//! never sees. What Magento's own pages do, and where the mock differs, is in
//! `docs/mock-decisions.md` ("Storefront pages").
//!
//! The token, key, id and email are attacker-controlled: visible text is HTML-escaped, data for
//! the script travels as JSON escaped for a `<script>` element, and the CSP allows only the
//! script and style carrying this response's nonce, so an injection that slipped through would
//! still not run.

use std::sync::Arc;

use axum::extract::RawQuery;
use axum::http::{header, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use base64::Engine as _;
use rand::RngCore;
use serde_json::json;

use super::store::Store;

const LAYOUT: &str = include_str!("storefront_pages/layout.html");
const CREATE_PASSWORD_JS: &str = include_str!("storefront_pages/create_password.js");
const CONFIRM_JS: &str = include_str!("storefront_pages/confirm.js");

/// Magento's page title for `customer/account/createPassword`.
pub const CREATE_PASSWORD_TITLE: &str = "Set a New Password";
/// **Mock decision**: Magento's confirm link redirects rather than showing a page; the title is
/// the confirmation email's button text.
pub const CONFIRM_TITLE: &str = "Confirm Your Account";
/// What Magento's `CreatePassword` controller says for any token it cannot use.
pub const RESET_LINK_EXPIRED: &str = "Your password reset link has expired.";
/// Magento's `Confirm` controller, for a link without `id` or `key`.
pub const BAD_REQUEST: &str = "Bad request.";
/// Magento's `Confirm` controller, for an `id` naming no customer (no final period, as Magento).
pub const CONFIRM_ERROR: &str = "There was an error confirming the account";

/// Magento's `Confirm` controller success message, with the store's name.
pub fn thank_you_for_registering(store_name: &str) -> String {
    format!("Thank you for registering with {store_name}.")
}

/// `GET /customer/account/createPassword/` (and without the trailing slash).
pub async fn create_password(
    Extension(store): Extension<Arc<Store>>,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let token = param(query.as_deref(), "token").unwrap_or_default();
    let customer = store.domain.customer_by_live_reset_token(&token);
    let page = Page {
        title: CREATE_PASSWORD_TITLE,
        store_name: &store.domain.store_config().website_name,
    };
    let html = match customer {
        Some(c) => page.render(
            &create_password_form(&c.email),
            Some((
                &json!({
                    "graphql": graphql_url(uri.path()),
                    "email": c.email.as_str(),
                    "token": token,
                }),
                CREATE_PASSWORD_JS,
            )),
        ),
        None => page.render(&expired_link(), None),
    };
    html_response(html)
}

/// `GET /customer/account/confirm/` (and without the trailing slash).
pub async fn confirm(
    Extension(store): Extension<Arc<Store>>,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let id = param(query.as_deref(), "id").unwrap_or_default();
    let key = param(query.as_deref(), "key").unwrap_or_default();
    let store_name = store.domain.store_config().website_name;
    let page = Page {
        title: CONFIRM_TITLE,
        store_name: &store_name,
    };
    // Magento's checks: `empty($id) || empty($key)` in PHP's sense, then the customer by id.
    if php_empty(&id) || php_empty(&key) {
        return html_response(page.render(&error_message(BAD_REQUEST), None));
    }
    let customer = id.parse::<u64>().ok().and_then(|id| store.domain.customer(id));
    let Some(customer) = customer else {
        return html_response(page.render(&error_message(CONFIRM_ERROR), None));
    };
    let html = page.render(
        &confirming(&customer.email),
        Some((
            &json!({
                "graphql": graphql_url(uri.path()),
                "email": customer.email.as_str(),
                "key": key,
                "success": thank_you_for_registering(&store_name),
            }),
            CONFIRM_JS,
        )),
    );
    html_response(html)
}

/// GraphQL relative to a page at `path`: the pages sit three segments below the store's root
/// (`customer/account/createPassword/`), or two plus a last segment without the slash, and a
/// relative URL keeps whatever prefix the browser's address has.
fn graphql_url(path: &str) -> &'static str {
    if path.ends_with('/') {
        "../../../graphql"
    } else {
        "../../graphql"
    }
}

/// The last value of `name` in a query string, as PHP reads a repeated parameter.
fn param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .filter(|(k, _)| k == name)
        .last()
        .map(|(_, v)| v.into_owned())
}

fn php_empty(s: &str) -> bool {
    s.is_empty() || s == "0"
}

fn create_password_form(email: &str) -> String {
    format!(
        r#"<p class="lead">Set a new password for <strong id="customer-email">{email}</strong>.</p>
<div id="message" hidden></div>
<form id="reset-form" novalidate>
  <div class="field">
    <label for="password">New Password</label>
    <input type="password" id="password" name="password" autocomplete="new-password" required>
  </div>
  <div class="field">
    <label for="password-confirmation">Confirm New Password</label>
    <input type="password" id="password-confirmation" name="password_confirmation" autocomplete="new-password" required>
  </div>
  <button type="submit" id="submit">Set a New Password</button>
</form>
<p id="hint" class="hint" hidden></p>
<noscript><p class="message error">This page needs JavaScript to set the password.</p></noscript>"#,
        email = escape_html(email)
    )
}

fn expired_link() -> String {
    format!(
        r#"{}
<p id="hint" class="hint">Request a new link with the storefront's "Forgot Your Password?" form
(<code>requestPasswordResetEmail</code>). Each request replaces the previous link; the new email is in
the mock's outbox (<code>GET /__mock/outbox</code>, or the console's Outbox).</p>"#,
        error_message(RESET_LINK_EXPIRED)
    )
}

fn confirming(email: &str) -> String {
    format!(
        r#"<p id="progress" class="lead">Confirming the account of <strong id="customer-email">{email}</strong>…</p>
<div id="message" hidden></div>
<p id="hint" class="hint" hidden></p>
<noscript><p class="message error">This page needs JavaScript to confirm the account.</p></noscript>"#,
        email = escape_html(email)
    )
}

/// A constant message (never user input) as the page's error box.
fn error_message(text: &str) -> String {
    format!(
        r#"<div id="message" class="message error" role="alert">{}</div>"#,
        escape_html(text)
    )
}

/// The frame of a page: title, store name, content, and optionally the script with its data.
struct Page<'a> {
    title: &'a str,
    store_name: &'a str,
}

impl Page<'_> {
    fn render(&self, content: &str, script: Option<(&serde_json::Value, &str)>) -> RenderedPage {
        let nonce = nonce();
        let script = script
            .map(|(data, js)| {
                format!(
                    "<script type=\"application/json\" id=\"page-data\">{}</script>\n<script nonce=\"{nonce}\">\n{js}</script>",
                    json_for_script(data)
                )
            })
            .unwrap_or_default();
        let html = fill(
            LAYOUT,
            &[
                ("title", &escape_html(self.title)),
                ("store", &escape_html(self.store_name)),
                ("nonce", &nonce),
                ("content", content),
                ("script", &script),
            ],
        );
        RenderedPage { html, nonce }
    }
}

struct RenderedPage {
    html: String,
    nonce: String,
}

/// Replaces each `{{name}}` of `template` in one pass, so a value (which may hold user input)
/// is never itself searched for placeholders.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 1024);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| {
            let name = &after[..end];
            values.iter().find(|(n, _)| *n == name).map(|(_, v)| (end, *v))
        }) {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text for HTML content or a quoted attribute.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that can sit inside a `<script>` element: no `<` (so no `</script>` or `<!--`), `>` or
/// `&` survive as such, and the two line separators JavaScript once treated as newlines are
/// escaped too. `JSON.parse` reads the escapes back as the original characters.
pub(crate) fn json_for_script(value: &serde_json::Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A fresh value for each response, so the CSP admits only the script and style written here.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The page's policy: its own nonce'd script and style, requests to the mock itself, nothing else.
fn csp(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; \
         img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

fn html_response(page: RenderedPage) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            // The URL carries a live secret: keep it out of caches and other sites' logs.
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::REFERRER_POLICY, "no-referrer".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CONTENT_SECURITY_POLICY, csp(&page.nonce)),
        ],
        page.html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "\"'><script>alert(1)</script><!--&amp;\u{2028}";

    #[test]
    fn html_escaping_leaves_no_markup() {
        assert_eq!(
            escape_html(HOSTILE),
            "&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--&amp;amp;\u{2028}"
        );
    }

    #[test]
    fn script_json_cannot_close_the_element_and_reads_back_unchanged() {
        let value = json!({ "token": HOSTILE });
        let embedded = json_for_script(&value);
        assert_eq!(
            embedded,
            r#"{"token":"\"'\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u003c!--\u0026amp;\u2028"}"#
        );
        let back: serde_json::Value = serde_json::from_str(&embedded).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn placeholders_in_values_are_not_filled() {
        assert_eq!(
            fill("<{{a}}|{{b}}|{{unknown}}|{{", &[("a", "{{b}}"), ("b", "B")]),
            "<{{b}}|B|{{unknown}}|{{"
        );
    }

    #[test]
    fn graphql_is_reached_relative_to_the_page_under_any_prefix() {
        for base in [
            "http://127.0.0.1:4000",
            "http://127.0.0.1:4000/tenant-a",
            "http://h/a/b",
        ] {
            for page in [
                "/customer/account/createPassword/",
                "/customer/account/createPassword",
                "/customer/account/confirm/",
                "/customer/account/confirm",
            ] {
                let at = url::Url::parse(&format!("{base}{page}?token=x")).unwrap();
                let graphql = at.join(graphql_url(page)).unwrap();
                assert_eq!(graphql.as_str(), format!("{base}/graphql"), "{at}");
            }
        }
    }

    #[test]
    fn the_last_of_repeated_parameters_wins_and_values_are_decoded() {
        assert_eq!(
            param(Some("token=a&token=b%20c+d"), "token").as_deref(),
            Some("b c d")
        );
        assert_eq!(param(Some("id=1&key="), "key").as_deref(), Some(""));
        assert_eq!(param(Some("id=1"), "key"), None);
        assert_eq!(param(None, "key"), None);
    }

    #[test]
    fn each_page_has_its_own_nonce_in_the_policy_and_on_its_script_and_style() {
        let page = Page {
            title: CREATE_PASSWORD_TITLE,
            store_name: "Main Website",
        };
        let a = page.render("", Some((&json!({}), "")));
        let b = page.render("", None);
        assert_ne!(a.nonce, b.nonce);
        assert_eq!(a.nonce.len(), 24);
        assert!(a.html.contains(&format!("<script nonce=\"{}\">", a.nonce)));
        assert!(a.html.contains(&format!("<style nonce=\"{}\">", a.nonce)));
        assert!(!b.html.contains("<script"), "no script without data");
    }
}
