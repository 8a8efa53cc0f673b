//! One clock for every time rule (token expiry, OTC and reset-token lifetimes, throttle, lockout).
//!
//! The clock is either the system clock or a virtual one that tests and the control API can
//! freeze, set and advance. Time is whole unix seconds: every rule of the spec is stated in
//! seconds, and JWT `iat`/`exp` are seconds too.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// How the clock currently tells time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The system clock.
    System,
    /// System time shifted by a fixed number of seconds (a virtual clock that runs).
    Offset(i64),
    /// A virtual clock standing still at this second.
    Frozen(i64),
}

/// A shared clock: cheap to clone, every clone sees the same time.
#[derive(Debug, Clone)]
pub struct Clock {
    mode: Arc<Mutex<Mode>>,
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Clock {
    /// The system clock. It can still be frozen or moved later (it then becomes virtual).
    pub(crate) fn system() -> Clock {
        Clock {
            mode: Arc::new(Mutex::new(Mode::System)),
        }
    }

    /// A virtual clock frozen at `unix_secs`: time moves only when told to.
    pub fn virtual_at(unix_secs: i64) -> Clock {
        Clock {
            mode: Arc::new(Mutex::new(Mode::Frozen(unix_secs))),
        }
    }

    fn mode(&self) -> std::sync::MutexGuard<'_, Mode> {
        // A poisoned clock still holds a valid `Mode`: keep going.
        self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now_in(mode: Mode) -> i64 {
        match mode {
            Mode::System => system_now(),
            Mode::Offset(o) => system_now() + o,
            Mode::Frozen(t) => t,
        }
    }

    /// The current time in unix seconds.
    pub fn now(&self) -> i64 {
        Self::now_in(*self.mode())
    }

    /// Stops time at the current second.
    pub(crate) fn freeze(&self) {
        let mut m = self.mode();
        *m = Mode::Frozen(Self::now_in(*m));
    }

    /// Sets the current time; a frozen clock stays frozen, a running one keeps running from there.
    pub fn set(&self, unix_secs: i64) {
        let mut m = self.mode();
        *m = match *m {
            Mode::Frozen(_) => Mode::Frozen(unix_secs),
            Mode::System | Mode::Offset(_) => Mode::Offset(unix_secs - system_now()),
        };
    }

    /// Moves time forward (or back, with a negative value) by `secs`.
    pub fn advance(&self, secs: i64) {
        let mut m = self.mode();
        let target = Self::now_in(*m) + secs;
        *m = match *m {
            Mode::Frozen(_) => Mode::Frozen(target),
            Mode::System | Mode::Offset(_) => Mode::Offset(target - system_now()),
        };
    }

    /// Lets a frozen clock run again from its current value (it stays virtual).
    pub fn resume(&self) {
        let mut m = self.mode();
        if let Mode::Frozen(t) = *m {
            *m = Mode::Offset(t - system_now());
        }
    }

    /// Goes back to the system clock.
    pub(crate) fn resume_real_time(&self) {
        *self.mode() = Mode::System;
    }

    /// True unless the clock is the plain system clock.
    pub(crate) fn is_virtual(&self) -> bool {
        *self.mode() != Mode::System
    }

    /// True when time stands still.
    pub(crate) fn is_frozen(&self) -> bool {
        matches!(*self.mode(), Mode::Frozen(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_stands_still_until_moved() {
        let c = Clock::virtual_at(1_000);
        assert_eq!(c.now(), 1_000);
        c.advance(30);
        assert_eq!(c.now(), 1_030);
        c.set(5);
        assert_eq!(c.now(), 5);
        assert!(c.is_virtual() && c.is_frozen());
    }

    #[test]
    fn clones_share_one_time() {
        let c = Clock::virtual_at(10);
        let d = c.clone();
        d.advance(5);
        assert_eq!(c.now(), 15);
    }

    #[test]
    fn system_clock_can_be_frozen_and_released() {
        let c = Clock::system();
        assert!(!c.is_virtual());
        c.freeze();
        let t = c.now();
        c.advance(100);
        assert_eq!(c.now(), t + 100);
        c.resume_real_time();
        assert!(!c.is_virtual());
        assert!(c.now() < t + 100);
    }

    #[test]
    fn resumed_virtual_clock_keeps_its_offset() {
        let c = Clock::virtual_at(1_000);
        c.resume();
        assert!(c.is_virtual() && !c.is_frozen());
        assert!((1_000..1_010).contains(&c.now()));
    }
}
