//! Atomicity (R12): a transaction that is not committed leaves nothing
//! behind, whether it was dropped, its thread panicked, or one of its
//! writes failed; and the store keeps working afterwards.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::model::{AccountNumber, GroupId};
use crate::store::{Reader, Store, StoreError, Transaction};
use crate::testing::conformance::support::{
    Snapshot, commit, expect_error, read, snapshot, write_everything,
};
use crate::testing::fixtures::{account, email};

/// A transaction that wrote an account, its group, a user, a membership
/// and an audit entry, and is dropped without a commit, leaves nothing
/// behind; the same writes then commit.
pub fn a_dropped_transaction_leaves_nothing<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let ann = {
        let mut tx = store.begin_write().expect("begin_write");
        let ann = write_everything(&mut tx).expect("the writes of a transaction");
        assert!(
            tx.is_active_admin(one, ann.id).expect("a read"),
            "the transaction must see its own writes before it is dropped"
        );
        drop(tx);
        ann
    };
    assert_eq!(
        snapshot(&store, &[one], &[ann.id], &[email("ann@example.com")]),
        Snapshot::empty(1, 1, 1),
        "a transaction dropped without a commit must leave nothing behind"
    );
    let ann = commit(&store, "the same writes, committed", write_everything);
    assert!(
        read(&store, |r| r.is_active_admin(one, ann.id)),
        "after a rolled-back transaction the same writes must commit"
    );
}

/// A transaction whose thread panics leaves nothing behind, and the store
/// keeps working afterwards.
pub fn a_panic_leaves_nothing<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let mut written = None;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut tx = store.begin_write().expect("begin_write");
        written = Some(write_everything(&mut tx).expect("the writes of a transaction"));
        panic!("conformance suite: a deliberate panic inside a write transaction");
    }));
    assert!(outcome.is_err(), "the panic must reach the caller");
    let ann = written.expect("the writes ran before the panic");
    assert_eq!(
        snapshot(&store, &[one], &[ann.id], &[email("ann@example.com")]),
        Snapshot::empty(1, 1, 1),
        "a transaction whose thread panicked must leave nothing behind"
    );
    let ann = commit(&store, "write after a panic", write_everything);
    assert!(
        read(&store, |r| r.is_active_admin(one, ann.id)),
        "the store must keep working after a transaction panicked"
    );
}

/// A transaction whose last write fails (a [`StoreError::Conflict`], after
/// an account, its group, a user, a membership and an audit entry were
/// written) and which is then dropped leaves nothing behind: neither the
/// refused write nor any before it.
pub fn a_failed_write_then_drop_leaves_nothing<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let ann = {
        let mut tx = store.begin_write().expect("begin_write");
        let ann = write_everything(&mut tx).expect("the writes of a transaction");
        expect_error(
            tx.add_member(admins, ann.id),
            StoreError::is_conflict,
            "adding ann to the group she just joined must be a Conflict",
        );
        drop(tx);
        ann
    };
    assert_eq!(
        snapshot(&store, &[one], &[ann.id], &[email("ann@example.com")]),
        Snapshot::empty(1, 1, 1),
        "a transaction dropped after a failed write must leave nothing behind"
    );
    {
        let mut tx = store.begin_write().expect("begin_write");
        let ann = write_everything(&mut tx).expect("the writes of a transaction");
        expect_error(
            tx.insert_account(&account(1)),
            StoreError::is_conflict,
            "inserting account 1 again in the transaction that inserted it must be a Conflict",
        );
        drop(tx);
        assert_eq!(
            snapshot(&store, &[one], &[ann.id], &[email("ann@example.com")]),
            Snapshot::empty(1, 1, 1),
            "a transaction dropped after a failed write must leave nothing behind"
        );
    }
    let ann = commit(
        &store,
        "the same writes, committed",
        |tx: &mut dyn Transaction| write_everything(tx),
    );
    assert!(
        read(&store, |r| r.is_active_admin(one, ann.id)),
        "after a transaction with a failed write was dropped, the same writes must commit"
    );
}
