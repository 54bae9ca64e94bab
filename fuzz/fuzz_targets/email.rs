//! `Email::parse` on arbitrary UTF-8: it never panics, and whatever it
//! accepts satisfies the documented rules.

#![no_main]

use cres_admin::{Email, Field};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The longest valid UTF-8 prefix: mutations that break UTF-8 still test
    // the text before the break.
    let input = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&data[..error.valid_up_to()]).unwrap(),
    };
    match Email::parse(input) {
        Ok(email) => check_accepted(input, &email),
        Err(invalid) => {
            assert_eq!(invalid.field, Field::Email);
            assert!(!invalid.to_string().is_empty());
        }
    }
});

fn check_accepted(input: &str, email: &Email) {
    let typed = email.as_str();
    // Kept as typed, trimmed; at most 254 bytes of ASCII.
    assert_eq!(typed, input.trim());
    assert!(typed.is_ascii(), "{typed:?}");
    assert!(typed.len() <= Email::MAX_LEN, "{} bytes", typed.len());
    // The identity is the lower case of the address as typed.
    assert_eq!(email.identity(), typed.to_lowercase());
    // Reparsing gives the same address and identity; so does the identity.
    let again = Email::parse(typed).expect("an accepted address reparses");
    assert_eq!(again.as_str(), typed);
    assert_eq!(again.identity(), email.identity());
    let lowered = Email::parse(email.identity()).expect("the identity parses");
    assert_eq!(lowered.identity(), email.identity());
    assert!(lowered == *email);
    // One @; a dot-atom local part of at most 64; labels of at most 63.
    let (local, domain) = typed.split_once('@').expect("an @");
    assert_eq!(email.local_part(), local);
    assert!(!domain.contains('@'));
    assert!((1..=64).contains(&local.len()));
    assert!(local.split('.').all(|atom| !atom.is_empty()));
    assert!(
        !typed
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"')
    );
    for label in domain.split('.') {
        assert!((1..=63).contains(&label.len()), "{label:?}");
        assert!(
            !label.starts_with('-') && !label.ends_with('-'),
            "{label:?}"
        );
        assert!(
            label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        );
    }
}
