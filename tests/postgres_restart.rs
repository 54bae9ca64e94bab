//! `PostgresStore` while its server stops and starts again (feature
//! `postgres`): operations fail with `Unavailable` meanwhile, then succeed
//! on new connections, and no acknowledged write is lost.
//!
//! A test binary of its own: it stops the server that the other
//! PostgreSQL tests share, and test binaries run one after another. It
//! needs `scripts/with-postgres`, which starts the server and says how to
//! stop and start it (`CRES_POSTGRES_SERVER`):
//!
//! ```sh
//! scripts/with-postgres cargo test --features postgres --test postgres_restart -- --include-ignored
//! ```
#![cfg(feature = "postgres")]

mod common;

use std::time::Duration;

use common::postgres::{config, drop_schema, fresh_schema};
use common::{ACCOUNT, bootstrap, form, user};
use cres_admin::store::StoreError;
use cres_admin::testing::fixtures::directory;
use cres_admin::{Actor, Error, PostgresStore};

#[test]
#[ignore = "needs CRES_POSTGRES_SERVER from scripts/with-postgres"]
fn a_server_restart_fails_operations_meanwhile_and_loses_nothing_acknowledged() {
    let server = std::env::var("CRES_POSTGRES_SERVER")
        .expect("CRES_POSTGRES_SERVER: run through scripts/with-postgres");
    let control = |what: &str| {
        let status = std::process::Command::new(&server)
            .arg(what)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("the server script runs");
        assert!(status.success(), "server {what}");
    };
    let schema = fresh_schema();
    let config = config(&schema).connect_timeout(Duration::from_secs(2));
    let dir = directory(PostgresStore::open(&config).expect("a store"));
    bootstrap(&dir);
    let alice = user(&dir, "alice@example.com");
    let Actor::User(alice_id) = alice else {
        unreachable!("alice is a user")
    };
    let before: Vec<String> = (0..5).map(|i| format!("before{i}@example.com")).collect();
    for address in &before {
        dir.add_user(&alice, ACCOUNT, &form(address))
            .expect("acknowledged");
    }
    control("stop");
    let during = dir.add_user(&alice, ACCOUNT, &form("during@example.com"));
    assert!(
        matches!(during, Err(Error::Store(StoreError::Unavailable(_)))),
        "{during:?}"
    );
    let asked = dir.is_account_admin(ACCOUNT, alice_id);
    assert!(
        matches!(asked, Err(Error::Store(StoreError::Unavailable(_)))),
        "{asked:?}"
    );
    control("start");
    dir.add_user(&alice, ACCOUNT, &form("after@example.com"))
        .expect("the server is back: the pool makes new connections");
    assert!(dir.is_account_admin(ACCOUNT, alice_id).expect("a read"));
    let reader = dir.read_store().expect("a read");
    for address in before
        .iter()
        .map(String::as_str)
        .chain(["after@example.com"])
    {
        let email = cres_admin::Email::parse(address).expect("an address");
        assert!(
            cres_admin::store::Reader::user_id(&reader, &email)
                .expect("a read")
                .is_some(),
            "{address} was acknowledged and must be there"
        );
    }
    let email = cres_admin::Email::parse("during@example.com").expect("an address");
    assert!(
        cres_admin::store::Reader::user_id(&reader, &email)
            .expect("a read")
            .is_none(),
        "the refused write is not there"
    );
    drop(reader);
    drop(dir);
    drop_schema(&schema);
}
