//! The e-mails the mock "sends" (it sends nothing; the control API shows them): reset-password
//! and confirmation messages, their templates, and a bounded list of what was sent.

use std::collections::VecDeque;

use serde::Serialize;

use super::customer::Customer;

/// How many emails the outbox keeps (**mock decision**: older ones are dropped first, as the
/// journal does; ids keep counting up).
pub(crate) const OUTBOX_CAPACITY: usize = 1000;

/// What kind of email the outbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    PasswordReset,
    Confirmation,
}

impl EmailKind {
    /// The name the control API shows (`kind` of `GET /__mock/outbox`).
    pub(crate) fn wire_name(self) -> &'static str {
        match self {
            EmailKind::PasswordReset => "reset_password",
            EmailKind::Confirmation => "confirmation",
        }
    }
}

/// An email the mock "sent".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Email {
    pub id: u64,
    pub to: String,
    pub customer_id: u64,
    pub kind: EmailKind,
    pub subject: String,
    pub body: String,
    pub link: String,
    /// The reset token or confirmation key carried by the link.
    pub token: String,
    pub sent_at: i64,
}

/// The emails sent since the last reset, oldest first, at most [`OUTBOX_CAPACITY`].
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    emails: VecDeque<Email>,
    next_id: u64,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox {
            emails: VecDeque::new(),
            next_id: 1,
        }
    }
}

/// Where the links of a store's emails point, and the name they sign with.
pub(crate) struct Letterhead<'a> {
    /// The storefront's base URL, without a trailing slash.
    pub(crate) base_url: &'a str,
    pub(crate) website_name: &'a str,
}

impl Outbox {
    fn push(&mut self, mut email: Email) {
        email.id = self.next_id;
        self.next_id += 1;
        if self.emails.len() >= OUTBOX_CAPACITY {
            // Oldest first out, so a load test of `requestPasswordResetEmail` keeps memory flat.
            self.emails.pop_front();
        }
        self.emails.push_back(email);
    }

    /// The reset-password email with its `createPassword` link (spec 5.5).
    pub(crate) fn send_reset(&mut self, to: &Customer, token: &str, from: &Letterhead, now: i64) {
        let link = format!("{}/customer/account/createPassword/?token={token}", from.base_url);
        let body = format!(
            "{} {},\n\nThere was recently a request to change the password for your account.\n\n\
             If you requested this change, set a new password here: {link}\n\n\
             If you did not make this request, you can ignore this email and your password will stay the same.",
            to.firstname, to.lastname
        );
        self.push(Email {
            id: 0,
            to: to.email.to_string(),
            customer_id: to.id,
            kind: EmailKind::PasswordReset,
            subject: format!("Reset your {} password", from.website_name),
            body,
            link,
            token: token.to_string(),
            sent_at: now,
        });
    }

    /// The confirmation email with its `confirm` link and key (spec 5.8).
    pub(crate) fn send_confirmation(&mut self, to: &Customer, key: &str, from: &Letterhead, now: i64) {
        let link = format!(
            "{}/customer/account/confirm/?id={}&key={key}",
            from.base_url, to.id
        );
        let body = format!(
            "{} {},\n\nYou must confirm your {} email before you can sign in.\n\nConfirm your account: {link}\n\n\
             Confirmation key: {key}",
            to.firstname, to.lastname, to.email
        );
        self.push(Email {
            id: 0,
            to: to.email.to_string(),
            customer_id: to.id,
            kind: EmailKind::Confirmation,
            subject: format!("Please confirm your {} account", from.website_name),
            body,
            link,
            token: key.to_string(),
            sent_at: now,
        });
    }

    /// Emails to `recipient` (ignoring ASCII case), or all of them, oldest first.
    pub(crate) fn list(&self, recipient: Option<&str>) -> Vec<Email> {
        self.emails
            .iter()
            .filter(|e| recipient.is_none_or(|r| e.to.eq_ignore_ascii_case(r)))
            .cloned()
            .collect()
    }

    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn len(&self) -> usize {
        self.emails.len()
    }

    pub(crate) fn clear(&mut self) {
        self.emails.clear();
    }
}
