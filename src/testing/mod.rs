//! Tools for testing stores and the code that uses them: enable the
//! `testing` feature.
//!
//! - [`FailingStore`] wraps any store and makes a chosen write fail, to
//!   prove that an operation interrupted halfway changes nothing (R12).
//! - [`AbortingStore`] wraps any store and ends a transaction at its first
//!   failed write, as PostgreSQL does, to prove that code never goes on
//!   with a transaction after a write failed.
//! - [`conformance`] is the suite of checks that every [`Store`](crate::Store)
//!   must pass: uniqueness, missing records, atomicity, isolation,
//!   membership, audit order, round trips, pending registrations, revisions,
//!   provisioning (SCIM names and tokens) and the concurrent
//!   last-administrator race. Run it against your own
//!   store with [`conformance_tests!`](crate::conformance_tests).
//! - [`fixtures`] builds the records, directories and starting points the
//!   suite uses, for tests of your own.
//! - [`every_message`] and [`every_error`] give one sample of everything the
//!   crate says, to check a locale renders all of it.

mod aborting;
pub mod conformance;
mod failing;
pub mod fixtures;
mod messages;

pub use aborting::{AbortingStore, AbortingTransaction};
pub use failing::FailingStore;
pub use messages::{every_error, every_message};
