//! Where the directory keeps its data: the [`Store`] trait and the stores
//! that ship with the crate.
//!
//! # The contract
//!
//! A store offers read snapshots ([`Store::read`]) and all-or-nothing write
//! transactions ([`Store::write`]). The directory runs each operation as one
//! closure: it reads, decides, and writes through the [`Transaction`] it is
//! handed. The store must guarantee:
//!
//! - **Isolation.** Write transactions are serializable: the closure sees
//!   the effects of every transaction committed before it and of its own
//!   writes, and no other transaction's writes meanwhile. A SQL store gets
//!   this from `BEGIN IMMEDIATE` (or `SERIALIZABLE`); the memory store holds
//!   its write lock.
//! - **Atomicity (R12).** If the closure returns `Err` or panics, or the
//!   commit fails, nothing it wrote is visible, ever.
//! - **Retry.** The store may run the closure again (after a serialization
//!   failure, say), so the closure must have no effect outside the
//!   transaction; the directory's closures have none.
//! - **Uniqueness.** Inserting what already exists fails with
//!   [`StoreError::Conflict`]: an account number, a user's email identity
//!   (ignoring case), a group name within an account (ignoring case, see
//!   [`GroupName::key`]), a membership, a registration selector. A pending
//!   registration is unique per (email identity, account) and replaced in
//!   place. Changing what does not exist fails
//!   with [`StoreError::NotFound`].
//! - **Group numbers** are given per account in creation order, starting at
//!   1 (so the first group of an account is [`GroupId::administrators`]),
//!   and never reused after a deletion. When an account has used every
//!   number up to `u32::MAX`, creating a group fails with
//!   [`StoreError::Backend`]; a number never wraps around to 1.
//! - **Audit sequence numbers** grow with every appended record, across
//!   accounts.
//!
//! Everything here is object safe: `Box<dyn Store>` and `Arc<dyn Store>` are
//! stores too.

#[cfg(feature = "sqlite")]
mod codec;
mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteOpenError, SqliteStore};

use crate::Error;
use crate::model::{
    Account, AccountNumber, AuditEntry, AuditRecord, Email, Group, GroupId, GroupName,
    GroupSummary, PendingRegistration, User,
};

/// A failure of the store, as distinct from a refusal by the directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// What was inserted already exists (see the uniqueness contract).
    #[error("the record already exists")]
    Conflict,
    /// What was to be changed does not exist.
    #[error("the record does not exist")]
    NotFound,
    /// The store is busy or unreachable right now; trying again may succeed.
    #[error("the store is unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Any other failure of the backend.
    #[error("the store failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store could not be opened: its path names a missing folder or a
    /// folder rather than a file, or this process may not read and write it.
    /// The cause is the source.
    #[error("the store could not be opened: {0}")]
    CannotOpen(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The file is not a database of this crate: not a SQLite database at
    /// all, or one that belongs to another application. It was left untouched.
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
    /// The stored data is damaged: a page of the file, or a value that can
    /// no longer be read back. What the source says names neither values nor
    /// file contents.
    #[error("the stored data is damaged")]
    Corrupt(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The disk (or a size limit of the store) is full; the write was rolled
    /// back. Freeing space and trying again may succeed.
    #[error("the storage is full")]
    StorageFull,
}

impl StoreError {
    /// A backend failure from any error.
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
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
}

/// Reads, inside a snapshot or a write transaction.
pub trait Reader {
    /// The account with this number.
    fn account(&self, number: AccountNumber) -> Result<Option<Account>, StoreError>;

    /// The user whose email identity equals `email`'s, ignoring case.
    fn user(&self, email: &Email) -> Result<Option<User>, StoreError>;

    /// The group with this id.
    fn group(&self, id: GroupId) -> Result<Option<Group>, StoreError>;

    /// The groups of an account with their member counts, in group-number order.
    fn groups(&self, account: AccountNumber) -> Result<Vec<GroupSummary>, StoreError>;

    /// Whether the user is a member of the group.
    fn is_member(&self, group: GroupId, email: &Email) -> Result<bool, StoreError>;

    /// How many members the group has (0 for a group that does not exist).
    fn member_count(&self, group: GroupId) -> Result<usize, StoreError>;

    /// The group's members, ordered by email identity.
    fn members(&self, group: GroupId) -> Result<Vec<Email>, StoreError>;

    /// The account's most recent audit entries, newest first, at most `limit`.
    fn audit(&self, account: AccountNumber, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;

    /// The groups the user is a member of, in every account, in
    /// [`GroupId`] order (the accounts that govern the user, R13, follow).
    fn user_groups(&self, email: &Email) -> Result<Vec<GroupId>, StoreError>;

    /// The pending registration of `email` for `account`, if any.
    fn registration(
        &self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<Option<PendingRegistration>, StoreError>;

    /// Every pending registration of `email`, one per account at most, in
    /// account order.
    fn registrations(&self, email: &Email) -> Result<Vec<PendingRegistration>, StoreError>;

    /// Pending registrations that expired at or before `now`, at most `limit`
    /// of them, in no particular order.
    fn expired_registrations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError>;

    /// The pending registration whose token has this selector, if any.
    fn registration_by_selector(
        &self,
        selector: &str,
    ) -> Result<Option<PendingRegistration>, StoreError>;

    /// Whether the user is in the account's *Account Administrators* group.
    /// The directory asks this on every operation: keep it cheap.
    fn is_account_admin(&self, account: AccountNumber, email: &Email) -> Result<bool, StoreError> {
        self.is_member(GroupId::administrators(account), email)
    }
}

/// Writes, inside a write transaction. See the [module docs](self) for the contract.
pub trait Transaction: Reader {
    /// Inserts an account; [`StoreError::Conflict`] if the number is taken.
    fn insert_account(&mut self, account: &Account) -> Result<(), StoreError>;

    /// Creates a group in an account with the account's next group number.
    /// [`StoreError::NotFound`] without the account, [`StoreError::Conflict`]
    /// if the account has a group of the same [`GroupName::key`].
    fn insert_group(
        &mut self,
        account: AccountNumber,
        name: &GroupName,
        created_at: DateTime<Utc>,
    ) -> Result<Group, StoreError>;

    /// Renames a group; `NotFound` or `Conflict` as for [`Transaction::insert_group`].
    fn rename_group(&mut self, id: GroupId, name: &GroupName) -> Result<(), StoreError>;

    /// Deletes a group and its memberships; `NotFound` if it does not exist.
    fn delete_group(&mut self, id: GroupId) -> Result<(), StoreError>;

    /// Inserts a user; [`StoreError::Conflict`] if the email identity is taken.
    fn insert_user(&mut self, user: &User) -> Result<(), StoreError>;

    /// Replaces everything stored about the user of the same email identity
    /// (credential, status, sign-in state, names, the email's typed form);
    /// [`StoreError::NotFound`] if there is none. Memberships are untouched.
    fn update_user(&mut self, user: &User) -> Result<(), StoreError>;

    /// Stores a pending registration, replacing the one of the same email
    /// identity *and account* (whose token then stops working) and no other
    /// (R14); [`StoreError::Conflict`] if another registration has the same
    /// selector.
    fn put_registration(&mut self, registration: &PendingRegistration) -> Result<(), StoreError>;

    /// Deletes the pending registration of `email` for `account`;
    /// [`StoreError::NotFound`] if there is none.
    fn delete_registration(
        &mut self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<(), StoreError>;

    /// Puts a user into a group: `NotFound` without the group or the user,
    /// `Conflict` if already a member.
    fn add_member(&mut self, group: GroupId, email: &Email) -> Result<(), StoreError>;

    /// Takes a user out of a group: `NotFound` if not a member.
    fn remove_member(&mut self, group: GroupId, email: &Email) -> Result<(), StoreError>;

    /// Appends an audit record and returns its sequence number.
    fn append_audit(&mut self, record: &AuditRecord) -> Result<u64, StoreError>;
}

/// A place to keep the directory: see the [module docs](self) for the contract.
///
/// The closures return the crate's [`Error`] so that a domain refusal found
/// inside a transaction (the last administrator, say) rolls it back like any
/// failure. A store returns the closure's error unchanged, and its own
/// failures as [`Error::Store`].
pub trait Store: Send + Sync {
    /// Runs `f` on a consistent snapshot.
    fn read(&self, f: &mut dyn FnMut(&dyn Reader) -> Result<(), Error>) -> Result<(), Error>;

    /// Runs `f` in a write transaction, committed if `f` returns `Ok` and
    /// rolled back otherwise.
    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Transaction) -> Result<(), Error>,
    ) -> Result<(), Error>;
}

/// Conveniences over [`Store`] for closures that return a value.
pub trait StoreExt: Store {
    /// [`Store::read`], returning what `f` returns.
    fn read_with<T>(&self, mut f: impl FnMut(&dyn Reader) -> Result<T, Error>) -> Result<T, Error> {
        let mut output = None;
        self.read(&mut |reader| {
            output = Some(f(reader)?);
            Ok(())
        })?;
        output.ok_or_else(not_run)
    }

    /// [`Store::write`], returning what `f` returns.
    fn write_with<T>(
        &self,
        mut f: impl FnMut(&mut dyn Transaction) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut output = None;
        self.write(&mut |tx| {
            output = Some(f(tx)?);
            Ok(())
        })?;
        output.ok_or_else(not_run)
    }
}

impl<S: Store + ?Sized> StoreExt for S {}

fn not_run() -> Error {
    Error::Store(StoreError::backend(
        "the store returned success without running the transaction",
    ))
}

/// Implements [`Reader`] for a wrapper by forwarding every read to `$inner`.
macro_rules! forward_reader {
    ([$($generics:tt)*] $type:ty, $this:ident => $inner:expr) => {
        impl<$($generics)*> $crate::store::Reader for $type {
            fn account(
                &$this,
                number: $crate::AccountNumber,
            ) -> Result<Option<$crate::Account>, $crate::StoreError> {
                $inner.account(number)
            }

            fn user(
                &$this,
                email: &$crate::Email,
            ) -> Result<Option<$crate::User>, $crate::StoreError> {
                $inner.user(email)
            }

            fn group(
                &$this,
                id: $crate::GroupId,
            ) -> Result<Option<$crate::Group>, $crate::StoreError> {
                $inner.group(id)
            }

            fn groups(
                &$this,
                account: $crate::AccountNumber,
            ) -> Result<Vec<$crate::GroupSummary>, $crate::StoreError> {
                $inner.groups(account)
            }

            fn is_member(
                &$this,
                group: $crate::GroupId,
                email: &$crate::Email,
            ) -> Result<bool, $crate::StoreError> {
                $inner.is_member(group, email)
            }

            fn member_count(&$this, group: $crate::GroupId) -> Result<usize, $crate::StoreError> {
                $inner.member_count(group)
            }

            fn members(
                &$this,
                group: $crate::GroupId,
            ) -> Result<Vec<$crate::Email>, $crate::StoreError> {
                $inner.members(group)
            }

            fn audit(
                &$this,
                account: $crate::AccountNumber,
                limit: usize,
            ) -> Result<Vec<$crate::AuditEntry>, $crate::StoreError> {
                $inner.audit(account, limit)
            }

            fn user_groups(
                &$this,
                email: &$crate::Email,
            ) -> Result<Vec<$crate::GroupId>, $crate::StoreError> {
                $inner.user_groups(email)
            }

            fn registration(
                &$this,
                email: &$crate::Email,
                account: $crate::AccountNumber,
            ) -> Result<Option<$crate::PendingRegistration>, $crate::StoreError> {
                $inner.registration(email, account)
            }

            fn registrations(
                &$this,
                email: &$crate::Email,
            ) -> Result<Vec<$crate::PendingRegistration>, $crate::StoreError> {
                $inner.registrations(email)
            }

            fn expired_registrations(
                &$this,
                now: chrono::DateTime<chrono::Utc>,
                limit: usize,
            ) -> Result<Vec<$crate::PendingRegistration>, $crate::StoreError> {
                $inner.expired_registrations(now, limit)
            }

            fn registration_by_selector(
                &$this,
                selector: &str,
            ) -> Result<Option<$crate::PendingRegistration>, $crate::StoreError> {
                $inner.registration_by_selector(selector)
            }

            fn is_account_admin(
                &$this,
                account: $crate::AccountNumber,
                email: &$crate::Email,
            ) -> Result<bool, $crate::StoreError> {
                $inner.is_account_admin(account, email)
            }
        }
    };
}
pub(crate) use forward_reader;

macro_rules! forward_store {
    ($($wrapper:ident),*) => {$(
        impl<S: Store + ?Sized> Store for $wrapper<S> {
            fn read(
                &self,
                f: &mut dyn FnMut(&dyn Reader) -> Result<(), Error>,
            ) -> Result<(), Error> {
                (**self).read(f)
            }

            fn write(
                &self,
                f: &mut dyn FnMut(&mut dyn Transaction) -> Result<(), Error>,
            ) -> Result<(), Error> {
                (**self).write(f)
            }
        }
    )*};
}

forward_store!(Arc, Box);

impl<S: Store + ?Sized> Store for &S {
    fn read(&self, f: &mut dyn FnMut(&dyn Reader) -> Result<(), Error>) -> Result<(), Error> {
        (**self).read(f)
    }

    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Transaction) -> Result<(), Error>,
    ) -> Result<(), Error> {
        (**self).write(f)
    }
}
