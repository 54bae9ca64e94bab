//! PostgresStore against the same SQL statements issued through a bare
//! `postgres::Client` (plain TCP, `NoTls`, statements prepared once), on the
//! same database and schema, side by side in one run:
//!
//! - `add_to_group`: [`Directory::add_to_group`] by the account's
//!   administrator (one serializable transaction: the actor's active
//!   administrator membership and user row, the group, the target's id by
//!   email, its user row and membership, the insert and the group's
//!   revision, the audit entry) versus the writes alone between
//!   `BEGIN ISOLATION LEVEL SERIALIZABLE` and `COMMIT` (the membership, the
//!   group's revision, the account's audit head, the audit entry), and
//!   versus every statement the directory issues, bare. Each iteration adds
//!   a user of its own, made beforehand and not timed;
//! - `is_account_admin`: [`Directory::is_account_admin`] (a pooled
//!   connection, `BEGIN … READ ONLY`, the one `SELECT`, `ROLLBACK`) versus
//!   the `SELECT` alone, and versus the same three round trips bare;
//! - `users_page`: a page of 50 users of an account ([`Directory::users`]
//!   for Customer Support) versus the store's page query alone, and versus
//!   the statements the directory issues (`BEGIN`, the account, the page,
//!   `ROLLBACK`) bare, at 10,000 users (and 1,000,000 with
//!   `CRES_BENCH_PG_MILLION=1`);
//! - `mixed_throughput` (printed, not a criterion measure): reads and
//!   writes through the directory from 1 process × 4 threads, 1 process ×
//!   8 threads and 2 processes × 4 threads on one database; the second
//!   process is this binary again, started with `CRES_BENCH_PG_CHILD` set.
//!
//! Needs a server: `scripts/with-postgres cargo bench --features postgres
//! --bench postgres_store` (without `--tls`). Without `CRES_POSTGRES_URL`
//! it says so and measures nothing. Each measure works in a schema of its
//! own, dropped at the end.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::error::Error;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use cres_admin::store::{Store, Transaction};
use cres_admin::{
    Account, AccountNumber, Action, Actor, ActorRecord, Credential, Directory, Email, Field,
    GroupId, GroupName, Name, PageSize, PasswordChosenBy, PasswordHash, PasswordHashing,
    PostgresConfig, PostgresStore, SignInState, User, UserId, UserQuery, UserRef, UserStatus,
};
use criterion::{BenchmarkId, Criterion};
use postgres::types::{FromSql, Type};
use postgres::{Client, NoTls, Statement};

/// The throwaway server (`scripts/with-postgres`).
const URL_VAR: &str = "CRES_POSTGRES_URL";
/// Set in the second process of `mixed_throughput`: what it is to run.
const CHILD_VAR: &str = "CRES_BENCH_PG_CHILD";
/// Set to 1 to also measure a page at 1,000,000 users.
const MILLION_VAR: &str = "CRES_BENCH_PG_MILLION";

const ACCOUNT: AccountNumber = AccountNumber::new(1);
const SALES: GroupId = GroupId {
    account: ACCOUNT,
    number: 2,
};
/// The administrators' group number, as the store binds it.
const ADMINS: i64 = GroupId::ADMINISTRATORS_NUMBER as i64;
/// Accounts of `add_to_group`, one administrator each; account 1 also has
/// a *Sales* group of `SALES_BEFORE` members when the clock starts.
const ADD_ACCOUNTS: u64 = 1_000;
const SALES_BEFORE: u64 = 10_000;
/// Accounts of `is_account_admin`, one administrator each (as `sqlite_store`).
const ADMIN_ACCOUNTS: u64 = 10_000;
/// Administrators the `is_account_admin` probes rotate over.
const PROBES: u64 = 1_024;
const PAGE: u32 = 50;

const MEASUREMENT: Duration = Duration::from_secs(3);
const SAMPLES: usize = 20;

// The store's own statements (src/store/postgres/queries.rs), run bare.
const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
const BEGIN_WRITE: &str = "BEGIN ISOLATION LEVEL SERIALIZABLE";
const IS_ACTIVE_ADMIN: &str =
    "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE m.account = $1 AND m.number = $2 AND m.user_id = $3
                          AND u.status = $4)";
const USER_BRIEF: &str =
    "SELECT id, email, status, created_in, password_chosen_by FROM users WHERE id = $1";
const GROUP_ROW: &str = "SELECT number, name, created_at, revision FROM account_groups
             WHERE account = $1 AND number = $2";
const USER_ID: &str = "SELECT id FROM users WHERE identity = $1";
const IS_MEMBER: &str = "SELECT EXISTS (SELECT 1 FROM memberships
                            WHERE account = $1 AND number = $2 AND user_id = $3)";
const ADD_MEMBER: &str = "INSERT INTO memberships (account, number, user_id, identity)
             SELECT $1, $2, id, identity FROM users WHERE id = $3";
const TOUCH_GROUP: &str =
    "UPDATE account_groups SET revision = revision + 1 WHERE account = $1 AND number = $2";
const AUDIT_HEAD: &str = "UPDATE accounts SET audit_head = audit_head + 1 WHERE number = $1";
const APPEND_AUDIT: &str = "INSERT INTO audit (account, at, actor, action, target)
             VALUES ($1, $2, $3, $4, $5) RETURNING sequence";
const ACCOUNT_ROW: &str = "SELECT number, name, created_at FROM accounts WHERE number = $1";
const USERS_PAGE: &str =
    "SELECT u.id, u.email, u.first_name, u.last_name, u.status, u.password_temporary,
                    u.locked_until, u.created_at, u.last_signed_in,
                    EXISTS (SELECT 1 FROM memberships m
                            WHERE m.account = a.account AND m.number = $7
                              AND m.user_id = a.user_id)
             FROM account_users a JOIN users u ON u.id = a.user_id
             WHERE a.account = $1 AND a.identity >= $2 AND a.identity < $3
               AND (a.identity > $4 OR a.user_id > $5)
             ORDER BY a.identity, a.user_id LIMIT $6";

// --- the data ---------------------------------------------------------------------

fn name(text: &str, field: Field) -> Name {
    Name::parse(text, field).expect("a valid name")
}

fn email(address: &str) -> Email {
    Email::parse(address).expect("a valid address")
}

/// A distinct id for each (kind, account, number): no two users of the
/// benchmark share one, and a second process computes the same ones.
fn id(kind: u8, account: u64, number: u64) -> UserId {
    let mut bytes = [0; 16];
    bytes[..8].copy_from_slice(&account.to_be_bytes());
    bytes[0] = kind;
    bytes[8..].copy_from_slice(&number.to_be_bytes());
    UserId::from_bytes(bytes)
}

/// An active user created in `account` by Customer Support, whose password
/// Support chose (so no administrator check is needed to add them).
fn user(id: UserId, address: &str, account: AccountNumber) -> User {
    let now = Utc::now();
    User {
        id,
        revision: 0,
        email: email(address),
        first_name: name("Given", Field::FirstName),
        last_name: name("Family", Field::LastName),
        status: UserStatus::Active,
        credential: Some(Credential {
            hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
            temporary: false,
            set_at: now,
            chosen_by: PasswordChosenBy::Support,
        }),
        created_at: now,
        created_by: ActorRecord::Support,
        created_in: account,
        sign_in: SignInState::default(),
    }
}

/// An account with its built-in group and `admin` in it; with a *Sales*
/// group (number 2) when `sales`.
fn add_account(tx: &mut impl Transaction, number: AccountNumber, admin: &User, sales: bool) {
    let now = Utc::now();
    tx.insert_account(&Account {
        number,
        name: name("Bench", Field::AccountName),
        created_at: now,
    })
    .expect("the account");
    tx.insert_group(number, &GroupName::AccountAdministrators, now)
        .expect("its built-in group");
    tx.insert_user(admin).expect("its administrator");
    tx.add_member(GroupId::administrators(number), admin.id)
        .expect("made administrator");
    if sales {
        tx.insert_group(
            number,
            &GroupName::Custom(name("Sales", Field::GroupName)),
            now,
        )
        .expect("its Sales group");
    }
}

// --- connections ------------------------------------------------------------------

/// A schema of this run's own.
fn schema_name(what: &str) -> String {
    format!("cres_bench_{}_{what}", std::process::id())
}

/// The store on `schema` (created by opening it).
fn open(url: &str, schema: &str, pool: u32) -> PostgresStore {
    let config = PostgresConfig::from_url(url)
        .expect("a valid URL")
        .schema(schema)
        .pool_size(pool);
    PostgresStore::open(&config).expect("the store opens")
}

/// A bare client to the store's server over TCP, without TLS, with the
/// session settings the store gives its connections (search path and
/// statement timeout).
fn bare(url: &str, schema: &str) -> Client {
    let base = url.split_once('?').map_or(url, |(base, _)| base);
    let mut config: postgres::Config = base.parse().expect("a valid URL");
    config.options(&format!(
        "-c search_path={schema} -c statement_timeout=30000"
    ));
    config.connect(NoTls).expect("a bare connection")
}

/// Statistics for the planner, as autovacuum keeps them on a live
/// database: without them it may pick, for a lookup of one membership by
/// its key, the index of members by email, and read the whole group.
fn analyze(client: &mut Client) {
    client.batch_execute("ANALYZE").expect("ANALYZE");
}

fn drop_schema(url: &str, schema: &str) {
    bare(url, "public")
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .expect("the schema dropped");
}

/// Any column, as the bytes the server sent.
struct Raw<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Raw<'a>, Box<dyn Error + Sync + Send>> {
        Ok(Raw(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> Result<Raw<'a>, Box<dyn Error + Sync + Send>> {
        Ok(Raw(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Reads every column of a row as its bytes, as a decoder would.
fn touch_row(row: &postgres::Row) {
    for i in 0..row.len() {
        black_box(row.get::<_, Raw<'_>>(i).0);
    }
}

// --- side by side -----------------------------------------------------------------

/// A contender's routine: runs `iters` iterations, returns the time they
/// took (criterion's `iter_custom`).
type Routine<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// Rounds of the interleaved run, and the time each contender gets per round.
const ROUNDS: usize = 40;
const BLOCK: Duration = Duration::from_millis(50);

/// Each contender through criterion, one after the other, then the same
/// routines interleaved ([`interleaved`]).
fn compare(
    c: &mut Criterion,
    group_name: &str,
    size: Option<u64>,
    contenders: &mut [(&str, Routine<'_>)],
) {
    let mut group = c.benchmark_group(group_name);
    group.measurement_time(MEASUREMENT);
    group.sample_size(SAMPLES);
    for (name, routine) in contenders.iter_mut() {
        let mut run = |b: &mut criterion::Bencher<'_>| b.iter_custom(&mut *routine);
        match size {
            Some(size) => group.bench_function(BenchmarkId::new(*name, size), &mut run),
            None => group.bench_function(*name, &mut run),
        };
    }
    group.finish();
    if !smoke_or_list() {
        let title = match size {
            Some(size) => format!("{group_name}/{size}"),
            None => group_name.to_owned(),
        };
        interleaved(&title, contenders);
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn shown(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.3} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

/// The contenders taking turns, `ROUNDS` rounds of about `BLOCK` each (the
/// first one in a round changes from round to round), so that whatever
/// else the machine is doing weighs on each the same: the median time per
/// iteration of each, and the median of each round's ratio of the first
/// contender to each other one. Printed; a shared machine moves criterion's
/// figures, run one after the other, more than these ratios.
fn interleaved(title: &str, contenders: &mut [(&str, Routine<'_>)]) {
    let iters: Vec<u64> = contenders
        .iter_mut()
        .map(|(_, routine)| {
            routine(10);
            let one = routine(50).as_secs_f64() / 50.0;
            (BLOCK.as_secs_f64() / one).clamp(1.0, 1e6) as u64
        })
        .collect();
    let count = contenders.len();
    let mut times = vec![Vec::with_capacity(ROUNDS); count];
    for round in 0..ROUNDS {
        for k in 0..count {
            let i = (round + k) % count;
            let took = (contenders[i].1)(iters[i]);
            times[i].push(took.as_secs_f64() / iters[i] as f64);
        }
    }
    println!("{title}, interleaved ({ROUNDS} rounds):");
    for (i, (name, _)) in contenders.iter().enumerate() {
        println!(
            "  {name:<46} {:>10} per iteration (median)",
            shown(median(&mut times[i].clone()))
        );
    }
    for (i, (name, _)) in contenders.iter().enumerate().skip(1) {
        let mut ratios: Vec<f64> = times[0].iter().zip(&times[i]).map(|(a, b)| a / b).collect();
        let mid = median(&mut ratios);
        println!(
            "  {} / {name}: {mid:.2}× the time (rounds: {:.2}× to {:.2}×)",
            contenders[0].0,
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}

// --- add_to_group -----------------------------------------------------------------

/// Makes `count` new users in account 1, in one transaction (not timed).
fn new_users(store: &PostgresStore, next: &AtomicU64, count: u64) -> Vec<UserRef> {
    let first = next.fetch_add(count, Ordering::Relaxed);
    let users: Vec<User> = (first..first + count)
        .map(|i| user(id(2, 1, i), &format!("member{i}@example.com"), ACCOUNT))
        .collect();
    let mut tx = store.begin_write().expect("a transaction");
    for user in &users {
        tx.insert_user(user).expect("a user");
    }
    tx.commit().expect("committed");
    users
        .into_iter()
        .map(|u| UserRef {
            id: u.id,
            email: u.email,
        })
        .collect()
}

/// The statements of `Directory::add_to_group`, prepared once.
struct AddStatements {
    is_active_admin: Statement,
    user_brief: Statement,
    group: Statement,
    user_id: Statement,
    is_member: Statement,
    add_member: Statement,
    touch_group: Statement,
    audit_head: Statement,
    append_audit: Statement,
}

impl AddStatements {
    fn prepare(client: &mut Client) -> AddStatements {
        let mut prepare = |sql| client.prepare(sql).expect("a statement");
        AddStatements {
            is_active_admin: prepare(IS_ACTIVE_ADMIN),
            user_brief: prepare(USER_BRIEF),
            group: prepare(GROUP_ROW),
            user_id: prepare(USER_ID),
            is_member: prepare(IS_MEMBER),
            add_member: prepare(ADD_MEMBER),
            touch_group: prepare(TOUCH_GROUP),
            audit_head: prepare(AUDIT_HEAD),
            append_audit: prepare(APPEND_AUDIT),
        }
    }
}

/// The writes of an *Add to Group*, bare: the membership, the group's
/// revision, the account's audit head and the audit entry, in one
/// serializable transaction.
fn bare_add_writes(
    client: &mut Client,
    st: &AddStatements,
    actor: &UserRef,
    group: GroupId,
    target: &UserRef,
) {
    client.batch_execute(BEGIN_WRITE).expect("BEGIN");
    bare_writes(client, st, actor, group, target);
    client.batch_execute("COMMIT").expect("COMMIT");
}

fn bare_writes(
    client: &mut Client,
    st: &AddStatements,
    actor: &UserRef,
    group: GroupId,
    target: &UserRef,
) {
    let account = group.account.get() as i64;
    let number = i64::from(group.number);
    let target_id = target.id.to_bytes().to_vec();
    let added = client
        .execute(&st.add_member, &[&account, &number, &target_id])
        .expect("the membership");
    assert_eq!(added, 1);
    client
        .execute(&st.touch_group, &[&account, &number])
        .expect("the group's revision");
    client
        .execute(&st.audit_head, &[&account])
        .expect("the audit head");
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true);
    let actor = serde_json::to_string(&ActorRecord::User(actor.clone())).expect("JSON");
    let action = serde_json::to_string(&Action::MemberAdded {
        group,
        user: target.clone(),
    })
    .expect("JSON");
    let sequence: i64 = client
        .query_opt(
            &st.append_audit,
            &[&account, &at, &actor, &action, &Some(target_id)],
        )
        .expect("the audit entry")
        .expect("its sequence number")
        .get(0);
    black_box(sequence);
}

/// Every statement `Directory::add_to_group` issues, bare, in the same
/// order: authorization, the group, the target, the writes.
fn bare_add_every(
    client: &mut Client,
    st: &AddStatements,
    actor: &UserRef,
    group: GroupId,
    target: &UserRef,
) {
    let account = group.account.get() as i64;
    let number = i64::from(group.number);
    let actor_id = actor.id.to_bytes().to_vec();
    client.batch_execute(BEGIN_WRITE).expect("BEGIN");
    let admin: bool = client
        .query_opt(
            &st.is_active_admin,
            &[&account, &ADMINS, &actor_id, &"active"],
        )
        .expect("the check")
        .expect("a row")
        .get(0);
    assert!(admin);
    touch_row(
        &client
            .query_opt(&st.user_brief, &[&actor_id])
            .expect("the actor")
            .expect("found"),
    );
    touch_row(
        &client
            .query_opt(&st.group, &[&account, &number])
            .expect("the group")
            .expect("found"),
    );
    let found: Vec<u8> = client
        .query_opt(&st.user_id, &[&target.email.identity()])
        .expect("the target's id")
        .expect("found")
        .get(0);
    touch_row(
        &client
            .query_opt(&st.user_brief, &[&found])
            .expect("the target")
            .expect("found"),
    );
    let member: bool = client
        .query_opt(&st.is_member, &[&account, &number, &found])
        .expect("the membership check")
        .expect("a row")
        .get(0);
    assert!(!member);
    bare_writes(client, st, actor, group, target);
    client.batch_execute("COMMIT").expect("COMMIT");
}

fn add_to_group(c: &mut Criterion, url: &str) {
    let schema = schema_name("add");
    let store = open(url, &schema, 2);
    let admin = user(id(1, 1, 0), "admin@example.com", ACCOUNT);
    let mut tx = store.begin_write().expect("a transaction");
    add_account(&mut tx, ACCOUNT, &admin, true);
    for a in 2..=ADD_ACCOUNTS {
        let number = AccountNumber::new(a);
        let admin = user(id(1, a, 0), &format!("admin{a}@example.com"), number);
        add_account(&mut tx, number, &admin, false);
    }
    tx.commit().expect("committed");
    let next = AtomicU64::new(0);
    let members = new_users(&store, &next, SALES_BEFORE);
    let mut tx = store.begin_write().expect("a transaction");
    for target in members {
        tx.add_member(SALES, target.id).expect("a member");
    }
    tx.commit().expect("committed");
    let client = RefCell::new(bare(url, &schema));
    analyze(&mut client.borrow_mut());
    let actor_ref = UserRef {
        id: admin.id,
        email: admin.email.clone(),
    };
    let actor = Actor::User(admin.id);
    let directory = Directory::new(&store).with_password_hashing(PasswordHashing::insecure_fast());
    let st = AddStatements::prepare(&mut client.borrow_mut());
    // Each iteration adds a user of its own, made before the clock starts.
    let timed = |iters: u64, add: &mut dyn FnMut(&UserRef)| {
        let users = new_users(&store, &next, iters);
        let start = Instant::now();
        for target in &users {
            add(target);
        }
        start.elapsed()
    };
    let mut contenders: Vec<(&str, Routine<'_>)> = vec![
        (
            "PostgresStore",
            Box::new(|iters| {
                timed(iters, &mut |target| {
                    let added = directory
                        .add_to_group(&actor, SALES, target.email.as_str())
                        .expect("added");
                    assert!(!added.already_member);
                })
            }),
        ),
        (
            "bare postgres, the writes",
            Box::new(|iters| {
                timed(iters, &mut |target| {
                    bare_add_writes(&mut client.borrow_mut(), &st, &actor_ref, SALES, target);
                })
            }),
        ),
        (
            "bare postgres, every statement",
            Box::new(|iters| {
                timed(iters, &mut |target| {
                    bare_add_every(&mut client.borrow_mut(), &st, &actor_ref, SALES, target);
                })
            }),
        ),
    ];
    compare(c, "add_to_group", None, &mut contenders);
    drop(contenders);
    drop(client);
    drop(directory);
    drop(store);
    drop_schema(url, &schema);
}

// --- is_account_admin -------------------------------------------------------------

fn is_account_admin(c: &mut Criterion, url: &str) {
    let schema = schema_name("admin");
    let store = open(url, &schema, 2);
    for first in (1..=ADMIN_ACCOUNTS).step_by(1_000) {
        let mut tx = store.begin_write().expect("a transaction");
        for a in first..(first + 1_000).min(ADMIN_ACCOUNTS + 1) {
            let number = AccountNumber::new(a);
            let admin = user(id(1, a, 0), &format!("admin{a}@example.com"), number);
            add_account(&mut tx, number, &admin, false);
        }
        tx.commit().expect("committed");
    }
    // The same administrators, spread evenly over the accounts, for every
    // contender.
    let probes: Vec<(AccountNumber, UserId)> = (0..PROBES)
        .map(|i| {
            let a = 1 + i * ADMIN_ACCOUNTS / PROBES;
            (AccountNumber::new(a), id(1, a, 0))
        })
        .collect();
    let next = Cell::new(0);
    let probe = || {
        next.set((next.get() + 1) % probes.len());
        probes[next.get()]
    };
    let directory = Directory::new(&store);
    let client = RefCell::new(bare(url, &schema));
    analyze(&mut client.borrow_mut());
    let check = client
        .borrow_mut()
        .prepare(IS_ACTIVE_ADMIN)
        .expect("a statement");
    let bare_check = |client: &mut Client, account: AccountNumber, user: UserId| -> bool {
        let account = account.get() as i64;
        let user = user.to_bytes().to_vec();
        client
            .query_opt(&check, &[&account, &ADMINS, &user, &"active"])
            .expect("the check")
            .is_some_and(|row| row.get(0))
    };
    let timed = |iters: u64, check: &mut dyn FnMut(AccountNumber, UserId) -> bool| {
        let start = Instant::now();
        for _ in 0..iters {
            let (account, user) = probe();
            assert!(check(black_box(account), user));
        }
        start.elapsed()
    };
    let mut contenders: Vec<(&str, Routine<'_>)> = vec![
        (
            "PostgresStore",
            Box::new(|iters| {
                timed(iters, &mut |account, user| {
                    directory
                        .is_account_admin(account, user)
                        .expect("an answer")
                })
            }),
        ),
        (
            "bare postgres, the SELECT",
            Box::new(|iters| {
                timed(iters, &mut |account, user| {
                    bare_check(&mut client.borrow_mut(), account, user)
                })
            }),
        ),
        (
            "bare postgres, BEGIN/SELECT/ROLLBACK",
            Box::new(|iters| {
                timed(iters, &mut |account, user| {
                    let client = &mut *client.borrow_mut();
                    client.batch_execute(BEGIN_READ).expect("BEGIN");
                    let admin = bare_check(client, account, user);
                    client.batch_execute("ROLLBACK").expect("ROLLBACK");
                    admin
                })
            }),
        ),
    ];
    compare(c, "is_account_admin", None, &mut contenders);
    drop(contenders);
    drop(client);
    drop(directory);
    drop(store);
    drop_schema(url, &schema);
}

// --- users_page -------------------------------------------------------------------

fn address(i: u64) -> String {
    format!("user{i:07}@example.com")
}

/// Account 1 with `users` users: the first 10,000 through the store's
/// `insert_user`, in transactions of 5,000; any beyond, copies of the last
/// one made by the server (`INSERT … SELECT` over `generate_series`), with
/// their own id, address and identity, in transactions of 100,000. The
/// triggers file each one under the account as the store's inserts do.
fn load(store: &PostgresStore, client: &mut Client, users: u64) {
    let admin = user(id(1, 1, 0), "admin@example.com", ACCOUNT);
    let mut tx = store.begin_write().expect("a transaction");
    add_account(&mut tx, ACCOUNT, &admin, false);
    tx.commit().expect("committed");
    let by_store = users.min(10_000);
    for start in (0..by_store).step_by(5_000) {
        let mut tx = store.begin_write().expect("a transaction");
        for i in start..(start + 5_000).min(by_store) {
            tx.insert_user(&user(id(2, 1, i), &address(i), ACCOUNT))
                .expect("a user");
        }
        tx.commit().expect("committed");
    }
    let template = id(2, 1, by_store - 1).to_bytes().to_vec();
    for start in (by_store..users).step_by(100_000) {
        let end = (start + 100_000).min(users);
        client
            .execute(
                "INSERT INTO users (id, identity, email, first_name, last_name, status,
                                    password_hash, password_temporary, password_set_at,
                                    created_at, created_by, created_in, failed_sign_ins,
                                    lockouts, locked_until, password_chosen_by,
                                    failure_window_started, sign_in_sources, last_signed_in,
                                    revision)
                 SELECT substr(t.id, 1, 8) || int8send(i), 'user' || lpad(i::text, 7, '0') || '@example.com',
                        'user' || lpad(i::text, 7, '0') || '@example.com', t.first_name,
                        t.last_name, t.status, t.password_hash, t.password_temporary,
                        t.password_set_at, t.created_at, t.created_by, t.created_in,
                        t.failed_sign_ins, t.lockouts, t.locked_until, t.password_chosen_by,
                        t.failure_window_started, t.sign_in_sources, t.last_signed_in,
                        t.revision
                 FROM users t, generate_series($2::bigint, $3::bigint - 1) AS i
                 WHERE t.id = $1",
                &[&template, &(start as i64), &(end as i64)],
            )
            .expect("copies of a user");
    }
    analyze(client);
}

/// A row as the bare client reads it: the columns the store decodes.
type BareRow = (
    Vec<u8>,
    String,
    String,
    String,
    String,
    Option<bool>,
    Option<String>,
    String,
    Option<String>,
    bool,
);

fn bare_page(client: &mut Client, page: &Statement) -> Vec<BareRow> {
    let account = ACCOUNT.get() as i64;
    let limit = i64::from(PAGE) + 1;
    client
        .query(
            page,
            &[
                &account,
                &"",
                &"\u{7f}",
                &"",
                &Vec::<u8>::new(),
                &limit,
                &ADMINS,
            ],
        )
        .expect("a page")
        .iter()
        .map(|row| {
            (
                row.get(0),
                row.get(1),
                row.get(2),
                row.get(3),
                row.get(4),
                row.get(5),
                row.get(6),
                row.get(7),
                row.get(8),
                row.get(9),
            )
        })
        .collect()
}

fn users_page(c: &mut Criterion, url: &str) {
    let million = std::env::var(MILLION_VAR).is_ok_and(|v| v == "1");
    let sizes: &[u64] = if million {
        &[10_000, 1_000_000]
    } else {
        &[10_000]
    };
    let query = UserQuery::new().size(PageSize::new(PAGE).expect("a page size"));
    for &users in sizes {
        let schema = schema_name(&format!("page_{users}"));
        let store = open(url, &schema, 2);
        let client = RefCell::new(bare(url, &schema));
        let loading = Instant::now();
        load(&store, &mut client.borrow_mut(), users);
        eprintln!(
            "users_page: {users} users loaded in {:.1} s",
            loading.elapsed().as_secs_f64()
        );
        let directory = Directory::new(&store);
        let page = client
            .borrow_mut()
            .prepare(USERS_PAGE)
            .expect("a statement");
        let account_row = client
            .borrow_mut()
            .prepare(ACCOUNT_ROW)
            .expect("a statement");
        let timed = |iters: u64, read: &mut dyn FnMut() -> usize| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(read());
            }
            start.elapsed()
        };
        let mut contenders: Vec<(&str, Routine<'_>)> = vec![
            (
                "PostgresStore",
                Box::new(|iters| {
                    timed(iters, &mut || {
                        let page = directory
                            .users(&Actor::Support, ACCOUNT, black_box(&query))
                            .expect("a page");
                        assert_eq!(page.items.len(), PAGE as usize);
                        assert!(page.next.is_some());
                        black_box(page).items.len()
                    })
                }),
            ),
            (
                "bare postgres, the SELECT",
                Box::new(|iters| {
                    timed(iters, &mut || {
                        let rows = bare_page(&mut client.borrow_mut(), &page);
                        assert_eq!(rows.len(), PAGE as usize + 1);
                        black_box(rows).len()
                    })
                }),
            ),
            (
                "bare postgres, BEGIN/account/SELECT/ROLLBACK",
                Box::new(|iters| {
                    timed(iters, &mut || {
                        let client = &mut *client.borrow_mut();
                        client.batch_execute(BEGIN_READ).expect("BEGIN");
                        touch_row(
                            &client
                                .query_opt(&account_row, &[&(ACCOUNT.get() as i64)])
                                .expect("the account")
                                .expect("found"),
                        );
                        let rows = bare_page(client, &page);
                        assert_eq!(rows.len(), PAGE as usize + 1);
                        client.batch_execute("ROLLBACK").expect("ROLLBACK");
                        black_box(rows).len()
                    })
                }),
            ),
        ];
        compare(c, "users_page", Some(users), &mut contenders);
        drop(contenders);
        drop(client);
        drop(directory);
        drop(store);
        drop_schema(url, &schema);
    }
}

// --- mixed_throughput -------------------------------------------------------------

/// Workers in all: 2 processes × 4 threads, or 1 × 8.
const WORKERS: u64 = 8;
/// Accounts each worker writes to; every worker reads them all.
const ACCOUNTS_PER_WORKER: u64 = 16;
const MIXED_ACCOUNTS: u64 = WORKERS * ACCOUNTS_PER_WORKER;
/// Users created in each account, moved in and out of its *Sales* group.
const USERS_PER_ACCOUNT: u64 = 8;
const WARM_UP: Duration = Duration::from_secs(1);
const WINDOW: Duration = Duration::from_secs(5);

fn mixed_address(account: u64, k: u64) -> String {
    format!("m{account}-{k}@example.com")
}

fn mixed_populate(store: &PostgresStore) {
    let mut tx = store.begin_write().expect("a transaction");
    for a in 1..=MIXED_ACCOUNTS {
        let number = AccountNumber::new(a);
        let admin = user(id(3, a, 0), &format!("admin{a}@example.com"), number);
        add_account(&mut tx, number, &admin, true);
        for k in 1..=USERS_PER_ACCOUNT {
            tx.insert_user(&user(id(3, a, k), &mixed_address(a, k), number))
                .expect("a user");
        }
    }
    tx.commit().expect("committed");
}

/// What one worker did in the measured window.
#[derive(Default, Clone, Copy)]
struct Tally {
    ops: u64,
    failed: u64,
}

/// Worker `w`: 40% administrator checks and 30% pages of users, of any
/// account; 30% *Add to Group* or *Remove from Group* of *Sales* by the
/// administrator of one of the worker's own accounts (so no two workers
/// change the same rows). Counts what ends between `WARM_UP` and
/// `WARM_UP + WINDOW` after `start`.
fn worker(directory: &Directory<&PostgresStore>, w: u64, start: Instant) -> Tally {
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(w + 1) | 1;
    let mut random = |below: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % below
    };
    let query = UserQuery::new().size(PageSize::new(PAGE).expect("a page size"));
    let mut members = HashSet::new();
    let (from, to) = (start + WARM_UP, start + WARM_UP + WINDOW);
    let mut tally = Tally::default();
    loop {
        let roll = random(100);
        let done = if roll < 40 {
            let a = 1 + random(MIXED_ACCOUNTS);
            directory
                .is_account_admin(AccountNumber::new(a), id(3, a, 0))
                .map(|admin| assert!(admin))
        } else if roll < 70 {
            let a = AccountNumber::new(1 + random(MIXED_ACCOUNTS));
            directory.users(&Actor::Support, a, &query).map(drop)
        } else {
            let a = 1 + w + WORKERS * random(ACCOUNTS_PER_WORKER);
            let k = 1 + random(USERS_PER_ACCOUNT);
            let group = GroupId {
                account: AccountNumber::new(a),
                number: 2,
            };
            let actor = Actor::User(id(3, a, 0));
            let target = mixed_address(a, k);
            // Only what succeeded changes what the worker believes.
            if members.contains(&(a, k)) {
                let removed = directory.remove_from_group(&actor, group, &target);
                if removed.is_ok() {
                    members.remove(&(a, k));
                }
                removed.map(drop)
            } else {
                let added = directory.add_to_group(&actor, group, &target);
                if added.is_ok() {
                    members.insert((a, k));
                }
                added.map(drop)
            }
        };
        let now = Instant::now();
        if now >= to {
            return tally;
        }
        if now >= from {
            tally.ops += 1;
            tally.failed += u64::from(done.is_err());
        }
    }
}

/// Runs workers `first..first + threads` in this process, each on its own
/// pooled connection, once `go` returns; their tallies summed.
fn run_workers(url: &str, schema: &str, first: u64, threads: u64, go: impl FnOnce()) -> Tally {
    let store = open(url, schema, threads as u32);
    let directory = Directory::new(&store).with_password_hashing(PasswordHashing::insecure_fast());
    let barrier = Barrier::new(threads as usize + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (first..first + threads)
            .map(|w| {
                let (directory, barrier) = (&directory, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    worker(directory, w, Instant::now())
                })
            })
            .collect();
        go();
        barrier.wait();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .fold(Tally::default(), |sum, t| Tally {
                ops: sum.ops + t.ops,
                failed: sum.failed + t.failed,
            })
    })
}

/// The second process: `CRES_BENCH_PG_CHILD=schema,first,threads`. Says
/// `ready`, starts on a line from its stdin, ends with `ops N failed F`.
fn child(spec: &str) {
    let url = std::env::var(URL_VAR).expect("the server's URL");
    let mut parts = spec.split(',');
    let schema = parts.next().expect("a schema");
    let first = parts.next().and_then(|p| p.parse().ok()).expect("a worker");
    let threads = parts.next().and_then(|p| p.parse().ok()).expect("threads");
    let tally = run_workers(&url, schema, first, threads, || {
        println!("ready");
        std::io::stdout().flush().expect("stdout");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).expect("go");
    });
    println!("ops {} failed {}", tally.ops, tally.failed);
}

/// The server's log lines so far that report a serialization failure or a
/// deadlock (each one an operation the directory ran again), when the log
/// is at hand (`CRES_POSTGRES_DIR`, set by `scripts/with-postgres`).
fn retried_so_far() -> Option<usize> {
    let dir = std::env::var_os("CRES_POSTGRES_DIR")?;
    let text = std::fs::read_to_string(std::path::Path::new(&dir).join("server.log")).ok()?;
    Some(
        text.lines()
            .filter(|l| l.contains("could not serialize access") || l.contains("deadlock detected"))
            .count(),
    )
}

fn mixed_throughput(url: &str) {
    let schema = schema_name("mixed");
    let store = open(url, &schema, 1);
    mixed_populate(&store);
    drop(store);
    let mut client = bare(url, &schema);
    analyze(&mut client);
    println!();
    println!(
        "mixed_throughput: 40% is_account_admin, 30% a page of users, 30% add to / remove from a group \
         ({MIXED_ACCOUNTS} accounts), {} s after {} s of warm-up",
        WINDOW.as_secs(),
        WARM_UP.as_secs()
    );
    for (processes, threads) in [(1, 4), (1, 8), (2, 4)] {
        // Every worker starts with its users out of Sales.
        client
            .batch_execute("DELETE FROM memberships WHERE number = 2")
            .expect("Sales emptied");
        let retried_before = retried_so_far();
        let tally = if processes == 1 {
            run_workers(url, &schema, 0, threads, || {})
        } else {
            let mut second = Command::new(std::env::current_exe().expect("this binary"))
                .env(CHILD_VAR, format!("{schema},{threads},{threads}"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("the second process");
            let mut lines = BufReader::new(second.stdout.take().expect("its stdout")).lines();
            let ready = lines.next().expect("a line").expect("ready");
            assert_eq!(ready, "ready");
            let mut stdin = second.stdin.take().expect("its stdin");
            let own = run_workers(url, &schema, 0, threads, || {
                writeln!(stdin, "go").expect("go");
                stdin.flush().expect("go sent");
            });
            let report = lines.next().expect("a line").expect("its tally");
            let mut words = report.split(' ');
            let mut number = |label: &str| -> u64 {
                assert_eq!(words.next(), Some(label));
                words.next().and_then(|n| n.parse().ok()).expect("a count")
            };
            let (ops, failed) = (number("ops"), number("failed"));
            assert!(second.wait().expect("the second process ends").success());
            Tally {
                ops: own.ops + ops,
                failed: own.failed + failed,
            }
        };
        let retried = match (retried_before, retried_so_far()) {
            (Some(before), Some(after)) => format!("{}", after - before),
            _ => "unknown".to_owned(),
        };
        println!(
            "mixed_throughput/{processes} process{} × {threads} threads: {:.0} ops/s \
             ({} ops, {} failed, {retried} serialization failures retried)",
            if processes == 1 { "" } else { "es" },
            tally.ops as f64 / WINDOW.as_secs_f64(),
            tally.ops,
            tally.failed,
        );
    }
    println!();
    drop(client);
    drop_schema(url, &schema);
}

/// Whether criterion's filter (the arguments that are not options, taken
/// as plain text) lets the group `name` run.
fn wanted(name: &str) -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    filters.is_empty()
        || filters
            .iter()
            .any(|f| name.contains(f.as_str()) || f.starts_with(name))
}

/// Whether this is a smoke run (`--test`) or a listing (`--list`), where
/// the timed `mixed_throughput` has no place.
fn smoke_or_list() -> bool {
    std::env::args().any(|a| a == "--test" || a == "--list")
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_VAR) {
        child(&spec);
        return;
    }
    let Some(url) = std::env::var(URL_VAR).ok().filter(|u| !u.is_empty()) else {
        eprintln!(
            "postgres_store: {URL_VAR} is not set, nothing measured; run it through \
             scripts/with-postgres cargo bench --features postgres --bench postgres_store"
        );
        return;
    };
    let mut c = Criterion::default().configure_from_args();
    if wanted("add_to_group") {
        add_to_group(&mut c, &url);
    }
    if wanted("is_account_admin") {
        is_account_admin(&mut c, &url);
    }
    if wanted("users_page") {
        users_page(&mut c, &url);
    }
    if wanted("mixed_throughput") && !smoke_or_list() {
        mixed_throughput(&url);
    }
    c.final_summary();
}
