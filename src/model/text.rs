//! Character rules shared by every text input.
//!
//! # Invisible characters
//!
//! A name must look like what it is: nothing in it may be invisible in a
//! user interface, make two different names look alike, reorder what is
//! shown or break a line. [`clean`] refuses, with
//! [`Problem::InvisibleCharacter`]:
//!
//! - every character of general category Cf (format: zero-width space,
//!   soft hyphen, word joiner, byte order mark, the text-direction marks,
//!   embeddings, overrides and isolates, the tag characters U+E0000 to
//!   U+E007F, the Mongolian vowel separator, the interlinear annotation
//!   marks …), Zl (U+2028 LINE SEPARATOR), Zp (U+2029 PARAGRAPH SEPARATOR)
//!   and Co (private use: its glyphs are whatever a font makes of them);
//! - the invisible characters of other categories that Unicode lists as
//!   default-ignorable: the Hangul fillers U+115F, U+1160, U+3164, U+FFA0,
//!   the combining grapheme joiner U+034F, the Khmer inherent vowels
//!   U+17B4 and U+17B5, and the unassigned default-ignorable U+2065,
//!   U+FFF0 to U+FFF8 and U+E0000 to U+E0FFF (outside the variation
//!   selectors); and U+2800 BRAILLE PATTERN BLANK, which renders as a
//!   blank without being white space;
//! - a zero-width joiner (U+200D) or non-joiner (U+200C) anywhere but
//!   between two visible characters (see below);
//! - a variation selector (U+FE00 to U+FE0F, U+E0100 to U+E01EF, the
//!   Mongolian free variation selectors U+180B to U+180D and U+180F)
//!   anywhere but right after a visible character.
//!
//! The joiners are needed in writing, not only in emoji: U+200C separates
//! the parts of Persian words ("می\u{200C}خواهم") and U+200D / U+200C choose
//! between conjunct forms in Indic scripts ("क्\u{200D}ष"); U+200D also builds
//! emoji sequences ("👩\u{200D}💻"). So a joiner is accepted when both its neighbours
//! are *visible*: neither white space nor a joiner nor any character
//! refused above. A variation selector only chooses the glyph of the
//! character before it (emoji or text presentation, ideographic variants),
//! so it is accepted right after a visible character, and a joiner may
//! follow it (the rainbow flag is U+1F3F3 U+FE0F U+200D U+1F308). Anywhere else —
//! leading, trailing, doubled, next to a space — they would only hide.
//! Combining marks other than those above count as visible: they draw on
//! the character before them. White space inside a name is kept (it shows);
//! at either end it is trimmed, U+2028 and U+2029 included, as they are
//! white space.
//!
//! Only names ([`clean_name`]) accept joiners and variation selectors in
//! context; other text ([`clean`], for email addresses) refuses them
//! wherever they are.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::input::{Field, InvalidInput, Problem};

/// U+200C ZERO WIDTH NON-JOINER.
pub(crate) const ZWNJ: char = '\u{200C}';
/// U+200D ZERO WIDTH JOINER.
pub(crate) const ZWJ: char = '\u{200D}';

/// How a character shows, for the rules of the module doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    /// Shows on its own (letters, marks, digits, symbols, punctuation).
    Visible,
    /// White space: shows as a gap.
    Space,
    /// Invisible wherever it is: always refused.
    Hidden,
    /// U+200C or U+200D: accepted between two visible characters.
    Joiner,
    /// A variation selector: accepted right after a visible character.
    Selector,
}

/// Whether `c` is a variation selector (including the Mongolian free
/// variation selectors).
fn is_variation_selector(c: char) -> bool {
    matches!(
        c,
        '\u{180B}'..='\u{180D}' | '\u{180F}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Invisible characters that are not of a refused general category: the
/// Hangul fillers (letters), the combining grapheme joiner and the Khmer
/// inherent vowels (marks), the braille blank (a symbol), and the
/// unassigned code points Unicode reserves as default-ignorable.
fn is_invisible_other(c: char) -> bool {
    matches!(
        c,
        '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{2065}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

fn look(c: char) -> Look {
    if c == ZWJ || c == ZWNJ {
        return Look::Joiner;
    }
    if is_variation_selector(c) {
        return Look::Selector;
    }
    let hidden_category = matches!(
        c.general_category(),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
    );
    if hidden_category || is_invisible_other(c) {
        Look::Hidden
    } else if c.is_whitespace() {
        Look::Space
    } else {
        Look::Visible
    }
}

/// Whether `text` holds a character that would be invisible where it is
/// (see the module doc). With `in_context` false, every joiner and
/// variation selector counts as invisible.
fn has_invisible(text: &str, in_context: bool) -> bool {
    let looks: Vec<Look> = text.chars().map(look).collect();
    looks.iter().enumerate().any(|(at, &this)| {
        let before = at.checked_sub(1).map(|b| looks[b]);
        let after = looks.get(at + 1).copied();
        match this {
            Look::Visible | Look::Space => false,
            Look::Hidden => true,
            Look::Selector => !in_context || before != Some(Look::Visible),
            Look::Joiner => {
                !in_context
                    || !matches!(before, Some(Look::Visible | Look::Selector))
                    || after != Some(Look::Visible)
            }
        }
    })
}

/// `text` with every run of white space (Unicode White_Space) made one
/// ASCII space, and with the joiners and variation selectors left out: the
/// differences between two names that a reader cannot see, or barely.
pub(crate) fn fold_invisible_differences(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            in_space = true;
            continue;
        }
        if c == ZWJ || c == ZWNJ || is_variation_selector(c) {
            continue;
        }
        if in_space && !folded.is_empty() {
            folded.push(' ');
        }
        in_space = false;
        folded.push(c);
    }
    folded
}

/// Trims `input` and checks it is non-empty, at most `max_chars` long and free
/// of control and invisible characters, joiners and variation selectors
/// included wherever they are: the rule for text that is no name (email
/// addresses). The length is bounded in bytes before any character is
/// looked at, so a huge input costs next to nothing.
pub(crate) fn clean(input: &str, field: Field, max_chars: usize) -> Result<&str, InvalidInput> {
    checked(input, field, max_chars, false)
}

/// [`clean`] for names: joiners between two visible characters and
/// variation selectors right after one are accepted (see the module doc).
pub(crate) fn clean_name(
    input: &str,
    field: Field,
    max_chars: usize,
) -> Result<&str, InvalidInput> {
    checked(input, field, max_chars, true)
}

fn checked(
    input: &str,
    field: Field,
    max_chars: usize,
    joiners_in_context: bool,
) -> Result<&str, InvalidInput> {
    let refuse = |problem| Err(InvalidInput::new(field, problem));
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return refuse(Problem::Empty);
    }
    // A char is at most 4 bytes: past this, it is too long whatever it holds.
    if trimmed.len() > max_chars * 4 {
        return refuse(Problem::TooLong { max: max_chars });
    }
    if trimmed.chars().any(char::is_control) {
        return refuse(Problem::ControlCharacter);
    }
    if has_invisible(trimmed, joiners_in_context) {
        return refuse(Problem::InvisibleCharacter);
    }
    if trimmed.chars().count() > max_chars {
        return refuse(Problem::TooLong { max: max_chars });
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(input: &str) -> Option<Problem> {
        clean(input, Field::FirstName, 5).err().map(|e| e.problem)
    }

    fn invisible(input: &str) -> bool {
        clean_name(input, Field::FirstName, 100)
            .err()
            .map(|e| e.problem)
            == Some(Problem::InvisibleCharacter)
    }

    #[test]
    fn trims_and_accepts() {
        assert_eq!(clean("  Bob \t", Field::FirstName, 5), Ok("Bob"));
    }

    #[test]
    fn refuses_each_problem() {
        assert_eq!(problem(" \t "), Some(Problem::Empty));
        assert_eq!(problem("abcdef"), Some(Problem::TooLong { max: 5 }));
        assert_eq!(
            problem(&"x".repeat(1 << 20)),
            Some(Problem::TooLong { max: 5 })
        );
        assert_eq!(problem("a\0b"), Some(Problem::ControlCharacter));
        assert_eq!(problem("a\nb"), Some(Problem::ControlCharacter));
        assert_eq!(problem("a\u{202E}b"), Some(Problem::InvisibleCharacter));
        assert_eq!(problem("a\u{200B}b"), Some(Problem::InvisibleCharacter));
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(clean("ééééé", Field::FirstName, 5), Ok("ééééé"));
    }

    #[test]
    fn line_and_paragraph_separators_inside_are_refused() {
        assert!(invisible("Bob\u{2028}Builder"));
        assert!(invisible("Bob\u{2029}Builder"));
        // At either end they are white space, trimmed like a line feed would be.
        assert_eq!(clean("\u{2028}Bob\u{2029}", Field::FirstName, 5), Ok("Bob"));
    }

    #[test]
    fn every_format_private_use_and_listed_invisible_character_is_refused() {
        let refused = [
            // The characters refused before, by their old list.
            '\u{00AD}',
            '\u{034F}',
            '\u{061C}',
            '\u{180E}',
            '\u{200B}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2060}',
            '\u{2064}',
            '\u{2066}',
            '\u{206F}',
            '\u{FEFF}',
            // Format characters the old list missed.
            '\u{0600}',
            '\u{06DD}',
            '\u{070F}',
            '\u{08E2}',
            '\u{110BD}',
            '\u{1BCA0}',
            '\u{1D173}',
            '\u{FFF9}',
            '\u{FFFB}',
            '\u{13430}',
            // Tag characters: a whole hidden message can ride on a name.
            '\u{E0001}',
            '\u{E0020}',
            '\u{E0041}',
            '\u{E007F}',
            // Private use, in the BMP and the planes 15 and 16.
            '\u{E000}',
            '\u{F8FF}',
            '\u{F0000}',
            '\u{10FFFD}',
            // Invisible letters, marks and symbols; unassigned ignorables.
            '\u{115F}',
            '\u{1160}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{17B4}',
            '\u{17B5}',
            '\u{2800}',
            '\u{2065}',
            '\u{FFF0}',
            '\u{E0080}',
            '\u{E0FFF}',
        ];
        for c in refused {
            assert!(
                invisible(&format!("Bo{c}b")),
                "U+{:04X} inside",
                u32::from(c)
            );
            assert!(
                invisible(&format!("{c}Bob")),
                "U+{:04X} first",
                u32::from(c)
            );
        }
        // Spot checks that the general category decides, not a list.
        for c in ('\u{0}'..='\u{FFFF}').filter(|c| !c.is_control()) {
            if matches!(
                c.general_category(),
                GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
                    | GeneralCategory::PrivateUse
            ) && c != ZWJ
                && c != ZWNJ
            {
                assert!(invisible(&format!("a{c}b")), "U+{:04X}", u32::from(c));
            }
        }
    }

    #[test]
    fn joiners_are_accepted_between_two_visible_characters() {
        for name in [
            "👩\u{200D}💻",
            "👩🏽\u{200D}💻",
            "🏳\u{FE0F}\u{200D}🌈 Team",
            "👁\u{FE0F}\u{200D}🗨\u{FE0F}",
            "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
            "क्\u{200D}ष",
            "क्\u{200C}ष",
        ] {
            assert_eq!(
                clean_name(name, Field::FirstName, 100),
                Ok(name),
                "{name:?}"
            );
        }
    }

    #[test]
    fn joiners_are_refused_anywhere_else() {
        for (why, name) in [
            ("leading", "\u{200D}Bob"),
            ("trailing", "Bob\u{200C}"),
            ("doubled", "Bo\u{200D}\u{200D}b"),
            ("joiner then non-joiner", "Bo\u{200D}\u{200C}b"),
            ("before a space", "Bob\u{200C} Builder"),
            ("after a space", "Bob \u{200D}Builder"),
            ("after NBSP", "Bob\u{A0}\u{200D}Builder"),
            ("alone", "\u{200D}"),
            ("next to a hidden character", "Bo\u{200B}\u{200D}b"),
            ("before a variation selector", "Bo\u{200D}\u{FE0F}b"),
        ] {
            assert!(invisible(name), "{why}: {name:?}");
        }
    }

    #[test]
    fn variation_selectors_are_accepted_only_after_a_visible_character() {
        assert_eq!(
            clean_name("❤\u{FE0F}", Field::FirstName, 5),
            Ok("❤\u{FE0F}")
        );
        assert_eq!(
            clean_name("葛\u{E0100}西", Field::FirstName, 5),
            Ok("葛\u{E0100}西")
        );
        for name in [
            "\u{FE0F}Bob",
            "Bob \u{FE0F}",
            "Bob\u{FE0F}\u{FE0F}",
            "\u{180B}",
            "Bo\u{200B}\u{FE00}b",
        ] {
            assert!(invisible(name), "{name:?}");
        }
    }

    #[test]
    fn outside_names_joiners_and_selectors_are_refused_everywhere() {
        for text in ["a\u{200D}b", "a\u{200C}b", "a\u{FE0F}"] {
            assert_eq!(
                clean(text, Field::Email, 10).map_err(|e| e.problem),
                Err(Problem::InvisibleCharacter),
                "{text:?}"
            );
            assert_eq!(clean_name(text, Field::Name, 10), Ok(text));
        }
    }

    #[test]
    fn folding_ignores_white_space_runs_joiners_and_selectors() {
        assert_eq!(
            fold_invisible_differences("Sales\u{A0}\u{3000} Te\u{200C}am\u{FE0F}"),
            "Sales Team"
        );
        assert_eq!(fold_invisible_differences("  a  "), "a");
    }
}
