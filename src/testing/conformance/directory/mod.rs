//! Checks that run the [`Directory`](crate::Directory) over a store: what
//! the directory's own promises (R10, R12) ask of the store underneath.
//!
//! Each check takes a way to make a fresh, empty store; see the
//! [suite's docs](super).

pub mod atomicity;
pub mod isolation;
