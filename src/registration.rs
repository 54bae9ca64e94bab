//! Registration by secure message, the guide's "quick solution" (R8): a
//! secure message to an address with no user issues a registration token;
//! the recipient registers with it and from then on exists.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::credentials::Password;
use crate::directory::{Directory, authorize};
use crate::error::{Error, Field, Forbidden};
use crate::i18n::{Localize, Message};
use crate::model::{
    AccountNumber, Action, Actor, Credential, Email, Name, PendingRegistration, SignInState, User,
    UserStatus,
};
use crate::store::{Reader, Store, StoreError, StoreExt};

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

/// A fresh token and the registration record that knows it only by hash.
pub(crate) fn issue_token() -> Result<(RegistrationToken, String, [u8; 32]), Error> {
    let mut bytes = Zeroizing::new([0u8; SELECTOR_BYTES + VERIFIER_BYTES]);
    getrandom::fill(&mut bytes[..]).map_err(|e| StoreError::backend(e.to_string()))?;
    let (selector, verifier) = bytes.split_at(SELECTOR_BYTES);
    let selector = Base64UrlUnpadded::encode_string(selector);
    let text = Zeroizing::new(selector.clone() + &Base64UrlUnpadded::encode_string(verifier));
    Ok((
        RegistrationToken(text),
        selector,
        Sha256::digest(verifier).into(),
    ))
}

/// Splits a token's text into its selector and the hash of its secret part;
/// `None` for anything that is not the shape of a token.
fn parse_token(text: &str) -> Option<(&str, [u8; 32])> {
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

/// The pending registration that `token` proves, compared in constant time.
fn proven(
    reader: &dyn Reader,
    selector: &str,
    verifier_hash: &[u8; 32],
) -> Result<Option<PendingRegistration>, Error> {
    Ok(reader
        .registration_by_selector(selector)?
        .filter(|pending| bool::from(pending.verifier_hash.ct_eq(verifier_hash))))
}

/// The *Register* form the recipient fills in through the link.
#[derive(Debug, Clone)]
pub struct RegistrationForm {
    /// *First Name*.
    pub first_name: String,
    /// *Last Name*.
    pub last_name: String,
    /// *Password*.
    pub password: Password,
    /// *Confirm Password*.
    pub confirm_password: Password,
}

/// What sending a secure message did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SecureMessageSent {
    /// The recipient had no user: a registration token was issued (and any
    /// earlier one for the address stopped working). Put it in the link.
    RegistrationIssued {
        /// The recipient.
        email: Email,
        /// The token, shown this once.
        token: RegistrationToken,
        /// When it stops working.
        expires_at: DateTime<Utc>,
    },
    /// The recipient already has a user and can sign in to open the
    /// message; nothing was recorded.
    RecipientHasUser {
        /// The recipient.
        email: Email,
    },
}

/// The recipient registered: they are a user now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The new user.
    pub email: Email,
}

/// A pending registration was revoked: its token no longer works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRevoked {
    /// The recipient.
    pub email: Email,
}

crate::i18n::english_display!(SecureMessageSent, Registered, RegistrationRevoked);

impl Localize for SecureMessageSent {
    fn message(&self) -> Message {
        match self {
            SecureMessageSent::RegistrationIssued { email, .. } => {
                Message::new("secure-message-registration").arg("email", email)
            }
            SecureMessageSent::RecipientHasUser { email } => {
                Message::new("secure-message-existing-user").arg("email", email)
            }
        }
    }
}

impl Localize for Registered {
    fn message(&self) -> Message {
        Message::new("registered").arg("email", &self.email)
    }
}

impl Localize for RegistrationRevoked {
    fn message(&self) -> Message {
        Message::new("registration-revoked").arg("email", &self.email)
    }
}

impl<S: Store> Directory<S> {
    /// Sends a secure message to `recipient` on behalf of `account` (R8).
    ///
    /// Customer Support may send for any account; a user for an account
    /// they administer or that created them. If the recipient has no user,
    /// a pending registration is recorded and its token returned; sending
    /// again issues a fresh token and the earlier one stops working.
    pub fn send_secure_message(
        &self,
        sender: &Actor,
        account: AccountNumber,
        recipient: &str,
    ) -> Result<SecureMessageSent, Error> {
        let email = Email::parse(recipient)?;
        let (token, selector, verifier_hash) = issue_token()?;
        let issued_at = self.clock.now();
        let pending = PendingRegistration {
            email: email.clone(),
            selector,
            verifier_hash,
            sent_by: sender.clone(),
            account,
            issued_at,
            expires_at: issued_at + self.registration_lifetime,
        };
        self.store.write_with(|tx| {
            authorize_sender(tx, sender, account)?;
            if let Some(user) = tx.user(&email)? {
                return Ok(SecureMessageSent::RecipientHasUser { email: user.email });
            }
            let resent = tx.registration(&email)?.is_some();
            tx.put_registration(&pending)?;
            let action = Action::SecureMessageSent {
                email: email.clone(),
                resent,
            };
            tx.append_audit(&self.record(sender, account, action))?;
            Ok(SecureMessageSent::RegistrationIssued {
                email: email.clone(),
                token: token.clone(),
                expires_at: pending.expires_at,
            })
        })
    }

    /// Registers the recipient of a secure message with the token from its
    /// link: the same checks as *Add User*, then the address is a user
    /// (R8) and the token stops working.
    ///
    /// An unknown, used, revoked or malformed token gets one
    /// [`Error::RegistrationRefused`]; an expired one
    /// [`Error::RegistrationExpired`].
    pub fn register(&self, token: &str, form: &RegistrationForm) -> Result<Registered, Error> {
        let (selector, verifier_hash) = parse_token(token).ok_or(Error::RegistrationRefused)?;
        let now = self.clock.now();
        let pending = self
            .store
            .read_with(|reader| proven(reader, selector, &verifier_hash))?
            .ok_or(Error::RegistrationRefused)?;
        if now >= pending.expires_at {
            return Err(Error::RegistrationExpired);
        }
        let first_name = Name::parse(&form.first_name, Field::FirstName)?;
        let last_name = Name::parse(&form.last_name, Field::LastName)?;
        self.policy.check(
            &form.password,
            &form.confirm_password,
            &[
                pending.email.local_part(),
                first_name.as_str(),
                last_name.as_str(),
            ],
        )?;
        let user = User {
            email: pending.email.clone(),
            first_name,
            last_name,
            status: UserStatus::Active,
            credential: Some(Credential {
                hash: self.hashing.hash(&form.password),
                temporary: false,
                set_at: now,
            }),
            created_at: now,
            created_by: pending.sent_by.clone(),
            created_in: pending.account,
            sign_in: SignInState::default(),
        };
        let email = pending.email.clone();
        let actor = Actor::User(email.clone());
        self.store.write_with(|tx| {
            // Single use: of two registrations with one token, the second
            // finds it gone.
            proven(tx, selector, &verifier_hash)?.ok_or(Error::RegistrationRefused)?;
            tx.delete_registration(&email)?;
            tx.insert_user(&user)?;
            let action = Action::UserRegistered {
                email: email.clone(),
            };
            tx.append_audit(&self.record(&actor, pending.account, action))?;
            Ok(())
        })?;
        Ok(Registered { email })
    }

    /// Revokes the pending registration of `recipient`: its token stops
    /// working. Customer Support may, or an Account Administrator of the
    /// account it was sent for.
    pub fn revoke_registration(
        &self,
        actor: &Actor,
        recipient: &str,
    ) -> Result<RegistrationRevoked, Error> {
        let email = Email::parse(recipient)?;
        self.store.write_with(|tx| {
            let pending = tx
                .registration(&email)?
                .ok_or_else(|| Error::RegistrationNotFound {
                    email: email.clone(),
                })?;
            authorize(tx, actor, pending.account)?;
            tx.delete_registration(&email)?;
            let action = Action::RegistrationRevoked {
                email: email.clone(),
            };
            tx.append_audit(&self.record(actor, pending.account, action))?;
            Ok(RegistrationRevoked {
                email: pending.email,
            })
        })
    }
}

/// Customer Support sends for any existing account; a user for an account
/// they administer or that created them, while active.
fn authorize_sender(
    reader: &dyn Reader,
    sender: &Actor,
    account: AccountNumber,
) -> Result<(), Error> {
    let created_here = match sender {
        Actor::User(email) => reader
            .user(email)?
            .is_some_and(|user| user.status == UserStatus::Active && user.created_in == account),
        _ => false,
    };
    if created_here {
        return Ok(());
    }
    authorize(reader, sender, account).map_err(|error| match error {
        Error::Forbidden(_) => Forbidden::NotAccountMember { account }.into(),
        other => other,
    })
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
