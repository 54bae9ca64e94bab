//! Passwords as typed (secrets) and as stored (hashes).

use std::fmt;

use unicode_normalization::UnicodeNormalization;
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

    /// The secret itself, as typed: only for the bounds check, which must
    /// come before any costly work.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The secret in Unicode NFKC (NIST SP 800-63B, 5.1.1.2), which hashing,
    /// verifying and the policy use: a password typed composed or
    /// decomposed (`é` or `e` + U+0301), or in full-width forms (`Ｐ`), is
    /// the same password.
    ///
    /// The copy is wiped when dropped. Its exact size is measured first and
    /// reserved, so that filling it never reallocates and leaves no partial
    /// copy behind in freed memory.
    pub(crate) fn normalized(&self) -> Zeroizing<String> {
        let len = self.0.nfkc().map(char::len_utf8).sum();
        let mut normalized = Zeroizing::new(String::with_capacity(len));
        let reserved = normalized.capacity();
        for c in self.0.nfkc() {
            normalized.push(c);
        }
        debug_assert_eq!(normalized.capacity(), reserved, "no reallocation");
        normalized
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
/// Its `Debug` is redacted and it has no serde: no hash ever appears in
/// serialized output. Stores write [`PasswordHash::as_phc`] themselves.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(Box<str>);

impl PasswordHash {
    /// Wraps a PHC string read back from a store.
    pub fn from_phc(phc: impl Into<String>) -> PasswordHash {
        PasswordHash(phc.into().into_boxed_str())
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

    #[test]
    fn normalized_is_nfkc_in_memory_of_its_exact_size() {
        let composed = Password::new("Caf\u{E9}-\u{FF30}\u{FB03}");
        let decomposed = Password::new("Cafe\u{301}-Pffi");
        assert_eq!(*composed.normalized(), "Caf\u{E9}-Pffi");
        assert_eq!(*composed.normalized(), *decomposed.normalized());
        // A regrown buffer would have at least doubled its capacity.
        let normalized = decomposed.normalized();
        assert_eq!(normalized.capacity(), normalized.len());
        assert_eq!(*Password::new("").normalized(), "");
    }
}
