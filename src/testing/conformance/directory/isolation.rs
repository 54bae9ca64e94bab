//! Isolation under the directory (R10): two Account Administrators removing
//! each other at the same moment never leave an account without one.

use std::sync::Barrier;
use std::thread;

use crate::model::{AccountNumber, Actor, GroupId};
use crate::store::Store;
use crate::testing::conformance::support::read;
use crate::testing::fixtures::{self, form};
use crate::{Error, Forbidden, RemovedFromGroup};

/// How often [`last_admin_race`] repeats its race.
const RACE_TRIALS: u64 = 24;

/// The verdict on two Account Administrators removing each other at the same
/// moment (R10): exactly one removal succeeds, and the other is refused —
/// its actor is no longer an administrator, or would be the last — rather
/// than failed.
///
/// # Panics
/// Otherwise, naming `context`.
#[track_caller]
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
/// the [`Directory`](crate::Directory), many times: exactly one removal
/// succeeds, the other is refused (its actor is no longer an
/// administrator, or would be the last), and no reader ever sees the
/// account without an administrator (R10).
pub fn last_admin_race<S: Store>(make: &dyn Fn() -> S) {
    last_admin_race_repeated(make, RACE_TRIALS);
}

/// [`last_admin_race`], `trials` times over, each on a new account of one
/// store from `make`.
///
/// # Panics
/// At the first trial that breaks R10.
pub fn last_admin_race_repeated<S: Store>(make: &dyn Fn() -> S, trials: u64) {
    let store = make();
    let directory = fixtures::directory(&store);
    for trial in 0..trials {
        let account = AccountNumber::new(1_000 + trial);
        let admins = GroupId::administrators(account);
        directory
            .create_account(&Actor::Support, account, "Race")
            .expect("creating the account");
        let [a, b] = [
            format!("a{trial}@race.example"),
            format!("b{trial}@race.example"),
        ]
        .map(|person| {
            let added = directory
                .add_user(&Actor::Support, account, &form(&person))
                .expect("adding the user");
            directory
                .add_to_group(&Actor::Support, admins, &person)
                .expect("making the user an administrator");
            (Actor::User(added.user.id), person)
        });
        let barrier = Barrier::new(3);
        let (results, lowest) = thread::scope(|scope| {
            let remove = |actor: &Actor, target: &str| {
                let (actor, target) = (actor.clone(), target.to_owned());
                let (barrier, directory) = (&barrier, &directory);
                scope.spawn(move || {
                    barrier.wait();
                    directory.remove_from_group(&actor, admins, &target)
                })
            };
            let first = remove(&a.0, &b.1);
            let second = remove(&b.0, &a.1);
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

/// What one of two racing administrators does to the other (R16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Takeaway {
    /// [`Directory::disable_user`](crate::Directory::disable_user).
    Disable,
    /// [`Directory::remove_from_group`](crate::Directory::remove_from_group)
    /// of *Account Administrators*.
    Remove,
    /// [`Directory::delete_user`](crate::Directory::delete_user).
    Delete,
}

/// Two active administrators of an account, and no one else, each take
/// the other away at the same moment, many times: the first by `moves[0]`,
/// the second by `moves[1]` (disable each other, or one disables while the
/// other removes). Exactly one succeeds, the other is refused (its actor
/// was taken away first, or the target is the last active administrator),
/// no reader ever sees the account without an active administrator, and
/// exactly one remains (R16).
pub fn last_active_admin_race<S: Store>(make: &dyn Fn() -> S) {
    last_active_admin_race_repeated(make, RACE_TRIALS, [Takeaway::Disable, Takeaway::Disable]);
    last_active_admin_race_repeated(make, RACE_TRIALS, [Takeaway::Disable, Takeaway::Remove]);
    last_active_admin_race_repeated(make, RACE_TRIALS, [Takeaway::Delete, Takeaway::Disable]);
}

/// [`last_active_admin_race`] with the moves `moves`, `trials` times over,
/// each on a new account of one store from `make`.
///
/// # Panics
/// At the first trial that breaks R16.
pub fn last_active_admin_race_repeated<S: Store>(
    make: &dyn Fn() -> S,
    trials: u64,
    moves: [Takeaway; 2],
) {
    let store = make();
    let directory = fixtures::directory(&store);
    for trial in 0..trials {
        let account = AccountNumber::new(2_000_000 + trial);
        let admins = GroupId::administrators(account);
        directory
            .create_account(&Actor::Support, account, "Race")
            .expect("creating the account");
        let [a, b] = [
            format!("a{trial}@r16.example"),
            format!("b{trial}@r16.example"),
        ]
        .map(|person| {
            let added = directory
                .add_user(&Actor::Support, account, &form(&person))
                .expect("adding the user");
            directory
                .add_to_group(&Actor::Support, admins, &person)
                .expect("making the user an administrator");
            (Actor::User(added.user.id), person)
        });
        let barrier = Barrier::new(3);
        let (results, lowest) = thread::scope(|scope| {
            let take = |actor: &Actor, target: &str, how: Takeaway| {
                let (actor, target) = (actor.clone(), target.to_owned());
                let (barrier, directory) = (&barrier, &directory);
                scope.spawn(move || {
                    barrier.wait();
                    match how {
                        Takeaway::Disable => directory.disable_user(&actor, &target).map(drop),
                        Takeaway::Remove => directory
                            .remove_from_group(&actor, admins, &target)
                            .map(drop),
                        Takeaway::Delete => directory.delete_user(&actor, &target).map(drop),
                    }
                })
            };
            let first = take(&a.0, &b.1, moves[0]);
            let second = take(&b.0, &a.1, moves[1]);
            let watcher = scope.spawn(|| {
                barrier.wait();
                (0..20)
                    .map(|_| read(&store, |r| r.active_admin_count(account)))
                    .min()
                    .unwrap_or(0)
            });
            let results = [
                first.join().expect("the first administrator"),
                second.join().expect("the second administrator"),
            ];
            (results, watcher.join().expect("the watcher"))
        });
        let context = format!("trial {trial} of {moves:?}");
        assert!(
            lowest >= 1,
            "{context}: a reader saw the account without an active administrator"
        );
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{context}: exactly one must succeed, got {results:?}"
        );
        for error in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(
                matches!(
                    error,
                    Error::Forbidden(
                        Forbidden::NotAccountAdministrator { .. }
                            | Forbidden::NotGoverningAdministrator
                    ) | Error::LastAdministrator { .. }
                        | Error::LastActiveAdministrator { .. }
                ),
                "{context}: the loser must be refused, not fail: {error:?}"
            );
        }
        assert_eq!(
            read(&store, |r| r.active_admin_count(account)),
            1,
            "{context}: exactly one active administrator must remain"
        );
    }
}
