//! The memory store's accounts: each with its groups in a sorted vector of
//! exact length, and its group names indexed once there are many.

use std::collections::HashMap;

use crate::model::{Account, ExternalId, Group, GroupName};
use crate::store::memory::users::Slot;

/// How many groups an account has before its group names get an index;
/// below that, checking a name compares it with each group's, and the
/// account saves the index's memory.
const NAME_INDEX_AT: usize = 8;

#[derive(Debug, Clone)]
pub(super) struct AccountEntry {
    pub(super) account: Account,
    /// By group number. An account has few groups: a sorted vector of exact
    /// capacity, not a tree whose every node has room for eleven.
    pub(super) groups: Vec<GroupEntry>,
    /// [`GroupName::key`] → group number, once the account has more than
    /// [`NAME_INDEX_AT`] groups. Boxed: 8 bytes in every account instead
    /// of 48, for the many small accounts that never build it.
    #[allow(clippy::box_collection)]
    names: Option<Box<HashMap<String, u32>>>,
    pub(super) next_group: u32,
    /// The users the account governs (created in it, or members of one of
    /// its groups), ordered by email identity and then id: each page of
    /// the Users tab is a binary search and its own rows.
    pub(super) users: Vec<Slot>,
}

#[derive(Debug, Clone)]
pub(super) struct GroupEntry {
    pub(super) group: Group,
    /// The members as slot numbers sorted by email identity and id (four
    /// bytes a member, compared through the slab): a page of members is a
    /// binary search and its own rows. Kept true by every change of a
    /// member and of a member's email.
    pub(super) order: Vec<Slot>,
    /// The `externalId` the account's identity provider gave the group:
    /// it goes with the group, and comes back with it on an undo.
    pub(super) external_id: Option<ExternalId>,
}

impl AccountEntry {
    pub(super) fn new(account: Account, next_group: u32) -> AccountEntry {
        AccountEntry {
            account,
            groups: Vec::new(),
            names: None,
            next_group,
            users: Vec::new(),
        }
    }

    fn position(&self, number: u32) -> Result<usize, usize> {
        self.groups
            .binary_search_by_key(&number, |g| g.group.id.number)
    }

    pub(super) fn group(&self, number: u32) -> Option<&GroupEntry> {
        self.position(number).ok().map(|i| &self.groups[i])
    }

    pub(super) fn group_mut(&mut self, number: u32) -> Option<&mut GroupEntry> {
        self.position(number).ok().map(|i| &mut self.groups[i])
    }

    pub(super) fn insert_group(&mut self, entry: GroupEntry) {
        let at = self.position(entry.group.id.number).unwrap_or_else(|at| at);
        if let Some(names) = &mut self.names {
            names.insert(entry.group.name.key(), entry.group.id.number);
        }
        self.groups.reserve_exact(1);
        self.groups.insert(at, entry);
        if self.names.is_none() && self.groups.len() > NAME_INDEX_AT {
            let names = self
                .groups
                .iter()
                .map(|g| (g.group.name.key(), g.group.id.number))
                .collect();
            self.names = Some(Box::new(names));
        }
    }

    pub(super) fn remove_group(&mut self, number: u32) -> Option<GroupEntry> {
        let removed = self.groups.remove(self.position(number).ok()?);
        if let Some(names) = &mut self.names {
            names.remove(&removed.group.name.key());
        }
        self.groups.shrink_to_fit();
        Some(removed)
    }

    /// Whether a group other than `except` has this name's key.
    pub(super) fn name_taken(&self, name: &GroupName, except: Option<u32>) -> bool {
        let key = name.key();
        let other = |number: u32| Some(number) != except;
        match &self.names {
            Some(names) => names.get(&key).is_some_and(|&number| other(number)),
            None => self
                .groups
                .iter()
                .any(|g| other(g.group.id.number) && g.group.name.key() == key),
        }
    }

    /// Renames a group, keeping the name index true and moving its
    /// revision on; returns the old name and the new revision.
    pub(super) fn rename(&mut self, number: u32, name: GroupName) -> Option<(GroupName, u64)> {
        let entry = self.group_mut(number)?;
        let previous = std::mem::replace(&mut entry.group.name, name);
        entry.group.revision = entry.group.revision.wrapping_add(1);
        let revision = entry.group.revision;
        let key = entry.group.name.key();
        if let Some(names) = &mut self.names {
            names.remove(&previous.key());
            names.insert(key, number);
        }
        Some((previous, revision))
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::input::Field;
    use crate::model::{AccountNumber, GroupId, Name};

    fn name(text: &str) -> GroupName {
        GroupName::Custom(Name::parse(text, Field::GroupName).unwrap())
    }

    fn group(number: u32, text: &str) -> GroupEntry {
        GroupEntry {
            group: Group {
                id: GroupId {
                    account: AccountNumber::new(1),
                    number,
                },
                name: name(text),
                created_at: DateTime::UNIX_EPOCH,
                revision: 0,
            },
            order: Vec::new(),
            external_id: None,
        }
    }

    /// Names are checked the same with and without the index, before and
    /// after renames and deletions.
    #[test]
    fn names_are_taken_the_same_with_or_without_the_index() {
        let account = Account {
            number: AccountNumber::new(1),
            name: Name::parse("Acme", Field::AccountName).unwrap(),
            created_at: DateTime::UNIX_EPOCH,
        };
        let mut entry = AccountEntry::new(account, 1);
        for number in 1..=20 {
            entry.insert_group(group(number, &format!("Team {number}")));
            assert_eq!(entry.names.is_some(), entry.groups.len() > NAME_INDEX_AT);
            for taken in 1..=number {
                assert!(entry.name_taken(&name(&format!("TEAM {taken}")), None));
                assert!(!entry.name_taken(&name(&format!("team {taken}")), Some(taken)));
            }
            assert!(!entry.name_taken(&name("Team 99"), None));
        }
        entry.rename(3, name("Sales"));
        assert!(entry.name_taken(&name("sales"), None));
        assert!(!entry.name_taken(&name("Team 3"), None));
        entry.remove_group(4);
        assert!(!entry.name_taken(&name("Team 4"), None));
        assert!(entry.name_taken(&name("Team 5"), None));
    }
}
