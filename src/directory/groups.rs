//! Groups and their members: *Add Group* (R9), *Add to Group* (R5), the
//! last administrator (R10), and the lists of the Groups tab.

use crate::confirmation::{
    AddedToGroup, GroupCreated, GroupDeleted, GroupRenamed, RemovedFromGroup,
};
use crate::directory::Directory;
use crate::directory::access::{authorize, authorized_group, ensure_may_join};
use crate::directory::lifecycle::active_admin_count;
use crate::error::Error;
use crate::input::Field;
use crate::model::{
    AccountNumber, Action, Actor, ActorRecord, Email, Group, GroupId, GroupName, GroupSummary,
    UserBrief, UserId, UserRef,
};
use crate::paging::{Cursor, Page, PageSize};
use crate::store::{Reader, Store, StoreError, Transaction};

impl<S: Store> Directory<S> {
    /// *Add to Group* (R5): puts the user whose email is `email` (the
    /// guide's *User Id* field) into the group. An address with only a
    /// pending registration has no user yet (R8).
    ///
    /// A user whose current password was chosen by someone who does not
    /// administer the group's account is refused with
    /// [`Error::OwnPasswordRequired`] until they set their own password
    /// (R13); Customer Support may add them anyway. Once added, the group's
    /// account governs the user too.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed address; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::GroupNotFound`];
    /// [`Error::NonExistentUser`]; [`Error::OwnPasswordRequired`];
    /// [`Error::Store`].
    pub fn add_to_group(
        &self,
        actor: &Actor,
        group: GroupId,
        email: &str,
    ) -> Result<AddedToGroup, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        self.write(|tx| {
            let (by, found) = authorized_group(tx, actor, group)?;
            let non_existent = || Error::NonExistentUser {
                email: email.clone(),
            };
            let id = tx.user_id(&email)?.ok_or_else(non_existent)?;
            let user = tx.user_brief(id)?.ok_or_else(non_existent)?;
            let already_member = tx.is_member(group, id)?;
            if !already_member {
                self.join(tx, actor, &by, group, &user)?;
            }
            Ok(AddedToGroup {
                user: user.user,
                group: found,
                already_member,
            })
        })
    }

    /// Takes a user out of a group. The last *active* Account Administrator
    /// of an account cannot be removed (R10, R16), even by two
    /// administrators removing each other at the same moment, or by a
    /// removal racing a disable: the count and the removal are one
    /// transaction. A disabled administrator does not count, and can always
    /// be removed.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed address; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::GroupNotFound`];
    /// [`Error::NotAMember`]; [`Error::LastAdministrator`]; [`Error::Store`].
    pub fn remove_from_group(
        &self,
        actor: &Actor,
        group: GroupId,
        email: &str,
    ) -> Result<RemovedFromGroup, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        self.write(|tx| {
            let (by, found) = authorized_group(tx, actor, group)?;
            let not_a_member = || Error::NotAMember {
                email: email.clone(),
                group: found.name.clone(),
            };
            let id = tx.user_id(&email)?.ok_or_else(not_a_member)?;
            if !tx.is_member(group, id)? {
                return Err(not_a_member());
            }
            let user = tx.user_brief(id)?.ok_or_else(not_a_member)?.user;
            self.leave(tx, &by, &found, &user)?;
            Ok(RemovedFromGroup { user, group: found })
        })
    }

    /// *Add Group* (R9): a new group in the account, its name unique in the
    /// account ignoring case.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a refused name; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::GroupExists`]; [`Error::Store`].
    pub fn create_group(
        &self,
        actor: &Actor,
        account: AccountNumber,
        name: &str,
    ) -> Result<GroupCreated, Error> {
        let name = GroupName::custom(name, Field::GroupName)?;
        let now = self.clock.now();
        self.write(|tx| {
            let by = authorize(tx, actor, account)?;
            let group = tx
                .insert_group(account, &name, now)
                .map_err(|e| group_name_error(e, &name))?;
            let action = Action::GroupCreated {
                group: group.id,
                name: name.clone(),
            };
            tx.append_audit(self.record(&by, account, action))?;
            Ok(GroupCreated { group })
        })
    }

    /// Renames a group; the built-in group cannot be renamed (R1).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a refused name; [`Error::Forbidden`];
    /// [`Error::GroupNotFound`]; [`Error::BuiltInGroup`];
    /// [`Error::GroupExists`]; [`Error::Store`].
    pub fn rename_group(
        &self,
        actor: &Actor,
        group: GroupId,
        name: &str,
    ) -> Result<GroupRenamed, Error> {
        let name = GroupName::custom(name, Field::GroupName)?;
        self.write(|tx| {
            let (by, mut found) = authorized_group(tx, actor, group)?;
            let previous = self.rename(tx, &by, &mut found, name.clone())?;
            Ok(GroupRenamed {
                group: found,
                previous,
            })
        })
    }

    /// Deletes a group and its memberships; the built-in group cannot be
    /// deleted (R1).
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`];
    /// [`Error::GroupNotFound`]; [`Error::BuiltInGroup`]; [`Error::Store`].
    pub fn delete_group(&self, actor: &Actor, group: GroupId) -> Result<GroupDeleted, Error> {
        self.write(|tx| {
            let (by, found) = authorized_group(tx, actor, group)?;
            self.delete_found_group(tx, &by, found)
        })
    }

    /// The account's groups with their member counts, the built-in group
    /// first, then by name ignoring case (R9).
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`]; [`Error::Store`].
    pub fn groups(
        &self,
        actor: &Actor,
        account: AccountNumber,
    ) -> Result<Vec<GroupSummary>, Error> {
        let mut groups = self.read(|reader| {
            authorize(reader, actor, account)?;
            Ok(reader.groups(account)?)
        })?;
        groups
            .sort_by_cached_key(|summary| (!summary.group.is_built_in(), summary.group.name.key()));
        Ok(groups)
    }

    /// The members of a group, ordered by email.
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`];
    /// [`Error::GroupNotFound`]; [`Error::Store`].
    pub fn members(&self, actor: &Actor, group: GroupId) -> Result<Vec<UserRef>, Error> {
        self.read(|reader| {
            authorized_group(reader, actor, group)?;
            Ok(reader.members(group)?)
        })
    }

    /// A page of a group's members, ordered by email identity (the address
    /// ignoring case) and then by user id. Pages follow each other by
    /// [`Page::next`]: members added or removed meanwhile do not shift
    /// them, so no member who stayed is shown twice or skipped.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone but Support and an active
    /// administrator of the group's account; [`Error::AccountNotFound`];
    /// [`Error::GroupNotFound`]; [`Error::InvalidCursor`] for a cursor
    /// this list did not give; [`Error::Store`].
    pub fn members_page(
        &self,
        actor: &Actor,
        group: GroupId,
        size: PageSize,
        after: Option<&Cursor>,
    ) -> Result<Page<UserRef>, Error> {
        let account_key = group.account.get().to_be_bytes();
        let number_key = group.number.to_be_bytes();
        let list: [&[u8]; 3] = [b"members", &account_key, &number_key];
        let after = match after {
            None => None,
            Some(cursor) => Some(member_key(
                &cursor.key_for(&list).ok_or(Error::InvalidCursor)?,
            )?),
        };
        let size = size.get() as usize;
        let mut members = self.read(|reader| {
            authorized_group(reader, actor, group)?;
            let after = after
                .as_ref()
                .map(|(identity, id)| (identity.as_str(), *id));
            Ok(reader.members_page(group, after, size + 1)?)
        })?;
        let next = (members.len() > size).then(|| {
            members.truncate(size);
            let key = members.last().map_or_else(Vec::new, |last| {
                let mut key = last.id.to_bytes().to_vec();
                key.extend_from_slice(last.email.identity().as_bytes());
                key
            });
            Cursor::new(&list, &key)
        });
        Ok(Page::new(members, next))
    }

    /// The groups of `account` that the user `email` is a member of, in
    /// group-number order. The user must be one of the account's users:
    /// created in it, or a member of one of its groups (R13).
    ///
    /// # Errors
    /// As for [`Directory::account_user`].
    pub fn user_groups(
        &self,
        actor: &Actor,
        account: AccountNumber,
        email: &str,
    ) -> Result<Vec<Group>, Error> {
        Ok(self.account_user(actor, account, email)?.groups)
    }

    /// Whether `user` is an active member of the *Account Administrators*
    /// group of `account`: the question every operation asks first, in one
    /// read.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn is_account_admin(&self, account: AccountNumber, user: UserId) -> Result<bool, Error> {
        self.retrying(|| Ok(self.store.is_active_admin_now(account, user)?))
    }
}

impl<S: Store> Directory<S> {
    /// Puts a user into a group, if they may join it (R13), and records it.
    pub(super) fn join(
        &self,
        tx: &mut dyn Transaction,
        actor: &Actor,
        by: &ActorRecord,
        group: GroupId,
        user: &UserBrief,
    ) -> Result<(), Error> {
        ensure_may_join(tx, actor, user, group.account)?;
        tx.add_member(group, user.user.id)?;
        let action = Action::MemberAdded {
            group,
            user: user.user.clone(),
        };
        tx.append_audit(self.record(by, group.account, action))?;
        Ok(())
    }

    /// Takes a member out of a group, unless they are its account's last
    /// active administrator (R10, R16), and records it.
    pub(super) fn leave(
        &self,
        tx: &mut dyn Transaction,
        by: &ActorRecord,
        group: &Group,
        user: &UserRef,
    ) -> Result<(), Error> {
        ensure_may_leave(tx, group, user)?;
        tx.remove_member(group.id, user.id)?;
        let action = Action::MemberRemoved {
            group: group.id,
            user: user.clone(),
        };
        tx.append_audit(self.record(by, group.id.account, action))?;
        Ok(())
    }

    /// Deletes a custom group the actor may act on (the built-in one
    /// stays, R1) with its memberships, and records it.
    pub(super) fn delete_found_group(
        &self,
        tx: &mut dyn Transaction,
        by: &ActorRecord,
        group: Group,
    ) -> Result<GroupDeleted, Error> {
        if group.is_built_in() {
            return Err(Error::BuiltInGroup);
        }
        tx.delete_group(group.id)?;
        let action = Action::GroupDeleted {
            group: group.id,
            name: group.name.clone(),
        };
        tx.append_audit(self.record(by, group.id.account, action))?;
        Ok(GroupDeleted { group })
    }

    /// Renames a custom group (the built-in one keeps its name, R1; names
    /// are unique in the account, R9) and records it; returns the name it
    /// had.
    pub(super) fn rename(
        &self,
        tx: &mut dyn Transaction,
        by: &ActorRecord,
        group: &mut Group,
        name: GroupName,
    ) -> Result<GroupName, Error> {
        if group.is_built_in() {
            return Err(Error::BuiltInGroup);
        }
        group.revision = tx
            .rename_group(group.id, &name)
            .map_err(|e| group_name_error(e, &name))?;
        let previous = std::mem::replace(&mut group.name, name.clone());
        let action = Action::GroupRenamed {
            group: group.id,
            from: previous.clone(),
            to: name,
        };
        tx.append_audit(self.record(by, group.id.account, action))?;
        Ok(previous)
    }
}

/// The identity and id a member cursor's key holds: the id's 16 bytes,
/// then the identity.
fn member_key(key: &[u8]) -> Result<(String, UserId), Error> {
    if key.len() < 16 {
        return Err(Error::InvalidCursor);
    }
    let (id, identity) = key.split_at(16);
    let id = <[u8; 16]>::try_from(id).map_err(|_| Error::InvalidCursor)?;
    let identity = String::from_utf8(identity.to_vec()).map_err(|_| Error::InvalidCursor)?;
    Ok((identity, UserId::from_bytes(id)))
}

/// Refuses to take the last active administrator out of the built-in
/// group (R10, R16): only an active administrator counts, and only taking
/// one away can leave none.
fn ensure_may_leave(reader: &dyn Reader, group: &Group, user: &UserRef) -> Result<(), Error> {
    let account = group.id.account;
    if group.is_built_in()
        && reader.is_active_admin(account, user.id)?
        && active_admin_count(reader, account)? <= 1
    {
        return Err(Error::LastAdministrator {
            email: user.email.clone(),
            account,
        });
    }
    Ok(())
}

pub(super) fn group_name_error(error: StoreError, name: &GroupName) -> Error {
    match error {
        StoreError::Conflict => Error::GroupExists {
            group: name.clone(),
        },
        other => other.into(),
    }
}
