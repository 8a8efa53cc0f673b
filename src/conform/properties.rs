//! Property-based checks (proptest): generated inputs, invariants checked against the target,
//! shrinking to a minimal failing case, seeded so a failure can be replayed with `--seed`.
//!
//! - `properties/no_account_enumeration`: an unknown address with any password answers exactly
//!   like a wrong password.
//! - `properties/empty_values`: PHP's notion of empty (`""`, `"0"`) for any mix of empty, `"0"`,
//!   whitespace and non-ASCII inputs.
//! - `properties/state_machine`: random operation sequences run against the target and against
//!   the independent reference model (`super::model`); every answer must be one the model allows.

use std::cell::{Cell, RefCell};

use proptest::prelude::*;
use proptest::test_runner::{
    Config as PtConfig, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use proptest_state_machine::ReferenceStateMachine;
use serde_json::{json, Value};

use super::client::{Request, Response};
use super::event::{Skip, Status};
use super::mailbox::EmailKind;
use super::model::{self, Config, Model, Op, Outcome, Secret};
use super::scenarios::{q, Ctx, Failure, Flow, Need, RunState, ALL, NEW_PASSWORD, PASSWORD, WRONG_PASSWORD};
use super::target::Target;
use crate::profile::Profile;

/// What a property runs with.
pub struct PropCtx<'a> {
    pub t: &'a Target,
    pub run: &'a RunState,
    pub cases: u32,
    pub seed: u64,
    pub replay: String,
}

/// One property of the catalogue.
pub struct Property {
    pub name: &'static str,
    pub description: &'static str,
    pub profiles: &'static [Profile],
    pub needs: &'static [Need],
    pub run: fn(&PropCtx) -> Status,
}

impl Property {
    pub fn skip_reason(&self, t: &Target, run: &RunState) -> Option<Skip> {
        super::scenarios::Scenario::new(
            super::scenarios::Area::Properties,
            self.name,
            self.description,
            |_| Ok(()),
        )
        .profiles(self.profiles)
        .needs(self.needs)
        .skip_reason(t, run)
    }
}

pub fn catalogue() -> Vec<Property> {
    vec![
        Property {
            name: "properties/no_account_enumeration",
            description: "an unknown address with any password gets a body identical to a wrong password's",
            profiles: ALL,
            needs: &[],
            run: no_account_enumeration,
        },
        Property {
            name: "properties/empty_values",
            description: "empty means \"\" or \"0\" for any mix of empty, \"0\", whitespace and non-ASCII",
            profiles: ALL,
            needs: &[],
            run: empty_values,
        },
        Property {
            name: "properties/state_machine",
            description: "random sign-in, reset, OTC, revoke, password, assistance and clock sequences match the reference model",
            profiles: ALL,
            needs: &[],
            run: state_machine,
        },
    ]
}

fn runner(pc: &PropCtx, salt: u8) -> TestRunner {
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = (pc.seed.rotate_left((i as u32 % 8) * 8) as u8) ^ (i as u8) ^ salt;
    }
    let config = PtConfig {
        cases: pc.cases,
        // Each shrink step replays a case against the target: generous on the mock only.
        max_shrink_iters: if pc.t.mock.is_some() { 512 } else { 32 },
        failure_persistence: None,
        max_global_rejects: 4096,
        ..PtConfig::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
}

/// The expected and actual answers of the last failing case (proptest reports the last case
/// that failed, which is the minimal one once shrinking is done).
#[derive(Default)]
struct LastMismatch(RefCell<Option<(String, String)>>);

impl LastMismatch {
    /// Fail the case with `message` unless `expected == actual`, remembering both.
    fn check(&self, message: &str, expected: String, actual: String) -> Result<(), TestCaseError> {
        if expected == actual {
            return Ok(());
        }
        *self.0.borrow_mut() = Some((expected, actual));
        Err(TestCaseError::fail(message.to_string()))
    }

    fn take(&self) -> (String, String) {
        self.0.borrow_mut().take().unwrap_or_else(|| {
            (
                "the property holds for every generated input".into(),
                "(the failing case recorded no answer)".into(),
            )
        })
    }
}

fn to_status<T: serde::Serialize>(pc: &PropCtx, r: Result<(), TestError<T>>, last: &LastMismatch) -> Status {
    match r {
        Ok(()) => Status::Passed,
        Err(TestError::Abort(why)) => Status::Failed(Box::new(Failure {
            message: format!("aborted: {why} (seed {}; replay: {})", pc.seed, pc.replay),
            expected: format!("{} generated cases", pc.cases),
            actual: format!("proptest gave up: {why}"),
            ..Default::default()
        })),
        Err(TestError::Fail(why, value)) => {
            let (expected, actual) = last.take();
            Status::Failed(Box::new(Failure {
                step: None,
                message: format!(
                    "{why}\nminimal failing input: {}\nseed {} — replay: {}",
                    serde_json::to_string(&value).unwrap_or_default(),
                    pc.seed,
                    pc.replay
                ),
                expected,
                actual,
                ..Default::default()
            }))
        }
    }
}

/// A response as the properties compare it: status and body.
fn answer(status: u16, body: &str) -> String {
    format!("{status} {body}")
}

/// Status and first error message of a GraphQL response.
fn observed(r: &Response) -> Outcome {
    Outcome {
        status: r.status,
        message: r.message().map(String::from).or_else(|| r.str_at("/message")),
    }
}

fn quiet(pc: &PropCtx, req: Request) -> Result<Response, TestCaseError> {
    pc.t.send(&req).map_err(|e| TestCaseError::fail(e.to_string()))
}

fn sign_in(pc: &PropCtx, email: &str, password: &str) -> Result<Response, TestCaseError> {
    quiet(
        pc,
        pc.t.gql_req(
            q::SIGN_IN,
            Some(json!({"email": email, "password": password})),
            None,
        ),
    )
}

fn setup_account(pc: &PropCtx) -> Result<String, Flow> {
    let mut ctx = Ctx::new(pc.t, pc.run);
    ctx.account().map(|a| a.email)
}

fn new_account(pc: &PropCtx, assistance: bool) -> Result<String, TestCaseError> {
    let mut ctx = Ctx::new(pc.t, pc.run);
    ctx.account_with(json!({"allow_remote_shopping_assistance": assistance}))
        .map(|a| a.email)
        .map_err(|f| TestCaseError::fail(format!("setup: {f}")))
}

/// The status of a property whose setup could not create an account.
fn setup_status(flow: Flow) -> Status {
    match flow {
        Flow::Skip(why) => Status::Skipped(why),
        Flow::Fail(f) => Status::Failed(f),
    }
}

// ----- no account enumeration -----

fn no_account_enumeration(pc: &PropCtx) -> Status {
    let account = match setup_account(pc) {
        Ok(a) => a,
        Err(flow) => return setup_status(flow),
    };
    let mut r = runner(pc, 1);
    let last = LastMismatch::default();
    let n = Cell::new(0u32);
    let strategy = ("[a-z0-9]{1,10}", "\\PC{0,24}");
    let result = r.run(&strategy, |(local, password)| {
        prop_assume!(password != PASSWORD);
        n.set(n.get() + 1);
        let unknown = format!(
            "conformance+{}-unknown-{}-{local}@{}",
            pc.run.run_id,
            n.get(),
            pc.run.email_domain
        );
        let wrong = sign_in(pc, &account, &password)?;
        let unk = sign_in(pc, &unknown, &password)?;
        // A success resets the account's counters so cases do not add up to a lockout.
        let ok = sign_in(pc, &account, PASSWORD)?;
        last.check(
            "the pool account signs in with its password",
            "a customer token".into(),
            match ok.at("/data/generateCustomerToken/token") {
                Some(_) => "a customer token".into(),
                None => answer(ok.status, &ok.text),
            },
        )?;
        last.check(
            "an unknown address answers exactly like a wrong password (<email> stands for the address)",
            answer(wrong.status, &wrong.text.replace(&account, "<email>")),
            answer(unk.status, &unk.text.replace(&unknown, "<email>")),
        )
    });
    to_status(pc, result, &last)
}

// ----- empty values -----

const ATOMS: &[&str] = &[
    "", "0", " ", "  ", "\t", "\n", "ü", "日本", "0 ", " 0", "00", "0.0", "false", "null", "é0",
];

fn php_empty(s: &str) -> bool {
    s.is_empty() || s == "0"
}

fn empty_values(pc: &PropCtx) -> Status {
    let mut r = runner(pc, 2);
    let last = LastMismatch::default();
    let atom = || prop::sample::select(ATOMS.to_vec());
    let value = || prop::collection::vec(atom(), 1..=2).prop_map(|v| v.concat());
    let profile = pc.t.profile;
    let result = r.run(&(value(), value()), |(email, password)| {
        let resp = sign_in(pc, &email, &password)?;
        let expected = if php_empty(&email) {
            Outcome {
                status: 200,
                message: Some("Specify the \"email\" value.".into()),
            }
        } else if php_empty(&password) {
            Outcome {
                status: 200,
                message: Some("Specify the \"password\" value.".into()),
            }
        } else {
            Outcome {
                status: super::expect::expect(profile).status_for("graphql-authentication"),
                message: Some(model::GENERIC.into()),
            }
        };
        let category = if php_empty(&email) || php_empty(&password) {
            "graphql-input"
        } else {
            "graphql-authentication"
        };
        let seen = observed(&resp);
        last.check(
            "empty means \"\" or \"0\": the message, status and category of these inputs",
            serde_json::to_string(
                &json!({"status": expected.status, "message": expected.message, "category": category}),
            )
            .unwrap_or_default(),
            serde_json::to_string(
                &json!({"status": seen.status, "message": seen.message, "category": resp.category()}),
            )
            .unwrap_or_default(),
        )
    });
    to_status(pc, result, &last)
}

// ----- state machine -----

thread_local! {
    static SM_CONFIG: Cell<Option<Config>> = const { Cell::new(None) };
}

/// The reference state machine: generation and shrinking of operation sequences.
pub struct SignInMachine;

impl ReferenceStateMachine for SignInMachine {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        let cfg = SM_CONFIG
            .with(|c| c.get())
            .expect("state machine config set before running");
        Just(Model::initial(cfg)).boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Op> {
        let n = state.cfg.customers;
        // Customer 0 (remote shopping assistance on) twice as often as each other one.
        let who = move || prop_oneof![2 => Just(0usize), 1 => 0..n];
        // Favour the secrets that exist, so one-time use and expiry get exercised.
        let has = |f: fn(&super::model::Customer) -> bool| state.customers.iter().any(f);
        let otc = if has(|c| !c.otcs.is_empty()) { 6 } else { 1 };
        let reset = if has(|c| !c.resets.is_empty()) { 4 } else { 1 };
        let secret = prop_oneof![
            3 => Just(Secret::Password),
            1 => Just(Secret::OldPassword),
            reset => Just(Secret::LatestReset),
            1 => Just(Secret::PreviousReset),
            otc => Just(Secret::LatestOtc),
            1 => Just(Secret::PreviousOtc),
            3 => Just(Secret::Wrong),
        ];
        let secs = prop::sample::select(vec![1i64, 1, 29, 31, 601, 1801, 3601, 7201]);
        prop_oneof![
            8 => (who(), secret).prop_map(|(who, secret)| Op::SignIn { who, secret }),
            1 => who().prop_map(|who| Op::RequestReset { who }),
            3 => who().prop_map(|who| Op::IssueOtc { who }),
            1 => who().prop_map(|who| Op::UseToken { who }),
            1 => who().prop_map(|who| Op::Revoke { who }),
            1 => who().prop_map(|who| Op::ChangePassword { who }),
            1 => who().prop_map(|who| Op::ChangePasswordWrong { who }),
            1 => (who(), any::<bool>()).prop_map(|(who, on)| Op::SetAssistance { who, on }),
            1 => secs.prop_map(|secs| Op::Advance { secs }),
        ]
        .boxed()
    }

    fn preconditions(state: &Model, op: &Op) -> bool {
        state.allowed(op)
    }

    fn apply(mut state: Model, op: &Op) -> Model {
        state.step(op);
        state
    }
}

/// The email of customer `email` with letters upper-cased at the bits of `v`.
pub fn case_variant(email: &str, v: u32) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let mut i = 0;
    let local: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                let up = v & (1 << i) != 0;
                i += 1;
                if up {
                    return c.to_ascii_uppercase();
                }
            }
            c
        })
        .collect();
    format!("{local}@{domain}")
}

/// The target side of one case.
struct Sut {
    emails: Vec<String>,
    ids: Vec<Option<u64>>,
    passwords: Vec<(String, String)>,
    tokens: Vec<Option<String>>,
    resets: Vec<Vec<String>>,
    otcs: Vec<Vec<String>>,
}

fn state_machine(pc: &PropCtx) -> Status {
    let cfg = Config {
        profile: pc.t.profile,
        admin: pc.t.admin.available(),
        mail: pc.t.has_mail(),
        clock: pc.t.has_clock(),
        token_lifetime: pc.run.store.token_lifetime_secs,
        customers: 2,
    };
    SM_CONFIG.with(|c| c.set(Some(cfg)));
    if let Err(flow) = setup_account(pc) {
        return setup_status(flow);
    }
    let mut r = runner(pc, 3);
    let strategy = SignInMachine::sequential_strategy(1..24);
    let last = LastMismatch::default();
    let result = r.run(&strategy, |(init, ops, seen)| {
        let mut trace = String::new();
        run_case(pc, init, &ops, &mut trace, seen.as_deref(), &last)
    });
    match result {
        Ok(()) => Status::Passed,
        Err(TestError::Fail(why, (_, ops, _))) => {
            // Re-run the minimal sequence to show its trace (and what it expected and got).
            let mut trace = String::new();
            let _ = run_case(pc, Model::initial(cfg), &ops, &mut trace, None, &last);
            let (expected, actual) = last.take();
            Status::Failed(Box::new(Failure {
                message: format!(
                    "{why}\nminimal failing sequence ({} operations, from two signed-in customers, the first with assistance):\n{trace}seed {} — replay: {}",
                    ops.len(),
                    pc.seed,
                    pc.replay
                ),
                expected,
                actual,
                ..Default::default()
            }))
        }
        Err(TestError::Abort(why)) => to_status::<()>(pc, Err(TestError::Abort(why)), &last),
    }
}

/// Run one case; `seen` counts applied operations for the strategy's first shrinking step
/// (it drops the operations after the failing one), as `proptest-state-machine` expects.
fn run_case(
    pc: &PropCtx,
    mut model: Model,
    ops: &[Op],
    trace: &mut String,
    seen: Option<&std::sync::atomic::AtomicUsize>,
    last: &LastMismatch,
) -> Result<(), TestCaseError> {
    let n = model.cfg.customers;
    let mut sut = Sut {
        emails: Vec::new(),
        ids: vec![None; n],
        passwords: vec![(PASSWORD.to_string(), NEW_PASSWORD.to_string()); n],
        tokens: vec![None; n],
        resets: vec![Vec::new(); n],
        otcs: vec![Vec::new(); n],
    };
    // The model's initial state: every customer signed in once, the first with assistance.
    for who in 0..n {
        let email = new_account(pc, who == 0)?;
        let tok = sign_in(pc, &email, PASSWORD)?
            .str_at("/data/generateCustomerToken/token")
            .ok_or_else(|| TestCaseError::fail("setup: sign-in of a new account failed"))?;
        sut.tokens[who] = Some(tok);
        sut.emails.push(email);
    }
    for (i, op) in ops.iter().enumerate() {
        if let Some(seen) = seen {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        let pre = model.clone();
        let expected = model.step(op);
        let (obs, body) = execute(pc, &pre, &mut sut, op)?;
        trace.push_str(&format!("{i:>2}. {op} → {obs}\n"));
        if !expected.contains(&obs) {
            let allowed: Vec<String> = expected.iter().map(Outcome::to_string).collect();
            *last.0.borrow_mut() = Some((
                format!("operation {i} ({op}) answers {}", allowed.join(" or ")),
                format!("{obs}: {}", super::scenarios::truncate(&body, 300)),
            ));
            return Err(TestCaseError::fail(format!(
                "operation {i} ({op}): the model allows {}, the target answered {obs}",
                allowed.join(" or ")
            )));
        }
    }
    Ok(())
}

fn execute(pc: &PropCtx, pre: &Model, sut: &mut Sut, op: &Op) -> Result<(Outcome, String), TestCaseError> {
    let t = pc.t;
    let fail = |m: String| TestCaseError::fail(m);
    let resp = match *op {
        Op::SignIn { who, secret } => {
            let email = case_variant(&sut.emails[who], pre.customers[who].variant);
            let (cur, old) = &sut.passwords[who];
            let nth_last = |v: &Vec<String>, k: usize| v.iter().rev().nth(k).cloned();
            let pw = match secret {
                Secret::Password => Some(cur.clone()),
                Secret::OldPassword => Some(old.clone()),
                Secret::LatestReset => nth_last(&sut.resets[who], 0),
                Secret::PreviousReset => nth_last(&sut.resets[who], 1),
                Secret::LatestOtc => nth_last(&sut.otcs[who], 0),
                Secret::PreviousOtc => nth_last(&sut.otcs[who], 1),
                Secret::Wrong => Some(WRONG_PASSWORD.to_string()),
            }
            .ok_or_else(|| fail(format!("no value for {secret}")))?;
            let r = sign_in(pc, &email, &pw)?;
            if let Some(tok) = r.str_at("/data/generateCustomerToken/token") {
                sut.tokens[who] = Some(tok);
            }
            r
        }
        Op::RequestReset { who } => {
            let r = quiet(
                pc,
                t.gql_req(q::REQUEST_RESET, Some(json!({"email": sut.emails[who]})), None),
            )?;
            if r.at("/data/requestPasswordResetEmail") == Some(&json!(true)) {
                let tok = t
                    .latest_email(&sut.emails[who], EmailKind::PasswordReset)
                    .map_err(|e| fail(e.to_string()))?
                    .and_then(|m| m.token)
                    .ok_or_else(|| fail("no reset email".into()))?;
                sut.resets[who].push(tok);
            }
            r
        }
        Op::IssueOtc { who } => {
            let id = match sut.ids[who] {
                Some(id) => id,
                None => {
                    let id = t
                        .admin
                        .customer_id(&t.client, &sut.emails[who])
                        .map_err(|e| fail(e.to_string()))?;
                    sut.ids[who] = Some(id);
                    id
                }
            };
            let admin = t.admin.token(&t.client).map_err(|e| fail(e.to_string()))?;
            let r = quiet(
                pc,
                t.rest_req(
                    "POST",
                    &format!("/V1/customer/{id}/otp"),
                    Some(&json!({})),
                    Some(&admin),
                ),
            )?;
            if let Some(code) = r.str_at("/otp") {
                super::normalize::check_otc(&code).map_err(|e| fail(e.to_string()))?;
                sut.otcs[who].push(code);
            }
            r
        }
        Op::UseToken { who } => token_op(pc, sut, who, q::CUSTOMER, Value::Null)?,
        Op::Revoke { who } => token_op(pc, sut, who, q::REVOKE, Value::Null)?,
        Op::ChangePassword { who } => {
            let (cur, old) = sut.passwords[who].clone();
            let r = token_op(
                pc,
                sut,
                who,
                q::CHANGE_PASSWORD,
                json!({"current": cur, "new": old}),
            )?;
            // The model says whether the change happened; follow it (checked by the outcome).
            let changed = pre.customers[who].tokens.last().is_some_and(|iat| {
                pre.customers[who].revoked_at.is_none_or(|rv| *iat > rv)
                    && iat + pre.cfg.token_lifetime > pre.now
            });
            if changed {
                sut.passwords[who] = (old, cur);
            }
            r
        }
        Op::ChangePasswordWrong { who } => {
            let cur = sut.passwords[who].0.clone();
            token_op(
                pc,
                sut,
                who,
                q::CHANGE_PASSWORD,
                json!({"current": WRONG_PASSWORD, "new": cur}),
            )?
        }
        Op::SetAssistance { who, on } => token_op(
            pc,
            sut,
            who,
            q::UPDATE,
            json!({"input": {"allow_remote_shopping_assistance": on}}),
        )?,
        Op::Advance { secs } => {
            t.advance(secs as u64).map_err(|e| fail(e.to_string()))?;
            return Ok((Outcome::ok(), String::new()));
        }
    };
    Ok((observed(&resp), resp.text))
}

fn token_op(
    pc: &PropCtx,
    sut: &Sut,
    who: usize,
    query: &str,
    vars: Value,
) -> Result<Response, TestCaseError> {
    let token = sut.tokens[who]
        .clone()
        .ok_or_else(|| TestCaseError::fail("no token yet"))?;
    let vars = if vars.is_null() { None } else { Some(vars) };
    quiet(pc, pc.t.gql_req(query, vars, Some(&token)))
}
