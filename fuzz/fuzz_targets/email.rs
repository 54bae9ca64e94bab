//! `Email::parse` on arbitrary UTF-8: it never panics, and whatever it
//! accepts satisfies the documented rules.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

fuzz_target!(|data: &[u8]| {
    // The longest valid UTF-8 prefix: mutations that break UTF-8 still test
    // the text before the break.
    let input = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&data[..error.valid_up_to()]).unwrap(),
    };
    fuzz_checks::check_email(input);
});
