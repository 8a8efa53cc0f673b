//! What the runner tells reporters. The runner emits events; reporters consume them and never
//! influence the run.

use std::time::Duration;

use super::scenarios::{Area, Failure};

/// A scenario or a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scenario,
    Property,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario",
            Kind::Property => "property",
        }
    }
}

/// Why an item did not run, in the few kinds the gates and the score line count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipCause {
    /// The item does not exist on the profile.
    Profile,
    /// The target's store configuration makes it not apply (e.g. no confirmation required).
    StoreConfig,
    /// Needs admin access that was not given.
    Admin,
    /// Needs to read e-mails and there is no mailbox.
    Mail,
    /// Needs time to pass that the run may not wait for.
    Time,
    /// Needs a clock controllable to the second (the mock's).
    Clock,
}

impl SkipCause {
    /// Not applicable to this target (rather than "could not run here"): such items never fail
    /// a gate, since no set-up could make them run.
    pub fn not_applicable(self) -> bool {
        matches!(self, SkipCause::Profile | SkipCause::StoreConfig)
    }

    /// A few words for the score line.
    pub fn label(self) -> &'static str {
        match self {
            SkipCause::Profile => "not for this profile",
            SkipCause::StoreConfig => "not for this store's configuration",
            SkipCause::Admin => "no admin access",
            SkipCause::Mail => "no mailbox",
            SkipCause::Time => "time cannot pass",
            SkipCause::Clock => "no controllable clock",
        }
    }
}

/// An item that did not run, and why (a sentence that says what would make it run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub cause: SkipCause,
    pub reason: String,
}

impl Skip {
    pub fn new(cause: SkipCause, reason: impl Into<String>) -> Self {
        Skip {
            cause,
            reason: reason.into(),
        }
    }
}

/// How one item ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Passed,
    Failed(Box<Failure>),
    Skipped(Skip),
}

impl Status {
    pub fn label(&self) -> &'static str {
        match self {
            Status::Passed => "PASS",
            Status::Failed(_) => "FAIL",
            Status::Skipped(s) if s.cause.not_applicable() => "N/A",
            Status::Skipped(_) => "SKIP",
        }
    }

    /// Skipped for a reason that set-up could remove (not "not applicable").
    pub fn is_skip(&self) -> bool {
        matches!(self, Status::Skipped(s) if !s.cause.not_applicable())
    }

    pub fn is_not_applicable(&self) -> bool {
        matches!(self, Status::Skipped(s) if s.cause.not_applicable())
    }
}

/// The result of one scenario or property.
#[derive(Debug, Clone)]
pub struct Record {
    pub kind: Kind,
    pub name: String,
    pub area: Area,
    pub description: String,
    pub needs: Vec<String>,
    pub status: Status,
    pub duration: Duration,
    /// Snapshot name (scenarios).
    pub snapshot: Option<String>,
    /// The normalised transcript, when the scenario ran to its end (for insta assertions).
    pub transcript: Option<String>,
}

/// Facts about the run, known when it starts.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub target: String,
    /// Facts about the set-up worth a line at the start (e.g. admin access learned from the mock).
    pub notes: Vec<String>,
    pub profile: String,
    pub mock: Option<String>,
    pub run_id: String,
    pub seed: u64,
    pub cases: u32,
    pub total: usize,
    pub replay: String,
}

/// The end of a run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub records: Vec<Record>,
    pub duration: Duration,
    pub requests: u64,
    /// Accounts created and deleted again.
    pub cleaned: usize,
    /// Accounts the runner created but could not delete, with why.
    pub uncleaned: Vec<(String, String)>,
    /// Accounts left in place on purpose: they belong to a failing item, whose `reproduce:`
    /// commands need them. (email, item)
    pub kept: Vec<(String, String)>,
    /// What the run changed on the target and how it was put back, one sentence each.
    pub changes: Vec<String>,
    /// Settings where the target differs from the contract's defaults.
    pub config_differences: Vec<ConfigDifference>,
    /// Gates (`--fail-on-skip`, `--require`) that failed, one sentence each.
    pub gate_failures: Vec<String>,
}

/// A store setting the target reports differently from the contract's default. Not a failure:
/// the contract lets a store configure it; the runner adapts (or leaves out what depends on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDifference {
    /// Where the value was read, e.g. `storeConfig.customer_access_token_lifetime`.
    pub setting: String,
    pub target: String,
    pub contract: String,
    /// What the runner does about it.
    pub effect: String,
}

impl std::fmt::Display for ConfigDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: the target reports {}, the contract's default is {}; {}",
            self.setting, self.target, self.contract, self.effect
        )
    }
}

impl Summary {
    pub fn count(&self, f: impl Fn(&Status) -> bool) -> usize {
        self.records.iter().filter(|r| f(&r.status)).count()
    }
    pub fn passed(&self) -> usize {
        self.count(|s| matches!(s, Status::Passed))
    }
    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed(_)))
    }
    /// Items that could not run here (not counting those that do not apply).
    pub fn skipped(&self) -> usize {
        self.count(Status::is_skip)
    }
    pub fn not_applicable(&self) -> usize {
        self.count(Status::is_not_applicable)
    }
    /// How many items were skipped for each cause, in cause order.
    pub fn skips_by_cause(&self) -> Vec<(SkipCause, usize)> {
        let mut counts: std::collections::BTreeMap<SkipCause, usize> = Default::default();
        for r in &self.records {
            if let Status::Skipped(s) = &r.status {
                *counts.entry(s.cause).or_default() += 1;
            }
        }
        counts.into_iter().collect()
    }
    /// Whether the run fails: a failed item or a failed gate.
    pub fn is_failure(&self) -> bool {
        self.failed() > 0 || !self.gate_failures.is_empty()
    }
    pub fn run(&self) -> usize {
        self.passed() + self.failed()
    }
}

/// One event of a run.
#[derive(Debug)]
pub enum Event<'a> {
    RunStarted(&'a RunInfo),
    Started { kind: Kind, name: &'a str, index: usize },
    Finished(&'a Record),
    Note(&'a str),
    RunFinished(&'a Summary),
}

/// A report file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the {format} report: {reason}")]
    Encode { format: &'static str, reason: String },
}

/// A consumer of run events.
pub trait Reporter: Send {
    fn handle(&mut self, event: &Event<'_>);
    /// Write files etc. once the run is over.
    fn finish(&mut self, _summary: &Summary) -> Result<(), ReportError> {
        Ok(())
    }
}
