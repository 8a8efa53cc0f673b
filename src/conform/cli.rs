//! Command-line options of `conform`. Every option also reads a `CONFORM_…` environment variable;
//! the flags read `1/0`, `true/false`, `yes/no` and `on/off` in any case (what CI files write).

use std::path::PathBuf;

use clap::builder::BoolishValueParser;

use crate::profile::Profile;

/// Check a target server (the mock, or a real Adobe Commerce / Magento) against the contract.
///
/// A thin box around [`ConformOptions`] (so the subcommand enum stays small); fields are reached
/// through `Deref`, e.g. `args.admin_token`.
#[derive(clap::Args, Debug, Clone)]
pub struct ConformArgs {
    #[command(flatten)]
    pub options: Box<ConformOptions>,
}

impl std::ops::Deref for ConformArgs {
    type Target = ConformOptions;
    fn deref(&self) -> &ConformOptions {
        &self.options
    }
}

impl std::ops::DerefMut for ConformArgs {
    fn deref_mut(&mut self) -> &mut ConformOptions {
        &mut self.options
    }
}

/// Every option of `conform`.
#[derive(clap::Args, Debug, Clone)]
pub struct ConformOptions {
    /// The target's GraphQL endpoint, e.g. `http://127.0.0.1:8080/graphql` (not needed with `--list`).
    #[arg(long, env = "CONFORM_TARGET")]
    pub target: Option<String>,
    /// Base URL of the REST API (default: `<origin of --target>/rest`).
    #[arg(long, env = "CONFORM_REST_URL")]
    pub rest_url: Option<String>,
    /// The behaviour profile to expect: saas, paas-2.4.8 or paas-2.4.7.
    #[arg(long, env = "CONFORM_PROFILE", default_value = "saas")]
    pub profile: Profile,
    /// An admin bearer token (for example an IMS token) for the admin endpoints.
    #[arg(long, env = "CONFORM_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// Admin user name; with `--admin-password` the runner fetches an admin token.
    #[arg(long, env = "CONFORM_ADMIN_USERNAME")]
    pub admin_username: Option<String>,
    /// Admin password (see `--admin-username`).
    #[arg(long, env = "CONFORM_ADMIN_PASSWORD")]
    pub admin_password: Option<String>,
    /// An admin bearer token that lacks `Magento_LoginAsCustomer::login` (for the "no permission" scenario).
    #[arg(long, env = "CONFORM_LIMITED_ADMIN_TOKEN")]
    pub limited_admin_token: Option<String>,
    /// An admin bearer token with `Magento_LoginAsCustomer::login` but without
    /// `Magento_LoginAsCustomer::allow_shopping_assistance`.
    #[arg(long, env = "CONFORM_ADMIN_TOKEN_WITHOUT_ASSISTANCE")]
    pub admin_token_without_assistance: Option<String>,
    /// Mailpit-compatible HTTP API to read reset and confirmation emails from (e.g. `http://localhost:8025`).
    #[arg(long, env = "CONFORM_MAILBOX")]
    pub mailbox: Option<String>,
    /// Domain of the accounts the runner creates (`conformance+<run id>-<n>@<domain>`).
    #[arg(long, env = "CONFORM_EMAIL_DOMAIN", default_value = "example.com")]
    pub email_domain: String,
    /// Allow real waits (up to `--max-wait-secs`) against a target without a controllable clock.
    #[arg(long, env = "CONFORM_SLOW", value_parser = BoolishValueParser::new())]
    pub slow: bool,
    /// Longest real wait `--slow` allows, in seconds.
    #[arg(long, env = "CONFORM_MAX_WAIT_SECS", default_value_t = 40)]
    pub max_wait_secs: u64,
    /// Cases per property (default: 64 against the mock, 4 against other targets).
    #[arg(long, env = "CONFORM_CASES")]
    pub cases: Option<u32>,
    /// Seed of the property tests (printed by every run, to replay a failure).
    #[arg(long, env = "CONFORM_SEED")]
    pub seed: Option<u64>,
    /// Write a JUnit XML report to this file.
    #[arg(long, env = "CONFORM_JUNIT")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report (one record per scenario and property) to this file.
    #[arg(long, env = "CONFORM_JSON")]
    pub json: Option<PathBuf>,
    /// Use (and write pending `.snap.new` files into) this `snapshots/` directory instead of the built-in one.
    #[arg(long, env = "CONFORM_SNAPSHOTS")]
    pub snapshots: Option<PathBuf>,
    /// Write mismatching or missing snapshots as accepted `.snap` files (also: `INSTA_UPDATE=always`).
    #[arg(long, env = "CONFORM_ACCEPT", value_parser = BoolishValueParser::new())]
    pub accept: bool,
    /// Run only scenarios and properties whose name contains this string.
    #[arg(long, env = "CONFORM_FILTER")]
    pub filter: Option<String>,
    /// Maximum request rate in requests per second; 0 for no bound (default: unlimited against the mock, 10 otherwise).
    #[arg(long, env = "CONFORM_RATE")]
    pub rate: Option<f64>,
    /// Bearer token guarding the mock's `/__mock/` control API.
    #[arg(long, env = "CONFORM_CONTROL_TOKEN")]
    pub control_token: Option<String>,
    /// Fail the run (exit 1) when any item is skipped for lack of set-up (admin access, a
    /// mailbox, a clock). Items that do not apply to the profile or the store do not count.
    #[arg(long, env = "CONFORM_FAIL_ON_SKIP", value_parser = BoolishValueParser::new())]
    pub fail_on_skip: bool,
    /// Areas that must run fully (comma-separated, e.g. `admin,expiry`): a skip in one of them
    /// fails the run (exit 1). `--list` shows the areas.
    #[arg(
        long,
        env = "CONFORM_REQUIRE",
        value_delimiter = ',',
        value_name = "AREA[,AREA]"
    )]
    pub require: Vec<String>,
    /// Skip the property tests.
    #[arg(long, env = "CONFORM_NO_PROPERTIES", value_parser = BoolishValueParser::new())]
    pub no_properties: bool,
    /// Against a mock with sandboxes, run in the mock's default store instead of a fresh
    /// sandbox of the run's own.
    #[arg(long, env = "CONFORM_NO_SANDBOX", value_parser = BoolishValueParser::new())]
    pub no_sandbox: bool,
    /// List the scenarios and properties with their needs, and exit.
    #[arg(long, env = "CONFORM_LIST", value_parser = BoolishValueParser::new())]
    pub list: bool,
    /// A PEM file of CA certificates to trust (added to the built-in roots), for HTTPS targets
    /// whose certificate a private or self-signed CA issued.
    #[arg(long, env = "CONFORM_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// Timeout of one HTTP request, in seconds.
    #[arg(long, env = "CONFORM_TIMEOUT_SECS", default_value_t = 30)]
    pub timeout_secs: u64,
    /// Plain output lines even on a terminal (no progress bar).
    #[arg(long, env = "CONFORM_NO_PROGRESS", value_parser = BoolishValueParser::new())]
    pub no_progress: bool,
}

impl ConformArgs {
    /// Arguments for a run against `target` with every other option at its default.
    pub fn for_target(target: impl Into<String>, profile: Profile) -> Self {
        let options = ConformOptions {
            target: Some(target.into()),
            rest_url: None,
            profile,
            admin_token: None,
            admin_username: None,
            admin_password: None,
            limited_admin_token: None,
            admin_token_without_assistance: None,
            mailbox: None,
            email_domain: "example.com".into(),
            slow: false,
            max_wait_secs: 40,
            cases: None,
            seed: None,
            junit: None,
            json: None,
            snapshots: None,
            accept: false,
            filter: None,
            rate: None,
            control_token: None,
            fail_on_skip: false,
            require: Vec::new(),
            no_properties: false,
            no_sandbox: false,
            list: false,
            ca_cert: None,
            timeout_secs: 30,
            no_progress: true,
        };
        ConformArgs {
            options: Box::new(options),
        }
    }
}
