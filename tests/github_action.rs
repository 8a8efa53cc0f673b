//! The GitHub Action (`action.yml`): its inputs reach `action/conform.sh`, which turns them into
//! `conform`'s options and environment, runs the real binary against a real mock, and reports
//! the exit code and the JUnit path as step outputs. (The download step needs a published
//! release; the release workflow runs it on each platform.)
#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_commerce-auth-mock");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The input names of action.yml, in order.
fn action_inputs(yml: &str) -> Vec<String> {
    let block = yml
        .split("\ninputs:\n")
        .nth(1)
        .expect("an inputs: block")
        .split("\noutputs:\n")
        .next()
        .unwrap();
    block
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|name| !name.starts_with(' '))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_action_input_is_used_and_reaches_the_script_as_an_environment_variable() {
    let yml = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).unwrap();
    let script = std::fs::read_to_string(Path::new(ROOT).join("action/conform.sh")).unwrap();
    let inputs = action_inputs(&yml);
    assert!(inputs.len() >= 12, "{inputs:?}");
    // Used by the action itself rather than passed to conform.
    let own = ["version", "binary", "upload", "artifact-name"];
    for name in &inputs {
        let expression = format!("${{{{ inputs.{name} }}}}");
        if own.contains(&name.as_str()) {
            assert!(
                yml.contains(&format!("inputs.{name}")),
                "input {name} is never used"
            );
            continue;
        }
        let var = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        assert!(
            yml.contains(&format!("{var}: {expression}")),
            "action.yml passes input {name} to the script as {var}: {expression}"
        );
        assert!(
            script.contains(&format!("${{{var}")),
            "action/conform.sh reads {var}"
        );
    }
    // No input is spliced into a script (shell injection): only env: and with: use them.
    for line in yml.lines().filter(|l| l.contains("${{ inputs.")) {
        let key = line.trim_start().split(':').next().unwrap();
        assert!(
            key.starts_with("INPUT_")
                || [
                    "VERSION",
                    "COMMERCE_AUTH_MOCK_BINARY",
                    "if",
                    "- if",
                    "name",
                    "path"
                ]
                .contains(&key),
            "an input used outside env/with: {line}"
        );
    }
}

/// Runs action/conform.sh with `inputs` (as action.yml maps them) and the given binary; returns
/// its output and the step outputs it wrote.
fn run_action_script(
    binary: &Path,
    inputs: &[(&str, &str)],
    dir: &Path,
) -> (Output, BTreeMap<String, String>) {
    let outputs = dir.join("github-output");
    std::fs::write(&outputs, "").unwrap();
    let mut command = Command::new("bash");
    command
        .arg(Path::new(ROOT).join("action/conform.sh"))
        .current_dir(dir)
        .env("COMMERCE_AUTH_MOCK_BINARY", binary)
        .env("GITHUB_OUTPUT", &outputs);
    // The runner's environment would not carry these; the test's might.
    for (k, _) in std::env::vars() {
        if k.starts_with("CONFORM_") || k.starts_with("INPUT_") {
            command.env_remove(k);
        }
    }
    for (name, value) in inputs {
        command.env(format!("INPUT_{}", name.to_uppercase().replace('-', "_")), value);
    }
    let out = command.output().expect("run bash");
    let written = std::fs::read_to_string(&outputs).unwrap();
    let map = written
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (out, map)
}

/// A stand-in binary that records its arguments and the CONFORM_* environment, then exits 3.
fn recording_binary(dir: &Path) -> PathBuf {
    let path = dir.join("record");
    std::fs::write(
        &path,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$PWD/args\"\nenv | grep '^CONFORM_' | sort > \"$PWD/env\"\nexit 3\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn the_script_turns_inputs_into_conform_options_and_passes_secrets_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let binary = recording_binary(dir.path());
    let (out, outputs) = run_action_script(
        &binary,
        &[
            ("target", "https://staging.example/graphql"),
            ("profile", "paas-2.4.8"),
            ("admin-token", ""),
            ("admin-username", "ci"),
            ("admin-password", "s3cret pass"),
            ("mailbox", ""),
            ("junit", "reports/conform.xml"),
            ("json", ""),
            ("filter", "signin"),
            ("fail-on-skip", "true"),
            ("require", "signin,admin"),
            ("args", "--slow  --rate 5"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3), "conform's status is the step's");
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "conform",
            "--fail-on-skip",
            "--require",
            "signin,admin",
            "--slow",
            "--rate",
            "5"
        ]
    );
    let env = std::fs::read_to_string(dir.path().join("env")).unwrap();
    assert_eq!(
        env.lines().collect::<Vec<_>>(),
        [
            "CONFORM_ADMIN_PASSWORD=s3cret pass",
            "CONFORM_ADMIN_USERNAME=ci",
            "CONFORM_FILTER=signin",
            "CONFORM_JUNIT=reports/conform.xml",
            "CONFORM_NO_PROGRESS=true",
            "CONFORM_PROFILE=paas-2.4.8",
            "CONFORM_TARGET=https://staging.example/graphql",
        ],
        "empty inputs are not set at all (an empty CONFORM_ADMIN_TOKEN would be a token)"
    );
    assert_eq!(outputs.get("exit-code").map(String::as_str), Some("3"));
    assert_eq!(
        outputs.get("junit").map(String::as_str),
        Some("reports/conform.xml")
    );

    // The defaults of action.yml: no gate, no extra options.
    let (out, _) = run_action_script(
        &binary,
        &[
            ("target", "http://127.0.0.1:1/graphql"),
            ("fail-on-skip", "false"),
            ("args", ""),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3));
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(args, "conform\n");
}

#[test]
fn the_script_without_a_target_says_what_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    let binary = recording_binary(dir.path());
    let (out, _) = run_action_script(&binary, &[("target", "")], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("::error::the target input is required"));
    assert!(!dir.path().join("args").exists(), "conform never ran");
}

/// The mock on a free port, read from its ready file; killed on drop.
struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_script_runs_conform_against_the_mock_and_writes_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0"])
        .env("RUST_LOG", "warn")
        .env_remove("COMMERCE_AUTH_MOCK_PORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let _mock = Mock(child);
    let start = lines.next().unwrap().unwrap();
    let graphql = start
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    std::thread::spawn(move || for _ in lines {});

    let (out, outputs) = run_action_script(
        Path::new(BIN),
        &[
            ("target", &graphql),
            ("profile", "saas"),
            ("admin-token", "mock-admin-token"),
            ("admin-username", "admin"),
            ("admin-password", "Admin-Pass-2024"),
            ("junit", "conform-junit.xml"),
            ("json", "conform.json"),
            ("filter", "signin"),
            ("fail-on-skip", "false"),
            ("args", "--no-properties"),
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("conformance score: "), "{stdout}");
    assert_eq!(outputs.get("exit-code").map(String::as_str), Some("0"));
    assert_eq!(
        outputs.get("junit").map(String::as_str),
        Some("conform-junit.xml")
    );
    let junit = std::fs::read_to_string(dir.path().join("conform-junit.xml")).unwrap();
    assert!(
        junit.contains("<testsuites") && junit.contains("signin"),
        "{junit}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("conform.json")).unwrap()).unwrap();
    assert!(json.is_object() || json.is_array());
}
