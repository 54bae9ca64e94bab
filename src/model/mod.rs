//! Plain data: accounts, groups, users, and what identifies them.

mod account;
mod actor;
mod audit;
mod email;
mod group;
mod name;
mod provisioning;
mod registration;
mod text;
mod ticket;
mod user;
mod user_id;

pub use account::{Account, AccountDetails, AccountNumber};
pub use actor::{Actor, ActorRecord};
pub use audit::{Action, AuditEntry, AuditRecord};
pub use email::Email;
pub use group::{Group, GroupId, GroupName, GroupSummary};
pub use name::Name;
pub use provisioning::{
    ExternalId, ExternalIdentity, Provisioner, ProvisionerRef, ProvisioningCredential, UserName,
    user_name_key,
};
pub use registration::PendingRegistration;
pub(crate) use text::clean as clean_text;
pub use ticket::PasswordChangeTicket;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use user::end_of_time;
pub(crate) use user::later;
pub use user::{
    AccountUser, Credential, PasswordChosenBy, SignInSource, SignInState, Throttle, User,
    UserBrief, UserProfile, UserRow, UserStatus,
};
pub use user_id::{InvalidUserId, UserId, UserRef};
