//! How a run starts, ends and treats its target, against in-process mocks: the preflight and
//! its exit code 2, the CI gates, the zero-flag run against the mock (admin access learned from
//! `/__mock/access`), and leaving the mock as it was found.

use std::sync::Arc;

use commerce_auth_mock::conform::event::{Event, Reporter, Status, Summary};
use commerce_auth_mock::conform::runner::StartError;
use commerce_auth_mock::conform::{exit_code, run_with, ConformArgs};
use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::fault_spec::FaultSpec;
use commerce_auth_mock::http::{AppState, ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use serde_json::{json, Value};

/// Zero-flag arguments against `server`: only the target, plus a fixed seed and few cases.
fn args(server: &TestServer, profile: Profile) -> ConformArgs {
    let mut a = ConformArgs::for_target(server.graphql_url(), profile);
    a.seed = Some(7);
    a.cases = Some(8);
    a
}

async fn run(args: ConformArgs) -> Result<Summary, StartError> {
    run_reporting(args, vec![]).await
}

async fn run_reporting(args: ConformArgs, reporters: Vec<Box<dyn Reporter>>) -> Result<Summary, StartError> {
    tokio::task::spawn_blocking(move || run_with(args, reporters))
        .await
        .unwrap()
}

fn start_error(r: Result<Summary, StartError>) -> String {
    assert_eq!(
        exit_code(&r),
        2,
        "expected exit 2, got {:?}",
        r.as_ref().map(|s| s.records.len())
    );
    r.err().unwrap().to_string()
}

async fn control(server: &TestServer, method: &str, path: &str, body: Option<Value>) -> Value {
    let client = reqwest::Client::new();
    let mut req = client.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}/__mock{path}", server.base_url()),
    );
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap().json().await.unwrap()
}

/// How many requests the mock's journal shows for `path`.
async fn journal_count(server: &TestServer, path: &str) -> usize {
    let j = control(server, "GET", "/journal", None).await;
    j["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == path)
        .count()
}

fn names(s: &Summary, f: impl Fn(&Status) -> bool) -> Vec<String> {
    s.records
        .iter()
        .filter(|r| f(&r.status))
        .map(|r| r.name.clone())
        .collect()
}

// ----- zero flags -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_the_mock_no_flag_but_the_target_runs_every_scenario() {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let s = run(args(&server, profile)).await.expect("the run starts");
        assert_eq!(
            names(&s, |st| matches!(st, Status::Failed(_))),
            Vec::<String>::new(),
            "{profile}"
        );
        assert_eq!(
            names(&s, Status::is_skip),
            Vec::<String>::new(),
            "{profile}: nothing skipped"
        );
        assert!(s.passed() > 50, "{profile}: {} passed", s.passed());
        // The admin scenarios ran, with the three kinds of admin the fixtures define.
        for name in [
            "admin/admin_token",
            "admin/as_admin_without_assistance_permission",
            "admin/generate_customer_token_as_admin",
        ] {
            assert!(
                names(&s, |st| *st == Status::Passed).contains(&name.to_string()),
                "{profile}: {name}"
            );
        }
        if profile == Profile::Saas {
            assert!(names(&s, |st| *st == Status::Passed).contains(&"admin/otc_no_permission".to_string()));
        }
        assert!(s.uncleaned.is_empty(), "{:?}", s.uncleaned);
        assert_eq!(exit_code(&Ok(s)), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_admin_flags_win_over_what_the_mock_says() {
    let server = TestServer::start(Profile::Saas).await;
    let mut a = args(&server, Profile::Saas);
    // The support user (Login as Customer only) as the "without assistance" admin, given
    // explicitly: the same as the mock would pick, but the run must not replace it.
    a.admin_token_without_assistance = Some("mock-support-token".into());
    a.limited_admin_token = Some("mock-viewer-token".into());
    a.filter = Some("admin/".into());
    let s = run(a).await.expect("starts");
    assert_eq!(
        names(&s, |st| matches!(st, Status::Failed(_))),
        Vec::<String>::new()
    );
    // A wrong explicit value is used (and caught by the preflight), not silently replaced.
    let mut a = args(&server, Profile::Saas);
    a.limited_admin_token = Some("mock-admin-token".into());
    let e = start_error(run(a).await);
    assert!(
        e.contains("--limited-admin-token has Magento_LoginAsCustomer::login"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guarded_control_api_needs_the_control_token_and_then_gives_the_admin_access() {
    let config = ServeConfig {
        control_token: Some("s3cret".into()),
        ..ServeConfig::default()
    };
    let server = TestServer::start_config(config, Fixtures::embedded_default()).await;
    let e = start_error(run(args(&server, Profile::Saas)).await);
    assert!(e.contains("pass --control-token"), "{e}");
    let mut a = args(&server, Profile::Saas);
    a.control_token = Some("wrong".into());
    let e = start_error(run(a).await);
    assert!(e.contains("refused --control-token"), "{e}");
    let mut a = args(&server, Profile::Saas);
    a.control_token = Some("s3cret".into());
    a.filter = Some("admin/".into());
    let s = run(a).await.expect("starts");
    assert_eq!(names(&s, Status::is_skip), Vec::<String>::new());
    assert_eq!(
        names(&s, |st| matches!(st, Status::Failed(_))),
        Vec::<String>::new()
    );
}

// ----- preflight -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_admin_password_is_exit_2_after_exactly_one_login_attempt() {
    let server = TestServer::start(Profile::Saas).await;
    let mut a = args(&server, Profile::Saas);
    // In the default store, whose journal is checked below.
    a.no_sandbox = true;
    a.admin_username = Some("admin".into());
    a.admin_password = Some("not-the-password".into());
    let e = start_error(run(a).await);
    assert!(
        e.contains("the admin login with --admin-username/--admin-password failed"),
        "{e}"
    );
    assert!(e.contains("401"), "{e}");
    assert_eq!(
        journal_count(&server, "/rest/V1/integration/admin/token").await,
        1
    );
    // Nothing ran: no account was created.
    assert_eq!(
        control(&server, "GET", "/customers", None).await["customers"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_target_path_is_exit_2() {
    let server = TestServer::start(Profile::Saas).await;
    let a = ConformArgs::for_target(format!("{}/graphq", server.base_url()), Profile::Saas);
    let e = start_error(run(a).await);
    assert!(e.contains("/graphq does not look like a GraphQL endpoint"), "{e}");
    assert!(e.contains("pass the store's GraphQL URL as --target"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_mailbox_is_exit_2() {
    let server = TestServer::start(Profile::Saas).await;
    let mut a = args(&server, Profile::Saas);
    a.mailbox = Some("http://127.0.0.1:9".into());
    let e = start_error(run(a).await);
    assert!(e.starts_with("the mailbox does not answer"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_that_selects_nothing_is_exit_2() {
    let server = TestServer::start(Profile::Saas).await;
    let mut a = args(&server, Profile::Saas);
    a.filter = Some("no/such/scenario".into());
    let e = start_error(run(a).await);
    assert!(
        e.contains("--filter `no/such/scenario` selects no scenario or property"),
        "{e}"
    );
    assert!(e.contains("conform --list"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_tokens_must_have_the_permissions_they_stand_for() {
    let server = TestServer::start(Profile::Saas).await;
    // support has Login as Customer only: the customer search needs Magento_Customer::manage.
    let mut a = args(&server, Profile::Saas);
    a.admin_token = Some("mock-support-token".into());
    let e = start_error(run(a).await);
    assert!(e.contains("--admin-token was refused by GET"), "{e}");
    // viewer manages customers but cannot issue one-time codes.
    let mut a = args(&server, Profile::Saas);
    a.admin_token = Some("mock-viewer-token".into());
    let e = start_error(run(a).await);
    assert!(
        e.contains("--admin-token lacks Magento_LoginAsCustomer::login"),
        "{e}"
    );
    // The full admin cannot stand for an admin without the shopping-assistance permission.
    let mut a = args(&server, Profile::Saas);
    a.admin_token_without_assistance = Some("mock-admin-token".into());
    let e = start_error(run(a).await);
    assert!(
        e.contains("--admin-token-without-assistance has Magento_LoginAsCustomer::allow_shopping_assistance"),
        "{e}"
    );
    // Credentials of an admin without the shopping-assistance permission.
    let mut a = args(&server, Profile::Saas);
    a.admin_username = Some("support".into());
    a.admin_password = Some("Support-Pass-2024".into());
    let e = start_error(run(a).await);
    assert!(
        e.contains("lacks Magento_LoginAsCustomer::allow_shopping_assistance"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_preflight_problem_is_listed_one_sentence_each() {
    let server = TestServer::start(Profile::Saas).await;
    let mut a = args(&server, Profile::Saas);
    a.admin_username = Some("admin".into());
    a.admin_password = Some("wrong".into());
    a.mailbox = Some("http://127.0.0.1:9".into());
    let e = start_error(run(a).await);
    assert!(e.starts_with("the preflight found 2 problems:"), "{e}");
    assert_eq!(e.lines().filter(|l| l.starts_with("  - ")).count(), 2, "{e}");
}

// ----- gates -----

/// Fixtures with the default customers but no admin users or tokens.
fn without_admins() -> Fixtures {
    let mut f = Fixtures::embedded_default();
    f.admin_users.clear();
    f.admin_tokens.clear();
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_on_skip_fails_a_run_with_skips_but_not_one_with_items_that_do_not_apply() {
    let server = TestServer::start_with(Profile::Saas, without_admins()).await;
    let mut a = args(&server, Profile::Saas);
    a.filter = Some("admin/".into());
    a.fail_on_skip = true;
    let s = run(a).await.expect("starts");
    assert_eq!(s.failed(), 0);
    assert!(s.skipped() > 5, "admin items skipped without admin access");
    assert_eq!(s.gate_failures.len(), 1, "{:?}", s.gate_failures);
    assert!(
        s.gate_failures[0].starts_with("--fail-on-skip: "),
        "{:?}",
        s.gate_failures
    );
    assert!(
        s.gate_failures[0].contains("admin/otc_issue"),
        "{:?}",
        s.gate_failures
    );
    assert_eq!(exit_code(&Ok(s)), 1);

    // Against the full mock only the other profiles' items are left out: not skips.
    let server = TestServer::start(Profile::Saas).await;
    let mut a = args(&server, Profile::Saas);
    a.fail_on_skip = true;
    let s = run(a).await.expect("starts");
    assert!(s.not_applicable() > 0);
    assert!(s.gate_failures.is_empty(), "{:?}", s.gate_failures);
    assert_eq!(exit_code(&Ok(s)), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_fails_when_a_named_area_did_not_run_fully() {
    let server = TestServer::start_with(Profile::Saas, without_admins()).await;
    let mut a = args(&server, Profile::Saas);
    a.require = vec!["admin".into(), "front-door".into()];
    a.filter = Some("o".into());
    let s = run(a).await.expect("starts");
    assert_eq!(
        s.failed(),
        0,
        "{:?}",
        names(&s, |st| matches!(st, Status::Failed(_)))
    );
    assert_eq!(s.gate_failures.len(), 1, "{:?}", s.gate_failures);
    assert!(
        s.gate_failures[0].starts_with("--require admin: "),
        "{:?}",
        s.gate_failures
    );
    assert_eq!(exit_code(&Ok(s)), 1);
    let mut a = args(&server, Profile::Saas);
    a.require = vec!["front_door".into()];
    a.filter = Some("front_door/".into());
    let s = run(a).await.expect("starts");
    assert!(s.gate_failures.is_empty());
    assert_eq!(exit_code(&Ok(s)), 0);
    let mut a = args(&server, Profile::Saas);
    a.require = vec!["adminn".into()];
    let e = start_error(run(a).await);
    assert!(
        e.contains("--require `adminn` is not an area; the areas are front-door, sign-in"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_score_line_names_what_was_skipped_by_reason() {
    let server = TestServer::start_with(Profile::Saas, without_admins()).await;
    let mut a = args(&server, Profile::Saas);
    a.filter = Some("admin/".into());
    let s = run(a).await.expect("starts");
    let line = commerce_auth_mock::conform::report::human::score_line(&s);
    let skipped = s.skipped();
    let na = s.not_applicable();
    // On the default fixtures (no confirmation required) one admin item is for another
    // profile and one needs a store that requires confirmation.
    assert_eq!(na, 2, "{line}");
    assert!(
        line.contains(&format!(
            "0 failed, {skipped} skipped: {skipped} no admin access; {na} not applicable: 1 not for this profile, 1 not for this store's configuration"
        )),
        "{line}"
    );
}

// ----- leaving the mock as found -----

/// The mock's observable state the run must leave unchanged.
async fn observed(server: &TestServer) -> (Value, usize, Value) {
    let clock = control(server, "GET", "/clock", None).await;
    let customers = control(server, "GET", "/customers", None).await["customers"]
        .as_array()
        .unwrap()
        .len();
    let faults = control(server, "GET", "/faults", None).await;
    (clock, customers, faults)
}

/// A fault on an operation the runner never sends, so it stays untouched by the run's traffic.
fn unrelated_fault() -> Value {
    json!({"match": {"operation": "createEmptyCart"}, "kind": "latency", "latency_ms": 5})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_leaves_a_frozen_virtual_clock_customers_and_faults_as_found() {
    let server = TestServer::start(Profile::Saas).await;
    control(
        &server,
        "POST",
        "/clock",
        Some(json!({"action": "set", "now": 1_800_000_000})),
    )
    .await;
    control(&server, "POST", "/faults", Some(unrelated_fault())).await;
    let before = observed(&server).await;
    assert_eq!(
        before.0,
        json!({"now": 1_800_000_000, "virtual": true, "frozen": true})
    );
    let mut a = args(&server, Profile::Saas);
    // The restoring of a mock without sandboxes (or run with --no-sandbox).
    a.no_sandbox = true;
    let s = run(a).await.expect("starts");
    assert_eq!(s.failed(), 0);
    assert!(s.cleaned > 50);
    assert_eq!(observed(&server).await, before);
    assert!(
        s.changes
            .iter()
            .any(|c| c.contains("it is frozen at 1800000000 again")),
        "{:?}",
        s.changes
    );
    assert!(
        s.changes.iter().any(|c| c
            == &format!(
                "created {0} accounts and deleted {0} through admin REST",
                s.cleaned
            )),
        "{:?}",
        s.changes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_gives_a_real_time_clock_back_to_real_time() {
    let server = TestServer::start(Profile::Paas248).await;
    control(&server, "POST", "/clock", Some(json!({"action": "real"}))).await;
    let (clock, customers, faults) = observed(&server).await;
    assert_eq!(clock["virtual"], false);
    let mut a = args(&server, Profile::Paas248);
    a.no_sandbox = true;
    let s = run(a).await.expect("starts");
    assert_eq!(s.failed(), 0);
    let (after, customers_after, faults_after) = observed(&server).await;
    assert_eq!(
        (after["virtual"].clone(), after["frozen"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!((customers_after, faults_after), (customers, faults));
    assert!(
        s.changes.iter().any(|c| c.ends_with("it is back on real time")),
        "{:?}",
        s.changes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_virtual_clock_keeps_running_from_where_it_would_be() {
    let server = TestServer::start(Profile::Saas).await;
    control(&server, "POST", "/clock", Some(json!({"action": "resume"}))).await;
    let before = control(&server, "GET", "/clock", None).await;
    let started = std::time::Instant::now();
    let mut a = args(&server, Profile::Saas);
    a.filter = Some("expiry/".into());
    let s = run(a).await.expect("starts");
    assert_eq!(s.failed(), 0);
    let after = control(&server, "GET", "/clock", None).await;
    assert_eq!(
        (after["virtual"].clone(), after["frozen"].clone()),
        (json!(true), json!(false))
    );
    let drift = after["now"].as_i64().unwrap() - before["now"].as_i64().unwrap();
    assert!(
        drift >= 0 && drift <= started.elapsed().as_secs() as i64 + 1,
        "the clock moved {drift} s over a run of {:?}",
        started.elapsed()
    );
}

/// Adds a fault to the mock when the first item starts, as something the run caused would.
struct AddsAFault(Arc<AppState>);

impl Reporter for AddsAFault {
    fn handle(&mut self, event: &Event<'_>) {
        if let Event::Started { index: 0, .. } = event {
            let spec = FaultSpec::parse(&unrelated_fault()).expect("a valid fault");
            self.0.stores.default.faults.add(spec);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_added_during_the_run_are_removed_and_reported() {
    let server = TestServer::start(Profile::Saas).await;
    control(&server, "POST", "/faults", Some(unrelated_fault())).await;
    let before = control(&server, "GET", "/faults", None).await;
    let mut a = args(&server, Profile::Saas);
    // The restoring of a mock without sandboxes (or run with --no-sandbox).
    a.no_sandbox = true;
    a.filter = Some("signin/success".into());
    let s = run_reporting(a, vec![Box::new(AddsAFault(server.app.clone()))])
        .await
        .expect("starts");
    assert_eq!(control(&server, "GET", "/faults", None).await, before);
    assert!(
        s.changes
            .iter()
            .any(|c| c == "removed fault 2, added during the run"),
        "{:?}",
        s.changes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_against_a_mock_with_sandboxes_touches_only_a_sandbox_of_its_own() {
    let server = TestServer::start(Profile::Saas).await;
    control(
        &server,
        "POST",
        "/clock",
        Some(json!({"action": "set", "now": 1_800_000_000})),
    )
    .await;
    let before = observed(&server).await;
    let s = run(args(&server, Profile::Saas)).await.expect("starts");
    assert_eq!(s.failed(), 0);
    assert!(
        s.cleaned > 50,
        "its accounts went with the sandbox: {}",
        s.cleaned
    );
    assert_eq!(observed(&server).await, before);
    assert_eq!(
        server.app.stores.default.journal.len(),
        0,
        "not one request reached the default store"
    );
    assert!(server.app.stores.list().is_empty(), "the sandbox was ended");
    assert_eq!(s.changes.len(), 1, "{:?}", s.changes);
    assert!(
        s.changes[0].starts_with("ran in a sandbox of its own, `conform-")
            && s.changes[0].ends_with("and ended it: nothing else on the mock was touched"),
        "{:?}",
        s.changes
    );
}

// ----- stores configured otherwise than the contract's defaults -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_without_confirmation_passes_with_the_confirmation_scenarios_not_applicable() {
    let mut f = Fixtures::embedded_default();
    f.settings.confirmation_required = false;
    let server = TestServer::start_with(Profile::Saas, f).await;
    let s = run(args(&server, Profile::Saas)).await.expect("starts");
    assert_eq!(
        names(&s, |st| matches!(st, Status::Failed(_))),
        Vec::<String>::new()
    );
    assert_eq!(names(&s, Status::is_skip), Vec::<String>::new());
    for name in [
        "signin/unconfirmed_account",
        "admin/unconfirmed_customer_operations",
        "account/confirmation_key_of_another_account",
    ] {
        let r = s.records.iter().find(|r| r.name == name).expect(name);
        match &r.status {
            Status::Skipped(skip) => {
                assert!(skip.cause.not_applicable(), "{name}");
                assert!(
                    skip.reason.contains("create_account_confirmation is false"),
                    "{name}: {}",
                    skip.reason
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_longer_token_lifetime_is_a_configuration_difference_not_a_failure() {
    let mut f = Fixtures::embedded_default();
    f.settings.customer_token_lifetime_minutes = 120;
    let server = TestServer::start_with(Profile::Saas, f).await;
    let s = run(args(&server, Profile::Saas)).await.expect("starts");
    assert_eq!(
        names(&s, |st| matches!(st, Status::Failed(_))),
        Vec::<String>::new()
    );
    assert_eq!(s.config_differences.len(), 1, "{:?}", s.config_differences);
    assert_eq!(
        s.config_differences[0].to_string(),
        "storeConfig.customer_access_token_lifetime: the target reports 2 (hours), the contract's default is 1 (hours); \
         tokens are checked against the store's lifetime, 7200 s"
    );
    assert_eq!(exit_code(&Ok(s)), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stricter_password_policy_leaves_out_the_scenarios_that_quote_the_default_one() {
    let mut f = Fixtures::embedded_default();
    f.settings.password_min_length = 10;
    let server = TestServer::start_with(Profile::Saas, f).await;
    let mut a = args(&server, Profile::Saas);
    a.filter = Some("password/".into());
    let s = run(a).await.expect("starts");
    assert_eq!(
        names(&s, |st| matches!(st, Status::Failed(_))),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&s, Status::is_not_applicable),
        vec![
            "password/reset_password_flow".to_string(),
            "password/policy_on_create".to_string(),
            "password/change_password_messages".to_string(),
        ]
    );
    assert_eq!(
        s.config_differences[0].to_string(),
        "storeConfig.minimum_password_length: the target reports \"10\", the contract's default is \"8\"; \
         the scenarios that quote the password policy's messages are not applicable"
    );
}
