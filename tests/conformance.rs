//! The conformance suite against every store the crate ships and the
//! testing wrappers, and tests of the suite's own machinery: the list of
//! checks, cleaning up after a store, `AbortingStore` and the fixtures.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cres_admin::store::{Reader, Store, Transaction};
use cres_admin::testing::conformance::{self, Guarded};
use cres_admin::testing::{AbortingStore, FailingStore, fixtures};
use cres_admin::{AccountNumber, Actor, GroupId, MemoryStore, Password, PasswordHashing};

/// The reference store.
mod memory {
    cres_admin::conformance_tests!(cres_admin::MemoryStore::new);
}

/// A store that refuses everything after a failed write, as PostgreSQL
/// does: that the suite passes on it shows that no check goes on with a
/// transaction after one of its writes failed.
mod aborting_memory {
    use cres_admin::MemoryStore;
    use cres_admin::testing::AbortingStore;

    cres_admin::conformance_tests!(|| AbortingStore::new(MemoryStore::new()));
}

/// `FailingStore` with no failure armed: a wrapper built with the
/// forwarding macros keeps every promise of the store it wraps.
mod failing_memory {
    use cres_admin::MemoryStore;
    use cres_admin::testing::FailingStore;

    cres_admin::conformance_tests!(|| FailingStore::new(MemoryStore::new()));
}

/// SQLite in a temporary folder per check, deleted when the check ends.
#[cfg(feature = "sqlite")]
mod sqlite {
    use cres_admin::SqliteStore;
    use cres_admin::testing::conformance::Guarded;

    cres_admin::conformance_tests!(|| {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let store =
            SqliteStore::open(folder.path().join("store.db")).expect("a fresh SQLite store");
        Guarded::new(store, folder)
    });
}

#[test]
fn run_all_runs_every_check_each_on_fresh_stores() {
    let made = AtomicUsize::new(0);
    conformance::run_all(&|| {
        made.fetch_add(1, Ordering::SeqCst);
        MemoryStore::new()
    });
    assert!(
        made.load(Ordering::SeqCst) >= conformance::checks().len(),
        "each check makes at least one store"
    );
}

#[test]
fn the_list_of_checks_names_each_check_once_by_kind_and_concern() {
    let checks = conformance::checks();
    let mut unique = checks.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), checks.len(), "{checks:?}");
    for name in &checks {
        let parts: Vec<&str> = name.split("::").collect();
        assert_eq!(parts.len(), 3, "{name}");
        assert!(["store", "directory"].contains(&parts[0]), "{name}");
    }
    for concern in [
        "uniqueness",
        "missing",
        "atomicity",
        "isolation",
        "membership",
        "audit",
        "round_trip",
        "registrations",
        "revisions",
    ] {
        assert!(
            checks
                .iter()
                .any(|name| name.starts_with(&format!("store::{concern}::"))),
            "no store check of {concern}"
        );
    }
    assert!(checks.contains(&"directory::isolation::last_admin_race"));
    assert!(checks.contains(&"store::uniqueness::user_ids_are_unique"));
}

#[test]
fn a_guarded_store_is_cleaned_up_after_a_failing_check_too() {
    let cleaned = Arc::new(AtomicUsize::new(0));
    let make = || {
        // A store whose first write fails: every check that writes fails.
        let broken = FailingStore::new(MemoryStore::new());
        broken.fail_write(1);
        let cleaned = cleaned.clone();
        Guarded::on_drop(broken, move || {
            cleaned.fetch_add(1, Ordering::SeqCst);
        })
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        conformance::store::uniqueness::accounts_are_unique(&make);
    }));
    assert!(
        outcome.is_err(),
        "the check must fail on a store that fails its writes"
    );
    assert_eq!(
        cleaned.load(Ordering::SeqCst),
        1,
        "the store the failing check made must have been dropped, and its guard run"
    );
    conformance::store::uniqueness::accounts_are_unique(&|| {
        let cleaned = cleaned.clone();
        Guarded::on_drop(MemoryStore::new(), move || {
            cleaned.fetch_add(1, Ordering::SeqCst);
        })
    });
    assert_eq!(cleaned.load(Ordering::SeqCst), 2, "and after a passing one");
}

#[test]
fn a_guard_outlives_its_store() {
    struct Witness(Arc<AtomicBool>);
    impl Drop for Witness {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let store_dropped = Arc::new(AtomicBool::new(false));
    let seen_by_guard = Arc::new(AtomicBool::new(false));
    let (dropped, seen) = (store_dropped.clone(), seen_by_guard.clone());
    let guarded = Guarded::on_drop(
        Guarded::new(MemoryStore::new(), Witness(dropped)),
        move || seen.store(store_dropped.load(Ordering::SeqCst), Ordering::SeqCst),
    );
    drop(guarded);
    assert!(
        seen_by_guard.load(Ordering::SeqCst),
        "the store must be dropped before its guard runs"
    );
}

// ---------------------------------------------------------------------------
// AbortingStore
// ---------------------------------------------------------------------------

#[test]
fn an_aborted_transaction_refuses_every_read_write_and_the_commit() {
    let store = AbortingStore::new(MemoryStore::new());
    let one = AccountNumber::new(1);
    let ann = fixtures::user("ann@example.com");
    let mut tx = store.begin_write().unwrap();
    tx.insert_account(&fixtures::account(1)).unwrap();
    tx.insert_user(&ann).unwrap();
    assert!(!tx.is_aborted());
    assert!(tx.insert_user(&ann).unwrap_err().is_conflict());
    assert!(tx.is_aborted());
    assert_eq!(store.aborted(), 1);

    let admins = GroupId::administrators(one);
    let email = fixtures::email("ann@example.com");
    let reads: Vec<bool> = vec![
        tx.account(one).is_err(),
        tx.user(ann.id).is_err(),
        tx.user_id(&email).is_err(),
        tx.user_brief(ann.id).is_err(),
        tx.is_active_admin(one, ann.id).is_err(),
        tx.group(admins).is_err(),
        tx.groups(one).is_err(),
        tx.is_member(admins, ann.id).is_err(),
        tx.member_count(admins).is_err(),
        tx.members(admins).is_err(),
        tx.user_groups(ann.id).is_err(),
        tx.audit(one, 1).is_err(),
        tx.registration(&email, one).is_err(),
        tx.registrations(&email).is_err(),
        tx.expired_registrations(fixtures::at(0), 1).is_err(),
        tx.registration_by_selector("c2VsZWN0b3I").is_err(),
    ];
    assert!(reads.iter().all(|&refused| refused), "{reads:?}");
    let writes: Vec<bool> = vec![
        tx.insert_account(&fixtures::account(2)).is_err(),
        tx.insert_group(one, &fixtures::group_name("Sales"), fixtures::at(1))
            .is_err(),
        tx.rename_group(admins, &fixtures::group_name("Sales"))
            .is_err(),
        tx.delete_group(admins).is_err(),
        tx.insert_user(&fixtures::user("bob@example.com")).is_err(),
        tx.update_user(&ann).is_err(),
        tx.set_sign_in_state(ann.id, &cres_admin::SignInState::default())
            .is_err(),
        tx.put_registration(&fixtures::registration("bob@example.com", one, "Ym9i", 1))
            .is_err(),
        tx.delete_registration(&email, one).is_err(),
        tx.add_member(admins, ann.id).is_err(),
        tx.remove_member(admins, ann.id).is_err(),
        tx.append_audit(&fixtures::audit_record(
            1,
            cres_admin::Action::AccountCreated,
        ))
        .is_err(),
    ];
    assert!(writes.iter().all(|&refused| refused), "{writes:?}");
    let error = tx.commit().unwrap_err();
    assert!(error.to_string().contains("transaction aborted"), "{error}");
    assert_eq!(store.refusals(), reads.len() + writes.len() + 1);
    assert_eq!(
        store.aborted(),
        1,
        "refused calls do not abort the transaction again"
    );

    let reader = store.begin_read().unwrap();
    assert_eq!(reader.account(one).unwrap(), None, "nothing was committed");
    assert_eq!(reader.user(ann.id).unwrap(), None);
}

#[test]
fn a_transaction_without_a_failed_write_works_as_the_inner_one() {
    let store = AbortingStore::new(MemoryStore::new());
    let one = AccountNumber::new(1);
    let mut tx = store.begin_write().unwrap();
    tx.insert_account(&fixtures::account(1)).unwrap();
    assert_eq!(tx.account(one).unwrap(), Some(fixtures::account(1)));
    tx.commit().unwrap();
    // A failed write aborts its own transaction only.
    let mut tx = store.begin_write().unwrap();
    assert!(tx.insert_account(&fixtures::account(1)).is_err());
    drop(tx);
    let mut tx = store.begin_write().unwrap();
    tx.insert_account(&fixtures::account(2)).unwrap();
    tx.commit().unwrap();
    let reader = store.begin_read().unwrap();
    assert!(reader.account(one).unwrap().is_some());
    assert!(reader.account(AccountNumber::new(2)).unwrap().is_some());
    drop(reader);
    assert_eq!((store.aborted(), store.refusals()), (1, 0));
}

#[test]
fn an_injected_failure_under_an_aborting_store_aborts_the_transaction() {
    let store = AbortingStore::new(FailingStore::new(MemoryStore::new()));
    store.inner().fail_write(2);
    let mut tx = store.begin_write().unwrap();
    tx.insert_account(&fixtures::account(1)).unwrap();
    assert!(tx.insert_account(&fixtures::account(2)).is_err());
    assert!(tx.is_aborted());
    assert!(tx.account(AccountNumber::new(1)).is_err());
    drop(tx);
    assert_eq!((store.aborted(), store.refusals()), (1, 1));
}

/// What the old suite did — insert a duplicate, expect a Conflict, then go
/// on and commit — fails on a store that aborts, as on PostgreSQL.
#[test]
fn going_on_after_a_conflict_is_caught() {
    let store = AbortingStore::new(MemoryStore::new());
    let mut tx = store.begin_write().unwrap();
    tx.insert_account(&fixtures::account(1)).unwrap();
    tx.commit().unwrap();
    let mut tx = store.begin_write().unwrap();
    assert!(
        tx.insert_account(&fixtures::account(1))
            .unwrap_err()
            .is_conflict()
    );
    assert!(
        tx.commit().is_err(),
        "the commit after a refused write is refused"
    );
    assert_eq!(store.refusals(), 1);
}

#[test]
fn the_directory_stops_at_a_failed_write() {
    let store = AbortingStore::new(FailingStore::new(MemoryStore::new()));
    let directory = fixtures::directory(&store);
    fixtures::bootstrap(&directory);
    for write in 1..=2 {
        store.inner().fail_write(write);
        let alice = fixtures::actor(&directory, fixtures::ALICE);
        let error = directory
            .add_user(
                &alice,
                fixtures::ACCOUNT,
                &fixtures::form("bob@example.com"),
            )
            .unwrap_err();
        assert!(error.is_store_failure(), "{error:?}");
    }
    assert_eq!(
        store.aborted(),
        2,
        "add_user writes the user and its audit entry"
    );
    assert_eq!(
        store.refusals(),
        0,
        "the directory drops a transaction at its failed write"
    );
    assert_eq!(fixtures::user_id(&directory, "bob@example.com"), None);
    store.inner().fail_write(0);
    let alice = fixtures::actor(&directory, fixtures::ALICE);
    directory
        .add_user(
            &alice,
            fixtures::ACCOUNT,
            &fixtures::form("bob@example.com"),
        )
        .unwrap();
    assert!(fixtures::user_id(&directory, "bob@example.com").is_some());
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

#[test]
fn fixture_users_have_a_real_cheap_hash_of_the_fixture_password() {
    let ann = fixtures::user("ann@example.com");
    let bob = fixtures::user("bob@example.com");
    assert_ne!(ann.id, bob.id, "each fixture user has an id of its own");
    assert_eq!(ann.revision, 0);
    let hash = &ann.credential.as_ref().expect("a credential").hash;
    let hashing = PasswordHashing::insecure_fast();
    assert!(hashing.verify(&Password::new(fixtures::PASSWORD), hash));
    assert!(!hashing.verify(&Password::new("another password"), hash));
    assert!(
        !hashing.needs_rehash(hash),
        "made with the cheapest parameters"
    );
}

#[test]
fn fixture_registrations_follow_their_seed() {
    let one = AccountNumber::new(1);
    let a = fixtures::registration("carl@example.com", one, "c2Vs", 2);
    assert_eq!(
        a,
        fixtures::registration("carl@example.com", one, "c2Vs", 2)
    );
    let b = fixtures::registration("carl@example.com", one, "c2Vs", 3);
    assert_ne!(a.verifier_hash, b.verifier_hash);
    assert_ne!(a.issued_at, b.issued_at);
    assert_ne!(a.sent_by, b.sent_by);
    assert!(a.expires_at > a.issued_at);
}

#[test]
fn bootstrap_makes_alice_the_administrator_of_account_12345() {
    let directory = fixtures::directory(MemoryStore::new());
    let alice = fixtures::bootstrap(&directory);
    assert_eq!(alice.email, fixtures::email(fixtures::ALICE));
    assert!(
        directory
            .is_account_admin(fixtures::ACCOUNT, alice.id)
            .unwrap()
    );
    assert_eq!(
        fixtures::actor(&directory, "ALICE@example.com"),
        Actor::User(alice.id)
    );
    assert_eq!(fixtures::user_id(&directory, "nobody@example.com"), None);
    let trail = directory
        .audit_trail(&Actor::Support, fixtures::ACCOUNT, usize::MAX)
        .unwrap();
    assert_eq!(trail.len(), 3, "created, added, made an administrator");
    assert!(
        trail
            .iter()
            .all(|entry| entry.record.at == fixtures::start()),
        "the directory's clock stands at start()"
    );
    let clock = fixtures::clock();
    clock.advance(chrono::TimeDelta::seconds(5));
    let moved = fixtures::directory(MemoryStore::new()).with_clock(clock);
    moved
        .create_account(&Actor::Support, AccountNumber::new(1), "Later")
        .unwrap();
    let trail = moved
        .audit_trail(&Actor::Support, AccountNumber::new(1), 1)
        .unwrap();
    assert_eq!(
        trail[0].record.at,
        fixtures::start() + chrono::TimeDelta::seconds(5)
    );
}

/// `Store` is implemented for the wrappers the tests use.
#[allow(dead_code)]
fn wrappers_are_stores() {
    fn is_store<S: Store>() {}
    is_store::<AbortingStore<MemoryStore>>();
    is_store::<AbortingStore<&FailingStore<&MemoryStore>>>();
    is_store::<Guarded<MemoryStore, ()>>();
}
