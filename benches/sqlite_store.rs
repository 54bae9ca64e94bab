//! SqliteStore against the same SQL statements issued directly through
//! rusqlite, on the same file with the same pragmas (WAL, `synchronous =
//! FULL`, foreign keys, busy timeout), side by side:
//!
//! - `add_to_group`: [`Directory::add_to_group`] (one write transaction:
//!   the actor's user row and administrator membership, the group, the
//!   target's user row and membership, the insert, the audit entry) versus
//!   those statements between `BEGIN IMMEDIATE` and `COMMIT` on a raw
//!   connection with cached prepared statements;
//! - `is_account_admin`: [`Directory::is_account_admin`] (a pooled read
//!   connection, a read transaction, one primary-key lookup) versus the
//!   lookup alone.
//!
//! Run: `cargo bench --features sqlite --bench sqlite_store`.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use cres_admin::{
    Account, AccountNumber, Actor, ActorRecord, Credential, Directory, Email, Field, GroupId,
    GroupName, Name, PasswordChosenBy, PasswordHash, PasswordHashing, SignInState, SqliteStore,
    StoreExt, User, UserStatus,
};
use criterion::{Criterion, criterion_group, criterion_main};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

const ACCOUNTS: u64 = 10_000;
const ACCOUNT: AccountNumber = AccountNumber::new(1);
const SALES: GroupId = GroupId {
    account: ACCOUNT,
    number: 2,
};

fn email(address: &str) -> Email {
    Email::parse(address).unwrap()
}

fn user(address: &str) -> User {
    let now = Utc::now();
    User {
        email: email(address),
        first_name: Name::parse("Bench", Field::FirstName).unwrap(),
        last_name: Name::parse("User", Field::LastName).unwrap(),
        status: UserStatus::Active,
        credential: Some(Credential {
            hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
            temporary: false,
            set_at: now,
            chosen_by: PasswordChosenBy::Support,
        }),
        created_at: now,
        created_by: ActorRecord::Support,
        created_in: ACCOUNT,
        sign_in: SignInState::default(),
    }
}

fn admin(i: u64) -> String {
    format!("admin{i}@example.com")
}

/// `ACCOUNTS` accounts with one administrator each; account 1 also has a
/// *Sales* group.
fn populate(store: &SqliteStore) {
    store
        .write_with(|tx| {
            let now = Utc::now();
            for i in 1..=ACCOUNTS {
                let number = AccountNumber::new(i);
                tx.insert_account(&Account {
                    number,
                    name: Name::parse("Bench", Field::AccountName).unwrap(),
                    created_at: now,
                })?;
                tx.insert_group(number, &GroupName::AccountAdministrators, now)?;
                tx.insert_user(&user(&admin(i)))?;
                tx.add_member(GroupId::administrators(number), &email(&admin(i)))?;
            }
            let sales = Name::parse("Sales", Field::GroupName).unwrap();
            tx.insert_group(ACCOUNT, &GroupName::Custom(sales), now)?;
            Ok(())
        })
        .unwrap();
}

/// `count` new users, created in one transaction (not measured).
fn new_users(store: &SqliteStore, count: u64) -> Vec<String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let first = NEXT.fetch_add(count, Ordering::SeqCst);
    let users: Vec<String> = (first..first + count)
        .map(|i| format!("member{i}@example.com"))
        .collect();
    store
        .write_with(|tx| {
            for address in &users {
                tx.insert_user(&user(address))?;
            }
            Ok(())
        })
        .unwrap();
    users
}

/// A raw connection with the pragmas the store uses.
fn raw_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn
}

const USER_ROW: &str = "SELECT email, first_name, last_name, status, password_hash, \
     password_temporary, password_set_at, created_at, created_by, created_in \
     FROM users WHERE identity = ?1";
const IS_MEMBER: &str = "SELECT EXISTS (SELECT 1 FROM memberships \
     WHERE account = ?1 AND number = ?2 AND identity = ?3)";
const GROUP_ROW: &str =
    "SELECT number, name, created_at FROM account_groups WHERE account = ?1 AND number = ?2";
const ADD_MEMBER: &str = "INSERT INTO memberships (account, number, identity) VALUES (?1, ?2, ?3)";
const APPEND_AUDIT: &str = "INSERT INTO audit (account, at, actor, action) VALUES (?1, ?2, ?3, ?4)";

fn raw_user_exists(conn: &Connection, identity: &str) -> bool {
    conn.prepare_cached(USER_ROW)
        .unwrap()
        .query_row([identity], |row| {
            // Read every column, as the store does.
            for i in 0..10 {
                black_box(row.get_ref(i)?);
            }
            Ok(())
        })
        .optional()
        .unwrap()
        .is_some()
}

fn raw_is_member(conn: &Connection, group: GroupId, identity: &str) -> bool {
    conn.prepare_cached(IS_MEMBER)
        .unwrap()
        .query_row(
            (group.account.get() as i64, group.number, identity),
            |row| row.get(0),
        )
        .unwrap()
}

/// The statements of `Directory::add_to_group`, issued directly.
fn raw_add_to_group(conn: &mut Connection, actor: &str, group: GroupId, target: &str) {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    assert!(raw_user_exists(&tx, actor));
    assert!(raw_is_member(
        &tx,
        GroupId::administrators(group.account),
        actor
    ));
    let found = tx
        .prepare_cached(GROUP_ROW)
        .unwrap()
        .query_row((group.account.get() as i64, group.number), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .optional()
        .unwrap();
    assert!(found.is_some());
    assert!(raw_user_exists(&tx, target));
    assert!(!raw_is_member(&tx, group, target));
    let account = group.account.get() as i64;
    tx.prepare_cached(ADD_MEMBER)
        .unwrap()
        .execute((account, group.number, target))
        .unwrap();
    let action = format!(
        r#"{{"action":"member_added","group":{{"account":{account},"number":{}}},"email":"{target}"}}"#,
        group.number
    );
    tx.prepare_cached(APPEND_AUDIT)
        .unwrap()
        .execute((
            account,
            Utc::now().to_rfc3339(),
            format!(r#"{{"user":"{actor}"}}"#),
            action,
        ))
        .unwrap();
    tx.commit().unwrap();
}

fn add_to_group(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("bench.db");
    let store = SqliteStore::open(&path).unwrap();
    populate(&store);
    let directory = Directory::new(&store).with_password_hashing(PasswordHashing::insecure_fast());
    let mut raw = raw_connection(&path);
    let actor = Actor::User(email(&admin(1)));
    let actor_identity = admin(1);

    let mut group = c.benchmark_group("add_to_group");
    group.bench_function("SqliteStore", |b| {
        b.iter_custom(|iters| {
            let users = new_users(&store, iters);
            let start = Instant::now();
            for target in &users {
                black_box(directory.add_to_group(&actor, SALES, target).unwrap());
            }
            start.elapsed()
        })
    });
    group.bench_function("raw rusqlite", |b| {
        b.iter_custom(|iters| {
            let users = new_users(&store, iters);
            let start = Instant::now();
            for target in &users {
                raw_add_to_group(&mut raw, &actor_identity, SALES, target);
            }
            start.elapsed()
        })
    });
    group.finish();
}

fn is_account_admin(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("bench.db");
    let store = SqliteStore::open(&path).unwrap();
    populate(&store);
    let directory = Directory::new(&store);
    let raw = raw_connection(&path);
    let probe = ACCOUNTS / 2;
    let account = AccountNumber::new(probe);
    let who = email(&admin(probe));
    let identity = admin(probe);

    let mut group = c.benchmark_group("is_account_admin");
    group.bench_function("SqliteStore", |b| {
        b.iter(|| {
            assert!(
                directory
                    .is_account_admin(black_box(account), &who)
                    .unwrap()
            )
        })
    });
    group.bench_function("raw rusqlite", |b| {
        b.iter(|| {
            assert!(raw_is_member(
                &raw,
                GroupId::administrators(black_box(account)),
                &identity
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, add_to_group, is_account_admin);
criterion_main!(benches);
