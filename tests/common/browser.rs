//! A headless Chromium driven through ChromeDriver (Debian's `chromium` and `chromium-driver`,
//! which `.ci/run` installs when missing), for the browser tests that include this file.
//!
//! - `SKIP_BROWSER_TESTS=1` skips with a printed reason. A missing browser or driver also skips
//!   with the reason and what to install, unless `REQUIRE_BROWSER_TESTS=1` (set by `.ci/run`),
//!   where it fails the test.
//! - `CHROMEDRIVER` and `CHROME_BIN` override where the driver and the browser are looked for.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// How long any one wait on a page may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// Finds an executable: the override variable, else the first candidate on `PATH`.
fn find_executable(env_var: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env_var) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    candidates.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// `chromedriver --port=N`, killed (and reaped) on drop, with its own browser profile folder.
struct Driver {
    child: Child,
    port: u16,
    profile_dir: PathBuf,
    log: PathBuf,
}

impl Driver {
    fn start(chromedriver: &Path, name: &str) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port for chromedriver")
            .port();
        let stamp = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let profile_dir = std::env::temp_dir().join(format!("{name}-profile-{stamp}"));
        std::fs::create_dir_all(&profile_dir).expect("browser profile folder");
        let log = std::env::temp_dir().join(format!("{name}-chromedriver-{stamp}.log"));
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let driver = Driver {
            child,
            port,
            profile_dir,
            log,
        };
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within {WAIT:?} (log: {})",
                driver.log.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile_dir);
        if std::thread::panicking() {
            eprintln!("chromedriver's log: {}", self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// A browser session; [`Browser::close`] ends it, dropping it stops the driver.
pub struct Browser {
    pub client: Client,
    driver: Driver,
}

impl Browser {
    /// A headless Chromium, or `None` (with the reason printed) when the test is to be skipped.
    /// `name` labels the profile folder and the driver's log.
    pub async fn start(name: &str) -> Option<Browser> {
        Self::start_with_window(name, "1000,900", &[]).await
    }

    /// [`Browser::start`] with a window of `size` (`"width,height"`) and more Chromium flags
    /// (a screenshot wants a bigger window without scrollbars).
    pub async fn start_with_window(name: &str, size: &str, extra_args: &[&str]) -> Option<Browser> {
        if std::env::var("SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
            println!("skipped: SKIP_BROWSER_TESTS=1 (this test needs Debian's chromium and chromium-driver)");
            return None;
        }
        // `.ci/run` installs the browser and sets REQUIRE_BROWSER_TESTS=1, so CI always runs
        // the browser tests; on a machine without Chromium, `cargo test` skips them and says why.
        let required = std::env::var("REQUIRE_BROWSER_TESTS").as_deref() == Ok("1");
        let missing = |what: &str, var: &str| {
            let advice = format!(
                "{what} not found on PATH. Install Debian's chromium and chromium-driver \
                 (apt-get install chromium chromium-driver; .ci/run does this) or set {var}."
            );
            if required {
                panic!("{advice}");
            }
            println!("skipped: {advice}");
        };
        let Some(chromedriver) = find_executable("CHROMEDRIVER", &["chromedriver"]) else {
            missing("chromedriver", "CHROMEDRIVER");
            return None;
        };
        let Some(chrome) = find_executable("CHROME_BIN", &["chromium", "chromium-browser", "google-chrome"])
        else {
            missing("chromium", "CHROME_BIN");
            return None;
        };
        let driver = Driver::start(&chromedriver, name);
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ]
        .iter()
        .chain(extra_args)
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--window-size={size}"));
        args.push(format!("--user-data-dir={}", driver.profile_dir.display()));
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chrome.display().to_string(), "args": args },
        });
        let Value::Object(caps) = caps else { unreachable!() };
        // ChromeDriver listens on plain HTTP on loopback: no TLS stack is needed to reach it.
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a browser session through chromedriver (log: {}): {e}",
                    driver.log.display()
                )
            });
        Some(Browser { client, driver })
    }

    /// Ends the session, then the driver.
    pub async fn close(self) {
        let _ = self.client.close().await;
        drop(self.driver);
    }
}

/// Runs `script` (JavaScript returning `null` for "not yet") until it returns something else,
/// for at most [`WAIT`]; on a timeout, says what `describe` (JavaScript) returns about the page.
pub async fn wait_for(client: &Client, what: &str, script: &str, describe: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    let mut last = Value::Null;
    loop {
        match client.execute(script, vec![]).await {
            Ok(Value::Null) => {}
            Ok(v) => return v,
            Err(e) => last = json!(e.to_string()),
        }
        if Instant::now() >= deadline {
            let page = client.execute(describe, vec![]).await.unwrap_or(Value::Null);
            panic!("timed out after {WAIT:?} waiting for {what} (last error: {last}; page: {page})");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

/// Empties the input `css`, then types `text` into it.
pub async fn type_into(client: &Client, css: &str, text: &str) {
    let input = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"));
    input
        .clear()
        .await
        .unwrap_or_else(|e| panic!("cannot clear {css}: {e}"));
    input
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
}

/// The result of `script` (JavaScript with a `return`).
pub async fn eval(client: &Client, script: &str) -> Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed ({e}): {script}"))
}
