//! A store wrapper that fails a chosen write.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::store::{Store, StoreError, Transaction};

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
    type Read<'s>
        = S::Read<'s>
    where
        S: 's;
    type Write<'s>
        = FailingTransaction<'s, S>
    where
        S: 's;

    fn begin_read(&self) -> Result<S::Read<'_>, StoreError> {
        self.inner.begin_read()
    }

    fn begin_write(&self) -> Result<FailingTransaction<'_, S>, StoreError> {
        Ok(FailingTransaction {
            inner: self.inner.begin_write()?,
            store: self,
        })
    }
}

/// A write transaction of a [`FailingStore`]: the inner store's, with the
/// chosen write failing.
pub struct FailingTransaction<'s, S: Store + 's> {
    inner: S::Write<'s>,
    store: &'s FailingStore<S>,
}

impl<'s, S: Store + 's> FailingTransaction<'s, S> {
    /// Runs one write, unless it is the one chosen to fail.
    fn write<T>(
        &mut self,
        call: impl FnOnce(&mut S::Write<'s>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.store.check()?;
        call(&mut self.inner)
    }

    fn finish(self) -> Result<(), StoreError> {
        self.inner.commit()
    }
}

impl<S: Store> std::fmt::Debug for FailingTransaction<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailingTransaction").finish_non_exhaustive()
    }
}

crate::forward_reader!(['s, S: Store + 's] FailingTransaction<'s, S>, self => self.inner);
crate::forward_writes!(['s, S: Store + 's] FailingTransaction<'s, S>, self, via: write, commit: finish);
