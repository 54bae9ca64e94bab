//! SqliteStore on real files: durability, two stores on one file, bad files,
//! and a process killed while it writes.
#![cfg(feature = "sqlite")]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{directory, form};
use cres_admin::testing::conformance::assert_one_mutual_removal_won;
use cres_admin::{
    AccountNumber, Action, Actor, ActorRecord, Credential, Directory, Email, Error, Field, GroupId,
    Localize, Localizer, Name, NewUser, PasswordChosenBy, PasswordHash, PendingRegistration,
    SignInSource, SignInState, SqliteOpenError, SqliteStore, Store, StoreError, StoreExt, Throttle,
    User, UserStatus,
};

fn email(address: &str) -> Email {
    Email::parse(address).expect("a valid address")
}

/// The shared fixture's *Add User* form, with a permanent password.
fn permanent(username: &str) -> NewUser {
    NewUser {
        enforce_password_expiration: false,
        ..form(username)
    }
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path).expect("opening the store")
}

/// Creates account `number` with `admins` as its administrators.
fn account_with_admins<S: Store>(directory: &Directory<S>, number: u64, admins: &[&str]) {
    let account = AccountNumber::new(number);
    directory
        .create_account(&Actor::Support, account, "Acme")
        .expect("creating the account");
    for admin in admins {
        directory
            .add_user(&Actor::Support, account, &permanent(admin))
            .expect("adding the user");
        directory
            .add_to_group(&Actor::Support, GroupId::administrators(account), admin)
            .expect("making the user an administrator");
    }
}

fn open_error(path: &Path) -> SqliteOpenError {
    SqliteStore::open(path).expect_err("the file must be refused")
}

#[test]
fn everything_is_still_there_after_reopening() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("cres.db");
    let account = AccountNumber::new(12345);
    let alice = Actor::User(email("alice@example.com"));
    let before = {
        let directory = directory(open(&path));
        account_with_admins(&directory, 12345, &["alice@example.com"]);
        directory
            .add_user(&alice, account, &form("Bob@Example.com"))
            .unwrap();
        let sales = directory.create_group(&alice, account, "Sales").unwrap();
        directory
            .add_to_group(&alice, sales.group.id, "bob@example.com")
            .unwrap();
        (
            directory.groups(&alice, account).unwrap(),
            directory.members(&alice, sales.group.id).unwrap(),
            directory.audit_trail(&alice, account, 100).unwrap(),
            directory
                .store()
                .read_with(|r| Ok(r.user(&email("bob@example.com"))?))
                .unwrap(),
        )
    };
    let directory = directory(open(&path));
    let after = (
        directory.groups(&alice, account).unwrap(),
        directory
            .members(&alice, GroupId { account, number: 2 })
            .unwrap(),
        directory.audit_trail(&alice, account, 100).unwrap(),
        directory
            .store()
            .read_with(|r| Ok(r.user(&email("bob@example.com"))?))
            .unwrap(),
    );
    assert_eq!(
        after, before,
        "everything written must be read back after reopening"
    );
    assert_eq!(after.2.len(), 6, "six changes were recorded");
    let bob = after.3.expect("bob was stored");
    assert!(bob.credential.expect("bob has a password").temporary);
    directory.store().check_integrity().unwrap();
}

#[test]
fn two_stores_on_one_file_never_lose_the_last_admin() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("race.db");
    let first = directory(open(&path));
    let second = directory(open(&path));
    for trial in 0..16u64 {
        let account = AccountNumber::new(100 + trial);
        let admins = GroupId::administrators(account);
        let (a, b) = (
            format!("a{trial}@race.example"),
            format!("b{trial}@race.example"),
        );
        account_with_admins(&first, 100 + trial, &[&a, &b]);
        let barrier = Barrier::new(2);
        let results = thread::scope(|scope| {
            let one = scope.spawn(|| {
                barrier.wait();
                first.remove_from_group(&Actor::User(email(&a)), admins, &b)
            });
            let two = scope.spawn(|| {
                barrier.wait();
                second.remove_from_group(&Actor::User(email(&b)), admins, &a)
            });
            [one.join().unwrap(), two.join().unwrap()]
        });
        assert_one_mutual_removal_won(&results, &format!("trial {trial}"));
        for store in [first.store(), second.store()] {
            let count = store.read_with(|r| Ok(r.member_count(admins)?)).unwrap();
            assert_eq!(count, 1, "trial {trial}: one administrator must remain");
        }
    }
}

#[test]
fn uniqueness_holds_between_two_stores() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("unique.db");
    let first = directory(open(&path));
    let second = directory(open(&path));
    account_with_admins(&first, 1, &["bob@example.com"]);
    let error = second
        .add_user(
            &Actor::Support,
            AccountNumber::new(1),
            &permanent("BOB@example.com"),
        )
        .unwrap_err();
    assert!(
        matches!(error, Error::UserExists { .. }),
        "the other store must see the user: {error:?}"
    );
    let error = second
        .create_account(&Actor::Support, AccountNumber::new(1), "Again")
        .unwrap_err();
    assert!(matches!(error, Error::AccountExists { .. }), "{error:?}");
}

#[test]
fn reads_do_not_wait_behind_a_writer() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("reads.db");
    let directory = directory(open(&path));
    account_with_admins(&directory, 1, &["alice@example.com"]);
    let (done, reader_done) = mpsc::channel();
    let waited = thread::scope(|scope| {
        let store = directory.store();
        let writer = scope.spawn(move || {
            let mut waited = None;
            store
                .write(&mut |_tx| {
                    // Hold the write transaction open until the read is done.
                    waited = Some(reader_done.recv_timeout(Duration::from_secs(10)).is_ok());
                    Ok(())
                })
                .unwrap();
            waited
        });
        thread::sleep(Duration::from_millis(50));
        let admin = directory
            .is_account_admin(AccountNumber::new(1), &email("alice@example.com"))
            .unwrap();
        done.send(()).unwrap();
        assert!(admin, "the read must see committed data");
        writer.join().unwrap()
    });
    assert_eq!(
        waited,
        Some(true),
        "a read must complete while a write transaction is open"
    );
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("newer.db");
    drop(open(&path));
    let newer = SqliteStore::SCHEMA_VERSION + 1;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", newer).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let error = open_error(&path);
    assert!(
        matches!(
            error,
            SqliteOpenError::NewerSchema { found, supported }
                if found == newer && supported == SqliteStore::SCHEMA_VERSION
        ),
        "a newer schema must be refused as such: {error:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "a refused database must be left byte for byte as it was"
    );
    let message = error.message();
    assert_eq!(message.id(), "error-store-newer-schema");
    assert_eq!(message.args().len(), 2, "the message names both versions");
    let shown = Localizer::new(&["fr"]).render(&error);
    assert!(
        shown.contains(&newer.to_string())
            && shown.contains(&SqliteStore::SCHEMA_VERSION.to_string()),
        "{shown}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let folder = tempfile::tempdir().unwrap();
    for (name, contents) in [
        (
            "notes.txt",
            "Meeting notes: nothing to see here.\n".repeat(200),
        ),
        ("tiny.txt", "hello".to_owned()),
    ] {
        let path = folder.path().join(name);
        std::fs::write(&path, &contents).unwrap();
        let error = open_error(&path);
        assert!(
            matches!(error, SqliteOpenError::NotADatabase),
            "{name}: expected NotADatabase, got {error:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            contents,
            "{name} must be left as it was"
        );
        assert_eq!(error.message().id(), "error-store-not-a-database");
    }
}

#[test]
fn a_database_of_another_application_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');",
        )
        .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let error = open_error(&path);
    assert!(matches!(error, SqliteOpenError::NotADatabase), "{error:?}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "it must be left untouched"
    );
}

#[test]
fn an_unopenable_path_is_a_clear_error() {
    let folder = tempfile::tempdir().unwrap();
    for path in [
        folder.path().join("no such folder").join("cres.db"),
        folder.path().to_path_buf(),
    ] {
        let error = open_error(&path);
        assert!(
            matches!(error, SqliteOpenError::CannotOpen(_)),
            "{}: expected CannotOpen, got {error:?}",
            path.display()
        );
        assert_eq!(error.message().id(), "error-store-cannot-open");
    }
}

#[test]
fn an_empty_file_is_given_the_schema() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let created = directory(open(&path));
    account_with_admins(&created, 7, &["alice@example.com"]);
    drop(created);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    assert_eq!(
        mode, "wal",
        "the store keeps its file in write-ahead-log mode"
    );
    // Opening again migrates nothing and keeps the data.
    let reopened = directory(open(&path));
    assert!(
        reopened
            .is_account_admin(AccountNumber::new(7), &email("alice@example.com"))
            .unwrap()
    );
}

#[test]
fn a_damaged_file_is_a_clear_error() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("damaged.db");
    {
        let directory = directory(open(&path));
        account_with_admins(&directory, 1, &["alice@example.com"]);
        for i in 0..40 {
            directory
                .create_group(
                    &Actor::Support,
                    AccountNumber::new(1),
                    &format!("A group with a rather long name, number {i}"),
                )
                .unwrap();
        }
    }
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 3 * 4096, "the file spans several pages");
    let end = bytes.len() - 10;
    for byte in &mut bytes[4096..end] {
        *byte = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let damaged = match SqliteStore::open(&path) {
        Err(error) => matches!(
            error,
            SqliteOpenError::Store(StoreError::Corrupt(_)) | SqliteOpenError::NotADatabase
        ),
        Ok(store) => {
            let integrity = store.check_integrity();
            let read = directory(store).groups(&Actor::Support, AccountNumber::new(1));
            matches!(integrity, Err(StoreError::Corrupt(_)))
                && matches!(read, Err(Error::Store(StoreError::Corrupt(_))))
        }
    };
    assert!(damaged, "a damaged file must be reported as damaged");
}

/// Set in the child process of [`acknowledged_writes_survive_a_kill`]: the
/// path it writes to.
const CRASH_CHILD: &str = "CRES_ADMIN_SQLITE_CRASH_CHILD";

/// The child: writes forever, printing `ACK:N` after write N returned `Ok`.
fn write_until_killed(path: &Path) -> ! {
    let directory = directory(open(path));
    let account = AccountNumber::new(1);
    directory
        .create_account(&Actor::Support, account, "Crash")
        .expect("creating the account");
    println!("ACK:account");
    for i in 0u64.. {
        directory
            .create_group(&Actor::Support, account, &format!("Group {i}"))
            .expect("creating a group");
        directory
            .add_user(
                &Actor::Support,
                account,
                &form(&format!("user{i}@crash.example")),
            )
            .expect("adding a user");
        println!("ACK:{i}");
    }
    unreachable!("the loop writes until the process is killed")
}

#[test]
fn acknowledged_writes_survive_a_kill() {
    if let Some(path) = std::env::var_os(CRASH_CHILD) {
        write_until_killed(Path::new(&path));
    }
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("crash.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "acknowledged_writes_survive_a_kill",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_CHILD, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting the child");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut acknowledged = Vec::new();
    let mut account = false;
    let mut killed = false;
    for line in stdout.lines() {
        let line = line.unwrap();
        // libtest may print its own words before ours on the first line.
        match line.rsplit_once("ACK:").map(|(_, ack)| ack) {
            Some("account") => account = true,
            Some(n) => acknowledged.push(n.parse::<u64>().unwrap()),
            None => continue,
        }
        if acknowledged.len() == 200 && !killed {
            child.kill().unwrap();
            killed = true;
        }
    }
    child.wait().unwrap();
    assert!(killed, "the child stopped writing before it was killed");
    assert!(account && acknowledged.len() >= 200);

    let store = open(&path);
    store.check_integrity().expect("the file must be intact");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let groups = directory(store)
        .groups(&Actor::Support, AccountNumber::new(1))
        .unwrap();
    let directory = directory(open(&path));
    for i in acknowledged {
        let name = format!("Group {i}");
        assert!(
            groups.iter().any(|g| g.group.name.to_string() == name),
            "acknowledged {name} is missing"
        );
        let user = directory
            .store()
            .read_with(|r| Ok(r.user(&email(&format!("user{i}@crash.example")))?))
            .unwrap();
        assert!(user.is_some(), "acknowledged user {i} is missing");
    }
}

/// The schema of version 1 exactly as it shipped (migration 1 of the store),
/// to build the databases that older versions of the crate wrote. Migrations
/// are append-only, so this copy never changes;
/// `a_version_1_database_is_migrated_to_the_current_schema` checks that it
/// still matches the store's migration 1.
const SCHEMA_V1: &str = "
    PRAGMA application_id = 1129465171; -- 0x43524553, \"CRES\"

    CREATE TABLE accounts (
        number     INTEGER PRIMARY KEY,
        name       TEXT    NOT NULL,
        created_at TEXT    NOT NULL,
        next_group INTEGER NOT NULL CHECK (next_group >= 1)
    ) STRICT;

    CREATE TABLE users (
        identity           TEXT    PRIMARY KEY CHECK (identity = lower(email)),
        email              TEXT    NOT NULL,
        first_name         TEXT    NOT NULL,
        last_name          TEXT    NOT NULL,
        status             TEXT    NOT NULL,
        password_hash      TEXT,
        password_temporary INTEGER CHECK (password_temporary IN (0, 1)),
        password_set_at    TEXT,
        created_at         TEXT    NOT NULL,
        created_by         TEXT    NOT NULL,
        created_in         INTEGER NOT NULL,
        CHECK ((password_hash IS NULL) = (password_temporary IS NULL)
           AND (password_hash IS NULL) = (password_set_at IS NULL))
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE account_groups (
        account    INTEGER NOT NULL REFERENCES accounts (number),
        number     INTEGER NOT NULL CHECK (number >= 1),
        name       TEXT    NOT NULL,
        name_key   TEXT    NOT NULL,
        created_at TEXT    NOT NULL,
        PRIMARY KEY (account, number),
        UNIQUE (account, name_key)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE memberships (
        account  INTEGER NOT NULL,
        number   INTEGER NOT NULL,
        identity TEXT    NOT NULL REFERENCES users (identity),
        PRIMARY KEY (account, number, identity),
        FOREIGN KEY (account, number)
            REFERENCES account_groups (account, number) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;

    CREATE INDEX memberships_by_user ON memberships (identity, account, number);

    CREATE TABLE audit (
        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
        account  INTEGER NOT NULL,
        at       TEXT    NOT NULL,
        actor    TEXT    NOT NULL,
        action   TEXT    NOT NULL
    ) STRICT;

    CREATE INDEX audit_by_account ON audit (account, sequence);
    ";

/// Rows as version 1 of the store wrote them: account 12345 with its
/// administrators group, Alice (an administrator with a permanent password)
/// and Bob (pending registration, no password), and one audit entry.
const ROWS_V1: &str = r#"
    INSERT INTO accounts VALUES (12345, 'Acme', '2023-11-14T22:13:20.123456789Z', 2);
    INSERT INTO account_groups
        VALUES (12345, 1, '"account_administrators"', 'account administrators',
                '2023-11-14T22:13:20.123456789Z');
    INSERT INTO users VALUES
        ('alice@example.com', 'Alice@Example.com', 'Alice', 'Liddell', 'active',
         '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g', 0,
         '2023-11-14T22:13:21.000000001Z', '2023-11-14T22:13:21.000000001Z', '"support"',
         12345),
        ('bob@example.com', 'Bob@Example.com', 'Bob', 'Builder', 'pending_registration',
         NULL, NULL, NULL, '2023-11-14T22:13:22.5Z', '{"user":"Alice@Example.com"}', 12345);
    INSERT INTO memberships VALUES (12345, 1, 'alice@example.com');
    INSERT INTO audit (account, at, actor, action)
        VALUES (12345, '2023-11-14T22:13:20.123456789Z', '"support"',
                '{"action":"account_created"}');
"#;

/// Writes a version 1 database with [`ROWS_V1`] at `path`.
fn write_version_1(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "BEGIN; {SCHEMA_V1} {ROWS_V1} PRAGMA user_version = 1; COMMIT;"
    ))
    .unwrap();
}

fn user_version(path: &Path) -> u32 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap()
}

/// The `sqlite_schema` rows of the file, in a stable order.
/// The file at `path`, written at `version`, is now at the current version
/// with exactly the schema of a new database — which also proves the test's
/// frozen copy `frozen` of the shipped schema still matches it.
fn assert_migrated_like_new(path: &Path, version: u32, frozen: &str) {
    assert_eq!(
        user_version(path),
        SqliteStore::SCHEMA_VERSION,
        "opening must migrate the file to the current schema version"
    );
    let folder = tempfile::tempdir().unwrap();
    let fresh = folder.path().join("fresh.db");
    drop(open(&fresh));
    assert_eq!(
        schema_of(path),
        schema_of(&fresh),
        "a migrated version {version} database must have the schema of a new one (if not, \
         {frozen} no longer matches the store's migration {version}, which must never change)"
    );
}

fn schema_of(path: &Path) -> Vec<(String, String, Option<String>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut statement = conn
        .prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name")
        .unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn time(seconds: i64, nanos: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, nanos).expect("a valid time")
}

fn name(text: &str) -> Name {
    Name::parse(text, Field::Name).expect("a valid name")
}

/// Alice and Bob as [`ROWS_V1`] stores them.
fn users_v1() -> [User; 2] {
    let acme = AccountNumber::new(12345);
    [
        User {
            email: email("Alice@Example.com"),
            first_name: name("Alice"),
            last_name: name("Liddell"),
            status: UserStatus::Active,
            credential: Some(Credential {
                hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
                temporary: false,
                set_at: time(1_700_000_001, 1),
                // Set before the store recorded who chose passwords (R13).
                chosen_by: PasswordChosenBy::Unknown,
            }),
            created_at: time(1_700_000_001, 1),
            created_by: ActorRecord::Support,
            created_in: acme,
            sign_in: SignInState::default(),
        },
        User {
            email: email("Bob@Example.com"),
            first_name: name("Bob"),
            last_name: name("Builder"),
            status: UserStatus::PendingRegistration,
            credential: None,
            created_at: time(1_700_000_002, 500_000_000),
            created_by: ActorRecord::User(email("Alice@Example.com")),
            created_in: acme,
            sign_in: SignInState::default(),
        },
    ]
}

/// Reads the users with these addresses (`None` for a missing one).
fn read_users(store: &SqliteStore, emails: &[Email]) -> Vec<Option<User>> {
    store
        .read_with(|r| Ok(emails.iter().map(|e| r.user(e)).collect::<Result<_, _>>()?))
        .expect("reading the users")
}

#[test]
fn a_version_1_database_is_migrated_to_the_current_schema() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("v1.db");
    write_version_1(&path);
    assert_eq!(user_version(&path), 1, "the fixture is a version 1 file");
    let acme = AccountNumber::new(12345);
    let [alice, bob] = users_v1();
    let emails = [alice.email.clone(), bob.email.clone()];

    let store = open(&path);
    assert_eq!(
        read_users(&store, &emails),
        vec![Some(alice.clone()), Some(bob.clone())],
        "the users of a version 1 database must be kept, with no failed \
         sign-ins, no lock-outs and no lock, and an unknown chooser of each password"
    );
    let (admin, members, audit) = store
        .read_with(|r| {
            let admins = GroupId::administrators(acme);
            Ok((
                r.is_account_admin(acme, &alice.email)?,
                r.members(admins)?,
                r.audit(acme, 10)?,
            ))
        })
        .unwrap();
    assert!(admin, "Alice must still be an administrator");
    assert_eq!(members, vec![alice.email.clone()], "and the only member");
    assert_eq!(audit.len(), 1, "the audit trail must be kept");
    assert_eq!(audit[0].record.action, Action::AccountCreated);
    drop(store);

    assert_migrated_like_new(&path, 1, "SCHEMA_V1");
}

#[test]
fn a_migrated_database_keeps_sign_in_updates_after_reopening() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("v1.db");
    write_version_1(&path);
    let [alice, bob] = users_v1();
    let emails = [alice.email.clone(), bob.email.clone()];

    let mut locked = alice.clone();
    locked.sign_in = SignInState {
        user: Throttle {
            failures: 5,
            window_started: Some(time(1_800_000_060, 3)),
            lockouts: 2,
            locked_until: Some(time(1_800_000_120, 999_999_999)),
        },
        sources: vec![
            (
                SignInSource::new("198.51.100.7"),
                Throttle {
                    failures: 0,
                    window_started: None,
                    lockouts: 1,
                    locked_until: Some(time(1_800_000_090, 5)),
                },
            ),
            (
                SignInSource::unknown(),
                Throttle {
                    failures: 3,
                    window_started: Some(time(1_800_000_061, 0)),
                    lockouts: 0,
                    locked_until: None,
                },
            ),
        ],
    };
    let mut registered = bob.clone();
    registered.status = UserStatus::Active;
    registered.credential = Some(Credential {
        hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$YWJjZGVmZ2g$MTIzNA"),
        temporary: true,
        set_at: time(1_800_000_000, 42),
        chosen_by: PasswordChosenBy::Administrator {
            email: alice.email.clone(),
            account: AccountNumber::new(12345),
        },
    });
    registered.sign_in.user.failures = 1;
    {
        let store = open(&path);
        store
            .write_with(|tx| {
                tx.update_user(&locked)?;
                tx.update_user(&registered)?;
                Ok(())
            })
            .expect("updating the migrated users");
    }
    let store = open(&path);
    assert_eq!(
        read_users(&store, &emails),
        vec![Some(locked.clone()), Some(registered.clone())],
        "updates of credential (with who chose it), status and sign-in state (with every \
         source) must survive reopening"
    );

    // And back: unlocking clears the lock in the file too.
    let mut unlocked = locked.clone();
    unlocked.sign_in = SignInState::default();
    store
        .write_with(|tx| Ok(tx.update_user(&unlocked)?))
        .expect("unlocking Alice");
    drop(store);
    let store = open(&path);
    assert_eq!(
        read_users(&store, &emails),
        vec![Some(unlocked), Some(registered)],
        "an unlock must survive reopening"
    );
    assert!(
        store
            .read_with(|r| Ok(r.is_account_admin(AccountNumber::new(12345), &alice.email)?))
            .unwrap(),
        "updates must leave memberships as they were"
    );
}

/// Migration 2 exactly as it shipped, to build version 2 databases on top of
/// [`SCHEMA_V1`]. Migrations are append-only, so this copy never changes;
/// `a_version_2_database_is_migrated_to_the_current_schema` checks that it
/// still matches the store's migration 2.
const MIGRATION_V2: &str = "
    ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0
        CHECK (failed_sign_ins BETWEEN 0 AND 4294967295);
    ALTER TABLE users ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0
        CHECK (lockouts BETWEEN 0 AND 4294967295);
    ALTER TABLE users ADD COLUMN locked_until TEXT;
    ";

/// What version 2 of the store wrote on top of [`ROWS_V1`]: Alice has failed
/// to sign in twice and is locked out for the first time.
const ROWS_V2: &str = "
    UPDATE users SET failed_sign_ins = 2, lockouts = 1,
                     locked_until = '2023-11-14T22:18:21.000000007Z'
    WHERE identity = 'alice@example.com';
";

/// Writes a version 2 database with [`ROWS_V1`] and [`ROWS_V2`] at `path`.
fn write_version_2(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "BEGIN; {SCHEMA_V1} {ROWS_V1} {MIGRATION_V2} {ROWS_V2} PRAGMA user_version = 2; COMMIT;"
    ))
    .unwrap();
}

/// Alice and Bob as [`ROWS_V1`] and [`ROWS_V2`] store them.
fn users_v2() -> [User; 2] {
    let [mut alice, bob] = users_v1();
    // Version 2 counted the user's failures as a whole: they are the user's
    // own throttle now, with no window yet and no source.
    alice.sign_in = SignInState {
        user: Throttle {
            failures: 2,
            window_started: None,
            lockouts: 1,
            locked_until: Some(time(1_700_000_301, 7)),
        },
        sources: Vec::new(),
    };
    [alice, bob]
}

/// A pending registration of `address` for account 12345, sent by `sent_by`.
fn registration(address: &str, selector: &str, sent_by: ActorRecord) -> PendingRegistration {
    let issued_at = time(1_800_000_000, 123_456_789);
    PendingRegistration {
        email: email(address),
        selector: selector.to_owned(),
        verifier_hash: std::array::from_fn(|i| 255 - i as u8 * 3),
        sent_by,
        account: AccountNumber::new(12345),
        issued_at,
        expires_at: issued_at + chrono::Duration::days(7),
    }
}

/// Reads the registrations of these addresses (every account's) and of
/// these selectors.
fn read_registrations(
    store: &SqliteStore,
    emails: &[Email],
    selectors: &[&str],
) -> (
    Vec<Vec<PendingRegistration>>,
    Vec<Option<PendingRegistration>>,
) {
    store
        .read_with(|r| {
            let by_email = emails
                .iter()
                .map(|e| r.registrations(e))
                .collect::<Result<_, _>>()?;
            let by_selector = selectors
                .iter()
                .map(|s| r.registration_by_selector(s))
                .collect::<Result<_, _>>()?;
            Ok((by_email, by_selector))
        })
        .expect("reading the registrations")
}

#[test]
fn a_version_2_database_is_migrated_to_the_current_schema() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("v2.db");
    write_version_2(&path);
    assert_eq!(user_version(&path), 2, "the fixture is a version 2 file");
    let acme = AccountNumber::new(12345);
    let [alice, bob] = users_v2();
    let emails = [alice.email.clone(), bob.email.clone()];

    let store = open(&path);
    assert_eq!(
        read_users(&store, &emails),
        vec![Some(alice.clone()), Some(bob.clone())],
        "the users of a version 2 database must be kept, with their sign-in state"
    );
    let (admin, audit) = store
        .read_with(|r| Ok((r.is_account_admin(acme, &alice.email)?, r.audit(acme, 10)?)))
        .unwrap();
    assert!(admin, "Alice must still be an administrator");
    assert_eq!(audit.len(), 1, "the audit trail must be kept");
    assert_eq!(
        read_registrations(&store, &emails, &[""]),
        (vec![vec![], vec![]], vec![None]),
        "a migrated database starts with no pending registration"
    );
    drop(store);

    assert_migrated_like_new(&path, 2, "MIGRATION_V2");
}

#[test]
fn registrations_survive_reopening() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("v2.db");
    write_version_2(&path);
    let [alice, bob] = users_v2();
    // Bob is a user still pending; Carol has no user at all.
    let carol = email("Carol@Example.org");
    let emails = [alice.email.clone(), bob.email.clone(), carol.clone()];
    let alices = ActorRecord::User(alice.email.clone());
    let bobs = registration("Bob@Example.com", "Ym9iLW9uZQ", alices.clone());
    let carols = registration("Carol@Example.org", "Y2Fyb2wtb25l", ActorRecord::Support);
    // Another account's registration of Bob lives on its own (R14).
    let bobs_elsewhere = PendingRegistration {
        account: AccountNumber::new(67890),
        ..registration("bob@example.com", "Ym9iLW90aGVy", ActorRecord::Support)
    };
    let bobs_new = registration("bob@example.com", "Ym9iLXR3bw", alices);
    {
        let store = open(&path);
        store
            .write_with(|tx| {
                tx.put_registration(&bobs)?;
                tx.put_registration(&carols)?;
                tx.put_registration(&bobs_elsewhere)?;
                Ok(())
            })
            .expect("putting the registrations");
    }
    let store = open(&path);
    assert_eq!(
        read_registrations(&store, &emails, &["Ym9iLW9uZQ", "Y2Fyb2wtb25l"]),
        (
            vec![
                vec![],
                vec![bobs.clone(), bobs_elsewhere.clone()],
                vec![carols.clone()]
            ],
            vec![Some(bobs.clone()), Some(carols.clone())]
        ),
        "registrations must survive reopening, found by email and by selector"
    );
    store
        .write_with(|tx| {
            tx.put_registration(&bobs_new)?;
            tx.delete_registration(&carol, AccountNumber::new(12345))?;
            Ok(())
        })
        .expect("replacing Bob's registration and deleting Carol's");
    drop(store);

    let store = open(&path);
    let (by_email, by_selector) = read_registrations(
        &store,
        &emails,
        &["Ym9iLW9uZQ", "Ym9iLXR3bw", "Y2Fyb2wtb25l", "Ym9iLW90aGVy"],
    );
    assert_eq!(
        by_email,
        vec![
            vec![],
            vec![bobs_new.clone(), bobs_elsewhere.clone()],
            vec![]
        ],
        "a replacement and a deletion must survive reopening, and touch no other account's"
    );
    assert_eq!(
        by_email[1][0].email.as_str(),
        "bob@example.com",
        "the replacement's email as typed must survive reopening"
    );
    assert_eq!(
        by_selector,
        vec![None, Some(bobs_new.clone()), None, Some(bobs_elsewhere)],
        "after reopening, only the current selectors must find a registration"
    );
    assert_eq!(
        store
            .read_with(|r| Ok(r.registration(&bob.email, AccountNumber::new(12345))?))
            .unwrap(),
        Some(bobs_new),
        "found by address and account"
    );
    assert_eq!(
        read_users(&store, &emails),
        vec![Some(alice), Some(bob), None],
        "registrations must leave the users as they were"
    );
    drop(store);
    // The file itself keeps the promises, whatever program writes to it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let insert = "INSERT INTO registrations (identity, email, selector, verifier_hash, sent_by, \
                  account, issued_at, expires_at) \
                  VALUES (?1, ?2, ?3, ?4, '\"support\"', ?5, \
                  '2023-11-14T22:13:20Z', '2023-11-21T22:13:20Z')";
    let refused = |params: (&str, &str, &str, &[u8], i64)| match conn.execute(insert, params) {
        Err(rusqlite::Error::SqliteFailure(failure, _)) => failure.extended_code,
        other => panic!("the schema must refuse the row, got {other:?}"),
    };
    use rusqlite::ffi::{
        SQLITE_CONSTRAINT_CHECK, SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE,
    };
    assert_eq!(
        refused((
            "dan@example.com",
            "dan@example.com",
            "ZGFu",
            &[0; 31],
            12345
        )),
        SQLITE_CONSTRAINT_CHECK,
        "a verifier hash must be 32 bytes"
    );
    assert_eq!(
        refused((
            "Dan@example.com",
            "Dan@example.com",
            "ZGFu",
            &[0; 32],
            12345
        )),
        SQLITE_CONSTRAINT_CHECK,
        "the identity must be the email in lower case"
    );
    assert_eq!(
        refused((
            "dan@example.com",
            "dan@example.com",
            "Ym9iLXR3bw",
            &[0; 32],
            12345
        )),
        SQLITE_CONSTRAINT_UNIQUE,
        "selectors must be unique"
    );
    assert_eq!(
        refused((
            "bob@example.com",
            "bob@example.com",
            "ZGFu",
            &[0; 32],
            12345
        )),
        SQLITE_CONSTRAINT_PRIMARYKEY,
        "one registration per address and account"
    );
    conn.execute(
        insert,
        (
            "dan@example.com",
            "dan@example.com",
            "ZGFu",
            &[0u8; 32][..],
            12345,
        ),
    )
    .expect("a row that keeps the promises is accepted");
    conn.execute(
        insert,
        (
            "dan@example.com",
            "dan@example.com",
            "ZGFuLTI",
            &[0u8; 32][..],
            67890,
        ),
    )
    .expect("the same address for another account is accepted");
}

/// Migration 3 exactly as it shipped, to build version 3 databases on top of
/// version 2. Migrations are append-only, so this copy never changes;
/// `a_version_3_database_is_migrated_to_the_current_schema` checks that it
/// still matches the store's migration 3.
const MIGRATION_V3: &str = "
    CREATE TABLE registrations (
        identity      TEXT    PRIMARY KEY CHECK (identity = lower(email)),
        email         TEXT    NOT NULL,
        selector      TEXT    NOT NULL UNIQUE,
        verifier_hash BLOB    NOT NULL CHECK (length(verifier_hash) = 32),
        sent_by       TEXT    NOT NULL,
        account       INTEGER NOT NULL,
        issued_at     TEXT    NOT NULL,
        expires_at    TEXT    NOT NULL
    ) STRICT, WITHOUT ROWID;
    ";

/// What version 3 of the store wrote on top of [`ROWS_V2`]: a secure message
/// from Alice to Carol, who has no user.
const ROWS_V3: &str = r#"
    INSERT INTO registrations VALUES
        ('carol@example.org', 'Carol@Example.org', 'Y2Fyb2wtdGhyZWU',
         X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
         '{"user":"Alice@Example.com"}', 12345,
         '2023-11-14T22:13:25.000000000Z', '2023-11-17T22:13:25.000000000Z');
"#;

/// Writes a version 3 database with [`ROWS_V1`], [`ROWS_V2`] and
/// [`ROWS_V3`] at `path`.
fn write_version_3(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "BEGIN; {SCHEMA_V1} {ROWS_V1} {MIGRATION_V2} {ROWS_V2} {MIGRATION_V3} {ROWS_V3} \
         PRAGMA user_version = 3; COMMIT;"
    ))
    .unwrap();
}

/// Carol's registration as [`ROWS_V3`] stores it.
fn registration_v3() -> PendingRegistration {
    PendingRegistration {
        email: email("Carol@Example.org"),
        selector: "Y2Fyb2wtdGhyZWU".to_owned(),
        verifier_hash: std::array::from_fn(|i| i as u8),
        sent_by: ActorRecord::User(email("Alice@Example.com")),
        account: AccountNumber::new(12345),
        issued_at: time(1_700_000_005, 0),
        expires_at: time(1_700_259_205, 0),
    }
}

#[test]
fn a_version_3_database_is_migrated_to_the_current_schema() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("v3.db");
    write_version_3(&path);
    assert_eq!(user_version(&path), 3, "the fixture is a version 3 file");
    let acme = AccountNumber::new(12345);
    let [alice, bob] = users_v2();
    let carol = registration_v3();
    let emails = [alice.email.clone(), bob.email.clone(), carol.email.clone()];

    let store = open(&path);
    assert_eq!(
        read_users(&store, &emails),
        vec![Some(alice.clone()), Some(bob.clone()), None],
        "the users of a version 3 database must be kept: Alice's password chosen by someone \
         unknown, her sign-in state her own throttle, with no source"
    );
    assert_eq!(
        read_registrations(&store, &emails, &["Y2Fyb2wtdGhyZWU"]),
        (
            vec![vec![], vec![], vec![carol.clone()]],
            vec![Some(carol.clone())]
        ),
        "a pending registration of a version 3 database must be kept, for its account"
    );
    let (found, admin, audit) = store
        .read_with(|r| {
            Ok((
                r.registration(&carol.email, acme)?,
                r.is_account_admin(acme, &alice.email)?,
                r.audit(acme, 10)?,
            ))
        })
        .unwrap();
    assert_eq!(found, Some(carol.clone()));
    assert!(admin, "Alice must still be an administrator");
    assert_eq!(audit.len(), 1, "the audit trail must be kept");
    drop(store);

    // The migrated registration still works: Carol registers through it.
    let dir = directory(open(&path));
    let expired = dir
        .store()
        .read_with(|r| Ok(r.expired_registrations(time(1_700_259_205, 0), 10)?))
        .unwrap();
    assert_eq!(expired, vec![carol], "and is found by its expiry");
    drop(dir);

    assert_migrated_like_new(&path, 3, "MIGRATION_V3");
}

/// Durations saturate at the end of the year 9999, which the store writes in
/// a form it reads back and orders.
#[test]
fn a_registration_that_practically_never_expires_is_not_purged() {
    let folder = tempfile::tempdir().unwrap();
    let dir = directory(open(&folder.path().join("forever.db")))
        .with_registration_lifetime(chrono::TimeDelta::MAX);
    account_with_admins(&dir, 12345, &["alice@example.com"]);
    dir.send_secure_message(
        &Actor::Support,
        AccountNumber::new(12345),
        "carol@example.com",
    )
    .unwrap();
    let purged = dir.purge_expired_registrations(&Actor::Support).unwrap();
    assert_eq!(purged.count, 0, "nothing has expired");
    let carol = email("carol@example.com");
    assert_eq!(
        dir.store()
            .read_with(|r| Ok(r.registrations(&carol)?))
            .unwrap()
            .len(),
        1
    );
}

fn end_of_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("9999-12-31T23:59:59.999999999Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_lock_that_practically_never_ends_is_read_back() {
    let folder = tempfile::tempdir().unwrap();
    let forever = cres_admin::SignInPolicy {
        max_user_failures: 5,
        first_lockout: chrono::TimeDelta::MAX,
        max_lockout: chrono::TimeDelta::MAX,
        ..cres_admin::SignInPolicy::default()
    };
    let dir = directory(open(&folder.path().join("forever.db"))).with_sign_in_policy(forever);
    account_with_admins(&dir, 12345, &["alice@example.com"]);
    let source = common::SOURCE;
    for _ in 0..5 {
        let refused = dir.authenticate(
            &source,
            "alice@example.com",
            &cres_admin::Password::new("Wrong-Pass-2026"),
        );
        assert!(matches!(refused, Err(Error::SignInRefused)), "{refused:?}");
    }
    let alice = email("alice@example.com");
    let user = dir
        .store()
        .read_with(|r| Ok(r.user(&alice)?))
        .expect("the locked user can be read")
        .unwrap();
    // Locked from this source and, the user's ceiling reached too, from all.
    assert_eq!(
        user.sign_in.source(&source).and_then(|t| t.locked_until),
        Some(end_of_time())
    );
    assert_eq!(user.sign_in.user.locked_until, Some(end_of_time()));
}

/// Review: group numbers must never overflow into group 1. With the
/// account's counter at the last number (never given, as in the memory
/// store), creating a group fails as a store
/// failure and changes nothing; the built-in group stays number 1.
#[test]
fn group_numbers_never_wrap_around_to_the_built_in_group() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("groups.db");
    let dir = directory(open(&path));
    account_with_admins(&dir, 12345, &["alice@example.com"]);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE accounts SET next_group = ?1 WHERE number = 12345",
        [u32::MAX],
    )
    .unwrap();
    let before = common::state(&dir, &[AccountNumber::new(12345)], &["alice@example.com"]);
    let refused = dir
        .create_group(&Actor::Support, AccountNumber::new(12345), "One too many")
        .unwrap_err();
    assert!(refused.is_store_failure(), "{refused:?}");
    assert_eq!(
        common::state(&dir, &[AccountNumber::new(12345)], &["alice@example.com"]),
        before
    );
}

/// Tightening an input rule must never make old rows unreadable: a name,
/// a group name and addresses that an earlier version could store and
/// today's parsers refuse, written with raw SQL, read back as stored, and
/// the directory keeps working with them.
#[test]
fn what_todays_input_rules_refuse_still_reads_back() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("lenient.db");
    let dir = directory(open(&path));
    account_with_admins(&dir, 12345, &["alice@example.com"]);
    let acme = AccountNumber::new(12345);
    // Version 1 accepted a Hangul filler in a name and a group named like the
    // built-in one in German; both are refused today.
    let first_name = "Bob\u{3164}";
    let group_name = "Kontoadministratoren";
    // An address no version of the parser accepts, as another program or a
    // future rule might leave it: reading must not depend on today's rules.
    let accented = "J\u{F6}ran@Example.com";
    assert!(Name::parse(first_name, Field::FirstName).is_err());
    assert!(cres_admin::GroupName::custom(group_name, Field::GroupName).is_err());
    assert!(Email::parse(accented).is_err());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            r#"
            UPDATE users SET first_name = '{first_name}' WHERE identity = 'alice@example.com';
            INSERT INTO account_groups VALUES
                (12345, 2, '{{"custom":"{group_name}"}}', 'kontoadministratoren',
                 '2023-11-14T22:13:20Z');
            UPDATE accounts SET next_group = 3 WHERE number = 12345;
            INSERT INTO users (identity, email, first_name, last_name, status, created_at,
                               created_by, created_in)
                VALUES (lower('{accented}'), '{accented}', 'J{ouml}ran', 'Test', 'active',
                        '2023-11-14T22:13:20Z', '"support"', 12345);
            INSERT INTO memberships VALUES (12345, 2, lower('{accented}'));
            INSERT INTO audit (account, at, actor, action) VALUES
                (12345, '2023-11-14T22:13:21Z', '{{"user":"{accented}"}}',
                 '{{"action":"member_added","group":{{"account":12345,"number":2}},
                    "email":"{accented}"}}');
            "#,
            ouml = '\u{F6}',
        ))
        .unwrap();
    }
    let alice = email("alice@example.com");
    let group = GroupId {
        account: acme,
        number: 2,
    };
    let (user, groups, members, audit) = dir
        .store()
        .read_with(|r| {
            Ok((
                r.user(&alice)?,
                r.groups(acme)?,
                r.members(group)?,
                r.audit(acme, 1)?,
            ))
        })
        .expect("rows an earlier version wrote must read back, not as damaged data");
    assert_eq!(user.unwrap().first_name.as_str(), first_name);
    assert_eq!(groups[1].group.name.to_string(), group_name);
    assert_eq!(groups[1].members, 1);
    assert_eq!(
        members.iter().map(Email::as_str).collect::<Vec<_>>(),
        [accented]
    );
    assert_eq!(members[0].identity(), "j\u{F6}ran@example.com");
    assert_eq!(audit[0].record.actor, ActorRecord::User(members[0].clone()));
    assert!(
        matches!(&audit[0].record.action, Action::MemberAdded { email, .. } if email.as_str() == accented)
    );

    // The directory goes on working with them: Alice joins the group.
    dir.add_to_group(&Actor::Support, group, "alice@example.com")
        .expect("adding to a group with a name today's rules refuse");
    assert_eq!(dir.members(&Actor::Support, group).unwrap().len(), 2);
}

/// Several processes may open a new file at the same moment: each sees
/// the schema created once (the losers of the race find it there) and
/// none fails.
#[test]
fn stores_opened_at_once_on_a_new_file_all_open() {
    for trial in 0..8 {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("race.db");
        let barrier = Barrier::new(6);
        let opened: Vec<Result<SqliteStore, SqliteOpenError>> = thread::scope(|scope| {
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    scope.spawn(|| {
                        barrier.wait();
                        SqliteStore::open(&path)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for result in &opened {
            assert!(result.is_ok(), "trial {trial}: {result:?}");
        }
        let first = directory(opened.into_iter().next().unwrap().unwrap());
        account_with_admins(&first, 1, &["alice@example.com"]);
        assert_eq!(user_version(&path), SqliteStore::SCHEMA_VERSION);
    }
}

/// The frozen file of schema `version` (see `tests/data/sqlite/README.md`),
/// copied into a temporary folder, where opening it migrates the copy.
fn frozen(version: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join(format!("v{version}.db"));
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sqlite")
        .join(format!("v{version}.db"));
    std::fs::copy(&shipped, &path).expect("the frozen file is in the repository");
    assert_eq!(
        user_version(&path),
        version,
        "v{version}.db has schema {version}"
    );
    (folder, path)
}

/// 2026-11-21 at `hh:mm` UTC: the frozen files were written from 09:00 on.
fn at(hh: u32, mm: u32) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-21T{hh:02}:{mm:02}:00Z"))
        .unwrap()
        .with_timezone(&Utc)
}

/// Opens the frozen file of `version` with today's store and checks that
/// everything its version wrote reads back (see the README for what it
/// holds), that the directory works on it, and that the migrated file has
/// the schema of a new one.
fn frozen_file_migrates_and_reads_back(version: u32) {
    let (_folder, path) = frozen(version);
    let acme = AccountNumber::new(12345);
    let globex = AccountNumber::new(67890);
    let emails = [
        "alice@example.com",
        "bob@example.com",
        "carol@example.org",
        "dave@example.net",
        "erin@example.org",
        "grace@example.net",
    ]
    .map(email);
    let frank = email("frank@example.net");
    let store = open(&path);
    let (accounts, acme_groups, globex_groups, members, users, trails, registrations) = store
        .read_with(|r| {
            let members = [
                GroupId::administrators(acme),
                GroupId {
                    account: acme,
                    number: 2,
                },
                GroupId::administrators(globex),
            ]
            .map(|group| r.members(group));
            Ok((
                [r.account(acme)?, r.account(globex)?],
                r.groups(acme)?,
                r.groups(globex)?,
                members.into_iter().collect::<Result<Vec<_>, _>>()?,
                emails
                    .iter()
                    .map(|e| r.user(e))
                    .collect::<Result<Vec<_>, _>>()?,
                [r.audit(acme, 100)?, r.audit(globex, 100)?],
                r.registrations(&frank)?,
            ))
        })
        .unwrap_or_else(|e| panic!("v{version}.db must read back: {e:?}"));

    let names = accounts.map(|a| a.expect("both accounts are kept").name.to_string());
    assert_eq!(names, ["Acme", "Globex"]);
    let groups: Vec<_> = acme_groups
        .iter()
        .map(|s| (s.group.id.number, s.group.name.to_string(), s.members))
        .collect();
    assert_eq!(
        groups,
        [
            (1, "Account Administrators".to_owned(), 1),
            (2, "Sales EMEA".to_owned(), 1),
            (3, "Kontoadministratoren".to_owned(), 0),
        ],
        "v{version}: Acme's groups, a name today's rules reserve included"
    );
    assert_eq!(globex_groups.len(), 1);
    let members: Vec<Vec<&str>> = members
        .iter()
        .map(|m| m.iter().map(Email::as_str).collect())
        .collect();
    assert_eq!(
        members,
        [
            vec!["Alice@Example.com"],
            vec!["bob@example.com"],
            vec!["Carol@Example.org"]
        ],
        "v{version}: memberships"
    );

    let [alice, bob, carol, dave, erin, grace] = users.try_into().unwrap();
    let (alice, bob, carol, dave) = (alice.unwrap(), bob.unwrap(), carol.unwrap(), dave.unwrap());
    let alice_password = alice.credential.clone().unwrap();
    let bob_password = bob.credential.clone().unwrap();
    assert!(!alice_password.temporary && bob_password.temporary);
    assert_eq!(alice.first_name.as_str(), "Alice");
    assert_eq!(alice.email.as_str(), "Alice@Example.com");
    assert_eq!(
        bob.created_by,
        ActorRecord::User(email("alice@example.com"))
    );
    let (alice_chooser, bob_chooser) = if version < 4 {
        // Set before the store recorded who chose passwords.
        (PasswordChosenBy::Unknown, PasswordChosenBy::Unknown)
    } else {
        (
            PasswordChosenBy::Support,
            PasswordChosenBy::Administrator {
                email: email("alice@example.com"),
                account: acme,
            },
        )
    };
    assert_eq!(
        (alice_password.chosen_by, bob_password.chosen_by),
        (alice_chooser, bob_chooser)
    );
    let carols_last_name = if version < 4 { "\u{3164}" } else { "Danvers" };
    assert_eq!(carol.last_name.as_str(), carols_last_name);
    assert_eq!(dave.status, UserStatus::PendingRegistration);
    assert!(dave.credential.is_none());
    assert_eq!(erin.is_some(), version >= 2, "Erin came with version 2");
    if let Some(erin) = &erin {
        let locks: Vec<_> = if version < 4 {
            vec![erin.sign_in.user]
        } else {
            erin.sign_in.sources.iter().map(|(_, t)| *t).collect()
        };
        assert!(
            locks
                .iter()
                .any(|t| t.lockouts == 1 && t.locked_until == Some(at(9, 5))),
            "v{version}: Erin's lock-out must be kept: {:?}",
            erin.sign_in
        );
    }
    assert_eq!(grace.is_some(), version >= 3, "Grace came with version 3");
    if let Some(grace) = &grace {
        assert_eq!(grace.status, UserStatus::Active);
        let chooser = grace.credential.as_ref().unwrap().chosen_by.clone();
        let expected = if version < 4 {
            PasswordChosenBy::Unknown
        } else {
            PasswordChosenBy::User
        };
        assert_eq!(chooser, expected);
    }

    let [acme_trail, globex_trail] = trails;
    let counts = (acme_trail.len(), globex_trail.len());
    let expected = match version {
        1 => (10, 3),
        2 => (10, 5),
        3 => (10, 8),
        _ => (11, 8),
    };
    assert_eq!(counts, expected, "v{version}: every audit entry reads back");
    assert_eq!(
        acme_trail.last().unwrap().record.action,
        Action::AccountCreated
    );
    if version >= 2 {
        let locked = globex_trail
            .iter()
            .find(|entry| matches!(entry.record.action, Action::UserLocked { .. }))
            .expect("the lock-out is in Globex's trail");
        assert_eq!(
            locked.record.action,
            Action::UserLocked {
                email: email("erin@example.org"),
                until: at(9, 5),
                // Only version 4 locks a single source.
                every_source: version < 4,
            }
        );
    }
    let registered: Vec<_> = registrations.iter().map(|r| r.account).collect();
    let expected: &[AccountNumber] = match version {
        1 | 2 => &[],
        3 => &[globex],
        _ => &[acme, globex],
    };
    assert_eq!(
        registered, expected,
        "v{version}: Frank's pending registrations"
    );

    // The directory works on the migrated file: the passwords still verify,
    // and group numbers go on after the deleted group 4.
    let later = cres_admin::FixedClock::new(at(10, 0));
    let dir = directory(store).with_clock(std::sync::Arc::new(later));
    let signed_in = dir.authenticate(
        &common::SOURCE,
        "alice@example.com",
        &cres_admin::Password::new("Copper-Lantern-71"),
    );
    assert!(
        matches!(signed_in, Ok(cres_admin::SignIn::SignedIn(_))),
        "v{version}: {signed_in:?}"
    );
    let first_time = dir.authenticate(
        &common::SOURCE,
        "bob@example.com",
        &cres_admin::Password::new("Welcome-Harbor-42"),
    );
    assert!(
        matches!(
            first_time,
            Ok(cres_admin::SignIn::PermanentPasswordRequired(_))
        ),
        "v{version}: {first_time:?}"
    );
    let alices = Actor::User(email("alice@example.com"));
    let created = dir.create_group(&alices, acme, "Support Desk").unwrap();
    assert_eq!(created.group.id.number, 5, "group numbers are never reused");
    dir.add_to_group(
        &Actor::Support,
        GroupId {
            account: acme,
            number: 3,
        },
        "alice@example.com",
    )
    .expect("a group whose name today's rules reserve still takes members");
    drop(dir);

    assert_migrated_like_new(&path, version, "the migration as it shipped");
}

#[test]
fn frozen_version_1_file_migrates_and_reads_back() {
    frozen_file_migrates_and_reads_back(1);
}

#[test]
fn frozen_version_2_file_migrates_and_reads_back() {
    frozen_file_migrates_and_reads_back(2);
}

#[test]
fn frozen_version_3_file_migrates_and_reads_back() {
    frozen_file_migrates_and_reads_back(3);
}

#[test]
fn frozen_version_4_file_migrates_and_reads_back() {
    frozen_file_migrates_and_reads_back(4);
}
