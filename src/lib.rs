//! `commerce-auth-mock`: a fixture-driven mock of Adobe Commerce (Magento) customer sign-in, and
//! a conformance runner that checks any target (the mock or a real backend) against the contract.
//!
//! Most users run the binary (`commerce-auth-mock serve`, `commerce-auth-mock conform`). This
//! crate also lets a Rust test suite or tool embed both: start a mock on a free port with
//! [`TestServer`], serve one with [`serve`], and check a target with [`conform::run`].
//!
//! ```
//! use commerce_auth_mock::{Profile, TestServer};
//! use serde_json::{json, Value};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // A mock on 127.0.0.1:<free port>, with the embedded default fixtures and a virtual clock.
//! let server = TestServer::start(Profile::Saas).await;
//!
//! let response: Value = reqwest::Client::new()
//!     .post(server.graphql_url())
//!     .json(&json!({"query": r#"mutation {
//!         generateCustomerToken(email: "roni_cost@example.com", password: "Roni-Cost-2024") { token }
//!     }"#}))
//!     .send()
//!     .await
//!     .unwrap()
//!     .json()
//!     .await
//!     .unwrap();
//! let token = response["data"]["generateCustomerToken"]["token"].as_str().unwrap();
//! assert_eq!(token.split('.').count(), 3, "a JWT: {response}");
//! # }
//! ```
//!
//! # What is public, and why
//!
//! The crate root exports what embedding needs and nothing else: the server ([`serve`],
//! [`ServeConfig`] with the types of its fields, [`TestServer`]), the fixtures it starts from
//! ([`Fixtures`]), the profiles ([`Profile`]) and the conformance runner ([`conform::run`] and its
//! options, [`conform::ConformArgs`]). Everything else (the GraphQL engine, the domain, the HTTP
//! layer, the operations) is private, as in `mini-redis`: that keeps it free to change, and lets
//! rustc report code that nothing uses.
//!
//! This package's own integration tests look inside (the domain's outbox and clock, the runner's
//! reporters and snapshots). They enable the `test-support` feature, through a dev-dependency of
//! the package on itself, which makes the internal modules public; it is not a stable API.
//! `cargo build` and `cargo install` never enable it.

/// Declares internal modules: private, or public with the `test-support` feature (see the crate
/// docs). Doc comments and attributes before `mod` apply to both. A `macro_rules!` macro is in
/// scope in every module declared after it, so `conform` uses it too.
macro_rules! internal_modules {
    ($($(#[$attr:meta])* mod $name:ident;)*) => {$(
        $(#[$attr])*
        #[cfg(feature = "test-support")]
        pub mod $name;
        $(#[$attr])*
        #[cfg(not(feature = "test-support"))]
        mod $name;
    )*};
}

pub mod conform;
mod fixtures_cli;
mod health;
mod http_client;
internal_modules! {
    mod domain;
    mod fault_spec;
    mod graphql;
    mod http;
    mod ops;
    mod profile;
}

pub use domain::{FixtureError, Fixtures, Settings};
pub use http::startup::LogFormat;
pub use http::stores::{SandboxLimits, DEFAULT_MAX_SANDBOXES, DEFAULT_SANDBOX_IDLE_SECS};
pub use http::{serve, ServeConfig, TestServer, TEST_CLOCK_START};
pub use profile::Profile;

/// What the `commerce-auth-mock` binary calls besides the API above: its other subcommands.
/// Not for other callers; it changes with the command line.
#[doc(hidden)]
pub mod cli {
    pub use crate::fixtures_cli::{check as fixtures_check, init as fixtures_init};
    pub use crate::health::run as health;
    pub use crate::http::startup::init_logging;
}
