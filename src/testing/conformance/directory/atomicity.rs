//! Atomicity of the directory's operations (R12): an operation one of
//! whose writes fails changes nothing, and goes no further with its
//! transaction.

use crate::model::{AccountNumber, Actor, GroupId};
use crate::store::Store;
use crate::testing::conformance::support::{existing_ids, read, snapshot};
use crate::testing::fixtures::{self, email, form};
use crate::testing::{AbortingStore, FailingStore};
use crate::{Directory, Error};

/// The operations the check runs in turn, each on what the ones before it
/// made: the guide's flows, every kind of change to groups and members,
/// and a second account.
const OPERATIONS: [&str; 11] = [
    "create_account 1",
    "add_user alice",
    "add_to_group alice",
    "add_user bob",
    "add_to_group bob",
    "create_group Sales",
    "add_to_group bob Sales",
    "rename_group Sales",
    "remove_from_group bob",
    "delete_group Marketing",
    "create_account 2",
];

/// Runs operation `step` of [`OPERATIONS`].
fn run<S: Store>(directory: &Directory<S>, step: usize) -> Result<(), Error> {
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let alice = || fixtures::actor(directory, "alice@example.com");
    match step {
        0 => directory
            .create_account(&Actor::Support, one, "Acme")
            .map(drop),
        1 => directory
            .add_user(&Actor::Support, one, &form("alice@example.com"))
            .map(drop),
        2 => directory
            .add_to_group(&Actor::Support, admins, "alice@example.com")
            .map(drop),
        3 => directory
            .add_user(&alice(), one, &form("bob@example.com"))
            .map(drop),
        4 => directory
            .add_to_group(&alice(), admins, "Bob@Example.com")
            .map(drop),
        5 => directory.create_group(&alice(), one, "Sales").map(drop),
        6 => directory
            .add_to_group(&alice(), sales, "bob@example.com")
            .map(drop),
        7 => directory
            .rename_group(&alice(), sales, "Marketing")
            .map(drop),
        8 => directory
            .remove_from_group(&alice(), admins, "bob@example.com")
            .map(drop),
        9 => directory.delete_group(&alice(), sales).map(drop),
        10 => directory
            .create_account(&Actor::Support, AccountNumber::new(2), "Globex")
            .map(drop),
        _ => unreachable!("there are {} operations", OPERATIONS.len()),
    }
}

/// Every directory operation, with any one of its writes failing (through
/// [`FailingStore`]), fails as a store failure, leaves the store exactly as
/// it was (R12), and makes no further call on its transaction after the
/// failed write (it runs through an [`AbortingStore`], which counts such
/// calls). Then, with no write failing, it succeeds.
pub fn failed_writes_roll_back_directory_operations<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let accounts = [AccountNumber::new(1), AccountNumber::new(2)];
    let emails = [email("alice@example.com"), email("bob@example.com")];
    for (step, what) in OPERATIONS.iter().enumerate() {
        let mut write = 1;
        loop {
            let failing = FailingStore::new(&store);
            failing.fail_write(write);
            let aborting = AbortingStore::new(&failing);
            let directory = fixtures::directory(&aborting);
            let ids = existing_ids(&store, &emails);
            let before = snapshot(&store, &accounts, &ids, &emails);
            let result = run(&directory, step);
            assert_eq!(
                aborting.refusals(),
                0,
                "{what} with write {write} failing must make no call on its transaction after \
                 the failed write"
            );
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
                snapshot(&store, &accounts, &ids, &emails),
                before,
                "{what} with write {write} failing must leave the store exactly as it was"
            );
            write += 1;
            assert!(write < 32, "{what} never stopped writing");
        }
    }
    // Everything happened once, in order: the trail shows it.
    let one = AccountNumber::new(1);
    let trail = read(&store, |r| r.audit(one, usize::MAX));
    assert_eq!(
        trail.len(),
        10,
        "each operation on account 1 that succeeded must have left exactly one audit entry"
    );
    let alice = read(&store, |r| r.user_id(&email("alice@example.com"))).expect("alice was added");
    assert!(
        read(&store, |r| r.is_active_admin(one, alice)),
        "alice must be an administrator after the operations"
    );
}
