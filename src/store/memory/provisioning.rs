//! The memory store's provisioning records: what each account's identity
//! provider calls its users, found by user, by `userName` key and by
//! `externalId`; and the provisioning tokens, by id and per account in
//! issue order.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::model::{AccountNumber, ExternalIdentity, ProvisioningCredential, UserId};
use crate::store::memory::hashing::Keyed;

/// Every external identity and provisioning token. Each change goes
/// through [`Provisioning::put`], [`Provisioning::remove`],
/// [`Provisioning::insert_credential`] or
/// [`Provisioning::remove_credential`], which keep the indexes true; the
/// write transaction journals how to revert it.
#[derive(Debug, Default)]
pub(super) struct Provisioning {
    /// Each user's identities, at most one per account, in account order:
    /// nearly every user has none or one, and deleting a user finds theirs
    /// here.
    identities: HashMap<UserId, Vec<ExternalIdentity>, Keyed>,
    /// Each account's names of its users. The names are the identity
    /// provider's text: hashed with std's SipHash.
    names: HashMap<AccountNumber, Names, Keyed>,
    /// By the token's public id (text its holder presents: SipHash).
    credentials: HashMap<Box<str>, ProvisioningCredential>,
    /// Each account's tokens, in the order they are listed in.
    issued: HashMap<AccountNumber, Issued, Keyed>,
}

/// One account's tokens by issue time and id.
type Issued = BTreeSet<(DateTime<Utc>, Box<str>)>;

/// One account's indexes of its users' external names.
#[derive(Debug, Default)]
struct Names {
    /// [`UserName::key`](crate::UserName::key) → user.
    user_names: HashMap<Box<str>, UserId>,
    /// `externalId`, exactly as sent → user.
    external_ids: HashMap<Box<str>, UserId>,
}

impl Names {
    fn is_empty(&self) -> bool {
        self.user_names.is_empty() && self.external_ids.is_empty()
    }
}

impl Provisioning {
    /// What `account`'s provider calls `user`.
    pub(super) fn identity(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Option<&ExternalIdentity> {
        self.identities
            .get(&user)?
            .iter()
            .find(|identity| identity.account == account)
    }

    /// The user whose `userName` in `account` has this key.
    pub(super) fn by_user_name(&self, account: AccountNumber, key: &str) -> Option<UserId> {
        self.names.get(&account)?.user_names.get(key).copied()
    }

    /// The user whose `externalId` in `account` is exactly `id`.
    pub(super) fn by_external_id(&self, account: AccountNumber, id: &str) -> Option<UserId> {
        self.names.get(&account)?.external_ids.get(id).copied()
    }

    /// Whether another user of the identity's account has its `userName`
    /// key or its `externalId`.
    pub(super) fn taken_by_other(&self, identity: &ExternalIdentity) -> bool {
        let other = |user: Option<UserId>| user.is_some_and(|user| user != identity.user);
        other(self.by_user_name(identity.account, &identity.user_name.key()))
            || identity
                .external_id
                .as_ref()
                .is_some_and(|id| other(self.by_external_id(identity.account, id.as_str())))
    }

    /// Keeps `identity`, replacing (and returning) the one of the same
    /// account and user. The caller has checked [`Self::taken_by_other`].
    pub(super) fn put(&mut self, identity: ExternalIdentity) -> Option<ExternalIdentity> {
        let previous = self.remove(identity.account, identity.user);
        let names = self.names.entry(identity.account).or_default();
        names
            .user_names
            .insert(identity.user_name.key().into(), identity.user);
        if let Some(id) = &identity.external_id {
            names.external_ids.insert(id.as_str().into(), identity.user);
        }
        let held = self.identities.entry(identity.user).or_default();
        let at = held
            .binary_search_by_key(&identity.account, |held| held.account)
            .unwrap_or_else(|at| at);
        held.insert(at, identity);
        previous
    }

    /// Forgets what `account`'s provider calls `user`; returns it.
    pub(super) fn remove(
        &mut self,
        account: AccountNumber,
        user: UserId,
    ) -> Option<ExternalIdentity> {
        let held = self.identities.get_mut(&user)?;
        let at = held
            .iter()
            .position(|identity| identity.account == account)?;
        let removed = held.remove(at);
        if held.is_empty() {
            self.identities.remove(&user);
        }
        if let Some(names) = self.names.get_mut(&account) {
            names.user_names.remove(removed.user_name.key().as_str());
            if let Some(id) = &removed.external_id {
                names.external_ids.remove(id.as_str());
            }
            if names.is_empty() {
                self.names.remove(&account);
            }
        }
        Some(removed)
    }

    /// The accounts that name `user`, in order.
    pub(super) fn accounts_naming(&self, user: UserId) -> Vec<AccountNumber> {
        self.identities.get(&user).map_or_else(Vec::new, |held| {
            held.iter().map(|identity| identity.account).collect()
        })
    }

    /// The token with this id.
    pub(super) fn credential(&self, id: &str) -> Option<&ProvisioningCredential> {
        self.credentials.get(id)
    }

    /// `account`'s tokens, oldest first, then by id.
    pub(super) fn credentials(&self, account: AccountNumber) -> Vec<ProvisioningCredential> {
        self.issued.get(&account).map_or_else(Vec::new, |issued| {
            issued
                .iter()
                .filter_map(|(_, id)| self.credentials.get(id).cloned())
                .collect()
        })
    }

    /// Keeps a new token; `false` (and nothing kept) if its id is taken.
    pub(super) fn insert_credential(&mut self, credential: ProvisioningCredential) -> bool {
        if self.credentials.contains_key(credential.id.as_str()) {
            return false;
        }
        let id: Box<str> = credential.id.as_str().into();
        self.issued
            .entry(credential.account)
            .or_default()
            .insert((credential.issued_at, id.clone()));
        self.credentials.insert(id, credential);
        true
    }

    /// Forgets the token with this id; returns it.
    pub(super) fn remove_credential(&mut self, id: &str) -> Option<ProvisioningCredential> {
        let removed = self.credentials.remove(id)?;
        if let Some(issued) = self.issued.get_mut(&removed.account) {
            issued.remove(&(removed.issued_at, id.into()));
            if issued.is_empty() {
                self.issued.remove(&removed.account);
            }
        }
        Some(removed)
    }
}
