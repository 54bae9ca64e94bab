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
