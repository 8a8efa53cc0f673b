//! Account operations over real HTTP (spec 5.3–5.10, 8): full response bodies, byte for byte.

mod common;

use commerce_auth_mock::domain::token::{self, Claims};
use commerce_auth_mock::domain::EmailKind;
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{field_error, gql, Reply};
use serde_json::{json, Value};

const T0: i64 = 1_767_225_600;
const RONI: &str = "roni_cost@example.com";
const RONI_PW: &str = "Roni-Cost-2024";

async fn run(s: &TestServer, query: &str, variables: Value) -> Reply {
    gql(&s.graphql_url(), query, variables, &[]).await
}

async fn run_as(s: &TestServer, token: &str, query: &str, variables: Value) -> Reply {
    let auth = format!("Bearer {token}");
    gql(
        &s.graphql_url(),
        query,
        variables,
        &[("Authorization", auth.as_str())],
    )
    .await
}

async fn customer_token(s: &TestServer, email: &str, password: &str) -> String {
    let r = run(
        s,
        "mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }",
        json!({"e": email, "p": password}),
    )
    .await;
    r.json()["data"]["generateCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.body))
        .into()
}

const FULL_CUSTOMER: &str = "{ customer { id created_at prefix firstname middlename lastname suffix email \
    date_of_birth dob gender taxvat is_subscribed allow_remote_shopping_assistance confirmation_status } }";

#[tokio::test]
async fn customer_query_returns_every_field_with_a_null_id() {
    let s = common::requiring_confirmation(Profile::Paas248).await;
    let t = customer_token(&s, "assisted@example.com", "Assisted-2024").await;
    let r = run_as(&s, &t, FULL_CUSTOMER, json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        r#"{"data":{"customer":{"id":null,"created_at":"2025-02-01 12:00:00","prefix":"Dr.","firstname":"Alex","middlename":"J","lastname":"Assisted","suffix":"Jr.","email":"assisted@example.com","date_of_birth":null,"dob":null,"gender":null,"taxvat":"GB123456789","is_subscribed":true,"allow_remote_shopping_assistance":true,"confirmation_status":"ACCOUNT_CONFIRMED"}}}"#
    );
}

#[tokio::test]
async fn customer_without_token_is_not_authorized() {
    let s = TestServer::start(Profile::Saas).await;
    let q = "{ customer { email } }";
    let r = run(&s, q, json!({})).await;
    assert_eq!(
        (r.status, r.body),
        (
            403,
            field_error(
                q,
                "customer",
                "The current customer isn't authorized.",
                "graphql-authorization"
            )
        )
    );
}

const UPDATE: &str =
    "mutation($i: CustomerUpdateInput!) { updateCustomerV2(input: $i) { customer { firstname date_of_birth allow_remote_shopping_assistance } } }";

#[tokio::test]
async fn update_customer_stores_assistance_and_echoes_the_date() {
    let s = TestServer::start(Profile::Saas).await;
    let t = customer_token(&s, RONI, RONI_PW).await;
    let r = run_as(
        &s,
        &t,
        UPDATE,
        json!({"i": {"allow_remote_shopping_assistance": true, "date_of_birth": "1973-12-15", "firstname": "Roni"}}),
    )
    .await;
    assert_eq!(
        r.body,
        r#"{"data":{"updateCustomerV2":{"customer":{"firstname":"Roni","date_of_birth":"1973-12-15","allow_remote_shopping_assistance":true}}}}"#
    );
    assert!(
        s.domain.issue_otc(1, 1).is_ok(),
        "assistance now allowed: OTCs can be issued"
    );
}

#[tokio::test]
async fn update_customer_messages() {
    let s = TestServer::start(Profile::Saas).await;
    let t = customer_token(&s, RONI, RONI_PW).await;
    for (input, message) in [
        (json!({}), "\"input\" value should be specified"),
        (json!({"firstname": ""}), "\"First Name\" is a required value."),
        (json!({"lastname": ""}), "\"Last Name\" is a required value."),
        (json!({"gender": 9}), "\"9\" is not a valid gender value."),
        (json!({"firstname": "x".repeat(256)}), "First Name is not valid!"),
        (json!({"middlename": "M<1>"}), "Middle Name is not valid!"),
        (
            json!({"firstname": "F!", "lastname": "L!"}),
            "First Name is not valid!\nLast Name is not valid!",
        ),
    ] {
        let r = run_as(&s, &t, UPDATE, json!({ "i": input })).await;
        assert_eq!(
            r.body,
            field_error(UPDATE, "updateCustomerV2", message, "graphql-input")
        );
    }
    let r = run_as(&s, &t, UPDATE, json!({"i": {"date_of_birth": "1990-02-30"}})).await;
    assert!(r.body.contains("Invalid date"), "{}", r.body);
}

const REQUEST_RESET: &str = "mutation($e: String!) { requestPasswordResetEmail(email: $e) }";
const RESET: &str =
    "mutation($e: String!, $t: String!, $p: String!) { resetPassword(email: $e, resetPasswordToken: $t, newPassword: $p) }";

#[tokio::test]
async fn password_reset_round_trip_through_the_outbox() {
    let s = TestServer::start(Profile::Paas248).await;
    let r = run(&s, REQUEST_RESET, json!({"e": RONI})).await;
    assert_eq!(r.body, r#"{"data":{"requestPasswordResetEmail":true}}"#);
    let mail = s.domain.outbox_for(RONI);
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].kind, EmailKind::PasswordReset);
    let token = mail[0].token.clone();
    assert_eq!(token.len(), 32);
    assert_eq!(
        mail[0].link,
        format!("{}/customer/account/createPassword/?token={token}", s.base_url())
    );
    let r = run(&s, RESET, json!({"e": RONI, "t": token, "p": "Brand-New-1"})).await;
    assert_eq!(r.body, r#"{"data":{"resetPassword":true}}"#);
    let r = run(&s, RESET, json!({"e": RONI, "t": token, "p": "Brand-New-2"})).await;
    assert_eq!(
        r.body,
        field_error(
            RESET,
            "resetPassword",
            "The password token is mismatched. Reset and try again.",
            "graphql-input"
        )
    );
    customer_token(&s, RONI, "Brand-New-1").await;
}

#[tokio::test]
async fn request_password_reset_messages() {
    let s = TestServer::start(Profile::Saas).await;
    for (email, message) in [
        ("", "You must specify an email address."),
        ("email@example", "The email address has an invalid format."),
        ("nobody@example.com", "Cannot reset the customer's password"),
        ("locked@example.com", "The account is locked"),
    ] {
        let r = run(&s, REQUEST_RESET, json!({ "e": email })).await;
        assert_eq!(
            (r.status, r.body),
            (
                200,
                field_error(
                    REQUEST_RESET,
                    "requestPasswordResetEmail",
                    message,
                    "graphql-input"
                )
            )
        );
    }
}

#[tokio::test]
async fn reset_token_expires_after_two_hours() {
    let s = TestServer::start(Profile::Saas).await;
    let token = s.domain.request_password_reset(RONI).unwrap();
    s.domain.clock().advance(7200);
    let r = run(&s, RESET, json!({"e": RONI, "t": token, "p": "Brand-New-1"})).await;
    assert_eq!(
        r.body,
        field_error(
            RESET,
            "resetPassword",
            "The password token is expired. Reset and try again.",
            "graphql-input"
        )
    );
}

const CREATE: &str = "mutation($i: CustomerCreateInput!) { createCustomerV2(input: $i) { customer { id email firstname confirmation_status } } }";

#[tokio::test]
async fn create_customer_then_confirm_then_sign_in() {
    let s = common::requiring_confirmation(Profile::Saas).await;
    let input = json!({"firstname": "New", "lastname": "Person", "email": "new@example.com", "password": "N3w-Password"});
    let r = run(&s, CREATE, json!({ "i": input })).await;
    assert_eq!(
        r.body,
        r#"{"data":{"createCustomerV2":{"customer":{"id":null,"email":"new@example.com","firstname":"New","confirmation_status":"ACCOUNT_CONFIRMATION_NOT_REQUIRED"}}}}"#
    );
    let r = run(&s, CREATE, json!({ "i": input })).await;
    assert_eq!(
        r.body,
        field_error(
            CREATE,
            "createCustomerV2",
            "A customer with the same email address already exists in an associated website.",
            "graphql-input"
        )
    );
    let key = s.domain.outbox_for("new@example.com")[0].token.clone();
    let confirm = "mutation($i: ConfirmEmailInput!) { confirmEmail(input: $i) { customer { email confirmation_status } } }";
    let r = run(
        &s,
        confirm,
        json!({"i": {"email": "new@example.com", "confirmation_key": key}}),
    )
    .await;
    assert_eq!(
        r.body,
        r#"{"data":{"confirmEmail":{"customer":{"email":"new@example.com","confirmation_status":"ACCOUNT_CONFIRMED"}}}}"#
    );
    customer_token(&s, "new@example.com", "N3w-Password").await;
}

#[tokio::test]
async fn create_customer_validation_reports_email_first() {
    let s = TestServer::start(Profile::Saas).await;
    let q = "mutation { createCustomerV2(input: {}) { customer { email } } }";
    let r = run(&s, q, json!({})).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.starts_with(r#"{"errors":[{"message":"Field CustomerCreateInput.email of required type String! was not provided.""#),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn create_customer_field_messages() {
    let s = TestServer::start(Profile::Saas).await;
    for (input, message) in [
        (
            json!({"firstname": "A", "lastname": "B", "email": "Joe Smith <email@example.com>"}),
            "\"Joe Smith <email@example.com>\" is not a valid email address.",
        ),
        (
            json!({"firstname": "", "lastname": "B", "email": "a@example.com"}),
            "\"First Name\" is a required value.",
        ),
        (
            json!({"firstname": "A", "lastname": "", "email": "a@example.com"}),
            "\"Last Name\" is a required value.",
        ),
        (
            json!({"firstname": "A", "lastname": "B", "email": "a@example.com", "password": "a@example.com"}),
            "The password can't be the same as the email address. Create a new password and try again.",
        ),
    ] {
        let r = run(&s, CREATE, json!({ "i": input })).await;
        assert_eq!(
            r.body,
            field_error(CREATE, "createCustomerV2", message, "graphql-input")
        );
    }
}

const AS_ADMIN: &str =
    "mutation($e: String!) { generateCustomerTokenAsAdmin(input: {customer_email: $e}) { customer_token } }";

#[tokio::test]
async fn admin_gets_a_customer_token_carrying_its_id() {
    let s = TestServer::start(Profile::Saas).await;
    let r = run_as(&s, "mock-admin-token", AS_ADMIN, json!({"e": RONI})).await;
    let expected = token::sign(
        &Claims {
            uid: 1,
            utypid: 3,
            iat: T0,
            exp: T0 + 3600,
            admin_id: Some(1),
        },
        "commerce-auth-mock-not-a-secret",
    );
    assert_eq!(
        r.body,
        json!({"data": {"generateCustomerTokenAsAdmin": {"customer_token": expected}}}).to_string()
    );
}

#[tokio::test]
async fn admin_token_as_customer_messages() {
    let s = TestServer::start(Profile::Saas).await;
    let field = "generateCustomerTokenAsAdmin";
    let r = run(&s, AS_ADMIN, json!({"e": RONI})).await;
    assert_eq!(
        (r.status, r.body),
        (
            403,
            field_error(
                AS_ADMIN,
                field,
                "The current customer isn't authorized.",
                "graphql-authorization"
            )
        )
    );
    let r = run_as(&s, "mock-support-token", AS_ADMIN, json!({"e": RONI})).await;
    assert_eq!(
        (r.status, r.body),
        (
            403,
            field_error(
                AS_ADMIN,
                field,
                "Allow remote shopping assistance is disabled.",
                "graphql-authorization"
            )
        )
    );
    let r = run_as(
        &s,
        "mock-admin-token",
        AS_ADMIN,
        json!({"e": "nobody@example.com"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body),
        (
            200,
            field_error(
                AS_ADMIN,
                field,
                "Customer email provided does not exist",
                "graphql-input"
            )
        )
    );
    let r = run_as(&s, "mock-admin-token", AS_ADMIN, json!({"e": ""})).await;
    assert_eq!(
        r.body,
        field_error(
            AS_ADMIN,
            field,
            "Specify the \"customer email\" value.",
            "graphql-input"
        )
    );
}

#[tokio::test]
async fn is_email_available_answers_true_for_any_valid_address() {
    let s = TestServer::start(Profile::Saas).await;
    let q = "query($e: String!) { isEmailAvailable(email: $e) { is_email_available } }";
    let r = run(&s, q, json!({"e": RONI})).await;
    assert_eq!(
        r.body,
        r#"{"data":{"isEmailAvailable":{"is_email_available":true}}}"#
    );
    let r = run(&s, q, json!({"e": ""})).await;
    assert_eq!(
        r.body,
        field_error(q, "isEmailAvailable", "Email must be specified", "graphql-input")
    );
    let r = run(&s, q, json!({"e": "@example.com"})).await;
    assert_eq!(
        r.body,
        field_error(q, "isEmailAvailable", "Email is invalid", "graphql-input")
    );
}

#[tokio::test]
async fn store_config_values_come_from_the_fixtures() {
    let s = TestServer::start(Profile::Saas).await;
    let q = "{ storeConfig { store_code store_name store_group_code website_code website_name locale \
        minimum_password_length required_character_classes_number autocomplete_on_storefront \
        create_account_confirmation customer_access_token_lifetime shopping_assistance_enabled \
        shopping_assistance_checkbox_title share_customer_accounts_scope } }";
    let r = run(&s, q, json!({})).await;
    assert_eq!(
        r.body,
        r#"{"data":{"storeConfig":{"store_code":"default","store_name":"Default Store View","store_group_code":"main_website_store","website_code":"base","website_name":"Main Website","locale":"en_US","minimum_password_length":"8","required_character_classes_number":"3","autocomplete_on_storefront":false,"create_account_confirmation":false,"customer_access_token_lifetime":1.0,"shopping_assistance_enabled":true,"shopping_assistance_checkbox_title":"Allow remote shopping assistance","share_customer_accounts_scope":"1"}}}"#
    );
}

#[tokio::test]
async fn reset_returns_to_the_fixtures() {
    let s = TestServer::start(Profile::Saas).await;
    let t = customer_token(&s, RONI, RONI_PW).await;
    run_as(&s, &t, "mutation { revokeCustomerToken { result } }", json!({})).await;
    s.domain.reset();
    assert_eq!(
        run_as(&s, &t, "{ customer { email } }", json!({})).await.status,
        200
    );
}
