//! What `serve` tells a test runner and a log collector when it starts, and the `health`
//! subcommand, against the real binary: `--ready-file`, `--log-format json`, no colour when piped,
//! two-decimal durations, `--host localhost`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{client, post_raw};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_commerce-auth-mock");
const TYPENAME: &str = r#"{"query":"{ __typename }"}"#;

/// A `serve` process whose stdout lines arrive on a channel; killed on drop.
struct Mock {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Mock {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Mock {
        let mut command = Command::new(BIN);
        command
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for var in [
            "COMMERCE_AUTH_MOCK_PORT",
            "COMMERCE_AUTH_MOCK_HOST",
            "COMMERCE_AUTH_MOCK_FIXTURES",
            "COMMERCE_AUTH_MOCK_LOG_FORMAT",
            "COMMERCE_AUTH_MOCK_READY_FILE",
            "RUST_LOG",
            "NO_COLOR",
        ] {
            command.env_remove(var);
        }
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Mock { child, lines }
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a line on stdout within 20 s")
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls until `path` exists, then returns its content.
fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        assert!(Instant::now() < deadline, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run_health(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .arg("health")
        .args(args)
        .env_remove("COMMERCE_AUTH_MOCK_PORT");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run health")
}

/// The port of a start line `… serving GraphQL on http://127.0.0.1:PORT/graphql …`.
fn port_of(start_line: &str) -> u16 {
    let url = start_line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {start_line:?}"));
    url.trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/graphql")
        .parse()
        .unwrap_or_else(|_| panic!("no port in {url}"))
}

#[tokio::test]
async fn the_ready_file_names_every_served_url_once_listening() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    // A stale file from an earlier run is replaced, not appended to.
    std::fs::write(&ready, "stale").unwrap();
    let mock = Mock::start(&["--port", "0", "--ready-file", ready.to_str().unwrap()], &[]);
    let start_line = mock.line();
    let port = port_of(&start_line);
    let text = std::fs::read_to_string(&ready).unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(
        text,
        format!(
            r#"{{"graphql":"{base}/graphql","rest":"{base}/rest","control":"{base}/__mock","console":"{base}/__mock/ui","port":{port}}}"#
        ) + "\n"
    );
    assert_eq!(
        start_line,
        format!(
            "commerce-auth-mock (saas profile) serving GraphQL on {base}/graphql (console: {base}/__mock/ui)"
        )
    );
    let urls: Value = serde_json::from_str(&text).unwrap();
    let answer = post_raw(
        urls["graphql"].as_str().unwrap(),
        TYPENAME,
        &[("Content-Type", "application/json")],
    )
    .await;
    assert_eq!(answer.body, r#"{"data":{"__typename":"Query"}}"#);
    let console = client()
        .get(urls["console"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(console.status(), 200);
    let health = client()
        .get(format!("{}/health", urls["control"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ready).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "readable by a test runner running as another user");
    }
}

#[test]
fn without_the_control_api_the_ready_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    let mock = Mock::start(
        &["--port", "0", "--no-control"],
        &[("COMMERCE_AUTH_MOCK_READY_FILE", ready.to_str().unwrap())],
    );
    let port = port_of(&mock.line());
    let urls: Value = serde_json::from_str(&wait_for_file(&ready)).unwrap();
    assert_eq!(urls["control"], Value::Null);
    assert_eq!(urls["console"], Value::Null);
    assert_eq!(urls["port"], port);
}

#[test]
fn an_unwritable_ready_file_stops_the_start_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("no-such-folder").join("ready.json");
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--ready-file", ready.to_str().unwrap()])
        .env_remove("COMMERCE_AUTH_MOCK_PORT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("error: cannot write --ready-file {}: ", ready.display())),
        "{err}"
    );
}

/// The ready file only ever appears by a rename: inotify sees the name arrive as IN_MOVED_TO and
/// never sees it created or written in place, so no reader can catch half a document.
#[cfg(target_os = "linux")]
#[test]
fn the_ready_file_appears_whole_by_a_rename() {
    use std::ffi::CString;
    let dir = tempfile::tempdir().unwrap();
    let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
    assert!(fd >= 0);
    let path = CString::new(dir.path().to_str().unwrap()).unwrap();
    let mask = libc::IN_CREATE | libc::IN_MODIFY | libc::IN_CLOSE_WRITE | libc::IN_MOVED_TO;
    assert!(unsafe { libc::inotify_add_watch(fd, path.as_ptr(), mask) } >= 0);
    let ready = dir.path().join("ready.json");
    let mock = Mock::start(&["--port", "0", "--ready-file", ready.to_str().unwrap()], &[]);
    mock.line();
    wait_for_file(&ready);

    let mut events: Vec<(u32, String)> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    assert!(n > 0, "inotify saw nothing");
    let mut at = 0usize;
    let header = std::mem::size_of::<libc::inotify_event>();
    while at + header <= n as usize {
        let event: libc::inotify_event = unsafe { std::ptr::read_unaligned(buf[at..].as_ptr().cast()) };
        let name = &buf[at + header..at + header + event.len as usize];
        let name = String::from_utf8_lossy(name).trim_end_matches('\0').to_string();
        events.push((event.mask, name));
        at += header + event.len as usize;
    }
    unsafe { libc::close(fd) };
    let on_ready: Vec<u32> = events
        .iter()
        .filter(|(_, n)| n == "ready.json")
        .map(|(m, _)| *m)
        .collect();
    // The name arrives by a rename; the only later event is the writer closing its descriptor.
    assert_eq!(on_ready.first(), Some(&libc::IN_MOVED_TO), "events: {events:?}");
    assert!(
        on_ready
            .iter()
            .all(|m| m & (libc::IN_CREATE | libc::IN_MODIFY) == 0),
        "never created or written under its own name: {events:?}"
    );
    let temp_written = events
        .iter()
        .any(|(m, n)| n.starts_with(".ready-") && m & libc::IN_MODIFY != 0);
    assert!(temp_written, "written to a temporary file first: {events:?}");
}

#[tokio::test]
async fn json_logs_are_one_json_object_per_line() {
    let mock = Mock::start(&["--port", "0", "--log-format", "json"], &[]);
    let start: Value = serde_json::from_str(&mock.line()).expect("the start line is JSON");
    assert_eq!(start["level"], "INFO");
    let graphql = start["graphql"].as_str().expect("a graphql field").to_string();
    let port = start["port"].as_u64().unwrap();
    assert_eq!(graphql, format!("http://127.0.0.1:{port}/graphql"));
    assert_eq!(start["console"], format!("http://127.0.0.1:{port}/__mock/ui"));
    assert!(
        start["message"]
            .as_str()
            .unwrap()
            .contains(&format!("serving GraphQL on {graphql}")),
        "{start}"
    );
    post_raw(&graphql, TYPENAME, &[("Content-Type", "application/json")]).await;
    client()
        .get(format!("http://127.0.0.1:{port}/rest/V1/nothing"))
        .send()
        .await
        .unwrap();
    // One line per request, GraphQL or not, from the one place that logs requests.
    for expected in ["request", "request"] {
        let line = mock.line();
        let event: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(event["message"], expected, "{line}");
        let ms = event["ms"].as_str().unwrap_or_else(|| panic!("ms: {line}"));
        let (whole, decimals) = ms.split_once('.').unwrap();
        assert!(whole.parse::<u64>().is_ok() && decimals.len() == 2, "{line}");
        assert!(event["status"].is_u64(), "{line}");
    }
}

#[tokio::test]
async fn piped_text_logs_have_no_escape_codes_and_two_decimal_durations() {
    let mock = Mock::start(&["--port", "0"], &[("COMMERCE_AUTH_MOCK_LOG_FORMAT", "text")]);
    let start = mock.line();
    let port = port_of(&start);
    post_raw(
        &format!("http://127.0.0.1:{port}/graphql"),
        TYPENAME,
        &[("Content-Type", "application/json")],
    )
    .await;
    let line = mock.line();
    assert!(
        !line.contains('\u{1b}'),
        "no ANSI escapes when stdout is a pipe: {line:?}"
    );
    assert!(
        line.contains(" INFO request method=POST path=/graphql operation=__typename status=200 ms="),
        "{line}"
    );
    let ms = line.rsplit("ms=").next().unwrap();
    let (whole, decimals) = ms.split_once('.').unwrap();
    assert!(whole.parse::<u64>().is_ok() && decimals.len() == 2, "{line}");
}

#[test]
fn serve_host_localhost_listens_on_loopback() {
    let mock = Mock::start(&["--host", "localhost", "--port", "0"], &[]);
    let start = mock.line();
    let port = port_of(&start);
    assert!(port > 0);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
}

#[test]
fn health_exits_0_when_graphql_answers_and_1_with_one_line_when_not() {
    let mock = Mock::start(&["--port", "0"], &[]);
    let port = port_of(&mock.line());
    // The default URL follows COMMERCE_AUTH_MOCK_PORT, as in the container image.
    let out = run_health(&[], &[("COMMERCE_AUTH_MOCK_PORT", &port.to_string())]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.starts_with(&format!(
            "healthy: http://127.0.0.1:{port}/graphql answered GraphQL in "
        )),
        "{said}"
    );

    let not_graphql = format!("http://127.0.0.1:{port}/rest/V1/nothing");
    let out = run_health(&["--url", &not_graphql], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "unhealthy: POST {not_graphql} answered HTTP 404 Not Found: "
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    drop(mock);
    let out = run_health(&["--url", &format!("http://127.0.0.1:{port}/graphql")], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Connection refused"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[tokio::test]
async fn health_wants_graphql_data_not_just_a_200() {
    use wiremock::matchers::method;
    use wiremock::{Mock as Stub, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Stub::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"errors":[{"message":"down for maintenance"}]}"#),
        )
        .mount(&server)
        .await;
    let url = format!("{}/graphql", server.uri());
    let out = tokio::task::spawn_blocking(move || run_health(&["--url", &url], &[]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("answered HTTP 200 without GraphQL data: {\"errors\""),
        "{err}"
    );
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body, br#"{"query":"{ __typename }"}"#);
    assert_eq!(received[0].headers["content-type"], "application/json");
}

/// A runner may stop the mock the moment the ready file appears: the signal handlers are in
/// place before it is written, so that is a graceful exit 0, not death by SIGTERM.
#[cfg(unix)]
#[test]
fn sigterm_the_moment_the_ready_file_appears_is_a_clean_exit() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready.json");
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--ready-file", ready.to_str().unwrap()])
            .env("RUST_LOG", "warn")
            .env_remove("COMMERCE_AUTH_MOCK_PORT")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready.exists() {
            assert!(Instant::now() < deadline, "no ready file");
            std::thread::sleep(Duration::from_micros(200));
        }
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{status:?}");
    }
}
