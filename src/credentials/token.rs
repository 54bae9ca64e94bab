//! Registration tokens, what a secure message's link carries (R8), and
//! provisioning tokens, what an identity provider's SCIM client sends as its
//! bearer token. Only the caller ever holds one; the store keeps its
//! selector and the SHA-256 of its secret.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const SELECTOR_BYTES: usize = 12;
const VERIFIER_BYTES: usize = 32;
/// Base64url without padding: 4 characters for every 3 bytes, rounded up.
const fn encoded_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}
const SELECTOR_LEN: usize = encoded_len(SELECTOR_BYTES);
const TOKEN_LEN: usize = SELECTOR_LEN + encoded_len(VERIFIER_BYTES);

/// The token that goes into a secure message's registration link: 96 bits
/// that find the pending registration and 256 secret bits that prove the
/// link, from the operating system's generator, as 59 URL-safe characters.
///
/// Only the caller ever sees it, once: the store keeps the public part and
/// the SHA-256 of the secret part. Its `Debug` is redacted, it has no
/// `Display` and no serde, and its memory is cleared when dropped.
#[derive(Clone)]
pub struct RegistrationToken(Zeroizing<String>);

impl RegistrationToken {
    /// The token's text, for the link in the secure message.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RegistrationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RegistrationToken(<redacted>)")
    }
}

/// A provisioning token: what an identity provider's SCIM client sends as
/// `Authorization: Bearer …` to act for one account. Made like a
/// [`RegistrationToken`] (96 public bits that find it, 256 secret bits that
/// prove it, 59 URL-safe characters); shown once, when issued: the store
/// keeps the public part and the SHA-256 of the secret part. Its `Debug` is
/// redacted, it has no `Display` and no serde, and its memory is cleared
/// when dropped.
#[derive(Clone)]
pub struct ProvisioningToken(Zeroizing<String>);

impl ProvisioningToken {
    /// The token's text, to paste into the identity provider.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ProvisioningToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProvisioningToken(<redacted>)")
    }
}

/// A fresh provisioning token, its public part and the hash of its secret.
pub(crate) fn issue_provisioning_token()
-> Result<(ProvisioningToken, String, [u8; 32]), getrandom::Error> {
    let (RegistrationToken(text), selector, hash) = issue_token()?;
    Ok((ProvisioningToken(text), selector, hash))
}

/// A fresh token and the registration record that knows it only by hash.
pub(crate) fn issue_token() -> Result<(RegistrationToken, String, [u8; 32]), getrandom::Error> {
    let mut bytes = Zeroizing::new([0u8; SELECTOR_BYTES + VERIFIER_BYTES]);
    getrandom::fill(&mut bytes[..])?;
    let (selector, verifier) = bytes.split_at(SELECTOR_BYTES);
    let selector = Base64UrlUnpadded::encode_string(selector);
    // The secret is encoded straight into wiped buffers: no copy of it is
    // ever freed unwiped.
    let mut encoded = Zeroizing::new([0u8; encoded_len(VERIFIER_BYTES)]);
    let verifier_text = Base64UrlUnpadded::encode(verifier, &mut encoded[..])
        .expect("the buffer is the encoded length");
    let mut text = Zeroizing::new(String::with_capacity(TOKEN_LEN));
    text.push_str(&selector);
    text.push_str(verifier_text);
    Ok((
        RegistrationToken(text),
        selector,
        Sha256::digest(verifier).into(),
    ))
}

/// Splits a token's text into its selector and the hash of its secret part;
/// `None` for anything that is not the shape of a token.
pub(crate) fn parse_token(text: &str) -> Option<(&str, [u8; 32])> {
    if text.len() != TOKEN_LEN
        || !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let (selector, verifier) = text.split_at(SELECTOR_LEN);
    let verifier = Zeroizing::new(Base64UrlUnpadded::decode_vec(verifier).ok()?);
    Base64UrlUnpadded::decode_vec(selector).ok()?;
    Some((selector, Sha256::digest(&verifier[..]).into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_url_safe_and_parse_back_to_their_hash() {
        let (token, selector, hash) = issue_token().unwrap();
        assert_eq!(token.as_str().len(), TOKEN_LEN);
        assert_eq!(TOKEN_LEN, 59);
        assert!(token.as_str().starts_with(&selector));
        assert_eq!(parse_token(token.as_str()), Some((selector.as_str(), hash)));
        let (other, ..) = issue_token().unwrap();
        assert_ne!(token.as_str(), other.as_str());
        assert!(!format!("{token:?}").contains(token.as_str()));
    }

    #[test]
    fn anything_else_is_not_a_token() {
        let (token, ..) = issue_token().unwrap();
        let text = token.as_str();
        for bad in [
            "",
            &text[1..],
            &format!("{text}A"),
            &text.replacen(|c: char| c.is_ascii_alphanumeric(), "+", 1),
            &"x".repeat(1 << 20),
            &format!("{}é", &text[..TOKEN_LEN - 2]),
        ] {
            assert_eq!(parse_token(bad), None, "{bad:.70}");
        }
    }
}
