//! Customer sign-in over real HTTP: every step of spec 5.1's evaluation order, throttle and
//! lockout (4.4), tokens and revocation (4.3), and the profiles' differences. Bodies are
//! compared byte for byte; time moves on the virtual clock, never by sleeping.

mod common;

use commerce_auth_mock::domain::token::{self, Claims};
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{field_error, gql, Reply};
use serde_json::{json, Value};

const T0: i64 = 1_767_225_600;
const SECRET: &str = "commerce-auth-mock-not-a-secret";
const RONI: &str = "roni_cost@example.com";
const RONI_PW: &str = "Roni-Cost-2024";
const ASSISTED: &str = "assisted@example.com";
const ASSISTED_PW: &str = "Assisted-2024";
const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";
const NOT_CONFIRMED: &str = "This account isn't confirmed. Verify and try again.";

const SIGN_IN: &str =
    "mutation($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }";
const EXCHANGE: &str =
    "mutation($email: String!, $otp: String!) { exchangeOtpForCustomerToken(email: $email, otp: $otp) { token } }";
const CUSTOMER: &str = "{ customer { email firstname allow_remote_shopping_assistance } }";
const REVOKE: &str = "mutation { revokeCustomerToken { result } }";
const CHANGE: &str = "mutation($c: String!, $n: String!) { changeCustomerPassword(currentPassword: $c, newPassword: $n) { email } }";

/// The token the mock must issue for these claims (an independent computation of 4.3).
fn expected_token(uid: u64, iat: i64, admin_id: Option<u64>) -> String {
    token::sign(
        &Claims {
            uid,
            utypid: 3,
            iat,
            exp: iat + 3600,
            admin_id,
        },
        SECRET,
    )
}

/// The body of a bearer-token refusal (before execution).
fn bearer_error(message: &str) -> String {
    json!({"errors": [{"message": message, "extensions": {"category": "graphql-authentication"}}]})
        .to_string()
}

fn token_body(token: &str) -> String {
    json!({"data": {"generateCustomerToken": {"token": token}}}).to_string()
}

async fn sign_in(s: &TestServer, email: &str, password: &str) -> Reply {
    gql(
        &s.graphql_url(),
        SIGN_IN,
        json!({"email": email, "password": password}),
        &[],
    )
    .await
}

async fn as_bearer(s: &TestServer, query: &str, variables: Value, token: &str) -> Reply {
    let auth = format!("Bearer {token}");
    gql(
        &s.graphql_url(),
        query,
        variables,
        &[("Authorization", auth.as_str())],
    )
    .await
}

fn token_of(r: &Reply) -> String {
    r.json()["data"]["generateCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", r.body))
        .into()
}

async fn assert_generic_failure(s: &TestServer, email: &str, password: &str) {
    let r = sign_in(s, email, password).await;
    assert_eq!(
        r.body,
        field_error(
            SIGN_IN,
            "generateCustomerToken",
            GENERIC,
            "graphql-authentication"
        )
    );
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn correct_password_returns_the_exact_jwt() {
    let s = TestServer::start(Profile::Saas).await;
    let r = sign_in(&s, RONI, RONI_PW).await;
    assert_eq!(
        (r.status, r.body),
        (200, token_body(&expected_token(1, T0, None)))
    );
}

#[tokio::test]
async fn two_sign_ins_in_one_second_give_identical_tokens() {
    let s = TestServer::start(Profile::Saas).await;
    let a = token_of(&sign_in(&s, RONI, RONI_PW).await);
    let b = token_of(&sign_in(&s, "RONI_COST@EXAMPLE.COM", RONI_PW).await);
    assert_eq!(a, b);
}

#[tokio::test]
async fn empty_email_and_password_are_input_errors() {
    let s = TestServer::start(Profile::Saas).await;
    let r = sign_in(&s, "0", "x").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        field_error(
            SIGN_IN,
            "generateCustomerToken",
            "Specify the \"email\" value.",
            "graphql-input"
        )
    );
    let r = sign_in(&s, RONI, "").await;
    assert_eq!(
        r.body,
        field_error(
            SIGN_IN,
            "generateCustomerToken",
            "Specify the \"password\" value.",
            "graphql-input"
        )
    );
}

#[tokio::test]
async fn wrong_password_unknown_email_and_locked_account_share_the_generic_message() {
    let s = TestServer::start(Profile::Saas).await;
    assert_generic_failure(&s, RONI, "wrong").await;
    assert_generic_failure(&s, "nobody@example.com", RONI_PW).await;
    assert_generic_failure(&s, "locked@example.com", "Locked-2024").await;
}

#[tokio::test]
async fn paas_247_answers_200_for_a_failed_sign_in() {
    let s = TestServer::start(Profile::Paas247).await;
    let r = sign_in(&s, RONI, "wrong").await;
    assert_eq!(
        r.body,
        field_error(
            SIGN_IN,
            "generateCustomerToken",
            GENERIC,
            "graphql-authentication"
        )
    );
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn unconfirmed_account_message_per_profile() {
    for (profile, message, status) in [
        (Profile::Saas, NOT_CONFIRMED, 401),
        (Profile::Paas248, NOT_CONFIRMED, 401),
        (Profile::Paas247, GENERIC, 200),
    ] {
        let s = common::requiring_confirmation(profile).await;
        let r = sign_in(&s, "unconfirmed@example.com", "Unconfirmed-2024").await;
        assert_eq!(
            r.body,
            field_error(
                SIGN_IN,
                "generateCustomerToken",
                message,
                "graphql-authentication"
            ),
            "{profile}"
        );
        assert_eq!(r.status, status, "{profile}");
    }
}

#[tokio::test]
async fn reset_token_is_a_one_time_password_on_saas() {
    let s = TestServer::start(Profile::Saas).await;
    let reset = s.domain.request_password_reset(RONI).unwrap();
    let r = sign_in(&s, RONI, &reset).await;
    assert_eq!(r.body, token_body(&expected_token(1, T0, None)));
    assert_generic_failure(&s, RONI, &reset).await;
}

#[tokio::test]
async fn reset_token_and_otc_are_not_passwords_on_paas() {
    for profile in [Profile::Paas248, Profile::Paas247] {
        let s = TestServer::start(profile).await;
        let reset = s.domain.request_password_reset(ASSISTED).unwrap();
        let otc = s.domain.issue_otc(2, 1).unwrap();
        for secret in [reset, otc] {
            let r = sign_in(&s, ASSISTED, &secret).await;
            assert_eq!(
                r.body,
                field_error(
                    SIGN_IN,
                    "generateCustomerToken",
                    GENERIC,
                    "graphql-authentication"
                )
            );
        }
    }
}

#[tokio::test]
async fn otc_signs_in_once_with_the_admin_id_in_the_token() {
    let s = TestServer::start(Profile::Saas).await;
    let otc = s.domain.issue_otc(2, 1).unwrap();
    let r = sign_in(&s, ASSISTED, &otc).await;
    assert_eq!(r.body, token_body(&expected_token(2, T0, Some(1))));
    assert_generic_failure(&s, ASSISTED, &otc).await;
}

#[tokio::test]
async fn a_correct_password_leaves_an_outstanding_reset_token_and_otc_usable() {
    let s = TestServer::start(Profile::Saas).await;
    let reset = s.domain.request_password_reset(ASSISTED).unwrap();
    let otc = s.domain.issue_otc(2, 1).unwrap();
    assert_eq!(sign_in(&s, ASSISTED, ASSISTED_PW).await.status, 200);
    assert_eq!(
        sign_in(&s, ASSISTED, &reset).await.body,
        token_body(&expected_token(2, T0, None))
    );
    assert_eq!(
        sign_in(&s, ASSISTED, &otc).await.body,
        token_body(&expected_token(2, T0, Some(1)))
    );
}

#[tokio::test]
async fn otc_is_accepted_one_second_before_its_lifetime() {
    let s = TestServer::start(Profile::Saas).await;
    let otc = s.domain.issue_otc(2, 1).unwrap();
    s.domain.clock().advance(29);
    assert_eq!(
        sign_in(&s, ASSISTED, &otc).await.body,
        token_body(&expected_token(2, T0 + 29, Some(1)))
    );
}

#[tokio::test]
async fn otc_is_refused_at_and_after_its_lifetime() {
    for age in [30, 31] {
        let s = TestServer::start(Profile::Saas).await;
        let otc = s.domain.issue_otc(2, 1).unwrap();
        s.domain.clock().advance(age);
        assert_generic_failure(&s, ASSISTED, &otc).await;
    }
}

#[tokio::test]
async fn otc_of_one_customer_is_refused_for_another() {
    let s = TestServer::start(Profile::Saas).await;
    let otc = s.domain.issue_otc(2, 1).unwrap();
    assert_generic_failure(&s, "nopassword@example.com", &otc).await;
    assert_eq!(sign_in(&s, ASSISTED, &otc).await.status, 200);
}

#[tokio::test]
async fn exchange_otp_accepts_the_otc_but_not_the_password() {
    let s = TestServer::start(Profile::Saas).await;
    let otc = s.domain.issue_otc(5, 2).unwrap();
    let url = s.graphql_url();
    let r = gql(
        &url,
        EXCHANGE,
        json!({"email": "nopassword@example.com", "otp": otc}),
        &[],
    )
    .await;
    let expected = expected_token(5, T0, Some(2));
    assert_eq!(
        r.body,
        json!({"data": {"exchangeOtpForCustomerToken": {"token": expected}}}).to_string()
    );
    let r = gql(
        &url,
        EXCHANGE,
        json!({"email": ASSISTED, "otp": ASSISTED_PW}),
        &[],
    )
    .await;
    assert_eq!(
        r.body,
        field_error(
            EXCHANGE,
            "exchangeOtpForCustomerToken",
            GENERIC,
            "graphql-authentication"
        )
    );
    let r = gql(&url, EXCHANGE, json!({"email": ASSISTED, "otp": ""}), &[]).await;
    assert_eq!(
        r.body,
        field_error(
            EXCHANGE,
            "exchangeOtpForCustomerToken",
            "Specify the \"otp\" value.",
            "graphql-input"
        )
    );
}

#[tokio::test]
async fn exchange_otp_and_customer_group_are_unknown_on_paas() {
    for profile in [Profile::Paas248, Profile::Paas247] {
        let s = TestServer::start(profile).await;
        let r = gql(
            &s.graphql_url(),
            EXCHANGE,
            json!({"email": ASSISTED, "otp": "x"}),
            &[],
        )
        .await;
        assert_eq!(r.status, 200);
        assert!(
            r.body.starts_with(r#"{"errors":[{"message":"Cannot query field \"exchangeOtpForCustomerToken\" on type \"Mutation\".""#),
            "{}",
            r.body
        );
        let t = s
            .domain
            .sign_in(
                RONI,
                RONI_PW,
                commerce_auth_mock::domain::AcceptedSecrets {
                    password: true,
                    reset_token: false,
                    otc: false,
                },
            )
            .unwrap();
        let r = as_bearer(&s, "{ customer { group { uid } } }", json!({}), &t).await;
        assert!(
            r.body
                .contains(r#"Cannot query field \"group\" on type \"Customer\"."#),
            "{}",
            r.body
        );
    }
    let s = TestServer::start(Profile::Saas).await;
    let t = token_of(&sign_in(&s, RONI, RONI_PW).await);
    let r = as_bearer(&s, "{ customer { group { uid } } }", json!({}), &t).await;
    assert_eq!(r.body, r#"{"data":{"customer":{"group":{"uid":"MQ=="}}}}"#);
}

#[tokio::test]
async fn throttle_trips_after_six_failures_even_with_the_right_password() {
    let s = TestServer::start(Profile::Saas).await;
    for _ in 0..6 {
        assert_generic_failure(&s, RONI, "wrong").await;
    }
    assert_generic_failure(&s, RONI, RONI_PW).await;
    // Another string for the same account has its own counter.
    assert_eq!(sign_in(&s, "Roni_Cost@example.com", RONI_PW).await.status, 200);
}

#[tokio::test]
async fn throttle_window_slides_with_each_failure() {
    let s = TestServer::start(Profile::Saas).await;
    for _ in 0..5 {
        assert_generic_failure(&s, RONI, "wrong").await;
    }
    s.domain.clock().advance(1000);
    assert_generic_failure(&s, RONI, "wrong").await;
    s.domain.clock().advance(1799);
    assert_generic_failure(&s, RONI, RONI_PW).await;
    s.domain.clock().advance(1);
    assert_eq!(sign_in(&s, RONI, RONI_PW).await.status, 200);
}

#[tokio::test]
async fn lockout_after_ten_failures_across_case_variants_ends_after_ten_minutes() {
    let s = TestServer::start(Profile::Saas).await;
    for variant in [RONI, "RONI_COST@EXAMPLE.COM"] {
        for _ in 0..5 {
            assert_generic_failure(&s, variant, "wrong").await;
        }
    }
    assert_generic_failure(&s, "Roni_Cost@Example.com", RONI_PW).await;
    s.domain.clock().advance(599);
    assert_generic_failure(&s, "roni_COST@example.com", RONI_PW).await;
    s.domain.clock().advance(1);
    assert_eq!(
        sign_in(&s, "roni_cost@EXAMPLE.com", RONI_PW).await.body,
        token_body(&expected_token(1, T0 + 600, None))
    );
}

#[tokio::test]
async fn lockout_through_change_customer_password_failures() {
    let s = TestServer::start(Profile::Saas).await;
    let t = token_of(&sign_in(&s, RONI, RONI_PW).await);
    let vars = json!({"c": "wrong", "n": "N3w-Password"});
    for _ in 0..9 {
        let r = as_bearer(&s, CHANGE, vars.clone(), &t).await;
        assert_eq!(
            r.body,
            field_error(
                CHANGE,
                "changeCustomerPassword",
                "Invalid login or password.",
                "graphql-authentication"
            )
        );
        assert_eq!(r.status, 401);
    }
    let r = as_bearer(&s, CHANGE, vars, &t).await;
    assert_eq!(
        r.body,
        field_error(
            CHANGE,
            "changeCustomerPassword",
            "The account is locked.",
            "graphql-authentication"
        )
    );
    let r = as_bearer(&s, CUSTOMER, json!({}), &t).await;
    assert_eq!(
        r.body,
        field_error(
            CUSTOMER,
            "customer",
            "The account is locked.",
            "graphql-authentication"
        )
    );
    assert_generic_failure(&s, RONI, RONI_PW).await;
}

#[tokio::test]
async fn revocation_covers_every_token_up_to_the_revoking_second() {
    let s = TestServer::start(Profile::Saas).await;
    let early = token_of(&sign_in(&s, RONI, RONI_PW).await);
    s.domain.clock().advance(10);
    let t = token_of(&sign_in(&s, RONI, RONI_PW).await);
    let r = as_bearer(&s, REVOKE, json!({}), &t).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"data":{"revokeCustomerToken":{"result":true}}}"#)
    );
    // Issued in the revoking second, after the revocation: revoked too.
    let same_second = token_of(&sign_in(&s, RONI, RONI_PW).await);
    for token in [&early, &t, &same_second] {
        let r = as_bearer(&s, CUSTOMER, json!({}), token).await;
        assert_eq!(
            (r.status, r.body.clone()),
            (401, bearer_error("User token has been revoked"))
        );
    }
    s.domain.clock().advance(1);
    let fresh = token_of(&sign_in(&s, RONI, RONI_PW).await);
    assert_eq!(as_bearer(&s, CUSTOMER, json!({}), &fresh).await.status, 200);
}

#[tokio::test]
async fn revoked_token_runs_as_guest_on_paas_247() {
    let s = TestServer::start(Profile::Paas247).await;
    let t = token_of(&sign_in(&s, RONI, RONI_PW).await);
    as_bearer(&s, REVOKE, json!({}), &t).await;
    let r = as_bearer(&s, CUSTOMER, json!({}), &t).await;
    assert_eq!(
        (r.status, r.body),
        (
            200,
            field_error(
                CUSTOMER,
                "customer",
                "The current customer isn't authorized.",
                "graphql-authorization"
            )
        )
    );
}

#[tokio::test]
async fn password_change_keeps_tokens_alive() {
    let s = TestServer::start(Profile::Saas).await;
    let t = token_of(&sign_in(&s, RONI, RONI_PW).await);
    let r = as_bearer(&s, CHANGE, json!({"c": RONI_PW, "n": "An0ther-Secret"}), &t).await;
    assert_eq!(
        r.body,
        json!({"data": {"changeCustomerPassword": {"email": RONI}}}).to_string()
    );
    let r = as_bearer(&s, CUSTOMER, json!({}), &t).await;
    assert_eq!(
        r.body,
        json!({"data": {"customer": {"email": RONI, "firstname": "Veronica", "allow_remote_shopping_assistance": false}}})
            .to_string()
    );
    assert_generic_failure(&s, RONI, RONI_PW).await;
    assert_eq!(sign_in(&s, RONI, "An0ther-Secret").await.status, 200);
}

#[tokio::test]
async fn token_expires_after_its_lifetime() {
    let s = TestServer::start(Profile::Saas).await;
    let t = token_of(&sign_in(&s, RONI, RONI_PW).await);
    s.domain.clock().advance(3599);
    assert_eq!(as_bearer(&s, CUSTOMER, json!({}), &t).await.status, 200);
    s.domain.clock().advance(1);
    let r = as_bearer(&s, CUSTOMER, json!({}), &t).await;
    assert_eq!(
        (r.status, r.body),
        (401, bearer_error("Consumer key has expired"))
    );
}

#[tokio::test]
async fn unreadable_token_fails_even_a_public_operation() {
    let s = TestServer::start(Profile::Saas).await;
    let r = as_bearer(&s, "{ storeConfig { store_code } }", json!({}), "not-a-token").await;
    assert_eq!(
        (r.status, r.body),
        (401, bearer_error("Composite reader could not read a token"))
    );
}

#[tokio::test]
async fn admin_token_is_not_a_customer() {
    let s = TestServer::start(Profile::Saas).await;
    let r = as_bearer(&s, CUSTOMER, json!({}), "mock-admin-token").await;
    assert_eq!(
        (r.status, r.body),
        (
            403,
            field_error(
                CUSTOMER,
                "customer",
                "The current customer isn't authorized.",
                "graphql-authorization"
            )
        )
    );
}

async fn race(s: &TestServer, email: &'static str, secret: String) -> Vec<String> {
    let url = s.graphql_url();
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (url, secret) = (url.clone(), secret.clone());
            tokio::spawn(
                async move { gql(&url, SIGN_IN, json!({"email": email, "password": secret}), &[]).await },
            )
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        if r.status == 200 {
            tokens.push(token_of(&r));
        } else {
            assert_eq!(
                r.body,
                field_error(
                    SIGN_IN,
                    "generateCustomerToken",
                    GENERIC,
                    "graphql-authentication"
                )
            );
        }
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_simultaneous_sign_ins_with_one_otc_yield_one_token() {
    let s = TestServer::start(Profile::Saas).await;
    let otc = s.domain.issue_otc(2, 1).unwrap();
    assert_eq!(
        race(&s, ASSISTED, otc).await,
        vec![expected_token(2, T0, Some(1))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_simultaneous_sign_ins_with_one_reset_token_yield_one_token() {
    let s = TestServer::start(Profile::Saas).await;
    let reset = s.domain.request_password_reset(RONI).unwrap();
    assert_eq!(race(&s, RONI, reset).await, vec![expected_token(1, T0, None)]);
}
