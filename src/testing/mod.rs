//! Tools for testing stores and the code that uses them: enable the
//! `testing` feature.
//!
//! - [`FailingStore`] wraps any store and makes a chosen write fail, to
//!   prove that an operation interrupted halfway changes nothing (R12).
//! - [`conformance`] is the suite of checks that every [`Store`](crate::Store)
//!   must pass: uniqueness, atomicity, isolation, membership, audit order and
//!   the concurrent last-administrator race. Run it against your own store.
//! - [`every_message`] and [`every_error`] give one sample of everything the
//!   crate says, to check a locale renders all of it.

mod failing;
mod messages;

pub use failing::FailingStore;
pub use messages::{every_error, every_message};
