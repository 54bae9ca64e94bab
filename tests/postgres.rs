//! `PostgresStore` on a real server (feature `postgres`): the conformance
//! suite, migrations under an advisory lock, foreign and newer schemas
//! left untouched, TLS.
//!
//! Every test here needs a server, named by `CRES_POSTGRES_URL`, and is
//! `#[ignore]`d so that a run without one reports them as ignored rather
//! than passing them. Run them against a throwaway server with
//!
//! ```sh
//! scripts/with-postgres --tls cargo test --features postgres --test postgres -- --include-ignored
//! ```
//!
//! Each test works in schemas of its own, dropped when it ends.
#![cfg(feature = "postgres")]

mod common;

use std::sync::{Arc, Barrier};

use common::postgres::{client, config, drop_schema, fresh_schema, url};

use cres_admin::store::Store;
use cres_admin::testing::conformance::{Cleanup, Guarded};
use cres_admin::{AccountNumber, Actor, Directory, OpenError, PostgresConfig, PostgresStore};

/// A store in a fresh schema, dropped with the store.
fn fresh() -> Guarded<PostgresStore, Cleanup<impl FnOnce() + Send + Sync>> {
    let schema = fresh_schema();
    let store = PostgresStore::open(&config(&schema)).expect("a fresh PostgreSQL store");
    Guarded::on_drop(store, move || drop_schema(&schema))
}

mod conformance {
    cres_admin::conformance_tests!(super::fresh, #[ignore = "needs CRES_POSTGRES_URL"]);
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn four_instances_starting_at_once_migrate_exactly_once() {
    let schema = fresh_schema();
    let barrier = Arc::new(Barrier::new(4));
    let opened: Vec<_> = (0..4)
        .map(|_| {
            let (barrier, config) = (barrier.clone(), config(&schema));
            std::thread::spawn(move || {
                barrier.wait();
                PostgresStore::open(&config).map(drop)
            })
        })
        .collect();
    for handle in opened {
        handle
            .join()
            .expect("no panic")
            .expect("every instance opens");
    }
    let rows = client()
        .query(
            &format!("SELECT version FROM {schema}.cres_migrations ORDER BY version"),
            &[],
        )
        .expect("the migrations table");
    let versions: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    let expected: Vec<i32> = (1..=PostgresStore::SCHEMA_VERSION as i32).collect();
    assert_eq!(versions, expected, "each migration recorded once");
    drop_schema(&schema);
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn a_newer_schema_is_refused_untouched() {
    let schema = fresh_schema();
    PostgresStore::open(&config(&schema)).expect("a fresh store");
    let mut client = client();
    client
        .batch_execute(&format!(
            "INSERT INTO {schema}.cres_migrations (version, checksum) VALUES (99, 'future')"
        ))
        .expect("a newer version recorded");
    match PostgresStore::open(&config(&schema)) {
        Err(OpenError::NewerSchema { found, supported }) => {
            assert_eq!((found, supported), (99, PostgresStore::SCHEMA_VERSION));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let count: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM {schema}.cres_migrations"),
            &[],
        )
        .expect("still there")
        .get(0);
    assert_eq!(count, i64::from(PostgresStore::SCHEMA_VERSION) + 1);
    drop_schema(&schema);
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn a_foreign_or_altered_schema_is_refused_untouched() {
    let mut client = client();
    // Someone else's tables.
    let foreign = fresh_schema();
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {foreign}; CREATE TABLE {foreign}.orders (id INT PRIMARY KEY)"
        ))
        .expect("a foreign schema");
    assert!(matches!(
        PostgresStore::open(&config(&foreign)),
        Err(OpenError::NotADatabase)
    ));
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1",
            &[&foreign],
        )
        .expect("a count")
        .get(0);
    assert_eq!(tables, 1, "nothing was created beside the foreign table");
    drop_schema(&foreign);
    // Ours, but with a migration this crate did not ship.
    let altered = fresh_schema();
    PostgresStore::open(&config(&altered)).expect("a fresh store");
    client
        .batch_execute(&format!(
            "UPDATE {altered}.cres_migrations SET checksum = 'edited' WHERE version = 1"
        ))
        .expect("a checksum altered");
    assert!(matches!(
        PostgresStore::open(&config(&altered)),
        Err(OpenError::NotADatabase)
    ));
    drop_schema(&altered);
    // An empty schema of that name is fine: the store moves in.
    let empty = fresh_schema();
    client
        .batch_execute(&format!("CREATE SCHEMA {empty}"))
        .expect("an empty schema");
    PostgresStore::open(&config(&empty)).expect("an empty schema is taken");
    drop_schema(&empty);
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn the_store_keeps_what_it_was_given_across_reopening() {
    let schema = fresh_schema();
    {
        let directory = Directory::new(PostgresStore::open(&config(&schema)).expect("a store"));
        directory
            .create_account(&Actor::Support, AccountNumber::new(12345), "Acme")
            .expect("an account");
    }
    let directory = Directory::new(PostgresStore::open(&config(&schema)).expect("reopened"));
    let groups = directory
        .groups(&Actor::Support, AccountNumber::new(12345))
        .expect("its groups");
    assert_eq!(groups.len(), 1, "the built-in group is still there");
    drop(directory);
    drop_schema(&schema);
}

/// A schema of version 1 (before provisioning) with data in it is
/// migrated to today's: what it held reads back, and the new tables work.
#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn a_version_1_schema_is_migrated_keeping_its_data() {
    use cres_admin::store::{Reader, Transaction};
    use cres_admin::testing::fixtures;

    let schema = fresh_schema();
    let ann = fixtures::user("ann@example.com");
    {
        let store = PostgresStore::open(&config(&schema)).expect("a store");
        let mut tx = store.begin_write().expect("a transaction");
        tx.insert_account(&fixtures::account(1))
            .expect("an account");
        tx.insert_user(&ann).expect("a user");
        tx.commit().expect("the commit");
    }
    // Back to version 1: what migration 2 made, undone.
    client()
        .batch_execute(&format!(
            "DROP TABLE {schema}.external_identities, {schema}.provisioning_credentials,
                        {schema}.group_external_ids;
             DELETE FROM {schema}.cres_migrations WHERE version >= 2"
        ))
        .expect("a version 1 schema");
    let store = PostgresStore::open(&config(&schema)).expect("migrated");
    let identity = fixtures::external_identity(1, ann.id, "Ann", Some("ext-ann"));
    let mut tx = store.begin_write().expect("a transaction");
    tx.put_external_identity(&identity).expect("the new table");
    tx.commit().expect("the commit");
    let read = store.begin_read().expect("a snapshot");
    assert_eq!(read.user(ann.id).expect("a read"), Some(ann.clone()));
    assert_eq!(
        read.user_by_user_name(AccountNumber::new(1), "ann")
            .expect("a read"),
        Some(ann.id)
    );
    drop(read);
    drop(store);
    drop_schema(&schema);
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn a_bad_schema_name_or_sslmode_is_refused_before_connecting() {
    assert!(matches!(
        PostgresStore::open(&config("Robert'); DROP TABLE users;--")),
        Err(OpenError::CannotOpen(_))
    ));
    let refused = PostgresConfig::from_url("postgresql://nobody@127.0.0.1/x?sslmode=verify-ca");
    assert!(matches!(refused, Err(OpenError::CannotOpen(_))));
    // The password never shows in the config's Debug form.
    let secret = PostgresConfig::from_url("postgresql://u:hunter2@127.0.0.1/x").expect("a URL");
    assert!(!format!("{secret:?}").contains("hunter2"));
}

/// The CA of the throwaway server started with `--tls`.
fn ca() -> std::path::PathBuf {
    std::env::var_os("CRES_POSTGRES_CA")
        .map(Into::into)
        .expect("CRES_POSTGRES_CA: run through scripts/with-postgres --tls")
}

#[test]
#[ignore = "needs CRES_POSTGRES_URL from scripts/with-postgres --tls"]
fn tls_verify_full_and_require_connect_and_plain_tcp_is_refused() {
    let schema = fresh_schema();
    let ca = ca();
    let base = url();
    let with = |mode: &str| format!("{base}?sslmode={mode}&sslrootcert={}", ca.display());
    for url in [
        with("verify-full"),
        with("require"),
        format!("{base}?sslmode=require"),
    ] {
        let config = PostgresConfig::from_url(&url)
            .expect("a URL")
            .schema(&schema);
        let store = PostgresStore::open(&config).expect("a TLS connection");
        store.begin_read().expect("a read over TLS");
    }
    // The server rejects connections without TLS.
    let plain = PostgresConfig::from_url(&format!("{base}?sslmode=disable"))
        .expect("a URL")
        .schema(&schema);
    assert!(matches!(
        PostgresStore::open(&plain),
        Err(OpenError::CannotOpen(_))
    ));
    // A certificate from another authority is refused by verify-full.
    let stranger = PostgresConfig::from_url(&format!("{base}?sslmode=verify-full"))
        .expect("a URL")
        .schema(&schema);
    assert!(matches!(
        PostgresStore::open(&stranger),
        Err(OpenError::CannotOpen(_))
    ));
    drop_schema(&schema);
}

// ---------------------------------------------------------------------------
/// The reads and writes of an *Add to Group* in a serializable
/// transaction lock index pages and rows, never a whole table. PostgreSQL
/// tracks what a serializable transaction read per row, per index page, or
/// per table when it read the table whole; a table read whole conflicts
/// with every write to it. On tables this small the planner read them
/// whole, so writes to different accounts failed each other, and under
/// load ran out of retries. Checked in `pg_locks` while two such
/// transactions, on two accounts, are open at once; then both commit or
/// lose a race on a shared index page (ids are random), never more.
#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn writes_lock_pages_and_rows_never_whole_tables() {
    use common::{ACCOUNT, OTHER_ACCOUNT, bootstrap, form, id, other_account_administered_by_olga};
    use cres_admin::store::{Reader, StoreError, Transaction};
    use cres_admin::{Email, GroupId};

    const ADMINISTRATORS: usize = 100;
    let schema = fresh_schema();
    let store = PostgresStore::open(&config(&schema)).expect("a fresh PostgreSQL store");
    let store = Guarded::on_drop(store, {
        let schema = schema.clone();
        move || drop_schema(&schema)
    });
    let dir = cres_admin::testing::fixtures::directory(&store);
    bootstrap(&dir);
    other_account_administered_by_olga(&dir);
    let admins = [ACCOUNT, OTHER_ACCOUNT].map(GroupId::administrators);
    for (group, prefix) in admins.iter().zip(["a", "o"]) {
        for i in 0..ADMINISTRATORS {
            let email = format!("{prefix}{i}@example.com");
            dir.add_user(&Actor::Support, group.account, &form(&email))
                .expect("a user");
            dir.add_to_group(&Actor::Support, *group, &email)
                .expect("an administrator");
        }
    }
    for (account, email) in [
        (ACCOUNT, "bob@example.com"),
        (OTHER_ACCOUNT, "oscar@example.com"),
    ] {
        dir.add_user(&Actor::Support, account, &form(email))
            .expect("a user");
    }
    let mut inspector = client();
    inspector
        .batch_execute(&format!("ANALYZE {schema}.memberships, {schema}.users"))
        .expect("statistics");
    let alice = id(&dir, "alice@example.com").expect("alice");
    let olga = id(&dir, "olga@example.com").expect("olga");
    let mut one = store.begin_write().expect("a transaction");
    let mut two = store.begin_write().expect("a second one");
    // What an Add to Group reads, then writes: the actor, the target, the
    // membership.
    assert!(one.is_active_admin(ACCOUNT, alice).expect("read"));
    assert!(two.is_active_admin(OTHER_ACCOUNT, olga).expect("read"));
    let address = |text| Email::parse(text).expect("an address");
    let bob = one.user_id(&address("bob@example.com")).expect("read");
    let oscar = two.user_id(&address("oscar@example.com")).expect("read");
    let (bob, oscar) = (bob.expect("bob"), oscar.expect("oscar"));
    assert!(!one.is_member(admins[0], bob).expect("read"));
    assert!(!two.is_member(admins[1], oscar).expect("read"));
    one.add_member(admins[0], bob).expect("bob added");
    two.add_member(admins[1], oscar).expect("oscar added");
    assert_no_table_read_whole(&mut inspector, &schema);
    let first = one.commit();
    let second = two.commit();
    assert!(first.is_ok(), "{first:?}");
    assert!(
        matches!(second, Ok(()) | Err(StoreError::Contention(_))),
        "{second:?}"
    );
}

/// Asserts that the open serializable transactions in `schema` hold
/// predicate locks, and none on a whole table (only pages and rows).
fn assert_no_table_read_whole(inspector: &mut postgres::Client, schema: &str) {
    let locks: Vec<(String, String)> = inspector
        .query(
            "SELECT c.relname::text, l.locktype FROM pg_locks l
             JOIN pg_class c ON c.oid = l.relation
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE l.mode = 'SIReadLock' AND n.nspname = $1",
            &[&schema],
        )
        .expect("the locks")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert!(!locks.is_empty(), "serializable reads take predicate locks");
    let whole: Vec<&String> = locks
        .iter()
        .filter(|(_, kind)| kind == "relation")
        .map(|(table, _)| table)
        .collect();
    assert!(whole.is_empty(), "tables read whole: {whole:?}");
}

/// What a SCIM client's write reads and writes (the token, the names of
/// the account's users, the user's identity, then a new identity and a
/// new token) locks index pages and rows, never a whole table: two such
/// transactions on two accounts, open at once.
#[test]
#[ignore = "needs CRES_POSTGRES_URL"]
fn provisioning_locks_pages_and_rows_never_whole_tables() {
    use cres_admin::store::{Reader, StoreError, Transaction};
    use cres_admin::testing::fixtures;
    use cres_admin::{ExternalId, user_name_key};

    let schema = fresh_schema();
    let store = PostgresStore::open(&config(&schema)).expect("a fresh PostgreSQL store");
    let store = Guarded::on_drop(store, {
        let schema = schema.clone();
        move || drop_schema(&schema)
    });
    let accounts = [1_u64, 2];
    {
        let mut tx = store.begin_write().expect("a transaction");
        for account in accounts {
            tx.insert_account(&fixtures::account(account))
                .expect("an account");
            tx.insert_provisioning_credential(&fixtures::provisioning_credential(
                account,
                &format!("token-{account}"),
                fixtures::at(1),
            ))
            .expect("a token");
            for i in 0..50 {
                let user = fixtures::user(&format!("u{i}.{account}@example.com"));
                tx.insert_user(&user).expect("a user");
                tx.put_external_identity(&fixtures::external_identity(
                    account,
                    user.id,
                    &format!("User{i}"),
                    Some(&format!("ext-{i}")),
                ))
                .expect("an identity");
            }
        }
        tx.commit().expect("the commit");
    }
    let newcomers = accounts.map(|account| {
        let user = fixtures::user(&format!("new.{account}@example.com"));
        let mut tx = store.begin_write().expect("a transaction");
        tx.insert_user(&user).expect("a user");
        tx.commit().expect("the commit");
        user
    });
    let mut inspector = client();
    inspector
        .batch_execute(&format!(
            "ANALYZE {schema}.external_identities, {schema}.provisioning_credentials"
        ))
        .expect("statistics");
    let mut transactions: Vec<_> = accounts
        .iter()
        .zip(&newcomers)
        .map(|(&account, newcomer)| {
            let number = AccountNumber::new(account);
            let mut tx = store.begin_write().expect("a transaction");
            let token = tx
                .provisioning_credential(&format!("token-{account}"))
                .expect("read");
            assert_eq!(token.map(|t| t.account), Some(number));
            assert_eq!(tx.provisioning_credentials(number).expect("read").len(), 1);
            assert_eq!(
                tx.user_by_user_name(number, &user_name_key("NEWCOMER"))
                    .expect("read"),
                None
            );
            assert_eq!(
                tx.user_by_external_id(number, &ExternalId::from_stored("ext-new"))
                    .expect("read"),
                None
            );
            assert_eq!(
                tx.external_identity(number, newcomer.id).expect("read"),
                None
            );
            tx.put_external_identity(&fixtures::external_identity(
                account,
                newcomer.id,
                "Newcomer",
                Some("ext-new"),
            ))
            .expect("an identity");
            tx.insert_provisioning_credential(&fixtures::provisioning_credential(
                account,
                &format!("second-{account}"),
                fixtures::at(2),
            ))
            .expect("a token");
            tx
        })
        .collect();
    assert_no_table_read_whole(&mut inspector, &schema);
    let second = transactions.pop().expect("two").commit();
    let first = transactions.pop().expect("two").commit();
    assert!(second.is_ok(), "{second:?}");
    assert!(
        matches!(first, Ok(()) | Err(StoreError::Contention(_))),
        "{first:?}"
    );
}

// Faults: lost connections, a statement timeout, serialization failures
// ---------------------------------------------------------------------------

mod faults {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::common::postgres::{client, drop_schema, fresh_schema, url};
    use super::common::{ACCOUNT, ADMINS, bootstrap, form, state, user};
    use cres_admin::store::{Store, StoreError, Transaction};
    use cres_admin::testing::fixtures::directory;
    use cres_admin::{Actor, Directory, Error, Password, PostgresConfig, PostgresStore};

    /// A store whose connections carry `name` as their application name,
    /// so that a test can find and terminate them.
    fn named(schema: &str, name: &str) -> PostgresStore {
        let url = url();
        let separator = if url.contains('?') { '&' } else { '?' };
        let config = PostgresConfig::from_url(&format!("{url}{separator}application_name={name}"))
            .expect("a URL")
            .schema(schema)
            .pool_size(2);
        PostgresStore::open(&config).expect("a store")
    }

    /// Terminates every backend of the connections named `name`, and waits
    /// until they are gone.
    fn terminate(name: &str) -> i64 {
        client()
            .query_one(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))
                 FROM pg_stat_activity
                 WHERE application_name = $1 AND pid <> pg_backend_pid()",
                &[&name],
            )
            .expect("backends terminated")
            .get(0)
    }

    /// A PostgreSQL store whose `n`-th write (or commit) from the arming on
    /// is preceded by terminating its own connections: the write then runs
    /// on a connection the server has closed.
    struct Terminating {
        inner: PostgresStore,
        name: String,
        countdown: AtomicUsize,
        terminated: AtomicUsize,
    }

    impl Terminating {
        fn arm(&self, n: usize) {
            self.countdown.store(n, Ordering::SeqCst);
        }

        fn before_write(&self) {
            let previous = self
                .countdown
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n != 0).then(|| n - 1)
                });
            if previous == Ok(1) {
                assert!(terminate(&self.name) >= 1, "the store's connection ended");
                self.terminated.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    impl Store for Terminating {
        type Read<'s> = cres_admin::store::PostgresRead;
        type Write<'s> = TerminatingWrite<'s>;

        fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
            self.inner.begin_read()
        }

        fn begin_write(&self) -> Result<Self::Write<'_>, StoreError> {
            Ok(TerminatingWrite {
                inner: self.inner.begin_write()?,
                store: self,
            })
        }
    }

    struct TerminatingWrite<'s> {
        inner: cres_admin::store::PostgresWrite,
        store: &'s Terminating,
    }

    impl TerminatingWrite<'_> {
        fn write<T>(
            &mut self,
            call: impl FnOnce(&mut cres_admin::store::PostgresWrite) -> Result<T, StoreError>,
        ) -> Result<T, StoreError> {
            self.store.before_write();
            call(&mut self.inner)
        }

        /// The commit is a position too: the connection lost just before it.
        fn finish(self) -> Result<(), StoreError> {
            self.store.before_write();
            self.inner.commit()
        }
    }

    cres_admin::forward_reader!(['s] TerminatingWrite<'s>, self => self.inner);
    cres_admin::forward_writes!(['s] TerminatingWrite<'s>, self, via: write, commit: finish);

    /// An operation run again and again until no write of it is interrupted.
    type Operation<'a> = dyn Fn(&Directory<&Terminating>) -> Result<(), Error> + 'a;

    const EMAILS: [&str; 5] = [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "dave@example.com",
        "erin@example.com",
    ];

    /// Runs `op` with a lost connection before each of its writes and its
    /// commit in turn:
    /// each time it fails with `Unavailable` and changes nothing, and the
    /// next operation finds a working connection. Returns how many writes
    /// were interrupted before `op` ran through.
    fn interrupt_every_write(
        store: &Terminating,
        dir: &Directory<&Terminating>,
        what: &str,
        op: impl Fn(&Directory<&Terminating>) -> Result<(), Error>,
    ) -> usize {
        for n in 1.. {
            let before = state(dir, &[ACCOUNT], &EMAILS);
            store.arm(n);
            let result = op(dir);
            store.arm(0);
            let interrupted = store.terminated.swap(0, Ordering::SeqCst) > 0;
            if !interrupted {
                result.unwrap_or_else(|e| panic!("{what} after {n} writes: {e:?}"));
                return n - 1;
            }
            match result {
                Err(Error::Store(StoreError::Unavailable(_))) => {}
                other => panic!("{what}, connection lost before write {n}: {other:?}"),
            }
            assert_eq!(
                state(dir, &[ACCOUNT], &EMAILS),
                before,
                "{what}: a connection lost before write {n} left a partial write"
            );
        }
        unreachable!("the loop returns")
    }

    #[test]
    #[ignore = "needs CRES_POSTGRES_URL"]
    fn a_connection_lost_before_any_write_leaves_nothing_partial() {
        let schema = fresh_schema();
        let name = format!("cres_fault_{schema}");
        let store = Terminating {
            inner: named(&schema, &name),
            name,
            countdown: AtomicUsize::new(0),
            terminated: AtomicUsize::new(0),
        };
        let dir = directory(&store);
        let mut faults = 0;
        let support = Actor::Support;
        faults += interrupt_every_write(&store, &dir, "create_account", |d| {
            d.create_account(&support, ACCOUNT, "Example Corp")
                .map(drop)
        });
        faults += interrupt_every_write(&store, &dir, "add_user by Support", |d| {
            d.add_user(&support, ACCOUNT, &form("alice@example.com"))
                .map(drop)
        });
        faults += interrupt_every_write(&store, &dir, "add_to_group by Support", |d| {
            d.add_to_group(&support, ADMINS, "alice@example.com")
                .map(drop)
        });
        let alice = user(&dir, "alice@example.com");
        let steps: Vec<(&str, Box<Operation<'_>>)> = vec![
            (
                "add_user",
                Box::new(|d| {
                    d.add_user(&alice, ACCOUNT, &form("bob@example.com"))
                        .map(drop)
                }),
            ),
            (
                "create_group",
                Box::new(|d| d.create_group(&alice, ACCOUNT, "Sales").map(drop)),
            ),
            (
                "add_to_group",
                Box::new(|d| d.add_to_group(&alice, ADMINS, "bob@example.com").map(drop)),
            ),
            (
                "rename_user",
                Box::new(|d| {
                    d.rename_user(&alice, "bob@example.com", "Robert", "B")
                        .map(drop)
                }),
            ),
            (
                "change_email",
                Box::new(|d| {
                    d.change_email(&alice, "bob@example.com", "carol@example.com")
                        .map(drop)
                }),
            ),
            (
                "send_secure_message",
                Box::new(|d| {
                    d.send_secure_message(&alice, ACCOUNT, "dave@example.com")
                        .map(drop)
                }),
            ),
            (
                "reset_password",
                Box::new(|d| {
                    let password = Password::new("Temp-Pass-2031");
                    d.reset_password(&support, "carol@example.com", &password, &password)
                        .map(drop)
                }),
            ),
            (
                "disable_user",
                Box::new(|d| d.disable_user(&alice, "carol@example.com").map(drop)),
            ),
            (
                "remove_from_group",
                Box::new(|d| {
                    d.remove_from_group(&alice, ADMINS, "carol@example.com")
                        .map(drop)
                }),
            ),
            (
                "delete_user",
                Box::new(|d| d.delete_user(&alice, "carol@example.com").map(drop)),
            ),
        ];
        for (what, op) in &steps {
            let interrupted = interrupt_every_write(&store, &dir, what, op);
            assert!(interrupted >= 1, "{what} writes at least once");
            faults += interrupted;
        }
        println!(
            "a connection lost before each write: {faults} faults over {} operations",
            steps.len() + 3
        );
        drop(dir);
        drop(store);
        drop_schema(&schema);
    }

    #[test]
    #[ignore = "needs CRES_POSTGRES_URL"]
    fn a_statement_past_the_timeout_fails_and_changes_nothing() {
        let schema = fresh_schema();
        let config = super::common::postgres::config(&schema)
            .statement_timeout(Some(Duration::from_millis(300)));
        let dir = directory(PostgresStore::open(&config).expect("a store"));
        bootstrap(&dir);
        let alice = user(&dir, "alice@example.com");
        // Another session holds the account's row: appending to its trail waits.
        let mut holder = client();
        let mut blocking = holder.transaction().expect("a transaction");
        blocking
            .execute(
                &format!("SELECT 1 FROM {schema}.accounts WHERE number = $1 FOR UPDATE"),
                &[&(ACCOUNT.get() as i64)],
            )
            .expect("the row held");
        let before = state(&dir, &[ACCOUNT], &EMAILS);
        let started = std::time::Instant::now();
        let result = dir.add_user(&alice, ACCOUNT, &form("bob@example.com"));
        assert!(
            matches!(result, Err(Error::Store(StoreError::Unavailable(_)))),
            "{result:?}"
        );
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(state(&dir, &[ACCOUNT], &EMAILS), before);
        blocking.commit().expect("released");
        dir.add_user(&alice, ACCOUNT, &form("bob@example.com"))
            .expect("the same operation, once the row is free");
        drop(dir);
        drop_schema(&schema);
    }

    /// Counts the contention (serialization failures, deadlocks) each write
    /// and commit of the wrapped store reports.
    struct Counting {
        inner: PostgresStore,
        contention: Arc<AtomicUsize>,
    }

    impl Store for Counting {
        type Read<'s> = cres_admin::store::PostgresRead;
        type Write<'s> = CountingWrite;

        fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
            self.inner.begin_read()
        }

        fn begin_write(&self) -> Result<CountingWrite, StoreError> {
            Ok(CountingWrite {
                inner: self.inner.begin_write()?,
                contention: self.contention.clone(),
            })
        }
    }

    struct CountingWrite {
        inner: cres_admin::store::PostgresWrite,
        contention: Arc<AtomicUsize>,
    }

    impl CountingWrite {
        fn counted<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
            if matches!(result, Err(StoreError::Contention(_))) {
                self.contention.fetch_add(1, Ordering::SeqCst);
            }
            result
        }

        fn write<T>(
            &mut self,
            call: impl FnOnce(&mut cres_admin::store::PostgresWrite) -> Result<T, StoreError>,
        ) -> Result<T, StoreError> {
            let result = call(&mut self.inner);
            self.counted(result)
        }

        fn finish(self) -> Result<(), StoreError> {
            let contention = self.contention.clone();
            let result = self.inner.commit();
            if matches!(result, Err(StoreError::Contention(_))) {
                contention.fetch_add(1, Ordering::SeqCst);
            }
            result
        }
    }

    cres_admin::forward_reader!([] CountingWrite, self => self.inner);
    cres_admin::forward_writes!([] CountingWrite, self, via: write, commit: finish);

    #[test]
    #[ignore = "needs CRES_POSTGRES_URL"]
    fn serialization_failures_are_retried_and_counted() {
        let schema = fresh_schema();
        let contention = Arc::new(AtomicUsize::new(0));
        let store = Counting {
            inner: PostgresStore::open(&super::common::postgres::config(&schema)).expect("a store"),
            contention: contention.clone(),
        };
        let dir = directory(store);
        bootstrap(&dir);
        let alice = user(&dir, "alice@example.com");
        dir.add_user(&alice, ACCOUNT, &form("bob@example.com"))
            .expect("bob");
        const ROUNDS: usize = 40;
        std::thread::scope(|scope| {
            let renames = scope.spawn(|| {
                for round in 0..ROUNDS {
                    let last = format!("Builder{round}");
                    dir.rename_user(&alice, "bob@example.com", "Bob", &last)
                        .expect("a rename, retried as needed");
                }
            });
            let toggles = scope.spawn(|| {
                for _ in 0..ROUNDS / 2 {
                    dir.disable_user(&alice, "bob@example.com")
                        .expect("disabled");
                    dir.enable_user(&alice, "bob@example.com").expect("enabled");
                }
            });
            renames.join().expect("no panic");
            toggles.join().expect("no panic");
        });
        let seen = contention.load(Ordering::SeqCst);
        println!(
            "{} conflicting operations: {seen} serialization failures retried",
            2 * ROUNDS
        );
        assert!(seen > 0, "two sessions changing one user conflict");
        let trail = dir
            .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
            .expect("the trail");
        assert!(
            trail.windows(2).all(|w| w[0].sequence > w[1].sequence),
            "the trail's sequence numbers follow the commits"
        );
        drop(dir);
        drop_schema(&schema);
    }
}
