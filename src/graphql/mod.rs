//! A small GraphQL engine that answers the way Magento (graphql-php v15) does on the wire.
//!
//! It knows nothing about customers: it turns a query text and an SDL schema into validated,
//! executed results through resolvers registered per root field. Magento's wire quirks
//! (first error only, byte-sorted fields, graphql-php wording, error key order) live here, once.
//!
//! PUBLIC API CONTRACT (other modules code against exactly this; keep it stable):
//! - [`Schema::from_sdl`], [`Schema::without_field`], [`Schema::without_enum_value`], [`Schema::without_type`]
//! - [`parse`] → `Arc<Document>` (syntax errors in graphql-php wording), [`Document::has_mutation`]
//! - [`Engine::new`], [`Engine::resolver`], [`Engine::execute`], [`Engine::schema`]
//! - [`GraphqlError`], [`FieldError`], [`ExecutionResult`] and their `to_json`.
//!
//! Layout: `syntax` (hand-written lexer/parser mirroring graphql-php, positioned AST), `schema`
//! (SDL via `graphql-parser`, byte-sorted fields), `validate` (one ordered traversal, first error),
//! `values` (coercion with Magento's lenient String/Int/Float), `execute` (resolvers, projection,
//! null propagation), `introspection`.
//!
//! Mock decisions (graphql-php has no equivalent): documents nested deeper than
//! `syntax::MAX_NESTING` (128) levels or with more than `syntax::MAX_DEFINITIONS` (500) definitions are
//! refused as syntax errors, and deeper than `validate::MAX_EXPANDED_NESTING` (1000) once fragments are
//! expanded as a validation error, so hostile input cannot overflow the stack.

mod execute;
mod introspection;
mod named;
mod schema;
mod syntax;
mod validate;
mod values;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

/// A 1-based position in the submitted document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location {
    pub line: usize,
    pub column: usize,
}

/// Magento's error categories (spec 4.2): `extensions.category` of an error raised by a
/// resolver or before execution. The HTTP status of a response is derived from it (by the
/// profile table), never from its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Category {
    /// `graphql-input`
    Input,
    /// `graphql-authentication`
    Authentication,
    /// `graphql-authorization`
    Authorization,
    /// `graphql-no-such-entity`
    NoSuchEntity,
    /// `graphql-already-exists`
    AlreadyExists,
    /// `internal`: graphql-php's category of an error that is not safe to show a client.
    Internal,
    /// Any other name (an injected `graphql_error` fault may name its own).
    Other(Box<str>),
}

impl Category {
    /// The wire name, e.g. `graphql-input`.
    pub fn as_str(&self) -> &str {
        match self {
            Category::Input => "graphql-input",
            Category::Authentication => "graphql-authentication",
            Category::Authorization => "graphql-authorization",
            Category::NoSuchEntity => "graphql-no-such-entity",
            Category::AlreadyExists => "graphql-already-exists",
            Category::Internal => "internal",
            Category::Other(name) => name,
        }
    }
}

impl From<&str> for Category {
    fn from(name: &str) -> Category {
        [
            Category::Input,
            Category::Authentication,
            Category::Authorization,
            Category::NoSuchEntity,
            Category::AlreadyExists,
            Category::Internal,
        ]
        .into_iter()
        .find(|c| c.as_str() == name)
        .unwrap_or_else(|| Category::Other(name.into()))
    }
}

impl PartialEq<&str> for Category {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a response's `errors` list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GraphqlError {
    pub message: String,
    pub locations: Vec<Location>,
    /// Response path (field names or aliases, list indices), for execution errors.
    pub path: Option<Vec<Value>>,
    /// `extensions.category`, for errors raised by resolvers or before execution.
    pub category: Option<Category>,
}

impl GraphqlError {
    /// An error raised before execution (reading the request, its content type, its bearer
    /// token): a message and a category, no location or path.
    pub(crate) fn request(category: Category, message: impl Into<String>) -> GraphqlError {
        GraphqlError {
            message: message.into(),
            locations: Vec::new(),
            path: None,
            category: Some(category),
        }
    }

    /// An error of the field at `location`, reported under the response key `path`.
    pub(crate) fn field(
        category: Category,
        message: impl Into<String>,
        location: Location,
        key: &str,
    ) -> GraphqlError {
        GraphqlError {
            message: message.into(),
            locations: vec![location],
            path: Some(vec![Value::String(key.to_string())]),
            category: Some(category),
        }
    }

    /// The error as JSON, keys in Magento's order: message, locations, path, extensions. The
    /// answers are written to bytes directly (`http::front_door`); this tree is what the tests
    /// hold those bytes to.
    #[cfg(test)]
    pub(crate) fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("message".into(), Value::String(self.message.clone()));
        if !self.locations.is_empty() {
            let locs = self
                .locations
                .iter()
                .map(|l| serde_json::json!({"line": l.line, "column": l.column}))
                .collect();
            m.insert("locations".into(), Value::Array(locs));
        }
        if let Some(path) = &self.path {
            m.insert("path".into(), Value::Array(path.clone()));
        }
        if let Some(cat) = &self.category {
            m.insert(
                "extensions".into(),
                serde_json::json!({ "category": cat.as_str() }),
            );
        }
        Value::Object(m)
    }
}

/// What a resolver returns when the field fails.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldError {
    pub message: String,
    pub category: Category,
}

impl FieldError {
    pub(crate) fn new(category: impl Into<Category>, message: impl Into<String>) -> Self {
        FieldError {
            message: message.into(),
            category: category.into(),
        }
    }
}

/// A resolver for one root field (`Query.x` or `Mutation.y`). It receives the request context
/// and the field's arguments, already validated and coerced (input objects as JSON objects,
/// absent optional arguments absent). It returns the field's full value as JSON: for an object
/// type, an object keyed by field name, which the engine projects onto the selection set.
pub(crate) type Resolver<C> = Arc<dyn Fn(&C, &Args) -> Result<Resolved, FieldError> + Send + Sync>;

/// What a resolver answers: any JSON, or an object given as its fields by name, which the
/// executor finds by walking the short list instead of building (and hashing the keys of) a JSON
/// map only to take the fields out of it again. Both project onto a selection set alike.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Json(Value),
    /// An object's fields (each name once).
    Fields(Vec<(&'static str, Value)>),
}

impl From<Value> for Resolved {
    fn from(value: Value) -> Self {
        Resolved::Json(value)
    }
}

impl Resolved {
    /// The same answer as JSON.
    pub(crate) fn into_json(self) -> Value {
        match self {
            Resolved::Json(value) => value,
            Resolved::Fields(fields) => {
                Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }
        }
    }

    /// The field `name` of an object answer (null when it has none or is not an object),
    /// moved out unless `keep` (another response key reads it later).
    pub(crate) fn field(&mut self, name: &str, keep: bool) -> Value {
        match self {
            Resolved::Json(value) if keep => value.get(name).cloned().unwrap_or(Value::Null),
            Resolved::Json(value) => value
                .as_object_mut()
                .and_then(|m| m.swap_remove(name))
                .unwrap_or(Value::Null),
            Resolved::Fields(fields) => match fields.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) if keep => v.clone(),
                Some((_, v)) => std::mem::take(v),
                None => Value::Null,
            },
        }
    }
}

pub(crate) use named::{Args, RawVariables};
pub(crate) use schema::Schema;
pub(crate) use syntax::Document;

/// The first root field of a document's first operation, as the journal, the log and fault
/// injection need it (they never see the syntax tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RootField {
    /// The field's name, e.g. `generateCustomerToken`.
    pub name: String,
    /// Its response key (the alias, when there is one).
    pub key: String,
    pub location: Location,
}

impl Document {
    /// True when any operation of the document is a mutation.
    pub(crate) fn has_mutation(&self) -> bool {
        self.definitions
            .iter()
            .any(|d| matches!(d, syntax::Definition::Operation(o) if o.kind == syntax::OpKind::Mutation))
    }

    /// The name of [`Document::root_field`], borrowed.
    pub(crate) fn root_field_name(&self) -> Option<&str> {
        self.definitions.iter().find_map(|d| match d {
            syntax::Definition::Operation(o) => o.selection_set.items.iter().find_map(|s| match s {
                syntax::Selection::Field(f) => Some(f.name.value.as_str()),
                _ => None,
            }),
            _ => None,
        })
    }

    /// The first root field of the first operation.
    pub(crate) fn root_field(&self) -> Option<RootField> {
        self.definitions.iter().find_map(|d| match d {
            syntax::Definition::Operation(o) => o.selection_set.items.iter().find_map(|s| match s {
                syntax::Selection::Field(f) => Some(RootField {
                    name: f.name.value.clone(),
                    key: f.response_key().to_string(),
                    location: f.loc,
                }),
                _ => None,
            }),
            _ => None,
        })
    }
}

/// Parses a query. Errors are graphql-php's `Syntax Error: …` with a location and no category.
pub(crate) fn parse(query: &str) -> Result<Arc<Document>, GraphqlError> {
    syntax::parse_document(query).map(Arc::new)
}

/// What execution answers for `data`: the resolvers' JSON projected onto the selection sets.
/// Objects are lists of (response key, value) in response order, not JSON maps: the executor
/// builds one object per selection set, and a `serde_json` map (an `IndexMap` with SipHash, for
/// `preserve_order`) hashed every key and allocated its table. A response key is unique within
/// its object (field collection merges repeats), so the list is what the map would hold, in the
/// same order. [`Output::into_json`] gives the map; the front door writes the bytes directly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Output {
    /// A leaf (scalar or enum) or a null, as the resolver gave it.
    Value(Value),
    /// An object: response keys (short ones held inline, not allocated) and their values.
    Object(Vec<(compact_str::CompactString, Output)>),
    List(Vec<Output>),
}

impl Output {
    pub(crate) const NULL: Output = Output::Value(Value::Null);

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Output::Value(Value::Null))
    }

    /// The same tree as JSON (objects as maps, keys in response order), for the tests.
    #[cfg(test)]
    pub(crate) fn into_json(self) -> Value {
        match self {
            Output::Value(v) => v,
            Output::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.into_string(), v.into_json()))
                    .collect(),
            ),
            Output::List(items) => Value::Array(items.into_iter().map(Output::into_json).collect()),
        }
    }
}

/// The result of executing a document.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ExecutionResult {
    pub errors: Vec<GraphqlError>,
    /// `None` when execution did not start (validation or variable errors): no `data` key.
    pub data: Option<Output>,
}

impl ExecutionResult {
    /// `{"errors":[…],"data":…}`; `errors` omitted when empty, `data` omitted when `None`
    /// (the tests' reference for the bytes the front door writes).
    #[cfg(test)]
    pub(crate) fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        if !self.errors.is_empty() {
            m.insert(
                "errors".into(),
                Value::Array(self.errors.iter().map(|e| e.to_json()).collect()),
            );
        }
        if let Some(d) = &self.data {
            m.insert("data".into(), d.clone().into_json());
        }
        Value::Object(m)
    }
}

/// The resolvers of one root type, by field name.
type FieldResolvers<C> = HashMap<String, Resolver<C>, foldhash::fast::RandomState>;

/// Validates and executes documents against a schema with registered root resolvers.
pub struct Engine<C> {
    schema: Schema,
    /// By type, then field: looked up with borrowed names, no key built per request. foldhash
    /// rather than SipHash: the keys are the schema's own names, fixed at start.
    resolvers: HashMap<String, FieldResolvers<C>, foldhash::fast::RandomState>,
}

impl<C> Engine<C> {
    pub(crate) fn new(schema: Schema) -> Self {
        Engine {
            schema,
            resolvers: HashMap::default(),
        }
    }

    /// Registers the resolver of `type_name.field` (a root type's field).
    pub(crate) fn resolver<R: Into<Resolved>>(
        &mut self,
        type_name: &str,
        field: &str,
        f: impl Fn(&C, &Args) -> Result<R, FieldError> + Send + Sync + 'static,
    ) -> &mut Self {
        self.resolvers
            .entry(type_name.to_string())
            .or_default()
            .insert(field.to_string(), Arc::new(move |c: &C, a: &Args| f(c, a).map(Into::into)));
        self
    }

    /// Validates (first error only) and executes `doc` with `variables`. Fields without a
    /// resolver answer a "not implemented yet" error, never a panic.
    pub(crate) fn execute(&self, ctx: &C, doc: &Document, variables: &RawVariables) -> ExecutionResult {
        execute::execute(self, ctx, doc, variables)
    }
}

#[cfg(test)]
mod tests;
