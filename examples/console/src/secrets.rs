//! Random secrets from the operating system's generator.

use base64ct::{Base64UrlUnpadded, Encoding};

/// `bytes` random bytes from the OS, as URL-safe text.
fn random_text(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The OS generator failing is not something a web console can recover from.
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    let text = Base64UrlUnpadded::encode_string(&buf);
    zeroize::Zeroize::zeroize(&mut buf);
    text
}

/// A random password of 24 URL-safe characters (144 bits), for Customer
/// Support at each start and the demo's administrator.
pub fn random_password() -> String {
    random_text(18)
}

/// A random token of 43 URL-safe characters (256 bits): CSRF tokens and
/// the keys of pending password-change tickets.
pub(crate) fn random_token() -> String {
    random_text(32)
}
