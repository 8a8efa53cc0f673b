//! `commerce-auth-mock fixtures check` and `fixtures init`, run as the real binary.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_commerce-auth-mock"))
        .args(args)
        .output()
        .expect("run commerce-auth-mock")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("cam-fixtures-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SEVERAL_PROBLEMS: &str = r#"{
  "settings": {"otc_ttl_seconds": "thirty", "lockout_failures": 0},
  "customers": [
    {"id": 1, "email": "a@example.com", "firstname": "A", "lastname": "B"},
    {"id": 1, "email": "A@EXAMPLE.com", "firstname": "A", "lastname": "B", "gender": 7},
    {"id": 3, "emial": "c@example.com", "firstname": "C", "lastname": "D"}
  ],
  "admin_users": [{"id": 1, "username": "admin", "password": "x"}],
  "admin_tokens": {"t1": "admin", "t2": "ghost"},
  "faults": [{"match": {"operation": "generateCustomerToken"}, "kind": "latency"}]
}"#;

#[test]
fn check_prints_every_problem_with_its_place_and_exits_1() {
    let dir = TempDir::new("problems");
    let file = dir.file("bad.json");
    std::fs::write(&file, SEVERAL_PROBLEMS).unwrap();
    let out = bin(&["fixtures", "check", &file]);
    assert_eq!(out.status.code(), Some(1));
    let expected = [
        format!("{file}: settings.otc_ttl_seconds: expected an integer, found \"thirty\""),
        format!("{file}: settings.lockout_failures: must be greater than 0, got 0"),
        format!("{file}: customers[1].id: duplicate id 1 (also customers[0].id)"),
        format!("{file}: customers[1].email: duplicate email \"A@EXAMPLE.com\" ignoring case (also customers[0].email)"),
        format!("{file}: customers[1].gender: must be 1, 2 or 3, got 7"),
        format!(
            "{file}: customers[2].emial: unknown field `emial`, expected one of id, email, password, firstname, \
             lastname, prefix, middlename, suffix, date_of_birth, gender, taxvat, is_subscribed, \
             allow_remote_shopping_assistance, confirmed, confirmation_key, created_at, group_id, failures, \
             locked_until, note"
        ),
        format!("{file}: customers[2].email: missing (a customer needs email, firstname, lastname)"),
        format!("{file}: admin_tokens.t2: no admin user named \"ghost\""),
        format!("{file}: faults[0].latency_ms: missing: a latency fault needs latency_ms"),
        format!("9 problems in {file}"),
    ];
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn check_reports_a_json_syntax_error_with_line_and_column() {
    let dir = TempDir::new("syntax");
    let file = dir.file("syntax.json");
    std::fs::write(&file, "{\n  \"customers\": [,]\n}").unwrap();
    let out = bin(&["fixtures", "check", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!("{file}: line 2 column 17: not valid JSON: expected value at line 2 column 17\n1 problem in {file}\n")
    );
}

#[test]
fn init_then_check_passes_and_init_refuses_to_overwrite_without_force() {
    let dir = TempDir::new("init");
    let file = dir.file("fixtures.json");
    let out = bin(&["fixtures", "init", &file]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"$comment\""));
    assert!(text.contains("settings.otc_ttl_seconds: lifetime of admin one-time codes"));

    let out = bin(&["fixtures", "check", &file]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        format!("{file}: ok (6 customers, 3 admin users, 3 admin tokens, 0 faults)\n")
    );

    std::fs::write(&file, "{}").unwrap();
    let out = bin(&["fixtures", "init", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: {file} already exists; pass --force to overwrite it\n")
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{}");
    let out = bin(&["fixtures", "init", &file, "--force"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn check_of_a_missing_file_says_it_cannot_read_it() {
    let out = bin(&["fixtures", "check", "/nonexistent/cam.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("/nonexistent/cam.json: cannot read the file: "),
        "{}",
        stdout(&out)
    );
}
