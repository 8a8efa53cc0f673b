//! The standard graphql-js introspection query over HTTP: it passes Magento's depth and
//! complexity limits and returns a self-consistent schema (every referenced type is defined).

mod common;

use std::collections::BTreeSet;

use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::gql;
use serde_json::{json, Value};

const INTROSPECTION_QUERY: &str = include_str!("../src/graphql/introspection_query.graphql");

fn referenced_names(type_ref: &Value, out: &mut BTreeSet<String>) {
    if let Some(name) = type_ref.get("name").and_then(Value::as_str) {
        out.insert(name.to_string());
    }
    if let Some(inner) = type_ref.get("ofType").filter(|v| !v.is_null()) {
        referenced_names(inner, out);
    }
}

#[tokio::test]
async fn standard_introspection_query_returns_a_complete_schema_on_every_profile() {
    for profile in Profile::ALL {
        let server = TestServer::start(profile).await;
        let r = gql(&server.graphql_url(), INTROSPECTION_QUERY, json!({}), &[]).await;
        assert_eq!(r.status, 200, "{profile}");
        let body = r.json();
        assert!(body.get("errors").is_none(), "{profile}: {}", r.body);
        let schema = &body["data"]["__schema"];
        assert_eq!(schema["queryType"]["name"], "Query");
        assert_eq!(schema["mutationType"]["name"], "Mutation");
        let types = schema["types"].as_array().expect("types");
        let defined: BTreeSet<String> = types
            .iter()
            .map(|t| t["name"].as_str().expect("type name").to_string())
            .collect();
        let mut referenced = BTreeSet::new();
        for t in types {
            for list in ["fields", "inputFields"] {
                for f in t[list].as_array().into_iter().flatten() {
                    referenced_names(&f["type"], &mut referenced);
                    for a in f["args"].as_array().into_iter().flatten() {
                        referenced_names(&a["type"], &mut referenced);
                    }
                }
            }
        }
        let missing: Vec<_> = referenced.difference(&defined).collect();
        assert!(
            missing.is_empty(),
            "{profile}: referenced but undefined: {missing:?}"
        );
        for name in [
            "Customer",
            "CustomerToken",
            "CustomerCreateInput",
            "ConfirmationStatusEnum",
            "StoreConfig",
        ] {
            assert!(defined.contains(name), "{profile}: {name} missing");
        }
        let mutation = types.iter().find(|t| t["name"] == "Mutation").unwrap();
        let has_exchange = mutation["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "exchangeOtpForCustomerToken");
        assert_eq!(has_exchange, profile == Profile::Saas, "{profile}");
    }
}
