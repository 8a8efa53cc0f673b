//! `conform`: checks a target server (the mock, or a real Adobe Commerce / Magento) against the
//! contract of `spec/behaviour.md`, over HTTP only.
//!
//! It never imports the mock's code: its reference model ([`model`]) is a second, independent,
//! deliberately simple statement of the rules. Layout (after nextest): listing and running in
//! [`runner`], which emits [`event`]s that the reporters in [`report`] consume.
//!
//! Exit codes (stable): 0 everything that ran passed; 1 something failed; 2 the run could not
//! start (bad arguments, target unreachable, report files unwritable are reported but not fatal).

pub mod cli;
pub mod event;
pub mod model;
pub mod normalize;
pub mod properties;
pub mod report;
pub mod runner;
pub mod scenarios;
pub mod snapshot;
pub mod target;

pub use cli::ConformArgs;

use event::{Reporter, Summary};

/// The exit code of a finished (or unstartable) run.
pub fn exit_code(result: &Result<Summary, runner::StartError>) -> i32 {
    match result {
        Err(_) => 2,
        Ok(s) if s.failed() > 0 => 1,
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
pub fn run_with(args: ConformArgs, reporters: Vec<Box<dyn Reporter>>) -> Result<Summary, runner::StartError> {
    std::thread::spawn(move || runner::execute(&args, reporters))
        .join()
        .unwrap_or_else(|_| Err(runner::StartError("the runner panicked".into())))
}
