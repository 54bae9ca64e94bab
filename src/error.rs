//! The one error type of the crate.

use crate::i18n::{Arg, Localize, Message};
use crate::input::InvalidInput;
use crate::model::{AccountNumber, Email, ExternalId, GroupName, UserId, UserName};
use crate::store::{StoreError, store_error_message};

crate::i18n::english_display!(Error, Forbidden);

/// Everything an operation of the crate can refuse or fail with.
///
/// Domain refusals (bad input, missing permission, a rule of the guide) are
/// distinct from [`Error::Store`], which means the backing store failed. A
/// refused or failed operation has changed nothing.
///
/// Every variant renders through [`Localizer`](crate::Localizer) with a
/// stable Fluent message id ([`Error::message`]); `Display` gives the English
/// text. No variant ever carries a password, hash or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field of a form was empty, too long or malformed.
    Invalid(#[from] InvalidInput),
    /// *Add to Group* named a User Id with no (registered) user — the guide's
    /// "Can not add a non existent user." (R5, R8).
    NonExistentUser {
        /// The User Id that was entered.
        email: Email,
    },
    /// *Add User* named an email that another user already has, ignoring case (R4).
    UserExists {
        /// The email as entered.
        email: Email,
    },
    /// An account with this number already exists.
    AccountExists {
        /// The account number.
        account: AccountNumber,
    },
    /// No account has this number.
    AccountNotFound {
        /// The account number.
        account: AccountNumber,
    },
    /// The account already has a group with this name, ignoring case (R9).
    GroupExists {
        /// The name that was asked for.
        group: GroupName,
    },
    /// No group has this id.
    GroupNotFound,
    /// The user is not a member of the group.
    NotAMember {
        /// The User Id.
        email: Email,
        /// The group.
        group: GroupName,
    },
    /// The built-in *Account Administrators* group cannot be deleted or renamed (R1).
    BuiltInGroup,
    /// Removing this member would leave the account without an active Account
    /// Administrator (R10, R16).
    LastAdministrator {
        /// The administrator who would have been removed.
        email: Email,
        /// The account.
        account: AccountNumber,
    },
    /// Disabling or deleting this user would leave the account without an
    /// active Account Administrator (R16).
    LastActiveAdministrator {
        /// The administrator who would have been disabled or deleted.
        email: Email,
        /// The account.
        account: AccountNumber,
    },
    /// Sign-in refused: unknown address, wrong password, or a user who may
    /// not sign in (pending, disabled, locked) — deliberately indistinguishable.
    SignInRefused,
    /// The temporary password was right but has expired: an administrator
    /// must set a new one.
    TemporaryPasswordExpired,
    /// The password changed since the ticket was issued: sign in again.
    PasswordChangeExpired,
    /// A registration link that is unknown, used, revoked or malformed —
    /// deliberately indistinguishable.
    RegistrationRefused,
    /// A registration link past its lifetime: the sender must send again.
    RegistrationExpired,
    /// No registration is pending for this email.
    RegistrationNotFound {
        /// The email.
        email: Email,
    },
    /// No registered user has this email.
    UserNotFound {
        /// The email.
        email: Email,
    },
    /// The user's current password was chosen by someone who does not
    /// administer this account (an administrator of another account): they
    /// must sign in and set their own password before an administrator of
    /// this account can put them into one of its groups (R13).
    OwnPasswordRequired {
        /// The user.
        email: Email,
    },
    /// *Add User* for an address that another account has invited to
    /// register by secure message: that invitation is not this account's to
    /// void (R14). The recipient can register through it, then be added to
    /// a group. Which account invited them is not said.
    InvitedElsewhere {
        /// The address.
        email: Email,
    },
    /// A cursor (where a list's next page starts) that is not one this
    /// crate made for this list: altered, cut, or from another list.
    InvalidCursor,
    /// No user this account governs has this id (R13).
    UserIdNotFound {
        /// The id.
        id: UserId,
    },
    /// Another user of the account already has this SCIM `userName`,
    /// ignoring case.
    UserNameTaken {
        /// The name asked for.
        user_name: UserName,
    },
    /// Another user of the account already has this SCIM `externalId`.
    ExternalIdTaken {
        /// The id asked for.
        external_id: ExternalId,
    },
    /// The user or group changed since the caller read it (its revision
    /// moved): nothing was done; read it again.
    StaleRevision,
    /// A provisioning token that is unknown, revoked, malformed or for
    /// another account — deliberately indistinguishable.
    ProvisioningRefused,
    /// No provisioning token of the account has this id.
    ProvisioningTokenNotFound,
    /// The account has as many provisioning tokens as it may: revoke one
    /// first.
    TooManyProvisioningTokens {
        /// How many an account may have.
        max: usize,
    },
    /// Too many operations are waiting to hash a password: try again in a
    /// moment. Nothing was done. Only `AsyncDirectory` (feature `tokio`)
    /// refuses so, past its `HashingLimit`.
    Busy,
    /// The actor may not do this.
    Forbidden(#[from] Forbidden),
    /// The store failed; nothing was changed. The cause is in [`std::error::Error::source`].
    Store(#[from] StoreError),
}

impl Error {
    /// `true` when the error is a failure of the store rather than a refusal.
    pub fn is_store_failure(&self) -> bool {
        matches!(self, Error::Store(_))
    }
}

/// Why an actor was refused (R2, R3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Forbidden {
    /// Only Customer Support may do this (create accounts).
    SupportOnly,
    /// The actor is not an active Account Administrator of the account.
    NotAccountAdministrator {
        /// The account the operation was about.
        account: AccountNumber,
    },
    /// The sender of a secure message neither administers the account nor
    /// was created by it.
    NotAccountMember {
        /// The account the message was to be sent for.
        account: AccountNumber,
    },
    /// Acting on a user's credentials or state needs Customer Support or an
    /// active administrator of every account that governs the user (R13).
    NotGoverningAdministrator,
}

impl Localize for Forbidden {
    fn message(&self) -> Message {
        match self {
            Forbidden::SupportOnly => Message::new("error-support-only"),
            Forbidden::NotAccountAdministrator { account } => {
                Message::new("error-not-account-administrator").arg("account", account)
            }
            Forbidden::NotAccountMember { account } => {
                Message::new("error-not-account-member").arg("account", account)
            }
            Forbidden::NotGoverningAdministrator => {
                Message::new("error-not-governing-administrator")
            }
        }
    }
}

impl Localize for Error {
    fn message(&self) -> Message {
        match self {
            Error::Invalid(invalid) => invalid.message(),
            Error::Forbidden(forbidden) => forbidden.message(),
            Error::NonExistentUser { email } => {
                Message::new("error-non-existent-user").arg("email", email)
            }
            Error::UserExists { email } => Message::new("error-user-exists").arg("email", email),
            Error::AccountExists { account } => {
                Message::new("error-account-exists").arg("account", account)
            }
            Error::AccountNotFound { account } => {
                Message::new("error-account-not-found").arg("account", account)
            }
            Error::GroupExists { group } => Message::new("error-group-exists").arg("group", group),
            Error::GroupNotFound => Message::new("error-group-not-found"),
            Error::NotAMember { email, group } => Message::new("error-not-a-member")
                .arg("email", email)
                .arg("group", group),
            Error::BuiltInGroup => {
                Message::new("error-built-in-group").arg("group", &GroupName::AccountAdministrators)
            }
            Error::LastAdministrator { email, account } => Message::new("error-last-administrator")
                .arg("email", email)
                .arg("account", account),
            Error::LastActiveAdministrator { email, account } => {
                Message::new("error-last-active-administrator")
                    .arg("email", email)
                    .arg("account", account)
            }
            Error::SignInRefused => Message::new("error-sign-in-refused"),
            Error::InvalidCursor => Message::new("error-invalid-cursor"),
            Error::Busy => Message::new("error-busy"),
            Error::TemporaryPasswordExpired => Message::new("error-temporary-password-expired"),
            Error::PasswordChangeExpired => Message::new("error-password-change-expired"),
            Error::RegistrationRefused => Message::new("error-registration-refused"),
            Error::RegistrationExpired => Message::new("error-registration-expired"),
            Error::RegistrationNotFound { email } => {
                Message::new("error-registration-not-found").arg("email", email)
            }
            Error::UserNotFound { email } => {
                Message::new("error-user-not-found").arg("email", email)
            }
            Error::OwnPasswordRequired { email } => {
                Message::new("error-own-password-required").arg("email", email)
            }
            Error::InvitedElsewhere { email } => {
                Message::new("error-invited-elsewhere").arg("email", email)
            }
            Error::UserIdNotFound { id } => Message::new("error-user-id-not-found").arg("id", id),
            Error::UserNameTaken { user_name } => {
                Message::new("error-user-name-taken").arg("name", Arg::Text(user_name.to_string()))
            }
            Error::ExternalIdTaken { external_id } => Message::new("error-external-id-taken")
                .arg("id", Arg::Text(external_id.to_string())),
            Error::StaleRevision => Message::new("error-stale-revision"),
            Error::ProvisioningRefused => Message::new("error-provisioning-refused"),
            Error::ProvisioningTokenNotFound => Message::new("error-provisioning-token-not-found"),
            Error::TooManyProvisioningTokens { max } => {
                Message::new("error-too-many-provisioning-tokens")
                    .arg("max", Arg::Count(*max as u64))
            }
            Error::Store(error) => store_error_message(error),
        }
    }
}
