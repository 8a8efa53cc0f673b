//! `GET /V1/customers/search` with Magento's `searchCriteria` query syntax (spec 6):
//! `searchCriteria[filterGroups][G][filters][F][field|value|conditionType]`,
//! `searchCriteria[pageSize]`, `searchCriteria[currentPage]` (snake_case spellings too).
//! Filters of one group are OR'ed, groups are AND'ed, as in Magento. Answers
//! `{"items":[…],"search_criteria":{…},"total_count":N}`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::domain::Customer;

use super::customers::customer_json;
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

/// The value of `field` for a customer, as the database would compare it.
fn field_value(c: &Customer, field: &str) -> Result<Option<String>, ()> {
    let text = |s: &compact_str::CompactString| Some(s.to_string());
    let opt = |s: &Option<compact_str::CompactString>| s.as_ref().map(|s| s.to_string());
    Ok(match field {
        "email" => text(&c.email),
        "firstname" => text(&c.firstname),
        "lastname" => text(&c.lastname),
        "middlename" => opt(&c.middlename),
        "prefix" => opt(&c.prefix),
        "suffix" => opt(&c.suffix),
        "taxvat" => opt(&c.taxvat),
        "dob" => opt(&c.date_of_birth),
        "gender" => c.gender.map(|g| g.to_string()),
        "group_id" => Some(c.group_id.to_string()),
        "website_id" | "store_id" => Some("1".into()),
        "entity_id" | "id" => Some(c.id.to_string()),
        "created_at" => text(&c.created_at),
        "updated_at" => text(&c.updated_at),
        _ => return Err(()),
    })
}

/// SQL `LIKE` with `%` (any run) and `_` (one character), ignoring case like MySQL's collation.
fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Classic wildcard matching with backtracking over the last `%`.
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

fn matches(f: &Filter, c: &Customer) -> Result<bool, RestError> {
    let unknown_field = || {
        error(
            400,
            &format!(
                "Cannot filter customers by \"{}\". Filter by one of: {FIELDS}.",
                f.field
            ),
        )
    };
    let actual = field_value(c, &f.field).map_err(|_| unknown_field())?;
    let eq = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
    let in_list = |a: &str| f.value.split(',').any(|v| eq(a, v.trim()));
    let cond = f.condition.as_deref().unwrap_or("eq");
    Ok(match (cond, actual.as_deref()) {
        ("null", a) => a.is_none(),
        ("notnull", a) => a.is_some(),
        (_, None) => false,
        ("eq", Some(a)) => eq(a, &f.value),
        ("neq", Some(a)) => !eq(a, &f.value),
        ("like", Some(a)) => like(&f.value, a),
        ("nlike", Some(a)) => !like(&f.value, a),
        ("in", Some(a)) => in_list(a),
        ("nin", Some(a)) => !in_list(a),
        _ => {
            return Err(error(
                400,
                &format!(
                    "Condition type \"{cond}\" is not supported. Use one of: eq, neq, like, nlike, in, nin, null, notnull."
                ),
            ))
        }
    })
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
    let domain = &req.domain;
    let mut found = Vec::new();
    for c in domain.customers() {
        let mut keep = true;
        for filters in criteria.groups.values() {
            let mut any = false;
            for f in filters.values() {
                if matches(f, &c)? {
                    any = true;
                }
            }
            if !any {
                keep = false;
            }
        }
        if keep {
            found.push(c);
        }
    }
    let total = found.len();
    // Paging as Magento's collections do it: a page past the end shows the last page
    // (**mock decision** to keep that quirk); no page size means everything.
    let items: Vec<Value> = match criteria.page_size.filter(|n| *n > 0) {
        None => found.iter().map(|c| customer_json(domain, c)).collect(),
        Some(size) => {
            let size = size as usize;
            let last_page = total.div_ceil(size).max(1);
            let page = (criteria.current_page.unwrap_or(1).max(1) as usize).min(last_page);
            found
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .map(|c| customer_json(domain, c))
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
    use super::like;

    #[test]
    fn like_follows_sql_wildcards_ignoring_case() {
        assert!(like("%@example.com", "Roni_Cost@Example.com"));
        assert!(like("roni%", "roni_cost@example.com"));
        assert!(like("r_ni%", "roni"));
        assert!(!like("roni", "roni_cost"));
        assert!(like("%", ""));
        assert!(like("%cost%", "roni_cost@example.com"));
        assert!(!like("%xyz%", "roni_cost@example.com"));
    }
}
