//! The runner states its own expectations per profile (`conform::expect`, written from
//! behaviour.md section 1) instead of reading the mock's capability table (`Profile::caps`).
//! Two independent statements agreeing is the evidence; this test is where they meet, so a wrong
//! row on either side fails here rather than being agreed with by shared code.

use std::path::{Path, PathBuf};

use commerce_auth_mock::conform::expect::expect;
use commerce_auth_mock::graphql::Category;
use commerce_auth_mock::profile::Profile;

#[test]
fn the_runner_expects_of_each_profile_what_the_mock_serves() {
    for p in Profile::ALL {
        let mock = p.caps();
        let runner = expect(p);
        let rows = [
            ("admin OTC endpoint", mock.admin_otc, runner.admin_otc),
            (
                "exchangeOtpForCustomerToken",
                mock.exchange_otp_mutation,
                runner.exchange_otp_mutation,
            ),
            (
                "reset token as password",
                mock.reset_token_as_password,
                runner.reset_token_as_password,
            ),
            (
                "unconfirmed message",
                mock.unconfirmed_message,
                runner.unconfirmed_message,
            ),
            (
                "status by category",
                mock.status_by_category,
                runner.status_by_category,
            ),
            (
                "bad bearer fails the request",
                mock.bearer_errors_fail_request,
                runner.bad_bearer_fails_request,
            ),
            (
                "bare /V1 prefix",
                mock.rest_bare_v1_prefix,
                runner.rest_bare_v1_prefix,
            ),
            (
                "integration customer token",
                mock.integration_customer_token,
                runner.integration_customer_token,
            ),
            (
                "admin-issued customer token endpoint",
                mock.admin_customer_token_endpoint,
                runner.admin_customer_token_endpoint,
            ),
            (
                "Customer.group",
                mock.customer_group_field,
                runner.customer_group_field,
            ),
        ];
        for (row, served, expected) in rows {
            assert_eq!(served, expected, "{p}: {row}");
        }
        assert_eq!(
            mock.pre_execution_status, runner.pre_execution_status,
            "{p}: pre-execution status"
        );
        assert_eq!(
            mock.syntax_error_status, runner.syntax_error_status,
            "{p}: syntax error status"
        );
        for category in [
            "graphql-authentication",
            "graphql-authorization",
            "graphql-input",
            "graphql-no-such-entity",
            "graphql-already-exists",
        ] {
            assert_eq!(
                p.status_for(&Category::from(category)),
                runner.status_for(category),
                "{p}: status of {category}"
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/conform` may name the profile enum and nothing else of the mock.
#[test]
fn the_runner_imports_nothing_of_the_mock_but_the_profile_enum() {
    let mut files = Vec::new();
    rust_files(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/conform"),
        &mut files,
    );
    assert!(files.len() > 10, "found {files:?}");
    let mut offences = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                let path = &rest[at + "crate::".len()..];
                // `http_client`: the reqwest set-up `health` shares (name resolution without
                // NSS), no behaviour of the mock.
                if !(path.starts_with("conform")
                    || path.starts_with("profile::Profile")
                    || path.starts_with("http_client::"))
                {
                    offences.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                }
                rest = &rest[at + 1..];
            }
            for borrowed in [".caps()", "Capabilities", "Category"] {
                if code.contains(borrowed) {
                    offences.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "the runner borrows from the mock:\n{}",
        offences.join("\n")
    );
}
