//! The HTTP front door of `/graphql` (behaviour.md 2, 3): content type, bad JSON, mutation over
//! GET, syntax errors, first-error-only validation, bad bearer tokens on public operations.

use serde_json::{json, Value};

use super::{q, Area, Ctx, Run, Scenario, StepResult};
use crate::conform::client::Request;

pub fn scenarios() -> Vec<Scenario> {
    let s = |name, description, run: Run| Scenario::new(Area::FrontDoor, name, description, run);
    vec![
        s(
            "front_door/content_type",
            "POST without application/json is refused before execution",
            content_type,
        ),
        s(
            "front_door/bad_json",
            "a POST body that is not JSON, and undecodable GET variables",
            bad_json,
        ),
        s(
            "front_door/get_requests",
            "queries run over GET; mutations over GET are refused",
            get_requests,
        ),
        s(
            "front_door/syntax_errors",
            "empty documents and syntax errors in graphql-php wording",
            syntax_errors,
        ),
        s(
            "front_door/validation_first_error_only",
            "only the first validation error, fields in byte order",
            first_error_only,
        ),
        s(
            "front_door/validation_messages",
            "validation message templates",
            validation_messages,
        ),
        s(
            "front_door/multiple_operations",
            "operationName is ignored: several operations always fail",
            multiple_operations,
        ),
        s(
            "front_door/bad_bearer_on_public_operation",
            "unreadable bearer tokens fail even public operations; other header shapes are ignored",
            bad_bearer,
        ),
        s(
            "front_door/introspection_lists_the_contract_schema",
            "introspection lists the queries, mutations, types and fields of behaviour.md 3 and 8 with their types",
            introspection,
        ),
        s(
            "front_door/options_preflight",
            "OPTIONS answers 204 with an empty body",
            options_preflight,
        ),
        s(
            "front_door/depth_and_complexity_limits",
            "queries deeper than 20 or more complex than 300 are refused",
            limits,
        ),
    ]
}

fn content_type(c: &mut Ctx) -> StepResult<()> {
    let body = json!({"query": "{ __typename }"}).to_string();
    let req = Request::new("POST", &c.t.urls.graphql)
        .header("Content-Type", "text/plain")
        .raw_body(body.clone());
    c.send("POST with Content-Type text/plain", req)?;
    let req = Request::new("POST", &c.t.urls.graphql)
        .header("Content-Type", "Application/JSON")
        .raw_body(body.clone());
    c.send(
        "POST with Content-Type Application/JSON (the check is case-sensitive)",
        req,
    )?;
    let req = Request::new("POST", &c.t.urls.graphql)
        .header("Content-Type", "application/json; charset=utf-8")
        .raw_body(body);
    c.send(
        "POST with Content-Type application/json; charset=utf-8 is accepted",
        req,
    )?;
    Ok(())
}

fn bad_json(c: &mut Ctx) -> StepResult<()> {
    let req = Request::new("POST", &c.t.urls.graphql)
        .header("Content-Type", "application/json")
        .raw_body("{not json");
    c.send("POST a body that is not JSON", req)?;
    let req = Request::new("POST", &c.t.urls.graphql)
        .header("Content-Type", "text/plain")
        .raw_body("{not json");
    c.send("bad JSON is reported before the content type", req)?;
    let mut u = url::Url::parse(&c.t.urls.graphql).map_err(|e| c.fail(e.to_string()))?;
    u.query_pairs_mut()
        .append_pair("query", "{ __typename }")
        .append_pair("variables", "{oops");
    c.send("GET with undecodable variables", Request::new("GET", u.as_str()))?;
    Ok(())
}

fn get_requests(c: &mut Ctx) -> StepResult<()> {
    let mut u = url::Url::parse(&c.t.urls.graphql).map_err(|e| c.fail(e.to_string()))?;
    u.query_pairs_mut()
        .append_pair(
            "query",
            "query($e: String!) { isEmailAvailable(email: $e) { is_email_available } }",
        )
        .append_pair("variables", r#"{"e":"someone@example.com"}"#);
    let r = c.send("a query over GET runs", Request::new("GET", u.as_str()))?;
    c.check_eq(
        r.at("/data/isEmailAvailable/is_email_available"),
        Some(&json!(true)),
        "GET query answered",
    )?;
    let mut u = url::Url::parse(&c.t.urls.graphql).map_err(|e| c.fail(e.to_string()))?;
    u.query_pairs_mut().append_pair("query", q::REVOKE);
    c.send("a mutation over GET is refused", Request::new("GET", u.as_str()))?;
    Ok(())
}

fn syntax_errors(c: &mut Ctx) -> StepResult<()> {
    c.gql("an empty query", "", json!({}))?;
    let req = Request::new("POST", &c.t.urls.graphql)
        .header("Content-Type", "application/json")
        .raw_body("");
    c.send("an empty body counts as no query", req)?;
    let req = Request::new("POST", &c.t.urls.graphql).json_body(&json!(["not", "an", "object"]));
    c.send("JSON that is not an object counts as no query", req)?;
    c.gql("an unclosed selection", "{", json!({}))?;
    c.gql(
        "an unexpected token",
        "{ isEmailAvailable(email: ) { is_email_available } }",
        json!({}),
    )?;
    Ok(())
}

fn first_error_only(c: &mut Ctx) -> StepResult<()> {
    let r = c.gql(
        "two errors: a missing argument and an unknown field",
        "{ isEmailAvailable { is_email_available } nope }",
        json!({}),
    )?;
    let n = r.at("/errors").and_then(|e| e.as_array()).map_or(0, Vec::len);
    c.check_eq(n, 1, "exactly one error is returned")?;
    c.check(r.at("/data").is_none(), "validation errors have no data key")?;
    c.gql(
        "createCustomerV2(input: {}) reports email first (fields in byte order)",
        "mutation { createCustomerV2(input: {}) { customer { email } } }",
        json!({}),
    )?;
    Ok(())
}

fn validation_messages(c: &mut Ctx) -> StepResult<()> {
    c.gql(
        "missing required argument",
        "{ isEmailAvailable { is_email_available } }",
        json!({}),
    )?;
    c.gql("unknown output field", "{ nope }", json!({}))?;
    c.gql(
        "unknown argument",
        r#"{ isEmailAvailable(email: "a@example.com", nope: 1) { is_email_available } }"#,
        json!({}),
    )?;
    c.gql(
        "object field without a selection",
        r#"{ isEmailAvailable(email: "a@example.com") }"#,
        json!({}),
    )?;
    c.gql(
        "selection on a scalar",
        "mutation { revokeCustomerToken { result { x } } }",
        json!({}),
    )?;
    c.gql(
        "required input field missing",
        r#"mutation { generateCustomerTokenAsAdmin(input: {}) { customer_token } }"#,
        json!({}),
    )?;
    c.gql(
        "unknown input field",
        r#"mutation { generateCustomerTokenAsAdmin(input: { customer_email: "a@example.com", nope: 1 }) { customer_token } }"#,
        json!({}),
    )?;
    c.gql(
        "wrong literal type (null)",
        "{ isEmailAvailable(email: null) { is_email_available } }",
        json!({}),
    )?;
    c.gql("required variable not given", q::IS_EMAIL_AVAILABLE, json!({}))?;
    c.gql(
        "variable of the wrong type",
        q::IS_EMAIL_AVAILABLE,
        json!({"email": {"a": 1}}),
    )?;
    Ok(())
}

fn multiple_operations(c: &mut Ctx) -> StepResult<()> {
    let req =
        c.t.gql_req("query A { __typename } query B { __typename }", None, None);
    let mut body: serde_json::Value =
        serde_json::from_str(req.body.as_deref().unwrap_or("{}")).unwrap_or_default();
    body["operationName"] = json!("A");
    let req = Request::new("POST", &c.t.urls.graphql).json_body(&body);
    c.send("two operations with operationName", req)?;
    Ok(())
}

fn bad_bearer(c: &mut Ctx) -> StepResult<()> {
    let vars = json!({"email": "someone@example.com"});
    let r = c.gql_as(
        "an unreadable bearer token on isEmailAvailable",
        "not-a-token",
        q::IS_EMAIL_AVAILABLE,
        vars.clone(),
    )?;
    let fails = c.expect.bad_bearer_fails_request;
    c.check_eq(
        r.at("/data").is_none(),
        fails,
        "a bad bearer fails the request (no data) where the profile says so",
    )?;
    for (title, header) in [
        (
            "Authorization with three parts is ignored (guest)",
            "Bearer not a-token",
        ),
        (
            "a Basic Authorization header is ignored (guest)",
            "Basic dXNlcjpwYXNz",
        ),
        ("lower-case bearer is read", "bearer not-a-token"),
    ] {
        let req = Request::new("POST", &c.t.urls.graphql)
            .header("Authorization", header)
            .json_body(&json!({"query": q::IS_EMAIL_AVAILABLE, "variables": vars}));
        c.send(title, req)?;
    }
    // Where a bad bearer is ignored the public storeConfig simply answers: nothing to show.
    if c.expect.bad_bearer_fails_request {
        c.gql_as(
            "an unreadable bearer token on storeConfig",
            "x.y.z",
            "{ storeConfig { store_code } }",
            json!({}),
        )?;
    }
    Ok(())
}

fn options_preflight(c: &mut Ctx) -> StepResult<()> {
    let req = Request::new("OPTIONS", &c.t.urls.graphql)
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "POST");
    let r = c.send("an OPTIONS preflight", req)?;
    c.check_eq(r.status, 204, "OPTIONS status")?;
    Ok(())
}

fn limits(c: &mut Ctx) -> StepResult<()> {
    // graphql-php's depth: the number of nested fields with a selection set, minus one (the
    // top-level field is depth 0). __type, fields, type and m times ofType: depth 2 + m.
    let nested = |m: usize| {
        format!(
            "{{ __type(name: \"IsEmailAvailableOutput\") {{ fields {{ type {{ {}name{} }} }} }} }}",
            "ofType { ".repeat(m),
            " }".repeat(m)
        )
    };
    c.gql("depth 20 is allowed", &nested(18), json!({}))?;
    c.gql("depth 21 is refused", &nested(19), json!({}))?;
    // Each aliased isEmailAvailable { is_email_available } costs 2.
    let wide = |n: usize| {
        let fields: Vec<String> = (0..n)
            .map(|i| format!("a{i}: isEmailAvailable(email: \"a@example.com\") {{ is_email_available }}"))
            .collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let req = c.t.gql_req(&wide(150), None, None);
    let r = c.send_status_only("complexity 300 is allowed", req)?;
    c.check(
        r.at("/data/a149/is_email_available").is_some(),
        "150 aliased fields answered",
    )?;
    c.gql("complexity 302 is refused", &wide(151), json!({}))?;
    Ok(())
}

/// The schema of behaviour.md 3 (and the `storeConfig` fields of 8), by type: the fields (input
/// fields, enum values) a target must list. `exchangeOtpForCustomerToken` and `Customer.group`
/// exist on saas only; elsewhere they must not be listed.
const CONTRACT_SCHEMA: &[(&str, &[&str])] = &[
    ("Query", &["customer", "isEmailAvailable", "storeConfig"]),
    (
        "Mutation",
        &[
            "generateCustomerToken",
            "exchangeOtpForCustomerToken",
            "revokeCustomerToken",
            "requestPasswordResetEmail",
            "resetPassword",
            "createCustomerV2",
            "updateCustomerV2",
            "changeCustomerPassword",
            "generateCustomerTokenAsAdmin",
            "confirmEmail",
            "resendConfirmationEmail",
        ],
    ),
    ("CustomerToken", &["token"]),
    ("RevokeCustomerTokenOutput", &["result"]),
    ("IsEmailAvailableOutput", &["is_email_available"]),
    ("CustomerOutput", &["customer"]),
    ("GenerateCustomerTokenAsAdminOutput", &["customer_token"]),
    (
        "Customer",
        &[
            "id",
            "created_at",
            "prefix",
            "firstname",
            "middlename",
            "lastname",
            "suffix",
            "email",
            "date_of_birth",
            "dob",
            "gender",
            "taxvat",
            "is_subscribed",
            "allow_remote_shopping_assistance",
            "confirmation_status",
            "group",
        ],
    ),
    (
        "ConfirmationStatusEnum",
        &["ACCOUNT_CONFIRMED", "ACCOUNT_CONFIRMATION_NOT_REQUIRED"],
    ),
    (
        "CustomerCreateInput",
        &[
            "firstname",
            "lastname",
            "email",
            "prefix",
            "middlename",
            "suffix",
            "date_of_birth",
            "dob",
            "taxvat",
            "gender",
            "password",
            "is_subscribed",
            "allow_remote_shopping_assistance",
        ],
    ),
    (
        "CustomerUpdateInput",
        &[
            "firstname",
            "lastname",
            "prefix",
            "middlename",
            "suffix",
            "date_of_birth",
            "dob",
            "taxvat",
            "gender",
            "is_subscribed",
            "allow_remote_shopping_assistance",
        ],
    ),
    ("GenerateCustomerTokenAsAdminInput", &["customer_email"]),
    ("ConfirmEmailInput", &["email", "confirmation_key"]),
    (
        "StoreConfig",
        &[
            "store_code",
            "store_name",
            "store_group_code",
            "website_code",
            "website_name",
            "locale",
            "minimum_password_length",
            "required_character_classes_number",
            "autocomplete_on_storefront",
            "create_account_confirmation",
            "customer_access_token_lifetime",
            "shopping_assistance_enabled",
            "shopping_assistance_checkbox_title",
            "shopping_assistance_checkbox_tooltip",
            "share_customer_accounts_scope",
        ],
    ),
];

const INTROSPECTION_FRAGMENTS: &str = "fragment Fields on __Type { name \
    fields(includeDeprecated: true) { name args { name type { ...Ref } } type { ...Ref } } \
    inputFields { name type { ...Ref } } enumValues(includeDeprecated: true) { name } } \
    fragment Ref on __Type { kind name ofType { kind name ofType { kind name } } }";

/// Keep, of an introspected `__Type`, only what the contract names (sorted by name: the contract
/// fixes no order), so a real server's many other fields do not make the transcript differ.
fn contract_view(type_name: &str, t: &Value) -> Value {
    let names: &[&str] = CONTRACT_SCHEMA
        .iter()
        .find(|(n, _)| *n == type_name)
        .map_or(&[], |(_, f)| *f);
    let mut out = serde_json::Map::new();
    out.insert("name".into(), t["name"].clone());
    for key in ["fields", "inputFields", "enumValues"] {
        let Some(list) = t[key].as_array() else {
            continue;
        };
        let mut kept: Vec<Value> = list
            .iter()
            .filter(|f| f["name"].as_str().is_some_and(|n| names.contains(&n)))
            .cloned()
            .map(|mut f| {
                if let Some(args) = f.get_mut("args").and_then(Value::as_array_mut) {
                    args.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
                }
                f
            })
            .collect();
        kept.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        out.insert(key.into(), Value::Array(kept));
    }
    Value::Object(out)
}

fn introspection(c: &mut Ctx) -> StepResult<()> {
    // Three documents, each under the complexity limit of 300.
    let groups: [&[&str]; 3] = [
        &["Query", "Mutation"],
        &[
            "Customer",
            "CustomerToken",
            "RevokeCustomerTokenOutput",
            "IsEmailAvailableOutput",
            "CustomerOutput",
            "GenerateCustomerTokenAsAdminOutput",
            "ConfirmationStatusEnum",
        ],
        &[
            "CustomerCreateInput",
            "CustomerUpdateInput",
            "GenerateCustomerTokenAsAdminInput",
            "ConfirmEmailInput",
            "StoreConfig",
        ],
    ];
    let mut missing = Vec::new();
    for group in groups {
        let selections: Vec<String> = group
            .iter()
            .map(|t| format!("{t}: __type(name: \"{t}\") {{ ...Fields }}"))
            .collect();
        let query = format!("{{ {} }} {INTROSPECTION_FRAGMENTS}", selections.join(" "));
        let req = c.t.gql_req(&query, None, None);
        let title = format!("introspect {} (the contract's fields only)", group.join(", "));
        let view = |v: &Value| {
            let mut data = serde_json::Map::new();
            for t in group {
                data.insert(t.to_string(), contract_view(t, &v["data"][t]));
            }
            json!({ "data": data })
        };
        let r = c.send_filtered(&title, req, view)?;
        for t in group {
            let listed: Vec<&str> = ["fields", "inputFields", "enumValues"]
                .iter()
                .filter_map(|k| r.at(&format!("/data/{t}/{k}")).and_then(Value::as_array))
                .flatten()
                .filter_map(|f| f["name"].as_str())
                .collect();
            let wanted = CONTRACT_SCHEMA
                .iter()
                .find(|(n, _)| n == t)
                .map_or(&[][..], |(_, f)| *f);
            for name in wanted {
                let qualified = format!("{t}.{name}");
                let expected = match qualified.as_str() {
                    "Mutation.exchangeOtpForCustomerToken" => c.expect.exchange_otp_mutation,
                    "Customer.group" => c.expect.customer_group_field,
                    _ => true,
                };
                if expected != listed.contains(name) {
                    missing.push(format!(
                        "{qualified} {}",
                        if expected { "missing" } else { "listed" }
                    ));
                }
            }
        }
    }
    c.check_eq(
        missing,
        Vec::<String>::new(),
        "introspection lists exactly the contract's fields for this profile",
    )
}
