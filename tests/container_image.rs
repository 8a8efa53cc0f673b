//! The container image, tested without a container engine: the final stage of `Dockerfile` is
//! read, its root filesystem assembled the way its `COPY` lines say (the static binary, the CA
//! bundle, nothing else) in a temporary folder, and its `ENTRYPOINT` + `CMD` run there under
//! `chroot` as its `USER`, in a network namespace of its own (as a container has), so binding
//! 0.0.0.0 reaches nothing outside. Nothing from the host is in that root: no /lib, no
//! /etc/nsswitch.conf, no /etc/resolv.conf. The README's `docker run` lines are run the same way.
//!
//! Needs root, `unshare`, `chroot`, `nsenter` and `ip`; skipped (with the reason) without them,
//! unless `REQUIRE_CHROOT_TESTS=1` (as in `.ci/run`), which makes a missing one a failure.
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Where the host's unshare, ip, chroot and nsenter are found (the image itself has no PATH to speak of).
const HOST_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const ROOT_ONLY_TOOLS: [&str; 4] = ["unshare", "chroot", "nsenter", "ip"];
/// The tag the README's `docker build -t …` gives the image, which its `docker run` lines name.
const IMAGE_TAG: &str = "commerce-auth-mock";

// ---- what the Dockerfile says ------------------------------------------------------------------

/// The final stage of the Dockerfile, as far as running it is concerned.
#[derive(Debug)]
struct FinalStage {
    base: String,
    /// (source in the build stage, destination in the image)
    copies: Vec<(String, String)>,
    user: (u32, u32),
    expose: Vec<u16>,
    healthcheck: Vec<String>,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
}

fn exec_form(text: &str, what: &str) -> Vec<String> {
    // A scratch image has no shell, so only the JSON (exec) form can run at all.
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{what} must be in JSON exec form (no shell in scratch): {text}: {e}"))
}

fn final_stage() -> FinalStage {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).expect("read Dockerfile");
    let joined = text.replace("\\\n", " ");
    let lines: Vec<&str> = joined
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let from = lines
        .iter()
        .rposition(|l| l.starts_with("FROM "))
        .expect("a FROM line");
    let mut stage = FinalStage {
        base: lines[from]["FROM ".len()..].trim().to_string(),
        copies: Vec::new(),
        user: (0, 0),
        expose: Vec::new(),
        healthcheck: Vec::new(),
        entrypoint: Vec::new(),
        cmd: Vec::new(),
    };
    for line in &lines[from + 1..] {
        let (instruction, rest) = line.split_once(' ').unwrap_or((line, ""));
        match instruction {
            "COPY" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                let (flags, paths): (Vec<&str>, Vec<&str>) = words.iter().partition(|w| w.starts_with("--"));
                assert_eq!(
                    flags,
                    ["--from=build"],
                    "COPY in the final stage takes files from the build stage: {line}"
                );
                assert_eq!(paths.len(), 2, "COPY of one file: {line}");
                stage.copies.push((paths[0].to_string(), paths[1].to_string()));
            }
            "USER" => {
                let (uid, gid) = rest.trim().split_once(':').unwrap_or((rest.trim(), rest.trim()));
                stage.user = (
                    uid.parse().expect("numeric USER uid"),
                    gid.parse().expect("numeric USER gid"),
                );
            }
            "EXPOSE" => {
                stage.expose = rest
                    .split_whitespace()
                    .map(|p| p.parse().expect("EXPOSE port"))
                    .collect()
            }
            "HEALTHCHECK" => {
                let at = rest.find(" CMD ").expect("HEALTHCHECK … CMD [...]");
                stage.healthcheck = exec_form(&rest[at + " CMD ".len()..], "HEALTHCHECK CMD");
            }
            "ENTRYPOINT" => stage.entrypoint = exec_form(rest, "ENTRYPOINT"),
            "CMD" => stage.cmd = exec_form(rest, "CMD"),
            "LABEL" => {}
            other => panic!("the test does not know the final-stage instruction {other}; teach it: {line}"),
        }
    }
    stage
}

/// The file of the build stage that `source` names, from this machine (the build stage is the
/// same Debian release the test machines run, and the binary is this build's).
fn build_stage_file(source: &str) -> PathBuf {
    match source {
        "/out/commerce-auth-mock" => std::env::var_os("IMAGE_TEST_BINARY")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_commerce-auth-mock"))),
        "/etc/ssl/certs/ca-certificates.crt" => PathBuf::from(source),
        other => panic!("the test does not know where the build stage's {other} comes from; teach it"),
    }
}

// ---- the environment ---------------------------------------------------------------------------

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

/// `true` when the test can run; otherwise prints why and returns `false`, or fails when
/// `REQUIRE_CHROOT_TESTS=1`.
fn can_run(test: &str) -> bool {
    let mut missing = Vec::new();
    if unsafe { libc::geteuid() } != 0 {
        missing.push("root (for chroot and network namespaces)".to_string());
    }
    for tool in ROOT_ONLY_TOOLS {
        if !on_path(tool) {
            missing.push(format!("`{tool}` (util-linux / iproute2)"));
        }
    }
    if missing.is_empty() {
        return true;
    }
    let reason = format!("{test}: needs {}", missing.join(", "));
    if std::env::var("REQUIRE_CHROOT_TESTS").as_deref() == Ok("1") {
        panic!("{reason}, and REQUIRE_CHROOT_TESTS=1");
    }
    eprintln!("skipped: {reason} (set REQUIRE_CHROOT_TESTS=1 to make this a failure)");
    false
}

// ---- the image's root filesystem ---------------------------------------------------------------

struct RootFs {
    dir: tempfile::TempDir,
    stage: FinalStage,
}

impl RootFs {
    fn assemble() -> RootFs {
        let stage = final_stage();
        assert_eq!(stage.base, "scratch", "the final stage starts from nothing");
        let dir = tempfile::Builder::new()
            .prefix("image-root-")
            .tempdir()
            .expect("temp dir");
        // A container's root is not writable by its user either, and the folder must be
        // traversable by the non-root uid.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        for (source, dest) in &stage.copies {
            let target = dir.path().join(dest.trim_start_matches('/'));
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(build_stage_file(source), &target)
                .unwrap_or_else(|e| panic!("copy {source} to {}: {e}", target.display()));
        }
        RootFs { dir, stage }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Every file in the root, relative and sorted.
    fn files(&self) -> Vec<String> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else {
                    out.push(format!("/{}", path.strip_prefix(root).unwrap().display()));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.path(), self.path(), &mut out);
        out.sort();
        out
    }

    fn userspec(&self) -> String {
        format!("{}:{}", self.stage.user.0, self.stage.user.1)
    }

    /// Starts `argv` (the image's ENTRYPOINT + CMD, or a `docker run`'s arguments) in the root
    /// as the image's user, in a new network namespace whose loopback is up.
    fn run(&self, argv: &[String], env: &[(String, String)]) -> Container {
        let mut command = Command::new("unshare");
        command
            .args(["--net", "--", "sh", "-c"])
            // `exec` all the way down: the process unshare started becomes the mock itself, so
            // its pid names the namespace and receives our signals.
            .arg(r#"ip link set lo up && root="$1" && user="$2" && shift 2 && exec chroot --userspec="$user" "$root" "$@""#)
            .arg("sh")
            .arg(self.path())
            .arg(self.userspec())
            .args(argv)
            .env_clear()
            .env("PATH", HOST_PATH)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start unshare");
        let (tx, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Container {
            child,
            lines,
            root: self.path().to_path_buf(),
            userspec: self.userspec(),
        }
    }
}

/// A process running in the image's root, in its own network namespace. Killed on drop.
struct Container {
    child: Child,
    lines: mpsc::Receiver<String>,
    root: PathBuf,
    userspec: String,
}

impl Container {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line of its stdout or stderr.
    fn next_line(&self, within: Duration) -> Option<String> {
        self.lines.recv_timeout(within).ok()
    }

    /// Runs `argv` in the same root and network namespace, as `docker exec` (and so the
    /// HEALTHCHECK) would.
    fn exec(&self, argv: &[String]) -> Output {
        Command::new("nsenter")
            .arg(format!("--net=/proc/{}/ns/net", self.pid()))
            .args(["--", "chroot", &format!("--userspec={}", self.userspec)])
            .arg(&self.root)
            .args(argv)
            .env_clear()
            .env("PATH", HOST_PATH)
            .output()
            .expect("run nsenter")
    }

    /// Runs `health` (the image's HEALTHCHECK) until it succeeds; panics with the mock's output
    /// if it never does.
    fn wait_healthy(&self, healthcheck: &[String]) -> Output {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = self.exec(healthcheck);
            if out.status.success() {
                return out;
            }
            if Instant::now() > deadline {
                let logged: Vec<String> = self.lines.try_iter().collect();
                panic!(
                    "never healthy: {}\nthe mock printed:\n{}",
                    String::from_utf8_lossy(&out.stderr),
                    logged.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// POSTs a GraphQL body to 127.0.0.1:`port` inside the namespace; (status, body).
    fn post_graphql(&self, port: u16, body: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let ns = File::open(format!("/proc/{}/ns/net", self.pid())).expect("open the namespace");
        let mut request = format!(
            "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        request_in_namespace(ns, port, request)
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.pid() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit within 10 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a raw HTTP/1.1 request from a thread that has joined the network namespace `ns`
/// (setns moves only the calling thread, so the test process stays where it is).
fn request_in_namespace(ns: File, port: u16, request: String) -> (u16, String) {
    std::thread::spawn(move || {
        let joined = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(joined, 0, "setns: {}", std::io::Error::last_os_error());
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect inside the namespace");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read the response");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {response}"));
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    })
    .join()
    .expect("request thread")
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

const SIGN_IN: &str = r#"{"query":"mutation { generateCustomerToken(email: \"roni_cost@example.com\", password: \"Roni-Cost-2024\") { token } }"}"#;

// ---- the tests ---------------------------------------------------------------------------------

#[test]
fn the_image_serves_graphql_from_its_own_root_and_its_healthcheck_works() {
    if !can_run("the_image_serves_graphql_from_its_own_root_and_its_healthcheck_works") {
        return;
    }
    let root = RootFs::assemble();
    let stage = &root.stage;
    // Exactly what the Dockerfile copies: no libraries, no NSS configuration, no passwd file.
    let mut expected: Vec<String> = stage.copies.iter().map(|(_, d)| d.clone()).collect();
    expected.sort();
    assert_eq!(root.files(), expected);
    assert_eq!(
        expected,
        ["/commerce-auth-mock", "/etc/ssl/certs/ca-certificates.crt"]
    );
    assert!(
        stage.user.0 != 0 && stage.user.1 != 0,
        "a non-root USER: {:?}",
        stage.user
    );
    assert_eq!(stage.expose, [4000]);
    assert_eq!(stage.healthcheck, ["/commerce-auth-mock", "health"]);

    let argv: Vec<String> = stage.entrypoint.iter().chain(&stage.cmd).cloned().collect();
    let container = root.run(&argv, &[]);
    let first = container
        .next_line(Duration::from_secs(30))
        .expect("a start line");
    assert_eq!(
        first,
        "commerce-auth-mock (saas profile) serving GraphQL on http://127.0.0.1:4000/graphql \
         (listening on 0.0.0.0:4000; console: http://127.0.0.1:4000/__mock/ui)"
    );
    // Then what the open bind exposes, said on every start.
    let exposure = container
        .next_line(Duration::from_secs(5))
        .expect("the exposure warning");
    assert!(
        exposure.contains(
            " WARN serving on an address other machines can reach: GraphQL and REST for anyone; control API \
             OPEN to anyone who reaches the port (--dangerously-allow-open-control): reset, clock, outbox with \
             live reset tokens, customers, settings, faults, journal, console; static admin tokens: none"
        ),
        "{exposure}"
    );
    let healthy = container.wait_healthy(&stage.healthcheck);
    let said = String::from_utf8_lossy(&healthy.stdout);
    assert!(
        said.starts_with("healthy: http://127.0.0.1:4000/graphql answered GraphQL in "),
        "{said}"
    );

    // The process really is the image's user, and a sign-in is answered like anywhere else.
    let status = std::fs::read_to_string(format!("/proc/{}/status", container.pid())).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert_eq!(
        uid_line.split_whitespace().nth(1),
        Some(stage.user.0.to_string().as_str()),
        "{uid_line}"
    );
    let (code, body) = container.post_graphql(4000, SIGN_IN, &[]);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.starts_with(r#"{"data":{"generateCustomerToken":{"token":"eyJ"#),
        "{body}"
    );

    // The health check fails, with one line saying why, where nothing listens.
    let mut closed = stage.healthcheck.clone();
    closed.extend(strings(&["--url", "http://127.0.0.1:4001/graphql"]));
    let out = container.exec(&closed);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("unhealthy: POST http://127.0.0.1:4001/graphql failed: ")
            && err.contains("Connection refused"),
        "{err}"
    );

    assert_eq!(
        container.stop().code(),
        Some(0),
        "SIGTERM stops the image's process cleanly"
    );
}

/// Every `docker run … commerce-auth-mock [ARGS]` line of the README, run as Docker would: the
/// image's ENTRYPOINT with ARGS (or its CMD), `-e` variables in the environment.
#[test]
fn the_readme_docker_run_lines_work_in_the_image_root() {
    if !can_run("the_readme_docker_run_lines_work_in_the_image_root") {
        return;
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&format!("docker build -t {IMAGE_TAG} .")),
        "the README builds the image as `docker build -t {IMAGE_TAG} .`"
    );
    let runs: Vec<&str> = readme
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("docker run "))
        .collect();
    assert!(runs.len() >= 2, "the README shows docker run lines: {runs:?}");
    let root = RootFs::assemble();
    for line in runs {
        let line = line.split(" #").next().unwrap().trim();
        let words: Vec<&str> = line.split_whitespace().skip(2).collect();
        let mut env = Vec::new();
        let mut published_on_loopback = false;
        let mut i = 0;
        while i < words.len() && words[i].starts_with('-') {
            match words[i] {
                "--rm" | "-d" => i += 1,
                "-p" | "--publish" => {
                    published_on_loopback |= words[i + 1].starts_with("127.0.0.1:");
                    i += 2;
                }
                "-e" | "--env" => {
                    let (k, v) = words[i + 1].split_once('=').expect("-e NAME=VALUE");
                    env.push((k.to_string(), v.to_string()));
                    i += 2;
                }
                other => panic!("the test does not know the docker run option {other}; teach it: {line}"),
            }
        }
        assert_eq!(words.get(i), Some(&IMAGE_TAG), "{line}");
        let args = &words[i + 1..];
        let argv: Vec<String> = if args.is_empty() {
            root.stage
                .entrypoint
                .iter()
                .chain(&root.stage.cmd)
                .cloned()
                .collect()
        } else {
            root.stage
                .entrypoint
                .iter()
                .cloned()
                .chain(strings(args))
                .collect()
        };
        let token = env
            .iter()
            .find(|(k, _)| k == "COMMERCE_AUTH_MOCK_CONTROL_TOKEN")
            .map(|(_, v)| v.clone());
        let container = root.run(&argv, &env);
        container.wait_healthy(&root.stage.healthcheck);
        let (code, body) = container.post_graphql(4000, SIGN_IN, &[]);
        assert_eq!(code, 200, "{line}: {body}");
        // Whoever reaches the port reaches the control API unless a token guards it: the README
        // tells readers to publish on loopback or to set one.
        let reset = r#"{}"#;
        let ns = File::open(format!("/proc/{}/ns/net", container.pid())).unwrap();
        let request = format!(
            "POST /__mock/reset HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reset}",
            reset.len()
        );
        let (code, body) = request_in_namespace(ns, 4000, request);
        match &token {
            Some(_) => assert_eq!(code, 401, "{line}: the token guards the control API: {body}"),
            None if args.contains(&"--no-control") => {
                assert_eq!(code, 404, "{line}: no control API: {body}")
            }
            None => {
                assert!(
                    published_on_loopback,
                    "{line}: an unguarded control API is published on loopback only"
                );
                assert_eq!(code, 200, "{line}: {body}");
            }
        }
        if let Some(token) = token {
            let ns = File::open(format!("/proc/{}/ns/net", container.pid())).unwrap();
            let request = format!(
                "POST /__mock/reset HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            );
            let (code, body) = request_in_namespace(ns, 4000, request);
            assert_eq!(code, 200, "{line}: with the token: {body}");
        }
        assert_eq!(container.stop().code(), Some(0), "{line}");
    }
}

/// With no NSS modules, /etc/hosts or /etc/resolv.conf, `localhost` still means loopback (for
/// `serve --host` and for the HTTP client of `health` and `conform`), and any other name fails
/// with a sentence saying what to pass instead.
#[test]
fn names_resolve_without_nss_in_the_image_root() {
    if !can_run("names_resolve_without_nss_in_the_image_root") {
        return;
    }
    let root = RootFs::assemble();
    let bin = root.stage.entrypoint.clone();
    let argv: Vec<String> = bin
        .iter()
        .cloned()
        .chain(strings(&["serve", "--host", "localhost", "--port", "4100"]))
        .collect();
    let container = root.run(&argv, &[]);
    let first = container
        .next_line(Duration::from_secs(30))
        .expect("a start line");
    assert_eq!(
        first,
        "commerce-auth-mock (saas profile) serving GraphQL on http://127.0.0.1:4100/graphql \
         (console: http://127.0.0.1:4100/__mock/ui)"
    );
    let health: Vec<String> = bin
        .iter()
        .cloned()
        .chain(strings(&["health", "--url", "http://localhost:4100/graphql"]))
        .collect();
    let out = container.wait_healthy(&health);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("healthy: http://localhost:4100/graphql"));

    // conform too: a scenario against http://localhost:… from inside the image's root.
    let conform: Vec<String> = bin
        .iter()
        .cloned()
        .chain(strings(&[
            "conform",
            "--target",
            "http://localhost:4100/graphql",
            "--filter",
            "signin/success",
            "--no-properties",
            "--no-progress",
        ]))
        .collect();
    let out = container.exec(&conform);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("conformance score: 2/2 passed"), "{said}");

    let unknown: Vec<String> = bin
        .iter()
        .cloned()
        .chain(strings(&[
            "serve",
            "--host",
            "mock.example.invalid",
            "--port",
            "4101",
        ]))
        .collect();
    let out = container.exec(&unknown);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: cannot resolve --host mock.example.invalid: no DNS configuration could be read")
            && err.trim_end().ends_with("pass an IP address instead, e.g. --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)"),
        "{err}"
    );
    assert_eq!(container.stop().code(), Some(0));
}
