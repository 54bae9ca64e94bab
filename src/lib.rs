//! Account administration for CRES, the encrypted-envelope mail service:
//! customer **accounts**, the **groups** inside them (above all the built-in
//! *Account Administrators*), and the **users** put into those groups — as
//! described by the guide *Add Account Administrators to CRES*.
//!
//! A [`Directory`] carries out every operation of the guide on a pluggable
//! [`Store`]: it checks the input, checks that the [`Actor`] may act, and
//! reads, decides and writes in one transaction, so a refused or failed
//! operation changes nothing. Errors and confirmations are values with a
//! Fluent message id; a [`Localizer`] renders them for a reader, and
//! `Display` gives the English text.
//!
//! # Example: the guide's flow
//!
//! ```
//! use cres_admin::{AccountNumber, Actor, Directory, Email, Error, GroupId, MemoryStore, NewUser, Password};
//! # use cres_admin::PasswordHashing;
//!
//! let directory = Directory::new(MemoryStore::new());
//! # let directory = directory.with_password_hashing(PasswordHashing::insecure_fast());
//! let account = AccountNumber::new(12345);
//! let admins = GroupId::administrators(account);
//! let new_user = |email: &str| NewUser {
//!     username: email.into(),
//!     first_name: "Given".into(),
//!     last_name: "Family".into(),
//!     password: Password::new("Temporary-2026"),
//!     confirm_password: Password::new("Temporary-2026"),
//!     enforce_password_expiration: true,
//! };
//!
//! // 1. Customer Support creates the account and makes Alice its first administrator.
//! let support = Actor::Support;
//! directory.create_account(&support, account, "Example Corp")?;
//! directory.add_user(&support, account, &new_user("alice@example.com"))?;
//! directory.add_to_group(&support, admins, "alice@example.com")?;
//!
//! // 2. Alice tries to add Bob, who does not exist yet.
//! let alice = Actor::User(Email::parse("alice@example.com")?);
//! let refused = directory.add_to_group(&alice, admins, "bob@example.com").unwrap_err();
//! assert!(matches!(refused, Error::NonExistentUser { .. }));
//! assert_eq!(refused.to_string(), "Can not add a non existent user.");
//!
//! // 3. She adds Bob as a user with a temporary password, then to the group.
//! let added = directory.add_user(&alice, account, &new_user("bob@example.com"))?;
//! assert_eq!(added.to_string(), "User bob@example.com added.");
//! directory.add_to_group(&alice, admins, "bob@example.com")?;
//! assert!(directory.is_account_admin(account, &Email::parse("Bob@Example.com")?)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Who may do what
//!
//! Customer Support creates accounts and may act everywhere (R2). An Account
//! Administrator of account A may act on A and nothing else (R3). Users are
//! service-wide, so for a *user* the question is which accounts govern them
//! (R13): the account they were created in plus every account in one of
//! whose groups they are. Only Support or an administrator of every
//! governing account may reset, unlock or otherwise act on the user, and a
//! user whose password was chosen by someone who does not administer
//! account B cannot join B's groups until they set their own. Hence the
//! invariant the tests prove on every store: *no action of an administrator
//! of A lets anyone who does not administer B learn, choose or replace the
//! password of a member of B.* Every decision is in one private module,
//! `access`; `ARCHITECTURE.md` says what the audit trail records.
//!
//! # Modules and features
//!
//! - [`store`]: the [`Store`] contract and [`MemoryStore`]; the `sqlite`
//!   feature adds a persistent store.
//! - `testing` feature: the `testing` module, with tools any store
//!   implementation can use to test itself.
//!
//! See `ARCHITECTURE.md` in the repository for the data flow and invariants.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod access;
mod clock;
mod confirmation;
mod credentials;
mod directory;
mod error;
mod i18n;
mod model;
mod registration;
mod sign_in;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{Clock, FixedClock, SystemClock};
pub use confirmation::{
    AccountCreated, AddedToGroup, GroupCreated, GroupDeleted, GroupRenamed, RemovedFromGroup,
    UserAdded,
};
pub use credentials::{Password, PasswordHash, PasswordHashing, PasswordPolicy};
pub use directory::{Directory, NewUser};
pub use error::{Error, Field, Forbidden, InvalidInput, Problem};
pub use i18n::{
    Arg, Label, LocaleCoverage, LocaleError, Localize, Localizer, LocalizerBuilder, Message,
    RenderError, ShowingGroups,
};
pub use model::{
    Account, AccountNumber, Action, Actor, ActorRecord, AuditEntry, AuditRecord, Credential, Email,
    Group, GroupId, GroupName, GroupSummary, Name, PasswordChosenBy, PendingRegistration,
    SignInSource, SignInState, Throttle, User, UserProfile, UserStatus,
};
pub use registration::{
    Registered, RegistrationForm, RegistrationRevoked, RegistrationToken, RegistrationsPurged,
    SecureMessageSent,
};
pub use sign_in::{
    PasswordChangeTicket, PasswordChanged, PasswordReset, SignIn, SignInPolicy, UserUnlocked,
};
/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(feature = "sqlite")]
pub use store::SqliteOpenError;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{MemoryStore, Store, StoreError, StoreExt};
