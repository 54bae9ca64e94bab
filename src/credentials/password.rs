//! Passwords as typed (secrets) and as stored (hashes).

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A password as typed. Its `Debug` is redacted, it has no `Display` and no
/// serde, and its memory is cleared when it is dropped.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a typed password.
    pub fn new(password: impl Into<String>) -> Password {
        Password(Zeroizing::new(password.into()))
    }

    /// The secret itself: only for hashing and verifying.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Password {
    fn from(password: &str) -> Password {
        Password::new(password)
    }
}

impl From<String> for Password {
    fn from(password: String) -> Password {
        Password::new(password)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A stored password hash: an argon2id PHC string (`$argon2id$v=19$…`).
/// Its `Debug` is redacted; serde writes the PHC string, for stores.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string read back from a store.
    pub fn from_phc(phc: impl Into<String>) -> PasswordHash {
        PasswordHash(phc.into())
    }

    /// The PHC string, for writing to a store.
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = "correct horse battery staple";
        assert!(!format!("{:?}", Password::new(secret)).contains("horse"));
        let hash = PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
        assert!(!format!("{hash:?}").contains("argon2id"));
        assert_eq!(Password::new(secret).expose(), secret);
    }
}
