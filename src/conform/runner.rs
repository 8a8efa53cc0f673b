//! Listing and running: selects the items (scenarios, then properties), checks everything the
//! run depends on (the preflight), runs each item in order against the target, compares
//! transcripts with snapshots, emits events to reporters, puts the target back as it was found,
//! and applies the CI gates.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use super::cli::ConformArgs;
use super::control::{ClockAction, FoundState};
use super::event::{Event, Kind, Record, Reporter, RunInfo, Status, Summary};
use super::preflight::{self, Problem};
use super::properties::{self, PropCtx};
use super::scenarios::{self, Area, Ctx, Failure, Flow, RunState, Scenario};
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
    #[error("{}", preflight_text(.0))]
    Preflight(Vec<Problem>),
    #[error("the runner panicked: {0}")]
    Panicked(String),
}

fn preflight_text(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut s = format!("the preflight found {} problems:", many.len());
            for p in many {
                s.push_str(&format!("\n  - {p}"));
            }
            s
        }
    }
}

fn emit(reporters: &mut [Box<dyn Reporter>], e: &Event<'_>) {
    for r in reporters.iter_mut() {
        r.handle(e);
    }
}

/// Print the catalogue (`--list`), marking what does not apply to `profile`.
pub fn list(profile: Profile) -> String {
    let mut s = String::new();
    let needs_text = |needs: &[scenarios::Need]| {
        if needs.is_empty() {
            "-".to_string()
        } else {
            needs.iter().map(|n| n.label()).collect::<Vec<_>>().join(", ")
        }
    };
    for sc in scenarios::catalogue() {
        let applies = if sc.profiles.contains(&profile) {
            ""
        } else {
            " (not for this profile)"
        };
        s.push_str(&format!(
            "scenario {:<52} [{}]{} — {}\n",
            sc.name,
            needs_text(sc.needs),
            applies,
            sc.description
        ));
    }
    for p in properties::catalogue() {
        s.push_str(&format!(
            "property {:<52} [{}] — {}\n",
            p.name,
            needs_text(p.needs),
            p.description
        ));
    }
    let areas: Vec<&str> = Area::ALL.iter().map(|a| a.name()).collect();
    s.push_str(&format!("areas (for --require): {}\n", areas.join(", ")));
    s
}

/// The items `args` selects, and the areas it requires.
struct Selection {
    scenarios: Vec<Scenario>,
    properties: Vec<properties::Property>,
    required: Vec<Area>,
}

impl Selection {
    fn new(args: &ConformArgs) -> Result<Selection, Vec<Problem>> {
        let matches = |name: &str| args.filter.as_ref().is_none_or(|f| name.contains(f.as_str()));
        let scenarios: Vec<Scenario> = scenarios::catalogue()
            .into_iter()
            .filter(|s| matches(s.name))
            .collect();
        let properties: Vec<properties::Property> = if args.no_properties {
            Vec::new()
        } else {
            properties::catalogue()
                .into_iter()
                .filter(|p| matches(p.name))
                .collect()
        };
        let mut problems = Vec::new();
        if let Some(f) = args
            .filter
            .as_ref()
            .filter(|_| scenarios.is_empty() && properties.is_empty())
        {
            problems.push(Problem::FilterSelectsNothing(f.clone()));
        }
        let mut required = Vec::new();
        for name in args.require.iter().filter(|n| !n.trim().is_empty()) {
            let Some(area) = Area::parse(name) else {
                let known: Vec<&str> = Area::ALL.iter().map(|a| a.name()).collect();
                problems.push(Problem::UnknownArea {
                    area: name.clone(),
                    known: known.join(", "),
                });
                continue;
            };
            let selected = scenarios.iter().any(|s| s.area == area)
                || (area == Area::Properties && !properties.is_empty());
            if let (false, Some(filter)) = (selected, &args.filter) {
                problems.push(Problem::RequiredAreaFiltered {
                    area: name.clone(),
                    filter: filter.clone(),
                });
            }
            required.push(area);
        }
        if problems.is_empty() {
            Ok(Selection {
                scenarios,
                properties,
                required,
            })
        } else {
            Err(problems)
        }
    }

    fn len(&self) -> usize {
        self.scenarios.len() + self.properties.len()
    }
}

/// Run everything `args` selects, reporting to `reporters`.
pub fn execute(args: &ConformArgs, mut reporters: Vec<Box<dyn Reporter>>) -> Result<Summary, StartError> {
    let started = Instant::now();
    let selection = Selection::new(args).map_err(StartError::Preflight)?;
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
    let probe_email = format!("conformance+{run_id}-preflight@{}", args.email_domain);
    let problems = preflight::check(&target, &probe_email);
    if !problems.is_empty() {
        return Err(StartError::Preflight(problems));
    }
    let (store_facts, config_differences) = preflight::read_store(&target);
    // Recorded before the run touches anything, to put it back at the end.
    let found = match &target.mock {
        Some(m) => Some(
            m.found_state(&target.client)
                .map_err(|e| StartError::Connect(e.into()))?,
        ),
        None => None,
    };
    if let Some(m) = target.mock.as_ref().filter(|m| m.has("clock")) {
        m.set_clock(&target.client, ClockAction::Freeze)
            .map_err(|e| StartError::Connect(e.into()))?;
    }
    let state = RunState::new(run_id.clone(), args.email_domain.clone(), store_facts);
    let store = SnapshotStore::new(args.snapshots.clone(), args.accept);
    let seed = args.seed.unwrap_or_else(rand::random::<u64>);
    let cases = args.cases.unwrap_or(if target.mock.is_some() { 64 } else { 4 });
    let mut notes = Vec::new();
    if !target.admin.learned.is_empty() {
        notes.push(format!(
            "admin access learned from the mock's /__mock/access: {}",
            target
                .admin
                .learned
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    notes.extend(
        config_differences
            .iter()
            .map(|d| format!("configuration difference: {d}")),
    );
    let info = RunInfo {
        target: target.urls.graphql.clone(),
        notes,
        profile: args.profile.name().into(),
        mock: target
            .mock
            .as_ref()
            .map(|m| format!("commerce-auth-mock {}", m.info.version)),
        run_id,
        seed,
        cases,
        total: selection.len(),
        replay: replay_command(args, seed, cases, None),
    };
    emit(&mut reporters, &Event::RunStarted(&info));
    let mut records = Vec::new();
    for (i, sc) in selection.scenarios.iter().enumerate() {
        emit(
            &mut reporters,
            &Event::Started {
                kind: Kind::Scenario,
                name: sc.name,
                index: i,
            },
        );
        state.begin(sc.name);
        let rec = run_scenario(&target, &state, &store, sc);
        emit(&mut reporters, &Event::Finished(&rec));
        records.push(rec);
    }
    for (i, p) in selection.properties.iter().enumerate() {
        emit(
            &mut reporters,
            &Event::Started {
                kind: Kind::Property,
                name: p.name,
                index: selection.scenarios.len() + i,
            },
        );
        state.begin(p.name);
        let t0 = Instant::now();
        let status = match p.skip_reason(&target, &state) {
            Some(why) => Status::Skipped(why),
            None => {
                let pc = PropCtx {
                    t: &target,
                    run: &state,
                    cases,
                    seed,
                    replay: replay_command(args, seed, cases, Some(p.name)),
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
    let mut summary = Summary {
        records,
        config_differences,
        ..Summary::default()
    };
    restore(&target, &state, found.as_ref(), &mut summary);
    summary.gate_failures = gates(args, &selection.required, &summary);
    summary.duration = started.elapsed();
    summary.requests = target.client.requests();
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

/// Put the target back as the run found it: delete the accounts the run created (keeping those
/// of failing items, whose reproduce commands need them), remove faults added during the run,
/// and give the mock's clock back. Records what it did in `summary`.
fn restore(target: &Target, state: &RunState, found: Option<&FoundState>, summary: &mut Summary) {
    let failing: Vec<&str> = summary
        .records
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .map(|r| r.name.as_str())
        .collect();
    if let Some(sb) = &target.sandbox {
        // Everything the run did is in its own sandbox: end it, or keep it (with the accounts
        // of the failing items) so their reproduce commands still work.
        if !failing.is_empty() {
            summary.kept.extend(
                state
                    .created
                    .borrow()
                    .iter()
                    .filter(|(_, item)| failing.contains(&item.as_str()))
                    .cloned(),
            );
            summary.changes.push(format!(
                "ran in a sandbox of its own, `{}`, kept for the reproduce commands of the failing items; end it with \
                 curl -X DELETE -H 'Content-Type: application/json' {}/sandboxes/{}",
                sb.name,
                sb.root.base(),
                sb.name
            ));
            return;
        }
        match sb.root.call(
            &target.client,
            "DELETE",
            &format!("/sandboxes/{}", sb.name),
            None::<&serde_json::Value>,
        ) {
            Ok(_) => {
                // Its accounts went with it.
                summary.cleaned += state.created.borrow().len();
                summary.changes.push(format!(
                    "ran in a sandbox of its own, `{}`, and ended it: nothing else on the mock was touched",
                    sb.name
                ));
            }
            Err(e) => summary.changes.push(format!(
                "ran in a sandbox of its own, `{}`, and could not end it: {e}",
                sb.name
            )),
        }
        return;
    }
    let created = state.created.borrow().clone();
    let total = created.len();
    for (email, item) in created {
        if failing.contains(&item.as_str()) {
            summary.kept.push((email, item));
            continue;
        }
        if !target.admin.available() {
            summary
                .uncleaned
                .push((email, "no admin access to delete it (pass --admin-token)".into()));
            continue;
        }
        match target.admin.delete_customer(&target.client, &email) {
            Ok(()) => summary.cleaned += 1,
            Err(e) => summary.uncleaned.push((email, e.to_string())),
        }
    }
    if total > 0 {
        let mut s = format!(
            "created {total} accounts and deleted {} through admin REST",
            summary.cleaned
        );
        if !summary.kept.is_empty() {
            s.push_str(&format!(
                "; kept {} of failing items for their reproduce commands",
                summary.kept.len()
            ));
        }
        if !summary.uncleaned.is_empty() {
            s.push_str(&format!("; could not delete {}", summary.uncleaned.len()));
        }
        summary.changes.push(s);
    }
    let (Some(m), Some(found)) = (&target.mock, found) else {
        return;
    };
    match m.fault_ids(&target.client) {
        Ok(now) => {
            for id in now.into_iter().filter(|id| !found.fault_ids.contains(id)) {
                match m.remove_fault(&target.client, id) {
                    Ok(()) => summary
                        .changes
                        .push(format!("removed fault {id}, added during the run")),
                    Err(e) => summary
                        .changes
                        .push(format!("could not remove fault {id}, added during the run: {e}")),
                }
            }
        }
        Err(e) => summary
            .changes
            .push(format!("could not list the mock's faults: {e}")),
    }
    if m.has("clock") {
        let moved = target.time.moved.get();
        let put_back = match m.restore_clock(&target.client, found) {
            Ok(c) if !c.is_virtual => "back on real time".to_string(),
            Ok(c) if c.frozen => format!("frozen at {} again", c.now),
            Ok(c) => format!("running again from {}", c.now),
            Err(e) => format!("NOT restored ({e})"),
        };
        summary.changes.push(format!(
            "froze the mock's clock and moved it {moved} s forward; it is {put_back}"
        ));
    }
    if let Ok(n) = m.customer_count(&target.client) {
        let expected = found.customers + summary.kept.len() + summary.uncleaned.len();
        if n != expected {
            summary.changes.push(format!(
                "the mock holds {n} customers; it held {} before the run",
                found.customers
            ));
        }
    }
}

/// `--fail-on-skip` and `--require`: one sentence per gate that failed.
fn gates(args: &ConformArgs, required: &[Area], summary: &Summary) -> Vec<String> {
    let skipped = |r: &&Record| r.status.is_skip();
    let mut failures = Vec::new();
    if args.fail_on_skip {
        let names: Vec<&str> = summary
            .records
            .iter()
            .filter(skipped)
            .map(|r| r.name.as_str())
            .collect();
        if !names.is_empty() {
            failures.push(format!(
                "--fail-on-skip: {} items were skipped: {}",
                names.len(),
                names.join(", ")
            ));
        }
    }
    for area in required {
        let names: Vec<&str> = summary
            .records
            .iter()
            .filter(|r| r.area == *area)
            .filter(skipped)
            .map(|r| r.name.as_str())
            .collect();
        if !names.is_empty() {
            failures.push(format!(
                "--require {}: {} of its items were skipped: {}",
                area.name(),
                names.len(),
                names.join(", ")
            ));
        }
    }
    failures
}

/// A command line that runs the same thing again: every option that shapes the run, secrets as
/// `$CONFORM_…` references (so the line can be pasted from a CI log without leaking them).
pub fn replay_command(args: &ConformArgs, seed: u64, cases: u32, filter: Option<&str>) -> String {
    use super::client::shell_quote;
    let mut s = String::from("commerce-auth-mock conform");
    let mut opt = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            s.push_str(&format!(" --{name} {v}"));
        }
    };
    let q = |v: &Option<String>| v.as_deref().map(shell_quote);
    let secret = |v: &Option<String>, env: &str| v.as_ref().map(|_| format!("\"${env}\""));
    opt("target", q(&args.target));
    opt("rest-url", q(&args.rest_url));
    opt("profile", Some(args.profile.name().into()));
    opt("seed", Some(seed.to_string()));
    opt("cases", Some(cases.to_string()));
    opt("filter", filter.map(shell_quote).or_else(|| q(&args.filter)));
    opt("admin-token", secret(&args.admin_token, "CONFORM_ADMIN_TOKEN"));
    opt("admin-username", q(&args.admin_username));
    opt(
        "admin-password",
        secret(&args.admin_password, "CONFORM_ADMIN_PASSWORD"),
    );
    opt(
        "limited-admin-token",
        secret(&args.limited_admin_token, "CONFORM_LIMITED_ADMIN_TOKEN"),
    );
    opt(
        "admin-token-without-assistance",
        secret(
            &args.admin_token_without_assistance,
            "CONFORM_ADMIN_TOKEN_WITHOUT_ASSISTANCE",
        ),
    );
    opt(
        "control-token",
        secret(&args.control_token, "CONFORM_CONTROL_TOKEN"),
    );
    opt("mailbox", q(&args.mailbox));
    opt(
        "email-domain",
        Some(shell_quote(&args.email_domain)).filter(|_| args.email_domain != "example.com"),
    );
    opt(
        "ca-cert",
        args.ca_cert
            .as_ref()
            .map(|p| shell_quote(&p.display().to_string())),
    );
    opt("rate", args.rate.map(|r| r.to_string()));
    opt(
        "timeout-secs",
        Some(args.timeout_secs.to_string()).filter(|_| args.timeout_secs != 30),
    );
    if args.slow {
        s.push_str(" --slow");
        s.push_str(&format!(" --max-wait-secs {}", args.max_wait_secs));
    }
    if args.no_sandbox {
        s.push_str(" --no-sandbox");
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
        expected: format!("the {what} runs to its end"),
        actual: format!("it panicked: {msg}"),
        ..Default::default()
    }))
}

/// Run one scenario and compare its transcript with the stored snapshot.
pub fn run_scenario(target: &Target, state: &RunState, store: &SnapshotStore, sc: &Scenario) -> Record {
    let t0 = Instant::now();
    let snapshot_name = sc.snapshot_name(target.profile);
    let mut transcript = None;
    let status = match sc.skip_reason(target, state) {
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
                expected: expected.unwrap_or_else(|| "(no stored snapshot)\n".into()),
                actual,
                transcripts: true,
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
