//! API keys: who may call the HTTP API, and what they may do.
//!
//! A key is a random secret shown once when it is created ([`KeySecret`]); the store keeps
//! only its SHA-256 digest ([`KeyDigest`]), its [`KeyName`] and its [`KeyScope`]. The secrets
//! are 256 random bits, so a plain digest (not a slow password hash) is what protects them.
//!
//! A key issued now carries a checksum, as GitHub's tokens do: `zinc_` then
//! [`KEY_CHARS`] characters of URL-safe base64 (no padding) encoding 36 bytes, the
//! [`KEY_RANDOM_BYTES`] random bytes followed by their CRC-32 (IEEE, big-endian). A mistyped
//! or made-up key is refused by [`KeySecret::parse`] without asking the store. Keys issued
//! before the checksum ([`KeyFormat::Legacy`]: `zinc_` and [`LEGACY_KEY_CHARS`] characters, the
//! random bytes alone) keep working: they carry nothing to check, so only their shape is.
//!
//! ```
//! use zinc_domain::{KeyError, KeyFormat, KeySecret};
//!
//! let key = KeySecret::from_random([7; 32]);
//! assert_eq!(key.format(), KeyFormat::Checksummed);
//! assert!(KeySecret::parse(key.expose()).is_ok());
//!
//! // One character changed: refused, the checksum no longer matches.
//! let mut typo = key.expose().to_owned();
//! typo.replace_range(10..11, if &typo[10..11] == "A" { "B" } else { "A" });
//! assert_eq!(KeySecret::parse(&typo).err(), Some(KeyError::Mistyped));
//!
//! // A key issued before checksums still parses.
//! let old = KeySecret::parse("zinc_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc")?;
//! assert_eq!(old.format(), KeyFormat::Legacy);
//! # Ok::<(), KeyError>(())
//! ```

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
/// How many bytes the checksum of a key takes (a CRC-32).
const KEY_CHECKSUM_BYTES: usize = 4;
/// How many characters follow [`KEY_PREFIX`] in a key issued now: the random bytes and their
/// checksum in URL-safe base64.
pub const KEY_CHARS: usize = (KEY_RANDOM_BYTES + KEY_CHECKSUM_BYTES) * 4 / 3;
/// How many characters follow [`KEY_PREFIX`] in a key issued before checksums: the random
/// bytes alone in URL-safe base64 (`zinc keys create` and `zinc keys generate` printed these).
pub const LEGACY_KEY_CHARS: usize = (KEY_RANDOM_BYTES * 4).div_ceil(3);
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
    #[error("a key's scope is read or write")]
    BadScope,
    /// The presented text cannot be a Zinc key.
    #[error("not a Zinc API key (they start with {KEY_PREFIX})")]
    Malformed,
    /// The presented text has the shape of a key, but its checksum does not match: a typo, a
    /// truncated copy or a guess.
    #[error("not a valid Zinc API key (its checksum does not match: mistyped?)")]
    Mistyped,
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

/// How a key was issued: what [`KeySecret::parse`] could check of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFormat {
    /// `zinc_` and [`KEY_CHARS`] characters: the random bytes and their CRC-32. What
    /// [`KeySecret::from_random`] makes.
    Checksummed,
    /// `zinc_` and [`LEGACY_KEY_CHARS`] characters: the random bytes alone, as keys were issued
    /// before checksums. Still accepted; a guess of this shape costs a lookup in the store.
    Legacy,
}

/// A key's secret text ([`KeyFormat`] tells its two shapes). Its `Debug` output is redacted;
/// [`KeySecret::expose`] is the one way to read it (to show it once).
#[derive(Debug, Clone)]
pub struct KeySecret {
    text: SecretString,
    format: KeyFormat,
}

impl KeySecret {
    /// The key made of `random` bytes (draw them from the operating system's generator), with
    /// its checksum.
    pub fn from_random(random: [u8; KEY_RANDOM_BYTES]) -> KeySecret {
        let mut body = [0; KEY_RANDOM_BYTES + KEY_CHECKSUM_BYTES];
        body[..KEY_RANDOM_BYTES].copy_from_slice(&random);
        body[KEY_RANDOM_BYTES..].copy_from_slice(&checksum(&random));
        let text = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(body));
        KeySecret {
            text: SecretString::from(text),
            format: KeyFormat::Checksummed,
        }
    }

    /// A key as presented by a client, checked without the store: refused as
    /// [`KeyError::Malformed`] unless it is [`KEY_PREFIX`] and URL-safe base64 of the length of
    /// a [`KeyFormat`], and as [`KeyError::Mistyped`] when its checksum does not match.
    pub fn parse(text: &str) -> Result<KeySecret, KeyError> {
        let body = text.strip_prefix(KEY_PREFIX).ok_or(KeyError::Malformed)?;
        let format = match body.len() {
            KEY_CHARS => KeyFormat::Checksummed,
            LEGACY_KEY_CHARS => KeyFormat::Legacy,
            _ => return Err(KeyError::Malformed),
        };
        match format {
            KeyFormat::Checksummed => {
                // Strict: only the alphabet, no padding (36 bytes leave no stray bits).
                let bytes = URL_SAFE_NO_PAD
                    .decode(body)
                    .map_err(|_| KeyError::Malformed)?;
                let (random, sum) = bytes.split_at(KEY_RANDOM_BYTES);
                if sum != checksum(random) {
                    return Err(KeyError::Mistyped);
                }
            }
            // As accepted before checksums: any text of the alphabet (keys were compared by
            // digest only, so even one not decoding canonically may be stored).
            KeyFormat::Legacy => {
                if !body
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(KeyError::Malformed);
                }
            }
        }
        Ok(KeySecret {
            text: SecretString::from(text.to_owned()),
            format,
        })
    }

    /// How the key was issued.
    pub fn format(&self) -> KeyFormat {
        self.format
    }

    /// The secret text, to show once to whoever created the key.
    pub fn expose(&self) -> &str {
        self.text.expose_secret()
    }

    /// What the store keeps instead of the secret (the digest of the whole text, checksum
    /// included, as for a legacy key).
    pub fn digest(&self) -> KeyDigest {
        KeyDigest(Sha256::digest(self.text.expose_secret().as_bytes()).into())
    }
}

/// The CRC-32 of a key's random bytes, big-endian.
fn checksum(random: &[u8]) -> [u8; KEY_CHECKSUM_BYTES] {
    crc32fast::hash(random).to_be_bytes()
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
    fn a_key_is_the_prefix_and_48_base64url_characters_and_parses_back() {
        let key = KeySecret::from_random([7; KEY_RANDOM_BYTES]);
        assert!(key.expose().starts_with(KEY_PREFIX));
        assert_eq!(KEY_CHARS, 48);
        assert_eq!(key.expose().len(), KEY_PREFIX.len() + KEY_CHARS);
        let presented = KeySecret::parse(key.expose()).unwrap();
        assert_eq!(presented.format(), KeyFormat::Checksummed);
        assert_eq!(presented.digest(), key.digest());
        assert_ne!(
            KeySecret::from_random([8; KEY_RANDOM_BYTES]).digest(),
            key.digest()
        );
    }

    #[test]
    fn a_key_ends_with_the_crc32_of_its_random_bytes() {
        let key = KeySecret::from_random([7; KEY_RANDOM_BYTES]);
        let bytes = URL_SAFE_NO_PAD
            .decode(&key.expose()[KEY_PREFIX.len()..])
            .unwrap();
        assert_eq!(bytes[..KEY_RANDOM_BYTES], [7; KEY_RANDOM_BYTES]);
        // CRC-32 (IEEE) of 32 bytes of 7, as Python's `zlib.crc32(bytes([7] * 32))` gives it.
        assert_eq!(bytes[KEY_RANDOM_BYTES..], 0xA3D8_24CBu32.to_be_bytes());
    }

    #[test]
    fn a_key_with_any_one_character_changed_is_refused_as_mistyped() {
        let key = KeySecret::from_random(std::array::from_fn(|i| (i * 37) as u8));
        let text = key.expose();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for at in KEY_PREFIX.len()..text.len() {
            for other in alphabet.bytes().filter(|&c| text.as_bytes()[at] != c) {
                let mut typo = text.as_bytes().to_vec();
                typo[at] = other;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(
                    KeySecret::parse(&typo).err(),
                    Some(KeyError::Mistyped),
                    "{typo} ({} at {at})",
                    other as char
                );
            }
        }
    }

    #[test]
    fn a_key_issued_before_checksums_still_parses_with_its_digest_unchanged() {
        // What `zinc keys create` printed before: the prefix and 43 characters.
        let old = "zinc_WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW";
        let key = KeySecret::parse(old).unwrap();
        assert_eq!(key.format(), KeyFormat::Legacy);
        assert_eq!(
            key.digest().as_bytes(),
            &<[u8; 32]>::from(Sha256::digest(old.as_bytes())),
            "the store finds it by the digest it was created with"
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
            // Neither length of a key.
            &format!("zinc_{}", "a".repeat(LEGACY_KEY_CHARS - 1)),
            &format!("zinc_{}", "a".repeat(KEY_CHARS + 1)),
            // The length of a key, but outside the alphabet or padded.
            &format!("zinc_{}+", "a".repeat(LEGACY_KEY_CHARS - 1)),
            &format!("zinc_{}=", "a".repeat(LEGACY_KEY_CHARS - 1)),
            &format!("zinc_{}/", "a".repeat(KEY_CHARS - 1)),
            &format!("zinc_{}=", "a".repeat(KEY_CHARS - 1)),
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
