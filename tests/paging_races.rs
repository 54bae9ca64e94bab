//! Paging while the list changes (issue 14): eight threads add and delete
//! users while pages of the Users tab and of the audit trail are read. A
//! row that stays from the first page to the last is shown exactly once,
//! in order; rows that come and go may or may not be shown, never twice.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use common::*;
use cres_admin::{Actor, AuditQuery, Directory, MemoryStore, PageSize, Store, UserQuery};

const STABLE: usize = 60;
const WRITERS: usize = 8;
const PASSES: usize = 20;

/// The account with `STABLE` users that nobody deletes.
fn stable<S: Store>(dir: &Directory<S>) -> Vec<String> {
    bootstrap(dir);
    let mut emails = vec!["alice@example.com".to_owned()];
    for i in 0..STABLE {
        let email = format!("stable{i:03}@example.com");
        dir.add_user(&Actor::Support, ACCOUNT, &form(&email))
            .unwrap();
        emails.push(email);
    }
    emails
}

/// What the reader and the writers of one run share. Each run has its own:
/// the two tests run at once, and a counter shared between them let one
/// test's reader stop on the other test's writers' rounds.
#[derive(Default)]
struct Churn {
    stop: AtomicBool,
    /// Rounds of adding and deleting done by every writer of this run.
    rounds: AtomicUsize,
}

/// Adds and deletes users of its own until told to stop; returns how many
/// rounds it made.
fn churn<S: Store>(dir: &Directory<S>, writer: usize, shared: &Churn) -> usize {
    let mut n = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        // Before, among and after the stable users in the order of the list.
        for prefix in ["a", "stable05", "z"] {
            let email = format!("{prefix}churn{writer}x{n}@example.com");
            dir.add_user(&Actor::Support, ACCOUNT, &form(&email))
                .unwrap();
            dir.delete_user(&Actor::Support, &email).unwrap();
        }
        n += 1;
        shared.rounds.fetch_add(1, Ordering::SeqCst);
    }
    n
}

/// Stops the writers when dropped, also when the reader panics: a failed
/// assertion must end the test, not leave it waiting for the writers.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Whether paging may stop: enough passes, and the writers made rounds
/// while they were read.
fn enough(pass: usize, shared: &Churn, rounds_at_start: usize) -> bool {
    pass + 1 >= PASSES && shared.rounds.load(Ordering::SeqCst) >= rounds_at_start + WRITERS
}

fn users_while_churning<S: Store + 'static>(dir: &Directory<S>) {
    let stable = stable(dir);
    let shared = Churn::default();
    thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let shared = &shared;
                scope.spawn(move || churn(dir, writer, shared))
            })
            .collect();
        let query = UserQuery::new().size(PageSize::new(7).unwrap());
        let stopper = StopOnDrop(&shared.stop);
        let rounds_at_start = shared.rounds.load(Ordering::SeqCst);
        for pass in 0.. {
            let mut seen: Vec<String> = Vec::new();
            let mut page = dir.users(&Actor::Support, ACCOUNT, &query).unwrap();
            loop {
                seen.extend(
                    page.items
                        .iter()
                        .map(|r| r.user.email.identity().to_owned()),
                );
                let Some(next) = page.next.clone() else { break };
                page = dir
                    .users(&Actor::Support, ACCOUNT, &query.clone().after(next))
                    .unwrap();
            }
            let unique: HashSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "pass {pass}: a row shown twice");
            assert!(
                seen.windows(2).all(|w| w[0] < w[1]),
                "pass {pass}: out of order"
            );
            let shown: Vec<&String> = seen.iter().filter(|e| stable.contains(e)).collect();
            assert_eq!(
                shown.len(),
                stable.len(),
                "pass {pass}: a stable row missing"
            );
            if enough(pass, &shared, rounds_at_start) {
                break;
            }
        }
        drop(stopper);
        let rounds: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
        assert!(
            rounds >= WRITERS,
            "the writers wrote while the pages were read"
        );
    });
}

fn audit_while_churning<S: Store + 'static>(dir: &Directory<S>) {
    stable(dir);
    let before: Vec<u64> = dir
        .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
        .unwrap()
        .iter()
        .map(|e| e.sequence)
        .collect();
    let shared = Churn::default();
    thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let shared = &shared;
                scope.spawn(move || churn(dir, writer, shared))
            })
            .collect();
        let query = AuditQuery::new().size(PageSize::new(9).unwrap());
        let stopper = StopOnDrop(&shared.stop);
        let rounds_at_start = shared.rounds.load(Ordering::SeqCst);
        for pass in 0.. {
            let mut seen: Vec<u64> = Vec::new();
            let mut page = dir.audit_page(&Actor::Support, ACCOUNT, &query).unwrap();
            loop {
                seen.extend(page.items.iter().map(|e| e.sequence));
                let Some(next) = page.next.clone() else { break };
                page = dir
                    .audit_page(&Actor::Support, ACCOUNT, &query.clone().after(next))
                    .unwrap();
            }
            assert!(
                seen.windows(2).all(|w| w[0] > w[1]),
                "pass {pass}: newest first, once"
            );
            let old: Vec<u64> = seen
                .iter()
                .copied()
                .filter(|s| before.contains(s))
                .collect();
            assert_eq!(old, before, "pass {pass}: every entry from before, once");
            if enough(pass, &shared, rounds_at_start) {
                break;
            }
        }
        drop(stopper);
        let rounds: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
        assert!(
            rounds >= WRITERS,
            "the writers wrote while the pages were read"
        );
    });
}

#[test]
fn users_pages_hold_while_eight_threads_add_and_delete_users() {
    users_while_churning(&directory(MemoryStore::new()));
    #[cfg(feature = "sqlite")]
    {
        let folder = scratch();
        let store = cres_admin::SqliteStore::open(folder.path().join("races.db")).unwrap();
        users_while_churning(&directory(store));
    }
}

#[test]
fn audit_pages_hold_while_eight_threads_write() {
    audit_while_churning(&directory(MemoryStore::new()));
    #[cfg(feature = "sqlite")]
    {
        let folder = scratch();
        let store = cres_admin::SqliteStore::open(folder.path().join("races.db")).unwrap();
        audit_while_churning(&directory(store));
    }
}
