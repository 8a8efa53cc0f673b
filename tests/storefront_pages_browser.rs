//! Clicking through the outbox in a real headless Chromium: the reset link opens a form that
//! sets a new password through the mock's GraphQL (the policy's message shown as GraphQL says
//! it, then success; the new password signs in, the old one does not), and the confirmation
//! link of a mock requiring confirmation confirms the account (then it signs in). A hostile
//! email shows as text. Every wait polls the page with a deadline; nothing sleeps for an expiry.
//!
//! Skips without Chromium unless `REQUIRE_BROWSER_TESTS=1`; see `common/browser.rs`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::time::Instant;

use browser::{click, eval, type_into, wait_for, Browser};
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::gql;
use fantoccini::Client;
use serde_json::{json, Value};

const SIGN_IN: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";
const REQUEST_RESET: &str = "mutation($e: String!) { requestPasswordResetEmail(email: $e) }";
const CREATE: &str =
    "mutation($i: CustomerCreateInput!) { createCustomerV2(input: $i) { customer { email } } }";
const RONI: &str = "roni_cost@example.com";
const GENERIC_SIGN_IN: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";
const HOSTILE_EMAIL: &str = r#""</script><script>document.title='owned'</script><b>"@example.com"#;
/// What the page shows when a wait times out.
const DESCRIBE: &str = "const m = document.getElementById('message'); \
     return { url: location.href, outcome: document.body.dataset.outcome || null, \
              message: m ? m.textContent : null, title: document.title };";

/// JavaScript: the message box's text once it equals `text`.
fn message_is(text: &str) -> String {
    format!(
        "const m = document.getElementById('message'); \
         return m && !m.hidden && m.textContent === {} ? m.textContent : null;",
        json!(text)
    )
}

async fn sign_in_status(url: &str, email: &str, password: &str) -> (u16, Value) {
    let r = gql(url, SIGN_IN, json!({"email": email, "password": password}), &[]).await;
    (r.status, r.json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_links_open_pages_that_complete_the_reset_and_the_confirmation() {
    let started = Instant::now();
    let Some(browser) = Browser::start("storefront-pages-browser").await else {
        return;
    };
    let browser_up = started.elapsed();
    reset_password_in_the_browser(&browser.client).await;
    confirm_account_in_the_browser(&browser.client).await;
    hostile_email_is_text(&browser.client).await;
    browser.close().await;
    println!(
        "storefront pages browser test took {:.1} s ({:.1} s of it starting the browser)",
        started.elapsed().as_secs_f64(),
        browser_up.as_secs_f64()
    );
}

async fn reset_password_in_the_browser(client: &Client) {
    let server = TestServer::start(Profile::Saas).await;
    let url = server.graphql_url();
    let r = gql(&url, REQUEST_RESET, json!({"e": RONI}), &[]).await;
    assert_eq!(r.body, r#"{"data":{"requestPasswordResetEmail":true}}"#);
    let link = server.domain.outbox_for(RONI).last().unwrap().link.clone();
    assert!(link.starts_with(&format!(
        "{}/customer/account/createPassword/?token=",
        server.base_url()
    )));

    client.goto(&link).await.expect("open the reset link");
    wait_for(
        client,
        "the form",
        "return document.body.dataset.ready || null",
        DESCRIBE,
    )
    .await;
    assert_eq!(
        eval(client, "return document.title").await,
        json!("Set a New Password")
    );
    // The style ran under the page's CSP (its nonce), not only the script.
    assert_eq!(
        eval(
            client,
            "return getComputedStyle(document.getElementById('submit')).backgroundColor"
        )
        .await,
        json!("rgb(11, 92, 173)")
    );
    assert_eq!(
        eval(
            client,
            "return document.getElementById('customer-email').textContent"
        )
        .await,
        json!(RONI)
    );

    // Checked on the page, as Magento's controller does, before anything is sent.
    type_into(client, "#password", "Brand-New-2026").await;
    type_into(client, "#password-confirmation", "Brand-New-2025").await;
    click(client, "#submit").await;
    wait_for(
        client,
        "the mismatch message",
        &message_is("New Password and Confirm New Password values didn't match."),
        DESCRIBE,
    )
    .await;

    // The password policy answers through GraphQL; the page shows its message as sent.
    type_into(client, "#password", "short").await;
    type_into(client, "#password-confirmation", "short").await;
    click(client, "#submit").await;
    wait_for(
        client,
        "the policy message from GraphQL",
        &message_is("The password needs at least 8 characters. Create a new password and try again."),
        DESCRIBE,
    )
    .await;
    assert!(
        server.domain.live_reset_token(1).is_some(),
        "a refused password leaves the token live"
    );

    type_into(client, "#password", "Brand-New-2026").await;
    type_into(client, "#password-confirmation", "Brand-New-2026").await;
    click(client, "#submit").await;
    wait_for(
        client,
        "the success message",
        &message_is("You updated your password."),
        DESCRIBE,
    )
    .await;
    assert_eq!(
        eval(
            client,
            "return [document.getElementById('hint').textContent, document.getElementById('reset-form').hidden]"
        )
        .await,
        json!(["Sign in with roni_cost@example.com and your new password.", true])
    );

    // The new password signs in; the old one does not; the link is spent.
    let (status, body) = sign_in_status(&url, RONI, "Brand-New-2026").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["generateCustomerToken"]["token"].is_string(),
        "{body}"
    );
    let (status, body) = sign_in_status(&url, RONI, "Roni-Cost-2024").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["message"], json!(GENERIC_SIGN_IN));
    client.goto(&link).await.expect("open the spent link");
    wait_for(
        client,
        "the expired-link message",
        &message_is("Your password reset link has expired."),
        DESCRIBE,
    )
    .await;
}

async fn confirm_account_in_the_browser(client: &Client) {
    let server = common::requiring_confirmation(Profile::Saas).await;
    let url = server.graphql_url();
    let email = "new.customer@example.com";
    let input =
        json!({"firstname": "New", "lastname": "Customer", "email": email, "password": "N3w-Password"});
    let r = gql(&url, CREATE, json!({ "i": input }), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, body) = sign_in_status(&url, email, "N3w-Password").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        json!("This account isn't confirmed. Verify and try again.")
    );
    let link = server.domain.outbox_for(email).last().unwrap().link.clone();

    client.goto(&link).await.expect("open the confirmation link");
    wait_for(
        client,
        "the confirmation",
        &message_is("Thank you for registering with Main Website."),
        DESCRIBE,
    )
    .await;
    assert_eq!(
        eval(client, "return document.title").await,
        json!("Confirm Your Account")
    );
    assert_eq!(
        eval(client, "return document.getElementById('hint').textContent").await,
        json!("You can now sign in with new.customer@example.com.")
    );
    let (status, body) = sign_in_status(&url, email, "N3w-Password").await;
    assert_eq!(status, 200, "{body}");

    // A second click: GraphQL's answer, shown as it is.
    client.refresh().await.expect("reload the confirmation link");
    wait_for(
        client,
        "the already-active message",
        &message_is("The account is already active."),
        DESCRIBE,
    )
    .await;
}

/// A quoted local part may hold markup; the page shows it as text and runs only its own script.
async fn hostile_email_is_text(client: &Client) {
    let server = TestServer::start(Profile::Saas).await;
    let url = server.graphql_url();
    let input = json!({"firstname": "Eve", "lastname": "Hostile", "email": HOSTILE_EMAIL, "password": "Eve-Pass-2026"});
    let r = gql(&url, CREATE, json!({ "i": input }), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    gql(&url, REQUEST_RESET, json!({"e": HOSTILE_EMAIL}), &[]).await;
    let link = server
        .domain
        .outbox_for(HOSTILE_EMAIL)
        .last()
        .unwrap()
        .link
        .clone();
    client.goto(&link).await.expect("open the reset link");
    wait_for(
        client,
        "the form",
        "return document.body.dataset.ready || null",
        DESCRIBE,
    )
    .await;
    assert_eq!(
        eval(
            client,
            "return [document.title, document.getElementById('customer-email').textContent, \
                     document.querySelectorAll('b').length, document.scripts.length]"
        )
        .await,
        json!(["Set a New Password", HOSTILE_EMAIL, 0, 2])
    );
}
