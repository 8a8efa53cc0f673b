//! The preflight: before any scenario, everything the run depends on is checked once, so that a
//! misconfigured run stops with exit 2 and one sentence per problem instead of failing scenario
//! after scenario (exit 1, which means "the target departs from the contract").
//!
//! Each check sends at most one request and none is retried: the admin login in particular is
//! attempted once, and a refusal is kept for the whole run by the [`AdminSession`], because
//! repeated failed logins would throttle the CI's admin user.
//!
//! Checks raise a problem only on an unambiguous sign of misconfiguration (a refused token, a
//! permission the admin lacks, a mailbox that does not answer). An answer that is merely not what
//! the contract says is left to the scenarios, which report it as a departure. For the same
//! reason the permission probes run only on access given on the command line: access learned
//! from the mock's fixtures has known permissions, so a probe answering otherwise would be the
//! target departing from the contract, which is the scenarios' to report.
//!
//! [`AdminSession`]: super::admin::AdminSession

use serde_json::{json, Value};

use super::admin::{search_request, AdminError, Slot};
use super::event::ConfigDifference;
use super::expect::expect;
use super::mailbox::MailError;
use super::scenarios::{q, StoreFacts};
use super::target::Target;

/// A customer id no store has (the OTC permission checks address it).
const NO_SUCH_CUSTOMER_ID: u64 = 999_999_999;

/// One reason the run cannot start as configured.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("{url} does not look like a GraphQL endpoint: `{{ __typename }}` answered {status} {body}; pass the store's GraphQL URL as --target, e.g. https://shop.example/graphql")]
    NotGraphql { url: String, status: u16, body: String },
    #[error("the admin login with --admin-username/--admin-password failed ({0}); check the credentials (the runner tries them once per run, so a wrong password never throttles the user)")]
    AdminLogin(AdminError),
    #[error("{which} was refused by {what} (status {status}: {body}); pass an admin token with Magento_Customer::manage")]
    AdminTokenRefused {
        which: &'static str,
        what: String,
        status: u16,
        body: String,
    },
    #[error("{what} answered 404 for the admin customer search; check --rest-url (the REST base, default <origin>/rest)")]
    RestNotFound { what: String },
    #[error("{which} lacks Magento_LoginAsCustomer::login (POST /V1/customer/{{id}}/otp answered {status}: {body}); pass an admin token with that permission")]
    AdminTokenLacksLogin {
        which: &'static str,
        status: u16,
        body: String,
    },
    #[error("the admin user --admin-username lacks Magento_LoginAsCustomer::allow_shopping_assistance (generateCustomerTokenAsAdmin answered \"{0}\"); grant it, or pass the credentials of an admin who has it")]
    CredentialsLackAssistance(String),
    #[error("Login as Customer is disabled on the target (generateCustomerTokenAsAdmin answered \"Login as Customer is disabled.\"); enable it (Stores > Configuration > Customers > Login as Customer) or run without admin credentials")]
    LoginAsCustomerDisabled,
    #[error("--limited-admin-token has Magento_LoginAsCustomer::login (the OTC endpoint answered {status} for an unknown customer instead of 401); pass a token of an admin without that permission")]
    LimitedTokenHasLogin { status: u16 },
    #[error("--admin-token-without-assistance {0}; pass a token of an admin with Magento_LoginAsCustomer::login but without Magento_LoginAsCustomer::allow_shopping_assistance")]
    WithoutAssistanceTokenWrong(String),
    #[error("the mailbox does not answer: {0}")]
    Mailbox(MailError),
    #[error("--filter `{0}` selects no scenario or property; `conform --list` shows the names")]
    FilterSelectsNothing(String),
    #[error("--require `{area}` is not an area; the areas are {known}")]
    UnknownArea { area: String, known: String },
    #[error("--require `{area}` but --filter `{filter}` leaves nothing of it to run")]
    RequiredAreaFiltered { area: String, filter: String },
    #[error("{0}")]
    Transport(String),
}

/// What `storeConfig` says, and where it differs from the contract's defaults.
pub fn read_store(t: &Target) -> (StoreFacts, Vec<ConfigDifference>) {
    let defaults = StoreFacts::default();
    let cfg = t.send(&t.gql_req(q::STORE_CONFIG, None, None)).ok();
    let at = |k: &str| {
        cfg.as_ref()
            .and_then(|r| r.at(&format!("/data/storeConfig/{k}")).cloned())
    };
    let mut differences = Vec::new();
    // Unreadable: assume the default, and the scenarios show what the store really does.
    let confirmation_required = at("create_account_confirmation")
        .and_then(|v| v.as_bool())
        .unwrap_or(defaults.confirmation_required);
    let hours = at("customer_access_token_lifetime").and_then(|v| v.as_f64());
    let token_lifetime_secs = hours.map_or(defaults.token_lifetime_secs, |h| (h * 3600.0).round() as i64);
    if token_lifetime_secs != 3600 {
        differences.push(ConfigDifference {
            setting: "storeConfig.customer_access_token_lifetime".into(),
            target: format!("{} (hours)", hours.unwrap_or_default()),
            contract: "1 (hours)".into(),
            effect: format!("tokens are checked against the store's lifetime, {token_lifetime_secs} s"),
        });
    }
    let mut default_password_policy = true;
    for (key, contract) in [
        ("minimum_password_length", "8"),
        ("required_character_classes_number", "3"),
    ] {
        let value = at(key).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        if let Some(v) = value.filter(|v| v != contract) {
            default_password_policy = false;
            differences.push(ConfigDifference {
                setting: format!("storeConfig.{key}"),
                target: serde_json::to_string(&v).unwrap_or_default(),
                contract: serde_json::to_string(contract).unwrap_or_default(),
                effect: "the scenarios that quote the password policy's messages are not applicable".into(),
            });
        }
    }
    let facts = StoreFacts {
        confirmation_required,
        token_lifetime_secs,
        default_password_policy,
    };
    (facts, differences)
}

/// Everything the run depends on, checked once. Empty: the run can start.
pub fn check(t: &Target, probe_email: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Err(p) = graphql_answers(t) {
        // Nothing else can be checked meaningfully against a wrong URL.
        return vec![p];
    }
    let expect = expect(t.profile);
    let admin = &t.admin;
    let mut credential_token = None;
    if admin.credentials().is_some() {
        match admin.credential_token(&t.client) {
            Ok(tok) => credential_token = Some(tok),
            Err(e) => problems.push(Problem::AdminLogin(e)),
        }
    }
    let main = match (&admin.access.token, &credential_token) {
        (Some(tok), _) => Some(("--admin-token", tok.clone(), Slot::Token)),
        (None, Some(tok)) => Some((
            "the admin token of --admin-username",
            tok.clone(),
            Slot::Credentials,
        )),
        (None, None) => None,
    };
    if let Some((which, tok, _)) = main.as_ref().filter(|(_, _, slot)| !admin.is_learned(*slot)) {
        problems.extend(admin_token_works(t, which, tok, probe_email).err());
        if expect.admin_otc {
            if let Some((status, body)) = otc_probe(t, tok).filter(|(s, _)| *s == 401) {
                problems.push(Problem::AdminTokenLacksLogin { which, status, body });
            }
        }
    }
    if let Some(tok) = credential_token
        .as_ref()
        .filter(|_| !admin.is_learned(Slot::Credentials))
    {
        match as_admin_message(t, tok, probe_email).as_deref() {
            Some(m @ "Allow remote shopping assistance is disabled.") => {
                problems.push(Problem::CredentialsLackAssistance(m.into()))
            }
            Some("Login as Customer is disabled.") => problems.push(Problem::LoginAsCustomerDisabled),
            _ => {}
        }
    }
    let explicit = |t: &Option<String>, slot| t.clone().filter(|_| !admin.is_learned(slot));
    if let (Some(tok), true) = (
        explicit(&admin.access.limited_token, Slot::LimitedToken),
        expect.admin_otc,
    ) {
        if let Some((status, _)) = otc_probe(t, &tok).filter(|(s, _)| *s == 404) {
            problems.push(Problem::LimitedTokenHasLogin { status });
        }
    }
    if let Some(tok) = explicit(
        &admin.access.token_without_assistance,
        Slot::TokenWithoutAssistance,
    ) {
        let wrong = match as_admin_message(t, &tok, probe_email).as_deref() {
            Some("Customer email provided does not exist") => {
                Some("has Magento_LoginAsCustomer::allow_shopping_assistance (generateCustomerTokenAsAdmin looked the customer up)")
            }
            Some("The current customer isn't authorized.") => {
                Some("is not accepted as an admin token by generateCustomerTokenAsAdmin")
            }
            _ => None,
        };
        problems.extend(wrong.map(|w| Problem::WithoutAssistanceTokenWrong(w.into())));
    }
    if let Some(mailbox) = &t.mailbox {
        if let Err(e) = mailbox.check(&t.client) {
            problems.push(Problem::Mailbox(e));
        }
    }
    problems
}

fn graphql_answers(t: &Target) -> Result<(), Problem> {
    let resp = t
        .send(&t.gql_req("{ __typename }", None, None))
        .map_err(|e| Problem::Transport(e.to_string()))?;
    if resp.at("/data/__typename").and_then(Value::as_str).is_some() {
        return Ok(());
    }
    Err(Problem::NotGraphql {
        url: t.urls.graphql.clone(),
        status: resp.status,
        body: super::scenarios::truncate(&resp.text, 200),
    })
}

/// The admin customer search with an address no account has: 200 when the token works.
fn admin_token_works(t: &Target, which: &'static str, token: &str, probe_email: &str) -> Result<(), Problem> {
    let req = search_request(&t.urls.rest_base, probe_email).bearer(Some(token));
    let what = format!("GET {}/V1/customers/search", t.urls.rest_base);
    let resp = t.send(&req).map_err(|e| Problem::Transport(e.to_string()))?;
    match resp.status {
        200 => Ok(()),
        404 => Err(Problem::RestNotFound { what }),
        status => Err(Problem::AdminTokenRefused {
            which,
            what,
            status,
            body: super::scenarios::truncate(&resp.text, 200),
        }),
    }
}

/// `POST /V1/customer/<no such id>/otp`: 404 when the token may issue codes, 401 when it lacks
/// the permission. Nothing is issued either way.
fn otc_probe(t: &Target, token: &str) -> Option<(u16, String)> {
    let req = t.rest_req(
        "POST",
        &format!("/V1/customer/{NO_SUCH_CUSTOMER_ID}/otp"),
        Some(&json!({})),
        Some(token),
    );
    let resp = t.send(&req).ok()?;
    Some((resp.status, super::scenarios::truncate(&resp.text, 200)))
}

/// `generateCustomerTokenAsAdmin` for an address no account has: its checks run in the order of
/// behaviour.md 5.9, so the message says how far the token got. Issues nothing.
fn as_admin_message(t: &Target, token: &str, probe_email: &str) -> Option<String> {
    let resp = t
        .send(&t.gql_req(q::AS_ADMIN, Some(json!({"email": probe_email})), Some(token)))
        .ok()?;
    resp.message().map(String::from)
}
