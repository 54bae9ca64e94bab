//! `scim::filter::parse_filter` and `parse_patch_path` on arbitrary text:
//! they never panic; a filter that parses prints as text that parses back
//! to the same tree, or, when printing made it longer than the bound, is
//! refused as too long (a control character prints as a six-byte `\u`
//! escape, which the input may have written as `\r` or raw); a refusal's
//! byte offset lies within the input.

#![no_main]

use cres_admin::scim::filter::{FilterError, MAX_FILTER_BYTES, parse_filter, parse_patch_path};
use libfuzzer_sys::fuzz_target;

fn check_refusal(text: &str, error: &FilterError) {
    if let FilterError::Syntax { at, .. } = error {
        assert!(*at <= text.len(), "{text:?}: {error}");
    }
}

fuzz_target!(|text: &str| {
    match parse_filter(text) {
        Ok(filter) => {
            let printed = filter.to_string();
            if printed.len() <= MAX_FILTER_BYTES {
                assert_eq!(parse_filter(&printed), Ok(filter), "{text:?}");
            } else {
                let refused = parse_filter(&printed);
                assert_eq!(
                    refused,
                    Err(FilterError::TooLong {
                        max: MAX_FILTER_BYTES
                    })
                );
            }
        }
        Err(error) => check_refusal(text, &error),
    }
    if let Err(error) = parse_patch_path(text) {
        check_refusal(text, &error);
    }
});
