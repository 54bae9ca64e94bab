//! Races on every store: administrators removing each other (R10), or
//! disabling each other and disabling while the other removes (R16), threads
//! adding one user (R12), and eight threads of mixed operations whose
//! invariants must hold throughout, within a time bound.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use cres_admin::store::Reader;
use cres_admin::testing::conformance;
use cres_admin::{
    AccountNumber, Action, Actor, Directory, Error, GroupId, MemoryStore, Password,
    RegistrationForm, SecureMessageSent, SignIn, Store,
};

/// The count: a thousand mutual removals per store.
const MUTUAL_REMOVALS: u64 = 1_000;
const THREADS: usize = 8;
const OPERATIONS_PER_THREAD: usize = 5_000;
/// Far above a normal run (seconds): beyond it, a thread is stuck.
const TIME_BOUND: Duration = Duration::from_secs(300);

const PEOPLE: usize = 40;
const GROUP_NAMES: [&str; 3] = ["Sales", "Support", "Ops"];
const PASSWORD: &str = "Temp-Pass-2026";

// ---------------------------------------------------------------------------
// Two administrators removing each other (R10)
// ---------------------------------------------------------------------------

#[test]
fn r10_memory_store_a_thousand_mutual_removals_never_leave_none() {
    conformance::last_admin_race_repeated(&MemoryStore::new, MUTUAL_REMOVALS);
}

// ---------------------------------------------------------------------------
// Two administrators disabling each other, or one disabling while the other
// removes (R16)
// ---------------------------------------------------------------------------

use cres_admin::testing::conformance::Takeaway;

/// The count: a thousand trials of each R16 race per store.
const R16_TRIALS: u64 = 1_000;

#[test]
fn r16_memory_store_a_thousand_mutual_disables_never_leave_none() {
    conformance::last_active_admin_race_repeated(
        &MemoryStore::new,
        R16_TRIALS,
        [Takeaway::Disable, Takeaway::Disable],
    );
}

#[test]
fn r16_memory_store_a_thousand_disables_racing_removals_never_leave_none() {
    conformance::last_active_admin_race_repeated(
        &MemoryStore::new,
        R16_TRIALS,
        [Takeaway::Disable, Takeaway::Remove],
    );
}

// ---------------------------------------------------------------------------
// Eight threads adding one new user (R12)
// ---------------------------------------------------------------------------

/// Eight threads add the same new address, typed in two cases, `trials`
/// times: exactly one succeeds, the others are told the user exists, and
/// one audit entry is written.
fn eight_threads_add_one_user<S: Store + Sync>(dir: &Directory<S>, trials: usize) {
    for trial in 0..trials {
        let barrier = Barrier::new(THREADS);
        let results: Vec<_> = thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|i| {
                    let email = if i % 2 == 0 {
                        format!("new{trial}@example.com")
                    } else {
                        format!("NEW{trial}@example.com")
                    };
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        dir.add_user(&Actor::Support, ACCOUNT, &form(&email))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "trial {trial}"
        );
        for error in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(matches!(error, Error::UserExists { .. }), "{error:?}");
        }
        let identity = format!("new{trial}@example.com");
        let added = dir
            .audit_trail(&Actor::Support, ACCOUNT, THREADS)
            .unwrap()
            .into_iter()
            .filter(|e| matches!(&e.record.action, Action::UserAdded { user, .. } if user.email.identity() == identity))
            .count();
        assert_eq!(added, 1, "trial {trial}");
    }
}

#[test]
fn r12_memory_store_eight_threads_adding_the_same_new_user_one_succeeds() {
    eight_threads_add_one_user(&setup(), 100);
}

// ---------------------------------------------------------------------------
// Eight threads of mixed operations
// ---------------------------------------------------------------------------

/// A small, fast, seeded generator: enough to mix operations reproducibly.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn person(i: usize) -> String {
    format!("p{i}@example.com")
}

/// What one thread did: how many changes succeeded (each owes one audit
/// entry) and how many operations of each kind were refused.
#[derive(Default)]
struct Tally {
    changes: usize,
    refused: usize,
    operations: usize,
}

impl Tally {
    /// Counts a result; `changed` tells whether a success changed anything.
    fn count<T>(&mut self, result: Result<T, Error>, changed: impl FnOnce(&T) -> bool) {
        self.operations += 1;
        match result {
            Ok(ok) => self.changes += usize::from(changed(&ok)),
            Err(error) => {
                assert!(!error.is_store_failure(), "a store failure: {error:?}");
                self.refused += 1;
            }
        }
    }
}

/// For operations whose every success is a change.
fn always<T>(_: &T) -> bool {
    true
}

/// One thread's share: operations picked at random among all kinds, by
/// Support, alice (the first administrator) or anyone.
fn mixed_operations<S: Store>(dir: &Directory<S>, seed: u64) -> Tally {
    let mut rng = XorShift(seed);
    let mut tally = Tally::default();
    for _ in 0..OPERATIONS_PER_THREAD {
        let actor = match rng.below(6) {
            0..=2 => Actor::Support,
            3 | 4 => user(dir, "alice@example.com"),
            _ => user(dir, &person(rng.below(PEOPLE))),
        };
        let someone = person(rng.below(PEOPLE));
        // Mostly a group that exists now (numbers are never reused), now
        // and then any number.
        let existing = dir.groups(&Actor::Support, ACCOUNT).unwrap();
        let group = match rng.below(5) {
            0 => GroupId {
                account: ACCOUNT,
                number: 1 + rng.below(64) as u32,
            },
            _ => existing[rng.below(existing.len())].group.id,
        };
        let name = GROUP_NAMES[rng.below(GROUP_NAMES.len())];
        match rng.below(14) {
            0 => tally.count(dir.add_user(&actor, ACCOUNT, &form(&someone)), always),
            1 => {
                let newcomer = format!("s{seed:x}-{}@example.com", tally.operations);
                tally.count(dir.add_user(&actor, ACCOUNT, &form(&newcomer)), always);
            }
            2 | 3 => tally.count(dir.add_to_group(&actor, group, &someone), |added| {
                !added.already_member
            }),
            4 | 5 => tally.count(dir.remove_from_group(&actor, group, &someone), always),
            6 => tally.count(dir.create_group(&actor, ACCOUNT, name), always),
            7 => tally.count(dir.rename_group(&actor, group, name), always),
            8 => tally.count(dir.delete_group(&actor, group), always),
            9 => {
                let right = rng.below(2) == 0;
                let password = Password::new(if right { PASSWORD } else { "Wrong-Pass-1" });
                // Lock-outs are audited as well: counted from the trail.
                tally.count(
                    dir.authenticate(&SOURCE, &someone, &password),
                    |_: &SignIn| false,
                );
            }
            10 => {
                let sent = dir.send_secure_message(&actor, ACCOUNT, &someone);
                if let Ok(SecureMessageSent::RegistrationIssued { token, .. }) = &sent {
                    if rng.below(2) == 0 {
                        let form = RegistrationForm::new("Carol", "Jones", Password::new(PASSWORD));
                        tally.count(dir.register(token.as_str(), &form), always);
                    }
                }
                tally.count(sent, |sent| {
                    matches!(sent, SecureMessageSent::RegistrationIssued { .. })
                });
            }
            11 => tally.count(dir.revoke_registration(&actor, ACCOUNT, &someone), always),
            12 => tally.count(dir.groups(&actor, ACCOUNT), |_| false),
            _ => {
                // An address with no user asks about an id no user has.
                let Actor::User(id) = user(dir, &someone) else {
                    unreachable!("a user, not Support")
                };
                tally.count(dir.is_account_admin(ACCOUNT, id), |_| false);
            }
        }
    }
    tally
}

/// The invariants a reader checks at any moment: the account has an
/// administrator; no group counts a member that is not a user; no
/// membership is listed twice.
fn check_invariants<S: Store>(dir: &Directory<S>) {
    let reader = dir.read_store().unwrap();
    assert!(
        reader.member_count(ADMINS).unwrap() >= 1,
        "no administrator left"
    );
    for summary in reader.groups(ACCOUNT).unwrap() {
        let members = reader.members(summary.group.id).unwrap();
        assert_eq!(summary.members, members.len(), "a dangling membership");
        // Ordered by email identity: strictly increasing means no user twice.
        assert!(
            members.windows(2).all(|w| w[0].email < w[1].email),
            "a duplicate membership"
        );
        for member in &members {
            let stored = reader.user(member.id).unwrap();
            assert!(stored.is_some(), "{member} is not a user");
        }
    }
}

/// Runs eight threads of mixed operations while a ninth checks the
/// invariants; fails if the run does not finish within [`TIME_BOUND`].
fn eight_threads_of_mixed_operations<S: Store + Send + Sync + 'static>(store: S) {
    let dir = Arc::new(directory(store));
    bootstrap(&dir);
    let started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let (finished, finishing) = mpsc::channel();
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let (dir, finished) = (dir.clone(), finished.clone());
            thread::spawn(move || {
                let tally = mixed_operations(&dir, 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
                finished.send(()).unwrap();
                tally
            })
        })
        .collect();
    let watcher = {
        let (dir, done) = (dir.clone(), done.clone());
        thread::spawn(move || {
            let mut checks = 0;
            while !done.load(Ordering::SeqCst) {
                check_invariants(&dir);
                checks += 1;
            }
            checks
        })
    };
    for _ in 0..THREADS {
        let left = TIME_BOUND.saturating_sub(started.elapsed());
        finishing
            .recv_timeout(left)
            .expect("a worker is stuck: deadlock or livelock");
    }
    done.store(true, Ordering::SeqCst);
    let tallies: Vec<Tally> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let checks = watcher.join().unwrap();
    check_invariants(&dir);
    assert!(checks > 0, "the watcher never ran");

    let trail = dir
        .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
        .unwrap();
    let lockouts = trail
        .iter()
        .filter(|e| matches!(e.record.action, Action::UserLocked { .. }))
        .count();
    // Add User of an address the account invited also ends the invitation,
    // with an entry of its own right after UserAdded (R14).
    let ended: Vec<usize> = trail
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.record.action, Action::RegistrationEnded { .. }))
        .map(|(at, _)| at)
        .collect();
    for &at in &ended {
        // The trail is newest first: UserAdded is the next entry.
        let (ending, added) = (&trail[at].record, &trail[at + 1].record);
        assert!(
            matches!((&ending.action, &added.action),
                (Action::RegistrationEnded { email: a }, Action::UserAdded { user: b, .. }) if *a == b.email),
            "{ending:?} must follow the UserAdded of its address, got {added:?}"
        );
    }
    let changes: usize = tallies.iter().map(|t| t.changes).sum();
    let bootstrap_entries = 3;
    assert_eq!(
        trail.len(),
        bootstrap_entries + changes + lockouts + ended.len(),
        "every successful change, and only those, has one audit entry (two for an Add User \
         that ends a registration)"
    );
    let operations: usize = tallies.iter().map(|t| t.operations).sum();
    let refused: usize = tallies.iter().map(|t| t.refused).sum();
    assert!(operations >= THREADS * OPERATIONS_PER_THREAD);
    assert!(
        changes > 1_000 && refused > 1_000,
        "a mix: {changes} changes, {refused} refusals"
    );
    eprintln!(
        "{operations} operations ({changes} changes, {refused} refusals, {lockouts} lock-outs) \
         and {checks} invariant checks in {:.1?}",
        started.elapsed()
    );
}

#[test]
fn memory_store_eight_threads_of_mixed_operations_keep_the_invariants() {
    eight_threads_of_mixed_operations(MemoryStore::new());
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use cres_admin::SqliteStore;

    fn fresh(folder: &tempfile::TempDir) -> SqliteStore {
        use std::sync::atomic::AtomicUsize;
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        SqliteStore::open(folder.path().join(format!("{n}.db"))).expect("a fresh store")
    }

    #[test]
    fn r10_sqlite_store_a_thousand_mutual_removals_never_leave_none() {
        let folder = scratch();
        conformance::last_admin_race_repeated(&|| fresh(&folder), MUTUAL_REMOVALS);
    }

    #[test]
    fn r16_sqlite_store_a_thousand_mutual_disables_never_leave_none() {
        let folder = scratch();
        conformance::last_active_admin_race_repeated(
            &|| fresh(&folder),
            R16_TRIALS,
            [Takeaway::Disable, Takeaway::Disable],
        );
    }

    #[test]
    fn r16_sqlite_store_a_thousand_disables_racing_removals_never_leave_none() {
        let folder = scratch();
        conformance::last_active_admin_race_repeated(
            &|| fresh(&folder),
            R16_TRIALS,
            [Takeaway::Disable, Takeaway::Remove],
        );
    }

    #[test]
    fn r12_sqlite_store_eight_threads_adding_the_same_new_user_one_succeeds() {
        let folder = scratch();
        let dir = directory(fresh(&folder));
        bootstrap(&dir);
        eight_threads_add_one_user(&dir, 100);
    }

    #[test]
    fn sqlite_store_eight_threads_of_mixed_operations_keep_the_invariants() {
        let folder = scratch();
        eight_threads_of_mixed_operations(fresh(&folder));
    }
}

#[test]
fn concurrent_changes_in_one_account_leave_another_untouched() {
    let dir = setup();
    other_account_administered_by_olga(&dir);
    let before = snapshot(&dir, AccountNumber::new(67890));
    let dir = &dir;
    thread::scope(|scope| {
        for i in 0..4 {
            scope.spawn(move || {
                for j in 0..200 {
                    let email = format!("t{i}-{j}@example.com");
                    dir.add_user(&user(dir, "alice@example.com"), ACCOUNT, &form(&email))
                        .unwrap();
                    dir.add_to_group(&user(dir, "alice@example.com"), ADMINS, &email)
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(snapshot(dir, AccountNumber::new(67890)), before);
    assert_eq!(dir.members(&Actor::Support, ADMINS).unwrap().len(), 801);
}
