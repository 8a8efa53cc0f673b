//! The `conform` command line as a user meets it: `--list` needs no target, and a run without
//! one stops with exit 2 and says what to pass.

use std::process::Command;

fn conform(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_commerce-auth-mock"))
        .arg("conform")
        .args(args)
        // Options come from the command line only: no CONFORM_* of the caller's environment.
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run the binary")
}

#[test]
fn list_works_without_a_target() {
    let out = conform(&["--list", "--profile", "paas-2.4.8"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("scenario signin/wrong_password"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("scenario order/exchange_otp ") && l.contains("(not for this profile)")),
        "{stdout}"
    );
    assert!(stdout.contains("property properties/state_machine"), "{stdout}");
    assert!(
        stdout.contains("areas (for --require): front-door, sign-in,"),
        "{stdout}"
    );
}

#[test]
fn a_run_without_a_target_is_exit_2_and_says_what_to_pass() {
    let out = conform(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no target: pass --target URL"), "{stderr}");
}
