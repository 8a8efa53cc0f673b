//! Placeholder of the domain API (the real one lands from branch `domain`).
#![allow(dead_code)]
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Fixtures;
#[derive(Debug, thiserror::Error)]
#[error("fixtures: {0}")]
pub struct FixtureError(String);
impl Fixtures {
    pub fn embedded_default() -> Fixtures {
        Fixtures
    }
    pub fn load(_path: &Path) -> Result<Fixtures, FixtureError> {
        Ok(Fixtures)
    }
}
#[derive(Debug, Clone)]
pub struct Clock(Arc<AtomicI64>);
impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(AtomicI64::new(0)))
    }
    pub fn virtual_at(t: i64) -> Clock {
        Clock(Arc::new(AtomicI64::new(t)))
    }
    pub fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    pub fn advance(&self, s: i64) {
        self.0.fetch_add(s, Ordering::SeqCst);
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Guest,
    Customer { customer_id: u64, admin_id: Option<u64> },
    Admin { admin_id: u64 },
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerError {
    Unreadable,
    Revoked,
    Expired,
}
impl BearerError {
    pub fn message(&self) -> &'static str {
        match self {
            BearerError::Unreadable => "Composite reader could not read a token",
            BearerError::Revoked => "User token has been revoked",
            BearerError::Expired => "Consumer key has expired",
        }
    }
}
pub struct Domain {
    clock: Clock,
}
impl Domain {
    pub fn new(_f: Fixtures, clock: Clock) -> Domain {
        Domain { clock }
    }
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
    pub fn authenticate_bearer(&self, _token: &str) -> Result<Auth, BearerError> {
        Err(BearerError::Unreadable)
    }
}
