//! The proof that lets a user replace the password they just gave (R7).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::credentials::PasswordHash;
use crate::model::{SignInSource, UserRef};

/// Proof that a user just gave exactly their current password, which lets
/// them set a new one with
/// [`Directory::set_permanent_password`](crate::Directory::set_permanent_password).
///
/// It proves the credential that was verified and nothing else: it stops
/// working when that password is replaced, when the ticket is older than
/// [`SignInPolicy::ticket_lifetime`](crate::SignInPolicy::ticket_lifetime), when a temporary password expires, and
/// while the user, or the source it was obtained from, is locked out (R15).
/// Only the crate makes them; `Debug` shows only whose it is.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordChangeTicket {
    pub(crate) user: UserRef,
    pub(crate) proven: PasswordHash,
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) source: SignInSource,
}

impl PasswordChangeTicket {
    /// Whose password may be changed, with their email when the ticket was issued.
    pub fn user(&self) -> &UserRef {
        &self.user
    }

    /// When it was issued.
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issued_at
    }

    /// A ticket proving nothing, to render messages with.
    #[cfg(feature = "testing")]
    pub(crate) fn sample(user: UserRef) -> PasswordChangeTicket {
        PasswordChangeTicket {
            user,
            proven: PasswordHash::from_phc(""),
            issued_at: DateTime::UNIX_EPOCH,
            source: SignInSource::unknown(),
        }
    }
}

impl fmt::Debug for PasswordChangeTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordChangeTicket")
            .field("user", &self.user)
            .field("issued_at", &self.issued_at)
            .finish_non_exhaustive()
    }
}
