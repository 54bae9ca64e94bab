//! Email addresses: the identity of users (the guide's *User Id*).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::i18n::Arg;
use crate::input::{Field, InvalidInput, Problem};
use crate::model::text;

/// A parsed email address.
///
/// Two addresses are the same user when they are equal ignoring ASCII case
/// and surrounding white space (R4); the form as typed is kept for display.
///
/// Accepted: `local@domain`, at most [`Email::MAX_LEN`] characters, ASCII only
/// (an internationalised domain is given in its `xn--` form), a local part of
/// at most 64 characters from the RFC 5322 *dot-atom* set without leading,
/// trailing or doubled dots (quoted local parts are refused), and a domain of
/// dot-separated labels of letters, digits and inner hyphens, each at most 63
/// long.
///
/// Surrounding white space is any Unicode white space, so a no-break space,
/// U+3000 or a line break at either end is trimmed too; a byte order mark or
/// another zero-width character is refused wherever it is. A domain may be
/// one label (`bob@localhost`) and labels may be all digits
/// (`bob@127.0.0.1`); an address literal (`bob@[127.0.0.1]`) is refused.
/// `xn--` labels are checked like any other label, not decoded.
///
/// ```
/// use cres_admin::Email;
/// let typed = Email::parse(" Bob@Example.com ")?;
/// assert_eq!(typed.as_str(), "Bob@Example.com");
/// assert_eq!(typed.identity(), "bob@example.com");
/// assert_eq!(typed, Email::parse("bob@example.COM")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email {
    /// Shared, not copied, by every clone: an address is named in audit
    /// records, confirmations and references over and over.
    typed: Arc<str>,
    /// The identity when it differs from `typed` (an address typed with
    /// capitals); `None` saves a second copy of the usual all-lower-case one.
    lower: Option<Arc<str>>,
}

impl Email {
    /// The longest address accepted, in characters (RFC 5321's path limit).
    pub const MAX_LEN: usize = 254;
    const MAX_LOCAL_LEN: usize = 64;
    const MAX_LABEL_LEN: usize = 63;

    /// Parses an address; errors name [`Field::Email`] (see [`Email::parse_field`]).
    ///
    /// # Errors
    /// As [`Email::parse_field`].
    pub fn parse(input: &str) -> Result<Email, InvalidInput> {
        Self::parse_field(input, Field::Email)
    }

    /// Parses an address entered in `field`.
    ///
    /// # Errors
    /// An [`InvalidInput`] in `field`: empty, too long, white space or a
    /// character outside ASCII, not exactly one `@`, or a malformed local
    /// part or domain.
    pub fn parse_field(input: &str, field: Field) -> Result<Email, InvalidInput> {
        let refuse = |problem| Err(InvalidInput::new(field, problem));
        let typed = text::clean(input, field, Self::MAX_LEN)?;
        if typed.chars().any(char::is_whitespace) {
            return refuse(Problem::Whitespace);
        }
        if !typed.is_ascii() {
            return refuse(Problem::NonAscii);
        }
        let Some((local, domain)) = typed.split_once('@') else {
            return refuse(Problem::AtSign);
        };
        if domain.contains('@') {
            return refuse(Problem::AtSign);
        }
        if !is_dot_atom(local, Self::MAX_LOCAL_LEN) {
            return refuse(Problem::LocalPart);
        }
        if !domain
            .split('.')
            .all(|label| is_dns_label(label, Self::MAX_LABEL_LEN))
        {
            return refuse(Problem::Domain);
        }
        Ok(Email::from_stored(typed))
    }

    /// The address as typed (trimmed), for display.
    pub fn as_str(&self) -> &str {
        &self.typed
    }

    /// An address a store kept, read back as it was stored (see
    /// [`Name::from_stored`](crate::Name)).
    pub(crate) fn from_stored(typed: &str) -> Email {
        Email {
            lower: typed
                .bytes()
                .any(|b| b.is_ascii_uppercase())
                .then(|| typed.to_ascii_lowercase().into()),
            typed: typed.into(),
        }
    }

    /// The identity: the address in lower case. Equal identities are one user.
    pub fn identity(&self) -> &str {
        self.lower.as_deref().unwrap_or(&self.typed)
    }

    /// The part before the `@`, as typed.
    pub fn local_part(&self) -> &str {
        self.typed.split_once('@').map_or("", |(local, _)| local)
    }
}

fn is_dot_atom(local: &str, max_len: usize) -> bool {
    const SPECIALS: &[u8] = b"!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= max_len
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || SPECIALS.contains(&b))
        })
}

fn is_dns_label(label: &str, max_len: usize) -> bool {
    !label.is_empty()
        && label.len() <= max_len
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for Email {}

impl Hash for Email {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl PartialOrd for Email {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Email {
    fn cmp(&self, other: &Self) -> Ordering {
        self.identity().cmp(other.identity())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.typed)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.typed, f)
    }
}

impl std::str::FromStr for Email {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidInput;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.typed.as_ref().into()
    }
}

impl From<&Email> for Arg {
    fn from(email: &Email) -> Arg {
        Arg::Text(email.as_str().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(input: &str) -> Option<Problem> {
        Email::parse(input).err().map(|e| e.problem)
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "a@b",
            "bob@example.com",
            "first.last+tag@sub.example-1.org",
            "x@xn--bcher-kva.de",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        assert_eq!(problem(""), Some(Problem::Empty));
        assert_eq!(problem("bob"), Some(Problem::AtSign));
        assert_eq!(problem("a@b@c"), Some(Problem::AtSign));
        assert_eq!(problem("@example.com"), Some(Problem::LocalPart));
        assert_eq!(problem(".bob@example.com"), Some(Problem::LocalPart));
        assert_eq!(problem("b..ob@example.com"), Some(Problem::LocalPart));
        assert_eq!(problem("\"bob\"@example.com"), Some(Problem::LocalPart));
        assert_eq!(problem("bob@"), Some(Problem::Domain));
        assert_eq!(problem("bob@-example.com"), Some(Problem::Domain));
        assert_eq!(problem("bob@example..com"), Some(Problem::Domain));
        assert_eq!(problem("bob @example.com"), Some(Problem::Whitespace));
        assert_eq!(
            problem("bob\r\n@example.com"),
            Some(Problem::ControlCharacter)
        );
        assert_eq!(
            problem("bob\u{200D}@example.com"),
            Some(Problem::InvisibleCharacter)
        );
        assert_eq!(problem("bоb@example.com"), Some(Problem::NonAscii));
        assert_eq!(
            problem(&format!("{}@example.com", "a".repeat(65))),
            Some(Problem::LocalPart)
        );
        assert_eq!(
            problem(&format!("a@{}.com", "b".repeat(64))),
            Some(Problem::Domain)
        );
        assert_eq!(
            problem(&format!("a@{}", "b".repeat(1 << 20))),
            Some(Problem::TooLong {
                max: Email::MAX_LEN
            })
        );
    }

    #[test]
    fn identity_ignores_case_and_surrounding_space() {
        let a = Email::parse("  Alice@Example.COM").unwrap();
        let b = Email::parse("alice@example.com").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "Alice@Example.COM");
        assert_eq!(a.local_part(), "Alice");
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let email = Email::parse("Bob@Example.com").unwrap();
        let json = serde_json::to_string(&email).unwrap();
        assert_eq!(json, "\"Bob@Example.com\"");
        assert_eq!(
            serde_json::from_str::<Email>(&json).unwrap().as_str(),
            "Bob@Example.com"
        );
        assert!(serde_json::from_str::<Email>("\"not an email\"").is_err());
    }
}
