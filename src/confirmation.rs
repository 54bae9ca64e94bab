//! What a successful operation says: values that render like errors do.

use crate::i18n::{Localize, Message};
use crate::model::{Account, Email, Group, GroupName};

crate::i18n::english_display!(
    AccountCreated,
    UserAdded,
    GroupCreated,
    GroupRenamed,
    GroupDeleted,
    AddedToGroup,
    RemovedFromGroup,
);

/// Customer Support created an account, with its built-in group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountCreated {
    /// The new account.
    pub account: Account,
}

/// *Add User* succeeded: "User bob@example.com added." (R6)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAdded {
    /// The new user's email, as typed.
    pub email: Email,
}

/// A group was created (R9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCreated {
    /// The new group.
    pub group: Group,
}

/// A group was renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRenamed {
    /// The group, with its new name.
    pub group: Group,
    /// The name it had.
    pub previous: GroupName,
}

/// A group was deleted, with its memberships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDeleted {
    /// The group as it was.
    pub group: Group,
}

/// *Add to Group* succeeded, or found the user already in the group (which
/// changes nothing and records nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedToGroup {
    /// The user.
    pub email: Email,
    /// The group.
    pub group: Group,
    /// `true` when the user was a member already.
    pub already_member: bool,
}

/// A user was taken out of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedFromGroup {
    /// The user.
    pub email: Email,
    /// The group.
    pub group: Group,
}

impl Localize for AccountCreated {
    fn message(&self) -> Message {
        Message::new("account-created").arg("account", &self.account.number)
    }
}

impl Localize for UserAdded {
    fn message(&self) -> Message {
        Message::new("user-added").arg("email", &self.email)
    }
}

impl Localize for GroupCreated {
    fn message(&self) -> Message {
        Message::new("group-created").arg("group", &self.group.name)
    }
}

impl Localize for GroupRenamed {
    fn message(&self) -> Message {
        Message::new("group-renamed")
            .arg("previous", &self.previous)
            .arg("group", &self.group.name)
    }
}

impl Localize for GroupDeleted {
    fn message(&self) -> Message {
        Message::new("group-deleted").arg("group", &self.group.name)
    }
}

impl Localize for AddedToGroup {
    fn message(&self) -> Message {
        let id = if self.already_member {
            "member-already"
        } else {
            "member-added"
        };
        Message::new(id)
            .arg("email", &self.email)
            .arg("group", &self.group.name)
    }
}

impl Localize for RemovedFromGroup {
    fn message(&self) -> Message {
        Message::new("member-removed")
            .arg("email", &self.email)
            .arg("group", &self.group.name)
    }
}
