//! `--json FILE`: one record per scenario and property, plus the run's totals.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::conform::event::{Event, Record, ReportError, Reporter, RunInfo, Status, Summary};

pub(crate) struct JsonReport {
    path: PathBuf,
    info: Option<RunInfo>,
}

impl JsonReport {
    pub(crate) fn new(path: PathBuf) -> Self {
        JsonReport { path, info: None }
    }
}

pub(crate) fn record_json(r: &Record) -> Value {
    let mut v = json!({
        "kind": r.kind.name(),
        "name": r.name,
        "area": r.area.name(),
        "description": r.description,
        "needs": r.needs,
        "status": match &r.status {
            Status::Passed => "passed",
            Status::Failed(_) => "failed",
            Status::Skipped(s) if s.cause.not_applicable() => "not_applicable",
            Status::Skipped(_) => "skipped",
        },
        "duration_ms": r.duration.as_millis() as u64,
    });
    match &r.status {
        Status::Skipped(why) => {
            v["reason"] = json!(why.reason);
            v["cause"] = json!(why.cause.label());
        }
        Status::Failed(f) => {
            v["failure"] = json!({
                "step": f.step, "message": f.message, "expected": f.expected, "actual": f.actual,
                "curl": f.curl, "pending_snapshot": f.pending_snapshot,
            })
        }
        Status::Passed => {}
    }
    if let Some(s) = &r.snapshot {
        v["snapshot"] = json!(s);
    }
    v
}

pub fn summary_json(sum: &Summary, info: Option<&RunInfo>) -> Value {
    json!({
        "target": info.map(|i| i.target.clone()),
        "profile": info.map(|i| i.profile.clone()),
        "run_id": info.map(|i| i.run_id.clone()),
        "seed": info.map(|i| i.seed),
        "passed": sum.passed(), "failed": sum.failed(), "skipped": sum.skipped(), "run": sum.run(),
        "not_applicable": sum.not_applicable(),
        "duration_ms": sum.duration.as_millis() as u64,
        "requests": sum.requests,
        "uncleaned_accounts": sum.uncleaned.iter().map(|(e, w)| json!({"email": e, "reason": w})).collect::<Vec<_>>(),
        "kept_accounts": sum.kept.iter().map(|(e, item)| json!({"email": e, "item": item})).collect::<Vec<_>>(),
        "changes": sum.changes,
        "gate_failures": sum.gate_failures,
        "configuration_differences": sum.config_differences.iter().map(|d| json!({
            "setting": d.setting, "target": d.target, "contract": d.contract, "effect": d.effect,
        })).collect::<Vec<_>>(),
        "records": sum.records.iter().map(record_json).collect::<Vec<_>>(),
    })
}

impl Reporter for JsonReport {
    fn handle(&mut self, event: &Event<'_>) {
        if let Event::RunStarted(info) = event {
            self.info = Some((*info).clone());
        }
    }

    fn finish(&mut self, sum: &Summary) -> Result<(), ReportError> {
        let v = summary_json(sum, self.info.as_ref());
        let text = serde_json::to_string_pretty(&v).map_err(|e| ReportError::Encode {
            format: "JSON",
            reason: e.to_string(),
        })?;
        std::fs::write(&self.path, text).map_err(|source| ReportError::Write {
            path: self.path.clone(),
            source,
        })
    }
}
