//! Who performs an operation.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::i18n::{Label, Localize, Message};
use crate::model::Email;

/// Who performs an operation. The service authenticates its callers; the
/// directory decides what each may do (R2, R3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Actor {
    /// Customer Support: an operator of the service, not a user of any
    /// account. Creates accounts and may administer any of them.
    Support,
    /// A user, who may administer the accounts whose *Account
    /// Administrators* group they are in.
    User(Email),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Support => f.write_str("Customer Support"),
            Actor::User(email) => fmt::Display::fmt(email, f),
        }
    }
}

/// Customer Support by its localized name; a user by their email.
impl Localize for Actor {
    fn message(&self) -> Message {
        match self {
            Actor::Support => Label::CustomerSupport.message(),
            Actor::User(email) => Message::new("actor-user").arg("email", email),
        }
    }
}
