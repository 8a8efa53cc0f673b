//! JWT access tokens exactly as spec 4.3: compact JWS, HS256, header bytes
//! `{"kid":"1","alg":"HS256"}`, payload claims in the order uid, utypid, iat, exp[, admin_id].
//!
//! Tokens are a pure function of their claims and the secret, so two logins of one customer in
//! the same second give identical tokens (a property of Magento worth keeping).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;

/// The protected header `{"kid":"1","alg":"HS256"}` in base64url without padding, as every
/// token this mock signs begins (the test below holds the two together).
const ENCODED_HEADER: &str = "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ";

/// Magento's user type of an admin (integration) token.
pub(crate) const UTYPID_ADMIN: u8 = 2;
/// Magento's user type of a customer token.
pub(crate) const UTYPID_CUSTOMER: u8 = 3;

/// The claims of an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    /// Customer id or admin user id.
    pub uid: u64,
    /// [`UTYPID_CUSTOMER`] or [`UTYPID_ADMIN`].
    pub utypid: u8,
    pub iat: i64,
    pub exp: i64,
    /// Set on admin-assisted customer tokens (OTC exchange, `generateCustomerTokenAsAdmin`).
    pub admin_id: Option<u64>,
}

impl Claims {
    /// The payload JSON, claims in the spec's order.
    pub(crate) fn payload_json(&self) -> String {
        // itoa rather than `format!`: the same digits, without a formatter per number.
        let mut digits = itoa::Buffer::new();
        let mut s = String::with_capacity(96);
        s.push_str(r#"{"uid":"#);
        s.push_str(digits.format(self.uid));
        s.push_str(r#","utypid":"#);
        s.push_str(digits.format(self.utypid));
        s.push_str(r#","iat":"#);
        s.push_str(digits.format(self.iat));
        s.push_str(r#","exp":"#);
        s.push_str(digits.format(self.exp));
        if let Some(a) = self.admin_id {
            s.push_str(r#","admin_id":"#);
            s.push_str(digits.format(a));
        }
        s.push('}');
        s
    }
}

/// A signing key made ready once: HMAC's padded inner and outer keys are hashed when the store
/// is created, not on every sign-in and every bearer check.
///
/// ring's HMAC-SHA256 (already built for rustls) rather than the `hmac` and `sha2` crates: its
/// assembly compression takes about a third fewer instructions per block where the CPU has no
/// SHA extensions (measured in bench/README.md), and every sign-in hashes three blocks.
#[derive(Clone)]
pub(crate) struct Signer {
    key: hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    pub(crate) fn new(secret: &str) -> Signer {
        Signer {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()),
        }
    }

    /// Signs `claims` into a compact JWS.
    pub(crate) fn sign(&self, claims: &Claims) -> String {
        // One buffer for the whole token: header, payload, then the signature of both.
        let mut token = String::with_capacity(256);
        token.push_str(ENCODED_HEADER);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(claims.payload_json(), &mut token);
        let sig = hmac::sign(&self.key, token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(sig.as_ref(), &mut token);
        token
    }

    /// Reads a token signed with this key. `None` when it is not one of ours (bad shape,
    /// header, signature or claims): the "Composite reader could not read a token" case.
    /// Expiry and revocation are the caller's business.
    pub(crate) fn read(&self, token: &str) -> Option<Claims> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        // Our own header (every token this mock signs) is JSON naming HS256: not decoded again.
        if h != ENCODED_HEADER {
            let header = URL_SAFE_NO_PAD.decode(h).ok()?;
            let header: serde_json::Value = serde_json::from_slice(&header).ok()?;
            if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
                return None;
            }
        }
        let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
        // What was signed: the header, the dot and the payload, as they stand in the token.
        let signed = &token[..h.len() + 1 + p.len()];
        hmac::verify(&self.key, signed.as_bytes(), &sig).ok()?;
        let payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
        let utypid = payload.get("utypid")?.as_u64()?;
        Some(Claims {
            uid: payload.get("uid")?.as_u64()?,
            utypid: u8::try_from(utypid).ok()?,
            iat: payload.get("iat")?.as_i64()?,
            exp: payload.get("exp")?.as_i64()?,
            admin_id: match payload.get("admin_id") {
                None => None,
                Some(v) => Some(v.as_u64()?),
            },
        })
    }
}

/// Signs `claims` with `secret` (see [`Signer::sign`]).
#[cfg(any(test, feature = "test-support"))]
pub fn sign(claims: &Claims, secret: &str) -> String {
    Signer::new(secret).sign(claims)
}

/// Reads a token signed with `secret` (see [`Signer::read`]).
#[cfg(any(test, feature = "test-support"))]
pub fn read(token: &str, secret: &str) -> Option<Claims> {
    Signer::new(secret).read(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The protected header, byte for byte.
    const HEADER: &str = r#"{"kid":"1","alg":"HS256"}"#;

    #[test]
    fn the_encoded_header_is_the_headers_encoding() {
        assert_eq!(URL_SAFE_NO_PAD.encode(HEADER), ENCODED_HEADER);
    }

    fn claims(admin_id: Option<u64>) -> Claims {
        Claims {
            uid: 7,
            utypid: UTYPID_CUSTOMER,
            iat: 1_700_000_000,
            exp: 1_700_003_600,
            admin_id,
        }
    }

    #[test]
    fn header_and_payload_bytes_are_exact() {
        let t = sign(&claims(None), "secret");
        let mut parts = t.split('.');
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap(),
            br#"{"kid":"1","alg":"HS256"}"#
        );
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap(),
            br#"{"uid":7,"utypid":3,"iat":1700000000,"exp":1700003600}"#
        );
        assert!(!t.contains('='));
    }

    #[test]
    fn admin_assisted_tokens_carry_admin_id_last() {
        assert_eq!(
            claims(Some(2)).payload_json(),
            r#"{"uid":7,"utypid":3,"iat":1700000000,"exp":1700003600,"admin_id":2}"#
        );
    }

    #[test]
    fn same_claims_give_the_same_token() {
        assert_eq!(sign(&claims(None), "k"), sign(&claims(None), "k"));
    }

    #[test]
    fn known_hs256_vector() {
        // Signature computed independently (python hmac/hashlib) for this exact input.
        let t = sign(
            &Claims {
                uid: 1,
                utypid: 3,
                iat: 0,
                exp: 3600,
                admin_id: None,
            },
            "secret",
        );
        assert_eq!(
            t,
            "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.eyJ1aWQiOjEsInV0eXBpZCI6MywiaWF0IjowLCJleHAiOjM2MDB9.\
             4WTO6NE7qnRjynKALf7ceb9-e21R6dLyGxXEyswjeU0"
        );
    }

    #[test]
    fn tokens_round_trip_and_tampering_is_refused() {
        let t = sign(&claims(Some(3)), "k");
        assert_eq!(read(&t, "k"), Some(claims(Some(3))));
        assert_eq!(read(&t, "other"), None);
        assert_eq!(read("abc", "k"), None);
        assert_eq!(read("a.b.c", "k"), None);
        let mut forged = t.clone();
        forged.pop();
        forged.push(if t.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(read(&forged, "k"), None);
    }

    proptest::proptest! {
        /// ring's HMAC against the `hmac` crate's, for keys shorter and longer than a block.
        #[test]
        fn the_signature_is_hmac_sha256_of_header_and_payload(
            secret in ".{0,100}",
            uid in 0u64..u64::MAX,
            iat in i64::MIN..i64::MAX,
            admin_id in proptest::option::of(0u64..1000),
        ) {
            use ::hmac::{Hmac, Mac};
            let claims = Claims { uid, utypid: UTYPID_CUSTOMER, iat, exp: iat.wrapping_add(3600), admin_id };
            let token = sign(&claims, &secret);
            let (signed, signature) = token.rsplit_once('.').unwrap();
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(signed.as_bytes());
            proptest::prop_assert_eq!(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()), signature);
            proptest::prop_assert_eq!(read(&token, &secret), Some(claims));
        }
    }
}
