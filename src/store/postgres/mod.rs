//! The shared store: PostgreSQL (feature `postgres`).
//!
//! - this module: [`PostgresStore`], [`PostgresConfig`], opening, and the
//!   [`Store`] impl with its transactions [`PostgresRead`] and
//!   [`PostgresWrite`];
//! - `connection`: connections, their pool and their prepared statements;
//! - `tls`: [`TlsMode`], TLS through rustls;
//! - `schema`: the migrations (`migrations/*.sql`), run once under an
//!   advisory lock, and the checks that refuse a foreign or newer schema;
//! - `queries`: the reads and writes over a connection.

mod connection;
mod queries;
mod schema;
mod tls;

use std::cell::RefCell;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use postgres::error::SqlState;
use r2d2::PooledConnection;

use self::connection::Manager;
use self::queries::Db;
pub use self::tls::TlsMode;
use crate::model::{AccountNumber, UserId};
use crate::store::{OpenError, Store, StoreError};

/// Where and how a [`PostgresStore`] connects.
///
/// ```
/// use std::time::Duration;
/// use cres_admin::PostgresConfig;
///
/// let config = PostgresConfig::from_url(
///     "postgresql://cres@db.example.com/mail?sslmode=verify-full",
/// )?
/// .schema("cres_admin")
/// .pool_size(16)
/// .statement_timeout(Some(Duration::from_secs(5)));
/// # Ok::<(), cres_admin::OpenError>(())
/// ```
#[derive(Clone)]
pub struct PostgresConfig {
    connection: postgres::Config,
    tls: TlsMode,
    schema: String,
    pool_size: u32,
    connect_timeout: Duration,
    statement_timeout: Option<Duration>,
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the connection settings: they may hold a password.
        f.debug_struct("PostgresConfig")
            .field("hosts", &self.connection.get_hosts())
            .field("dbname", &self.connection.get_dbname())
            .field("tls", &self.tls)
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .finish_non_exhaustive()
    }
}

impl PostgresConfig {
    /// The schema the store keeps its tables in unless told otherwise.
    pub const DEFAULT_SCHEMA: &'static str = "cres_admin";

    /// The settings of a `postgresql://` (or `postgres://`) URL, as libpq
    /// reads it. Its `sslmode` may be `disable`, `prefer` (the default),
    /// `require` or `verify-full` (see [`TlsMode`]); `sslrootcert` names a
    /// PEM file of authorities to trust. The schema is
    /// [`PostgresConfig::DEFAULT_SCHEMA`], the pool 8 connections, the
    /// connect timeout 5 seconds and the statement timeout 30 seconds.
    ///
    /// # Errors
    /// [`OpenError::CannotOpen`] for a URL that cannot be read or an
    /// unsupported `sslmode`; the message never repeats the URL (it may
    /// hold a password).
    pub fn from_url(url: &str) -> Result<PostgresConfig, OpenError> {
        let (rest, query) = url.split_once('?').unwrap_or((url, ""));
        let mut mode = None;
        let mut root = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("sslmode", value)) => mode = Some(value.to_owned()),
                Some(("sslrootcert", value)) => root = Some(PathBuf::from(percent_decoded(value))),
                _ => kept.push(pair),
            }
        }
        let url = if kept.is_empty() {
            rest.to_owned()
        } else {
            format!("{rest}?{}", kept.join("&"))
        };
        let connection: postgres::Config = url
            .parse()
            .map_err(|_| OpenError::CannotOpen("the PostgreSQL URL could not be read".into()))?;
        Ok(PostgresConfig {
            connection,
            tls: TlsMode::parse(mode.as_deref(), root)?,
            schema: Self::DEFAULT_SCHEMA.to_owned(),
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
        })
    }

    /// Keeps the store's tables in `schema` (created if missing), so that
    /// the crate can share a database with the service's own tables. A
    /// plain lower-case SQL identifier: letters, digits and `_`, at most 63
    /// bytes, not starting with a digit (checked when the store opens).
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> PostgresConfig {
        self.schema = schema.into();
        self
    }

    /// At most `size` connections open at once (at least 1).
    #[must_use]
    pub fn pool_size(mut self, size: u32) -> PostgresConfig {
        self.pool_size = size.max(1);
        self
    }

    /// How long connecting, or waiting for a pooled connection, may take.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> PostgresConfig {
        self.connect_timeout = timeout;
        self
    }

    /// How long one statement may run before the server cancels it (the
    /// operation then fails with [`StoreError::Unavailable`]); `None` for
    /// no limit.
    #[must_use]
    pub fn statement_timeout(mut self, timeout: Option<Duration>) -> PostgresConfig {
        self.statement_timeout = timeout;
        self
    }

    /// TLS as `mode` says, whatever the URL said.
    #[must_use]
    pub fn tls(mut self, mode: TlsMode) -> PostgresConfig {
        self.tls = mode;
        self
    }

    /// The name of the schema the store uses.
    pub fn schema_name(&self) -> &str {
        &self.schema
    }
}

/// `%XX` escapes of a URL query value decoded (a path in `sslrootcert`).
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A [`Store`] on PostgreSQL, shared by every instance of a service.
/// Enable the `postgres` feature.
///
/// # Opening
///
/// [`PostgresStore::open`] connects, creates its schema if missing and
/// runs the pending migrations, each numbered and checksummed, all in one
/// transaction under an advisory lock: instances starting at once migrate
/// exactly once, the others wait and find the schema up to date. It
/// refuses, leaving the database untouched, a schema of a newer version
/// ([`OpenError::NewerSchema`]) and a schema that is not this crate's, or
/// whose migrations differ from the ones this crate ships
/// ([`OpenError::NotADatabase`]).
///
/// # Transactions
///
/// Every write transaction is `SERIALIZABLE`: the rules that read before
/// they write (the last active administrator, R16; one user per address;
/// the lock-out counts, R15) hold between processes as if the operations
/// ran one at a time, without a lock to forget. A transaction that loses
/// (SQLSTATE `40001`, or a deadlock, `40P01`) fails with
/// [`StoreError::Contention`] and the directory runs the whole operation
/// again, as [`RetryPolicy`](crate::RetryPolicy) says. Appending to an
/// account's audit trail also takes that account's row, so that two
/// transactions of one account commit their entries in sequence order.
/// Reads are `REPEATABLE READ READ ONLY` snapshots.
///
/// PostgreSQL tracks what a serializable transaction read per index page,
/// or per table when it read the whole table. Write transactions turn
/// sequential scans off (`SET LOCAL enable_seqscan = off`; every statement
/// of a write has an index that fits), so that writes to different
/// accounts conflict only where their rows share an index page, not
/// whenever the planner finds a table small enough to read whole.
///
/// A connection lost in the middle of a transaction fails it with
/// [`StoreError::Unavailable`]: the server rolls the transaction back, and
/// the pool drops the connection. A statement past the statement timeout
/// is cancelled by the server, with the same error.
///
/// # The schema
///
/// Every uniqueness rule and foreign key of the contract is enforced by the
/// schema, as in SQLite: one user per email identity, group names unique
/// per account ignoring case, one membership per user and group, one
/// pending registration per address and account, one per selector, a SCIM
/// `userName` and `externalId` per account, a provisioning token's id.
/// Email identities, token ids and times are ordered as bytes
/// (`COLLATE "C"`), whatever the database's collation.
pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    schema: String,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .field("pool", &self.pool.state())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// The schema version this crate writes, and the newest it can open.
    pub const SCHEMA_VERSION: u32 = schema::SCHEMA_VERSION;

    /// Connects as `config` says and prepares the schema (see
    /// [Opening](#opening)).
    ///
    /// # Errors
    /// [`OpenError::CannotOpen`] when the server cannot be reached or
    /// refuses the connection, or for an invalid schema name;
    /// [`OpenError::NotADatabase`] and [`OpenError::NewerSchema`] as
    /// [Opening](#opening) says; [`OpenError::Store`] for a failed
    /// migration.
    pub fn open(config: &PostgresConfig) -> Result<PostgresStore, OpenError> {
        schema::check_name(&config.schema)?;
        let mut connection = config.connection.clone();
        connection.connect_timeout(config.connect_timeout);
        connection.ssl_mode(config.tls.ssl_mode());
        if connection.get_application_name().is_none() {
            connection.application_name("cres-admin");
        }
        let mut options = connection.get_options().unwrap_or_default().to_owned();
        // The schema name is a plain identifier: nothing to escape.
        options.push_str(&format!(" -c search_path={}", config.schema));
        if let Some(timeout) = config.statement_timeout {
            options.push_str(&format!(" -c statement_timeout={}", timeout.as_millis()));
        }
        connection.options(options.trim_start());
        let manager = Manager {
            config: connection,
            tls: config.tls.client_config()?,
        };
        let mut first = manager
            .connect()
            .map_err(|error| OpenError::CannotOpen(Box::new(error)))?;
        schema::migrate(&mut first, &config.schema)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(config.pool_size)
            .min_idle(Some(0))
            .connection_timeout(config.connect_timeout)
            // A broken connection is found when it fails (has_broken), not
            // by a query before every use: that would double the round
            // trips of every operation.
            .test_on_check_out(false)
            .build_unchecked(manager);
        Ok(PostgresStore {
            pool,
            schema: config.schema.clone(),
        })
    }

    /// Connects to `url` ([`PostgresConfig::from_url`]) with the default
    /// settings.
    ///
    /// # Errors
    /// As for [`PostgresConfig::from_url`] and [`PostgresStore::open`].
    pub fn connect(url: &str) -> Result<PostgresStore, OpenError> {
        PostgresStore::open(&PostgresConfig::from_url(url)?)
    }

    /// The schema the store keeps its tables in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// A pooled connection that is still open. One the server closed
    /// while it sat in the pool (a restart, a terminated backend) is
    /// dropped, and the pool drops it for good.
    fn connection(&self) -> Result<PooledConnection<Manager>, StoreError> {
        for _ in 0..=self.pool.max_size() {
            let mut conn = self
                .pool
                .get()
                .map_err(|error| StoreError::Unavailable(Box::new(error)))?;
            if !conn.client().is_closed() {
                return Ok(conn);
            }
        }
        Err(StoreError::Unavailable(
            "every pooled connection to PostgreSQL was closed".into(),
        ))
    }
}

impl Store for PostgresStore {
    type Read<'s> = PostgresRead;
    type Write<'s> = PostgresWrite;

    fn begin_read(&self) -> Result<PostgresRead, StoreError> {
        let mut conn = self.connection()?;
        conn.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        Ok(PostgresRead {
            conn: RefCell::new(conn),
        })
    }

    fn begin_write(&self) -> Result<PostgresWrite, StoreError> {
        let mut conn = self.connection()?;
        // Under SERIALIZABLE, a table read whole takes a predicate lock on
        // all of it, which every other write to that table then conflicts
        // with: on small tables, where the planner likes whole reads, writes
        // to different accounts failed each other. Each statement of a
        // write has an index that fits; this makes the planner use it.
        conn.batch("BEGIN ISOLATION LEVEL SERIALIZABLE; SET LOCAL enable_seqscan = off")?;
        Ok(PostgresWrite {
            conn: RefCell::new(conn),
            open: true,
        })
    }

    /// One statement on a pooled connection, outside any transaction (a
    /// statement is a snapshot of its own): one round trip.
    fn is_active_admin_now(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<bool, StoreError> {
        queries::is_active_admin(&mut *self.connection()?, account, user)
    }
}

/// A read snapshot of a [`PostgresStore`]: a pooled connection inside a
/// `REPEATABLE READ READ ONLY` transaction, ended when dropped.
pub struct PostgresRead {
    conn: RefCell<PooledConnection<Manager>>,
}

impl fmt::Debug for PostgresRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresRead").finish_non_exhaustive()
    }
}

impl PostgresRead {
    fn db(&self) -> Db<'_> {
        Db { conn: &self.conn }
    }
}

impl Drop for PostgresRead {
    fn drop(&mut self) {
        // On a lost connection this fails, and the pool drops it.
        let _ = self.conn.get_mut().batch("ROLLBACK");
    }
}

crate::forward_reader!([] PostgresRead, self => self.db());

/// A write transaction of a [`PostgresStore`]: a pooled connection inside a
/// `SERIALIZABLE` transaction, rolled back when dropped without
/// [`Transaction::commit`](crate::store::Transaction::commit).
pub struct PostgresWrite {
    conn: RefCell<PooledConnection<Manager>>,
    /// Whether the SQL transaction is still to be committed or rolled back.
    open: bool,
}

impl fmt::Debug for PostgresWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresWrite")
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl PostgresWrite {
    fn db(&self) -> Db<'_> {
        Db { conn: &self.conn }
    }
}

impl Drop for PostgresWrite {
    fn drop(&mut self) {
        if self.open {
            // On a lost connection this fails; the server has rolled the
            // transaction back already, and the pool drops the connection.
            let _ = self.conn.get_mut().batch("ROLLBACK");
        }
    }
}

crate::forward_reader!([] PostgresWrite, self => self.db());

impl PostgresWrite {
    /// Commits the SQL transaction ([`Transaction::commit`](crate::store::Transaction::commit)).
    fn finish(mut self) -> Result<(), StoreError> {
        let committed = self.conn.get_mut().batch("COMMIT");
        // Committed, or (on an error) rolled back by the server; nothing
        // is left for Drop either way.
        self.open = false;
        committed
    }
}

crate::forward_writes!([] PostgresWrite, self => self.db(), commit: finish);

/// Maps a PostgreSQL failure of an open store to the store's error kinds.
fn fail(error: postgres::Error) -> StoreError {
    if error.is_closed() {
        return StoreError::Unavailable(Box::new(error));
    }
    let Some(code) = error.code() else {
        // No SQLSTATE: the connection failed (I/O, TLS) or a value could
        // not be converted.
        return if error.source_chain_has::<std::io::Error>() {
            StoreError::Unavailable(Box::new(error))
        } else {
            StoreError::Corrupt(Box::new(error))
        };
    };
    match *code {
        SqlState::UNIQUE_VIOLATION => StoreError::Conflict,
        SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound,
        SqlState::T_R_SERIALIZATION_FAILURE | SqlState::T_R_DEADLOCK_DETECTED => {
            StoreError::Contention(Box::new(error))
        }
        SqlState::DISK_FULL => StoreError::StorageFull,
        // Cancelled (statement timeout), the server shutting down or
        // terminating the backend, or not accepting connections now.
        SqlState::QUERY_CANCELED
        | SqlState::ADMIN_SHUTDOWN
        | SqlState::CRASH_SHUTDOWN
        | SqlState::CANNOT_CONNECT_NOW
        | SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT => StoreError::Unavailable(Box::new(error)),
        _ if code.code().starts_with("08") => StoreError::Unavailable(Box::new(error)),
        _ if code.code().starts_with("XX") => StoreError::Corrupt(Box::new(error)),
        _ => StoreError::backend(error),
    }
}

/// Whether an error's chain of sources holds a `T`.
trait SourceChain {
    fn source_chain_has<T: std::error::Error + 'static>(&self) -> bool;
}

impl SourceChain for postgres::Error {
    fn source_chain_has<T: std::error::Error + 'static>(&self) -> bool {
        let mut source = std::error::Error::source(self);
        while let Some(error) = source {
            if error.is::<T>() {
                return true;
            }
            source = error.source();
        }
        false
    }
}
