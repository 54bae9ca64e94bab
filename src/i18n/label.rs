//! Texts of the guide's forms and pages, for services that render them.

use crate::i18n::{Arg, Localize, Message};

/// A label of the administration forms and pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::VariantArray, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case", prefix = "label-")]
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
    /// "Page size"
    PageSize,
    /// "Search"
    Search,
    /// "User name (SCIM)": what an identity provider calls a user
    ScimUserName,
    /// "External ID"
    ExternalId,
    /// "Description"
    Description,
    /// "Display name"
    DisplayName,
    /// "Disable User"
    DisableUser,
    /// "Enable User"
    EnableUser,
    /// "Delete User"
    DeleteUser,
    /// "Details"
    Details,
    /// "Actions"
    Actions,
    /// "Back to Accounts List"
    BackToAccounts,
    /// "Sign Out"
    SignOut,
    /// "Signed in as"
    SignedInAs,
    /// "Audit Trail"
    AuditTrail,
    /// "Create Account"
    CreateAccount,
    /// "Reset Password"
    ResetPassword,
    /// "Unlock User"
    UnlockUser,
    /// "Status"
    Status,
    /// "Created"
    Created,
    /// "Next Page"
    NextPage,
    /// "Language"
    Language,
    /// "New Password"
    NewPassword,
    /// "Set Password"
    SetPassword,
    /// "Customer Support Password"
    SupportPassword,
    /// "Active"
    Active,
    /// "Disabled"
    Disabled,
    /// "Yes"
    Yes,
    /// "No"
    No,
    /// "Temporary Password"
    TemporaryPassword,
    /// "Locked"
    Locked,
    /// "Administrator"
    Administrator,
    /// "Members"
    Members,
    /// "Recipient"
    Recipient,
    /// "Registration link in the secure message"
    RegistrationLink,
    /// "When"
    When,
    /// "Who"
    Who,
    /// "Action"
    Action,
    /// "Account Details"
    AccountDetails,
    /// "CRES Account Administration"
    Administration,
    /// "This form could not be accepted: it has expired or did not come from this site. Nothing was changed. Reload the page and try again."
    FormRefused,
    /// "Please sign in to continue."
    NotSignedIn,
    /// "You do not administer any account."
    NoAccountAdministered,
    /// "This page does not exist."
    PageNotFound,
    /// "Account created"
    AuditAccountCreated,
    /// "Account renamed"
    AuditAccountRenamed,
    /// "User added"
    AuditUserAdded,
    /// "Group added"
    AuditGroupCreated,
    /// "Group renamed"
    AuditGroupRenamed,
    /// "Group deleted"
    AuditGroupDeleted,
    /// "Added to group"
    AuditMemberAdded,
    /// "Removed from group"
    AuditMemberRemoved,
    /// "Password changed by the user"
    AuditPasswordChanged,
    /// "Password reset"
    AuditPasswordReset,
    /// "Sign-in locked"
    AuditUserLocked,
    /// "User unlocked"
    AuditUserUnlocked,
    /// "Secure message sent"
    AuditSecureMessageSent,
    /// "Invitation ended"
    AuditRegistrationEnded,
    /// "Expired invitations removed"
    AuditRegistrationsPurged,
    /// "Invitation revoked"
    AuditRegistrationRevoked,
    /// "User registered"
    AuditUserRegistered,
    /// "User disabled"
    AuditUserDisabled,
    /// "User enabled"
    AuditUserEnabled,
    /// "User deleted"
    AuditUserDeleted,
    /// "User renamed"
    AuditUserRenamed,
    /// "Email address changed"
    AuditEmailChanged,
    /// "Other change"
    AuditOther,
}

impl Label {
    /// Every label, in declaration order.
    pub const ALL: &'static [Label] = <Label as strum::VariantArray>::VARIANTS;

    /// The label's Fluent message id: `label-` and its name in kebab case
    /// (`label-add-to-group`).
    pub fn id(self) -> &'static str {
        self.into()
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

/// The footer of an account's Users tab: "Showing 3 users.", with the
/// plural each language needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowingUsers {
    /// How many users the account has.
    pub count: u64,
}

impl Localize for ShowingUsers {
    fn message(&self) -> Message {
        Message::new("users-showing").arg("count", Arg::Count(self.count))
    }
}
