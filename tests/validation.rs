//! Every row of the validation table of spec section 3, over real HTTP, on every profile:
//! graphql-php v15 wording, first error only, 1-based locations, status 200, no `data`.

mod common;

use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::gql;
use serde_json::{json, Value};

/// The body of a validation failure: one error, message and locations, nothing else.
fn validation_error(message: &str, line: u32, column: u32) -> String {
    json!({"errors": [{"message": message, "locations": [{"line": line, "column": column}]}]}).to_string()
}

fn error_without_location(message: &str) -> String {
    json!({"errors": [{"message": message}]}).to_string()
}

/// Sends `query` with `variables` to a fresh server of every profile and checks status and body.
async fn assert_on_every_profile(query: &str, variables: Value, expected: &str) {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let r = gql(&server.graphql_url(), query, variables.clone(), &[]).await;
        assert_eq!(r.status, 200, "{profile}: {query}");
        assert_eq!(r.body, expected, "{profile}: {query}");
    }
}

#[tokio::test]
async fn missing_required_argument() {
    assert_on_every_profile(
        r#"mutation { generateCustomerToken(email: "a@example.com") { token } }"#,
        json!({}),
        &validation_error(
            r#"Field "generateCustomerToken" argument "password" of type "String!" is required but not provided."#,
            1,
            12,
        ),
    )
    .await;
}

#[tokio::test]
async fn missing_required_arguments_report_the_first_in_byte_order() {
    assert_on_every_profile(
        "mutation { generateCustomerToken { token } }",
        json!({}),
        &validation_error(
            r#"Field "generateCustomerToken" argument "email" of type "String!" is required but not provided."#,
            1,
            12,
        ),
    )
    .await;
}

#[tokio::test]
async fn unknown_output_field_has_no_suggestion() {
    // `emai` is one letter from `email`: graphql-js would suggest it, Magento does not.
    assert_on_every_profile(
        "{ customer { emai } }",
        json!({}),
        &validation_error(r#"Cannot query field "emai" on type "Customer"."#, 1, 14),
    )
    .await;
}

#[tokio::test]
async fn unknown_argument() {
    assert_on_every_profile(
        "{ storeConfig(x: 1) { store_code } }",
        json!({}),
        &validation_error(
            r#"Unknown argument "x" on field "storeConfig" of type "Query"."#,
            1,
            15,
        ),
    )
    .await;
}

#[tokio::test]
async fn object_field_without_selection() {
    assert_on_every_profile(
        "{ storeConfig }",
        json!({}),
        &validation_error(
            r#"Field "storeConfig" of type "StoreConfig" must have a sub selection."#,
            1,
            3,
        ),
    )
    .await;
}

#[tokio::test]
async fn selection_on_a_scalar() {
    assert_on_every_profile(
        "{ storeConfig { store_code { x } } }",
        json!({}),
        &validation_error(
            r#"Field "store_code" of type "String" must not have a sub selection."#,
            1,
            28,
        ),
    )
    .await;
}

#[tokio::test]
async fn required_input_fields_are_checked_in_byte_order_so_email_comes_first() {
    assert_on_every_profile(
        "mutation { createCustomerV2(input: {}) { customer { email } } }",
        json!({}),
        &validation_error(
            "Field CustomerCreateInput.email of required type String! was not provided.",
            1,
            36,
        ),
    )
    .await;
}

#[tokio::test]
async fn unknown_input_field_may_carry_an_input_suggestion() {
    assert_on_every_profile(
        r#"mutation { createCustomerV2(input: {email: "a@example.com", firstname: "A", lastname: "B", emial: 1}) { customer { email } } }"#,
        json!({}),
        &validation_error(
            r#"Field "emial" is not defined by type "CustomerCreateInput". Did you mean "email"?"#,
            1,
            92,
        ),
    )
    .await;
}

#[tokio::test]
async fn wrong_literal_type() {
    assert_on_every_profile(
        r#"mutation { generateCustomerToken(email: null, password: "x") { token } }"#,
        json!({}),
        &validation_error(r#"Expected value of type "String!", found null."#, 1, 41),
    )
    .await;
}

#[tokio::test]
async fn required_variable_not_given() {
    assert_on_every_profile(
        r#"mutation M($e: String!) { generateCustomerToken(email: $e, password: "x") { token } }"#,
        json!({}),
        &validation_error(
            r#"Variable "$e" of required type "String!" was not provided."#,
            1,
            12,
        ),
    )
    .await;
}

#[tokio::test]
async fn variable_of_the_wrong_type() {
    assert_on_every_profile(
        "query Q($e: String!) { isEmailAvailable(email: $e) { is_email_available } }",
        json!({"e": [1]}),
        &validation_error(
            r#"Variable "$e" got invalid value [1]; String cannot represent a non string value: [1]"#,
            1,
            9,
        ),
    )
    .await;
}

#[tokio::test]
async fn query_depth_over_20_is_refused() {
    let nested = format!("{}{{ name }}{}", "{ ofType ".repeat(18), " }".repeat(18));
    let query = format!("{{ __schema {{ types {{ fields {{ type {nested} }} }} }} }}");
    assert_on_every_profile(
        &query,
        json!({}),
        &error_without_location("Max query depth should be 20 but got 21."),
    )
    .await;
}

#[tokio::test]
async fn query_depth_of_20_is_accepted() {
    let nested = format!("{}{{ name }}{}", "{ ofType ".repeat(17), " }".repeat(17));
    let query = format!("{{ __schema {{ types {{ fields {{ type {nested} }} }} }} }}");
    let server = TestServer::start(Profile::Saas).await;
    let r = gql(&server.graphql_url(), &query, json!({}), &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.json().get("data").is_some(), "{}", r.body);
}

#[tokio::test]
async fn query_complexity_over_300_is_refused() {
    let fields: Vec<String> = (0..151)
        .map(|i| format!("a{i}: storeConfig {{ store_code }}"))
        .collect();
    let query = format!("{{ {} }}", fields.join(" "));
    assert_on_every_profile(
        &query,
        json!({}),
        &error_without_location("Max query complexity should be 300 but got 302."),
    )
    .await;
}

#[tokio::test]
async fn query_complexity_of_300_is_accepted() {
    let fields: Vec<String> = (0..150)
        .map(|i| format!("a{i}: storeConfig {{ store_code }}"))
        .collect();
    let query = format!("{{ {} }}", fields.join(" "));
    let server = TestServer::start(Profile::Saas).await;
    let r = gql(&server.graphql_url(), &query, json!({}), &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.json().get("errors").is_none(), "{}", r.body);
}

#[tokio::test]
async fn only_the_first_of_several_errors_is_returned() {
    assert_on_every_profile(
        "{ storeConfig { nope } customer { alsoNope } }",
        json!({}),
        &validation_error(r#"Cannot query field "nope" on type "StoreConfig"."#, 1, 17),
    )
    .await;
}

#[tokio::test]
async fn exchange_otp_mutation_exists_only_in_saas() {
    let q = r#"mutation { exchangeOtpForCustomerToken(email: "a@example.com", otp: "x") { token } }"#;
    for profile in [Profile::Paas248, Profile::Paas247] {
        let server = TestServer::start(profile).await;
        let r = gql(&server.graphql_url(), q, json!({}), &[]).await;
        assert_eq!(
            r.body,
            validation_error(
                r#"Cannot query field "exchangeOtpForCustomerToken" on type "Mutation"."#,
                1,
                12
            ),
            "{profile}"
        );
    }
    let server = TestServer::start(Profile::Saas).await;
    let r = gql(&server.graphql_url(), q, json!({}), &[]).await;
    assert!(r.json().get("data").is_some(), "{}", r.body);
}

#[tokio::test]
async fn a_variable_with_several_problems_reports_only_the_first() {
    assert_on_every_profile(
        "mutation($input: CustomerCreateInput!) { createCustomerV2(input: $input) { customer { email } } }",
        json!({"input": {"lastname": "Runner"}}),
        &validation_error(
            r#"Variable "$input" got invalid value {"lastname":"Runner"}; Field "email" of required type "String!" was not provided."#,
            1,
            10,
        ),
    )
    .await;
}
