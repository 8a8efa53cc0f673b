//! The storefront pages the emails link to (`createPassword`, `confirm`), over HTTP: status,
//! headers, what each page embeds for its script, the answers to unusable links, and escaping
//! of attacker-controlled input. `storefront_pages_browser.rs` clicks through them in Chromium.

mod common;

use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{get, gql, request, Reply};
use serde_json::{json, Value};

const RONI: &str = "roni_cost@example.com";
const REQUEST_RESET: &str = "mutation($e: String!) { requestPasswordResetEmail(email: $e) }";
const RESET: &str =
    "mutation($e: String!, $t: String!, $p: String!) { resetPassword(email: $e, resetPasswordToken: $t, newPassword: $p) }";
const CREATE: &str =
    "mutation($i: CustomerCreateInput!) { createCustomerV2(input: $i) { customer { email } } }";
/// An address `createCustomerV2` accepts (a quoted local part may hold `<`, `>` and `/`) that
/// would run a script if a page pasted it unescaped.
const HOSTILE_EMAIL: &str = r#""</script><script>alert(1)</script><b>"@example.com"#;
const EXPIRED: &str =
    r#"<div id="message" class="message error" role="alert">Your password reset link has expired.</div>"#;

/// The reset link of the newest email to `email`.
async fn reset_link(s: &TestServer, email: &str) -> String {
    let r = gql(&s.graphql_url(), REQUEST_RESET, json!({"e": email}), &[]).await;
    assert_eq!(r.body, r#"{"data":{"requestPasswordResetEmail":true}}"#);
    s.domain
        .outbox_for(email)
        .last()
        .expect("a reset email")
        .link
        .clone()
}

async fn open(url: &str) -> Reply {
    get(url, &[], &[]).await
}

/// The JSON the page hands its script, parsed.
fn page_data(body: &str) -> Value {
    let start = r#"<script type="application/json" id="page-data">"#;
    let at = body
        .find(start)
        .unwrap_or_else(|| panic!("no page data in {body}"))
        + start.len();
    let end = body[at..].find("</script>").expect("end of page data") + at;
    serde_json::from_str(&body[at..end]).expect("page data is JSON")
}

/// The nonce on the page's script (and style), asserting the CSP admits exactly it.
fn assert_headers_and_nonce(r: &Reply) {
    assert_eq!(r.status, 200, "{}", r.body);
    let header = |name: &str| r.headers.get(name).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(
        header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    let style = r#"<style nonce=""#;
    let at = r.body.find(style).expect("a nonce'd style") + style.len();
    let nonce = &r.body[at..at + r.body[at..].find('"').unwrap()];
    assert_eq!(nonce.len(), 24, "{nonce}");
    assert_eq!(
        header("content-security-policy").unwrap(),
        format!(
            "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; \
             img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
    );
    if r.body.contains("<script nonce") {
        assert!(r.body.contains(&format!("<script nonce=\"{nonce}\">")));
    }
    // Self-contained: nothing on the page points anywhere else.
    for outside in ["http://", "https://", "src=\"//", "href=\"//"] {
        assert!(!r.body.contains(outside), "{outside} in {}", r.body);
    }
}

#[tokio::test]
async fn reset_link_opens_a_form_for_its_customer() {
    let s = TestServer::start(Profile::Saas).await;
    let link = reset_link(&s, RONI).await;
    let token = s.domain.live_reset_token(1).unwrap();
    assert_eq!(
        link,
        format!("{}/customer/account/createPassword/?token={token}", s.base_url())
    );
    let r = open(&link).await;
    assert_headers_and_nonce(&r);
    assert!(r.body.contains("<title>Set a New Password</title>"), "{}", r.body);
    assert!(r
        .body
        .contains("<header>Main Website · commerce-auth-mock</header>"));
    assert!(r
        .body
        .contains(r#"Set a new password for <strong id="customer-email">roni_cost@example.com</strong>."#));
    assert!(r.body.contains(r#"<label for="password">New Password</label>"#));
    assert!(r
        .body
        .contains(r#"<label for="password-confirmation">Confirm New Password</label>"#));
    assert!(r
        .body
        .contains(r#"<button type="submit" id="submit">Set a New Password</button>"#));
    assert_eq!(
        page_data(&r.body),
        json!({"graphql": "../../../graphql", "email": RONI, "token": token})
    );
    // Opening the page changes nothing: the token stays live and unchanged.
    assert_eq!(s.domain.live_reset_token(1), Some(token.clone()));

    // Without the trailing slash the page is one level higher: GraphQL is one `..` nearer.
    let r = open(&format!(
        "{}/customer/account/createPassword?token={token}",
        s.base_url()
    ))
    .await;
    assert_headers_and_nonce(&r);
    assert_eq!(
        page_data(&r.body),
        json!({"graphql": "../../graphql", "email": RONI, "token": token})
    );
}

#[tokio::test]
async fn unknown_expired_replaced_and_used_links_say_the_link_has_expired() {
    let s = TestServer::start(Profile::Saas).await;
    let base = s.base_url();
    let assert_expired = |r: &Reply| {
        assert_headers_and_nonce(r);
        assert!(r.body.contains(EXPIRED), "{}", r.body);
        assert!(r.body.contains("requestPasswordResetEmail"), "{}", r.body);
        assert!(!r.body.contains("<form"), "{}", r.body);
        assert!(!r.body.contains("<script"), "{}", r.body);
    };
    for url in [
        format!("{base}/customer/account/createPassword/"),
        format!("{base}/customer/account/createPassword/?token="),
        format!("{base}/customer/account/createPassword/?token=notatokenofanyone0000000000000000"),
    ] {
        assert_expired(&open(&url).await);
    }
    // Replaced by a newer request.
    let first = reset_link(&s, RONI).await;
    let second = reset_link(&s, RONI).await;
    assert_expired(&open(&first).await);
    assert!(open(&second).await.body.contains("<form"));
    // Used.
    let token = s.domain.live_reset_token(1).unwrap();
    let r = gql(
        &s.graphql_url(),
        RESET,
        json!({"e": RONI, "t": token, "p": "Brand-New-1"}),
        &[],
    )
    .await;
    assert_eq!(r.body, r#"{"data":{"resetPassword":true}}"#);
    assert_expired(&open(&second).await);
    // Expired: the mock's clock moves past the 2-hour lifetime.
    let third = reset_link(&s, RONI).await;
    s.domain.clock().advance(7199);
    assert!(open(&third).await.body.contains("<form"));
    s.domain.clock().advance(1);
    assert_expired(&open(&third).await);
}

#[tokio::test]
async fn a_hostile_token_is_never_echoed() {
    let s = TestServer::start(Profile::Saas).await;
    let hostile = r#""'><script>alert(1)</script><img src=x onerror=alert(2)>"#;
    let r = get(
        &format!("{}/customer/account/createPassword/", s.base_url()),
        &[("token", hostile)],
        &[],
    )
    .await;
    assert!(r.body.contains(EXPIRED), "{}", r.body);
    for fragment in ["alert(", "onerror", "<img", "&lt;script"] {
        assert!(!r.body.contains(fragment), "{fragment} in {}", r.body);
    }
}

#[tokio::test]
async fn a_hostile_email_is_text_on_the_page_and_data_for_the_script() {
    let s = TestServer::start(Profile::Saas).await;
    let input = json!({"firstname": "Eve", "lastname": "Hostile", "email": HOSTILE_EMAIL, "password": "Eve-Pass-2026"});
    let r = gql(&s.graphql_url(), CREATE, json!({ "i": input }), &[]).await;
    assert_eq!(
        r.json(),
        json!({"data": {"createCustomerV2": {"customer": {"email": HOSTILE_EMAIL}}}})
    );
    let r = open(&reset_link(&s, HOSTILE_EMAIL).await).await;
    assert_headers_and_nonce(&r);
    assert!(
        r.body.contains(
            r#"<strong id="customer-email">&quot;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;&quot;@example.com</strong>"#
        ),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(
            r#""email":"\"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u003cb\u003e\"@example.com""#
        ),
        "{}",
        r.body
    );
    assert_eq!(page_data(&r.body)["email"], json!(HOSTILE_EMAIL));
    assert!(!r.body.contains("<script>alert"), "{}", r.body);
    assert!(!r.body.contains("<b>"), "{}", r.body);
}

#[tokio::test]
async fn confirmation_link_opens_a_page_that_confirms_through_graphql() {
    let s = common::requiring_confirmation(Profile::Saas).await;
    let input = json!({"firstname": "New", "lastname": "Person", "email": "new@example.com", "password": "N3w-Password"});
    let r = gql(&s.graphql_url(), CREATE, json!({ "i": input }), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mail = s.domain.outbox_for("new@example.com");
    let key = mail[0].token.clone();
    assert_eq!(
        mail[0].link,
        format!("{}/customer/account/confirm/?id=7&key={key}", s.base_url())
    );
    let r = open(&mail[0].link).await;
    assert_headers_and_nonce(&r);
    assert!(
        r.body.contains("<title>Confirm Your Account</title>"),
        "{}",
        r.body
    );
    assert!(r
        .body
        .contains(r#"Confirming the account of <strong id="customer-email">new@example.com</strong>…"#));
    assert_eq!(
        page_data(&r.body),
        json!({
            "graphql": "../../../graphql",
            "email": "new@example.com",
            "key": key,
            "success": "Thank you for registering with Main Website."
        })
    );
    // The page itself confirms nothing: its script calls confirmEmail.
    assert!(!s.domain.customer(7).unwrap().confirmed);
    let r = open(&format!(
        "{}/customer/account/confirm?id=7&key={key}",
        s.base_url()
    ))
    .await;
    assert_eq!(page_data(&r.body)["graphql"], json!("../../graphql"));
}

#[tokio::test]
async fn confirmation_links_without_id_or_key_or_customer_say_so() {
    let s = common::requiring_confirmation(Profile::Saas).await;
    let base = s.base_url();
    for (query, message) in [
        ("", "Bad request."),
        ("?id=3", "Bad request."),
        ("?key=0123456789abcdef0123456789abcdef", "Bad request."),
        ("?id=0&key=0123456789abcdef0123456789abcdef", "Bad request."),
        ("?id=3&key=0", "Bad request."),
        (
            "?id=999&key=0123456789abcdef0123456789abcdef",
            "There was an error confirming the account",
        ),
        (
            "?id=three&key=0123456789abcdef0123456789abcdef",
            "There was an error confirming the account",
        ),
    ] {
        let r = open(&format!("{base}/customer/account/confirm/{query}")).await;
        assert_headers_and_nonce(&r);
        assert!(
            r.body.contains(&format!(
                r#"<div id="message" class="message error" role="alert">{message}</div>"#
            )),
            "{query}: {}",
            r.body
        );
        assert!(!r.body.contains("<script"), "{query}: {}", r.body);
    }
}

#[tokio::test]
async fn a_hostile_confirmation_key_is_data_for_the_script_only() {
    let s = common::requiring_confirmation(Profile::Saas).await;
    let hostile = r#"</script><script>alert(1)</script>"'&"#;
    let r = get(
        &format!("{}/customer/account/confirm/", s.base_url()),
        &[("id", "3"), ("key", hostile)],
        &[],
    )
    .await;
    assert_headers_and_nonce(&r);
    assert!(
        r.body
            .contains(r#""key":"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\"'\u0026""#),
        "{}",
        r.body
    );
    assert_eq!(page_data(&r.body)["key"], json!(hostile));
    assert!(!r.body.contains("<script>alert"), "{}", r.body);
}

#[tokio::test]
async fn the_pages_answer_get_only() {
    let s = TestServer::start(Profile::Saas).await;
    for path in ["/customer/account/createPassword/", "/customer/account/confirm/"] {
        let r = request("POST", &format!("{}{path}", s.base_url()), "", &[]).await;
        assert_eq!(r.status, 405, "{path}: {}", r.body);
        let r = request("HEAD", &format!("{}{path}", s.base_url()), "", &[]).await;
        assert_eq!(r.status, 200, "{path}");
    }
}
