//! SCIM 2.0 provisioning (feature `scim`), under construction: so far the
//! parser of filters and PATCH paths that the `/Users` and `/Groups`
//! endpoints will evaluate.
//!
//! The parser is the crate's own rather than a dependency: the one Rust
//! crate for it (`scim-filter`) bounds neither the length nor the depth of
//! what it parses, is not documented, and builds on an old `nom`. This one
//! is a few hundred lines of recursive descent with both bounds checked
//! first, a byte offset in every refusal, and fuzz and property tests.

pub mod filter;
