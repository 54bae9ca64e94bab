//! Plain data: accounts, groups, users, and what identifies them.

mod account;
mod actor;
mod audit;
mod email;
mod group;
mod name;
mod registration;
mod text;
mod user;

pub use account::{Account, AccountNumber};
pub use actor::Actor;
pub use audit::{Action, AuditEntry, AuditRecord};
pub use email::Email;
pub use group::{Group, GroupId, GroupName, GroupSummary};
pub use name::Name;
pub use registration::PendingRegistration;
pub use user::{Credential, SignInState, User, UserStatus};
