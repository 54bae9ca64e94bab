//! Tools for testing stores and the code that uses them: enable the
//! `testing` feature.
//!
//! - [`FailingStore`] wraps any store and makes a chosen write fail, to
//!   prove that an operation interrupted halfway changes nothing (R12).

mod failing;

pub use failing::FailingStore;
