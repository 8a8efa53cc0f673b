//! `GET`, `PUT` and `DELETE /V1/customers/{customerId}` (spec 6), and Magento's customer JSON
//! for REST (also the items of the search endpoint).

use serde_json::{json, Map, Value};

use crate::domain::{Customer, CustomerUpdate, Domain};

use super::{
    acl, body_fields, customer_id, error, fields_required, invalid_type, no_such_customer, ok, refusal,
    require_admin, RestError, RestRequest, RestResult,
};

/// `extension_attributes.assistance_allowed` of Magento's Login as Customer: 1 denied, 2 allowed.
const ASSISTANCE_DENIED: i64 = 1;
const ASSISTANCE_ALLOWED: i64 = 2;

/// A customer as Magento's REST API writes it: `null` fields are left out, one website and
/// store (id 1), no addresses.
pub fn customer_json(domain: &Domain, c: &Customer) -> Value {
    customer_json_in(&domain.store_config().store_name, c)
}

/// [`customer_json`] with the store's name given (`created_in`), for lists of customers.
pub fn customer_json_in(store_name: &str, c: &Customer) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.to_string(), v);
        }
    };
    put("id", json!(c.id));
    put("group_id", json!(c.group_id));
    // Magento keeps the key in the record until the account is confirmed, whether or not the
    // store requires confirmation now.
    put("confirmation", json!(c.confirmation_key()));
    put("created_at", json!(c.created_at));
    put("updated_at", json!(c.updated_at));
    put("created_in", json!(store_name));
    put("dob", json!(c.date_of_birth()));
    put("email", json!(c.email));
    put("firstname", json!(c.firstname));
    put("lastname", json!(c.lastname));
    put("middlename", json!(c.middlename()));
    put("prefix", json!(c.prefix));
    put("suffix", json!(c.suffix()));
    put("gender", json!(c.gender()));
    put("store_id", json!(1));
    put("taxvat", json!(c.taxvat));
    put("website_id", json!(1));
    put("addresses", json!([]));
    put("disable_auto_group_change", json!(0));
    let assistance = if c.allow_remote_shopping_assistance {
        ASSISTANCE_ALLOWED
    } else {
        ASSISTANCE_DENIED
    };
    put(
        "extension_attributes",
        json!({ "is_subscribed": c.is_subscribed, "assistance_allowed": assistance }),
    );
    Value::Object(m)
}

pub fn get(req: &RestRequest, id: &str) -> RestResult {
    require_admin(req, acl::CUSTOMER_READ)?;
    let customer = customer_id(id)?;
    let domain = &req.domain;
    let c = domain.customer(customer).ok_or_else(|| no_such_customer(id))?;
    Ok(ok(&customer_json(domain, &c)))
}

pub fn delete(req: &RestRequest, id: &str) -> RestResult {
    require_admin(req, acl::CUSTOMER_DELETE)?;
    let customer = customer_id(id)?;
    if req.domain.delete_customer(customer) {
        Ok(ok(&Value::Bool(true)))
    } else {
        Err(no_such_customer(id))
    }
}

/// `PUT` with `{"customer": {...}}`: the fields present are changed, the others kept
/// (**mock decision**: Magento's save replaces the record, so a real client sends them all).
pub fn put(req: &RestRequest, id: &str) -> RestResult {
    require_admin(req, acl::CUSTOMER_MANAGE)?;
    let customer = customer_id(id)?;
    let fields = body_fields(req.body)?;
    let Some(Value::Object(input)) = fields.get("customer") else {
        return Err(fields_required(&["customer"]));
    };
    let update = read_update(input)?;
    let domain = &req.domain;
    if domain.customer(customer).is_none() {
        return Err(no_such_customer(id));
    }
    let c = domain.admin_update_customer(customer, &update).map_err(refusal)?;
    Ok(ok(&customer_json(domain, &c)))
}

/// A string field of the body; `null` or absent leaves the value alone.
fn opt_string(input: &Map<String, Value>, name: &str) -> Result<Option<String>, RestError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(invalid_type(&other.to_string(), "string")),
    }
}

fn opt_int(input: &Map<String, Value>, name: &str) -> Result<Option<i64>, RestError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| invalid_type(s, "int")),
        Some(other) => Err(invalid_type(&other.to_string(), "int")),
    }
}

fn opt_bool(input: &Map<String, Value>, name: &str) -> Result<Option<bool>, RestError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
            Ok(Some(n.as_i64() == Some(1)))
        }
        Some(other) => Err(invalid_type(&other.to_string(), "bool")),
    }
}

fn read_update(input: &Map<String, Value>) -> Result<CustomerUpdate, RestError> {
    let empty = Map::new();
    let ext = match input.get("extension_attributes") {
        Some(Value::Object(e)) => e,
        _ => &empty,
    };
    let assistance = match opt_int(ext, "assistance_allowed")? {
        None => None,
        Some(ASSISTANCE_DENIED) => Some(false),
        Some(ASSISTANCE_ALLOWED) => Some(true),
        // **Mock decision**: Magento documents only 1 and 2.
        Some(n) => {
            return Err(error(
                400,
                &format!("\"{n}\" is not a valid assistance_allowed value. Use 1 (denied) or 2 (allowed)."),
            ))
        }
    };
    Ok(CustomerUpdate {
        prefix: opt_string(input, "prefix")?,
        firstname: opt_string(input, "firstname")?,
        middlename: opt_string(input, "middlename")?,
        lastname: opt_string(input, "lastname")?,
        suffix: opt_string(input, "suffix")?,
        date_of_birth: opt_string(input, "dob")?,
        gender: opt_int(input, "gender")?,
        taxvat: opt_string(input, "taxvat")?,
        is_subscribed: opt_bool(ext, "is_subscribed")?,
        allow_remote_shopping_assistance: assistance,
        email: opt_string(input, "email")?,
    })
}
