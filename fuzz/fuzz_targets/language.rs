//! `Localizer::new` on arbitrary tags and `Localizer::from_accept_language`
//! on an arbitrary header: they never panic, always give a chain of shipped
//! languages that holds en-US, and that chain renders messages.

#![no_main]

use cres_admin::Localizer;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

#[derive(Debug, Arbitrary)]
struct Input {
    tags: Vec<String>,
    header: String,
}

fuzz_target!(|input: Input| {
    let from_tags = Localizer::new(&input.tags);
    fuzz_checks::check_localizer(&from_tags, &input.tags.join(" "));
    let from_header = Localizer::from_accept_language(&input.header);
    fuzz_checks::check_localizer(&from_header, &input.header);
});
