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

/// How one item ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Passed,
    Failed(Box<Failure>),
    Skipped(String),
}

impl Status {
    pub fn label(&self) -> &'static str {
        match self {
            Status::Passed => "PASS",
            Status::Failed(_) => "FAIL",
            Status::Skipped(_) => "SKIP",
        }
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
    pub cleaned: usize,
    /// Accounts the runner created but could not delete, with why.
    pub uncleaned: Vec<(String, String)>,
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
    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, Status::Skipped(_)))
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
