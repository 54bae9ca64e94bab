//! Groups of users inside an account.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::{Arg, Localize, Message};
use crate::model::{AccountNumber, Name};

/// Identifies a group: its account and its number inside that account.
///
/// Numbers are given by the store in creation order and never reused; the
/// built-in *Account Administrators* group is number 1 of every account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupId {
    /// The account the group belongs to.
    pub account: AccountNumber,
    /// The group's number inside the account.
    pub number: u32,
}

impl GroupId {
    /// The number of the built-in *Account Administrators* group.
    pub const ADMINISTRATORS_NUMBER: u32 = 1;

    /// The built-in *Account Administrators* group of `account`.
    pub const fn administrators(account: AccountNumber) -> GroupId {
        GroupId {
            account,
            number: Self::ADMINISTRATORS_NUMBER,
        }
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.number)
    }
}

/// A group's name: the built-in one, shown in the reader's language, or one an
/// administrator chose, never translated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupName {
    /// The built-in *Account Administrators* group (R1).
    AccountAdministrators,
    /// A group an administrator created (R9).
    Custom(Name),
}

impl GroupName {
    /// The name for comparisons that ignore case: two groups of an account
    /// may not share it.
    ///
    /// It is the name in lower case ([`str::to_lowercase`]) and nothing
    /// more: a look-alike from another script (a Cyrillic `а` for the Latin
    /// `a`) makes another name, and so does the built-in group's name in
    /// another language.
    pub fn key(&self) -> String {
        match self {
            GroupName::AccountAdministrators => "account administrators".to_owned(),
            GroupName::Custom(name) => name.key(),
        }
    }
}

/// Built-in names render in the reader's language; names administrators gave
/// render exactly as typed, never translated.
impl Localize for GroupName {
    fn message(&self) -> Message {
        match self {
            GroupName::AccountAdministrators => Message::new("group-account-administrators"),
            GroupName::Custom(name) => {
                Message::new("group-custom-name").arg("name", Arg::Text(name.as_str().to_owned()))
            }
        }
    }
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupName::AccountAdministrators => f.write_str("Account Administrators"),
            GroupName::Custom(name) => f.write_str(name.as_str()),
        }
    }
}

/// A group of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Its id, which names its account.
    pub id: GroupId,
    /// Its name.
    pub name: GroupName,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Group {
    /// `true` for the built-in *Account Administrators* group, which cannot
    /// be deleted or renamed.
    pub fn is_built_in(&self) -> bool {
        self.name == GroupName::AccountAdministrators
    }
}

/// A group with its number of members, as listed on the account's *Groups* page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// The group.
    pub group: Group,
    /// How many users are in it.
    pub members: usize,
}
