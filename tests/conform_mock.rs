//! The whole conformance suite (every scenario and property) against an in-process mock, for
//! every profile, with the stored snapshots of `snapshots/`. Set `INSTA_UPDATE=always` (or
//! `CONFORM_ACCEPT=1`) to write accepted snapshots instead of pending `.snap.new` files.

use std::path::PathBuf;
use std::time::Instant;

use commerce_auth_mock::conform::event::{Reporter, Summary};
use commerce_auth_mock::conform::report::human::Human;
use commerce_auth_mock::conform::{run_with, ConformArgs};
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;

fn args_for(server: &TestServer, profile: Profile) -> ConformArgs {
    let mut a = ConformArgs::for_target(server.graphql_url(), profile);
    a.admin_token = Some("mock-admin-token".into());
    a.admin_username = Some("admin".into());
    a.admin_password = Some("Admin-Pass-2024".into());
    a.limited_admin_token = Some("mock-viewer-token".into());
    a.admin_token_without_assistance = Some("mock-support-token".into());
    a.snapshots = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    a.accept = std::env::var("CONFORM_ACCEPT").is_ok_and(|v| v == "1" || v == "true");
    a.seed = Some(20_260_101);
    a.cases = Some(24);
    a.rate = Some(0.0);
    a.filter = std::env::var("CONFORM_FILTER").ok();
    a
}

async fn run_suite(profile: Profile) -> Summary {
    let server = TestServer::start(profile).await;
    run_suite_on(&server, profile).await
}

async fn run_suite_on(server: &TestServer, profile: Profile) -> Summary {
    let args = args_for(server, profile);
    let t0 = Instant::now();
    let reporters: Vec<Box<dyn Reporter>> = vec![Box::new(Human::to_writer(Box::new(std::io::stderr())))];
    let summary = tokio::task::spawn_blocking(move || run_with(args, reporters))
        .await
        .unwrap()
        .expect("the run starts");
    eprintln!(
        "{profile}: {} items in {:.2} s",
        summary.records.len(),
        t0.elapsed().as_secs_f64()
    );
    summary
}

/// The same transcripts through insta's own assertion, so `cargo insta test` / `cargo insta
/// review` work on `snapshots/` like on any insta snapshot.
fn assert_with_insta(s: &Summary, profile: Profile) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(profile.name());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for r in &s.records {
            let (Some(t), Some(_)) = (&r.transcript, &r.snapshot) else {
                continue;
            };
            insta::assert_snapshot!(r.name.replace('/', "__"), t);
        }
    });
}

fn assert_all_passed(s: &Summary) {
    let failed: Vec<&str> = s
        .records
        .iter()
        .filter(|r| r.status.label() == "FAIL")
        .map(|r| r.name.as_str())
        .collect();
    assert!(failed.is_empty(), "failed: {failed:?}");
    if std::env::var("CONFORM_FILTER").is_err() {
        let skipped: Vec<&str> = s
            .records
            .iter()
            .filter(|r| r.status.label() == "SKIP")
            .map(|r| r.name.as_str())
            .collect();
        assert!(
            skipped.iter().all(|n| !n.starts_with("properties/")),
            "every property runs against the mock: {skipped:?}"
        );
    }
    assert!(s.uncleaned.is_empty(), "not cleaned up: {:?}", s.uncleaned);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_conforms_as_saas() {
    let s = run_suite(Profile::Saas).await;
    assert_all_passed(&s);
    assert_with_insta(&s, Profile::Saas);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_conforms_as_paas_248() {
    let s = run_suite(Profile::Paas248).await;
    assert_all_passed(&s);
    assert_with_insta(&s, Profile::Paas248);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_conforms_as_paas_247() {
    let s = run_suite(Profile::Paas247).await;
    assert_all_passed(&s);
    assert_with_insta(&s, Profile::Paas247);
}

/// A long-running mock is checked again and again (a developer's `serve`, a CI service): a run
/// must not be disturbed by what earlier runs left behind (deleted accounts, revocations, a clock
/// moved back to real time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_against_the_same_mock_passes_too() {
    let server = TestServer::start(Profile::Saas).await;
    let start = server.domain.clock().now();
    assert_all_passed(&run_suite_on(&server, Profile::Saas).await);
    // The first run moved the clock hours ahead; a `serve` on the system clock comes back to
    // "now" afterwards, before those hours: the second run's seconds overlap the first's.
    server.domain.clock().set(start);
    assert_all_passed(&run_suite_on(&server, Profile::Saas).await);
}

/// A store that requires email confirmation (`serve --require-confirmation`): everything still
/// passes, and the confirmation scenarios, not applicable on the default fixtures, run and pass.
async fn conforms_with_confirmation_required(profile: Profile) {
    let mut f = commerce_auth_mock::domain::Fixtures::embedded_default();
    f.settings.confirmation_required = true;
    let server = TestServer::start_with(profile, f).await;
    let s = run_suite_on(&server, profile).await;
    assert_all_passed(&s);
    if std::env::var("CONFORM_FILTER").is_err() {
        let status = |name: &str| {
            s.records
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.status.label())
                .unwrap_or("absent")
        };
        assert_eq!(status("signin/unconfirmed_account"), "PASS");
        assert_eq!(status("account/confirmation_key_of_another_account"), "PASS");
        if profile == Profile::Saas {
            assert_eq!(status("admin/unconfirmed_customer_operations"), "PASS");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_conforms_with_confirmation_required_as_saas() {
    conforms_with_confirmation_required(Profile::Saas).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_conforms_with_confirmation_required_as_paas_248() {
    conforms_with_confirmation_required(Profile::Paas248).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_conforms_with_confirmation_required_as_paas_247() {
    conforms_with_confirmation_required(Profile::Paas247).await;
}
