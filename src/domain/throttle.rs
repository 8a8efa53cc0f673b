//! The sign-in throttle of spec 4.4: failures counted per key (the email or admin username
//! exactly as submitted) in a sliding window. Independent of the lockout on the customer record.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// Keys longer than this are stored as their SHA-256 digest.
pub(crate) const MAX_PLAIN_KEY_BYTES: usize = 256;

/// The key under which `submitted` (an email or username as submitted) is counted: the string
/// itself, or for a longer string its SHA-256 digest, so a flood of failed sign-ins with huge
/// garbage emails keeps at most a few dozen bytes per key until the window expires (memory
/// stays flat under load tests). Compute it before taking the domain lock: hashing a long
/// string is the only costly step.
pub(crate) fn key(submitted: &str) -> Cow<'_, str> {
    if submitted.len() <= MAX_PLAIN_KEY_BYTES {
        return Cow::Borrowed(submitted);
    }
    let digest = Sha256::digest(submitted.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Cow::Owned(format!("sha256:{hex}:{}", submitted.len()))
}

/// Keys a throttle holds at most (**mock decision**). Beyond it the key whose window ends
/// first is dropped, so a flood of failed sign-ins with ever new emails keeps memory flat (at
/// most about 4 MB: keys are at most [`MAX_PLAIN_KEY_BYTES`] long) while every key a test
/// actually repeats keeps counting.
pub(crate) const MAX_KEYS: usize = 10_000;

/// One key's failures and when they stop counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    failures: u32,
    expires_at: i64,
    /// Order of the last failure, to tell windows that end in the same second apart.
    seq: u64,
}

/// Failure counters keyed by the submitted string, with the keys ordered by the end of their
/// window (then by the order of their last failure): purging expired windows and making room
/// both take the soonest first, without walking every key.
#[derive(Debug, Clone, Default)]
pub(crate) struct Throttle {
    /// foldhash rather than SipHash: every sign-in looks its key up here (and a success
    /// removes it); the map is bounded by [`MAX_KEYS`].
    entries: HashMap<Arc<str>, Entry, foldhash::fast::RandomState>,
    by_expiry: BTreeMap<(i64, u64), Arc<str>>,
    next_seq: u64,
}

impl Throttle {
    /// Live failures of `key` at `now` (0 once the window has passed: `expires_at <= now`).
    pub(crate) fn failures(&self, key: &str, now: i64) -> u32 {
        match self.entries.get(key) {
            Some(e) if e.expires_at > now => e.failures,
            _ => 0,
        }
    }

    /// True while `key` has at least `max` live failures: every attempt fails, even a correct one.
    pub(crate) fn is_throttled(&self, key: &str, now: i64, max: u32) -> bool {
        self.failures(key, now) >= max
    }

    /// Counts a failure and slides the window to `now + window`.
    pub(crate) fn record_failure(&mut self, key: &str, now: i64, window: i64) {
        let live = self.failures(key, now);
        let key: Arc<str> = match self.entries.get_key_value(key) {
            Some((k, e)) => {
                let k = k.clone();
                self.by_expiry.remove(&(e.expires_at, e.seq));
                k
            }
            None => {
                self.purge_expired(now);
                while self.entries.len() >= MAX_KEYS {
                    let Some((_, soonest)) = self.by_expiry.pop_first() else {
                        break;
                    };
                    self.entries.remove(&soonest);
                }
                Arc::from(key)
            }
        };
        let (expires_at, seq) = (now + window, self.next_seq);
        self.next_seq += 1;
        self.by_expiry.insert((expires_at, seq), key.clone());
        self.entries.insert(
            key,
            Entry {
                failures: live + 1,
                expires_at,
                seq,
            },
        );
    }

    /// A success forgets the key.
    pub(crate) fn reset(&mut self, key: &str) {
        if let Some(e) = self.entries.remove(key) {
            self.by_expiry.remove(&(e.expires_at, e.seq));
        }
    }

    /// Drops windows that have passed.
    pub(crate) fn purge_expired(&mut self, now: i64) {
        while let Some((&(expires_at, _), _)) = self.by_expiry.first_key_value() {
            if expires_at > now {
                break;
            }
            if let Some((_, key)) = self.by_expiry.pop_first() {
                self.entries.remove(&key);
            }
        }
    }

    /// Keys held (live or not yet purged).
    #[cfg(any(test, feature = "test-support"))]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_are_stored_as_a_digest_and_stay_distinct() {
        let a = "a".repeat(1 << 20);
        let b = format!("{}b", "a".repeat((1 << 20) - 1));
        assert!(key(&a).len() < 100);
        assert_ne!(key(&a), key(&b));
        assert_eq!(key("A@example.com"), "A@example.com");
    }

    #[test]
    fn six_failures_throttle_the_key() {
        let mut t = Throttle::default();
        for i in 0..5 {
            t.record_failure("a@example.com", 100 + i, 1800);
        }
        assert!(!t.is_throttled("a@example.com", 105, 6));
        t.record_failure("a@example.com", 105, 1800);
        assert!(t.is_throttled("a@example.com", 105, 6));
        assert!(
            !t.is_throttled("A@example.com", 105, 6),
            "keyed by the string as submitted"
        );
    }

    #[test]
    fn window_slides_with_each_failure() {
        let mut t = Throttle::default();
        for _ in 0..5 {
            t.record_failure("k", 0, 1800);
        }
        // The sixth failure, late in the window, moves the expiry to 1700 + 1800.
        t.record_failure("k", 1700, 1800);
        assert!(t.is_throttled("k", 3499, 6));
        assert!(!t.is_throttled("k", 3500, 6), "expires_at <= now is expired");
    }

    #[test]
    fn failures_after_the_window_start_again_at_one() {
        let mut t = Throttle::default();
        for _ in 0..5 {
            t.record_failure("k", 0, 1800);
        }
        t.record_failure("k", 1800, 1800);
        assert_eq!(t.failures("k", 1800), 1);
    }

    #[test]
    fn the_number_of_keys_is_bounded_dropping_the_soonest_window_first() {
        let mut t = Throttle::default();
        t.record_failure("kept", 0, 1800);
        for i in 0..MAX_KEYS + 10 {
            t.record_failure(&format!("flood-{i}@example.com"), 1, 1800);
            if i == 0 {
                // Repeated: its window now ends last of all.
                t.record_failure("kept", 2, 1800);
            }
        }
        assert_eq!(t.len(), MAX_KEYS);
        assert_eq!(t.by_expiry.len(), MAX_KEYS);
        assert_eq!(t.failures("kept", 3), 2, "the repeated key still counts");
        assert_eq!(
            t.failures("flood-0@example.com", 3),
            0,
            "the soonest window went first"
        );
        assert_eq!(t.failures(&format!("flood-{}@example.com", MAX_KEYS + 9), 3), 1);
    }

    #[test]
    fn reset_and_purge_forget_keys() {
        let mut t = Throttle::default();
        t.record_failure("a", 0, 10);
        t.record_failure("b", 0, 100);
        t.reset("b");
        assert_eq!(t.failures("b", 0), 0);
        t.purge_expired(10);
        assert!(t.is_empty());
        assert!(t.by_expiry.is_empty());
    }
}
