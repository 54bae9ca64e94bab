//! The conformance suite: checks that a [`Store`] keeps every promise of the
//! [store contract](crate::store) that the [`Directory`] relies on.
//!
//! Each function takes a way to make a **fresh, empty** store, makes one or
//! more, and panics with a message naming the broken promise if the store
//! does not keep it. [`run_all`] runs them all. The crate runs the suite
//! against [`MemoryStore`](crate::MemoryStore) and, with the `sqlite`
//! feature, against [`SqliteStore`](crate::SqliteStore); a store of your own
//! should pass it too.
//!
//! ```
//! use cres_admin::MemoryStore;
//! use cres_admin::testing::conformance;
//!
//! conformance::run_all(&MemoryStore::new);
//! ```
//!
//! # Running it against your own store
//!
//! Enable the `testing` feature in your dev-dependencies:
//!
//! ```toml
//! [dev-dependencies]
//! cres-admin = { version = "0.1", features = ["testing"] }
//! ```
//!
//! and call the suite from a test, with a closure that gives a fresh, empty
//! store each time it is called. For a PostgreSQL store, say, each store can
//! live in its own schema:
//!
//! ```ignore
//! use std::sync::atomic::{AtomicUsize, Ordering};
//!
//! use cres_admin::testing::conformance;
//! use my_service::PostgresStore;
//!
//! #[test]
//! fn postgres_store_conforms() {
//!     let url = std::env::var("TEST_DATABASE_URL").expect("a test database");
//!     let next = AtomicUsize::new(0);
//!     conformance::run_all(&|| {
//!         let schema = format!("conformance_{}_{}", std::process::id(), next.fetch_add(1, Ordering::SeqCst));
//!         PostgresStore::connect_fresh(&url, &schema).expect("a fresh schema")
//!     });
//! }
//! ```
//!
//! Run single checks (`conformance::last_admin_race(&make)`, …) as separate
//! tests to see them pass or fail one by one. The suite needs no async
//! runtime: it calls the store from plain threads, as the directory does.
//!
//! Every check is quick (the whole suite takes well under a second on the
//! memory store); the concurrent ones repeat a race a few dozen times.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::{Reader, Store, StoreError, StoreExt, Transaction};
use crate::{
    Account, AccountNumber, Action, Actor, ActorRecord, AuditEntry, AuditRecord, Credential,
    Directory, Email, Error, Field, FixedClock, Forbidden, GroupId, GroupName, GroupSummary, Name,
    NewUser, PasswordChosenBy, PasswordHash, PasswordHashing, PendingRegistration,
    RemovedFromGroup, SignInSource, SignInState, Throttle, User, UserStatus,
};

/// How often the concurrent checks repeat their race.
const RACE_TRIALS: u64 = 24;

/// Runs every check of the suite, each on fresh stores from `make`.
pub fn run_all<S: Store>(make: &dyn Fn() -> S) {
    accounts_are_unique(make);
    email_identity_is_unique(make);
    group_names_are_unique_per_account(make);
    memberships_are_unique(make);
    missing_records(make);
    group_numbers(make);
    error_rolls_back(make);
    panic_rolls_back(make);
    failed_writes_roll_back_directory_operations(make);
    reads_see_own_writes(make);
    snapshots_are_isolated(make);
    membership_is_indexed_both_ways(make);
    audit_trail_order(make);
    last_admin_race(make);
    stored_values_round_trip(make);
    users_are_updated(make);
    registrations_are_kept(make);
}

// ---------------------------------------------------------------------------
// Uniqueness
// ---------------------------------------------------------------------------

/// An account number is taken once: a second insert is a
/// [`StoreError::Conflict`] that changes nothing, even when the transaction
/// goes on and commits.
pub fn accounts_are_unique<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    commit(&store, "insert account 1", |tx| {
        Ok(tx.insert_account(&account(1))?)
    });
    let mut other = account(1);
    other.name = name("Another name");
    commit(&store, "insert account 1 again", |tx| {
        expect_store_error(
            tx.insert_account(&other),
            StoreError::is_conflict,
            "inserting an account number that exists must be a Conflict",
        );
        Ok(())
    });
    assert_eq!(
        read(&store, |r| r.account(AccountNumber::new(1))),
        Some(account(1)),
        "a refused duplicate account must leave the first one as it was"
    );
}

/// A user's email identity is taken once, ignoring case: a second insert is
/// a [`StoreError::Conflict`], and the first user stays as it was.
pub fn email_identity_is_unique<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    commit(&store, "insert Bob@Example.com", |tx| {
        Ok(tx.insert_user(&user("Bob@Example.com"))?)
    });
    for duplicate in ["Bob@Example.com", "bob@example.com", "BOB@EXAMPLE.COM"] {
        commit(&store, "insert a duplicate identity", |tx| {
            let mut twin = user(duplicate);
            twin.first_name = name("Robert");
            expect_store_error(
                tx.insert_user(&twin),
                StoreError::is_conflict,
                &format!("inserting {duplicate} when Bob@Example.com exists must be a Conflict"),
            );
            Ok(())
        });
    }
    let stored = read(&store, |r| r.user(&email("bob@EXAMPLE.com")));
    assert_eq!(
        stored,
        Some(user("Bob@Example.com")),
        "a user must be found by any case of its email, and keep the address as typed"
    );
    assert_eq!(
        stored.map(|u| u.email.as_str().to_owned()).as_deref(),
        Some("Bob@Example.com"),
        "the address must be kept as typed"
    );
}

/// Group names are unique per account ignoring case ([`GroupName::key`]),
/// for new groups and renamed ones; another account may use the same name.
pub fn group_names_are_unique_per_account<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    commit(&store, "set up two accounts", |tx| {
        for number in [1, 2] {
            tx.insert_account(&account(number))?;
            tx.insert_group(
                AccountNumber::new(number),
                &GroupName::AccountAdministrators,
                at(10),
            )?;
        }
        tx.insert_group(one, &custom("Sales"), at(11))?;
        tx.insert_group(one, &custom("Marketing"), at(12))?;
        Ok(())
    });
    let before = snapshot(&store, &[one, two], &[]);
    commit(&store, "insert and rename to taken names", |tx| {
        for taken in [
            custom("sales"),
            custom("SALES"),
            custom("Sales"),
            custom("account administrators"),
            GroupName::AccountAdministrators,
        ] {
            expect_store_error(
                tx.insert_group(one, &taken, at(13)),
                StoreError::is_conflict,
                &format!("a second group named {taken} in one account must be a Conflict"),
            );
            expect_store_error(
                tx.rename_group(
                    GroupId {
                        account: one,
                        number: 3,
                    },
                    &taken,
                ),
                StoreError::is_conflict,
                &format!("renaming Marketing to {taken} must be a Conflict"),
            );
        }
        Ok(())
    });
    assert_eq!(
        snapshot(&store, &[one, two], &[]),
        before,
        "refused group inserts and renames must change nothing"
    );
    commit(&store, "same name in another account, new case", |tx| {
        let sales = tx.insert_group(two, &custom("Sales"), at(14))?;
        assert_eq!(
            sales.id,
            GroupId {
                account: two,
                number: 2
            },
            "another account may have its own Sales group"
        );
        tx.rename_group(
            GroupId {
                account: one,
                number: 2,
            },
            &custom("SALES"),
        )?;
        Ok(())
    });
    let renamed = read(&store, |r| {
        r.group(GroupId {
            account: one,
            number: 2,
        })
    });
    assert_eq!(
        renamed.map(|g| g.name),
        Some(custom("SALES")),
        "a group may be renamed to another case of its own name"
    );
}

/// A user is in a group at most once: adding a member again is a
/// [`StoreError::Conflict`] that changes nothing.
pub fn memberships_are_unique<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let admins = GroupId::administrators(AccountNumber::new(1));
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&user("ann@example.com"))?;
        tx.add_member(admins, &email("ann@example.com"))?;
        Ok(())
    });
    commit(&store, "add the member again", |tx| {
        for again in ["ann@example.com", "ANN@example.com"] {
            expect_store_error(
                tx.add_member(admins, &email(again)),
                StoreError::is_conflict,
                &format!("adding {again} to a group they are in must be a Conflict"),
            );
        }
        Ok(())
    });
    assert_eq!(
        read(&store, |r| r.member_count(admins)),
        1,
        "a refused second membership must not be counted"
    );
    assert_eq!(
        read(&store, |r| r.members(admins)),
        vec![email("ann@example.com")],
        "a refused second membership must not be listed"
    );
}

// ---------------------------------------------------------------------------
// Missing records
// ---------------------------------------------------------------------------

/// Changing what does not exist is a [`StoreError::NotFound`] that changes
/// nothing; reading it finds nothing.
pub fn missing_records<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let nowhere = AccountNumber::new(99);
    let admins = GroupId::administrators(one);
    let missing_group = GroupId {
        account: one,
        number: 7,
    };
    let ann = email("ann@example.com");
    let ghost = email("ghost@example.com");

    read(&store, |r| {
        assert_eq!(
            r.account(nowhere)?,
            None,
            "a missing account must read as None"
        );
        assert_eq!(r.user(&ghost)?, None, "a missing user must read as None");
        assert_eq!(r.group(admins)?, None, "a missing group must read as None");
        assert!(
            r.groups(nowhere)?.is_empty(),
            "a missing account has no groups"
        );
        assert!(
            !r.is_member(admins, &ghost)?,
            "nobody is in a missing group"
        );
        assert_eq!(
            r.member_count(admins)?,
            0,
            "a missing group counts 0 members"
        );
        assert!(
            r.members(admins)?.is_empty(),
            "a missing group lists no members"
        );
        assert!(
            r.audit(nowhere, 10)?.is_empty(),
            "a missing account has no audit trail"
        );
        assert!(
            !r.is_account_admin(nowhere, &ghost)?,
            "nobody administers a missing account"
        );
        Ok(())
    });

    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&user("ann@example.com"))?;
        Ok(())
    });
    let before = snapshot(&store, &[one, nowhere], &[ann.clone(), ghost.clone()]);
    commit(&store, "change what does not exist", |tx| {
        let not_found = StoreError::is_not_found;
        expect_store_error(
            tx.insert_group(nowhere, &custom("Sales"), at(20)),
            not_found,
            "inserting a group into a missing account must be NotFound",
        );
        expect_store_error(
            tx.rename_group(missing_group, &custom("Sales")),
            not_found,
            "renaming a missing group must be NotFound",
        );
        expect_store_error(
            tx.delete_group(missing_group),
            not_found,
            "deleting a missing group must be NotFound",
        );
        expect_store_error(
            tx.add_member(admins, &ghost),
            not_found,
            "adding a missing user to a group must be NotFound",
        );
        expect_store_error(
            tx.add_member(missing_group, &ann),
            not_found,
            "adding a user to a missing group must be NotFound",
        );
        expect_store_error(
            tx.remove_member(admins, &ann),
            not_found,
            "removing a user who is not a member must be NotFound",
        );
        expect_store_error(
            tx.remove_member(missing_group, &ann),
            not_found,
            "removing a user from a missing group must be NotFound",
        );
        Ok(())
    });
    assert_eq!(
        snapshot(&store, &[one, nowhere], &[ann, ghost]),
        before,
        "writes refused with NotFound must change nothing"
    );
}

// ---------------------------------------------------------------------------
// Group numbers
// ---------------------------------------------------------------------------

/// Group numbers are given per account in creation order from 1, and never
/// reused after a deletion, not even of the newest group.
pub fn group_numbers<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let numbers = commit(&store, "create groups", |tx| {
        tx.insert_account(&account(1))?;
        tx.insert_account(&account(2))?;
        let admins = tx.insert_group(one, &GroupName::AccountAdministrators, at(1))?;
        let a = tx.insert_group(one, &custom("A"), at(2))?;
        let b = tx.insert_group(one, &custom("B"), at(3))?;
        let other = tx.insert_group(two, &GroupName::AccountAdministrators, at(4))?;
        Ok([admins.id, a.id, b.id, other.id])
    });
    assert_eq!(
        numbers,
        [
            GroupId::administrators(one),
            GroupId {
                account: one,
                number: 2
            },
            GroupId {
                account: one,
                number: 3
            },
            GroupId::administrators(two),
        ],
        "group numbers must start at 1 in every account and follow creation order"
    );
    commit(&store, "delete the newest group", |tx| {
        Ok(tx.delete_group(GroupId {
            account: one,
            number: 3,
        })?)
    });
    let c = commit(&store, "create a group after deleting the newest", |tx| {
        Ok(tx.insert_group(one, &custom("C"), at(5))?)
    });
    assert_eq!(
        c.id.number, 4,
        "the number of a deleted group (3) must never be given again"
    );
    let d = commit(&store, "delete and create in one transaction", |tx| {
        tx.delete_group(c.id)?;
        tx.delete_group(GroupId {
            account: one,
            number: 2,
        })?;
        Ok(tx.insert_group(one, &custom("D"), at(6))?)
    });
    assert_eq!(
        d.id.number, 5,
        "numbers must not be reused within the transaction that deleted them"
    );
    let listed: Vec<u32> = read(&store, |r| r.groups(one))
        .iter()
        .map(|s| s.group.id.number)
        .collect();
    assert_eq!(
        listed,
        [1, 5],
        "groups must be listed in group-number order"
    );
}

// ---------------------------------------------------------------------------
// Atomicity
// ---------------------------------------------------------------------------

/// A transaction whose closure writes and then returns `Err` leaves nothing
/// behind, and the store returns the closure's error unchanged.
pub fn error_rolls_back<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let refusal = || Error::LastAdministrator {
        email: email("ann@example.com"),
        account: one,
    };
    let result = store.write_with(|tx| {
        write_everything(tx)?;
        Err::<(), _>(refusal())
    });
    match result {
        Err(Error::LastAdministrator { email: e, account }) => assert!(
            e == email("ann@example.com") && account == one,
            "the store must return the closure's error unchanged"
        ),
        other => panic!("the store must return the closure's error unchanged, got {other:?}"),
    }
    assert_eq!(
        snapshot(&store, &[one], &[email("ann@example.com")]),
        Snapshot::empty(1, 1),
        "a transaction whose closure returned Err must leave nothing behind"
    );
    // The store is still usable, and the same writes now commit.
    commit(&store, "the same writes, committed", write_everything);
    assert!(
        read(&store, |r| r
            .is_account_admin(one, &email("ann@example.com"))),
        "after a rolled-back transaction the same writes must commit"
    );
}

/// A transaction whose closure panics leaves nothing behind, and the store
/// keeps working afterwards.
pub fn panic_rolls_back<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        store.write_with(|tx| {
            write_everything(tx)?;
            deliberate_panic()
        })
    }));
    assert!(
        outcome.is_err(),
        "the closure's panic must reach the caller"
    );
    assert_eq!(
        snapshot(&store, &[one], &[email("ann@example.com")]),
        Snapshot::empty(1, 1),
        "a transaction whose closure panicked must leave nothing behind"
    );
    commit(&store, "write after a panic", write_everything);
    assert!(
        read(&store, |r| r
            .is_account_admin(one, &email("ann@example.com"))),
        "the store must keep working after a transaction panicked"
    );
}

/// Every directory operation, with any one of its writes failing (through
/// [`FailingStore`](super::FailingStore)), fails as a store failure and
/// leaves the store exactly as it was (R12).
pub fn failed_writes_roll_back_directory_operations<S: Store>(make: &dyn Fn() -> S) {
    type Operation = fn(&Directory<&dyn Store>) -> Result<(), Error>;
    let store = make();
    let clock = Arc::new(FixedClock::new(at(1_000)));
    let one = AccountNumber::new(1);
    let two = AccountNumber::new(2);
    let operations: [(&str, Operation); 11] = [
        ("create_account", |d| {
            d.create_account(&Actor::Support, AccountNumber::new(1), "Acme")
                .map(drop)
        }),
        ("add_user alice", |d| {
            d.add_user(
                &Actor::Support,
                AccountNumber::new(1),
                &form("alice@example.com"),
            )
            .map(drop)
        }),
        ("add_to_group alice", |d| {
            d.add_to_group(
                &Actor::Support,
                GroupId::administrators(AccountNumber::new(1)),
                "alice@example.com",
            )
            .map(drop)
        }),
        ("add_user bob", |d| {
            d.add_user(
                &Actor::User(email("alice@example.com")),
                AccountNumber::new(1),
                &form("bob@example.com"),
            )
            .map(drop)
        }),
        ("add_to_group bob", |d| {
            d.add_to_group(
                &Actor::User(email("alice@example.com")),
                GroupId::administrators(AccountNumber::new(1)),
                "Bob@Example.com",
            )
            .map(drop)
        }),
        ("create_group", |d| {
            d.create_group(
                &Actor::User(email("alice@example.com")),
                AccountNumber::new(1),
                "Sales",
            )
            .map(drop)
        }),
        ("add_to_group bob sales", |d| {
            d.add_to_group(
                &Actor::User(email("alice@example.com")),
                GroupId {
                    account: AccountNumber::new(1),
                    number: 2,
                },
                "bob@example.com",
            )
            .map(drop)
        }),
        ("rename_group", |d| {
            d.rename_group(
                &Actor::User(email("alice@example.com")),
                GroupId {
                    account: AccountNumber::new(1),
                    number: 2,
                },
                "Marketing",
            )
            .map(drop)
        }),
        ("remove_from_group", |d| {
            d.remove_from_group(
                &Actor::User(email("alice@example.com")),
                GroupId::administrators(AccountNumber::new(1)),
                "bob@example.com",
            )
            .map(drop)
        }),
        ("delete_group", |d| {
            d.delete_group(
                &Actor::User(email("alice@example.com")),
                GroupId {
                    account: AccountNumber::new(1),
                    number: 2,
                },
            )
            .map(drop)
        }),
        ("create_account 2", |d| {
            d.create_account(&Actor::Support, AccountNumber::new(2), "Globex")
                .map(drop)
        }),
    ];
    let accounts = [one, two];
    let emails = [email("alice@example.com"), email("bob@example.com")];
    for (what, operation) in operations {
        let mut write = 1;
        loop {
            let failing = super::FailingStore::new(&store);
            failing.fail_write(write);
            let directory = Directory::new(&failing as &dyn Store)
                .with_clock(clock.clone())
                .with_password_hashing(PasswordHashing::insecure_fast());
            let before = snapshot(&store, &accounts, &emails);
            let result = operation(&directory);
            if !failing.failed() {
                if let Err(error) = result {
                    panic!("{what} must succeed when no write fails, got {error:?}");
                }
                assert!(
                    write > 2,
                    "{what} should write at least twice (a change and its audit entry)"
                );
                break;
            }
            match result {
                Err(error) => assert!(
                    error.is_store_failure(),
                    "{what} with write {write} failing must fail as a store failure, got {error:?}"
                ),
                Ok(()) => panic!("{what} must fail when its write {write} fails"),
            }
            assert_eq!(
                snapshot(&store, &accounts, &emails),
                before,
                "{what} with write {write} failing must leave the store exactly as it was"
            );
            write += 1;
            assert!(write < 32, "{what} never stopped writing");
        }
    }
    // Everything happened once, in order: the trail shows it.
    let trail = read(&store, |r| r.audit(one, usize::MAX));
    assert_eq!(
        trail.len(),
        10,
        "each operation that succeeded must have left exactly one audit entry"
    );
    assert!(
        read(&store, |r| r
            .is_account_admin(one, &email("alice@example.com"))),
        "alice must be an administrator after the operations"
    );
}

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

/// Inside a write transaction, every read sees the transaction's own writes.
pub fn reads_see_own_writes<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let ann = email("ann@example.com");
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
        tx.insert_user(&user("Ann@Example.com"))?;
        assert_eq!(
            tx.user(&ann)?,
            Some(user("Ann@Example.com")),
            "a transaction must read the user it inserted"
        );
        tx.add_member(admins, &ann)?;
        assert!(
            tx.is_member(admins, &ann)?,
            "a transaction must see its new membership"
        );
        assert!(
            tx.is_account_admin(one, &ann)?,
            "a transaction must see its new administrator"
        );
        assert_eq!(
            tx.member_count(admins)?,
            1,
            "a transaction must count its new member"
        );
        assert_eq!(tx.members(admins)?, vec![ann.clone()], "and list it");
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
        tx.remove_member(admins, &ann)?;
        assert!(
            !tx.is_member(admins, &ann)?,
            "a transaction must see its removal of a member"
        );
        assert_eq!(tx.member_count(admins)?, 0, "and count it");
        Ok(())
    });
}

/// A read snapshot never sees part of a write transaction: a read running
/// while a transaction is open sees all of it or nothing, and all queries of
/// one read see the same state.
pub fn snapshots_are_isolated<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let admins = GroupId::administrators(AccountNumber::new(1));
    let (ann, bob) = (email("ann@example.com"), email("bob@example.com"));
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&user("ann@example.com"))?;
        tx.insert_user(&user("bob@example.com"))?;
        Ok(())
    });

    // A read while a write transaction is halfway.
    let (halfway, at_halfway) = mpsc::channel();
    let seen = thread::scope(|scope| {
        let (store, ann, bob) = (&store, &ann, &bob);
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
            tx.add_member(admins, bob)?;
            Ok(())
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
                let ann_in = r.is_member(admins, &ann)?;
                let _ = first_done.send(());
                thread::sleep(Duration::from_millis(30));
                Ok((ann_in, r.is_member(admins, &bob)?, r.member_count(admins)?))
            })
        });
        after_first
            .recv()
            .expect("the reader signals after its first query");
        commit(&store, "remove both members", |tx| {
            tx.remove_member(admins, &ann)?;
            tx.remove_member(admins, &bob)?;
            Ok(())
        });
        reader.join().expect("the reader thread")
    });
    assert_eq!(
        seen,
        (true, true, 2),
        "all queries of one read must see one snapshot, taken before the write committed"
    );
}

/// Membership is kept both ways and in step with the groups: `members`,
/// `member_count`, `is_member`, `is_account_admin` and the counts of
/// `groups` agree, and deleting a group deletes its memberships.
pub fn membership_is_indexed_both_ways<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let admins_one = GroupId::administrators(one);
    let admins_two = GroupId::administrators(two);
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let people = ["Zoe@example.com", "adam@example.com", "Mia@Example.com"];
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        tx.insert_group(one, &custom("Sales"), at(2))?;
        for person in people {
            tx.insert_user(&user(person))?;
        }
        for person in people {
            tx.add_member(sales, &email(person))?;
        }
        tx.add_member(admins_one, &email("zoe@example.com"))?;
        tx.add_member(admins_two, &email("adam@example.com"))?;
        Ok(())
    });
    read(&store, |r| {
        let members = r.members(sales)?;
        assert_eq!(
            members,
            vec![
                email("adam@example.com"),
                email("mia@example.com"),
                email("zoe@example.com")
            ],
            "members must be listed by email identity"
        );
        assert_eq!(
            members.iter().map(Email::as_str).collect::<Vec<_>>(),
            ["adam@example.com", "Mia@Example.com", "Zoe@example.com"],
            "members must be listed with their addresses as typed"
        );
        assert_eq!(
            r.member_count(sales)?,
            3,
            "member_count must count the members"
        );
        assert!(
            r.is_member(sales, &email("MIA@example.com"))?,
            "is_member ignores case"
        );
        assert!(
            r.is_account_admin(one, &email("zoe@example.com"))?,
            "zoe administers account 1"
        );
        assert!(
            !r.is_account_admin(two, &email("zoe@example.com"))?,
            "zoe does not administer account 2"
        );
        assert!(
            !r.is_account_admin(one, &email("mia@example.com"))?,
            "being in another group of the account does not make an administrator"
        );
        assert!(
            r.is_account_admin(two, &email("adam@example.com"))?,
            "adam administers account 2"
        );
        let counts: Vec<usize> = r.groups(one)?.iter().map(|s| s.members).collect();
        assert_eq!(counts, [1, 3], "groups must count each group's members");
        Ok(())
    });
    commit(&store, "delete Sales", |tx| Ok(tx.delete_group(sales)?));
    read(&store, |r| {
        for person in people {
            assert!(
                !r.is_member(sales, &email(person))?,
                "deleting a group must delete its memberships ({person})"
            );
            assert!(
                r.user(&email(person))?.is_some(),
                "deleting a group must keep its members' users"
            );
        }
        assert_eq!(r.member_count(sales)?, 0, "a deleted group has no members");
        assert!(
            r.members(sales)?.is_empty(),
            "a deleted group lists no members"
        );
        assert!(
            r.is_account_admin(one, &email("zoe@example.com"))?,
            "deleting a group must leave the other groups' memberships"
        );
        Ok(())
    });
    commit(&store, "a member of a deleted group", |tx| {
        expect_store_error(
            tx.add_member(sales, &email("mia@example.com")),
            StoreError::is_not_found,
            "a deleted group takes no members",
        );
        Ok(())
    });
}

/// The audit trail: sequence numbers grow across accounts; each account's
/// trail is read newest first, only its own entries, at most `limit`.
pub fn audit_trail_order<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let records = [
        audit_record(1, Action::AccountCreated),
        audit_record(2, Action::AccountCreated),
        audit_record(
            1,
            Action::GroupCreated {
                group: GroupId {
                    account: one,
                    number: 2,
                },
                name: custom("Sales"),
            },
        ),
        audit_record(
            1,
            Action::MemberAdded {
                group: GroupId {
                    account: one,
                    number: 2,
                },
                email: email("ann@example.com"),
            },
        ),
        audit_record(
            2,
            Action::UserAdded {
                email: email("bob@example.com"),
                temporary_password: true,
            },
        ),
    ];
    let first = commit(&store, "append audit records", |tx| {
        tx.insert_account(&account(1))?;
        tx.insert_account(&account(2))?;
        let mut sequences = Vec::new();
        for record in &records[..3] {
            sequences.push(tx.append_audit(record)?);
        }
        Ok(sequences)
    });
    let second = commit(&store, "append more audit records", |tx| {
        let mut sequences = Vec::new();
        for record in &records[3..] {
            sequences.push(tx.append_audit(record)?);
        }
        Ok(sequences)
    });
    let sequences: Vec<u64> = first.into_iter().chain(second).collect();
    assert!(
        sequences.windows(2).all(|w| w[0] < w[1]),
        "audit sequence numbers must grow with every record, across accounts: {sequences:?}"
    );
    let entry = |i: usize| AuditEntry {
        sequence: sequences[i],
        record: records[i].clone(),
    };
    read(&store, |r| {
        assert_eq!(
            r.audit(one, 10)?,
            vec![entry(3), entry(2), entry(0)],
            "an account's trail must hold its own entries, newest first"
        );
        assert_eq!(
            r.audit(two, usize::MAX)?,
            vec![entry(4), entry(1)],
            "an account's trail must hold its own entries, newest first"
        );
        assert_eq!(
            r.audit(one, 2)?,
            vec![entry(3), entry(2)],
            "the trail must stop at `limit` entries, the newest ones"
        );
        assert!(r.audit(one, 0)?.is_empty(), "a limit of 0 reads nothing");
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

/// The verdict on two Account Administrators removing each other at the same
/// moment (R10): exactly one removal succeeds, and the other is refused —
/// its actor is no longer an administrator, or would be the last — rather
/// than failed. Panics otherwise, naming `context`.
pub fn assert_one_mutual_removal_won(results: &[Result<RemovedFromGroup, Error>], context: &str) {
    let succeeded = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        succeeded, 1,
        "{context}: exactly one of two administrators removing each other must succeed, got {results:?}"
    );
    for error in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(
                error,
                Error::Forbidden(Forbidden::NotAccountAdministrator { .. })
                    | Error::LastAdministrator { .. }
            ),
            "{context}: the losing removal must be refused, not fail: {error:?}"
        );
    }
}

/// Two Account Administrators remove each other at the same moment, through
/// the [`Directory`], many times: exactly one removal succeeds, the other is
/// refused (its actor is no longer an administrator, or would be the last),
/// and no reader ever sees the account without an administrator (R10).
pub fn last_admin_race<S: Store>(make: &dyn Fn() -> S) {
    last_admin_race_repeated(make, RACE_TRIALS);
}

/// [`last_admin_race`], `trials` times over, each on a new account of one store.
pub fn last_admin_race_repeated<S: Store>(make: &dyn Fn() -> S, trials: u64) {
    let store = make();
    let directory = Directory::new(&store).with_password_hashing(PasswordHashing::insecure_fast());
    for trial in 0..trials {
        let account = AccountNumber::new(1_000 + trial);
        let admins = GroupId::administrators(account);
        let a = format!("a{trial}@race.example");
        let b = format!("b{trial}@race.example");
        directory
            .create_account(&Actor::Support, account, "Race")
            .expect("creating the account");
        for person in [&a, &b] {
            directory
                .add_user(&Actor::Support, account, &form(person))
                .expect("adding the user");
            directory
                .add_to_group(&Actor::Support, admins, person)
                .expect("making the user an administrator");
        }
        let barrier = Barrier::new(3);
        let (results, lowest) = thread::scope(|scope| {
            let remove = |actor: &str, target: &str| {
                let (actor, target) = (Actor::User(email(actor)), target.to_owned());
                let (barrier, directory) = (&barrier, &directory);
                scope.spawn(move || {
                    barrier.wait();
                    directory.remove_from_group(&actor, admins, &target)
                })
            };
            let first = remove(&a, &b);
            let second = remove(&b, &a);
            let watcher = scope.spawn(|| {
                barrier.wait();
                (0..20)
                    .map(|_| read(&store, |r| r.member_count(admins)))
                    .min()
                    .unwrap_or(0)
            });
            let results = [
                first.join().expect("the first remover"),
                second.join().expect("the second remover"),
            ];
            (results, watcher.join().expect("the watcher"))
        });
        assert!(
            lowest >= 1,
            "trial {trial}: a reader saw the account without an administrator"
        );
        assert_one_mutual_removal_won(&results, &format!("trial {trial}"));
        assert_eq!(
            read(&store, |r| r.member_count(admins)),
            1,
            "trial {trial}: exactly one administrator must remain"
        );
    }
}

// ---------------------------------------------------------------------------
// Stored values
// ---------------------------------------------------------------------------

/// What is stored reads back equal: names beyond ASCII, the address as
/// typed, every user status, credentials (hash, temporary flag, time to the
/// nanosecond), actors, group names and every audit action.
pub fn stored_values_round_trip<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(987_654_321_012);
    let acme = Account {
        number: one,
        name: name("Société Générale — Zürich"),
        created_at: DateTime::from_timestamp(1_234_567_890, 987_654_321).expect("a valid time"),
    };
    let mut users = Vec::new();
    for (i, status) in [
        UserStatus::Active,
        UserStatus::PendingRegistration,
        UserStatus::Disabled,
    ]
    .into_iter()
    .enumerate()
    {
        let mut u = user(&format!("Unicode.Name{i}@Example.org"));
        u.first_name = name("Zoë");
        u.last_name = name("Núñez-O'Brien 山田");
        u.status = status;
        u.created_by = ActorRecord::User(email("Admin@Example.org"));
        u.created_in = one;
        u.credential = match i {
            0 => Some(Credential {
                hash: PasswordHash::from_phc(
                    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
                ),
                temporary: true,
                set_at: DateTime::from_timestamp(1_700_000_001, 1).expect("a valid time"),
                chosen_by: PasswordChosenBy::Administrator {
                    email: email("Admin@Example.org"),
                    account: one,
                },
            }),
            1 => None,
            _ => Some(Credential {
                hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$YWJjZGVmZ2g$MTIzNA"),
                temporary: false,
                set_at: DateTime::from_timestamp(4_102_444_800, 999_999_999).expect("a valid time"),
                chosen_by: PasswordChosenBy::User,
            }),
        };
        users.push(u);
    }
    let sales = custom("Ventes & Marketing «Europe»");
    let actions = [
        Action::AccountCreated,
        Action::UserAdded {
            email: users[0].email.clone(),
            temporary_password: true,
        },
        Action::GroupCreated {
            group: GroupId {
                account: one,
                number: 2,
            },
            name: sales.clone(),
        },
        Action::GroupRenamed {
            group: GroupId {
                account: one,
                number: 2,
            },
            from: sales.clone(),
            to: custom("Sales"),
        },
        Action::MemberAdded {
            group: GroupId::administrators(one),
            email: users[0].email.clone(),
        },
        Action::MemberRemoved {
            group: GroupId::administrators(one),
            email: users[0].email.clone(),
        },
        Action::GroupDeleted {
            group: GroupId {
                account: one,
                number: 2,
            },
            name: custom("Sales"),
        },
    ];
    let actors = [
        ActorRecord::Support,
        ActorRecord::User(email("Admin@Example.org")),
        ActorRecord::Unauthenticated,
    ];
    let (groups, entries) = commit(&store, "store every kind of value", |tx| {
        tx.insert_account(&acme)?;
        let admins = tx.insert_group(one, &GroupName::AccountAdministrators, acme.created_at)?;
        let group = tx.insert_group(
            one,
            &sales,
            DateTime::from_timestamp(1_600_000_000, 5).expect("a valid time"),
        )?;
        for u in &users {
            tx.insert_user(u)?;
        }
        let mut entries = Vec::new();
        for (i, action) in actions.iter().enumerate() {
            let record = AuditRecord {
                at: DateTime::from_timestamp(1_700_000_000 + i as i64, 123_456_789 + i as u32)
                    .expect("a valid time"),
                actor: actors[i % actors.len()].clone(),
                account: one,
                action: action.clone(),
            };
            let sequence = tx.append_audit(&record)?;
            entries.push(AuditEntry { sequence, record });
        }
        Ok((vec![admins, group], entries))
    });
    read(&store, |r| {
        assert_eq!(
            r.account(one)?,
            Some(acme.clone()),
            "the account must read back equal"
        );
        for u in &users {
            let stored = r.user(&u.email)?;
            assert_eq!(
                stored.as_ref(),
                Some(u),
                "user {} must read back equal",
                u.email
            );
            assert_eq!(
                stored
                    .as_ref()
                    .and_then(|s| s.credential.as_ref())
                    .map(|c| c.hash.as_phc()),
                u.credential.as_ref().map(|c| c.hash.as_phc()),
                "the password hash must read back byte for byte"
            );
        }
        for group in &groups {
            assert_eq!(
                r.group(group.id)?.as_ref(),
                Some(group),
                "group {} must read back equal",
                group.id
            );
        }
        let mut trail = r.audit(one, usize::MAX)?;
        trail.reverse();
        assert_eq!(
            trail, entries,
            "every audit action and actor must read back equal"
        );
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Updates
// ---------------------------------------------------------------------------

/// [`Transaction::update_user`] replaces everything about a stored user
/// (names, status, credential, sign-in state with times to the nanosecond)
/// and nothing else: the identity and the memberships stay as they were, and
/// so does every other record. Updating a user that does not exist is a
/// [`StoreError::NotFound`] that creates nothing, and an update in a
/// transaction whose closure returns `Err` is rolled back.
pub fn users_are_updated<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let ann = email("ann@example.com");
    let bob = email("bob@example.com");
    commit(&store, "set up Ann and Bob", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&user("Ann@Example.com"))?;
        tx.insert_user(&user("Bob@Example.com"))?;
        tx.add_member(admins, &ann)?;
        tx.append_audit(&audit_record(1, Action::AccountCreated))?;
        Ok(())
    });
    let everyone = [ann.clone(), bob.clone()];
    let mut expected = snapshot(&store, &[one], &everyone);

    // Everything changes at once, to values unlike the inserted ones.
    let mut changed = user("Ann@Example.com");
    changed.first_name = name("Annabel");
    changed.last_name = name("Byron-King");
    changed.status = UserStatus::Disabled;
    changed.credential = Some(Credential {
        hash: PasswordHash::from_phc(
            "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdG5ld3NhbHQ$TmV3SGFzaE5ld0hhc2hOZXdIYXNo",
        ),
        temporary: true,
        set_at: DateTime::from_timestamp(1_800_000_000, 987_654_321).expect("a valid time"),
        chosen_by: PasswordChosenBy::Unknown,
    });
    let throttle = Throttle {
        failures: 4,
        window_started: Some(DateTime::from_timestamp(1_800_000_400, 7).expect("a valid time")),
        lockouts: 3,
        locked_until: Some(DateTime::from_timestamp(1_800_000_480, 1).expect("a valid time")),
    };
    changed.sign_in = SignInState {
        user: throttle,
        sources: vec![
            (SignInSource::new("192.0.2.1"), throttle),
            (SignInSource::unknown(), Throttle::default()),
        ],
    };
    commit(&store, "update Ann", |tx| {
        tx.update_user(&changed)?;
        assert_eq!(
            tx.user(&ann)?.as_ref(),
            Some(&changed),
            "a transaction must read the user it updated"
        );
        Ok(())
    });
    let stored = read(&store, |r| r.user(&email("ANN@EXAMPLE.COM")));
    assert_eq!(
        stored.as_ref().map(|u| &u.sign_in),
        Some(&changed.sign_in),
        "the sign-in state (failures, window, lockouts, locked_until to the nanosecond, each \
         source's throttle in order) must read back equal"
    );
    assert_eq!(
        stored
            .as_ref()
            .and_then(|u| u.credential.as_ref())
            .map(|c| (c.hash.as_phc(), c.temporary, c.set_at, &c.chosen_by)),
        changed
            .credential
            .as_ref()
            .map(|c| (c.hash.as_phc(), c.temporary, c.set_at, &c.chosen_by)),
        "the new credential (hash byte for byte, temporary flag, time set, who chose it) must \
         read back equal"
    );
    expected.users[0] = Some(changed.clone());
    assert_eq!(
        snapshot(&store, &[one], &everyone),
        expected,
        "update_user must replace the user, found under the same identity in any case, and \
         leave memberships, other users, groups and the audit trail as they were"
    );

    // The other way: no credential, the largest counts, no lock.
    let mut cleared = changed.clone();
    cleared.status = UserStatus::PendingRegistration;
    cleared.credential = None;
    cleared.sign_in = SignInState {
        user: Throttle {
            failures: u32::MAX,
            window_started: None,
            lockouts: u32::MAX,
            locked_until: None,
        },
        sources: Vec::new(),
    };
    commit(&store, "update Ann again", |tx| {
        Ok(tx.update_user(&cleared)?)
    });
    expected.users[0] = Some(cleared.clone());
    assert_eq!(
        snapshot(&store, &[one], &everyone),
        expected,
        "a second update must replace the first (credential removed, lock cleared, \
         counts up to u32::MAX), and still leave everything else as it was"
    );

    // A user that does not exist.
    let nobody = email("nobody@example.com");
    commit(&store, "update a missing user", |tx| {
        expect_store_error(
            tx.update_user(&user("nobody@example.com")),
            StoreError::is_not_found,
            "updating a user that does not exist must be NotFound",
        );
        Ok(())
    });
    assert_eq!(
        read(&store, |r| r.user(&nobody)),
        None,
        "updating a user that does not exist must not create one"
    );

    // An update whose transaction then fails.
    let refusal = || Error::LastAdministrator {
        email: ann.clone(),
        account: one,
    };
    let mut unlocked = cleared.clone();
    unlocked.status = UserStatus::Active;
    unlocked.sign_in = SignInState::default();
    let result = store.write_with(|tx| {
        tx.update_user(&unlocked)?;
        Err::<(), _>(refusal())
    });
    assert!(
        matches!(result, Err(Error::LastAdministrator { .. })),
        "the store must return the closure's error unchanged, got {result:?}"
    );
    assert_eq!(
        snapshot(&store, &[one], &everyone),
        expected,
        "an update in a transaction whose closure returned Err must be rolled back"
    );
}

// ---------------------------------------------------------------------------
// Pending registrations
// ---------------------------------------------------------------------------

/// [`Transaction::put_registration`] keeps one pending registration per
/// (email identity, account), read back equal (every field, times to the
/// nanosecond, the email as typed) by the email in any case with its account,
/// among all of the email's registrations in account order, and by its
/// selector, which is case-sensitive. A second put for the same identity and
/// account replaces the first, whose selector then finds nothing and may be
/// reused; another account's registration of the same email is never touched
/// (R14). A selector held by another registration is a
/// [`StoreError::Conflict`] that changes nothing, even when the transaction
/// goes on and commits. [`Transaction::delete_registration`] removes one
/// (email, account) under every key, and is [`StoreError::NotFound`] without
/// one. [`Reader::expired_registrations`] finds those expired at a time, up
/// to a limit. Puts and deletes in a transaction whose closure returns `Err`
/// are rolled back. Registrations are independent of users.
pub fn registrations_are_kept<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let (a, b) = (AccountNumber::new(7), AccountNumber::new(999_999_999_999));
    let ann = email("ann@example.com");
    let bob = email("bob@example.com");
    let carl = email("carl@example.com");
    commit(&store, "set up account 1 and the user Ann", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&user("Ann@Example.com"))?;
        Ok(())
    });
    let everyone = [ann.clone(), bob.clone(), carl.clone()];
    let users = snapshot(&store, &[one], &everyone);
    let registrations = |store: &S| {
        read(store, |r| {
            everyone
                .iter()
                .map(|e| r.registrations(e))
                .collect::<Result<Vec<_>, _>>()
        })
    };
    let by_selector =
        |store: &S, selector: &str| read(store, |r| r.registration_by_selector(selector));

    // Carl has no user: a registration needs none.
    let first = registration("Carl@Example.com", a, "c2VsZWN0b3Itb25l", 0);
    commit(&store, "put Carl's registration for A", |tx| {
        tx.put_registration(&first)?;
        assert_eq!(
            tx.registration(&carl, a)?.as_ref(),
            Some(&first),
            "a transaction must read the registration it put"
        );
        Ok(())
    });
    let stored = read(&store, |r| r.registration(&email("CARL@EXAMPLE.COM"), a));
    assert_eq!(
        stored.as_ref(),
        Some(&first),
        "a registration must read back equal by its email in any case and its account"
    );
    assert_eq!(
        stored.as_ref().map(|r| r.email.as_str()),
        Some("Carl@Example.com"),
        "a registration must keep its email as typed"
    );
    assert_eq!(
        read(&store, |r| r.registration(&carl, b)),
        None,
        "a registration must not be found under another account"
    );
    assert_eq!(
        by_selector(&store, "c2VsZWN0b3Itb25l"),
        Some(first.clone()),
        "a registration must read back equal by its selector"
    );
    assert_eq!(
        by_selector(&store, "C2VSZWN0B3ITB25L"),
        None,
        "selectors are base64url, so case-sensitive: another case must find nothing"
    );
    assert_eq!(
        read(&store, |r| r.user(&carl)),
        None,
        "putting a registration must not create a user"
    );
    commit(
        &store,
        "put Carl's registration for A again, unchanged",
        |tx| Ok(tx.put_registration(&first)?),
    );
    assert_eq!(
        registrations(&store),
        [vec![], vec![], vec![first.clone()]],
        "putting the same registration again must keep it, once"
    );

    // Account B invites Carl too: both stand, in account order (R14).
    let from_b = registration("CARL@example.com", b, "ZnJvbS1i", 9);
    commit(&store, "put Carl's registration for B", |tx| {
        Ok(tx.put_registration(&from_b)?)
    });
    assert_eq!(
        registrations(&store),
        [vec![], vec![], vec![first.clone(), from_b.clone()]],
        "another account's registration of the same email must be kept beside the first"
    );

    // A new token from A, every other field different, the email in another case.
    let second = registration("carl@example.com", a, "c2Vjb25kLXNlbGVjdG9y", 101);
    commit(&store, "replace Carl's registration for A", |tx| {
        Ok(tx.put_registration(&second)?)
    });
    let stored = read(&store, |r| r.registration(&carl, a));
    assert_eq!(
        (stored.as_ref(), stored.as_ref().map(|r| r.email.as_str())),
        (Some(&second), Some("carl@example.com")),
        "a second put for the same email identity and account must replace the first entirely"
    );
    assert_eq!(
        read(&store, |r| r.registration(&carl, b)),
        Some(from_b.clone()),
        "replacing one account's registration must leave another account's as it was"
    );
    assert_eq!(
        by_selector(&store, "c2VsZWN0b3Itb25l"),
        None,
        "the selector of a replaced registration must find nothing"
    );
    assert_eq!(
        by_selector(&store, "c2Vjb25kLXNlbGVjdG9y"),
        Some(second.clone()),
        "the new selector must find the new registration"
    );

    // Ann, who is a user, gets one too.
    let anns = registration("Ann@Example.com", one, "YW5uJ3Mtc2VsZWN0b3I", 202);
    commit(&store, "put Ann's registration", |tx| {
        Ok(tx.put_registration(&anns)?)
    });
    let expected = [
        vec![anns.clone()],
        vec![],
        vec![second.clone(), from_b.clone()],
    ];
    assert_eq!(registrations(&store), expected);

    // Selectors held by another registration.
    commit(&store, "reuse Carl's selectors", |tx| {
        let bobs = registration("bob@example.com", a, "c2Vjb25kLXNlbGVjdG9y", 7);
        expect_store_error(
            tx.put_registration(&bobs),
            StoreError::is_conflict,
            "a new registration with a selector another email's registration holds must \
             be a Conflict",
        );
        let carls = registration("carl@example.com", a, "ZnJvbS1i", 8);
        expect_store_error(
            tx.put_registration(&carls),
            StoreError::is_conflict,
            "replacing a registration with a selector another account's registration of the \
             same email holds must be a Conflict",
        );
        Ok(())
    });
    assert_eq!(
        registrations(&store),
        expected,
        "a refused put must change nothing, even when the transaction commits"
    );

    // Puts and deletes whose transaction fails.
    let refusal = || Error::LastAdministrator {
        email: ann.clone(),
        account: one,
    };
    let result = store.write_with(|tx| {
        tx.put_registration(&registration("bob@example.com", a, "Ym9iJ3M", 3))?;
        tx.put_registration(&registration("carl@example.com", a, "Y2FybCdzIHRoaXJk", 4))?;
        tx.delete_registration(&ann, one)?;
        tx.delete_registration(&carl, b)?;
        Err::<(), _>(refusal())
    });
    assert!(
        matches!(result, Err(Error::LastAdministrator { .. })),
        "the store must return the closure's error unchanged, got {result:?}"
    );
    assert_eq!(
        registrations(&store),
        expected,
        "puts and deletes in a transaction whose closure returned Err must be rolled back"
    );
    for selector in ["Ym9iJ3M", "Y2FybCdzIHRoaXJk"] {
        assert_eq!(
            by_selector(&store, selector),
            None,
            "a rolled-back put must leave its selector finding nothing"
        );
    }
    assert_eq!(
        by_selector(&store, "c2Vjb25kLXNlbGVjdG9y"),
        Some(second.clone()),
        "a rolled-back replacement must leave the replaced selector working"
    );

    // Expired ones, as the purge finds them.
    let expired = |at: DateTime<Utc>, limit| {
        let mut found = read(&store, |r| r.expired_registrations(at, limit));
        found.sort_by(|x, y| x.selector.cmp(&y.selector));
        found
    };
    assert_eq!(
        expired(first.issued_at, 10),
        [],
        "no registration has expired before any expiry time"
    );
    assert_eq!(
        expired(second.expires_at, 10),
        [from_b.clone(), second.clone()],
        "registrations whose expiry is at or before the time must be found, and only them"
    );
    assert_eq!(
        expired(DateTime::<Utc>::MAX_UTC, 2).len(),
        2,
        "expired_registrations must return at most `limit` registrations"
    );

    // Delete A's, by the email in another case.
    commit(&store, "delete Carl's registration for A", |tx| {
        Ok(tx.delete_registration(&email("CARL@example.COM"), a)?)
    });
    assert_eq!(
        registrations(&store),
        [vec![anns.clone()], vec![], vec![from_b.clone()]],
        "delete_registration must remove that email's registration for that account, and only it"
    );
    assert_eq!(
        by_selector(&store, "c2Vjb25kLXNlbGVjdG9y"),
        None,
        "a deleted registration's selector must find nothing"
    );
    commit(&store, "delete missing registrations", |tx| {
        expect_store_error(
            tx.delete_registration(&carl, a),
            StoreError::is_not_found,
            "deleting a registration already deleted must be NotFound",
        );
        expect_store_error(
            tx.delete_registration(&bob, a),
            StoreError::is_not_found,
            "deleting a registration that never existed must be NotFound",
        );
        expect_store_error(
            tx.delete_registration(&ann, a),
            StoreError::is_not_found,
            "deleting an email's registration under an account that has none must be NotFound",
        );
        Ok(())
    });

    // Freed selectors may be used again, by another email.
    let bobs = registration("bob@example.com", a, "c2VsZWN0b3Itb25l", 55);
    let bobs_too = registration("bob@example.com", a, "c2Vjb25kLXNlbGVjdG9y", 56);
    commit(&store, "reuse freed selectors", |tx| {
        tx.put_registration(&bobs)?;
        tx.put_registration(&bobs_too)?;
        Ok(())
    });
    assert_eq!(
        by_selector(&store, "c2Vjb25kLXNlbGVjdG9y"),
        Some(bobs_too.clone()),
        "the selector of a deleted registration must be free for another email"
    );
    assert_eq!(
        by_selector(&store, "c2VsZWN0b3Itb25l"),
        None,
        "a selector replaced in the same transaction must find nothing"
    );

    // Users and registrations do not touch each other.
    assert_eq!(
        snapshot(&store, &[one], &everyone),
        users,
        "registrations must leave users, groups, memberships and the audit trail as they were"
    );
    let mut renamed = user("Ann@Example.com");
    renamed.first_name = name("Annabel");
    commit(&store, "update Ann and delete her registration", |tx| {
        tx.update_user(&renamed)?;
        tx.insert_user(&user("Carl@Example.com"))?;
        tx.delete_registration(&ann, one)?;
        Ok(())
    });
    assert_eq!(
        read(&store, |r| Ok((r.user(&ann)?, r.registrations(&carl)?))),
        (Some(renamed), vec![from_b.clone()]),
        "deleting a registration must not delete the user of the same email, nor \
         inserting a user delete or create a registration"
    );
    assert_eq!(
        registrations(&store),
        [vec![], vec![bobs_too], vec![from_b]],
        "updating and inserting users must leave registrations as they were"
    );
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Everything the checks can see of a store, for comparing before and after.
#[derive(Debug, PartialEq)]
struct Snapshot {
    accounts: Vec<AccountState>,
    users: Vec<Option<User>>,
}

#[derive(Debug, PartialEq)]
struct AccountState {
    account: Option<Account>,
    groups: Vec<GroupSummary>,
    members: Vec<Vec<Email>>,
    administrators: Vec<bool>,
    audit: Vec<AuditEntry>,
}

impl Snapshot {
    /// What an empty store shows for `accounts` accounts and `users` users.
    fn empty(accounts: usize, users: usize) -> Snapshot {
        Snapshot {
            accounts: (0..accounts)
                .map(|_| AccountState {
                    account: None,
                    groups: Vec::new(),
                    members: Vec::new(),
                    administrators: vec![false; users],
                    audit: Vec::new(),
                })
                .collect(),
            users: vec![None; users],
        }
    }
}

fn snapshot<S: Store + ?Sized>(
    store: &S,
    accounts: &[AccountNumber],
    emails: &[Email],
) -> Snapshot {
    read(store, |r| {
        let mut states = Vec::new();
        for &number in accounts {
            let groups = r.groups(number)?;
            let members = groups
                .iter()
                .map(|s| r.members(s.group.id))
                .collect::<Result<_, _>>()?;
            let administrators = emails
                .iter()
                .map(|e| r.is_account_admin(number, e))
                .collect::<Result<_, _>>()?;
            states.push(AccountState {
                account: r.account(number)?,
                groups,
                members,
                administrators,
                audit: r.audit(number, usize::MAX)?,
            });
        }
        Ok(Snapshot {
            accounts: states,
            users: emails.iter().map(|e| r.user(e)).collect::<Result<_, _>>()?,
        })
    })
}

/// Runs a write transaction that must succeed.
fn commit<S: Store + ?Sized, T>(
    store: &S,
    what: &str,
    f: impl FnMut(&mut dyn Transaction) -> Result<T, Error>,
) -> T {
    store
        .write_with(f)
        .unwrap_or_else(|error| panic!("{what}: the write transaction failed: {error:?}"))
}

/// Runs a read that must succeed.
fn read<S: Store + ?Sized, T>(
    store: &S,
    mut f: impl FnMut(&dyn Reader) -> Result<T, StoreError>,
) -> T {
    store
        .read_with(|reader| Ok(f(reader)?))
        .unwrap_or_else(|error| panic!("a read failed: {error:?}"))
}

fn expect_store_error<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    kind: fn(&StoreError) -> bool,
    promise: &str,
) {
    match result {
        Err(error) if kind(&error) => {}
        other => panic!("{promise}; got {other:?}"),
    }
}

/// Writes an account, its built-in group, a user in it and an audit entry.
fn write_everything(tx: &mut dyn Transaction) -> Result<(), Error> {
    setup_account(tx, 1)?;
    tx.insert_user(&user("ann@example.com"))?;
    tx.add_member(
        GroupId::administrators(AccountNumber::new(1)),
        &email("ann@example.com"),
    )?;
    tx.append_audit(&audit_record(1, Action::AccountCreated))?;
    Ok(())
}

fn deliberate_panic() -> Result<(), Error> {
    panic!("conformance suite: a deliberate panic inside a write transaction")
}

fn setup_account(tx: &mut dyn Transaction, number: u64) -> Result<(), StoreError> {
    tx.insert_account(&account(number))?;
    tx.insert_group(
        AccountNumber::new(number),
        &GroupName::AccountAdministrators,
        at(number as i64),
    )?;
    Ok(())
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + seconds, 123_456_789).expect("a valid time")
}

fn email(address: &str) -> Email {
    Email::parse(address).expect("the suite's addresses are valid")
}

fn name(text: &str) -> Name {
    Name::parse(text, Field::Name).expect("the suite's names are valid")
}

fn custom(text: &str) -> GroupName {
    GroupName::Custom(name(text))
}

fn account(number: u64) -> Account {
    Account {
        number: AccountNumber::new(number),
        name: name(&format!("Account {number}")),
        created_at: at(number as i64),
    }
}

fn user(address: &str) -> User {
    User {
        email: email(address),
        first_name: name("Ada"),
        last_name: name("Lovelace"),
        status: UserStatus::Active,
        credential: Some(Credential {
            hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
            temporary: false,
            set_at: at(100),
            chosen_by: PasswordChosenBy::User,
        }),
        created_at: at(100),
        created_by: ActorRecord::Support,
        created_in: AccountNumber::new(1),
        sign_in: SignInState::default(),
    }
}

/// A registration whose every other field derives from `seed`: distinct
/// seeds give different hashes, senders and times.
fn registration(
    address: &str,
    account: AccountNumber,
    selector: &str,
    seed: u8,
) -> PendingRegistration {
    let issued_at = DateTime::from_timestamp(1_800_000_000 + i64::from(seed), 123_456_789)
        .expect("a valid time");
    PendingRegistration {
        email: email(address),
        selector: selector.to_owned(),
        verifier_hash: std::array::from_fn(|i| seed.wrapping_add((i as u8).wrapping_mul(37))),
        sent_by: if seed % 2 == 0 {
            ActorRecord::User(email(&format!("Sender{seed}@Example.com")))
        } else {
            ActorRecord::Support
        },
        account,
        issued_at,
        expires_at: issued_at + chrono::Duration::nanoseconds(7 * 86_400_000_000_001),
    }
}

fn audit_record(account: u64, action: Action) -> AuditRecord {
    AuditRecord {
        at: at(200),
        actor: ActorRecord::Support,
        account: AccountNumber::new(account),
        action,
    }
}

fn form(username: &str) -> NewUser {
    NewUser {
        username: username.to_owned(),
        first_name: "Ada".to_owned(),
        last_name: "Lovelace".to_owned(),
        password: "Temporary-Pass-1".into(),
        confirm_password: "Temporary-Pass-1".into(),
        enforce_password_expiration: true,
    }
}
