//! Every boolean flag of `serve`, `conform` and `fixtures`, set through its environment variable
//! to a spelling other than `true` (`1`, `yes`, `ON`, `True`, …), against the real binary: each
//! test observes what the flag does, and where cheap, that a "false" spelling does not do it.
//! `conform` runs against an in-process mock on 127.0.0.1, narrowed with `--filter`.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::{client, gql};

const BIN: &str = env!("CARGO_BIN_EXE_commerce-auth-mock");

/// The binary with `args` and no environment but `PATH` and `env`, so the caller's
/// `COMMERCE_AUTH_MOCK_*` and `CONFORM_*` variables cannot change what is tested.
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs to the end (on a blocking thread, so an in-process mock keeps answering).
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = command(args, env);
    tokio::task::spawn_blocking(move || c.output().expect("run the binary"))
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `serve --port 0` process; killed (by its own handle) on drop.
struct Serve {
    child: Child,
    base: String,
}

impl Serve {
    /// Starts `serve --port 0` and waits for its start line, which names the address.
    fn start(env: &[(&str, &str)]) -> Serve {
        let mut child = command(&["serve", "--port", "0"], env)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("serve prints its start line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        Serve {
            child,
            base: url.trim_end_matches("/graphql").to_string(),
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn status_of(url: &str) -> u16 {
    client().get(url).send().await.expect("GET").status().as_u16()
}

// ---- serve -----------------------------------------------------------------------------------

#[tokio::test]
async fn no_control_1_removes_the_control_api() {
    let s = Serve::start(&[("COMMERCE_AUTH_MOCK_NO_CONTROL", "1")]);
    assert_eq!(status_of(&format!("{}/__mock/health", s.base)).await, 404);
    let s = Serve::start(&[("COMMERCE_AUTH_MOCK_NO_CONTROL", "Off")]);
    assert_eq!(status_of(&format!("{}/__mock/health", s.base)).await, 200);
}

#[tokio::test]
async fn watch_yes_without_fixtures_is_the_clear_error() {
    let out = run(&["serve", "--port", "0"], &[("COMMERCE_AUTH_MOCK_WATCH", "yes")]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--watch needs a fixtures file to watch: pass --fixtures FILE"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn watch_on_with_fixtures_rereads_the_file_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.json");
    std::fs::write(&file, r#"{"settings":{"otc_ttl_seconds":30}}"#).unwrap();
    let file_arg = file.to_str().unwrap().to_string();
    let s = Serve::start(&[
        ("COMMERCE_AUTH_MOCK_WATCH", "ON"),
        ("COMMERCE_AUTH_MOCK_FIXTURES", &file_arg),
    ]);
    let health = || async {
        let v: serde_json::Value = client()
            .get(format!("{}/__mock/health", s.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["fixtures"]["error"].clone()
    };
    assert_eq!(health().await, serde_json::Value::Null);
    std::fs::write(&file, r#"{"settings":{"otc_ttl_seconds":"soon"}}"#).unwrap();
    // The watcher polls the file; wait (with a deadline) until it has seen the change.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(error) = health().await.as_str().map(str::to_string) {
            assert!(error.contains("settings.otc_ttl_seconds"), "{error}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the change was never read");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn require_confirmation_on_is_what_store_config_says() {
    let q = "{ storeConfig { create_account_confirmation } }";
    for (value, expected) in [("ON", "true"), ("0", "false")] {
        let s = Serve::start(&[("COMMERCE_AUTH_MOCK_REQUIRE_CONFIRMATION", value)]);
        let r = gql(&format!("{}/graphql", s.base), q, serde_json::json!({}), &[]).await;
        assert_eq!(
            r.body,
            format!(r#"{{"data":{{"storeConfig":{{"create_account_confirmation":{expected}}}}}}}"#),
            "{value}"
        );
    }
}

/// The flag only matters on an address other machines can reach (the open-bind rule, unit-tested
/// in `src/http/server.rs`), which a test cannot bind safely; on loopback the one thing to observe
/// is that `1` is accepted (the server starts) where a non-boolean is refused.
#[tokio::test]
async fn dangerously_allow_open_control_accepts_1() {
    let s = Serve::start(&[("COMMERCE_AUTH_MOCK_DANGEROUSLY_ALLOW_OPEN_CONTROL", "1")]);
    assert_eq!(status_of(&format!("{}/__mock/health", s.base)).await, 200);
    let out = run(
        &["serve", "--port", "0"],
        &[("COMMERCE_AUTH_MOCK_DANGEROUSLY_ALLOW_OPEN_CONTROL", "maybe")],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid value 'maybe' for '--dangerously-allow-open-control'"),
        "{}",
        text(&out.stderr)
    );
}

// ---- fixtures --------------------------------------------------------------------------------

#[tokio::test]
async fn force_true_overwrites_an_existing_file_and_no_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fixtures.json");
    let path = file.to_str().unwrap();
    std::fs::write(&file, "mine").unwrap();
    let out = run(&["fixtures", "init", path], &[("COMMERCE_AUTH_MOCK_FORCE", "no")]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    let out = run(
        &["fixtures", "init", path],
        &[("COMMERCE_AUTH_MOCK_FORCE", "True")],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&file).unwrap();
    assert_ne!(written, "mine");
    assert!(
        Fixtures::load(Path::new(path)).is_ok(),
        "a fixtures file: {written}"
    );
}

// ---- conform ---------------------------------------------------------------------------------

#[tokio::test]
async fn conform_list_on_prints_the_list_without_a_target() {
    let out = run(&["conform"], &[("CONFORM_LIST", "on")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("scenario signin/wrong_password"),
        "{}",
        text(&out.stdout)
    );
}

/// `conform` against `server`, with `env` and a filter.
async fn conform(server: &TestServer, filter: &str, env: &[(&str, &str)]) -> Output {
    let target = server.graphql_url();
    run(
        &["conform", "--target", &target, "--filter", filter, "--cases", "1"],
        env,
    )
    .await
}

fn replay_line(out: &Output) -> String {
    text(&out.stdout)
        .lines()
        .find(|l| l.starts_with("replay: "))
        .unwrap_or_else(|| panic!("a replay line: {}", text(&out.stdout)))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conform_slow_1_allows_real_waits() {
    let s = TestServer::start(Profile::Saas).await;
    let out = conform(&s, "signin/wrong_password", &[("CONFORM_SLOW", "1")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        replay_line(&out).ends_with(" --slow --max-wait-secs 40"),
        "{}",
        replay_line(&out)
    );
    let out = conform(&s, "signin/wrong_password", &[("CONFORM_SLOW", "FALSE")]).await;
    assert!(!replay_line(&out).contains("--slow"), "{}", replay_line(&out));
}

/// Every file under `dir`, relative.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conform_no_sandbox_1_runs_in_the_default_store() {
    let s = TestServer::start(Profile::Saas).await;
    let out = conform(&s, "signin/wrong_password", &[("CONFORM_NO_SANDBOX", "1")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        replay_line(&out).ends_with(" --no-sandbox"),
        "{}",
        replay_line(&out)
    );
    assert!(
        !s.app.stores.default.journal.is_empty(),
        "the run's requests reached the default store"
    );
    let journaled = s.app.stores.default.journal.len();
    let out = conform(&s, "signin/wrong_password", &[("CONFORM_NO_SANDBOX", "No")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(
        s.app.stores.default.journal.len(),
        journaled,
        "a sandbox of its own this time"
    );
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conform_accept_true_writes_accepted_snapshots() {
    let s = TestServer::start(Profile::Saas).await;
    for (value, extension, exit) in [("0", ".snap.new", 1), ("True", ".snap", 0)] {
        let dir = tempfile::tempdir().unwrap();
        let snapshots = dir.path().to_str().unwrap().to_string();
        let out = conform(
            &s,
            "signin/wrong_password",
            &[("CONFORM_ACCEPT", value), ("CONFORM_SNAPSHOTS", &snapshots)],
        )
        .await;
        assert_eq!(out.status.code(), Some(exit), "{value}: {}", text(&out.stdout));
        let files = files_under(dir.path());
        assert!(!files.is_empty(), "{value}: nothing written");
        assert!(
            files
                .iter()
                .all(|f| f.ends_with(extension) && (extension == ".snap.new" || !f.ends_with(".snap.new"))),
            "{value}: {files:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conform_no_properties_yes_leaves_the_properties_out() {
    let s = TestServer::start(Profile::Saas).await;
    let filter = "properties/empty_values";
    let out = conform(&s, filter, &[("CONFORM_NO_PROPERTIES", "yes")]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("--filter `properties/empty_values` selects no scenario or property"),
        "{}",
        text(&out.stderr)
    );
    let out = conform(&s, filter, &[("CONFORM_NO_PROPERTIES", "n")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("properties/empty_values"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conform_fail_on_skip_yes_fails_a_run_with_a_skip() {
    // Without the control API the runner has no admin access, so this scenario is skipped.
    let config = ServeConfig {
        profile: Profile::Saas,
        no_control: true,
        ..ServeConfig::default()
    };
    let s = TestServer::start_config(config, Fixtures::embedded_default()).await;
    let out = conform(&s, "signin/token_claims", &[("CONFORM_FAIL_ON_SKIP", "off")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = conform(&s, "signin/token_claims", &[("CONFORM_FAIL_ON_SKIP", "YES")]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("--fail-on-skip: 1 items were skipped: signin/token_claims"),
        "{}",
        text(&out.stdout)
    );
}

/// Runs `conform` with its stderr on a pseudo-terminal (where the progress bar draws) and
/// returns what reached the terminal.
#[cfg(target_os = "linux")]
async fn conform_stderr_on_a_terminal(server: &TestServer, env: &[(&str, &str)]) -> Vec<u8> {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    let master = unsafe { std::fs::File::from_raw_fd(master) };
    let slave = unsafe { std::fs::File::from_raw_fd(slave) };
    let target = server.graphql_url();
    let mut c = command(
        &[
            "conform",
            "--target",
            &target,
            "--filter",
            "signin/wrong_password",
        ],
        env,
    );
    c.stdout(Stdio::null()).stderr(Stdio::from(slave));
    let reader = std::thread::spawn(move || {
        // Read until the last holder of the terminal's other end closes it (EIO).
        let mut master = master;
        let (mut seen, mut buf) = (Vec::new(), [0u8; 4096]);
        while let Ok(n @ 1..) = master.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
        seen
    });
    let status = tokio::task::spawn_blocking(move || {
        let status = c.status().expect("run conform");
        drop(c); // closes this process's copy of the terminal
        status
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0));
    reader.join().unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conform_no_progress_on_keeps_the_progress_bar_off_a_terminal() {
    let s = TestServer::start(Profile::Saas).await;
    let drawn = conform_stderr_on_a_terminal(&s, &[("CONFORM_NO_PROGRESS", "0")]).await;
    assert!(!drawn.is_empty(), "the progress bar draws on a terminal");
    let drawn = conform_stderr_on_a_terminal(&s, &[("CONFORM_NO_PROGRESS", "On")]).await;
    assert_eq!(text(&drawn), "", "nothing reaches the terminal");
}
