//! The directory's one retry loop: an operation whose transaction loses a
//! race (`StoreError::Contention`) runs again whole, a bounded number of
//! times, and then fails with a localized "busy" error that changed nothing.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use cres_admin::store::{Reader, Store, Transaction};
use cres_admin::{Actor, Error, Localizer, MemoryStore, RetryPolicy, StoreError};

/// A memory store whose next `busy` write transactions lose a race: the
/// first ones when they begin, the later ones when they commit.
#[derive(Default)]
struct Contended {
    inner: MemoryStore,
    busy: AtomicUsize,
    begun: AtomicUsize,
}

struct ContendedWrite<'s> {
    inner: <MemoryStore as Store>::Write<'s>,
    store: &'s Contended,
}

impl ContendedWrite<'_> {
    fn finish(self) -> Result<(), StoreError> {
        if self.store.take_busy() {
            return Err(StoreError::Contention("could not serialize access".into()));
        }
        self.inner.commit()
    }
}

cres_admin::forward_reader!(['s] ContendedWrite<'s>, self => self.inner);
cres_admin::forward_writes!(['s] ContendedWrite<'s>, self => self.inner, commit: finish);

impl Contended {
    fn take_busy(&self) -> bool {
        self.busy
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl Store for Contended {
    type Read<'s> = <MemoryStore as Store>::Read<'s>;
    type Write<'s> = ContendedWrite<'s>;

    fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
        self.inner.begin_read()
    }

    fn begin_write(&self) -> Result<ContendedWrite<'_>, StoreError> {
        let begun = self.begun.fetch_add(1, Ordering::SeqCst);
        // Every other contended attempt fails at the start, the rest at the commit.
        if begun % 2 == 0 && self.take_busy() {
            return Err(StoreError::Contention("database is locked".into()));
        }
        Ok(ContendedWrite {
            inner: self.inner.begin_write()?,
            store: self,
        })
    }
}

fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .attempts(attempts)
        .first_backoff(Duration::ZERO)
        .max_backoff(Duration::ZERO)
}

#[test]
fn r12_a_transaction_that_loses_a_race_runs_again_whole() {
    let store = Contended::default();
    let dir = directory(&store).with_retry_policy(quick(8));
    bootstrap(&dir);
    let before = store.begun.load(Ordering::SeqCst);
    store.busy.store(5, Ordering::SeqCst);
    let created = dir.create_group(&user(&dir, "alice@example.com"), ACCOUNT, "Sales");
    assert!(created.is_ok(), "{created:?}");
    assert_eq!(
        store.begun.load(Ordering::SeqCst) - before,
        6,
        "five lost races, then the sixth attempt commits"
    );
    let groups = dir.groups(&Actor::Support, ACCOUNT).unwrap();
    assert_eq!(groups.len(), 2, "the group exists once");
    let trail = dir
        .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
        .unwrap();
    assert_eq!(trail.len(), 4, "and is audited once");
}

#[test]
fn r12_past_its_attempts_an_operation_is_busy_and_changes_nothing() {
    let store = Contended::default();
    let dir = directory(&store).with_retry_policy(quick(3));
    bootstrap(&dir);
    let before = snapshot(&dir, ACCOUNT);
    let begun = store.begun.load(Ordering::SeqCst);
    store.busy.store(100, Ordering::SeqCst);
    let error = dir
        .create_group(&user(&dir, "alice@example.com"), ACCOUNT, "Sales")
        .unwrap_err();
    assert_eq!(
        store.begun.load(Ordering::SeqCst) - begun,
        3,
        "three attempts"
    );
    assert!(
        matches!(&error, Error::Store(e) if e.is_retryable()),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "The account directory is busy with other changes. Nothing was changed; please try again in a moment."
    );
    assert_eq!(
        Localizer::new(&["de"]).render(&error),
        "Das Kontoverzeichnis ist mit anderen Änderungen beschäftigt. Es wurde nichts geändert; bitte versuchen Sie es gleich noch einmal."
    );
    store.busy.store(0, Ordering::SeqCst);
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

/// Other store failures are not retried: they may not be transient, and
/// a commit whose outcome is unknown must not be run twice.
#[test]
fn r12_other_failures_are_not_retried() {
    let store = cres_admin::testing::FailingStore::new(MemoryStore::new());
    let dir = directory(&store).with_retry_policy(quick(8));
    bootstrap(&dir);
    let writes = store.writes();
    store.fail_write(1);
    let error = dir
        .create_group(&user(&dir, "alice@example.com"), ACCOUNT, "Sales")
        .unwrap_err();
    assert!(error.is_store_failure() && !matches!(&error, Error::Store(e) if e.is_retryable()));
    assert_eq!(store.writes() - writes, 1, "one attempt, one write");
    let reader = store.inner().begin_read().unwrap();
    assert_eq!(reader.groups(ACCOUNT).unwrap().len(), 1);
}
