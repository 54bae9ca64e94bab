//! What identifies a user for good: a [`UserId`], and a [`UserRef`] that
//! names a user in a record.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::{Arg, Localize, Message};
use crate::model::Email;

/// A user's identity: opaque, stable for the user's whole life (their email
/// may change), and never given to another user.
///
/// It is 128 random bits, written in the usual UUID form
/// (`0b5c3a34-8f1e-4d2a-9c77-1e2f3a4b5c6d`), which is safe in a URL and is
/// what SCIM clients expect of an `id`. Nothing may be read into it: not an
/// order, not a count, not a time.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(uuid::Uuid);

impl UserId {
    /// A fresh id from the operating system's random source, or its error.
    /// Two users getting the same one is as likely as guessing a 122-bit
    /// secret; a store refuses the second anyway
    /// ([`StoreError::Conflict`](crate::StoreError)).
    pub(crate) fn try_random() -> Result<UserId, getrandom::Error> {
        let mut bytes = [0; 16];
        getrandom::fill(&mut bytes)?;
        Ok(UserId(uuid::Builder::from_random_bytes(bytes).into_uuid()))
    }

    /// [`UserId::try_random`], for tests and fixtures.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn random() -> UserId {
        UserId::try_random().expect("the operating system has a random source")
    }

    /// The id's 16 bytes, for stores that keep it as a blob.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.into_bytes()
    }

    /// The id with these 16 bytes, as [`UserId::to_bytes`] gave them.
    pub fn from_bytes(bytes: [u8; 16]) -> UserId {
        UserId(uuid::Uuid::from_bytes(bytes))
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({self})")
    }
}

/// The text is not a user id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a user id")]
pub struct InvalidUserId;

/// Reads the hyphenated form [`Display`](fmt::Display) writes, in either case.
impl FromStr for UserId {
    type Err = InvalidUserId;

    fn from_str(text: &str) -> Result<UserId, InvalidUserId> {
        // Only the one form this crate writes: a URL path segment must not
        // have several spellings of one user.
        if text.len() != uuid::fmt::Hyphenated::LENGTH {
            return Err(InvalidUserId);
        }
        uuid::Uuid::try_parse(text)
            .map(UserId)
            .map_err(|_| InvalidUserId)
    }
}

impl Serialize for UserId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<UserId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl From<&UserId> for Arg {
    fn from(id: &UserId) -> Arg {
        Arg::Text(id.to_string())
    }
}

/// A user as a record names them: their id, and their email at the time the
/// record was made (a later change of address does not rewrite history).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserRef {
    /// Who, for good.
    pub id: UserId,
    /// Their address when the record was made.
    pub email: Email,
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.email, f)
    }
}

/// A user by their email.
impl Localize for UserRef {
    fn message(&self) -> Message {
        Message::new("actor-user").arg("email", &self.email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_from_their_text_and_serde_forms() {
        let id = UserId::random();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || b == b'-'),
            "lower-case hex and hyphens only, safe in a URL: {text}"
        );
        assert_eq!(text.parse::<UserId>(), Ok(id));
        assert_eq!(text.to_uppercase().parse::<UserId>(), Ok(id));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<UserId>(&json).unwrap(), id);
        assert_eq!(UserId::from_bytes(id.to_bytes()), id);
    }

    #[test]
    fn other_spellings_are_not_ids() {
        let id = UserId::random();
        let simple = id.to_string().replace('-', "");
        for text in [
            simple.as_str(),
            "",
            "not-a-user-id",
            &format!("{{{id}}}"),
            &format!("urn:uuid:{id}"),
            &format!(" {id}"),
        ] {
            assert_eq!(text.parse::<UserId>(), Err(InvalidUserId), "{text:?}");
        }
    }

    #[test]
    fn fresh_ids_differ() {
        let ids: std::collections::HashSet<UserId> = (0..1000).map(|_| UserId::random()).collect();
        assert_eq!(ids.len(), 1000);
    }
}
