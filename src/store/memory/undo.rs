//! The journal of a memory write transaction: one step per change, each
//! knowing how to revert it. Dropping a transaction without a commit
//! replays its steps newest first.

use crate::model::{
    AccountNumber, ExternalId, ExternalIdentity, GroupId, GroupName, Name, PendingRegistration,
    ProvisioningCredential, SignInState, UserId,
};
use crate::store::memory::State;
use crate::store::memory::accounts::GroupEntry;
use crate::store::memory::users::{Slot, Stored};

/// How to revert one change. Plain data, not a closure: journalling a
/// change allocates nothing but what it must keep.
#[derive(Debug)]
pub(super) enum Undo {
    InsertAccount(AccountNumber),
    RenameAccount(AccountNumber, Name),
    InsertGroup(GroupId),
    RenameGroup {
        id: GroupId,
        previous: GroupName,
        revision: u64,
    },
    DeleteGroup(GroupId, Box<GroupEntry>),
    /// The group's `externalId` before, and its revision after.
    SetGroupExternalId {
        id: GroupId,
        previous: Option<ExternalId>,
        revision: u64,
    },
    InsertUser(Slot),
    UpdateUser(Slot, Box<Stored>),
    /// The user deleted from this slot, to be put back in the same slot.
    DeleteUser(Slot, Box<Stored>),
    SetSignIn(Slot, Option<Box<SignInState>>),
    PutRegistration {
        identity: Box<str>,
        account: AccountNumber,
        previous: Option<Box<PendingRegistration>>,
    },
    DeleteRegistration(Box<PendingRegistration>),
    AddMember(GroupId, Slot),
    RemoveMember(GroupId, Slot),
    AppendAudit {
        account: AccountNumber,
        previous_sequence: u64,
    },
    PutIdentity {
        account: AccountNumber,
        user: UserId,
        previous: Option<Box<ExternalIdentity>>,
    },
    DeleteIdentity(Box<ExternalIdentity>),
    InsertCredential(Box<str>),
    DeleteCredential(Box<ProvisioningCredential>),
}

impl Undo {
    pub(super) fn revert(self, state: &mut State) {
        match self {
            Undo::InsertAccount(number) => {
                state.accounts.remove(&number);
                state.account_order.remove(&number);
            }
            Undo::RenameAccount(number, previous) => {
                if let Some(entry) = state.accounts.get_mut(&number) {
                    entry.account.name = previous;
                }
            }
            Undo::InsertGroup(id) => {
                if let Some(entry) = state.accounts.get_mut(&id.account) {
                    entry.remove_group(id.number);
                    entry.next_group = id.number;
                }
            }
            Undo::RenameGroup {
                id,
                previous,
                revision,
            } => {
                if let Some(entry) = state.accounts.get_mut(&id.account) {
                    entry.rename(id.number, previous);
                    if let Some(group) = entry.group_mut(id.number) {
                        group.group.revision = revision.wrapping_sub(1);
                    }
                }
            }
            Undo::SetGroupExternalId {
                id,
                previous,
                revision,
            } => {
                if let Ok(group) = state.group_entry_mut(id) {
                    group.external_id = previous;
                    group.group.revision = revision.wrapping_sub(1);
                }
            }
            Undo::DeleteGroup(id, removed) => {
                let members = removed.order.clone();
                if let Some(entry) = state.accounts.get_mut(&id.account) {
                    entry.insert_group(*removed);
                }
                for slot in members {
                    if let Some(user) = state.users.get_mut(slot) {
                        user.groups.join(id);
                    }
                    state.govern(id.account, slot);
                }
            }
            Undo::InsertUser(slot) => {
                state.remove_user(slot);
            }
            Undo::DeleteUser(slot, removed) => state.restore_user(slot, *removed),
            Undo::UpdateUser(slot, previous) => {
                state.replace_user(slot, *previous);
            }
            Undo::SetSignIn(slot, previous) => {
                if let Some(user) = state.users.get_mut(slot) {
                    user.sign_in = previous;
                }
            }
            Undo::PutRegistration {
                identity,
                account,
                previous,
            } => {
                state.remove_registration(&identity, account);
                if let Some(previous) = previous {
                    state.insert_registration(*previous);
                }
            }
            Undo::DeleteRegistration(removed) => state.insert_registration(*removed),
            Undo::AddMember(group, slot) => state.unlink(group, slot, -1),
            Undo::RemoveMember(group, slot) => state.link(group, slot, -1),
            Undo::AppendAudit {
                account,
                previous_sequence,
            } => {
                state.last_sequence = previous_sequence;
                if let Some(trail) = state.audit.get_mut(&account) {
                    trail.pop();
                }
            }
            Undo::PutIdentity {
                account,
                user,
                previous,
            } => {
                state.provisioning.remove(account, user);
                if let Some(previous) = previous {
                    state.provisioning.put(*previous);
                }
            }
            Undo::DeleteIdentity(removed) => {
                state.provisioning.put(*removed);
            }
            Undo::InsertCredential(id) => {
                state.provisioning.remove_credential(&id);
            }
            Undo::DeleteCredential(removed) => {
                state.provisioning.insert_credential(*removed);
            }
        }
    }
}
