//! Who performs an operation, and who is recorded as having performed it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::i18n::{Arg, Label, Localize, Message};
use crate::model::{Provisioner, ProvisionerRef, UserId, UserRef};

/// Who performs an operation: the authority the directory checks (R2, R3,
/// R13). The service authenticates its callers and constructs an `Actor` on
/// purpose; it is deliberately not deserializable, so that Customer Support
/// can never come out of request or session data. What the directory
/// records about an actor is an [`ActorRecord`].
///
/// ```compile_fail
/// // Request or session data can never become Customer Support:
/// let actor: cres_admin::Actor = serde_json::from_str("\"support\"").unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Actor {
    /// Customer Support: an operator of the service, not a user of any
    /// account. Creates accounts and may administer any of them.
    Support,
    /// A signed-in user, by id (never by email: an address can change
    /// hands, a [`UserId`] never does). They may administer the accounts
    /// whose *Account Administrators* group they are in.
    User(UserId),
    /// An identity provider's SCIM client, holding a provisioning token of
    /// one account: it may act only on that account, as its administrators
    /// may, and only while the token exists. Get one from
    /// [`Directory::authenticate_provisioner`](crate::Directory::authenticate_provisioner).
    Provisioner(Provisioner),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Support => f.write_str("Customer Support"),
            Actor::User(id) => write!(f, "user {id}"),
            Actor::Provisioner(client) => {
                write!(
                    f,
                    "provisioning token {} of account {}",
                    client.token, client.account
                )
            }
        }
    }
}

/// Who did something, as the audit trail, a user's creation and a pending
/// registration record it. A record carries no authority: it can be read
/// back from a store, but never turned into an [`Actor`].
///
/// ```
/// // The same text that cannot become an `Actor` reads back as a record.
/// let record: cres_admin::ActorRecord = serde_json::from_str("\"support\"")?;
/// assert_eq!(record, cres_admin::ActorRecord::Support);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActorRecord {
    /// Customer Support.
    Support,
    /// A user: their id, and their email at the time.
    User(UserRef),
    /// Someone who was not signed in: the failed sign-ins that lock a user
    /// out are recorded as theirs, never as the victim's.
    Unauthenticated,
    /// An identity provider, by the provisioning token it used.
    Provisioner(ProvisionerRef),
}

impl fmt::Display for ActorRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActorRecord::Support => f.write_str("Customer Support"),
            ActorRecord::User(user) => fmt::Display::fmt(user, f),
            ActorRecord::Unauthenticated => f.write_str("Failed sign-in attempts"),
            ActorRecord::Provisioner(client) => write!(f, "Provisioning by {client}"),
        }
    }
}

/// Customer Support and unauthenticated callers by their localized names; a
/// user by their email.
impl Localize for ActorRecord {
    fn message(&self) -> Message {
        match self {
            ActorRecord::Support => Label::CustomerSupport.message(),
            ActorRecord::User(user) => user.message(),
            ActorRecord::Unauthenticated => Message::new("actor-unauthenticated"),
            ActorRecord::Provisioner(client) => Message::new("actor-provisioner")
                .arg("description", Arg::Text(client.description.to_string()))
                .arg("token", Arg::Text(client.token.clone())),
        }
    }
}
