//! How sign-in counts failures and locks users out (R7, R15).

use chrono::TimeDelta;

/// How sign-in counts failures, locks users out and limits temporary
/// passwords (R7, R15).
///
/// Failures are counted per *source* (what the service passes as
/// [`SignInSource`](crate::SignInSource): a client address, a device cookie) and per user. A
/// source that reaches [`max_failures`](Self::max_failures) in a window is
/// locked out of that user; every source together that reaches
/// [`max_user_failures`](Self::max_user_failures) locks the user out from
/// everywhere. Locks double while they keep coming. A guesser from one
/// source therefore cannot keep a user who signs in from another source
/// locked out, and NIST SP 800-63B's ceiling of 100 consecutive failures
/// still holds for the account.
///
/// Durations saturate: an enormous one means "practically forever" and
/// never makes an operation panic.
///
/// # Compared with Keycloak and Kanidm
///
/// Keycloak's brute-force detection (off by default) counts failures per
/// user only: 30 failures, then waits growing by 1 minute up to 15 minutes,
/// forgotten after 12 hours; an attacker who knows a user's name can keep
/// them locked out. Kanidm soft-locks a credential after a failure for a
/// delay that grows with each further failure and resets after a quiet
/// period, also per credential rather than per source. The defaults here
/// are stricter per source (5 per hour) and far looser per user (100 per
/// hour), so that the lock that protects the password cannot be turned
/// against its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInPolicy {
    /// Failures from one source, within a window, that lock that source out
    /// of the user (default 5).
    pub max_failures: u32,
    /// Failures from every source together, within a window, that lock the
    /// user out from everywhere (default 100, NIST SP 800-63B's ceiling).
    pub max_user_failures: u32,
    /// How long failures are counted: a window starts with a failure and
    /// its count is forgotten when it ends (default 1 hour).
    pub failure_window: TimeDelta,
    /// The first lock's length (default 1 minute); each further lock in a
    /// row lasts twice as long as the one before…
    pub first_lockout: TimeDelta,
    /// …up to this (default 1 hour).
    pub max_lockout: TimeDelta,
    /// How long a temporary password can be used (default 7 days).
    pub temporary_password_lifetime: TimeDelta,
    /// How long a [`PasswordChangeTicket`](crate::PasswordChangeTicket) works (default 15 minutes).
    pub ticket_lifetime: TimeDelta,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            max_failures: 5,
            max_user_failures: 100,
            failure_window: TimeDelta::hours(1),
            first_lockout: TimeDelta::minutes(1),
            max_lockout: TimeDelta::hours(1),
            temporary_password_lifetime: TimeDelta::days(7),
            ticket_lifetime: TimeDelta::minutes(15),
        }
    }
}

impl SignInPolicy {
    /// How long the `lockouts`-th lock in a row (counting from 1) lasts.
    pub fn lockout(&self, lockouts: u32) -> TimeDelta {
        let doublings = lockouts.saturating_sub(1).min(30);
        self.first_lockout
            .checked_mul(1 << doublings)
            .map_or(self.max_lockout, |length| length.min(self.max_lockout))
    }
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
