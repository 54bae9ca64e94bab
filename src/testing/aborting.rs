//! A store wrapper that ends a transaction at its first failed write, as
//! PostgreSQL does.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::store::{Reader, Store, StoreError, Transaction};

/// Wraps a store so that its write transactions behave like PostgreSQL's:
/// once a read or a write of a transaction has returned `Err`, every further read,
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
/// To see what a caller does
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
            aborted: Cell::new(false),
            counters: &self.counters,
        })
    }
}

/// A write transaction of an [`AbortingStore`]: the inner store's, until a
/// read or a write fails; from then on it refuses everything. Dropping it
/// rolls the inner transaction back.
#[derive(Debug)]
pub struct AbortingTransaction<'s, W> {
    inner: W,
    aborted: Cell<bool>,
    counters: &'s Counters,
}

impl<W> AbortingTransaction<'_, W> {
    /// Whether a read or write of this transaction has failed, so that it
    /// refuses everything but being dropped.
    pub fn is_aborted(&self) -> bool {
        self.aborted.get()
    }

    /// The refusal of an aborted transaction.
    fn live(&self) -> Result<(), StoreError> {
        if self.aborted.get() {
            self.counters.refusals.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::backend(
                "transaction aborted: one of its statements failed, it may only be dropped",
            ));
        }
        Ok(())
    }

    /// Ends the transaction if `result` is a failure.
    fn watch<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if result.is_err() && !self.aborted.replace(true) {
            self.counters.aborted.fetch_add(1, Ordering::SeqCst);
        }
        result
    }

    /// Runs one read on the inner transaction, unless aborted; a failure
    /// aborts the transaction.
    fn read<T>(&self, call: impl FnOnce(&W) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.live()?;
        self.watch(call(&self.inner))
    }

    /// Runs one write on the inner transaction, unless aborted; a failure
    /// aborts the transaction.
    fn write<T>(
        &mut self,
        call: impl FnOnce(&mut W) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.live()?;
        let result = call(&mut self.inner);
        self.watch(result)
    }

    fn finish(self) -> Result<(), StoreError>
    where
        W: Transaction,
    {
        self.live()?;
        self.inner.commit()
    }
}

crate::forward_reader!(['s, W: Reader] AbortingTransaction<'s, W>, self, via: read);
crate::forward_writes!(['s, W: Transaction] AbortingTransaction<'s, W>, self, via: write, commit: finish);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountNumber;
    use crate::store::MemoryStore;

    /// A reader whose every read fails, as a lost connection would.
    struct Broken;

    impl Broken {
        fn lost(&self) -> Result<<MemoryStore as Store>::Read<'static>, StoreError> {
            Err(StoreError::Unavailable("the connection was lost".into()))
        }
    }

    crate::forward_reader!([] Broken, self => self.lost()?);

    /// PostgreSQL aborts a transaction at a failed read too.
    #[test]
    fn a_failed_read_aborts_the_transaction() {
        let counters = Counters::default();
        let tx = AbortingTransaction {
            inner: Broken,
            aborted: Cell::new(false),
            counters: &counters,
        };
        let first = tx.account(AccountNumber::new(1)).unwrap_err();
        assert!(matches!(first, StoreError::Unavailable(_)), "{first:?}");
        assert!(tx.is_aborted());
        let then = tx.groups(AccountNumber::new(1)).unwrap_err();
        assert!(then.to_string().contains("transaction aborted"), "{then}");
        assert_eq!(counters.aborted.load(Ordering::SeqCst), 1);
        assert_eq!(counters.refusals.load(Ordering::SeqCst), 1);
    }
}
