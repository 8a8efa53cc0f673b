//! The reference model: a second, independent, deliberately simple statement of the sign-in rules
//! of `behaviour.md` (4.3 tokens and revocation, 4.4 throttle and lockout, 5.1 evaluation order,
//! 5.4 customer operations, 5.5 reset requests, 6 OTC issue). It knows nothing about the mock's code.
//!
//! Time is relative (seconds since the case started) and only moves on [`Op::Advance`]. Values the
//! target generates (tokens, reset tokens, OTCs) are referred to symbolically ([`Secret`]).
//! Where the contract leaves an edge undefined (a deadline hit to the second, the state of an OTC
//! refused for lack of assistance), the model avoids it through [`Model::allowed`] instead of
//! guessing.

use std::collections::BTreeMap;

use super::expect::expect;
use crate::profile::Profile;

pub const OTC_TTL: i64 = 30;
pub const RESET_TTL: i64 = 7200;
pub const LOCK_FAILURES: u32 = 10;
pub const LOCK_SECS: i64 = 600;
pub const THROTTLE_MAX: u32 = 6;
pub const THROTTLE_WINDOW: i64 = 1800;

pub const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";
pub const NOT_AUTHORIZED: &str = "The current customer isn't authorized.";
pub const REVOKED: &str = "User token has been revoked";
pub const EXPIRED: &str = "Consumer key has expired";
pub const LOCKED_DOT: &str = "The account is locked.";
pub const LOCKED: &str = "The account is locked";
pub const INVALID_LOGIN: &str = "Invalid login or password.";
pub const ASSISTANCE_DISABLED: &str = "Login as Customer assistance is disabled for this Customer.";

/// What the model knows about the environment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub profile: Profile,
    pub admin: bool,
    pub mail: bool,
    /// Time can be moved (the mock's clock). Without it, sequences neither move time nor
    /// revoke, and rely on a case taking far less than the shortest lifetime (30 s).
    pub clock: bool,
    pub token_lifetime: i64,
    pub customers: usize,
}

/// A secret sent as `password`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    Password,
    /// The password before the last change.
    OldPassword,
    LatestReset,
    PreviousReset,
    LatestOtc,
    PreviousOtc,
    Wrong,
}

/// One operation of the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    SignIn {
        who: usize,
        secret: Secret,
    },
    RequestReset {
        who: usize,
    },
    IssueOtc {
        who: usize,
    },
    /// `customer` with the latest token.
    UseToken {
        who: usize,
    },
    Revoke {
        who: usize,
    },
    ChangePassword {
        who: usize,
    },
    ChangePasswordWrong {
        who: usize,
    },
    SetAssistance {
        who: usize,
        on: bool,
    },
    Advance {
        secs: i64,
    },
}

/// An expected or observed answer: HTTP status and the first error message (None: success).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: u16,
    pub message: Option<String>,
}

impl Outcome {
    pub fn ok() -> Self {
        Outcome {
            status: 200,
            message: None,
        }
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Secret::Password => "the password",
            Secret::OldPassword => "the password before the last change",
            Secret::LatestReset => "the latest reset token",
            Secret::PreviousReset => "the reset token before the latest",
            Secret::LatestOtc => "the latest OTC",
            Secret::PreviousOtc => "the OTC before the latest",
            Secret::Wrong => "a wrong password",
        })
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Op::SignIn { who, secret } => write!(f, "customer {who} signs in with {secret}"),
            Op::RequestReset { who } => write!(f, "customer {who} requests a password reset"),
            Op::IssueOtc { who } => write!(f, "an admin issues an OTC for customer {who}"),
            Op::UseToken { who } => write!(f, "customer {who} reads `customer` with the latest token"),
            Op::Revoke { who } => write!(f, "customer {who} revokes the latest token"),
            Op::ChangePassword { who } => write!(f, "customer {who} changes the password"),
            Op::ChangePasswordWrong { who } => {
                write!(f, "customer {who} changes the password with a wrong current one")
            }
            Op::SetAssistance { who, on } => write!(
                f,
                "customer {who} turns remote shopping assistance {}",
                if on { "on" } else { "off" }
            ),
            Op::Advance { secs } => write!(f, "{secs} s pass"),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            None => write!(f, "{} success", self.status),
            Some(m) => write!(f, "{} \"{m}\"", self.status),
        }
    }
}

/// A reset token or OTC, by issue order.
#[derive(Debug, Clone, PartialEq)]
pub struct Cred {
    pub issued: i64,
    pub consumed: bool,
    /// Its state is not defined by the contract any more (e.g. refused for lack of assistance).
    pub tainted: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Customer {
    pub password_changes: u32,
    pub assistance: bool,
    pub failures: u32,
    pub locked_until: Option<i64>,
    pub resets: Vec<Cred>,
    pub otcs: Vec<Cred>,
    /// `iat` of every token issued, in order.
    pub tokens: Vec<i64>,
    pub revoked_at: Option<i64>,
    /// Which case variant of the email is used (a new one when the old throttle entry expired).
    pub variant: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub cfg: Config,
    pub now: i64,
    pub customers: Vec<Customer>,
    /// Throttle entries keyed by (customer, email variant): (failures, expires at).
    pub throttle: BTreeMap<(usize, u32), (u32, i64)>,
}

impl Model {
    pub fn new(cfg: Config) -> Self {
        Model {
            cfg,
            now: 0,
            customers: vec![Customer::default(); cfg.customers],
            throttle: BTreeMap::new(),
        }
    }

    /// The start of every state-machine case: each customer signed in once (at time 0), the
    /// first one with remote shopping assistance enabled.
    pub fn initial(cfg: Config) -> Self {
        let mut m = Model::new(cfg);
        for (i, c) in m.customers.iter_mut().enumerate() {
            c.tokens.push(0);
            c.assistance = i == 0;
        }
        m
    }

    fn err(&self, category: &str, message: &str) -> Outcome {
        Outcome {
            status: expect(self.cfg.profile).status_for(category),
            message: Some(message.into()),
        }
    }

    fn generic(&self) -> Outcome {
        self.err("graphql-authentication", GENERIC)
    }

    fn locked(&self, who: usize) -> bool {
        self.customers[who].locked_until.is_some_and(|t| self.now < t)
    }

    fn throttled(&self, key: (usize, u32)) -> bool {
        self.throttle
            .get(&key)
            .is_some_and(|(n, exp)| *n >= THROTTLE_MAX && self.now < *exp)
    }

    fn throttle_fail(&mut self, key: (usize, u32)) {
        let now = self.now;
        let e = self.throttle.entry(key).or_insert((0, now));
        e.0 += 1;
        e.1 = now + THROTTLE_WINDOW;
    }

    fn lockout_fail(&mut self, who: usize) {
        let now = self.now;
        let c = &mut self.customers[who];
        if c.locked_until.is_some_and(|t| now >= t) {
            c.failures = 0;
            c.locked_until = None;
        }
        c.failures += 1;
        if c.failures >= LOCK_FAILURES {
            c.locked_until = Some(now + LOCK_SECS);
        }
    }

    fn live(cred: Option<&Cred>, now: i64, ttl: i64) -> bool {
        cred.is_some_and(|c| !c.consumed && !c.tainted && now - c.issued < ttl)
    }

    /// The latest token of `who`: Ok when usable, else the answer of a token operation.
    fn auth(&self, who: usize) -> Result<(), Vec<Outcome>> {
        let c = &self.customers[who];
        let iat = *c.tokens.last().expect("allowed() requires a token");
        let revoked = c.revoked_at.is_some_and(|r| iat <= r);
        let expired = iat + self.cfg.token_lifetime <= self.now;
        if !revoked && !expired {
            return Ok(());
        }
        if !expect(self.cfg.profile).bad_bearer_fails_request {
            return Err(vec![self.err("graphql-authorization", NOT_AUTHORIZED)]);
        }
        let mut v = Vec::new();
        if revoked {
            v.push(Outcome {
                status: 401,
                message: Some(REVOKED.into()),
            });
        }
        if expired {
            v.push(Outcome {
                status: 401,
                message: Some(EXPIRED.into()),
            });
        }
        Err(v)
    }

    fn cred_of(c: &Customer, s: Secret) -> Option<&Cred> {
        match s {
            Secret::LatestReset => c.resets.last(),
            Secret::PreviousReset => c.resets.iter().rev().nth(1),
            Secret::LatestOtc => c.otcs.last(),
            Secret::PreviousOtc => c.otcs.iter().rev().nth(1),
            _ => None,
        }
    }

    /// Whether `op` is defined by the contract in this state (and possible in this environment).
    pub fn allowed(&self, op: &Op) -> bool {
        let caps = expect(self.cfg.profile);
        let c = |who: usize| &self.customers[who];
        match *op {
            Op::SignIn { who, secret } => match secret {
                Secret::OldPassword => c(who).password_changes > 0,
                Secret::LatestReset | Secret::PreviousReset | Secret::LatestOtc | Secret::PreviousOtc => {
                    Self::cred_of(c(who), secret).is_some_and(|cr| !cr.tainted)
                }
                _ => true,
            },
            Op::RequestReset { .. } => self.cfg.mail,
            Op::IssueOtc { .. } => caps.admin_otc && self.cfg.admin,
            // Without a controllable clock the revoking second cannot be pinned (a later sign-in
            // may or may not share it), so revocation is left to the scenarios.
            Op::Revoke { who } => self.cfg.clock && !c(who).tokens.is_empty(),
            Op::UseToken { who } | Op::ChangePassword { who } | Op::SetAssistance { who, .. } => {
                !c(who).tokens.is_empty()
            }
            Op::ChangePasswordWrong { who } => !c(who).tokens.is_empty() && !self.locked(who),
            Op::Advance { secs } => self.cfg.clock && secs > 0 && !self.hits_deadline(self.now + secs),
        }
    }

    /// Whether `t` is exactly a deadline whose side the contract leaves open.
    fn hits_deadline(&self, t: i64) -> bool {
        self.customers.iter().any(|c| {
            c.otcs.iter().any(|o| o.issued + OTC_TTL == t)
                || c.resets.iter().any(|r| r.issued + RESET_TTL == t)
                || c.locked_until == Some(t)
        }) || self.throttle.values().any(|(_, exp)| *exp == t)
    }

    /// Apply `op`; returns the answers the contract allows (usually one).
    pub fn step(&mut self, op: &Op) -> Vec<Outcome> {
        let profile = self.cfg.profile;
        let caps = expect(profile);
        match *op {
            Op::SignIn { who, secret } => {
                let key = (who, self.customers[who].variant);
                if self.throttled(key) {
                    return vec![self.generic()];
                }
                if self.locked(who) {
                    self.throttle_fail(key);
                    return vec![self.generic()];
                }
                let now = self.now;
                let ok = match secret {
                    Secret::Password => true,
                    Secret::LatestReset | Secret::PreviousReset if caps.reset_token_as_password => {
                        let idx = self.customers[who].resets.len()
                            - if secret == Secret::LatestReset { 1 } else { 2 };
                        let is_current = idx + 1 == self.customers[who].resets.len();
                        let cr = &mut self.customers[who].resets[idx];
                        if is_current && Self::live(Some(cr), now, RESET_TTL) {
                            cr.consumed = true;
                            true
                        } else {
                            false
                        }
                    }
                    Secret::LatestOtc | Secret::PreviousOtc if caps.admin_otc => {
                        let n = self.customers[who].otcs.len();
                        let idx = n - if secret == Secret::LatestOtc { 1 } else { 2 };
                        let assistance = self.customers[who].assistance;
                        let cr = &mut self.customers[who].otcs[idx];
                        if idx + 1 == n && Self::live(Some(cr), now, OTC_TTL) {
                            if assistance {
                                cr.consumed = true;
                                true
                            } else {
                                cr.tainted = true;
                                false
                            }
                        } else {
                            false
                        }
                    }
                    _ => false,
                };
                if ok {
                    let c = &mut self.customers[who];
                    c.failures = 0;
                    c.locked_until = None;
                    c.tokens.push(now);
                    self.throttle.remove(&key);
                    vec![Outcome::ok()]
                } else {
                    self.throttle_fail(key);
                    self.lockout_fail(who);
                    vec![self.generic()]
                }
            }
            Op::RequestReset { who } => {
                if self.locked(who) {
                    return vec![self.err("graphql-input", LOCKED)];
                }
                let now = self.now;
                self.customers[who].resets.push(Cred {
                    issued: now,
                    consumed: false,
                    tainted: false,
                });
                vec![Outcome::ok()]
            }
            Op::IssueOtc { who } => {
                if !self.customers[who].assistance {
                    return vec![Outcome {
                        status: 400,
                        message: Some(ASSISTANCE_DISABLED.into()),
                    }];
                }
                let now = self.now;
                self.customers[who].otcs.push(Cred {
                    issued: now,
                    consumed: false,
                    tainted: false,
                });
                vec![Outcome::ok()]
            }
            Op::UseToken { who } => {
                if let Err(e) = self.auth(who) {
                    return e;
                }
                if self.locked(who) {
                    return vec![self.err("graphql-authentication", LOCKED_DOT)];
                }
                vec![Outcome::ok()]
            }
            Op::Revoke { who } => {
                if let Err(e) = self.auth(who) {
                    return e;
                }
                self.customers[who].revoked_at = Some(self.now);
                vec![Outcome::ok()]
            }
            Op::ChangePassword { who } => {
                if let Err(e) = self.auth(who) {
                    return e;
                }
                self.customers[who].password_changes += 1;
                if self.locked(who) {
                    return vec![self.err("graphql-authentication", LOCKED_DOT)];
                }
                vec![Outcome::ok()]
            }
            Op::ChangePasswordWrong { who } => {
                if let Err(e) = self.auth(who) {
                    return e;
                }
                self.lockout_fail(who);
                // Magento checks the lock right after counting the failure: the failure that
                // locks the account already answers "locked" (Customer\Model\Authentication).
                if self.locked(who) {
                    return vec![self.err("graphql-authentication", LOCKED_DOT)];
                }
                vec![self.err("graphql-authentication", INVALID_LOGIN)]
            }
            Op::SetAssistance { who, on } => {
                if let Err(e) = self.auth(who) {
                    return e;
                }
                if self.locked(who) {
                    return vec![self.err("graphql-authentication", LOCKED_DOT)];
                }
                self.customers[who].assistance = on;
                vec![Outcome::ok()]
            }
            Op::Advance { secs } => {
                self.now += secs;
                let now = self.now;
                for (who, c) in self.customers.iter_mut().enumerate() {
                    if self
                        .throttle
                        .get(&(who, c.variant))
                        .is_some_and(|(_, exp)| *exp <= now)
                    {
                        c.variant += 1;
                    }
                }
                vec![Outcome::ok()]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(profile: Profile) -> Model {
        Model::new(Config {
            profile,
            admin: true,
            mail: true,
            clock: true,
            token_lifetime: 3600,
            customers: 2,
        })
    }

    #[test]
    fn tenth_failure_locks_and_lock_ends_after_ten_minutes() {
        let mut m = model(Profile::Saas);
        for i in 0..9 {
            m.customers[0].variant = i / 5;
            assert_eq!(
                m.step(&Op::SignIn {
                    who: 0,
                    secret: Secret::Wrong
                })[0]
                    .status,
                401
            );
        }
        m.customers[0].variant = 7;
        m.step(&Op::SignIn {
            who: 0,
            secret: Secret::Wrong,
        });
        assert_eq!(
            m.step(&Op::SignIn {
                who: 0,
                secret: Secret::Password
            })[0]
                .message
                .as_deref(),
            Some(GENERIC)
        );
        m.step(&Op::Advance { secs: 601 });
        m.customers[0].variant = 9;
        assert_eq!(
            m.step(&Op::SignIn {
                who: 0,
                secret: Secret::Password
            }),
            vec![Outcome::ok()]
        );
    }

    #[test]
    fn otc_is_one_time_and_needs_assistance() {
        let mut m = model(Profile::Saas);
        assert_eq!(m.step(&Op::IssueOtc { who: 0 })[0].status, 400);
        m.customers[0].assistance = true;
        m.step(&Op::IssueOtc { who: 0 });
        assert_eq!(
            m.step(&Op::SignIn {
                who: 0,
                secret: Secret::LatestOtc
            }),
            vec![Outcome::ok()]
        );
        assert_ne!(
            m.step(&Op::SignIn {
                who: 0,
                secret: Secret::LatestOtc
            }),
            vec![Outcome::ok()]
        );
    }
}
