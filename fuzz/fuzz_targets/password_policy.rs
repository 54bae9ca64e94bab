//! `PasswordPolicy::default()`'s `check_bounds` and `check` on arbitrary
//! passwords, confirmations, emails and names: they never panic, and every
//! verdict agrees with the documented rules.

#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

#[derive(Debug, Arbitrary)]
struct Input {
    password: String,
    /// `None`: the confirmation repeats the password.
    confirm: Option<String>,
    email: String,
    first_name: String,
    last_name: String,
}

fuzz_target!(|input: Input| {
    fuzz_checks::check_password_policy(
        &input.password,
        input.confirm.as_deref(),
        &input.email,
        &input.first_name,
        &input.last_name,
    );
});
