//! Execution: operation selection, variable coercion, root resolvers, projection of the
//! resolvers' JSON onto the selection sets, and graphql-php's null propagation.

use serde_json::{Map, Value};

use super::introspection;
use super::schema::{Schema, TypeKind, TypeRef};
use super::syntax::*;
use super::values::{coerce_input, literal_to_json, php_json_encode};
use super::{validate, Engine, ExecutionResult, GraphqlError, Location};

fn plain_error(message: impl Into<String>, locations: Vec<Location>) -> ExecutionResult {
    ExecutionResult {
        errors: vec![GraphqlError {
            message: message.into(),
            locations,
            path: None,
            category: None,
        }],
        data: None,
    }
}

pub fn execute<C>(engine: &Engine<C>, ctx: &C, doc: &Document, raw: &Map<String, Value>) -> ExecutionResult {
    let schema = &engine.schema;
    if let Some(e) = validate::validate(schema, doc, raw) {
        return ExecutionResult {
            errors: vec![e],
            data: None,
        };
    }
    let ops: Vec<&Operation> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Operation(o) => Some(o),
            _ => None,
        })
        .collect();
    let op = match ops.as_slice() {
        [] => return plain_error("Must provide an operation.", vec![]),
        [op] => *op,
        _ => {
            return plain_error(
                "Must provide operation name if query contains multiple operations.",
                vec![],
            )
        }
    };
    let root = match op.kind {
        OpKind::Query => schema.query.clone(),
        OpKind::Mutation => match &schema.mutation {
            Some(m) => m.clone(),
            None => return plain_error("Schema is not configured for mutations.", vec![op.loc]),
        },
        OpKind::Subscription => {
            return plain_error("Schema is not configured for subscriptions.", vec![op.loc])
        }
    };
    let vars = match coerce_variables(schema, op, raw) {
        Ok(v) => v,
        // graphql-php reports every variable error; Magento returns only the first error of a
        // request that fails before execution (spec section 3), so the rest are dropped here.
        Err(mut errors) => {
            errors.truncate(1);
            return ExecutionResult { errors, data: None };
        }
    };
    let fragments: Vec<&FragmentDef> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Fragment(f) => Some(f),
            _ => None,
        })
        .collect();
    let mut ex = Executor {
        engine,
        ctx,
        schema,
        vars,
        fragments,
        errors: vec![],
    };
    let data = ex.root(&root, &op.selection_set);
    ExecutionResult {
        errors: ex.errors,
        data: Some(data),
    }
}

/// `Values::getVariableValues`: all errors, each located at its variable definition.
fn coerce_variables(
    schema: &Schema,
    op: &Operation,
    raw: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<GraphqlError>> {
    let mut errors = vec![];
    let mut out = Map::new();
    for vd in &op.var_defs {
        let name = &vd.name.value;
        let Some(ty) = validate::type_from_ast(schema, &vd.ty) else {
            continue;
        };
        let given = raw.get(name);
        let located = |message: String| GraphqlError {
            message,
            locations: vec![vd.loc],
            path: None,
            category: None,
        };
        match given {
            None if vd.default.is_some() => {
                if let Some(v) = vd
                    .default
                    .as_ref()
                    .and_then(|d| literal_to_json(schema, d, &ty, &Map::new()))
                {
                    out.insert(name.clone(), v);
                }
            }
            None | Some(Value::Null) if ty.is_non_null() => {
                errors.push(located(if given.is_some() {
                    format!("Variable \"${name}\" of non-null type \"{ty}\" must not be null.")
                } else {
                    format!("Variable \"${name}\" of required type \"{ty}\" was not provided.")
                }));
            }
            None => {}
            Some(Value::Null) => {
                out.insert(name.clone(), Value::Null);
            }
            Some(v) => match coerce_input(schema, v, &ty, None) {
                Ok(c) => {
                    out.insert(name.clone(), c);
                }
                Err(es) => {
                    for e in es {
                        let at = e.path.map(|p| format!(" at \"{name}{p}\"")).unwrap_or_default();
                        errors.push(located(format!(
                            "Variable \"${name}\" got invalid value {}{at}; {}",
                            php_json_encode(&e.invalid),
                            e.message
                        )));
                    }
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

struct Executor<'a, C> {
    engine: &'a Engine<C>,
    ctx: &'a C,
    schema: &'a Schema,
    vars: Map<String, Value>,
    fragments: Vec<&'a FragmentDef>,
    errors: Vec<GraphqlError>,
}

/// A null that must travel up to the nearest nullable position (its error is already recorded).
struct Bubble;

impl<'a, C> Executor<'a, C> {
    fn root(&mut self, root: &str, set: &'a SelectionSet) -> Value {
        let groups = self.collect(root, std::slice::from_ref(&set));
        let mut data = Map::new();
        for (key, fields) in groups {
            let f = fields[0];
            let path = vec![Value::String(key.clone())];
            let mut nullable = true;
            let value = match f.name.value.as_str() {
                "__typename" => Ok(Value::String(root.to_string())),
                "__schema" if root == self.schema.query => {
                    let ty = self.schema.meta_schema.ty.clone();
                    nullable = false;
                    self.complete(
                        &ty,
                        introspection::schema_value(self.schema),
                        &fields,
                        &path,
                        root,
                    )
                }
                "__type" if root == self.schema.query => {
                    let args = self.arguments(root, f);
                    let name = args.get("name").and_then(Value::as_str).unwrap_or_default();
                    let v = if self.schema.get(name).is_some() {
                        introspection::named(name)
                    } else {
                        Value::Null
                    };
                    let ty = self.schema.meta_type.ty.clone();
                    self.complete(&ty, v, &fields, &path, root)
                }
                name => {
                    // The schema outlives the executor: its types are borrowed, not copied.
                    let schema = self.schema;
                    let Some(def) = schema.field(root, name) else {
                        continue;
                    };
                    let ty = &def.ty;
                    nullable = !ty.is_non_null();
                    let args = self.arguments(root, f);
                    let resolver = self
                        .engine
                        .resolvers
                        .get(root)
                        .and_then(|fields| fields.get(name))
                        .cloned();
                    let outcome = match resolver {
                        Some(r) => r(self.ctx, &args),
                        None => Err(super::FieldError::new(
                            super::Category::Input,
                            format!("Field \"{name}\" is not implemented by this mock yet."),
                        )),
                    };
                    match outcome {
                        Ok(v) => self.complete(ty, v, &fields, &path, root),
                        Err(fe) => {
                            self.errors.push(GraphqlError {
                                message: fe.message,
                                locations: vec![f.loc],
                                path: Some(path.clone()),
                                category: Some(fe.category),
                            });
                            if ty.is_non_null() {
                                Err(Bubble)
                            } else {
                                Ok(Value::Null)
                            }
                        }
                    }
                }
            };
            match value {
                Ok(v) => {
                    data.insert(key, v);
                }
                Err(Bubble) if nullable => {
                    data.insert(key, Value::Null);
                }
                // A non-null root field failed: the whole `data` is null.
                Err(Bubble) => return Value::Null,
            }
        }
        Value::Object(data)
    }

    /// Coerced arguments of a field (absent optional arguments absent).
    fn arguments(&self, parent: &str, f: &Field) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(def) = self.schema.field(parent, &f.name.value) else {
            return out;
        };
        for ad in &def.args {
            let node = f.args.iter().find(|a| a.name.value == ad.name);
            let v = match node {
                Some(a) => literal_to_json(self.schema, &a.value, &ad.ty, &self.vars),
                None => None,
            };
            if let Some(v) = v.or_else(|| ad.default.clone()) {
                out.insert(ad.name.clone(), v);
            }
        }
        out
    }

    fn directive_if(&self, d: &Directive) -> bool {
        d.args
            .iter()
            .find(|a| a.name.value == "if")
            .and_then(|a| {
                literal_to_json(
                    self.schema,
                    &a.value,
                    &TypeRef::Named("Boolean".into()),
                    &self.vars,
                )
            })
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    fn included(&self, directives: &[Directive]) -> bool {
        for d in directives {
            if d.name.value == "skip" && self.directive_if(d) {
                return false;
            }
            if d.name.value == "include" && !self.directive_if(d) {
                return false;
            }
        }
        true
    }

    /// CollectFields: response keys in order of first appearance, with all their field nodes.
    fn collect(&self, type_name: &str, sets: &[&'a SelectionSet]) -> Vec<(String, Vec<&'a Field>)> {
        let mut out: Vec<(String, Vec<&'a Field>)> = vec![];
        let mut visited: Vec<&str> = vec![];
        for set in sets {
            self.collect_into(type_name, set, &mut out, &mut visited);
        }
        out
    }

    fn collect_into(
        &self,
        type_name: &str,
        set: &'a SelectionSet,
        out: &mut Vec<(String, Vec<&'a Field>)>,
        visited: &mut Vec<&'a str>,
    ) {
        for s in &set.items {
            match s {
                Selection::Field(f) => {
                    if !self.included(&f.directives) {
                        continue;
                    }
                    let key = f.response_key();
                    match out.iter_mut().find(|(k, _)| k == key) {
                        Some((_, v)) => v.push(f),
                        None => out.push((key.to_string(), vec![f])),
                    }
                }
                Selection::Inline(i) => {
                    if !self.included(&i.directives) {
                        continue;
                    }
                    if i.type_condition.as_ref().is_some_and(|c| c.value != type_name) {
                        continue;
                    }
                    self.collect_into(type_name, &i.selection_set, out, visited);
                }
                Selection::Spread(sp) => {
                    if !self.included(&sp.directives) || visited.contains(&sp.name.value.as_str()) {
                        continue;
                    }
                    visited.push(sp.name.value.as_str());
                    let Some(fd) = self.fragments.iter().find(|f| f.name.value == sp.name.value) else {
                        continue;
                    };
                    if fd.type_condition.value != type_name {
                        continue;
                    }
                    self.collect_into(type_name, &fd.selection_set, out, visited);
                }
            }
        }
    }

    /// CompleteValue for a field of `parent` whose nodes are `fields`.
    fn complete(
        &mut self,
        ty: &TypeRef,
        value: Value,
        fields: &[&'a Field],
        path: &[Value],
        parent: &str,
    ) -> Result<Value, Bubble> {
        match ty {
            TypeRef::NonNull(inner) => {
                let v = self.complete(inner, value, fields, path, parent)?;
                if v.is_null() {
                    self.errors.push(GraphqlError {
                        message: format!(
                            "Cannot return null for non-nullable field \"{parent}.{}\".",
                            fields[0].name.value
                        ),
                        locations: vec![fields[0].loc],
                        path: Some(path.to_vec()),
                        category: None,
                    });
                    return Err(Bubble);
                }
                Ok(v)
            }
            _ if value.is_null() => Ok(Value::Null),
            TypeRef::List(item) => {
                let items = match value {
                    Value::Array(items) => items,
                    other => {
                        self.errors.push(GraphqlError {
                            message: format!(
                                "Expected field {parent}.{} to return iterable, but got: {}.",
                                fields[0].name.value,
                                php_json_encode(&other)
                            ),
                            locations: vec![fields[0].loc],
                            path: Some(path.to_vec()),
                            category: None,
                        });
                        return Ok(Value::Null);
                    }
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.into_iter().enumerate() {
                    let mut p = path.to_vec();
                    p.push(Value::from(i));
                    match self.complete(item, it, fields, &p, parent) {
                        Ok(v) => out.push(v),
                        Err(Bubble) if item.is_non_null() => return Err(Bubble),
                        Err(Bubble) => out.push(Value::Null),
                    }
                }
                Ok(Value::Array(out))
            }
            TypeRef::Named(name) => {
                let Some(t) = self.schema.get(name) else {
                    return Ok(value);
                };
                if t.kind != TypeKind::Object {
                    return Ok(value);
                }
                let sets: Vec<&'a SelectionSet> =
                    fields.iter().filter_map(|f| f.selection_set.as_ref()).collect();
                let groups = self.collect(name, &sets);
                let mut out = Map::new();
                for (key, sub) in groups {
                    let f = sub[0];
                    let mut p = path.to_vec();
                    p.push(Value::String(key.clone()));
                    if f.name.value == "__typename" {
                        out.insert(key, Value::String(name.clone()));
                        continue;
                    }
                    let schema = self.schema;
                    let Some(def) = schema.field(name, &f.name.value) else {
                        continue;
                    };
                    let fty = &def.ty;
                    let raw = if name == "__Type" {
                        let args = self.arguments(name, f);
                        introspection::type_field(self.schema, &value, &f.name.value, &args)
                    } else {
                        value.get(&f.name.value).cloned().unwrap_or(Value::Null)
                    };
                    match self.complete(fty, raw, &sub, &p, name) {
                        Ok(v) => {
                            out.insert(key, v);
                        }
                        Err(Bubble) if fty.is_non_null() => return Err(Bubble),
                        Err(Bubble) => {
                            out.insert(key, Value::Null);
                        }
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }
}
