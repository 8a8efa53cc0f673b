//! Where reset and confirmation e-mails are read: the mock's outbox, or a Mailpit-compatible HTTP
//! API (what Magento development environments commonly run) for real servers.

use serde_json::Value;

use super::client::{Client, Request, TransportError};
use super::control::ControlApi;

/// The two e-mails the contract sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// `requestPasswordResetEmail`: carries the reset token.
    PasswordReset,
    /// `createCustomerV2` when confirmation is required: carries the confirmation key.
    Confirmation,
}

impl EmailKind {
    /// The `kind` the mock's outbox gives it.
    fn outbox_name(self) -> &'static str {
        match self {
            EmailKind::PasswordReset => "reset_password",
            EmailKind::Confirmation => "confirmation",
        }
    }

    /// The query parameter of the link that carries the secret (Magento's storefront URLs:
    /// `createPassword/?token=…`, `confirm/?id=…&key=…`).
    fn link_param(self) -> &'static str {
        match self {
            EmailKind::PasswordReset => "token=",
            EmailKind::Confirmation => "key=",
        }
    }
}

/// An e-mail found in the mailbox.
#[derive(Debug, Clone)]
pub struct Email {
    pub body: String,
    /// The link the e-mail carries (the mock's outbox gives it; from a mailbox, only the body).
    pub link: Option<String>,
    /// Reset token or confirmation key.
    pub token: Option<String>,
}

/// Reading the mailbox failed.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("no mailbox: pass --mailbox (a Mailpit-compatible API)")]
    NoMailbox,
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("the mailbox at {url} answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("the mailbox URL `{url}` is not a URL ({reason}); pass e.g. --mailbox http://mailpit:8025")]
    BadUrl { url: String, reason: String },
    #[error("the mailbox at {url} does not answer Mailpit's API (GET /api/v1/messages gave no `messages` list); pass the Mailpit web/API address, e.g. http://mailpit:8025")]
    NotMailpit { url: String },
}

/// A mailbox.
#[derive(Debug, Clone)]
pub enum Mailbox {
    /// The mock's outbox (`GET /__mock/outbox?to=…`).
    Outbox(ControlApi),
    /// A Mailpit-compatible API at this base URL.
    Mailpit { base: String },
}

impl Mailbox {
    pub fn mailpit(base: &str) -> Mailbox {
        Mailbox::Mailpit {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// Whether the mailbox answers its API at all (the preflight).
    pub fn check(&self, client: &Client) -> Result<(), MailError> {
        match self {
            Mailbox::Outbox(api) => {
                let req = api.request("GET", "/outbox?to=conformance-preflight%40example.invalid");
                let resp = client.send(&req)?;
                if resp.status != 200 {
                    return Err(MailError::Status {
                        url: req.url,
                        status: resp.status,
                        body: super::scenarios::truncate(&resp.text, 200),
                    });
                }
                Ok(())
            }
            Mailbox::Mailpit { base } => {
                let url = format!("{base}/api/v1/messages?limit=1");
                let resp = client.send(&Request::new("GET", &url))?;
                if resp.status != 200 {
                    return Err(MailError::Status {
                        url,
                        status: resp.status,
                        body: super::scenarios::truncate(&resp.text, 200),
                    });
                }
                if resp.at("/messages").and_then(Value::as_array).is_none() {
                    return Err(MailError::NotMailpit { url: base.clone() });
                }
                Ok(())
            }
        }
    }

    /// The newest e-mail of `kind` sent to `to`.
    pub fn latest(&self, client: &Client, to: &str, kind: EmailKind) -> Result<Option<Email>, MailError> {
        match self {
            Mailbox::Outbox(api) => outbox_latest(client, api, to, kind),
            Mailbox::Mailpit { base } => mailpit_latest(client, base, to, kind),
        }
    }
}

fn outbox_latest(
    client: &Client,
    api: &ControlApi,
    to: &str,
    kind: EmailKind,
) -> Result<Option<Email>, MailError> {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("to", to)
        .finish();
    let req = api.request("GET", &format!("/outbox?{query}"));
    let resp = client.send(&req)?;
    if resp.status != 200 {
        return Err(MailError::Status {
            url: req.url,
            status: resp.status,
            body: super::scenarios::truncate(&resp.text, 200),
        });
    }
    let emails = resp
        .at("/emails")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(emails
        .iter()
        .rev()
        .find(|e| {
            e["kind"] == kind.outbox_name() && e["to"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(to))
        })
        .map(|e| Email {
            body: e["body"].as_str().unwrap_or_default().into(),
            link: e["link"].as_str().map(String::from),
            token: e["token"].as_str().map(String::from),
        }))
}

fn mailpit_latest(
    client: &Client,
    base: &str,
    to: &str,
    kind: EmailKind,
) -> Result<Option<Email>, MailError> {
    let mut u = url::Url::parse(&format!("{base}/api/v1/search")).map_err(|e| MailError::BadUrl {
        url: base.into(),
        reason: e.to_string(),
    })?;
    u.query_pairs_mut().append_pair("query", &format!("to:\"{to}\""));
    let resp = client.send(&Request::new("GET", u.as_str()))?;
    if resp.status != 200 {
        return Err(MailError::Status {
            url: u.to_string(),
            status: resp.status,
            body: super::scenarios::truncate(&resp.text, 200),
        });
    }
    let messages = resp
        .at("/messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Mailpit lists newest first.
    for m in messages {
        let Some(id) = m["ID"].as_str() else { continue };
        let msg = client.send(&Request::new("GET", format!("{base}/api/v1/message/{id}")))?;
        let Some(j) = msg.json else { continue };
        let text = format!(
            "{}\n{}",
            j["Text"].as_str().unwrap_or(""),
            j["HTML"].as_str().unwrap_or("")
        );
        if let Some(token) = extract_param(&text, kind.link_param()) {
            return Ok(Some(Email {
                body: text,
                link: None,
                token: Some(token),
            }));
        }
    }
    Ok(None)
}

/// The value after `marker` in `text`, as a run of `[A-Za-z0-9]`.
pub fn extract_param(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let v: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (!v.is_empty()).then_some(v)
}
