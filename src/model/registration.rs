//! Pending registrations: addresses sent a secure message before they had a user (R8).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{AccountNumber, ActorRecord, Email};

/// A registration waiting for its recipient: the address has no user yet, and
/// the token in the secure message's link can create one.
///
/// The token itself is never stored: only its public `selector`, which finds
/// the record, and the SHA-256 of its secret part, which neither `Debug` nor
/// the serde form shows.
///
/// An address has at most one pending registration per account (R14): each
/// account's invitation lives and ends on its own.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct PendingRegistration {
    /// The recipient.
    pub email: Email,
    /// The token's public part, base64url: unique among registrations.
    pub selector: String,
    /// SHA-256 of the token's secret part.
    #[serde(skip)]
    pub verifier_hash: [u8; 32],
    /// Who sent the secure message.
    pub sent_by: ActorRecord,
    /// The account it was sent for: its administrators may revoke it, and
    /// registering through it creates the user in it.
    pub account: AccountNumber,
    /// When the token was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for PendingRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRegistration")
            .field("email", &self.email)
            .field("sent_by", &self.sent_by)
            .field("account", &self.account)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}
