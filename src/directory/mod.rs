//! The [`Directory`]: every operation of the guide, each in the file of its
//! area, all authorized by [`access`] and run by one transaction helper.
//!
//! | file | operations |
//! | --- | --- |
//! | `access.rs` | no operation: every authorization decision (R2, R3, R13) |
//! | `accounts.rs` | create an account, list, detail and rename accounts, an account's audit trail |
//! | `users.rs` | *Add User* |
//! | `groups.rs` | groups, members, *Add to Group* |
//! | `lifecycle.rs` | disable, enable, delete, rename a user, change their email (R16) |
//! | `groups.rs` | groups, members (a page at a time), a user's groups in an account, *Add to Group* |
//! | `sign_in.rs` | sign-in, passwords, resets, unlocks |
//! | `provisioning.rs` | provisioning tokens; an identity provider's operations by user id (SCIM's ground) |
//! | `registration.rs` | secure messages, registration, an account's pending registrations a page at a time, revocation, purge |

mod access;
mod accounts;
mod groups;
mod lifecycle;
mod provisioning;
mod registration;
mod sign_in;
mod users;

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

pub use provisioning::{
    GroupChange, MAX_MEMBERS_PER_CHANGE, MAX_PROVISIONING_TOKENS, ProvisionedGroup,
    ProvisionedUser, ProvisionedUserForm, UserLookup,
};

use crate::clock::{Clock, SystemClock};
use crate::credentials::{PasswordHash, PasswordHashing, PasswordPolicy, SignInPolicy};
use crate::directory::access::GovernedUser;
use crate::error::Error;
use crate::model::{AccountNumber, Action, Actor, ActorRecord, AuditRecord, Email, User, UserRef};
use crate::store::{Reader, Store, Transaction};

/// The account administration service: every operation of the guide, on any
/// [`Store`].
///
/// Each operation checks its input (refusing with an error that names the
/// field), checks that the actor may do it (R2, R3, R13), and then reads,
/// decides and writes in one store transaction, appending one audit entry
/// per change (R11). A refused or failed operation changes nothing (R12). A
/// transaction that loses a race with another ([`StoreError::is_retryable`](crate::StoreError::is_retryable))
/// is run again whole, as [`RetryPolicy`] says.
///
/// `Directory` is `Send + Sync` when its store is: share one between threads.
pub struct Directory<S> {
    store: S,
    clock: Arc<dyn Clock>,
    hashing: PasswordHashing,
    policy: PasswordPolicy,
    sign_in: SignInPolicy,
    retry: RetryPolicy,
    /// A hash of nothing with the configured parameters, verified against
    /// when there is no password to verify, so that an unknown address costs
    /// as much as a wrong password. Built without hashing, so it is ready
    /// from the start: the first unknown address costs no more than the next.
    dummy_hash: PasswordHash,
    /// How long a registration token works.
    registration_lifetime: TimeDelta,
}

/// How often, and how patiently, an operation whose transaction lost a race
/// is run again.
///
/// ```
/// use std::time::Duration;
/// use cres_admin::RetryPolicy;
/// let patient = RetryPolicy::default().attempts(20).max_backoff(Duration::from_millis(500));
/// assert_eq!(patient.attempts, 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// How many times an operation is tried in all (default 8); the last
    /// failure is returned. At least 1.
    pub attempts: u32,
    /// The wait before the second attempt (default 2 ms); each later wait
    /// doubles, with up to half of it added at random so that racing callers
    /// drift apart…
    pub first_backoff: Duration,
    /// …up to this (default 100 ms).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 8,
            first_backoff: Duration::from_millis(2),
            max_backoff: Duration::from_millis(100),
        }
    }
}

impl RetryPolicy {
    /// Tries each operation at most `attempts` times (at least once).
    #[must_use]
    pub fn attempts(mut self, attempts: u32) -> RetryPolicy {
        self.attempts = attempts.max(1);
        self
    }

    /// Waits `backoff` before the second attempt.
    #[must_use]
    pub fn first_backoff(mut self, backoff: Duration) -> RetryPolicy {
        self.first_backoff = backoff;
        self
    }

    /// Never waits longer than `backoff` between two attempts.
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> RetryPolicy {
        self.max_backoff = backoff;
        self
    }

    /// The wait after the `attempt`-th failure (counting from 1).
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .first_backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(self.max_backoff);
        // Jitter from the clock's low bits: no shared generator to contend on.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        base + base.mul_f64(f64::from(nanos % 1000) / 2000.0)
    }
}

impl<S> std::fmt::Debug for Directory<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("hashing", &self.hashing)
            .field("policy", &self.policy)
            .field("sign_in", &self.sign_in)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl<S: Store> Directory<S> {
    /// A directory on `store`, with the system clock, OWASP's argon2id
    /// parameters and the default policies.
    pub fn new(store: S) -> Directory<S> {
        Directory {
            store,
            clock: Arc::new(SystemClock),
            hashing: PasswordHashing::default(),
            policy: PasswordPolicy::default(),
            sign_in: SignInPolicy::default(),
            retry: RetryPolicy::default(),
            dummy_hash: PasswordHashing::default().dummy_hash(),
            registration_lifetime: TimeDelta::hours(72),
        }
    }

    /// Uses `clock` for every timestamp.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Directory<S> {
        self.clock = clock;
        self
    }

    /// Hashes new passwords with `hashing`.
    #[must_use]
    pub fn with_password_hashing(mut self, hashing: PasswordHashing) -> Directory<S> {
        self.dummy_hash = hashing.dummy_hash();
        self.hashing = hashing;
        self
    }

    /// Makes registration tokens work for `lifetime` (default 72 hours).
    #[must_use]
    pub fn with_registration_lifetime(mut self, lifetime: TimeDelta) -> Directory<S> {
        self.registration_lifetime = lifetime;
        self
    }

    /// Applies `policy` to sign-in: lock-out and temporary password lifetime.
    #[must_use]
    pub fn with_sign_in_policy(mut self, policy: SignInPolicy) -> Directory<S> {
        self.sign_in = policy;
        self
    }

    /// Checks new passwords against `policy`.
    #[must_use]
    pub fn with_password_policy(mut self, policy: PasswordPolicy) -> Directory<S> {
        self.policy = policy;
        self
    }

    /// Runs operations that lose a race again as `policy` says.
    #[must_use]
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Directory<S> {
        self.retry = policy;
        self
    }

    /// A read snapshot of the store, for what the directory does not list
    /// (a service's own reports, tests). Reading goes around the access
    /// rules, so it is the caller's to guard; writing goes only through the
    /// directory's operations, which keep the rules and the audit trail.
    ///
    /// # Errors
    /// A [`StoreError`](crate::StoreError) if the store cannot open a snapshot.
    pub fn read_store(&self) -> Result<S::Read<'_>, Error> {
        Ok(self.store.begin_read()?)
    }

    /// The password hashing in use (to verify passwords against stored hashes).
    pub fn password_hashing(&self) -> &PasswordHashing {
        &self.hashing
    }

    /// Runs `op` on a read snapshot, again while the store reports contention.
    fn read<T>(&self, mut op: impl FnMut(&dyn Reader) -> Result<T, Error>) -> Result<T, Error> {
        self.retrying(|| op(&self.store.begin_read()?))
    }

    /// Runs `op` in a write transaction and commits what it wrote; an `Err`
    /// from `op` drops (rolls back) the transaction. The whole of it runs
    /// again while the store reports contention, so `op` must have no
    /// effect outside the transaction.
    fn write<T>(
        &self,
        mut op: impl FnMut(&mut dyn Transaction) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.retrying(|| {
            let mut tx = self.store.begin_write()?;
            let output = op(&mut tx)?;
            tx.commit()?;
            Ok(output)
        })
    }

    fn retrying<T>(&self, mut attempt: impl FnMut() -> Result<T, Error>) -> Result<T, Error> {
        for failed in 1..self.retry.attempts {
            match attempt() {
                Err(Error::Store(error)) if error.is_retryable() => {
                    std::thread::sleep(self.retry.backoff(failed));
                }
                done => return done,
            }
        }
        attempt()
    }

    /// In one transaction: checks that the actor may act on the user
    /// `email` (R13), applies `change`, which may refuse (R16) or change
    /// nothing (`None`), and when it returns an action stores the user and
    /// records the action in every account that governs them. Returns the
    /// user as they are now, and whether `change` changed them.
    fn change_governed_user(
        &self,
        actor: &Actor,
        email: &Email,
        mut change: impl FnMut(&dyn Reader, &mut User) -> Result<Option<Action>, Error>,
    ) -> Result<(UserRef, bool), Error> {
        self.write(|tx| {
            let GovernedUser {
                by,
                mut user,
                accounts,
            } = access::authorized_user(tx, actor, email)?;
            let action = change(tx, &mut user)?;
            if let Some(action) = &action {
                tx.update_user(&user)?;
                self.record_in_each(tx, &by, &accounts, action)?;
            }
            Ok((user.to_ref(), action.is_some()))
        })
    }

    fn record(&self, actor: &ActorRecord, account: AccountNumber, action: Action) -> AuditRecord {
        AuditRecord {
            at: self.clock.now(),
            actor: actor.clone(),
            account,
            action,
        }
    }

    /// Records `action` in the trail of each of `accounts`: a change to a
    /// user is recorded by every account that governs them (R13).
    fn record_in_each(
        &self,
        tx: &mut dyn Transaction,
        actor: &ActorRecord,
        accounts: &[AccountNumber],
        action: &Action,
    ) -> Result<(), Error> {
        for &account in accounts {
            tx.append_audit(self.record(actor, account, action.clone()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling_with_at_most_half_added() {
        let policy = RetryPolicy::default();
        for (attempt, base) in [(1, 2), (2, 4), (3, 8), (6, 64), (7, 100), (40, 100)] {
            let wait = policy.backoff(attempt);
            let base = Duration::from_millis(base);
            assert!(
                wait >= base && wait <= base + base / 2,
                "{attempt}: {wait:?}"
            );
        }
        assert_eq!(RetryPolicy::default().attempts(0).attempts, 1);
    }
}
