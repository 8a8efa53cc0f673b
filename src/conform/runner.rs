//! Listing and running: builds the list of items (scenarios, then properties), runs each in
//! order against the target, compares transcripts with snapshots, emits events to reporters,
//! and cleans up the accounts it created.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use serde_json::Value;

use super::cli::ConformArgs;
use super::event::{Event, Kind, Record, Reporter, RunInfo, Status, Summary};
use super::properties::{self, PropCtx};
use super::scenarios::{self, q, Ctx, Failure, Flow, RunState, Scenario};
use super::snapshot::{SnapFile, SnapOutcome, SnapshotStore};
use super::target::{ConnectError, Target};
use crate::profile::Profile;

/// Could not start (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("the mock serves profile {mock} but --profile is {expected}: restart the mock with --profile {expected} or pass --profile {mock}")]
    ProfileMismatch { mock: String, expected: Profile },
    #[error("the runner panicked: {0}")]
    Panicked(String),
}

fn emit(reporters: &mut [Box<dyn Reporter>], e: &Event<'_>) {
    for r in reporters.iter_mut() {
        r.handle(e);
    }
}

/// Print the catalogue (`--list`).
pub fn list(profile: Profile) -> String {
    let mut s = String::new();
    for sc in scenarios::catalogue() {
        let needs: Vec<String> = sc.needs.iter().map(|n| n.label()).collect();
        let applies = if sc.profiles.contains(&profile) {
            ""
        } else {
            " (not for this profile)"
        };
        s.push_str(&format!(
            "scenario {:<52} [{}]{} — {}\n",
            sc.name,
            if needs.is_empty() {
                "-".into()
            } else {
                needs.join(", ")
            },
            applies,
            sc.description
        ));
    }
    for p in properties::catalogue() {
        let needs: Vec<String> = p.needs.iter().map(|n| n.label()).collect();
        s.push_str(&format!(
            "property {:<52} [{}] — {}\n",
            p.name,
            if needs.is_empty() {
                "-".into()
            } else {
                needs.join(", ")
            },
            p.description
        ));
    }
    s
}

/// Run everything `args` selects, reporting to `reporters`.
pub fn execute(args: &ConformArgs, mut reporters: Vec<Box<dyn Reporter>>) -> Result<Summary, StartError> {
    let started = Instant::now();
    let target = Target::connect(args)?;
    if let Some(m) = &target.mock {
        if m.info.profile != args.profile.name() {
            return Err(StartError::ProfileMismatch {
                mock: m.info.profile.clone(),
                expected: args.profile,
            });
        }
    }
    let run_id = format!("{:08x}", rand::random::<u32>());
    // What the store says about confirmation and token lifetime.
    let cfg = target.send(&target.gql_req(q::STORE_CONFIG, None, None)).ok();
    let confirmation_required = cfg
        .as_ref()
        .and_then(|r| {
            r.at("/data/storeConfig/create_account_confirmation")
                .and_then(Value::as_bool)
        })
        .unwrap_or(false);
    let lifetime_hours = cfg
        .as_ref()
        .and_then(|r| {
            r.at("/data/storeConfig/customer_access_token_lifetime")
                .and_then(Value::as_f64)
        })
        .unwrap_or(1.0);
    let lifetime_secs = (lifetime_hours * 3600.0).round() as i64;
    let state = RunState::new(
        run_id.clone(),
        args.email_domain.clone(),
        confirmation_required,
        lifetime_secs,
    );
    let store = SnapshotStore::new(args.snapshots.clone(), args.accept);
    let seed = args.seed.unwrap_or_else(rand::random::<u64>);
    let cases = args.cases.unwrap_or(if target.mock.is_some() { 64 } else { 4 });

    let matches = |name: &str| args.filter.as_ref().is_none_or(|f| name.contains(f.as_str()));
    let scenarios: Vec<Scenario> = scenarios::catalogue()
        .into_iter()
        .filter(|s| matches(s.name))
        .collect();
    let props: Vec<properties::Property> = if args.no_properties {
        Vec::new()
    } else {
        properties::catalogue()
            .into_iter()
            .filter(|p| matches(p.name))
            .collect()
    };
    let replay = replay_command(args, seed);
    let info = RunInfo {
        target: args.target.clone(),
        profile: args.profile.name().into(),
        mock: target
            .mock
            .as_ref()
            .map(|m| format!("commerce-auth-mock {}", m.info.version)),
        run_id,
        seed,
        cases,
        total: scenarios.len() + props.len(),
        replay: replay.clone(),
    };
    emit(&mut reporters, &Event::RunStarted(&info));
    let mut records = Vec::new();
    for (i, sc) in scenarios.iter().enumerate() {
        emit(
            &mut reporters,
            &Event::Started {
                kind: Kind::Scenario,
                name: sc.name,
                index: i,
            },
        );
        let rec = run_scenario(&target, &state, &store, sc);
        emit(&mut reporters, &Event::Finished(&rec));
        records.push(rec);
    }
    for (i, p) in props.iter().enumerate() {
        emit(
            &mut reporters,
            &Event::Started {
                kind: Kind::Property,
                name: p.name,
                index: scenarios.len() + i,
            },
        );
        let t0 = Instant::now();
        let status = match p.skip_reason(&target) {
            Some(why) => Status::Skipped(why),
            None => {
                let pc = PropCtx {
                    t: &target,
                    run: &state,
                    cases,
                    seed,
                    replay: replay.clone(),
                };
                catch_unwind(AssertUnwindSafe(|| (p.run)(&pc)))
                    .unwrap_or_else(|e| panic_status(e, "property"))
            }
        };
        let rec = Record {
            kind: Kind::Property,
            name: p.name.into(),
            area: scenarios::Area::Properties,
            description: p.description.into(),
            needs: p.needs.iter().map(|n| n.label()).collect(),
            status,
            duration: t0.elapsed(),
            snapshot: None,
            transcript: None,
        };
        emit(&mut reporters, &Event::Finished(&rec));
        records.push(rec);
    }
    // Clean up what this run created.
    let created = state.created.borrow().clone();
    let mut cleaned = 0;
    let mut uncleaned = Vec::new();
    for email in created {
        if !target.admin.available() {
            uncleaned.push((email, "no admin access to delete it (pass --admin-token)".into()));
            continue;
        }
        match target.admin.delete_customer(&target.client, &email) {
            Ok(()) => cleaned += 1,
            Err(e) => uncleaned.push((email, e.to_string())),
        }
    }
    target.release_clock();
    let summary = Summary {
        records,
        duration: started.elapsed(),
        requests: target.client.requests(),
        cleaned,
        uncleaned,
    };
    emit(&mut reporters, &Event::RunFinished(&summary));
    for r in reporters.iter_mut() {
        if let Err(e) = r.finish(&summary) {
            let msg = format!("report not written: {e}");
            r.handle(&Event::Note(&msg));
            eprintln!("{msg}");
        }
    }
    Ok(summary)
}

fn replay_command(args: &ConformArgs, seed: u64) -> String {
    let mut s = format!(
        "commerce-auth-mock conform --target {} --profile {} --seed {seed}",
        args.target, args.profile
    );
    if let Some(c) = args.cases {
        s.push_str(&format!(" --cases {c}"));
    }
    s
}

fn panic_status(e: Box<dyn std::any::Any + Send>, what: &str) -> Status {
    let msg = e
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into());
    Status::Failed(Box::new(Failure {
        message: format!("the {what} panicked: {msg}"),
        ..Default::default()
    }))
}

/// Run one scenario and compare its transcript with the stored snapshot.
pub fn run_scenario(target: &Target, state: &RunState, store: &SnapshotStore, sc: &Scenario) -> Record {
    let t0 = Instant::now();
    let snapshot_name = sc.snapshot_name(target.profile);
    let mut transcript = None;
    let status = match sc.skip_reason(target) {
        Some(why) => Status::Skipped(why),
        None => {
            let mut ctx = Ctx::new(target, state);
            let res = catch_unwind(AssertUnwindSafe(|| (sc.run)(&mut ctx)));
            match res {
                Err(e) => panic_status(e, "scenario"),
                Ok(Err(Flow::Skip(why))) => Status::Skipped(why),
                Ok(Err(Flow::Fail(f))) => Status::Failed(f),
                Ok(Ok(())) => {
                    transcript = Some(ctx.transcript.clone());
                    compare(store, sc, &snapshot_name, &ctx)
                }
            }
        }
    };
    Record {
        kind: Kind::Scenario,
        name: sc.name.into(),
        area: sc.area,
        description: sc.description.into(),
        needs: sc.needs.iter().map(|n| n.label()).collect(),
        status,
        duration: t0.elapsed(),
        snapshot: Some(snapshot_name),
        transcript,
    }
}

fn compare(store: &SnapshotStore, sc: &Scenario, name: &str, ctx: &Ctx) -> Status {
    let snap = SnapFile {
        source: sc.source.to_string(),
        expression: format!("{} [{}]", sc.name, ctx.profile.name()),
        description: Some(sc.description.to_string()),
        content: ctx.transcript.clone(),
    };
    match store.check(name, &snap) {
        SnapOutcome::Matched | SnapOutcome::Accepted(_) => Status::Passed,
        SnapOutcome::Mismatch { expected, pending } => {
            let actual = super::snapshot::normalize_content(&ctx.transcript) + "\n";
            let expected = expected.map(|e| super::snapshot::normalize_content(&e) + "\n");
            let (message, step) = match &expected {
                None => (format!("no stored snapshot `{name}.snap`"), None),
                Some(e) => {
                    let step = first_differing_section(&super::snapshot::normalize_content(e), &actual);
                    (format!("response differs from snapshot `{name}.snap`"), step)
                }
            };
            let curl = step.as_ref().and_then(|s| {
                let n: usize = s.trim_start_matches("# ").split('.').next()?.parse().ok()?;
                ctx.step_curls.get(n.checked_sub(1)?).cloned()
            });
            let message = if pending.is_none() && store.dir.is_none() {
                format!("{message} (built-in snapshots; pass --snapshots DIR to write a pending .snap.new)")
            } else {
                message
            };
            Status::Failed(Box::new(Failure {
                step: step.map(|s| s.trim_start_matches("# ").to_string()),
                message,
                expected,
                actual: Some(actual),
                curl,
                pending_snapshot: pending.map(|p| p.display().to_string()),
            }))
        }
    }
}

fn sections(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in s.lines() {
        if line.starts_with("# ") || line.starts_with("## ") || out.is_empty() {
            out.push(String::new());
        }
        let last = out.last_mut().expect("pushed");
        last.push_str(line);
        last.push('\n');
    }
    out
}

/// The heading of the first step whose section differs.
pub fn first_differing_section(expected: &str, actual: &str) -> Option<String> {
    let (e, a) = (sections(expected), sections(actual));
    for i in 0..e.len().max(a.len()) {
        if e.get(i).map(|s| s.trim()) != a.get(i).map(|s| s.trim()) {
            let head = a.get(i).or(e.get(i))?;
            return head.lines().next().map(String::from);
        }
    }
    None
}
