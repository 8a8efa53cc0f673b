//! The human report: a progress bar on a terminal (plain lines otherwise), then results grouped by
//! area, each failure with its step, a diff of expected versus actual and a `curl` command, the
//! skipped items with reasons, and the conformance score.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::conform::event::{Event, Record, Reporter, Status, Summary};

pub struct Human {
    out: Box<dyn Write + Send>,
    bar: Option<ProgressBar>,
    progress: bool,
}

impl Human {
    /// Report to stdout; a progress bar when stderr is a terminal and `progress` allows.
    pub(crate) fn stdout(progress: bool) -> Self {
        Human {
            out: Box::new(std::io::stdout()),
            bar: None,
            progress: progress && std::io::stderr().is_terminal(),
        }
    }

    /// Report into any writer, plain lines.
    #[cfg(any(test, feature = "test-support"))]
    pub fn to_writer(out: Box<dyn Write + Send>) -> Self {
        Human {
            out,
            bar: None,
            progress: false,
        }
    }

    fn line(&mut self, s: &str) {
        match &self.bar {
            Some(b) => b.println(s),
            None => {
                let _ = writeln!(self.out, "{s}");
            }
        }
    }
}

/// A unified diff of expected versus actual.
pub(crate) fn diff(expected: &str, actual: &str) -> String {
    let d = similar::TextDiff::from_lines(expected, actual);
    d.unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

/// The failure text of a record (step, message, diff, curl, pending snapshot).
pub fn failure_text(r: &Record) -> String {
    let Status::Failed(f) = &r.status else {
        return String::new();
    };
    let mut s = String::new();
    if let Some(step) = &f.step {
        s.push_str(&format!("    step: {step}\n"));
    }
    s.push_str(&format!("    {}\n", f.message));
    if f.transcripts {
        for l in diff(&f.expected, &f.actual).lines() {
            s.push_str(&format!("      {l}\n"));
        }
    } else {
        for (label, text) in [("expected", &f.expected), ("actual", &f.actual)] {
            let text = if text.is_empty() {
                "(nothing recorded)"
            } else {
                text.as_str()
            };
            s.push_str(&format!("    {label}:\n"));
            for l in text.lines() {
                s.push_str(&format!("      {l}\n"));
            }
        }
    }
    if let Some(p) = &f.pending_snapshot {
        s.push_str(&format!(
            "    pending snapshot: {p} (review with `cargo insta review`)\n"
        ));
    }
    if let Some(c) = &f.curl {
        s.push_str(&format!("    reproduce: {c}\n"));
    }
    s
}

impl Reporter for Human {
    fn handle(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted(info) => {
                let what = match &info.mock {
                    Some(m) => format!("the mock ({m})"),
                    None => "a server without the mock's control API".into(),
                };
                self.line(&format!(
                    "conform: {} items against {} at {} (profile {}, run id {}, seed {})",
                    info.total, what, info.target, info.profile, info.run_id, info.seed
                ));
                for n in &info.notes {
                    self.line(&format!("note: {n}"));
                }
                self.line(&format!("replay: {}", info.replay));
                if self.progress {
                    let b = ProgressBar::new(info.total as u64);
                    b.set_style(
                        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    self.bar = Some(b);
                }
            }
            Event::Started { name, .. } => {
                if let Some(b) = &self.bar {
                    b.set_message(name.to_string());
                }
            }
            Event::Finished(r) => {
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
                let extra = match &r.status {
                    Status::Skipped(why) => format!(" ({})", why.reason),
                    _ => String::new(),
                };
                self.line(&format!(
                    "{} {:<9} {} [{} ms]{}",
                    r.status.label(),
                    r.kind.name(),
                    r.name,
                    r.duration.as_millis(),
                    extra
                ));
            }
            Event::Note(n) => self.line(&format!("note: {n}")),
            Event::RunFinished(sum) => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
                self.summary(sum);
            }
        }
    }
}

impl Human {
    fn summary(&mut self, sum: &Summary) {
        let mut s = String::from("\n== Results by area ==\n");
        for (area, recs) in super::by_area(&sum.records) {
            let pass = recs.iter().filter(|r| r.status == Status::Passed).count();
            let run = recs
                .iter()
                .filter(|r| !matches!(r.status, Status::Skipped(_)))
                .count();
            s.push_str(&format!("{} ({pass}/{run} passed)\n", area.name()));
            for r in recs {
                s.push_str(&format!("  {} {}\n", r.status.label(), r.name));
            }
        }
        let failed: Vec<&Record> = sum
            .records
            .iter()
            .filter(|r| matches!(r.status, Status::Failed(_)))
            .collect();
        if !failed.is_empty() {
            s.push_str("\n== Failures ==\n");
            for r in failed {
                s.push_str(&format!("FAIL {} — {}\n", r.name, r.description));
                s.push_str(&failure_text(r));
            }
        }
        let skipped: Vec<&Record> = sum
            .records
            .iter()
            .filter(|r| matches!(r.status, Status::Skipped(_)))
            .collect();
        if !skipped.is_empty() {
            s.push_str("\n== Skipped and not applicable ==\n");
            for r in skipped {
                if let Status::Skipped(why) = &r.status {
                    s.push_str(&format!("{} {}: {}\n", r.status.label(), r.name, why.reason));
                }
            }
        }
        if !sum.config_differences.is_empty() {
            s.push_str("\n== Configuration differences (not failures) ==\n");
            for d in &sum.config_differences {
                s.push_str(&format!("  {d}\n"));
            }
        }
        if !sum.kept.is_empty() {
            s.push_str("\n== Accounts kept for the failures' reproduce commands ==\n");
            for (email, item) in &sum.kept {
                s.push_str(&format!("  {email} ({item})\n"));
            }
        }
        if !sum.uncleaned.is_empty() {
            s.push_str("\n== Accounts not cleaned up ==\n");
            for (email, why) in &sum.uncleaned {
                s.push_str(&format!("  {email}: {why}\n"));
            }
        }
        if !sum.changes.is_empty() {
            s.push_str("\n== What the run changed on the target ==\n");
            for c in &sum.changes {
                s.push_str(&format!("  {c}\n"));
            }
        }
        if !sum.gate_failures.is_empty() {
            s.push_str("\n== Gates failed ==\n");
            for g in &sum.gate_failures {
                s.push_str(&format!("  {g}\n"));
            }
        }
        s.push_str(&format!("\n{}\n", score_line(sum)));
        let _ = write!(self.out, "{s}");
        let _ = self.out.flush();
    }
}

/// `conformance score: 59/59 passed (0 failed, 2 skipped: 2 no mailbox; 4 not applicable: 4 not for
/// this profile) in 1.9 s, 1236 requests, 92 accounts cleaned up`.
pub fn score_line(sum: &Summary) -> String {
    let by = |not_applicable: bool| {
        sum.skips_by_cause()
            .into_iter()
            .filter(|(c, _)| c.not_applicable() == not_applicable)
            .map(|(c, n)| format!("{n} {}", c.label()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut counts = format!("{} failed, {} skipped", sum.failed(), sum.skipped());
    if sum.skipped() > 0 {
        counts.push_str(&format!(": {}", by(false)));
    }
    if sum.not_applicable() > 0 {
        counts.push_str(&format!(
            "; {} not applicable: {}",
            sum.not_applicable(),
            by(true)
        ));
    }
    let gates = if sum.gate_failures.is_empty() {
        String::new()
    } else {
        format!(", {} gates failed", sum.gate_failures.len())
    };
    format!(
        "conformance score: {}/{} passed ({counts}){gates} in {:.1} s, {} requests, {} accounts cleaned up",
        sum.passed(),
        sum.run(),
        sum.duration.as_secs_f64(),
        sum.requests,
        sum.cleaned
    )
}
