//! Isolation: a transaction reads its own writes; a read snapshot sees a
//! write transaction whole or not at all; write transactions are
//! serializable, so concurrent updates lose none.

use std::sync::{Barrier, mpsc};
use std::thread;
use std::time::Duration;

use crate::model::{AccountNumber, Action, AuditEntry, GroupId, GroupName, UserId};
use crate::store::{Store, StoreError};
use crate::testing::conformance::support::{commit, read, setup_account};
use crate::testing::fixtures::{account, at, audit_record, user};

/// Inside a write transaction, every read sees the transaction's own writes.
pub fn reads_see_own_writes<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let ann = user("Ann@Example.com");
    commit(&store, "read your writes", |tx| {
        tx.insert_account(&account(1))?;
        assert_eq!(
            tx.account(one)?,
            Some(account(1)),
            "a transaction must read the account it inserted"
        );
        let group = tx.insert_group(one, &GroupName::AccountAdministrators, at(1))?;
        assert_eq!(
            tx.group(admins)?,
            Some(group),
            "a transaction must read its new group"
        );
        assert_eq!(
            tx.groups(one)?.len(),
            1,
            "a transaction must list its new group"
        );
        tx.insert_user(&ann)?;
        assert_eq!(
            tx.user(ann.id)?.as_ref(),
            Some(&ann),
            "a transaction must read the user it inserted"
        );
        assert_eq!(
            tx.user_id(&ann.email)?,
            Some(ann.id),
            "a transaction must find the user it inserted by address"
        );
        assert_eq!(
            tx.user_brief(ann.id)?,
            Some(ann.brief()),
            "a transaction must read the brief of the user it inserted"
        );
        let mut locked = crate::model::SignInState::default();
        locked.user.failures = 5;
        locked.user.locked_until = Some(at(60));
        tx.set_sign_in_state(ann.id, &locked)?;
        assert_eq!(
            tx.user(ann.id)?.map(|u| u.sign_in),
            Some(locked),
            "a transaction must read the sign-in state it stored"
        );
        tx.add_member(admins, ann.id)?;
        assert!(
            tx.is_member(admins, ann.id)?,
            "a transaction must see its new membership"
        );
        assert!(
            tx.is_active_admin(one, ann.id)?,
            "a transaction must see its new administrator"
        );
        assert_eq!(
            tx.member_count(admins)?,
            1,
            "a transaction must count its new member"
        );
        assert_eq!(tx.members(admins)?, vec![ann.to_ref()], "and list it");
        assert_eq!(
            tx.user_groups(ann.id)?,
            vec![admins],
            "and index it by user"
        );
        assert_eq!(
            tx.groups(one)?[0].members,
            1,
            "and count it in the group list"
        );
        let record = audit_record(1, Action::AccountCreated);
        let sequence = tx.append_audit(&record)?;
        assert_eq!(
            tx.audit(one, 10)?,
            vec![AuditEntry { sequence, record }],
            "a transaction must read its own audit entry"
        );
        tx.remove_member(admins, ann.id)?;
        assert!(
            !tx.is_member(admins, ann.id)?,
            "a transaction must see its removal of a member"
        );
        assert_eq!(tx.member_count(admins)?, 0, "and count it");
        assert!(tx.user_groups(ann.id)?.is_empty(), "and unindex it");
        Ok(())
    });
}

/// A read snapshot never sees part of a write transaction: a read running
/// while a transaction is open sees all of it or nothing, and all queries of
/// one read see the same state, even when a write commits meanwhile.
pub fn snapshots_are_isolated<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let admins = GroupId::administrators(AccountNumber::new(1));
    let (ann, bob) = (user("ann@example.com"), user("bob@example.com"));
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&ann)?;
        tx.insert_user(&bob)
    });
    let (ann, bob) = (ann.id, bob.id);

    // A read while a write transaction is halfway.
    let (halfway, at_halfway) = mpsc::channel();
    let seen = thread::scope(|scope| {
        let store = &store;
        let reader = scope.spawn(move || {
            at_halfway
                .recv()
                .expect("the writer signals when it is halfway");
            read(store, |r| {
                Ok((
                    r.is_member(admins, ann)?,
                    r.is_member(admins, bob)?,
                    r.member_count(admins)?,
                ))
            })
        });
        commit(store, "add two members slowly", |tx| {
            tx.add_member(admins, ann)?;
            let _ = halfway.send(());
            thread::sleep(Duration::from_millis(30));
            tx.add_member(admins, bob)
        });
        reader.join().expect("the reader thread")
    });
    assert!(
        seen == (false, false, 0) || seen == (true, true, 2),
        "a read during a write transaction must see all of it or nothing, saw {seen:?}"
    );

    // A write committing while a read is halfway.
    let (first_done, after_first) = mpsc::channel();
    let seen = thread::scope(|scope| {
        let reader = scope.spawn(|| {
            read(&store, |r| {
                let ann_in = r.is_member(admins, ann)?;
                let _ = first_done.send(());
                thread::sleep(Duration::from_millis(30));
                Ok((ann_in, r.is_member(admins, bob)?, r.member_count(admins)?))
            })
        });
        after_first
            .recv()
            .expect("the reader signals after its first query");
        commit(&store, "remove both members", |tx| {
            tx.remove_member(admins, ann)?;
            tx.remove_member(admins, bob)
        });
        reader.join().expect("the reader thread")
    });
    assert_eq!(
        seen,
        (true, true, 2),
        "all queries of one read must see one snapshot, taken before the write committed"
    );
}

/// How many threads update one user at once, and how often each.
const THREADS: usize = 4;
const UPDATES_PER_THREAD: u32 = 25;
/// How often one update is tried while the store reports contention.
const ATTEMPTS: u32 = 1_000;

/// Write transactions are serializable: threads that each read a user,
/// count one more in it and update it, at the same time and many times,
/// lose no update (and the user's revision counts every one). A
/// transaction that fails with a retryable error ([`StoreError::Contention`])
/// is dropped and run again whole, as the directory does.
pub fn concurrent_updates_are_serialized<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let counter = user("counter@example.com");
    commit(&store, "insert the counting user", |tx| {
        tx.insert_user(&counter)
    });
    let barrier = Barrier::new(THREADS);
    thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                barrier.wait();
                for _ in 0..UPDATES_PER_THREAD {
                    count_one(&store, counter.id);
                }
            });
        }
    });
    let total = u32::try_from(THREADS).expect("a few threads") * UPDATES_PER_THREAD;
    let stored = read(&store, |r| r.user(counter.id)).expect("the counting user");
    assert_eq!(
        stored.sign_in.user.failures, total,
        "{THREADS} threads each updating a user {UPDATES_PER_THREAD} times from what they \
         read must lose no update: write transactions must be serializable"
    );
    assert_eq!(
        stored.revision,
        u64::from(total),
        "every committed update must move the user's revision on by one"
    );
}

/// Reads the user, counts one more failure in it and updates it, in one
/// transaction, again while the store reports contention.
fn count_one<S: Store>(store: &S, id: UserId) {
    let mut last = None;
    for attempt in 0..ATTEMPTS {
        match try_count_one(store, id) {
            Ok(()) => return,
            Err(error) if error.is_retryable() => {
                last = Some(error);
                thread::sleep(Duration::from_micros(100 << attempt.min(6)));
            }
            Err(error) => panic!("an update of a user failed: {error:?}"),
        }
    }
    panic!("an update of a user met contention {ATTEMPTS} times in a row: {last:?}");
}

fn try_count_one<S: Store>(store: &S, id: UserId) -> Result<(), StoreError> {
    use crate::store::{Reader, Transaction};
    let mut tx = store.begin_write()?;
    let mut user = tx.user(id)?.expect("the counting user exists");
    user.sign_in.user.failures += 1;
    tx.update_user(&user)?;
    tx.commit()
}
