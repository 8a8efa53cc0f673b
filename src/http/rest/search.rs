//! `GET /V1/customers/search` with Magento's `searchCriteria` query syntax (spec 6):
//! `searchCriteria[filterGroups][G][filters][F][field|value|conditionType]`,
//! `searchCriteria[pageSize]`, `searchCriteria[currentPage]` (snake_case spellings too).
//! Filters of one group are OR'ed, groups are AND'ed, as in Magento. Answers
//! `{"items":[…],"search_criteria":{…},"total_count":N}`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::domain::Customer;

use super::customers::customer_json_in;
use super::{
    acl, error, fields_required, invalid_type, ok, require_admin, RestError, RestRequest, RestResult,
};

/// Fields a filter may name.
const FIELDS: &str =
    "email, firstname, lastname, middlename, prefix, suffix, taxvat, dob, gender, group_id, \
     website_id, store_id, entity_id (or id), created_at, updated_at";

/// One `field`/`value`/`conditionType` triple.
#[derive(Debug, Default, Clone)]
struct Filter {
    field: String,
    value: String,
    condition: Option<String>,
}

/// What the query string asked for.
#[derive(Debug, Default)]
struct Criteria {
    groups: BTreeMap<u64, BTreeMap<u64, Filter>>,
    page_size: Option<i64>,
    current_page: Option<i64>,
    present: bool,
}

/// `searchCriteria[a][b][c]` → `["a", "b", "c"]`; `None` for other keys.
fn key_parts(key: &str) -> Option<Vec<&str>> {
    let rest = key.strip_prefix("searchCriteria")?;
    let mut parts = Vec::new();
    let mut s = rest;
    while !s.is_empty() {
        let inner = s.strip_prefix('[')?;
        let (part, after) = inner.split_once(']')?;
        parts.push(part);
        s = after;
    }
    Some(parts)
}

fn parse_criteria(query: &str) -> Result<Criteria, RestError> {
    let mut c = Criteria::default();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let Some(parts) = key_parts(&key) else { continue };
        c.present = true;
        let int = |v: &str| v.parse::<i64>().map_err(|_| invalid_type(v, "int"));
        match parts.as_slice() {
            ["pageSize" | "page_size"] => c.page_size = Some(int(&value)?),
            ["currentPage" | "current_page"] => c.current_page = Some(int(&value)?),
            ["filterGroups" | "filter_groups", g, "filters", f, what] => {
                let (Ok(g), Ok(f)) = (g.parse::<u64>(), f.parse::<u64>()) else {
                    continue;
                };
                let filter = c.groups.entry(g).or_default().entry(f).or_default();
                match *what {
                    "field" => filter.field = value.into_owned(),
                    "value" => filter.value = value.into_owned(),
                    "conditionType" | "condition_type" => filter.condition = Some(value.into_owned()),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    Ok(c)
}

/// The fields a filter may name, as the value a customer has for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Email,
    Firstname,
    Lastname,
    Middlename,
    Prefix,
    Suffix,
    Taxvat,
    Dob,
    Gender,
    GroupId,
    WebsiteOrStore,
    Id,
    CreatedAt,
    UpdatedAt,
}

impl Field {
    fn named(name: &str) -> Option<Field> {
        Some(match name {
            "email" => Field::Email,
            "firstname" => Field::Firstname,
            "lastname" => Field::Lastname,
            "middlename" => Field::Middlename,
            "prefix" => Field::Prefix,
            "suffix" => Field::Suffix,
            "taxvat" => Field::Taxvat,
            "dob" => Field::Dob,
            "gender" => Field::Gender,
            "group_id" => Field::GroupId,
            "website_id" | "store_id" => Field::WebsiteOrStore,
            "entity_id" | "id" => Field::Id,
            "created_at" => Field::CreatedAt,
            "updated_at" => Field::UpdatedAt,
            _ => return None,
        })
    }

    /// The customer's value, as the database would compare it (borrowed where it is text).
    fn of<'c>(self, c: &'c Customer) -> Option<Cow<'c, str>> {
        let text = |s: &'c compact_str::CompactString| Some(Cow::Borrowed(s.as_str()));
        let opt = |s: &'c Option<compact_str::CompactString>| s.as_deref().map(Cow::Borrowed);
        match self {
            Field::Email => text(&c.email),
            Field::Firstname => text(&c.firstname),
            Field::Lastname => text(&c.lastname),
            Field::Middlename => opt(c.middlename()),
            Field::Prefix => opt(&c.prefix),
            Field::Suffix => opt(c.suffix()),
            Field::Taxvat => opt(&c.taxvat),
            Field::Dob => opt(c.date_of_birth()),
            Field::Gender => c.gender().map(|g| Cow::Owned(g.to_string())),
            Field::GroupId => Some(Cow::Owned(c.group_id.to_string())),
            Field::WebsiteOrStore => Some(Cow::Borrowed("1")),
            Field::Id => Some(Cow::Owned(c.id.to_string())),
            Field::CreatedAt => text(&c.created_at),
            Field::UpdatedAt => text(&c.updated_at),
        }
    }
}

/// Equality ignoring case, like MySQL's case-insensitive collation; `lower` is lower case
/// already. ASCII text is compared without allocating.
fn eq_ignoring_case(value: &str, lower: &str) -> bool {
    if value.is_ascii() && lower.is_ascii() {
        return value.eq_ignore_ascii_case(lower);
    }
    value.to_lowercase() == lower
}

/// One token of a `LIKE` pattern between two `%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `_`: any one character.
    One,
    Char(char),
}

/// A SQL `LIKE` pattern compiled once per request: `%` (any run), `_` (one character), `\`
/// escaping the next character (MySQL's default escape), compared ignoring case like MySQL's
/// collation.
///
/// The pattern is cut at its `%` into segments; the first is anchored at the start of the
/// value, the last at its end, and the ones between are found left to right (leftmost is
/// always right for `%`, so nothing is ever retried). A value shorter than the characters the
/// segments need cannot match and is refused at once: a 20 000-character pattern costs nothing
/// per customer, whose values are at most a few hundred characters (Magento's columns). So a
/// search costs the pattern's length once plus, per customer, at most the value's length times
/// the segments' — linear in the data, whatever the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Like {
    segments: Vec<Vec<Token>>,
    /// Characters a match needs at least (every token but `%`).
    needs: usize,
}

impl Like {
    fn compile(pattern: &str) -> Like {
        let mut segments = vec![Vec::new()];
        let mut chars = pattern.chars().flat_map(char::to_lowercase);
        while let Some(c) = chars.next() {
            let token = match c {
                '%' => {
                    // Consecutive `%` are one.
                    if !segments.last().is_some_and(Vec::is_empty) || segments.len() == 1 {
                        segments.push(Vec::new());
                    }
                    continue;
                }
                '_' => Token::One,
                '\\' => Token::Char(chars.next().unwrap_or('\\')),
                c => Token::Char(c),
            };
            if let Some(last) = segments.last_mut() {
                last.push(token);
            }
        }
        let needs = segments.iter().map(Vec::len).sum();
        Like { segments, needs }
    }

    fn fits(tokens: &[Token], text: &[char]) -> bool {
        tokens.len() == text.len()
            && tokens.iter().zip(text).all(|(t, c)| match t {
                Token::One => true,
                Token::Char(p) => p == c,
            })
    }

    /// Whether `value` matches; `buf` is scratch space reused across values.
    fn matches(&self, value: &str, buf: &mut Vec<char>) -> bool {
        // Lower-casing never gives more characters than the value has bytes (`İ`, two bytes,
        // is the only character that grows, to two), so this refuses before any work.
        if self.needs > value.len() {
            return false;
        }
        buf.clear();
        if value.is_ascii() {
            buf.extend(value.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            buf.extend(value.chars().flat_map(char::to_lowercase));
        }
        let text = &buf[..];
        if self.needs > text.len() {
            return false;
        }
        let (first, rest) = self.segments.split_first().expect("at least one segment");
        let Some((last, middle)) = rest.split_last() else {
            // No `%`: the whole value.
            return Self::fits(first, text);
        };
        if !Self::fits(first, &text[..first.len()]) {
            return false;
        }
        let end = text.len() - last.len();
        if !Self::fits(last, &text[end..]) {
            return false;
        }
        let mut at = first.len();
        for segment in middle {
            let found = (at..=end.saturating_sub(segment.len()))
                .take_while(|i| i + segment.len() <= end)
                .find(|&i| Self::fits(segment, &text[i..i + segment.len()]));
            match found {
                Some(i) => at = i + segment.len(),
                None => return false,
            }
        }
        at <= end
    }
}

/// What a filter tests, prepared once for every customer.
#[derive(Debug, Clone)]
enum Condition {
    Eq(String),
    Neq(String),
    Like(Like),
    NotLike(Like),
    In(Vec<String>),
    NotIn(Vec<String>),
    Null,
    NotNull,
}

/// A filter ready to test customers: the field, the condition, its value prepared.
#[derive(Debug, Clone)]
struct Compiled {
    field: Field,
    condition: Condition,
}

impl Compiled {
    /// Checks the field and the condition type before any customer is read.
    fn new(f: &Filter) -> Result<Compiled, RestError> {
        let field = Field::named(&f.field).ok_or_else(|| {
            error(
                400,
                &format!(
                    "Cannot filter customers by \"{}\". Filter by one of: {FIELDS}.",
                    f.field
                ),
            )
        })?;
        let lower = || f.value.to_lowercase();
        let list = || f.value.split(',').map(|v| v.trim().to_lowercase()).collect();
        let cond = f.condition.as_deref().unwrap_or("eq");
        let condition = match cond {
            "eq" => Condition::Eq(lower()),
            "neq" => Condition::Neq(lower()),
            "like" => Condition::Like(Like::compile(&f.value)),
            "nlike" => Condition::NotLike(Like::compile(&f.value)),
            "in" => Condition::In(list()),
            "nin" => Condition::NotIn(list()),
            "null" => Condition::Null,
            "notnull" => Condition::NotNull,
            _ => {
                return Err(error(
                    400,
                    &format!(
                        "Condition type \"{cond}\" is not supported. Use one of: eq, neq, like, nlike, in, nin, null, notnull."
                    ),
                ))
            }
        };
        Ok(Compiled { field, condition })
    }

    fn matches(&self, c: &Customer, buf: &mut Vec<char>) -> bool {
        let actual = self.field.of(c);
        let in_list = |a: &str, list: &[String]| list.iter().any(|v| eq_ignoring_case(a, v));
        match (&self.condition, actual.as_deref()) {
            (Condition::Null, a) => a.is_none(),
            (Condition::NotNull, a) => a.is_some(),
            (_, None) => false,
            (Condition::Eq(v), Some(a)) => eq_ignoring_case(a, v),
            (Condition::Neq(v), Some(a)) => !eq_ignoring_case(a, v),
            (Condition::Like(p), Some(a)) => p.matches(a, buf),
            (Condition::NotLike(p), Some(a)) => !p.matches(a, buf),
            (Condition::In(list), Some(a)) => in_list(a, list),
            (Condition::NotIn(list), Some(a)) => !in_list(a, list),
        }
    }
}

fn criteria_json(c: &Criteria) -> Value {
    let groups: Vec<Value> = c
        .groups
        .values()
        .map(|filters| {
            let list: Vec<Value> = filters
                .values()
                .map(|f| json!({ "field": f.field, "value": f.value, "condition_type": f.condition.as_deref().unwrap_or("eq") }))
                .collect();
            json!({ "filters": list })
        })
        .collect();
    let mut m = Map::new();
    m.insert("filter_groups".into(), Value::Array(groups));
    if let Some(n) = c.page_size {
        m.insert("page_size".into(), json!(n));
    }
    if let Some(n) = c.current_page {
        m.insert("current_page".into(), json!(n));
    }
    Value::Object(m)
}

pub fn handle(req: &RestRequest) -> RestResult {
    require_admin(req, acl::CUSTOMER_READ)?;
    let criteria = parse_criteria(req.query.unwrap_or(""))?;
    if !criteria.present {
        return Err(fields_required(&["searchCriteria"]));
    }
    let groups = criteria
        .groups
        .values()
        .map(|filters| filters.values().map(Compiled::new).collect::<Result<Vec<_>, _>>())
        .collect::<Result<Vec<_>, _>>()?;
    let domain = &req.domain;
    // Filters of a group are OR'ed, groups AND'ed; one pass under the store's lock, sharing
    // the matching records rather than copying them.
    let mut buf = Vec::new();
    let found = domain.find_customers(|c| {
        groups
            .iter()
            .all(|filters| filters.iter().any(|f| f.matches(c, &mut buf)))
    });
    let total = found.len();
    let store_name = domain.store_config().store_name;
    let json = |c: &Arc<Customer>| customer_json_in(&store_name, c);
    // Paging as Magento's collections do it: a page past the end shows the last page
    // (**mock decision** to keep that quirk); no page size means everything.
    let items: Vec<Value> = match criteria.page_size.filter(|n| *n > 0) {
        None => found.iter().map(json).collect(),
        Some(size) => {
            let size = size as usize;
            let last_page = total.div_ceil(size).max(1);
            let page = (criteria.current_page.unwrap_or(1).max(1) as usize).min(last_page);
            found
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .map(json)
                .collect()
        }
    };
    Ok(ok(&json!({
        "items": items,
        "search_criteria": criteria_json(&criteria),
        "total_count": total,
    })))
}

#[cfg(test)]
mod tests {
    use super::Like;

    fn like(pattern: &str, text: &str) -> bool {
        Like::compile(pattern).matches(text, &mut Vec::new())
    }

    #[test]
    fn like_follows_sql_wildcards_ignoring_case() {
        assert!(like("%@example.com", "Roni_Cost@Example.com"));
        assert!(like("roni%", "roni_cost@example.com"));
        assert!(like("r_ni%", "roni"));
        assert!(!like("roni", "roni_cost"));
        assert!(like("%", ""));
        assert!(like("%%%", "x"));
        assert!(like("%cost%", "roni_cost@example.com"));
        assert!(!like("%xyz%", "roni_cost@example.com"));
        assert!(like("a%b%c", "aXbYc"));
        assert!(like("a%b%c", "abc"));
        assert!(!like("a%b%c", "acb"));
        assert!(!like("ab%ba", "aba"), "segments may not overlap");
        assert!(like("%a_a%", "xxaya"));
        assert!(like("_", "é"), "one character, not one byte");
        assert!(like("JÜR%", "jürgen"));
        assert!(!like("", "x"));
        assert!(like("", ""));
    }

    #[test]
    fn backslash_escapes_a_wildcard() {
        assert!(like("100\\%", "100%"));
        assert!(!like("100\\%", "1000"));
        assert!(like("a\\_b", "a_b"));
        assert!(!like("a\\_b", "axb"));
        assert!(like("end\\", "end\\"));
    }

    #[test]
    fn a_pattern_longer_than_the_value_fails_without_scanning_it() {
        let long = format!("%{}%", "ab".repeat(10_000));
        assert!(!like(&long, "ab"));
        let p = Like::compile(&long);
        assert_eq!((p.needs, p.segments.len()), (20_000, 3));
        assert!(like(&"%".repeat(20_000), "anything"));
        assert_eq!(Like::compile(&"%".repeat(20_000)).segments.len(), 2);
    }
}
