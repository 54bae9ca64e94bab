//! The one error type of the crate, and the input problems it reports.

use crate::i18n::{Arg, Label, Localize, Message};
use crate::model::{AccountNumber, Email, GroupName};
use crate::store::StoreError;

crate::i18n::english_display!(Error, Forbidden, InvalidInput);

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
    /// Removing this member would leave the account without an Account Administrator (R10).
    LastAdministrator {
        /// The administrator who would have been removed.
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

/// A form field whose input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The *User Id* field of *Add to Group*.
    UserId,
    /// The *Username* field of *Add User*.
    Username,
    /// An email address outside a form.
    Email,
    /// *First Name*.
    FirstName,
    /// *Last Name*.
    LastName,
    /// *Password*.
    Password,
    /// *Confirm Password*.
    ConfirmPassword,
    /// *Group Name*.
    GroupName,
    /// The account number.
    AccountNumber,
    /// The account name.
    AccountName,
    /// A name outside a form (for example one read back from a store).
    Name,
}

impl Field {
    /// The field's label, which error messages name.
    pub fn label(self) -> Label {
        match self {
            Field::UserId => Label::UserId,
            Field::Username => Label::Username,
            Field::Email => Label::Email,
            Field::FirstName => Label::FirstName,
            Field::LastName => Label::LastName,
            Field::Password => Label::Password,
            Field::ConfirmPassword => Label::ConfirmPassword,
            Field::GroupName => Label::GroupName,
            Field::AccountNumber => Label::AccountNumber,
            Field::AccountName => Label::AccountName,
            Field::Name => Label::Name,
        }
    }
}

/// What is wrong with an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Problem {
    /// Empty, or only white space.
    Empty,
    /// Longer than `max` characters.
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// Shorter than `min` characters.
    TooShort {
        /// The limit, in characters.
        min: usize,
    },
    /// Contains a control character (NUL, CR, LF, …).
    ControlCharacter,
    /// Contains a zero-width or text-direction character.
    InvisibleCharacter,
    /// An email address containing white space.
    Whitespace,
    /// An email address with a character outside ASCII.
    NonAscii,
    /// An email address without exactly one `@`.
    AtSign,
    /// An email address whose part before the `@` is malformed.
    LocalPart,
    /// An email address whose domain is malformed.
    Domain,
    /// Not a number of 1 to 12 digits.
    NotANumber,
    /// *Confirm Password* differs from *Password*.
    Mismatch,
    /// A password among the most common ones.
    CommonPassword,
    /// A password that is, or contains, the user's name or email.
    PersonalInformation,
    /// A new password equal to the current one.
    SameAsCurrent,
    /// A password that repeats one character or a short pattern
    /// ("aaaaaaaaaaaa", "abcabcabcabc").
    Repetitive,
    /// A password that is a run of the alphabet, of digits or of a keyboard
    /// row ("abcdefghijkl", "1234567890123", "qwertyuiopasdf").
    Sequential,
    /// A password that is, or contains, the account's name.
    AccountName,
    /// A group name that reads like the built-in *Account Administrators*
    /// group in one of the shipped languages (ignoring case, white space and
    /// look-alike characters).
    ReservedName,
}

/// A refused input: which field, and what is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct InvalidInput {
    /// The field.
    pub field: Field,
    /// The problem.
    pub problem: Problem,
}

impl InvalidInput {
    /// An input problem in `field`.
    pub fn new(field: Field, problem: Problem) -> Self {
        InvalidInput { field, problem }
    }
}

impl Localize for InvalidInput {
    fn message(&self) -> Message {
        let id = match self.problem {
            Problem::Empty => "error-field-empty",
            Problem::TooLong { .. } => "error-field-too-long",
            Problem::TooShort { .. } => "error-field-too-short",
            Problem::ControlCharacter => "error-field-control-character",
            Problem::InvisibleCharacter => "error-field-invisible-character",
            Problem::Whitespace => "error-field-whitespace",
            Problem::NonAscii => "error-field-non-ascii",
            Problem::AtSign => "error-email-at-sign",
            Problem::LocalPart => "error-email-local-part",
            Problem::Domain => "error-email-domain",
            Problem::NotANumber => "error-field-not-a-number",
            Problem::Mismatch => "error-password-mismatch",
            Problem::CommonPassword => "error-password-common",
            Problem::PersonalInformation => "error-password-personal",
            Problem::SameAsCurrent => "error-password-same-as-current",
            Problem::Repetitive => "error-password-repetitive",
            Problem::Sequential => "error-password-sequential",
            Problem::AccountName => "error-password-account-name",
            Problem::ReservedName => "error-group-name-reserved",
        };
        let message = Message::new(id).arg("field", self.field.label());
        match self.problem {
            Problem::TooLong { max } => message.arg("max", Arg::Count(max as u64)),
            Problem::TooShort { min } => message.arg("min", Arg::Count(min as u64)),
            _ => message,
        }
    }
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
            Error::Store(StoreError::CannotOpen(_)) => Message::new("error-store-cannot-open"),
            Error::Store(StoreError::NotADatabase) => Message::new("error-store-not-a-database"),
            Error::Store(StoreError::NewerSchema { found, supported }) => {
                Message::new("error-store-newer-schema")
                    .arg("found", Arg::Count(u64::from(*found)))
                    .arg("supported", Arg::Count(u64::from(*supported)))
            }
            Error::Store(StoreError::Corrupt(_)) => Message::new("error-store-corrupt"),
            Error::Store(StoreError::StorageFull) => Message::new("error-store-full"),
            Error::SignInRefused => Message::new("error-sign-in-refused"),
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
            Error::Store(_) => Message::new("error-store"),
        }
    }
}
