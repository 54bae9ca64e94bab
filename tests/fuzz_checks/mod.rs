//! The checks each cargo-fuzz target in `fuzz/` makes, shared with their
//! never-panics twins in `tests/never_panics.rs`: they panic on a finding.

#![allow(dead_code, unreachable_pub)] // each user calls part of it

use cres_admin::{
    Email, Error, Field, InvalidInput, Label, Localizer, Password, PasswordPolicy, Problem,
};
use unicode_normalization::UnicodeNormalization;

/// `Email::parse` never panics; a refusal names the field; what it accepts
/// is kept as typed (trimmed), at most 254 ASCII bytes, with the lower case
/// as its identity, and reparses to itself.
pub fn check_email(input: &str) {
    match Email::parse(input) {
        Ok(email) => check_accepted(input, &email),
        Err(invalid) => {
            assert_eq!(invalid.field, Field::Email);
            assert!(!invalid.to_string().is_empty());
        }
    }
}

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

/// `PasswordPolicy::default()`: `check_bounds` follows the documented
/// bounds on the password as typed; `check` starts with them, then judges
/// the password in NFKC, and refuses only for a documented reason.
/// `confirm` is `None` when the confirmation repeats the password; `email`
/// is the raw address (its local part is used when it parses).
pub fn check_password_policy(
    password_text: &str,
    confirm: Option<&str>,
    email_text: &str,
    first_name: &str,
    last_name: &str,
) {
    let policy = PasswordPolicy::default();
    let password = Password::new(password_text);
    let confirm_text = confirm.unwrap_or(password_text);
    let confirm = Password::new(confirm_text);
    // The directory passes the email's local part; for an address that does
    // not parse, the raw text still exercises the check.
    let email = Email::parse(email_text);
    let local = email.as_ref().map_or(email_text, |e| e.local_part());
    let personal = [local, first_name, last_name];

    let bounds = policy.check_bounds(&password);
    assert_eq!(bounds, expected_bounds(password_text), "check_bounds");
    let verdict = policy.check(&password, &confirm, &personal);
    if let Err(invalid) = bounds {
        assert_eq!(verdict, Err(invalid), "check must start with check_bounds");
    }
    let normalized = nfkc(password_text);
    let lowered = lower(&normalized);
    match verdict {
        Ok(()) => {
            assert!(normalized.chars().count() >= 8);
            assert!(confirm_text.chars().count() <= 128);
            assert_eq!(nfkc(confirm_text), normalized);
            assert!(!is_personal(&lowered, &personal));
        }
        Err(invalid) => {
            assert!(!invalid.to_string().is_empty());
            match (invalid.field, invalid.problem) {
                (Field::Password, Problem::Empty)
                | (Field::Password, Problem::TooLong { max: 128 })
                | (Field::Password, Problem::ControlCharacter) => assert!(bounds.is_err()),
                (Field::Password, Problem::TooShort { min: 8 }) => {
                    assert!(normalized.chars().count() < 8)
                }
                (Field::Password, Problem::CommonPassword) => {}
                // A pattern of at most 4 characters fills all but 2: at
                // most 6 different characters.
                (Field::Password, Problem::Repetitive) => {
                    let mut distinct: Vec<char> = lowered.chars().collect();
                    distinct.sort_unstable();
                    distinct.dedup();
                    assert!(distinct.len() <= 6, "{lowered:?}");
                }
                // A run through letters, digits or keyboard rows fills all
                // but 2: every other character is an ASCII letter or digit.
                (Field::Password, Problem::Sequential) => {
                    let others = lowered
                        .chars()
                        .filter(|c| !c.is_ascii_alphanumeric())
                        .count();
                    assert!(others <= 2, "{lowered:?}");
                }
                (Field::Password, Problem::PersonalInformation) => {
                    assert!(is_personal(&lowered, &personal))
                }
                (Field::ConfirmPassword, Problem::Mismatch) => {
                    assert!(confirm_text.chars().count() > 128 || nfkc(confirm_text) != normalized)
                }
                other => panic!("unexpected refusal {other:?}"),
            }
        }
    }
}

/// The bounds as documented: not empty, at most 128 characters, no control
/// character.
fn expected_bounds(password: &str) -> Result<(), InvalidInput> {
    let refuse = |problem| Err(InvalidInput::new(Field::Password, problem));
    if password.is_empty() {
        refuse(Problem::Empty)
    } else if password.chars().count() > 128 {
        refuse(Problem::TooLong { max: 128 })
    } else if password.chars().any(char::is_control) {
        refuse(Problem::ControlCharacter)
    } else {
        Ok(())
    }
}

/// `text` in Unicode NFKC.
fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}

/// `text` lower-cased character by character, as the policy does.
fn lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// The (normalised, lower-cased) password is, or contains (for words of 3
/// characters or more), a personal word, ignoring case and the word's
/// surrounding white space, compared in NFKC.
fn is_personal(lowered: &str, personal: &[&str]) -> bool {
    personal.iter().any(|word| {
        let word = lower(&nfkc(word.trim()));
        !word.is_empty()
            && (lowered == word || (word.chars().count() >= 3 && lowered.contains(&word)))
    })
}

/// The chain holds shipped languages only, without repeats, always en-US,
/// fr or de only when asked for, and renders the crate's messages.
pub fn check_localizer(localizer: &Localizer, requested: &str) {
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
