//! A store: one whole, isolated mock of Adobe Commerce — its domain (customers, tokens,
//! throttles, secrets, outbox, settings, clock), its request journal and its faults.
//!
//! The HTTP layer picks the store a request belongs to and hands it to everything below; no
//! operation, rule or engine code knows there can be more than one.

use std::sync::Arc;

use crate::domain::{Clock, Domain, Fixtures, StoreIdentity};

use super::faults::Faults;
use super::journal::Journal;

/// One store.
#[derive(Debug)]
pub struct Store {
    pub domain: Arc<Domain>,
    pub journal: Journal,
    pub faults: Faults,
}

impl Store {
    /// A store on `fixtures`.
    pub fn new(fixtures: Arc<Fixtures>, clock: Clock, identity: StoreIdentity) -> Store {
        Store {
            faults: Faults::from_fixtures(&fixtures),
            domain: Arc::new(Domain::on(fixtures, clock, identity)),
            journal: Journal::default(),
        }
    }

    /// Back to the fixtures: state, faults and journal.
    pub fn reset(&self) {
        self.domain.reset();
        self.faults.reset();
        self.journal.clear();
    }

    /// New fixtures in force (`serve --watch`), and the store reset to them.
    pub fn replace_fixtures(&self, fixtures: Arc<Fixtures>) {
        self.faults.replace_fixture_faults(&fixtures);
        self.domain.replace_fixtures(fixtures);
    }
}
