//! What a successful operation says: values that render like errors do.

use crate::i18n::{Localize, Message};
use chrono::{DateTime, Utc};

use crate::credentials::{ProvisioningToken, RegistrationToken};
use crate::i18n::Arg;
use crate::model::{
    Account, Email, Group, GroupName, Name, PasswordChangeTicket, ProvisioningCredential,
    UserProfile, UserRef,
};

crate::i18n::english_display!(
    ProvisioningTokenIssued,
    ProvisioningTokenRevoked,
    AccountCreated,
    AccountRenamed,
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

/// Customer Support renamed an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRenamed {
    /// The account, with its new name.
    pub account: Account,
    /// The name it had before.
    pub previous: Name,
}

/// *Add User* succeeded: "User bob@example.com added." (R6)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAdded {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
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
    /// The user: their id, and their email as stored.
    pub user: UserRef,
    /// The group.
    pub group: Group,
    /// `true` when the user was a member already.
    pub already_member: bool,
}

/// A user was taken out of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedFromGroup {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
    /// The group.
    pub group: Group,
}

impl Localize for AccountCreated {
    fn message(&self) -> Message {
        Message::new("account-created").arg("account", &self.account.number)
    }
}

impl Localize for AccountRenamed {
    fn message(&self) -> Message {
        Message::new("account-renamed")
            .arg("account", &self.account.number)
            .arg("previous", Arg::Text(self.previous.as_str().to_owned()))
            .arg("name", Arg::Text(self.account.name.as_str().to_owned()))
    }
}

impl Localize for UserAdded {
    fn message(&self) -> Message {
        Message::new("user-added").arg("email", &self.user.email)
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
            .arg("email", &self.user.email)
            .arg("group", &self.group.name)
    }
}

impl Localize for RemovedFromGroup {
    fn message(&self) -> Message {
        Message::new("member-removed")
            .arg("email", &self.user.email)
            .arg("group", &self.group.name)
    }
}

/// The outcome of a successful password check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignIn {
    /// The user is signed in. The profile carries nothing about the
    /// password or sign-in bookkeeping.
    SignedIn(Box<UserProfile>),
    /// The password was right but temporary: the user is not let in until
    /// they choose a permanent one with the ticket (R7).
    PermanentPasswordRequired(PasswordChangeTicket),
}

/// A user's password was changed by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChanged {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
}

/// An administrator gave a user a new temporary password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
}

/// An administrator lifted a user's locks and cleared their failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUnlocked {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
}

crate::i18n::english_display!(SignIn, PasswordChanged, PasswordReset, UserUnlocked);

impl Localize for SignIn {
    fn message(&self) -> Message {
        match self {
            SignIn::SignedIn(user) => Message::new("signed-in").arg("email", &user.email),
            SignIn::PermanentPasswordRequired(_) => Message::new("permanent-password-required"),
        }
    }
}

impl Localize for PasswordChanged {
    fn message(&self) -> Message {
        Message::new("password-changed")
    }
}

impl Localize for PasswordReset {
    fn message(&self) -> Message {
        Message::new("password-reset").arg("email", &self.user.email)
    }
}

impl Localize for UserUnlocked {
    fn message(&self) -> Message {
        Message::new("user-unlocked").arg("email", &self.user.email)
    }
}

/// What sending a secure message did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SecureMessageSent {
    /// The recipient had no user: a registration token was issued (and any
    /// earlier one for the address stopped working). Put it in the link.
    RegistrationIssued {
        /// The recipient.
        email: Email,
        /// The token, shown this once.
        token: RegistrationToken,
        /// When it stops working.
        expires_at: DateTime<Utc>,
    },
    /// The recipient already has a user and can sign in to open the
    /// message; nothing was recorded.
    RecipientHasUser {
        /// The recipient.
        email: Email,
    },
}

/// The recipient registered: they are a user now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
}

/// A pending registration was revoked: its token no longer works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRevoked {
    /// The recipient.
    pub email: Email,
}

/// Expired pending registrations were purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationsPurged {
    /// How many.
    pub count: u64,
}

crate::i18n::english_display!(
    SecureMessageSent,
    Registered,
    RegistrationRevoked,
    RegistrationsPurged
);

impl Localize for RegistrationsPurged {
    fn message(&self) -> Message {
        Message::new("registrations-purged").arg("count", Arg::Count(self.count))
    }
}

impl Localize for SecureMessageSent {
    fn message(&self) -> Message {
        match self {
            SecureMessageSent::RegistrationIssued { email, .. } => {
                Message::new("secure-message-registration").arg("email", email)
            }
            SecureMessageSent::RecipientHasUser { email } => {
                Message::new("secure-message-existing-user").arg("email", email)
            }
        }
    }
}

impl Localize for Registered {
    fn message(&self) -> Message {
        Message::new("registered").arg("email", &self.user.email)
    }
}

impl Localize for RegistrationRevoked {
    fn message(&self) -> Message {
        Message::new("registration-revoked").arg("email", &self.email)
    }
}

/// An administrator disabled a user (or found them disabled already, which
/// changes nothing and records nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDisabled {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
    /// `true` when the user was disabled already.
    pub already_disabled: bool,
}

/// An administrator enabled a user (or found them active already, which
/// changes nothing and records nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEnabled {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
    /// `true` when the user was active already.
    pub already_active: bool,
}

/// An administrator deleted a user, with their memberships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDeleted {
    /// The user as they were: their id, and their email.
    pub user: UserRef,
}

/// An administrator changed a user's names (the same names change nothing
/// and record nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRenamed {
    /// The user: their id, and their email as stored.
    pub user: UserRef,
    /// The first name before.
    pub previous_first_name: Name,
    /// The last name before.
    pub previous_last_name: Name,
    /// The first name now.
    pub first_name: Name,
    /// The last name now.
    pub last_name: Name,
}

/// An administrator changed a user's email address (the same address, as
/// typed, changes nothing and records nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChanged {
    /// The user: their id, and their new email.
    pub user: UserRef,
    /// The address before.
    pub previous: Email,
}

crate::i18n::english_display!(
    UserDisabled,
    UserEnabled,
    UserDeleted,
    UserRenamed,
    EmailChanged
);

impl Localize for UserDisabled {
    fn message(&self) -> Message {
        Message::new("user-disabled").arg("email", &self.user.email)
    }
}

impl Localize for UserEnabled {
    fn message(&self) -> Message {
        Message::new("user-enabled").arg("email", &self.user.email)
    }
}

impl Localize for UserDeleted {
    fn message(&self) -> Message {
        Message::new("user-deleted").arg("email", &self.user.email)
    }
}

impl Localize for UserRenamed {
    fn message(&self) -> Message {
        Message::new("user-renamed")
            .arg("email", &self.user.email)
            .arg("first", &self.first_name)
            .arg("last", &self.last_name)
    }
}

impl Localize for EmailChanged {
    fn message(&self) -> Message {
        Message::new("email-changed")
            .arg("from", &self.previous)
            .arg("to", &self.user.email)
    }
}

/// A provisioning token was issued: "Provisioning token Okta issued. Copy
/// it now: it is shown only once."
#[derive(Debug, Clone)]
pub struct ProvisioningTokenIssued {
    /// The token, to give to the identity provider: the only time anyone
    /// sees it.
    pub token: ProvisioningToken,
    /// What the store keeps of it.
    pub credential: ProvisioningCredential,
}

impl Localize for ProvisioningTokenIssued {
    fn message(&self) -> Message {
        Message::new("provisioning-token-issued").arg(
            "description",
            Arg::Text(self.credential.description.to_string()),
        )
    }
}

/// A provisioning token was revoked: its client can do nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisioningTokenRevoked {
    /// The token that stopped working.
    pub credential: ProvisioningCredential,
}

impl Localize for ProvisioningTokenRevoked {
    fn message(&self) -> Message {
        Message::new("provisioning-token-revoked").arg(
            "description",
            Arg::Text(self.credential.description.to_string()),
        )
    }
}
