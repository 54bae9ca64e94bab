//! "Never panics" property tests (issue 7, part 5): the twins of the
//! cargo-fuzz targets in `fuzz/`, run by `cargo test`. Each drives the same
//! function with arbitrary strings and with strings biased toward what
//! breaks parsers (`@`, dots, quotes, white space, control, zero-width and
//! bidi characters, non-ASCII, long runs), and checks the same invariants.
//!
//! They run 1,000 to 2,000 cases each; `PROPTEST_CASES` overrides that for
//! longer runs.

use cres_admin::{
    Email, Error, Field, InvalidInput, Label, Localizer, Password, PasswordPolicy, Problem,
};
use proptest::prelude::*;
use proptest::sample::select;

/// `cases`, unless `PROPTEST_CASES` is set: then proptest's default, which
/// reads it.
fn config(cases: u32) -> ProptestConfig {
    let config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        config
    } else {
        ProptestConfig { cases, ..config }
    }
}

/// Text made of `pieces`, some repeated into long runs.
fn text_of(pieces: &'static [&'static str], max_pieces: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => select(pieces).prop_map(str::to_owned),
        1 => (select(pieces), 2..300usize).prop_map(|(piece, n)| piece.repeat(n)),
        1 => any::<String>(),
    ];
    proptest::collection::vec(piece, 0..max_pieces).prop_map(|pieces| pieces.concat())
}

/// Arbitrary strings half of the time, biased text the other half.
fn hostile(pieces: &'static [&'static str], max_pieces: usize) -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), text_of(pieces, max_pieces)]
}

/// `local@domain`, each part biased text: most of the checks are behind the `@`.
fn address_shaped() -> impl Strategy<Value = String> {
    (text_of(EMAIL_PIECES, 8), text_of(EMAIL_PIECES, 8))
        .prop_map(|(local, domain)| format!("{local}@{domain}"))
}

const EMAIL_PIECES: &[&str] = &[
    "@",
    ".",
    "..",
    "\"",
    "-",
    "+",
    "_",
    "%",
    "a",
    "Z",
    "0",
    "bob",
    "example",
    "com",
    "xn--",
    "xn--bcher-kva",
    " ",
    "\t",
    "\r\n",
    "\0",
    "\u{7F}",
    "\u{A0}",
    "\u{3000}",
    "\u{200B}",
    "\u{200D}",
    "\u{202E}",
    "\u{2066}",
    "\u{FEFF}",
    "\u{AD}",
    "é",
    "\u{430}",
    "\u{212A}",
    "＠",
    "(",
    ")",
    "<",
    ">",
    "[",
    "]",
    "\\",
];

/// What `Email::parse` accepts is kept as typed (trimmed), at most 254
/// ASCII bytes, with the lower case as its identity, and reparses to itself.
fn check_email(input: &str) -> Result<(), TestCaseError> {
    let email = match Email::parse(input) {
        Ok(email) => email,
        Err(invalid) => {
            prop_assert_eq!(invalid.field, Field::Email);
            prop_assert!(!invalid.to_string().is_empty());
            return Ok(());
        }
    };
    let typed = email.as_str();
    prop_assert_eq!(typed, input.trim());
    prop_assert!(typed.is_ascii());
    prop_assert!(typed.len() <= Email::MAX_LEN);
    prop_assert_eq!(email.identity(), typed.to_lowercase());
    let again = Email::parse(typed).expect("an accepted address reparses");
    prop_assert_eq!(again.as_str(), typed);
    prop_assert_eq!(again.identity(), email.identity());
    let lowered = Email::parse(email.identity()).expect("the identity parses");
    prop_assert_eq!(&lowered, &email);
    let (local, domain) = typed.split_once('@').expect("an @");
    prop_assert_eq!(email.local_part(), local);
    prop_assert!(!domain.contains('@'));
    prop_assert!((1..=64).contains(&local.len()));
    prop_assert!(local.split('.').all(|atom| !atom.is_empty()));
    prop_assert!(
        !typed
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"')
    );
    for label in domain.split('.') {
        prop_assert!((1..=63).contains(&label.len()), "{:?}", label);
        prop_assert!(!label.starts_with('-') && !label.ends_with('-'));
        prop_assert!(
            label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        );
    }
    Ok(())
}

const PASSWORD_PIECES: &[&str] = &[
    "password", "PASSWORD", "12345678", "iloveyou", "bob", "Bob", "li", "builder", "x", "é", "🦀",
    " ", "\t", "\n", "\0", "\u{7F}", "\u{85}", "\u{200B}", "\u{202E}", "\u{FEFF}", "\u{301}", "İ",
    "ß", "Σ",
];

const NAME_PIECES: &[&str] = &[
    "bob", "Bob", "BOB", "li", "Li", "builder", " ", "\u{A0}", "é", "İ", "ß", "Σ", "x",
];

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

/// `check_bounds` follows the documented bounds; `check` starts with them
/// and refuses only for a documented reason.
fn check_password(
    password_text: &str,
    confirm_text: &str,
    email: &str,
    first: &str,
    last: &str,
) -> Result<(), TestCaseError> {
    let policy = PasswordPolicy::default();
    let password = Password::new(password_text);
    let confirm = Password::new(confirm_text);
    let parsed = Email::parse(email);
    let local = parsed.as_ref().map_or(email, |e| e.local_part());
    let personal = [local, first, last];
    let bounds = policy.check_bounds(&password);
    prop_assert_eq!(bounds, expected_bounds(password_text));
    let verdict = policy.check(&password, &confirm, &personal);
    if let Err(invalid) = bounds {
        prop_assert_eq!(verdict, Err(invalid));
    }
    match verdict {
        Ok(()) => {
            prop_assert!(password_text.chars().count() >= 8);
            prop_assert_eq!(confirm_text, password_text);
            prop_assert!(!is_personal(password_text, &personal));
        }
        Err(invalid) => {
            prop_assert!(!invalid.to_string().is_empty());
            match (invalid.field, invalid.problem) {
                (Field::Password, Problem::Empty)
                | (Field::Password, Problem::TooLong { max: 128 })
                | (Field::Password, Problem::ControlCharacter) => prop_assert!(bounds.is_err()),
                (Field::Password, Problem::TooShort { min: 8 }) => {
                    prop_assert!(password_text.chars().count() < 8)
                }
                (Field::Password, Problem::CommonPassword) => {}
                (Field::Password, Problem::PersonalInformation) => {
                    prop_assert!(is_personal(password_text, &personal))
                }
                (Field::ConfirmPassword, Problem::Mismatch) => {
                    prop_assert_ne!(confirm_text, password_text)
                }
                other => prop_assert!(false, "unexpected refusal {:?}", other),
            }
        }
    }
    Ok(())
}

const LANGUAGE_PIECES: &[&str] = &[
    "fr", "de", "en", "FR", "De", "US", "CA", "CH", "AT", "419", "Latn", "1996", "zh", "und", "x",
    "u", "co", "-", "_", "*", ",", ";", "q=", "Q=", "0", "1", ".", "5", "000", " ", "\t", "\r\n",
    "\0", "\u{200B}", "\u{202E}", "\u{435}", "é",
];

/// A language tag built from subtags, right or wrong: a language (shipped,
/// not shipped, or malformed), then subtags behind separators.
fn language_tag() -> impl Strategy<Value = String> {
    const LANGUAGES: &[&str] = &[
        "fr", "de", "en", "FR", "De", "EN", "zh", "und", "x", "i", "fra", "",
    ];
    const SUBTAGS: &[&str] = &[
        "US", "CA", "CH", "AT", "419", "Latn", "1996", "u", "co", "phonebk", "x", "private", "",
    ];
    const SEPARATORS: &[&str] = &["-", "_", "--", " ", ""];
    let subtags = proptest::collection::vec((select(SEPARATORS), select(SUBTAGS)), 0..3);
    (select(LANGUAGES), subtags).prop_map(|(language, subtags)| {
        subtags
            .into_iter()
            .fold(language.to_owned(), |tag, (separator, subtag)| {
                tag + separator + subtag
            })
    })
}

/// A requested tag: mostly built from subtags, sometimes hostile text.
fn requested_tag() -> impl Strategy<Value = String> {
    prop_oneof![3 => language_tag(), 1 => hostile(LANGUAGE_PIECES, 6)]
}

/// An `Accept-Language` value of entries with q-values, right or wrong.
fn accept_language() -> impl Strategy<Value = String> {
    const QUALITIES: &[&str] = &[
        "",
        "",
        ";q=0",
        ";q=0.5",
        ";q=1",
        ";q=1.000",
        ";q=0.001",
        ";Q=0.9",
        ";q=",
        ";q=2",
        ";q=.5",
        ";q=0.5;q=0",
        ";level=1",
        " ; q = 0.8 ",
    ];
    let entry = (
        prop_oneof![4 => language_tag(), 1 => Just("*".to_owned()), 1 => hostile(LANGUAGE_PIECES, 4)],
        select(QUALITIES),
    );
    let separator = select(&[",", ", ", " , ", ",,"][..]);
    proptest::collection::vec((entry, separator), 0..6).prop_map(|entries| {
        entries
            .into_iter()
            .map(|((tag, quality), separator)| format!("{tag}{quality}{separator}"))
            .collect()
    })
}

/// The chain is shipped languages only, without repeats, holds en-US,
/// serves fr or de only when asked for, and renders the crate's messages.
fn check_localizer(localizer: &Localizer, requested: &str) -> Result<(), TestCaseError> {
    let chain: Vec<String> = localizer
        .languages()
        .iter()
        .map(ToString::to_string)
        .collect();
    // en-US, which has every message, is always there: last, unless
    // English was ranked higher (`["en", "de"]` gives `en-US, de`).
    prop_assert!(chain.iter().any(|l| l == "en-US"), "{:?}", chain);
    for (at, language) in chain.iter().enumerate() {
        prop_assert!(["en-US", "fr", "de"].contains(&language.as_str()));
        prop_assert!(!chain[..at].contains(language), "{:?}", chain);
        if language != "en-US" {
            prop_assert!(requested.to_ascii_lowercase().contains(language.as_str()));
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
        prop_assert!(!text.trim().is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn email_parse_never_panics_and_what_it_accepts_is_consistent(
        input in prop_oneof![hostile(EMAIL_PIECES, 24), address_shaped()],
    ) {
        check_email(&input)?;
    }

    #[test]
    fn password_policy_never_panics_and_agrees_with_its_documented_rules(
        password in hostile(PASSWORD_PIECES, 12),
        confirm in proptest::option::of(hostile(PASSWORD_PIECES, 12)),
        email in hostile(EMAIL_PIECES, 8),
        first in hostile(NAME_PIECES, 4),
        last in hostile(NAME_PIECES, 4),
    ) {
        let confirm = confirm.unwrap_or_else(|| password.clone());
        check_password(&password, &confirm, &email, &first, &last)?;
    }
}

proptest! {
    #![proptest_config(config(1_000))]

    #[test]
    fn language_negotiation_never_panics_and_always_falls_back_to_english(
        tags in proptest::collection::vec(requested_tag(), 0..5),
        header in prop_oneof![accept_language(), hostile(LANGUAGE_PIECES, 30)],
    ) {
        check_localizer(&Localizer::new(&tags), &tags.join(" "))?;
        check_localizer(&Localizer::from_accept_language(&header), &header)?;
    }
}
