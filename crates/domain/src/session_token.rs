//! Dashboard sessions: what a browser keeps instead of an API key.
//!
//! Signing in to the dashboard with a key opens a session of its own: a [`SessionToken`] of
//! [`SESSION_RANDOM_BYTES`] fresh random bytes (nothing of the key is in it) followed by their
//! CRC-32, in URL-safe base64 ([`SESSION_TOKEN_CHARS`] characters). The store keeps only its
//! SHA-256 ([`SessionDigest`]), so a copy of the store opens no session; the checksum lets a
//! forged token be refused without asking the store.
//!
//! ```
//! use zinc_domain::{SessionToken, SessionTokenError};
//!
//! let token = SessionToken::from_random([9; 32]);
//! let presented = SessionToken::parse(token.expose())?;
//! assert_eq!(presented.digest(), token.digest());
//! assert_eq!(SessionToken::parse("made-up").err(), Some(SessionTokenError::Malformed));
//! # Ok::<(), SessionTokenError>(())
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::api_key::{KEY_CHECKSUM_BYTES, checksum};

/// How many sessions one key may have open at once: signing in once more ends its oldest, so
/// that a key signing in again and again cannot grow the store without bound.
pub const SESSIONS_PER_KEY: usize = 16;

/// How many random bytes a session token carries.
pub const SESSION_RANDOM_BYTES: usize = 32;
/// How many characters a session token has: its random bytes and their checksum in URL-safe
/// base64.
pub const SESSION_TOKEN_CHARS: usize = (SESSION_RANDOM_BYTES + KEY_CHECKSUM_BYTES) * 4 / 3;

/// Why a presented session token was refused (without asking the store).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SessionTokenError {
    /// Not [`SESSION_TOKEN_CHARS`] characters of URL-safe base64.
    #[error("not a session token")]
    Malformed,
    /// The shape of a token, but its checksum does not match: made up or damaged.
    #[error("not a valid session token (its checksum does not match)")]
    Mistyped,
}

/// The secret a browser holds for one dashboard session. Its `Debug` output is redacted;
/// [`SessionToken::expose`] is the one way to read it (to put it in the cookie).
#[derive(Debug, Clone)]
pub struct SessionToken(SecretString);

impl SessionToken {
    /// The token made of `random` bytes (draw them from the operating system's generator).
    pub fn from_random(random: [u8; SESSION_RANDOM_BYTES]) -> SessionToken {
        let mut body = [0; SESSION_RANDOM_BYTES + KEY_CHECKSUM_BYTES];
        body[..SESSION_RANDOM_BYTES].copy_from_slice(&random);
        body[SESSION_RANDOM_BYTES..].copy_from_slice(&checksum(&random));
        SessionToken(SecretString::from(URL_SAFE_NO_PAD.encode(body)))
    }

    /// A token as a browser presented it, checked without the store.
    pub fn parse(text: &str) -> Result<SessionToken, SessionTokenError> {
        if text.len() != SESSION_TOKEN_CHARS {
            return Err(SessionTokenError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| SessionTokenError::Malformed)?;
        let (random, sum) = bytes.split_at(SESSION_RANDOM_BYTES);
        if sum != checksum(random) {
            return Err(SessionTokenError::Mistyped);
        }
        Ok(SessionToken(SecretString::from(text.to_owned())))
    }

    /// The token's text, for the browser's cookie.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// What the store keeps instead of the token.
    pub fn digest(&self) -> SessionDigest {
        SessionDigest(Sha256::digest(self.0.expose_secret().as_bytes()).into())
    }
}

/// The SHA-256 digest of a [`SessionToken`]: how the store finds a session without knowing
/// its token.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionDigest([u8; 32]);

impl SessionDigest {
    /// A digest as stored.
    pub fn from_bytes(bytes: [u8; 32]) -> SessionDigest {
        SessionDigest(bytes)
    }

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SessionDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionDigest(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_48_base64url_characters_and_parses_back_to_its_digest() {
        let token = SessionToken::from_random([7; SESSION_RANDOM_BYTES]);
        assert_eq!(token.expose().len(), 48);
        assert!(
            token
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let presented = SessionToken::parse(token.expose()).unwrap();
        assert_eq!(presented.digest(), token.digest());
        assert_eq!(
            token.digest().as_bytes(),
            &<[u8; 32]>::from(Sha256::digest(token.expose().as_bytes()))
        );
    }

    #[test]
    fn a_token_with_one_character_changed_is_refused_without_the_store() {
        let token = SessionToken::from_random(std::array::from_fn(|i| (i * 53) as u8));
        let text = token.expose();
        for at in 0..text.len() {
            let mut typo = text.as_bytes().to_vec();
            typo[at] = if typo[at] == b'A' { b'B' } else { b'A' };
            let typo = String::from_utf8(typo).unwrap();
            assert_eq!(
                SessionToken::parse(&typo).err(),
                Some(SessionTokenError::Mistyped),
                "{typo}"
            );
        }
    }

    #[test]
    fn refuses_text_that_cannot_be_a_token() {
        let good = SessionToken::from_random([1; SESSION_RANDOM_BYTES]);
        for text in [
            "",
            "zinc_session",
            &good.expose()[1..],
            &format!("{}A", good.expose()),
            &format!("{}+", &good.expose()[1..]),
            &format!("{}=", &good.expose()[1..]),
        ] {
            assert_eq!(
                SessionToken::parse(text).err(),
                Some(SessionTokenError::Malformed),
                "{text:?}"
            );
        }
    }

    #[test]
    fn debug_output_never_shows_a_token_or_its_digest() {
        let token = SessionToken::from_random([7; SESSION_RANDOM_BYTES]);
        let shown = format!("{token:?} {:?}", token.digest());
        assert!(!shown.contains(token.expose()), "{shown}");
        assert!(!shown.contains("7, 7"), "{shown}");
    }
}
