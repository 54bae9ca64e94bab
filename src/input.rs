//! Refused input: which form field, and what is wrong with it. The bottom
//! layer: the model's parsers report these, and so does the password policy.

use crate::i18n::{Arg, Label, Localize, Message};

crate::i18n::english_display!(InvalidInput);

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
    /// How many rows a page of a list holds.
    PageSize,
    /// The text a list is searched for.
    Search,
    /// A SCIM `userName`.
    UserName,
    /// A SCIM `externalId`.
    ExternalId,
    /// What a provisioning token is called.
    Description,
    /// A SCIM `displayName`: how an identity provider shows a user.
    DisplayName,
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
            Field::PageSize => Label::PageSize,
            Field::Search => Label::Search,
            Field::UserName => Label::ScimUserName,
            Field::ExternalId => Label::ExternalId,
            Field::Description => Label::Description,
            Field::DisplayName => Label::DisplayName,
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
    /// A number outside the range the field accepts (a page size of 0).
    OutOfRange {
        /// The smallest accepted.
        min: u64,
        /// The largest accepted.
        max: u64,
    },
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
            Problem::OutOfRange { .. } => "error-field-out-of-range",
        };
        let message = Message::new(id).arg("field", self.field.label());
        match self.problem {
            Problem::TooLong { max } => message.arg("max", Arg::Count(max as u64)),
            Problem::TooShort { min } => message.arg("min", Arg::Count(min as u64)),
            Problem::OutOfRange { min, max } => message
                .arg("min", Arg::Count(min))
                .arg("max", Arg::Count(max)),
            _ => message,
        }
    }
}
