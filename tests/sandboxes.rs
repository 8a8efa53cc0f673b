//! Sandboxes: every route under `/<tenant>/…` is a store of its own, over real HTTP. Every kind
//! of state is isolated (customers, tokens and revocations, throttles and lockouts, one-time
//! codes, reset tokens, outbox, journal, faults, settings, clock); a token of one store is
//! refused by every other; 64 sandboxes hammered at once show no cross-talk; the bound and
//! the eviction of idle sandboxes.

mod common;

use std::sync::Arc;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::stores::SandboxLimits;
use commerce_auth_mock::http::{ServeConfig, TestServer};
use commerce_auth_mock::profile::Profile;
use common::{gql, request, Reply};
use serde_json::{json, Value};

const JSON: (&str, &str) = ("Content-Type", "application/json");
const ADMIN: (&str, &str) = ("Authorization", "Bearer mock-admin-token");
const SIGN_IN: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";
const WHO_AM_I: &str = "{ customer { email firstname } }";
const REVOKE: &str = "mutation { revokeCustomerToken { result } }";
const CREATE: &str =
    "mutation($i: CustomerCreateInput!) { createCustomerV2(input: $i) { customer { email } } }";
const REQUEST_RESET: &str = "mutation($e: String!) { requestPasswordResetEmail(email: $e) }";
const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";
const RONI: &str = "roni_cost@example.com";
const RONI_PW: &str = "Roni-Cost-2024";
const ASSISTED: &str = "assisted@example.com";
const ASSISTED_PW: &str = "Assisted-2024";

fn url(s: &TestServer, tenant: Option<&str>, path: &str) -> String {
    match tenant {
        Some(t) => format!("{}/{t}{path}", s.base_url()),
        None => format!("{}{path}", s.base_url()),
    }
}

async fn graphql(
    s: &TestServer,
    tenant: Option<&str>,
    query: &str,
    vars: Value,
    token: Option<&str>,
) -> Reply {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    gql(&url(s, tenant, "/graphql"), query, vars, &headers).await
}

async fn sign_in(s: &TestServer, tenant: Option<&str>, email: &str, password: &str) -> Reply {
    graphql(
        s,
        tenant,
        SIGN_IN,
        json!({"email": email, "password": password}),
        None,
    )
    .await
}

fn token_of(r: &Reply) -> String {
    r.json()["data"]["generateCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", r.body))
        .to_string()
}

async fn control(s: &TestServer, tenant: Option<&str>, method: &str, path: &str, body: Value) -> Reply {
    let body = if body.is_null() {
        "{}".to_string()
    } else {
        body.to_string()
    };
    request(method, &url(s, tenant, &format!("/__mock{path}")), &body, &[JSON]).await
}

fn message(r: &Reply) -> Value {
    r.json()["errors"][0]["message"].clone()
}

#[tokio::test]
async fn a_sandbox_is_a_store_of_its_own_for_every_kind_of_state() {
    let s = TestServer::start(Profile::Saas).await;
    let (a, b) = (Some("worker-a"), Some("worker-b"));

    // Customers: the same address signs up in two sandboxes; neither sees the other, nor the
    // default store.
    let input = |first: &str| json!({"i": {"email": "same@example.com", "firstname": first, "lastname": "Shopper", "password": "Same-Pass-2024"}});
    assert_eq!(graphql(&s, a, CREATE, input("Ann"), None).await.status, 200);
    assert_eq!(graphql(&s, b, CREATE, input("Bob"), None).await.status, 200);
    let ta = token_of(&sign_in(&s, a, "same@example.com", "Same-Pass-2024").await);
    let tb = token_of(&sign_in(&s, b, "same@example.com", "Same-Pass-2024").await);
    let me = graphql(&s, a, WHO_AM_I, json!({}), Some(&ta)).await;
    assert_eq!(me.json()["data"]["customer"]["firstname"], json!("Ann"));
    let me = graphql(&s, b, WHO_AM_I, json!({}), Some(&tb)).await;
    assert_eq!(me.json()["data"]["customer"]["firstname"], json!("Bob"));
    assert_eq!(
        sign_in(&s, None, "same@example.com", "Same-Pass-2024")
            .await
            .status,
        401
    );

    // Tokens: one store's token is refused by every other, as a foreign store's token is.
    for (tenant, token) in [(b, &ta), (None, &ta), (a, &tb)] {
        let r = graphql(&s, tenant, WHO_AM_I, json!({}), Some(token)).await;
        assert_eq!(
            (r.status, r.body),
            (
                401,
                r#"{"errors":[{"message":"Composite reader could not read a token","extensions":{"category":"graphql-authentication"}}]}"#.to_string()
            ),
            "{tenant:?}"
        );
    }
    // Revocation: in a only.
    let ra = token_of(&sign_in(&s, a, RONI, RONI_PW).await);
    let rb = token_of(&sign_in(&s, b, RONI, RONI_PW).await);
    assert_eq!(graphql(&s, a, REVOKE, json!({}), Some(&ra)).await.status, 200);
    assert_eq!(
        message(&graphql(&s, a, WHO_AM_I, json!({}), Some(&ra)).await),
        json!("User token has been revoked")
    );
    assert_eq!(graphql(&s, b, WHO_AM_I, json!({}), Some(&rb)).await.status, 200);

    // Throttle and lockout: 10 failures (case variants, so no one string is throttled first)
    // lock Roni in a only.
    for n in 0..10 {
        let variant: String = RONI
            .chars()
            .enumerate()
            .map(|(i, c)| if i == n { c.to_ascii_uppercase() } else { c })
            .collect();
        assert_eq!(sign_in(&s, a, &variant, "wrong").await.status, 401);
    }
    assert_eq!(message(&sign_in(&s, a, RONI, RONI_PW).await), json!(GENERIC));
    assert_eq!(sign_in(&s, b, RONI, RONI_PW).await.status, 200);
    assert_eq!(
        sign_in(&s, None, "Roni_Cost@example.com", RONI_PW).await.status,
        200
    );

    // One-time codes: issued in a, unknown in b.
    let otc = request(
        "POST",
        &url(&s, a, "/rest/V1/customer/2/otp"),
        "{}",
        &[JSON, ADMIN],
    )
    .await;
    assert_eq!(otc.status, 200, "{}", otc.body);
    let code = otc.json()["otp"].as_str().unwrap().to_string();
    assert_eq!(message(&sign_in(&s, b, ASSISTED, &code).await), json!(GENERIC));
    assert_eq!(sign_in(&s, a, ASSISTED, &code).await.status, 200);

    // Reset tokens and the outbox, with links under the sandbox's own prefix.
    assert_eq!(
        graphql(&s, a, REQUEST_RESET, json!({"e": ASSISTED}), None)
            .await
            .status,
        200
    );
    let outbox_a = control(&s, a, "GET", "/outbox", Value::Null).await.json();
    assert_eq!(outbox_a["emails"].as_array().unwrap().len(), 1);
    let link = outbox_a["emails"][0]["link"].as_str().unwrap().to_string();
    let reset = outbox_a["emails"][0]["token"].as_str().unwrap().to_string();
    assert_eq!(
        link,
        format!(
            "{}/worker-a/customer/account/createPassword/?token={reset}",
            s.base_url()
        )
    );
    assert_eq!(
        control(&s, b, "GET", "/outbox", Value::Null).await.json()["emails"],
        json!([])
    );
    assert_eq!(
        control(&s, None, "GET", "/outbox", Value::Null).await.json()["emails"],
        json!([])
    );
    assert_eq!(message(&sign_in(&s, b, ASSISTED, &reset).await), json!(GENERIC));

    // Settings: confirmation required in b only.
    let r = control(
        &s,
        b,
        "PATCH",
        "/settings",
        json!({"confirmation_required": true}),
    )
    .await;
    assert_eq!(r.status, 200);
    let unconfirmed = ("unconfirmed@example.com", "Unconfirmed-2024");
    assert_eq!(
        message(&sign_in(&s, b, unconfirmed.0, unconfirmed.1).await),
        json!("This account isn't confirmed. Verify and try again.")
    );
    assert_eq!(sign_in(&s, a, unconfirmed.0, unconfirmed.1).await.status, 200);

    // Faults: every storeConfig in a fails; b and the default store answer.
    let fault = json!({"match": {"operation": "storeConfig"}, "kind": "http_error", "status": 503});
    assert_eq!(control(&s, a, "POST", "/faults", fault).await.status, 201);
    let q = "{ storeConfig { store_code } }";
    assert_eq!(graphql(&s, a, q, json!({}), None).await.status, 503);
    assert_eq!(graphql(&s, b, q, json!({}), None).await.status, 200);
    assert_eq!(graphql(&s, None, q, json!({}), None).await.status, 200);

    // Clock: moving a's clock past the customer-token lifetime expires a's tokens only.
    let fresh_a = token_of(&sign_in(&s, a, "same@example.com", "Same-Pass-2024").await);
    let r = control(
        &s,
        a,
        "POST",
        "/clock",
        json!({"action": "advance", "seconds": 3600}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        message(&graphql(&s, a, WHO_AM_I, json!({}), Some(&fresh_a)).await),
        json!("Consumer key has expired")
    );
    assert_eq!(graphql(&s, b, WHO_AM_I, json!({}), Some(&tb)).await.status, 200);
    let clock_b = control(&s, b, "GET", "/clock", Value::Null).await.json();
    let clock_a = control(&s, a, "GET", "/clock", Value::Null).await.json();
    assert_eq!(
        clock_a["now"].as_i64().unwrap() - clock_b["now"].as_i64().unwrap(),
        3600
    );

    // Journal: each store lists its own requests, under the path as sent.
    let journal_b = control(&s, b, "GET", "/journal", Value::Null).await.json();
    let paths: Vec<&str> = journal_b["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths.is_empty() && paths.iter().all(|p| p.starts_with("/worker-b/")),
        "{paths:?}"
    );

    // Reset: a back to the fixtures; b keeps its state.
    assert_eq!(control(&s, a, "POST", "/reset", Value::Null).await.status, 200);
    assert_eq!(
        sign_in(&s, a, "same@example.com", "Same-Pass-2024").await.status,
        401
    );
    assert_eq!(
        sign_in(&s, b, "same@example.com", "Same-Pass-2024").await.status,
        200
    );

    // The list, with size and last use; health names the sandbox.
    let list = control(&s, None, "GET", "/sandboxes", Value::Null).await.json();
    let names: Vec<&str> = list["sandboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["worker-a", "worker-b"]);
    assert_eq!(list["sandboxes"][1]["customers"], json!(7));
    assert!(
        list["sandboxes"][1]["last_used_at"].as_i64().unwrap()
            >= list["sandboxes"][1]["created_at"].as_i64().unwrap()
    );
    assert_eq!(
        control(&s, b, "GET", "/health", Value::Null).await.json()["sandbox"],
        json!("worker-b")
    );
    assert_eq!(control(&s, b, "GET", "/sandboxes", Value::Null).await.status, 404);

    // DELETE ends one: its state is gone, a new request starts a fresh one.
    let r = control(&s, None, "DELETE", "/sandboxes/worker-b", Value::Null).await;
    assert_eq!((r.status, r.json()), (200, json!({"deleted": "worker-b"})));
    assert_eq!(
        sign_in(&s, b, "same@example.com", "Same-Pass-2024").await.status,
        401
    );
    assert_eq!(
        control(&s, None, "DELETE", "/sandboxes/nope", Value::Null)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn tenant_names_follow_the_documented_rule_and_others_are_the_usual_404() {
    let s = TestServer::start(Profile::Saas).await;
    for tenant in ["a", "Worker_7", "ci-job-12345", &"x".repeat(63)] {
        let r = graphql(
            &s,
            Some(tenant),
            "{ storeConfig { store_code } }",
            json!({}),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{tenant}: {}", r.body);
    }
    for tenant in ["-lead", "has.dot", "sp%20ace", &"x".repeat(64)] {
        let r = graphql(
            &s,
            Some(tenant),
            "{ storeConfig { store_code } }",
            json!({}),
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.body),
            (
                404,
                r#"{"message":"Request does not match any route."}"#.to_string()
            ),
            "{tenant}"
        );
    }
    let list = control(&s, None, "GET", "/sandboxes", Value::Null).await.json();
    assert_eq!(list["sandboxes"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn creating_past_the_bound_is_a_clear_error_when_no_sandbox_is_idle() {
    let config = ServeConfig {
        sandboxes: SandboxLimits {
            max: 2,
            idle_secs: 3600,
        },
        ..ServeConfig::default()
    };
    let s = TestServer::start_config(config, Fixtures::embedded_default()).await;
    let q = "{ storeConfig { store_code } }";
    assert_eq!(graphql(&s, Some("one"), q, json!({}), None).await.status, 200);
    assert_eq!(graphql(&s, Some("two"), q, json!({}), None).await.status, 200);
    let r = graphql(&s, Some("three"), q, json!({}), None).await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.body,
        json!({"errors": [{"message": "All 2 sandboxes are in use (each served a request within the last 60 s), so none can be evicted for `three`. End one with DELETE /__mock/sandboxes/<name>, or raise serve --max-sandboxes.", "extensions": {"category": "graphql-input"}}]}).to_string()
    );
    let r = control(&s, Some("three"), "GET", "/health", Value::Null).await;
    assert_eq!(r.status, 503);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("All 2 sandboxes are in use"));
    // Ending one makes room.
    control(&s, None, "DELETE", "/sandboxes/one", Value::Null).await;
    assert_eq!(graphql(&s, Some("three"), q, json!({}), None).await.status, 200);
}

#[tokio::test]
async fn an_idle_sandbox_gives_way_and_the_purge_ends_those_idle_too_long() {
    let config = ServeConfig {
        sandboxes: SandboxLimits {
            max: 2,
            idle_secs: 600,
        },
        ..ServeConfig::default()
    };
    let s = TestServer::start_config(config, Fixtures::embedded_default()).await;
    let old = s.sandbox("old");
    s.sandbox("recent");
    // The eviction and the idle lifetime go by real time, not the stores' virtual clocks:
    // age "old" by backdating its last use instead of waiting. The lifetime is far longer than
    // the test, so the server's own purge task (which runs whenever the test awaits, and reads
    // whole seconds) cannot end "recent" on a slow machine; only the backdating decides.
    old.backdate_last_use(120);
    let q = "{ storeConfig { store_code } }";
    assert_eq!(graphql(&s, Some("new"), q, json!({}), None).await.status, 200);
    let names: Vec<String> = s.app.stores.list().into_iter().map(|i| i.name).collect();
    assert_eq!(
        names,
        ["new", "recent"],
        "the least recently used idle sandbox gave way"
    );
    for name in ["new", "recent"] {
        s.app.stores.existing(name).unwrap().backdate_last_use(601);
    }
    s.app.stores.purge();
    assert!(
        s.app.stores.list().is_empty(),
        "unused longer than the idle lifetime"
    );
}

/// One client for the hammer (the common helpers build a client per request, which costs more
/// than the request itself).
struct Hammer {
    client: reqwest::Client,
    base: String,
}

impl Hammer {
    async fn send(&self, method: &str, path: &str, body: Value, bearer: Option<&str>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        if let Some(t) = bearer {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn sign_in(&self, tenant: &str, email: &str, password: &str) -> (u16, Value) {
        let body = json!({"query": SIGN_IN, "variables": {"email": email, "password": password}});
        self.send("POST", &format!("/{tenant}/graphql"), body, None).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_sandboxes_hammered_at_once_never_see_each_other() {
    let s = TestServer::start(Profile::Saas).await;
    let hammer = Arc::new(Hammer {
        client: reqwest::Client::builder().no_proxy().build().unwrap(),
        base: s.base_url(),
    });
    let mut tasks = Vec::new();
    for n in 0..64 {
        let h = hammer.clone();
        tasks.push(tokio::spawn(async move {
            let tenant = format!("w{n}");
            let mut counts = (0usize, 0usize, 0usize, 0usize);
            // Each sandbox moves its own clock by a different amount.
            let move_by = 100 + n as i64;
            let advance = |seconds: i64| json!({"action": "advance", "seconds": seconds});
            let clock_path = format!("/{tenant}/__mock/clock");
            assert_eq!(h.send("POST", &clock_path, advance(move_by), None).await.0, 200);
            for round in 0..5 {
                // A second later each round: a token issued in the second of the last
                // revocation would be revoked too (spec 4.3).
                assert_eq!(h.send("POST", &clock_path, advance(1), None).await.0, 200);
                let (status, body) = h.sign_in(&tenant, ASSISTED, ASSISTED_PW).await;
                assert_eq!(status, 200, "{tenant}: {body}");
                let token = body["data"]["generateCustomerToken"]["token"]
                    .as_str()
                    .unwrap()
                    .to_string();
                counts.0 += 1;
                let (status, otc) = h
                    .send(
                        "POST",
                        &format!("/{tenant}/rest/V1/customer/2/otp"),
                        json!({}),
                        Some("mock-admin-token"),
                    )
                    .await;
                assert_eq!(status, 200, "{tenant}: {otc}");
                let code = otc["otp"].as_str().unwrap().to_string();
                let first = h.sign_in(&tenant, ASSISTED, &code).await.0;
                let second = h.sign_in(&tenant, ASSISTED, &code).await.0;
                assert_eq!((first, second), (200, 401), "{tenant} round {round}");
                counts.1 += 1;
                // A wrong password counts in this sandbox only.
                h.sign_in(&tenant, RONI, "wrong").await;
                counts.2 += 1;
                let revoke = json!({"query": REVOKE});
                let (status, _) = h
                    .send("POST", &format!("/{tenant}/graphql"), revoke, Some(&token))
                    .await;
                assert_eq!(status, 200, "{tenant} round {round}");
                counts.3 += 1;
            }
            let (_, clock) = h.send("GET", &clock_path, Value::Null, None).await;
            (tenant, counts, clock["now"].as_i64().unwrap(), move_by)
        }));
    }
    let mut total = (0, 0, 0, 0);
    let start = commerce_auth_mock::http::TEST_CLOCK_START;
    for task in tasks {
        let (tenant, counts, now, moved) = task.await.unwrap();
        total.0 += counts.0;
        total.1 += counts.1;
        total.2 += counts.2;
        total.3 += counts.3;
        assert_eq!(
            now,
            start + moved + 5,
            "{tenant}: only its own clock moves moved it"
        );
        let store = s.app.stores.existing(&tenant).unwrap();
        let roni = store.domain.customer(1).unwrap();
        assert_eq!(
            roni.failures_num, 5,
            "{tenant}: exactly its own 5 wrong passwords"
        );
        assert_eq!(store.journal.len(), 5 * 6, "{tenant}: its own requests only");
    }
    assert_eq!(total, (320, 320, 320, 320));
    // The default store saw none of it.
    assert_eq!(s.domain.customer(1).unwrap().failures_num, 0);
    assert_eq!(s.app.stores.default.journal.len(), 0);
    eprintln!(
        "sandboxes hammer: 64 sandboxes, {} sign-ins, {} one-time codes issued and redeemed once, {} wrong passwords, {} revocations",
        total.0, total.1, total.2, total.3
    );
}
