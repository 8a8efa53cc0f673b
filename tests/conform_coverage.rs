//! Coverage of `behaviour.md` (sections 2–6) by the stored snapshots, made checkable.
//!
//! conformance.md asks for "every message in behaviour.md that a black-box client can trigger,
//! each by at least one scenario". [`MESSAGES`] lists every backquoted wire message of those
//! sections with the scenario expected to show it and the profiles where it applies, or the
//! reason it cannot be triggered. The test reads `snapshots/<profile>/<scenario>.snap` and
//! asserts that the message is there, as the `message` of a response (not merely in a step
//! title or a request). `docs/conformance-coverage.md` is the same table for people.
//!
//! When behaviour.md gains a message: add it here, add or extend a scenario, accept and review
//! its snapshots (`CONFORM_ACCEPT=1 CONFORM_FILTER=<name> cargo test --test conform_mock`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use commerce_auth_mock::conform::scenarios;

const ALL: &[&str] = &["saas", "paas-2.4.8", "paas-2.4.7"];
const SAAS: &[&str] = &["saas"];
const SAAS_248: &[&str] = &["saas", "paas-2.4.8"];
const PAAS: &[&str] = &["paas-2.4.8", "paas-2.4.7"];

/// How a message is covered.
enum How {
    /// The whole message is the `message` of a response in the scenario's snapshot, for each profile.
    Snap(&'static str, &'static [&'static str]),
    /// A template: a response `message` of the scenario's snapshot starts with this instance prefix.
    Template(&'static str, &'static str, &'static [&'static str]),
    /// The wording is not fixed by the spec; the scenario asserts the fragment in code (not in the snapshot).
    Asserted(&'static str, &'static str),
    /// Not black-box triggerable on a default server configuration, and why.
    Untriggerable(&'static str),
}

struct Msg {
    section: &'static str,
    message: &'static str,
    how: How,
}

const fn m(section: &'static str, message: &'static str, how: How) -> Msg {
    Msg {
        section,
        message,
        how,
    }
}

use How::{Asserted, Snap, Template, Untriggerable};

const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";

/// Every backquoted wire message of behaviour.md sections 2–6.
const MESSAGES: &[Msg] = &[
    // 2. HTTP front door
    m("2", "Unable to parse the request.", Snap("front_door/bad_json", ALL)),
    m("2", "Request content type must be application/json", Snap("front_door/content_type", ALL)),
    m("2", "Mutation requests allowed only for POST requests", Snap("front_door/get_requests", ALL)),
    m("2", "Syntax Error: Unexpected <EOF>", Snap("front_door/syntax_errors", ALL)),
    m("2", "Syntax Error: Expected Name, found <EOF>", Snap("front_door/syntax_errors", ALL)),
    m("2", "Syntax Error: <description>", Template("front_door/syntax_errors", "Syntax Error: ", ALL)),
    m(
        "2",
        "Must provide operation name if query contains multiple operations.",
        Snap("front_door/multiple_operations", ALL),
    ),
    // 3. Validation templates
    m(
        "3",
        r#"Field "{field}" argument "{arg}" of type "{type}" is required but not provided."#,
        Template(
            "front_door/validation_messages",
            r#"Field "isEmailAvailable" argument "email" of type "String!" is required but not provided."#,
            ALL,
        ),
    ),
    m(
        "3",
        r#"Cannot query field "{field}" on type "{type}"."#,
        Template("front_door/validation_messages", r#"Cannot query field "nope" on type "Query"."#, ALL),
    ),
    m(
        "3",
        r#"Unknown argument "{arg}" on field "{field}" of type "{type}"."#,
        Template(
            "front_door/validation_messages",
            r#"Unknown argument "nope" on field "isEmailAvailable" of type "Query"."#,
            ALL,
        ),
    ),
    m(
        "3",
        r#"Field "{field}" of type "{type}" must have a sub selection."#,
        Template(
            "front_door/validation_messages",
            r#"Field "isEmailAvailable" of type "IsEmailAvailableOutput" must have a sub selection."#,
            ALL,
        ),
    ),
    m(
        "3",
        r#"Field "{field}" of type "{type}" must not have a sub selection."#,
        Template(
            "front_door/validation_messages",
            r#"Field "result" of type "Boolean!" must not have a sub selection."#,
            ALL,
        ),
    ),
    m(
        "3",
        "Field {InputType}.{field} of required type {type} was not provided.",
        Template(
            "front_door/validation_messages",
            "Field GenerateCustomerTokenAsAdminInput.customer_email of required type String! was not provided.",
            ALL,
        ),
    ),
    m(
        "3",
        r#"Field "{field}" is not defined by type "{InputType}"."#,
        Template(
            "front_door/validation_messages",
            r#"Field "nope" is not defined by type "GenerateCustomerTokenAsAdminInput"."#,
            ALL,
        ),
    ),
    m(
        "3",
        r#"Expected value of type "{type}", found {literal}."#,
        Template("front_door/validation_messages", r#"Expected value of type "String!", found null."#, ALL),
    ),
    m(
        "3",
        r#"Variable "${name}" of required type "{type}" was not provided."#,
        Template(
            "front_door/validation_messages",
            r#"Variable "$email" of required type "String!" was not provided."#,
            ALL,
        ),
    ),
    m(
        "3",
        r#"Variable "${name}" got invalid value {json}; {reason}"#,
        Template("front_door/validation_messages", r#"Variable "$email" got invalid value {"a":1}; "#, ALL),
    ),
    m(
        "3",
        "Max query depth should be 20 but got {n}.",
        Template("front_door/depth_and_complexity_limits", "Max query depth should be 20 but got 21.", ALL),
    ),
    m(
        "3",
        "Max query complexity should be 300 but got {n}.",
        Template(
            "front_door/depth_and_complexity_limits",
            "Max query complexity should be 300 but got ",
            ALL,
        ),
    ),
    // 4.3 Tokens (paas-2.4.7 runs a bad token as a guest: no such message there)
    m(
        "4.3",
        "Composite reader could not read a token",
        Snap("front_door/bad_bearer_on_public_operation", SAAS_248),
    ),
    m("4.3", "User token has been revoked", Snap("revocation/revoke_kills_every_earlier_token", SAAS_248)),
    m("4.3", "User token has been revoked", Snap("revocation/same_second", SAAS_248)),
    m("4.3", "Consumer key has expired", Snap("expiry/customer_token_lifetime", SAAS_248)),
    m(
        "4.3",
        "The current customer isn't authorized.",
        Snap("admin/admin_token_on_customer_operation", ALL),
    ),
    // 4.4 / 5.1 Sign-in
    m("5.1", r#"Specify the "email" value."#, Snap("signin/empty_values", ALL)),
    m("5.1", r#"Specify the "password" value."#, Snap("signin/empty_values", ALL)),
    m(
        "5.1",
        "This account isn't confirmed. Verify and try again.",
        Snap("signin/unconfirmed_account", SAAS_248),
    ),
    m("5.1", GENERIC, Snap("signin/wrong_password", ALL)),
    m("4.4", GENERIC, Snap("signin/throttle", ALL)),
    m("4.4", GENERIC, Snap("signin/lockout", ALL)),
    // 5.2
    m("5.2", r#"Specify the "otp" value."#, Snap("order/exchange_otp", SAAS)),
    // 5.3
    m("5.3", "The current customer isn't authorized.", Snap("revocation/requires_customer_token", ALL)),
    // 5.4
    m(
        "5.4",
        "The current customer isn't authorized.",
        Snap("account/customer_operations_need_a_token", ALL),
    ),
    m("5.4", "The account is locked.", Snap("signin/lockout", ALL)),
    m(
        "5.4",
        "This account isn't confirmed. Verify and try again.",
        Snap("admin/unconfirmed_customer_operations", ALL),
    ),
    m("5.4", r#""input" value should be specified"#, Snap("account/update_and_assistance_flag", ALL)),
    m("5.4", r#""First Name" is a required value."#, Snap("account/update_and_assistance_flag", ALL)),
    m("5.4", r#""Last Name" is a required value."#, Snap("account/update_and_assistance_flag", ALL)),
    m(
        "5.4",
        r#""{n}" is not a valid gender value."#,
        Template("account/update_and_assistance_flag", r#""7" is not a valid gender value."#, ALL),
    ),
    m(
        "5.4",
        "Invalid date",
        Asserted(
            "account/update_and_assistance_flag",
            "behaviour.md fixes only that the message contains \"Invalid date\"; the scenario asserts that in code and keeps the step out of the snapshot",
        ),
    ),
    m("5.4", r#"Specify the "currentPassword" value."#, Snap("password/change_password_messages", ALL)),
    m("5.4", r#"Specify the "newPassword" value."#, Snap("password/change_password_messages", ALL)),
    m("5.4", "Invalid login or password.", Snap("password/change_password_messages", ALL)),
    // 5.5
    m("5.5", "You must specify an email address.", Snap("password/request_reset_messages", ALL)),
    m("5.5", "The email address has an invalid format.", Snap("password/request_reset_messages", ALL)),
    m("5.5", "Cannot reset the customer's password", Snap("password/request_reset_messages", ALL)),
    m("5.5", "The account is locked", Snap("signin/lockout", ALL)),
    // 5.6
    m("5.6", "You must specify an email address.", Snap("password/reset_password_messages", ALL)),
    m("5.6", "The email address has an invalid format.", Snap("password/reset_password_messages", ALL)),
    m("5.6", "resetPasswordToken must be specified", Snap("password/reset_password_messages", ALL)),
    m("5.6", "newPassword must be specified", Snap("password/reset_password_messages", ALL)),
    m("5.6", "Cannot set the customer's password", Snap("password/reset_password_messages", ALL)),
    m(
        "5.6",
        "The password token is mismatched. Reset and try again.",
        Snap("password/reset_password_messages", ALL),
    ),
    m(
        "5.6",
        "The password token is expired. Reset and try again.",
        Snap("expiry/reset_token_after_2h", ALL),
    ),
    // 5.7
    m(
        "5.7",
        "The password can't be the same as the email address. Create a new password and try again.",
        Snap("password/policy_on_create", ALL),
    ),
    m(
        "5.7",
        "Please enter a password with at most 256 characters.",
        Snap("password/policy_on_create", ALL),
    ),
    m(
        "5.7",
        "The password needs at least 8 characters. Create a new password and try again.",
        Snap("password/policy_on_create", ALL),
    ),
    m(
        "5.7",
        "The password can't begin or end with a space. Verify the password and try again.",
        Snap("password/policy_on_create", ALL),
    ),
    m(
        "5.7",
        "Minimum of different classes of characters in password is 3. Classes of characters: Lower Case, Upper Case, Digits, Special Characters.",
        Snap("password/policy_on_create", ALL),
    ),
    // 5.8 (the template once per invalid example of the spec)
    m("5.8", r#""plainaddress" is not a valid email address."#, Snap("account/create_validation", ALL)),
    m(
        "5.8",
        r##""#@%^%#$@#$@#.com" is not a valid email address."##,
        Snap("account/create_validation", ALL),
    ),
    m("5.8", r#""@example.com" is not a valid email address."#, Snap("account/create_validation", ALL)),
    m(
        "5.8",
        r#""Joe Smith <email@example.com>" is not a valid email address."#,
        Snap("account/create_validation", ALL),
    ),
    m("5.8", r#""email.example.com" is not a valid email address."#, Snap("account/create_validation", ALL)),
    m(
        "5.8",
        r#""email@example@example.com" is not a valid email address."#,
        Snap("account/create_validation", ALL),
    ),
    m(
        "5.8",
        r#""email@example.com (Joe Smith)" is not a valid email address."#,
        Snap("account/create_validation", ALL),
    ),
    m("5.8", r#""email@example" is not a valid email address."#, Snap("account/create_validation", ALL)),
    m("5.8", r#""First Name" is a required value."#, Snap("account/create_validation", ALL)),
    m("5.8", r#""Last Name" is a required value."#, Snap("account/create_validation", ALL)),
    m(
        "5.8",
        "A customer with the same email address already exists in an associated website.",
        Snap("account/create", ALL),
    ),
    // 5.9
    m("5.9", r#"Specify the "customer email" value."#, Snap("admin/generate_customer_token_as_admin", ALL)),
    m("5.9", "The current customer isn't authorized.", Snap("admin/generate_customer_token_as_admin", ALL)),
    m(
        "5.9",
        "Login as Customer is disabled.",
        Untriggerable(
            "needs Login as Customer switched off in the store configuration (the mock: settings.login_as_customer_enabled false); the default configuration has it on, and the runner never changes a target's configuration",
        ),
    ),
    m(
        "5.9",
        "Allow remote shopping assistance is disabled.",
        Snap("admin/as_admin_without_assistance_permission", ALL),
    ),
    m("5.9", "Customer email provided does not exist", Snap("admin/generate_customer_token_as_admin", ALL)),
    // 5.10
    m("5.10", "Email must be specified", Snap("account/is_email_available", ALL)),
    m("5.10", "Email is invalid", Snap("account/is_email_available", ALL)),
    // 6. Admin REST
    m("6", "One or more input exceptions have occurred.", Snap("admin/admin_token", ALL)),
    m(
        "6",
        r#""%fieldName" is required. Enter and try again."#,
        Snap("admin/admin_token", ALL),
    ),
    m("6", GENERIC, Snap("admin/admin_token", ALL)),
    m("6", GENERIC, Snap("signin/integration_customer_token", PAAS)),
    m(
        "6",
        "The consumer isn't authorized to access %resources.",
        Snap("admin/rest_customer_unknown_or_unauthorised", ALL),
    ),
    m("6", "The consumer isn't authorized to access %resources.", Snap("admin/otc_issue", SAAS)),
    m("6", "The consumer isn't authorized to access %resources.", Snap("admin/customer_token_endpoint", SAAS)),
    m(
        "6",
        "Login as Customer assistance is disabled for this Customer.",
        Snap("order/assistance_flag_required", SAAS),
    ),
    m(
        "6",
        "Login as Customer assistance is disabled for this Customer.",
        Snap("admin/rest_assistance_allowed", SAAS),
    ),
    m("6", "No such entity with %fieldName = %fieldValue", Snap("admin/otc_issue", SAAS)),
    m("6", "No such entity with %fieldName = %fieldValue", Snap("admin/customer_token_endpoint", SAAS)),
    m(
        "6",
        "No such entity with %fieldName = %fieldValue",
        Snap("admin/rest_customer_unknown_or_unauthorised", ALL),
    ),
];

/// The valid examples of behaviour.md 5.8: accepted by `createCustomerV2` (the run prefix sits
/// inside the local part, see the scenario), as the `email` of the created customer.
const VALID_EMAILS: &[(&str, &str)] = &[
    (
        "jØrgenV2@somedomain.com",
        "[email-valid-1 <run prefix>-jØrgenV2@<domain>]",
    ),
    (
        "“emailV2”@example.com",
        "[email-valid-2 “<run prefix>-emailV2”@<domain>]",
    ),
];

fn snapshot(profile: &str, scenario: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(profile)
        .join(format!("{}.snap", scenario.replace('/', "__")));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `"message": "<text as JSON>` (without the closing quote).
fn message_prefix(text: &str) -> String {
    let quoted = serde_json::to_string(text).expect("a string");
    format!("\"message\": {}", &quoted[..quoted.len() - 1])
}

#[test]
fn every_triggerable_message_is_in_a_stored_snapshot() {
    let mut missing = Vec::new();
    for msg in MESSAGES {
        let (scenario, needle, whole, profiles) = match &msg.how {
            Snap(s, p) => (*s, msg.message, true, *p),
            Template(s, instance, p) => (*s, *instance, false, *p),
            Asserted(..) | Untriggerable(_) => continue,
        };
        for profile in profiles {
            let text = snapshot(profile, scenario);
            let prefix = message_prefix(needle);
            let found = if whole {
                text.contains(&format!("{prefix}\""))
            } else {
                text.contains(&prefix)
            };
            if !found {
                missing.push(format!(
                    "{} `{}` not in {profile}/{scenario}",
                    msg.section, msg.message
                ));
            }
        }
    }
    assert!(missing.is_empty(), "uncovered:\n{}", missing.join("\n"));
}

#[test]
fn the_valid_example_emails_are_accepted() {
    for profile in ALL {
        let text = snapshot(profile, "account/create_valid_emails");
        for (example, placeholder) in VALID_EMAILS {
            assert!(
                text.contains(&format!("\"email\": \"{placeholder}\"")),
                "{profile}: {example} created (as {placeholder})"
            );
        }
        assert!(!text.contains("\"errors\""), "{profile}: no errors:\n{text}");
    }
}

#[test]
fn listed_scenarios_exist_and_apply_to_the_listed_profiles() {
    let catalogue = scenarios::catalogue();
    for msg in MESSAGES {
        let (scenario, profiles): (&str, &[&str]) = match &msg.how {
            Snap(s, p) | Template(s, _, p) => (s, p),
            Asserted(s, why) => {
                assert!(!why.is_empty());
                (s, ALL)
            }
            Untriggerable(why) => {
                assert!(why.len() > 20, "`{}` needs a reason", msg.message);
                continue;
            }
        };
        let sc = catalogue
            .iter()
            .find(|s| s.name == scenario)
            .unwrap_or_else(|| panic!("`{}`: no scenario {scenario}", msg.message));
        for p in profiles {
            assert!(
                sc.profiles.iter().any(|q| q.name() == *p),
                "{scenario} does not run on {p}"
            );
        }
    }
}

#[test]
fn the_table_counts_match_the_coverage_document() {
    let distinct: BTreeSet<&str> = MESSAGES.iter().map(|m| m.message).collect();
    let untriggerable: BTreeSet<&str> = MESSAGES
        .iter()
        .filter(|m| matches!(m.how, Untriggerable(_)))
        .map(|m| m.message)
        .collect();
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/conformance-coverage.md"),
    )
    .expect("docs/conformance-coverage.md");
    let line = format!(
        "{} distinct messages, {} covered, {} not triggerable",
        distinct.len(),
        distinct.len() - untriggerable.len(),
        untriggerable.len()
    );
    assert!(doc.contains(&line), "the document states: {line}");
    for m in &untriggerable {
        assert!(doc.contains(m), "the document lists {m} with its reason");
    }
}

/// The check is selective: on paas-2.4.7 an expired token runs as a guest, so the expiry
/// scenario names "Consumer key has expired" in a step title but no response carries it.
#[test]
fn the_check_reads_response_messages_only() {
    let text = snapshot("paas-2.4.7", "expiry/customer_token_lifetime");
    assert!(text.contains("Consumer key has expired"));
    assert!(!text.contains(&message_prefix("Consumer key has expired")));
    // A whole message is not matched by a longer one ("The account is locked" vs "… locked.").
    let text = snapshot("saas", "expiry/lockout_ends_after_10_minutes");
    assert!(text.contains(&format!("{}\"", message_prefix("The account is locked."))));
    assert!(!text.contains(&format!("{}\"", message_prefix("The account is locked"))));
}
