//! Checks that drive a store directly, through its transactions: what the
//! [store contract](crate::store) promises, one concern per module.
//!
//! Each check takes a way to make a fresh, empty store; see the
//! [suite's docs](super).

pub mod atomicity;
pub mod audit;
pub mod isolation;
pub mod lifecycle;
pub mod lists;
pub mod membership;
pub mod missing;
pub mod provisioning;
pub mod registrations;
pub mod revisions;
pub mod round_trip;
pub mod uniqueness;
