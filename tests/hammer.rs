//! 200 concurrent clients hammer sign-in, one-time-code redemption and revocation for a bounded
//! time (3 s; `ROBUST_HAMMER_SECS=<n>` for a longer run), then the state must be consistent:
//! each OTC redeemed at most once, lockout counts exact, revoked tokens refused. The virtual
//! clock is frozen, so every token is issued in the same second as every revocation: once a
//! customer's tokens are revoked, every token of that customer (even one issued later in that
//! second) is refused (spec 4.3), which makes the checks exact.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const CLIENTS: usize = 200;
/// Customers shared by the clients (4 clients each): OTCs race, sign-ins and revocations mix.
const SHARED: u64 = 50;
const FIRST_SHARED_ID: u64 = 100;
const PASSWORD: &str = "Hammer-Pass-2024";
/// Dedicated accounts that receive exactly K wrong passwords each, concurrently.
const LOCK_BELOW: (u64, &str, usize) = (90, "lockout-below@example.com", 7);
const LOCK_ABOVE: (u64, &str, usize) = (91, "lockout-above@example.com", 25);

const OTC_BY_PASSWORD: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";
const OTC_BY_EXCHANGE: &str =
    "mutation($email: String!, $otp: String!) { exchangeOtpForCustomerToken(email: $email, otp: $otp) { token } }";
const WHO_AM_I: &str = "{ customer { email } }";
const REVOKE: &str = "mutation { revokeCustomerToken { result } }";
const REVOKED: &str = "User token has been revoked";

fn shared_email(id: u64) -> String {
    format!("hammer{id}@example.com")
}

fn fixtures() -> Fixtures {
    let mut doc: Value =
        serde_json::from_str(include_str!("../fixtures/default.json")).expect("default fixtures");
    let customers = doc["customers"].as_array_mut().expect("customers");
    let mut add = |id: u64, email: &str| {
        customers.push(json!({
            "id": id, "email": email, "password": PASSWORD, "firstname": "Ham", "lastname": "Mer",
            "allow_remote_shopping_assistance": true, "created_at": "2025-02-01 12:00:00"
        }));
    };
    add(LOCK_BELOW.0, LOCK_BELOW.1);
    add(LOCK_ABOVE.0, LOCK_ABOVE.1);
    for id in FIRST_SHARED_ID..FIRST_SHARED_ID + SHARED {
        add(id, &shared_email(id));
    }
    Fixtures::from_json_str("hammer fixtures", &doc.to_string()).expect("hammer fixtures load")
}

/// The `n`-th case variant of `email` (bit i of n upper-cases the i-th letter): the throttle is
/// keyed by the exact string, the account is found ignoring case.
fn case_variant(email: &str, n: usize) -> String {
    let mut bit = 0;
    email
        .chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                let upper = n >> bit & 1 == 1;
                bit += 1;
                if upper {
                    return c.to_ascii_uppercase();
                }
            }
            c
        })
        .collect()
}

/// What the clients saw, recorded by themselves.
#[derive(Default)]
struct Records {
    requests: AtomicU64,
    /// Transport errors, 5xx, and answers of a shape the spec does not allow.
    errors: Mutex<Vec<String>>,
    otcs_issued: Mutex<HashSet<String>>,
    /// Successful redemptions per code.
    redeemed: Mutex<HashMap<String, u32>>,
    redeem_attempts: AtomicU64,
    sign_ins: AtomicU64,
    /// Customer id → tokens obtained for it (sign-ins and redemptions).
    tokens: Mutex<HashMap<u64, Vec<String>>>,
    /// Customers whose tokens have been revoked (recorded once the revocation was answered).
    revoked: Mutex<HashSet<u64>>,
    revocations: AtomicU64,
    /// A token answered as valid although its customer had been revoked before the request.
    revoked_but_accepted: AtomicU64,
}

impl Records {
    fn error(&self, what: String) {
        self.errors.lock().unwrap().push(what);
    }
}

struct Client {
    http: reqwest::Client,
    graphql: String,
    base: String,
    records: Arc<Records>,
}

impl Client {
    async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Option<(u16, Value)> {
        self.records.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self
            .http
            .post(&self.graphql)
            .header("Content-Type", "application/json")
            .body(json!({"query": query, "variables": variables}).to_string());
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        self.answer(req).await
    }

    async fn answer(&self, req: reqwest::RequestBuilder) -> Option<(u16, Value)> {
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                self.records.error(format!("transport: {e}"));
                return None;
            }
        };
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        match serde_json::from_str::<Value>(&body) {
            Ok(v) if status < 500 => Some((status, v)),
            _ => {
                self.records.error(format!("{status} {body}"));
                None
            }
        }
    }

    fn record_token(&self, customer: u64, token: &str) {
        let mut tokens = self.records.tokens.lock().unwrap();
        tokens.entry(customer).or_default().push(token.to_string());
    }

    async fn issue_otc(&self, customer: u64) -> Option<String> {
        self.records.requests.fetch_add(1, Ordering::Relaxed);
        let req = self
            .http
            .post(format!("{}/rest/V1/customer/{customer}/otp", self.base))
            .header("Authorization", "Bearer mock-admin-token")
            .header("Content-Type", "application/json")
            .body("{}");
        let (status, v) = self.answer(req).await?;
        match v["otp"].as_str() {
            Some(otp) if status == 200 => {
                self.records.otcs_issued.lock().unwrap().insert(otp.to_string());
                Some(otp.to_string())
            }
            _ => {
                self.records.error(format!("OTC issue: {status} {v}"));
                None
            }
        }
    }

    async fn redeem(&self, customer: u64, otc: &str, rng: &mut StdRng) {
        self.records.redeem_attempts.fetch_add(1, Ordering::Relaxed);
        let email = case_variant(&shared_email(customer), rng.gen());
        let (query, field, vars) = if rng.gen_bool(0.5) {
            (
                OTC_BY_EXCHANGE,
                "exchangeOtpForCustomerToken",
                json!({"email": email, "otp": otc}),
            )
        } else {
            (
                OTC_BY_PASSWORD,
                "generateCustomerToken",
                json!({"email": email, "password": otc}),
            )
        };
        let Some((status, v)) = self.graphql(query, vars, None).await else {
            return;
        };
        if let Some(token) = v["data"][field]["token"].as_str() {
            *self
                .records
                .redeemed
                .lock()
                .unwrap()
                .entry(otc.to_string())
                .or_default() += 1;
            self.record_token(customer, token);
        } else if status != 401 {
            self.records.error(format!("redeem: {status} {v}"));
        }
    }

    async fn sign_in(&self, customer: u64, rng: &mut StdRng) -> Option<String> {
        let email = case_variant(&shared_email(customer), rng.gen());
        let vars = json!({"email": email, "password": PASSWORD});
        let (status, v) = self.graphql(OTC_BY_PASSWORD, vars, None).await?;
        match v["data"]["generateCustomerToken"]["token"].as_str() {
            Some(token) => {
                self.records.sign_ins.fetch_add(1, Ordering::Relaxed);
                self.record_token(customer, token);
                Some(token.to_string())
            }
            None if status == 401 => None, // locked by racing OTC failures, or throttled
            None => {
                self.records.error(format!("sign-in: {status} {v}"));
                None
            }
        }
    }

    /// Uses `token`; a customer revoked before the request must be refused.
    async fn who_am_i(&self, customer: u64, token: &str) {
        let revoked_before = self.records.revoked.lock().unwrap().contains(&customer);
        let Some((status, v)) = self.graphql(WHO_AM_I, json!({}), Some(token)).await else {
            return;
        };
        match status {
            200 if revoked_before => {
                self.records.revoked_but_accepted.fetch_add(1, Ordering::Relaxed);
            }
            200 => {}
            401 if v["errors"][0]["message"] == REVOKED => {}
            _ => self.records.error(format!("customer: {status} {v}")),
        }
    }

    async fn revoke(&self, customer: u64, token: &str) {
        let Some((status, v)) = self.graphql(REVOKE, json!({}), Some(token)).await else {
            return;
        };
        if v["data"]["revokeCustomerToken"]["result"] == true {
            self.records.revoked.lock().unwrap().insert(customer);
            self.records.revocations.fetch_add(1, Ordering::Relaxed);
        } else if !(status == 401 && v["errors"][0]["message"] == REVOKED) {
            self.records.error(format!("revoke: {status} {v}"));
        }
    }
}

/// Client `index`: its share of the wrong passwords of the lockout accounts, then a random mix
/// of OTC issue + redemption (own code, or a replay of a redeemed one), sign-in + use, and
/// sign-in + revoke + use, on its group's customer, until `deadline`.
async fn client_loop(c: Client, index: usize, deadline: Instant) {
    for (_, email, k) in [LOCK_BELOW, LOCK_ABOVE] {
        if index < k {
            let vars = json!({"email": case_variant(email, index), "password": "wrong-password"});
            if let Some((status, v)) = c.graphql(OTC_BY_PASSWORD, vars, None).await {
                if status != 401 {
                    c.records.error(format!("lockout: {status} {v}"));
                }
            }
        }
    }
    let mut rng = StdRng::seed_from_u64(index as u64);
    let customer = FIRST_SHARED_ID + index as u64 % SHARED;
    while Instant::now() < deadline {
        match rng.gen_range(0..10) {
            0..=3 => {
                let replay = rng.gen_bool(0.2).then(|| {
                    let redeemed = c.records.redeemed.lock().unwrap();
                    redeemed.keys().next().cloned()
                });
                if let Some(Some(code)) = replay {
                    c.redeem(customer, &code, &mut rng).await;
                } else if let Some(code) = c.issue_otc(customer).await {
                    c.redeem(customer, &code, &mut rng).await;
                }
            }
            4..=6 => {
                if let Some(token) = c.sign_in(customer, &mut rng).await {
                    c.who_am_i(customer, &token).await;
                }
            }
            7 => {
                if let Some(token) = c.sign_in(customer, &mut rng).await {
                    c.revoke(customer, &token).await;
                    c.who_am_i(customer, &token).await;
                }
            }
            _ => {
                let _ = c.graphql("{ storeConfig { store_code } }", json!({}), None).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ins_redemptions_and_revocations_leave_the_state_consistent() {
    let secs: u64 = std::env::var("ROBUST_HAMMER_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let server = TestServer::start_with(Profile::Saas, fixtures()).await;
    let records = Arc::new(Records::default());
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let c = Client {
                http: http.clone(),
                graphql: server.graphql_url(),
                base: server.base_url(),
                records: records.clone(),
            };
            tokio::spawn(client_loop(c, i, deadline))
        })
        .collect();
    // No deadlock: every client finishes soon after the deadline (a hang guard, not a timing).
    let all = futures_join(clients);
    tokio::time::timeout(Duration::from_secs(secs + 60), all)
        .await
        .expect("the clients did not finish: the mock is stuck");
    let elapsed = started.elapsed();

    // Each OTC redeemed at most once, and only codes that were issued.
    let redeemed = records.redeemed.lock().unwrap().clone();
    let issued = records.otcs_issued.lock().unwrap().clone();
    let twice: Vec<_> = redeemed.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "OTCs redeemed more than once: {twice:?}");
    assert!(redeemed.keys().all(|k| issued.contains(k)));

    // Lockout counts exact: K wrong passwords → K failures, or locked at the 10th.
    let list = common::get(
        &format!("{}/__mock/customers", server.base_url()),
        &[("size", "500")],
        &[],
    )
    .await;
    let customers = list.json()["customers"].as_array().expect("customers").clone();
    let state = |id: u64| {
        customers
            .iter()
            .find(|c| c["id"] == id)
            .expect("customer")
            .clone()
    };
    let below = state(LOCK_BELOW.0);
    assert_eq!(below["failures"], LOCK_BELOW.2 as u64, "{below}");
    assert!(below["locked_until"].is_null(), "{below}");
    let above = state(LOCK_ABOVE.0);
    assert_eq!(above["failures"], 10, "{above}");
    assert!(above["locked_until"].is_number(), "{above}");

    // Revoked at second T: every token of a revoked customer is refused afterwards.
    let revoked = records.revoked.lock().unwrap().clone();
    let tokens = records.tokens.lock().unwrap().clone();
    let probe = Client {
        http: http.clone(),
        graphql: server.graphql_url(),
        base: server.base_url(),
        records: Arc::new(Records::default()),
    };
    let mut refused = 0;
    for customer in &revoked {
        // The newest few tokens of each revoked customer (all share the frozen second).
        for token in tokens.get(customer).into_iter().flatten().rev().take(5) {
            let (status, v) = probe
                .graphql(WHO_AM_I, json!({}), Some(token))
                .await
                .expect("answer");
            assert_eq!((status, v["errors"][0]["message"].clone()), (401, json!(REVOKED)));
            refused += 1;
        }
    }
    assert_eq!(records.revoked_but_accepted.load(Ordering::Relaxed), 0);

    let errors = records.errors.lock().unwrap().clone();
    let redeemed_count: u32 = redeemed.values().sum();
    println!(
        "hammer: {CLIENTS} clients for {elapsed:.1?}: {} requests, {} OTCs issued, {} redemption \
         attempts, {redeemed_count} redeemed, {} password sign-ins, {} revocations, {refused} \
         revoked tokens re-checked, {} errors",
        records.requests.load(Ordering::Relaxed),
        issued.len(),
        records.redeem_attempts.load(Ordering::Relaxed),
        records.sign_ins.load(Ordering::Relaxed),
        records.revocations.load(Ordering::Relaxed),
        errors.len(),
    );
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    assert!(
        redeemed_count > 0 && !revoked.is_empty(),
        "the hammer did too little"
    );
}

/// Awaits every task (a panic in a client fails the test).
async fn futures_join(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for t in tasks {
        t.await.expect("a client panicked");
    }
}
