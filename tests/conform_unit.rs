//! Unit tests of the conformance runner's machinery: normalisation, snapshot files, JUnit
//! validity, the mailbox client, exit codes. No mock needed.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use commerce_auth_mock::conform::event::{Kind, Record, Skip, SkipCause, Status, Summary};
use commerce_auth_mock::conform::mailbox::EmailKind;
use commerce_auth_mock::conform::normalize::{check_customer_token, check_otc, Normalizer, TokenError};
use commerce_auth_mock::conform::properties::case_variant;
use commerce_auth_mock::conform::report::junit;
use commerce_auth_mock::conform::runner::first_differing_section;
use commerce_auth_mock::conform::scenarios::{Area, Failure};
use commerce_auth_mock::conform::snapshot::{contents_match, SnapFile, SnapOutcome, SnapshotStore};
use commerce_auth_mock::conform::target::Target;
use commerce_auth_mock::conform::{exit_code, run_with, ConformArgs};
use commerce_auth_mock::profile::Profile;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn jwt(header: &str, payload: &str) -> String {
    let h = URL_SAFE_NO_PAD.encode(header);
    let p = URL_SAFE_NO_PAD.encode(payload);
    let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
    mac.update(format!("{h}.{p}").as_bytes());
    format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

const HEADER: &str = r#"{"kid":"1","alg":"HS256"}"#;

#[test]
fn a_well_formed_customer_token_becomes_a_placeholder() {
    let t = jwt(HEADER, r#"{"uid":7,"utypid":3,"iat":1000,"exp":4600}"#);
    let n = Normalizer::new(3600);
    assert_eq!(
        n.value(&json!({"token": t})),
        json!({"token": "[customer-token]"})
    );
    let admin = jwt(
        HEADER,
        r#"{"uid":7,"utypid":3,"iat":1000,"exp":4600,"admin_id":1}"#,
    );
    assert_eq!(n.string(None, &admin), "[customer-token admin-assisted]");
}

#[test]
fn a_token_with_the_wrong_header_or_claims_is_marked_malformed() {
    let n = Normalizer::new(3600);
    let wrong_header = jwt(
        r#"{"alg":"HS256","kid":"1"}"#,
        r#"{"uid":7,"utypid":3,"iat":1000,"exp":4600}"#,
    );
    assert!(n
        .string(None, &wrong_header)
        .starts_with("[malformed-token: header"));
    let wrong_order = jwt(HEADER, r#"{"utypid":3,"uid":7,"iat":1000,"exp":4600}"#);
    assert!(n.string(None, &wrong_order).contains("claims are"));
    let wrong_lifetime = jwt(HEADER, r#"{"uid":7,"utypid":3,"iat":1000,"exp":2000}"#);
    assert_eq!(
        check_customer_token(&wrong_lifetime, 3600).unwrap_err(),
        TokenError::Lifetime {
            found: 1000,
            expected: 3600
        }
    );
    let wrong_type = jwt(HEADER, r#"{"uid":7,"utypid":4,"iat":1000,"exp":4600}"#);
    assert_eq!(
        check_customer_token(&wrong_type, 3600).unwrap_err(),
        TokenError::Utypid(4)
    );
}

#[test]
fn an_otc_must_be_32_lowercase_hex_digits() {
    let n = Normalizer::new(3600);
    assert_eq!(
        n.value(&json!({"otp": "0123456789abcdef0123456789abcdef"})),
        json!({"otp": "[otc]"})
    );
    // A malformed code is left as it is, so it differs from the stored `[otc]`.
    assert_eq!(n.value(&json!({"otp": "XYZ"})), json!({"otp": "XYZ"}));
    assert!(check_otc("0123456789abcdef0123456789abcde").is_err());
}

#[test]
fn generated_emails_ids_and_timestamps_become_placeholders() {
    let mut n = Normalizer::new(3600);
    n.add("conformance+ab-1@example.com", "[email-1]");
    n.add_id(42, "[id]");
    let v = json!({
        "message": "\"conformance+ab-1@example.com\" is not a valid email address.",
        "created_at": "2026-01-01 00:00:00",
        "id": 42,
        "parameters": {"fieldValue": "42"},
        "path": "/V1/customer/42/otp",
        "other": "4242",
    });
    assert_eq!(
        n.value(&v),
        json!({
            "message": "\"[email-1]\" is not a valid email address.",
            "created_at": "[timestamp]",
            "id": "[id]",
            "parameters": {"fieldValue": "[id]"},
            "path": "/V1/customer/[id]/otp",
            "other": "4242",
        })
    );
}

#[test]
fn snapshot_files_round_trip_in_insta_format() {
    let f = SnapFile {
        source: "src/conform/scenarios/signin.rs".into(),
        expression: "signin/wrong_password [saas]".into(),
        description: Some("a \"quoted\" description: with colon".into()),
        content: "# 1. step\n> POST [graphql]\n< 401\n{\n  \"a\": 1\n}\n".into(),
    };
    let text = f.render();
    assert!(text.starts_with("---\nsource: src/conform/scenarios/signin.rs\n"));
    assert!(text.contains("\n---\n# 1. step"));
    assert_eq!(SnapFile::parse(&text).unwrap().expression, f.expression);
    assert_eq!(SnapFile::parse(&text).unwrap().description, f.description);
    assert!(contents_match(
        &SnapFile::parse(&text).unwrap().content,
        &f.content
    ));
    assert!(contents_match("a  \nb\n\n", "a\nb"));
    assert!(!contents_match("a\nb", "a\nc"));
}

#[test]
fn a_missing_snapshot_is_written_as_pending_and_accept_writes_it() {
    let dir = std::env::temp_dir().join(format!("conform-snap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let f = SnapFile {
        source: "x.rs".into(),
        expression: "e".into(),
        description: None,
        content: "hello\n".into(),
    };
    let store = SnapshotStore {
        dir: Some(dir.clone()),
        accept: false,
    };
    match store.check("saas/area__name", &f) {
        SnapOutcome::Mismatch {
            expected: None,
            pending: Some(p),
        } => {
            assert!(p.ends_with("saas/area__name.snap.new"));
            assert!(p.exists());
        }
        other => panic!("expected a pending snapshot, got {other:?}"),
    }
    let accepting = SnapshotStore {
        dir: Some(dir.clone()),
        accept: true,
    };
    assert!(matches!(
        accepting.check("saas/area__name", &f),
        SnapOutcome::Accepted(_)
    ));
    assert!(!dir.join("saas/area__name.snap.new").exists());
    assert_eq!(store.check("saas/area__name", &f), SnapOutcome::Matched);
    let changed = SnapFile {
        content: "bye\n".into(),
        ..f
    };
    assert!(matches!(
        store.check("saas/area__name", &changed),
        SnapOutcome::Mismatch {
            expected: Some(_),
            ..
        }
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_first_differing_step_is_named() {
    let e = "# 1. a\n< 200\n\n# 2. b\n< 401\n";
    let a = "# 1. a\n< 200\n\n# 2. b\n< 200\n";
    assert_eq!(first_differing_section(e, a).as_deref(), Some("# 2. b"));
    assert_eq!(first_differing_section(e, e), None);
}

#[test]
fn case_variants_are_distinct_and_keep_the_domain() {
    let e = "conformance+ab-1@example.com";
    assert_eq!(case_variant(e, 0), e);
    assert_eq!(case_variant(e, 1), "Conformance+ab-1@example.com");
    assert_eq!(case_variant(e, 2), "cOnformance+ab-1@example.com");
    assert!(case_variant(e, 3).eq_ignore_ascii_case(e));
}

fn record(name: &str, area: Area, status: Status) -> Record {
    Record {
        kind: Kind::Scenario,
        name: name.into(),
        area,
        description: "d <&> \"q\"".into(),
        needs: vec![],
        status,
        duration: Duration::from_millis(12),
        snapshot: None,
        transcript: None,
    }
}

#[test]
fn the_junit_report_is_valid_xml_with_one_suite_per_area() {
    let summary = Summary {
        records: vec![
            record("signin/a", Area::SignIn, Status::Passed),
            record(
                "signin/b",
                Area::SignIn,
                Status::Failed(Box::new(Failure {
                    step: Some("2. wrong <password>".into()),
                    message: "response differs & more".into(),
                    expected: "a\n".into(),
                    actual: "b\n".into(),
                    transcripts: true,
                    curl: Some("curl -X POST 'http://x/graphql'".into()),
                    pending_snapshot: None,
                })),
            ),
            record(
                "expiry/c",
                Area::Expiry,
                Status::Skipped(Skip::new(SkipCause::Clock, "needs a clock")),
            ),
        ],
        duration: Duration::from_secs(1),
        ..Default::default()
    };
    let xml = junit::report(&summary, "saas").to_string().unwrap();
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!(parsed.test_suites.len(), 2);
    let signin = parsed
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == "sign-in")
        .unwrap();
    assert_eq!(signin.test_cases.len(), 2);
    assert_eq!(signin.failures, 1);
    let expiry = parsed
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == "expiry")
        .unwrap();
    assert!(matches!(
        expiry.test_cases[0].status,
        quick_junit::TestCaseStatus::Skipped { .. }
    ));
    assert!(xml.contains("response differs &amp; more"));
}

async fn fake_graphql_target() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"__typename": "Query"}})))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_tokens_are_read_from_a_mailpit_mailbox() {
    let target = fake_graphql_target().await;
    let mailpit = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/search"))
        .and(query_param("query", "to:\"someone@example.com\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total": 1, "unread": 1, "count": 1, "messages_count": 1, "start": 0, "tags": [],
            "messages": [{"ID": "abc123", "To": [{"Name": "", "Address": "someone@example.com"}], "Subject": "Reset your password"}]
        })))
        .mount(&mailpit)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/message/abc123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ID": "abc123", "Subject": "Reset your password",
            "Text": "Set a new password: https://shop.example/customer/account/createPassword/?token=AbCdEfGhIjKlMnOpQrStUvWxYz012345\n",
            "HTML": ""
        })))
        .mount(&mailpit)
        .await;
    let mut args = ConformArgs::for_target(format!("{}/graphql", target.uri()), Profile::Saas);
    args.mailbox = Some(mailpit.uri());
    let email = tokio::task::spawn_blocking(move || {
        let t = Target::connect(&args).expect("connects");
        assert!(
            t.mock.is_none(),
            "a server without /__mock/health is not the mock"
        );
        assert!(t.has_mail());
        t.latest_email("someone@example.com", EmailKind::PasswordReset)
            .unwrap()
    })
    .await
    .unwrap()
    .expect("an email");
    assert_eq!(email.token.as_deref(), Some("AbCdEfGhIjKlMnOpQrStUvWxYz012345"));
}

#[test]
fn an_unreachable_target_exits_2() {
    let args = ConformArgs::for_target("http://127.0.0.1:9/graphql", Profile::Saas);
    let r = run_with(args, vec![]);
    assert!(
        r.as_ref()
            .err()
            .is_some_and(|e| e.to_string().contains("unreachable")),
        "{:?}",
        r.as_ref().err()
    );
    assert_eq!(exit_code(&r), 2);
    let bad = ConformArgs::for_target("not a url", Profile::Saas);
    assert_eq!(exit_code(&run_with(bad, vec![])), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_not_graphql_exits_2() {
    let server = MockServer::start().await;
    let args = ConformArgs::for_target(format!("{}/graphql", server.uri()), Profile::Saas);
    let r = tokio::task::spawn_blocking(move || run_with(args, vec![]))
        .await
        .unwrap();
    assert_eq!(exit_code(&r), 2);
    assert!(r
        .err()
        .unwrap()
        .to_string()
        .contains("does not look like a GraphQL endpoint"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_without_admin_mail_or_clock_are_skipped_with_reasons() {
    let target = fake_graphql_target().await;
    let mut args = ConformArgs::for_target(format!("{}/graphql", target.uri()), Profile::Saas);
    args.filter = Some("expiry/".into());
    args.no_properties = true;
    let r = tokio::task::spawn_blocking(move || run_with(args, vec![]))
        .await
        .unwrap()
        .unwrap();
    assert!(r
        .records
        .iter()
        .all(|rec| matches!(rec.status, Status::Skipped(_))));
    let reasons: Vec<String> = r
        .records
        .iter()
        .filter_map(|rec| match &rec.status {
            Status::Skipped(w) => Some(w.reason.clone()),
            _ => None,
        })
        .collect();
    assert!(reasons.iter().any(|w| w.contains("--slow")), "{reasons:?}");
    assert!(reasons.iter().any(|w| w.contains("--admin-token")), "{reasons:?}");
    assert_eq!(exit_code(&Ok(r)), 0);
}

#[test]
fn the_json_report_has_one_record_per_item_with_reasons_and_failures() {
    use commerce_auth_mock::conform::report::json::summary_json;
    let summary = Summary {
        records: vec![
            record("signin/a", Area::SignIn, Status::Passed),
            record(
                "expiry/c",
                Area::Expiry,
                Status::Skipped(Skip::new(SkipCause::Clock, "needs a clock")),
            ),
            record(
                "signin/b",
                Area::SignIn,
                Status::Failed(Box::new(Failure {
                    message: "differs".into(),
                    ..Default::default()
                })),
            ),
        ],
        ..Default::default()
    };
    let v = summary_json(&summary, None);
    assert_eq!(v["records"].as_array().unwrap().len(), 3);
    assert_eq!(v["records"][1]["status"], "skipped");
    assert_eq!(v["records"][1]["reason"], "needs a clock");
    assert_eq!(v["records"][2]["failure"]["message"], "differs");
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64(), v["skipped"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
}

#[test]
fn the_human_report_shows_the_step_a_diff_and_a_curl_command() {
    use commerce_auth_mock::conform::report::human::failure_text;
    let r = record(
        "signin/b",
        Area::SignIn,
        Status::Failed(Box::new(Failure {
            step: Some("2. sign in with a wrong password".into()),
            message: "response differs from snapshot".into(),
            expected: "< 401\n\"message\": \"a\"\n".into(),
            actual: "< 200\n\"message\": \"a\"\n".into(),
            transcripts: true,
            curl: Some("curl -i -X POST 'http://x/graphql'".into()),
            pending_snapshot: Some("snapshots/saas/signin__b.snap.new".into()),
        })),
    );
    let text = failure_text(&r);
    assert!(text.contains("step: 2. sign in with a wrong password"));
    assert!(text.contains("-< 401") && text.contains("+< 200"), "{text}");
    assert!(text.contains("reproduce: curl -i -X POST"));
    assert!(text.contains("cargo insta review"));
}

/// Every stored snapshot's header names the file that defines its scenario, as `insta` does.
#[test]
fn snapshot_headers_name_the_file_that_defines_the_scenario() {
    use commerce_auth_mock::conform::scenarios::catalogue;
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut checked = 0;
    for sc in catalogue() {
        assert!(
            sc.source.starts_with("src/conform/scenarios/") && sc.source.ends_with(".rs"),
            "{}: {}",
            sc.name,
            sc.source
        );
        for profile in Profile::ALL {
            let path = dir.join(format!("{}.snap", sc.snapshot_name(profile)));
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let stored = SnapFile::parse(&text).expect("a snapshot file");
            assert_eq!(stored.source, sc.source, "{}", path.display());
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} snapshots checked");
}

#[test]
fn a_failed_check_shows_expected_and_actual_as_values_not_debug_text() {
    use commerce_auth_mock::conform::report::human::failure_text;
    let r = record(
        "signin/b",
        Area::SignIn,
        Status::Failed(Box::new(Failure {
            step: Some("3. sign in again".into()),
            message: "two sign-ins in the same second give identical tokens".into(),
            expected: commerce_auth_mock::conform::scenarios::shown(&Some("abc")),
            actual: commerce_auth_mock::conform::scenarios::shown(&None::<&str>),
            transcripts: false,
            curl: None,
            pending_snapshot: None,
        })),
    );
    let text = failure_text(&r);
    assert!(
        text.contains("    expected:\n      \"abc\"\n    actual:\n      null\n"),
        "{text}"
    );
    assert!(!text.contains("Some(") && !text.contains("None"), "{text}");
}

#[test]
fn replay_lines_carry_every_option_that_shapes_the_run_and_no_secret() {
    use commerce_auth_mock::conform::runner::replay_command;
    let mut a = ConformArgs::for_target("https://staging.example/graphql", Profile::Paas248);
    a.rest_url = Some("https://staging.example/rest/default".into());
    a.admin_token = Some("ims-secret".into());
    a.admin_username = Some("ci".into());
    a.admin_password = Some("pw-secret".into());
    a.limited_admin_token = Some("limited-secret".into());
    a.admin_token_without_assistance = Some("support-secret".into());
    a.control_token = Some("control-secret".into());
    a.mailbox = Some("http://mailpit:8025".into());
    a.email_domain = "ci.example".into();
    a.slow = true;
    a.rate = Some(5.0);
    let line = replay_command(&a, 42, 4, Some("properties/state_machine"));
    assert_eq!(
        line,
        "commerce-auth-mock conform --target 'https://staging.example/graphql' \
         --rest-url 'https://staging.example/rest/default' --profile paas-2.4.8 --seed 42 --cases 4 \
         --filter 'properties/state_machine' --admin-token \"$CONFORM_ADMIN_TOKEN\" --admin-username 'ci' \
         --admin-password \"$CONFORM_ADMIN_PASSWORD\" --limited-admin-token \"$CONFORM_LIMITED_ADMIN_TOKEN\" \
         --admin-token-without-assistance \"$CONFORM_ADMIN_TOKEN_WITHOUT_ASSISTANCE\" \
         --control-token \"$CONFORM_CONTROL_TOKEN\" --mailbox 'http://mailpit:8025' --email-domain 'ci.example' \
         --rate 5 --slow --max-wait-secs 40"
    );
    assert!(!line.contains("secret"), "{line}");
}
