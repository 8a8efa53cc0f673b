//! The HTTP layer: routing, the GraphQL front door, CORS and limits, and the server's lifecycle.
//!
//! Nothing here knows the sign-in rules: the front door reads the request the way Magento's
//! GraphQL controller does (spec section 2), asks the domain who the bearer is, and hands the
//! document to the engine. Statuses come from the profile table.

mod console;
mod control;
mod control_access;
mod control_customers;
mod control_sandboxes;
mod control_settings;
pub(crate) mod faults;
mod front_door;
mod gate;
pub(crate) mod guard;
pub mod journal;
pub(crate) mod log_line;
mod options;
pub(crate) mod protocol;
mod request;
pub(crate) mod rest;
mod server;
pub(crate) mod startup;
pub(crate) mod store;
mod storefront_pages;
pub mod stores;
pub mod watch;

pub use server::{serve, AppState, ServeConfig, TestServer, TEST_CLOCK_START};
/// The mock's routes without a listener (the fuzz target drives them with `tower::ServiceExt`).
#[cfg(feature = "test-support")]
pub use server::router;
