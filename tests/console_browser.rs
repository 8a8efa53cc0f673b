//! The web console at `/__mock/ui`, driven in a real headless Chromium through ChromeDriver
//! (Debian's `chromium` and `chromium-driver`, which `.ci/run` installs when missing).
//!
//! A customer signs in through GraphQL; the console generates a login code for
//! `assisted@example.com`; the test reads the code off the page, exchanges it with
//! `generateCustomerToken`, and waits for the page's journal to show that request. Every wait
//! polls the DOM with a bounded timeout; nothing sleeps for an expiry (the mock's clock is moved).
//! Then, against a `paas-2.4.8` mock with a control token: the page asks for the token, hides
//! Generate Login Code saying why, and its actions work with the token.
//!
//! A second test drives the settings panel (a change the API then reports, refusals in the
//! server's words, reset), the Add customer form (the customer signs in over GraphQL) and the
//! sandbox picker (a customer added in a sandbox is not in the default store; reload; ending).
//!
//! - `SKIP_BROWSER_TESTS=1` skips the test with a printed reason. A missing browser or driver
//!   also skips it with the reason and what to install, unless `REQUIRE_BROWSER_TESTS=1` (set by
//!   `.ci/run`, which installs them), where it fails the test.
//! - `CONSOLE_SCREENSHOT=1` also writes `docs/console.png`.
//! - `CHROMEDRIVER` and `CHROME_BIN` override where the driver and the browser are looked for.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use browser::{click, eval, type_into, Browser, WAIT};
use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::gql;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

const SIGN_IN: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";
const REQUEST_RESET: &str = "mutation($e: String!) { requestPasswordResetEmail(email: $e) }";
const ASSISTED_ROW: &str = r#"tr[data-email="assisted@example.com"]"#;

/// [`browser::wait_for`], saying what the console's status line reads on a timeout.
async fn wait_for(client: &Client, what: &str, script: &str) -> Value {
    browser::wait_for(
        client,
        what,
        script,
        "return document.querySelector('#status').textContent",
    )
    .await
}

/// The code shown in the assisted customer's row, when it differs from `previous`.
fn new_code_script(previous: &str) -> String {
    format!(
        "const c = document.querySelector('{ASSISTED_ROW} .otc-code'); \
         const t = c ? c.textContent.trim() : ''; \
         return /^[0-9a-f]{{32}}$/.test(t) && t !== '{previous}' ? t : null;"
    )
}

/// The countdown text of the assisted customer's row when it equals `text`.
fn countdown_script(text: &str) -> String {
    format!(
        "const c = document.querySelector('{ASSISTED_ROW} .otc-countdown'); \
         return c && c.textContent === '{text}' ? c.textContent : null;"
    )
}

/// Journal rows on the page with operation `op`, newest first, as "op status".
fn journal_script(op: &str, at_least: usize) -> String {
    format!(
        "const rows = [...document.querySelectorAll('#journal-table tbody tr[data-operation=\"{op}\"]')]; \
         return rows.length >= {at_least} ? rows.map(r => r.dataset.operation + ' ' + r.dataset.status) : null;"
    )
}

/// A headless Chromium big enough for the whole console (and for `docs/console.png`), or
/// `None` when the test is to be skipped (see [`Browser::start`]).
async fn console_browser() -> Option<Browser> {
    Browser::start_with_window("console-browser", "1440,1400", &["--hide-scrollbars"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_generates_a_login_code_that_signs_in_and_shows_in_the_journal() {
    let Some(browser) = console_browser().await else {
        return;
    };
    let started = Instant::now();
    let server = TestServer::start(Profile::Saas).await;
    let client = &browser.client;
    let mut result = drive(client, &server).await;
    if result.is_ok() {
        result = drive_guarded_paas(client).await;
    }
    browser.close().await;
    result.expect("the browser run");
    println!(
        "console browser test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn drive(client: &Client, server: &TestServer) -> Result<(), String> {
    client
        .goto(&format!("{}/__mock/ui", server.base_url()))
        .await
        .map_err(|e| e.to_string())?;
    wait_for(
        client,
        "the console to load",
        "return document.body.dataset.ready || null",
    )
    .await;
    let rows = client
        .execute(
            "return [...document.querySelectorAll('#customers-table tbody tr')].map(r => r.dataset.email)",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(
        rows,
        json!([
            "roni_cost@example.com",
            "assisted@example.com",
            "unconfirmed@example.com",
            "locked@example.com",
            "nopassword@example.com",
            "bobloblaw@example.com"
        ])
    );

    // A customer signs in through GraphQL, and a reset email lands in the outbox.
    let url = server.graphql_url();
    let vars = json!({"email": "roni_cost@example.com", "password": "Roni-Cost-2024"});
    assert_eq!(gql(&url, SIGN_IN, vars, &[]).await.status, 200);
    gql(&url, REQUEST_RESET, json!({"e": "roni_cost@example.com"}), &[]).await;
    wait_for(
        client,
        "the sign-in in the journal",
        &journal_script("generateCustomerToken", 1),
    )
    .await;
    let token = wait_for(
        client,
        "the reset email in the outbox",
        "const t = document.querySelector('#outbox-list .outbox-token'); return t ? t.textContent : null;",
    )
    .await;
    assert_eq!(token, json!(server.domain.live_reset_token(1).unwrap()));

    // Generate Login Code in the console, read it off the page, exchange it over GraphQL.
    click(client, &format!("{ASSISTED_ROW} button[data-action=otp]")).await;
    let code = wait_for(client, "a login code on the page", &new_code_script("")).await;
    let code = code.as_str().unwrap().to_string();
    assert_eq!(server.domain.live_otc(2).as_deref(), Some(code.as_str()));
    // The mock's clock is frozen in tests: the countdown reads the full lifetime.
    wait_for(client, "the countdown", &countdown_script("expires in 30 s")).await;
    let vars = json!({"email": "assisted@example.com", "password": code});
    let r = gql(&url, SIGN_IN, vars, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let seen = wait_for(
        client,
        "the exchange in the journal",
        &journal_script("generateCustomerToken", 2),
    )
    .await;
    assert_eq!(seen[0], json!("generateCustomerToken 200"), "{seen}");
    wait_for(
        client,
        "the code to show as used",
        &countdown_script("used, expired or replaced"),
    )
    .await;

    // A second code, and the console's Advance button moves the mock's clock: the countdown
    // follows the mock's time, not the browser's.
    click(client, &format!("{ASSISTED_ROW} button[data-action=otp]")).await;
    wait_for(client, "a second login code", &new_code_script(&code)).await;
    client
        .execute("document.querySelector('#advance-seconds').value = '12'", vec![])
        .await
        .map_err(|e| e.to_string())?;
    click(client, "button[data-clock=advance]").await;
    wait_for(
        client,
        "the countdown after advancing",
        &countdown_script("expires in 18 s"),
    )
    .await;

    if std::env::var("CONSOLE_SCREENSHOT").as_deref() == Ok("1") {
        let png = client.screenshot().await.map_err(|e| e.to_string())?;
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/console.png");
        std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("screenshot written to {}", path.display());
    }
    search_and_pages(client, server).await
}

/// The rows' emails, in page order, as a script's answer.
const ROW_EMAILS: &str =
    "return [...document.querySelectorAll('#customers-table tbody tr')].map(r => r.dataset.email)";

/// The console shows one page of customers: a search narrows it, Next and Previous move
/// through pages of 50 (the listing is paged by the server, `GET /__mock/customers?page=`).
async fn search_and_pages(client: &Client, server: &TestServer) -> Result<(), String> {
    wait_for(
        client,
        "the count of customers",
        "const t = document.querySelector('#customers-count').textContent; return t === '1–6 of 6 customers.' ? t : null;",
    )
    .await;
    let search = client
        .find(Locator::Css("#customer-search"))
        .await
        .map_err(|e| e.to_string())?;
    search.send_keys("LOBLAW").await.map_err(|e| e.to_string())?;
    wait_for(
        client,
        "the search to narrow the rows",
        "const r = document.querySelectorAll('#customers-table tbody tr'); return r.length === 1 && r[0].dataset.email === 'bobloblaw@example.com' ? true : null;",
    )
    .await;
    let count = client
        .execute(
            "return document.querySelector('#customers-count').textContent",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(count, json!("1–1 of 1 customers matching “LOBLAW”."));
    search.clear().await.map_err(|e| e.to_string())?;
    // `clear` fires no input event: a key press does.
    search.send_keys(" ").await.map_err(|e| e.to_string())?;
    wait_for(
        client,
        "every row back",
        "return document.querySelectorAll('#customers-table tbody tr').length === 6 ? true : null;",
    )
    .await;

    // 60 more customers: two pages.
    let url = format!("{}/__mock/customers", server.base_url());
    for n in 1..=60 {
        let body = json!({"email": format!("page-{n:02}@example.com"), "firstname": "Page", "lastname": format!("Number {n}")});
        let r = common::post_raw(&url, &body.to_string(), &[("Content-Type", "application/json")]).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    wait_for(
        client,
        "the first page of 50",
        "const t = document.querySelector('#customers-count').textContent; return t === '1–50 of 66 customers.' ? t : null;",
    )
    .await;
    click(client, "#customers-next").await;
    wait_for(
        client,
        "the second page",
        "const t = document.querySelector('#customers-count').textContent; return t === '51–66 of 66 customers.' ? t : null;",
    )
    .await;
    let rows = client
        .execute(ROW_EMAILS, vec![])
        .await
        .map_err(|e| e.to_string())?;
    let expected: Vec<String> = (45..=60).map(|n| format!("page-{n:02}@example.com")).collect();
    assert_eq!(rows, json!(expected));
    click(client, "#customers-prev").await;
    wait_for(
        client,
        "the first page again",
        "const r = document.querySelectorAll('#customers-table tbody tr'); return r.length === 50 && r[0].dataset.email === 'roni_cost@example.com' ? true : null;",
    )
    .await;
    Ok(())
}

/// With `--control-token`, the page asks for the token before showing anything; on a paas
/// profile, Generate Login Code is hidden and the page says why.
async fn drive_guarded_paas(client: &Client) -> Result<(), String> {
    let config = ServeConfig {
        profile: Profile::Paas248,
        control_token: Some("s3cret".into()),
        ..ServeConfig::default()
    };
    let server = TestServer::start_config(config, Fixtures::embedded_default()).await;
    client
        .goto(&format!("{}/__mock/ui", server.base_url()))
        .await
        .map_err(|e| e.to_string())?;
    wait_for(
        client,
        "the control token form",
        "return document.querySelector('#token-form').hidden ? null : true",
    )
    .await;
    client
        .find(Locator::Css("#control-token"))
        .await
        .map_err(|e| e.to_string())?
        .send_keys("s3cret")
        .await
        .map_err(|e| e.to_string())?;
    click(client, "#token-form-el button[type=submit]").await;
    wait_for(
        client,
        "the console to load with the token",
        "return document.body.dataset.ready || null",
    )
    .await;
    let hidden = client
        .execute(
            "return [...document.querySelectorAll('button[data-action=otp]')].map(b => b.hidden)",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(hidden, json!([true, true, true, true, true, true]));
    let note = client
        .execute("return document.querySelector('#otc-note').textContent", vec![])
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(
        note,
        json!("Generate Login Code is unavailable: POST /V1/customer/{id}/otp exists only on the saas profile, and this mock runs paas-2.4.8.")
    );
    // Actions work with the token: unlock the locked customer from the page.
    click(
        client,
        r#"tr[data-email="locked@example.com"] button[data-action=lock]"#,
    )
    .await;
    wait_for(
        client,
        "the unlock",
        r#"const c = document.querySelector('tr[data-email="locked@example.com"] button[data-action=lock]'); return c && c.textContent === 'Lock' ? true : null;"#,
    )
    .await;
    assert_eq!(server.domain.customer_state(4).unwrap().locked_until, None);
    Ok(())
}

// ----- settings, Add customer, sandboxes ------------------------------------------------------

/// Waits until the text of the first element matching `css` is `expected` (exactly).
async fn wait_text(client: &Client, css: &str, expected: &str) {
    let script = format!(
        "const e = document.querySelector({css}); return e && e.textContent === {expected} ? true : null;",
        css = json!(css),
        expected = json!(expected)
    );
    let what = format!("{css} to read {expected:?}");
    let deadline = Instant::now() + WAIT;
    loop {
        if client.execute(&script, vec![]).await.ok() == Some(json!(true)) {
            return;
        }
        if Instant::now() >= deadline {
            let now = client
                .execute(
                    "const e = document.querySelector(arguments[0]); return e ? e.textContent : '(no such element)';",
                    vec![json!(css)],
                )
                .await
                .unwrap_or(Value::Null);
            panic!("timed out after {WAIT:?} waiting for {what}; it reads {now}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn control_get(url: &str) -> Value {
    let r = common::request("GET", url, "", &[]).await;
    assert_eq!(r.status, 200, "{url}: {}", r.body);
    r.json()
}

async fn load(client: &Client, url: &str) {
    client
        .goto(url)
        .await
        .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    wait_for(
        client,
        "the console to load",
        "return document.body.dataset.ready || null",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_changes_settings_adds_customers_and_switches_sandboxes() {
    let Some(browser) = console_browser().await else {
        return;
    };
    let started = Instant::now();
    let client = &browser.client;
    let server = TestServer::start(Profile::Saas).await;
    settings_panel_changes_a_setting_shows_refusals_and_resets(client, &server).await;
    add_customer_form_creates_a_customer_who_signs_in(client, &server).await;
    let server = TestServer::start(Profile::Saas).await;
    sandbox_picker_isolates_what_every_panel_does(client, &server).await;
    browser.close().await;
    println!(
        "console settings/customers/sandboxes browser test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

const OTC_ROW: &str = r#"tr[data-setting="otc_ttl_seconds"]"#;

/// Set a setting in the panel and the API reports it; a value of the wrong type and one out of
/// range show the server's message, word for word, and change nothing; Reset to fixtures shows
/// the fixture values again.
async fn settings_panel_changes_a_setting_shows_refusals_and_resets(client: &Client, server: &TestServer) {
    let settings_url = format!("{}/__mock/settings", server.base_url());
    load(client, &format!("{}/__mock/ui", server.base_url())).await;
    wait_text(client, "#settings-count", "(0 changed from the fixtures)").await;
    // Every setting of the API has a row, in the API's order.
    let api = control_get(&settings_url).await;
    let names: Vec<String> = api["settings"].as_object().unwrap().keys().cloned().collect();
    let rows = eval(
        client,
        "return [...document.querySelectorAll('#settings-table tbody tr')].map(r => r.dataset.setting)",
    )
    .await;
    assert_eq!(rows, json!(names));
    assert_eq!(
        eval(
            client,
            "return document.querySelector('#setting-otc_ttl_seconds').value"
        )
        .await,
        json!("30")
    );

    type_into(client, "#setting-otc_ttl_seconds", "45").await;
    click(client, &format!("{OTC_ROW} button[type=submit]")).await;
    wait_text(client, "#settings-message", "otc_ttl_seconds set to 45.").await;
    let api = control_get(&settings_url).await;
    assert_eq!(api["settings"]["otc_ttl_seconds"], json!(45));
    assert_eq!(api["fixture_settings"]["otc_ttl_seconds"], json!(30));
    wait_text(client, "#settings-count", "(1 changed from the fixtures)").await;
    wait_text(client, &format!("{OTC_ROW} .setting-fixture"), "30 changed").await;
    // The other panels read the store's settings too: the login code lifetime follows.
    wait_text(
        client,
        "#otc-note",
        "Login codes are valid 45 s of mock time, once.",
    )
    .await;

    // A boolean is a choice.
    eval(
        client,
        "const s = document.querySelector('#setting-confirmation_required'); s.value = 'true'; \
         s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
    )
    .await;
    click(
        client,
        r#"tr[data-setting="confirmation_required"] button[type=submit]"#,
    )
    .await;
    wait_text(client, "#settings-message", "confirmation_required set to true.").await;
    assert_eq!(
        control_get(&settings_url).await["settings"]["confirmation_required"],
        json!(true)
    );
    wait_text(client, "#settings-count", "(2 changed from the fixtures)").await;

    // Refusals: the server's message, verbatim; nothing changes.
    type_into(client, "#setting-otc_ttl_seconds", "soon").await;
    click(client, &format!("{OTC_ROW} button[type=submit]")).await;
    wait_text(
        client,
        "#settings-message",
        r#"Invalid settings: otc_ttl_seconds: expected an integer, found "soon""#,
    )
    .await;
    type_into(client, "#setting-otc_ttl_seconds", "0").await;
    click(client, &format!("{OTC_ROW} button[type=submit]")).await;
    wait_text(
        client,
        "#settings-message",
        "Invalid settings: otc_ttl_seconds: must be greater than 0, got 0",
    )
    .await;
    assert_eq!(
        eval(
            client,
            "return document.querySelector('#settings-message').className"
        )
        .await,
        json!("message error")
    );
    assert_eq!(
        control_get(&settings_url).await["settings"]["otc_ttl_seconds"],
        json!(45)
    );
    // What was typed stays while the poll goes on (the field is being edited).
    assert_eq!(
        eval(
            client,
            "return document.querySelector('#setting-otc_ttl_seconds').value"
        )
        .await,
        json!("0")
    );

    // Reset to fixtures: the panel shows the fixture values again.
    click(client, "#reset-button").await;
    wait_text(client, "#settings-count", "(0 changed from the fixtures)").await;
    wait_for(
        client,
        "the fixture values in the fields",
        "return document.querySelector('#setting-otc_ttl_seconds').value === '30' && \
         document.querySelector('#setting-confirmation_required').value === 'false' ? true : null;",
    )
    .await;
    wait_text(client, &format!("{OTC_ROW} .setting-fixture"), "30").await;
    let api = control_get(&settings_url).await;
    assert_eq!(api["settings"], api["fixture_settings"]);
}

/// The Add customer form posts to `POST /__mock/customers`: the customer shows on the last page
/// of the listing and signs in over GraphQL; a taken email and an invalid name show the API's
/// messages.
async fn add_customer_form_creates_a_customer_who_signs_in(client: &Client, server: &TestServer) {
    // 50 more customers first: the new one lands on page 2.
    let url = format!("{}/__mock/customers", server.base_url());
    for n in 1..=50 {
        let body = json!({"email": format!("filler-{n:02}@example.com"), "firstname": "Filler", "lastname": format!("No {n}")});
        let r = common::post_raw(&url, &body.to_string(), &[("Content-Type", "application/json")]).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    wait_text(client, "#customers-count", "1–50 of 56 customers.").await;
    type_into(client, "#new-email", "added@example.com").await;
    type_into(client, "#new-firstname", "Added").await;
    type_into(client, "#new-lastname", "Shopper").await;
    type_into(client, "#new-password", "Added-Pass-2024").await;
    click(client, "#add-customer-form button[type=submit]").await;
    wait_text(
        client,
        "#add-customer-message",
        "Added customer #57 added@example.com.",
    )
    .await;
    wait_text(client, "#customers-count", "51–57 of 57 customers.").await;
    wait_text(
        client,
        r#"tr[data-email="added@example.com"] td:nth-child(3)"#,
        "Added Shopper",
    )
    .await;
    let r = gql(
        &server.graphql_url(),
        SIGN_IN,
        json!({"email": "added@example.com", "password": "Added-Pass-2024"}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.json()["data"]["generateCustomerToken"]["token"].is_string(),
        "{}",
        r.body
    );

    // Refusals, in the API's words.
    type_into(client, "#new-email", "ADDED@example.com").await;
    type_into(client, "#new-firstname", "Again").await;
    type_into(client, "#new-lastname", "Shopper").await;
    click(client, "#add-customer-form button[type=submit]").await;
    wait_text(
        client,
        "#add-customer-message",
        "A customer with the same email address already exists in an associated website.",
    )
    .await;
    type_into(client, "#new-email", "long-name@example.com").await;
    eval(
        client,
        "document.querySelector('#new-firstname').value = 'x'.repeat(256); return true;",
    )
    .await;
    click(client, "#add-customer-form button[type=submit]").await;
    wait_text(client, "#add-customer-message", "First Name is not valid!").await;
    let listed = control_get(&format!("{url}?q=long-name")).await;
    assert_eq!(listed["total"], json!(0));
}

/// Pick a sandbox: the console moves to `/<sandbox>/__mock/ui` (a reload keeps it), and a
/// customer added there is in the sandbox and not in the default store. Bad names are refused
/// before use; ending a sandbox (the one shown, or another) works from the page.
async fn sandbox_picker_isolates_what_every_panel_does(client: &Client, server: &TestServer) {
    let base = server.base_url();
    load(client, &format!("{base}/__mock/ui")).await;
    wait_text(client, "#header-store", "default").await;
    wait_text(
        client,
        "#sandboxes-empty",
        "No sandboxes yet. Open one by name above, or send any request under /<name>/…",
    )
    .await;
    for (name, message) in [
        ("-bad", "A sandbox name is 1 to 63 letters, digits, - and _, starting with a letter or digit: “-bad” is not one."),
        ("has.dot", "A sandbox name is 1 to 63 letters, digits, - and _, starting with a letter or digit: “has.dot” is not one."),
        ("graphql", "“graphql” is one of the mock's own routes, not a sandbox name."),
    ] {
        type_into(client, "#sandbox-name", name).await;
        click(client, "#sandbox-new-form button[type=submit]").await;
        wait_text(client, "#sandbox-message", message).await;
    }
    assert_eq!(
        control_get(&format!("{base}/__mock/sandboxes")).await["sandboxes"],
        json!([]),
        "no sandbox was created by a refused name"
    );

    type_into(client, "#sandbox-name", "w1").await;
    click(client, "#sandbox-new-form button[type=submit]").await;
    wait_for(
        client,
        "the sandbox's console",
        "return location.pathname === '/w1/__mock/ui' && document.body.dataset.ready ? true : null;",
    )
    .await;
    wait_text(client, "#header-store", "sandbox w1").await;
    type_into(client, "#new-email", "sandboxed@example.com").await;
    type_into(client, "#new-firstname", "Sand").await;
    type_into(client, "#new-lastname", "Boxed").await;
    type_into(client, "#new-password", "Sandboxed-2024").await;
    click(client, "#add-customer-form button[type=submit]").await;
    wait_text(
        client,
        "#add-customer-message",
        "Added customer #7 sandboxed@example.com.",
    )
    .await;
    wait_text(
        client,
        r#"tr[data-email="sandboxed@example.com"] td:nth-child(2)"#,
        "sandboxed@example.com",
    )
    .await;
    let in_sandbox = control_get(&format!("{base}/w1/__mock/customers?q=sandboxed")).await;
    assert_eq!(in_sandbox["total"], json!(1), "{in_sandbox}");
    let in_default = control_get(&format!("{base}/__mock/customers?q=sandboxed")).await;
    assert_eq!(in_default["total"], json!(0), "{in_default}");
    let vars = json!({"email": "sandboxed@example.com", "password": "Sandboxed-2024"});
    let r = gql(&format!("{base}/w1/graphql"), SIGN_IN, vars.clone(), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = gql(&server.graphql_url(), SIGN_IN, vars, &[]).await;
    assert_eq!(
        r.status, 401,
        "the default store has no such customer: {}",
        r.body
    );

    // The settings panel talks to the sandbox too.
    type_into(client, "#setting-lockout_failures", "3").await;
    click(
        client,
        r#"tr[data-setting="lockout_failures"] button[type=submit]"#,
    )
    .await;
    wait_text(client, "#settings-message", "lockout_failures set to 3.").await;
    assert_eq!(
        control_get(&format!("{base}/w1/__mock/settings")).await["settings"]["lockout_failures"],
        json!(3)
    );
    assert_eq!(
        control_get(&format!("{base}/__mock/settings")).await["settings"]["lockout_failures"],
        json!(10)
    );

    // A reload keeps the sandbox; the picker and the list show it.
    client.refresh().await.expect("reload");
    wait_for(
        client,
        "the console to load again",
        "return document.body.dataset.ready || null",
    )
    .await;
    wait_text(client, "#header-store", "sandbox w1").await;
    wait_text(client, r#"tr[data-sandbox="w1"] td:nth-child(2)"#, "7").await;
    assert_eq!(
        eval(
            client,
            "const s = document.querySelector('#sandbox-select'); return [s.value, [...s.options].map(o => o.value)];"
        )
        .await,
        json!(["w1", ["", "w1"]])
    );
    assert!(client
        .find(Locator::Css(r#"tr[data-email="sandboxed@example.com"]"#))
        .await
        .is_ok());

    // The default store through the picker: no such customer there.
    eval(
        client,
        "document.querySelector('#sandbox-select').value = ''; return true;",
    )
    .await;
    click(client, "#sandbox-open").await;
    wait_for(
        client,
        "the default store's console",
        "return location.pathname === '/__mock/ui' && document.body.dataset.ready ? true : null;",
    )
    .await;
    wait_text(client, "#header-store", "default").await;
    wait_text(client, "#customers-count", "1–6 of 6 customers.").await;
    assert!(client
        .find(Locator::Css(r#"tr[data-email="sandboxed@example.com"]"#))
        .await
        .is_err());

    // End a sandbox from the list; then open one, and end the one shown: back to the default.
    click(client, r#"tr[data-sandbox="w1"] button[data-action=end]"#).await;
    wait_text(client, "#sandbox-message", "Sandbox w1 ended.").await;
    wait_for(
        client,
        "w1 to leave the list",
        r#"return document.querySelector('tr[data-sandbox="w1"]') ? null : true;"#,
    )
    .await;
    type_into(client, "#sandbox-name", "w2").await;
    click(client, "#sandbox-new-form button[type=submit]").await;
    wait_for(
        client,
        "w2's console",
        "return location.pathname === '/w2/__mock/ui' && document.body.dataset.ready ? true : null;",
    )
    .await;
    wait_text(client, r#"tr[data-sandbox="w2"] td:nth-child(2)"#, "6").await;
    click(client, r#"tr[data-sandbox="w2"] button[data-action=end]"#).await;
    wait_for(
        client,
        "the default store's console after ending w2",
        "return location.pathname === '/__mock/ui' && document.body.dataset.ready ? true : null;",
    )
    .await;
    wait_text(client, "#sandbox-message", "Sandbox w2 ended.").await;
    assert_eq!(
        control_get(&format!("{base}/__mock/sandboxes")).await["sandboxes"],
        json!([]),
        "both ended, and nothing started them again"
    );
}
