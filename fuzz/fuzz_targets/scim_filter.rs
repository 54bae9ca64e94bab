//! `scim::filter::parse_filter` and `parse_patch_path` on arbitrary text:
//! they never panic; a filter that parses prints as text that parses back
//! to the same tree; a refusal's byte offset lies within the input.

#![no_main]

use cres_admin::scim::filter::{FilterError, parse_filter, parse_patch_path};
use libfuzzer_sys::fuzz_target;

fn check_refusal(text: &str, error: &FilterError) {
    if let FilterError::Syntax { at, .. } = error {
        assert!(*at <= text.len(), "{text:?}: {error}");
    }
}

fuzz_target!(|text: &str| {
    match parse_filter(text) {
        Ok(filter) => assert_eq!(parse_filter(&filter.to_string()), Ok(filter), "{text:?}"),
        Err(error) => check_refusal(text, &error),
    }
    if let Err(error) = parse_patch_path(text) {
        check_refusal(text, &error);
    }
});
