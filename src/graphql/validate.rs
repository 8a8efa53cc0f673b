//! Validation with graphql-php v15 wording, first error only.
//!
//! graphql-php runs all rules in one traversal of the document and Magento returns the first error
//! reported. This module walks the document once, in order, and at each node checks the rules in
//! `DocumentValidator::defaultRules()` order (then Magento's QueryDepth 20 and QueryComplexity 300),
//! returning at the first failure. Rules that graphql-php checks when *leaving* a node (required
//! arguments, variable usage, depth, complexity, unused fragments) are checked on the way out.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};


use super::named::RawVariables;
use super::schema::{InputValue, Schema, TypeKind, TypeRef};
use super::syntax::*;
use super::values::{parse_scalar_literal, quoted_or_list, suggestion_list};
use super::{GraphqlError, Location};

pub const MAX_QUERY_DEPTH: usize = 20;
pub const MAX_QUERY_COMPLEXITY: usize = 300;

type VResult = Result<(), GraphqlError>;

fn err(message: impl Into<String>, locations: Vec<Location>) -> VResult {
    Err(GraphqlError {
        message: message.into(),
        locations,
        path: None,
        category: None,
    })
}

/// Converts a document type reference to a schema one, if its named type exists.
pub fn type_from_ast(schema: &Schema, t: &TypeNode) -> Option<TypeRef> {
    Some(match t {
        TypeNode::Named(n) => {
            schema.get(&n.value)?;
            TypeRef::Named(n.value.clone())
        }
        TypeNode::List(inner, _) => TypeRef::List(Box::new(type_from_ast(schema, inner)?)),
        TypeNode::NonNull(inner, _) => TypeRef::NonNull(Box::new(type_from_ast(schema, inner)?)),
    })
}

/// A variable used somewhere, with the type expected there.
struct Usage {
    name: String,
    loc: Location,
    ty: Option<TypeRef>,
    has_location_default: bool,
}

struct Validator<'a> {
    schema: &'a Schema,
    doc: &'a Document,
    fragments: HashMap<&'a str, &'a FragmentDef>,
    variables: &'a RawVariables,
    /// Set when a variable's value decided something (an `@include(if: $v)`): the result
    /// then holds for these variables only.
    variables_read: std::cell::Cell<bool>,
    depth_memo: RefCell<HashMap<&'a str, i64>>,
    complexity_memo: RefCell<HashMap<&'a str, usize>>,
}

/// Validates `doc`; the first error in graphql-php's order, if any.
pub fn validate(schema: &Schema, doc: &Document, variables: &RawVariables) -> Option<GraphqlError> {
    if let Some((id, result)) = doc.validated.get() {
        if *id == schema.id {
            return result.clone();
        }
    }
    let mut fragments = HashMap::new();
    for d in &doc.definitions {
        if let Definition::Fragment(f) = d {
            fragments.entry(f.name.value.as_str()).or_insert(f);
        }
    }
    let v = Validator {
        schema,
        doc,
        fragments,
        variables,
        variables_read: std::cell::Cell::new(false),
        depth_memo: RefCell::default(),
        complexity_memo: RefCell::default(),
    };
    let result = v.document().err();
    if !v.variables_read.get() {
        let _ = doc.validated.set((schema.id, result.clone()));
    }
    result
}

/// Mock decision: graphql-php has no such limit. Walkers that follow fragment spreads recurse once
/// per level, so a document whose nesting, with fragments expanded, goes past this is refused
/// before them rather than risk the stack. Real queries are far below (QueryDepth allows 20).
pub const MAX_EXPANDED_NESTING: usize = 1000;

/// Per fragment: its own deepest nesting, and the spreads it contains with their levels.
type LocalNesting<'d> = HashMap<&'d str, (usize, Vec<(usize, &'d str)>)>;

/// Nesting levels inside a selection set, and the fragment spreads met at each level.
fn local_nesting<'d>(set: &'d SelectionSet, depth: usize, spreads: &mut Vec<(usize, &'d str)>) -> usize {
    let mut max = depth;
    for s in &set.items {
        match s {
            Selection::Field(f) => {
                if let Some(ss) = &f.selection_set {
                    max = max.max(local_nesting(ss, depth + 1, spreads));
                }
            }
            Selection::Inline(i) => max = max.max(local_nesting(&i.selection_set, depth + 1, spreads)),
            Selection::Spread(sp) => spreads.push((depth, sp.name.value.as_str())),
        }
    }
    max
}

impl<'a> Validator<'a> {
    /// The deepest nesting of any operation once fragments are expanded (cycles cut).
    fn expanded_nesting(&self) -> usize {
        let mut local: LocalNesting<'a> = HashMap::new();
        for (name, f) in &self.fragments {
            let mut spreads = vec![];
            let m = local_nesting(&f.selection_set, 1, &mut spreads);
            local.insert(*name, (m, spreads));
        }
        fn total<'d>(
            name: &'d str,
            local: &LocalNesting<'d>,
            memo: &mut HashMap<&'d str, Option<usize>>,
        ) -> usize {
            match memo.get(name) {
                Some(Some(v)) => return *v,
                Some(None) => return 0, // a cycle: NoFragmentCycles reports it
                None => {}
            }
            let Some((m, spreads)) = local.get(name) else {
                return 0;
            };
            memo.insert(name, None);
            let mut best = *m;
            for (d, g) in spreads {
                best = best.max(d.saturating_add(total(g, local, memo)));
            }
            memo.insert(name, Some(best));
            best
        }
        let mut memo = HashMap::new();
        let mut max = 0;
        for d in &self.doc.definitions {
            if let Definition::Operation(op) = d {
                let mut spreads = vec![];
                max = max.max(local_nesting(&op.selection_set, 1, &mut spreads));
                for (depth, g) in spreads {
                    max = max.max(depth.saturating_add(total(g, &local, &mut memo)));
                }
            }
        }
        for name in local.keys() {
            max = max.max(total(name, &local, &mut memo));
        }
        max
    }

    fn document(&self) -> VResult {
        if self.expanded_nesting() > MAX_EXPANDED_NESTING {
            return err(
                format!("Document nesting is deeper than {MAX_EXPANDED_NESTING} levels once fragments are expanded."),
                vec![],
            );
        }
        // ExecutableDefinitions
        for d in &self.doc.definitions {
            if let Definition::TypeSystem { name, loc } = d {
                return err(
                    format!("The \"{name}\" definition is not executable."),
                    vec![*loc],
                );
            }
        }
        let op_count = self
            .doc
            .definitions
            .iter()
            .filter(|d| matches!(d, Definition::Operation(_)))
            .count();
        let mut op_names: HashMap<&str, Location> = HashMap::new();
        let mut frag_names: HashMap<&str, Location> = HashMap::new();
        for d in &self.doc.definitions {
            match d {
                Definition::Operation(op) => self.operation(op, op_count, &mut op_names)?,
                Definition::Fragment(f) => self.fragment_definition(f, &mut frag_names)?,
                Definition::TypeSystem { .. } => {}
            }
        }
        // NoUnusedFragments (document leave)
        let mut used = HashSet::new();
        for d in &self.doc.definitions {
            if let Definition::Operation(op) = d {
                self.collect_spreads(&op.selection_set, &mut used);
            }
        }
        for d in &self.doc.definitions {
            if let Definition::Fragment(f) = d {
                if !used.contains(f.name.value.as_str()) {
                    return err(
                        format!("Fragment \"{}\" is never used.", f.name.value),
                        vec![f.loc],
                    );
                }
            }
        }
        Ok(())
    }

    /// Names of fragments reachable from a selection set.
    fn collect_spreads(&self, set: &'a SelectionSet, seen: &mut HashSet<&'a str>) {
        for s in &set.items {
            match s {
                Selection::Field(f) => {
                    if let Some(ss) = &f.selection_set {
                        self.collect_spreads(ss, seen);
                    }
                }
                Selection::Inline(i) => self.collect_spreads(&i.selection_set, seen),
                Selection::Spread(sp) => {
                    if seen.insert(sp.name.value.as_str()) {
                        if let Some(f) = self.fragments.get(sp.name.value.as_str()) {
                            self.collect_spreads(&f.selection_set, seen);
                        }
                    }
                }
            }
        }
    }

    fn root_type(&self, kind: OpKind) -> Option<&'a str> {
        match kind {
            OpKind::Query => Some(self.schema.query.as_str()),
            OpKind::Mutation => self.schema.mutation.as_deref(),
            OpKind::Subscription => None,
        }
    }

    fn operation(
        &self,
        op: &'a Operation,
        op_count: usize,
        names: &mut HashMap<&'a str, Location>,
    ) -> VResult {
        // UniqueOperationNames
        if let Some(n) = &op.name {
            if let Some(first) = names.get(n.value.as_str()) {
                return err(
                    format!("There can be only one operation named \"{}\".", n.value),
                    vec![*first, n.loc],
                );
            }
            names.insert(n.value.as_str(), n.loc);
        }
        // LoneAnonymousOperation
        if op.name.is_none() && op_count > 1 {
            return err(
                "This anonymous operation must be the only defined operation.",
                vec![op.loc],
            );
        }
        // SingleFieldSubscription
        if op.kind == OpKind::Subscription && op.selection_set.items.len() != 1 {
            let m = match &op.name {
                Some(n) => format!(
                    "Subscription \"{}\" must select only one top level field.",
                    n.value
                ),
                None => "Anonymous Subscription must select only one top level field.".to_string(),
            };
            let locs = op.selection_set.items.iter().skip(1).map(selection_loc).collect();
            return err(m, locs);
        }
        let mut var_names: HashMap<&str, Location> = HashMap::new();
        for vd in &op.var_defs {
            // VariablesAreInputTypes
            if let Some(t) = self.schema.get(&vd.ty.named().value) {
                if !t.is_input() {
                    return err(
                        format!(
                            "Variable \"${}\" cannot be non-input type \"{}\".",
                            vd.name.value, vd.ty
                        ),
                        vec![type_node_loc(&vd.ty)],
                    );
                }
            }
            // UniqueVariableNames
            if let Some(first) = var_names.get(vd.name.value.as_str()) {
                return err(
                    format!("There can be only one variable named \"${}\".", vd.name.value),
                    vec![*first, vd.name.loc],
                );
            }
            var_names.insert(vd.name.value.as_str(), vd.name.loc);
            self.known_type(vd.ty.named())?;
            if let Some(dv) = &vd.default {
                let t = type_from_ast(self.schema, &vd.ty);
                self.value(dv, t.as_ref(), false)?;
            }
        }
        let location = match op.kind {
            OpKind::Query => "QUERY",
            OpKind::Mutation => "MUTATION",
            OpKind::Subscription => "SUBSCRIPTION",
        };
        self.directives(&op.directives)?;
        self.directive_nodes(&op.directives, location)?;
        let root = self.root_type(op.kind);
        self.selection_set(&op.selection_set, root)?;

        // Leaving the operation.
        let usages = self.operation_usages(op, root);
        let defined: HashMap<&str, &VarDef> =
            op.var_defs.iter().map(|v| (v.name.value.as_str(), v)).collect();
        // NoUndefinedVariables
        for u in &usages {
            if !defined.contains_key(u.name.as_str()) {
                let m = match &op.name {
                    Some(n) => format!(
                        "Variable \"${}\" is not defined by operation \"{}\".",
                        u.name, n.value
                    ),
                    None => format!("Variable \"${}\" is not defined.", u.name),
                };
                return err(m, vec![u.loc, op.loc]);
            }
        }
        // NoUnusedVariables
        for vd in &op.var_defs {
            if !usages.iter().any(|u| u.name == vd.name.value) {
                let m = match &op.name {
                    Some(n) => format!(
                        "Variable \"${}\" is never used in operation \"{}\".",
                        vd.name.value, n.value
                    ),
                    None => format!("Variable \"${}\" is never used.", vd.name.value),
                };
                return err(m, vec![vd.loc]);
            }
        }
        // VariablesInAllowedPosition
        for u in &usages {
            let (Some(vd), Some(loc_type)) = (defined.get(u.name.as_str()), &u.ty) else {
                continue;
            };
            let Some(var_type) = type_from_ast(self.schema, &vd.ty) else {
                continue;
            };
            if !allowed_variable_usage(&var_type, vd.default.as_ref(), loc_type, u.has_location_default) {
                return err(
                    format!(
                        "Variable \"${}\" of type \"{}\" used in position expecting type \"{}\".",
                        u.name, var_type, loc_type
                    ),
                    vec![vd.loc, u.loc],
                );
            }
        }
        // QueryDepth
        let depth = self.depth_of(&op.selection_set);
        if depth > MAX_QUERY_DEPTH {
            return err(
                format!("Max query depth should be {MAX_QUERY_DEPTH} but got {depth}."),
                vec![],
            );
        }
        // QueryComplexity
        let complexity = self.complexity_of(&op.selection_set, &mut vec![]);
        if complexity > MAX_QUERY_COMPLEXITY {
            return err(
                format!("Max query complexity should be {MAX_QUERY_COMPLEXITY} but got {complexity}."),
                vec![],
            );
        }
        Ok(())
    }

    fn fragment_definition(&self, f: &'a FragmentDef, names: &mut HashMap<&'a str, Location>) -> VResult {
        // FragmentsOnCompositeTypes
        if let Some(t) = self.schema.get(&f.type_condition.value) {
            if !t.is_composite() {
                return err(
                    format!(
                        "Fragment \"{}\" cannot condition on non composite type \"{}\".",
                        f.name.value, f.type_condition.value
                    ),
                    vec![f.type_condition.loc],
                );
            }
        }
        // UniqueFragmentNames
        if let Some(first) = names.get(f.name.value.as_str()) {
            return err(
                format!("There can be only one fragment named \"{}\".", f.name.value),
                vec![*first, f.name.loc],
            );
        }
        names.insert(f.name.value.as_str(), f.name.loc);
        // NoFragmentCycles
        let mut path = vec![];
        if let Some(cycle) = self.find_cycle(&f.name.value, &f.selection_set, &mut path, &mut HashSet::new())
        {
            let via: Vec<&str> = cycle.iter().skip(1).map(|s| s.name.value.as_str()).collect();
            let m = if via.is_empty() {
                format!("Cannot spread fragment \"{}\" within itself.", f.name.value)
            } else {
                format!(
                    "Cannot spread fragment \"{}\" within itself via {}.",
                    f.name.value,
                    via.join(", ")
                )
            };
            return err(m, cycle.iter().map(|s| s.loc).collect());
        }
        self.directives(&f.directives)?;
        self.known_type(&f.type_condition)?;
        self.directive_nodes(&f.directives, "FRAGMENT_DEFINITION")?;
        let parent = self
            .schema
            .get(&f.type_condition.value)
            .filter(|t| t.is_composite())
            .map(|t| t.name.as_str());
        self.selection_set(&f.selection_set, parent)
    }

    fn find_cycle(
        &self,
        target: &str,
        set: &'a SelectionSet,
        path: &mut Vec<&'a FragmentSpread>,
        visited: &mut HashSet<&'a str>,
    ) -> Option<Vec<&'a FragmentSpread>> {
        for s in &set.items {
            match s {
                Selection::Field(f) => {
                    if let Some(ss) = &f.selection_set {
                        if let Some(c) = self.find_cycle(target, ss, path, visited) {
                            return Some(c);
                        }
                    }
                }
                Selection::Inline(i) => {
                    if let Some(c) = self.find_cycle(target, &i.selection_set, path, visited) {
                        return Some(c);
                    }
                }
                Selection::Spread(sp) => {
                    path.push(sp);
                    if sp.name.value == target {
                        return Some(path.clone());
                    }
                    if visited.insert(sp.name.value.as_str()) {
                        if let Some(fd) = self.fragments.get(sp.name.value.as_str()) {
                            if let Some(c) = self.find_cycle(target, &fd.selection_set, path, visited) {
                                return Some(c);
                            }
                        }
                    }
                    path.pop();
                }
            }
        }
        None
    }

    fn known_type(&self, n: &Name) -> VResult {
        if self.schema.get(&n.value).is_some() {
            return Ok(());
        }
        let names: Vec<&str> = self.schema.types.keys().map(|s| s.as_str()).collect();
        let suggestions = suggestion_list(&n.value, &names);
        let mut m = format!("Unknown type \"{}\".", n.value);
        if !suggestions.is_empty() {
            m.push_str(&format!(" Did you mean {}?", quoted_or_list(&suggestions)));
        }
        err(m, vec![n.loc])
    }

    fn directives(&self, directives: &'a [Directive]) -> VResult {
        // UniqueDirectivesPerLocation (checked on the node that carries the directives)
        let mut seen: HashMap<&str, Location> = HashMap::new();
        let mut dup = None;
        for d in directives {
            if let Some(first) = seen.get(d.name.value.as_str()) {
                if dup.is_none() {
                    dup = Some((d, *first));
                }
            } else {
                seen.insert(d.name.value.as_str(), d.loc);
            }
        }
        if let Some((d, first)) = dup {
            return err(
                format!(
                    "The directive \"@{}\" can only be used once at this location.",
                    d.name.value
                ),
                vec![first, d.loc],
            );
        }
        Ok(())
    }

    /// Directive nodes themselves (entered after the owner's own rules).
    fn directive_nodes(&self, directives: &'a [Directive], location: &str) -> VResult {
        for d in directives {
            // KnownDirectives
            let Some(def) = self.schema.directive(&d.name.value) else {
                return err(format!("Unknown directive \"@{}\".", d.name.value), vec![d.loc]);
            };
            if !def.locations.contains(&location) {
                return err(
                    format!("Directive \"@{}\" may not be used on {location}.", d.name.value),
                    vec![d.loc],
                );
            }
            let mut seen: HashMap<&str, Location> = HashMap::new();
            for a in &d.args {
                let arg_def = def.args.iter().find(|x| x.name == a.name.value);
                if arg_def.is_none() {
                    let names: Vec<&str> = def.args.iter().map(|x| x.name.as_str()).collect();
                    let s = suggestion_list(&a.name.value, &names);
                    let mut m = format!(
                        "Unknown argument \"{}\" on directive \"@{}\".",
                        a.name.value, d.name.value
                    );
                    if !s.is_empty() {
                        m.push_str(&format!(" Did you mean {}?", quoted_or_list(&s)));
                    }
                    return err(m, vec![a.loc]);
                }
                if let Some(first) = seen.get(a.name.value.as_str()) {
                    return err(
                        format!("There can be only one argument named \"{}\".", a.name.value),
                        vec![*first, a.name.loc],
                    );
                }
                seen.insert(a.name.value.as_str(), a.name.loc);
                self.value(&a.value, arg_def.map(|x| &x.ty), false)?;
            }
            if let Some(ad) = first_missing_required(&def.args, &d.args) {
                return err(
                    format!(
                        "Directive \"@{}\" argument \"{}\" of type \"{}\" is required but not provided.",
                        d.name.value, ad.name, ad.ty
                    ),
                    vec![d.loc],
                );
            }
        }
        Ok(())
    }

    fn selection_set(&self, set: &'a SelectionSet, parent: Option<&'a str>) -> VResult {
        if let Some(p) = parent {
            self.overlapping(set, p)?;
        }
        for s in &set.items {
            match s {
                Selection::Field(f) => self.field(f, parent)?,
                Selection::Spread(sp) => {
                    // KnownFragmentNames
                    let Some(fd) = self.fragments.get(sp.name.value.as_str()) else {
                        return err(
                            format!("Unknown fragment \"{}\".", sp.name.value),
                            vec![sp.name.loc],
                        );
                    };
                    // PossibleFragmentSpreads
                    if let (Some(p), Some(ft)) = (parent, self.schema.get(&fd.type_condition.value)) {
                        if ft.is_composite() && ft.name != p {
                            return err(
                                format!(
                                    "Fragment \"{}\" cannot be spread here as objects of type \"{p}\" can never be of type \"{}\".",
                                    sp.name.value, ft.name
                                ),
                                vec![sp.loc],
                            );
                        }
                    }
                    self.directives(&sp.directives)?;
                    self.directive_nodes(&sp.directives, "FRAGMENT_SPREAD")?;
                }
                Selection::Inline(i) => {
                    let cond = i.type_condition.as_ref().and_then(|c| self.schema.get(&c.value));
                    // FragmentsOnCompositeTypes
                    if let (Some(c), Some(t)) = (&i.type_condition, cond) {
                        if !t.is_composite() {
                            return err(
                                format!("Fragment cannot condition on non composite type \"{}\".", c.value),
                                vec![c.loc],
                            );
                        }
                    }
                    // PossibleFragmentSpreads
                    if let (Some(p), Some(t)) = (parent, cond) {
                        if t.name != p {
                            return err(
                                format!(
                                    "Fragment cannot be spread here as objects of type \"{p}\" can never be of type \"{}\".",
                                    t.name
                                ),
                                vec![i.loc],
                            );
                        }
                    }
                    self.directives(&i.directives)?;
                    if let Some(c) = &i.type_condition {
                        self.known_type(c)?;
                    }
                    self.directive_nodes(&i.directives, "INLINE_FRAGMENT")?;
                    let inner = match &i.type_condition {
                        Some(_) => cond.filter(|t| t.is_composite()).map(|t| t.name.as_str()),
                        None => parent,
                    };
                    self.selection_set(&i.selection_set, inner)?;
                }
            }
        }
        Ok(())
    }

    fn field(&self, f: &'a Field, parent: Option<&'a str>) -> VResult {
        let def = parent.and_then(|p| self.schema.field(p, &f.name.value));
        // ScalarLeafs
        if let Some(def) = def {
            let named = self.schema.get(def.ty.named());
            let leaf = named.is_none_or(|t| t.is_leaf());
            match (&f.selection_set, leaf) {
                (Some(ss), true) => {
                    return err(
                        format!(
                            "Field \"{}\" of type \"{}\" must not have a sub selection.",
                            f.name.value, def.ty
                        ),
                        vec![ss.loc],
                    )
                }
                (None, false) => {
                    return err(
                        format!(
                            "Field \"{}\" of type \"{}\" must have a sub selection.",
                            f.name.value, def.ty
                        ),
                        vec![f.loc],
                    )
                }
                _ => {}
            }
        }
        // FieldsOnCorrectType (never with suggestions: Magento builds a partial schema per request)
        if let (Some(p), None) = (parent, def) {
            return err(
                format!("Cannot query field \"{}\" on type \"{p}\".", f.name.value),
                vec![f.loc],
            );
        }
        self.directives(&f.directives)?;
        let mut seen: HashMap<&str, Location> = HashMap::new();
        for a in &f.args {
            let arg_def = def.and_then(|d| d.args.iter().find(|x| x.name == a.name.value));
            // KnownArgumentNames
            if let (Some(d), None) = (def, arg_def) {
                let names: Vec<&str> = d.args.iter().map(|x| x.name.as_str()).collect();
                let s = suggestion_list(&a.name.value, &names);
                let mut m = format!(
                    "Unknown argument \"{}\" on field \"{}\" of type \"{}\".",
                    a.name.value,
                    f.name.value,
                    parent.unwrap_or_default()
                );
                if !s.is_empty() {
                    m.push_str(&format!(" Did you mean {}?", quoted_or_list(&s)));
                }
                return err(m, vec![a.loc]);
            }
            // UniqueArgumentNames
            if let Some(first) = seen.get(a.name.value.as_str()) {
                return err(
                    format!("There can be only one argument named \"{}\".", a.name.value),
                    vec![*first, a.name.loc],
                );
            }
            seen.insert(a.name.value.as_str(), a.name.loc);
            self.value(&a.value, arg_def.map(|x| &x.ty), false)?;
        }
        self.directive_nodes(&f.directives, "FIELD")?;
        if let Some(ss) = &f.selection_set {
            let inner = def
                .and_then(|d| self.schema.get(d.ty.named()))
                .filter(|t| t.is_composite())
                .map(|t| t.name.as_str());
            self.selection_set(ss, inner)?;
        }
        // ProvidedRequiredArguments (field leave), arguments in byte order
        if let Some(d) = def {
            if let Some(ad) = first_missing_required(&d.args, &f.args) {
                return err(
                    format!(
                        "Field \"{}\" argument \"{}\" of type \"{}\" is required but not provided.",
                        f.name.value, ad.name, ad.ty
                    ),
                    vec![f.loc],
                );
            }
        }
        Ok(())
    }

    /// ValuesOfCorrectType and UniqueInputFieldNames over a value literal at a position of
    /// type `ty` (`None` when unknown).
    fn value(&self, node: &ValueNode, ty: Option<&TypeRef>, _in_list: bool) -> VResult {
        match &node.kind {
            ValueKind::Variable(_) => Ok(()),
            ValueKind::Null => match ty {
                Some(t) if t.is_non_null() => err(
                    format!("Expected value of type \"{t}\", found null."),
                    vec![node.loc],
                ),
                _ => Ok(()),
            },
            ValueKind::List(items) => match ty.map(|t| t.nullable()) {
                Some(TypeRef::List(item)) => {
                    for i in items {
                        self.value(i, Some(item), true)?;
                    }
                    Ok(())
                }
                _ => self.valid_value_node(node, ty),
            },
            ValueKind::Object(fields) => {
                let Some(t) = ty else { return Ok(()) };
                let named = self.schema.get(t.named());
                let Some(input) = named
                    .filter(|n| n.kind == TypeKind::InputObject && !matches!(t.nullable(), TypeRef::List(_)))
                else {
                    return self.valid_value_node(node, ty);
                };
                for fd in &input.input_fields {
                    if fd.ty.is_non_null()
                        && fd.default.is_none()
                        && !fields.iter().any(|f| f.name.value == fd.name)
                    {
                        return err(
                            format!(
                                "Field {}.{} of required type {} was not provided.",
                                input.name, fd.name, fd.ty
                            ),
                            vec![node.loc],
                        );
                    }
                }
                let mut seen: HashMap<&str, Location> = HashMap::new();
                for of in fields {
                    let fdef = input.input_field(&of.name.value);
                    if fdef.is_none() {
                        let names: Vec<&str> = input.input_fields.iter().map(|x| x.name.as_str()).collect();
                        let s = suggestion_list(&of.name.value, &names);
                        let mut m = format!(
                            "Field \"{}\" is not defined by type \"{}\".",
                            of.name.value, input.name
                        );
                        if !s.is_empty() {
                            m.push_str(&format!(" Did you mean {}?", quoted_or_list(&s)));
                        }
                        return err(m, vec![of.loc]);
                    }
                    if let Some(first) = seen.get(of.name.value.as_str()) {
                        return err(
                            format!("There can be only one input field named \"{}\".", of.name.value),
                            vec![*first, of.name.loc],
                        );
                    }
                    seen.insert(of.name.value.as_str(), of.name.loc);
                    self.value(&of.value, fdef.map(|x| &x.ty), false)?;
                }
                Ok(())
            }
            ValueKind::Enum(e) => {
                let Some(t) = ty else { return Ok(()) };
                match self.schema.get(t.named()) {
                    Some(et) if et.kind == TypeKind::Enum && !matches!(t.nullable(), TypeRef::List(_)) => {
                        if et.enum_values.iter().any(|v| &v.name == e) {
                            return Ok(());
                        }
                        let mut m = format!("Expected value of type \"{}\", found {}", et.name, node.print());
                        m.push_str(
                            &self
                                .enum_suggestion(t, node)
                                .map(|s| format!("; {s}"))
                                .unwrap_or(".".into()),
                        );
                        err(m, vec![node.loc])
                    }
                    _ => self.valid_value_node(node, ty),
                }
            }
            _ => self.valid_value_node(node, ty),
        }
    }

    fn enum_suggestion(&self, t: &TypeRef, node: &ValueNode) -> Option<String> {
        let et = self.schema.get(t.named()).filter(|x| x.kind == TypeKind::Enum)?;
        let names: Vec<&str> = et.enum_values.iter().map(|v| v.name.as_str()).collect();
        let s = suggestion_list(&node.print(), &names);
        (!s.is_empty()).then(|| format!("Did you mean the enum value {}?", quoted_or_list(&s)))
    }

    /// `isValidValueNode`: a literal checked against the full type of its position.
    fn valid_value_node(&self, node: &ValueNode, ty: Option<&TypeRef>) -> VResult {
        let Some(t) = ty else { return Ok(()) };
        let named = self.schema.get(t.named());
        let list_position = matches!(t.nullable(), TypeRef::List(_));
        match named {
            Some(n) if n.kind == TypeKind::Scalar && !list_position => {
                match parse_scalar_literal(&n.name, node) {
                    Ok(_) => Ok(()),
                    Err(reason) => err(
                        format!("Expected value of type \"{t}\", found {}; {reason}", node.print()),
                        vec![node.loc],
                    ),
                }
            }
            Some(n) if n.kind == TypeKind::Scalar => {
                // A single value at a list position is coerced as a list of one.
                self.value_as_item(node, t)
            }
            _ if list_position => self.value_as_item(node, t),
            _ => {
                let mut m = format!("Expected value of type \"{t}\", found {}", node.print());
                m.push_str(
                    &self
                        .enum_suggestion(t, node)
                        .map(|s| format!("; {s}"))
                        .unwrap_or(".".into()),
                );
                err(m, vec![node.loc])
            }
        }
    }

    fn value_as_item(&self, node: &ValueNode, t: &TypeRef) -> VResult {
        // Input coercion accepts a non-list value for a list type as a list of one.
        let TypeRef::List(item) = t.nullable() else {
            return Ok(());
        };
        self.value(node, Some(item), false)
    }

    /// OverlappingFieldsCanBeMerged, simplified: fields of one selection set (fragments
    /// flattened) sharing a response key must be the same field with the same arguments.
    fn overlapping(&self, set: &'a SelectionSet, parent: &str) -> VResult {
        let mut fields: Vec<(&'a Field, String)> = vec![];
        self.flatten_fields(set, parent, &mut fields, &mut HashSet::new());
        // Group by response key first, so large selection sets stay linear.
        let mut groups: Vec<(&str, Vec<usize>)> = vec![];
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, (f, _)) in fields.iter().enumerate() {
            let key = f.response_key();
            match index.get(key) {
                Some(g) => groups[*g].1.push(i),
                None => {
                    index.insert(key, groups.len());
                    groups.push((key, vec![i]));
                }
            }
        }
        for (key, members) in &groups {
            let (a, pa) = &fields[members[0]];
            for m in members.iter().skip(1) {
                let (b, pb) = &fields[*m];
                if pa != pb || std::ptr::eq(*a, *b) {
                    continue;
                }
                let reason = if a.name.value != b.name.value {
                    Some(format!(
                        "\"{}\" and \"{}\" are different fields",
                        a.name.value, b.name.value
                    ))
                } else if !same_arguments(&a.args, &b.args) {
                    Some("they have differing arguments".to_string())
                } else {
                    None
                };
                if let Some(reason) = reason {
                    return err(
                        format!(
                            "Fields \"{key}\" conflict because {reason}. Use different aliases on the fields to fetch both if this was intentional."
                        ),
                        vec![a.loc, b.loc],
                    );
                }
            }
        }
        Ok(())
    }

    fn flatten_fields(
        &self,
        set: &'a SelectionSet,
        parent: &str,
        out: &mut Vec<(&'a Field, String)>,
        seen: &mut HashSet<&'a str>,
    ) {
        for s in &set.items {
            match s {
                Selection::Field(f) => out.push((f, parent.to_string())),
                Selection::Inline(i) => {
                    let p = i
                        .type_condition
                        .as_ref()
                        .map(|c| c.value.as_str())
                        .unwrap_or(parent);
                    self.flatten_fields(&i.selection_set, p, out, seen);
                }
                Selection::Spread(sp) => {
                    if seen.insert(sp.name.value.as_str()) {
                        if let Some(fd) = self.fragments.get(sp.name.value.as_str()) {
                            self.flatten_fields(&fd.selection_set, &fd.type_condition.value, out, seen);
                        }
                    }
                }
            }
        }
    }

    // --- usages of variables -------------------------------------------------------------

    fn operation_usages(&self, op: &'a Operation, root: Option<&str>) -> Vec<Usage> {
        let mut out = vec![];
        for d in &op.directives {
            self.directive_usages(d, &mut out);
        }
        let mut frags = vec![];
        self.set_usages(&op.selection_set, root, &mut out, &mut frags);
        let mut i = 0;
        let mut seen: HashSet<&str> = frags
            .iter()
            .map(|f: &&FragmentDef| f.name.value.as_str())
            .collect();
        while i < frags.len() {
            let fd = frags[i];
            let mut more = vec![];
            for d in &fd.directives {
                self.directive_usages(d, &mut out);
            }
            let p = self.schema.get(&fd.type_condition.value).map(|t| t.name.as_str());
            self.set_usages(&fd.selection_set, p, &mut out, &mut more);
            for m in more {
                if seen.insert(m.name.value.as_str()) {
                    frags.push(m);
                }
            }
            i += 1;
        }
        out
    }

    fn directive_usages(&self, d: &Directive, out: &mut Vec<Usage>) {
        let def = self.schema.directive(&d.name.value);
        for a in &d.args {
            let ad = def.and_then(|x| x.args.iter().find(|y| y.name == a.name.value));
            value_usages(
                self.schema,
                &a.value,
                ad.map(|x| x.ty.clone()),
                ad.is_some_and(|x| x.default.is_some()),
                out,
            );
        }
    }

    fn set_usages(
        &self,
        set: &'a SelectionSet,
        parent: Option<&str>,
        out: &mut Vec<Usage>,
        frags: &mut Vec<&'a FragmentDef>,
    ) {
        for s in &set.items {
            match s {
                Selection::Field(f) => {
                    let def = parent.and_then(|p| self.schema.field(p, &f.name.value));
                    for a in &f.args {
                        let ad = def.and_then(|x| x.args.iter().find(|y| y.name == a.name.value));
                        value_usages(
                            self.schema,
                            &a.value,
                            ad.map(|x| x.ty.clone()),
                            ad.is_some_and(|x| x.default.is_some()),
                            out,
                        );
                    }
                    for d in &f.directives {
                        self.directive_usages(d, out);
                    }
                    if let Some(ss) = &f.selection_set {
                        let inner = def.map(|d| d.ty.named().to_string());
                        self.set_usages(ss, inner.as_deref(), out, frags);
                    }
                }
                Selection::Inline(i) => {
                    for d in &i.directives {
                        self.directive_usages(d, out);
                    }
                    let p = match &i.type_condition {
                        Some(c) => Some(c.value.as_str()),
                        None => parent,
                    };
                    self.set_usages(&i.selection_set, p, out, frags);
                }
                Selection::Spread(sp) => {
                    for d in &sp.directives {
                        self.directive_usages(d, out);
                    }
                    if let Some(fd) = self.fragments.get(sp.name.value.as_str()) {
                        if !frags.iter().any(|x| std::ptr::eq(*x, *fd)) {
                            frags.push(fd);
                        }
                    }
                }
            }
        }
    }

    // --- QueryDepth and QueryComplexity ----------------------------------------------------

    /// `QueryDepth::fieldDepth` relative to `set`: the deepest level (0 = a field of `set`) of a
    /// field that has a selection set, or -1. Fragments are memoised, so hostile fragment
    /// fan-out costs linear time.
    fn relative_depth(&self, set: &'a SelectionSet, stack: &mut Vec<&'a str>) -> i64 {
        let mut max = -1;
        for s in &set.items {
            match s {
                Selection::Field(f) => {
                    if let Some(ss) = &f.selection_set {
                        max = max.max(1 + self.relative_depth(ss, stack));
                    }
                }
                Selection::Inline(i) => max = max.max(self.relative_depth(&i.selection_set, stack)),
                Selection::Spread(sp) => {
                    if let Some(d) =
                        self.fragment_measure(&sp.name.value, stack, &self.depth_memo, Self::relative_depth)
                    {
                        max = max.max(d);
                    }
                }
            }
        }
        max
    }

    /// A measure (depth or complexity) of the fragment `name`, memoised: `None` for an unknown
    /// fragment or one already on `stack` (a cycle, reported by NoFragmentCycles).
    fn fragment_measure<T: Copy>(
        &self,
        name: &'a str,
        stack: &mut Vec<&'a str>,
        memo: &RefCell<HashMap<&'a str, T>>,
        measure: fn(&Self, &'a SelectionSet, &mut Vec<&'a str>) -> T,
    ) -> Option<T> {
        if let Some(x) = memo.borrow().get(name) {
            return Some(*x);
        }
        if stack.contains(&name) {
            return None;
        }
        let fd = self.fragments.get(name)?;
        stack.push(name);
        let x = measure(self, &fd.selection_set, stack);
        stack.pop();
        memo.borrow_mut().insert(name, x);
        Some(x)
    }

    fn depth_of(&self, set: &'a SelectionSet) -> usize {
        usize::try_from(self.relative_depth(set, &mut vec![])).unwrap_or(0)
    }

    /// `QueryComplexity::fieldComplexity`: every field counts one plus its children, unless
    /// `@skip`/`@include` exclude it. Fragments are memoised.
    fn complexity_of(&self, set: &'a SelectionSet, stack: &mut Vec<&'a str>) -> usize {
        let mut c: usize = 0;
        for s in &set.items {
            match s {
                Selection::Field(f) => {
                    let children = f
                        .selection_set
                        .as_ref()
                        .map_or(0, |ss| self.complexity_of(ss, stack));
                    if self.directive_excludes(&f.directives) {
                        continue;
                    }
                    c = c.saturating_add(children).saturating_add(1);
                }
                Selection::Inline(i) => c = c.saturating_add(self.complexity_of(&i.selection_set, stack)),
                Selection::Spread(sp) => {
                    if let Some(x) = self.fragment_measure(
                        &sp.name.value,
                        stack,
                        &self.complexity_memo,
                        Self::complexity_of,
                    ) {
                        c = c.saturating_add(x);
                    }
                }
            }
        }
        c
    }

    /// `QueryComplexity::directiveExcludesField`: the first of `@include`/`@skip` decides.
    fn directive_excludes(&self, directives: &[Directive]) -> bool {
        for d in directives {
            let name = d.name.value.as_str();
            if name == "deprecated" {
                return false;
            }
            if name == "include" || name == "skip" {
                let v = d
                    .args
                    .iter()
                    .find(|a| a.name.value == "if")
                    .map(|a| match &a.value.kind {
                        ValueKind::Boolean(b) => *b,
                        ValueKind::Variable(n) => {
                            self.variables_read.set(true);
                            self.variables.get(n).and_then(|v| v.as_bool()).unwrap_or(false)
                        }
                        _ => false,
                    });
                let v = v.unwrap_or(false);
                return if name == "include" { !v } else { v };
            }
        }
        false
    }
}

fn value_usages(
    schema: &Schema,
    node: &ValueNode,
    ty: Option<TypeRef>,
    has_default: bool,
    out: &mut Vec<Usage>,
) {
    match &node.kind {
        ValueKind::Variable(n) => out.push(Usage {
            name: n.clone(),
            loc: node.loc,
            ty,
            has_location_default: has_default,
        }),
        ValueKind::List(items) => {
            let item = match ty.as_ref().map(|t| t.nullable()) {
                Some(TypeRef::List(i)) => Some((**i).clone()),
                _ => ty.clone(),
            };
            for i in items {
                value_usages(schema, i, item.clone(), false, out);
            }
        }
        ValueKind::Object(fields) => {
            let input = ty.as_ref().and_then(|t| schema.get(t.named()));
            for f in fields {
                let fd = input.and_then(|t| t.input_field(&f.name.value));
                value_usages(
                    schema,
                    &f.value,
                    fd.map(|x| x.ty.clone()),
                    fd.is_some_and(|x| x.default.is_some()),
                    out,
                );
            }
        }
        _ => {}
    }
}

fn allowed_variable_usage(
    var_type: &TypeRef,
    var_default: Option<&ValueNode>,
    loc_type: &TypeRef,
    loc_default: bool,
) -> bool {
    if let (TypeRef::NonNull(inner), false) = (loc_type, var_type.is_non_null()) {
        let non_null_default = var_default.is_some_and(|d| !matches!(d.kind, ValueKind::Null));
        if !non_null_default && !loc_default {
            return false;
        }
        return is_subtype(var_type, inner);
    }
    is_subtype(var_type, loc_type)
}

fn is_subtype(sub: &TypeRef, sup: &TypeRef) -> bool {
    if sub == sup {
        return true;
    }
    match (sub, sup) {
        (TypeRef::NonNull(a), TypeRef::NonNull(b)) => is_subtype(a, b),
        (_, TypeRef::NonNull(_)) => false,
        (TypeRef::NonNull(a), b) => is_subtype(a, b),
        (TypeRef::List(a), TypeRef::List(b)) => is_subtype(a, b),
        _ => false,
    }
}

fn selection_loc(s: &Selection) -> Location {
    match s {
        Selection::Field(f) => f.loc,
        Selection::Spread(f) => f.loc,
        Selection::Inline(f) => f.loc,
    }
}

fn type_node_loc(t: &TypeNode) -> Location {
    match t {
        TypeNode::Named(n) => n.loc,
        TypeNode::List(_, l) | TypeNode::NonNull(_, l) => *l,
    }
}

fn same_arguments(a: &[Argument], b: &[Argument]) -> bool {
    a.len() == b.len()
        && a.iter().all(|x| {
            b.iter()
                .any(|y| y.name.value == x.name.value && y.value.print() == x.value.print())
        })
}

/// QueryDepth and QueryComplexity of the document's first operation (for tests and reports).
#[cfg(test)]
pub fn introspection_figures(schema: &Schema, doc: &Document) -> (usize, usize) {
    let mut fragments = HashMap::new();
    for d in &doc.definitions {
        if let Definition::Fragment(f) = d {
            fragments.entry(f.name.value.as_str()).or_insert(f);
        }
    }
    let vars = RawVariables::default();
    let v = Validator {
        schema,
        doc,
        fragments,
        variables: &vars,
        variables_read: std::cell::Cell::new(false),
        depth_memo: RefCell::default(),
        complexity_memo: RefCell::default(),
    };
    let Some(Definition::Operation(op)) = doc.definitions.first() else {
        return (0, 0);
    };
    (
        v.depth_of(&op.selection_set),
        v.complexity_of(&op.selection_set, &mut vec![]),
    )
}

/// ProvidedRequiredArguments: the first (in byte order) non-null argument without a default that
/// `given` lacks.
fn first_missing_required<'s>(defs: &'s [InputValue], given: &[Argument]) -> Option<&'s InputValue> {
    defs.iter().find(|ad| {
        ad.ty.is_non_null() && ad.default.is_none() && !given.iter().any(|a| a.name.value == ad.name)
    })
}
