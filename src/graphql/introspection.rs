//! Introspection: `__schema`, `__type(name:)` values built from the schema model.
//!
//! Every introspection object is plain JSON except `__Type`, which can nest without end
//! (`fields → type → fields …`). A `__Type` is therefore a small descriptor (`{"$name": "Customer"}`
//! or `{"$kind": "NON_NULL", "$of": …}`) and the executor asks [`type_field`] for one field of it
//! at a time.

use serde_json::{json, Value};

use super::schema::{FieldDef, InputValue, Schema, TypeKind, TypeRef};

/// The descriptor of a `__Type`.
pub fn type_ref(t: &TypeRef) -> Value {
    match t {
        TypeRef::Named(n) => named(n),
        TypeRef::List(i) => json!({"$kind": "LIST", "$of": type_ref(i)}),
        TypeRef::NonNull(i) => json!({"$kind": "NON_NULL", "$of": type_ref(i)}),
    }
}

pub fn named(name: &str) -> Value {
    json!({ "$name": name })
}

/// The `__Schema` object.
pub fn schema_value(schema: &Schema) -> Value {
    let mut names: Vec<&str> = vec![schema.query.as_str()];
    if let Some(m) = &schema.mutation {
        names.push(m);
    }
    for n in schema.types.keys() {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let directives: Vec<Value> = schema
        .directives
        .iter()
        .map(|d| {
            json!({
                "name": d.name,
                "description": d.description,
                "args": d.args.iter().map(input_value).collect::<Vec<_>>(),
                "isRepeatable": false,
                "locations": d.locations,
            })
        })
        .collect();
    json!({
        "types": names.iter().map(|n| named(n)).collect::<Vec<_>>(),
        "queryType": named(&schema.query),
        "mutationType": schema.mutation.as_deref().map(named),
        "subscriptionType": null,
        "directives": directives,
    })
}

fn input_value(iv: &InputValue) -> Value {
    json!({
        "name": iv.name,
        "description": iv.description,
        "type": type_ref(&iv.ty),
        "defaultValue": iv.default_printed,
    })
}

fn field_value(f: &FieldDef) -> Value {
    json!({
        "name": f.name,
        "description": f.description,
        "args": f.args.iter().map(input_value).collect::<Vec<_>>(),
        "type": type_ref(&f.ty),
        "isDeprecated": f.deprecation.is_some(),
        "deprecationReason": f.deprecation,
    })
}

/// One field of a `__Type` descriptor. `args` are the field's coerced arguments.
pub fn type_field(schema: &Schema, desc: &Value, field: &str, args: &super::Args) -> Value {
    if let Some(kind) = desc.get("$kind").and_then(Value::as_str) {
        return match field {
            "kind" => json!(kind),
            "ofType" => desc.get("$of").cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        };
    }
    let Some(t) = desc
        .get("$name")
        .and_then(Value::as_str)
        .and_then(|n| schema.get(n))
    else {
        return Value::Null;
    };
    let include_deprecated = args
        .get("includeDeprecated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match field {
        "kind" => json!(t.kind.introspection_name()),
        "name" => json!(t.name),
        "description" => json!(t.description),
        "fields" if t.kind == TypeKind::Object => Value::Array(
            t.fields
                .iter()
                .filter(|f| include_deprecated || f.deprecation.is_none())
                .map(field_value)
                .collect(),
        ),
        "interfaces" if t.kind == TypeKind::Object => json!([]),
        "enumValues" if t.kind == TypeKind::Enum => Value::Array(
            t.enum_values
                .iter()
                .filter(|v| include_deprecated || v.deprecation.is_none())
                .map(|v| {
                    json!({
                        "name": v.name,
                        "description": v.description,
                        "isDeprecated": v.deprecation.is_some(),
                        "deprecationReason": v.deprecation,
                    })
                })
                .collect(),
        ),
        "inputFields" if t.kind == TypeKind::InputObject => {
            Value::Array(t.input_fields.iter().map(input_value).collect())
        }
        _ => Value::Null,
    }
}
