//! `Localizer::new` on arbitrary tags and `Localizer::from_accept_language`
//! on an arbitrary header: they never panic, always give a chain of shipped
//! languages that holds en-US, and that chain renders messages.

#![no_main]

use cres_admin::{Email, Error, Field, InvalidInput, Label, Localizer, Problem};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    tags: Vec<String>,
    header: String,
}

fuzz_target!(|input: Input| {
    let from_tags = Localizer::new(&input.tags);
    check(&from_tags, &input.tags.join(" "));
    let from_header = Localizer::from_accept_language(&input.header);
    check(&from_header, &input.header);
});

fn check(localizer: &Localizer, requested: &str) {
    let chain: Vec<String> = localizer
        .languages()
        .iter()
        .map(|l| l.to_string())
        .collect();
    // en-US, which has every message, is always there: last, unless
    // English was ranked higher (`["en", "de"]` gives `en-US, de`).
    assert!(chain.iter().any(|l| l == "en-US"), "{chain:?}");
    for (at, language) in chain.iter().enumerate() {
        assert!(
            ["en-US", "fr", "de"].contains(&language.as_str()),
            "{chain:?}"
        );
        assert!(!chain[..at].contains(language), "duplicate in {chain:?}");
        // A language other than the fallback is served only when asked for.
        if language != "en-US" {
            assert!(
                requested.to_ascii_lowercase().contains(language.as_str()),
                "{chain:?}"
            );
        }
    }
    let email = Email::parse("bob@example.com").unwrap();
    let error = Error::NonExistentUser { email };
    let invalid = InvalidInput::new(Field::Username, Problem::TooLong { max: 254 });
    for text in [
        localizer.try_render(&error),
        localizer.try_render(&invalid),
        localizer.try_render(&Label::AddToGroup),
    ] {
        let text = text.expect("every message of the crate renders");
        assert!(!text.trim().is_empty());
    }
}
