//! `conform`: checks a target server (the mock, or a real Adobe Commerce / Magento) against the
//! contract of `spec/behaviour.md`, over HTTP only.
//!
//! ```text
//! # against the mock (clock, outbox and admin access found through its control API)
//! commerce-auth-mock conform --target http://127.0.0.1:4000/graphql
//! # against a real 2.4.8 store with Mailpit, real waits up to 40 s, CI reports
//! commerce-auth-mock conform --target https://shop.example/graphql --profile paas-2.4.8 \
//!     --admin-username ci --admin-password … --mailbox http://mailpit:8025 --slow \
//!     --junit conform.xml --json conform.json
//! ```
//!
//! It never imports the mock's code: its reference model ([`model`]) is a second, independent,
//! deliberately simple statement of the rules. Layout (after nextest): listing and running in
//! [`runner`], which emits [`event`]s that the reporters in [`report`] consume. The target is
//! reached through [`client`] (HTTP, rate bound), [`control`] (the mock's control API, when the
//! target is the mock), [`mailbox`] (the mock's outbox or Mailpit) and [`admin`] (the admin
//! session); [`target`] puts them together.
//!
//! Snapshots: every scenario's normalised transcript is compared with
//! `snapshots/<profile>/<area>__<name>.snap` (insta's format). The set is built into the binary;
//! `--snapshots DIR` reads a checkout's directory instead and writes `<name>.snap.new` beside a
//! mismatching (or missing) snapshot, for `cargo insta review`. `--accept` or
//! `INSTA_UPDATE=always` writes `.snap` directly; review every accepted file against the spec.
//!
//! Safety on real servers: only accounts created by the run (`conformance+<run id>-<n>@<domain>`),
//! deleted at the end when admin access allows (the report lists what was not, and the accounts
//! of failing items it keeps for their reproduce commands), throttle and lockout scenarios on fresh
//! accounts, one admin login per run, wrong admin credentials under a run-scoped user name, a
//! bounded request rate (`--rate`, 10/s by default against non-mock targets) and no retries. On
//! the mock the clock is put back as found and faults added during the run are removed.
//!
//! Exit codes (stable): 0 everything that ran passed; 1 the target departs from the contract (an
//! item failed) or a CI gate failed (`--fail-on-skip`, `--require`); 2 the run could not start or
//! is misconfigured (bad arguments, target unreachable, TLS, the mock serving another profile, any
//! problem the [`preflight`] finds). Report files that cannot be written are reported on stderr
//! without changing the code.

internal_modules! {
    mod admin;
    mod cli;
    mod client;
    mod control;
    mod event;
    mod expect;
    mod mailbox;
    mod model;
    mod normalize;
    mod preflight;
    mod properties;
    mod report;
    mod runner;
    mod scenarios;
    mod snapshot;
    mod target;
}

pub use cli::{ConformArgs, ConformOptions};
pub use event::{
    ConfigDifference, Event, Kind, Record, ReportError, Reporter, RunInfo, Skip, SkipCause, Status, Summary,
};
pub use runner::StartError;
pub use scenarios::{Area, Failure};

/// The exit code of a finished (or unstartable) run.
pub fn exit_code(result: &Result<Summary, runner::StartError>) -> i32 {
    match result {
        Err(_) => 2,
        Ok(s) if s.is_failure() => 1,
        Ok(_) => 0,
    }
}

/// The standard reporters for `args`: human on stdout, plus JUnit and JSON files when asked.
pub fn reporters(args: &ConformArgs) -> Vec<Box<dyn Reporter>> {
    let mut v: Vec<Box<dyn Reporter>> = vec![Box::new(report::human::Human::stdout(!args.no_progress))];
    if let Some(p) = &args.junit {
        v.push(Box::new(report::junit::Junit::new(
            p.clone(),
            args.profile.name().into(),
        )));
    }
    if let Some(p) = &args.json {
        v.push(Box::new(report::json::JsonReport::new(p.clone())));
    }
    v
}

/// Run `conform` and return the process exit code. Blocking: the HTTP client runs on its own
/// thread and runtime, so this may be called from anywhere; from async code prefer [`run_async`].
///
/// ```no_run
/// use commerce_auth_mock::conform::{self, ConformArgs};
/// use commerce_auth_mock::Profile;
///
/// // What `commerce-auth-mock conform --target … --profile paas-2.4.8 --junit conform.xml` does.
/// let mut args = ConformArgs::for_target("https://staging.example/graphql", Profile::Paas248);
/// args.junit = Some("conform.xml".into());
/// std::process::exit(conform::run(args));
/// ```
pub fn run(args: ConformArgs) -> i32 {
    if args.list {
        print!("{}", runner::list(args.profile));
        return 0;
    }
    let handle = std::thread::spawn(move || {
        let result = runner::execute(&args, reporters(&args));
        if let Err(e) = &result {
            eprintln!("conform: could not start: {e}");
        }
        exit_code(&result)
    });
    handle.join().unwrap_or(2)
}

/// [`run`] from async code (on a blocking thread).
pub async fn run_async(args: ConformArgs) -> i32 {
    tokio::task::spawn_blocking(move || run(args)).await.unwrap_or(2)
}

/// Run with the given reporters, returning the summary (for tests and embedding).
///
/// ```
/// use commerce_auth_mock::conform::{self, ConformArgs};
/// use commerce_auth_mock::{Profile, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = TestServer::start(Profile::Saas).await;
/// // Every option has its command-line default; a run against the mock needs no other.
/// let mut args = ConformArgs::for_target(server.graphql_url(), Profile::Saas);
/// args.filter = Some("admin/".into());
/// args.no_properties = true;
/// // Blocking (its own thread and runtime): off the runtime that serves the mock.
/// let summary = tokio::task::spawn_blocking(move || conform::run_with(args, Vec::new()))
///     .await
///     .unwrap()
///     .expect("the run starts");
/// assert!(summary.passed() > 0);
/// assert!(!summary.is_failure(), "{:?}", summary.records);
/// # }
/// ```
pub fn run_with(args: ConformArgs, reporters: Vec<Box<dyn Reporter>>) -> Result<Summary, runner::StartError> {
    std::thread::spawn(move || runner::execute(&args, reporters))
        .join()
        .unwrap_or_else(|e| Err(runner::StartError::Panicked(panic_text(&e))))
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "no message".into())
}
