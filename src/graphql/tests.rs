//! Engine tests against the real schema (`schema/schema.graphql`) and small ones.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::*;

const REAL_SDL: &str = include_str!("../../schema/schema.graphql");
const INTROSPECTION_QUERY: &str = include_str!("introspection_query.graphql");
const SIGN_IN_FAILED: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";

fn engine() -> Engine<()> {
    let mut e = Engine::new(Schema::from_sdl(REAL_SDL).expect("the real schema loads"));
    e.resolver("Mutation", "generateCustomerToken", |_, args| {
        if args.get("password") == Some(&json!("bad")) {
            return Err(FieldError::new("graphql-authentication", SIGN_IN_FAILED));
        }
        Ok(json!({ "token": format!("token-for-{}", args["email"].as_str().unwrap_or_default()) }))
    });
    e.resolver("Query", "isEmailAvailable", |_, _| {
        Ok(json!({"is_email_available": true}))
    });
    e.resolver("Query", "customer", |_, _| {
        Ok(json!({
            "firstname": "Ada", "lastname": "Lovelace", "email": "ada@example.com", "id": null,
            "allow_remote_shopping_assistance": false, "confirmation_status": "ACCOUNT_CONFIRMED"
        }))
    });
    e.resolver("Mutation", "createCustomerV2", |_, args| {
        Ok(json!({ "customer": args["input"] }))
    });
    e
}

fn run_with(e: &Engine<()>, query: &str, vars: Value) -> ExecutionResult {
    let doc = parse(query).expect("the query parses");
    let vars: Map<String, Value> = vars.as_object().cloned().unwrap_or_default();
    e.execute(&(), &doc, &vars.into())
}

fn run(query: &str) -> ExecutionResult {
    run_with(&engine(), query, json!({}))
}

/// The single error of a result that has no data, as (message, line, column).
fn only_error(r: &ExecutionResult) -> (String, usize, usize) {
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert!(r.data.is_none(), "no data expected: {:?}", r.data);
    let e = &r.errors[0];
    let (l, c) = e.locations.first().map(|l| (l.line, l.column)).unwrap_or((0, 0));
    (e.message.clone(), l, c)
}

fn compact(r: &ExecutionResult) -> String {
    serde_json::to_string(&r.to_json()).unwrap()
}

// --- validation table ------------------------------------------------------------------------

#[test]
fn missing_required_argument_is_reported_at_the_field() {
    let r = run("mutation { generateCustomerToken(email: \"a@b.c\") { token } }");
    assert_eq!(
        only_error(&r),
        (
            "Field \"generateCustomerToken\" argument \"password\" of type \"String!\" is required but not provided."
                .into(),
            1,
            12
        )
    );
}

#[test]
fn missing_arguments_are_reported_in_byte_order() {
    let r = run("mutation { generateCustomerToken { token } }");
    assert_eq!(
        only_error(&r).0,
        "Field \"generateCustomerToken\" argument \"email\" of type \"String!\" is required but not provided."
    );
}

#[test]
fn unknown_output_field_has_no_suggestion() {
    let r = run("{ customer { emial } }");
    assert_eq!(
        only_error(&r),
        ("Cannot query field \"emial\" on type \"Customer\".".into(), 1, 14)
    );
}

#[test]
fn unknown_field_inside_a_field_comes_before_its_missing_argument() {
    let r = run("mutation { generateCustomerToken(email: \"x\") { bogus } }");
    assert_eq!(
        only_error(&r).0,
        "Cannot query field \"bogus\" on type \"CustomerToken\"."
    );
}

#[test]
fn unknown_argument_is_reported_at_the_argument() {
    let r = run("{ isEmailAvailable(email: \"a\", foo: 1) { is_email_available } }");
    assert_eq!(
        only_error(&r),
        (
            "Unknown argument \"foo\" on field \"isEmailAvailable\" of type \"Query\".".into(),
            1,
            32
        )
    );
}

#[test]
fn object_field_without_selection_must_have_one() {
    let r = run("{ customer }");
    assert_eq!(
        only_error(&r),
        (
            "Field \"customer\" of type \"Customer\" must have a sub selection.".into(),
            1,
            3
        )
    );
}

#[test]
fn scalar_field_with_selection_must_not_have_one() {
    let r = run("{ customer { email { x } } }");
    assert_eq!(
        only_error(&r),
        (
            "Field \"email\" of type \"String\" must not have a sub selection.".into(),
            1,
            20
        )
    );
}

#[test]
fn required_input_fields_are_checked_in_byte_order_so_email_comes_first() {
    let r = run("mutation { createCustomerV2(input: {}) { customer { email } } }");
    assert_eq!(
        only_error(&r),
        (
            "Field CustomerCreateInput.email of required type String! was not provided.".into(),
            1,
            36
        )
    );
}

#[test]
fn unknown_input_field_is_reported_at_the_object_field() {
    let r = run(
        "mutation { generateCustomerTokenAsAdmin(input: {customer_email: \"x\", zzz: 1}) { customer_token } }",
    );
    assert_eq!(
        only_error(&r),
        (
            "Field \"zzz\" is not defined by type \"GenerateCustomerTokenAsAdminInput\".".into(),
            1,
            70
        )
    );
}

#[test]
fn unknown_input_field_close_to_a_real_one_gets_a_suggestion() {
    let r = run(
        "mutation { generateCustomerTokenAsAdmin(input: {customer_email: \"x\", customer_emial: \"y\"}) { customer_token } }",
    );
    assert_eq!(
        only_error(&r).0,
        "Field \"customer_emial\" is not defined by type \"GenerateCustomerTokenAsAdminInput\". Did you mean \"customer_email\"?"
    );
}

#[test]
fn null_for_a_required_argument_is_a_wrong_literal() {
    let r = run("mutation { generateCustomerToken(email: null, password: \"x\") { token } }");
    assert_eq!(
        only_error(&r),
        ("Expected value of type \"String!\", found null.".into(), 1, 41)
    );
}

#[test]
fn scalar_for_an_input_object_is_a_wrong_literal() {
    let r = run("mutation { createCustomerV2(input: 5) { customer { email } } }");
    assert_eq!(
        only_error(&r).0,
        "Expected value of type \"CustomerCreateInput!\", found 5."
    );
}

#[test]
fn list_for_a_string_is_a_wrong_literal_with_the_scalar_reason() {
    let r = run("{ isEmailAvailable(email: [\"x\"]) { is_email_available } }");
    assert_eq!(
        only_error(&r).0,
        "Expected value of type \"String!\", found [\"x\"]; String cannot represent a non string value: [\"x\"]"
    );
}

#[test]
fn magento_string_accepts_a_number_literal() {
    let r = run("{ isEmailAvailable(email: 5) { is_email_available } }");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

#[test]
fn wrong_enum_like_literal_for_boolean_names_the_reason() {
    let r = run("mutation { createCustomerV2(input: {email: \"a\", firstname: \"b\", lastname: \"c\", is_subscribed: \"yes\"}) { customer { email } } }");
    assert_eq!(
        only_error(&r).0,
        "Expected value of type \"Boolean\", found \"yes\"; Boolean cannot represent a non boolean value: \"yes\""
    );
}

#[test]
fn required_variable_not_given_is_reported_at_its_definition() {
    let r = run("query($e: String!) { isEmailAvailable(email: $e) { is_email_available } }");
    assert_eq!(
        only_error(&r),
        (
            "Variable \"$e\" of required type \"String!\" was not provided.".into(),
            1,
            7
        )
    );
}

#[test]
fn variable_with_a_list_for_a_string_field_names_the_path_and_reason() {
    let q = "mutation($i: CustomerCreateInput!) { createCustomerV2(input: $i) { customer { email } } }";
    let r = run_with(
        &engine(),
        q,
        json!({"i": {"email": "a", "firstname": "b", "lastname": [1]}}),
    );
    assert_eq!(
        only_error(&r),
        (
            "Variable \"$i\" got invalid value [1] at \"i.lastname\"; String cannot represent a non string value: [1]"
                .into(),
            1,
            10
        )
    );
}

#[test]
fn variable_with_a_non_numeric_int_is_rejected() {
    let q = "mutation($i: CustomerCreateInput!) { createCustomerV2(input: $i) { customer { email } } }";
    let r = run_with(
        &engine(),
        q,
        json!({"i": {"email": "a", "firstname": "b", "lastname": "c", "gender": "abc"}}),
    );
    assert_eq!(
        only_error(&r).0,
        "Variable \"$i\" got invalid value \"abc\" at \"i.gender\"; Int cannot represent non-integer value: \"abc\""
    );
}

#[test]
fn variable_object_missing_a_required_field_prints_the_object() {
    let q = "mutation($i: CustomerCreateInput!) { createCustomerV2(input: $i) { customer { email } } }";
    let r = run_with(&engine(), q, json!({"i": {"firstname": "a", "lastname": "b"}}));
    assert_eq!(
        only_error(&r).0,
        "Variable \"$i\" got invalid value {\"firstname\":\"a\",\"lastname\":\"b\"}; Field \"email\" of required type \"String!\" was not provided."
    );
}

#[test]
fn explicit_null_for_a_non_null_variable_must_not_be_null() {
    let r = run_with(
        &engine(),
        "query($e: String!) { isEmailAvailable(email: $e) { is_email_available } }",
        json!({"e": null}),
    );
    assert_eq!(
        only_error(&r).0,
        "Variable \"$e\" of non-null type \"String!\" must not be null."
    );
}

#[test]
fn depth_over_20_is_rejected() {
    let q = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(18),
        "} ".repeat(18)
    );
    let r = run(&q);
    assert_eq!(
        only_error(&r),
        ("Max query depth should be 20 but got 21.".into(), 0, 0)
    );
}

#[test]
fn depth_of_exactly_20_is_accepted() {
    let q = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(17),
        "} ".repeat(17)
    );
    assert!(run(&q).errors.is_empty());
}

#[test]
fn complexity_over_300_is_rejected() {
    let fields: String = (0..151)
        .map(|i| format!("a{i}: storeConfig {{ store_code }} "))
        .collect();
    let mut e = engine();
    e.resolver("Query", "storeConfig", |_, _| {
        Ok(json!({"store_code": "default"}))
    });
    let r = run_with(&e, &format!("{{ {fields} }}"), json!({}));
    assert_eq!(
        only_error(&r).0,
        "Max query complexity should be 300 but got 302."
    );
    let fields: String = (0..150)
        .map(|i| format!("a{i}: storeConfig {{ store_code }} "))
        .collect();
    assert!(run_with(&e, &format!("{{ {fields} }}"), json!({}))
        .errors
        .is_empty());
}

#[test]
fn skipped_fields_do_not_count_towards_complexity() {
    let fields: String = (0..151)
        .map(|i| format!("a{i}: storeConfig @skip(if: true) {{ store_code }} "))
        .collect();
    let r = run(&format!("{{ {fields} }}"));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(compact(&r), "{\"data\":{}}");
}

// --- other rules -------------------------------------------------------------------------------

#[test]
fn unknown_type_in_a_variable_definition() {
    let r = run("query($e: Strin!) { isEmailAvailable(email: $e) { is_email_available } }");
    assert_eq!(
        only_error(&r),
        ("Unknown type \"Strin\". Did you mean \"String\"?".into(), 1, 11)
    );
}

#[test]
fn unknown_fragment() {
    let r = run("{ customer { ...Nope } }");
    assert_eq!(only_error(&r), ("Unknown fragment \"Nope\".".into(), 1, 17));
}

#[test]
fn fragment_spread_on_the_wrong_type() {
    let r = run("{ customer { ...T } } fragment T on CustomerToken { token }");
    assert_eq!(
        only_error(&r).0,
        "Fragment \"T\" cannot be spread here as objects of type \"Customer\" can never be of type \"CustomerToken\"."
    );
}

#[test]
fn unknown_directive() {
    let r = run("{ customer @cached { email } }");
    assert_eq!(only_error(&r), ("Unknown directive \"@cached\".".into(), 1, 12));
}

#[test]
fn duplicate_operation_names() {
    let r = run("query A { customer { email } } query A { customer { email } }");
    let e = &r.errors[0];
    assert_eq!(e.message, "There can be only one operation named \"A\".");
    assert_eq!(
        e.locations,
        vec![Location { line: 1, column: 7 }, Location { line: 1, column: 38 }]
    );
}

#[test]
fn undefined_variable() {
    let r = run("query Q { isEmailAvailable(email: $e) { is_email_available } }");
    assert_eq!(
        only_error(&r),
        ("Variable \"$e\" is not defined by operation \"Q\".".into(), 1, 35)
    );
}

#[test]
fn unused_variable() {
    let r = run("query($x: String) { customer { email } }");
    assert_eq!(only_error(&r), ("Variable \"$x\" is never used.".into(), 1, 7));
}

#[test]
fn unused_fragment() {
    let r = run("{ customer { email } } fragment F on Customer { email }");
    assert_eq!(only_error(&r), ("Fragment \"F\" is never used.".into(), 1, 24));
}

#[test]
fn document_with_only_fragments_fails_on_the_unused_fragment() {
    let r = run("fragment F on Customer { email }");
    assert_eq!(only_error(&r).0, "Fragment \"F\" is never used.");
}

#[test]
fn lone_anonymous_operation() {
    let r = run("{ customer { email } } query B { customer { email } }");
    assert_eq!(
        only_error(&r),
        (
            "This anonymous operation must be the only defined operation.".into(),
            1,
            1
        )
    );
}

#[test]
fn variable_of_the_wrong_type_in_position() {
    let r = run("query($e: Int) { isEmailAvailable(email: $e) { is_email_available } }");
    assert_eq!(
        only_error(&r).0,
        "Variable \"$e\" of type \"Int\" used in position expecting type \"String!\"."
    );
}

#[test]
fn type_system_definition_is_not_executable() {
    let r = run("type Foo { a: String }");
    assert_eq!(
        only_error(&r),
        ("The \"Foo\" definition is not executable.".into(), 1, 1)
    );
}

#[test]
fn removed_field_is_unknown() {
    let mut e = Engine::new(
        Schema::from_sdl(REAL_SDL)
            .unwrap()
            .without_field("Mutation", "exchangeOtpForCustomerToken"),
    );
    e.resolver("Query", "customer", |_, _| Ok(Value::Null));
    let r = run_with(
        &e,
        "mutation { exchangeOtpForCustomerToken(email: \"a\", otp: \"b\") { token } }",
        json!({}),
    );
    assert_eq!(
        only_error(&r).0,
        "Cannot query field \"exchangeOtpForCustomerToken\" on type \"Mutation\"."
    );
}

const TINY_SDL: &str =
    "type Query { a(kind: Kind): String b: Extra } enum Kind { ONE TWO } type Extra { x: String }";

#[test]
fn removed_enum_value_is_refused() {
    let mut e = Engine::new(
        Schema::from_sdl(TINY_SDL)
            .unwrap()
            .without_enum_value("Kind", "TWO"),
    );
    e.resolver("Query", "a", |_, _| Ok(json!("ok")));
    assert_eq!(
        run_with(&e, "{ a(kind: ONE) }", json!({})).data.map(Output::into_json),
        Some(json!({"a": "ok"}))
    );
    assert_eq!(
        only_error(&run_with(&e, "{ a(kind: TWO) }", json!({}))),
        ("Expected value of type \"Kind\", found TWO.".into(), 1, 11)
    );
}

#[test]
fn a_type_nothing_refers_to_can_be_removed() {
    let e = Engine::<()>::new(
        Schema::from_sdl(TINY_SDL)
            .unwrap()
            .without_field("Query", "b")
            .without_type("Extra"),
    );
    let r = run_with(&e, r#"{ __type(name: "Extra") { name } }"#, json!({}));
    assert_eq!(r.data.map(Output::into_json), Some(json!({"__type": null})));
}

#[test]
#[should_panic(expected = "type Extra is still referred to")]
fn a_type_still_referred_to_cannot_be_removed() {
    let _ = Schema::from_sdl(TINY_SDL).unwrap().without_type("Extra");
}

// --- operations and execution ----------------------------------------------------------------

#[test]
fn several_operations_need_an_operation_name_which_is_never_honoured() {
    let r = run("query A { customer { email } } query B { customer { email } }");
    assert_eq!(
        compact(&r),
        "{\"errors\":[{\"message\":\"Must provide operation name if query contains multiple operations.\"}]}"
    );
}

#[test]
fn resolver_error_has_magentos_shape() {
    let r = run("mutation { generateCustomerToken(email: \"a@b.c\", password: \"bad\") { token } }");
    assert_eq!(
        compact(&r),
        format!(
            "{{\"errors\":[{{\"message\":\"{SIGN_IN_FAILED}\",\"locations\":[{{\"line\":1,\"column\":12}}],\"path\":[\"generateCustomerToken\"],\"extensions\":{{\"category\":\"graphql-authentication\"}}}}],\"data\":{{\"generateCustomerToken\":null}}}}"
        )
    );
}

#[test]
fn successful_mutation_projects_the_selection() {
    let r =
        run("mutation { generateCustomerToken(email: \"a@b.c\", password: \"pw\") { token __typename } }");
    assert_eq!(
        compact(&r),
        "{\"data\":{\"generateCustomerToken\":{\"token\":\"token-for-a@b.c\",\"__typename\":\"CustomerToken\"}}}"
    );
}

#[test]
fn variables_defaults_and_aliases() {
    let q = "query($e: String = \"x@y.z\") { first: isEmailAvailable(email: $e) { ok: is_email_available } }";
    let r = run(q);
    assert_eq!(compact(&r), "{\"data\":{\"first\":{\"ok\":true}}}");
}

#[test]
fn fragments_skip_and_include_shape_the_data() {
    let q = "query($s: Boolean!) { c: customer { ...F e2: email @skip(if: $s) ... on Customer { lastname } \
             id @include(if: false) } } fragment F on Customer { firstname email }";
    let r = run_with(&engine(), q, json!({"s": true}));
    assert_eq!(
        compact(&r),
        "{\"data\":{\"c\":{\"firstname\":\"Ada\",\"email\":\"ada@example.com\",\"lastname\":\"Lovelace\"}}}"
    );
}

#[test]
fn resolvers_receive_coerced_input_objects() {
    let q = "mutation { createCustomerV2(input: {lastname: \"L\", firstname: \"F\", email: \"e@x.y\", gender: \"2\", \
             allow_remote_shopping_assistance: true}) { customer { email gender firstname confirmation_status } } }";
    let mut e = engine();
    e.resolver("Mutation", "createCustomerV2", |_, args| {
        assert_eq!(
            serde_json::to_string(&args["input"]).unwrap(),
            "{\"allow_remote_shopping_assistance\":true,\"email\":\"e@x.y\",\"firstname\":\"F\",\"gender\":2,\"lastname\":\"L\"}"
        );
        let mut c = args["input"].clone();
        c["confirmation_status"] = json!("ACCOUNT_CONFIRMED");
        Ok(json!({ "customer": c }))
    });
    let r = run_with(&e, q, json!({}));
    assert_eq!(
        compact(&r),
        "{\"data\":{\"createCustomerV2\":{\"customer\":{\"email\":\"e@x.y\",\"gender\":2,\"firstname\":\"F\",\"confirmation_status\":\"ACCOUNT_CONFIRMED\"}}}}"
    );
}

#[test]
fn root_field_without_resolver_is_not_implemented() {
    let r = run("{ storeConfig { store_code } }");
    assert_eq!(
        compact(&r),
        "{\"errors\":[{\"message\":\"Field \\\"storeConfig\\\" is not implemented by this mock yet.\",\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"storeConfig\"],\"extensions\":{\"category\":\"graphql-input\"}}],\"data\":{\"storeConfig\":null}}"
    );
}

#[test]
fn null_for_a_non_null_field_nulls_the_nearest_nullable_parent() {
    let mut e = engine();
    e.resolver("Mutation", "createCustomerV2", |_, _| {
        Ok(json!({"customer": {"email": "x"}}))
    });
    let q = "mutation { createCustomerV2(input: {email: \"a\", firstname: \"b\", lastname: \"c\"}) { customer { email allow_remote_shopping_assistance } } }";
    let r = run_with(&e, q, json!({}));
    assert_eq!(
        compact(&r),
        "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field \\\"Customer.allow_remote_shopping_assistance\\\".\",\"locations\":[{\"line\":1,\"column\":100}],\"path\":[\"createCustomerV2\",\"customer\",\"allow_remote_shopping_assistance\"]}],\"data\":{\"createCustomerV2\":null}}"
    );
}

#[test]
fn mutations_run_in_document_order() {
    use std::sync::{Arc, Mutex};
    let log = Arc::new(Mutex::new(vec![]));
    let mut e: Engine<()> = Engine::new(Schema::from_sdl(REAL_SDL).unwrap());
    for name in ["requestPasswordResetEmail", "resendConfirmationEmail"] {
        let log = log.clone();
        e.resolver("Mutation", name, move |_, _| {
            log.lock().unwrap().push(name);
            Ok(json!(true))
        });
    }
    let r = run_with(
        &e,
        "mutation { b: resendConfirmationEmail(email: \"x\") a: requestPasswordResetEmail(email: \"x\") }",
        json!({}),
    );
    assert_eq!(compact(&r), "{\"data\":{\"b\":true,\"a\":true}}");
    assert_eq!(
        *log.lock().unwrap(),
        vec!["resendConfirmationEmail", "requestPasswordResetEmail"]
    );
}

#[test]
fn has_mutation_tells_queries_from_mutations() {
    assert!(parse("mutation { revokeCustomerToken { result } }")
        .unwrap()
        .has_mutation());
    assert!(!parse("{ customer { email } }").unwrap().has_mutation());
}

#[test]
fn syntax_errors_come_from_parse_without_category() {
    let e = parse("").unwrap_err();
    assert_eq!(
        serde_json::to_string(&e.to_json()).unwrap(),
        "{\"message\":\"Syntax Error: Unexpected <EOF>\",\"locations\":[{\"line\":1,\"column\":1}]}"
    );
    let e = parse("{ customer { email }").unwrap_err();
    assert_eq!(e.message, "Syntax Error: Expected Name, found <EOF>");
}

#[test]
fn schema_fields_are_sorted_in_byte_order() {
    let s = Schema::from_sdl(REAL_SDL).unwrap();
    let names = s.field_names("Customer");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.first().map(String::as_str), Some("addresses"));
}

#[test]
fn document_and_schema_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Document>();
    assert_send_sync::<Schema>();
    assert_send_sync::<Engine<()>>();
}

// --- introspection ---------------------------------------------------------------------------

#[test]
fn typename_works_at_the_root() {
    assert_eq!(
        compact(&run("{ __typename }")),
        "{\"data\":{\"__typename\":\"Query\"}}"
    );
}

#[test]
fn type_query_describes_an_input_type() {
    let r = run("{ __type(name: \"GenerateCustomerTokenAsAdminInput\") { kind name inputFields { name type { kind ofType { name } } } } }");
    assert_eq!(
        compact(&r),
        "{\"data\":{\"__type\":{\"kind\":\"INPUT_OBJECT\",\"name\":\"GenerateCustomerTokenAsAdminInput\",\"inputFields\":[{\"name\":\"customer_email\",\"type\":{\"kind\":\"NON_NULL\",\"ofType\":{\"name\":\"String\"}}}]}}}"
    );
}

#[test]
fn deprecated_fields_are_hidden_unless_asked_for() {
    let r = run("{ __type(name: \"Customer\") { a: fields { name } b: fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }");
    let t = &r.to_json()["data"]["__type"];
    let a: Vec<&str> = t["a"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(!a.contains(&"dob"));
    let dob = t["b"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "dob")
        .unwrap();
    assert_eq!(dob["isDeprecated"], json!(true));
}

#[test]
fn standard_introspection_query_passes_validation_and_describes_the_whole_schema() {
    let r = run(INTROSPECTION_QUERY);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let data = r.to_json()["data"].clone();
    let schema = &data["__schema"];
    assert_eq!(schema["queryType"]["name"], json!("Query"));
    assert_eq!(schema["mutationType"]["name"], json!("Mutation"));
    let types = schema["types"].as_array().unwrap();
    let names: HashSet<&str> = types.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for required in [
        "Query",
        "Mutation",
        "Customer",
        "CustomerToken",
        "RevokeCustomerTokenOutput",
        "IsEmailAvailableOutput",
        "CustomerOutput",
        "CustomerCreateInput",
        "CustomerUpdateInput",
        "GenerateCustomerTokenAsAdminInput",
        "GenerateCustomerTokenAsAdminOutput",
        "ConfirmEmailInput",
        "ConfirmationStatusEnum",
        "CustomerGroup",
        "StoreConfig",
        "String",
        "Int",
        "Float",
        "Boolean",
        "ID",
        "__Schema",
        "__Type",
        "__Field",
        "__InputValue",
        "__EnumValue",
        "__Directive",
        "__TypeKind",
        "__DirectiveLocation",
    ] {
        assert!(names.contains(required), "missing type {required}");
    }
    // Every referenced type name resolves.
    fn named_of(t: &Value) -> &str {
        if t["ofType"].is_null() {
            t["name"].as_str().unwrap()
        } else {
            named_of(&t["ofType"])
        }
    }
    let mut referenced = vec![];
    for t in types {
        for f in t["fields"].as_array().into_iter().flatten() {
            referenced.push(named_of(&f["type"]));
            for a in f["args"].as_array().unwrap() {
                referenced.push(named_of(&a["type"]));
            }
        }
        for f in t["inputFields"].as_array().into_iter().flatten() {
            referenced.push(named_of(&f["type"]));
        }
    }
    for d in schema["directives"].as_array().unwrap() {
        for a in d["args"].as_array().unwrap() {
            referenced.push(named_of(&a["type"]));
        }
    }
    for r in referenced {
        assert!(names.contains(r), "unresolved type {r}");
    }
    let directives: Vec<&str> = schema["directives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(directives, vec!["include", "skip", "deprecated"]);
    // Section 3 details.
    let ty = |n: &str| types.iter().find(|t| t["name"] == n).unwrap().clone();
    let mutation = ty("Mutation");
    let gct = mutation["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "generateCustomerToken")
        .unwrap();
    let args: Vec<&str> = gct["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(args, vec!["email", "password"]);
    assert_eq!(gct["type"]["name"], json!("CustomerToken"));
    let status = ty("ConfirmationStatusEnum");
    let values: Vec<&str> = status["enumValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        vec!["ACCOUNT_CONFIRMED", "ACCOUNT_CONFIRMATION_NOT_REQUIRED"]
    );
    let group = ty("CustomerGroup");
    assert_eq!(group["fields"][0]["type"]["kind"], json!("NON_NULL"));
    assert_eq!(group["fields"][0]["type"]["ofType"]["name"], json!("ID"));
    let store = ty("StoreConfig");
    let field_type = |n: &str| {
        store["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap()["type"]["name"]
            .clone()
    };
    assert_eq!(field_type("customer_access_token_lifetime"), json!("Float"));
    assert_eq!(field_type("minimum_password_length"), json!("String"));
    assert_eq!(field_type("create_account_confirmation"), json!("Boolean"));
    let create = ty("CustomerCreateInput");
    let inputs: Vec<&str> = create["inputFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(inputs.first(), Some(&"allow_remote_shopping_assistance"));
    assert!(inputs.contains(&"password"));
}

#[test]
fn hostile_fragment_fan_out_is_validated_in_linear_time() {
    // Each fragment spreads the next twice: 2^60 fields if expanded naively.
    let mut q = String::from("{ customer { ...F0 } }");
    for i in 0..60 {
        q.push_str(&format!(
            " fragment F{i} on Customer {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    q.push_str(" fragment F60 on Customer { email }");
    let r = run(&q);
    assert!(
        r.errors.is_empty() || r.errors[0].message.starts_with("Max query"),
        "{:?}",
        r.errors
    );
}

#[test]
fn hostile_fragment_chains_are_refused_instead_of_overflowing_the_stack() {
    let mut q = String::from("{ customer { ...F0 } }");
    for i in 0..400 {
        q.push_str(&format!(
            " fragment F{i} on Customer {{ {}...F{n}{} }}",
            "... on Customer { ".repeat(100),
            " }".repeat(100),
            n = i + 1
        ));
    }
    q.push_str(" fragment F400 on Customer { email }");
    let r = run(&q);
    assert_eq!(
        only_error(&r).0,
        "Document nesting is deeper than 1000 levels once fragments are expanded."
    );
}

#[test]
fn conflicting_aliases_are_reported() {
    let r = run("{ customer { a: email a: firstname } }");
    assert_eq!(
        only_error(&r),
        (
            "Fields \"a\" conflict because \"email\" and \"firstname\" are different fields. Use different aliases on the fields to fetch both if this was intentional.".into(),
            1,
            14
        )
    );
}

#[test]
fn standard_introspection_query_is_well_under_magentos_limits() {
    let doc = parse(INTROSPECTION_QUERY).unwrap();
    let schema = Schema::from_sdl(REAL_SDL).unwrap();
    assert_eq!(validate::introspection_figures(&schema, &doc), (11, 181));
}

/// A resolver answering an object as its fields gives what the same answer as JSON gives, for
/// every way a selection set can read it.
#[test]
fn an_answer_given_as_fields_completes_as_its_json_does() {
    const SDL: &str = "type Query { obj: Obj need: Obj! list: [Obj] word: String } \
                       type Obj { a: String b: Int c: String! inner: Obj }";
    let fields = || {
        vec![
            ("a", json!("é \"quoted\"")),
            ("b", json!(7)),
            ("inner", json!({"a": "deep", "c": "x"})),
        ]
    };
    let as_fields = {
        let mut e = Engine::<()>::new(Schema::from_sdl(SDL).unwrap());
        for field in ["obj", "need", "list", "word"] {
            e.resolver("Query", field, move |_, _| Ok(Resolved::Fields(fields())));
        }
        e
    };
    let as_json = {
        let mut e = Engine::<()>::new(Schema::from_sdl(SDL).unwrap());
        for field in ["obj", "need", "list", "word"] {
            e.resolver("Query", field, move |_, _| Ok(Resolved::Fields(fields()).into_json()));
        }
        e
    };
    for query in [
        "{ obj { a b } }",
        "{ obj { b a a } }",
        "{ obj { x: a y: a b } }",
        "{ obj { __typename a } }",
        "{ obj { inner { a c } } }",
        "{ obj { inner { inner { a } } } }",
        "{ obj { ...F } } fragment F on Obj { a b }",
        "{ obj { ... on Obj { b } a @skip(if: true) } }",
        // `c` is non-null and missing: null travels up to `obj`, or to all of `data` from `need`.
        "{ obj { a c } }",
        "{ need { c } word }",
        "{ need { a } }",
        // Not an object type: completed from the JSON.
        "{ list { a } }",
        "{ word }",
    ] {
        let ours = run_with(&as_fields, query, json!({}));
        let theirs = run_with(&as_json, query, json!({}));
        assert_eq!(compact(&ours), compact(&theirs), "{query}");
    }
    assert_eq!(
        compact(&run_with(&as_fields, "{ obj { x: a b inner { c } } }", json!({}))),
        r#"{"data":{"obj":{"x":"é \"quoted\"","b":7,"inner":{"c":"x"}}}}"#
    );
}
