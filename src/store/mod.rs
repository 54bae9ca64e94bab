//! Where the directory keeps its data: the [`Store`] contract and the stores
//! that ship with the crate.
//!
//! # The contract
//!
//! A store hands out transactions. [`Store::begin_read`] opens a consistent
//! snapshot ([`Reader`]); [`Store::begin_write`] opens a write transaction
//! ([`Transaction`]), which is committed by [`Transaction::commit`] and rolled
//! back when dropped without it. The directory drives them step by step:
//! it reads, decides, writes, and commits or drops. The store knows nothing
//! of the directory's rules or errors. A store must guarantee:
//!
//! - **Isolation.** Write transactions are serializable: one sees the
//!   effects of every transaction committed before it and of its own
//!   writes, and no other transaction's writes meanwhile. A SQL store gets
//!   this from `BEGIN IMMEDIATE` or `SERIALIZABLE` (with the retry below);
//!   the memory store holds its write lock. A read transaction is a snapshot.
//! - **Atomicity (R12).** Nothing a transaction wrote is visible to anyone
//!   else before [`Transaction::commit`] returns `Ok`, and nothing ever if
//!   the transaction is dropped, the commit fails, or the thread panics.
//! - **Contention is an error, not a wait without end.** A transaction that
//!   loses a race (a serialization failure, a deadlock, a database busy
//!   past its timeout) fails with [`StoreError::Contention`]. The directory
//!   then runs the *whole* operation again, from `begin_write`, a bounded
//!   number of times with backoff ([`StoreError::is_retryable`]); a store
//!   never retries on its own.
//! - **A failed write may end the transaction.** After any method of a
//!   transaction returns `Err`, the store may refuse everything but dropping
//!   it (PostgreSQL aborts the whole transaction on any error). The
//!   directory never goes on after a failed write: it maps the error and
//!   drops the transaction, and so must any caller.
//! - **Uniqueness.** Inserting what already exists fails with
//!   [`StoreError::Conflict`]: an account number; a user's [`UserId`]; a
//!   user's email identity (ignoring case) on insert, or on an update that
//!   changes it; a group name within an account (ignoring case, see
//!   [`GroupName::key`]); a membership; a registration selector; a
//!   provisioning token's id. Within one account, no two users have the
//!   same SCIM `userName` (compared by [`UserName::key`](crate::UserName::key),
//!   ignoring case) or the same `externalId` (compared exactly): putting an
//!   [`ExternalIdentity`] that repeats another user's fails; the same user's
//!   names may change case or be replaced, and another account's users may
//!   have the same. A group's `externalId` is not unique. A pending
//!   registration is unique per (email identity, account), and an external
//!   identity per (account, user): both are replaced in place. Changing
//!   what does not exist fails with [`StoreError::NotFound`].
//! - **Revisions.** A new user or group has revision 0. Each
//!   [`Transaction::update_user`] stores the user with its stored revision
//!   plus one; [`Transaction::set_sign_in_state`] leaves it; renaming a
//!   group, setting or clearing its `externalId`, and adding or removing
//!   one of its members, add one to the group's; deleting a user adds one
//!   to each group they leave.
//! - **Group numbers** are given per account in creation order, starting at
//!   1 (so the first group of an account is [`GroupId::administrators`]),
//!   and never reused after a deletion. When an account has used every
//!   number up to `u32::MAX`, creating a group fails with
//!   [`StoreError::Backend`]; a number never wraps around to 1.
//! - **Audit sequence numbers** are unique across the store. Within one
//!   account they increase in commit order: a record committed after
//!   another in the same account has a higher number, so a trail read
//!   newest first by sequence is in the order its changes happened. Numbers
//!   may have gaps (a store may spend numbers on transactions that rolled
//!   back, and the numbers are shared by all accounts), so nothing may be
//!   read into the distance between two of them.
//!
//! # Growing the contract
//!
//! Every method that exists today is required: none has a default that
//! quietly answers through other, slower methods, so a wrapper store that
//! forgets to forward one does not compile rather than losing the inner
//! store's fast path. Methods added from now on get a default that returns
//! [`StoreError::Unsupported`], so a store written against an older
//! version keeps compiling and the conformance suite reports what it lacks.
//!
//! # Wrapper stores
//!
//! A store that wraps another (to count, to fail on purpose, to cache)
//! implements only what it changes and forwards the rest with
//! [`forward_reader!`](crate::forward_reader) and
//! [`forward_writes!`](crate::forward_writes), which forward *every*
//! method, fast paths included; see [`FailingStore`](crate::testing::FailingStore)
//! (feature `testing`).

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod codec;
mod forward;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresConfig, PostgresRead, PostgresStore, PostgresWrite, TlsMode};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use crate::i18n::{Arg, Localize, Message};
use crate::model::{
    Account, AccountDetails, AccountNumber, AuditEntry, AuditRecord, Email, ExternalId,
    ExternalIdentity, Group, GroupId, GroupName, GroupSummary, Name, PendingRegistration,
    ProvisioningCredential, SignInState, User, UserBrief, UserId, UserRef, UserRow,
};
use crate::paging::Search;

type Source = Box<dyn std::error::Error + Send + Sync>;

/// A failure of the store, as distinct from a refusal by the directory.
///
/// Failures to *open* a store are the opening store's own error type
/// (`SqliteStore`, for one): this type holds what every store can say
/// about a transaction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// What was inserted already exists (see the uniqueness contract).
    #[error("the record already exists")]
    Conflict,
    /// What was to be changed does not exist.
    #[error("the record does not exist")]
    NotFound,
    /// The transaction lost a race with another one (a serialization
    /// failure, a deadlock, a busy database) and was rolled back: running
    /// the whole operation again may succeed. The directory does, a bounded
    /// number of times.
    #[error("the store is busy with other transactions: {0}")]
    Contention(#[source] Source),
    /// The store cannot be reached now (a lost connection, a closed pool).
    /// Nothing was written; whether trying later succeeds depends on why.
    #[error("the store is unavailable: {0}")]
    Unavailable(#[source] Source),
    /// The stored data is damaged: a page of the file, or a value that can
    /// no longer be read back. What the source says names neither values nor
    /// file contents.
    #[error("the stored data is damaged")]
    Corrupt(#[source] Source),
    /// The disk (or a size limit of the store) is full; the write was rolled
    /// back. Freeing space and trying again may succeed.
    #[error("the storage is full")]
    StorageFull,
    /// The store does not implement this operation: it was written against
    /// an older version of the contract.
    #[error("the store does not support {operation}")]
    Unsupported {
        /// The [`Reader`] or [`Transaction`] method.
        operation: &'static str,
    },
    /// Any other failure of the backend.
    #[error("the store failed: {0}")]
    Backend(#[source] Source),
}

impl StoreError {
    /// A backend failure from any error.
    pub fn backend(error: impl Into<Source>) -> StoreError {
        StoreError::Backend(error.into())
    }

    /// `true` for [`StoreError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict)
    }

    /// `true` for [`StoreError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound)
    }

    /// `true` when running the whole operation again may succeed:
    /// [`StoreError::Contention`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Contention(_))
    }
}

/// Why a store could not be opened. Stores that open a file or connect to
/// a server (`SqliteStore`, for one) return it; once open, a store only
/// ever fails with a [`StoreError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The store could not be reached: a path naming a missing folder or a
    /// folder rather than a file, a file this process may not read and
    /// write, a server that refuses the connection. The cause is the source.
    #[error("the store could not be opened: {0}")]
    CannotOpen(#[source] Source),
    /// What was opened is not a store of this crate: not a database at all,
    /// or one that belongs to another application. It was left untouched.
    #[error("the file is not a database of this crate")]
    NotADatabase,
    /// The database was written by a newer version of this crate, with a
    /// schema this version does not know. It was left untouched: upgrade the
    /// crate to use it.
    #[error(
        "the database has schema version {found}, newer than the version {supported} this crate knows"
    )]
    NewerSchema {
        /// The schema version found in the database.
        found: u32,
        /// The newest schema version this crate knows.
        supported: u32,
    },
    /// The store was reached, but preparing it (a migration, a check)
    /// failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localize for OpenError {
    fn message(&self) -> Message {
        match self {
            OpenError::CannotOpen(_) => Message::new("error-store-cannot-open"),
            OpenError::NotADatabase => Message::new("error-store-not-a-database"),
            OpenError::NewerSchema { found, supported } => Message::new("error-store-newer-schema")
                .arg("found", Arg::Count(u64::from(*found)))
                .arg("supported", Arg::Count(u64::from(*supported))),
            OpenError::Store(error) => store_error_message(error),
        }
    }
}

/// What a store failure says to the reader: nothing of its cause.
pub(crate) fn store_error_message(error: &StoreError) -> Message {
    match error {
        StoreError::Contention(_) => Message::new("error-store-busy"),
        StoreError::Corrupt(_) => Message::new("error-store-corrupt"),
        StoreError::StorageFull => Message::new("error-store-full"),
        _ => Message::new("error-store"),
    }
}

/// Reads, inside a snapshot or a write transaction.
///
/// Every method is one question a networked store can answer in one round
/// trip; the ones the directory asks on every operation are marked *hot*.
pub trait Reader {
    /// The account with this number.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn account(&self, number: AccountNumber) -> Result<Option<Account>, StoreError>;

    /// The user with this id.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// The id of the user whose email identity equals `email`'s, ignoring case.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn user_id(&self, email: &Email) -> Result<Option<UserId>, StoreError>;

    /// *Hot.* What the rules ask of a user: id, email, status and who chose
    /// the password, without the rest of the record.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn user_brief(&self, id: UserId) -> Result<Option<UserBrief>, StoreError>;

    /// *Hot.* Whether `user` is active and a member of the account's
    /// *Account Administrators* group.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn is_active_admin(&self, account: AccountNumber, user: UserId) -> Result<bool, StoreError>;

    /// The group with this id.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn group(&self, id: GroupId) -> Result<Option<Group>, StoreError>;

    /// The groups of an account with their member counts, in group-number order.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn groups(&self, account: AccountNumber) -> Result<Vec<GroupSummary>, StoreError>;

    /// Whether the user is a member of the group.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn is_member(&self, group: GroupId, user: UserId) -> Result<bool, StoreError>;

    /// How many members the group has (0 for a group that does not exist).
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn member_count(&self, group: GroupId) -> Result<usize, StoreError>;

    /// The group's members, ordered by email identity.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn members(&self, group: GroupId) -> Result<Vec<UserRef>, StoreError>;

    /// The groups the user is a member of, in every account, in
    /// [`GroupId`] order (the accounts that govern the user, R13, follow).
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn user_groups(&self, user: UserId) -> Result<Vec<GroupId>, StoreError>;

    /// The account's most recent audit entries, newest first, at most `limit`.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn audit(&self, account: AccountNumber, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;

    /// A page of the account's audit trail, newest first: at most `limit`
    /// entries with a sequence number below `before` (from the newest if
    /// `None`), only those whose [`Action::target`](crate::Action::target)
    /// is `target` if given. A store answers it from an index, in time
    /// that grows with the page, not with the trail.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] from a store written before it; a
    /// [`StoreError`] if the store fails.
    fn audit_page(
        &self,
        account: AccountNumber,
        target: Option<UserId>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let _ = (account, target, before, limit);
        Err(StoreError::Unsupported {
            operation: "audit_page",
        })
    }

    /// A page of the users `account` governs (R13: created in it, or
    /// members of one of its groups), as the rows of its Users tab, ordered
    /// by email identity and then id: at most `limit`, those after `after`
    /// (an identity and an id), only those whose email identity starts with
    /// `prefix` if given. Each row is [`UserRow::new`] of its user, with
    /// `administrator` telling whether the user is a member of the
    /// account's *Account Administrators*; `locked_until` is the stored
    /// one, ended or not. A store answers it from an index of each
    /// account's users, in time that grows with the page, not with the
    /// users.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] from a store written before it; a
    /// [`StoreError`] if the store fails.
    fn account_users(
        &self,
        account: AccountNumber,
        prefix: Option<&str>,
        after: Option<(&str, UserId)>,
        limit: usize,
    ) -> Result<Vec<UserRow>, StoreError> {
        let _ = (account, prefix, after, limit);
        Err(StoreError::Unsupported {
            operation: "account_users",
        })
    }

    /// How many users `account` governs.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] from a store written before it; a
    /// [`StoreError`] if the store fails.
    fn account_user_count(&self, account: AccountNumber) -> Result<u64, StoreError> {
        let _ = account;
        Err(StoreError::Unsupported {
            operation: "account_user_count",
        })
    }

    /// A page of the accounts in number order: at most `limit`, those with
    /// a number above `after` if given, only those `search` finds if given
    /// ([`Search::account_numbers`] for a search of digits,
    /// [`Search::found_in`] their name for any other). A page of every
    /// account or of a search of digits is read from an index, in time
    /// that grows with the page; a search of names reads the accounts in
    /// number order until the page is full.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] from a store written before it; a
    /// [`StoreError`] if the store fails.
    fn accounts_page(
        &self,
        search: Option<&Search>,
        after: Option<AccountNumber>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        let _ = (search, after, limit);
        Err(StoreError::Unsupported {
            operation: "accounts_page",
        })
    }

    /// The account with what it holds: how many users it governs (created
    /// in it, or members of one of its groups, each once), groups, and
    /// active administrators; `None` without the account.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] from a store written before it; a
    /// [`StoreError`] if the store fails.
    fn account_details(&self, number: AccountNumber) -> Result<Option<AccountDetails>, StoreError> {
        let _ = number;
        Err(StoreError::Unsupported {
            operation: "account_details",
        })
    }

    /// A page of a group's members, ordered by email identity and then by
    /// id: at most `limit`, those after `after` (an identity and an id) if
    /// given. A store answers it from an index, in time that grows with the
    /// page, not with the group or the users.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] from a store written before it; a
    /// [`StoreError`] if the store fails.
    fn members_page(
        &self,
        group: GroupId,
        after: Option<(&str, UserId)>,
        limit: usize,
    ) -> Result<Vec<UserRef>, StoreError> {
        let _ = (group, after, limit);
        Err(StoreError::Unsupported {
            operation: "members_page",
        })
    }

    /// A page of the account's pending registrations, ordered by expiry and
    /// then by email identity: at most `limit`, those after `after` (an
    /// expiry and an identity) if given. A store answers it from an index,
    /// in time that grows with the page, not with the registrations.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] from a store written before it; a
    /// [`StoreError`] if the store fails.
    fn registrations_page(
        &self,
        account: AccountNumber,
        after: Option<(DateTime<Utc>, &str)>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError> {
        let _ = (account, after, limit);
        Err(StoreError::Unsupported {
            operation: "registrations_page",
        })
    }

    /// The pending registration of `email` for `account`, if any.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn registration(
        &self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<Option<PendingRegistration>, StoreError>;

    /// Every pending registration of `email`, one per account at most, in
    /// account order.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn registrations(&self, email: &Email) -> Result<Vec<PendingRegistration>, StoreError>;

    /// Pending registrations that expired at or before `now`, at most `limit`
    /// of them, in no particular order.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn expired_registrations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError>;

    /// The pending registration whose token has this selector, if any.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn registration_by_selector(
        &self,
        selector: &str,
    ) -> Result<Option<PendingRegistration>, StoreError>;

    /// How many *active* members the account's *Account Administrators*
    /// group has: those for whom [`Reader::is_active_admin`] is `true`
    /// (0 for an account that does not exist). R16 counts them.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn active_admin_count(&self, account: AccountNumber) -> Result<usize, StoreError> {
        let _ = account;
        Err(StoreError::Unsupported {
            operation: "Reader::active_admin_count",
        })
    }

    /// What `account`'s identity provider calls `user`, if it has named
    /// them (SCIM `userName`, `externalId` and `displayName`).
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn external_identity(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<Option<ExternalIdentity>, StoreError> {
        let _ = (account, user);
        Err(StoreError::Unsupported {
            operation: "Reader::external_identity",
        })
    }

    /// The user whose `userName` in `account` has this
    /// [`key`](crate::UserName::key), found through an index.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn user_by_user_name(
        &self,
        account: AccountNumber,
        key: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let _ = (account, key);
        Err(StoreError::Unsupported {
            operation: "Reader::user_by_user_name",
        })
    }

    /// The user whose `externalId` in `account` is exactly this, found
    /// through an index.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn user_by_external_id(
        &self,
        account: AccountNumber,
        external_id: &ExternalId,
    ) -> Result<Option<UserId>, StoreError> {
        let _ = (account, external_id);
        Err(StoreError::Unsupported {
            operation: "Reader::user_by_external_id",
        })
    }

    /// The `externalId` the account's identity provider gave the group, if
    /// any.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn group_external_id(&self, group: GroupId) -> Result<Option<ExternalId>, StoreError> {
        let _ = group;
        Err(StoreError::Unsupported {
            operation: "Reader::group_external_id",
        })
    }

    /// The provisioning token with this public id, if any.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn provisioning_credential(
        &self,
        id: &str,
    ) -> Result<Option<ProvisioningCredential>, StoreError> {
        let _ = id;
        Err(StoreError::Unsupported {
            operation: "Reader::provisioning_credential",
        })
    }

    /// Every provisioning token of `account`, oldest first (then by id).
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn provisioning_credentials(
        &self,
        account: AccountNumber,
    ) -> Result<Vec<ProvisioningCredential>, StoreError> {
        let _ = account;
        Err(StoreError::Unsupported {
            operation: "Reader::provisioning_credentials",
        })
    }
}

/// Writes, inside a write transaction. See the [module docs](self) for the
/// contract; after any `Err` the transaction may only be dropped.
pub trait Transaction: Reader {
    /// Inserts an account.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] if the number is taken.
    fn insert_account(&mut self, account: &Account) -> Result<(), StoreError>;

    /// Creates a group in an account with the account's next group number,
    /// at revision 0.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] without the account, [`StoreError::Conflict`]
    /// if the account has a group of the same [`GroupName::key`].
    fn insert_group(
        &mut self,
        account: AccountNumber,
        name: &GroupName,
        created_at: DateTime<Utc>,
    ) -> Result<Group, StoreError>;

    /// Renames an account.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] without the account;
    /// [`StoreError::Unsupported`] from a store written before it.
    fn rename_account(&mut self, number: AccountNumber, name: &Name) -> Result<(), StoreError> {
        let _ = (number, name);
        Err(StoreError::Unsupported {
            operation: "rename_account",
        })
    }

    /// Renames a group and returns its new revision.
    ///
    /// # Errors
    /// `NotFound` or `Conflict` as for [`Transaction::insert_group`].
    fn rename_group(&mut self, id: GroupId, name: &GroupName) -> Result<u64, StoreError>;

    /// Deletes a group and its memberships.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if it does not exist.
    fn delete_group(&mut self, id: GroupId) -> Result<(), StoreError>;

    /// Inserts a user, with the revision it has.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] if its id or its email identity is taken.
    fn insert_user(&mut self, user: &User) -> Result<(), StoreError>;

    /// Replaces everything stored about the user with this id (email,
    /// names, status, credential, sign-in state), at the stored revision
    /// plus one, which it returns. Memberships are untouched.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such user,
    /// [`StoreError::Conflict`] if the new email identity is another user's.
    fn update_user(&mut self, user: &User) -> Result<u64, StoreError>;

    /// Stores the user's sign-in bookkeeping (failure counts, locks). It is
    /// not a change of the user: the revision stays, so that signing in
    /// never makes a caller's copy of the user stale.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such user.
    fn set_sign_in_state(&mut self, user: UserId, state: &SignInState) -> Result<(), StoreError>;

    /// Stores a pending registration, replacing the one of the same email
    /// identity *and account* (whose token then stops working) and no other
    /// (R14).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] if another registration has the same selector.
    fn put_registration(&mut self, registration: &PendingRegistration) -> Result<(), StoreError>;

    /// Deletes the pending registration of `email` for `account`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is none.
    fn delete_registration(
        &mut self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<(), StoreError>;

    /// Puts a user into a group.
    ///
    /// # Errors
    /// `NotFound` without the group or the user, `Conflict` if already a member.
    fn add_member(&mut self, group: GroupId, user: UserId) -> Result<(), StoreError>;

    /// Takes a user out of a group.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if not a member.
    fn remove_member(&mut self, group: GroupId, user: UserId) -> Result<(), StoreError>;

    /// Appends an audit record, which the store keeps, and returns its
    /// sequence number.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn append_audit(&mut self, record: AuditRecord) -> Result<u64, StoreError>;

    /// Deletes the user with this id, every membership they have and every
    /// [`ExternalIdentity`] of theirs. Their
    /// id is never given to anyone again (ids are random); their email
    /// identity is free for a new user. The audit trail keeps what it
    /// recorded about them.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such user.
    fn delete_user(&mut self, id: UserId) -> Result<(), StoreError> {
        let _ = id;
        Err(StoreError::Unsupported {
            operation: "Transaction::delete_user",
        })
    }

    /// Stores what `identity.account`'s identity provider calls
    /// `identity.user`, replacing what it called them before.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// [`StoreError::NotFound`] without the account or the user;
    /// [`StoreError::Conflict`] if another user of the account has the same
    /// `userName` [key](crate::UserName::key) or the same `externalId`.
    fn put_external_identity(&mut self, identity: &ExternalIdentity) -> Result<(), StoreError> {
        let _ = identity;
        Err(StoreError::Unsupported {
            operation: "Transaction::put_external_identity",
        })
    }

    /// Forgets what `account`'s identity provider calls `user`.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if it named them nothing.
    fn delete_external_identity(
        &mut self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<(), StoreError> {
        let _ = (account, user);
        Err(StoreError::Unsupported {
            operation: "Transaction::delete_external_identity",
        })
    }

    /// Sets (or, with `None`, clears) the group's `externalId`, and returns
    /// the group's new revision: like a rename, it moves the revision by
    /// one. Deleting the group deletes it.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// [`StoreError::NotFound`] without the group.
    fn set_group_external_id(
        &mut self,
        group: GroupId,
        external_id: Option<&ExternalId>,
    ) -> Result<u64, StoreError> {
        let _ = (group, external_id);
        Err(StoreError::Unsupported {
            operation: "Transaction::set_group_external_id",
        })
    }

    /// Stores a new provisioning token.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// [`StoreError::NotFound`] without the account;
    /// [`StoreError::Conflict`] if its id is taken.
    fn insert_provisioning_credential(
        &mut self,
        credential: &ProvisioningCredential,
    ) -> Result<(), StoreError> {
        let _ = credential;
        Err(StoreError::Unsupported {
            operation: "Transaction::insert_provisioning_credential",
        })
    }

    /// Deletes a provisioning token: it stops working.
    ///
    /// Added after the first contract: the default returns
    /// [`StoreError::Unsupported`].
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is none with this id.
    fn delete_provisioning_credential(&mut self, id: &str) -> Result<(), StoreError> {
        let _ = id;
        Err(StoreError::Unsupported {
            operation: "Transaction::delete_provisioning_credential",
        })
    }

    /// Makes every write of the transaction visible at once.
    ///
    /// # Errors
    /// A [`StoreError`] if the commit failed; then nothing was written.
    /// [`StoreError::Contention`] means running the operation again may
    /// succeed.
    fn commit(self) -> Result<(), StoreError>
    where
        Self: Sized;
}

/// A place to keep the directory: see the [module docs](self) for the contract.
///
/// Transactions borrow the store, so a store is shared between threads
/// (`Send + Sync`) and each thread opens its own.
pub trait Store: Send + Sync {
    /// A read snapshot.
    type Read<'s>: Reader
    where
        Self: 's;

    /// A write transaction.
    type Write<'s>: Transaction
    where
        Self: 's;

    /// Opens a consistent snapshot, ended by dropping it.
    ///
    /// # Errors
    /// A [`StoreError`] if the store cannot open one now.
    fn begin_read(&self) -> Result<Self::Read<'_>, StoreError>;

    /// Opens a write transaction: committed by [`Transaction::commit`],
    /// rolled back when dropped without it.
    ///
    /// # Errors
    /// A [`StoreError`] if the store cannot open one now
    /// ([`StoreError::Contention`] if it is busy).
    fn begin_write(&self) -> Result<Self::Write<'_>, StoreError>;

    /// The hot path, asked on its own: whether `user` is an active member
    /// of `account`'s *Account Administrators*, as
    /// [`Reader::is_active_admin`] answers it in a snapshot of its own
    /// (what this default does). A store for which a snapshot costs more
    /// than the question overrides it: `PostgresStore` asks in one
    /// statement, one round trip, without a transaction around it. Unlike
    /// the methods added to [`Reader`] and [`Transaction`], its default is
    /// not [`StoreError::Unsupported`]: it is the same answer by the
    /// required methods, not a fast path a wrapper could lose.
    ///
    /// # Errors
    /// A [`StoreError`] if the store fails.
    fn is_active_admin_now(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<bool, StoreError> {
        self.begin_read()?.is_active_admin(account, user)
    }
}

macro_rules! forward_store {
    ($($wrapper:ident),*) => {$(
        impl<S: Store + ?Sized> Store for $wrapper<S> {
            type Read<'s> = S::Read<'s> where Self: 's;
            type Write<'s> = S::Write<'s> where Self: 's;

            fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
                (**self).begin_read()
            }

            fn begin_write(&self) -> Result<Self::Write<'_>, StoreError> {
                (**self).begin_write()
            }

            fn is_active_admin_now(
                &self,
                account: AccountNumber,
                user: UserId,
            ) -> Result<bool, StoreError> {
                (**self).is_active_admin_now(account, user)
            }
        }
    )*};
}

forward_store!(Arc, Box);

impl<S: Store + ?Sized> Store for &S {
    type Read<'s>
        = S::Read<'s>
    where
        Self: 's;
    type Write<'s>
        = S::Write<'s>
    where
        Self: 's;

    fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
        (**self).begin_read()
    }

    fn begin_write(&self) -> Result<Self::Write<'_>, StoreError> {
        (**self).begin_write()
    }

    fn is_active_admin_now(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<bool, StoreError> {
        (**self).is_active_admin_now(account, user)
    }
}
