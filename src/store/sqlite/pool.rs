//! The store's connections: one writer, and a bounded pool of readers.

use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use super::fail;
use crate::store::StoreError;

/// How long a connection waits for another one's lock before giving up,
/// and a read for a free connection.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read connections open at most at once; a read that finds them all busy
/// waits for one (up to [`BUSY_TIMEOUT`]), so a burst of readers cannot
/// open connections without bound. They stay open for the next reads.
pub(super) const MAX_READERS: usize = 8;

/// Opens a connection with the settings every connection of the store uses;
/// only the writer's may create the file.
pub(super) fn connect(path: &Path, create: bool) -> rusqlite::Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// The one connection that writes; write transactions take turns on it.
pub(super) struct Writer(Mutex<Connection>);

impl Writer {
    pub(super) fn new(conn: Connection) -> Writer {
        Writer(Mutex::new(conn))
    }

    /// The writer, outside any transaction.
    pub(super) fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        // A panic in a transaction poisons the lock after rolling back.
        let conn = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !conn.is_autocommit() {
            // A rollback that failed while unwinding: finish it now.
            conn.execute_batch("ROLLBACK").map_err(fail)?;
        }
        Ok(conn)
    }
}

/// The read connections: the idle ones, and how many are open in all.
#[derive(Default)]
pub(super) struct ReaderPool {
    state: Mutex<ReaderPoolState>,
    /// Signalled when a connection is given back or closed.
    returned: Condvar,
}

#[derive(Default)]
struct ReaderPoolState {
    idle: Vec<Connection>,
    open: usize,
}

impl ReaderPool {
    /// An idle read connection to `path`, or a new one while fewer than
    /// [`MAX_READERS`] are open, or the first one given back.
    pub(super) fn lease(&self, path: &Path) -> Result<ReaderLease<'_>, StoreError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut deadline = None;
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(ReaderLease {
                    conn: Some(conn),
                    pool: self,
                });
            }
            if state.open < MAX_READERS {
                state.open += 1;
                drop(state);
                // A lease without a connection gives its slot back if
                // opening fails.
                let mut lease = ReaderLease {
                    conn: None,
                    pool: self,
                };
                let conn = connect(path, false).map_err(fail)?;
                conn.pragma_update(None, "query_only", true).map_err(fail)?;
                lease.conn = Some(conn);
                return Ok(lease);
            }
            let deadline = *deadline.get_or_insert_with(|| Instant::now() + BUSY_TIMEOUT);
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // Load, not a fault: the operation may be run again.
                return Err(StoreError::Contention(
                    "every read connection stayed busy".into(),
                ));
            }
            state = self
                .returned
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// A read connection borrowed from the pool; given back when dropped, or
/// closed (freeing its slot) if it could not be brought back to a clean state.
pub(super) struct ReaderLease<'a> {
    conn: Option<Connection>,
    pool: &'a ReaderPool,
}

impl ReaderLease<'_> {
    pub(super) fn conn(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for ReaderLease<'_> {
    fn drop(&mut self) {
        let clean = self.conn.take().filter(|conn| {
            // A cached statement: a snapshot ends on every read.
            conn.is_autocommit()
                || conn
                    .prepare_cached("ROLLBACK")
                    .and_then(|mut rollback| rollback.execute([]))
                    .is_ok()
        });
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

#[cfg(test)]
mod tests {
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::model::AccountNumber;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{Reader, Store};

    /// Review: the reader pool opened a connection for every concurrent
    /// read. Thirty-two reads held open at once all complete, on at most
    /// `MAX_READERS` connections.
    #[test]
    fn concurrent_reads_share_a_bounded_pool() {
        let folder = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(folder.path().join("pool.db")).unwrap();
        let barrier = Barrier::new(32);
        let most_open = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..32 {
                scope.spawn(|| {
                    barrier.wait();
                    let reader = store.begin_read().unwrap();
                    let open = store.readers.state.lock().unwrap().open;
                    most_open.fetch_max(open, Ordering::SeqCst);
                    // Hold the connection a moment, so reads overlap.
                    std::thread::sleep(Duration::from_millis(5));
                    reader.account(AccountNumber::new(1)).unwrap();
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
