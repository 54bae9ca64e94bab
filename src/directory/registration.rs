//! Registration by secure message, the guide's "quick solution" (R8): a
//! secure message to an address with no user issues a registration token;
//! the recipient registers with it and from then on exists.

use subtle::ConstantTimeEq;

use crate::confirmation::{
    Registered, RegistrationRevoked, RegistrationsPurged, SecureMessageSent,
};
use crate::credentials::{issue_token, parse_token};
use crate::directory::Directory;
use crate::directory::access::{authorize, authorize_sender, sender_vouches, support_only};
use crate::error::Error;
use crate::forms::RegistrationForm;
use crate::input::Field;
use crate::model::{
    AccountNumber, Action, Actor, ActorRecord, Credential, Email, Name, PasswordChosenBy,
    PendingRegistration, SignInState, User, UserId, UserStatus, later,
};
use crate::paging::{Cursor, Page, PageSize};
use crate::store::{Reader, Store, StoreError};

/// How many expired registrations one purge transaction deletes: the memory
/// store's write lock is never held for long.
const PURGE_BATCH: usize = 500;

/// The pending registration that `token` proves, compared in constant time,
/// while its sender still vouches for it.
fn proven(
    reader: &dyn Reader,
    selector: &str,
    verifier_hash: &[u8; 32],
) -> Result<Option<PendingRegistration>, Error> {
    let Some(pending) = reader
        .registration_by_selector(selector)?
        .filter(|pending| bool::from(pending.verifier_hash.ct_eq(verifier_hash)))
    else {
        return Ok(None);
    };
    // A link sent by a user who has since been disabled or deleted no
    // longer works: refused like any dead link.
    Ok(sender_vouches(reader, &pending)?.then_some(pending))
}

impl<S: Store> Directory<S> {
    /// A page of the account's pending registrations (its invitations),
    /// each with its sender, when it was issued and when it expires:
    /// ordered by expiry, soonest first, and then by email identity (the
    /// address ignoring case). Expired registrations not yet purged are
    /// listed first. Pages follow each other by [`Page::next`]:
    /// registrations sent or ended meanwhile do not shift them, so none
    /// that stayed is shown twice or skipped.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone but Support and an active
    /// administrator of the account; [`Error::AccountNotFound`];
    /// [`Error::InvalidCursor`] for a cursor this list did not give;
    /// [`Error::Store`].
    pub fn registrations(
        &self,
        actor: &Actor,
        account: AccountNumber,
        size: PageSize,
        after: Option<&Cursor>,
    ) -> Result<Page<PendingRegistration>, Error> {
        let account_key = account.get().to_be_bytes();
        let list: [&[u8]; 2] = [b"registrations", &account_key];
        let after = match after {
            None => None,
            Some(cursor) => Some(registration_key(
                &cursor.key_for(&list).ok_or(Error::InvalidCursor)?,
            )?),
        };
        let size = size.get() as usize;
        let mut pending = self.read(|reader| {
            authorize(reader, actor, account)?;
            let after = after
                .as_ref()
                .map(|(expiry, identity)| (*expiry, identity.as_str()));
            Ok(reader.registrations_page(account, after, size + 1)?)
        })?;
        let next = (pending.len() > size).then(|| {
            pending.truncate(size);
            let key = pending.last().map_or_else(Vec::new, |last| {
                let mut key = last.expires_at.timestamp().to_be_bytes().to_vec();
                key.extend_from_slice(&last.expires_at.timestamp_subsec_nanos().to_be_bytes());
                key.extend_from_slice(last.email.identity().as_bytes());
                key
            });
            Cursor::new(&list, &key)
        });
        Ok(Page::new(pending, next))
    }

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
        email: &str,
    ) -> Result<SecureMessageSent, Error> {
        let email = Email::parse(email)?;
        let (token, selector, verifier_hash) =
            issue_token().map_err(|e| StoreError::backend(e.to_string()))?;
        let issued_at = self.clock.now();
        let mut pending = PendingRegistration {
            email: email.clone(),
            selector,
            verifier_hash,
            sent_by: ActorRecord::Support,
            account,
            issued_at,
            expires_at: later(issued_at, self.registration_lifetime),
        };
        self.write(|tx| {
            let by = authorize_sender(tx, sender, account)?;
            if let Some(id) = tx.user_id(&email)? {
                let user = tx.user_brief(id)?.ok_or(StoreError::NotFound)?;
                return Ok(SecureMessageSent::RecipientHasUser {
                    email: user.user.email,
                });
            }
            pending.sent_by = by.clone();
            let resent = tx.registration(&email, account)?.is_some();
            tx.put_registration(&pending)?;
            let action = Action::SecureMessageSent {
                email: email.clone(),
                resent,
            };
            tx.append_audit(self.record(&by, account, action))?;
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
            .read(|reader| {
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
            id: UserId::try_random().map_err(|e| StoreError::backend(e.to_string()))?,
            revision: 0,
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
        let actor = ActorRecord::User(user.to_ref());
        self.write(|tx| {
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
                        user: user.to_ref(),
                    }
                } else {
                    Action::RegistrationEnded {
                        email: email.clone(),
                    }
                };
                tx.append_audit(self.record(&actor, ended.account, action))?;
            }
            Ok(())
        })?;
        Ok(Registered {
            user: user.to_ref(),
        })
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
        email: &str,
    ) -> Result<RegistrationRevoked, Error> {
        let email = Email::parse(email)?;
        self.write(|tx| {
            let by = authorize(tx, actor, account)?;
            let pending =
                tx.registration(&email, account)?
                    .ok_or_else(|| Error::RegistrationNotFound {
                        email: email.clone(),
                    })?;
            tx.delete_registration(&email, account)?;
            let action = Action::RegistrationRevoked {
                email: email.clone(),
            };
            tx.append_audit(self.record(&by, account, action))?;
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
        let by = support_only(actor)?;
        let now = self.clock.now();
        let mut count = 0;
        loop {
            let purged = self.write(|tx| {
                let expired = tx.expired_registrations(now, PURGE_BATCH)?;
                let mut per_account = std::collections::BTreeMap::new();
                for pending in &expired {
                    tx.delete_registration(&pending.email, pending.account)?;
                    *per_account.entry(pending.account).or_insert(0u64) += 1;
                }
                for (account, count) in per_account {
                    let action = Action::RegistrationsPurged { count };
                    tx.append_audit(self.record(&by, account, action))?;
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

/// The expiry and identity a registration cursor's key holds: the expiry's
/// seconds (8 bytes) and nanoseconds (4), then the identity.
fn registration_key(key: &[u8]) -> Result<(chrono::DateTime<chrono::Utc>, String), Error> {
    if key.len() < 12 {
        return Err(Error::InvalidCursor);
    }
    let (seconds, rest) = key.split_at(8);
    let (nanos, identity) = rest.split_at(4);
    let seconds = i64::from_be_bytes(seconds.try_into().map_err(|_| Error::InvalidCursor)?);
    let nanos = u32::from_be_bytes(nanos.try_into().map_err(|_| Error::InvalidCursor)?);
    let expiry = chrono::DateTime::from_timestamp(seconds, nanos).ok_or(Error::InvalidCursor)?;
    let identity = String::from_utf8(identity.to_vec()).map_err(|_| Error::InvalidCursor)?;
    Ok((expiry, identity))
}
