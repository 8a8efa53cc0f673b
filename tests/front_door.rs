//! The HTTP front door of spec section 2, over real HTTP, for each profile where it differs.

mod common;

use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{get, gql, post_raw, request};
use serde_json::json;

const JSON: (&str, &str) = ("Content-Type", "application/json");

fn input_error(message: &str) -> String {
    json!({"errors":[{"message": message, "extensions": {"category": "graphql-input"}}]}).to_string()
}

/// Status of errors thrown before execution, per profile (section 1).
fn pre_status(profile: Profile) -> u16 {
    if profile == Profile::Paas247 {
        500
    } else {
        400
    }
}

#[tokio::test]
async fn unparsable_json_body_is_refused_with_the_profiles_status() {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let r = post_raw(&server.graphql_url(), "{not json", &[JSON]).await;
        assert_eq!(r.status, pre_status(profile), "{profile}");
        assert_eq!(r.body, input_error("Unable to parse the request."), "{profile}");
    }
}

#[tokio::test]
async fn body_is_read_before_the_content_type_is_checked() {
    let server = TestServer::start(Profile::Saas).await;
    let r = post_raw(
        &server.graphql_url(),
        "{not json",
        &[("Content-Type", "text/plain")],
    )
    .await;
    assert_eq!(r.body, input_error("Unable to parse the request."));
}

#[tokio::test]
async fn post_without_json_content_type_is_refused() {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let body = r#"{"query":"{ storeConfig { store_code } }"}"#;
        for ct in ["text/plain", "APPLICATION/JSON", "application/graphql"] {
            let r = post_raw(&server.graphql_url(), body, &[("Content-Type", ct)]).await;
            assert_eq!(r.status, pre_status(profile), "{profile} {ct}");
            assert_eq!(
                r.body,
                input_error("Request content type must be application/json"),
                "{profile} {ct}"
            );
        }
        let r = post_raw(&server.graphql_url(), body, &[]).await;
        assert_eq!(
            r.body,
            input_error("Request content type must be application/json")
        );
    }
}

#[tokio::test]
async fn content_type_with_charset_is_accepted() {
    let server = TestServer::start(Profile::Saas).await;
    let body = r#"{"query":"{ __typename }"}"#;
    let r = post_raw(
        &server.graphql_url(),
        body,
        &[("Content-Type", "application/json; charset=utf-8")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"data":{"__typename":"Query"}}"#);
}

#[tokio::test]
async fn undecodable_get_variables_are_refused() {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let r = get(
            &server.graphql_url(),
            &[("query", "{ __typename }"), ("variables", "{oops")],
            &[],
        )
        .await;
        assert_eq!(r.status, pre_status(profile));
        assert_eq!(r.body, input_error("Unable to parse the request."));
    }
}

#[tokio::test]
async fn mutation_over_get_is_refused() {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let q = r#"mutation { generateCustomerToken(email: "a@example.com", password: "x") { token } }"#;
        let r = get(&server.graphql_url(), &[("query", q)], &[]).await;
        assert_eq!(r.status, pre_status(profile), "{profile}");
        assert_eq!(
            r.body,
            input_error("Mutation requests allowed only for POST requests")
        );
    }
}

#[tokio::test]
async fn queries_over_get_are_executed() {
    let server = TestServer::start(Profile::Saas).await;
    let r = get(
        &server.graphql_url(),
        &[
            (
                "query",
                "query Q($e: String!) { isEmailAvailable(email: $e) { is_email_available } }",
            ),
            ("variables", r#"{"e":"new@example.com"}"#),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        r#"{"data":{"isEmailAvailable":{"is_email_available":true}}}"#
    );
}

#[tokio::test]
async fn unreadable_bearer_token_fails_even_public_operations() {
    for profile in [Profile::Saas, Profile::Paas248] {
        let server = TestServer::start(profile).await;
        let r = gql(
            &server.graphql_url(),
            "{ __typename }",
            json!({}),
            &[("Authorization", "Bearer not-a-token")],
        )
        .await;
        assert_eq!(r.status, 401, "{profile}");
        assert_eq!(
            r.body,
            r#"{"errors":[{"message":"Composite reader could not read a token","extensions":{"category":"graphql-authentication"}}]}"#
        );
    }
}

#[tokio::test]
async fn paas_247_runs_requests_with_a_bad_bearer_token_as_a_guest() {
    let server = TestServer::start(Profile::Paas247).await;
    let r = gql(
        &server.graphql_url(),
        "{ __typename }",
        json!({}),
        &[("Authorization", "Bearer not-a-token")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"data":{"__typename":"Query"}}"#);
}

#[tokio::test]
async fn authorization_headers_of_another_shape_are_ignored() {
    let server = TestServer::start(Profile::Saas).await;
    for value in [
        "Basic abc",
        "Bearer",
        "Bearer  two-spaces",
        "Bearer a b",
        "Token abc",
    ] {
        let r = gql(
            &server.graphql_url(),
            "{ __typename }",
            json!({}),
            &[("Authorization", value)],
        )
        .await;
        assert_eq!(r.status, 200, "{value}");
        assert_eq!(r.body, r#"{"data":{"__typename":"Query"}}"#, "{value}");
    }
    // The scheme is case-insensitive: a lower-case `bearer` is read (and this token is bad).
    let r = gql(
        &server.graphql_url(),
        "{ __typename }",
        json!({}),
        &[("Authorization", "bEaReR junk")],
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn options_answers_204_with_an_empty_body() {
    let server = TestServer::start(Profile::Saas).await;
    let r = request("OPTIONS", &server.graphql_url(), "", &[]).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.body, "");
}

#[tokio::test]
async fn other_methods_answer_405() {
    let server = TestServer::start(Profile::Saas).await;
    for method in ["PUT", "DELETE", "PATCH"] {
        let r = request(method, &server.graphql_url(), "", &[]).await;
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.headers.get("allow").unwrap(), "GET, POST, OPTIONS");
    }
}

#[tokio::test]
async fn empty_body_or_missing_query_is_a_syntax_error() {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let expected = r#"{"errors":[{"message":"Syntax Error: Unexpected <EOF>","locations":[{"line":1,"column":1}]}]}"#;
        for body in ["", "{}", "[]", r#"{"query":""}"#, r#"{"query":null}"#, "5"] {
            let r = post_raw(&server.graphql_url(), body, &[JSON]).await;
            assert_eq!(r.status, pre_status(profile), "{profile} {body}");
            assert_eq!(r.body, expected, "{profile} {body}");
        }
        let r = get(&server.graphql_url(), &[], &[]).await;
        assert_eq!(r.body, expected);
    }
}

#[tokio::test]
async fn syntax_errors_use_graphql_php_wording_and_locations() {
    let server = TestServer::start(Profile::Saas).await;
    let r = gql(&server.graphql_url(), "{", json!({}), &[]).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        r#"{"errors":[{"message":"Syntax Error: Expected Name, found <EOF>","locations":[{"line":1,"column":2}]}]}"#
    );
}

#[tokio::test]
async fn operation_name_is_ignored_so_several_operations_always_fail() {
    let server = TestServer::start(Profile::Saas).await;
    let body =
        json!({"query": "query A { __typename } query B { __typename }", "operationName": "A"}).to_string();
    let r = post_raw(&server.graphql_url(), &body, &[JSON]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        r#"{"errors":[{"message":"Must provide operation name if query contains multiple operations."}]}"#
    );
}

#[tokio::test]
async fn tenant_url_shape_is_served() {
    let server = TestServer::start(Profile::Saas).await;
    let url = format!("{}/some-tenant-id/graphql", server.base_url());
    let r = gql(&url, "{ __typename }", json!({}), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"data":{"__typename":"Query"}}"#);
}

#[tokio::test]
async fn validation_errors_are_first_only_with_status_200_and_no_data() {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let r = gql(&server.graphql_url(), "{ nope1 nope2 }", json!({}), &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body,
            r#"{"errors":[{"message":"Cannot query field \"nope1\" on type \"Query\".","locations":[{"line":1,"column":3}]}]}"#
        );
    }
}
