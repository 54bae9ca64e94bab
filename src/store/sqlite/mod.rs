//! The persistent store: one SQLite file (feature `sqlite`).
//!
//! - this module: [`SqliteStore`], opening, and the [`Store`] impl;
//! - `schema`: the migrations (`migrations/*.sql`) and the checks that
//!   refuse a foreign or newer file;
//! - `pool`: the writer connection and the bounded pool of readers;
//! - `queries`: the [`Reader`] and [`Transaction`] impls over a connection.

mod pool;
mod queries;
mod schema;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use self::pool::{ReaderPool, Writer};
use self::queries::Db;
use crate::Error;
use crate::i18n::{Arg, Localize, Message};
use crate::store::{Reader, Store, StoreError, Transaction};

/// How many times a write transaction is tried when the database stays busy.
const WRITE_ATTEMPTS: u32 = 4;

/// Why [`SqliteStore::open`] could not open a store. In every case but
/// [`SqliteOpenError::Store`], nothing was written to the file.
///
/// Its [`Localize`] message says so in the reader's language.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteOpenError {
    /// The path names a missing folder or a folder rather than a file, or
    /// this process may not read and write it. The cause is the source.
    #[error("the store could not be opened: {0}")]
    CannotOpen(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The file is not a database of this crate: not a SQLite database at
    /// all, or one that belongs to another application. It was left
    /// untouched.
    #[error("the file is not a database of this crate")]
    NotADatabase,
    /// The database was written by a newer version of this crate, with a
    /// schema this version does not know. It was left untouched: upgrade
    /// the crate to use it.
    #[error(
        "the database has schema version {found}, newer than the version {supported} this crate knows"
    )]
    NewerSchema {
        /// The schema version found in the database.
        found: u32,
        /// The newest schema version this crate knows
        /// ([`SqliteStore::SCHEMA_VERSION`]).
        supported: u32,
    },
    /// Any other failure while opening or migrating: a damaged file, a full
    /// disk, a file another process kept locked. A migration that failed
    /// was rolled back.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SqliteOpenError {
    /// Classifies a SQLite failure while the file is being opened.
    fn from_sqlite(error: rusqlite::Error) -> SqliteOpenError {
        match error.sqlite_error_code() {
            Some(ErrorCode::CannotOpen) => SqliteOpenError::CannotOpen(Box::new(error)),
            Some(ErrorCode::NotADatabase) => SqliteOpenError::NotADatabase,
            _ => SqliteOpenError::Store(fail(error)),
        }
    }
}

impl Localize for SqliteOpenError {
    fn message(&self) -> Message {
        match self {
            SqliteOpenError::CannotOpen(_) => Message::new("error-store-cannot-open"),
            SqliteOpenError::NotADatabase => Message::new("error-store-not-a-database"),
            SqliteOpenError::NewerSchema { found, supported } => {
                Message::new("error-store-newer-schema")
                    .arg("found", Arg::Count(u64::from(*found)))
                    .arg("supported", Arg::Count(u64::from(*supported)))
            }
            SqliteOpenError::Store(StoreError::Corrupt(_)) => Message::new("error-store-corrupt"),
            SqliteOpenError::Store(StoreError::StorageFull) => Message::new("error-store-full"),
            SqliteOpenError::Store(_) => Message::new("error-store"),
        }
    }
}

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
/// or upgrades the schema with versioned migrations (the version is
/// SQLite's `user_version`), all pending ones in one transaction: a file is
/// upgraded completely or not at all. Older files read back whatever an
/// earlier version stored, even names or addresses today's input rules
/// would refuse. It refuses, leaving the file untouched:
///
/// - a file that is not SQLite, or a SQLite database of another
///   application: [`SqliteOpenError::NotADatabase`];
/// - a database of a newer schema than [`SqliteStore::SCHEMA_VERSION`]:
///   [`SqliteOpenError::NewerSchema`];
/// - a path it cannot open: [`SqliteOpenError::CannotOpen`].
///
/// # Durability and concurrency
///
/// The file is in write-ahead-log mode with `synchronous = FULL`: a write
/// that returned `Ok` survives a crash of the process and of the machine.
/// Foreign keys are enforced, and the database itself enforces the
/// uniqueness the directory relies on (email identity, group name per
/// account ignoring case, one membership per user and group, one pending
/// registration per email identity and account, one per selector), so it
/// holds between processes too.
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
    writer: Writer,
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
    pub const SCHEMA_VERSION: u32 = schema::SCHEMA_VERSION;

    /// Opens the database at `path`, creating the file and its schema if
    /// needed and migrating an older schema (see [Opening](#opening)).
    ///
    /// # Errors
    ///
    /// [`SqliteOpenError::CannotOpen`], [`SqliteOpenError::NotADatabase`]
    /// and [`SqliteOpenError::NewerSchema`] as [Opening](#opening) says,
    /// leaving the file untouched; [`SqliteOpenError::Store`] for any other
    /// failure of SQLite (a damaged file, a full disk, a lock another
    /// process held past the busy timeout).
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, SqliteOpenError> {
        let path = path.as_ref().to_path_buf();
        let mut writer = pool::connect(&path, true).map_err(|error| {
            match SqliteOpenError::from_sqlite(error) {
                SqliteOpenError::Store(StoreError::Backend(source)) => {
                    SqliteOpenError::CannotOpen(source)
                }
                other => other,
            }
        })?;
        // Nothing is written before the file is known to be ours and not newer.
        schema::check(&writer)?;
        let mode = wal_mode(&writer)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::backend(
                "SQLite could not put the database in write-ahead-log mode",
            )
            .into());
        }
        writer
            .pragma_update(None, "synchronous", "FULL")
            .map_err(SqliteOpenError::from_sqlite)?;
        schema::migrate(&mut writer)?;
        Ok(SqliteStore {
            path,
            writer: Writer::new(writer),
            readers: ReaderPool::default(),
        })
    }

    /// The path the store was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's `PRAGMA integrity_check` on the whole file.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] if it finds a problem; any failure to run it.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let lease = self.readers.lease(&self.path)?;
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
        let lease = self.readers.lease(&self.path)?;
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
        let mut conn = self.writer.lock()?;
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

/// Puts the file in write-ahead-log mode (a no-op once it is) and returns
/// the mode it is in. Leaving the rollback journal of a new file needs it
/// alone: SQLite answers busy at once, without waiting, while another
/// connection is opening it too, so this waits and tries again, up to the
/// busy timeout.
fn wal_mode(conn: &Connection) -> Result<String, SqliteOpenError> {
    let deadline = std::time::Instant::now() + pool::BUSY_TIMEOUT;
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)) {
            Err(error)
                if error.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            result => return result.map_err(SqliteOpenError::from_sqlite),
        }
    }
}

fn run_cached(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(drop)
        .map_err(fail)
}

/// Maps a SQLite failure of an open store to the store's error kinds.
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
            // Once open, a file that no longer reads as a database is damaged.
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StoreError::Corrupt(Box::new(error))
            }
            ErrorCode::DiskFull => StoreError::StorageFull,
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
