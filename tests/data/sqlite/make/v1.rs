//! Writes tests/data/sqlite/v1.db with cres-admin at 6d6b66e (schema version 1).
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use cres_admin::{
    AccountNumber, Actor, Directory, Email, FixedClock, GroupId, Name, NewUser, Password,
    PasswordHashing, SqliteStore, StoreExt, User, UserStatus, Field,
};

fn form(username: &str, first: &str, last: &str, password: &str, temporary: bool) -> NewUser {
    NewUser {
        username: username.to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        password: Password::new(password),
        confirm_password: Password::new(password),
        enforce_password_expiration: temporary,
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("the file to write");
    let start: DateTime<Utc> = "2026-11-21T09:00:00Z".parse().unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let minute = || clock.advance(TimeDelta::seconds(60));
    {
        let store = SqliteStore::open(&path).unwrap();
        let dir = Directory::new(store)
            .with_clock(clock.clone())
            .with_password_hashing(PasswordHashing::insecure_fast());
        let support = Actor::Support;
        let acme = AccountNumber::new(12345);
        let globex = AccountNumber::new(67890);
        dir.create_account(&support, acme, "Acme").unwrap();
        dir.create_account(&support, globex, "Globex").unwrap();
        minute();
        dir.add_user(&support, acme, &form("Alice@Example.com", "Alice", "Liddell", "Copper-Lantern-71", false)).unwrap();
        dir.add_to_group(&support, GroupId::administrators(acme), "alice@example.com").unwrap();
        let alice = Actor::User(Email::parse("alice@example.com").unwrap());
        minute();
        dir.add_user(&alice, acme, &form("bob@example.com", "Bob", "Builder", "Welcome-Harbor-42", true)).unwrap();
        let sales = dir.create_group(&alice, acme, "Sales").unwrap().group.id;
        dir.add_to_group(&alice, sales, "bob@example.com").unwrap();
        dir.rename_group(&alice, sales, "Sales EMEA").unwrap();
        // Accepted then; today it reads like the built-in group in German.
        dir.create_group(&alice, acme, "Kontoadministratoren").unwrap();
        let temp = dir.create_group(&alice, acme, "Temp").unwrap().group.id;
        dir.delete_group(&alice, temp).unwrap();
        minute();
        // A last name that is only a Hangul filler: accepted then, refused today.
        dir.add_user(&support, globex, &form("Carol@Example.org", "Carol", "\u{3164}", "Silver-Meadow-58", false)).unwrap();
        dir.add_to_group(&support, GroupId::administrators(globex), "carol@example.org").unwrap();
        // Version 1 had users pending registration, written by the store alone.
        let carol = Email::parse("Carol@Example.org").unwrap();
        let dave = User {
            email: Email::parse("dave@example.net").unwrap(),
            first_name: Name::parse("Dave", Field::FirstName).unwrap(),
            last_name: Name::parse("Jones", Field::LastName).unwrap(),
            status: UserStatus::PendingRegistration,
            credential: None,
            created_at: start + TimeDelta::seconds(200),
            created_by: Actor::User(carol),
            created_in: globex,
        };
        dir.store().write_with(|tx| Ok(tx.insert_user(&dave)?)).unwrap();
    }
    checkpoint(&path);
}

/// Folds the write-ahead log into the file and leaves WAL mode, so the one
/// file holds everything.
fn checkpoint(path: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "delete");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
    println!("{path}: schema version {version}");
}
