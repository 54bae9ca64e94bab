//! What a new password must satisfy.

use crate::credentials::Password;
use crate::error::{Field, InvalidInput, Problem};

/// The rules a new password must satisfy: for now its length, counted in
/// characters, checked before any hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// The fewest characters accepted.
    pub min_chars: usize,
    /// The most characters accepted.
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    /// 8 to 128 characters (NIST SP 800-63B).
    fn default() -> Self {
        PasswordPolicy {
            min_chars: 8,
            max_chars: 128,
        }
    }
}

impl PasswordPolicy {
    /// Checks a new password and its confirmation, as a form would: the
    /// password first, then that the confirmation matches.
    pub fn check(&self, password: &Password, confirm: &Password) -> Result<(), InvalidInput> {
        let refuse = |problem| Err(InvalidInput::new(Field::Password, problem));
        let secret = password.expose();
        if secret.is_empty() {
            return refuse(Problem::Empty);
        }
        // Bounded in bytes first: a huge input is refused without being scanned.
        if secret.len() > self.max_chars * 4 || secret.chars().count() > self.max_chars {
            return refuse(Problem::TooLong {
                max: self.max_chars,
            });
        }
        if secret.chars().count() < self.min_chars {
            return refuse(Problem::TooShort {
                min: self.min_chars,
            });
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
        PasswordPolicy::default().check(&password.into(), &confirm.into())
    }

    #[test]
    fn bounds_and_confirmation() {
        assert_eq!(check("12345678", "12345678"), Ok(()));
        assert_eq!(check(&"é".repeat(128), &"é".repeat(128)), Ok(()));
        let problem = |p: &str, c: &str| check(p, c).unwrap_err();
        assert_eq!(problem("", "").problem, Problem::Empty);
        assert_eq!(
            problem("1234567", "1234567").problem,
            Problem::TooShort { min: 8 }
        );
        assert_eq!(
            problem(&"x".repeat(129), "").problem,
            Problem::TooLong { max: 128 }
        );
        assert_eq!(
            problem(&"x".repeat(1 << 20), "").problem,
            Problem::TooLong { max: 128 }
        );
        let mismatch = problem("12345678", "12345679");
        assert_eq!(
            (mismatch.field, mismatch.problem),
            (Field::ConfirmPassword, Problem::Mismatch)
        );
    }
}
