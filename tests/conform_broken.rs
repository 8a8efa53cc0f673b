//! Broken targets: a wiremock proxy in front of an in-process mock forwards every request and
//! breaks exactly one rule. The runner must pass the faithful proxy and, for each broken one,
//! fail the scenario (or property) that pins the rule.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{mpsc, Mutex};

use commerce_auth_mock::conform::event::{Status, Summary};
use commerce_auth_mock::conform::{run_with, ConformArgs};
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";

/// The rule a proxy breaks.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bug {
    None,
    /// The generic sign-in message is worded differently.
    WrongMessage,
    /// Sign-in failures answer 200 instead of 401.
    WrongStatus,
    /// An OTC can be used twice.
    ReusableOtc,
    /// An OTC never expires.
    OtcNeverExpires,
    /// The reset token is tried (and consumed) before the password.
    ResetTokenBeforePassword,
    /// Revoked tokens keep working.
    TokenSurvivesRevocation,
    /// Unknown addresses get their own message.
    EnumeratingMessage,
}

struct Fwd {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// Forwards requests on its own thread and runtime (wiremock answers from a runtime of its own).
struct Upstream {
    tx: Mutex<mpsc::Sender<(Fwd, mpsc::Sender<Answer>)>>,
}

impl Upstream {
    fn start() -> Upstream {
        let (tx, rx) = mpsc::channel::<(Fwd, mpsc::Sender<Answer>)>();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let client = reqwest::Client::new();
            while let Ok((f, reply)) = rx.recv() {
                let answer = rt.block_on(async {
                    let mut b =
                        client.request(reqwest::Method::from_bytes(f.method.as_bytes()).unwrap(), &f.url);
                    for (k, v) in &f.headers {
                        b = b.header(k, v);
                    }
                    let resp = b.body(f.body).send().await.unwrap();
                    let status = resp.status().as_u16();
                    let content_type = resp
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("application/json")
                        .to_string();
                    Answer {
                        status,
                        content_type,
                        body: resp.bytes().await.unwrap().to_vec(),
                    }
                });
                let _ = reply.send(answer);
            }
        });
        Upstream { tx: Mutex::new(tx) }
    }

    fn send(&self, f: Fwd) -> Answer {
        let (tx, rx) = mpsc::channel();
        self.tx.lock().unwrap().send((f, tx)).unwrap();
        rx.recv().unwrap()
    }
}

#[derive(Default)]
struct Memory {
    /// OTCs issued, and whether one was used successfully.
    otcs: HashMap<String, bool>,
    /// The last successful sign-in body per email (lower case).
    success: HashMap<String, Vec<u8>>,
    /// Reset tokens read from the outbox, and whether the broken server "consumed" them.
    resets: HashMap<String, (String, bool)>,
    /// Emails of accounts created (lower case).
    created: HashSet<String>,
}

struct Proxy {
    upstream_base: String,
    upstream: Upstream,
    bug: Bug,
    mem: Mutex<Memory>,
}

fn sign_in_args(body: &Value) -> Option<(String, String)> {
    let q = body["query"].as_str()?;
    if !q.contains("generateCustomerToken(") {
        return None;
    }
    let v = &body["variables"];
    Some((
        v["email"].as_str()?.to_lowercase(),
        v["password"].as_str()?.to_string(),
    ))
}

impl Respond for Proxy {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let mut url = format!("{}{}", self.upstream_base, req.url.path());
        if let Some(q) = req.url.query() {
            url.push('?');
            url.push_str(q);
        }
        let headers = req
            .headers
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "host" | "content-length"))
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let fwd = Fwd {
            method: req.method.to_string(),
            url,
            headers,
            body: req.body.clone(),
        };
        let mut a = self.upstream.send(fwd);
        self.tamper(req, &mut a);
        ResponseTemplate::new(a.status).set_body_raw(a.body, &a.content_type)
    }
}

impl Proxy {
    fn tamper(&self, req: &wiremock::Request, a: &mut Answer) {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let resp: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
        let message = resp
            .pointer("/errors/0/message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut mem = self.mem.lock().unwrap();
        // Remember what the broken servers need to know.
        if let Some(email) = body.pointer("/variables/input/email").and_then(Value::as_str) {
            mem.created.insert(email.to_lowercase());
        }
        if let Some(otp) = resp.get("otp").and_then(Value::as_str) {
            mem.otcs.insert(otp.to_string(), false);
        }
        if req.url.path() == "/__mock/outbox" {
            for e in resp["emails"].as_array().into_iter().flatten() {
                if e["kind"] == "reset_password" {
                    let (to, tok) = (
                        e["to"].as_str().unwrap_or("").to_lowercase(),
                        e["token"].as_str().unwrap_or(""),
                    );
                    if mem.resets.get(&to).is_none_or(|(t, _)| t != tok) {
                        mem.resets.insert(to, (tok.to_string(), false));
                    }
                }
            }
        }
        let sign_in = sign_in_args(&body);
        let succeeded = resp
            .pointer("/data/generateCustomerToken/token")
            .is_some_and(Value::is_string);
        let replace = |a: &mut Answer, status: u16, v: Value| {
            a.status = status;
            a.body = v.to_string().into_bytes();
        };
        match self.bug {
            Bug::None => {}
            Bug::WrongMessage if message == GENERIC => {
                a.body = String::from_utf8_lossy(&a.body)
                    .replace(GENERIC, "Invalid login.")
                    .into_bytes();
            }
            Bug::WrongStatus if message == GENERIC && a.status == 401 => a.status = 200,
            Bug::ReusableOtc | Bug::OtcNeverExpires => {
                if let Some((email, pw)) = &sign_in {
                    if let Some(used) = mem.otcs.get(pw).copied() {
                        if succeeded {
                            mem.otcs.insert(pw.clone(), true);
                        } else if let Some(ok) = mem.success.get(email).cloned() {
                            let reuse = self.bug == Bug::ReusableOtc && used;
                            let never_expires = self.bug == Bug::OtcNeverExpires && !used;
                            if reuse || never_expires {
                                mem.otcs.insert(pw.clone(), true);
                                a.status = 200;
                                a.body = ok;
                            }
                        }
                    }
                }
            }
            Bug::ResetTokenBeforePassword => {
                if let Some((email, pw)) = &sign_in {
                    if let Some((tok, consumed)) = mem.resets.get(email).cloned() {
                        if succeeded && *pw != tok {
                            mem.resets.insert(email.clone(), (tok, true));
                        } else if succeeded && *pw == tok && consumed {
                            let generic = json!({"errors": [{"message": GENERIC, "locations": [{"line": 1, "column": 56}], "path": ["generateCustomerToken"], "extensions": {"category": "graphql-authentication"}}], "data": {"generateCustomerToken": null}});
                            replace(a, 401, generic);
                        }
                    }
                }
            }
            Bug::TokenSurvivesRevocation if message == "User token has been revoked" => {
                replace(
                    a,
                    200,
                    json!({"data": {"customer": {"id": null, "email": "x@example.com"}}}),
                );
            }
            Bug::EnumeratingMessage if message == GENERIC => {
                if let Some((email, _)) = &sign_in {
                    if !mem.created.contains(email) {
                        a.body = String::from_utf8_lossy(&a.body)
                            .replace(GENERIC, "No account exists for this email address.")
                            .into_bytes();
                    }
                }
            }
            _ => {}
        }
        if let (Some((email, _)), true) = (&sign_in, succeeded) {
            mem.success.insert(email.clone(), a.body.clone());
        }
    }
}

async fn run_through_proxy(bug: Bug, filter: &str) -> Summary {
    run_through_proxy_with(bug, filter, 48).await
}

async fn run_through_proxy_with(bug: Bug, filter: &str, cases: u32) -> Summary {
    let mock = TestServer::start(Profile::Saas).await;
    let proxy = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Proxy {
            upstream_base: mock.base_url(),
            upstream: Upstream::start(),
            bug,
            mem: Mutex::new(Memory::default()),
        })
        .mount(&proxy)
        .await;
    let mut args = ConformArgs::for_target(format!("{}/graphql", proxy.uri()), Profile::Saas);
    args.admin_token = Some("mock-admin-token".into());
    args.admin_username = Some("admin".into());
    args.admin_password = Some("Admin-Pass-2024".into());
    args.snapshots = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    args.filter = Some(filter.into());
    args.seed = Some(7);
    args.cases = Some(cases);
    // Pending snapshots of broken targets must not land in the checkout.
    let scratch = std::env::temp_dir().join(format!("conform-broken-{}-{bug:?}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots"),
        &scratch,
    );
    args.snapshots = Some(scratch.clone());
    let summary = tokio::task::spawn_blocking(move || run_with(args, vec![]))
        .await
        .unwrap()
        .unwrap();
    let _ = std::fs::remove_dir_all(&scratch);
    summary
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else if p.extension().is_some_and(|x| x == "snap") {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn failed(s: &Summary) -> Vec<String> {
    s.records
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .map(|r| r.name.clone())
        .collect()
}

fn failure_step(s: &Summary, name: &str) -> String {
    s.records
        .iter()
        .find(|r| r.name == name)
        .and_then(|r| match &r.status {
            Status::Failed(f) => Some(format!("{} | {}", f.step.clone().unwrap_or_default(), f.message)),
            _ => None,
        })
        .unwrap_or_default()
}

async fn assert_fails(bug: Bug, scenario: &str, step_contains: &str) {
    let s = run_through_proxy(bug, scenario).await;
    assert_eq!(
        failed(&s),
        vec![scenario.to_string()],
        "{bug:?} must fail {scenario}"
    );
    let step = failure_step(&s, scenario);
    assert!(
        step.contains(step_contains),
        "{bug:?}: failure at {step:?}, expected a step containing {step_contains:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faithful_proxy_passes() {
    let s = run_through_proxy(
        Bug::None,
        "signin/", // every sign-in scenario, through the proxy
    )
    .await;
    assert!(failed(&s).is_empty(), "{:?}", failed(&s));
    for name in [
        "order/password_leaves_otc_usable",
        "expiry/otc_lifetime",
        "order/password_leaves_reset_token_usable",
        "revocation/revoke_kills_every_earlier_token",
    ] {
        let s = run_through_proxy(Bug::None, name).await;
        assert!(failed(&s).is_empty(), "{name}: {}", failure_step(&s, name));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_message_fails_the_wrong_password_scenario() {
    assert_fails(
        Bug::WrongMessage,
        "signin/wrong_password",
        "1. sign in with a wrong password",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_status_fails_the_wrong_password_scenario() {
    assert_fails(
        Bug::WrongStatus,
        "signin/wrong_password",
        "1. sign in with a wrong password",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reusable_otc_fails_the_one_time_scenario() {
    assert_fails(
        Bug::ReusableOtc,
        "order/password_leaves_otc_usable",
        "the OTC again: consumed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_otc_that_never_expires_fails_the_lifetime_scenario() {
    assert_fails(Bug::OtcNeverExpires, "expiry/otc_lifetime", "31 s after issue").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reset_token_tried_before_the_password_fails_the_order_scenario() {
    assert_fails(
        Bug::ResetTokenBeforePassword,
        "order/password_leaves_reset_token_usable",
        "sign in with the reset token",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_survives_revocation_fails_the_revocation_scenario() {
    assert_fails(
        Bug::TokenSurvivesRevocation,
        "revocation/revoke_kills_every_earlier_token",
        "the revoking token is dead",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enumerating_message_fails_the_scenario_and_the_property() {
    assert_fails(
        Bug::EnumeratingMessage,
        "signin/unknown_email_same_body",
        "an address that is no account",
    )
    .await;
    let s = run_through_proxy(Bug::EnumeratingMessage, "properties/no_account_enumeration").await;
    assert_eq!(failed(&s), vec!["properties/no_account_enumeration".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_machine_property_catches_a_reusable_otc() {
    let s = run_through_proxy_with(Bug::ReusableOtc, "properties/state_machine", 48).await;
    assert_eq!(failed(&s), vec!["properties/state_machine".to_string()]);
    let why = failure_step(&s, "properties/state_machine");
    assert!(why.contains("minimal failing sequence"), "{why}");
    assert!(why.contains("customer 0 signs in with the latest OTC"), "{why}");
    assert!(
        why.contains("--admin-token \"$CONFORM_ADMIN_TOKEN\""),
        "the replay line keeps the admin flags: {why}"
    );
}
