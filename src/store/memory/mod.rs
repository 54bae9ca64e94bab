//! The in-memory store: the default, for tests and for services that keep
//! their own persistence.

mod accounts;
mod audit;
mod hashing;
mod provisioning;
mod undo;
mod users;

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};

use crate::model::{
    Account, AccountDetails, AccountNumber, AuditEntry, AuditRecord, Email, ExternalId,
    ExternalIdentity, Group, GroupId, GroupName, GroupSummary, Name, PendingRegistration,
    ProvisioningCredential, SignInState, User, UserBrief, UserId, UserRef, UserRow, UserStatus,
};
use crate::paging::Search;
use crate::store::{Reader, Store, StoreError, Transaction};
use accounts::{AccountEntry, GroupEntry};
use audit::Trail;
use hashing::Keyed;
use provisioning::Provisioning;
use undo::Undo;
use users::{Groups, Slot, Stored, Users, identity_order, list_order};

/// A [`Store`] in memory, behind one reader-writer lock.
///
/// Read snapshots run in parallel. A write transaction holds the write lock
/// from [`Store::begin_write`] until it is committed or dropped; the
/// directory does everything slow (password hashing, input checks) before
/// it opens one, so writers hold the lock for microseconds. Every change
/// made inside a transaction is journalled and undone if the transaction is
/// dropped without a commit, a panic included (R12).
///
/// Membership is indexed both ways, so *is this user an active
/// administrator of that account?* and *Add to Group* cost one hash lookup
/// whatever the number of accounts and users. Users are kept packed (about
/// 180 bytes and one allocation for their strings, beside the password
/// hash) in a slab indexed by id and by email identity.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RwLock<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl Store for MemoryStore {
    type Read<'s> = MemoryRead<'s>;
    type Write<'s> = MemoryTransaction<'s>;

    fn begin_read(&self) -> Result<MemoryRead<'_>, StoreError> {
        // A panic inside a transaction undoes its changes before the lock is
        // released, so a poisoned lock still guards a consistent state.
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        Ok(MemoryRead { state })
    }

    fn begin_write(&self) -> Result<MemoryTransaction<'_>, StoreError> {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let undo = std::mem::take(&mut state.spare_journal);
        Ok(MemoryTransaction { state, undo })
    }
}

/// A read snapshot of a [`MemoryStore`]: it holds the read lock.
#[derive(Debug)]
pub struct MemoryRead<'s> {
    state: RwLockReadGuard<'s, State>,
}

crate::forward_reader!(['s] MemoryRead<'s>, self => self.state);

/// A user's email identity, as the key of the pending registrations.
type Identity = Box<str>;

#[derive(Debug, Default)]
struct State {
    accounts: HashMap<AccountNumber, AccountEntry, Keyed>,
    /// The account numbers in order: a page of accounts is a range.
    account_order: BTreeSet<AccountNumber>,
    users: Users,
    audit: HashMap<AccountNumber, Trail, Keyed>,
    last_sequence: u64,
    /// By email identity: one per account at most, in account order.
    registrations: HashMap<Identity, Vec<PendingRegistration>>,
    /// Selector → the registration's identity and account.
    selectors: HashMap<String, (Identity, AccountNumber)>,
    /// Each account's registrations by expiry and identity: the order of a
    /// page of them, read as a range.
    expiries: HashMap<AccountNumber, BTreeSet<(DateTime<Utc>, Identity)>, Keyed>,
    /// What identity providers call users, and their tokens.
    provisioning: Provisioning,
    /// The empty journal of the last write transaction, so that the next
    /// one journals without allocating.
    spare_journal: Vec<Undo>,
}

impl State {
    fn group_entry(&self, id: GroupId) -> Option<&GroupEntry> {
        self.accounts.get(&id.account)?.group(id.number)
    }

    fn group_entry_mut(&mut self, id: GroupId) -> Result<&mut GroupEntry, StoreError> {
        self.accounts
            .get_mut(&id.account)
            .and_then(|entry| entry.group_mut(id.number))
            .ok_or(StoreError::NotFound)
    }

    fn name_taken(&self, account: AccountNumber, name: &GroupName, except: Option<u32>) -> bool {
        self.accounts
            .get(&account)
            .is_some_and(|entry| entry.name_taken(name, except))
    }

    /// Puts the user in `slot` into `group`, the group's revision moving by
    /// `revision`.
    fn link(&mut self, group: GroupId, slot: Slot, revision: i8) {
        let position = self.order_position(group, slot);
        if let Ok(entry) = self.group_entry_mut(group) {
            if let Some(Err(at)) = position {
                entry.order.insert(at, slot);
            }
            entry.group.revision = entry.group.revision.wrapping_add_signed(revision.into());
        }
        if let Some(user) = self.users.get_mut(slot) {
            user.groups.join(group);
        }
        self.govern(group.account, slot);
    }

    /// Takes the user in `slot` out of `group`, the group's revision moving
    /// by `revision`.
    fn unlink(&mut self, group: GroupId, slot: Slot, revision: i8) {
        let position = self.order_position(group, slot);
        if let Ok(entry) = self.group_entry_mut(group) {
            if let Some(Ok(at)) = position {
                entry.order.remove(at);
            }
            entry.group.revision = entry.group.revision.wrapping_add_signed(revision.into());
        }
        if let Some(user) = self.users.get_mut(slot) {
            user.groups.leave(group);
        }
        self.ungovern_unless_governed(group.account, slot);
    }

    /// Where the user in `slot` is, or belongs, in the order of the group's
    /// members.
    fn order_position(&self, group: GroupId, slot: Slot) -> Option<Result<usize, usize>> {
        let user = self.users.get(slot)?;
        let entry = self.group_entry(group)?;
        Some(entry.order.binary_search_by(|&other| {
            self.users
                .get(other)
                .map_or(Ordering::Less, |other| list_order(other, user))
        }))
    }

    /// Where the user in `slot` is, or belongs, in the account's list of
    /// users.
    fn list_position(&self, account: AccountNumber, slot: Slot) -> Option<Result<usize, usize>> {
        let user = self.users.get(slot)?;
        let entry = self.accounts.get(&account)?;
        Some(entry.users.binary_search_by(|&other| {
            self.users
                .get(other)
                .map_or(Ordering::Less, |other| list_order(other, user))
        }))
    }

    /// Puts the user in `slot` into the account's list of users.
    fn govern(&mut self, account: AccountNumber, slot: Slot) {
        if let Some(Err(at)) = self.list_position(account, slot) {
            if let Some(entry) = self.accounts.get_mut(&account) {
                entry.users.insert(at, slot);
            }
        }
    }

    /// Takes the user in `slot` out of the account's list of users.
    fn ungovern(&mut self, account: AccountNumber, slot: Slot) {
        if let Some(Ok(at)) = self.list_position(account, slot) {
            if let Some(entry) = self.accounts.get_mut(&account) {
                entry.users.remove(at);
            }
        }
    }

    /// Takes the user out of the account's list unless they were created in
    /// it or are still in one of its groups.
    fn ungovern_unless_governed(&mut self, account: AccountNumber, slot: Slot) {
        let governed = self.users.get(slot).is_some_and(|user| {
            user.created_in == account
                || user.groups.as_slice().iter().any(|g| g.account == account)
        });
        if !governed {
            self.ungovern(account, slot);
        }
    }

    /// The accounts that govern the user in `slot` (R13).
    fn governing(&self, slot: Slot) -> Vec<AccountNumber> {
        let mut accounts: Vec<AccountNumber> = self.users.get(slot).map_or_else(Vec::new, |user| {
            user.groups
                .as_slice()
                .iter()
                .map(|g| g.account)
                .chain([user.created_in])
                .collect()
        });
        accounts.sort_unstable();
        accounts.dedup();
        accounts
    }

    /// Keeps a new record of the user in `slot`, moving them in each of
    /// their accounts' lists and their groups' member orders (their email
    /// may have changed); returns the record replaced.
    fn replace_user(&mut self, slot: Slot, stored: Stored) -> Option<Stored> {
        let accounts = self.governing(slot);
        let groups = self
            .users
            .get(slot)
            .map(|user| user.groups.as_slice().to_vec())
            .unwrap_or_default();
        for &account in &accounts {
            self.ungovern(account, slot);
        }
        for &group in &groups {
            if let Some(Ok(at)) = self.order_position(group, slot) {
                if let Ok(entry) = self.group_entry_mut(group) {
                    entry.order.remove(at);
                }
            }
        }
        let previous = self.users.replace(slot, stored);
        for &account in &accounts {
            self.govern(account, slot);
        }
        for &group in &groups {
            if let Some(Err(at)) = self.order_position(group, slot) {
                if let Ok(entry) = self.group_entry_mut(group) {
                    entry.order.insert(at, slot);
                }
            }
        }
        previous
    }

    /// Keeps a new user, in the list of the account they were created in.
    fn insert_user(&mut self, stored: Stored) -> Slot {
        let account = stored.created_in;
        let slot = self.users.insert(stored);
        self.govern(account, slot);
        slot
    }

    /// Puts a deleted user back in their slot, and in the list of the
    /// account they were created in (their groups follow, journalled).
    fn restore_user(&mut self, slot: Slot, stored: Stored) {
        let account = stored.created_in;
        self.users.restore(slot, stored);
        self.govern(account, slot);
    }

    /// Forgets the user in `slot`, and takes them out of every list.
    fn remove_user(&mut self, slot: Slot) -> Option<Stored> {
        for account in self.governing(slot) {
            self.ungovern(account, slot);
        }
        self.users.remove(slot)
    }
}

impl State {
    fn remove_registration(
        &mut self,
        identity: &str,
        account: AccountNumber,
    ) -> Option<PendingRegistration> {
        let pending = self.registrations.get_mut(identity)?;
        let at = pending.iter().position(|r| r.account == account)?;
        let removed = pending.remove(at);
        if pending.is_empty() {
            self.registrations.remove(identity);
        }
        self.selectors.remove(&removed.selector);
        if let Some(expiries) = self.expiries.get_mut(&account) {
            expiries.remove(&(removed.expires_at, identity.into()));
            if expiries.is_empty() {
                self.expiries.remove(&account);
            }
        }
        Some(removed)
    }

    fn insert_registration(&mut self, registration: PendingRegistration) {
        let identity: Identity = registration.email.identity().into();
        self.selectors.insert(
            registration.selector.clone(),
            (identity.clone(), registration.account),
        );
        self.expiries
            .entry(registration.account)
            .or_default()
            .insert((registration.expires_at, identity.clone()));
        let pending = self.registrations.entry(identity).or_default();
        let at = pending
            .binary_search_by_key(&registration.account, |r| r.account)
            .unwrap_or_else(|at| at);
        pending.insert(at, registration);
    }
}

impl Reader for State {
    fn account(&self, number: AccountNumber) -> Result<Option<Account>, StoreError> {
        Ok(self.accounts.get(&number).map(|e| e.account.clone()))
    }

    fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.users.by_id(id).map(Stored::user))
    }

    fn user_id(&self, email: &Email) -> Result<Option<UserId>, StoreError> {
        let slot = self.users.slot_by_email(email);
        Ok(slot.and_then(|slot| self.users.get(slot)).map(|u| u.id))
    }

    fn user_brief(&self, id: UserId) -> Result<Option<UserBrief>, StoreError> {
        Ok(self.users.by_id(id).map(Stored::brief))
    }

    fn is_active_admin(&self, account: AccountNumber, user: UserId) -> Result<bool, StoreError> {
        Ok(self.users.by_id(user).is_some_and(|user| {
            user.status == UserStatus::Active
                && user.groups.contains(&GroupId::administrators(account))
        }))
    }

    fn group(&self, id: GroupId) -> Result<Option<Group>, StoreError> {
        Ok(self.group_entry(id).map(|e| e.group.clone()))
    }

    fn groups(&self, account: AccountNumber) -> Result<Vec<GroupSummary>, StoreError> {
        Ok(self.accounts.get(&account).map_or_else(Vec::new, |entry| {
            entry
                .groups
                .iter()
                .map(|g| GroupSummary {
                    group: g.group.clone(),
                    members: g.order.len(),
                })
                .collect()
        }))
    }

    fn is_member(&self, group: GroupId, user: UserId) -> Result<bool, StoreError> {
        Ok(self
            .users
            .by_id(user)
            .is_some_and(|user| user.groups.contains(&group)))
    }

    fn member_count(&self, group: GroupId) -> Result<usize, StoreError> {
        Ok(self.group_entry(group).map_or(0, |g| g.order.len()))
    }

    fn members(&self, group: GroupId) -> Result<Vec<UserRef>, StoreError> {
        // The order is by email identity already.
        Ok(self.group_entry(group).map_or_else(Vec::new, |g| {
            g.order
                .iter()
                .filter_map(|&slot| self.users.get(slot))
                .map(Stored::to_ref)
                .collect()
        }))
    }

    fn accounts_page(
        &self,
        search: Option<&Search>,
        after: Option<AccountNumber>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        let account = |number: &AccountNumber| self.accounts.get(number).map(|e| e.account.clone());
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let Some(search) = search else {
            return Ok(self
                .account_order
                .range((start, Bound::Unbounded))
                .take(limit)
                .filter_map(account)
                .collect());
        };
        let Some(ranges) = search.account_numbers() else {
            return Ok(self
                .account_order
                .range((start, Bound::Unbounded))
                .filter_map(account)
                .filter(|a| search.found_in(a.name.as_str()))
                .take(limit)
                .collect());
        };
        let mut page = Vec::new();
        for (low, high) in ranges {
            if page.len() >= limit {
                break;
            }
            let low = match after {
                Some(after) if after >= high => continue,
                Some(after) if after >= low => Bound::Excluded(after),
                _ => Bound::Included(low),
            };
            page.extend(
                self.account_order
                    .range((low, Bound::Included(high)))
                    .take(limit - page.len())
                    .filter_map(account),
            );
        }
        Ok(page)
    }

    fn account_details(&self, number: AccountNumber) -> Result<Option<AccountDetails>, StoreError> {
        let Some(entry) = self.accounts.get(&number) else {
            return Ok(None);
        };
        let administrators = entry
            .group(GroupId::ADMINISTRATORS_NUMBER)
            .map_or(0, |admins| {
                admins
                    .order
                    .iter()
                    .filter(|&&slot| {
                        self.users
                            .get(slot)
                            .is_some_and(|user| user.status == UserStatus::Active)
                    })
                    .count()
            });
        Ok(Some(AccountDetails::new(
            entry.account.clone(),
            entry.users.len() as u64,
            entry.groups.len() as u64,
            administrators as u64,
        )))
    }

    fn members_page(
        &self,
        group: GroupId,
        after: Option<(&str, UserId)>,
        limit: usize,
    ) -> Result<Vec<UserRef>, StoreError> {
        let Some(entry) = self.group_entry(group) else {
            return Ok(Vec::new());
        };
        let users = &self.users;
        let start = after.map_or(0, |(identity, id)| {
            entry.order.partition_point(|&s| {
                users.get(s).is_some_and(|u| {
                    identity_order(u.email(), identity)
                        .then(u.id.cmp(&id))
                        .is_le()
                })
            })
        });
        Ok(entry.order[start..]
            .iter()
            .take(limit)
            .filter_map(|&slot| users.get(slot))
            .map(Stored::to_ref)
            .collect())
    }

    fn registrations_page(
        &self,
        account: AccountNumber,
        after: Option<(DateTime<Utc>, &str)>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError> {
        let Some(expiries) = self.expiries.get(&account) else {
            return Ok(Vec::new());
        };
        let start = match after {
            None => Bound::Unbounded,
            Some((expiry, identity)) => Bound::Excluded((expiry, Identity::from(identity))),
        };
        Ok(expiries
            .range((start, Bound::Unbounded))
            .take(limit)
            .filter_map(|(_, identity)| {
                self.registrations
                    .get(identity)?
                    .iter()
                    .find(|r| r.account == account)
                    .cloned()
            })
            .collect())
    }

    fn user_groups(&self, user: UserId) -> Result<Vec<GroupId>, StoreError> {
        let mut groups = self
            .users
            .by_id(user)
            .map_or_else(Vec::new, |user| user.groups.as_slice().to_vec());
        groups.sort_unstable();
        Ok(groups)
    }

    fn audit_page(
        &self,
        account: AccountNumber,
        target: Option<UserId>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self
            .audit
            .get(&account)
            .map_or_else(Vec::new, |trail| trail.page(target, before, limit)))
    }

    fn account_users(
        &self,
        account: AccountNumber,
        prefix: Option<&str>,
        after: Option<(&str, UserId)>,
        limit: usize,
    ) -> Result<Vec<UserRow>, StoreError> {
        let Some(entry) = self.accounts.get(&account) else {
            return Ok(Vec::new());
        };
        let administrators = GroupId::administrators(account);
        let users = &self.users;
        let at = |slot: Slot| users.get(slot);
        // Binary searches: the first user at or past the prefix, and the
        // first after the cursor's key.
        let from_prefix = prefix.map_or(0, |prefix| {
            entry.users.partition_point(|&s| {
                at(s).is_some_and(|u| identity_order(u.email(), prefix).is_lt())
            })
        });
        let from_after = after.map_or(0, |(identity, id)| {
            entry.users.partition_point(|&s| {
                at(s).is_some_and(|u| {
                    identity_order(u.email(), identity)
                        .then(u.id.cmp(&id))
                        .is_le()
                })
            })
        });
        Ok(entry.users[from_prefix.max(from_after)..]
            .iter()
            .filter_map(|&slot| at(slot))
            .take_while(|u| {
                prefix.is_none_or(|prefix| {
                    u.email().len() >= prefix.len()
                        && u.email().as_bytes()[..prefix.len()]
                            .eq_ignore_ascii_case(prefix.as_bytes())
                })
            })
            .take(limit)
            .map(|user| user.row(user.groups.contains(&administrators)))
            .collect())
    }

    fn account_user_count(&self, account: AccountNumber) -> Result<u64, StoreError> {
        Ok(self
            .accounts
            .get(&account)
            .map_or(0, |entry| entry.users.len() as u64))
    }

    fn audit(&self, account: AccountNumber, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_page(account, None, None, limit)
    }

    fn registration(
        &self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<Option<PendingRegistration>, StoreError> {
        Ok(self
            .registrations
            .get(email.identity())
            .and_then(|pending| pending.iter().find(|r| r.account == account))
            .cloned())
    }

    fn registrations(&self, email: &Email) -> Result<Vec<PendingRegistration>, StoreError> {
        Ok(self
            .registrations
            .get(email.identity())
            .cloned()
            .unwrap_or_default())
    }

    fn expired_registrations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError> {
        Ok(self
            .registrations
            .values()
            .flatten()
            .filter(|r| r.expires_at <= now)
            .take(limit)
            .cloned()
            .collect())
    }

    fn registration_by_selector(
        &self,
        selector: &str,
    ) -> Result<Option<PendingRegistration>, StoreError> {
        Ok(self
            .selectors
            .get(selector)
            .and_then(|(identity, account)| {
                self.registrations
                    .get(identity)?
                    .iter()
                    .find(|r| r.account == *account)
            })
            .cloned())
    }

    fn active_admin_count(&self, account: AccountNumber) -> Result<usize, StoreError> {
        Ok(self
            .group_entry(GroupId::administrators(account))
            .map_or(0, |group| {
                group
                    .order
                    .iter()
                    .filter_map(|&slot| self.users.get(slot))
                    .filter(|user| user.status == UserStatus::Active)
                    .count()
            }))
    }

    fn external_identity(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<Option<ExternalIdentity>, StoreError> {
        Ok(self.provisioning.identity(account, user).cloned())
    }

    fn user_by_user_name(
        &self,
        account: AccountNumber,
        key: &str,
    ) -> Result<Option<UserId>, StoreError> {
        Ok(self.provisioning.by_user_name(account, key))
    }

    fn user_by_external_id(
        &self,
        account: AccountNumber,
        external_id: &ExternalId,
    ) -> Result<Option<UserId>, StoreError> {
        Ok(self
            .provisioning
            .by_external_id(account, external_id.as_str()))
    }

    fn group_external_id(&self, group: GroupId) -> Result<Option<ExternalId>, StoreError> {
        Ok(self
            .group_entry(group)
            .and_then(|entry| entry.external_id.clone()))
    }

    fn provisioning_credential(
        &self,
        id: &str,
    ) -> Result<Option<ProvisioningCredential>, StoreError> {
        Ok(self.provisioning.credential(id).cloned())
    }

    fn provisioning_credentials(
        &self,
        account: AccountNumber,
    ) -> Result<Vec<ProvisioningCredential>, StoreError> {
        Ok(self.provisioning.credentials(account))
    }
}

/// A write transaction of a [`MemoryStore`]: it holds the write lock, and
/// changes go straight to the state, each pushing the step that reverts
/// it. [`Transaction::commit`] forgets the steps; dropping the transaction
/// with steps left (an error, or a panic unwinding) replays them newest first.
pub struct MemoryTransaction<'s> {
    state: RwLockWriteGuard<'s, State>,
    undo: Vec<Undo>,
}

impl std::fmt::Debug for MemoryTransaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTransaction")
            .field("changes", &self.undo.len())
            .finish_non_exhaustive()
    }
}

impl Drop for MemoryTransaction<'_> {
    fn drop(&mut self) {
        while let Some(step) = self.undo.pop() {
            step.revert(&mut self.state);
        }
        // The journal's room is kept for the next transaction.
        self.state.spare_journal = std::mem::take(&mut self.undo);
    }
}

crate::forward_reader!(['s] MemoryTransaction<'s>, self => self.state);

impl Transaction for MemoryTransaction<'_> {
    fn insert_account(&mut self, account: &Account) -> Result<(), StoreError> {
        if self.state.accounts.contains_key(&account.number) {
            return Err(StoreError::Conflict);
        }
        let entry = AccountEntry::new(account.clone(), GroupId::ADMINISTRATORS_NUMBER);
        self.state.accounts.insert(account.number, entry);
        self.state.account_order.insert(account.number);
        self.undo.push(Undo::InsertAccount(account.number));
        Ok(())
    }

    fn rename_account(&mut self, number: AccountNumber, name: &Name) -> Result<(), StoreError> {
        let entry = self
            .state
            .accounts
            .get_mut(&number)
            .ok_or(StoreError::NotFound)?;
        let previous = std::mem::replace(&mut entry.account.name, name.clone());
        self.undo.push(Undo::RenameAccount(number, previous));
        Ok(())
    }

    fn insert_group(
        &mut self,
        account: AccountNumber,
        name: &GroupName,
        created_at: DateTime<Utc>,
    ) -> Result<Group, StoreError> {
        if self.state.name_taken(account, name, None) {
            return Err(StoreError::Conflict);
        }
        let entry = self
            .state
            .accounts
            .get_mut(&account)
            .ok_or(StoreError::NotFound)?;
        let number = entry.next_group;
        entry.next_group = number
            .checked_add(1)
            .ok_or_else(|| StoreError::backend("the account has no group number left"))?;
        let group = Group {
            id: GroupId { account, number },
            name: name.clone(),
            created_at,
            revision: 0,
        };
        entry.insert_group(GroupEntry {
            group: group.clone(),
            order: Vec::new(),
            external_id: None,
        });
        self.undo.push(Undo::InsertGroup(group.id));
        Ok(group)
    }

    fn rename_group(&mut self, id: GroupId, name: &GroupName) -> Result<u64, StoreError> {
        if self.state.name_taken(id.account, name, Some(id.number)) {
            return Err(StoreError::Conflict);
        }
        let (previous, revision) = self
            .state
            .accounts
            .get_mut(&id.account)
            .and_then(|entry| entry.rename(id.number, name.clone()))
            .ok_or(StoreError::NotFound)?;
        self.undo.push(Undo::RenameGroup {
            id,
            previous,
            revision,
        });
        Ok(revision)
    }

    fn delete_group(&mut self, id: GroupId) -> Result<(), StoreError> {
        let removed = self
            .state
            .accounts
            .get_mut(&id.account)
            .and_then(|entry| entry.remove_group(id.number))
            .ok_or(StoreError::NotFound)?;
        for slot in removed.order.clone() {
            if let Some(user) = self.state.users.get_mut(slot) {
                user.groups.leave(id);
            }
            self.state.ungovern_unless_governed(id.account, slot);
        }
        self.undo.push(Undo::DeleteGroup(id, Box::new(removed)));
        Ok(())
    }

    fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        let users = &mut self.state.users;
        if users.slot(user.id).is_some() || users.slot_by_email(&user.email).is_some() {
            return Err(StoreError::Conflict);
        }
        let slot = self.state.insert_user(Stored::new(user, Groups::none()));
        self.undo.push(Undo::InsertUser(slot));
        Ok(())
    }

    fn update_user(&mut self, user: &User) -> Result<u64, StoreError> {
        let users = &mut self.state.users;
        let slot = users.slot(user.id).ok_or(StoreError::NotFound)?;
        if users
            .slot_by_email(&user.email)
            .is_some_and(|other| other != slot)
        {
            return Err(StoreError::Conflict);
        }
        let current = users.get(slot).ok_or(StoreError::NotFound)?;
        let revision = current.revision.wrapping_add(1);
        let mut updated = Stored::new(user, current.groups.clone());
        updated.revision = revision;
        let previous = self
            .state
            .replace_user(slot, updated)
            .ok_or(StoreError::NotFound)?;
        // Later changes of memberships are reverted first: the previous
        // record's groups are the ones to restore.
        self.undo.push(Undo::UpdateUser(slot, Box::new(previous)));
        Ok(revision)
    }

    fn set_sign_in_state(&mut self, user: UserId, state: &SignInState) -> Result<(), StoreError> {
        let users = &mut self.state.users;
        let slot = users.slot(user).ok_or(StoreError::NotFound)?;
        let stored = users.get_mut(slot).ok_or(StoreError::NotFound)?;
        let previous = stored.replace_sign_in(state);
        self.undo.push(Undo::SetSignIn(slot, previous));
        Ok(())
    }

    fn put_registration(&mut self, registration: &PendingRegistration) -> Result<(), StoreError> {
        let identity = registration.email.identity();
        let account = registration.account;
        let taken_by_other = self
            .state
            .selectors
            .get(&registration.selector)
            .is_some_and(|(i, a)| (&**i, *a) != (identity, account));
        if taken_by_other {
            return Err(StoreError::Conflict);
        }
        let previous = self.state.remove_registration(identity, account);
        self.state.insert_registration(registration.clone());
        self.undo.push(Undo::PutRegistration {
            identity: identity.into(),
            account,
            previous: previous.map(Box::new),
        });
        Ok(())
    }

    fn delete_registration(
        &mut self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<(), StoreError> {
        let removed = self
            .state
            .remove_registration(email.identity(), account)
            .ok_or(StoreError::NotFound)?;
        self.undo.push(Undo::DeleteRegistration(Box::new(removed)));
        Ok(())
    }

    fn add_member(&mut self, group: GroupId, user: UserId) -> Result<(), StoreError> {
        let slot = self.state.users.slot(user).ok_or(StoreError::NotFound)?;
        if self
            .state
            .users
            .get(slot)
            .is_some_and(|user| user.groups.contains(&group))
        {
            return Err(StoreError::Conflict);
        }
        if self.state.group_entry(group).is_none() {
            return Err(StoreError::NotFound);
        }
        self.state.link(group, slot, 1);
        self.undo.push(Undo::AddMember(group, slot));
        Ok(())
    }

    fn remove_member(&mut self, group: GroupId, user: UserId) -> Result<(), StoreError> {
        let slot = self
            .state
            .users
            .slot(user)
            .filter(|&slot| {
                self.state
                    .users
                    .get(slot)
                    .is_some_and(|user| user.groups.contains(&group))
            })
            .ok_or(StoreError::NotFound)?;
        self.state.unlink(group, slot, 1);
        self.undo.push(Undo::RemoveMember(group, slot));
        Ok(())
    }

    fn append_audit(&mut self, record: AuditRecord) -> Result<u64, StoreError> {
        let previous_sequence = self.state.last_sequence;
        let sequence = previous_sequence + 1;
        self.state.last_sequence = sequence;
        let account = record.account;
        self.state
            .audit
            .entry(account)
            .or_default()
            .push(AuditEntry { sequence, record });
        self.undo.push(Undo::AppendAudit {
            account,
            previous_sequence,
        });
        Ok(sequence)
    }

    fn delete_user(&mut self, id: UserId) -> Result<(), StoreError> {
        let slot = self.state.users.slot(id).ok_or(StoreError::NotFound)?;
        let groups = self
            .state
            .users
            .get(slot)
            .map_or_else(Vec::new, |user| user.groups.as_slice().to_vec());
        // Each membership is journalled as a removal, so that an undo puts
        // the user back first and then into each group.
        for group in groups {
            self.state.unlink(group, slot, 1);
            self.undo.push(Undo::RemoveMember(group, slot));
        }
        for account in self.state.provisioning.accounts_naming(id) {
            if let Some(removed) = self.state.provisioning.remove(account, id) {
                self.undo.push(Undo::DeleteIdentity(Box::new(removed)));
            }
        }
        let removed = self.state.remove_user(slot).ok_or(StoreError::NotFound)?;
        self.undo.push(Undo::DeleteUser(slot, Box::new(removed)));
        Ok(())
    }

    fn put_external_identity(&mut self, identity: &ExternalIdentity) -> Result<(), StoreError> {
        let state = &mut *self.state;
        if !state.accounts.contains_key(&identity.account)
            || state.users.slot(identity.user).is_none()
        {
            return Err(StoreError::NotFound);
        }
        if state.provisioning.taken_by_other(identity) {
            return Err(StoreError::Conflict);
        }
        let previous = state.provisioning.put(identity.clone());
        self.undo.push(Undo::PutIdentity {
            account: identity.account,
            user: identity.user,
            previous: previous.map(Box::new),
        });
        Ok(())
    }

    fn delete_external_identity(
        &mut self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<(), StoreError> {
        let removed = self
            .state
            .provisioning
            .remove(account, user)
            .ok_or(StoreError::NotFound)?;
        self.undo.push(Undo::DeleteIdentity(Box::new(removed)));
        Ok(())
    }

    fn set_group_external_id(
        &mut self,
        group: GroupId,
        external_id: Option<&ExternalId>,
    ) -> Result<u64, StoreError> {
        let entry = self.state.group_entry_mut(group)?;
        let previous = std::mem::replace(&mut entry.external_id, external_id.cloned());
        entry.group.revision = entry.group.revision.wrapping_add(1);
        let revision = entry.group.revision;
        self.undo.push(Undo::SetGroupExternalId {
            id: group,
            previous,
            revision,
        });
        Ok(revision)
    }

    fn insert_provisioning_credential(
        &mut self,
        credential: &ProvisioningCredential,
    ) -> Result<(), StoreError> {
        if !self.state.accounts.contains_key(&credential.account) {
            return Err(StoreError::NotFound);
        }
        if !self
            .state
            .provisioning
            .insert_credential(credential.clone())
        {
            return Err(StoreError::Conflict);
        }
        self.undo
            .push(Undo::InsertCredential(credential.id.as_str().into()));
        Ok(())
    }

    fn delete_provisioning_credential(&mut self, id: &str) -> Result<(), StoreError> {
        let removed = self
            .state
            .provisioning
            .remove_credential(id)
            .ok_or(StoreError::NotFound)?;
        self.undo.push(Undo::DeleteCredential(Box::new(removed)));
        Ok(())
    }

    fn commit(mut self) -> Result<(), StoreError> {
        self.undo.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review: group numbers must never overflow into group 1. The account's
    /// counter is put at its end; the last number is refused, not wrapped.
    #[test]
    fn group_numbers_never_wrap_around_to_the_built_in_group() {
        let store = MemoryStore::new();
        let number = AccountNumber::new(1);
        let at = DateTime::UNIX_EPOCH;
        let account = Account {
            number,
            name: crate::Name::parse("Acme", crate::Field::AccountName).unwrap(),
            created_at: at,
        };
        let mut tx = store.begin_write().unwrap();
        tx.insert_account(&account).unwrap();
        tx.insert_group(number, &GroupName::AccountAdministrators, at)
            .unwrap();
        tx.commit().unwrap();
        store
            .state
            .write()
            .unwrap()
            .accounts
            .get_mut(&number)
            .unwrap()
            .next_group = u32::MAX;
        let name = |text| GroupName::Custom(crate::Name::parse(text, crate::Field::Name).unwrap());
        let mut tx = store.begin_write().unwrap();
        let refused = tx.insert_group(number, &name("Last"), at);
        assert!(matches!(refused, Err(StoreError::Backend(_))));
        drop(tx);
        let groups = store.begin_read().unwrap().groups(number).unwrap();
        assert_eq!(groups.len(), 1, "only the built-in group, still number 1");
        assert_eq!(groups[0].group.id, GroupId::administrators(number));
    }
}
