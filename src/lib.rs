//! `commerce-auth-mock`: a fixture-driven mock of Adobe Commerce customer sign-in, and a
//! conformance runner that checks any target (the mock or a real backend) against the contract.

pub mod conform;
pub mod domain;
pub mod fault_spec;
pub mod fixtures_cli;
pub mod graphql;
pub mod health;
pub mod http;
mod http_client;
pub mod ops;
pub mod profile;
