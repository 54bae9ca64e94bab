//! The persistent store: one SQLite file (feature `sqlite`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{Type, Value};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior};

use crate::Error;
use crate::model::{
    Account, AccountNumber, ActorRecord, AuditEntry, AuditRecord, Credential, Email, Group,
    GroupId, GroupName, GroupSummary, Name, PasswordChosenBy, PendingRegistration, SignInState,
    Throttle, User, UserStatus,
};
use crate::store::{Reader, Store, StoreError, Transaction};
use crate::{Action, PasswordHash};

/// The schema, one migration per version: migration `N` (counting from 1)
/// turns a version `N - 1` database into a version `N` one. Append only:
/// never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // Version 1: accounts, users, groups, memberships, the audit trail.
    "
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
    ",
    // Version 2: each user's sign-in state (consecutive failures, lock-out).
    // Existing users start with none.
    "
    ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0
        CHECK (failed_sign_ins BETWEEN 0 AND 4294967295);
    ALTER TABLE users ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0
        CHECK (lockouts BETWEEN 0 AND 4294967295);
    ALTER TABLE users ADD COLUMN locked_until TEXT;
    ",
    // Version 3: pending registrations, one per email identity, found by
    // identity or by their token's selector. Independent of `users`: an
    // address may have a registration and no user.
    "
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
    ",
    // Version 4: tenant isolation (R13-R15). Who chose each password
    // (unknown for the passwords already there); a window for decaying
    // sign-in failures and the per-source lock-outs; one pending registration
    // per (email identity, account) instead of one per email identity.
    "
    ALTER TABLE users ADD COLUMN password_chosen_by TEXT;
    UPDATE users SET password_chosen_by = '\"unknown\"' WHERE password_hash IS NOT NULL;
    ALTER TABLE users ADD COLUMN failure_window_started TEXT;
    ALTER TABLE users ADD COLUMN sign_in_sources TEXT NOT NULL DEFAULT '[]';

    CREATE TABLE registrations_by_account (
        identity      TEXT    NOT NULL CHECK (identity = lower(email)),
        account       INTEGER NOT NULL,
        email         TEXT    NOT NULL,
        selector      TEXT    NOT NULL UNIQUE,
        verifier_hash BLOB    NOT NULL CHECK (length(verifier_hash) = 32),
        sent_by       TEXT    NOT NULL,
        issued_at     TEXT    NOT NULL,
        expires_at    TEXT    NOT NULL,
        PRIMARY KEY (identity, account)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO registrations_by_account
        SELECT identity, account, email, selector, verifier_hash, sent_by, issued_at, expires_at
        FROM registrations;
    DROP TABLE registrations;
    ALTER TABLE registrations_by_account RENAME TO registrations;
    CREATE INDEX registrations_by_expiry ON registrations (expires_at);
    ",
];

/// `PRAGMA application_id` of the databases this crate writes.
const APPLICATION_ID: i64 = 0x4352_4553;

/// How long a connection waits for another one's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a write transaction is tried when the database stays busy.
const WRITE_ATTEMPTS: u32 = 4;

/// Read connections open at most at once; a read that finds them all busy
/// waits for one (up to [`BUSY_TIMEOUT`]), so a burst of readers cannot
/// open connections without bound. They stay open for the next reads.
const MAX_READERS: usize = 8;

/// A [`Store`] in one SQLite file: durable, safe to share between threads
/// and between processes. Enable the `sqlite` feature.
///
/// ```
/// use cres_admin::{AccountNumber, Actor, Directory, SqliteStore};
///
/// let folder = tempfile::tempdir()?;
/// let path = folder.path().join("cres.db");
/// let directory = Directory::new(SqliteStore::open(&path)?);
/// directory.create_account(&Actor::Support, AccountNumber::new(12345), "Acme")?;
/// drop(directory);
///
/// // Everything is still there after reopening.
/// let directory = Directory::new(SqliteStore::open(&path)?);
/// let groups = directory.groups(&Actor::Support, AccountNumber::new(12345))?;
/// assert_eq!(groups.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Opening
///
/// [`SqliteStore::open`] creates the file if it does not exist, and creates
/// or upgrades the schema with versioned migrations, each in its own
/// transaction (the version is SQLite's `user_version`). It refuses, leaving
/// the file untouched:
///
/// - a file that is not SQLite, or a SQLite database of another
///   application: [`StoreError::NotADatabase`];
/// - a database of a newer schema than [`SqliteStore::SCHEMA_VERSION`]:
///   [`StoreError::NewerSchema`];
/// - a path it cannot open: [`StoreError::CannotOpen`].
///
/// # Durability and concurrency
///
/// The file is in write-ahead-log mode with `synchronous = FULL`: a write
/// that returned `Ok` survives a crash of the process and of the machine.
/// Foreign keys are enforced, and the database itself enforces the
/// uniqueness the directory relies on (email identity, group name per
/// account ignoring case, one membership per user and group, one pending
/// registration per email identity and account, one per selector), so it holds between
/// processes too.
///
/// Every write transaction is one SQL transaction begun with
/// `BEGIN IMMEDIATE`: write transactions are serialized, also between
/// processes that share the file, and one that is still busy after a
/// timeout is tried again a few times before [`StoreError::Unavailable`].
/// Reads run on their own connections, each in a read transaction on a
/// snapshot, so they never wait behind a writer. At most eight read
/// connections are open at once; a ninth concurrent read waits for one.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: ReaderPool,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// The schema version this crate writes, and the newest it can open.
    pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

    /// Opens the database at `path`, creating the file and its schema if
    /// needed and migrating an older schema (see [Opening](#opening)).
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut writer = connect(&path, true)?;
        // Nothing is written before the file is known to be ours and not newer.
        check_schema(&writer)?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::backend(
                "SQLite could not put the database in write-ahead-log mode",
            ));
        }
        writer
            .pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        migrate(&mut writer)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: ReaderPool::default(),
        })
    }

    /// The path the store was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's `PRAGMA integrity_check` on the whole file:
    /// [`StoreError::Corrupt`] if it finds a problem.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let lease = self.reader()?;
        let conn = lease.conn();
        let mut statement = conn.prepare("PRAGMA integrity_check").map_err(fail)?;
        let findings: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        if findings.len() == 1 && findings[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(
                format!(
                    "SQLite's integrity check found {} problem(s)",
                    findings.len()
                )
                .into(),
            ))
        }
    }

    /// An idle read connection, or a new one while fewer than
    /// [`MAX_READERS`] are open, or the first one given back.
    fn reader(&self) -> Result<ReaderLease<'_>, StoreError> {
        let pool = &self.readers;
        let mut state = pool.state.lock().unwrap_or_else(PoisonError::into_inner);
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(ReaderLease {
                    conn: Some(conn),
                    pool,
                });
            }
            if state.open < MAX_READERS {
                state.open += 1;
                drop(state);
                // A lease without a connection gives its slot back if
                // opening fails.
                let mut lease = ReaderLease { conn: None, pool };
                let conn = connect(&self.path, false)?;
                conn.pragma_update(None, "query_only", true).map_err(fail)?;
                lease.conn = Some(conn);
                return Ok(lease);
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(StoreError::Unavailable(
                    "every read connection stayed busy".into(),
                ));
            }
            state = pool
                .returned
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn write_once(
        conn: &mut Connection,
        f: &mut dyn FnMut(&mut dyn Transaction) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        // On an error, or a panic unwinding, dropping `tx` rolls back.
        f(&mut Db { conn: &tx })?;
        tx.commit().map_err(fail)?;
        Ok(())
    }
}

impl Store for SqliteStore {
    fn read(&self, f: &mut dyn FnMut(&dyn Reader) -> Result<(), Error>) -> Result<(), Error> {
        let lease = self.reader()?;
        let conn = lease.conn();
        // One read transaction, so that every query of `f` sees one snapshot.
        run_cached(conn, "BEGIN DEFERRED")?;
        let result = f(&Db { conn });
        let end = run_cached(conn, "COMMIT");
        result?;
        Ok(end?)
    }

    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Transaction) -> Result<(), Error>,
    ) -> Result<(), Error> {
        // A panic in a transaction poisons the lock after rolling back.
        let mut conn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if !conn.is_autocommit() {
            // A rollback that failed while unwinding: finish it now.
            conn.execute_batch("ROLLBACK").map_err(fail)?;
        }
        let mut attempt = 1;
        loop {
            match SqliteStore::write_once(&mut conn, f) {
                Err(error) if attempt < WRITE_ATTEMPTS && is_busy(&error) => {
                    std::thread::sleep(Duration::from_millis(10 << attempt));
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}

/// The read connections: the idle ones, and how many are open in all.
#[derive(Default)]
struct ReaderPool {
    state: Mutex<ReaderPoolState>,
    /// Signalled when a connection is given back or closed.
    returned: std::sync::Condvar,
}

#[derive(Default)]
struct ReaderPoolState {
    idle: Vec<Connection>,
    open: usize,
}

/// A read connection borrowed from the pool; given back when dropped, or
/// closed (freeing its slot) if it could not be brought back to a clean state.
struct ReaderLease<'a> {
    conn: Option<Connection>,
    pool: &'a ReaderPool,
}

impl ReaderLease<'_> {
    fn conn(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for ReaderLease<'_> {
    fn drop(&mut self) {
        let clean = self
            .conn
            .take()
            .filter(|conn| conn.is_autocommit() || conn.execute_batch("ROLLBACK").is_ok());
        let mut state = self
            .pool
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match clean {
            Some(conn) => state.idle.push(conn),
            None => state.open -= 1,
        }
        drop(state);
        self.pool.returned.notify_one();
    }
}

/// Opens a connection with the settings every connection of the store uses;
/// only the writer's may create the file.
fn connect(path: &Path, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|error| match fail(error) {
        StoreError::Backend(source) => StoreError::CannotOpen(source),
        other => other,
    })?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(fail)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// The file's schema version, once it is known to be a database of this
/// crate (or an empty file) no newer than this code.
fn check_schema(conn: &Connection) -> Result<u32, StoreError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(fail)?;
    let application: i64 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(fail)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(fail)?;
    let ours = application == APPLICATION_ID;
    let empty = application == 0 && version == 0 && objects == 0;
    if !ours && !empty {
        return Err(StoreError::NotADatabase);
    }
    let found = u32::try_from(version).map_err(|_| StoreError::NotADatabase)?;
    if found > SqliteStore::SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SqliteStore::SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Brings the schema up to [`SqliteStore::SCHEMA_VERSION`], one migration
/// per transaction. Another process may migrate the same file at the same
/// moment: each step checks the version again once it holds the write lock.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    for (done, migration) in MIGRATIONS.iter().enumerate() {
        let target = done as u32 + 1;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        if check_schema(&tx)? < target {
            tx.execute_batch(migration).map_err(fail)?;
            tx.pragma_update(None, "user_version", target)
                .map_err(fail)?;
            tx.commit().map_err(fail)?;
        }
    }
    Ok(())
}

fn run_cached(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(drop)
        .map_err(fail)
}

/// Maps a SQLite failure to the store's error kinds.
fn fail(error: rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    match error {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::ConstraintViolation => match failure.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    StoreError::Conflict
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::NotFound,
                _ => StoreError::backend(error),
            },
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable(Box::new(error))
            }
            ErrorCode::DatabaseCorrupt => StoreError::Corrupt(Box::new(error)),
            ErrorCode::NotADatabase => StoreError::NotADatabase,
            ErrorCode::DiskFull => StoreError::StorageFull,
            ErrorCode::CannotOpen => StoreError::CannotOpen(Box::new(error)),
            _ => StoreError::backend(error),
        },
        rusqlite::Error::FromSqlConversionFailure(_, _, source) => StoreError::Corrupt(source),
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::IntegralValueOutOfRange(..) => {
            StoreError::Corrupt(Box::new(error))
        }
        other => StoreError::backend(other),
    }
}

/// Whether a write failed because the database stayed locked by another
/// connection: then the whole transaction may be tried again.
fn is_busy(error: &Error) -> bool {
    match error {
        Error::Store(StoreError::Unavailable(source)) => source
            .downcast_ref::<rusqlite::Error>()
            .and_then(rusqlite::Error::sqlite_error_code)
            .is_some_and(|code| {
                matches!(code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            }),
        _ => false,
    }
}

/// A stored value that cannot be read back. Names the column, never the value.
#[derive(Debug)]
struct Undecodable(&'static str);

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a stored {} could not be read back", self.0)
    }
}

impl std::error::Error for Undecodable {}

/// Reads column `index` as text and decodes it with `decode`.
fn decoded<T, E>(
    row: &Row<'_>,
    index: usize,
    what: &'static str,
    decode: impl FnOnce(String) -> Result<T, E>,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    decode(text).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(Undecodable(what)))
    })
}

fn json<T: serde::de::DeserializeOwned>(text: String) -> Result<T, serde_json::Error> {
    serde_json::from_str(&text)
}

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::backend)
}

/// A time as fixed-width RFC 3339 text, so that text order is time order;
/// later than the year 9999 is written as its end (the directory never
/// records such times, see `model::later`).
fn time(at: &DateTime<Utc>) -> String {
    (*at)
        .min(crate::model::end_of_time())
        .to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn parse_time(text: String) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(&text).map(|at| at.with_timezone(&Utc))
}

/// Account numbers are stored as SQLite integers: the bits of the `u64`,
/// which every account number of 12 digits keeps as it is.
fn account_key(number: AccountNumber) -> i64 {
    number.get() as i64
}

fn account_number(key: i64) -> AccountNumber {
    AccountNumber::new(key as u64)
}

fn status_text(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "active",
        UserStatus::PendingRegistration => "pending_registration",
        UserStatus::Disabled => "disabled",
    }
}

fn parse_status(text: String) -> Result<UserStatus, ()> {
    match text.as_str() {
        "active" => Ok(UserStatus::Active),
        "pending_registration" => Ok(UserStatus::PendingRegistration),
        "disabled" => Ok(UserStatus::Disabled),
        _ => Err(()),
    }
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let hash: Option<String> = row.get(4)?;
    let credential = match hash {
        None => None,
        Some(hash) => Some(Credential {
            hash: PasswordHash::from_phc(hash),
            temporary: row.get(5)?,
            set_at: decoded(row, 6, "password time", parse_time)?,
            chosen_by: decoded(row, 13, "password chooser", json::<PasswordChosenBy>)?,
        }),
    };
    Ok(User {
        email: decoded(row, 0, "email address", Email::try_from)?,
        first_name: decoded(row, 1, "first name", Name::try_from)?,
        last_name: decoded(row, 2, "last name", Name::try_from)?,
        status: decoded(row, 3, "user status", parse_status)?,
        credential,
        created_at: decoded(row, 7, "creation time", parse_time)?,
        created_by: decoded(row, 8, "actor", json::<ActorRecord>)?,
        created_in: account_number(row.get(9)?),
        sign_in: SignInState {
            user: Throttle {
                failures: row.get(10)?,
                window_started: optional_time(row, 14, "failure window")?,
                lockouts: row.get(11)?,
                locked_until: optional_time(row, 12, "lock-out time")?,
            },
            sources: decoded(row, 15, "sign-in sources", json)?,
        },
    })
}

/// Reads column `index` as an optional time.
fn optional_time(
    row: &Row<'_>,
    index: usize,
    what: &'static str,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => decoded(row, index, what, parse_time).map(Some),
    }
}

fn group_from_row(account: AccountNumber, row: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        id: GroupId {
            account,
            number: row.get(0)?,
        },
        name: decoded(row, 1, "group name", json::<GroupName>)?,
        created_at: decoded(row, 2, "creation time", parse_time)?,
    })
}

/// The columns `email, selector, verifier_hash, sent_by, account, issued_at,
/// expires_at` of `registrations`, in that order.
fn registration_from_row(row: &Row<'_>) -> rusqlite::Result<PendingRegistration> {
    let hash: Vec<u8> = row.get(2)?;
    let verifier_hash = <[u8; 32]>::try_from(hash).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            Type::Blob,
            Box::new(Undecodable("verifier hash")),
        )
    })?;
    Ok(PendingRegistration {
        email: decoded(row, 0, "email address", Email::try_from)?,
        selector: row.get(1)?,
        verifier_hash,
        sent_by: decoded(row, 3, "actor", json::<ActorRecord>)?,
        account: account_number(row.get(4)?),
        issued_at: decoded(row, 5, "issue time", parse_time)?,
        expires_at: decoded(row, 6, "expiry time", parse_time)?,
    })
}

/// The `users` columns of a user, in table order from `identity` to
/// `sign_in_sources`: the parameters `?1` to `?17` of the insert and the
/// update (owned values: rusqlite's parameter tuples stop at 16).
fn user_columns(user: &User) -> Result<Vec<Value>, StoreError> {
    let credential = user.credential.as_ref();
    let throttle = &user.sign_in.user;
    Ok(vec![
        user.email.identity().to_owned().into(),
        user.email.as_str().to_owned().into(),
        user.first_name.as_str().to_owned().into(),
        user.last_name.as_str().to_owned().into(),
        status_text(user.status).to_owned().into(),
        credential.map(|c| c.hash.as_phc().to_owned()).into(),
        credential.map(|c| c.temporary).into(),
        credential.map(|c| time(&c.set_at)).into(),
        time(&user.created_at).into(),
        to_json(&user.created_by)?.into(),
        account_key(user.created_in).into(),
        throttle.failures.into(),
        throttle.lockouts.into(),
        throttle.locked_until.as_ref().map(time).into(),
        credential
            .map(|c| to_json(&c.chosen_by))
            .transpose()?
            .into(),
        throttle.window_started.as_ref().map(time).into(),
        to_json(&user.sign_in.sources)?.into(),
    ])
}

/// The store's reads and writes on one connection: a read connection inside
/// its read transaction, or the writer inside its write transaction.
struct Db<'c> {
    conn: &'c Connection,
}

impl Db<'_> {
    fn execute(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute(params))
            .map_err(fail)
    }

    fn query_one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.query_row(params, map).optional())
            .map_err(fail)
    }

    fn query_all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        mut map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(fail)?;
        let mut rows = statement.query(params).map_err(fail)?;
        let mut all = Vec::new();
        while let Some(row) = rows.next().map_err(fail)? {
            all.push(map(row).map_err(fail)?);
        }
        Ok(all)
    }
}

impl Reader for Db<'_> {
    fn account(&self, number: AccountNumber) -> Result<Option<Account>, StoreError> {
        self.query_one(
            "SELECT name, created_at FROM accounts WHERE number = ?1",
            [account_key(number)],
            |row| {
                Ok(Account {
                    number,
                    name: decoded(row, 0, "account name", Name::try_from)?,
                    created_at: decoded(row, 1, "creation time", parse_time)?,
                })
            },
        )
    }

    fn user(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.query_one(
            "SELECT email, first_name, last_name, status, password_hash, password_temporary,
                    password_set_at, created_at, created_by, created_in,
                    failed_sign_ins, lockouts, locked_until, password_chosen_by,
                    failure_window_started, sign_in_sources
             FROM users WHERE identity = ?1",
            [email.identity()],
            user_from_row,
        )
    }

    fn group(&self, id: GroupId) -> Result<Option<Group>, StoreError> {
        self.query_one(
            "SELECT number, name, created_at FROM account_groups
             WHERE account = ?1 AND number = ?2",
            (account_key(id.account), id.number),
            |row| group_from_row(id.account, row),
        )
    }

    fn groups(&self, account: AccountNumber) -> Result<Vec<GroupSummary>, StoreError> {
        self.query_all(
            "SELECT g.number, g.name, g.created_at,
                    (SELECT count(*) FROM memberships m
                     WHERE m.account = g.account AND m.number = g.number)
             FROM account_groups g WHERE g.account = ?1 ORDER BY g.number",
            [account_key(account)],
            |row| {
                Ok(GroupSummary {
                    group: group_from_row(account, row)?,
                    members: row.get(3)?,
                })
            },
        )
    }

    fn is_member(&self, group: GroupId, email: &Email) -> Result<bool, StoreError> {
        let found = self.query_one(
            "SELECT EXISTS (SELECT 1 FROM memberships
                            WHERE account = ?1 AND number = ?2 AND identity = ?3)",
            (account_key(group.account), group.number, email.identity()),
            |row| row.get(0),
        )?;
        Ok(found.unwrap_or(false))
    }

    fn member_count(&self, group: GroupId) -> Result<usize, StoreError> {
        let count = self.query_one(
            "SELECT count(*) FROM memberships WHERE account = ?1 AND number = ?2",
            (account_key(group.account), group.number),
            |row| row.get(0),
        )?;
        Ok(count.unwrap_or(0))
    }

    fn members(&self, group: GroupId) -> Result<Vec<Email>, StoreError> {
        self.query_all(
            "SELECT u.email FROM memberships m JOIN users u ON u.identity = m.identity
             WHERE m.account = ?1 AND m.number = ?2 ORDER BY m.identity",
            (account_key(group.account), group.number),
            |row| decoded(row, 0, "email address", Email::try_from),
        )
    }

    fn audit(&self, account: AccountNumber, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query_all(
            "SELECT sequence, at, actor, action FROM audit
             WHERE account = ?1 ORDER BY sequence DESC LIMIT ?2",
            (account_key(account), limit),
            |row| {
                Ok(AuditEntry {
                    sequence: row.get(0)?,
                    record: AuditRecord {
                        at: decoded(row, 1, "audit time", parse_time)?,
                        actor: decoded(row, 2, "actor", json::<ActorRecord>)?,
                        account,
                        action: decoded(row, 3, "audit action", json::<Action>)?,
                    },
                })
            },
        )
    }

    fn is_account_admin(&self, account: AccountNumber, email: &Email) -> Result<bool, StoreError> {
        // One primary-key lookup in `memberships`.
        self.is_member(GroupId::administrators(account), email)
    }

    fn user_groups(&self, email: &Email) -> Result<Vec<GroupId>, StoreError> {
        self.query_all(
            "SELECT account, number FROM memberships WHERE identity = ?1
             ORDER BY account, number",
            [email.identity()],
            |row| {
                Ok(GroupId {
                    account: account_number(row.get(0)?),
                    number: row.get(1)?,
                })
            },
        )
    }

    fn registration(
        &self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<Option<PendingRegistration>, StoreError> {
        self.query_one(
            "SELECT email, selector, verifier_hash, sent_by, account, issued_at, expires_at
             FROM registrations WHERE identity = ?1 AND account = ?2",
            (email.identity(), account_key(account)),
            registration_from_row,
        )
    }

    fn registrations(&self, email: &Email) -> Result<Vec<PendingRegistration>, StoreError> {
        self.query_all(
            "SELECT email, selector, verifier_hash, sent_by, account, issued_at, expires_at
             FROM registrations WHERE identity = ?1 ORDER BY account",
            [email.identity()],
            registration_from_row,
        )
    }

    fn expired_registrations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query_all(
            "SELECT email, selector, verifier_hash, sent_by, account, issued_at, expires_at
             FROM registrations WHERE expires_at <= ?1 LIMIT ?2",
            (time(&now), limit),
            registration_from_row,
        )
    }

    fn registration_by_selector(
        &self,
        selector: &str,
    ) -> Result<Option<PendingRegistration>, StoreError> {
        self.query_one(
            "SELECT email, selector, verifier_hash, sent_by, account, issued_at, expires_at
             FROM registrations WHERE selector = ?1",
            [selector],
            registration_from_row,
        )
    }
}

impl Transaction for Db<'_> {
    fn insert_account(&mut self, account: &Account) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO accounts (number, name, created_at, next_group) VALUES (?1, ?2, ?3, ?4)",
            (
                account_key(account.number),
                account.name.as_str(),
                time(&account.created_at),
                GroupId::ADMINISTRATORS_NUMBER,
            ),
        )
        .map(drop)
    }

    fn insert_group(
        &mut self,
        account: AccountNumber,
        name: &GroupName,
        created_at: DateTime<Utc>,
    ) -> Result<Group, StoreError> {
        let next: i64 = self
            .query_one(
                "SELECT next_group FROM accounts WHERE number = ?1",
                [account_key(account)],
                |row| row.get(0),
            )?
            .ok_or(StoreError::NotFound)?;
        // As in the memory store, the last number is never given: the
        // counter always has a next value, and never wraps to 1.
        let (number, after) = u32::try_from(next)
            .ok()
            .and_then(|number| Some((number, number.checked_add(1)?)))
            .ok_or_else(|| StoreError::backend("the account has no group number left"))?;
        // Insert first: a name conflict then leaves the counter as it was.
        self.execute(
            "INSERT INTO account_groups (account, number, name, name_key, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            (
                account_key(account),
                number,
                to_json(name)?,
                name.key(),
                time(&created_at),
            ),
        )?;
        self.execute(
            "UPDATE accounts SET next_group = ?2 WHERE number = ?1",
            (account_key(account), after),
        )?;
        Ok(Group {
            id: GroupId { account, number },
            name: name.clone(),
            created_at,
        })
    }

    fn rename_group(&mut self, id: GroupId, name: &GroupName) -> Result<(), StoreError> {
        let changed = self.execute(
            "UPDATE account_groups SET name = ?3, name_key = ?4
             WHERE account = ?1 AND number = ?2",
            (
                account_key(id.account),
                id.number,
                to_json(name)?,
                name.key(),
            ),
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn delete_group(&mut self, id: GroupId) -> Result<(), StoreError> {
        let key = (account_key(id.account), id.number);
        // The foreign key cascades too; deleting explicitly does not depend
        // on the connection having foreign keys on.
        self.execute(
            "DELETE FROM memberships WHERE account = ?1 AND number = ?2",
            key,
        )?;
        let deleted = self.execute(
            "DELETE FROM account_groups WHERE account = ?1 AND number = ?2",
            key,
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        let columns = user_columns(user)?;
        self.execute(
            "INSERT INTO users (identity, email, first_name, last_name, status, password_hash,
                                password_temporary, password_set_at, created_at, created_by,
                                created_in, failed_sign_ins, lockouts, locked_until,
                                password_chosen_by, failure_window_started, sign_in_sources)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17)",
            rusqlite::params_from_iter(columns),
        )
        .map(drop)
    }

    fn update_user(&mut self, user: &User) -> Result<(), StoreError> {
        let columns = user_columns(user)?;
        // Everything but the identity, which selects the row.
        let changed = self.execute(
            "UPDATE users SET email = ?2, first_name = ?3, last_name = ?4, status = ?5,
                              password_hash = ?6, password_temporary = ?7,
                              password_set_at = ?8, created_at = ?9, created_by = ?10,
                              created_in = ?11, failed_sign_ins = ?12, lockouts = ?13,
                              locked_until = ?14, password_chosen_by = ?15,
                              failure_window_started = ?16, sign_in_sources = ?17
             WHERE identity = ?1",
            rusqlite::params_from_iter(columns),
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn put_registration(&mut self, registration: &PendingRegistration) -> Result<(), StoreError> {
        // One statement, so a refused put changes nothing even if the
        // transaction goes on, and no reader ever sees half of a replacement.
        // The upsert replaces the row of the same identity and account; a
        // selector held by another row breaks the UNIQUE constraint
        // (Conflict). (`INSERT OR REPLACE` would instead delete that other row.)
        self.execute(
            "INSERT INTO registrations (identity, email, selector, verifier_hash, sent_by,
                                        account, issued_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (identity, account) DO UPDATE SET
                 email = excluded.email, selector = excluded.selector,
                 verifier_hash = excluded.verifier_hash, sent_by = excluded.sent_by,
                 issued_at = excluded.issued_at, expires_at = excluded.expires_at",
            (
                registration.email.identity(),
                registration.email.as_str(),
                registration.selector.as_str(),
                &registration.verifier_hash[..],
                to_json(&registration.sent_by)?,
                account_key(registration.account),
                time(&registration.issued_at),
                time(&registration.expires_at),
            ),
        )
        .map(drop)
    }

    fn delete_registration(
        &mut self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<(), StoreError> {
        let deleted = self.execute(
            "DELETE FROM registrations WHERE identity = ?1 AND account = ?2",
            (email.identity(), account_key(account)),
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn add_member(&mut self, group: GroupId, email: &Email) -> Result<(), StoreError> {
        // The primary key refuses a second membership (Conflict), the foreign
        // keys a missing user or group (NotFound).
        self.execute(
            "INSERT INTO memberships (account, number, identity) VALUES (?1, ?2, ?3)",
            (account_key(group.account), group.number, email.identity()),
        )
        .map(drop)
    }

    fn remove_member(&mut self, group: GroupId, email: &Email) -> Result<(), StoreError> {
        let deleted = self.execute(
            "DELETE FROM memberships WHERE account = ?1 AND number = ?2 AND identity = ?3",
            (account_key(group.account), group.number, email.identity()),
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn append_audit(&mut self, record: &AuditRecord) -> Result<u64, StoreError> {
        self.execute(
            "INSERT INTO audit (account, at, actor, action) VALUES (?1, ?2, ?3, ?4)",
            (
                account_key(record.account),
                time(&record.at),
                to_json(&record.actor)?,
                to_json(&record.action)?,
            ),
        )?;
        u64::try_from(self.conn.last_insert_rowid())
            .map_err(|_| StoreError::backend("SQLite gave a negative audit sequence number"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;

    use super::*;
    use crate::store::StoreExt;

    /// Review: the reader pool opened a connection for every concurrent
    /// read. Thirty-two reads held open at once all complete, on at most
    /// `MAX_READERS` connections.
    #[test]
    fn concurrent_reads_share_a_bounded_pool() {
        let folder = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(folder.path().join("pool.db")).unwrap();
        let barrier = Barrier::new(32);
        let most_open = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..32 {
                scope.spawn(|| {
                    barrier.wait();
                    store
                        .read_with(|reader| {
                            let open = store.readers.state.lock().unwrap().open;
                            most_open.fetch_max(open, std::sync::atomic::Ordering::SeqCst);
                            // Hold the connection a moment, so reads overlap.
                            std::thread::sleep(Duration::from_millis(5));
                            Ok(reader.account(AccountNumber::new(1))?)
                        })
                        .unwrap();
                });
            }
        });
        let most_open = most_open.into_inner();
        assert!(
            (1..=MAX_READERS).contains(&most_open),
            "{most_open} read connections were open at once"
        );
        assert_eq!(store.readers.state.lock().unwrap().idle.len(), most_open);
    }
}
