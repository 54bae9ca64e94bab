//! Registration by secure message, the guide's "quick solution" (R8): a
//! secure message to an address with no user issues a registration token;
//! the recipient registers with it and from then on exists.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::access::{authorize, authorize_sender, support_only};
use crate::credentials::Password;
use crate::directory::Directory;
use crate::error::{Error, Field};
use crate::i18n::{Arg, Localize, Message};
use crate::model::{
    AccountNumber, Action, Actor, ActorRecord, Credential, Email, Name, PasswordChosenBy,
    PendingRegistration, SignInState, User, UserStatus, later,
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
    // The secret is encoded straight into wiped buffers: no copy of it is
    // ever freed unwiped.
    let mut encoded = Zeroizing::new([0u8; encoded_len(VERIFIER_BYTES)]);
    let verifier_text = Base64UrlUnpadded::encode(verifier, &mut encoded[..])
        .map_err(|e| StoreError::backend(e.to_string()))?;
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

/// Expired pending registrations were purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationsPurged {
    /// How many.
    pub count: u64,
}

crate::i18n::english_display!(
    SecureMessageSent,
    Registered,
    RegistrationRevoked,
    RegistrationsPurged
);

impl Localize for RegistrationsPurged {
    fn message(&self) -> Message {
        Message::new("registrations-purged").arg("count", Arg::Count(self.count))
    }
}

/// How many expired registrations one purge transaction deletes: the memory
/// store's write lock is never held for long.
const PURGE_BATCH: usize = 500;

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
    /// a pending registration of the address for `account` is recorded and
    /// its token returned; sending again for the same account issues a
    /// fresh token and the earlier one stops working. Other accounts'
    /// registrations of the address are never touched (R14).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a malformed address; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::Store`].
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
            sent_by: sender.into(),
            account,
            issued_at,
            expires_at: later(issued_at, self.registration_lifetime),
        };
        self.store.write_with(|tx| {
            authorize_sender(tx, sender, account)?;
            if let Some(user) = tx.user(&email)? {
                return Ok(SecureMessageSent::RecipientHasUser { email: user.email });
            }
            let resent = tx.registration(&email, account)?.is_some();
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
    /// (R8), created in the account the message was sent for, with a
    /// password they chose themselves (R13).
    ///
    /// The user is created once, and every pending registration of the
    /// address ends in the same transaction, each recorded in its own
    /// account's trail (R14): this one as registered, the others as ended.
    ///
    /// # Errors
    ///
    /// An unknown, used, revoked or malformed token gets one
    /// [`Error::RegistrationRefused`]; an expired one
    /// [`Error::RegistrationExpired`]; a refused form [`Error::Invalid`];
    /// [`Error::Store`].
    pub fn register(&self, token: &str, form: &RegistrationForm) -> Result<Registered, Error> {
        let (selector, verifier_hash) = parse_token(token).ok_or(Error::RegistrationRefused)?;
        let now = self.clock.now();
        let (pending, account) = self
            .store
            .read_with(|reader| {
                let Some(pending) = proven(reader, selector, &verifier_hash)? else {
                    return Ok(None);
                };
                Ok(reader.account(pending.account)?.map(|a| (pending, a)))
            })?
            .ok_or(Error::RegistrationRefused)?;
        if now >= pending.expires_at {
            return Err(Error::RegistrationExpired);
        }
        let first_name = Name::parse(&form.first_name, Field::FirstName)?;
        let last_name = Name::parse(&form.last_name, Field::LastName)?;
        self.policy.check_for_account(
            &form.password,
            &form.confirm_password,
            &[
                pending.email.local_part(),
                first_name.as_str(),
                last_name.as_str(),
            ],
            account.name.as_str(),
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
                chosen_by: PasswordChosenBy::User,
            }),
            created_at: now,
            created_by: pending.sent_by.clone(),
            created_in: pending.account,
            sign_in: SignInState::default(),
        };
        let email = pending.email.clone();
        let actor = ActorRecord::User(email.clone());
        self.store.write_with(|tx| {
            // Single use: of two registrations with one token, the second
            // finds it gone.
            proven(tx, selector, &verifier_hash)?.ok_or(Error::RegistrationRefused)?;
            tx.insert_user(&user).map_err(|e| match e {
                StoreError::Conflict => Error::RegistrationRefused,
                other => other.into(),
            })?;
            for ended in tx.registrations(&email)? {
                tx.delete_registration(&email, ended.account)?;
                let action = if ended.account == pending.account {
                    Action::UserRegistered {
                        email: email.clone(),
                    }
                } else {
                    Action::RegistrationEnded {
                        email: email.clone(),
                    }
                };
                tx.append_audit(&self.record(actor.clone(), ended.account, action))?;
            }
            Ok(())
        })?;
        Ok(Registered { email })
    }

    /// Revokes the pending registration of `recipient` for `account`: its
    /// token stops working. Customer Support may, or an Account
    /// Administrator of `account`; whether the actor may is checked before
    /// anything is looked up, so no one else learns whether the address is
    /// pending.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a malformed address; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::RegistrationNotFound`];
    /// [`Error::Store`].
    pub fn revoke_registration(
        &self,
        actor: &Actor,
        account: AccountNumber,
        recipient: &str,
    ) -> Result<RegistrationRevoked, Error> {
        let email = Email::parse(recipient)?;
        self.store.write_with(|tx| {
            authorize(tx, actor, account)?;
            let pending =
                tx.registration(&email, account)?
                    .ok_or_else(|| Error::RegistrationNotFound {
                        email: email.clone(),
                    })?;
            tx.delete_registration(&email, account)?;
            let action = Action::RegistrationRevoked {
                email: email.clone(),
            };
            tx.append_audit(&self.record(actor, account, action))?;
            Ok(RegistrationRevoked {
                email: pending.email,
            })
        })
    }

    /// Deletes every pending registration that has expired, in batches, each
    /// batch recorded in the trail of each account it touched. Only Customer
    /// Support may: it is the operator's maintenance task.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] for anyone but Customer Support;
    /// [`Error::Store`], after which some batches may have been purged.
    pub fn purge_expired_registrations(&self, actor: &Actor) -> Result<RegistrationsPurged, Error> {
        support_only(actor)?;
        let now = self.clock.now();
        let mut count = 0;
        loop {
            let purged = self.store.write_with(|tx| {
                let expired = tx.expired_registrations(now, PURGE_BATCH)?;
                let mut per_account = std::collections::BTreeMap::new();
                for pending in &expired {
                    tx.delete_registration(&pending.email, pending.account)?;
                    *per_account.entry(pending.account).or_insert(0u64) += 1;
                }
                for (account, count) in per_account {
                    let action = Action::RegistrationsPurged { count };
                    tx.append_audit(&self.record(actor, account, action))?;
                }
                Ok(expired.len())
            })?;
            count += purged as u64;
            if purged < PURGE_BATCH {
                return Ok(RegistrationsPurged { count });
            }
        }
    }
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
