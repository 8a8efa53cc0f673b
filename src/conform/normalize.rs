//! Normalisation of responses before snapshot comparison: what legitimately varies (tokens, codes,
//! generated emails, timestamps, ids) becomes a stable placeholder, after its shape is checked.
//! A value of the wrong shape becomes a `[malformed-…: why]` placeholder, so the snapshot differs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

/// The exact protected header of a customer token (behaviour.md 4.3).
pub const TOKEN_HEADER: &str = r#"{"kid":"1","alg":"HS256"}"#;

/// Claims read from a well-formed customer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub uid: i64,
    pub iat: i64,
    pub exp: i64,
    pub admin_id: Option<i64>,
}

/// Whether a string has the shape of a compact JWS (three base64url parts, JSON header).
pub fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && s.starts_with("eyJ")
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Why a token is not the customer token of behaviour.md 4.3.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a compact JWS")]
    NotJws,
    #[error("not base64url: {0}")]
    Base64(String),
    #[error("header is {found} (expected {TOKEN_HEADER})")]
    Header { found: String },
    #[error("payload: {0}")]
    Payload(String),
    #[error("claims are {} (expected uid, utypid, iat, exp in that order)", keys.join(", "))]
    Claims { keys: Vec<String> },
    #[error("claim {0} is not an integer")]
    NotInteger(&'static str),
    #[error("utypid is {0} (expected 3, customer)")]
    Utypid(i64),
    #[error("exp - iat is {found} s (expected the lifetime, {expected} s)")]
    Lifetime { found: i64, expected: i64 },
    #[error("admin_id is not a positive integer")]
    AdminId,
    #[error("signature is {0} bytes (HS256 gives 32)")]
    Signature(usize),
}

fn decode_part(p: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(p)
        .map_err(|e| TokenError::Base64(e.to_string()))
}

/// Check a customer token: header exactly `{"kid":"1","alg":"HS256"}`, payload keys `uid`, `utypid`
/// (3), `iat`, `exp` (= iat + lifetime) in that order (then optionally `admin_id`), integers, and a
/// 32-byte HS256 signature.
pub fn check_customer_token(token: &str, lifetime_secs: i64) -> Result<TokenClaims, TokenError> {
    if !looks_like_jwt(token) {
        return Err(TokenError::NotJws);
    }
    let parts: Vec<&str> = token.split('.').collect();
    let header = decode_part(parts[0])?;
    if header != TOKEN_HEADER.as_bytes() {
        return Err(TokenError::Header {
            found: String::from_utf8_lossy(&header).into_owned(),
        });
    }
    let payload: Value =
        serde_json::from_slice(&decode_part(parts[1])?).map_err(|e| TokenError::Payload(e.to_string()))?;
    let obj = payload
        .as_object()
        .ok_or_else(|| TokenError::Payload("not an object".into()))?;
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    if keys != ["uid", "utypid", "iat", "exp"] && keys != ["uid", "utypid", "iat", "exp", "admin_id"] {
        return Err(TokenError::Claims {
            keys: keys.iter().map(|k| k.to_string()).collect(),
        });
    }
    let int = |k: &'static str| obj[k].as_i64().ok_or(TokenError::NotInteger(k));
    let (uid, utypid, iat, exp) = (int("uid")?, int("utypid")?, int("iat")?, int("exp")?);
    if utypid != 3 {
        return Err(TokenError::Utypid(utypid));
    }
    if exp - iat != lifetime_secs {
        return Err(TokenError::Lifetime {
            found: exp - iat,
            expected: lifetime_secs,
        });
    }
    let admin_id = match obj.get("admin_id") {
        Some(v) => Some(v.as_i64().filter(|a| *a > 0).ok_or(TokenError::AdminId)?),
        None => None,
    };
    let sig = decode_part(parts[2])?;
    if sig.len() != 32 {
        return Err(TokenError::Signature(sig.len()));
    }
    Ok(TokenClaims {
        uid,
        iat,
        exp,
        admin_id,
    })
}

/// The claims of any JWT-shaped token, without checks (for admin tokens).
pub fn jwt_claims(token: &str) -> Option<Value> {
    let p = token.split('.').nth(1)?;
    serde_json::from_slice(&decode_part(p).ok()?).ok()
}

/// A generated secret of the wrong shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not {shape}")]
pub struct ShapeError {
    pub value: String,
    pub shape: &'static str,
}

/// Check an admin one-time code: 32 lowercase hex digits.
pub fn check_otc(s: &str) -> Result<(), ShapeError> {
    if s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(ShapeError {
            value: s.into(),
            shape: "32 lowercase hex digits",
        })
    }
}

/// Check a reset-password token: 32 characters `[A-Za-z0-9]`.
pub fn check_reset_token(s: &str) -> Result<(), ShapeError> {
    if s.len() == 32 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(ShapeError {
            value: s.into(),
            shape: "32 characters [A-Za-z0-9]",
        })
    }
}

/// Replaces varying values with placeholders. One per scenario run.
#[derive(Debug, Clone)]
pub struct Normalizer {
    /// Literal substrings and their placeholders (emails, reset tokens, ids…), longest first.
    replacements: Vec<(String, String)>,
    /// Numeric ids: replaced as whole path segments and as exact string values only.
    ids: Vec<(String, String)>,
    /// Values replaced only when a JSON string is exactly them (short, common words).
    exact: Vec<(String, String)>,
    pub token_lifetime_secs: i64,
    /// The `confirmation_status` of a confirmed account on this store (`ACCOUNT_CONFIRMED` where
    /// confirmation is required, else `ACCOUNT_CONFIRMATION_NOT_REQUIRED`), replaced by
    /// [`CONFIRMATION_STATUS`] so one snapshot serves stores of either setting; any other value
    /// stays, and differs.
    pub confirmation_status: &'static str,
}

/// The placeholder of the expected `confirmation_status`.
pub const CONFIRMATION_STATUS: &str = "[confirmation status for the store's setting]";

impl Normalizer {
    pub fn new(token_lifetime_secs: i64) -> Self {
        Normalizer {
            replacements: Vec::new(),
            ids: Vec::new(),
            exact: Vec::new(),
            token_lifetime_secs,
            confirmation_status: "ACCOUNT_CONFIRMED",
        }
    }

    /// Expect `confirmation_status` as a store that does (or does not) require confirmation answers.
    pub fn confirmation_required(mut self, required: bool) -> Self {
        self.confirmation_status = if required {
            "ACCOUNT_CONFIRMED"
        } else {
            "ACCOUNT_CONFIRMATION_NOT_REQUIRED"
        };
        self
    }

    /// Replace every occurrence of `literal` with `placeholder` from now on.
    pub fn add(&mut self, literal: impl Into<String>, placeholder: impl Into<String>) {
        let literal = literal.into();
        if literal.is_empty() || self.replacements.iter().any(|(l, _)| *l == literal) {
            return;
        }
        self.replacements.push((literal, placeholder.into()));
        self.replacements.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
    }

    /// Replace a JSON string that is exactly `value` with `placeholder` (never inside text).
    pub fn add_exact(&mut self, value: impl Into<String>, placeholder: impl Into<String>) {
        self.exact.push((value.into(), placeholder.into()));
    }

    /// Replace the id `id` with `placeholder` where it appears as a path segment or a whole value.
    pub fn add_id(&mut self, id: impl ToString, placeholder: impl Into<String>) {
        self.ids.push((id.to_string(), placeholder.into()));
    }

    /// Normalise free text (substring replacements and embedded tokens).
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (id, ph) in &self.ids {
            out = out.replace(&format!("/{id}/"), &format!("/{ph}/"));
            if let Some(stem) = out.strip_suffix(&format!("/{id}")) {
                out = format!("{stem}/{ph}");
            }
        }
        for (lit, ph) in &self.replacements {
            if out.contains(lit.as_str()) {
                out = out.replace(lit.as_str(), ph);
            }
        }
        out
    }

    /// Normalise a string found under `key`.
    pub fn string(&self, key: Option<&str>, s: &str) -> String {
        if looks_like_jwt(s) {
            return self.token(s);
        }
        match key {
            // A malformed code stays as it is (and so differs from the stored `[otc]`).
            Some("otp") if check_otc(s).is_ok() => "[otc]".into(),
            Some("created_at" | "updated_at" | "sent_at") => "[timestamp]".into(),
            Some("confirmation_status") if s == self.confirmation_status => CONFIRMATION_STATUS.into(),
            _ => match self.ids.iter().chain(&self.exact).find(|(id, _)| id == s) {
                Some((_, ph)) => ph.clone(),
                None => self.text(s),
            },
        }
    }

    /// Normalise a token string: `[customer-token]`, `[customer-token admin-assisted]`, `[admin-token]`.
    pub fn token(&self, s: &str) -> String {
        let claims = jwt_claims(s);
        if claims.as_ref().and_then(|c| c["utypid"].as_i64()) == Some(2) {
            return "[admin-token]".into();
        }
        match check_customer_token(s, self.token_lifetime_secs) {
            Ok(c) if c.admin_id.is_some() => "[customer-token admin-assisted]".into(),
            Ok(_) => "[customer-token]".into(),
            Err(e) => format!("[malformed-token: {e}]"),
        }
    }

    /// Normalise a JSON value, key-aware.
    pub fn value(&self, v: &Value) -> Value {
        self.value_at(None, v)
    }

    fn value_at(&self, key: Option<&str>, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.string(key, s)),
            Value::Number(_) if matches!(key, Some("id" | "customer_id")) => Value::String("[id]".into()),
            Value::Number(_) if matches!(key, Some("created_at" | "updated_at" | "sent_at" | "now")) => {
                Value::String("[timestamp]".into())
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.value_at(key, x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (self.text(k), self.value_at(Some(k), x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otc_shape() {
        assert!(check_otc("0123456789abcdef0123456789abcdef").is_ok());
        assert!(check_otc("0123456789ABCDEF0123456789abcdef").is_err());
        assert!(check_otc("abc").is_err());
    }
}
