//! `commerce-auth-mock fixtures check FILE` and `fixtures init [FILE]`.
//!
//! `check` runs the server's own loader and validator, which collect **every** problem with its
//! place (unknown fields, wrong types, duplicate ids and emails, bad values, references to
//! unknown admin users, invalid faults), so `check` accepts exactly what `serve` accepts.
//! `init` writes the default fixtures with explanations under `"$comment"`.

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::domain::fixtures::DEFAULT_FIXTURES_JSON;
use crate::domain::{FixtureError, Fixtures};

/// Every problem of fixture JSON `text` (empty: the file is valid), from the loader's own
/// validator.
#[cfg(test)]
pub fn check_text(file: &str, text: &str) -> Vec<crate::domain::fixtures::Problem> {
    use crate::domain::fixtures::Problem;
    match Fixtures::from_json_str(file, text) {
        Ok(_) => Vec::new(),
        Err(FixtureError::Invalid { problems, .. }) => problems,
        Err(e) => vec![Problem {
            path: "$".into(),
            message: e.to_string(),
        }],
    }
}

/// `fixtures check FILE`: prints every problem (`FILE: PATH: PROBLEM`, then a count) and
/// returns 1, or prints a one-line summary and returns 0.
pub fn check(path: &Path) -> u8 {
    let file = path.display().to_string();
    match Fixtures::load(path) {
        Ok(f) => {
            println!(
                "{file}: ok ({} customers, {} admin users, {} admin tokens, {} faults)",
                f.customer_count(),
                f.admin_users.len(),
                f.admin_tokens.len(),
                f.faults.len()
            );
            0
        }
        Err(FixtureError::Io { source, .. }) => {
            println!("{file}: cannot read the file: {source}");
            1
        }
        Err(FixtureError::Invalid { problems, .. }) => {
            for p in &problems {
                println!("{file}: {}: {}", p.path, p.message);
            }
            let n = problems.len();
            println!("{n} problem{} in {file}", if n == 1 { "" } else { "s" });
            1
        }
    }
}

/// The explanations `fixtures init` puts under the top-level `"$comment"`.
const INIT_COMMENT: [&str; 28] = [
    "Fixtures for commerce-auth-mock: serve --fixtures THIS_FILE (add --watch to reload on save).",
    "Check it with: commerce-auth-mock fixtures check THIS_FILE. Every section is optional; unknown fields are errors.",
    "\"$comment\" is accepted at the top level and in faults; customers and admin users have a free-text \"note\".",
    "settings.customer_token_lifetime_minutes: lifetime of customer tokens (generateCustomerToken).",
    "settings.admin_token_lifetime_hours: lifetime of admin tokens (POST /V1/integration/admin/token).",
    "settings.otc_ttl_seconds: lifetime of admin one-time codes (POST /V1/customer/{id}/otp, saas).",
    "settings.reset_token_ttl_seconds: lifetime of reset-password tokens (requestPasswordResetEmail).",
    "settings.throttle_max_failures / throttle_window_seconds: failed sign-ins per email within the window before sign-in is refused.",
    "settings.lockout_failures / lockout_minutes: consecutive failures that lock the account, and for how long.",
    "settings.password_min_length / password_required_classes: password policy (classes: lower, upper, digits, special; 1-4).",
    "settings.confirmation_required: new accounts must confirm their email (key in the outbox) before signing in.",
    "settings.login_as_customer_enabled: Login as Customer (admin OTCs, generateCustomerTokenAsAdmin) is on.",
    "settings.token_signing_secret: HMAC secret of the JWTs the mock issues.",
    "settings.base_url: base of the links in emails (reset password, confirmation).",
    "settings.max_created_customers: customers created at run time a store holds at most until some are deleted or it is reset.",
    "store_config: storeConfig values not derived from settings (codes, names, locale, shopping-assistance texts).",
    "customers[]: id, email, firstname, lastname are required; password null means no password.",
    "customers[] optional: prefix, middlename, suffix, date_of_birth (YYYY-MM-DD), gender (1, 2, 3), taxvat, is_subscribed,",
    "  allow_remote_shopping_assistance, confirmed (default true), confirmation_key, created_at, group_id, failures,",
    "  locked_until (unix seconds), note. Ids are unique; emails are unique ignoring case.",
    "admin_users[]: id, username, password, permissions (ACL resources such as Magento_LoginAsCustomer::login,",
    "  Magento_LoginAsCustomer::allow_shopping_assistance, Magento_Customer::manage, or Magento_Backend::all), note.",
    "admin_tokens: static bearer token -> admin username (stand-ins for Adobe IMS tokens).",
    "faults[]: injected faults, restored by POST /__mock/reset (see docs/faults.md). Example:",
    "  {\"match\":{\"operation\":\"generateCustomerToken\"},\"kind\":\"latency\",\"latency_ms\":800,\"times\":3}",
    "  {\"match\":{\"route\":\"POST /V1/customer/{id}/otp\"},\"kind\":\"http_error\",\"status\":503,\"body\":{\"message\":\"down\"}}",
    "  kinds: latency, http_error (status, body), graphql_error (message, category), drop; times N or fraction 0..1 with seed.",
    "The accounts below are the mock's defaults: docs/fixtures.md says what to try with each.",
];

/// The text `fixtures init` writes: the default fixtures with explanations and an empty
/// `faults` list.
pub(crate) fn init_text() -> String {
    let default: Value = serde_json::from_str(DEFAULT_FIXTURES_JSON).expect("default fixtures are JSON");
    let mut out = Map::new();
    out.insert("$comment".into(), json!(INIT_COMMENT));
    if let Value::Object(sections) = default {
        for (key, value) in sections {
            if key != "$comment" {
                out.insert(key, value);
            }
        }
    }
    out.entry("faults").or_insert_with(|| json!([]));
    let mut text = serde_json::to_string_pretty(&Value::Object(out)).expect("serializes");
    text.push('\n');
    text
}

/// `fixtures init [FILE]`: writes [`init_text`], refusing to overwrite without `force`.
pub fn init(path: &Path, force: bool) -> u8 {
    let file = path.display().to_string();
    if path.exists() && !force {
        eprintln!("error: {file} already exists; pass --force to overwrite it");
        return 1;
    }
    match std::fs::write(path, init_text()) {
        Ok(()) => {
            println!("wrote {file}; serve it with: commerce-auth-mock serve --fixtures {file} --watch");
            0
        }
        Err(e) => {
            eprintln!("error: cannot write {file}: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_init_file_passes_the_check_and_loads() {
        assert_eq!(check_text("init.json", &init_text()), Vec::new());
        let f = Fixtures::from_json_str("init.json", &init_text()).unwrap();
        assert_eq!(f.settings, crate::domain::Settings::default());
    }

    #[test]
    fn the_default_fixtures_pass_the_check() {
        assert_eq!(check_text("default.json", DEFAULT_FIXTURES_JSON), Vec::new());
    }
}
