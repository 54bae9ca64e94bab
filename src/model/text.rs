//! Character rules shared by every text input.

use crate::error::{Field, InvalidInput, Problem};

/// Zero-width and text-direction characters: invisible in a user interface,
/// so they can make two different strings look alike (or reorder what is shown).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// Trims `input` and checks it is non-empty, at most `max_chars` long and free
/// of control and invisible characters. The length is bounded in bytes before
/// any character is looked at, so a huge input costs next to nothing.
pub(crate) fn clean(input: &str, field: Field, max_chars: usize) -> Result<&str, InvalidInput> {
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
    if trimmed.chars().any(is_invisible) {
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
}
