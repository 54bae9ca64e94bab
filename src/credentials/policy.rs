//! What a new password must satisfy.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::credentials::Password;
use crate::error::{Field, InvalidInput, Problem};

/// The rules a new password must satisfy, after NIST SP 800-63B and OWASP
/// ASVS V2.1: a length in characters (checked before anything else looks at
/// the password, and before any hashing), no control characters, not one of
/// the most common passwords, and not the user's name or email. There are no
/// composition rules. That a new password differs from the current one is
/// checked by the directory, which holds the current hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// The fewest characters accepted (default 8).
    pub min_chars: usize,
    /// The most characters accepted (default 128).
    pub max_chars: usize,
    /// Refuse the 30,000 most common passwords (default `true`).
    pub refuse_common: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_chars: 8,
            max_chars: 128,
            refuse_common: true,
        }
    }
}

/// Personal words shorter than this are only refused as the whole password:
/// "containing" a two-letter name would refuse half the dictionary.
const MIN_CONTAINED_CHARS: usize = 3;

/// The 30,000 most common passwords (zxcvbn's list, lower case), loaded once.
fn common_passwords() -> &'static HashSet<&'static str> {
    static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();
    COMMON.get_or_init(|| include_str!("common-passwords.txt").lines().collect())
}

impl PasswordPolicy {
    /// Checks a password for length and characters only: what any password,
    /// new or offered at sign-in, must satisfy before it is hashed.
    pub fn check_bounds(&self, password: &Password) -> Result<(), InvalidInput> {
        let refuse = |problem| Err(InvalidInput::new(Field::Password, problem));
        let secret = password.expose();
        if secret.is_empty() {
            return refuse(Problem::Empty);
        }
        // Bounded in bytes first: a huge input is refused without being scanned.
        // A character takes at most 4 bytes; saturating, so that `usize::MAX`
        // means no limit.
        let max_bytes = self.max_chars.saturating_mul(4);
        if secret.len() > max_bytes || secret.chars().count() > self.max_chars {
            return refuse(Problem::TooLong {
                max: self.max_chars,
            });
        }
        if secret.chars().any(char::is_control) {
            return refuse(Problem::ControlCharacter);
        }
        Ok(())
    }

    /// Checks a new password and its confirmation, as a form would: the
    /// password's rules first, then that the confirmation matches. `personal`
    /// holds what the password must not be or contain, ignoring case: the
    /// email's local part, the first and last names.
    pub fn check(
        &self,
        password: &Password,
        confirm: &Password,
        personal: &[&str],
    ) -> Result<(), InvalidInput> {
        self.check_bounds(password)?;
        let refuse = |problem| Err(InvalidInput::new(Field::Password, problem));
        let secret = password.expose();
        if secret.chars().count() < self.min_chars {
            return refuse(Problem::TooShort {
                min: self.min_chars,
            });
        }
        let lowered = secret.to_lowercase();
        if self.refuse_common && common_passwords().contains(lowered.as_str()) {
            return refuse(Problem::CommonPassword);
        }
        let is_personal = |word: &&str| {
            let word = word.trim().to_lowercase();
            !word.is_empty()
                && (lowered == word
                    || (word.chars().count() >= MIN_CONTAINED_CHARS && lowered.contains(&word)))
        };
        if personal.iter().any(is_personal) {
            return refuse(Problem::PersonalInformation);
        }
        if confirm.expose() != secret {
            return Err(InvalidInput::new(Field::ConfirmPassword, Problem::Mismatch));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, confirm: &str) -> Result<(), InvalidInput> {
        PasswordPolicy::default().check(&password.into(), &confirm.into(), &["bob", "Bob", "Li"])
    }

    fn problem(password: &str) -> Problem {
        check(password, password).unwrap_err().problem
    }

    #[test]
    fn an_unlimited_length_neither_overflows_nor_refuses() {
        let unlimited = PasswordPolicy {
            max_chars: usize::MAX,
            ..PasswordPolicy::default()
        };
        let long = "x".repeat(10_000).into();
        assert_eq!(unlimited.check_bounds(&long), Ok(()));
    }

    #[test]
    fn bounds_and_confirmation() {
        assert_eq!(check("Tr0ub4dor&3x", "Tr0ub4dor&3x"), Ok(()));
        assert_eq!(check(&"é".repeat(128), &"é".repeat(128)), Ok(()));
        assert_eq!(problem(""), Problem::Empty);
        assert_eq!(problem("Tr0ub4d"), Problem::TooShort { min: 8 });
        assert_eq!(problem(&"x".repeat(129)), Problem::TooLong { max: 128 });
        assert_eq!(problem(&"x".repeat(1 << 20)), Problem::TooLong { max: 128 });
        assert_eq!(problem("Tr0ub4dor\0&3"), Problem::ControlCharacter);
        let mismatch = check("Tr0ub4dor&3x", "Tr0ub4dor&3y").unwrap_err();
        assert_eq!(
            (mismatch.field, mismatch.problem),
            (Field::ConfirmPassword, Problem::Mismatch)
        );
    }

    #[test]
    fn common_passwords_are_refused_ignoring_case() {
        assert!(common_passwords().len() >= 10_000);
        assert!(
            common_passwords()
                .iter()
                .filter(|p| p.chars().count() >= 8)
                .count()
                >= 10_000
        );
        for common in ["password", "Password", "12345678", "iloveyou", "QWERTYUIOP"] {
            assert_eq!(problem(common), Problem::CommonPassword, "{common}");
        }
        let lenient = PasswordPolicy {
            refuse_common: false,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            lenient.check(&"password".into(), &"password".into(), &[]),
            Ok(())
        );
    }

    #[test]
    fn personal_information_is_refused() {
        assert_eq!(problem("BOB-the-builder-7"), Problem::PersonalInformation);
        assert_eq!(problem("my name is bob!"), Problem::PersonalInformation);
        // A two-letter name is refused only as the whole password…
        assert_eq!(check("Limerick-rhymes-9", "Limerick-rhymes-9"), Ok(()));
        let policy = PasswordPolicy {
            min_chars: 2,
            refuse_common: false,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            policy
                .check(&"li".into(), &"li".into(), &["Li"])
                .unwrap_err()
                .problem,
            Problem::PersonalInformation
        );
    }
}
