//! A store: one whole, isolated mock of Adobe Commerce — its domain (customers, tokens,
//! throttles, secrets, outbox, settings, clock), its request journal and its faults.
//!
//! The HTTP layer picks the store a request belongs to and hands it to everything below; no
//! operation, rule or engine code knows there can be more than one.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::domain::{Clock, Domain, Fixtures, StoreIdentity};

use super::faults::Faults;
use super::journal::Journal;

/// One store.
#[derive(Debug)]
pub struct Store {
    /// The sandbox's tenant name; `None` for the default store (the un-prefixed routes).
    pub name: Option<String>,
    pub domain: Arc<Domain>,
    pub journal: Journal,
    pub faults: Faults,
    /// When the store was created and last served a request, in real unix seconds (eviction
    /// goes by real time whatever the store's own clock says).
    created_at: i64,
    last_used: AtomicI64,
}

/// Real time, for bookkeeping that a moved virtual clock must not disturb.
pub(crate) fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Store {
    /// A store on `fixtures`.
    pub(crate) fn new(
        name: Option<String>,
        fixtures: Arc<Fixtures>,
        clock: Clock,
        identity: StoreIdentity,
    ) -> Store {
        let now = real_now();
        Store {
            name,
            faults: Faults::from_fixtures(&fixtures),
            domain: Arc::new(Domain::on(fixtures, clock, identity)),
            journal: Journal::default(),
            created_at: now,
            last_used: AtomicI64::new(now),
        }
    }

    /// Back to the fixtures: state, faults and journal.
    pub(crate) fn reset(&self) {
        self.domain.reset();
        self.faults.reset();
        self.journal.clear();
    }

    /// New fixtures in force (`serve --watch`), and the store reset to them.
    pub(crate) fn replace_fixtures(&self, fixtures: Arc<Fixtures>) {
        self.faults.replace_fixture_faults(&fixtures);
        self.domain.replace_fixtures(fixtures);
    }

    /// Marks the store as used now.
    pub(crate) fn touch(&self) {
        self.last_used.store(real_now(), Ordering::Relaxed);
    }

    pub(crate) fn created_at(&self) -> i64 {
        self.created_at
    }

    pub(crate) fn last_used(&self) -> i64 {
        self.last_used.load(Ordering::Relaxed)
    }

    /// Makes the store look unused for `secs` (eviction and the idle lifetime go by real time;
    /// tests age a store this way instead of waiting).
    #[doc(hidden)]
    #[cfg(any(test, feature = "test-support"))]
    pub fn backdate_last_use(&self, secs: i64) {
        self.last_used.store(real_now() - secs, Ordering::Relaxed);
    }
}
