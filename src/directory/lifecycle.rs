//! The user lifecycle: disable, enable, delete, rename, change the email
//! (R13), and the last active administrator (R16).
//!
//! Each operation is allowed only to Customer Support or to an active
//! administrator of *every* account that governs the user
//! ([`authorized_user`]), runs in one write transaction, and records one
//! entry, with the values before and after, in the trail of every
//! governing account. An operation that would change nothing (disabling a
//! disabled user, the same names again) succeeds and records nothing.
//!
//! **An active administrator** is a member of *Account Administrators*
//! whose status is active. Disabling or deleting the last active
//! administrator of any account is refused
//! ([`Error::LastActiveAdministrator`]); the count and the change share one
//! serializable transaction, so two administrators disabling each other at
//! the same moment never leave the account with none.

use crate::confirmation::{EmailChanged, UserDeleted, UserDisabled, UserEnabled, UserRenamed};
use crate::directory::Directory;
use crate::directory::access::{GovernedUser, authorized_user};
use crate::directory::users::ensure_email_free;
use crate::error::Error;
use crate::input::Field;
use crate::model::{AccountNumber, Action, Actor, Email, GroupId, Name, User, UserRef, UserStatus};
use crate::store::{Reader, Store, StoreError, Transaction};

impl<S: Store> Directory<S> {
    /// Disables a user: they can no longer sign in, the password-change
    /// tickets they hold stop working, and the registration links they sent
    /// stop working. Their memberships stay; a disabled administrator no
    /// longer counts as one. Disabling a disabled user changes nothing.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed address; [`Error::Forbidden`]
    /// ([`Forbidden::NotGoverningAdministrator`](crate::Forbidden));
    /// [`Error::UserNotFound`]; [`Error::LastActiveAdministrator`] for the
    /// last active administrator of an account (R16); [`Error::Store`].
    pub fn disable_user(&self, actor: &Actor, email: &str) -> Result<UserDisabled, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        let (user, changed) = self.change_governed_user(actor, &email, |reader, user| {
            if user.status == UserStatus::Disabled {
                return Ok(None);
            }
            ensure_not_last_active_admin(reader, user)?;
            user.status = UserStatus::Disabled;
            Ok(Some(Action::UserDisabled {
                user: user.to_ref(),
            }))
        })?;
        Ok(UserDisabled {
            user,
            already_disabled: !changed,
        })
    }

    /// Enables a disabled user: they can sign in again with the password
    /// they had, and the tickets they hold and the links they sent work
    /// again while they have not expired. Enabling an active user changes
    /// nothing.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed address; [`Error::Forbidden`];
    /// [`Error::UserNotFound`]; [`Error::Store`].
    pub fn enable_user(&self, actor: &Actor, email: &str) -> Result<UserEnabled, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        let (user, changed) = self.change_governed_user(actor, &email, |_, user| {
            if user.status == UserStatus::Active {
                return Ok(None);
            }
            user.status = UserStatus::Active;
            Ok(Some(Action::UserEnabled {
                user: user.to_ref(),
            }))
        })?;
        Ok(UserEnabled {
            user,
            already_active: !changed,
        })
    }

    /// Deletes a user and every membership they have. The audit trails keep
    /// what they recorded under the user's id, which no one will have
    /// again; the address is free for a new user, who inherits nothing (a
    /// new id, no memberships). Registration links the user sent stop
    /// working.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed address; [`Error::Forbidden`];
    /// [`Error::UserNotFound`]; [`Error::LastActiveAdministrator`] for the
    /// last active administrator of an account (R16); [`Error::Store`].
    pub fn delete_user(&self, actor: &Actor, email: &str) -> Result<UserDeleted, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        self.write(|tx| {
            let governed = authorized_user(tx, actor, &email)?;
            let user = self.delete_governed(tx, governed)?;
            Ok(UserDeleted { user })
        })
    }

    /// Deletes a user the actor may act on, unless they are the last
    /// active administrator of an account (R16), and records it in every
    /// account that governed them.
    pub(super) fn delete_governed(
        &self,
        tx: &mut dyn Transaction,
        governed: GovernedUser,
    ) -> Result<UserRef, Error> {
        let GovernedUser { by, user, accounts } = governed;
        ensure_not_last_active_admin(tx, &user)?;
        tx.delete_user(user.id)?;
        let action = Action::UserDeleted {
            user: user.to_ref(),
        };
        self.record_in_each(tx, &by, &accounts, &action)?;
        Ok(user.to_ref())
    }

    /// Changes a user's first and last name.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed address or a refused name
    /// ([`Field::FirstName`], [`Field::LastName`]); [`Error::Forbidden`];
    /// [`Error::UserNotFound`]; [`Error::Store`].
    pub fn rename_user(
        &self,
        actor: &Actor,
        email: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<UserRenamed, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        let first_name = Name::parse(first_name, Field::FirstName)?;
        let last_name = Name::parse(last_name, Field::LastName)?;
        let mut previous = None;
        let (user, _) = self.change_governed_user(actor, &email, |_, user| {
            let first = std::mem::replace(&mut user.first_name, first_name.clone());
            let last = std::mem::replace(&mut user.last_name, last_name.clone());
            previous = Some((first.clone(), last.clone()));
            Ok(
                (first != first_name || last != last_name).then(|| Action::UserRenamed {
                    user: user.to_ref(),
                    from_first: first,
                    from_last: last,
                    to_first: first_name.clone(),
                    to_last: last_name.clone(),
                }),
            )
        })?;
        let (previous_first_name, previous_last_name) =
            previous.ok_or_else(|| Error::UserNotFound {
                email: email.clone(),
            })?;
        Ok(UserRenamed {
            user,
            previous_first_name,
            previous_last_name,
            first_name,
            last_name,
        })
    }

    /// Changes a user's email address. The new address must be no other
    /// user's, ignoring case (R4); changing only its case is allowed. The
    /// user keeps their id, memberships, password and history.
    ///
    /// A pending registration of the new address ends if it belongs to an
    /// account that governs the user (each end recorded in that account's
    /// trail); one of any other account that still works (unexpired, its
    /// sender still active) refuses the change
    /// ([`Error::InvitedElsewhere`]), as it does *Add User* (R14).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed address ([`Field::UserId`] for
    /// the current one, [`Field::Email`] for the new one);
    /// [`Error::Forbidden`]; [`Error::UserNotFound`];
    /// [`Error::UserExists`] when another user has the new address;
    /// [`Error::InvitedElsewhere`]; [`Error::Store`].
    pub fn change_email(
        &self,
        actor: &Actor,
        email: &str,
        new_email: &str,
    ) -> Result<EmailChanged, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        let new_email = Email::parse_field(new_email, Field::Email)?;
        let now = self.clock.now();
        self.write(|tx| {
            let GovernedUser {
                by,
                mut user,
                accounts,
            } = authorized_user(tx, actor, &email)?;
            let previous = user.email.clone();
            if previous.as_str() == new_email.as_str() {
                return Ok(EmailChanged {
                    user: user.to_ref(),
                    previous,
                });
            }
            let taken = || Error::UserExists {
                email: new_email.clone(),
            };
            ensure_email_free(tx, &new_email, user.id, &accounts, now)?;
            user.email = new_email.clone();
            tx.update_user(&user).map_err(|e| match e {
                StoreError::Conflict => taken(),
                other => other.into(),
            })?;
            let action = Action::EmailChanged {
                user: user.id,
                from: previous.clone(),
                to: new_email.clone(),
            };
            self.record_in_each(tx, &by, &accounts, &action)?;
            // The governing accounts' own invitations of the address end:
            // their tokens stop working.
            self.end_registrations(tx, &by, &new_email, &accounts)?;
            Ok(EmailChanged {
                user: user.to_ref(),
                previous,
            })
        })
    }
}

/// Refuses to take `user` away from the active administrators of any
/// account where they are the last one (R16). A user who is not active
/// counts for no account, so taking them away is never refused.
pub(super) fn ensure_not_last_active_admin(reader: &dyn Reader, user: &User) -> Result<(), Error> {
    if user.status != UserStatus::Active {
        return Ok(());
    }
    for group in reader.user_groups(user.id)? {
        if group.number == GroupId::ADMINISTRATORS_NUMBER
            && active_admin_count(reader, group.account)? <= 1
        {
            return Err(Error::LastActiveAdministrator {
                email: user.email.clone(),
                account: group.account,
            });
        }
    }
    Ok(())
}

/// How many active administrators `account` has (R16), from
/// [`Reader::active_admin_count`]; a store written before that method
/// (which answers [`StoreError::Unsupported`]) is asked member by member,
/// so that removing an administrator keeps working on it.
pub(super) fn active_admin_count(
    reader: &dyn Reader,
    account: AccountNumber,
) -> Result<usize, Error> {
    match reader.active_admin_count(account) {
        Err(StoreError::Unsupported { .. }) => {
            let mut count = 0;
            for member in reader.members(GroupId::administrators(account))? {
                if reader.is_active_admin(account, member.id)? {
                    count += 1;
                }
            }
            Ok(count)
        }
        answer => Ok(answer?),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::model::{
        Account, AuditEntry, Group, GroupSummary, PendingRegistration, UserBrief, UserId, UserRef,
    };
    use crate::store::{MemoryStore, Store, Transaction};
    use crate::testing::fixtures::{account, user};

    /// A reader written before `active_admin_count`: it has only the
    /// required methods, so it answers `Unsupported` for the count.
    struct Older<R>(R);

    impl<R: Reader> Reader for Older<R> {
        fn account(&self, number: AccountNumber) -> Result<Option<Account>, StoreError> {
            self.0.account(number)
        }
        fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
            self.0.user(id)
        }
        fn user_id(&self, email: &Email) -> Result<Option<UserId>, StoreError> {
            self.0.user_id(email)
        }
        fn user_brief(&self, id: UserId) -> Result<Option<UserBrief>, StoreError> {
            self.0.user_brief(id)
        }
        fn is_active_admin(&self, a: AccountNumber, user: UserId) -> Result<bool, StoreError> {
            self.0.is_active_admin(a, user)
        }
        fn group(&self, id: GroupId) -> Result<Option<Group>, StoreError> {
            self.0.group(id)
        }
        fn groups(&self, a: AccountNumber) -> Result<Vec<GroupSummary>, StoreError> {
            self.0.groups(a)
        }
        fn is_member(&self, group: GroupId, user: UserId) -> Result<bool, StoreError> {
            self.0.is_member(group, user)
        }
        fn member_count(&self, group: GroupId) -> Result<usize, StoreError> {
            self.0.member_count(group)
        }
        fn members(&self, group: GroupId) -> Result<Vec<UserRef>, StoreError> {
            self.0.members(group)
        }
        fn user_groups(&self, user: UserId) -> Result<Vec<GroupId>, StoreError> {
            self.0.user_groups(user)
        }
        fn audit(&self, a: AccountNumber, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
            self.0.audit(a, limit)
        }
        fn registration(
            &self,
            email: &Email,
            a: AccountNumber,
        ) -> Result<Option<PendingRegistration>, StoreError> {
            self.0.registration(email, a)
        }
        fn registrations(&self, email: &Email) -> Result<Vec<PendingRegistration>, StoreError> {
            self.0.registrations(email)
        }
        fn expired_registrations(
            &self,
            now: DateTime<Utc>,
            limit: usize,
        ) -> Result<Vec<PendingRegistration>, StoreError> {
            self.0.expired_registrations(now, limit)
        }
        fn registration_by_selector(
            &self,
            selector: &str,
        ) -> Result<Option<PendingRegistration>, StoreError> {
            self.0.registration_by_selector(selector)
        }
    }

    /// R16 still holds on a store that does not know `active_admin_count`:
    /// the directory counts the active members one by one, and agrees with
    /// the stores that do.
    #[test]
    fn an_older_store_is_counted_member_by_member() {
        let store = MemoryStore::new();
        let one = account(1);
        let admins = GroupId::administrators(one.number);
        let (ann, mut bob) = (user("ann@example.com"), user("bob@example.com"));
        let mut tx = store.begin_write().unwrap();
        tx.insert_account(&one).unwrap();
        tx.insert_group(
            one.number,
            &crate::model::GroupName::AccountAdministrators,
            one.created_at,
        )
        .unwrap();
        tx.insert_user(&ann).unwrap();
        bob.status = UserStatus::Disabled;
        tx.insert_user(&bob).unwrap();
        tx.add_member(admins, ann.id).unwrap();
        tx.add_member(admins, bob.id).unwrap();
        tx.commit().unwrap();
        let older = Older(store.begin_read().unwrap());
        assert!(matches!(
            older.active_admin_count(one.number),
            Err(StoreError::Unsupported { .. })
        ));
        assert_eq!(active_admin_count(&older, one.number).unwrap(), 1);
        assert_eq!(
            active_admin_count(&store.begin_read().unwrap(), one.number).unwrap(),
            1
        );
        let refused = ensure_not_last_active_admin(&older, &ann);
        assert!(matches!(
            refused,
            Err(Error::LastActiveAdministrator { account, .. }) if account == one.number
        ));
        assert!(ensure_not_last_active_admin(&older, &bob).is_ok());
    }

    /// A store failure while checking a provisioner's token is a store
    /// failure, not a refusal: the caller may retry it. An older store,
    /// which answers `Unsupported` for tokens, shows it.
    #[test]
    fn a_failed_token_read_is_a_store_failure_not_a_refusal() {
        let store = MemoryStore::new();
        let one = account(1);
        let ann = user("ann@example.com");
        let mut tx = store.begin_write().unwrap();
        tx.insert_account(&one).unwrap();
        tx.insert_user(&ann).unwrap();
        tx.commit().unwrap();
        let provisioner = Actor::Provisioner(crate::model::Provisioner {
            account: one.number,
            token: "no-such-token".to_owned(),
        });
        let older = Older(store.begin_read().unwrap());
        assert!(matches!(
            authorized_user(&older, &provisioner, &ann.email),
            Err(Error::Store(StoreError::Unsupported { .. }))
        ));
        // Where the store answers, an unknown token is refused.
        assert!(matches!(
            authorized_user(&store.begin_read().unwrap(), &provisioner, &ann.email),
            Err(Error::Forbidden(_))
        ));
    }
}
