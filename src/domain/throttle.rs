//! The sign-in throttle of spec 4.4: failures counted per key (the email or admin username
//! exactly as submitted) in a sliding window. Independent of the lockout on the customer record.

use std::collections::HashMap;

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

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
