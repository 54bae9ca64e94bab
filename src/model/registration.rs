//! Pending registrations: addresses sent a secure message before they had a user (R8).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{AccountNumber, Actor, Email};

/// A registration waiting for its recipient: the address has no user yet, and
/// the token in the secure message's link can create one.
///
/// The token itself is never stored: only its public `selector`, which finds
/// the record, and the SHA-256 of its secret part.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRegistration {
    /// The recipient.
    pub email: Email,
    /// The token's public part, base64url: unique among registrations.
    pub selector: String,
    /// SHA-256 of the token's secret part.
    pub verifier_hash: [u8; 32],
    /// Who sent the secure message.
    pub sent_by: Actor,
    /// The account it was sent for: its administrators may revoke it.
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
