//! SqliteStore against the same SQL statements issued directly through
//! rusqlite, on the same file with the same pragmas (WAL, `synchronous =
//! FULL`, foreign keys, busy timeout), side by side:
//!
//! - `add_to_group`: [`Directory::add_to_group`] (one write transaction:
//!   the actor's active administrator membership and user row, the group,
//!   the target's id by email, its user row and membership, the insert and
//!   the group's revision, the audit entry) versus those statements between
//!   `BEGIN IMMEDIATE` and `COMMIT` on a raw connection with cached
//!   prepared statements;
//! - `is_account_admin`: [`Directory::is_account_admin`] (a pooled read
//!   connection, a read transaction, two primary-key lookups: the
//!   membership and the user's status) versus the lookup alone.
//!
//! Run: `cargo bench --features sqlite --bench sqlite_store`.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use cres_admin::store::{Reader, Store, Transaction};
use cres_admin::{
    Account, AccountNumber, Actor, ActorRecord, Credential, Directory, Email, Field, GroupId,
    GroupName, Name, PasswordChosenBy, PasswordHash, PasswordHashing, SignInState, SqliteStore,
    User, UserId, UserStatus,
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

/// A distinct id for each user of the benchmark (in UUID version 4 form).
fn new_id() -> UserId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let mut bytes = [0x5a; 16];
    // The count in the last eight bytes, whose first two bits the variant
    // takes: distinct for any count below 2^62.
    bytes[8..].copy_from_slice(&NEXT.fetch_add(1, Ordering::SeqCst).to_be_bytes());
    bytes[6] = 0x40 | (bytes[6] & 0x0f);
    bytes[8] = 0x80 | (bytes[8] & 0x3f);
    UserId::from_bytes(bytes)
}

fn user(address: &str) -> User {
    let now = Utc::now();
    User {
        id: new_id(),
        revision: 0,
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
    let mut tx = store.begin_write().unwrap();
    let now = Utc::now();
    for i in 1..=ACCOUNTS {
        let number = AccountNumber::new(i);
        tx.insert_account(&Account {
            number,
            name: Name::parse("Bench", Field::AccountName).unwrap(),
            created_at: now,
        })
        .unwrap();
        tx.insert_group(number, &GroupName::AccountAdministrators, now)
            .unwrap();
        let admin = user(&admin(i));
        tx.insert_user(&admin).unwrap();
        tx.add_member(GroupId::administrators(number), admin.id)
            .unwrap();
    }
    let sales = Name::parse("Sales", Field::GroupName).unwrap();
    tx.insert_group(ACCOUNT, &GroupName::Custom(sales), now)
        .unwrap();
    tx.commit().unwrap();
}

/// The id of the user with this address.
fn id_of(store: &SqliteStore, address: &str) -> UserId {
    store
        .begin_read()
        .unwrap()
        .user_id(&email(address))
        .unwrap()
        .unwrap()
}

/// `count` new users, created in one transaction (not measured).
fn new_users(store: &SqliteStore, count: u64) -> Vec<String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let first = NEXT.fetch_add(count, Ordering::SeqCst);
    let users: Vec<String> = (first..first + count)
        .map(|i| format!("member{i}@example.com"))
        .collect();
    let mut tx = store.begin_write().unwrap();
    for address in &users {
        tx.insert_user(&user(address)).unwrap();
    }
    tx.commit().unwrap();
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

const IS_ACTIVE_ADMIN: &str = "SELECT EXISTS (SELECT 1 FROM memberships m \
     JOIN users u ON u.id = m.user_id \
     WHERE m.account = ?1 AND m.number = 1 AND m.user_id = ?2 AND u.status = 'active')";
const USER_BRIEF: &str =
    "SELECT id, email, status, created_in, password_chosen_by FROM users WHERE id = ?1";
const USER_ID: &str = "SELECT id FROM users WHERE identity = ?1";
const IS_MEMBER: &str = "SELECT EXISTS (SELECT 1 FROM memberships \
     WHERE account = ?1 AND number = ?2 AND user_id = ?3)";
const GROUP_ROW: &str = "SELECT number, name, created_at, revision FROM account_groups \
     WHERE account = ?1 AND number = ?2";
const ADD_MEMBER: &str = "INSERT INTO memberships (account, number, user_id) VALUES (?1, ?2, ?3)";
const TOUCH_GROUP: &str =
    "UPDATE account_groups SET revision = revision + 1 WHERE account = ?1 AND number = ?2";
const APPEND_AUDIT: &str = "INSERT INTO audit (account, at, actor, action) VALUES (?1, ?2, ?3, ?4)";

/// Reads the user's brief row, every column, as the store does.
fn raw_user_brief(conn: &Connection, id: &[u8; 16]) -> bool {
    conn.prepare_cached(USER_BRIEF)
        .unwrap()
        .query_row([id], |row| {
            for i in 0..5 {
                black_box(row.get_ref(i)?);
            }
            Ok(())
        })
        .optional()
        .unwrap()
        .is_some()
}

fn raw_is_active_admin(conn: &Connection, account: AccountNumber, id: &[u8; 16]) -> bool {
    conn.prepare_cached(IS_ACTIVE_ADMIN)
        .unwrap()
        .query_row((account.get() as i64, id), |row| row.get(0))
        .unwrap()
}

fn raw_is_member(conn: &Connection, group: GroupId, id: &[u8; 16]) -> bool {
    conn.prepare_cached(IS_MEMBER)
        .unwrap()
        .query_row((group.account.get() as i64, group.number, id), |row| {
            row.get(0)
        })
        .unwrap()
}

/// The statements of `Directory::add_to_group`, issued directly.
fn raw_add_to_group(conn: &mut Connection, actor: UserId, group: GroupId, target: &str) {
    let actor = actor.to_bytes();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    assert!(raw_is_active_admin(&tx, group.account, &actor));
    assert!(raw_user_brief(&tx, &actor));
    let found = tx
        .prepare_cached(GROUP_ROW)
        .unwrap()
        .query_row((group.account.get() as i64, group.number), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })
        .optional()
        .unwrap();
    assert!(found.is_some());
    let id: [u8; 16] = tx
        .prepare_cached(USER_ID)
        .unwrap()
        .query_row([target], |row| row.get(0))
        .unwrap();
    assert!(raw_user_brief(&tx, &id));
    assert!(!raw_is_member(&tx, group, &id));
    let account = group.account.get() as i64;
    tx.prepare_cached(ADD_MEMBER)
        .unwrap()
        .execute((account, group.number, &id))
        .unwrap();
    tx.prepare_cached(TOUCH_GROUP)
        .unwrap()
        .execute((account, group.number))
        .unwrap();
    let target_id = UserId::from_bytes(id);
    let action = format!(
        r#"{{"action":"member_added","group":{{"account":{account},"number":{}}},"user":{{"id":"{target_id}","email":"{target}"}}}}"#,
        group.number
    );
    let actor_id = UserId::from_bytes(actor);
    tx.prepare_cached(APPEND_AUDIT)
        .unwrap()
        .execute((
            account,
            Utc::now().to_rfc3339(),
            format!(r#"{{"user":{{"id":"{actor_id}","email":"{}"}}}}"#, admin(1)),
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
    let actor_id = id_of(&store, &admin(1));
    let actor = Actor::User(actor_id);

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
                raw_add_to_group(&mut raw, actor_id, SALES, target);
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
    let who = id_of(&store, &admin(probe));
    let id = who.to_bytes();

    let mut group = c.benchmark_group("is_account_admin");
    group.bench_function("SqliteStore", |b| {
        b.iter(|| assert!(directory.is_account_admin(black_box(account), who).unwrap()))
    });
    group.bench_function("raw rusqlite", |b| {
        b.iter(|| assert!(raw_is_active_admin(&raw, black_box(account), &id)))
    });
    group.finish();
}

criterion_group!(benches, add_to_group, is_account_admin);
criterion_main!(benches);
