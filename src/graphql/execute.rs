//! Execution: operation selection, variable coercion, root resolvers, projection of the
//! resolvers' JSON onto the selection sets, and graphql-php's null propagation.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::introspection;
use super::schema::{FieldDef, Schema, TypeKind, TypeRef};
use super::syntax::*;
use super::values::{coerce_input, literal_to_json, php_json_encode, Variables};
use super::{validate, Args, Engine, ExecutionResult, GraphqlError, Location, Output, RawVariables, Resolved};

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

pub fn execute<C>(engine: &Engine<C>, ctx: &C, doc: &Document, raw: &RawVariables) -> ExecutionResult {
    let schema = &engine.schema;
    if let Some(e) = validate::validate(schema, doc, raw) {
        return ExecutionResult {
            errors: vec![e],
            data: None,
        };
    }
    let mut ops = doc.definitions.iter().filter_map(|d| match d {
        Definition::Operation(o) => Some(o),
        _ => None,
    });
    let op = match (ops.next(), ops.next()) {
        (None, _) => return plain_error("Must provide an operation.", vec![]),
        (Some(op), None) => op,
        _ => {
            return plain_error(
                "Must provide operation name if query contains multiple operations.",
                vec![],
            )
        }
    };
    let root: &str = match op.kind {
        OpKind::Query => &schema.query,
        OpKind::Mutation => match &schema.mutation {
            Some(m) => m,
            None => return plain_error("Schema is not configured for mutations.", vec![op.loc]),
        },
        OpKind::Subscription => {
            return plain_error("Schema is not configured for subscriptions.", vec![op.loc])
        }
    };
    let types = variable_types(schema, doc, op);
    let vars = match coerce_variables(schema, op, &types, raw) {
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
    let data = ex.root(root, &op.selection_set);
    ExecutionResult {
        errors: ex.errors,
        data: Some(data),
    }
}

/// The coerced values of an operation's variables, by the names of its variable definitions:
/// a short list searched in order, which unlike a JSON map needs neither a copy of each name
/// nor a hash of it (an operation declares a few variables; their names are unique, which
/// validation checks, and a repeated one would replace the earlier value as in a map).
/// A value that coercion leaves as the request gave it is borrowed from the request.
#[derive(Default)]
struct CoercedVariables<'a>(Vec<(&'a str, Cow<'a, Value>)>);

impl<'a> CoercedVariables<'a> {
    fn insert(&mut self, name: &'a str, value: Cow<'a, Value>) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.0.push((name, value)),
        }
    }
}

impl Variables for CoercedVariables<'_> {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| &**v)
    }
}

/// True when [`coerce_input`] would answer a copy of `v` itself for `ty`: a string for a
/// `String` or `String!` (the first case of `String`'s coercion; `null` for a `String!` is an
/// error, so it is not a string here).
fn coerces_to_itself(ty: &TypeRef, v: &Value) -> bool {
    matches!((ty.nullable(), v), (TypeRef::Named(n), Value::String(_)) if n == "String")
}

/// The schema types of `op`'s variables (`None` for an unknown type), `op` being `doc`'s one
/// operation: kept in the document for this schema the first time, borrowed from it after.
fn variable_types<'d>(schema: &Schema, doc: &'d Document, op: &Operation) -> Cow<'d, [Option<TypeRef>]> {
    if let Some((id, types)) = doc.variable_types.get() {
        if *id == schema.id {
            return Cow::Borrowed(types);
        }
    }
    let types: Vec<Option<TypeRef>> = op
        .var_defs
        .iter()
        .map(|vd| validate::type_from_ast(schema, &vd.ty))
        .collect();
    match doc.variable_types.set((schema.id, types)) {
        Ok(()) => match doc.variable_types.get() {
            Some((_, types)) => Cow::Borrowed(types),
            None => unreachable!("just set"),
        },
        // Kept for another schema already: this one's are used once.
        Err((_, types)) => Cow::Owned(types),
    }
}

/// `Values::getVariableValues`: all errors, each located at its variable definition. `types`:
/// the schema type of each of `op`'s variable definitions ([`variable_types`]).
fn coerce_variables<'a>(
    schema: &Schema,
    op: &'a Operation,
    types: &[Option<TypeRef>],
    raw: &'a RawVariables,
) -> Result<CoercedVariables<'a>, Vec<GraphqlError>> {
    let mut errors = vec![];
    let mut out = CoercedVariables::default();
    for (vd, ty) in op.var_defs.iter().zip(types) {
        let name = &vd.name.value;
        let Some(ty) = ty else {
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
                    .and_then(|d| literal_to_json(schema, d, ty, &Map::new()))
                {
                    out.insert(name, Cow::Owned(v));
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
            Some(v @ Value::Null) => {
                out.insert(name, Cow::Borrowed(v));
            }
            Some(v) if coerces_to_itself(ty, v) => {
                out.insert(name, Cow::Borrowed(v));
            }
            Some(v) => match coerce_input(schema, v, ty, None) {
                Ok(c) => {
                    out.insert(name, Cow::Owned(c));
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
    vars: CoercedVariables<'a>,
    fragments: Vec<&'a FragmentDef>,
    errors: Vec<GraphqlError>,
}

/// A null that must travel up to the nearest nullable position (its error is already recorded).
struct Bubble;

/// The response path of a value being completed, as a chain of borrowed segments: built as
/// JSON only when an error reports it, not for every field completed.
#[derive(Clone, Copy)]
enum Path<'p> {
    /// A root field's response key.
    Root(&'p str),
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    /// The path as an error's `path`: the keys and indices from the root down.
    fn to_json(self) -> Vec<Value> {
        let mut out = match self {
            Path::Root(key) => return vec![Value::String(key.to_string())],
            Path::Key(parent, _) | Path::Index(parent, _) => parent.to_json(),
        };
        out.push(match self {
            Path::Key(_, key) => Value::String(key.to_string()),
            Path::Index(_, i) => Value::from(i),
            Path::Root(_) => unreachable!("returned above"),
        });
        out
    }
}

impl<'a, C> Executor<'a, C> {
    fn root(&mut self, root: &str, set: &'a SelectionSet) -> Output {
        let groups = self.collect(root, std::slice::from_ref(&set));
        let mut data = Vec::with_capacity(groups.len());
        for (key, fields) in groups {
            let f = fields[0];
            let path = Path::Root(key);
            let mut nullable = true;
            let value = match f.name.value.as_str() {
                "__typename" => Ok(Output::Value(Value::String(root.to_string()))),
                "__schema" if root == self.schema.query => {
                    let ty = self.schema.meta_schema.ty.clone();
                    nullable = false;
                    self.complete(
                        &ty,
                        introspection::schema_value(self.schema),
                        &fields,
                        path,
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
                    self.complete(&ty, v, &fields, path, root)
                }
                name => {
                    // The schema outlives the executor: its types are borrowed, not copied.
                    let schema = self.schema;
                    let Some(def) = schema.field(root, name) else {
                        continue;
                    };
                    let ty = &def.ty;
                    nullable = !ty.is_non_null();
                    let args = self.arguments_of(def, f);
                    // The engine outlives the executor too: its resolver is borrowed.
                    let engine = self.engine;
                    let resolver = engine.resolvers.get(root).and_then(|fields| fields.get(name));
                    let outcome = match resolver {
                        Some(r) => r(self.ctx, &args),
                        None => Err(super::FieldError::new(
                            super::Category::Input,
                            format!("Field \"{name}\" is not implemented by this mock yet."),
                        )),
                    };
                    match outcome {
                        Ok(v) => self.complete_resolved(ty, v, &fields, path, root),
                        Err(fe) => {
                            self.errors.push(GraphqlError {
                                message: fe.message,
                                locations: vec![f.loc],
                                path: Some(path.to_json()),
                                category: Some(fe.category),
                            });
                            if ty.is_non_null() {
                                Err(Bubble)
                            } else {
                                Ok(Output::NULL)
                            }
                        }
                    }
                }
            };
            match value {
                Ok(v) => data.push((key.into(), v)),
                Err(Bubble) if nullable => data.push((key.into(), Output::NULL)),
                // A non-null root field failed: the whole `data` is null.
                Err(Bubble) => return Output::NULL,
            }
        }
        Output::Object(data)
    }

    /// Coerced arguments of a field (absent optional arguments absent).
    fn arguments(&self, parent: &str, f: &Field) -> Args<'_> {
        match self.schema.field(parent, &f.name.value) {
            Some(def) => self.arguments_of(def, f),
            None => Args::default(),
        }
    }

    /// [`Executor::arguments`] of the field node `f` defined by `def`.
    /// A variable's value (what [`literal_to_json`] would copy) and the schema's default are
    /// borrowed.
    fn arguments_of(&self, def: &'a FieldDef, f: &Field) -> Args<'_> {
        let mut out = Args::default();
        for ad in &def.args {
            let node = f.args.iter().find(|a| a.name.value == ad.name);
            let v = match node {
                Some(a) => match &a.value.kind {
                    ValueKind::Variable(n) => self.vars.variable(n).map(Cow::Borrowed),
                    _ => literal_to_json(self.schema, &a.value, &ad.ty, &self.vars).map(Cow::Owned),
                },
                None => None,
            };
            if let Some(v) = v.or_else(|| ad.default.as_ref().map(Cow::Borrowed)) {
                out.push(&ad.name, v);
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
    fn collect(&self, type_name: &str, sets: &[&'a SelectionSet]) -> Vec<(&'a str, Vec<&'a Field>)> {
        let mut out: Vec<(&'a str, Vec<&'a Field>)> = vec![];
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
        out: &mut Vec<(&'a str, Vec<&'a Field>)>,
        visited: &mut Vec<&'a str>,
    ) {
        for s in &set.items {
            match s {
                Selection::Field(f) => {
                    if !self.included(&f.directives) {
                        continue;
                    }
                    let key = f.response_key();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, v)) => v.push(f),
                        None => out.push((key, vec![f])),
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
        path: Path<'_>,
        parent: &str,
    ) -> Result<Output, Bubble> {
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
                        path: Some(path.to_json()),
                        category: None,
                    });
                    return Err(Bubble);
                }
                Ok(v)
            }
            _ if value.is_null() => Ok(Output::NULL),
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
                            path: Some(path.to_json()),
                            category: None,
                        });
                        return Ok(Output::NULL);
                    }
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.into_iter().enumerate() {
                    match self.complete(item, it, fields, Path::Index(&path, i), parent) {
                        Ok(v) => out.push(v),
                        Err(Bubble) if item.is_non_null() => return Err(Bubble),
                        Err(Bubble) => out.push(Output::NULL),
                    }
                }
                Ok(Output::List(out))
            }
            TypeRef::Named(name) => {
                let Some(t) = self.schema.get(name) else {
                    return Ok(Output::Value(value));
                };
                if t.kind != TypeKind::Object {
                    return Ok(Output::Value(value));
                }
                self.project(name, Resolved::Json(value), fields, path)
            }
        }
    }

    /// [`Executor::complete`] of a resolver's answer: an answer given as fields is projected
    /// straight from its list when the field's type is an object type; anything else is
    /// completed as its JSON.
    fn complete_resolved(
        &mut self,
        ty: &TypeRef,
        resolved: Resolved,
        fields: &[&'a Field],
        path: Path<'_>,
        parent: &str,
    ) -> Result<Output, Bubble> {
        if let Resolved::Fields(_) = resolved {
            if let TypeRef::Named(name) = ty.nullable() {
                let object = self.schema.get(name).is_some_and(|t| t.kind == TypeKind::Object);
                if object && name != "__Type" {
                    // Never null, so a non-null type holds.
                    return self.project(name, resolved, fields, path);
                }
            }
        }
        self.complete(ty, resolved.into_json(), fields, path, parent)
    }

    /// The value of an object type `name` projected onto the selection sets of `fields`.
    fn project(
        &mut self,
        name: &str,
        mut value: Resolved,
        fields: &[&'a Field],
        path: Path<'_>,
    ) -> Result<Output, Bubble> {
        let sets: Vec<&'a SelectionSet> =
            fields.iter().filter_map(|f| f.selection_set.as_ref()).collect();
        let groups = self.collect(name, &sets);
        let mut out = Vec::with_capacity(groups.len());
        for (i, (key, sub)) in groups.iter().enumerate() {
            let (key, f) = (*key, sub[0]);
            if f.name.value == "__typename" {
                out.push((key.into(), Output::Value(Value::String(name.to_string()))));
                continue;
            }
            let schema = self.schema;
            let Some(def) = schema.field(name, &f.name.value) else {
                continue;
            };
            let fty = &def.ty;
            let raw = if name == "__Type" {
                let args = self.arguments_of(def, f);
                let desc = match &value {
                    Resolved::Json(desc) => desc,
                    Resolved::Fields(_) => &Value::Null,
                };
                introspection::type_field(self.schema, desc, &f.name.value, &args)
            } else {
                // A field no later response key reads is moved out, not copied.
                let later = groups[i + 1..].iter().any(|(_, later)| later[0].name.value == f.name.value);
                value.field(&f.name.value, later)
            };
            match self.complete(fty, raw, sub, Path::Key(&path, key), name) {
                Ok(v) => out.push((key.into(), v)),
                Err(Bubble) if fty.is_non_null() => return Err(Bubble),
                Err(Bubble) => out.push((key.into(), Output::NULL)),
            }
        }
        Ok(Output::Object(out))
    }
}
