//! API keys: who may call the HTTP API, and what they may do.
//!
//! A key is a random secret shown once when it is created ([`KeySecret`]); the store keeps
//! only its SHA-256 digest ([`KeyDigest`]), its [`KeyName`] and its [`KeyScope`]. The secrets
//! are 256 random bits, so a plain digest (not a slow password hash) is what protects them.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Every key starts with this, so a leaked one is easy to recognise (and to scan for).
pub const KEY_PREFIX: &str = "zinc_";
/// How many random bytes a key carries.
pub const KEY_RANDOM_BYTES: usize = 32;
/// The longest key name.
pub const MAX_KEY_NAME_CHARS: usize = 64;
/// The longest text accepted as a presented key (longer is refused without hashing).
pub const MAX_PRESENTED_KEY_BYTES: usize = 128;

/// Why a key name, scope or presented key was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The name is empty, too long, or has characters other than `A-Z a-z 0-9 - _ .`.
    #[error(
        "a key name is 1 to {MAX_KEY_NAME_CHARS} characters of A-Z, a-z, 0-9, '-', '_' and '.'"
    )]
    BadName,
    /// The scope is neither `read` nor `write`.
    #[error("a key scope is `read` or `write`")]
    BadScope,
    /// The presented text cannot be a Zinc key.
    #[error("not a Zinc API key (they start with `{KEY_PREFIX}`)")]
    Malformed,
}

/// The name a key is known by (in `zinc keys list`, in import records, in logs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct KeyName(String);

impl KeyName {
    /// Checks `name`: 1 to [`MAX_KEY_NAME_CHARS`] characters of `A-Z a-z 0-9 - _ .`.
    pub fn parse(name: &str) -> Result<KeyName, KeyError> {
        let valid = !name.is_empty()
            && name.len() <= MAX_KEY_NAME_CHARS
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if valid {
            Ok(KeyName(name.to_owned()))
        } else {
            Err(KeyError::BadName)
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    /// Read every `/api/v1` route.
    Read,
    /// Read, and import files.
    Write,
}

impl KeyScope {
    /// Whether a key of this scope may do what `needed` allows.
    pub fn covers(self, needed: KeyScope) -> bool {
        self == KeyScope::Write || needed == KeyScope::Read
    }

    /// The name stored and shown for the scope.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScope::Read => "read",
            KeyScope::Write => "write",
        }
    }
}

impl FromStr for KeyScope {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<KeyScope, KeyError> {
        match text {
            "read" => Ok(KeyScope::Read),
            "write" => Ok(KeyScope::Write),
            _ => Err(KeyError::BadScope),
        }
    }
}

impl fmt::Display for KeyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key's secret text, `zinc_` and 43 characters of URL-safe base64. Its `Debug` output is
/// redacted; [`KeySecret::expose`] is the one way to read it (to show it once).
#[derive(Debug, Clone)]
pub struct KeySecret(SecretString);

impl KeySecret {
    /// The key made of `random` bytes (draw them from the operating system's generator).
    pub fn from_random(random: [u8; KEY_RANDOM_BYTES]) -> KeySecret {
        let text = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
        KeySecret(SecretString::from(text))
    }

    /// A key as presented by a client: refused unless it has the shape of a Zinc key.
    pub fn parse(text: &str) -> Result<KeySecret, KeyError> {
        let body = text.strip_prefix(KEY_PREFIX).ok_or(KeyError::Malformed)?;
        let valid = text.len() <= MAX_PRESENTED_KEY_BYTES
            && !body.is_empty()
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(KeySecret(SecretString::from(text.to_owned())))
        } else {
            Err(KeyError::Malformed)
        }
    }

    /// The secret text, to show once to whoever created the key.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// What the store keeps instead of the secret.
    pub fn digest(&self) -> KeyDigest {
        KeyDigest(Sha256::digest(self.0.expose_secret().as_bytes()).into())
    }
}

/// The SHA-256 digest of a key's secret: how the store finds a key without knowing it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    /// A digest as stored.
    pub fn from_bytes(bytes: [u8; 32]) -> KeyDigest {
        KeyDigest(bytes)
    }

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyDigest(..)")
    }
}

/// A key as the store describes it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    /// Its name.
    pub name: KeyName,
    /// What it may do.
    pub scope: KeyScope,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last seen on a request (updated at most every few seconds).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked key opens nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_prefix_and_43_base64url_characters_and_parses_back() {
        let key = KeySecret::from_random([7; KEY_RANDOM_BYTES]);
        assert!(key.expose().starts_with(KEY_PREFIX));
        assert_eq!(key.expose().len(), KEY_PREFIX.len() + 43);
        let presented = KeySecret::parse(key.expose()).unwrap();
        assert_eq!(presented.digest(), key.digest());
        assert_ne!(
            KeySecret::from_random([8; KEY_RANDOM_BYTES]).digest(),
            key.digest()
        );
    }

    #[test]
    fn debug_output_never_shows_a_secret_or_its_digest() {
        let key = KeySecret::from_random([7; KEY_RANDOM_BYTES]);
        let shown = format!("{key:?} {:?}", key.digest());
        assert!(
            !shown.contains(&key.expose()[KEY_PREFIX.len()..]),
            "{shown}"
        );
        assert!(!shown.contains("7, 7"), "{shown}");
    }

    #[test]
    fn refuses_presented_text_that_cannot_be_a_key() {
        for text in [
            "",
            "zinc_",
            "Bearer zinc_abc",
            "abc",
            "zinc_a b",
            "zinc_\u{0}",
            &format!("zinc_{}", "a".repeat(MAX_PRESENTED_KEY_BYTES)),
        ] {
            assert_eq!(
                KeySecret::parse(text).err(),
                Some(KeyError::Malformed),
                "{text:?}"
            );
        }
    }

    #[test]
    fn key_names_are_short_and_plain() {
        assert!(KeyName::parse("dashboard-1.finance_team").is_ok());
        for bad in [
            "",
            "a b",
            "naïve",
            "x\n",
            &"a".repeat(MAX_KEY_NAME_CHARS + 1),
        ] {
            assert_eq!(KeyName::parse(bad), Err(KeyError::BadName), "{bad:?}");
        }
    }

    #[test]
    fn a_write_key_covers_reading_but_a_read_key_not_writing() {
        assert!(KeyScope::Write.covers(KeyScope::Read));
        assert!(KeyScope::Write.covers(KeyScope::Write));
        assert!(KeyScope::Read.covers(KeyScope::Read));
        assert!(!KeyScope::Read.covers(KeyScope::Write));
        assert_eq!("write".parse(), Ok(KeyScope::Write));
        assert_eq!("admin".parse::<KeyScope>(), Err(KeyError::BadScope));
    }
}
