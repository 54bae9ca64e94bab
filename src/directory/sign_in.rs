//! Signing in (R7, R15): temporary passwords and the first-login change,
//! lock-out per source and per user, hash upgrades, and administrators'
//! resets and unlocks (R13).

use chrono::{DateTime, Utc};

use crate::confirmation::{PasswordChanged, PasswordReset, SignIn, UserUnlocked};
use crate::credentials::{Password, PasswordHash};
use crate::directory::Directory;
use crate::directory::access::{authorized_user, chosen_by, governing_accounts};
use crate::error::Error;
use crate::input::{Field, InvalidInput, Problem};
use crate::model::{
    Action, Actor, ActorRecord, Credential, Email, PasswordChangeTicket, PasswordChosenBy,
    SignInSource, Throttle, User, UserId, UserStatus, later,
};
use crate::store::{Reader, Store};

/// A password proven for a user: the user as they were when the attempt
/// was counted, and the hash that now stands for the verified password.
struct Proven {
    user: User,
    credential: Credential,
    hash: PasswordHash,
}

impl<S: Store> Directory<S> {
    /// Signs a user in with their email and password, from `source` (R15).
    ///
    /// An unknown address, a wrong password, a user pending registration,
    /// disabled or locked out all get the same [`Error::SignInRefused`], at
    /// the same cost (one argon2 verification, of a dummy hash when there is
    /// no password to verify). A right temporary password gives
    /// [`SignIn::PermanentPasswordRequired`] (R7), or
    /// [`Error::TemporaryPasswordExpired`] once its lifetime is over.
    ///
    /// Each attempt is counted *before* its password is verified, in one
    /// transaction that also checks the locks: however many attempts arrive
    /// at once, at most [`SignInPolicy::max_failures`](crate::SignInPolicy::max_failures) per source are
    /// verified against the real hash in a lock window. A success then
    /// uncounts itself and clears its source's failures, but never a lock
    /// set meanwhile; it also stores a fresh hash if the stored one was made
    /// with other parameters. See [`SignInPolicy`](crate::SignInPolicy) for the lock-outs.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a malformed address or a password outside the
    /// policy's bounds; [`Error::SignInRefused`];
    /// [`Error::TemporaryPasswordExpired`]; [`Error::Store`].
    pub fn authenticate(
        &self,
        source: &SignInSource,
        email: &str,
        password: &Password,
    ) -> Result<SignIn, Error> {
        let proven = self.check_password(source, email, password)?;
        Ok(if proven.credential.temporary {
            SignIn::PermanentPasswordRequired(PasswordChangeTicket {
                user: proven.user.to_ref(),
                proven: proven.hash,
                issued_at: self.clock.now(),
                source: *source,
            })
        } else {
            SignIn::SignedIn(Box::new(proven.user.profile()))
        })
    }

    /// Every check of [`Directory::authenticate`]: the attempt is counted,
    /// verified, and its outcome recorded.
    fn check_password(
        &self,
        source: &SignInSource,
        email: &str,
        password: &Password,
    ) -> Result<Proven, Error> {
        let email = Email::parse(email)?;
        self.policy.check_bounds(password)?;
        let now = self.clock.now();
        let Some((user, credential)) = self.begin_attempt(&email, source, now)? else {
            self.hashing.verify(password, &self.dummy_hash);
            return Err(Error::SignInRefused);
        };
        if !self.hashing.verify(password, &credential.hash) {
            self.record_failure(user.id, source, now)?;
            return Err(Error::SignInRefused);
        }
        let expired = credential.temporary && self.temporary_expired(&credential, now);
        let (user, hash) =
            self.record_success(&user, &credential, source, password, now, !expired)?;
        if expired {
            return Err(Error::TemporaryPasswordExpired);
        }
        Ok(Proven {
            user,
            credential,
            hash,
        })
    }

    fn temporary_expired(&self, credential: &Credential, now: DateTime<Utc>) -> bool {
        now >= later(credential.set_at, self.sign_in.temporary_password_lifetime)
    }

    /// Counts an attempt against the user and its source, unless either is
    /// locked out or has no attempt left in its window: then `None`, and the
    /// password is not to be verified. `None` too for an address without an
    /// active user with a password.
    fn begin_attempt(
        &self,
        email: &Email,
        source: &SignInSource,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, Credential)>, Error> {
        let policy = &self.sign_in;
        self.write(|tx| {
            let Some(mut user) = find_user(tx, email)? else {
                return Ok(None);
            };
            let Some(credential) = user.credential.clone() else {
                return Ok(None);
            };
            if user.status != UserStatus::Active {
                return Ok(None);
            }
            let before = user.sign_in.clone();
            let state = &mut user.sign_in;
            state.decay(now, policy.failure_window);
            let refused = state.user.is_exhausted(now, policy.max_user_failures)
                || state
                    .source(source)
                    .is_some_and(|t| t.is_exhausted(now, policy.max_failures));
            if !refused {
                state.user.count(now);
                state.source_mut(*source).count(now);
            }
            if user.sign_in != before {
                tx.set_sign_in_state(user.id, &user.sign_in)?;
            }
            Ok((!refused).then_some((user, credential)))
        })
    }

    /// A counted attempt failed: locks out its source, or the user, whose
    /// budget it exhausted, recording each lock in every governing account.
    fn record_failure(
        &self,
        id: UserId,
        source: &SignInSource,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let policy = &self.sign_in;
        self.write(|tx| {
            let Some(mut user) = tx.user(id)? else {
                return Ok(());
            };
            let lockout = |n| policy.lockout(n);
            let state = &mut user.sign_in;
            let mut locks = Vec::new();
            let throttle = state.source_mut(*source);
            if throttle.failures >= policy.max_failures && !throttle.is_locked(now) {
                locks.push((throttle.lock(now, lockout), false));
            }
            if state.user.failures >= policy.max_user_failures && !state.user.is_locked(now) {
                locks.push((state.user.lock(now, lockout), true));
            }
            if locks.is_empty() {
                return Ok(());
            }
            tx.set_sign_in_state(user.id, &user.sign_in)?;
            let accounts = governing_accounts(tx, &user.brief())?;
            for (until, every_source) in locks {
                let action = Action::UserLocked {
                    user: user.to_ref(),
                    until,
                    every_source,
                };
                self.record_in_each(tx, &ActorRecord::Unauthenticated, &accounts, &action)?;
            }
            Ok(())
        })
    }

    /// A counted attempt succeeded: it is uncounted, its source's failures
    /// are cleared unless the source is locked out meanwhile (a lock is
    /// never cleared here), a stale hash is replaced, and unless the
    /// password was an expired temporary one (`signed_in` false) `now` is
    /// the user's last sign-in. Returns the user and the hash that stands
    /// for the verified password.
    fn record_success(
        &self,
        user: &User,
        credential: &Credential,
        source: &SignInSource,
        password: &Password,
        now: DateTime<Utc>,
        signed_in: bool,
    ) -> Result<(User, PasswordHash), Error> {
        let fresh = self
            .hashing
            .needs_rehash(&credential.hash)
            .then(|| self.hashing.hash(password));
        self.write(|tx| {
            let mut current = tx
                .user(user.id)?
                .filter(|u| u.status == UserStatus::Active)
                .ok_or(Error::SignInRefused)?;
            let before = current.sign_in.clone();
            let state = &mut current.sign_in;
            state.user.uncount();
            let throttle = state.source_mut(*source);
            if throttle.is_locked(now) {
                throttle.uncount();
            } else {
                *throttle = Throttle::default();
            }
            state.decay(now, self.sign_in.failure_window);
            if signed_in {
                state.last_signed_in = Some(now);
            }
            let mut proven = credential.hash.clone();
            if let (Some(fresh), Some(stored)) = (&fresh, current.credential.as_mut()) {
                // Only if no one changed the password meanwhile.
                if stored.hash == credential.hash {
                    stored.hash = fresh.clone();
                    proven = fresh.clone();
                }
            }
            if proven != credential.hash {
                // A fresh hash is a change of the stored credential.
                current.revision = tx.update_user(&current)?;
            } else if current.sign_in != before {
                tx.set_sign_in_state(current.id, &current.sign_in)?;
            }
            Ok((current, proven))
        })
    }

    /// Sets the permanent password of a user who signed in with a temporary
    /// one (R7); afterwards the temporary password no longer works. The user
    /// chose it, for R13. Locks and failure counts are left as they are.
    ///
    /// # Errors
    ///
    /// [`Error::PasswordChangeExpired`] when the ticket no longer proves the
    /// current password (replaced, too old, or the user or its source is
    /// locked out); [`Error::TemporaryPasswordExpired`];
    /// [`Error::Invalid`] for a new password the policy refuses or equal to
    /// the current one; [`Error::Store`].
    pub fn set_permanent_password(
        &self,
        ticket: &PasswordChangeTicket,
        new_password: &Password,
        confirm_password: &Password,
    ) -> Result<PasswordChanged, Error> {
        let now = self.clock.now();
        let id = ticket.user().id;
        let user = self
            .read(|reader| Ok(reader.user(id)?))?
            .ok_or(Error::PasswordChangeExpired)?;
        self.check_ticket(ticket, &user, now)?;
        self.policy
            .check(new_password, confirm_password, &personal_words(&user))?;
        if self.hashing.verify(new_password, &ticket.proven) {
            return Err(InvalidInput::new(Field::Password, Problem::SameAsCurrent).into());
        }
        let credential = Credential {
            hash: self.hashing.hash(new_password),
            temporary: false,
            set_at: now,
            chosen_by: PasswordChosenBy::User,
        };
        let changed = self.write(|tx| {
            let mut user = tx.user(id)?.ok_or(Error::PasswordChangeExpired)?;
            self.check_ticket(ticket, &user, now)?;
            user.credential = Some(credential.clone());
            tx.update_user(&user)?;
            let accounts = governing_accounts(tx, &user.brief())?;
            let action = Action::PasswordChanged {
                user: user.to_ref(),
            };
            let by = ActorRecord::User(user.to_ref());
            self.record_in_each(tx, &by, &accounts, &action)?;
            Ok(user.to_ref())
        })?;
        Ok(PasswordChanged { user: changed })
    }

    /// Whether `ticket` still proves `user`'s current password at `now`.
    fn check_ticket(
        &self,
        ticket: &PasswordChangeTicket,
        user: &User,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let credential = user
            .credential
            .as_ref()
            .filter(|c| c.hash == ticket.proven)
            .ok_or(Error::PasswordChangeExpired)?;
        let state = &user.sign_in;
        let locked = state.is_locked(now)
            || state
                .source(&ticket.source)
                .is_some_and(|t| t.is_locked(now));
        if user.status != UserStatus::Active
            || locked
            || now >= later(ticket.issued_at, self.sign_in.ticket_lifetime)
        {
            return Err(Error::PasswordChangeExpired);
        }
        if credential.temporary && self.temporary_expired(credential, now) {
            return Err(Error::TemporaryPasswordExpired);
        }
        Ok(())
    }

    /// Changes the password of a user who gives their current one: the same
    /// checks (and lock-out) as [`Directory::authenticate`], then those of
    /// [`Directory::set_permanent_password`]. A refused new password
    /// changes nothing but the sign-in bookkeeping.
    ///
    /// # Errors
    ///
    /// Those of [`Directory::authenticate`] and
    /// [`Directory::set_permanent_password`].
    pub fn change_password(
        &self,
        source: &SignInSource,
        email: &str,
        current_password: &Password,
        new_password: &Password,
        confirm_password: &Password,
    ) -> Result<PasswordChanged, Error> {
        let proven = self.check_password(source, email, current_password)?;
        let ticket = PasswordChangeTicket {
            user: proven.user.to_ref(),
            proven: proven.hash,
            issued_at: self.clock.now(),
            source: *source,
        };
        self.set_permanent_password(&ticket, new_password, confirm_password)
    }

    /// Gives a user a new temporary password. Customer Support may for any
    /// user; an Account Administrator only for a user all of whose governing
    /// accounts they administer (R13). The reset is recorded in the trail of
    /// every governing account, and the password counts as chosen by the
    /// actor: the user cannot join another account's groups until they set
    /// their own.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] ([`Forbidden::NotGoverningAdministrator`](crate::Forbidden));
    /// [`Error::UserNotFound`]; [`Error::Invalid`] for a refused password;
    /// [`Error::Store`].
    pub fn reset_password(
        &self,
        actor: &Actor,
        email: &str,
        new_password: &Password,
        confirm_password: &Password,
    ) -> Result<PasswordReset, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        let governed = self.read(|reader| authorized_user(reader, actor, &email))?;
        self.policy.check(
            new_password,
            confirm_password,
            &personal_words(&governed.user),
        )?;
        let credential = Credential {
            hash: self.hashing.hash(new_password),
            temporary: true,
            set_at: self.clock.now(),
            chosen_by: chosen_by(actor, governed.user.created_in),
        };
        let (user, _) = self.change_governed_user(actor, &email, |_, user| {
            user.credential = Some(credential.clone());
            Ok(Some(Action::PasswordReset {
                user: user.to_ref(),
            }))
        })?;
        Ok(PasswordReset { user })
    }

    /// Lifts every lock of a user and clears their failures, from every
    /// source. Who may: as for [`Directory::reset_password`]. Recorded in
    /// every governing account's trail when there was anything to clear.
    ///
    /// # Errors
    ///
    /// As for [`Directory::reset_password`], but for the password.
    pub fn unlock_user(&self, actor: &Actor, email: &str) -> Result<UserUnlocked, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        let (user, _) = self.change_governed_user(actor, &email, |_, user| {
            Ok(user.sign_in.clear_failures().then(|| Action::UserUnlocked {
                user: user.to_ref(),
            }))
        })?;
        Ok(UserUnlocked { user })
    }
}

/// The user whose email identity is `email`'s.
fn find_user(reader: &dyn Reader, email: &Email) -> Result<Option<User>, Error> {
    match reader.user_id(email)? {
        Some(id) => Ok(reader.user(id)?),
        None => Ok(None),
    }
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
    use crate::{AccountNumber, AddUserForm, MemoryStore, PasswordHashing};

    /// Runs `$check` (a generic fn taking a fresh `Directory`) on a
    /// MemoryStore and, with the `sqlite` feature, on a SqliteStore in a
    /// temporary folder.
    macro_rules! on_every_store {
        ($check:ident) => {{
            $check(Directory::new(MemoryStore::new()));
            #[cfg(feature = "sqlite")]
            {
                let folder = tempfile::tempdir().unwrap();
                let store = crate::SqliteStore::open(folder.path().join("cres.db")).unwrap();
                $check(Directory::new(store));
            }
        }};
    }

    const RIGHT: &str = "Morning-tide-1";

    /// Account 1 and bob, created by Customer Support with `RIGHT`.
    fn bob<S: Store>(dir: Directory<S>, temporary: bool) -> (Directory<S>, Email, UserId) {
        let dir = dir.with_password_hashing(PasswordHashing::insecure_fast());
        let account = AccountNumber::new(1);
        dir.create_account(&Actor::Support, account, "Acme")
            .unwrap();
        let form = AddUserForm::new("bob@example.com", "Robert", "Lee", RIGHT.into())
            .enforce_password_expiration(temporary);
        let added = dir.add_user(&Actor::Support, account, &form).unwrap();
        (dir, added.user.email, added.user.id)
    }

    /// Review: a correct guess still between its read and its write cleared
    /// a lock set by five concurrent wrong guesses. The interleaving is
    /// played step by step: the right attempt is counted, wrong guesses lock
    /// the source, then the right attempt records its success.
    #[test]
    fn r15_a_success_never_clears_a_lock_set_meanwhile() {
        fn check<S: Store>(dir: Directory<S>) {
            let (dir, email, id) = bob(dir, false);
            let source = SignInSource::new("192.0.2.1");
            let now = dir.clock.now();
            let (user, credential) = dir.begin_attempt(&email, &source, now).unwrap().unwrap();
            for _ in 0..4 {
                let wrong = dir.authenticate(&source, email.as_str(), &"wrong-guess-1".into());
                assert!(matches!(wrong, Err(Error::SignInRefused)));
            }
            let locked = |dir: &Directory<S>| {
                let user = dir.read(|r| Ok(r.user(id)?)).unwrap().unwrap();
                user.sign_in
                    .source(&source)
                    .is_some_and(|t| t.is_locked(now))
            };
            assert!(
                locked(&dir),
                "four wrong guesses after one counted attempt lock the source"
            );
            dir.record_success(&user, &credential, &source, &RIGHT.into(), now, true)
                .unwrap();
            assert!(
                locked(&dir),
                "the success must leave the lock set meanwhile"
            );
            assert!(matches!(
                dir.authenticate(&source, email.as_str(), &RIGHT.into()),
                Err(Error::SignInRefused)
            ));
        }
        on_every_store!(check);
    }

    /// Review: a temporary password reset while an old sign-in was being
    /// verified gave that sign-in a ticket for the *new* password. The ticket
    /// proves the credential verified, which the reset replaced.
    #[test]
    fn r15_a_ticket_proves_only_the_credential_that_was_verified() {
        fn check<S: Store>(dir: Directory<S>) {
            let (dir, email, _) = bob(dir, true);
            let source = SignInSource::unknown();
            let now = dir.clock.now();
            let (user, credential) = dir.begin_attempt(&email, &source, now).unwrap().unwrap();
            let reset: Password = "Support-chose-9x".into();
            dir.reset_password(&Actor::Support, email.as_str(), &reset, &reset)
                .unwrap();
            let (_, proven) = dir
                .record_success(&user, &credential, &source, &RIGHT.into(), now, true)
                .unwrap();
            let ticket = PasswordChangeTicket {
                user: user.to_ref(),
                proven,
                issued_at: now,
                source,
            };
            let new: Password = "Silver-lake-33".into();
            assert!(matches!(
                dir.set_permanent_password(&ticket, &new, &new),
                Err(Error::PasswordChangeExpired)
            ));
        }
        on_every_store!(check);
    }
}
