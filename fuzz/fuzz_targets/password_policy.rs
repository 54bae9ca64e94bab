//! `PasswordPolicy::default()`'s `check_bounds` and `check` on arbitrary
//! passwords, confirmations, emails and names: they never panic, and every
//! verdict agrees with the documented rules.

#![no_main]

use cres_admin::{Email, Field, InvalidInput, Password, PasswordPolicy, Problem};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

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
    let policy = PasswordPolicy::default();
    let password = Password::new(input.password.as_str());
    let confirm_text = input.confirm.as_deref().unwrap_or(&input.password);
    let confirm = Password::new(confirm_text);
    // The directory passes the email's local part; for an address that does
    // not parse, the raw text still exercises the check.
    let email = Email::parse(&input.email);
    let local = email
        .as_ref()
        .map_or(input.email.as_str(), |e| e.local_part());
    let personal = [local, input.first_name.as_str(), input.last_name.as_str()];

    let bounds = policy.check_bounds(&password);
    assert_eq!(bounds, expected_bounds(&input.password), "check_bounds");
    let verdict = policy.check(&password, &confirm, &personal);
    if let Err(invalid) = bounds {
        assert_eq!(verdict, Err(invalid), "check must start with check_bounds");
    }
    match verdict {
        Ok(()) => {
            assert!(input.password.chars().count() >= 8);
            assert_eq!(confirm_text, input.password);
            assert!(!is_personal(&input.password, &personal));
        }
        Err(invalid) => {
            assert!(!invalid.to_string().is_empty());
            match (invalid.field, invalid.problem) {
                (Field::Password, Problem::Empty)
                | (Field::Password, Problem::TooLong { max: 128 })
                | (Field::Password, Problem::ControlCharacter) => assert!(bounds.is_err()),
                (Field::Password, Problem::TooShort { min: 8 }) => {
                    assert!(input.password.chars().count() < 8)
                }
                (Field::Password, Problem::CommonPassword) => {}
                (Field::Password, Problem::PersonalInformation) => {
                    assert!(is_personal(&input.password, &personal))
                }
                (Field::ConfirmPassword, Problem::Mismatch) => {
                    assert_ne!(confirm_text, input.password)
                }
                other => panic!("unexpected refusal {other:?}"),
            }
        }
    }
});

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

/// The password is, or contains (for words of 3 characters or more), a
/// personal word, ignoring case and the word's surrounding white space.
fn is_personal(password: &str, personal: &[&str]) -> bool {
    let lowered = password.to_lowercase();
    personal.iter().any(|word| {
        let word = word.trim().to_lowercase();
        !word.is_empty()
            && (lowered == word || (word.chars().count() >= 3 && lowered.contains(&word)))
    })
}
