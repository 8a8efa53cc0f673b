//! The stores one mock process serves: the default store (the un-prefixed routes) and the
//! sandboxes, one per tenant prefix (`/<tenant>/graphql`, `/<tenant>/rest/…`,
//! `/<tenant>/__mock/…`), each a whole isolated store created from the fixtures on first use.
//!
//! Creating a sandbox costs the same whatever the number of fixture customers: its accounts
//! start as a clone of the fixtures' persistent maps and copy a record only when they change it.
//! The number of sandboxes and their idle lifetime are bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::domain::{Clock, Fixtures, StoreIdentity};

use super::store::{real_now, Store};

/// The longest tenant name.
pub(crate) const MAX_TENANT_LEN: usize = 63;

/// A sandbox used within this many seconds is never evicted to make room for another.
pub(crate) const MIN_IDLE_BEFORE_EVICTION_SECS: i64 = 60;

/// Default of `serve --max-sandboxes`.
pub const DEFAULT_MAX_SANDBOXES: usize = 256;
/// Default of `serve --sandbox-idle-seconds`.
pub const DEFAULT_SANDBOX_IDLE_SECS: i64 = 3600;

/// A tenant name: 1 to 63 ASCII letters, digits, `-` and `_`, starting with a letter or digit.
/// (Names equal to a route root — `graphql`, `rest`, `V1`, `customer` — never reach here: such a
/// path is that route.)
pub(crate) fn is_tenant_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && name.len() <= MAX_TENANT_LEN
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// How the clock of a new sandbox starts. Public (through `test-support`) for the fuzz target,
/// which builds an [`AppState`](super::AppState) of its own.
#[derive(Debug, Clone, Copy)]
pub enum ClockStart {
    /// The system clock (a sandbox can still freeze and move its own).
    System,
    /// A virtual clock frozen at this unix second (tests).
    VirtualAt(i64),
}

impl ClockStart {
    fn clock(self) -> Clock {
        match self {
            ClockStart::System => Clock::system(),
            ClockStart::VirtualAt(t) => Clock::virtual_at(t),
        }
    }
}

/// The bounds of the sandboxes.
#[derive(Debug, Clone, Copy)]
pub struct SandboxLimits {
    /// Sandboxes kept at most (the default store aside).
    pub max: usize,
    /// A sandbox unused this long (real seconds) is ended by the purge task.
    pub idle_secs: i64,
}

/// Why a request's sandbox cannot be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SandboxError {
    #[error(
        "All {max} sandboxes are in use (each served a request within the last \
         {MIN_IDLE_BEFORE_EVICTION_SECS} s), so none can be evicted for `{name}`. End one with \
         DELETE /__mock/sandboxes/<name>, or raise serve --max-sandboxes."
    )]
    Full { max: usize, name: String },
}

/// One sandbox as `GET /__mock/sandboxes` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxInfo {
    pub name: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub customers: usize,
    pub emails: usize,
    pub journal: usize,
}

/// The default store and the sandboxes.
#[derive(Debug)]
pub struct Stores {
    pub default: Arc<Store>,
    sandboxes: Mutex<HashMap<String, Arc<Store>>>,
    limits: SandboxLimits,
    clock: ClockStart,
    /// Where the default store is served; a sandbox is served at `<address>/<tenant>`.
    address: String,
}

impl Stores {
    pub(crate) fn new(default: Arc<Store>, limits: SandboxLimits, clock: ClockStart, address: String) -> Stores {
        Stores {
            default,
            sandboxes: Mutex::new(HashMap::new()),
            limits,
            clock,
            address,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Store>>> {
        // Each critical section leaves a valid map: recover from a poisoned lock.
        self.sandboxes.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn limits(&self) -> SandboxLimits {
        self.limits
    }

    /// The sandbox `name` (a valid tenant name), created from the fixtures in force when new.
    /// At the bound, the least recently used sandbox gives way if it has been idle a while.
    pub(crate) fn sandbox(&self, name: &str) -> Result<Arc<Store>, SandboxError> {
        let mut map = self.lock();
        if let Some(store) = map.get(name) {
            store.touch();
            return Ok(store.clone());
        }
        if map.len() >= self.limits.max {
            let now = real_now();
            let oldest = map
                .iter()
                .min_by_key(|(_, s)| s.last_used())
                .filter(|(_, s)| now - s.last_used() >= MIN_IDLE_BEFORE_EVICTION_SECS)
                .map(|(n, _)| n.clone());
            match oldest {
                Some(evicted) => {
                    map.remove(&evicted);
                    tracing::info!(sandbox = %evicted, "sandbox evicted to make room");
                }
                None => {
                    return Err(SandboxError::Full {
                        max: self.limits.max,
                        name: name.to_string(),
                    })
                }
            }
        }
        let identity = StoreIdentity {
            key_salt: name.to_string(),
            address: format!("{}/{name}", self.address),
        };
        let fixtures = self.default.domain.fixtures();
        let store = Arc::new(Store::new(
            Some(name.to_string()),
            fixtures,
            self.clock.clock(),
            identity,
        ));
        map.insert(name.to_string(), store.clone());
        Ok(store)
    }

    /// Ends a sandbox; false when there is none by that name.
    pub(crate) fn remove(&self, name: &str) -> bool {
        self.lock().remove(name).is_some()
    }

    /// An existing sandbox, without creating it.
    #[cfg(any(test, feature = "test-support"))]
    pub fn existing(&self, name: &str) -> Option<Arc<Store>> {
        self.lock().get(name).cloned()
    }

    /// Every sandbox, by name.
    pub fn list(&self) -> Vec<SandboxInfo> {
        let stores: Vec<Arc<Store>> = self.lock().values().cloned().collect();
        let mut list: Vec<SandboxInfo> = stores
            .iter()
            .map(|s| SandboxInfo {
                name: s.name.clone().unwrap_or_default(),
                created_at: s.created_at(),
                last_used_at: s.last_used(),
                customers: s.domain.customer_count(),
                emails: s.domain.outbox().len(),
                journal: s.journal.len(),
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }

    /// Every store, the default first.
    pub(crate) fn all(&self) -> Vec<Arc<Store>> {
        let mut all = vec![self.default.clone()];
        all.extend(self.lock().values().cloned());
        all
    }

    /// Ends the sandboxes unused for the idle lifetime and purges every store's expired entries.
    pub fn purge(&self) {
        let now = real_now();
        let idle = self.limits.idle_secs;
        self.lock().retain(|name, s| {
            let keep = now - s.last_used() < idle;
            if !keep {
                tracing::info!(sandbox = %name, "sandbox ended after {idle} s unused");
            }
            keep
        });
        for store in self.all() {
            store.domain.purge_expired();
        }
    }

    /// New fixtures (`serve --watch`) for the default store and every sandbox.
    pub(crate) fn replace_fixtures(&self, fixtures: Arc<Fixtures>) {
        for store in self.all() {
            store.replace_fixtures(fixtures.clone());
        }
    }
}
