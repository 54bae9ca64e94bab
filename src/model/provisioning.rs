//! Provisioning: the credentials an identity provider (Okta, Entra ID…)
//! uses to manage one account's users, and the names it knows them by.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::input::{Field, InvalidInput};
use crate::model::{AccountNumber, ActorRecord, Name, UserId, text};

/// What an identity provider holding a provisioning token is: the client of
/// one account, known by its token's id. The directory checks on every
/// operation that the token still exists, so revoking it stops the client
/// at once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Provisioner {
    /// The only account it may act on.
    pub account: AccountNumber,
    /// Its token's public id.
    pub token: String,
}

/// A provisioning token as the audit trail records its use: the account,
/// the token's public id and the description it was issued with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProvisionerRef {
    /// The account it acts for.
    pub account: AccountNumber,
    /// The token's public id.
    pub token: String,
    /// What the administrator called it when issuing it ("Okta").
    pub description: Name,
}

impl fmt::Display for ProvisionerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description, self.token)
    }
}

/// A provisioning token as the store keeps it: its public id, the SHA-256
/// of its secret part (which neither `Debug` nor the serde form shows), and
/// who issued it for which account.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct ProvisioningCredential {
    /// The token's public part, base64url: unique in the store.
    pub id: String,
    /// SHA-256 of the token's secret part.
    #[serde(skip)]
    pub verifier_hash: [u8; 32],
    /// The account the token acts for.
    pub account: AccountNumber,
    /// What the administrator called it.
    pub description: Name,
    /// Who issued it.
    pub issued_by: ActorRecord,
    /// When.
    pub issued_at: DateTime<Utc>,
}

impl ProvisioningCredential {
    /// How the audit trail names a client using this token.
    pub fn to_ref(&self) -> ProvisionerRef {
        ProvisionerRef {
            account: self.account,
            token: self.id.clone(),
            description: self.description.clone(),
        }
    }
}

impl fmt::Debug for ProvisioningCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProvisioningCredential")
            .field("id", &self.id)
            .field("account", &self.account)
            .field("description", &self.description)
            .field("issued_by", &self.issued_by)
            .field("issued_at", &self.issued_at)
            .finish_non_exhaustive()
    }
}

/// A SCIM `userName`: kept exactly as the identity provider sent it
/// (trimmed), unique in its account ignoring case. It need not be an
/// address: Entra ID sends a user principal name, test suites send words.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(Box<str>);

impl UserName {
    /// The longest accepted, in characters.
    pub const MAX_CHARS: usize = 256;

    /// Parses a `userName`.
    ///
    /// # Errors
    /// [`InvalidInput`] in [`Field::UserName`]: empty, too long, or with
    /// control or invisible characters.
    pub fn parse(input: &str) -> Result<UserName, InvalidInput> {
        text::clean(input, Field::UserName, Self::MAX_CHARS).map(|name| UserName(name.into()))
    }

    /// A `userName` a store kept, read back as it was stored.
    pub fn from_stored(text: &str) -> UserName {
        UserName(text.into())
    }

    /// The name as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What uniqueness and `eq` filters compare: the name in lower case.
    pub fn key(&self) -> String {
        key(&self.0)
    }
}

/// The lower-case key of a `userName`, as [`UserName::key`] computes it:
/// what a store indexes and a lookup asks for.
pub fn user_name_key(text: &str) -> String {
    key(text)
}

fn key(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

/// A SCIM `externalId`: the identity provider's own id for the user, kept
/// exactly as sent and compared exactly (RFC 7643 §3.1: case-exact),
/// unique in its account.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalId(Box<str>);

impl ExternalId {
    /// The longest accepted, in characters.
    pub const MAX_CHARS: usize = 256;

    /// Parses an `externalId`.
    ///
    /// # Errors
    /// [`InvalidInput`] in [`Field::ExternalId`]: empty, too long, or with
    /// control or invisible characters.
    pub fn parse(input: &str) -> Result<ExternalId, InvalidInput> {
        text::clean(input, Field::ExternalId, Self::MAX_CHARS).map(|id| ExternalId(id.into()))
    }

    /// An `externalId` a store kept, read back as it was stored.
    pub fn from_stored(text: &str) -> ExternalId {
        ExternalId(text.into())
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_impls {
    ($type:ident) => {
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }

        impl TryFrom<String> for $type {
            type Error = InvalidInput;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                $type::parse(&value)
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> String {
                value.0.into()
            }
        }
    };
}
text_impls!(UserName);
text_impls!(ExternalId);

/// What one account's identity provider calls one of its users: the SCIM
/// `userName`, `externalId` and `displayName`, and when the provider last changed the
/// user. A user has at most one per account; a user the provider never
/// touched has none, and is known by their email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIdentity {
    /// The account whose provider uses these names.
    pub account: AccountNumber,
    /// The user.
    pub user: UserId,
    /// The `userName`, unique in the account ignoring case.
    pub user_name: UserName,
    /// The `externalId`, unique in the account, if the provider sent one.
    pub external_id: Option<ExternalId>,
    /// The `displayName`, how the provider shows the user, if it sent one.
    pub display_name: Option<Name>,
    /// When the provider last created or changed the user.
    pub modified_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Problem;

    #[test]
    fn user_names_keep_their_case_and_compare_without_it() {
        let name = UserName::parse("  Bjørn.Ås@Example.COM ").unwrap();
        assert_eq!(name.as_str(), "Bjørn.Ås@Example.COM");
        assert_eq!(name.key(), "bjørn.ås@example.com");
        assert_eq!(user_name_key("ANN"), UserName::parse("ann").unwrap().key());
        assert_eq!(UserName::parse(" ").unwrap_err().problem, Problem::Empty);
        assert_eq!(
            UserName::parse("a\u{200B}b").unwrap_err().problem,
            Problem::InvisibleCharacter
        );
        let long = "x".repeat(UserName::MAX_CHARS + 1);
        assert_eq!(UserName::parse(&long).unwrap_err().field, Field::UserName);
    }

    #[test]
    fn external_ids_are_kept_as_sent() {
        let id = ExternalId::parse("00u1AbC").unwrap();
        assert_eq!(id.as_str(), "00u1AbC");
        assert_ne!(id, ExternalId::parse("00u1abc").unwrap());
        assert_eq!(
            ExternalId::parse("\n").unwrap_err().field,
            Field::ExternalId
        );
    }

    #[test]
    fn a_credential_shows_no_hash() {
        let credential = ProvisioningCredential {
            id: "abc".into(),
            verifier_hash: [0xAB; 32],
            account: AccountNumber::new(12345),
            description: Name::from_stored("Okta"),
            issued_by: ActorRecord::Support,
            issued_at: DateTime::UNIX_EPOCH,
        };
        let shown = format!(
            "{credential:?}{}",
            serde_json::to_string(&credential).unwrap()
        );
        assert!(!shown.contains("ab, ") && !shown.contains("171"), "{shown}");
        assert_eq!(credential.to_ref().to_string(), "Okta (abc)");
    }
}
