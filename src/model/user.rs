//! Users: service-wide identities keyed by email (R4).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::credentials::PasswordHash;
use crate::model::{AccountNumber, Actor, Email, Name};

/// Where a user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UserStatus {
    /// Can sign in and be added to groups.
    Active,
    /// Was sent a secure message and has not registered yet: to *Add to
    /// Group* the address does not exist (R8).
    PendingRegistration,
    /// Switched off by an administrator.
    Disabled,
}

/// A user's password, as stored: an argon2id hash and whether it is temporary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// The argon2id hash in PHC string form.
    pub hash: PasswordHash,
    /// Set by *Enforce Password Expiration*: the user must choose a permanent
    /// password at the first sign-in (R7).
    pub temporary: bool,
    /// When the password was set.
    pub set_at: DateTime<Utc>,
}

/// Consecutive failed sign-ins and the lock they lead to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInState {
    /// Failed sign-ins since the last success or lock.
    pub failures: u32,
    /// Locks since the last successful sign-in: each doubles the next lock.
    pub lockouts: u32,
    /// Sign-in is refused until then.
    pub locked_until: Option<DateTime<Utc>>,
}

impl SignInState {
    /// Whether sign-in is refused at `now`.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The email address: identity (ignoring case) and display form.
    pub email: Email,
    /// First name.
    pub first_name: Name,
    /// Last name.
    pub last_name: Name,
    /// Active, pending registration or disabled.
    pub status: UserStatus,
    /// The password, if one was set.
    pub credential: Option<Credential>,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// Who created the user.
    pub created_by: Actor,
    /// The account in whose administration the user was created: its
    /// administrators may reset the user's password and unlock the user.
    pub created_in: AccountNumber,
    /// Failed sign-ins and lock-out.
    #[serde(default)]
    pub sign_in: SignInState,
}

impl User {
    /// `true` when the user exists for *Add to Group*: registered, not
    /// pending (R5, R8).
    pub fn is_registered(&self) -> bool {
        self.status != UserStatus::PendingRegistration
    }
}
