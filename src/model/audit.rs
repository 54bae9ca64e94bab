//! The audit trail (R11).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{
    AccountNumber, ActorRecord, Email, ExternalId, GroupId, GroupName, Name, ProvisionerRef,
    UserId, UserName, UserRef,
};

/// What a change did, and to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
#[non_exhaustive]
pub enum Action {
    /// The account was created, with its built-in group.
    AccountCreated,
    /// A user was added (*Add User*).
    UserAdded {
        /// The new user.
        user: UserRef,
        /// Whether the password was made temporary.
        temporary_password: bool,
    },
    /// A group was created.
    GroupCreated {
        /// The group.
        group: GroupId,
        /// Its name.
        name: GroupName,
    },
    /// A group was renamed.
    GroupRenamed {
        /// The group.
        group: GroupId,
        /// The name before.
        from: GroupName,
        /// The name after.
        to: GroupName,
    },
    /// A group was deleted, with its memberships.
    GroupDeleted {
        /// The group.
        group: GroupId,
        /// Its name.
        name: GroupName,
    },
    /// A user was put into a group (*Add to Group*).
    MemberAdded {
        /// The group.
        group: GroupId,
        /// The user.
        user: UserRef,
    },
    /// A user set a new password (the permanent one after a temporary one,
    /// or a change).
    PasswordChanged {
        /// The user.
        user: UserRef,
    },
    /// An administrator gave a user a new temporary password.
    PasswordReset {
        /// The user.
        user: UserRef,
    },
    /// Too many failed sign-ins locked the user out: from one source, or
    /// from every source once the user's ceiling was reached (R15).
    /// Recorded with [`ActorRecord::Unauthenticated`] as actor, in the trail
    /// of every account that governs the user.
    UserLocked {
        /// The user.
        user: UserRef,
        /// Sign-in is refused until then.
        until: DateTime<Utc>,
        /// `true` when every source is locked out, `false` for one source.
        every_source: bool,
    },
    /// An administrator lifted a user's lock.
    UserUnlocked {
        /// The user.
        user: UserRef,
    },
    /// A secure message was sent to an address with no user, issuing a
    /// registration token (R8).
    SecureMessageSent {
        /// The recipient.
        email: Email,
        /// Whether it replaced an earlier token for the address.
        resent: bool,
    },
    /// A pending registration of this account ended without being used:
    /// the address registered through another message, or an administrator
    /// of this account added it as a user (R14). Which other account, if
    /// any, is not recorded.
    RegistrationEnded {
        /// The recipient.
        email: Email,
    },
    /// Expired pending registrations of this account were purged.
    RegistrationsPurged {
        /// How many.
        count: u64,
    },
    /// A pending registration was revoked.
    RegistrationRevoked {
        /// The recipient.
        email: Email,
    },
    /// The recipient of a secure message registered and became a user.
    UserRegistered {
        /// The new user.
        user: UserRef,
    },
    /// A user was taken out of a group.
    MemberRemoved {
        /// The group.
        group: GroupId,
        /// The user.
        user: UserRef,
    },
    /// An administrator disabled a user: their status went from active to
    /// disabled, so they can no longer sign in.
    UserDisabled {
        /// The user, by id and email at the time.
        user: UserRef,
    },
    /// An administrator enabled a disabled user: their status went from
    /// disabled to active.
    UserEnabled {
        /// The user, by id and email at the time.
        user: UserRef,
    },
    /// An administrator deleted a user, with their memberships. The trail
    /// keeps what it recorded under the id, which no one else will have.
    UserDeleted {
        /// The user, by id and email at the time.
        user: UserRef,
    },
    /// An administrator changed a user's first or last name.
    UserRenamed {
        /// The user, by id and email at the time.
        user: UserRef,
        /// The first name before.
        from_first: Name,
        /// The last name before.
        from_last: Name,
        /// The first name after.
        to_first: Name,
        /// The last name after.
        to_last: Name,
    },
    /// An administrator changed a user's email address.
    EmailChanged {
        /// The user.
        user: UserId,
        /// The address before.
        from: Email,
        /// The address after.
        to: Email,
    },
    /// An administrator issued a provisioning token for the account.
    ProvisioningTokenIssued {
        /// The token, by its public id and description.
        token: ProvisionerRef,
    },
    /// An administrator revoked a provisioning token of the account.
    ProvisioningTokenRevoked {
        /// The token, by its public id and description.
        token: ProvisionerRef,
    },
    /// The account's identity provider named a user: their SCIM `userName`
    /// and `externalId` in this account.
    UserNamed {
        /// The user.
        user: UserRef,
        /// The `userName`.
        user_name: UserName,
        /// The `externalId`, if any.
        external_id: Option<ExternalId>,
    },
    /// The account's identity provider set or cleared a group's
    /// `externalId`.
    GroupExternalIdSet {
        /// The group.
        group: GroupId,
        /// The `externalId`, or `None` when cleared.
        external_id: Option<ExternalId>,
    },
    /// Customer Support renamed the account.
    AccountRenamed {
        /// The name before.
        from: Name,
        /// The name after.
        to: Name,
    },
}

impl Action {
    /// The user the change was made to, if it was made to a user: what an
    /// audit trail filtered by user selects.
    pub fn target(&self) -> Option<UserId> {
        match self {
            Action::UserAdded { user, .. }
            | Action::MemberAdded { user, .. }
            | Action::PasswordChanged { user }
            | Action::PasswordReset { user }
            | Action::UserLocked { user, .. }
            | Action::UserUnlocked { user }
            | Action::UserRegistered { user }
            | Action::MemberRemoved { user, .. }
            | Action::UserDisabled { user }
            | Action::UserEnabled { user }
            | Action::UserDeleted { user }
            | Action::UserRenamed { user, .. }
            | Action::UserNamed { user, .. } => Some(user.id),
            Action::EmailChanged { user, .. } => Some(*user),
            Action::AccountCreated
            | Action::AccountRenamed { .. }
            | Action::GroupCreated { .. }
            | Action::GroupRenamed { .. }
            | Action::GroupDeleted { .. }
            | Action::SecureMessageSent { .. }
            | Action::RegistrationEnded { .. }
            | Action::RegistrationsPurged { .. }
            | Action::RegistrationRevoked { .. }
            | Action::GroupExternalIdSet { .. }
            | Action::ProvisioningTokenIssued { .. }
            | Action::ProvisioningTokenRevoked { .. } => None,
        }
    }
}

/// A change as the directory records it; the store gives it its sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: ActorRecord,
    /// On which account.
    pub account: AccountNumber,
    /// What.
    pub action: Action,
}

/// A recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the trail: later changes have higher numbers.
    pub sequence: u64,
    /// The change.
    #[serde(flatten)]
    pub record: AuditRecord,
}
