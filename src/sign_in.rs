//! Signing in: temporary passwords and the first-login change (R7),
//! lock-out, hash upgrades, and administrators' resets and unlocks.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};

use crate::credentials::{Password, PasswordHash};
use crate::directory::{Directory, authorize};
use crate::error::{Error, Field, InvalidInput, Problem};
use crate::i18n::{Localize, Message};
use crate::model::{Action, Actor, Credential, Email, SignInState, User, UserStatus};
use crate::store::{Reader, Store, StoreExt};

/// How sign-in treats failures and temporary passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    /// Consecutive failures that lock the user (default 5).
    pub max_failures: u32,
    /// The first lock's length (default 1 minute); each further lock without
    /// a successful sign-in in between lasts twice as long as the one before…
    pub first_lockout: TimeDelta,
    /// …up to this (default 1 hour).
    pub max_lockout: TimeDelta,
    /// How long a temporary password can be used (default 7 days).
    pub temporary_password_lifetime: TimeDelta,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            max_failures: 5,
            first_lockout: TimeDelta::minutes(1),
            max_lockout: TimeDelta::hours(1),
            temporary_password_lifetime: TimeDelta::days(7),
        }
    }
}

impl SignInPolicy {
    /// How long the `lockouts`-th lock (counting from 1) lasts.
    pub fn lockout(&self, lockouts: u32) -> TimeDelta {
        let doublings = lockouts.saturating_sub(1).min(30);
        self.first_lockout
            .checked_mul(1 << doublings)
            .map_or(self.max_lockout, |length| length.min(self.max_lockout))
    }
}

/// The outcome of a successful password check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignIn {
    /// The user is signed in.
    SignedIn(Box<User>),
    /// The password was right but temporary: the user is not let in until
    /// they choose a permanent one with the ticket (R7).
    PermanentPasswordRequired(PasswordChangeTicket),
}

/// Proof that a user just gave their current password, which lets them set
/// a new one with [`Directory::set_permanent_password`]. It is only valid
/// while that password is still the current one. Only the crate makes them.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordChangeTicket {
    email: Email,
    proven: PasswordHash,
}

impl PasswordChangeTicket {
    /// Whose password may be changed.
    pub fn email(&self) -> &Email {
        &self.email
    }
}

impl fmt::Debug for PasswordChangeTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordChangeTicket")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A user's password was changed by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChanged {
    /// The user.
    pub email: Email,
}

/// An administrator gave a user a new temporary password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    /// The user.
    pub email: Email,
}

/// An administrator lifted a user's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUnlocked {
    /// The user.
    pub email: Email,
}

crate::i18n::english_display!(SignIn, PasswordChanged, PasswordReset, UserUnlocked);

impl Localize for SignIn {
    fn message(&self) -> Message {
        match self {
            SignIn::SignedIn(user) => Message::new("signed-in").arg("email", &user.email),
            SignIn::PermanentPasswordRequired(_) => Message::new("permanent-password-required"),
        }
    }
}

impl Localize for PasswordChanged {
    fn message(&self) -> Message {
        Message::new("password-changed")
    }
}

impl Localize for PasswordReset {
    fn message(&self) -> Message {
        Message::new("password-reset").arg("email", &self.email)
    }
}

impl Localize for UserUnlocked {
    fn message(&self) -> Message {
        Message::new("user-unlocked").arg("email", &self.email)
    }
}

impl<S: Store> Directory<S> {
    fn dummy_hash(&self) -> &PasswordHash {
        self.dummy_hash.get_or_init(|| {
            self.hashing
                .hash(&Password::new("no user has this password"))
        })
    }

    /// Signs a user in with their email and password.
    ///
    /// An unknown address, a wrong password, a user pending registration,
    /// disabled or locked all get the same [`Error::SignInRefused`], at the
    /// same cost (one argon2 verification). A right temporary password gives
    /// [`SignIn::PermanentPasswordRequired`] (R7), or
    /// [`Error::TemporaryPasswordExpired`] once its lifetime is over.
    ///
    /// After [`SignInPolicy::max_failures`] consecutive wrong passwords the
    /// user is locked, for longer each time; a success resets the count and
    /// stores a fresh hash if the stored one was made with other parameters.
    pub fn authenticate(&self, email: &str, password: &Password) -> Result<SignIn, Error> {
        let (user, credential) = self.check_password(email, password)?;
        let user = self.record_success(user, password)?;
        Ok(if credential.temporary {
            SignIn::PermanentPasswordRequired(ticket(&user)?)
        } else {
            SignIn::SignedIn(Box::new(user))
        })
    }

    /// The user and credential that `password` proves, after every check
    /// of [`Directory::authenticate`]; a wrong password is counted.
    fn check_password(
        &self,
        email: &str,
        password: &Password,
    ) -> Result<(User, Credential), Error> {
        let email = Email::parse(email)?;
        self.policy.check_bounds(password)?;
        let now = self.clock.now();
        let user = self.store.read_with(|reader| Ok(reader.user(&email)?))?;
        let candidate = user
            .filter(|u| u.status == UserStatus::Active && !u.sign_in.is_locked(now))
            .and_then(|u| u.credential.clone().map(|c| (u, c)));
        let Some((user, credential)) = candidate else {
            self.hashing.verify(password, self.dummy_hash());
            return Err(Error::SignInRefused);
        };
        if !self.hashing.verify(password, &credential.hash) {
            self.record_failure(&email, now)?;
            return Err(Error::SignInRefused);
        }
        if credential.temporary
            && now >= credential.set_at + self.sign_in.temporary_password_lifetime
        {
            return Err(Error::TemporaryPasswordExpired);
        }
        Ok((user, credential))
    }

    /// Counts a wrong password, locking the user at the limit.
    fn record_failure(&self, email: &Email, now: DateTime<Utc>) -> Result<(), Error> {
        self.store.write_with(|tx| {
            let Some(mut user) = tx.user(email)? else {
                return Ok(());
            };
            let state = &mut user.sign_in;
            state.failures += 1;
            if state.failures >= self.sign_in.max_failures {
                state.failures = 0;
                state.lockouts = state.lockouts.saturating_add(1);
                let until = now + self.sign_in.lockout(state.lockouts);
                state.locked_until = Some(until);
                let action = Action::UserLocked {
                    email: email.clone(),
                    until,
                };
                let actor = Actor::User(email.clone());
                tx.append_audit(&self.record(&actor, user.created_in, action))?;
            }
            Ok(tx.update_user(&user)?)
        })
    }

    /// Clears the failure count and upgrades the hash if needed; writes
    /// nothing when there is nothing to change.
    fn record_success(&self, user: User, password: &Password) -> Result<User, Error> {
        let stale = user
            .credential
            .as_ref()
            .filter(|c| self.hashing.needs_rehash(&c.hash))
            .map(|c| c.hash.clone());
        if stale.is_none() && user.sign_in == SignInState::default() {
            return Ok(user);
        }
        let fresh = stale.as_ref().map(|_| self.hashing.hash(password));
        self.store.write_with(|tx| {
            let mut current = tx.user(&user.email)?.ok_or(Error::SignInRefused)?;
            current.sign_in = SignInState::default();
            if let (Some(stale), Some(fresh), Some(credential)) =
                (&stale, &fresh, current.credential.as_mut())
            {
                // Only if no one changed the password meanwhile.
                if credential.hash == *stale {
                    credential.hash = fresh.clone();
                }
            }
            tx.update_user(&current)?;
            Ok(current)
        })
    }

    /// Sets the permanent password of a user who signed in with a temporary
    /// one (R7); afterwards the temporary password no longer works.
    pub fn set_permanent_password(
        &self,
        ticket: &PasswordChangeTicket,
        new_password: &Password,
        confirm_password: &Password,
    ) -> Result<PasswordChanged, Error> {
        let user = self
            .store
            .read_with(|reader| Ok(reader.user(ticket.email())?))?
            .ok_or(Error::PasswordChangeExpired)?;
        self.policy
            .check(new_password, confirm_password, &personal_words(&user))?;
        if self.hashing.verify(new_password, &ticket.proven) {
            return Err(InvalidInput::new(Field::Password, Problem::SameAsCurrent).into());
        }
        let now = self.clock.now();
        let credential = Credential {
            hash: self.hashing.hash(new_password),
            temporary: false,
            set_at: now,
        };
        let email = ticket.email().clone();
        let actor = Actor::User(email.clone());
        self.store.write_with(|tx| {
            let mut user = tx.user(&email)?.ok_or(Error::PasswordChangeExpired)?;
            if user.credential.as_ref().map(|c| &c.hash) != Some(&ticket.proven) {
                return Err(Error::PasswordChangeExpired);
            }
            user.credential = Some(credential.clone());
            user.sign_in = SignInState::default();
            tx.update_user(&user)?;
            let action = Action::PasswordChanged {
                email: email.clone(),
            };
            tx.append_audit(&self.record(&actor, user.created_in, action))?;
            Ok(())
        })?;
        Ok(PasswordChanged { email })
    }

    /// Changes the password of a user who gives their current one: the same
    /// checks (and lock-out) as [`Directory::authenticate`], then those of
    /// [`Directory::set_permanent_password`], whose one transaction also
    /// clears the failure count. A refused new password changes nothing.
    pub fn change_password(
        &self,
        email: &str,
        current_password: &Password,
        new_password: &Password,
        confirm_password: &Password,
    ) -> Result<PasswordChanged, Error> {
        let (user, _) = self.check_password(email, current_password)?;
        self.set_permanent_password(&ticket(&user)?, new_password, confirm_password)
    }

    /// Gives a user a new temporary password. Customer Support may for any
    /// user; an Account Administrator for the users their account created.
    pub fn reset_password(
        &self,
        actor: &Actor,
        user_id: &str,
        new_password: &Password,
        confirm_password: &Password,
    ) -> Result<PasswordReset, Error> {
        let email = Email::parse_field(user_id, Field::UserId)?;
        let user = self.administered_user(actor, &email)?;
        self.policy
            .check(new_password, confirm_password, &personal_words(&user))?;
        let credential = Credential {
            hash: self.hashing.hash(new_password),
            temporary: true,
            set_at: self.clock.now(),
        };
        self.change_administered_user(actor, &email, |user| {
            user.credential = Some(credential.clone());
            Some(Action::PasswordReset {
                email: email.clone(),
            })
        })?;
        Ok(PasswordReset { email })
    }

    /// Lifts a user's lock and clears their failure count. Who may: as for
    /// [`Directory::reset_password`].
    pub fn unlock_user(&self, actor: &Actor, user_id: &str) -> Result<UserUnlocked, Error> {
        let email = Email::parse_field(user_id, Field::UserId)?;
        self.change_administered_user(actor, &email, |user| {
            let was_locked = user.sign_in.locked_until.is_some();
            user.sign_in = SignInState::default();
            was_locked.then(|| Action::UserUnlocked {
                email: email.clone(),
            })
        })?;
        Ok(UserUnlocked { email })
    }

    fn administered_user(&self, actor: &Actor, email: &Email) -> Result<User, Error> {
        self.store
            .read_with(|reader| authorized_user(reader, actor, email))
    }

    /// In one transaction: checks the actor may administer the user, applies
    /// `change`, and records the action it returns (none: nothing to record).
    fn change_administered_user(
        &self,
        actor: &Actor,
        email: &Email,
        mut change: impl FnMut(&mut User) -> Option<Action>,
    ) -> Result<(), Error> {
        self.store.write_with(|tx| {
            let mut user = authorized_user(tx, actor, email)?;
            if let Some(action) = change(&mut user) {
                tx.update_user(&user)?;
                tx.append_audit(&self.record(actor, user.created_in, action))?;
            }
            Ok(())
        })
    }
}

/// The registered user `email`, if `actor` may administer them: Customer
/// Support always, a user when they administer the account that created it.
fn authorized_user(reader: &dyn Reader, actor: &Actor, email: &Email) -> Result<User, Error> {
    let user = reader
        .user(email)?
        .filter(User::is_registered)
        .ok_or_else(|| Error::UserNotFound {
            email: email.clone(),
        })?;
    authorize(reader, actor, user.created_in)?;
    Ok(user)
}

pub(crate) fn ticket(user: &User) -> Result<PasswordChangeTicket, Error> {
    let credential = user.credential.as_ref().ok_or(Error::SignInRefused)?;
    Ok(PasswordChangeTicket {
        email: user.email.clone(),
        proven: credential.hash.clone(),
    })
}

fn personal_words(user: &User) -> [&str; 3] {
    [
        user.email.local_part(),
        user.first_name.as_str(),
        user.last_name.as_str(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_from_one_minute_up_to_an_hour() {
        let policy = SignInPolicy::default();
        let minutes: Vec<i64> = (1..=9).map(|n| policy.lockout(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(policy.lockout(u32::MAX), TimeDelta::hours(1));
    }
}
