//! A store wrapper that fails a chosen write.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};

use crate::model::{
    AccountNumber, AuditRecord, Email, Group, GroupId, GroupName, PendingRegistration, User,
};
use crate::store::{Reader, Store, StoreError, Transaction, forward_reader};
use crate::{Account, Error};

/// Wraps a store and fails one chosen write: after
/// [`FailingStore::fail_write`]`(n)`, the `n`-th call (counting from 1) to
/// any [`Transaction`] write method returns [`StoreError::Backend`]. Reads
/// are never affected.
///
/// ```
/// use cres_admin::testing::FailingStore;
/// use cres_admin::{AccountNumber, Actor, Directory, MemoryStore};
///
/// let store = FailingStore::new(MemoryStore::new());
/// store.fail_write(2); // creating an account writes the account, then its group: fail the group
/// let directory = Directory::new(&store);
/// let error = directory.create_account(&Actor::Support, AccountNumber::new(1), "Acme").unwrap_err();
/// assert!(error.is_store_failure());
/// assert!(store.failed());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FailingStore<S> {
    inner: S,
    countdown: AtomicUsize,
    failures: AtomicUsize,
    writes: AtomicUsize,
}

const DISARMED: usize = 0;

impl<S: Store> FailingStore<S> {
    /// Wraps `inner`; no write fails until [`FailingStore::fail_write`].
    pub fn new(inner: S) -> FailingStore<S> {
        FailingStore {
            inner,
            countdown: AtomicUsize::new(DISARMED),
            failures: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        }
    }

    /// Makes the `n`-th write from now fail (`n` ≥ 1); 0 disarms.
    pub fn fail_write(&self, n: usize) {
        self.countdown.store(n, Ordering::SeqCst);
    }

    /// Whether an injected failure has happened.
    pub fn failed(&self) -> bool {
        self.failures() > 0
    }

    /// How many injected failures have happened.
    pub fn failures(&self) -> usize {
        self.failures.load(Ordering::SeqCst)
    }

    /// How many calls to [`Transaction`] write methods were made through the
    /// wrapper, failed or not (including those of transactions that were then
    /// rolled back): what an operation costs in writes.
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn check(&self) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let previous = self
            .countdown
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n != DISARMED).then(|| n - 1)
            });
        if previous == Ok(1) {
            self.failures.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::backend("injected failure"))
        } else {
            Ok(())
        }
    }
}

impl<S: Store> Store for FailingStore<S> {
    fn read(&self, f: &mut dyn FnMut(&dyn Reader) -> Result<(), Error>) -> Result<(), Error> {
        self.inner.read(f)
    }

    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Transaction) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.inner.write(&mut |tx| {
            f(&mut FailingTransaction {
                inner: tx,
                store: self,
            })
        })
    }
}

struct FailingTransaction<'a, S> {
    inner: &'a mut dyn Transaction,
    store: &'a FailingStore<S>,
}

forward_reader!(['a, S] FailingTransaction<'a, S>, self => self.inner);

impl<S: Store> Transaction for FailingTransaction<'_, S> {
    fn insert_account(&mut self, account: &Account) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.insert_account(account)
    }

    fn insert_group(
        &mut self,
        account: AccountNumber,
        name: &GroupName,
        created_at: DateTime<Utc>,
    ) -> Result<Group, StoreError> {
        self.store.check()?;
        self.inner.insert_group(account, name, created_at)
    }

    fn rename_group(&mut self, id: GroupId, name: &GroupName) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.rename_group(id, name)
    }

    fn delete_group(&mut self, id: GroupId) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.delete_group(id)
    }

    fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.insert_user(user)
    }

    fn update_user(&mut self, user: &User) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.update_user(user)
    }

    fn put_registration(&mut self, registration: &PendingRegistration) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.put_registration(registration)
    }

    fn delete_registration(
        &mut self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.delete_registration(email, account)
    }

    fn add_member(&mut self, group: GroupId, email: &Email) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.add_member(group, email)
    }

    fn remove_member(&mut self, group: GroupId, email: &Email) -> Result<(), StoreError> {
        self.store.check()?;
        self.inner.remove_member(group, email)
    }

    fn append_audit(&mut self, record: &AuditRecord) -> Result<u64, StoreError> {
        self.store.check()?;
        self.inner.append_audit(record)
    }
}
