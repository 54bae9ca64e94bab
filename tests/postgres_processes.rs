//! The rules across real OS processes sharing one PostgreSQL database, each
//! process with a `PostgresStore` and a pool of its own: two administrators
//! taking each other away (R10, R16), the same change made by two
//! processes at once, sixteen threads in two processes adding one user
//! (R12), and two processes of mixed operations while a third checks the
//! invariants in consistent snapshots. The workers' stores count the
//! serialization failures the directory retried, so that each test shows
//! how often its transactions really overlapped.
//!
//! Every test here needs a server, named by `CRES_POSTGRES_URL`, and is
//! `#[ignore]`d like those of `tests/postgres.rs`:
//!
//! ```sh
//! scripts/with-postgres --tls cargo test --all-features --test postgres_processes -- --include-ignored --skip worker_entry --nocapture
//! ```
//!
//! `CRES_PROCESS_TRIALS` sets the trials of the R16 race (default 1,000),
//! `CRES_PROCESS_ADD_TRIALS` those of the R12 race (default 100) and
//! `CRES_PROCESS_SECONDS` how long the mixed operations run (default 5).
//!
//! # How the processes work together
//!
//! The test binary runs itself again (`std::env::current_exe`) with
//! arguments that select [`worker_entry`] alone, and environment variables
//! that give the worker its role and schema. The parent writes commands on
//! a worker's stdin, one a line; the worker answers on stdout with lines
//! that start with `@cres`, and whatever else it prints (libtest's own
//! lines) is kept only to explain a failure. A worker whose stdin closes
//! finishes, so none outlives its parent; a test that fails kills its
//! workers (`Worker`'s `Drop`). The two workers of a race start each trial
//! when the parent writes `go` to both, back to back: the barrier is the
//! parent. Each test runs in a schema of its own, dropped when it passes
//! (kept for inspection when it fails), and the tests take turns, so that
//! their timings mean something on a small machine.

#![cfg(feature = "postgres")]

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Barrier, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use common::postgres::{config, drop_schema, fresh_schema};
use cres_admin::store::{Reader, Store, StoreError, Transaction};
use cres_admin::testing::fixtures::{self, ACCOUNT, form};
use cres_admin::{
    AccountNumber, Action, Actor, AuditQuery, Directory, Error, Forbidden, GroupId, PageSize,
    Password, PostgresStore, SignInSource, UserId, UserQuery, UserStatus,
};

// ---------------------------------------------------------------------------
// The protocol between the parent and its workers
// ---------------------------------------------------------------------------

/// The environment variable that makes [`worker_entry`] a worker, and names its role.
const ROLE: &str = "CRES_PROCESS_ROLE";
/// The schema the worker opens its store in.
const SCHEMA: &str = "CRES_PROCESS_SCHEMA";
/// The worker's name, `A` or `B`.
const NAME: &str = "CRES_PROCESS_NAME";
/// The user id the worker acts as, where its role takes one.
const ACTOR: &str = "CRES_PROCESS_ACTOR";
/// How long the mixed operations run, in seconds.
const SECONDS: &str = "CRES_PROCESS_SECONDS";
/// The start of every line a worker means for its parent.
const PREFIX: &str = "@cres";

/// Far above what starting a worker and opening its pool take.
const STARTUP: Duration = Duration::from_secs(60);
/// Far above what one trial of a race takes: beyond it, a worker is stuck.
const STEP: Duration = Duration::from_secs(60);

/// A number from the environment, or `default`.
fn knob(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, got {value:?}")),
        Err(_) => default,
    }
}

/// The tests take turns: each starts processes with threads of their own,
/// and the machine may have two cores.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A schema of the test's own, dropped when the test passes; kept, and
/// named, when it fails.
struct Schema(String);

impl Schema {
    fn fresh() -> Schema {
        Schema(fresh_schema())
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("schema {} kept for inspection", self.0);
        } else {
            drop_schema(&self.0);
        }
    }
}

/// A worker process, seen from the parent: killed if still running when dropped.
struct Worker {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// What the worker printed that was not meant for the parent.
    noise: Vec<String>,
}

impl Worker {
    /// Runs this test binary again as worker `name` in `role`, on `schema`.
    fn spawn(name: &str, role: &str, schema: &str, vars: &[(&str, String)]) -> Worker {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut child = Command::new(exe)
            .args([
                "--exact",
                "worker_entry",
                "--include-ignored",
                "--nocapture",
                "--test-threads=1",
                "--quiet",
            ])
            .env(ROLE, role)
            .env(SCHEMA, schema)
            .env(NAME, name)
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("a worker process");
        let stdout = child.stdout.take().expect("the worker's stdout");
        let stdin = child.stdin.take();
        let (send, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Worker {
            name: name.to_owned(),
            child,
            stdin,
            lines,
            noise: Vec::new(),
        }
    }

    /// Writes one command line.
    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("the worker's stdin is open");
        if let Err(error) = writeln!(stdin, "{line}").and_then(|()| stdin.flush()) {
            self.fail(&format!("cannot be written to: {error}"));
        }
    }

    /// The fields of the next line meant for the parent: within `timeout`,
    /// or `None` at once if there is none yet and `timeout` is `None`.
    fn next(&mut self, timeout: Option<Duration>) -> Option<Vec<String>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let line = match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match self.lines.recv_timeout(left) {
                        Ok(line) => line,
                        Err(RecvTimeoutError::Timeout) => {
                            self.fail(&format!("said nothing within {:?}", timeout.unwrap()))
                        }
                        Err(RecvTimeoutError::Disconnected) => self.fail("exited"),
                    }
                }
                None => match self.lines.try_recv() {
                    Ok(line) => line,
                    Err(TryRecvError::Empty) => return None,
                    Err(TryRecvError::Disconnected) => self.fail("exited"),
                },
            };
            match line.strip_prefix(PREFIX) {
                Some(rest) => return Some(rest.split_whitespace().map(str::to_owned).collect()),
                None => self.noise.push(line),
            }
        }
    }

    /// The fields of the next line meant for the parent, which must be a
    /// `tag` line.
    fn expect(&mut self, tag: &str, timeout: Duration) -> Vec<String> {
        let fields = self.next(Some(timeout)).expect("a line");
        if fields.first().map(String::as_str) != Some(tag) {
            self.fail(&format!("said {fields:?} where {tag} was expected"));
        }
        fields
    }

    /// Kills the worker and fails the test, with what the worker printed.
    fn fail(&mut self, what: &str) -> ! {
        let _ = self.child.kill();
        let status = self.child.wait();
        self.noise.extend(self.lines.try_iter());
        panic!(
            "worker {} {what} (exit: {status:?}); its other output:\n{}",
            self.name,
            self.noise.join("\n")
        );
    }

    /// Closes the worker's stdin, which tells it to finish, and waits for it
    /// to exit cleanly.
    fn finish(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + STEP;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return,
                Ok(Some(status)) => self.fail(&format!("failed: {status}")),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                Ok(None) => self.fail("did not exit"),
                Err(error) => self.fail(&format!("cannot be waited for: {error}")),
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Says `line` to the parent.
fn say(line: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{PREFIX} {line}").expect("stdout");
    out.flush().expect("stdout");
}

/// A result as one word: `ok`, the refusal's kind, `Busy` for contention
/// that outlasted the directory's retries, or `other:` and the error.
fn outcome<T>(result: &Result<T, Error>) -> String {
    let word = match result {
        Ok(_) => "ok".to_owned(),
        Err(Error::Forbidden(Forbidden::NotAccountAdministrator { .. })) => {
            "NotAccountAdministrator".to_owned()
        }
        Err(Error::Forbidden(Forbidden::NotGoverningAdministrator)) => {
            "NotGoverningAdministrator".to_owned()
        }
        Err(Error::LastAdministrator { .. }) => "LastAdministrator".to_owned(),
        Err(Error::LastActiveAdministrator { .. }) => "LastActiveAdministrator".to_owned(),
        Err(Error::UserExists { .. }) => "UserExists".to_owned(),
        Err(Error::GroupExists { .. }) => "GroupExists".to_owned(),
        Err(Error::Store(error)) if error.is_retryable() => "Busy".to_owned(),
        Err(error) => format!("other:{error:?}"),
    };
    word.split_whitespace().collect::<Vec<_>>().join("_")
}

// ---------------------------------------------------------------------------
// A store that counts the contention the directory retries
// ---------------------------------------------------------------------------

/// A store that counts the contention its calls meet (serialization
/// failures, deadlocks): each is a run of an operation that the directory
/// starts again, or, after its last attempt, returns as `Error::Store`.
struct Counting<S> {
    inner: S,
    contention: AtomicU64,
}

impl<S: Store> Counting<S> {
    fn new(inner: S) -> Counting<S> {
        Counting {
            inner,
            contention: AtomicU64::new(0),
        }
    }

    fn contention(&self) -> u64 {
        self.contention.load(Ordering::SeqCst)
    }
}

/// Counts `result` in `counter` if it is contention.
fn counted<T>(counter: &AtomicU64, result: Result<T, StoreError>) -> Result<T, StoreError> {
    if matches!(&result, Err(error) if error.is_retryable()) {
        counter.fetch_add(1, Ordering::SeqCst);
    }
    result
}

impl<S: Store> Store for Counting<S> {
    type Read<'s>
        = S::Read<'s>
    where
        Self: 's;
    type Write<'s>
        = CountingWrite<'s, S::Write<'s>>
    where
        Self: 's;

    fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
        counted(&self.contention, self.inner.begin_read())
    }

    fn begin_write(&self) -> Result<Self::Write<'_>, StoreError> {
        Ok(CountingWrite {
            inner: counted(&self.contention, self.inner.begin_write())?,
            contention: &self.contention,
        })
    }

    fn is_active_admin_now(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<bool, StoreError> {
        counted(
            &self.contention,
            self.inner.is_active_admin_now(account, user),
        )
    }
}

/// A write transaction of [`Counting`].
struct CountingWrite<'s, W> {
    inner: W,
    contention: &'s AtomicU64,
}

impl<W> CountingWrite<'_, W> {
    fn read<T>(&self, call: impl FnOnce(&W) -> Result<T, StoreError>) -> Result<T, StoreError> {
        counted(self.contention, call(&self.inner))
    }

    fn write<T>(
        &mut self,
        call: impl FnOnce(&mut W) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let result = call(&mut self.inner);
        counted(self.contention, result)
    }

    fn finish(self) -> Result<(), StoreError>
    where
        W: Transaction,
    {
        counted(self.contention, self.inner.commit())
    }
}

cres_admin::forward_reader!(['s, W: Reader] CountingWrite<'s, W>, self, via: read);
cres_admin::forward_writes!(['s, W: Transaction] CountingWrite<'s, W>, self, via: write, commit: finish);

type WorkerStore = Arc<Counting<PostgresStore>>;

/// A worker's store and directory on `schema`, with a pool of `pool`
/// connections, every one of them opened now, so that no race waits for a
/// connection (and its TLS handshake) to be made.
fn open(schema: &str, pool: u32) -> (WorkerStore, Directory<WorkerStore>) {
    let store = PostgresStore::open(&config(schema).pool_size(pool)).expect("the worker's store");
    let store = Arc::new(Counting::new(store));
    let held: Vec<_> = (0..pool)
        .map(|_| store.begin_read().expect("a pooled connection"))
        .collect();
    drop(held);
    (store.clone(), fixtures::directory(store))
}

/// The parent's directory on `schema`: a process of its own, reading.
fn parent_directory(schema: &str) -> Directory<PostgresStore> {
    fixtures::directory(PostgresStore::open(&config(schema)).expect("the parent's store"))
}

/// The entry point of a worker process. It is no test of its own: a run
/// of this file's tests skips it (`--skip worker_entry`), and without
/// [`ROLE`] it refuses to run rather than pass having checked nothing.
#[test]
#[ignore = "a worker process: the tests of this file start it with CRES_PROCESS_ROLE"]
fn worker_entry() {
    let role = std::env::var(ROLE).unwrap_or_else(|_| {
        panic!("worker_entry runs only as a worker; run the tests with --skip worker_entry")
    });
    let schema = std::env::var(SCHEMA).expect("CRES_PROCESS_SCHEMA");
    let name = std::env::var(NAME).expect("CRES_PROCESS_NAME");
    match role.as_str() {
        "single" => single_worker(&schema),
        "r12" => r12_worker(&schema, &name),
        "mixed" => mixed_worker(&schema, &name),
        other => panic!("no worker role {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// R10, R16: two administrators in two processes take each other away
// ---------------------------------------------------------------------------

/// What each of the two workers does to the other's administrator, trial
/// after trial: remove against remove (R10), disable against disable, and
/// remove against disable both ways round (R16).
const MOVES: [[&str; 2]; 4] = [
    ["remove", "remove"],
    ["disable", "disable"],
    ["remove", "disable"],
    ["disable", "remove"],
];

/// The refusals the loser of a mutual takeaway may get: its actor was
/// taken away first, or its target would have been the last.
const LOSING: [&str; 4] = [
    "NotAccountAdministrator",
    "NotGoverningAdministrator",
    "LastAdministrator",
    "LastActiveAdministrator",
];

/// One side of a race of single operations (the R16 race, and the same
/// change twice): on a command, one operation at once, answered by
/// `result TRIAL CONTENTION OUTCOME DETAIL`:
///
/// - `remove TRIAL ACTOR ACCOUNT TARGET`: the administrator `ACTOR`
///   removes `TARGET` from the account's *Account Administrators*;
/// - `disable TRIAL ACTOR TARGET`: `ACTOR` disables `TARGET`;
/// - `join TRIAL ACCOUNT NUMBER EMAIL`: Customer Support adds `EMAIL` to
///   group `NUMBER` of the account; the detail is `already_member`;
/// - `create TRIAL ACCOUNT NAME`: Customer Support creates a group; the
///   detail is its number.
fn single_worker(schema: &str) {
    let (store, directory) = open(schema, 2);
    say(format_args!("ready"));
    for line in std::io::stdin().lines() {
        let line = line.expect("a command from the parent");
        let fields: Vec<&str> = line.split_whitespace().collect();
        let number = |text: &str| -> u64 { text.parse().expect("a number") };
        let user = |text: &str| Actor::User(text.parse().expect("a user id"));
        let before = store.contention();
        let (trial, result): (&str, Result<String, Error>) = match fields[..] {
            ["remove", trial, actor, account, target] => (
                trial,
                directory
                    .remove_from_group(
                        &user(actor),
                        GroupId::administrators(AccountNumber::new(number(account))),
                        target,
                    )
                    .map(|_| "-".to_owned()),
            ),
            ["disable", trial, actor, target] => (
                trial,
                directory
                    .disable_user(&user(actor), target)
                    .map(|_| "-".to_owned()),
            ),
            ["join", trial, account, group, email] => {
                let group = GroupId {
                    account: AccountNumber::new(number(account)),
                    number: u32::try_from(number(group)).expect("a group number"),
                };
                (
                    trial,
                    directory
                        .add_to_group(&Actor::Support, group, email)
                        .map(|added| added.already_member.to_string()),
                )
            }
            ["create", trial, account, name] => (
                trial,
                directory
                    .create_group(&Actor::Support, AccountNumber::new(number(account)), name)
                    .map(|created| created.group.id.number.to_string()),
            ),
            _ => panic!("not a command: {line:?}"),
        };
        let contention = store.contention() - before;
        let detail = result.as_ref().map_or("-", String::as_str).to_owned();
        say(format_args!(
            "result {trial} {contention} {} {detail}",
            outcome(&result)
        ));
    }
}

/// Sends each worker its command, back to back, and returns their answers
/// (`result TRIAL CONTENTION OUTCOME DETAIL`), checked to be about `trial`.
fn race(workers: &mut [Worker; 2], commands: [String; 2], trial: u64) -> [Vec<String>; 2] {
    for (worker, command) in workers.iter_mut().zip(&commands) {
        worker.send(command);
    }
    let results = workers.each_mut().map(|w| w.expect("result", STEP));
    for result in &results {
        assert_eq!(result.len(), 5, "an answer of five fields: {result:?}");
        assert_eq!(result[1], trial.to_string(), "an answer to another trial");
    }
    results
}

/// The serialization failures the two answers of [`race`] report.
fn contention_in(results: &[Vec<String>; 2]) -> u64 {
    results
        .iter()
        .map(|r| r[2].parse::<u64>().expect("a count"))
        .sum()
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn r16_two_processes_taking_each_others_administrator_away_leave_exactly_one() {
    let _turn = one_at_a_time();
    let schema = Schema::fresh();
    let trials = knob("CRES_PROCESS_TRIALS", 1_000);
    let directory = Arc::new(parent_directory(&schema.0));
    let started = Instant::now();
    let mut workers = [
        Worker::spawn("A", "single", &schema.0, &[]),
        Worker::spawn("B", "single", &schema.0, &[]),
    ];
    for worker in &mut workers {
        worker.expect("ready", STARTUP);
    }

    // A reader in this, a third, process reads the account of the trial
    // under way throughout, and must never find it without an active
    // administrator.
    let watched = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (directory, watched, done) = (directory.clone(), watched.clone(), done.clone());
        thread::spawn(move || {
            let mut reads = 0_u64;
            while !done.load(Ordering::SeqCst) {
                let number = watched.load(Ordering::SeqCst);
                if number == 0 {
                    thread::sleep(Duration::from_micros(200));
                    continue;
                }
                let details = directory
                    .account_details(&Actor::Support, AccountNumber::new(number))
                    .expect("the account's details");
                assert!(
                    details.administrators >= 1,
                    "a reader saw account {number} without an active administrator: {details:?}"
                );
                reads += 1;
            }
            reads
        })
    };

    let mut wins = [0_u64; 2];
    let mut refusals: BTreeMap<String, u64> = BTreeMap::new();
    let mut contended_trials = 0_u64;
    let mut contention = 0_u64;
    let mut race_time = Duration::ZERO;
    for trial in 0..trials {
        let account = AccountNumber::new(3_000_000 + trial);
        let admins = GroupId::administrators(account);
        directory
            .create_account(&Actor::Support, account, "Race")
            .expect("the trial's account");
        let people = ["a", "b"].map(|side| {
            let email = format!("{side}{trial}@r16.example");
            let added = directory
                .add_user(&Actor::Support, account, &form(&email))
                .expect("an administrator-to-be");
            directory
                .add_to_group(&Actor::Support, admins, &email)
                .expect("an administrator");
            (added.user.id, email)
        });
        let trail_before = directory
            .audit_trail(&Actor::Support, account, 100)
            .expect("the trail")
            .len();
        let moves = MOVES[trial as usize % MOVES.len()];
        let context = format!("trial {trial} ({} vs {})", moves[0], moves[1]);

        watched.store(account.get(), Ordering::SeqCst);
        let racing = Instant::now();
        let commands = [0, 1].map(|side| {
            let (actor, target) = (people[side].0, &people[1 - side].1);
            match moves[side] {
                "remove" => format!("remove {trial} {actor} {} {target}", account.get()),
                _ => format!("disable {trial} {actor} {target}"),
            }
        });
        let results = race(&mut workers, commands, trial);
        race_time += racing.elapsed();
        watched.store(0, Ordering::SeqCst);

        let outcomes: Vec<&str> = results.iter().map(|r| r[3].as_str()).collect();
        for result in &results {
            assert_eq!(
                result[1],
                trial.to_string(),
                "{context}: answer to another trial"
            );
        }
        let retried: u64 = results
            .iter()
            .map(|r| r[2].parse::<u64>().expect("a count"))
            .sum();
        contention += retried;
        contended_trials += u64::from(retried > 0);
        let winners: Vec<usize> = (0..2).filter(|&side| outcomes[side] == "ok").collect();
        let [winner] = winners[..] else {
            panic!("{context}: exactly one of the two must succeed, got {outcomes:?}");
        };
        let loser = 1 - winner;
        assert!(
            LOSING.contains(&outcomes[loser]),
            "{context}: the loser must be refused, not fail: {outcomes:?}"
        );
        wins[winner] += 1;
        *refusals.entry(outcomes[loser].to_owned()).or_default() += 1;

        let details = directory
            .account_details(&Actor::Support, account)
            .expect("the account's details");
        assert_eq!(
            details.administrators, 1,
            "{context}: exactly one active administrator must remain ({outcomes:?})"
        );
        assert!(
            directory
                .is_account_admin(account, people[winner].0)
                .expect("a check")
                && !directory
                    .is_account_admin(account, people[loser].0)
                    .expect("a check"),
            "{context}: the winner must be the one who remains"
        );
        let trail = directory
            .audit_trail(&Actor::Support, account, 100)
            .expect("the trail");
        assert_eq!(
            trail.len(),
            trail_before + 1,
            "{context}: one change, one audit entry"
        );
        let expected = match moves[winner] {
            "remove" => {
                matches!(&trail[0].record.action, Action::MemberRemoved { user, .. } if user.id == people[loser].0)
            }
            _ => {
                matches!(&trail[0].record.action, Action::UserDisabled { user, .. } if user.id == people[loser].0)
            }
        };
        assert!(
            expected,
            "{context}: the entry must record the winner's move: {:?}",
            trail[0].record.action
        );
    }
    done.store(true, Ordering::SeqCst);
    let reads = watcher
        .join()
        .expect("the watcher never saw the rule broken");
    for worker in workers {
        worker.finish();
    }
    assert!(reads > 0, "the watcher never read");
    eprintln!(
        "R16 across processes: {trials} trials in {:.1?} ({:.1?} racing): A won {}, B won {}; \
         losers refused {refusals:?}; {contention} serialization failures retried in \
         {contended_trials} trials; {reads} reads by a third process, none without an \
         active administrator",
        started.elapsed(),
        race_time,
        wins[0],
        wins[1],
    );
    assert!(
        trials < 100 || contended_trials > 0,
        "in no trial did the two transactions overlap: the race was not run"
    );
}

// ---------------------------------------------------------------------------
// The same change from two processes at once
// ---------------------------------------------------------------------------

/// Two processes make one change at once, trial after trial: both add the
/// same user to the same group, or both create a group (with different
/// names) in the same account. Each must get the answer it would get if
/// the two ran one after the other: both succeed, one of the additions
/// finds the user a member already, and the two groups get two numbers.
/// Neither may fail with a store error nor be refused.
#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn the_same_change_from_two_processes_at_once_gets_the_answers_of_one_after_the_other() {
    let _turn = one_at_a_time();
    let schema = Schema::fresh();
    let trials = knob("CRES_PROCESS_ADD_TRIALS", 100);
    let directory = parent_directory(&schema.0);
    fixtures::bootstrap(&directory);
    let sales = directory
        .create_group(&Actor::Support, ACCOUNT, "Sales")
        .expect("a group")
        .group
        .id;
    let started = Instant::now();
    let mut workers = [
        Worker::spawn("A", "single", &schema.0, &[]),
        Worker::spawn("B", "single", &schema.0, &[]),
    ];
    for worker in &mut workers {
        worker.expect("ready", STARTUP);
    }
    let mut contention = 0_u64;
    let mut contended_trials = 0_u64;
    let mut wrong = Vec::new();
    for trial in 0..trials {
        if trial % 2 == 0 {
            let email = format!("m{trial}@example.com");
            let added = directory
                .add_user(&Actor::Support, ACCOUNT, &form(&email))
                .expect("a user");
            let typed = [email.clone(), email.to_uppercase()];
            let commands = typed
                .map(|email| format!("join {trial} {} {} {email}", ACCOUNT.get(), sales.number));
            let results = race(&mut workers, commands, trial);
            contention += contention_in(&results);
            contended_trials += u64::from(contention_in(&results) > 0);
            let answers: Vec<(&str, &str)> = results
                .iter()
                .map(|r| (r[3].as_str(), r[4].as_str()))
                .collect();
            let mut sorted = answers.clone();
            sorted.sort_unstable();
            if sorted != [("ok", "false"), ("ok", "true")] {
                wrong.push(format!(
                    "trial {trial}: both adding {email} to Sales: {answers:?}"
                ));
            }
            assert!(
                directory
                    .read_store()
                    .expect("a snapshot")
                    .is_member(sales, added.user.id)
                    .expect("a check"),
                "trial {trial}: {email} must be a member"
            );
            let entries = directory
                .audit_page(
                    &Actor::Support,
                    ACCOUNT,
                    &AuditQuery::new().about(added.user.id),
                )
                .expect("the user's history")
                .items
                .into_iter()
                .filter(|e| matches!(e.record.action, Action::MemberAdded { .. }))
                .count();
            assert_eq!(entries, 1, "trial {trial}: one membership, one audit entry");
        } else {
            let names = [format!("A{trial}"), format!("B{trial}")];
            let commands = names
                .clone()
                .map(|name| format!("create {trial} {} {name}", ACCOUNT.get()));
            let results = race(&mut workers, commands, trial);
            contention += contention_in(&results);
            contended_trials += u64::from(contention_in(&results) > 0);
            let answers: Vec<(&str, &str)> = results
                .iter()
                .map(|r| (r[3].as_str(), r[4].as_str()))
                .collect();
            if answers[0].0 != "ok" || answers[1].0 != "ok" || answers[0].1 == answers[1].1 {
                wrong.push(format!(
                    "trial {trial}: creating groups {names:?} in one account: {answers:?}"
                ));
            }
            let groups = directory
                .groups(&Actor::Support, ACCOUNT)
                .expect("the groups");
            for (name, answer) in names.iter().zip(&answers) {
                let found = groups.iter().any(|g| g.group.name.to_string() == *name);
                assert_eq!(
                    found,
                    answer.0 == "ok",
                    "trial {trial}: group {name} exists exactly when its creation succeeded"
                );
            }
        }
    }
    for worker in workers {
        worker.finish();
    }
    eprintln!(
        "same change across processes: {trials} trials in {:.1?} (half adding one member, \
         half creating groups); {contention} serialization failures retried in \
         {contended_trials} trials; {} wrong answers",
        started.elapsed(),
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "{} of {trials} trials got an answer no serial order gives:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------
// R12: eight threads in each of two processes add one new user
// ---------------------------------------------------------------------------

/// Threads per worker in the R12 race.
const ADDERS: usize = 8;

/// How thread `thread` of worker `name` types trial `trial`'s address: in
/// eight ways, ignoring case all the same.
fn typed(trial: &str, thread: usize, name: &str) -> String {
    let variant = thread % 4 + if name == "B" { 4 } else { 0 };
    match variant {
        0 => format!("new{trial}@example.com"),
        1 => format!("NEW{trial}@example.com"),
        2 => format!("New{trial}@Example.com"),
        3 => format!("new{trial}@EXAMPLE.COM"),
        4 => format!("nEw{trial}@example.com"),
        5 => format!("NEW{trial}@EXAMPLE.COM"),
        6 => format!("neW{trial}@example.Com"),
        _ => format!("New{trial}@example.com"),
    }
}

/// One side of the R12 race: on `prepare TRIAL` it starts eight threads
/// that wait, says `ready TRIAL`, and on `go TRIAL` lets them add the
/// trial's address at once, then answers `result TRIAL CONTENTION
/// OUTCOME…`, one outcome a thread.
fn r12_worker(schema: &str, name: &str) {
    let (store, directory) = open(schema, ADDERS as u32);
    let actor = match std::env::var(ACTOR) {
        Ok(id) => Actor::User(id.parse().expect("a user id")),
        Err(_) => Actor::Support,
    };
    say(format_args!("ready"));
    let mut lines = std::io::stdin().lines();
    while let Some(line) = lines.next() {
        let line = line.expect("a command from the parent");
        let Some(trial) = line.strip_prefix("prepare ") else {
            panic!("not a command: {line:?}");
        };
        let barrier = Barrier::new(ADDERS + 1);
        let before = store.contention();
        let outcomes: Vec<String> = thread::scope(|scope| {
            let (directory, actor, barrier) = (&directory, &actor, &barrier);
            let threads: Vec<_> = (0..ADDERS)
                .map(|i| {
                    let email = typed(trial, i, name);
                    scope.spawn(move || {
                        barrier.wait();
                        outcome(&directory.add_user(actor, ACCOUNT, &form(&email)))
                    })
                })
                .collect();
            say(format_args!("ready {trial}"));
            let go = lines.next().expect("a go from the parent").expect("a line");
            assert_eq!(go, format!("go {trial}"), "the parent's go");
            barrier.wait();
            threads
                .into_iter()
                .map(|t| t.join().expect("an adding thread"))
                .collect()
        });
        let contention = store.contention() - before;
        say(format_args!(
            "result {trial} {contention} {}",
            outcomes.join(" ")
        ));
    }
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn r12_eight_threads_in_each_of_two_processes_adding_one_user_one_succeeds() {
    let _turn = one_at_a_time();
    let schema = Schema::fresh();
    let trials = knob("CRES_PROCESS_ADD_TRIALS", 100);
    let directory = parent_directory(&schema.0);
    let alice = fixtures::bootstrap(&directory);
    let started = Instant::now();
    // A adds as Customer Support, B as alice, the account's administrator.
    let mut workers = [
        Worker::spawn("A", "r12", &schema.0, &[]),
        Worker::spawn("B", "r12", &schema.0, &[(ACTOR, alice.id.to_string())]),
    ];
    for worker in &mut workers {
        worker.expect("ready", STARTUP);
    }
    let mut wins = [0_u64; 2];
    let mut contention = 0_u64;
    let mut contended_trials = 0_u64;
    for trial in 0..trials {
        let context = format!("trial {trial}");
        for worker in &mut workers {
            worker.send(&format!("prepare {trial}"));
        }
        for worker in &mut workers {
            let ready = worker.expect("ready", STEP);
            assert_eq!(ready.get(1), Some(&trial.to_string()), "{context}");
        }
        for worker in &mut workers {
            worker.send(&format!("go {trial}"));
        }
        let results = workers.each_mut().map(|w| w.expect("result", STEP));
        let retried: u64 = results
            .iter()
            .map(|r| r[2].parse::<u64>().expect("a count"))
            .sum();
        contention += retried;
        contended_trials += u64::from(retried > 0);
        let mut added = Vec::new();
        for (side, result) in results.iter().enumerate() {
            assert_eq!(
                result[1],
                trial.to_string(),
                "{context}: answer to another trial"
            );
            let outcomes = &result[3..];
            assert_eq!(outcomes.len(), ADDERS, "{context}: {result:?}");
            for outcome in outcomes {
                match outcome.as_str() {
                    "ok" => added.push(side),
                    "UserExists" => {}
                    other => panic!(
                        "{context}: every other thread must be told the user exists, got {other}"
                    ),
                }
            }
        }
        let [winner] = added[..] else {
            panic!("{context}: exactly one of 16 threads must add the user, got {results:?}");
        };
        wins[winner] += 1;

        let identity = format!("new{trial}@example.com");
        let reader = directory.read_store().expect("a snapshot");
        let id = reader
            .user_id(&fixtures::email(&identity))
            .expect("a lookup")
            .unwrap_or_else(|| panic!("{context}: the user must exist"));
        let user = reader
            .user(id)
            .expect("a lookup")
            .expect("the user's record");
        assert_eq!(user.email.identity(), identity, "{context}");
        assert_eq!(user.created_in, ACCOUNT, "{context}");
        drop(reader);
        let entries = directory
            .audit_trail(&Actor::Support, ACCOUNT, 40)
            .expect("the trail")
            .into_iter()
            .filter(|e| matches!(&e.record.action, Action::UserAdded { user, .. } if user.email.identity() == identity))
            .count();
        assert_eq!(entries, 1, "{context}: one user added, one audit entry");
        assert_eq!(
            directory
                .user_count(&Actor::Support, ACCOUNT)
                .expect("a count"),
            trial + 2,
            "{context}: alice and one user per trial"
        );
    }
    for worker in workers {
        worker.finish();
    }
    eprintln!(
        "R12 across processes: {trials} trials of 2 processes x {ADDERS} threads in {:.1?}: \
         A won {}, B won {}; the other 15 told UserExists every time; {contention} \
         serialization failures retried in {contended_trials} trials",
        started.elapsed(),
        wins[0],
        wins[1],
    );
}

// ---------------------------------------------------------------------------
// Mixed operations from two processes, checked from a third
// ---------------------------------------------------------------------------

/// The accounts the mixed operations work in.
const MIXED_ACCOUNTS: [AccountNumber; 3] = [
    AccountNumber::new(4_000_001),
    AccountNumber::new(4_000_002),
    AccountNumber::new(4_000_003),
];
/// People created in each account; the first two start as its administrators.
const PEOPLE: usize = 10;
/// Threads per mixed worker.
const MIXERS: usize = 4;
const FIRST_NAMES: [&str; 4] = ["Ann", "Bea", "Cid", "Dan"];
const LAST_NAMES: [&str; 3] = ["Lee", "Moe", "Ng"];
const GROUP_NAMES: [&str; 3] = ["Sales", "Support", "Ops"];

/// Person `i` of mixed account `k`.
fn person(k: usize, i: usize) -> String {
    format!("p{i}@m{k}.example")
}

/// A small, fast, seeded generator: enough to mix operations.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// What one thread of a mixed worker did.
#[derive(Default)]
struct Tally {
    operations: u64,
    succeeded: u64,
    refused: u64,
    /// Operations that ended in `Error::Store` contention, the directory's
    /// retries spent.
    busy: u64,
    /// Any other store failure, with its error.
    failures: Vec<String>,
}

impl Tally {
    fn count<T>(&mut self, operation: &str, result: Result<T, Error>) {
        self.operations += 1;
        match result {
            Ok(_) => self.succeeded += 1,
            Err(Error::Store(error)) if error.is_retryable() => self.busy += 1,
            Err(error) if error.is_store_failure() => {
                self.failures.push(format!("{operation}: {error:?}"));
            }
            Err(_) => self.refused += 1,
        }
    }
}

/// One thread's operations until `deadline`, picked at random: adds,
/// group joins and leaves, disables and enables, renames, deletes, group
/// changes, sign-ins with wrong passwords and reads of the Users tab, by
/// Customer Support or a person of the account.
fn mixed_operations(directory: &Directory<WorkerStore>, seed: u64, deadline: Instant) -> Tally {
    let mut rng = XorShift(seed);
    let mut tally = Tally::default();
    let source = SignInSource::new(&format!("mixed-{seed:x}"));
    let wrong = Password::new("Wrong-Pass-1");
    while Instant::now() < deadline {
        let k = rng.below(MIXED_ACCOUNTS.len());
        let account = MIXED_ACCOUNTS[k];
        // Mostly someone of the account, now and then of another.
        let of = if rng.below(5) == 0 {
            rng.below(MIXED_ACCOUNTS.len())
        } else {
            k
        };
        let someone = person(of, rng.below(PEOPLE));
        let actor = if rng.below(2) == 0 {
            Actor::Support
        } else {
            // Its first people are the likeliest administrators.
            let who = person(k, rng.below(4));
            fixtures::user_id(directory, &who).map_or(
                Actor::User("00000000-0000-4000-8000-000000000000".parse().unwrap()),
                Actor::User,
            )
        };
        let groups = directory
            .groups(&Actor::Support, account)
            .expect("the account's groups");
        let group = groups[rng.below(groups.len())].group.id;
        let custom = groups
            .iter()
            .map(|g| g.group.id)
            .filter(|g| *g != GroupId::administrators(account))
            .nth(rng.below(4));
        match rng.below(20) {
            0 | 1 => {
                let newcomer = person(k, rng.below(PEOPLE));
                tally.count(
                    "add_user",
                    directory.add_user(&actor, account, &form(&newcomer)),
                );
            }
            2..=4 => tally.count(
                "add_to_group",
                directory.add_to_group(&actor, group, &someone),
            ),
            5..=7 => tally.count(
                "remove_from_group",
                directory.remove_from_group(&actor, group, &someone),
            ),
            8 | 9 => tally.count("disable_user", directory.disable_user(&actor, &someone)),
            10 | 11 => tally.count("enable_user", directory.enable_user(&actor, &someone)),
            12 | 13 => {
                let first = FIRST_NAMES[rng.below(FIRST_NAMES.len())];
                let last = LAST_NAMES[rng.below(LAST_NAMES.len())];
                tally.count(
                    "rename_user",
                    directory.rename_user(&actor, &someone, first, last),
                );
            }
            14 | 15 => tally.count(
                "authenticate",
                directory.authenticate(&source, &someone, &wrong),
            ),
            16 => tally.count("delete_user", directory.delete_user(&actor, &someone)),
            17 => {
                let name = GROUP_NAMES[rng.below(GROUP_NAMES.len())];
                match (rng.below(3), custom) {
                    (0, Some(custom)) => {
                        tally.count("delete_group", directory.delete_group(&actor, custom))
                    }
                    (1, Some(custom)) => {
                        tally.count("rename_group", directory.rename_group(&actor, custom, name))
                    }
                    _ => tally.count(
                        "create_group",
                        directory.create_group(&actor, account, name),
                    ),
                }
            }
            _ => tally.count("users", directory.users(&actor, account, &UserQuery::new())),
        }
    }
    tally
}

/// One mixed worker: on `go`, [`MIXERS`] threads of mixed operations for
/// [`SECONDS`]; then `failure ERROR` for each store failure but contention,
/// and `done OPERATIONS SUCCEEDED REFUSED BUSY CONTENTION`.
fn mixed_worker(schema: &str, name: &str) {
    let (store, directory) = open(schema, MIXERS as u32);
    let seconds = knob(SECONDS, 5);
    say(format_args!("ready"));
    let mut lines = std::io::stdin().lines();
    let go = lines.next().expect("a go").expect("a line");
    assert_eq!(go, "go", "the parent's go");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let before = store.contention();
    let tallies: Vec<Tally> = thread::scope(|scope| {
        let directory = &directory;
        let threads: Vec<_> = (0..MIXERS)
            .map(|i| {
                let seed = 0x9E37_79B9_7F4A_7C15_u64
                    ^ (u64::from(name.as_bytes()[0]) << 32)
                    ^ (i as u64 + 1);
                scope.spawn(move || mixed_operations(directory, seed, deadline))
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("a mixing thread"))
            .collect()
    });
    let contention = store.contention() - before;
    let sum = |field: fn(&Tally) -> u64| tallies.iter().map(field).sum::<u64>();
    for failure in tallies.iter().flat_map(|t| &t.failures).take(20) {
        say(format_args!(
            "failure {}",
            failure.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    let failures = tallies.iter().map(|t| t.failures.len() as u64).sum::<u64>();
    say(format_args!(
        "done {} {} {} {} {contention} {failures}",
        sum(|t| t.operations),
        sum(|t| t.succeeded),
        sum(|t| t.refused),
        sum(|t| t.busy),
    ));
    // Wait for the parent to close stdin.
    for line in lines {
        line.expect("a line");
    }
}

/// What the checker remembers of an account's trail between snapshots.
#[derive(Default)]
struct TrailSeen {
    /// The sequence numbers it read last time…
    sequences: HashSet<u64>,
    /// …which were every entry from this one up.
    from: u64,
}

/// The invariants, in one consistent snapshot, for each mixed account:
/// it has an active administrator (R16), as many as its details say; no
/// membership refers to a missing user or is listed twice, and each group
/// counts its members; its users list every member of its groups, each
/// once, and agrees with the user count; its trail is newest first, each
/// entry its own, and no entry appears behind one a previous snapshot
/// already read. Returns how many trail entries the snapshot held.
fn check_invariants(
    directory: &Directory<PostgresStore>,
    seen: &mut HashMap<AccountNumber, TrailSeen>,
) -> usize {
    const TRAIL_WINDOW: usize = 500;
    let reader = directory.read_store().expect("a snapshot");
    let mut entries_read = 0;
    for account in MIXED_ACCOUNTS {
        let admins = GroupId::administrators(account);
        let active = reader.active_admin_count(account).expect("an admin count");
        assert!(
            active >= 1,
            "R16: account {account:?} has no active administrator"
        );
        let details = reader
            .account_details(account)
            .expect("details")
            .expect("the account");
        assert_eq!(
            details.administrators, active as u64,
            "{account:?}: details count the active administrators"
        );

        let groups = reader.groups(account).expect("the groups");
        assert_eq!(details.groups, groups.len() as u64, "{account:?}: groups");
        let mut members_of_account: HashMap<UserId, bool> = HashMap::new();
        let mut active_members = 0;
        for summary in &groups {
            let members = reader.members(summary.group.id).expect("members");
            assert_eq!(
                summary.members,
                members.len(),
                "{:?}: the group counts its members",
                summary.group.id
            );
            assert!(
                members
                    .windows(2)
                    .all(|w| w[0].email.identity() < w[1].email.identity()),
                "{:?}: a membership listed twice",
                summary.group.id
            );
            for member in &members {
                let user = reader.user(member.id).expect("a lookup");
                let Some(user) = user else {
                    panic!(
                        "{:?}: a membership of {member}, who is not a user",
                        summary.group.id
                    );
                };
                let in_admins = summary.group.id == admins;
                if in_admins && user.status == UserStatus::Active {
                    active_members += 1;
                }
                *members_of_account.entry(member.id).or_default() |= in_admins;
            }
        }
        assert_eq!(
            active_members, active,
            "{account:?}: the active administrators are the active members of its group"
        );

        let rows = reader
            .account_users(account, None, None, 100_000)
            .expect("the users");
        let count = reader.account_user_count(account).expect("a count");
        assert_eq!(
            rows.len() as u64,
            count,
            "{account:?}: the users listed and their count disagree"
        );
        assert_eq!(details.users, count, "{account:?}: details count the users");
        assert!(
            rows.windows(2)
                .all(|w| w[0].user.email.identity() < w[1].user.email.identity()),
            "{account:?}: users out of order or listed twice"
        );
        for row in &rows {
            let user = reader
                .user(row.user.id)
                .expect("a lookup")
                .unwrap_or_else(|| panic!("{account:?}: {} is listed but not a user", row.user));
            let member = members_of_account.get(&row.user.id);
            assert!(
                user.created_in == account || member.is_some(),
                "{account:?}: {} is listed but not governed by it",
                row.user
            );
            assert_eq!(
                row.administrator,
                member.copied().unwrap_or(false),
                "{account:?}: {}'s administrator flag",
                row.user
            );
        }
        let listed: HashSet<UserId> = rows.iter().map(|r| r.user.id).collect();
        for member in members_of_account.keys() {
            assert!(
                listed.contains(member),
                "{account:?}: a member of its groups is not among its users"
            );
        }

        let trail = reader
            .audit_page(account, None, None, TRAIL_WINDOW)
            .expect("the trail");
        entries_read += trail.len();
        assert!(
            trail.windows(2).all(|w| w[0].sequence > w[1].sequence),
            "{account:?}: the trail's sequence numbers must strictly decrease"
        );
        assert!(
            trail.iter().all(|e| e.record.account == account),
            "{account:?}: another account's entry in its trail"
        );
        let sequences: HashSet<u64> = trail.iter().map(|e| e.sequence).collect();
        let from = if trail.len() < TRAIL_WINDOW {
            0
        } else {
            trail.last().map_or(0, |e| e.sequence)
        };
        let before = seen.entry(account).or_default();
        let high = before.sequences.iter().copied().max().unwrap_or(0);
        for entry in &trail {
            assert!(
                entry.sequence > high
                    || entry.sequence < before.from
                    || before.sequences.contains(&entry.sequence),
                "{account:?}: entry {} appeared behind entries an earlier snapshot read \
                 (they reached {high}): {:?}",
                entry.sequence,
                entry.record.action
            );
        }
        for &sequence in &before.sequences {
            assert!(
                sequence < from || sequences.contains(&sequence),
                "{account:?}: entry {sequence} vanished from the trail"
            );
        }
        *before = TrailSeen { sequences, from };
    }
    entries_read
}

/// Every user of `account` through the Directory's Users tab, a small page
/// at a time, with the count its footer shows.
fn users_by_pages(directory: &Directory<PostgresStore>, account: AccountNumber) -> Vec<UserId> {
    let mut query = UserQuery::new().size(PageSize::new(7).expect("a page size"));
    let mut users = Vec::new();
    loop {
        let page = directory
            .users(&Actor::Support, account, &query)
            .expect("a page of users");
        users.extend(page.items.iter().map(|r| r.user.id));
        match page.next {
            Some(next) => query = query.after(next),
            None => return users,
        }
    }
}

/// Every sequence number of `account`'s trail through the Directory, a page
/// at a time.
fn trail_by_pages(directory: &Directory<PostgresStore>, account: AccountNumber) -> Vec<u64> {
    let mut query = AuditQuery::new().size(PageSize::new(50).expect("a page size"));
    let mut sequences = Vec::new();
    loop {
        let page = directory
            .audit_page(&Actor::Support, account, &query)
            .expect("a page of the trail");
        sequences.extend(page.items.iter().map(|e| e.sequence));
        match page.next {
            Some(next) => query = query.after(next),
            None => return sequences,
        }
    }
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn mixed_operations_from_two_processes_keep_the_invariants_a_third_checks() {
    let _turn = one_at_a_time();
    let schema = Schema::fresh();
    let seconds = knob("CRES_PROCESS_SECONDS", 5);
    let directory = parent_directory(&schema.0);
    for (k, &account) in MIXED_ACCOUNTS.iter().enumerate() {
        directory
            .create_account(&Actor::Support, account, &format!("Mixed {k}"))
            .expect("an account");
        for i in 0..PEOPLE {
            directory
                .add_user(&Actor::Support, account, &form(&person(k, i)))
                .expect("a person");
        }
        for i in 0..2 {
            directory
                .add_to_group(
                    &Actor::Support,
                    GroupId::administrators(account),
                    &person(k, i),
                )
                .expect("an administrator");
        }
        directory
            .create_group(&Actor::Support, account, "Sales")
            .expect("a group");
    }
    let mut seen = HashMap::new();
    check_invariants(&directory, &mut seen);

    let vars = [(SECONDS, seconds.to_string())];
    let mut workers = [
        Worker::spawn("A", "mixed", &schema.0, &vars),
        Worker::spawn("B", "mixed", &schema.0, &vars),
    ];
    for worker in &mut workers {
        worker.expect("ready", STARTUP);
    }
    for worker in &mut workers {
        worker.send("go");
    }
    let started = Instant::now();
    let mut checks = 0_u64;
    let mut entries_read = 0;
    let mut reports: [Option<Vec<u64>>; 2] = [None, None];
    let mut failures = Vec::new();
    while reports.iter().any(Option::is_none) {
        entries_read += check_invariants(&directory, &mut seen);
        checks += 1;
        for (worker, report) in workers.iter_mut().zip(&mut reports) {
            while report.is_none() {
                let Some(fields) = worker.next(None) else {
                    break;
                };
                match fields.first().map(String::as_str) {
                    Some("failure") => failures.push(fields[1..].join(" ")),
                    Some("done") => {
                        *report = Some(
                            fields[1..]
                                .iter()
                                .map(|f| f.parse().expect("a count"))
                                .collect(),
                        );
                    }
                    _ => worker.fail(&format!("said {fields:?}")),
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(seconds) + STEP,
            "the workers did not finish: deadlock or livelock"
        );
    }
    let elapsed = started.elapsed();
    for worker in workers {
        worker.finish();
    }
    check_invariants(&directory, &mut seen);
    checks += 1;

    // Quiet now: the Directory's own lists, a page at a time, agree with
    // the counts and the snapshot's lists.
    for account in MIXED_ACCOUNTS {
        let users = users_by_pages(&directory, account);
        let count = directory
            .user_count(&Actor::Support, account)
            .expect("a count");
        assert_eq!(
            users.len() as u64,
            count,
            "{account:?}: Users tab and count"
        );
        let reader = directory.read_store().expect("a snapshot");
        let rows: Vec<UserId> = reader
            .account_users(account, None, None, 100_000)
            .expect("the users")
            .iter()
            .map(|r| r.user.id)
            .collect();
        assert_eq!(users, rows, "{account:?}: pages and the whole list");
        let whole = reader.audit(account, 1_000_000).expect("the whole trail");
        drop(reader);
        let paged = trail_by_pages(&directory, account);
        assert!(
            paged.windows(2).all(|w| w[0] > w[1]),
            "{account:?}: trail pages out of order"
        );
        assert_eq!(
            paged,
            whole.iter().map(|e| e.sequence).collect::<Vec<_>>(),
            "{account:?}: the trail a page at a time and whole"
        );
    }

    let totals: Vec<u64> = (0..6)
        .map(|i| reports.iter().flatten().map(|r| r[i]).sum())
        .collect();
    let [operations, succeeded, refused, busy, contention, failed] = totals[..] else {
        unreachable!("six counts")
    };
    eprintln!(
        "mixed across processes: 2 processes x {MIXERS} threads for {elapsed:.1?}: \
         {operations} operations ({succeeded} succeeded, {refused} refused, {busy} ended busy \
         after the directory's retries, {failed} other store failures), {contention} \
         serialization failures retried; {checks} consistent snapshots checked by a third \
         process ({entries_read} trail entries read), every invariant held"
    );
    assert!(
        failures.is_empty() && failed == 0,
        "{failed} store failures other than contention, the first of them: {failures:#?}"
    );
    for (name, report) in ["A", "B"].iter().zip(&reports) {
        let report = report.as_ref().expect("a report");
        assert!(
            report[0] >= 50,
            "worker {name} ran only {} operations",
            report[0]
        );
    }
    assert!(
        succeeded * 10 > operations && refused * 10 > operations,
        "a mix: {succeeded} succeeded, {refused} refused of {operations}"
    );
    assert!(
        busy * 100 <= operations,
        "at most 1% of operations may run out of retries: {busy} of {operations}"
    );
    assert!(checks >= 2, "the checker ran {checks} times");
}
