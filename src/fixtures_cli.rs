//! `commerce-auth-mock fixtures check FILE` and `fixtures init [FILE]` (issue 7, part 4).
//!
//! `check` reads the file as plain JSON and runs checks that collect **every** problem with its
//! place (unknown fields, wrong types, duplicate ids and emails, bad values, references to
//! unknown admin users, invalid faults); then it runs the server's own loader, and reports its
//! problem too if none of the checks here found it, so `check` never accepts a file `serve`
//! refuses. `init` writes the default fixtures with explanations under `"$comment"`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::domain::fixtures::DEFAULT_FIXTURES_JSON;
use crate::domain::{rules, FixtureError, Fixtures, Settings, StoreConfig};
use crate::http::faults::fixture_fault_problems;
use crate::http::watch::load_fixtures;

/// One problem: its JSON path (`customers[1].email`, or `line 3 column 5`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

const CUSTOMER_FIELDS: [&str; 20] = [
    "id",
    "email",
    "password",
    "firstname",
    "lastname",
    "prefix",
    "middlename",
    "suffix",
    "date_of_birth",
    "gender",
    "taxvat",
    "is_subscribed",
    "allow_remote_shopping_assistance",
    "confirmed",
    "confirmation_key",
    "created_at",
    "group_id",
    "failures",
    "locked_until",
    "note",
];

const ADMIN_FIELDS: [&str; 5] = ["id", "username", "password", "permissions", "note"];

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn unknown_fields(&mut self, obj: &Map<String, Value>, at: &str, known: &[&str]) {
        for key in obj.keys() {
            if !known.contains(&key.as_str()) {
                self.push(
                    join(at, key),
                    format!("unknown field `{key}`, expected one of {}", known.join(", ")),
                );
            }
        }
    }

    /// A section whose fields all have defaults: unknown fields and JSON types, by comparing
    /// with the default values.
    fn typed_section(&mut self, v: &Value, at: &str, defaults: &Value) {
        let (Value::Object(obj), Value::Object(template)) = (v, defaults) else {
            self.push(at, format!("expected an object, found {v}"));
            return;
        };
        let known: Vec<&str> = template.keys().map(String::as_str).collect();
        self.unknown_fields(obj, at, &known);
        for (key, value) in obj {
            if let Some(expected) = template.get(key) {
                let path = join(at, key);
                match expected {
                    Value::Bool(_) if !value.is_boolean() => {
                        self.push(path, format!("expected true or false, found {value}"))
                    }
                    Value::String(_) if !value.is_string() => {
                        self.push(path, format!("expected a string, found {value}"))
                    }
                    Value::Number(_) if !(value.is_i64() || value.is_u64()) => {
                        self.push(path, format!("expected an integer, found {value}"))
                    }
                    _ => {}
                }
            }
        }
    }

    fn settings(&mut self, v: &Value) {
        let defaults = serde_json::to_value(Settings::default()).expect("settings serialize");
        self.typed_section(v, "settings", &defaults);
        let Value::Object(obj) = v else { return };
        let int = |k: &str| obj.get(k).and_then(Value::as_i64);
        for key in [
            "customer_token_lifetime_minutes",
            "admin_token_lifetime_hours",
            "otc_ttl_seconds",
            "reset_token_ttl_seconds",
            "throttle_max_failures",
            "throttle_window_seconds",
            "lockout_failures",
            "lockout_minutes",
        ] {
            if let Some(n) = int(key) {
                if n <= 0 {
                    self.push(
                        format!("settings.{key}"),
                        format!("must be greater than 0, got {n}"),
                    );
                }
            }
        }
        if let Some(n) = int("password_min_length") {
            if !(1..=rules::MAX_PASSWORD_LENGTH as i64).contains(&n) {
                self.push(
                    "settings.password_min_length",
                    format!("must be between 1 and 256, got {n}"),
                );
            }
        }
        if let Some(n) = int("password_required_classes") {
            if !(1..=4).contains(&n) {
                self.push(
                    "settings.password_required_classes",
                    format!("must be between 1 and 4, got {n}"),
                );
            }
        }
        if obj.get("token_signing_secret").and_then(Value::as_str) == Some("") {
            self.push("settings.token_signing_secret", "must not be empty");
        }
        if let Some(url) = obj.get("base_url").and_then(Value::as_str) {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                self.push(
                    "settings.base_url",
                    format!("must start with http:// or https://, got {url:?}"),
                );
            }
        }
    }

    fn list<'v>(&mut self, v: Option<&'v Value>, at: &str) -> &'v [Value] {
        match v {
            None => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.push(at, format!("expected a list, found {other}"));
                &[]
            }
        }
    }

    fn customers(&mut self, items: &[Value]) {
        let mut ids: HashMap<u64, usize> = HashMap::new();
        let mut emails: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("customers[{i}]");
            let Value::Object(c) = item else {
                self.push(at, format!("expected an object, found {item}"));
                continue;
            };
            self.unknown_fields(c, &at, &CUSTOMER_FIELDS);
            let p = |f: &str| format!("{at}.{f}");
            for field in ["id", "email", "firstname", "lastname"] {
                if !c.contains_key(field) {
                    self.push(
                        p(field),
                        "missing (a customer needs id, email, firstname, lastname)",
                    );
                }
            }
            if let Some(v) = c.get("id") {
                match v.as_u64() {
                    Some(id) if id > 0 => {
                        if let Some(j) = ids.insert(id, i) {
                            self.push(p("id"), format!("duplicate id {id} (also customers[{j}].id)"));
                        }
                    }
                    _ => self.push(p("id"), format!("must be a positive integer, got {v}")),
                }
            }
            if let Some(v) = c.get("email") {
                match v.as_str() {
                    Some(email) if rules::is_valid_email(email) => {
                        if let Some(j) = emails.insert(email.to_ascii_lowercase(), i) {
                            self.push(
                                p("email"),
                                format!(
                                    "duplicate email {email:?} ignoring case (also customers[{j}].email)"
                                ),
                            );
                        }
                    }
                    Some(email) => self.push(p("email"), format!("{email:?} is not a valid email address")),
                    None => self.push(p("email"), format!("expected a string, found {v}")),
                }
            }
            for field in ["firstname", "lastname"] {
                match c.get(field) {
                    Some(Value::String(s)) if s.trim().is_empty() => self.push(p(field), "must not be empty"),
                    Some(Value::String(_)) | None => {}
                    Some(v) => self.push(p(field), format!("expected a string, found {v}")),
                }
            }
            match c.get("password") {
                Some(Value::String(s)) if s.is_empty() => self.push(
                    p("password"),
                    "must not be empty: use null for an account without password",
                ),
                Some(Value::String(_) | Value::Null) | None => {}
                Some(v) => self.push(p("password"), format!("expected a string or null, found {v}")),
            }
            for field in [
                "prefix",
                "middlename",
                "suffix",
                "taxvat",
                "confirmation_key",
                "note",
            ] {
                if let Some(v) = c.get(field) {
                    if !(v.is_string() || v.is_null()) {
                        self.push(p(field), format!("expected a string or null, found {v}"));
                    }
                }
            }
            if let Some(v) = c.get("created_at") {
                if !v.is_string() {
                    self.push(
                        p("created_at"),
                        format!("expected a string (YYYY-MM-DD HH:MM:SS), found {v}"),
                    );
                }
            }
            match c.get("date_of_birth") {
                Some(Value::String(d)) if !rules::is_valid_date(d) => {
                    self.push(p("date_of_birth"), format!("{d:?} is not a date (YYYY-MM-DD)"))
                }
                Some(Value::String(_) | Value::Null) | None => {}
                Some(v) => self.push(
                    p("date_of_birth"),
                    format!("expected a date string (YYYY-MM-DD), found {v}"),
                ),
            }
            match c.get("gender") {
                Some(Value::Null) | None => {}
                Some(v) => match v.as_i64() {
                    Some(g) if rules::is_valid_gender(g) => {}
                    _ => self.push(p("gender"), format!("must be 1, 2 or 3, got {v}")),
                },
            }
            for field in ["is_subscribed", "allow_remote_shopping_assistance", "confirmed"] {
                if let Some(v) = c.get(field) {
                    if !v.is_boolean() {
                        self.push(p(field), format!("expected true or false, found {v}"));
                    }
                }
            }
            for field in ["group_id", "failures"] {
                if let Some(v) = c.get(field) {
                    if !v.is_u64() {
                        self.push(p(field), format!("expected a non-negative integer, found {v}"));
                    }
                }
            }
            if let Some(v) = c.get("locked_until") {
                if !(v.is_i64() || v.is_null()) {
                    self.push(
                        p("locked_until"),
                        format!("expected unix seconds or null, found {v}"),
                    );
                }
            }
        }
    }

    /// Returns the admin usernames, lower-cased, for the `admin_tokens` check.
    fn admin_users(&mut self, items: &[Value]) -> Vec<String> {
        let mut ids: HashMap<u64, usize> = HashMap::new();
        let mut names: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("admin_users[{i}]");
            let Value::Object(a) = item else {
                self.push(at, format!("expected an object, found {item}"));
                continue;
            };
            self.unknown_fields(a, &at, &ADMIN_FIELDS);
            let p = |f: &str| format!("{at}.{f}");
            for field in ["id", "username", "password"] {
                if !a.contains_key(field) {
                    self.push(p(field), "missing (an admin user needs id, username, password)");
                }
            }
            if let Some(v) = a.get("id") {
                match v.as_u64() {
                    Some(id) if id > 0 => {
                        if let Some(j) = ids.insert(id, i) {
                            self.push(p("id"), format!("duplicate id {id} (also admin_users[{j}].id)"));
                        }
                    }
                    _ => self.push(p("id"), format!("must be a positive integer, got {v}")),
                }
            }
            match a.get("username") {
                Some(Value::String(u)) => {
                    if let Some(j) = names.insert(u.to_ascii_lowercase(), i) {
                        self.push(
                            p("username"),
                            format!("duplicate username {u:?} (also admin_users[{j}].username)"),
                        );
                    }
                }
                Some(v) => self.push(p("username"), format!("expected a string, found {v}")),
                None => {}
            }
            if let Some(v) = a.get("password") {
                if !v.is_string() {
                    self.push(p("password"), format!("expected a string, found {v}"));
                }
            }
            match a.get("permissions") {
                Some(Value::Array(list)) => {
                    for (k, perm) in list.iter().enumerate() {
                        if !perm.is_string() {
                            self.push(
                                format!("{at}.permissions[{k}]"),
                                format!("expected an ACL resource string, found {perm}"),
                            );
                        }
                    }
                }
                Some(v) => self.push(
                    p("permissions"),
                    format!("expected a list of ACL resources, found {v}"),
                ),
                None => {}
            }
        }
        names.into_keys().collect()
    }

    fn admin_tokens(&mut self, v: &Value, usernames: &[String]) {
        let Value::Object(tokens) = v else {
            self.push(
                "admin_tokens",
                format!("expected an object of token → admin username, found {v}"),
            );
            return;
        };
        for (token, username) in tokens {
            let at = format!("admin_tokens.{token}");
            if token.is_empty() {
                self.push("admin_tokens", "a token must not be empty");
            }
            match username.as_str() {
                Some(u) if usernames.contains(&u.to_ascii_lowercase()) => {}
                Some(u) => self.push(at, format!("no admin user named {u:?}")),
                None => self.push(at, format!("expected an admin username, found {username}")),
            }
        }
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// Every problem of fixture JSON `text` (empty: the file is valid). `file` names it for the
/// loader's own check.
pub fn check_text(file: &str, text: &str) -> Vec<Problem> {
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return vec![Problem {
                path: format!("line {} column {}", e.line(), e.column()),
                message: format!("not valid JSON: {e}"),
            }]
        }
    };
    let mut c = Checker::default();
    let Value::Object(top) = &root else {
        c.push(
            "$",
            "expected a JSON object with settings, customers, admin_users",
        );
        return c.problems;
    };
    c.unknown_fields(top, "", &crate::domain::fixtures::TOP_LEVEL_KEYS);
    if let Some(v) = top.get("settings") {
        c.settings(v);
    }
    if let Some(v) = top.get("store_config") {
        let defaults = serde_json::to_value(StoreConfig::default()).expect("store config serializes");
        c.typed_section(v, "store_config", &defaults);
    }
    let customers = c.list(top.get("customers"), "customers");
    c.customers(customers);
    let admins = c.list(top.get("admin_users"), "admin_users");
    let usernames = c.admin_users(admins);
    if let Some(v) = top.get("admin_tokens") {
        c.admin_tokens(v, &usernames);
    }
    let faults = c.list(top.get("faults"), "faults");
    for (path, message) in fixture_fault_problems(faults) {
        c.push(path, message);
    }
    // The server's loader has the last word: report its problem if none of the above did.
    let loaded = Fixtures::from_json_str(file, text).and_then(|f| {
        crate::http::faults::check_fixture_faults(&f)?;
        Ok(f)
    });
    if let Err(FixtureError::Invalid { path, problem, .. }) = loaded {
        if !c.problems.iter().any(|p| p.path == path) {
            c.push(path, problem);
        }
    }
    c.problems
}

/// `fixtures check FILE`: prints every problem (`FILE: PATH: PROBLEM`, then a count) and
/// returns 1, or prints a one-line summary and returns 0.
pub fn check(path: &Path) -> u8 {
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            println!("{file}: cannot read the file: {e}");
            return 1;
        }
    };
    let problems = check_text(&file, &text);
    if problems.is_empty() {
        return match load_fixtures(path) {
            Ok(f) => {
                println!(
                    "{file}: ok ({} customers, {} admin users, {} admin tokens, {} faults)",
                    f.customers.len(),
                    f.admin_users.len(),
                    f.admin_tokens.len(),
                    f.faults.len()
                );
                0
            }
            Err(e) => {
                println!("{e}");
                1
            }
        };
    }
    for p in &problems {
        println!("{file}: {}: {}", p.path, p.message);
    }
    let n = problems.len();
    println!("{n} problem{} in {file}", if n == 1 { "" } else { "s" });
    1
}

/// The explanations `fixtures init` puts under the top-level `"$comment"`.
const INIT_COMMENT: [&str; 27] = [
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
pub fn init_text() -> String {
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
        assert_eq!(f.settings, Settings::default());
    }

    #[test]
    fn the_default_fixtures_pass_the_check() {
        assert_eq!(check_text("default.json", DEFAULT_FIXTURES_JSON), Vec::new());
    }
}
