//! Hostile input (oversized names, bodies and searches; raw-TCP protocol abuse), replayed against
//! real servers on 127.0.0.1: what the mock refuses, what it keeps and how much of it. Sizes are
//! asserted (they are facts); times never are (`bench/hostile.py` measures them on a release build).

mod common;

use std::time::Duration;

use commerce_auth_mock::domain::Fixtures;
use commerce_auth_mock::http::journal::{JOURNAL_CAPACITY, MAX_PATH_CHARS};
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{field_error, gql, request};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN: (&str, &str) = ("Authorization", "Bearer mock-admin-token");
const CREATE: &str =
    "mutation($input: CustomerCreateInput!) { createCustomerV2(input: $input) { customer { firstname } } }";
/// Upper bound for a raw exchange: a hang guard, not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(10);
const GENERATED: usize = 100_000;

// ----- the 1 MB name loop ----------------------------------------------------------------------

#[tokio::test]
async fn a_megabyte_first_name_is_refused_every_time_and_nothing_is_kept() {
    let server = TestServer::start(Profile::Saas).await;
    let before = server.domain.footprint();
    let name = "a".repeat(1_000_000);
    let expected = field_error(
        CREATE,
        "createCustomerV2",
        "First Name is not valid!",
        "graphql-input",
    );
    // 150 guests, five at a time, on one client and one body (the same email each time: none is
    // ever stored, so none is ever taken).
    let client = common::client();
    let url = server.graphql_url();
    let body = axum::body::Bytes::from(
        json!({"query": CREATE, "variables": {"input": {
            "email": "huge@example.com", "firstname": name, "lastname": "Loop", "password": "Huge-Name-2024",
        }}})
        .to_string(),
    );
    for _ in 0..150 / 5 {
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..5 {
            let send = client
                .post(&url)
                .header("Content-Type", "application/json")
                .body(body.clone());
            calls.spawn(async move {
                let r = send.send().await.expect("an answer");
                (r.status().as_u16(), r.text().await.expect("a body"))
            });
        }
        while let Some(r) = calls.join_next().await {
            let (status, body) = r.expect("a call");
            assert_eq!((status, body.as_str()), (200, expected.as_str()));
        }
    }
    assert_eq!(server.domain.footprint(), before, "nothing was stored");
    assert!(server.domain.customer_by_email("huge@example.com").is_none());
    assert!(server.domain.outbox().is_empty());
    let journal = server.app.stores.default.journal.latest(None);
    assert_eq!(journal.len(), 150);
    assert!(journal.iter().all(|e| e.path == "/graphql"));
}

#[tokio::test]
async fn what_magentos_validator_lets_through_is_cut_to_its_column() {
    let server = TestServer::start(Profile::Saas).await;
    // No character the name validator knows: Magento accepts it, and its column keeps 255.
    let vars = json!({"input": {
        "email": "at-signs@example.com", "firstname": "@".repeat(1_000_000), "lastname": "Cut",
        "prefix": "p".repeat(1000), "taxvat": "1".repeat(1000),
    }});
    let r = gql(&server.graphql_url(), CREATE, vars, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["data"]["createCustomerV2"]["customer"]["firstname"],
        json!("@".repeat(255))
    );
    let c = server.domain.customer_by_email("at-signs@example.com").unwrap();
    assert_eq!(
        (
            c.firstname.len(),
            c.prefix.unwrap().len(),
            c.taxvat.unwrap().len()
        ),
        (255, 40, 50)
    );
}

#[tokio::test]
async fn every_write_path_checks_names_and_the_control_api_says_when_the_store_is_full() {
    let config = commerce_auth_mock::http::ServeConfig::default();
    let mut fixtures = Fixtures::embedded_default();
    fixtures.settings.max_created_customers = 1;
    let server = TestServer::start_config(config, fixtures).await;
    let json_ct = ("Content-Type", "application/json");
    let long = "n".repeat(300);
    // Admin REST update.
    let url = format!("{}/rest/V1/customers/1", server.base_url());
    let body = json!({"customer": {"lastname": long}}).to_string();
    let r = request("PUT", &url, &body, &[json_ct, ADMIN]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"message":"Last Name is not valid!"}"#)
    );
    // Control API, add and change.
    let url = format!("{}/__mock/customers", server.base_url());
    let body = json!({"email": "c@example.com", "firstname": long, "lastname": "L"}).to_string();
    let r = request("POST", &url, &body, &[json_ct]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"message":"First Name is not valid!"}"#)
    );
    let body = json!({"middlename": "<b>"}).to_string();
    let r = request("PATCH", &format!("{url}/2"), &body, &[json_ct]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"message":"Middle Name is not valid!"}"#)
    );
    assert_eq!(server.domain.customer(1).unwrap().lastname, "Costello");
    // One customer may be created; the next is refused on both paths, saying what to do.
    let body = json!({"email": "one@example.com", "firstname": "One", "lastname": "L"}).to_string();
    assert_eq!(request("POST", &url, &body, &[json_ct]).await.status, 201);
    let full = "This mock store already holds 1 customers created at run time (since the last reset), \
        the most its max_created_customers setting allows. Delete some (DELETE /V1/customers/{id} or \
        DELETE /__mock/customers/{id}), reset the store (POST /__mock/reset) or raise the setting \
        (PATCH /__mock/settings with {\"max_created_customers\": <n>}).";
    let body = json!({"email": "two@example.com", "firstname": "Two", "lastname": "L"}).to_string();
    let r = request("POST", &url, &body, &[json_ct]).await;
    assert_eq!((r.status, r.json()), (409, json!({ "message": full })));
    let vars = json!({"input": {"email": "two@example.com", "firstname": "Two", "lastname": "L"}});
    let r = gql(&server.graphql_url(), CREATE, vars, &[]).await;
    assert_eq!(
        (r.status, r.body),
        (
            200,
            field_error(CREATE, "createCustomerV2", full, "graphql-input")
        )
    );
}

#[tokio::test]
async fn the_journal_keeps_a_bounded_entry_for_a_huge_path() {
    let server = TestServer::start(Profile::Saas).await;
    let huge = format!("{}/{}", server.base_url(), "p".repeat(60_000));
    for _ in 0..5 {
        assert_eq!(request("GET", &huge, "", &[]).await.status, 404);
    }
    let journal = server.app.stores.default.journal.latest(None);
    assert_eq!(journal.len(), 5);
    for e in journal {
        // Cut to the limit and marked with `…` (the journal holds at most JOURNAL_CAPACITY).
        assert_eq!(e.path.chars().count(), MAX_PATH_CHARS + 1);
        assert!(e.path.ends_with("pp…"));
    }
    assert_eq!(JOURNAL_CAPACITY, 1000);
}

// ----- 100 000 customers ------------------------------------------------------------------------

/// The default fixtures and 100 000 generated customers, as `bench/tools.py gen-fixtures` writes
/// them: `customer-NNNNNN@bench.example.com`, Customer / Number N.
fn generated_fixtures() -> Fixtures {
    let mut text = String::from(r#"{"customers":["#);
    for n in 1..=GENERATED {
        if n > 1 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"email":"customer-{n:06}@bench.example.com","password":"Bench-Passw0rd!","firstname":"Customer","lastname":"Number {n}"}}"#
        ));
    }
    text.push_str("]}");
    Fixtures::from_json_str("generated.json", &text).expect("generated fixtures")
}

#[tokio::test]
async fn with_100_000_customers_a_page_of_the_listing_stays_small_and_searches_answer() {
    let server = TestServer::start_with(Profile::Saas, generated_fixtures()).await;
    // The generated file's customers replace the default ones (a file's section replaces).
    let total = GENERATED;
    let listing = |query: &str| {
        let url = format!("{}/__mock/customers{query}", server.base_url());
        async move { request("GET", &url, "", &[]).await }
    };
    let r = listing("").await;
    assert_eq!(r.status, 200);
    assert!(r.body.len() < 200_000, "{} bytes", r.body.len());
    let v = r.json();
    assert_eq!(
        (v["total"].clone(), v["page"].clone(), v["size"].clone()),
        (json!(total), json!(1), json!(50))
    );
    assert_eq!(v["customers"].as_array().unwrap().len(), 50);
    // The largest page, and one deep in the list.
    let r = listing("?size=500&page=200").await;
    assert!(r.body.len() < 200_000, "{} bytes", r.body.len());
    let v = r.json();
    let ids: Vec<u64> = v["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 500);
    assert_eq!((ids[0], ids[499]), (99_501, 100_000));
    // A search counts every match and returns one page.
    let v = listing("?q=CUSTOMER-099&size=10&page=3").await.json();
    assert_eq!(v["total"], json!(1000));
    assert_eq!(
        v["customers"][0]["email"],
        json!("customer-099020@bench.example.com")
    );

    // REST search with a 20 000-character LIKE pattern: answered, and right.
    let search = |value: String| {
        let url = format!("{}/rest/V1/customers/search", server.base_url());
        async move {
            let r = common::get(
                &url,
                &[
                    ("searchCriteria[filterGroups][0][filters][0][field]", "email"),
                    (
                        "searchCriteria[filterGroups][0][filters][0][value]",
                        value.as_str(),
                    ),
                    (
                        "searchCriteria[filterGroups][0][filters][0][conditionType]",
                        "like",
                    ),
                    ("searchCriteria[pageSize]", "5"),
                ],
                &[ADMIN],
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()
        }
    };
    let none = search(format!("%{}%", "a".repeat(19_998))).await;
    assert_eq!(
        (none["total_count"].clone(), none["items"].clone()),
        (json!(0), json!([]))
    );
    let one = search(format!("{}customer-054321@bench.example.com", "%".repeat(19_967))).await;
    assert_eq!(one["total_count"], json!(1));
    assert_eq!(
        one["items"][0]["email"],
        json!("customer-054321@bench.example.com")
    );
    let many = search(format!("{}%@bench.example.com", "_".repeat(15))).await;
    assert_eq!(many["total_count"], json!(GENERATED));
}

// ----- protocol-level refusals ------------------------------------------------------------------

/// Writes `raw` on a fresh connection and reads until the server closes it.
async fn raw_exchange(server: &TestServer, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream.write_all(raw).await.expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the server neither answered nor closed the connection"
    );
    String::from_utf8_lossy(&answer).into_owned()
}

/// Status, headers (lower-cased names) and body of the last answer in `raw`.
fn last_answer(raw: &str) -> (u16, Vec<(String, String)>, String) {
    let at = raw
        .rfind("HTTP/1.1 ")
        .unwrap_or_else(|| panic!("no answer in {raw:?}"));
    let (head, body) = raw[at..].split_once("\r\n\r\n").expect("a head");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(": ").unwrap();
            (k.to_ascii_lowercase(), v.to_string())
        })
        .collect();
    (status, headers, body.to_string())
}

const BAD_REQUEST: &str = "The request is not valid HTTP/1.1: a malformed request line or header, two different Content-Length values, or a Transfer-Encoding other than chunked. Send one request line, well-formed headers and at most one Content-Length.";
const URI_TOO_LONG: &str =
    "The request URI is too long: the limit is 65534 bytes. Send long values in a POST body.";
const HEAD_TOO_LARGE: &str = "The request head is too large: the limit is 100 header fields and 417792 bytes of request line and headers.";

fn rest_shape(message: &str) -> String {
    json!({ "message": message }).to_string()
}

fn graphql_shape(message: &str) -> String {
    json!({"errors": [{"message": message, "extensions": {"category": "graphql-input"}}]}).to_string()
}

#[tokio::test]
async fn protocol_refusals_are_json_in_the_shape_of_the_route() {
    let server = TestServer::start(Profile::Saas).await;
    let many_headers = |n: usize| -> String { (0..n).map(|i| format!("X-H{i}: 1\r\n")).collect() };
    let cases: Vec<(String, Vec<u8>, u16, String)> = vec![
        (
            "a URI over 65534 bytes".into(),
            format!(
                "GET /rest/V1/customers/search?q={} HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "a".repeat(70_000)
            )
            .into_bytes(),
            414,
            rest_shape(URI_TOO_LONG),
        ),
        (
            "a GraphQL GET with a URI over 65534 bytes".into(),
            format!(
                "GET /graphql?query={} HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "a".repeat(70_000)
            )
            .into_bytes(),
            414,
            graphql_shape(URI_TOO_LONG),
        ),
        (
            "a 500 KB header".into(),
            format!(
                "GET /graphql HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
                "a".repeat(500_000)
            )
            .into_bytes(),
            431,
            graphql_shape(HEAD_TOO_LARGE),
        ),
        (
            "101 header fields".into(),
            format!(
                "GET /rest/V1/customers/1 HTTP/1.1\r\nHost: localhost\r\n{}\r\n",
                many_headers(100)
            )
            .into_bytes(),
            431,
            rest_shape(HEAD_TOO_LARGE),
        ),
        (
            "two different Content-Lengths".into(),
            b"POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
                .to_vec(),
            400,
            graphql_shape(BAD_REQUEST),
        ),
        (
            "a Transfer-Encoding other than chunked".into(),
            b"POST /tenant-1/graphql HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
            400,
            graphql_shape(BAD_REQUEST),
        ),
        (
            "a header line without a colon".into(),
            b"GET /__mock/health HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n".to_vec(),
            400,
            rest_shape(BAD_REQUEST),
        ),
        (
            "garbage".into(),
            b"GARBAGE\r\n\r\n".to_vec(),
            400,
            rest_shape(BAD_REQUEST),
        ),
    ];
    for (what, raw, status, body) in cases {
        let answer = raw_exchange(&server, &raw).await;
        let (got, headers, got_body) = last_answer(&answer);
        assert_eq!((got, got_body.as_str()), (status, body.as_str()), "{what}");
        let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(header("content-type"), Some("application/json"), "{what}");
        assert_eq!(
            header("content-length"),
            Some(body.len().to_string().as_str()),
            "{what}"
        );
        assert_eq!(header("connection"), Some("close"), "{what}");
        assert_eq!(header("date").map(str::len), Some(29), "{what}");
    }
    // 100 header fields are within the limit (the refusal above is at 101, Host included).
    let answer = raw_exchange(
        &server,
        format!(
            "GET /__mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{}\r\n",
            many_headers(98)
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(last_answer(&answer).0, 200);
}

#[tokio::test]
async fn a_refusal_after_an_answered_request_follows_that_answer_on_the_connection() {
    let server = TestServer::start(Profile::Saas).await;
    let answer = raw_exchange(
        &server,
        b"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: localhost\r\n\r\nGET /graphql HTTP/1.1\r\nBad Header\r\n\r\n",
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 200 OK\r\n")
            && answer.contains("\r\n\r\n{\"data\":{\"__typename\":\"Query\"}}HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    // The wrapper cannot tell which route a later request was for: the REST shape.
    assert_eq!(last_answer(&answer).2, rest_shape(BAD_REQUEST));
}
