//! Input values: scalar coercion (graphql-php v15 with Magento's lenient String/Int/Float
//! replacements), variable coercion (`Value::coerceInputValue` wording), literal → JSON, and PHP's
//! `json_encode` for printing invalid values.
//!
//! Magento replaces graphql-php's `String`, `Int` and `Float` with types that first cast the value
//! the PHP way (`(string) 5` is `"5"`, `(float) "3"` is `3.0`), so `email: 5` is a valid `String`
//! and `"3"` a valid `Int`. Lists and objects are never cast.

use serde_json::{Map, Number, Value};

use super::schema::{Schema, TypeKind, TypeRef};
use super::syntax::{ValueKind, ValueNode};

/// PHP's `json_encode` with default flags: `\/`, `\uXXXX` for non-ASCII, `[]` for an empty object,
/// floats always with a fractional part.
pub fn php_json_encode(v: &Value) -> String {
    let mut out = String::new();
    encode_into(v, &mut out);
    out
}

fn encode_into(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&php_number(n)),
        Value::String(s) => encode_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_into(item, out);
            }
            out.push(']');
        }
        Value::Object(m) if m.is_empty() => out.push_str("[]"),
        Value::Object(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_str(k, out);
                out.push(':');
                encode_into(v, out);
            }
            out.push('}');
        }
    }
}

fn php_number(n: &Number) -> String {
    if n.is_f64() {
        let f = n.as_f64().unwrap_or(0.0);
        php_float_json(f)
    } else {
        n.to_string()
    }
}

/// `json_encode` of a PHP float (serialize_precision -1).
fn php_float_json(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        let s = format!("{f}");
        if s.contains('e') {
            format!("{f:e}").replace('e', ".0e+").replace("+-", "-")
        } else {
            s
        }
    }
}

/// `(string)` of a PHP float.
fn php_float_string(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn encode_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// PHP's `is_numeric` on a string, returning the number.
fn php_numeric(s: &str) -> Option<f64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}']);
    let t = t.trim_end_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}']);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let ok_mantissa = digits(int_part)
        && frac_part.is_none_or(digits)
        && (!int_part.is_empty() || frac_part.is_some_and(|f| !f.is_empty()));
    let ok_exp = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !ok_mantissa || !ok_exp {
        return None;
    }
    t.parse::<f64>().ok()
}

fn float_value(f: f64) -> Value {
    Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)
}

/// `Int` of graphql-php v15 on a value already cast by Magento.
fn int_from_number(v: &Value) -> Result<Value, String> {
    let (f, is_int) = match v {
        Value::Number(n) if !n.is_f64() => (n.as_f64().unwrap_or(f64::MAX), true),
        Value::Number(n) => (n.as_f64().unwrap_or(f64::NAN), false),
        _ => {
            return Err(format!(
                "Int cannot represent non-integer value: {}",
                php_json_encode(v)
            ))
        }
    };
    if !is_int && (f.fract() != 0.0 || !f.is_finite()) {
        return Err(format!(
            "Int cannot represent non-integer value: {}",
            php_json_encode(v)
        ));
    }
    if !(-2147483648.0..=2147483647.0).contains(&f) {
        return Err(format!(
            "Int cannot represent non 32-bit signed integer value: {}",
            php_json_encode(v)
        ));
    }
    Ok(Value::from(f as i64))
}

/// `parseValue` of a scalar or enum for a (non-null) JSON variable value.
pub fn parse_scalar_value(schema: &Schema, type_name: &str, v: &Value) -> Result<Value, String> {
    let is_list_or_object = matches!(v, Value::Array(_) | Value::Object(_));
    match type_name {
        "String" => match v {
            Value::String(_) => Ok(v.clone()),
            Value::Bool(b) => Ok(Value::String(if *b { "1".into() } else { String::new() })),
            Value::Number(n) if n.is_f64() => Ok(Value::String(php_float_string(n.as_f64().unwrap_or(0.0)))),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            _ => Err(format!(
                "String cannot represent a non string value: {}",
                php_json_encode(v)
            )),
        },
        "Int" | "Float" => {
            let cast = match v {
                Value::String(s) if !s.is_empty() => php_numeric(s).map(float_value),
                Value::Bool(b) => Some(float_value(if *b { 1.0 } else { 0.0 })),
                Value::Number(n) => Some(float_value(n.as_f64().unwrap_or(0.0))),
                _ => None,
            };
            if type_name == "Int" {
                match (v, cast) {
                    (Value::Number(n), _) if !n.is_f64() => int_from_number(v),
                    (_, Some(c)) => int_from_number(&c),
                    _ => int_from_number(v),
                }
            } else {
                match cast {
                    Some(c) if !c.is_null() => Ok(c),
                    _ => Err(format!(
                        "Float cannot represent non numeric value: {}",
                        php_json_encode(v)
                    )),
                }
            }
        }
        "Boolean" => match v {
            Value::Bool(_) => Ok(v.clone()),
            _ => Err(format!(
                "Boolean cannot represent a non boolean value: {}",
                php_json_encode(v)
            )),
        },
        "ID" => match v {
            Value::String(_) => Ok(v.clone()),
            Value::Number(n) if !n.is_f64() => Ok(Value::String(n.to_string())),
            _ => Err(format!(
                "ID cannot represent a non-string and non-integer value: {}",
                php_json_encode(v)
            )),
        },
        _ => match schema.get(type_name) {
            Some(t) if t.kind == TypeKind::Enum => match v {
                Value::String(s) if t.enum_values.iter().any(|e| &e.name == s) => Ok(v.clone()),
                Value::String(s) => Err(format!("Value \"{s}\" does not exist in \"{type_name}\" enum.")),
                _ if is_list_or_object => Err(format!(
                    "Value \"{}\" does not exist in \"{type_name}\" enum.",
                    php_json_encode(v)
                )),
                _ => Err(format!(
                    "Value \"{}\" does not exist in \"{type_name}\" enum.",
                    php_json_encode(v)
                )),
            },
            // Custom scalars pass through.
            _ => Ok(v.clone()),
        },
    }
}

/// `parseLiteral` of a scalar: the value, or the scalar's own error message.
pub fn parse_scalar_literal(type_name: &str, node: &ValueNode) -> Result<Value, String> {
    let printed = node.print();
    // Magento's replacements first try the literal's raw value through parseValue.
    let raw: Option<Value> = match &node.kind {
        ValueKind::Int(s) | ValueKind::Float(s) | ValueKind::Enum(s) => Some(Value::String(s.clone())),
        ValueKind::String { value, .. } => Some(Value::String(value.clone())),
        ValueKind::Boolean(b) => Some(Value::Bool(*b)),
        _ => None,
    };
    match type_name {
        "String" => match (&node.kind, raw) {
            (ValueKind::Boolean(b), _) => Ok(Value::String(if *b { "1".into() } else { String::new() })),
            (_, Some(Value::String(s))) => Ok(Value::String(s)),
            _ => Err(format!("String cannot represent a non string value: {printed}")),
        },
        "Int" => {
            if let ValueKind::Int(s) = &node.kind {
                return match s.parse::<i64>() {
                    Ok(n) if (-2147483648..=2147483647).contains(&n) => Ok(Value::from(n)),
                    _ => Err(format!("Int cannot represent non-integer value: {printed}")),
                };
            }
            let cast = match &raw {
                Some(Value::String(s)) if !s.is_empty() => php_numeric(s),
                Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
                _ => None,
            };
            match cast.map(|f| int_from_number(&float_value(f))) {
                Some(Ok(v)) => Ok(v),
                _ => Err(format!("Int cannot represent non-integer value: {printed}")),
            }
        }
        "Float" => {
            let cast = match &raw {
                Some(Value::String(s)) if !s.is_empty() => php_numeric(s),
                Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
                _ => None,
            };
            match cast {
                Some(f) if f.is_finite() => Ok(float_value(f)),
                _ => Err(format!("Float cannot represent non numeric value: {printed}")),
            }
        }
        "Boolean" => match &node.kind {
            ValueKind::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(format!("Boolean cannot represent a non boolean value: {printed}")),
        },
        "ID" => match &node.kind {
            ValueKind::String { value, .. } => Ok(Value::String(value.clone())),
            ValueKind::Int(s) => Ok(Value::String(s.clone())),
            _ => Err(format!(
                "ID cannot represent a non-string and non-integer value: {printed}"
            )),
        },
        _ => Ok(literal_as_json(node)),
    }
}

/// A literal as plain JSON, for custom scalars.
fn literal_as_json(node: &ValueNode) -> Value {
    match &node.kind {
        ValueKind::Variable(_) | ValueKind::Null => Value::Null,
        ValueKind::Int(s) => s.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        ValueKind::Float(s) => s.parse::<f64>().ok().map(float_value).unwrap_or(Value::Null),
        ValueKind::String { value, .. } => Value::String(value.clone()),
        ValueKind::Boolean(b) => Value::Bool(*b),
        ValueKind::Enum(e) => Value::String(e.clone()),
        ValueKind::List(items) => Value::Array(items.iter().map(literal_as_json).collect()),
        ValueKind::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|f| (f.name.value.clone(), literal_as_json(&f.value)))
                .collect(),
        ),
    }
}

/// One failure of `coerceInputValue`.
#[derive(Debug, Clone)]
pub struct CoercionError {
    pub message: String,
    /// `.field` / `[0]` segments, `None` at the top.
    pub path: Option<String>,
    pub invalid: Value,
}

/// `Value::coerceInputValue` for a variable's JSON value.
pub fn coerce_input(
    schema: &Schema,
    v: &Value,
    ty: &TypeRef,
    path: Option<String>,
) -> Result<Value, Vec<CoercionError>> {
    match ty {
        TypeRef::NonNull(inner) => {
            if v.is_null() {
                return Err(vec![CoercionError {
                    message: format!("Expected non-nullable type \"{ty}\" not to be null."),
                    path,
                    invalid: v.clone(),
                }]);
            }
            coerce_input(schema, v, inner, path)
        }
        _ if v.is_null() => Ok(Value::Null),
        TypeRef::List(item) => match v {
            Value::Array(items) => {
                let mut errors = vec![];
                let mut out = vec![];
                for (i, it) in items.iter().enumerate() {
                    let p = format!("{}[{i}]", path.clone().unwrap_or_default());
                    match coerce_input(schema, it, item, Some(p)) {
                        Ok(c) => out.push(c),
                        Err(e) => errors.extend(e),
                    }
                }
                if errors.is_empty() {
                    Ok(Value::Array(out))
                } else {
                    Err(errors)
                }
            }
            other => coerce_input(schema, other, item, None).map(|c| Value::Array(vec![c])),
        },
        TypeRef::Named(name) => {
            let Some(t) = schema.get(name) else {
                return Ok(v.clone());
            };
            if t.kind != TypeKind::InputObject {
                return parse_scalar_value(schema, name, v).map_err(|m| {
                    vec![CoercionError {
                        message: m,
                        path,
                        invalid: v.clone(),
                    }]
                });
            }
            let obj = match v {
                Value::Object(m) => m,
                _ => {
                    return Err(vec![CoercionError {
                        message: format!("Expected type \"{name}\" to be an object."),
                        path,
                        invalid: v.clone(),
                    }])
                }
            };
            let mut errors = vec![];
            let mut out = Map::new();
            for f in &t.input_fields {
                if let Some(fv) = obj.get(&f.name) {
                    let p = format!("{}.{}", path.clone().unwrap_or_default(), f.name);
                    match coerce_input(schema, fv, &f.ty, Some(p)) {
                        Ok(c) => {
                            out.insert(f.name.clone(), c);
                        }
                        Err(e) => errors.extend(e),
                    }
                } else if let Some(d) = &f.default {
                    out.insert(f.name.clone(), d.clone());
                } else if f.ty.is_non_null() {
                    errors.push(CoercionError {
                        message: format!(
                            "Field \"{}\" of required type \"{}\" was not provided.",
                            f.name, f.ty
                        ),
                        path: path.clone(),
                        invalid: v.clone(),
                    });
                }
            }
            for k in obj.keys() {
                if t.input_field(k).is_some() {
                    continue;
                }
                let names: Vec<&str> = t.input_fields.iter().map(|f| f.name.as_str()).collect();
                let suggestions = suggestion_list(k, &names);
                let mut message = format!("Field \"{k}\" is not defined by type \"{name}\".");
                if !suggestions.is_empty() {
                    message.push_str(&format!(" Did you mean {}?", quoted_or_list(&suggestions)));
                }
                errors.push(CoercionError {
                    message,
                    path: path.clone(),
                    invalid: v.clone(),
                });
            }
            if errors.is_empty() {
                Ok(Value::Object(out))
            } else {
                Err(errors)
            }
        }
    }
}

/// The values of a request's variables by name, as [`literal_to_json`] reads them.
pub trait Variables {
    fn variable(&self, name: &str) -> Option<&Value>;
}

impl Variables for Map<String, Value> {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// `AST::valueFromAST` for a literal already validated: the JSON a resolver receives.
/// `None` when a variable inside it is absent (the enclosing object field is then omitted).
pub fn literal_to_json<V: Variables + ?Sized>(
    schema: &Schema,
    node: &ValueNode,
    ty: &TypeRef,
    vars: &V,
) -> Option<Value> {
    if let ValueKind::Variable(n) = &node.kind {
        return vars.variable(n).cloned();
    }
    if let ValueKind::Null = node.kind {
        return Some(Value::Null);
    }
    match ty {
        TypeRef::NonNull(inner) => literal_to_json(schema, node, inner, vars),
        TypeRef::List(item) => match &node.kind {
            ValueKind::List(items) => Some(Value::Array(
                items
                    .iter()
                    .map(|i| literal_to_json(schema, i, item, vars).unwrap_or(Value::Null))
                    .collect(),
            )),
            _ => literal_to_json(schema, node, item, vars).map(|v| Value::Array(vec![v])),
        },
        TypeRef::Named(name) => {
            let t = schema.get(name)?;
            match (t.kind, &node.kind) {
                (TypeKind::InputObject, ValueKind::Object(fields)) => {
                    let mut out = Map::new();
                    for f in &t.input_fields {
                        match fields.iter().find(|of| of.name.value == f.name) {
                            Some(of) => {
                                if let Some(v) = literal_to_json(schema, &of.value, &f.ty, vars) {
                                    out.insert(f.name.clone(), v);
                                } else if let Some(d) = &f.default {
                                    out.insert(f.name.clone(), d.clone());
                                }
                            }
                            None => {
                                if let Some(d) = &f.default {
                                    out.insert(f.name.clone(), d.clone());
                                }
                            }
                        }
                    }
                    Some(Value::Object(out))
                }
                (TypeKind::Enum, ValueKind::Enum(e)) => Some(Value::String(e.clone())),
                (TypeKind::Scalar, _) => parse_scalar_literal(name, node).ok(),
                _ => None,
            }
        }
    }
}

/// `Utils::suggestionList`: options within a lexical distance of 40% of the input's length + 1,
/// closest first, ties in natural order.
pub fn suggestion_list(input: &str, options: &[&str]) -> Vec<String> {
    let threshold = (input.chars().count() as f64 * 0.4).floor() as usize + 1;
    let lower_input = input.to_lowercase();
    let mut found: Vec<(usize, &str)> = options
        .iter()
        .filter_map(|o| {
            // LexicalDistance's early exit; it also keeps hostile long names cheap.
            if input.chars().count().abs_diff(o.chars().count()) > threshold {
                return None;
            }
            let lower = o.to_lowercase();
            let d = if lower == lower_input {
                1
            } else {
                osa_distance(&lower_input, &lower)
            };
            (d <= threshold).then_some((d, *o))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    found.into_iter().map(|(_, o)| o.to_string()).collect()
}

/// Optimal string alignment distance (Damerau-Levenshtein without substring edits).
fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// `Utils::quotedOrList`: `"a"`, `"a" or "b"`, `"a", "b", or "c"` (at most five).
pub fn quoted_or_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().take(5).map(|s| format!("\"{s}\"")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        2 => format!("{} or {}", quoted[0], quoted[1]),
        n => format!("{}, or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn php_json_encode_escapes_slashes_and_unicode_and_prints_floats_with_a_fraction() {
        assert_eq!(
            php_json_encode(&json!({"a/b": "é", "n": 5.0, "i": 5, "e": {}})),
            r#"{"a\/b":"\u00e9","n":5.0,"i":5,"e":[]}"#
        );
    }

    #[test]
    fn magento_string_accepts_numbers_and_booleans_but_not_lists() {
        let s = Schema::from_sdl("type Query { a: String }").unwrap();
        assert_eq!(parse_scalar_value(&s, "String", &json!(5)), Ok(json!("5")));
        assert_eq!(parse_scalar_value(&s, "String", &json!(true)), Ok(json!("1")));
        assert_eq!(
            parse_scalar_value(&s, "String", &json!([1])),
            Err("String cannot represent a non string value: [1]".into())
        );
    }

    #[test]
    fn magento_int_casts_numeric_strings() {
        let s = Schema::from_sdl("type Query { a: String }").unwrap();
        assert_eq!(parse_scalar_value(&s, "Int", &json!("3")), Ok(json!(3)));
        assert_eq!(
            parse_scalar_value(&s, "Int", &json!("abc")),
            Err("Int cannot represent non-integer value: \"abc\"".into())
        );
        assert_eq!(
            parse_scalar_value(&s, "Int", &json!(1.5)),
            Err("Int cannot represent non-integer value: 1.5".into())
        );
    }

    #[test]
    fn suggestions_are_close_names_in_quoted_or_list() {
        let s = suggestion_list("emial", &["email", "firstname", "lastname"]);
        assert_eq!(quoted_or_list(&s), "\"email\"");
    }
}
