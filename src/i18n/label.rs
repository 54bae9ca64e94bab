//! Texts of the guide's forms and pages, for services that render them.

use crate::i18n::{Arg, Localize, Message};

/// A label of the administration forms and pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Label {
    /// "Accounts"
    Accounts,
    /// "Groups"
    Groups,
    /// "Users"
    Users,
    /// "User Id"
    UserId,
    /// "Add to Group"
    AddToGroup,
    /// "Add User"
    AddUser,
    /// "Username"
    Username,
    /// "First Name"
    FirstName,
    /// "Last Name"
    LastName,
    /// "Password"
    Password,
    /// "Confirm Password"
    ConfirmPassword,
    /// "Enforce Password Expiration"
    EnforcePasswordExpiration,
    /// "Save"
    Save,
    /// "Group Name"
    GroupName,
    /// "Add Group"
    AddGroup,
    /// "Name"
    Name,
    /// "Email"
    Email,
    /// "Account Number"
    AccountNumber,
    /// "Account Name"
    AccountName,
    /// "Remove from Group"
    RemoveFromGroup,
    /// "Customer Support": the operator who creates accounts.
    CustomerSupport,
    /// "Sign In"
    SignIn,
    /// "Change Password"
    ChangePassword,
    /// "Send Secure Message"
    SendSecureMessage,
    /// "Register"
    Register,
}

impl Label {
    /// Every label.
    pub const ALL: [Label; 25] = [
        Label::Accounts,
        Label::Groups,
        Label::Users,
        Label::UserId,
        Label::AddToGroup,
        Label::AddUser,
        Label::Username,
        Label::FirstName,
        Label::LastName,
        Label::Password,
        Label::ConfirmPassword,
        Label::EnforcePasswordExpiration,
        Label::Save,
        Label::GroupName,
        Label::AddGroup,
        Label::Name,
        Label::Email,
        Label::AccountNumber,
        Label::AccountName,
        Label::RemoveFromGroup,
        Label::CustomerSupport,
        Label::SignIn,
        Label::ChangePassword,
        Label::SendSecureMessage,
        Label::Register,
    ];

    /// The label's Fluent message id.
    pub fn id(self) -> &'static str {
        match self {
            Label::Accounts => "label-accounts",
            Label::Groups => "label-groups",
            Label::Users => "label-users",
            Label::UserId => "label-user-id",
            Label::AddToGroup => "label-add-to-group",
            Label::AddUser => "label-add-user",
            Label::Username => "label-username",
            Label::FirstName => "label-first-name",
            Label::LastName => "label-last-name",
            Label::Password => "label-password",
            Label::ConfirmPassword => "label-confirm-password",
            Label::EnforcePasswordExpiration => "label-enforce-password-expiration",
            Label::Save => "label-save",
            Label::GroupName => "label-group-name",
            Label::AddGroup => "label-add-group",
            Label::Name => "label-name",
            Label::Email => "label-email",
            Label::AccountNumber => "label-account-number",
            Label::AccountName => "label-account-name",
            Label::RemoveFromGroup => "label-remove-from-group",
            Label::CustomerSupport => "label-customer-support",
            Label::SignIn => "label-sign-in",
            Label::ChangePassword => "label-change-password",
            Label::SendSecureMessage => "label-send-secure-message",
            Label::Register => "label-register",
        }
    }
}

impl Localize for Label {
    fn message(&self) -> Message {
        Message::new(self.id())
    }
}

impl From<Label> for Arg {
    fn from(label: Label) -> Arg {
        Arg::Message(label.id())
    }
}

/// The footer of a group list: the guide's "Showing 1 group(s).", with the
/// plural each language needs (R9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowingGroups {
    /// How many groups are shown.
    pub count: usize,
}

impl Localize for ShowingGroups {
    fn message(&self) -> Message {
        Message::new("groups-showing").arg("count", Arg::Count(self.count as u64))
    }
}
