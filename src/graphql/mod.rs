//! A small GraphQL engine that answers the way Magento (graphql-php v15) does on the wire.
//!
//! It knows nothing about customers: it turns a query text and an SDL schema into validated,
//! executed results through resolvers registered per root field. Magento's wire quirks
//! (first error only, byte-sorted fields, graphql-php wording, error key order) live here, once.
//!
//! PUBLIC API CONTRACT (other modules code against exactly this; keep it stable):
//! - [`Schema::from_sdl`], [`Schema::without_field`]
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
mod schema;
pub(crate) mod syntax;
mod validate;
mod values;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

/// A 1-based position in the submitted document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One entry of a response's `errors` list.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphqlError {
    pub message: String,
    pub locations: Vec<Location>,
    /// Response path (field names or aliases, list indices), for execution errors.
    pub path: Option<Vec<Value>>,
    /// `extensions.category`, for errors raised by resolvers or before execution.
    pub category: Option<String>,
}

impl GraphqlError {
    /// The error as JSON, keys in Magento's order: message, locations, path, extensions.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
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
            m.insert("extensions".into(), serde_json::json!({ "category": cat }));
        }
        Value::Object(m)
    }
}

/// What a resolver returns when the field fails.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub message: String,
    /// Magento's category, e.g. `graphql-input`, `graphql-authentication`.
    pub category: String,
}

impl FieldError {
    pub fn new(category: &str, message: impl Into<String>) -> Self {
        FieldError {
            message: message.into(),
            category: category.to_string(),
        }
    }
}

/// A resolver for one root field (`Query.x` or `Mutation.y`). It receives the request context
/// and the field's arguments, already validated and coerced (input objects as JSON objects,
/// absent optional arguments absent). It returns the field's full value as JSON: for an object
/// type, an object keyed by field name, which the engine projects onto the selection set.
pub type Resolver<C> = Arc<dyn Fn(&C, &Map<String, Value>) -> Result<Value, FieldError> + Send + Sync>;

pub use schema::Schema;
pub use syntax::Document;

impl Document {
    /// True when any operation of the document is a mutation.
    pub fn has_mutation(&self) -> bool {
        self.definitions
            .iter()
            .any(|d| matches!(d, syntax::Definition::Operation(o) if o.kind == syntax::OpKind::Mutation))
    }

    /// The name of the first root field of the first operation (for logs and the journal).
    pub fn first_root_field(&self) -> Option<String> {
        self.definitions.iter().find_map(|d| match d {
            syntax::Definition::Operation(o) => o.selection_set.items.iter().find_map(|s| match s {
                syntax::Selection::Field(f) => Some(f.name.value.clone()),
                _ => None,
            }),
            _ => None,
        })
    }
}

/// Parses a query. Errors are graphql-php's `Syntax Error: …` with a location and no category.
pub fn parse(query: &str) -> Result<Arc<Document>, GraphqlError> {
    syntax::parse_document(query).map(Arc::new)
}

/// The result of executing a document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecutionResult {
    pub errors: Vec<GraphqlError>,
    /// `None` when execution did not start (validation or variable errors): no `data` key.
    pub data: Option<Value>,
}

impl ExecutionResult {
    /// `{"errors":[…],"data":…}`; `errors` omitted when empty, `data` omitted when `None`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if !self.errors.is_empty() {
            m.insert(
                "errors".into(),
                Value::Array(self.errors.iter().map(|e| e.to_json()).collect()),
            );
        }
        if let Some(d) = &self.data {
            m.insert("data".into(), d.clone());
        }
        Value::Object(m)
    }
}

/// Validates and executes documents against a schema with registered root resolvers.
pub struct Engine<C> {
    schema: Schema,
    resolvers: HashMap<(String, String), Resolver<C>>,
}

impl<C> Engine<C> {
    pub fn new(schema: Schema) -> Self {
        Engine {
            schema,
            resolvers: HashMap::new(),
        }
    }

    /// Registers the resolver of `type_name.field` (a root type's field).
    pub fn resolver(
        &mut self,
        type_name: &str,
        field: &str,
        f: impl Fn(&C, &Map<String, Value>) -> Result<Value, FieldError> + Send + Sync + 'static,
    ) -> &mut Self {
        self.resolvers
            .insert((type_name.to_string(), field.to_string()), Arc::new(f));
        self
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Validates (first error only) and executes `doc` with `variables`. Fields without a
    /// resolver answer a "not implemented yet" error, never a panic.
    pub fn execute(&self, ctx: &C, doc: &Document, variables: &Map<String, Value>) -> ExecutionResult {
        execute::execute(self, ctx, doc, variables)
    }
}

#[cfg(test)]
mod tests;
