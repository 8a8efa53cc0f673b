//! The admin session: the admin access a run was given, the one admin token fetched with the
//! credentials (fetched once and cached, failure included: a retried login with a wrong password
//! would throttle the CI's admin user), and the admin REST calls the runner itself makes
//! (finding and deleting the accounts it created).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use serde_json::{json, Value};

use super::client::{Client, Request, TransportError};
use super::control::MockAccess;
use super::target::Urls;

/// An admin call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdminError {
    #[error("no admin access: pass --admin-token or --admin-username/--admin-password")]
    NoAccess,
    #[error("no admin credentials: pass --admin-username and --admin-password")]
    NoCredentials,
    #[error("{0}")]
    Transport(String),
    #[error("{what} answered {status}: {body}")]
    Refused { what: String, status: u16, body: String },
    #[error("the customer search found no account {email}")]
    NotFound { email: String },
}

impl From<TransportError> for AdminError {
    fn from(e: TransportError) -> Self {
        AdminError::Transport(e.to_string())
    }
}

/// The admin access a run has: given on the command line, or learned from the mock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminAccess {
    /// A bearer with every permission the scenarios use (for example an IMS token).
    pub token: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// A bearer without `Magento_LoginAsCustomer::login`.
    pub limited_token: Option<String>,
    /// A bearer with `Magento_LoginAsCustomer::login` but without
    /// `Magento_LoginAsCustomer::allow_shopping_assistance`.
    pub token_without_assistance: Option<String>,
}

/// The ACL resources the scenarios exercise (behaviour.md 5.9, 6).
pub const LOGIN_AS_CUSTOMER: &str = "Magento_LoginAsCustomer::login";
pub const SHOPPING_ASSISTANCE: &str = "Magento_LoginAsCustomer::allow_shopping_assistance";
pub const MANAGE_CUSTOMERS: &str = "Magento_Customer::manage";
/// Magento's "all resources" role.
const ALL_RESOURCES: &str = "Magento_Backend::all";

fn has(permissions: &[String], acl: &str) -> bool {
    permissions.iter().any(|p| p == acl || p == ALL_RESOURCES)
}

fn full(permissions: &[String]) -> bool {
    [LOGIN_AS_CUSTOMER, SHOPPING_ASSISTANCE, MANAGE_CUSTOMERS]
        .iter()
        .all(|acl| has(permissions, acl))
}

impl AdminAccess {
    /// Fill what was not given from the mock's fixtures: an admin with every permission the
    /// scenarios use (token, and user name and password), a token without Login as Customer, and
    /// one with Login as Customer but without the shopping-assistance permission. What was given
    /// explicitly is kept. Returns what was learned.
    pub fn fill_from(&mut self, mock: &MockAccess) -> Vec<Learned> {
        let mut learned = Vec::new();
        let mut pick = |field: &mut Option<String>, slot: Slot, found: Option<(&str, &str)>| {
            if field.is_none() {
                if let Some((value, owner)) = found {
                    *field = Some(value.to_string());
                    learned.push(Learned {
                        slot,
                        owner: owner.to_string(),
                    });
                }
            }
        };
        let token_where = |f: &dyn Fn(&[String]) -> bool| {
            mock.admin_tokens
                .iter()
                .find(|t| f(&t.permissions))
                .map(|t| (t.token.as_str(), t.username.as_str()))
        };
        pick(&mut self.token, Slot::Token, token_where(&full));
        pick(
            &mut self.limited_token,
            Slot::LimitedToken,
            token_where(&|p| !has(p, LOGIN_AS_CUSTOMER)),
        );
        pick(
            &mut self.token_without_assistance,
            Slot::TokenWithoutAssistance,
            token_where(&|p| has(p, LOGIN_AS_CUSTOMER) && !has(p, SHOPPING_ASSISTANCE)),
        );
        // User name and password come as a pair, from one user, unless either was given.
        if self.username.is_none() && self.password.is_none() {
            if let Some(u) = mock.admin_users.iter().find(|u| full(&u.permissions)) {
                self.username = Some(u.username.clone());
                self.password = Some(u.password.clone());
                learned.push(Learned {
                    slot: Slot::Credentials,
                    owner: u.username.clone(),
                });
            }
        }
        learned
    }
}

/// One part of the admin access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Token,
    Credentials,
    LimitedToken,
    TokenWithoutAssistance,
}

/// A part of the admin access taken from the mock's fixtures (whose permissions are therefore
/// known, not claimed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    pub slot: Slot,
    /// The admin user it belongs to.
    pub owner: String,
}

impl std::fmt::Display for Learned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.slot {
            Slot::Token => "admin token",
            Slot::Credentials => "admin user name and password",
            Slot::LimitedToken => "limited admin token",
            Slot::TokenWithoutAssistance => "admin token without assistance",
        };
        write!(f, "{what} of `{}`", self.owner)
    }
}

/// The admin side of a run.
pub struct AdminSession {
    pub access: AdminAccess,
    /// The admin user id behind the admin token, when known (the mock's fixtures say it), for
    /// checking the `admin_id` claim of tokens issued with it.
    pub token_admin_id: Option<u64>,
    /// What of the access was learned from the mock.
    pub learned: Vec<Learned>,
    rest_base: String,
    fetched: RefCell<Option<Result<Fetched, AdminError>>>,
    /// Seconds the run has made pass (shared with the target's time), so a token fetched
    /// before the mock's clock moved hours ahead is known to have expired.
    moved: Rc<Cell<u64>>,
}

/// An admin token fetched with the credentials, and when.
#[derive(Debug, Clone)]
struct Fetched {
    token: String,
    /// `exp - iat` of the token, when it is a JWT.
    lifetime: Option<u64>,
    moved_at: u64,
    at: Instant,
}

impl Fetched {
    /// Still valid, with a minute to spare.
    fn fresh(&self, moved_now: u64) -> bool {
        let Some(lifetime) = self.lifetime else {
            return true;
        };
        let age = moved_now.saturating_sub(self.moved_at) + self.at.elapsed().as_secs();
        age + 60 < lifetime
    }
}

impl AdminSession {
    pub fn new(access: AdminAccess, urls: &Urls, moved: Rc<Cell<u64>>) -> Self {
        AdminSession {
            moved,
            access,
            token_admin_id: None,
            learned: Vec::new(),
            rest_base: urls.rest_base.clone(),
            fetched: RefCell::new(None),
        }
    }

    /// Whether this part of the access came from the mock's fixtures.
    pub fn is_learned(&self, slot: Slot) -> bool {
        self.learned.iter().any(|l| l.slot == slot)
    }

    /// Whether an admin token can be had (given, or from credentials).
    pub fn available(&self) -> bool {
        self.access.token.is_some() || self.credentials().is_some()
    }

    pub fn credentials(&self) -> Option<(String, String)> {
        Some((self.access.username.clone()?, self.access.password.clone()?))
    }

    /// The admin bearer for admin REST: `--admin-token`, else the one fetched with the credentials.
    pub fn token(&self, client: &Client) -> Result<String, AdminError> {
        match &self.access.token {
            Some(t) => Ok(t.clone()),
            None => self.credential_token(client),
        }
    }

    /// The admin token fetched with the credentials. A refusal is kept for the whole run (never
    /// retried); a token is fetched again only once the run has moved time past its lifetime.
    pub fn credential_token(&self, client: &Client) -> Result<String, AdminError> {
        let moved = self.moved.get();
        let cached = self.fetched.borrow().clone();
        match cached {
            Some(Err(e)) => return Err(e),
            Some(Ok(f)) if f.fresh(moved) => return Ok(f.token),
            _ => {}
        }
        let result = self.fetch(client).map(|token| Fetched {
            lifetime: super::normalize::jwt_claims(&token)
                .and_then(|c| Some(c["exp"].as_i64()?.saturating_sub(c["iat"].as_i64()?).max(0) as u64)),
            token,
            moved_at: moved,
            at: Instant::now(),
        });
        *self.fetched.borrow_mut() = Some(result.clone());
        result.map(|f| f.token)
    }

    fn fetch(&self, client: &Client) -> Result<String, AdminError> {
        let (username, password) = self.credentials().ok_or(AdminError::NoCredentials)?;
        let req = Request::new("POST", format!("{}/V1/integration/admin/token", self.rest_base))
            .json_body(&json!({"username": username, "password": password}));
        let resp = client.send(&req)?;
        match (resp.status, resp.json_string()) {
            (200, Some(t)) => Ok(t),
            (status, _) => Err(AdminError::Refused {
                what: "the admin token request (POST /V1/integration/admin/token)".into(),
                status,
                body: super::scenarios::truncate(&resp.text, 300),
            }),
        }
    }

    /// The REST id of the account `email` (admin customer search).
    pub fn customer_id(&self, client: &Client, email: &str) -> Result<u64, AdminError> {
        let token = self.token(client)?;
        let resp = client.send(&search_request(&self.rest_base, email).bearer(Some(&token)))?;
        if resp.status != 200 {
            return Err(AdminError::Refused {
                what: format!("the customer search for {email}"),
                status: resp.status,
                body: super::scenarios::truncate(&resp.text, 300),
            });
        }
        resp.at("/items")
            .and_then(Value::as_array)
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| i["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)))
            })
            .and_then(|i| {
                i["id"]
                    .as_u64()
                    .or_else(|| i["id"].as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| AdminError::NotFound { email: email.into() })
    }

    /// Delete an account the runner created.
    pub fn delete_customer(&self, client: &Client, email: &str) -> Result<(), AdminError> {
        let id = self.customer_id(client, email)?;
        let token = self.token(client)?;
        let req =
            Request::new("DELETE", format!("{}/V1/customers/{id}", self.rest_base)).bearer(Some(&token));
        let resp = client.send(&req)?;
        if resp.status == 200 {
            Ok(())
        } else {
            Err(AdminError::Refused {
                what: format!("DELETE /V1/customers/{id}"),
                status: resp.status,
                body: super::scenarios::truncate(&resp.text, 300),
            })
        }
    }
}

/// `GET /V1/customers/search` for one exact email.
pub fn search_request(rest_base: &str, email: &str) -> Request {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("searchCriteria[filterGroups][0][filters][0][field]", "email")
        .append_pair("searchCriteria[filterGroups][0][filters][0][value]", email)
        .append_pair("searchCriteria[filterGroups][0][filters][0][conditionType]", "eq")
        .finish();
    Request::new("GET", format!("{rest_base}/V1/customers/search?{query}"))
}
