//! The operations of the guide, with their authorization and validation.

use std::sync::Arc;

use chrono::TimeDelta;

use crate::access::{authorize, authorized_group, ensure_may_join, support_only};
use crate::clock::{Clock, SystemClock};
use crate::confirmation::{
    AccountCreated, AddedToGroup, GroupCreated, GroupDeleted, GroupRenamed, RemovedFromGroup,
    UserAdded,
};
use crate::credentials::{Password, PasswordHash, PasswordHashing, PasswordPolicy};
use crate::error::{Error, Field};
use crate::model::{
    Account, AccountNumber, Action, Actor, ActorRecord, AuditEntry, AuditRecord, Credential, Email,
    GroupId, GroupName, GroupSummary, Name, PasswordChosenBy, SignInState, User, UserStatus,
};
use crate::sign_in::SignInPolicy;
use crate::store::{Reader, Store, StoreError, StoreExt, Transaction};

/// The *Add User* form (R6). Every field is required.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// *Username*: the new user's email address.
    pub username: String,
    /// *First Name*.
    pub first_name: String,
    /// *Last Name*.
    pub last_name: String,
    /// *Password*.
    pub password: Password,
    /// *Confirm Password*: must equal `password`.
    pub confirm_password: Password,
    /// *Enforce Password Expiration*: the password is temporary and must be
    /// replaced at the first sign-in (R7).
    pub enforce_password_expiration: bool,
}

/// The account administration service: every operation of the guide, on any
/// [`Store`].
///
/// Each operation checks its input (refusing with an error that names the
/// field), checks that the actor may do it (R2, R3), and then reads, decides
/// and writes in one store transaction, appending one audit entry per change
/// (R11). A refused or failed operation changes nothing (R12).
///
/// `Directory` is `Send + Sync` when its store is: share one between threads.
pub struct Directory<S> {
    pub(crate) store: S,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hashing: PasswordHashing,
    pub(crate) policy: PasswordPolicy,
    pub(crate) sign_in: SignInPolicy,
    /// A hash of nothing with the configured parameters, verified against
    /// when there is no password to verify, so that an unknown address costs
    /// as much as a wrong password. Built without hashing, so it is ready
    /// from the start: the first unknown address costs no more than the next.
    pub(crate) dummy_hash: PasswordHash,
    /// How long a registration token works.
    pub(crate) registration_lifetime: TimeDelta,
}

impl<S> std::fmt::Debug for Directory<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("hashing", &self.hashing)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<S: Store> Directory<S> {
    /// A directory on `store`, with the system clock, OWASP's argon2id
    /// parameters and the default password policy.
    pub fn new(store: S) -> Directory<S> {
        Directory {
            store,
            clock: Arc::new(SystemClock),
            hashing: PasswordHashing::default(),
            policy: PasswordPolicy::default(),
            sign_in: SignInPolicy::default(),
            dummy_hash: PasswordHashing::default().dummy_hash(),
            registration_lifetime: TimeDelta::hours(72),
        }
    }

    /// Uses `clock` for every timestamp.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Directory<S> {
        self.clock = clock;
        self
    }

    /// Hashes new passwords with `hashing`.
    #[must_use]
    pub fn with_password_hashing(mut self, hashing: PasswordHashing) -> Directory<S> {
        self.dummy_hash = hashing.dummy_hash();
        self.hashing = hashing;
        self
    }

    /// Makes registration tokens work for `lifetime` (default 72 hours).
    #[must_use]
    pub fn with_registration_lifetime(mut self, lifetime: TimeDelta) -> Directory<S> {
        self.registration_lifetime = lifetime;
        self
    }

    /// Applies `policy` to sign-in: lock-out and temporary password lifetime.
    #[must_use]
    pub fn with_sign_in_policy(mut self, policy: SignInPolicy) -> Directory<S> {
        self.sign_in = policy;
        self
    }

    /// Checks new passwords against `policy`.
    #[must_use]
    pub fn with_password_policy(mut self, policy: PasswordPolicy) -> Directory<S> {
        self.policy = policy;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The password hashing in use (to verify passwords against stored hashes).
    pub fn password_hashing(&self) -> &PasswordHashing {
        &self.hashing
    }

    pub(crate) fn record(
        &self,
        actor: impl Into<ActorRecord>,
        account: AccountNumber,
        action: Action,
    ) -> AuditRecord {
        AuditRecord {
            at: self.clock.now(),
            actor: actor.into(),
            account,
            action,
        }
    }

    /// Records `action` in the trail of each of `accounts`: a change to a
    /// user is recorded by every account that governs them (R13).
    pub(crate) fn record_in_each(
        &self,
        tx: &mut dyn Transaction,
        actor: &ActorRecord,
        accounts: &[AccountNumber],
        action: &Action,
    ) -> Result<(), Error> {
        for &account in accounts {
            tx.append_audit(&self.record(actor.clone(), account, action.clone()))?;
        }
        Ok(())
    }

    /// Creates an account with its built-in *Account Administrators* group
    /// (R1). Only Customer Support may (R2).
    pub fn create_account(
        &self,
        actor: &Actor,
        number: AccountNumber,
        name: &str,
    ) -> Result<AccountCreated, Error> {
        let name = Name::parse(name, Field::AccountName)?;
        support_only(actor)?;
        let account = Account {
            number,
            name,
            created_at: self.clock.now(),
        };
        let audit = self.record(actor, number, Action::AccountCreated);
        self.store.write_with(|tx| {
            tx.insert_account(&account).map_err(|e| match e {
                StoreError::Conflict => Error::AccountExists { account: number },
                other => other.into(),
            })?;
            tx.insert_group(
                number,
                &GroupName::AccountAdministrators,
                account.created_at,
            )?;
            tx.append_audit(&audit)?;
            Ok(())
        })?;
        Ok(AccountCreated { account })
    }

    /// *Add User* (R6): validates the form, hashes the password with
    /// argon2id and creates an active user, recording who chose the password
    /// (R13). Customer Support or an Account Administrator of `account` may.
    ///
    /// A pending registration of the address for `account` (R8) ends: its
    /// token stops working. If *another* account has invited the address
    /// (and the invitation has not expired), the user is not added ([`Error::InvitedElsewhere`]): that invitation
    /// is not this account's to void (R14).
    pub fn add_user(
        &self,
        actor: &Actor,
        account: AccountNumber,
        form: &NewUser,
    ) -> Result<UserAdded, Error> {
        let email = Email::parse_field(&form.username, Field::Username)?;
        let first_name = Name::parse(&form.first_name, Field::FirstName)?;
        let last_name = Name::parse(&form.last_name, Field::LastName)?;
        let now = self.clock.now();
        // Refuse what can be refused before paying for the hash.
        let account_name = self.store.read_with(|reader| {
            authorize(reader, actor, account)?;
            ensure_new_user(reader, &email, account, now)?;
            let found = reader.account(account)?;
            found
                .map(|a| a.name)
                .ok_or(Error::AccountNotFound { account })
        })?;
        self.policy.check_for_account(
            &form.password,
            &form.confirm_password,
            &[email.local_part(), first_name.as_str(), last_name.as_str()],
            account_name.as_str(),
        )?;
        let user = User {
            email: email.clone(),
            first_name,
            last_name,
            status: UserStatus::Active,
            credential: Some(Credential {
                hash: self.hashing.hash(&form.password),
                temporary: form.enforce_password_expiration,
                set_at: now,
                chosen_by: chosen_by(actor, account),
            }),
            created_at: now,
            created_by: actor.into(),
            created_in: account,
            sign_in: SignInState::default(),
        };
        let audit = self.record(
            actor,
            account,
            Action::UserAdded {
                email: email.clone(),
                temporary_password: form.enforce_password_expiration,
            },
        );
        self.store.write_with(|tx| {
            authorize(tx, actor, account)?;
            ensure_new_user(tx, &email, account, now)?;
            tx.insert_user(&user).map_err(|e| match e {
                StoreError::Conflict => Error::UserExists {
                    email: email.clone(),
                },
                other => other.into(),
            })?;
            tx.append_audit(&audit)?;
            // The account's own invitation ends: its token stops working.
            if tx.registration(&email, account)?.is_some() {
                tx.delete_registration(&email, account)?;
                let ended = Action::RegistrationEnded {
                    email: email.clone(),
                };
                tx.append_audit(&self.record(actor, account, ended))?;
            }
            Ok(())
        })?;
        Ok(UserAdded { email })
    }

    /// *Add to Group* (R5): puts the user whose email is `user_id` into the
    /// group. A user pending registration does not exist yet (R8).
    ///
    /// A user whose current password was chosen by someone who does not
    /// administer the group's account is refused with
    /// [`Error::OwnPasswordRequired`] until they set their own password
    /// (R13); Customer Support may add them anyway. Once added, the group's
    /// account governs the user too.
    pub fn add_to_group(
        &self,
        actor: &Actor,
        group: GroupId,
        user_id: &str,
    ) -> Result<AddedToGroup, Error> {
        let email = Email::parse_field(user_id, Field::UserId)?;
        let audit = self.record(
            actor,
            group.account,
            Action::MemberAdded {
                group,
                email: email.clone(),
            },
        );
        self.store.write_with(|tx| {
            let found = authorized_group(tx, actor, group)?;
            let user = tx
                .user(&email)?
                .filter(User::is_registered)
                .ok_or_else(|| Error::NonExistentUser {
                    email: email.clone(),
                })?;
            let already_member = tx.is_member(group, &email)?;
            if !already_member {
                ensure_may_join(tx, actor, &user, group.account)?;
                tx.add_member(group, &email)?;
                tx.append_audit(&audit)?;
            }
            Ok(AddedToGroup {
                email: user.email,
                group: found,
                already_member,
            })
        })
    }

    /// Takes a user out of a group. The last Account Administrator of an
    /// account cannot be removed (R10), even by two administrators removing
    /// each other at the same moment: the check and the removal are one
    /// transaction.
    pub fn remove_from_group(
        &self,
        actor: &Actor,
        group: GroupId,
        user_id: &str,
    ) -> Result<RemovedFromGroup, Error> {
        let email = Email::parse_field(user_id, Field::UserId)?;
        let audit = self.record(
            actor,
            group.account,
            Action::MemberRemoved {
                group,
                email: email.clone(),
            },
        );
        self.store.write_with(|tx| {
            let found = authorized_group(tx, actor, group)?;
            if !tx.is_member(group, &email)? {
                return Err(Error::NotAMember {
                    email: email.clone(),
                    group: found.name,
                });
            }
            if found.is_built_in() && tx.member_count(group)? <= 1 {
                return Err(Error::LastAdministrator {
                    email: email.clone(),
                    account: group.account,
                });
            }
            tx.remove_member(group, &email)?;
            tx.append_audit(&audit)?;
            Ok(RemovedFromGroup {
                email: email.clone(),
                group: found,
            })
        })
    }

    /// *Add Group* (R9): a new group in the account, its name unique in the
    /// account ignoring case.
    pub fn create_group(
        &self,
        actor: &Actor,
        account: AccountNumber,
        name: &str,
    ) -> Result<GroupCreated, Error> {
        let name = GroupName::custom(name, Field::GroupName)?;
        let now = self.clock.now();
        self.store.write_with(|tx| {
            authorize(tx, actor, account)?;
            let group = tx
                .insert_group(account, &name, now)
                .map_err(|e| group_name_error(e, &name))?;
            let action = Action::GroupCreated {
                group: group.id,
                name: name.clone(),
            };
            tx.append_audit(&self.record(actor, account, action))?;
            Ok(GroupCreated { group })
        })
    }

    /// Renames a group; the built-in group cannot be renamed (R1).
    pub fn rename_group(
        &self,
        actor: &Actor,
        group: GroupId,
        name: &str,
    ) -> Result<GroupRenamed, Error> {
        let name = GroupName::custom(name, Field::GroupName)?;
        self.store.write_with(|tx| {
            let mut found = authorized_group(tx, actor, group)?;
            if found.is_built_in() {
                return Err(Error::BuiltInGroup);
            }
            tx.rename_group(group, &name)
                .map_err(|e| group_name_error(e, &name))?;
            let previous = std::mem::replace(&mut found.name, name.clone());
            let action = Action::GroupRenamed {
                group,
                from: previous.clone(),
                to: name.clone(),
            };
            tx.append_audit(&self.record(actor, group.account, action))?;
            Ok(GroupRenamed {
                group: found,
                previous,
            })
        })
    }

    /// Deletes a group and its memberships; the built-in group cannot be
    /// deleted (R1).
    pub fn delete_group(&self, actor: &Actor, group: GroupId) -> Result<GroupDeleted, Error> {
        self.store.write_with(|tx| {
            let found = authorized_group(tx, actor, group)?;
            if found.is_built_in() {
                return Err(Error::BuiltInGroup);
            }
            tx.delete_group(group)?;
            let action = Action::GroupDeleted {
                group,
                name: found.name.clone(),
            };
            tx.append_audit(&self.record(actor, group.account, action))?;
            Ok(GroupDeleted { group: found })
        })
    }

    /// The account's groups with their member counts, the built-in group
    /// first, then by name ignoring case (R9).
    pub fn groups(
        &self,
        actor: &Actor,
        account: AccountNumber,
    ) -> Result<Vec<GroupSummary>, Error> {
        let mut groups = self.store.read_with(|reader| {
            authorize(reader, actor, account)?;
            Ok(reader.groups(account)?)
        })?;
        groups
            .sort_by_cached_key(|summary| (!summary.group.is_built_in(), summary.group.name.key()));
        Ok(groups)
    }

    /// The members of a group, ordered by email.
    pub fn members(&self, actor: &Actor, group: GroupId) -> Result<Vec<Email>, Error> {
        self.store.read_with(|reader| {
            authorized_group(reader, actor, group)?;
            Ok(reader.members(group)?)
        })
    }

    /// The account's audit trail, newest first, at most `limit` entries (R11).
    pub fn audit_trail(
        &self,
        actor: &Actor,
        account: AccountNumber,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, Error> {
        self.store.read_with(|reader| {
            authorize(reader, actor, account)?;
            Ok(reader.audit(account, limit)?)
        })
    }

    /// Whether `email` is in the *Account Administrators* group of `account`.
    ///
    /// This is membership only; every operation additionally refuses an
    /// administrator whose user is not active.
    pub fn is_account_admin(&self, account: AccountNumber, email: &Email) -> Result<bool, Error> {
        self.store
            .read_with(|reader| Ok(reader.is_account_admin(account, email)?))
    }
}

/// Refuses an address that has a user, or that another account than
/// `account` has invited to register (R14) by an invitation still valid at
/// `now` (an expired one waits only for the purge).
fn ensure_new_user(
    reader: &dyn Reader,
    email: &Email,
    account: AccountNumber,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    if reader.user(email)?.is_some() {
        return Err(Error::UserExists {
            email: email.clone(),
        });
    }
    if reader
        .registrations(email)?
        .iter()
        .any(|pending| pending.account != account && pending.expires_at > now)
    {
        return Err(Error::InvitedElsewhere {
            email: email.clone(),
        });
    }
    Ok(())
}

/// Who chooses a password that `actor` sets for a user of `account`.
pub(crate) fn chosen_by(actor: &Actor, account: AccountNumber) -> PasswordChosenBy {
    match actor {
        Actor::Support => PasswordChosenBy::Support,
        Actor::User(email) => PasswordChosenBy::Administrator {
            email: email.clone(),
            account,
        },
    }
}

fn group_name_error(error: StoreError, name: &GroupName) -> Error {
    match error {
        StoreError::Conflict => Error::GroupExists {
            group: name.clone(),
        },
        other => other.into(),
    }
}
