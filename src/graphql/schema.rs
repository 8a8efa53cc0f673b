//! The schema model, built from SDL with `graphql-parser`.
//!
//! Fields of the schema's own types, input fields and arguments are kept in byte order of their
//! names, as Magento sorts them; this order decides which validation error comes first.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use graphql_parser::schema as sdl;
use serde_json::Value;

/// A reference to a type: named, list or non-null.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    pub(crate) fn named(&self) -> &str {
        match self {
            TypeRef::Named(n) => n,
            TypeRef::List(t) | TypeRef::NonNull(t) => t.named(),
        }
    }

    pub(crate) fn is_non_null(&self) -> bool {
        matches!(self, TypeRef::NonNull(_))
    }

    /// The type without its outer non-null wrapper.
    pub(crate) fn nullable(&self) -> &TypeRef {
        match self {
            TypeRef::NonNull(t) => t,
            t => t,
        }
    }

    fn from_sdl(t: &sdl::Type<'static, String>) -> TypeRef {
        match t {
            sdl::Type::NamedType(n) => TypeRef::Named(n.clone()),
            sdl::Type::ListType(t) => TypeRef::List(Box::new(TypeRef::from_sdl(t))),
            sdl::Type::NonNullType(t) => TypeRef::NonNull(Box::new(TypeRef::from_sdl(t))),
        }
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Named(n) => write!(f, "{n}"),
            TypeRef::List(t) => write!(f, "[{t}]"),
            TypeRef::NonNull(t) => write!(f, "{t}!"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeKind {
    Scalar,
    Object,
    InputObject,
    Enum,
}

impl TypeKind {
    pub(crate) fn introspection_name(self) -> &'static str {
        match self {
            TypeKind::Scalar => "SCALAR",
            TypeKind::Object => "OBJECT",
            TypeKind::InputObject => "INPUT_OBJECT",
            TypeKind::Enum => "ENUM",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct InputValue {
    pub name: String,
    pub description: Option<String>,
    pub ty: TypeRef,
    /// The default value as GraphQL source text (introspection's `defaultValue`).
    pub default_printed: Option<String>,
    /// The default value as JSON (what a resolver receives).
    pub default: Option<Value>,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub name: String,
    pub description: Option<String>,
    pub args: Vec<InputValue>,
    pub ty: TypeRef,
    pub deprecation: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct EnumValueDef {
    pub name: String,
    pub description: Option<String>,
    pub deprecation: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub name: String,
    pub description: Option<String>,
    pub kind: TypeKind,
    pub fields: Vec<FieldDef>,
    pub input_fields: Vec<InputValue>,
    pub enum_values: Vec<EnumValueDef>,
}

impl TypeDef {
    pub(crate) fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub(crate) fn input_field(&self, name: &str) -> Option<&InputValue> {
        self.input_fields.iter().find(|f| f.name == name)
    }

    pub(crate) fn is_composite(&self) -> bool {
        self.kind == TypeKind::Object
    }

    pub(crate) fn is_leaf(&self) -> bool {
        matches!(self.kind, TypeKind::Scalar | TypeKind::Enum)
    }

    pub(crate) fn is_input(&self) -> bool {
        matches!(
            self.kind,
            TypeKind::Scalar | TypeKind::Enum | TypeKind::InputObject
        )
    }
}

#[derive(Debug, Clone)]
pub(crate) struct DirectiveDef {
    pub name: String,
    pub description: Option<String>,
    pub locations: Vec<&'static str>,
    pub args: Vec<InputValue>,
}

/// The schema's types by name. Executing a request looks types up by name a dozen times (the
/// root, each field's type, each argument's), so they are found through a hash map (foldhash:
/// the names are the schema's own) rather than an ordered map's string comparisons; the names
/// are also kept in byte order, the order introspection and suggestions list them in.
#[derive(Clone, Default)]
pub(crate) struct Types {
    by_name: HashMap<String, TypeDef, foldhash::fast::RandomState>,
    /// The names of `by_name`, in byte order.
    names: BTreeSet<String>,
}

impl Types {
    pub(crate) fn get(&self, name: &str) -> Option<&TypeDef> {
        self.by_name.get(name)
    }

    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut TypeDef> {
        self.by_name.get_mut(name)
    }

    pub(crate) fn contains_key(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    pub(crate) fn insert(&mut self, name: String, t: TypeDef) -> Option<TypeDef> {
        self.names.insert(name.clone());
        self.by_name.insert(name, t)
    }

    pub(crate) fn remove(&mut self, name: &str) -> Option<TypeDef> {
        self.names.remove(name);
        self.by_name.remove(name)
    }

    /// The type names, in byte order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &String> {
        self.names.iter()
    }

    /// The types, in byte order of their names.
    pub(crate) fn values(&self) -> impl Iterator<Item = &TypeDef> {
        self.names.iter().filter_map(|n| self.by_name.get(n))
    }
}

impl fmt::Debug for Types {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.names.iter().filter_map(|n| Some((n, self.by_name.get(n)?))))
            .finish()
    }
}

fn next_schema_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The schema, built from SDL.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    /// Names this schema's content among all schemas of the process (a changed schema gets a
    /// new one), so a document can keep its validation against the schema it was validated by.
    pub(crate) id: u64,
    pub(crate) types: Types,
    pub(crate) query: String,
    pub(crate) mutation: Option<String>,
    pub(crate) directives: Vec<DirectiveDef>,
    /// `Query.__schema`, `Query.__type`, `__typename`: answered by the engine itself.
    pub(crate) meta_schema: FieldDef,
    pub(crate) meta_type: FieldDef,
    pub(crate) meta_typename: FieldDef,
}

const BUILTIN_SCALARS: &[(&str, &str)] = &[
    (
        "Boolean",
        "The `Boolean` scalar type represents `true` or `false`.",
    ),
    (
        "Float",
        "The `Float` scalar type represents signed double-precision fractional values as specified by [IEEE 754](http://en.wikipedia.org/wiki/IEEE_floating_point).",
    ),
    (
        "ID",
        "The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a cache. The ID type appears in a JSON response as a String; however, it is not intended to be human-readable. When expected as an input type, any string (such as `\"4\"`) or integer (such as `4`) input value will be accepted as an ID.",
    ),
    (
        "Int",
        "The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent values between -(2^31) and 2^31 - 1.",
    ),
    (
        "String",
        "The `String` scalar type represents textual data, represented as UTF-8 character sequences. The String type is most often used by GraphQL to represent free-form human-readable text.",
    ),
];

/// The introspection types, in SDL. Their fields keep this (spec) order.
const INTROSPECTION_SDL: &str = r#"
"A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types and directives on the server, as well as the entry points for query, mutation, and subscription operations."
type __Schema {
  "A list of all types supported by this server."
  types: [__Type!]!
  "The type that query operations will be rooted at."
  queryType: __Type!
  "If this server supports mutation, the type that mutation operations will be rooted at."
  mutationType: __Type
  "If this server support subscription, the type that subscription operations will be rooted at."
  subscriptionType: __Type
  "A list of all directives supported by this server."
  directives: [__Directive!]!
}

"The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in GraphQL as represented by the `__TypeKind` enum.\n\nDepending on the kind of a type, certain fields describe information about that type. Scalar types provide no information beyond a name and description, while Enum types provide their values. Object and Interface types provide the fields they describe. Abstract types, Union and Interface, provide the Object types possible at runtime. List and NonNull types compose other types."
type __Type {
  kind: __TypeKind!
  name: String
  description: String
  fields(includeDeprecated: Boolean = false): [__Field!]
  interfaces: [__Type!]
  possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields: [__InputValue!]
  ofType: __Type
}

"An enum describing what kind of type a given `__Type` is."
enum __TypeKind {
  "Indicates this type is a scalar."
  SCALAR
  "Indicates this type is an object. `fields` and `interfaces` are valid fields."
  OBJECT
  "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields."
  INTERFACE
  "Indicates this type is a union. `possibleTypes` is a valid field."
  UNION
  "Indicates this type is an enum. `enumValues` is a valid field."
  ENUM
  "Indicates this type is an input object. `inputFields` is a valid field."
  INPUT_OBJECT
  "Indicates this type is a list. `ofType` is a valid field."
  LIST
  "Indicates this type is a non-null. `ofType` is a valid field."
  NON_NULL
}

"Object and Interface types are described by a list of Fields, each of which has a name, potentially a list of arguments, and a return type."
type __Field {
  name: String!
  description: String
  args: [__InputValue!]!
  type: __Type!
  isDeprecated: Boolean!
  deprecationReason: String
}

"Arguments provided to Fields or Directives and the input fields of an InputObject are represented as Input Values which describe their type and optionally a default value."
type __InputValue {
  name: String!
  description: String
  type: __Type!
  "A GraphQL-formatted string representing the default value for this input value."
  defaultValue: String
}

"One possible value for a given Enum. Enum values are unique values, not a placeholder for a string or numeric value. However an Enum value is returned in a JSON response as a string."
type __EnumValue {
  name: String!
  description: String
  isDeprecated: Boolean!
  deprecationReason: String
}

"A Directive provides a way to describe alternate runtime execution and type validation behavior in a GraphQL document.\n\nIn some cases, you need to provide options to alter GraphQL's execution behavior in ways field arguments will not suffice, such as conditionally including or skipping a field. Directives provide this by describing additional information to the executor."
type __Directive {
  name: String!
  description: String
  args: [__InputValue!]!
  isRepeatable: Boolean!
  locations: [__DirectiveLocation!]!
}

"A Directive can be adjacent to many parts of the GraphQL language, a __DirectiveLocation describes one such possible adjacencies."
enum __DirectiveLocation {
  "Location adjacent to a query operation."
  QUERY
  "Location adjacent to a mutation operation."
  MUTATION
  "Location adjacent to a subscription operation."
  SUBSCRIPTION
  "Location adjacent to a field."
  FIELD
  "Location adjacent to a fragment definition."
  FRAGMENT_DEFINITION
  "Location adjacent to a fragment spread."
  FRAGMENT_SPREAD
  "Location adjacent to an inline fragment."
  INLINE_FRAGMENT
  "Location adjacent to a variable definition."
  VARIABLE_DEFINITION
  "Location adjacent to a schema definition."
  SCHEMA
  "Location adjacent to a scalar definition."
  SCALAR
  "Location adjacent to an object type definition."
  OBJECT
  "Location adjacent to a field definition."
  FIELD_DEFINITION
  "Location adjacent to an argument definition."
  ARGUMENT_DEFINITION
  "Location adjacent to an interface definition."
  INTERFACE
  "Location adjacent to a union definition."
  UNION
  "Location adjacent to an enum definition."
  ENUM
  "Location adjacent to an enum value definition."
  ENUM_VALUE
  "Location adjacent to an input object type definition."
  INPUT_OBJECT
  "Location adjacent to an input object field definition."
  INPUT_FIELD_DEFINITION
}
"#;

const DEFAULT_DEPRECATION_REASON: &str = "No longer supported";

fn deprecation_of(directives: &[sdl::Directive<'static, String>]) -> Option<String> {
    let d = directives.iter().find(|d| d.name == "deprecated")?;
    let reason = d
        .arguments
        .iter()
        .find(|(n, _)| n == "reason")
        .and_then(|(_, v)| match v {
            sdl::Value::String(s) => Some(s.clone()),
            _ => None,
        });
    Some(reason.unwrap_or_else(|| DEFAULT_DEPRECATION_REASON.to_string()))
}

fn sdl_value_to_json(v: &sdl::Value<'static, String>) -> Value {
    match v {
        sdl::Value::Variable(_) | sdl::Value::Null => Value::Null,
        sdl::Value::Int(n) => n.as_i64().map(Value::from).unwrap_or(Value::Null),
        sdl::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        sdl::Value::String(s) => Value::String(s.clone()),
        sdl::Value::Boolean(b) => Value::Bool(*b),
        sdl::Value::Enum(e) => Value::String(e.clone()),
        sdl::Value::List(items) => Value::Array(items.iter().map(sdl_value_to_json).collect()),
        sdl::Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), sdl_value_to_json(v))).collect())
        }
    }
}

fn input_value(iv: &sdl::InputValue<'static, String>) -> InputValue {
    InputValue {
        name: iv.name.clone(),
        description: iv.description.clone(),
        ty: TypeRef::from_sdl(&iv.value_type),
        default_printed: iv.default_value.as_ref().map(|v| v.to_string()),
        default: iv.default_value.as_ref().map(sdl_value_to_json),
    }
}

fn load_types(
    text: &str,
    sort: bool,
    types: &mut Types,
) -> Result<Option<(String, Option<String>)>, String> {
    let doc = sdl::parse_schema::<String>(text)
        .map_err(|e| format!("invalid SDL: {e}"))?
        .into_static();
    let mut roots = None;
    for def in doc.definitions {
        let td = match def {
            sdl::Definition::SchemaDefinition(s) => {
                roots = Some((s.query.unwrap_or_else(|| "Query".into()), s.mutation));
                continue;
            }
            sdl::Definition::TypeDefinition(t) => t,
            sdl::Definition::TypeExtension(_) => return Err("type extensions are not supported".into()),
            sdl::Definition::DirectiveDefinition(_) => continue,
        };
        let mut t = match td {
            sdl::TypeDefinition::Scalar(s) => TypeDef {
                name: s.name,
                description: s.description,
                kind: TypeKind::Scalar,
                fields: vec![],
                input_fields: vec![],
                enum_values: vec![],
            },
            sdl::TypeDefinition::Object(o) => TypeDef {
                name: o.name,
                description: o.description,
                kind: TypeKind::Object,
                fields: o
                    .fields
                    .iter()
                    .map(|f| {
                        let mut args: Vec<InputValue> = f.arguments.iter().map(input_value).collect();
                        if sort {
                            args.sort_by(|a, b| a.name.cmp(&b.name));
                        }
                        FieldDef {
                            name: f.name.clone(),
                            description: f.description.clone(),
                            args,
                            ty: TypeRef::from_sdl(&f.field_type),
                            deprecation: deprecation_of(&f.directives),
                        }
                    })
                    .collect(),
                input_fields: vec![],
                enum_values: vec![],
            },
            sdl::TypeDefinition::InputObject(i) => TypeDef {
                name: i.name,
                description: i.description,
                kind: TypeKind::InputObject,
                fields: vec![],
                input_fields: i.fields.iter().map(input_value).collect(),
                enum_values: vec![],
            },
            sdl::TypeDefinition::Enum(e) => TypeDef {
                name: e.name,
                description: e.description,
                kind: TypeKind::Enum,
                fields: vec![],
                input_fields: vec![],
                enum_values: e
                    .values
                    .iter()
                    .map(|v| EnumValueDef {
                        name: v.name.clone(),
                        description: v.description.clone(),
                        deprecation: deprecation_of(&v.directives),
                    })
                    .collect(),
            },
            sdl::TypeDefinition::Interface(i) => {
                return Err(format!("interface {} is not supported by this engine", i.name))
            }
            sdl::TypeDefinition::Union(u) => {
                return Err(format!("union {} is not supported by this engine", u.name))
            }
        };
        if sort {
            t.fields.sort_by(|a, b| a.name.cmp(&b.name));
            t.input_fields.sort_by(|a, b| a.name.cmp(&b.name));
        }
        if types.contains_key(&t.name) {
            return Err(format!("type {} is defined twice", t.name));
        }
        types.insert(t.name.clone(), t);
    }
    Ok(roots)
}

fn arg(name: &str, ty: TypeRef, default: Option<(&str, Value)>, description: &str) -> InputValue {
    InputValue {
        name: name.into(),
        description: Some(description.into()),
        ty,
        default_printed: default.as_ref().map(|(p, _)| p.to_string()),
        default: default.map(|(_, v)| v),
    }
}

fn named(n: &str) -> TypeRef {
    TypeRef::Named(n.into())
}

fn non_null(t: TypeRef) -> TypeRef {
    TypeRef::NonNull(Box::new(t))
}

impl Schema {
    /// Builds a schema from SDL text.
    pub(crate) fn from_sdl(text: &str) -> Result<Schema, String> {
        let mut types = Types::default();
        for (name, description) in BUILTIN_SCALARS {
            types.insert(
                name.to_string(),
                TypeDef {
                    name: name.to_string(),
                    description: Some(description.to_string()),
                    kind: TypeKind::Scalar,
                    fields: vec![],
                    input_fields: vec![],
                    enum_values: vec![],
                },
            );
        }
        load_types(INTROSPECTION_SDL, false, &mut types)?;
        let roots = load_types(text, true, &mut types)?;
        let (query, mutation) = roots.unwrap_or_else(|| {
            (
                "Query".into(),
                types.contains_key("Mutation").then(|| "Mutation".to_string()),
            )
        });
        if !types.get(&query).is_some_and(|t| t.kind == TypeKind::Object) {
            return Err(format!(
                "the query root type {query} is not defined as an object type"
            ));
        }
        // Every referenced type must exist.
        for t in types.values() {
            let refs = t
                .fields
                .iter()
                .flat_map(|f| std::iter::once(&f.ty).chain(f.args.iter().map(|a| &a.ty)))
                .chain(t.input_fields.iter().map(|f| &f.ty));
            for r in refs {
                if !types.contains_key(r.named()) {
                    return Err(format!("type {} refers to unknown type {}", t.name, r.named()));
                }
            }
        }
        let if_arg = |desc: &str| vec![arg("if", non_null(named("Boolean")), None, desc)];
        let directives = vec![
            DirectiveDef {
                name: "include".into(),
                description: Some(
                    "Directs the executor to include this field or fragment only when the `if` argument is true."
                        .into(),
                ),
                locations: vec!["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
                args: if_arg("Included when true."),
            },
            DirectiveDef {
                name: "skip".into(),
                description: Some(
                    "Directs the executor to skip this field or fragment when the `if` argument is true.".into(),
                ),
                locations: vec!["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
                args: if_arg("Skipped when true."),
            },
            DirectiveDef {
                name: "deprecated".into(),
                description: Some("Marks an element of a GraphQL schema as no longer supported.".into()),
                locations: vec!["FIELD_DEFINITION", "ENUM_VALUE", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION"],
                args: vec![arg(
                    "reason",
                    named("String"),
                    Some(("\"No longer supported\"", Value::String(DEFAULT_DEPRECATION_REASON.into()))),
                    "Explains why this element was deprecated, usually also including a suggestion for how to access supported similar data. Formatted using the Markdown syntax, as specified by [CommonMark](https://commonmark.org/).",
                )],
            },
        ];
        let meta = |name: &str, ty: TypeRef, args: Vec<InputValue>, desc: &str| FieldDef {
            name: name.into(),
            description: Some(desc.into()),
            args,
            ty,
            deprecation: None,
        };
        Ok(Schema {
            id: next_schema_id(),
            types,
            query,
            mutation,
            directives,
            meta_schema: meta(
                "__schema",
                non_null(named("__Schema")),
                vec![],
                "Access the current type schema of this server.",
            ),
            meta_type: meta(
                "__type",
                named("__Type"),
                vec![arg("name", non_null(named("String")), None, "")],
                "Request the type information of a single type.",
            ),
            meta_typename: meta(
                "__typename",
                non_null(named("String")),
                vec![],
                "The name of the current Object type at runtime.",
            ),
        })
    }

    /// Removes one field (used by profiles that lack it, e.g. `Mutation.exchangeOtpForCustomerToken`).
    pub(crate) fn without_field(mut self, type_name: &str, field: &str) -> Self {
        self.id = next_schema_id();
        if let Some(t) = self.types.get_mut(type_name) {
            t.fields.retain(|f| f.name != field);
            t.input_fields.retain(|f| f.name != field);
        }
        self
    }

    /// Removes one value of an enum type (a profile whose enum is shorter).
    pub(crate) fn without_enum_value(mut self, type_name: &str, value: &str) -> Self {
        self.id = next_schema_id();
        if let Some(t) = self.types.get_mut(type_name) {
            t.enum_values.retain(|v| v.name != value);
        }
        self
    }

    /// Removes a type that no field refers to any more (after [`Schema::without_field`]), so
    /// introspection does not list it.
    ///
    /// # Panics
    /// When a field still refers to the type: the schema would be broken.
    pub(crate) fn without_type(mut self, type_name: &str) -> Self {
        self.id = next_schema_id();
        let referred = self.types.values().any(|t| {
            t.fields
                .iter()
                .flat_map(|f| std::iter::once(&f.ty).chain(f.args.iter().map(|a| &a.ty)))
                .chain(t.input_fields.iter().map(|f| &f.ty))
                .any(|r| r.named() == type_name)
        });
        assert!(
            !referred,
            "type {type_name} is still referred to: remove the fields that use it first"
        );
        self.types.remove(type_name);
        self
    }

    /// The field names of a type in the order validation considers them (byte order).
    #[cfg(test)]
    pub fn field_names(&self, type_name: &str) -> Vec<String> {
        self.types
            .get(type_name)
            .map(|t| {
                t.fields
                    .iter()
                    .map(|f| f.name.clone())
                    .chain(t.input_fields.iter().map(|f| f.name.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn get(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    pub(crate) fn directive(&self, name: &str) -> Option<&DirectiveDef> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// A field of an object type, meta-fields included (`__typename` anywhere; `__schema` and
    /// `__type` on the query root).
    pub(crate) fn field(&self, type_name: &str, field: &str) -> Option<&FieldDef> {
        if field == "__typename" && self.types.get(type_name).is_some_and(|t| t.is_composite()) {
            return Some(&self.meta_typename);
        }
        if type_name == self.query {
            if field == "__schema" {
                return Some(&self.meta_schema);
            }
            if field == "__type" {
                return Some(&self.meta_type);
            }
        }
        self.types.get(type_name)?.field(field)
    }
}
