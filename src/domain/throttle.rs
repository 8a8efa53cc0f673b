//! The sign-in throttle of spec 4.4: failures counted per key (the email or admin username
//! exactly as submitted) in a sliding window. Independent of the lockout on the customer record.

use std::borrow::Cow;
use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// Keys longer than this are stored as their SHA-256 digest.
pub const MAX_PLAIN_KEY_BYTES: usize = 256;

/// The key under which `submitted` (an email or username as submitted) is counted: the string
/// itself, or for a longer string its SHA-256 digest, so a flood of failed sign-ins with huge
/// garbage emails keeps at most a few dozen bytes per key until the window expires (memory
/// stays flat under load tests). Compute it before taking the domain lock: hashing a long
/// string is the only costly step.
pub fn key(submitted: &str) -> Cow<'_, str> {
    if submitted.len() <= MAX_PLAIN_KEY_BYTES {
        return Cow::Borrowed(submitted);
    }
    let digest = Sha256::digest(submitted.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Cow::Owned(format!("sha256:{hex}:{}", submitted.len()))
}

/// One key's failures and when they stop counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    failures: u32,
    expires_at: i64,
}

/// Failure counters keyed by the submitted string.
#[derive(Debug, Clone, Default)]
pub struct Throttle {
    entries: HashMap<String, Entry>,
}

impl Throttle {
    /// Live failures of `key` at `now` (0 once the window has passed: `expires_at <= now`).
    pub fn failures(&self, key: &str, now: i64) -> u32 {
        match self.entries.get(key) {
            Some(e) if e.expires_at > now => e.failures,
            _ => 0,
        }
    }

    /// True while `key` has at least `max` live failures: every attempt fails, even a correct one.
    pub fn is_throttled(&self, key: &str, now: i64, max: u32) -> bool {
        self.failures(key, now) >= max
    }

    /// Counts a failure and slides the window to `now + window`.
    pub fn record_failure(&mut self, key: &str, now: i64, window: i64) {
        let live = self.failures(key, now);
        self.entries.insert(
            key.to_string(),
            Entry {
                failures: live + 1,
                expires_at: now + window,
            },
        );
    }

    /// A success forgets the key.
    pub fn reset(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Drops windows that have passed.
    pub fn purge_expired(&mut self, now: i64) {
        self.entries.retain(|_, e| e.expires_at > now);
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
    fn reset_and_purge_forget_keys() {
        let mut t = Throttle::default();
        t.record_failure("a", 0, 10);
        t.record_failure("b", 0, 100);
        t.reset("b");
        assert_eq!(t.failures("b", 0), 0);
        t.purge_expired(10);
        assert!(t.is_empty());
    }
}
