//! The persistent store: one SQLite file (feature `sqlite`).
//!
//! - this module: [`SqliteStore`], opening, and the [`Store`] impl with its
//!   transactions [`SqliteRead`] and [`SqliteWrite`];
//! - `schema`: the migrations (`migrations/*.sql`) and the checks that
//!   refuse a foreign or newer file;
//! - `pool`: the writer connection and the bounded pool of readers;
//! - `queries`: the reads and writes over a connection.

mod pool;
mod queries;
mod schema;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::MutexGuard;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use self::pool::{ReaderLease, ReaderPool, Writer};
use self::queries::Db;
use crate::store::{OpenError, Store, StoreError};

/// Classifies a SQLite failure while the file is being opened.
fn open_error(error: rusqlite::Error) -> OpenError {
    match error.sqlite_error_code() {
        Some(ErrorCode::CannotOpen) => OpenError::CannotOpen(Box::new(error)),
        Some(ErrorCode::NotADatabase) => OpenError::NotADatabase,
        _ => OpenError::Store(fail(error)),
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
///   application: [`OpenError::NotADatabase`];
/// - a database of a newer schema than [`SqliteStore::SCHEMA_VERSION`]:
///   [`OpenError::NewerSchema`];
/// - a path it cannot open: [`OpenError::CannotOpen`].
///
/// # Durability and concurrency
///
/// The file is in write-ahead-log mode with `synchronous = FULL`: a write
/// that returned `Ok` survives a crash of the process and of the machine.
/// Foreign keys are enforced, and the database itself enforces the
/// uniqueness the directory relies on (email identity, group name per
/// account ignoring case, one membership per user and group, one pending
/// registration per email identity and account, one per selector, a SCIM
/// `userName` and `externalId` per account, a provisioning token's id), so
/// it holds between processes too.
///
/// Every write transaction ([`Store::begin_write`]) is one SQL transaction
/// begun with `BEGIN IMMEDIATE` on the store's one writer connection:
/// write transactions are serialized, also between processes that share
/// the file. One that finds the file still locked by another process after
/// a five-second busy timeout fails with [`StoreError::Contention`], and the
/// directory runs the whole operation again; the store never retries on its
/// own. Reads ([`Store::begin_read`]) run on their own connections, each in
/// a read transaction on a snapshot, so they never wait behind a writer. At
/// most eight read connections are open at once; a ninth concurrent read
/// waits for one.
///
/// # The schema
///
/// Users are keyed by their [`UserId`](crate::UserId) (16 bytes), with the lower-case email
/// unique through an index; memberships refer to the id. Users and groups
/// carry their revision. What an account's identity provider calls a user
/// (SCIM `userName` and `externalId`) is a row per account and user,
/// deleted with the user. Audit entries, creators, password choosers and
/// registration senders are JSON in the model's serde form, read back
/// leniently.
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
    /// [`OpenError::CannotOpen`], [`OpenError::NotADatabase`] and
    /// [`OpenError::NewerSchema`] as [Opening](#opening) says, leaving the
    /// file untouched; [`OpenError::Store`] for any other failure of SQLite
    /// (a damaged file, a full disk, a lock another process held past the
    /// busy timeout).
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, OpenError> {
        let path = path.as_ref().to_path_buf();
        let mut writer = pool::connect(&path, true).map_err(|error| match open_error(error) {
            OpenError::Store(StoreError::Backend(source)) => OpenError::CannotOpen(source),
            other => other,
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
            .map_err(open_error)?;
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
}

impl Store for SqliteStore {
    type Read<'s> = SqliteRead<'s>;
    type Write<'s> = SqliteWrite<'s>;

    fn begin_read(&self) -> Result<SqliteRead<'_>, StoreError> {
        let lease = self.readers.lease(&self.path)?;
        // One read transaction, so that every query sees one snapshot;
        // dropping the lease rolls it back.
        run_cached(lease.conn(), "BEGIN DEFERRED")?;
        Ok(SqliteRead { lease })
    }

    fn begin_write(&self) -> Result<SqliteWrite<'_>, StoreError> {
        let conn = self.writer.lock()?;
        // Waits up to the busy timeout for another process's write lock,
        // then fails with Contention.
        run_cached(&conn, "BEGIN IMMEDIATE")?;
        Ok(SqliteWrite { conn, open: true })
    }
}

/// A read snapshot of a [`SqliteStore`]: a pooled read connection inside a
/// read transaction, given back to the pool when dropped.
pub struct SqliteRead<'s> {
    lease: ReaderLease<'s>,
}

impl fmt::Debug for SqliteRead<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteRead").finish_non_exhaustive()
    }
}

impl SqliteRead<'_> {
    fn db(&self) -> Db<'_> {
        Db {
            conn: self.lease.conn(),
        }
    }
}

crate::forward_reader!(['s] SqliteRead<'s>, self => self.db());

/// A write transaction of a [`SqliteStore`]: it holds the store's writer
/// connection inside `BEGIN IMMEDIATE`, and rolls back when dropped
/// without [`Transaction::commit`](crate::store::Transaction::commit).
pub struct SqliteWrite<'s> {
    conn: MutexGuard<'s, Connection>,
    /// Whether the SQL transaction is still to be committed or rolled back.
    open: bool,
}

impl fmt::Debug for SqliteWrite<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteWrite")
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl SqliteWrite<'_> {
    fn db(&self) -> Db<'_> {
        Db { conn: &self.conn }
    }
}

impl Drop for SqliteWrite<'_> {
    fn drop(&mut self) {
        if self.open && !self.conn.is_autocommit() {
            // If this fails (while unwinding, say), the next `begin_write`
            // finishes the rollback before it begins.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

crate::forward_reader!(['s] SqliteWrite<'s>, self => self.db());

impl SqliteWrite<'_> {
    /// Commits the SQL transaction ([`Transaction::commit`](crate::store::Transaction::commit)).
    fn finish(mut self) -> Result<(), StoreError> {
        let committed = run_cached(&self.conn, "COMMIT");
        // Committed, or (on an error) rolled back by SQLite or by Drop.
        self.open = committed.is_err();
        committed
    }
}

crate::forward_writes!(['s] SqliteWrite<'s>, self => self.db(), commit: finish);

/// Puts the file in write-ahead-log mode (a no-op once it is) and returns
/// the mode it is in. Leaving the rollback journal of a new file needs it
/// alone: SQLite answers busy at once, without waiting, while another
/// connection is opening it too, so this waits and tries again, up to the
/// busy timeout.
fn wal_mode(conn: &Connection) -> Result<String, OpenError> {
    let deadline = std::time::Instant::now() + pool::BUSY_TIMEOUT;
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)) {
            Err(error)
                if error.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            result => return result.map_err(open_error),
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
            // Another connection held the lock past the busy timeout: the
            // directory runs the whole operation again.
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Contention(Box::new(error))
            }
            // Once open, a file that no longer reads as a database is damaged.
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StoreError::Corrupt(Box::new(error))
            }
            ErrorCode::DiskFull => StoreError::StorageFull,
            // The file went away or became unreadable under the store.
            ErrorCode::CannotOpen => StoreError::Unavailable(Box::new(error)),
            _ => StoreError::backend(error),
        },
        rusqlite::Error::FromSqlConversionFailure(_, _, source) => StoreError::Corrupt(source),
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::IntegralValueOutOfRange(..) => {
            StoreError::Corrupt(Box::new(error))
        }
        other => StoreError::backend(other),
    }
}
