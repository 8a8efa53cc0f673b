//! The admin session: the admin access a run was given, the one admin token fetched with the
//! credentials (fetched once and cached, failure included: a retried login with a wrong password
//! would throttle the CI's admin user), and the admin REST calls the runner itself makes
//! (finding and deleting the accounts it created).

use std::cell::OnceCell;

use serde_json::{json, Value};

use super::client::{Client, Request, TransportError};
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

/// The admin side of a run.
pub struct AdminSession {
    pub access: AdminAccess,
    rest_base: String,
    fetched: OnceCell<Result<String, AdminError>>,
}

impl AdminSession {
    pub fn new(access: AdminAccess, urls: &Urls) -> Self {
        AdminSession {
            access,
            rest_base: urls.rest_base.clone(),
            fetched: OnceCell::new(),
        }
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

    /// The admin token fetched with the credentials: one request per run, its result kept.
    pub fn credential_token(&self, client: &Client) -> Result<String, AdminError> {
        self.fetched.get_or_init(|| self.fetch(client)).clone()
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
