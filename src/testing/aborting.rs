//! A store wrapper that ends a transaction at its first failed write, as
//! PostgreSQL does.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};

use crate::model::{
    Account, AccountNumber, AuditRecord, Email, Group, GroupId, GroupName, PendingRegistration,
    SignInState, User, UserId,
};
use crate::store::{Reader, Store, StoreError, Transaction};

/// Wraps a store so that its write transactions behave like PostgreSQL's:
/// once a write of a transaction has returned `Err`, every further read,
/// write and the commit of that transaction fail with
/// [`StoreError::Backend`] ("transaction aborted"), and only dropping it
/// (which rolls it back) is left.
///
/// The [store contract](crate::store) allows exactly this, so code that
/// passes its tests on `AbortingStore` never goes on with a transaction
/// after a failed write, whatever store it later runs on. The
/// [conformance suite](super::conformance) passes on it, and runs the
/// [`Directory`](crate::Directory) over it to show that an operation stops
/// at its first failed write.
///
/// Read snapshots ([`Store::begin_read`]) are the inner store's, unchanged.
/// A read that fails does not abort the transaction (the stores of this
/// crate never fail a read); only writes do. To see what a caller does
/// after a write fails for another reason than a conflict, wrap a
/// [`FailingStore`](super::FailingStore): `AbortingStore::new(FailingStore::new(store))`.
///
/// ```
/// use cres_admin::store::{MemoryStore, Reader, Store, Transaction};
/// use cres_admin::testing::{AbortingStore, fixtures};
/// use cres_admin::AccountNumber;
///
/// let store = AbortingStore::new(MemoryStore::new());
/// let mut tx = store.begin_write()?;
/// tx.insert_account(&fixtures::account(1))?;
/// // The second insert of account 1 is a conflict, and aborts the transaction:
/// assert!(tx.insert_account(&fixtures::account(1)).unwrap_err().is_conflict());
/// assert!(tx.account(AccountNumber::new(1)).is_err(), "no read");
/// assert!(tx.insert_account(&fixtures::account(2)).is_err(), "no write");
/// assert!(tx.commit().is_err(), "no commit");
/// assert_eq!((store.aborted(), store.refusals()), (1, 3));
/// // Nothing of it was written.
/// assert_eq!(store.begin_read()?.account(AccountNumber::new(1))?, None);
/// # Ok::<(), cres_admin::StoreError>(())
/// ```
#[derive(Debug, Default)]
pub struct AbortingStore<S> {
    inner: S,
    counters: Counters,
}

#[derive(Debug, Default)]
struct Counters {
    aborted: AtomicUsize,
    refusals: AtomicUsize,
}

impl<S: Store> AbortingStore<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> AbortingStore<S> {
        AbortingStore {
            inner,
            counters: Counters::default(),
        }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The wrapped store, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// How many write transactions a failed write has aborted so far.
    pub fn aborted(&self) -> usize {
        self.counters.aborted.load(Ordering::SeqCst)
    }

    /// How many calls (reads, writes, commits) were refused because their
    /// transaction had aborted: code that keeps the store contract makes
    /// none.
    pub fn refusals(&self) -> usize {
        self.counters.refusals.load(Ordering::SeqCst)
    }
}

impl<S: Store> Store for AbortingStore<S> {
    type Read<'s>
        = S::Read<'s>
    where
        Self: 's;
    type Write<'s>
        = AbortingTransaction<'s, S::Write<'s>>
    where
        Self: 's;

    fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
        self.inner.begin_read()
    }

    fn begin_write(&self) -> Result<Self::Write<'_>, StoreError> {
        Ok(AbortingTransaction {
            inner: self.inner.begin_write()?,
            aborted: false,
            counters: &self.counters,
        })
    }
}

/// A write transaction of an [`AbortingStore`]: the inner store's, until a
/// write fails; from then on it refuses everything. Dropping it rolls the
/// inner transaction back.
#[derive(Debug)]
pub struct AbortingTransaction<'s, W> {
    inner: W,
    aborted: bool,
    counters: &'s Counters,
}

impl<W> AbortingTransaction<'_, W> {
    /// Whether a write of this transaction has failed, so that it refuses
    /// everything but being dropped.
    pub fn is_aborted(&self) -> bool {
        self.aborted
    }

    /// The inner transaction, or the refusal of an aborted one.
    fn live(&self) -> Result<&W, StoreError> {
        if self.aborted {
            self.counters.refusals.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::backend(
                "transaction aborted: one of its writes failed, it may only be dropped",
            ))
        } else {
            Ok(&self.inner)
        }
    }

    /// Runs one write on the inner transaction, unless aborted; a failure
    /// aborts the transaction.
    fn write<T>(
        &mut self,
        write: impl FnOnce(&mut W) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.live()?;
        let result = write(&mut self.inner);
        if result.is_err() {
            self.aborted = true;
            self.counters.aborted.fetch_add(1, Ordering::SeqCst);
        }
        result
    }
}

// Every read checks first that the transaction has not aborted: the inner
// reader is `self.live()?`, which is the refusal of an aborted transaction.
crate::forward_reader!(['s, W: Reader] AbortingTransaction<'s, W>, self => self.live()?);

// By hand rather than with `forward_writes!`: that macro runs a block before
// each write but cannot see what the write returned, and a failed write is
// what aborts the transaction.
impl<W: Transaction> Transaction for AbortingTransaction<'_, W> {
    fn insert_account(&mut self, account: &Account) -> Result<(), StoreError> {
        self.write(|tx| tx.insert_account(account))
    }

    fn insert_group(
        &mut self,
        account: AccountNumber,
        name: &GroupName,
        created_at: DateTime<Utc>,
    ) -> Result<Group, StoreError> {
        self.write(|tx| tx.insert_group(account, name, created_at))
    }

    fn rename_group(&mut self, id: GroupId, name: &GroupName) -> Result<u64, StoreError> {
        self.write(|tx| tx.rename_group(id, name))
    }

    fn delete_group(&mut self, id: GroupId) -> Result<(), StoreError> {
        self.write(|tx| tx.delete_group(id))
    }

    fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        self.write(|tx| tx.insert_user(user))
    }

    fn update_user(&mut self, user: &User) -> Result<u64, StoreError> {
        self.write(|tx| tx.update_user(user))
    }

    fn set_sign_in_state(&mut self, user: UserId, state: &SignInState) -> Result<(), StoreError> {
        self.write(|tx| tx.set_sign_in_state(user, state))
    }

    fn put_registration(&mut self, registration: &PendingRegistration) -> Result<(), StoreError> {
        self.write(|tx| tx.put_registration(registration))
    }

    fn delete_registration(
        &mut self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<(), StoreError> {
        self.write(|tx| tx.delete_registration(email, account))
    }

    fn add_member(&mut self, group: GroupId, user: UserId) -> Result<(), StoreError> {
        self.write(|tx| tx.add_member(group, user))
    }

    fn remove_member(&mut self, group: GroupId, user: UserId) -> Result<(), StoreError> {
        self.write(|tx| tx.remove_member(group, user))
    }

    fn append_audit(&mut self, record: AuditRecord) -> Result<u64, StoreError> {
        self.write(|tx| tx.append_audit(record))
    }

    fn delete_user(&mut self, id: UserId) -> Result<(), StoreError> {
        self.write(|tx| tx.delete_user(id))
    }

    fn commit(self) -> Result<(), StoreError> {
        self.live()?;
        self.inner.commit()
    }
}
