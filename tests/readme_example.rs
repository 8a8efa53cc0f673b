//! Runs `docs/examples/login-as-customer.sh` (the worked example of
//! `docs/login-as-customer.md`) against the real binary, so the documentation cannot rot.
//! Needs `bash`, `curl` and `python3`, like the example itself.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The mock's process; killed (by its own handle) when the test ends, pass or fail.
struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve --port 0` and reads the address from its start line.
fn start_mock() -> (Mock, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_commerce-auth-mock"))
        .args(["serve", "--port", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start commerce-auth-mock serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mock = Mock(child);
    let first = lines.next().expect("a start line").expect("readable stdout");
    // `commerce-auth-mock (saas profile) serving GraphQL on http://127.0.0.1:PORT/graphql`
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in the start line: {first}"));
    let base = url
        .strip_suffix("/graphql")
        .expect("URL ends with /graphql")
        .to_string();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (mock, base)
}

#[test]
fn login_as_customer_example_runs_as_documented() {
    let (_mock, base) = start_mock();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/examples/login-as-customer.sh");
    for run in 1..=2 {
        let out = Command::new("bash")
            .arg(script)
            .arg(&base)
            .output()
            .expect("run bash");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "run {run}: the example failed\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let generic = "The account sign-in was incorrect or your account is disabled temporarily. \
                       Please wait and try again later.";
        let expected = format!(
            "admin token claims: uid 1 utypid 2\n\
             assistance allowed: true\n\
             customer id: 1\n\
             one-time code: 32 characters\n\
             assisted session admin_id: 1\n\
             the same code again: {generic}\n\
             a code after 31 s: {generic}\n\
             reset requested: true\n\
             email: Reset your Main Website password\n\
             password reset: true\n\
             signed in with the new password as customer: 1\n"
        );
        assert_eq!(
            stdout, expected,
            "run {run} (the example resets the mock, so it repeats)"
        );
    }
}
