//! A page of an account's Users tab (issue 14), side by side in one run,
//! with 10,000 and 1,000,000 users in one account:
//!
//! - `Directory::users` on a `MemoryStore`, a page of 50 from the start and
//!   a page of 50 by email prefix (from the middle of the account), versus
//!   a range of 50 from a bare `BTreeMap` of email → row;
//! - with the `sqlite` feature, the same pages on a `SqliteStore`, versus
//!   the same SQL through bare rusqlite on the same file.
//!
//! A page must cost the same at 10,000 and at 1,000,000 users: it reads its
//! own rows from an index, never the account's every user.
//!
//! Run: `cargo bench --all-features --bench users_page`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cres_admin::store::{Store, Transaction};
use cres_admin::{
    Account, AccountNumber, Actor, ActorRecord, Credential, Directory, Email, Field, GroupName,
    MemoryStore, Name, PageSize, PasswordChosenBy, PasswordHash, Search, SignInState, User, UserId,
    UserQuery, UserStatus,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const ACCOUNT: AccountNumber = AccountNumber::new(1);
const SIZES: [u64; 2] = [10_000, 1_000_000];
const PAGE: u32 = 50;

fn address(i: u64) -> String {
    format!("user{i:07}@example.com")
}

fn name(text: &str) -> Name {
    Name::parse(text, Field::Name).expect("a valid name")
}

fn user(i: u64, at: DateTime<Utc>) -> User {
    let mut id = [0; 16];
    id[..8].copy_from_slice(&i.to_be_bytes());
    id[8..].copy_from_slice(&(!i).to_le_bytes());
    User {
        id: UserId::from_bytes(id),
        revision: 0,
        email: Email::parse(&address(i)).expect("a valid address"),
        first_name: name("Given"),
        last_name: name("Family"),
        status: UserStatus::Active,
        credential: Some(Credential {
            hash: PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
            temporary: false,
            set_at: at,
            chosen_by: PasswordChosenBy::Support,
        }),
        created_at: at,
        created_by: ActorRecord::Support,
        created_in: ACCOUNT,
        sign_in: SignInState::default(),
    }
}

/// The account with `users` users, in transactions of 50,000.
fn load<S: Store>(store: &S, users: u64) {
    let at = Utc::now();
    let mut tx = store.begin_write().expect("a transaction");
    tx.insert_account(&Account {
        number: ACCOUNT,
        name: name("Bench"),
        created_at: at,
    })
    .expect("the account");
    tx.insert_group(ACCOUNT, &GroupName::AccountAdministrators, at)
        .expect("its group");
    tx.commit().expect("committed");
    for start in (0..users).step_by(50_000) {
        let mut tx = store.begin_write().expect("a transaction");
        for i in start..(start + 50_000).min(users) {
            tx.insert_user(&user(i, at)).expect("a user");
        }
        tx.commit().expect("committed");
    }
}

/// The two pages every contender reads: the first, and the first of an
/// email prefix in the middle of the account.
fn queries(users: u64) -> [(&'static str, UserQuery); 2] {
    let size = PageSize::new(PAGE).expect("a page size");
    let middle = &address(users / 2)[..9];
    [
        ("first page", UserQuery::new().size(size)),
        (
            "prefix page",
            UserQuery::new()
                .size(size)
                .email(Search::parse(middle).expect("a search")),
        ),
    ]
}

fn memory(c: &mut Criterion) {
    let mut group = c.benchmark_group("users_page");
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(30);
    for users in SIZES {
        let store = MemoryStore::new();
        load(&store, users);
        let directory = Directory::new(store);
        let bare: BTreeMap<String, (String, String, UserStatus)> = (0..users)
            .map(|i| {
                (
                    address(i),
                    ("Given".to_owned(), "Family".to_owned(), UserStatus::Active),
                )
            })
            .collect();
        for (what, query) in queries(users) {
            let from = query
                .email
                .as_ref()
                .map_or_else(String::new, |s| s.as_str().to_owned());
            group.bench_function(
                BenchmarkId::new(format!("MemoryStore, {what}"), users),
                |b| {
                    b.iter(|| {
                        let page = directory
                            .users(&Actor::Support, ACCOUNT, black_box(&query))
                            .expect("a page");
                        assert_eq!(page.items.len(), PAGE as usize);
                        page
                    })
                },
            );
            group.bench_function(BenchmarkId::new(format!("BTreeMap, {what}"), users), |b| {
                b.iter(|| {
                    let page: Vec<(String, (String, String, UserStatus))> = bare
                        .range(black_box(from.clone())..)
                        .take(PAGE as usize + 1)
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    assert_eq!(page.len(), PAGE as usize + 1);
                    page
                })
            });
        }
    }
    group.finish();
}

/// The store's own query for a page of an account's users (in
/// `src/store/sqlite/queries.rs`), run bare: the same rows, the same index.
#[cfg(feature = "sqlite")]
const PAGE_SQL: &str = "SELECT u.id, u.email, u.first_name, u.last_name, u.status,
        u.password_temporary, u.locked_until, u.created_at, u.last_signed_in,
        EXISTS (SELECT 1 FROM memberships m
                WHERE m.account = a.account AND m.number = ?7 AND m.user_id = a.user_id)
    FROM account_users a JOIN users u ON u.id = a.user_id
    WHERE a.account = ?1 AND a.identity >= ?2 AND a.identity < ?3
      AND (a.identity > ?4 OR a.user_id > ?5)
    ORDER BY a.identity, a.user_id LIMIT ?6";

/// A row as bare rusqlite reads it: the columns as SQLite holds them.
#[cfg(feature = "sqlite")]
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

#[cfg(feature = "sqlite")]
fn sqlite(c: &mut Criterion) {
    use cres_admin::SqliteStore;
    use rusqlite::Connection;

    let mut group = c.benchmark_group("users_page_sqlite");
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(30);
    let folder = tempfile::tempdir().expect("a temporary folder");
    for users in SIZES {
        let path = folder.path().join(format!("users-{users}.db"));
        let store = SqliteStore::open(&path).expect("a store");
        load(&store, users);
        let directory = Directory::new(store);
        let raw = Connection::open(&path).expect("a raw connection");
        for (what, query) in queries(users) {
            let prefix = query
                .email
                .as_ref()
                .map_or_else(String::new, |s| s.as_str().to_owned());
            let mut high = prefix.clone().into_bytes();
            match high.last_mut() {
                Some(last) => *last += 1,
                None => high.push(0x7f),
            }
            let high = String::from_utf8(high).expect("ASCII");
            group.bench_function(
                BenchmarkId::new(format!("SqliteStore, {what}"), users),
                |b| {
                    b.iter(|| {
                        let page = directory
                            .users(&Actor::Support, ACCOUNT, black_box(&query))
                            .expect("a page");
                        assert_eq!(page.items.len(), PAGE as usize);
                        page
                    })
                },
            );
            group.bench_function(
                BenchmarkId::new(format!("raw rusqlite, {what}"), users),
                |b| {
                    b.iter(|| {
                        let mut statement = raw.prepare_cached(PAGE_SQL).expect("a statement");
                        let rows: Vec<BareRow> = statement
                            .query_map(
                                (
                                    ACCOUNT.get() as i64,
                                    &prefix,
                                    &high,
                                    "",
                                    &[][..] as &[u8],
                                    i64::from(PAGE) + 1,
                                    1,
                                ),
                                |row| {
                                    Ok((
                                        row.get(0)?,
                                        row.get(1)?,
                                        row.get(2)?,
                                        row.get(3)?,
                                        row.get(4)?,
                                        row.get(5)?,
                                        row.get(6)?,
                                        row.get(7)?,
                                        row.get(8)?,
                                        row.get(9)?,
                                    ))
                                },
                            )
                            .expect("rows")
                            .collect::<Result<_, _>>()
                            .expect("rows read");
                        assert_eq!(rows.len(), PAGE as usize + 1);
                        rows
                    })
                },
            );
        }
    }
    group.finish();
}

#[cfg(feature = "sqlite")]
criterion_group!(benches, memory, sqlite);
#[cfg(not(feature = "sqlite"))]
criterion_group!(benches, memory);
criterion_main!(benches);
