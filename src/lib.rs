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
//! use cres_admin::{AccountNumber, Actor, AddUserForm, Directory, Error, GroupId, MemoryStore, Password};
//! # use cres_admin::PasswordHashing;
//!
//! let directory = Directory::new(MemoryStore::new());
//! # let directory = directory.with_password_hashing(PasswordHashing::insecure_fast());
//! let account = AccountNumber::new(12345);
//! let admins = GroupId::administrators(account);
//! let new_user = |email: &str| {
//!     AddUserForm::new(email, "Given", "Family", Password::new("Temporary-2026"))
//!         .enforce_password_expiration(true)
//! };
//!
//! // 1. Customer Support creates the account and makes Alice its first administrator.
//! let support = Actor::Support;
//! directory.create_account(&support, account, "Example Corp")?;
//! let alice = directory.add_user(&support, account, &new_user("alice@example.com"))?.user;
//! directory.add_to_group(&support, admins, "alice@example.com")?;
//!
//! // 2. Alice (signed in: the service knows her id) tries to add Bob, who does not exist yet.
//! let as_alice = Actor::User(alice.id);
//! let refused = directory.add_to_group(&as_alice, admins, "bob@example.com").unwrap_err();
//! assert!(matches!(refused, Error::NonExistentUser { .. }));
//! assert_eq!(refused.to_string(), "Can not add a non existent user.");
//!
//! // 3. She adds Bob as a user with a temporary password, then to the group.
//! let added = directory.add_user(&as_alice, account, &new_user("bob@example.com"))?;
//! assert_eq!(added.to_string(), "User bob@example.com added.");
//! directory.add_to_group(&as_alice, admins, "Bob@Example.com")?;
//! assert!(directory.is_account_admin(account, added.user.id)?);
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
//! governing account may reset, unlock, disable, enable, delete, rename or
//! change the email of the user, and a
//! user whose password was chosen by someone who does not administer
//! account B cannot join B's groups until they set their own. Hence the
//! invariant the tests prove on every store: *no action of an administrator
//! of A lets anyone who does not administer B learn, choose or replace the
//! password of a member of B.* And an account never loses its last
//! *active* administrator (R16): removing, disabling or deleting them is
//! refused. Every decision is in one private module,
//! `directory::access`; [`rules`] states R1–R16, and `ARCHITECTURE.md` what
//! the audit trail records.
//!
//! # Modules
//!
//! - [`store`]: the [`Store`] contract, [`MemoryStore`], and the stores of
//!   the features below.
//! - [`rules`]: the business rules R1–R16 that the docs and tests cite.
//! - [`testing`] (feature `testing`): tools any store implementation can use
//!   to test itself.
//!
//! # Crate features
//!
//! None is on by default: the core needs no database and no runtime.
//!
//! | feature | adds |
//! | --- | --- |
//! | `sqlite` | `SqliteStore`: a persistent store in one SQLite file (bundled SQLite, no system library) |
//! | `postgres` | `PostgresStore`: a store on PostgreSQL shared by several service instances (TLS through rustls) |
//! | `scim` | the `scim` module: SCIM 2.0 provisioning per account, framework-agnostic |
//! | `tokio` | `AsyncDirectory`: every operation as an async fn, with a bound on concurrent hashing |
//! | `testing` | the `testing` module: the store conformance suite, fault-injecting and PostgreSQL-like wrapper stores, fixtures, the message catalogue |
//!
//! See `ARCHITECTURE.md` in the repository for the data flow and invariants.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "tokio")]
mod async_directory;
mod clock;
mod confirmation;
mod credentials;
mod directory;
mod error;
mod forms;
mod i18n;
mod input;
mod model;
mod paging;
pub mod rules;
#[cfg(feature = "scim")]
#[cfg_attr(docsrs, doc(cfg(feature = "scim")))]
pub mod scim;
pub mod store;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use async_directory::{AsyncDirectory, HashingLimit};
pub use clock::{Clock, FixedClock, SystemClock};
pub use confirmation::{
    AccountCreated, AccountRenamed, AddedToGroup, EmailChanged, GroupCreated, GroupDeleted,
    GroupRenamed, PasswordChanged, PasswordReset, ProvisioningTokenIssued,
    ProvisioningTokenRevoked, Registered, RegistrationRevoked, RegistrationsPurged,
    RemovedFromGroup, SecureMessageSent, SignIn, UserAdded, UserDeleted, UserDisabled, UserEnabled,
    UserRenamed, UserUnlocked,
};
pub use credentials::{
    Password, PasswordHash, PasswordHashing, PasswordPolicy, ProvisioningToken, RegistrationToken,
    SignInPolicy,
};
pub use directory::{
    Directory, GroupChange, MAX_MEMBERS_PER_CHANGE, MAX_PROVISIONING_TOKENS, ProvisionedGroup,
    ProvisionedUser, ProvisionedUserForm, RetryPolicy, UserLookup,
};
pub use error::{Error, Forbidden};
pub use forms::{AddUserForm, RegistrationForm};
pub use i18n::{
    Arg, Label, LocaleCoverage, LocaleError, Localize, Localizer, LocalizerBuilder, Message,
    RenderError, ShowingGroups, ShowingUsers,
};
pub use input::{Field, InvalidInput, Problem};
pub use model::{
    Account, AccountDetails, AccountNumber, AccountUser, Action, Actor, ActorRecord, AuditEntry,
    AuditRecord, Credential, Email, ExternalId, ExternalIdentity, Group, GroupId, GroupName,
    GroupSummary, InvalidUserId, Name, PasswordChangeTicket, PasswordChosenBy, PendingRegistration,
    Provisioner, ProvisionerRef, ProvisioningCredential, SignInSource, SignInState, Throttle, User,
    UserBrief, UserId, UserName, UserProfile, UserRef, UserRow, UserStatus, user_name_key,
};
pub use paging::{AccountQuery, AuditQuery, Cursor, Page, PageSize, Search, UserQuery};
/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use store::SqliteStore;
pub use store::{MemoryStore, OpenError, Store, StoreError};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use store::{PostgresConfig, PostgresStore, TlsMode};
