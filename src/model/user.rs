//! Users: service-wide identities keyed by email (R4).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::credentials::PasswordHash;
use crate::model::{AccountNumber, ActorRecord, Email, Group, Name, UserId, UserRef};

/// Where a user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UserStatus {
    /// Can sign in and be added to groups.
    Active,
    /// Switched off by an administrator: cannot sign in.
    Disabled,
}

/// Who chose a user's current password (R13): the user, or someone who then
/// knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PasswordChosenBy {
    /// The user: at registration, as the permanent password after a
    /// temporary one, or by changing it.
    User,
    /// Customer Support (*Add User* or a reset).
    Support,
    /// An Account Administrator (*Add User* or a reset), acting for an account.
    Administrator {
        /// The administrator.
        user: UserId,
        /// The account they acted for.
        account: AccountNumber,
    },
    /// An account's identity provider, through a provisioning token (SCIM):
    /// known to whoever runs the provider for that account.
    Provisioner {
        /// The account whose provider chose it.
        account: AccountNumber,
    },
    /// Not recorded: the password was set before the crate recorded who
    /// chose passwords (a store migrated from an older schema). Treated as
    /// chosen by someone unknown: only Customer Support may add the user to
    /// a group until they set their own password.
    Unknown,
}

/// A user's password, as stored: an argon2id hash and whether it is temporary.
///
/// Its serde form leaves the hash out: no hash ever appears in serialized
/// output. Stores write [`PasswordHash::as_phc`] themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// The argon2id hash in PHC string form.
    #[serde(skip)]
    pub hash: PasswordHash,
    /// Set by *Enforce Password Expiration*: the user must choose a permanent
    /// password at the first sign-in (R7).
    pub temporary: bool,
    /// When the password was set.
    pub set_at: DateTime<Utc>,
    /// Who chose it (R13).
    pub chosen_by: PasswordChosenBy,
}

/// The failed sign-ins counted against a user, or against one source of
/// sign-ins to a user, and the lock they lead to (R15).
///
/// Failures are counted in a window that starts with the first one and
/// lasts [`SignInPolicy::failure_window`](crate::SignInPolicy); when it
/// ends they are forgotten. Locks double while they keep coming, and the
/// doubling is forgotten a window after the last lock ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    /// Failed sign-ins in the current window, including attempts still
    /// being verified.
    pub failures: u32,
    /// When the current window started (its first failure).
    pub window_started: Option<DateTime<Utc>>,
    /// Locks in a row: each doubles the next one.
    pub lockouts: u32,
    /// Sign-in is refused until then.
    pub locked_until: Option<DateTime<Utc>>,
}

impl Throttle {
    /// Whether sign-in is refused at `now`.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// Whether no attempt may be verified at `now`: locked, or `max`
    /// attempts already counted in the window.
    pub(crate) fn is_exhausted(&self, now: DateTime<Utc>, max: u32) -> bool {
        self.is_locked(now) || self.failures >= max
    }

    /// Forgets the failures of a window that has ended, and the doubling of
    /// locks a window after the last one ended.
    pub(crate) fn decay(&mut self, now: DateTime<Utc>, window: TimeDelta) {
        if self
            .window_started
            .is_some_and(|start| now >= later(start, window))
        {
            self.failures = 0;
            self.window_started = None;
        }
        if self
            .locked_until
            .is_some_and(|until| now >= later(until, window))
        {
            self.lockouts = 0;
            self.locked_until = None;
        }
    }

    /// Counts one more failure (or attempt being verified).
    pub(crate) fn count(&mut self, now: DateTime<Utc>) {
        self.window_started.get_or_insert(now);
        self.failures = self.failures.saturating_add(1);
    }

    /// Takes back one counted attempt that turned out a success; a window
    /// left with no failure in it ends.
    pub(crate) fn uncount(&mut self) {
        self.failures = self.failures.saturating_sub(1);
        if self.failures == 0 {
            self.window_started = None;
        }
    }

    /// Locks until `now` plus the `lockout` of the next lock in a row, and
    /// starts a fresh window; returns when the lock ends.
    pub(crate) fn lock(
        &mut self,
        now: DateTime<Utc>,
        lockout: impl Fn(u32) -> TimeDelta,
    ) -> DateTime<Utc> {
        self.lockouts = self.lockouts.saturating_add(1);
        let until = later(now, lockout(self.lockouts));
        self.locked_until = Some(until);
        self.failures = 0;
        self.window_started = None;
        until
    }
}

/// The latest time the crate records: the end of the year 9999, the last
/// one every store can write as a four-digit RFC 3339 year and sort as text.
pub(crate) fn end_of_time() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 999_999_999).expect("9999-12-31 is a valid time")
}

/// `at + delta`, saturating at [`end_of_time`]: a policy with an enormous
/// duration means "practically forever", never a panic nor a time a store
/// cannot read back.
pub(crate) fn later(at: DateTime<Utc>, delta: TimeDelta) -> DateTime<Utc> {
    at.checked_add_signed(delta)
        .map_or_else(end_of_time, |t| t.min(end_of_time()))
}

/// Where sign-in attempts come from, as the service tells the directory: a
/// client address, a device cookie. Only a 128-bit digest of it is kept.
///
/// Each source has its own lock-out (R15), so that a guesser from one
/// source cannot keep a user who signs in from another source locked out.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignInSource(#[serde(with = "hex16")] [u8; 16]);

impl SignInSource {
    /// How much of an identifier is read: a longer one is cut there.
    pub const MAX_IDENTIFIER_BYTES: usize = 1024;

    /// The source named by `identifier` (an IP address, a device cookie…).
    /// Only its SHA-256 digest, cut to 128 bits, is kept.
    pub fn new(identifier: &str) -> SignInSource {
        use sha2::{Digest, Sha256};
        let bytes = identifier.as_bytes();
        let bounded = &bytes[..bytes.len().min(Self::MAX_IDENTIFIER_BYTES)];
        let digest = Sha256::digest(bounded);
        let mut key = [0; 16];
        key.copy_from_slice(&digest[..16]);
        SignInSource(key)
    }

    /// The source of callers that cannot tell one: all of them share one
    /// lock-out per user.
    pub const fn unknown() -> SignInSource {
        SignInSource([0; 16])
    }
}

impl std::fmt::Debug for SignInSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignInSource({})", hex16::encode(&self.0))
    }
}

mod hex16 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn encode(bytes: &[u8; 16]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(super) fn serialize<S: Serializer>(bytes: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
        let text = <&str>::deserialize(d)?;
        let mut bytes = [0; 16];
        if text.len() != 32 || !text.is_ascii() {
            return Err(D::Error::custom("a sign-in source is 32 hex digits"));
        }
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(D::Error::custom)?;
            *byte = u8::from_str_radix(pair, 16).map_err(D::Error::custom)?;
        }
        Ok(bytes)
    }
}

/// A user's sign-in bookkeeping (R15): failures and locks of the user as a
/// whole, and of each recent source of sign-ins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInState {
    /// Every source together, against a much higher ceiling
    /// ([`SignInPolicy::max_user_failures`](crate::SignInPolicy)).
    #[serde(default)]
    pub user: Throttle,
    /// The most recent sources, at most [`SignInState::MAX_SOURCES`].
    #[serde(default)]
    pub sources: Vec<(SignInSource, Throttle)>,
    /// When the user last signed in successfully; never if `None`.
    #[serde(default)]
    pub last_signed_in: Option<DateTime<Utc>>,
}

impl SignInState {
    /// How many sources are remembered per user; past that, the quietest
    /// is forgotten.
    pub const MAX_SOURCES: usize = 16;

    /// Whether sign-in from every source is refused at `now`.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.user.is_locked(now)
    }

    /// The throttle of `source`, if remembered.
    pub fn source(&self, source: &SignInSource) -> Option<&Throttle> {
        self.sources
            .iter()
            .find(|(s, _)| s == source)
            .map(|(_, throttle)| throttle)
    }

    /// The throttle of `source`, remembered from now on; the quietest source
    /// is forgotten to make room.
    pub(crate) fn source_mut(&mut self, source: SignInSource) -> &mut Throttle {
        let at = match self.sources.iter().position(|(s, _)| *s == source) {
            Some(at) => at,
            None => {
                if self.sources.len() >= Self::MAX_SOURCES {
                    let quietest = self
                        .sources
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, (_, t))| (t.locked_until, t.failures))
                        .map_or(0, |(at, _)| at);
                    self.sources.remove(quietest);
                }
                self.sources.push((source, Throttle::default()));
                self.sources.len() - 1
            }
        };
        &mut self.sources[at].1
    }

    /// Lifts every lock and forgets every failure, keeping when the user
    /// last signed in; returns whether there was anything to clear.
    pub(crate) fn clear_failures(&mut self) -> bool {
        let cleared = SignInState {
            last_signed_in: self.last_signed_in,
            ..SignInState::default()
        };
        let changed = *self != cleared;
        *self = cleared;
        changed
    }

    /// Decays every throttle and forgets the sources with nothing left.
    pub(crate) fn decay(&mut self, now: DateTime<Utc>, window: TimeDelta) {
        self.user.decay(now, window);
        for (_, throttle) in &mut self.sources {
            throttle.decay(now, window);
        }
        self.sources.retain(|(_, t)| *t != Throttle::default());
    }
}

/// A user.
///
/// Its serde form carries no password hash (see [`Credential`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Who the user is, for good.
    pub id: UserId,
    /// How many times the user has changed: a caller that read revision `n`
    /// can refuse to overwrite a later change.
    pub revision: u64,
    /// The email address: unique ignoring case, and shown as typed.
    pub email: Email,
    /// First name.
    pub first_name: Name,
    /// Last name.
    pub last_name: Name,
    /// Active or disabled.
    pub status: UserStatus,
    /// The password, if one was set.
    pub credential: Option<Credential>,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// Who created the user.
    pub created_by: ActorRecord,
    /// The account in whose administration the user was created: one of the
    /// accounts that govern the user (R13).
    pub created_in: AccountNumber,
    /// Failed sign-ins and lock-outs.
    pub sign_in: SignInState,
}

impl User {
    /// The user as a record names them now.
    pub fn to_ref(&self) -> UserRef {
        UserRef {
            id: self.id,
            email: self.email.clone(),
        }
    }

    /// What the rules ask of the user.
    pub fn brief(&self) -> UserBrief {
        UserBrief {
            user: self.to_ref(),
            status: self.status,
            created_in: self.created_in,
            password_chosen_by: self.credential.as_ref().map(|c| c.chosen_by),
        }
    }

    /// What may be shown of the user to whoever signed in as them.
    pub fn profile(&self) -> UserProfile {
        UserProfile {
            id: self.id,
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            status: self.status,
            created_at: self.created_at,
            created_in: self.created_in,
        }
    }
}

/// What the rules ask of a user, without the rest of the record: who they
/// are, whether they are active, where they were created and who chose
/// their password (R13). A store answers it from one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserBrief {
    /// The user, with their current email.
    pub user: UserRef,
    /// Active or disabled.
    pub status: UserStatus,
    /// The account the user was created in.
    pub created_in: AccountNumber,
    /// Who chose the current password, if there is one.
    pub password_chosen_by: Option<PasswordChosenBy>,
}

/// A row of an account's Users tab: who, their names and status, and the
/// flags the tab shows. Nothing about the password but whether it is
/// temporary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserRow {
    /// The user, with their email as typed.
    pub user: UserRef,
    /// First name.
    pub first_name: Name,
    /// Last name.
    pub last_name: Name,
    /// Active or disabled.
    pub status: UserStatus,
    /// The password is temporary: the user must choose one at the next
    /// sign-in (R7).
    pub temporary_password: bool,
    /// Sign-in is refused from everywhere until then (R15). In the rows
    /// [`Directory::users`](crate::Directory::users) returns, only a lock
    /// still in force when the page was read.
    pub locked_until: Option<DateTime<Utc>>,
    /// A member of the account's *Account Administrators*.
    pub administrator: bool,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user last signed in successfully; never if `None`.
    pub last_signed_in: Option<DateTime<Utc>>,
}

impl UserRow {
    /// The row of `user` in an account whose *Account Administrators* they
    /// are a member of if `administrator`: what a store's
    /// [`Reader::account_users`](crate::store::Reader::account_users)
    /// returns for each user.
    pub fn new(user: &User, administrator: bool) -> UserRow {
        UserRow {
            user: user.to_ref(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            status: user.status,
            temporary_password: user.credential.as_ref().is_some_and(|c| c.temporary),
            locked_until: user.sign_in.user.locked_until,
            administrator,
            created_at: user.created_at,
            last_signed_in: user.sign_in.last_signed_in,
        }
    }

    /// Whether the row shows a lock: sign-in is refused from everywhere.
    pub fn locked(&self) -> bool {
        self.locked_until.is_some()
    }

    /// Leaves out a lock that has ended by `now`.
    pub(crate) fn hide_ended_lock(&mut self, now: DateTime<Utc>) {
        self.locked_until = self.locked_until.filter(|until| now < *until);
    }
}

/// One of an account's users opened from its Users tab: their row, and
/// the groups of that account they are a member of, in group-number order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccountUser {
    /// The user's row, as [`Directory::users`](crate::Directory::users)
    /// lists it.
    pub row: UserRow,
    /// The account's groups the user is a member of.
    pub groups: Vec<Group>,
}

/// A user without anything about their password or sign-ins: what
/// [`SignIn::SignedIn`](crate::SignIn) hands to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// Who the user is, for good.
    pub id: UserId,
    /// The email address as typed.
    pub email: Email,
    /// First name.
    pub first_name: Name,
    /// Last name.
    pub last_name: Name,
    /// Active or disabled.
    pub status: UserStatus,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// The account the user was created in.
    pub created_in: AccountNumber,
}
