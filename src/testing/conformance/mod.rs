//! The conformance suite: checks that a [`Store`] keeps every promise of the
//! [store contract](crate::store) that the [`Directory`](crate::Directory)
//! relies on.
//!
//! Each check is a function that takes a way to make a **fresh, empty**
//! store, makes one or more, and panics with a message naming the broken
//! promise if the store does not keep it. The checks come in two kinds:
//!
//! - [`store`]: checks that drive a store directly through
//!   [`Store::begin_read`] and [`Store::begin_write`], one concern per
//!   module: [uniqueness](store::uniqueness), [missing
//!   records](store::missing), [atomicity](store::atomicity),
//!   [isolation](store::isolation), [membership](store::membership),
//!   [audit trail](store::audit), [lists read a page at a
//!   time](store::lists), [round trip](store::round_trip),
//!   [pending registrations](store::registrations),
//!   [revisions](store::revisions), the user
//!   [lifecycle](store::lifecycle) and [provisioning](store::provisioning)
//!   (SCIM names and tokens).
//! - [`directory`]: checks that run the [`Directory`](crate::Directory)
//!   over a store: [atomicity](directory::atomicity) of every operation
//!   when one of its writes fails, and [isolation](directory::isolation)
//!   when two administrators remove, disable or delete each other at the
//!   same moment.
//!
//! No check goes on with a transaction after one of its writes failed: a
//! write that must be refused is the last thing its transaction does, and
//! the check looks in a fresh snapshot that nothing changed. So the suite
//! passes on stores that, like PostgreSQL, refuse everything after a
//! failed write ([`AbortingStore`](super::AbortingStore) is one).
//!
//! # Running it against your own store
//!
//! Enable the `testing` feature in your dev-dependencies:
//!
//! ```toml
//! [dev-dependencies]
//! cres-admin = { version = "0.1", features = ["testing"] }
//! ```
//!
//! and give [`conformance_tests!`](crate::conformance_tests) an expression
//! that makes a fresh, empty store each time it is called, in a module of
//! its own: it expands to one `#[test]` per check, in modules named after
//! the checks' (`memory::store::uniqueness::accounts_are_unique`), so that
//! each passes or fails on its own.
//!
//! ```
//! mod memory {
//!     cres_admin::conformance_tests!(cres_admin::MemoryStore::new);
//! }
//! # fn main() {}
//! ```
//!
//! [`run_all`] runs the same list in one call, and every check is a public
//! function that can be called alone:
//!
//! ```
//! use cres_admin::MemoryStore;
//! use cres_admin::testing::conformance;
//!
//! conformance::store::uniqueness::accounts_are_unique(&MemoryStore::new);
//! conformance::run_all(&MemoryStore::new);
//! ```
//!
//! The suite needs no async runtime: it calls the store from plain threads,
//! as the directory does. Every check is quick (the whole suite takes well
//! under a second on the memory store); the concurrent ones repeat a race a
//! few dozen times.
//!
//! # Fresh stores and cleaning up
//!
//! A check drops each store it made when it ends, whether it passed or
//! panicked, so whatever a store cleans up when dropped is cleaned up. For
//! a store that leaves something behind that it does not own itself (a
//! file, a schema, a database), make the cleanup a guard that lives as
//! long as the store with [`Guarded`]: the store is dropped first, then the
//! guard. A temporary folder deletes itself when dropped:
//!
//! ```ignore
//! mod sqlite {
//!     use cres_admin::SqliteStore;
//!     use cres_admin::testing::conformance::Guarded;
//!
//!     cres_admin::conformance_tests!(|| {
//!         let folder = tempfile::tempdir().expect("a temporary folder");
//!         let store = SqliteStore::open(folder.path().join("store.db")).expect("a fresh store");
//!         Guarded::new(store, folder)
//!     });
//! }
//! ```
//!
//! and any other cleanup is a closure, run once the store is dropped:
//!
//! ```ignore
//! mod postgres {
//!     use cres_admin::testing::conformance::Guarded;
//!     use my_service::PostgresStore;
//!
//!     cres_admin::conformance_tests!(|| {
//!         let url = std::env::var("TEST_DATABASE_URL").expect("a test database");
//!         let schema = format!("conformance_{}", uuid::Uuid::new_v4().simple());
//!         let store = PostgresStore::connect_fresh(&url, &schema).expect("a fresh schema");
//!         Guarded::on_drop(store, move || my_service::drop_schema(&url, &schema))
//!     });
//! }
//! ```
//!
//! # Stability
//!
//! Between versions that Cargo considers compatible:
//!
//! - **New checks may be added**, to [`run_all`] and to
//!   [`conformance_tests!`](crate::conformance_tests) alike, and existing
//!   checks may assert more. They only ever hold a store to promises the
//!   [contract](crate::store) makes in that version, so a store that fails a
//!   new check was breaking a promise the old checks did not look at.
//! - **A check's name and path are stable** (`store::uniqueness::accounts_are_unique`),
//!   and so are the names of the tests the macro generates: filters and
//!   lists of expected failures keep working. A check is removed or
//!   renamed only with a change of the contract, in an incompatible version.
//! - The signature of the checks (`fn(&dyn Fn() -> S)` with `S: Store`),
//!   of [`run_all`] and the macro's input stay as they are.
//! - What is **not** stable: the panic messages, the values a check stores
//!   (addresses, names, times), the order and number of store calls it
//!   makes (do not count on the `n`-th write being a given one), how long
//!   it takes, and the order [`run_all`] runs the checks in.

pub mod directory;
pub mod store;
mod support;

pub use directory::isolation::{
    Takeaway, assert_one_mutual_removal_won, last_active_admin_race,
    last_active_admin_race_repeated, last_admin_race, last_admin_race_repeated,
};

use crate::store::{Store, StoreError};

/// The list of checks, handed to a callback macro: the one list that
/// [`run_all`] and [`conformance_tests!`](crate::conformance_tests) are
/// built from. `__conformance_checks!([callback path] input)` expands to
/// `callback path! { [input] side { concern { check, … } … } … }`.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_checks {
    ([$($callback:tt)*] $($input:tt)*) => {
        $($callback)*! {
            [$($input)*]
            store {
                uniqueness {
                    accounts_are_unique,
                    user_ids_are_unique,
                    email_identity_is_unique,
                    an_update_to_a_taken_email_is_a_conflict,
                    the_email_index_follows_an_update,
                    group_names_are_unique_per_account,
                    memberships_are_unique,
                    group_numbers_are_never_reused,
                }
                missing {
                    missing_records_read_as_nothing,
                    changing_missing_records_is_not_found,
                }
                atomicity {
                    a_dropped_transaction_leaves_nothing,
                    a_panic_leaves_nothing,
                    a_failed_write_then_drop_leaves_nothing,
                }
                isolation {
                    reads_see_own_writes,
                    snapshots_are_isolated,
                    concurrent_updates_are_serialized,
                }
                membership {
                    membership_is_indexed_both_ways,
                    membership_follows_user_updates,
                    account_users_follow_every_change,
                }
                audit {
                    audit_trail_order,
                    audit_pages_by_sequence_and_user,
                }
                lists {
                    accounts_page_by_number_and_search,
                    account_details_count_what_the_account_holds,
                    members_page_by_identity,
                    registrations_page_by_expiry,
                    pages_survive_inserts_and_deletes,
                    account_user_rows_carry_their_flags,
                }
                round_trip {
                    stored_values_round_trip,
                    users_are_updated,
                    sign_in_state_is_stored,
                }
                registrations {
                    registrations_are_kept,
                    registration_selectors_are_unique,
                    registrations_are_deleted,
                }
                revisions {
                    user_revisions,
                    sign_in_state_leaves_the_revision,
                    group_revisions,
                }
                lifecycle {
                    active_admins_are_counted,
                    deleted_users_are_gone,
                    a_dropped_deletion_leaves_everything,
                }
                provisioning {
                    external_identities_round_trip,
                    external_names_are_unique_per_account,
                    missing_identities_are_not_found,
                    identities_go_with_their_user,
                    identity_writes_roll_back,
                    group_external_ids_are_kept,
                    group_external_id_writes_roll_back,
                    credentials_are_kept,
                    credential_writes_roll_back,
                }
            }
            directory {
                atomicity {
                    failed_writes_roll_back_directory_operations,
                }
                isolation {
                    last_admin_race,
                    last_active_admin_race,
                }
            }
        }
    };
}

/// One `#[test]` per check of the [conformance
/// suite](crate::testing::conformance), for a test file of a store
/// implementation (feature `testing`).
///
/// `conformance_tests!(make)`: `make` is an expression of a function or
/// closure that returns a fresh, empty store each time it is called (a
/// [`Guarded`](crate::testing::conformance::Guarded) one to clean up
/// after it). It is evaluated where the macro is invoked, so it may use
/// that module's imports. The expansion defines the modules `store` and
/// `directory` (one module per concern inside, one test per check) and a
/// function `__conformance_make`, so invoke it in a module of its own, once:
///
/// ```
/// mod memory {
///     use cres_admin::MemoryStore;
///     use cres_admin::testing::AbortingStore;
///
///     cres_admin::conformance_tests!(|| AbortingStore::new(MemoryStore::new()));
/// }
/// # fn main() {}
/// ```
///
/// gives the tests `memory::store::uniqueness::accounts_are_unique`, …,
/// `memory::directory::isolation::last_admin_race`. See the suite's
/// [Stability](crate::testing::conformance#stability) section for what may
/// change between versions.
///
/// Attributes after `make` go on every test: a store that needs a server
/// can mark its tests `#[ignore = "…"]`, so that a run without the server
/// reports them as ignored rather than passing them, and a run with it
/// asks for them with `-- --include-ignored`:
///
/// ```
/// mod on_a_server {
///     cres_admin::conformance_tests!(
///         cres_admin::MemoryStore::new,
///         #[ignore = "needs the server: run with -- --include-ignored"]
///     );
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr $(, #[$attr:meta])* $(,)?) => {
        /// A fresh store for one check of the conformance suite.
        #[allow(dead_code)]
        fn __conformance_make() -> impl $crate::store::Store {
            ($make)()
        }

        $crate::__conformance_checks!([$crate::__conformance_tests] [$(#[$attr])*]);
    };
}

/// The tests of [`conformance_tests!`](crate::conformance_tests), from the
/// list of [`__conformance_checks!`](crate::__conformance_checks).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    (
        [$attrs:tt]
        $($side:ident { $($concern:ident { $($check:ident),* $(,)? })* })*
    ) => {
        $(
            /// Conformance checks.
            mod $side {
                $(
                    /// Conformance checks of one concern.
                    mod $concern {
                        $(
                            $crate::__conformance_test!($attrs $side $concern $check);
                        )*
                    }
                )*
            }
        )*
    };
}

/// One test of [`conformance_tests!`](crate::conformance_tests), with its
/// attributes.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_test {
    ([$(#[$attr:meta])*] $side:ident $concern:ident $check:ident) => {
        #[test]
        $(#[$attr])*
        fn $check() {
            $crate::testing::conformance::$side::$concern::$check(
                &super::super::__conformance_make,
            );
        }
    };
}

/// The body of [`run_all`], from the list of
/// [`__conformance_checks!`](crate::__conformance_checks).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_run_all {
    (
        [$make:ident]
        $($side:ident { $($concern:ident { $($check:ident),* $(,)? })* })*
    ) => {
        $($($(
            $crate::testing::conformance::$side::$concern::$check($make);
        )*)*)*
    };
}

/// Runs every check of the suite, each on fresh stores from `make`: the
/// same list as [`conformance_tests!`](crate::conformance_tests), in one
/// test.
///
/// # Panics
/// At the first check the stores fail, with a message naming the broken
/// promise.
pub fn run_all<S: Store>(make: &dyn Fn() -> S) {
    crate::__conformance_checks!([crate::__conformance_run_all] make);
}

/// The full names of the checks (`store::uniqueness::accounts_are_unique`,
/// …), in the order [`run_all`] runs them.
pub fn checks() -> Vec<&'static str> {
    macro_rules! names {
        (
            []
            $($side:ident { $($concern:ident { $($check:ident),* $(,)? })* })*
        ) => {
            vec![$($($(
                concat!(stringify!($side), "::", stringify!($concern), "::", stringify!($check)),
            )*)*)*]
        };
    }
    crate::__conformance_checks!([names])
}

/// A store together with a guard that must outlive it: a temporary
/// folder, a database schema to drop. The store is dropped first, then the
/// guard; see [cleaning up](self#fresh-stores-and-cleaning-up).
///
/// It is a [`Store`] that forwards to the one it holds.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use cres_admin::MemoryStore;
/// use cres_admin::testing::conformance::{self, Guarded};
///
/// let cleaned = Arc::new(AtomicBool::new(false));
/// let flag = cleaned.clone();
/// conformance::store::uniqueness::accounts_are_unique(&move || {
///     let flag = flag.clone();
///     Guarded::on_drop(MemoryStore::new(), move || flag.store(true, Ordering::SeqCst))
/// });
/// assert!(cleaned.load(Ordering::SeqCst), "the check dropped its store, and the guard ran");
/// ```
#[derive(Debug)]
pub struct Guarded<S, G> {
    // Fields drop in declaration order: the store before its guard.
    store: S,
    guard: G,
}

impl<S: Store, G: Send + Sync> Guarded<S, G> {
    /// `store`, with `guard` dropped right after it.
    pub fn new(store: S, guard: G) -> Guarded<S, G> {
        Guarded { store, guard }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The guard.
    pub fn guard(&self) -> &G {
        &self.guard
    }
}

impl<S: Store, F: FnOnce() + Send + Sync> Guarded<S, Cleanup<F>> {
    /// `store`, with `cleanup` run once it is dropped.
    pub fn on_drop(store: S, cleanup: F) -> Guarded<S, Cleanup<F>> {
        Guarded::new(store, Cleanup(Some(cleanup)))
    }
}

impl<S: Store, G: Send + Sync> Store for Guarded<S, G> {
    type Read<'s>
        = S::Read<'s>
    where
        Self: 's;
    type Write<'s>
        = S::Write<'s>
    where
        Self: 's;

    fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
        self.store.begin_read()
    }

    fn begin_write(&self) -> Result<Self::Write<'_>, StoreError> {
        self.store.begin_write()
    }

    fn is_active_admin_now(
        &self,
        account: crate::AccountNumber,
        user: crate::UserId,
    ) -> Result<bool, StoreError> {
        self.store.is_active_admin_now(account, user)
    }
}

/// A guard that runs a closure when dropped: see [`Guarded::on_drop`].
pub struct Cleanup<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> std::fmt::Debug for Cleanup<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cleanup")
            .field("done", &self.0.is_none())
            .finish()
    }
}

impl<F: FnOnce()> Drop for Cleanup<F> {
    fn drop(&mut self) {
        if let Some(cleanup) = self.0.take() {
            cleanup();
        }
    }
}
