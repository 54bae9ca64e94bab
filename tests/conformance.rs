//! The conformance suite against every store the crate ships.

use cres_admin::MemoryStore;
use cres_admin::testing::conformance;

/// One test per check and store, so a failure names both.
macro_rules! conformance_tests {
    ($store:ident, $make:expr, [$($check:ident),* $(,)?]) => {
        mod $store {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $check() {
                    let make = $make;
                    conformance::$check(&make);
                }
            )*
        }
    };
}

macro_rules! every_check {
    ($store:ident, $make:expr) => {
        conformance_tests!(
            $store,
            $make,
            [
                accounts_are_unique,
                email_identity_is_unique,
                group_names_are_unique_per_account,
                memberships_are_unique,
                missing_records,
                group_numbers,
                error_rolls_back,
                panic_rolls_back,
                failed_writes_roll_back_directory_operations,
                reads_see_own_writes,
                snapshots_are_isolated,
                membership_is_indexed_both_ways,
                audit_trail_order,
                last_admin_race,
                stored_values_round_trip,
                users_are_updated,
                registrations_are_kept,
            ]
        );
    };
}

every_check!(memory, MemoryStore::new);

#[test]
fn memory_store_passes_run_all() {
    conformance::run_all(&MemoryStore::new);
}

#[cfg(feature = "sqlite")]
mod sqlite_files {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use cres_admin::SqliteStore;

    /// A fresh database file in a folder that lives as long as the test binary.
    pub(crate) fn fresh() -> SqliteStore {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        static FOLDER: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
        let folder = FOLDER.get_or_init(|| tempfile::tempdir().expect("a temporary folder"));
        let path: PathBuf = folder
            .path()
            .join(format!("store-{}.db", NEXT.fetch_add(1, Ordering::SeqCst)));
        SqliteStore::open(&path).expect("a fresh SQLite store")
    }
}

#[cfg(feature = "sqlite")]
every_check!(sqlite, crate::sqlite_files::fresh);

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_store_passes_run_all() {
    conformance::run_all(&sqlite_files::fresh);
}
