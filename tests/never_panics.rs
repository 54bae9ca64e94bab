//! "Never panics" property tests (issue 7, part 5): the twins of the
//! cargo-fuzz targets in `fuzz/`, run by `cargo test`. Each drives the same
//! function with arbitrary strings and with strings biased toward what
//! breaks parsers (`@`, dots, quotes, white space, control, zero-width and
//! bidi characters, non-ASCII, long runs; for passwords also characters
//! that NFKC changes, repetitions and keyboard runs), and checks the same
//! invariants.
//!
//! They run 1,000 to 2,000 cases each; `PROPTEST_CASES` overrides that for
//! longer runs.

mod fuzz_checks;

use cres_admin::Localizer;
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

const PASSWORD_PIECES: &[&str] = &[
    "password",
    "PASSWORD",
    "12345678",
    "iloveyou",
    "bob",
    "Bob",
    "li",
    "builder",
    "x",
    "é",
    "🦀",
    " ",
    "\t",
    "\n",
    "\0",
    "\u{7F}",
    "\u{85}",
    "\u{200B}",
    "\u{202E}",
    "\u{FEFF}",
    "\u{301}",
    "İ",
    "ß",
    "Σ",
    // NFKC: decomposed, full-width, ligature, the longest expansion, Hangul jamo.
    "e\u{301}",
    "\u{FF30}",
    "\u{FB01}",
    "\u{FDFA}",
    "\u{1100}\u{1161}",
    "\u{212A}",
    // Repetitions and runs.
    "aaaa",
    "abcabc",
    "12",
    "abcdefgh",
    "9876",
    "qwertyuiop",
    "asdf",
    "azerty",
    "zxcvbnm",
];

const NAME_PIECES: &[&str] = &[
    "bob", "Bob", "BOB", "li", "Li", "builder", " ", "\u{A0}", "é", "İ", "ß", "Σ", "x",
];

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

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn email_parse_never_panics_and_what_it_accepts_is_consistent(
        input in prop_oneof![hostile(EMAIL_PIECES, 24), address_shaped()],
    ) {
        fuzz_checks::check_email(&input);
    }

    #[test]
    fn password_policy_never_panics_and_agrees_with_its_documented_rules(
        password in hostile(PASSWORD_PIECES, 12),
        confirm in proptest::option::of(hostile(PASSWORD_PIECES, 12)),
        email in hostile(EMAIL_PIECES, 8),
        first in hostile(NAME_PIECES, 4),
        last in hostile(NAME_PIECES, 4),
    ) {
        fuzz_checks::check_password_policy(&password, confirm.as_deref(), &email, &first, &last);
    }
}

proptest! {
    #![proptest_config(config(1_000))]

    #[test]
    fn language_negotiation_never_panics_and_always_falls_back_to_english(
        tags in proptest::collection::vec(requested_tag(), 0..5),
        header in prop_oneof![accept_language(), hostile(LANGUAGE_PIECES, 30)],
    ) {
        fuzz_checks::check_localizer(&Localizer::new(&tags), &tags.join(" "));
        fuzz_checks::check_localizer(&Localizer::from_accept_language(&header), &header);
    }
}
