//! Fixtures: the settings, customers, admin users and static admin tokens the mock starts from
//! (and returns to on reset). The default set is embedded in the binary; another file can be
//! loaded instead. A file with a mistake is refused with the file, the JSON path and the problem.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::accounts::Accounts;
use super::admins::AdminUser;
use super::attributes::{self, AttributeMetadata};
use super::customer::Customer;
use super::rules;

/// The default fixtures, embedded at build time.
pub const DEFAULT_FIXTURES_JSON: &str = include_str!("../../fixtures/default.json");

/// A fixture file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot read fixture file {file}: {source}; check the path given to --fixtures")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("fixture file {file}: at {path}: {problem}")]
    Invalid {
        file: String,
        path: String,
        problem: String,
    },
}

impl FixtureError {
    /// The JSON path of the mistake (`customers[2].email`), when the file could be read.
    pub fn path(&self) -> Option<&str> {
        match self {
            FixtureError::Io { .. } => None,
            FixtureError::Invalid { path, .. } => Some(path),
        }
    }
}

/// Every tunable number of the spec, plus the token secret and the base URL of email links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Customer token lifetime (spec 4.3), minutes.
    pub customer_token_lifetime_minutes: i64,
    /// Admin token lifetime, hours (Magento's default 4).
    pub admin_token_lifetime_hours: i64,
    /// Admin one-time code lifetime, seconds (spec 6).
    pub otc_ttl_seconds: i64,
    /// Reset-password token lifetime, seconds (spec 5.5: 2 hours).
    pub reset_token_ttl_seconds: i64,
    /// Throttle (spec 4.4).
    pub throttle_max_failures: u32,
    pub throttle_window_seconds: i64,
    /// Lockout (spec 4.4).
    pub lockout_failures: u32,
    pub lockout_minutes: i64,
    /// Password policy (spec 5.7).
    pub password_min_length: usize,
    pub password_required_classes: usize,
    /// New accounts must confirm their email before signing in.
    pub confirmation_required: bool,
    /// Login as Customer (admin-assisted sessions) is enabled.
    pub login_as_customer_enabled: bool,
    /// HMAC secret of the JWTs.
    pub token_signing_secret: String,
    /// Base URL of links in emails (`<base_url>/customer/account/createPassword/?token=…`).
    pub base_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            customer_token_lifetime_minutes: 60,
            admin_token_lifetime_hours: 4,
            otc_ttl_seconds: 30,
            reset_token_ttl_seconds: 7200,
            throttle_max_failures: 6,
            throttle_window_seconds: 1800,
            lockout_failures: 10,
            lockout_minutes: 10,
            password_min_length: 8,
            password_required_classes: 3,
            confirmation_required: true,
            login_as_customer_enabled: true,
            token_signing_secret: "commerce-auth-mock-not-a-secret".into(),
            base_url: "http://localhost:4000".into(),
        }
    }
}

/// Store configuration values that are not derived from [`Settings`] (spec 8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub store_code: String,
    pub store_name: String,
    pub store_group_code: String,
    pub website_code: String,
    pub website_name: String,
    pub locale: String,
    pub autocomplete_on_storefront: bool,
    pub shopping_assistance_checkbox_title: String,
    pub shopping_assistance_checkbox_tooltip: String,
    pub share_customer_accounts_scope: String,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            store_code: "default".into(),
            store_name: "Default Store View".into(),
            store_group_code: "main_website_store".into(),
            website_code: "base".into(),
            website_name: "Main Website".into(),
            locale: "en_US".into(),
            autocomplete_on_storefront: true,
            shopping_assistance_checkbox_title: "Allow remote shopping assistance".into(),
            shopping_assistance_checkbox_tooltip: "This allows merchants to \"see what you see\" and take \
                actions on your behalf in order to provide better assistance."
                .into(),
            share_customer_accounts_scope: "1".into(),
        }
    }
}

fn yes() -> bool {
    true
}
fn one() -> u64 {
    1
}

/// A customer as written in a fixture file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerFixture {
    pub id: u64,
    pub email: String,
    /// `None`: the account can sign in only with a reset token or an admin OTC.
    #[serde(default)]
    pub password: Option<String>,
    pub firstname: String,
    pub lastname: String,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub middlename: Option<String>,
    #[serde(default)]
    pub suffix: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub gender: Option<i64>,
    #[serde(default)]
    pub taxvat: Option<String>,
    #[serde(default)]
    pub is_subscribed: bool,
    #[serde(default)]
    pub allow_remote_shopping_assistance: bool,
    /// `false`: the account waits for `confirmEmail` (when confirmation is required).
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// The key `confirmEmail` accepts for an unconfirmed account (generated when absent).
    #[serde(default)]
    pub confirmation_key: Option<String>,
    #[serde(default = "default_created_at")]
    pub created_at: String,
    #[serde(default = "one")]
    pub group_id: u64,
    /// Failed credential checks so far (lockout counter).
    #[serde(default)]
    pub failures: u32,
    /// Locked until this unix second.
    #[serde(default)]
    pub locked_until: Option<i64>,
    /// What this account is for (documentation only).
    #[serde(default)]
    pub note: Option<String>,
}

fn default_created_at() -> String {
    "2025-01-01 00:00:00".into()
}

/// The whole fixture set.
#[derive(Debug, Clone)]
pub struct Fixtures {
    /// Where the fixtures came from (a file path, or `embedded default`).
    pub source: String,
    pub settings: Settings,
    pub store_config: StoreConfig,
    /// The customers, ready to be shared by every store's live state (see [`Accounts`]).
    pub(crate) customers: Accounts,
    pub admin_users: Vec<AdminUser>,
    /// Static admin tokens (stand-ins for Adobe IMS tokens): token → admin username.
    pub admin_tokens: BTreeMap<String, String>,
    /// `attributesForm` forms: form code → its attributes (default: Magento's
    /// `customer_account_create`, see [`attributes::default_forms`]).
    pub attribute_forms: BTreeMap<String, Vec<AttributeMetadata>>,
    /// Fault injection rules, kept as JSON: the domain knows nothing of HTTP. The HTTP layer
    /// reads and checks them (`src/http/faults.rs`).
    pub faults: Vec<Value>,
}

/// The sections a fixtures file may have (also what `fixtures check` accepts).
pub const TOP_LEVEL_KEYS: [&str; 8] = [
    "$comment",
    "settings",
    "store_config",
    "customers",
    "admin_users",
    "admin_tokens",
    "attribute_forms",
    "faults",
];

impl Fixtures {
    /// The fixtures embedded in the binary (`fixtures/default.json`).
    pub fn embedded_default() -> Fixtures {
        Fixtures::from_json_str("embedded fixtures/default.json", DEFAULT_FIXTURES_JSON)
            .expect("the embedded default fixtures are valid (checked by a unit test)")
    }

    /// Loads a fixture file.
    pub fn load(path: &Path) -> Result<Fixtures, FixtureError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Io {
            file: file.clone(),
            source,
        })?;
        Fixtures::from_json_str(&file, &text)
    }

    /// Parses and checks fixture JSON; `source_name` names it in errors.
    pub fn from_json_str(source_name: &str, text: &str) -> Result<Fixtures, FixtureError> {
        let invalid = |path: &str, problem: String| FixtureError::Invalid {
            file: source_name.to_string(),
            path: path.to_string(),
            problem,
        };
        let root = {
            // As `serde_json::from_str::<Value>` does, so a syntax error reads the same.
            let mut de = serde_json::Deserializer::from_str(text);
            de.deserialize_any(RootVisitor)
                .and_then(|root| de.end().map(|()| root))
        }
        .map_err(|e| {
            invalid(
                &format!("line {} column {}", e.line(), e.column()),
                format!("not valid JSON: {e}"),
            )
        })?;
        let Root::Object(mut top) = root else {
            return Err(invalid(
                "$",
                "expected a JSON object with settings, customers, admin_users".into(),
            ));
        };
        for key in &top.keys {
            if !TOP_LEVEL_KEYS.contains(&key.as_str()) {
                return Err(invalid(
                    key,
                    format!(
                        "unknown field `{key}`, expected one of {}",
                        TOP_LEVEL_KEYS.join(", ")
                    ),
                ));
            }
        }
        let customers_section = top.customers.take();
        let mut section = |name: &str| top.values.remove(name);
        let settings: Settings = match section("settings") {
            Some(v) => typed_at(&v, "settings").map_err(|(p, m)| invalid(&p, m))?,
            None => Settings::default(),
        };
        let store_config: StoreConfig = match section("store_config") {
            Some(v) => typed_at(&v, "store_config").map_err(|(p, m)| invalid(&p, m))?,
            None => StoreConfig::default(),
        };
        let customers: Accounts = match customers_section {
            None => Accounts::default(),
            Some(CustomersSection::List(customers)) => customers.map_err(|(p, m)| invalid(&p, m))?,
            Some(CustomersSection::NotAList(other)) => {
                return Err(invalid("customers", format!("expected a list, found {other}")))
            }
        };
        let admin_users: Vec<AdminUser> =
            list_at(section("admin_users"), "admin_users").map_err(|(p, m)| invalid(&p, m))?;
        let admin_tokens: BTreeMap<String, String> = match section("admin_tokens") {
            Some(v) => typed_at(&v, "admin_tokens").map_err(|(p, m)| invalid(&p, m))?,
            None => BTreeMap::new(),
        };
        let attribute_forms: BTreeMap<String, Vec<AttributeMetadata>> = match section("attribute_forms") {
            Some(Value::Object(forms)) => {
                let mut out = BTreeMap::new();
                for (code, items) in forms {
                    let at = format!("attribute_forms.{code}");
                    out.insert(
                        code.clone(),
                        list_at(Some(items.clone()), &at).map_err(|(p, m)| invalid(&p, m))?,
                    );
                }
                out
            }
            Some(other) => {
                return Err(invalid(
                    "attribute_forms",
                    format!("expected an object of form code → list of attributes, found {other}"),
                ))
            }
            None => attributes::default_forms(),
        };
        let faults: Vec<Value> = list_at(section("faults"), "faults").map_err(|(p, m)| invalid(&p, m))?;
        let fixtures = Fixtures {
            source: source_name.to_string(),
            settings,
            store_config,
            customers,
            admin_users,
            admin_tokens,
            attribute_forms,
            faults,
        };
        fixtures.check().map_err(|(p, m)| invalid(&p, m))?;
        Ok(fixtures)
    }

    /// Checks the values serde cannot: uniqueness, ranges, formats.
    fn check(&self) -> Result<(), (String, String)> {
        let s = &self.settings;
        let positive = [
            (
                "customer_token_lifetime_minutes",
                s.customer_token_lifetime_minutes,
            ),
            ("admin_token_lifetime_hours", s.admin_token_lifetime_hours),
            ("otc_ttl_seconds", s.otc_ttl_seconds),
            ("reset_token_ttl_seconds", s.reset_token_ttl_seconds),
            ("throttle_window_seconds", s.throttle_window_seconds),
            ("lockout_minutes", s.lockout_minutes),
            ("throttle_max_failures", i64::from(s.throttle_max_failures)),
            ("lockout_failures", i64::from(s.lockout_failures)),
        ];
        for (name, v) in positive {
            if v <= 0 {
                return Err((
                    format!("settings.{name}"),
                    format!("must be greater than 0, got {v}"),
                ));
            }
        }
        if !(1..=rules::MAX_PASSWORD_LENGTH).contains(&s.password_min_length) {
            return Err((
                "settings.password_min_length".into(),
                format!("must be between 1 and 256, got {}", s.password_min_length),
            ));
        }
        if !(1..=4).contains(&s.password_required_classes) {
            return Err((
                "settings.password_required_classes".into(),
                format!("must be between 1 and 4, got {}", s.password_required_classes),
            ));
        }
        if s.token_signing_secret.is_empty() {
            return Err(("settings.token_signing_secret".into(), "must not be empty".into()));
        }
        if !(s.base_url.starts_with("http://") || s.base_url.starts_with("https://")) {
            return Err((
                "settings.base_url".into(),
                format!("must start with http:// or https://, got {:?}", s.base_url),
            ));
        }

        let mut admin_ids: HashMap<u64, usize> = HashMap::new();
        let mut usernames: HashMap<String, usize> = HashMap::new();
        for (i, a) in self.admin_users.iter().enumerate() {
            let at = |field: &str| format!("admin_users[{i}].{field}");
            if a.id == 0 {
                return Err((at("id"), "must be a positive integer".into()));
            }
            if let Some(j) = admin_ids.insert(a.id, i) {
                return Err((
                    at("id"),
                    format!("duplicate id {} (also admin_users[{j}].id)", a.id),
                ));
            }
            if let Some(j) = usernames.insert(a.username.to_ascii_lowercase(), i) {
                return Err((
                    at("username"),
                    format!(
                        "duplicate username {:?} (also admin_users[{j}].username)",
                        a.username
                    ),
                ));
            }
        }
        for (token, username) in &self.admin_tokens {
            if token.is_empty() {
                return Err(("admin_tokens".into(), "a token must not be empty".into()));
            }
            if !usernames.contains_key(&username.to_ascii_lowercase()) {
                return Err((
                    format!("admin_tokens.{token}"),
                    format!("no admin user named {username:?}"),
                ));
            }
        }
        for (form, items) in &self.attribute_forms {
            for (i, a) in items.iter().enumerate() {
                let at = |field: &str| format!("attribute_forms.{form}[{i}].{field}");
                let one_of = |field: &str, value: &str, allowed: &[&str]| {
                    if allowed.contains(&value) {
                        Ok(())
                    } else {
                        Err((
                            at(field),
                            format!("{value:?} is not one of {}", allowed.join(", ")),
                        ))
                    }
                };
                if a.code.is_empty() {
                    return Err((at("code"), "must not be empty".into()));
                }
                one_of("entity_type", &a.entity_type, attributes::ENTITY_TYPES)?;
                one_of("frontend_input", &a.frontend_input, attributes::FRONTEND_INPUTS)?;
                if let Some(f) = &a.input_filter {
                    one_of("input_filter", f, attributes::INPUT_FILTERS)?;
                }
                for r in &a.validate_rules {
                    one_of("validate_rules", &r.name, attributes::VALIDATION_RULES)?;
                }
            }
        }
        Ok(())
    }
}

/// Deserializes `v`, reporting errors at the JSON path of the offending field.
fn typed_at<T: DeserializeOwned>(v: &Value, path: &str) -> Result<T, (String, String)> {
    let problem = match serde_json::from_value::<T>(v.clone()) {
        Ok(t) => return Ok(t),
        Err(e) => e.to_string(),
    };
    // serde names the field in unknown/missing/duplicate field messages.
    if let Some(field) = named_field(&problem) {
        return Err((format!("{path}.{field}"), problem));
    }
    // A bad value: find the field whose removal changes the error.
    if let Value::Object(map) = v {
        for key in map.keys() {
            let mut probe = map.clone();
            probe.remove(key);
            let changed = match serde_json::from_value::<T>(Value::Object(probe)) {
                Ok(_) => true,
                Err(e) => e.to_string() != problem,
            };
            if changed {
                return Err((format!("{path}.{key}"), problem));
            }
        }
    }
    Err((path.to_string(), problem))
}

fn named_field(problem: &str) -> Option<&str> {
    for prefix in ["unknown field `", "missing field `", "duplicate field `"] {
        if let Some(rest) = problem.strip_prefix(prefix) {
            return rest.split('`').next();
        }
    }
    None
}

fn list_at<T: DeserializeOwned>(v: Option<Value>, path: &str) -> Result<Vec<T>, (String, String)> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| typed_at(item, &format!("{path}[{i}]")))
            .collect(),
        Some(other) => Err((path.to_string(), format!("expected a list, found {other}"))),
    }
}

/// A fixture document read in one pass without building one `Value` tree for the whole file:
/// a large file is mostly customers, and a tree of 100 000 of them, freed right after loading,
/// was most of the mock's peak memory. Every section but `customers` is kept as a `Value` (they
/// are small); each customer is read as a `Value` and typed at once. Mistakes in the customers
/// are kept, not raised, so that a syntax error anywhere in the file, then an unknown top-level
/// key, are still reported first, as when the whole file was parsed before anything was checked.
enum Root {
    Object(TopLevel),
    /// Valid JSON that is not an object.
    NotObject,
}

#[derive(Default)]
struct TopLevel {
    /// Top-level keys in the order they first appear.
    keys: Vec<String>,
    /// Every section but `customers`; a repeated key keeps its last value.
    values: HashMap<String, Value>,
    customers: Option<CustomersSection>,
}

enum CustomersSection {
    /// The customers, or the first mistake in them (path, problem).
    List(Result<Accounts, (String, String)>),
    NotAList(Value),
}

struct RootVisitor;

impl<'de> Visitor<'de> for RootVisitor {
    type Value = Root;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Root, A::Error> {
        let mut top = TopLevel::default();
        while let Some(key) = map.next_key::<String>()? {
            if !top.keys.contains(&key) {
                top.keys.push(key.clone());
            }
            if key == "customers" {
                top.customers = Some(map.next_value_seed(CustomersSeed)?);
            } else {
                let value = map.next_value::<Value>()?;
                top.values.insert(key, value);
            }
        }
        Ok(Root::Object(top))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Root, A::Error> {
        // Read to the end, so that a syntax error in the list is still reported as one.
        while seq.next_element::<Value>()?.is_some() {}
        Ok(Root::NotObject)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Root, E> {
        Ok(Root::NotObject)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Root, E> {
        Ok(Root::NotObject)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Root, E> {
        Ok(Root::NotObject)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Root, E> {
        Ok(Root::NotObject)
    }
    fn visit_str<E>(self, _: &str) -> Result<Root, E> {
        Ok(Root::NotObject)
    }
    fn visit_unit<E>(self) -> Result<Root, E> {
        Ok(Root::NotObject)
    }
}

/// Builds the accounts one customer at a time, checking each as it comes: the fields serde
/// cannot check (email format, names, gender, date, password) and uniqueness of ids and of
/// emails ignoring case. The first mistake is kept; later customers are not built.
#[derive(Default)]
struct CustomerLoader {
    accounts: Accounts,
    /// Id → position in the list, to name the earlier of two duplicates.
    positions: HashMap<u64, usize>,
    mistake: Option<(String, String)>,
}

impl CustomerLoader {
    fn add(&mut self, i: usize, item: &Value) {
        if self.mistake.is_some() {
            return;
        }
        let checked = typed_at::<CustomerFixture>(item, &format!("customers[{i}]"))
            .and_then(|c| self.check(i, &c).map(|()| c));
        match checked {
            Ok(c) => {
                self.positions.insert(c.id, i);
                self.accounts.insert(Customer::from_fixture(&c, c.id));
            }
            Err(e) => self.mistake = Some(e),
        }
    }

    fn check(&self, i: usize, c: &CustomerFixture) -> Result<(), (String, String)> {
        let at = |field: &str| format!("customers[{i}].{field}");
        if c.id == 0 {
            return Err((at("id"), "must be a positive integer".into()));
        }
        if let Some(j) = self.positions.get(&c.id) {
            return Err((
                at("id"),
                format!("duplicate id {} (also customers[{j}].id)", c.id),
            ));
        }
        if !rules::is_valid_email(&c.email) {
            return Err((at("email"), format!("{:?} is not a valid email address", c.email)));
        }
        if let Some(other) = self.accounts.find_by_email(&c.email) {
            let j = self.positions.get(&other).copied().unwrap_or_default();
            return Err((
                at("email"),
                format!(
                    "duplicate email {:?} ignoring case (also customers[{j}].email)",
                    c.email
                ),
            ));
        }
        if c.firstname.trim().is_empty() {
            return Err((at("firstname"), "must not be empty".into()));
        }
        if c.lastname.trim().is_empty() {
            return Err((at("lastname"), "must not be empty".into()));
        }
        if let Some(g) = c.gender {
            if !rules::is_valid_gender(g) {
                return Err((at("gender"), format!("must be 1, 2 or 3, got {g}")));
            }
        }
        if let Some(d) = &c.date_of_birth {
            if !rules::is_valid_date(d) {
                return Err((at("date_of_birth"), format!("{d:?} is not a date (YYYY-MM-DD)")));
            }
        }
        if c.password.as_deref() == Some("") {
            return Err((
                at("password"),
                "must not be empty: use null for an account without password".into(),
            ));
        }
        Ok(())
    }

    fn finish(self) -> Result<Accounts, (String, String)> {
        match self.mistake {
            None => Ok(self.accounts),
            Some(e) => Err(e),
        }
    }
}

struct CustomersSeed;

impl<'de> DeserializeSeed<'de> for CustomersSeed {
    type Value = CustomersSection;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<CustomersSection, D::Error> {
        deserializer.deserialize_any(CustomersVisitor)
    }
}

struct CustomersVisitor;

impl CustomersVisitor {
    fn not_a_list<E>(value: Value) -> Result<CustomersSection, E> {
        Ok(CustomersSection::NotAList(value))
    }
}

impl<'de> Visitor<'de> for CustomersVisitor {
    type Value = CustomersSection;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CustomersSection, A::Error> {
        let mut loader = CustomerLoader::default();
        let mut i = 0usize;
        while let Some(item) = seq.next_element::<Value>()? {
            loader.add(i, &item);
            i += 1;
        }
        Ok(CustomersSection::List(loader.finish()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CustomersSection, A::Error> {
        Self::not_a_list(Value::deserialize(MapAccessDeserializer::new(map))?)
    }
    fn visit_bool<E>(self, v: bool) -> Result<CustomersSection, E> {
        Self::not_a_list(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<CustomersSection, E> {
        Self::not_a_list(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<CustomersSection, E> {
        Self::not_a_list(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<CustomersSection, E> {
        Self::not_a_list(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<CustomersSection, E> {
        Self::not_a_list(Value::String(v.to_owned()))
    }
    fn visit_unit<E>(self) -> Result<CustomersSection, E> {
        Self::not_a_list(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> FixtureError {
        Fixtures::from_json_str("test.json", text).unwrap_err()
    }

    const ONE_CUSTOMER: &str = r#"{"id":1,"email":"a@example.com","firstname":"A","lastname":"B"}"#;

    #[test]
    fn embedded_default_fixtures_are_valid() {
        let f = Fixtures::from_json_str("default", DEFAULT_FIXTURES_JSON).unwrap();
        assert!(f.customers.len() >= 5);
        assert_eq!(f.settings, Settings::default());
    }

    #[test]
    fn unknown_field_is_named_with_its_path() {
        let e = err(&format!(
            r#"{{"customers":[{ONE_CUSTOMER},{{"id":2,"emial":"x@example.com"}}]}}"#
        ));
        assert_eq!(e.path(), Some("customers[1].emial"));
        let text = e.to_string();
        assert!(
            text.starts_with("fixture file test.json: at customers[1].emial: unknown field `emial`"),
            "{text}"
        );
    }

    #[test]
    fn duplicate_email_ignoring_case_is_refused() {
        let e = err(&format!(
            r#"{{"customers":[{ONE_CUSTOMER},{{"id":2,"email":"A@EXAMPLE.com","firstname":"A","lastname":"B"}}]}}"#
        ));
        assert_eq!(e.path(), Some("customers[1].email"));
        assert!(e.to_string().contains("duplicate email"));
    }

    #[test]
    fn duplicate_id_is_refused() {
        let e = err(&format!(r#"{{"customers":[{ONE_CUSTOMER},{ONE_CUSTOMER}]}}"#));
        assert_eq!(e.path(), Some("customers[1].id"));
    }

    #[test]
    fn bad_value_is_located() {
        let e = err(r#"{"settings":{"otc_ttl_seconds":"thirty"}}"#);
        assert_eq!(e.path(), Some("settings.otc_ttl_seconds"));
        let e = err(
            r#"{"customers":[{"id":1,"email":"a@example.com","firstname":"A","lastname":"B","gender":"m"}]}"#,
        );
        assert_eq!(e.path(), Some("customers[0].gender"));
        let e = err(r#"{"customers":[{"id":1,"email":"nope","firstname":"A","lastname":"B"}]}"#);
        assert_eq!(e.path(), Some("customers[0].email"));
        let e = err(r#"{"settings":{"lockout_failures":0}}"#);
        assert_eq!(e.path(), Some("settings.lockout_failures"));
    }

    #[test]
    fn static_admin_token_must_name_an_admin() {
        let e = err(r#"{"admin_tokens":{"t":"ghost"}}"#);
        assert_eq!(e.path(), Some("admin_tokens.t"));
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let e = err("{\n  \"customers\": [,]\n}");
        assert!(e.to_string().contains("test.json: at line 2 column"), "{e}");
    }

    #[test]
    fn customers_are_read_one_at_a_time_but_checked_in_the_old_order() {
        // A syntax error after a bad customer is still the error reported.
        let e = err(r#"{"customers":[{"id":"x"}], "z": [1,2,}"#);
        assert!(
            e.to_string().contains("at line 1 column 38: not valid JSON"),
            "{e}"
        );
        // So are an unknown top-level key and a bad setting after the customers.
        let e = err(r#"{"customers":[{"id":"x"}],"bogus":1}"#);
        assert_eq!(e.path(), Some("bogus"));
        let e = err(r#"{"customers":[{"id":"x"}],"settings":{"otc_ttl_seconds":"x"}}"#);
        assert_eq!(e.path(), Some("settings.otc_ttl_seconds"));
        // The first bad customer is the one reported; a repeated key keeps its last value.
        let e = err(&format!(
            r#"{{"customers":[{ONE_CUSTOMER},{{"id":"x"}},{{"id":"y"}}]}}"#
        ));
        assert_eq!(e.path(), Some("customers[1].id"));
        let f = Fixtures::from_json_str(
            "test.json",
            &format!(r#"{{"customers":[{{"id":"x"}}],"customers":[{ONE_CUSTOMER}]}}"#),
        )
        .unwrap();
        assert_eq!(f.customers.len(), 1);
        // Not a list, or not an object at all.
        let e = err(r#"{"customers":{"a":[1,2]}}"#);
        assert_eq!(
            e.to_string(),
            r#"fixture file test.json: at customers: expected a list, found {"a":[1,2]}"#
        );
        assert_eq!(err("[1,2]").path(), Some("$"));
        assert!(err("[1,2,").to_string().contains("not valid JSON"));
    }

    #[test]
    fn a_fixture_file_loads_with_defaults_for_missing_settings() {
        let path = std::env::temp_dir().join(format!("cam-fixtures-{}.json", std::process::id()));
        std::fs::write(
            &path,
            format!(r#"{{"settings":{{"otc_ttl_seconds":60}},"customers":[{ONE_CUSTOMER}]}}"#),
        )
        .unwrap();
        let f = Fixtures::load(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(f.settings.otc_ttl_seconds, 60);
        assert_eq!(f.settings.lockout_failures, 10);
        let first = f.customers.iter().next().unwrap();
        assert_eq!(first.email, "a@example.com");
        assert!(first.confirmed);
        assert_eq!(f.source, path.display().to_string());
    }

    #[test]
    fn unreadable_file_names_the_file() {
        let e = Fixtures::load(Path::new("/nonexistent/fixtures.json")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/fixtures.json"));
    }
}
