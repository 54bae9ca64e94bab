//! Provisioning: the tokens an identity provider's SCIM client acts with,
//! and the operations by user id that the client needs, each under the same
//! rules as every other operation (R1–R16), authorized by [`access`], and
//! recorded in the audit trail.
//!
//! An account's identity provider names each user it creates by a
//! `userName` (unique in the account ignoring case) and perhaps an
//! `externalId` ([`ExternalIdentity`]); a user it never named is known by
//! their email. Creating or replacing a user takes the whole of what the
//! provider wants ([`ProvisionedUserForm`]), so that a SCIM `PUT` or
//! `PATCH` is one transaction, checked against the revision the client read.
//!
//! [`access`]: super::access

use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use crate::confirmation::{GroupDeleted, ProvisioningTokenIssued, ProvisioningTokenRevoked};
use crate::credentials::{Password, issue_provisioning_token, parse_token};
use crate::directory::Directory;
use crate::directory::access::{
    GovernedUser, authorize, authorize_administrator, authorized_group, authorized_user_in,
    chosen_by, governs_user,
};
use crate::directory::groups::group_name_error;
use crate::directory::lifecycle::ensure_not_last_active_admin;
use crate::directory::users::{ensure_email_free, ensure_new_user};
use crate::error::Error;
use crate::input::{Field, InvalidInput, Problem};
use crate::model::{
    AccountNumber, Action, Actor, ActorRecord, Credential, Email, ExternalId, ExternalIdentity,
    Group, GroupId, GroupName, Name, Provisioner, ProvisioningCredential, SignInState, User,
    UserId, UserName, UserProfile, UserRef, UserStatus, user_name_key,
};
use crate::store::{Reader, Store, StoreError, Transaction};

/// How many provisioning tokens an account may have at once.
pub const MAX_PROVISIONING_TOKENS: usize = 20;

/// How many members one [`GroupChange`] may add and remove together.
pub const MAX_MEMBERS_PER_CHANGE: usize = 1_000;

/// A user as an account's identity provider sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProvisionedUser {
    /// Who they are: id, email, names, status, creation.
    pub profile: UserProfile,
    /// Their revision: it moves with every change (SCIM's `meta.version`).
    pub revision: u64,
    /// Whether they have a password (a user created without one has none
    /// until they register or an administrator sets one).
    pub has_password: bool,
    /// What the account's identity provider calls them, if it named them.
    pub identity: Option<ExternalIdentity>,
    /// The account's groups they are a member of, in group-number order.
    pub groups: Vec<Group>,
}

impl ProvisionedUser {
    /// Their `userName`: as the provider named them, or else their email.
    pub fn user_name(&self) -> &str {
        self.identity
            .as_ref()
            .map_or(self.profile.email.as_str(), |identity| {
                identity.user_name.as_str()
            })
    }

    /// Their `externalId`, if the provider gave one.
    pub fn external_id(&self) -> Option<&ExternalId> {
        self.identity.as_ref()?.external_id.as_ref()
    }

    /// Their `displayName`, if the provider gave one.
    pub fn display_name(&self) -> Option<&Name> {
        self.identity.as_ref()?.display_name.as_ref()
    }

    /// When the provider last created or changed them, or else when they
    /// were created.
    pub fn last_modified(&self) -> DateTime<Utc> {
        self.identity
            .as_ref()
            .map_or(self.profile.created_at, |identity| identity.modified_at)
    }
}

/// Everything an identity provider wants a user to be: what SCIM's create
/// and replace carry. Each text is checked as the directory checks it
/// elsewhere; the password, only when one is given, against the password
/// policy.
///
/// ```
/// use cres_admin::ProvisionedUserForm;
/// let form = ProvisionedUserForm::new("bjensen", "bjensen@example.com", "Barbara", "Jensen")
///     .external_id("00u1")
///     .active(false);
/// assert!(form.password.is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProvisionedUserForm {
    /// The `userName`.
    pub user_name: String,
    /// The `externalId`, if any.
    pub external_id: Option<String>,
    /// The `displayName`, if any.
    pub display_name: Option<String>,
    /// The email address where their encrypted mail arrives.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Active, or disabled.
    pub active: bool,
    /// A new password, if the provider sets one. Without one a new user has
    /// no password, and an existing user keeps theirs.
    pub password: Option<Password>,
}

impl ProvisionedUserForm {
    /// An active user with no `externalId` and no password.
    pub fn new(
        user_name: impl Into<String>,
        email: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> ProvisionedUserForm {
        ProvisionedUserForm {
            user_name: user_name.into(),
            external_id: None,
            display_name: None,
            email: email.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            active: true,
            password: None,
        }
    }

    /// With this `externalId`.
    #[must_use]
    pub fn external_id(mut self, external_id: impl Into<String>) -> ProvisionedUserForm {
        self.external_id = Some(external_id.into());
        self
    }

    /// With this `displayName`.
    #[must_use]
    pub fn display_name(mut self, display_name: impl Into<String>) -> ProvisionedUserForm {
        self.display_name = Some(display_name.into());
        self
    }

    /// Active or disabled.
    #[must_use]
    pub fn active(mut self, active: bool) -> ProvisionedUserForm {
        self.active = active;
        self
    }

    /// With this password.
    #[must_use]
    pub fn password(mut self, password: Password) -> ProvisionedUserForm {
        self.password = Some(password);
        self
    }
}

/// The checked form.
struct Checked {
    user_name: UserName,
    external_id: Option<ExternalId>,
    display_name: Option<Name>,
    email: Email,
    first_name: Name,
    last_name: Name,
    status: UserStatus,
}

impl ProvisionedUserForm {
    fn check(&self) -> Result<Checked, Error> {
        Ok(Checked {
            user_name: UserName::parse(&self.user_name)?,
            external_id: self
                .external_id
                .as_deref()
                .map(ExternalId::parse)
                .transpose()?,
            display_name: self
                .display_name
                .as_deref()
                .map(|name| Name::parse(name, Field::DisplayName))
                .transpose()?,
            email: Email::parse_field(&self.email, Field::Email)?,
            first_name: Name::parse(&self.first_name, Field::FirstName)?,
            last_name: Name::parse(&self.last_name, Field::LastName)?,
            status: if self.active {
                UserStatus::Active
            } else {
                UserStatus::Disabled
            },
        })
    }
}

/// A change to a group, made whole or not at all: a new name, members to
/// add and members to remove (by id; each must be a user the account
/// governs). Adding a member twice or removing a non-member changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupChange {
    /// The new name, if it changes.
    pub name: Option<String>,
    /// Users to put into the group.
    pub add: Vec<UserId>,
    /// Users to take out of it.
    pub remove: Vec<UserId>,
    /// The identity provider's `externalId` for the group, if it changes:
    /// `Some(None)` clears it.
    pub external_id: Option<Option<String>>,
}

impl GroupChange {
    /// A change that renames the group.
    #[must_use]
    pub fn rename(mut self, name: impl Into<String>) -> GroupChange {
        self.name = Some(name.into());
        self
    }

    /// A change that sets (or, with `None`, clears) the group's `externalId`.
    #[must_use]
    pub fn external_id(mut self, external_id: Option<impl Into<String>>) -> GroupChange {
        self.external_id = Some(external_id.map(Into::into));
        self
    }

    /// A change that puts these users into the group.
    #[must_use]
    pub fn adding(mut self, users: impl IntoIterator<Item = UserId>) -> GroupChange {
        self.add.extend(users);
        self
    }

    /// A change that takes these users out of the group.
    #[must_use]
    pub fn removing(mut self, users: impl IntoIterator<Item = UserId>) -> GroupChange {
        self.remove.extend(users);
        self
    }
}

/// A group as an account's identity provider sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProvisionedGroup {
    /// The group: id, name, creation, revision.
    pub group: Group,
    /// Its members, ordered by email.
    pub members: Vec<UserRef>,
    /// The `externalId` the provider gave it, if any.
    pub external_id: Option<ExternalId>,
}

fn provisioned_group(reader: &dyn Reader, group: GroupId) -> Result<ProvisionedGroup, Error> {
    Ok(ProvisionedGroup {
        group: reader.group(group)?.ok_or(Error::GroupNotFound)?,
        members: reader.members(group)?,
        external_id: reader.group_external_id(group)?,
    })
}

/// A change's `externalId`, checked: `None` when it does not change it.
fn parse_group_external_id(change: &GroupChange) -> Result<Option<Option<ExternalId>>, Error> {
    Ok(match &change.external_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(text)) => Some(Some(ExternalId::parse(text)?)),
    })
}

/// Which of an account's users to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserLookup<'a> {
    /// By `userName`, ignoring case; a user the provider never named is
    /// found by their email.
    UserName(&'a str),
    /// By `externalId`, exactly.
    ExternalId(&'a str),
}

/// Refuses more than [`MAX_MEMBERS_PER_CHANGE`] members at once.
fn ensure_bounded(members: usize) -> Result<(), Error> {
    if members > MAX_MEMBERS_PER_CHANGE {
        return Err(InvalidInput::new(
            Field::UserId,
            Problem::TooLong {
                max: MAX_MEMBERS_PER_CHANGE,
            },
        )
        .into());
    }
    Ok(())
}

/// Refuses a revision other than the one the caller read.
fn ensure_revision(current: u64, expected: Option<u64>) -> Result<(), Error> {
    match expected {
        Some(expected) if expected != current => Err(Error::StaleRevision),
        _ => Ok(()),
    }
}

/// Refuses a `userName` or `externalId` that another user of the account has.
fn ensure_names_free(
    reader: &dyn Reader,
    account: AccountNumber,
    user: Option<UserId>,
    user_name: &UserName,
    external_id: Option<&ExternalId>,
) -> Result<(), Error> {
    let other = |found: Option<UserId>| found.is_some_and(|found| Some(found) != user);
    if other(reader.user_by_user_name(account, &user_name.key())?) {
        return Err(Error::UserNameTaken {
            user_name: user_name.clone(),
        });
    }
    if let Some(external_id) = external_id {
        if other(reader.user_by_external_id(account, external_id)?) {
            return Err(Error::ExternalIdTaken {
                external_id: external_id.clone(),
            });
        }
    }
    Ok(())
}

/// The user as `account`'s provider sees them.
fn provisioned(
    reader: &dyn Reader,
    account: AccountNumber,
    user: User,
) -> Result<ProvisionedUser, Error> {
    let identity = reader.external_identity(account, user.id)?;
    let mut groups = Vec::new();
    for id in reader.user_groups(user.id)? {
        if id.account == account {
            groups.extend(reader.group(id)?);
        }
    }
    groups.sort_by_key(|group| group.id.number);
    Ok(ProvisionedUser {
        revision: user.revision,
        has_password: user.credential.is_some(),
        profile: user.profile(),
        identity,
        groups,
    })
}

/// The user with this id, if `account` governs them (R13), as its
/// provider sees them.
fn governed(
    reader: &dyn Reader,
    account: AccountNumber,
    id: UserId,
) -> Result<Option<ProvisionedUser>, Error> {
    match reader.user(id)? {
        Some(user) if governs_user(reader, account, &user)? => {
            Ok(Some(provisioned(reader, account, user)?))
        }
        _ => Ok(None),
    }
}

impl<S: Store> Directory<S> {
    /// Issues a provisioning token for `account`: its holder acts as the
    /// account's identity provider ([`Actor::Provisioner`]) until it is
    /// revoked. The token is in the confirmation, and nowhere else ever:
    /// the store keeps its public id and the SHA-256 of its secret part.
    /// Customer Support or an active administrator of the account may; a
    /// provisioner may not (a token cannot make itself last).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a refused description ([`Field::Description`]);
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`];
    /// [`Error::TooManyProvisioningTokens`]; [`Error::Store`].
    pub fn issue_provisioning_token(
        &self,
        actor: &Actor,
        account: AccountNumber,
        description: &str,
    ) -> Result<ProvisioningTokenIssued, Error> {
        let description = Name::parse(description, Field::Description)?;
        let (token, id, verifier_hash) =
            issue_provisioning_token().map_err(|e| StoreError::backend(e.to_string()))?;
        let issued_at = self.clock.now();
        let credential = self.write(|tx| {
            let by = authorize_administrator(tx, actor, account)?;
            if tx.provisioning_credentials(account)?.len() >= MAX_PROVISIONING_TOKENS {
                return Err(Error::TooManyProvisioningTokens {
                    max: MAX_PROVISIONING_TOKENS,
                });
            }
            let credential = ProvisioningCredential {
                id: id.clone(),
                verifier_hash,
                account,
                description: description.clone(),
                issued_by: by.clone(),
                issued_at,
            };
            tx.insert_provisioning_credential(&credential)?;
            let action = Action::ProvisioningTokenIssued {
                token: credential.to_ref(),
            };
            tx.append_audit(self.record(&by, account, action))?;
            Ok(credential)
        })?;
        Ok(ProvisioningTokenIssued { token, credential })
    }

    /// The account's provisioning tokens, oldest first: their ids,
    /// descriptions and issuers, never the tokens.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone but Support and an active
    /// administrator of the account; [`Error::AccountNotFound`];
    /// [`Error::Store`].
    pub fn provisioning_tokens(
        &self,
        actor: &Actor,
        account: AccountNumber,
    ) -> Result<Vec<ProvisioningCredential>, Error> {
        self.read(|reader| {
            authorize_administrator(reader, actor, account)?;
            Ok(reader.provisioning_credentials(account)?)
        })
    }

    /// Revokes the account's provisioning token with this id: from now on
    /// its holder can do nothing.
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`];
    /// [`Error::ProvisioningTokenNotFound`] (also for another account's
    /// token); [`Error::Store`].
    pub fn revoke_provisioning_token(
        &self,
        actor: &Actor,
        account: AccountNumber,
        id: &str,
    ) -> Result<ProvisioningTokenRevoked, Error> {
        self.write(|tx| {
            let by = authorize_administrator(tx, actor, account)?;
            let credential = tx
                .provisioning_credential(id)?
                .filter(|credential| credential.account == account)
                .ok_or(Error::ProvisioningTokenNotFound)?;
            tx.delete_provisioning_credential(id)?;
            let action = Action::ProvisioningTokenRevoked {
                token: credential.to_ref(),
            };
            tx.append_audit(self.record(&by, account, action))?;
            Ok(ProvisioningTokenRevoked { credential })
        })
    }

    /// The actor a SCIM request for `account` acts as, from the bearer token
    /// it carries. The secret part is compared in constant time; an
    /// unknown, revoked or malformed token and another account's token are
    /// refused alike. Nothing is recorded: what the provisioner then does
    /// is.
    ///
    /// # Errors
    /// [`Error::ProvisioningRefused`]; [`Error::Store`].
    pub fn authenticate_provisioner(
        &self,
        account: AccountNumber,
        token: &str,
    ) -> Result<Actor, Error> {
        let (id, verifier_hash) = parse_token(token).ok_or(Error::ProvisioningRefused)?;
        let credential = self
            .read(|reader| Ok(reader.provisioning_credential(id)?))?
            .ok_or(Error::ProvisioningRefused)?;
        let proven: bool = credential.verifier_hash.ct_eq(&verifier_hash).into();
        if !proven || credential.account != account {
            return Err(Error::ProvisioningRefused);
        }
        Ok(Actor::Provisioner(Provisioner {
            account,
            token: credential.id,
        }))
    }

    /// Creates a user as an identity provider does: with its `userName`
    /// and `externalId`, active or disabled, and a password only if the
    /// form has one (checked against the password policy, and recorded as
    /// chosen by the actor, R13). Without one the user has no credential
    /// until they set one, for example through a registration link the
    /// service sends them. Customer Support, an active administrator of the
    /// account, or its provisioner may.
    ///
    /// An address that already has a user is refused ([`Error::UserExists`]),
    /// whichever accounts govern that user: the provider should find the
    /// user by `userName` instead; a user of another account is never
    /// taken over (R13).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the refused field; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::UserExists`];
    /// [`Error::InvitedElsewhere`]; [`Error::UserNameTaken`];
    /// [`Error::ExternalIdTaken`]; [`Error::Store`].
    pub fn provision_user(
        &self,
        actor: &Actor,
        account: AccountNumber,
        form: &ProvisionedUserForm,
    ) -> Result<ProvisionedUser, Error> {
        let wanted = form.check()?;
        let now = self.clock.now();
        let check = |reader: &dyn Reader| -> Result<ActorRecord, Error> {
            let by = authorize(reader, actor, account)?;
            ensure_new_user(reader, &wanted.email, account, now)?;
            ensure_names_free(
                reader,
                account,
                None,
                &wanted.user_name,
                wanted.external_id.as_ref(),
            )?;
            Ok(by)
        };
        // Refuse what can be refused before paying for a hash.
        let credential = match &form.password {
            None => None,
            Some(password) => {
                self.read(|reader| check(reader).map(drop))?;
                self.check_password_for(account, password, &wanted)?;
                Some(Credential {
                    hash: self.hashing.hash(password),
                    temporary: false,
                    set_at: now,
                    chosen_by: chosen_by(actor, account),
                })
            }
        };
        let mut user = User {
            id: UserId::try_random().map_err(|e| StoreError::backend(e.to_string()))?,
            revision: 0,
            email: wanted.email.clone(),
            first_name: wanted.first_name.clone(),
            last_name: wanted.last_name.clone(),
            status: wanted.status,
            credential,
            created_at: now,
            created_by: ActorRecord::Support,
            created_in: account,
            sign_in: SignInState::default(),
        };
        self.write(|tx| {
            let by = check(tx)?;
            user.created_by = by.clone();
            tx.insert_user(&user).map_err(|e| match e {
                StoreError::Conflict => Error::UserExists {
                    email: wanted.email.clone(),
                },
                other => other.into(),
            })?;
            let added = Action::UserAdded {
                user: user.to_ref(),
                temporary_password: false,
            };
            tx.append_audit(self.record(&by, account, added))?;
            if user.status == UserStatus::Disabled {
                let disabled = Action::UserDisabled {
                    user: user.to_ref(),
                };
                tx.append_audit(self.record(&by, account, disabled))?;
            }
            self.name_user(tx, &by, account, &user.to_ref(), &wanted, now)?;
            self.end_registrations(tx, &by, &wanted.email, &[account])?;
            provisioned(tx, account, user.clone())
        })
    }

    /// The user with this id, if the account governs them (R13: created in
    /// it, or a member of one of its groups).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone but Support, an active administrator
    /// of the account and its provisioner; [`Error::AccountNotFound`];
    /// [`Error::UserIdNotFound`]; [`Error::Store`].
    pub fn provisioned_user(
        &self,
        actor: &Actor,
        account: AccountNumber,
        id: UserId,
    ) -> Result<ProvisionedUser, Error> {
        self.read(|reader| {
            authorize(reader, actor, account)?;
            governed(reader, account, id)?.ok_or(Error::UserIdNotFound { id })
        })
    }

    /// The account's user with this `userName` or `externalId`, found
    /// through an index, if there is one. Text that could not be one finds
    /// no one.
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`]; [`Error::Store`].
    pub fn find_provisioned_user(
        &self,
        actor: &Actor,
        account: AccountNumber,
        lookup: UserLookup<'_>,
    ) -> Result<Option<ProvisionedUser>, Error> {
        self.read(|reader| {
            authorize(reader, actor, account)?;
            let id = match lookup {
                UserLookup::UserName(text) => {
                    match reader.user_by_user_name(account, &user_name_key(text))? {
                        Some(id) => Some(id),
                        // A user the provider never named answers to their email.
                        None => match Email::parse(text) {
                            Ok(email) => reader.user_id(&email)?,
                            Err(_) => None,
                        },
                    }
                }
                UserLookup::ExternalId(text) => match ExternalId::parse(text) {
                    Ok(external_id) => reader.user_by_external_id(account, &external_id)?,
                    Err(_) => None,
                },
            };
            let Some(found) = id.map(|id| governed(reader, account, id)).transpose()? else {
                return Ok(None);
            };
            Ok(found.filter(|user| match lookup {
                UserLookup::UserName(text) => {
                    user_name_key(user.user_name()) == user_name_key(text)
                }
                UserLookup::ExternalId(text) => {
                    user.external_id().map(ExternalId::as_str) == Some(text)
                }
            }))
        })
    }

    /// Visits the account's users (R13) in email order, in one snapshot,
    /// until `visit` breaks; returns how many it visited. A page of every
    /// user is [`Directory::users`]; this is for a provider's queries that
    /// no index answers.
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`]; [`Error::Store`].
    pub fn visit_provisioned_users(
        &self,
        actor: &Actor,
        account: AccountNumber,
        skip: u64,
        mut visit: impl FnMut(ProvisionedUser) -> ControlFlow<()>,
    ) -> Result<u64, Error> {
        const BATCH: usize = 512;
        // Visiting has effects outside the snapshot, so a snapshot that
        // fails part-way is not retried: the caller sees the error.
        let reader = self.store.begin_read()?;
        authorize(&reader, actor, account)?;
        let (mut visited, mut skipped) = (0, 0);
        let mut after: Option<(String, UserId)> = None;
        loop {
            let rows = reader.account_users(
                account,
                None,
                after
                    .as_ref()
                    .map(|(identity, id)| (identity.as_str(), *id)),
                BATCH,
            )?;
            for row in &rows {
                if skipped < skip {
                    skipped += 1;
                    continue;
                }
                let Some(user) = reader.user(row.user.id)? else {
                    continue;
                };
                visited += 1;
                if visit(provisioned(&reader, account, user)?).is_break() {
                    return Ok(visited);
                }
            }
            match rows.last() {
                Some(last) if rows.len() == BATCH => {
                    after = Some((last.user.email.identity().to_owned(), last.user.id));
                }
                _ => return Ok(visited),
            }
        }
    }

    /// Makes a user what the identity provider wants, in one transaction:
    /// email, names, status, `userName`, `externalId`, and the password if
    /// the form has one. Only what differs is changed and recorded, each
    /// change in the trail of every account that governs the user; if
    /// anything changed, the revision moves once.
    ///
    /// The rules of each change apply: the actor must govern the user
    /// (R13: a provisioner only the users its account alone governs),
    /// disabling the last active administrator is refused (R16), the new
    /// email must be free (R4, R14). With `expected_revision`, a user
    /// changed since is refused ([`Error::StaleRevision`]).
    ///
    /// # Errors
    /// [`Error::Invalid`]; [`Error::Forbidden`]; [`Error::AccountNotFound`];
    /// [`Error::UserIdNotFound`]; [`Error::StaleRevision`];
    /// [`Error::UserExists`]; [`Error::InvitedElsewhere`];
    /// [`Error::UserNameTaken`]; [`Error::ExternalIdTaken`];
    /// [`Error::LastActiveAdministrator`]; [`Error::Store`].
    pub fn update_provisioned_user(
        &self,
        actor: &Actor,
        account: AccountNumber,
        id: UserId,
        form: &ProvisionedUserForm,
        expected_revision: Option<u64>,
    ) -> Result<ProvisionedUser, Error> {
        let wanted = form.check()?;
        let now = self.clock.now();
        let new_hash = match &form.password {
            None => None,
            Some(password) => {
                self.read(|reader| {
                    let governed = authorized_user_in(reader, actor, account, id)?;
                    ensure_revision(governed.user.revision, expected_revision)
                })?;
                self.check_password_for(account, password, &wanted)?;
                Some(self.hashing.hash(password))
            }
        };
        self.write(|tx| {
            let GovernedUser {
                by,
                mut user,
                accounts,
            } = authorized_user_in(tx, actor, account, id)?;
            ensure_revision(user.revision, expected_revision)?;
            ensure_names_free(
                tx,
                account,
                Some(id),
                &wanted.user_name,
                wanted.external_id.as_ref(),
            )?;
            let mut actions = Vec::new();
            let previous_email = user.email.clone();
            if previous_email.as_str() != wanted.email.as_str() {
                ensure_email_free(tx, &wanted.email, id, &accounts, now)?;
                user.email = wanted.email.clone();
                actions.push(Action::EmailChanged {
                    user: id,
                    from: previous_email,
                    to: wanted.email.clone(),
                });
            }
            if user.first_name != wanted.first_name || user.last_name != wanted.last_name {
                actions.push(Action::UserRenamed {
                    user: user.to_ref(),
                    from_first: std::mem::replace(&mut user.first_name, wanted.first_name.clone()),
                    from_last: std::mem::replace(&mut user.last_name, wanted.last_name.clone()),
                    to_first: wanted.first_name.clone(),
                    to_last: wanted.last_name.clone(),
                });
            }
            if user.status != wanted.status {
                if wanted.status == UserStatus::Disabled {
                    ensure_not_last_active_admin(tx, &user)?;
                    actions.push(Action::UserDisabled {
                        user: user.to_ref(),
                    });
                } else {
                    actions.push(Action::UserEnabled {
                        user: user.to_ref(),
                    });
                }
                user.status = wanted.status;
            }
            if let Some(hash) = &new_hash {
                user.credential = Some(Credential {
                    hash: hash.clone(),
                    temporary: false,
                    set_at: now,
                    chosen_by: chosen_by(actor, account),
                });
                actions.push(Action::PasswordReset {
                    user: user.to_ref(),
                });
            }
            let identity = tx.external_identity(account, id)?;
            let renamed = identity.as_ref().is_none_or(|identity| {
                identity.user_name != wanted.user_name
                    || identity.external_id != wanted.external_id
                    || identity.display_name != wanted.display_name
            });
            if actions.is_empty() && !renamed {
                return provisioned(tx, account, user);
            }
            user.revision = tx.update_user(&user).map_err(|e| match e {
                StoreError::Conflict => Error::UserExists {
                    email: wanted.email.clone(),
                },
                other => other.into(),
            })?;
            for action in &actions {
                self.record_in_each(tx, &by, &accounts, action)?;
            }
            if actions
                .iter()
                .any(|action| matches!(action, Action::EmailChanged { .. }))
            {
                self.end_registrations(tx, &by, &wanted.email, &accounts)?;
            }
            if renamed {
                self.name_user(tx, &by, account, &user.to_ref(), &wanted, now)?;
            } else if let Some(mut identity) = identity {
                identity.modified_at = now;
                tx.put_external_identity(&identity)?;
            }
            provisioned(tx, account, user)
        })
    }

    /// Deletes a user by id, as [`Directory::delete_user`] does by email
    /// (R13, R16). With `expected_revision`, a user changed since is
    /// refused.
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`];
    /// [`Error::UserIdNotFound`]; [`Error::StaleRevision`];
    /// [`Error::LastActiveAdministrator`]; [`Error::Store`].
    pub fn delete_provisioned_user(
        &self,
        actor: &Actor,
        account: AccountNumber,
        id: UserId,
        expected_revision: Option<u64>,
    ) -> Result<UserRef, Error> {
        self.write(|tx| {
            let governed = authorized_user_in(tx, actor, account, id)?;
            ensure_revision(governed.user.revision, expected_revision)?;
            self.delete_governed(tx, governed)
        })
    }

    /// A group of the account with its members and `externalId`.
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`];
    /// [`Error::GroupNotFound`]; [`Error::Store`].
    pub fn provisioned_group(
        &self,
        actor: &Actor,
        group: GroupId,
    ) -> Result<ProvisionedGroup, Error> {
        self.read(|reader| {
            authorized_group(reader, actor, group)?;
            provisioned_group(reader, group)
        })
    }

    /// Renames a group and changes its members in one transaction, or
    /// changes nothing ([`GroupChange`]). Each part follows the rules of
    /// its own operation: the built-in group keeps its name (R1), names are
    /// unique in the account (R9), a member must be one of the account's
    /// users and may join only if their password is not known outside the
    /// account (R13), and the last active administrator stays (R10, R16).
    /// With `expected_revision`, a group changed since is refused.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a refused name or more than
    /// [`MAX_MEMBERS_PER_CHANGE`] members; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::GroupNotFound`];
    /// [`Error::StaleRevision`]; [`Error::BuiltInGroup`];
    /// [`Error::GroupExists`]; [`Error::UserIdNotFound`];
    /// [`Error::OwnPasswordRequired`]; [`Error::LastAdministrator`];
    /// [`Error::Store`].
    pub fn change_group(
        &self,
        actor: &Actor,
        group: GroupId,
        change: &GroupChange,
        expected_revision: Option<u64>,
    ) -> Result<ProvisionedGroup, Error> {
        ensure_bounded(change.add.len() + change.remove.len())?;
        let name = change
            .name
            .as_deref()
            .map(|name| GroupName::custom(name, Field::GroupName))
            .transpose();
        let external_id = parse_group_external_id(change)?;
        self.write(|tx| {
            let (by, mut found) = authorized_group(tx, actor, group)?;
            ensure_revision(found.revision, expected_revision)?;
            let name = name.clone()?;
            if let Some(name) = name.filter(|name| *name != found.name) {
                self.rename(tx, &by, &mut found, name)?;
            }
            for &id in &change.remove {
                let Some(user) = tx.user_brief(id)? else {
                    continue;
                };
                if tx.is_member(group, id)? {
                    self.leave(tx, &by, &found, &user.user)?;
                }
            }
            self.add_members(tx, actor, &by, group, &change.add)?;
            if let Some(external_id) = &external_id {
                self.set_group_external_id(tx, &by, group, external_id.as_ref())?;
            }
            provisioned_group(tx, group)
        })
    }

    /// Deletes a group as [`Directory::delete_group`] does (R1); with
    /// `expected_revision`, a group changed since is refused, in the same
    /// transaction as the deletion.
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`];
    /// [`Error::GroupNotFound`]; [`Error::StaleRevision`];
    /// [`Error::BuiltInGroup`]; [`Error::Store`].
    pub fn delete_provisioned_group(
        &self,
        actor: &Actor,
        group: GroupId,
        expected_revision: Option<u64>,
    ) -> Result<GroupDeleted, Error> {
        self.write(|tx| {
            let (by, found) = authorized_group(tx, actor, group)?;
            ensure_revision(found.revision, expected_revision)?;
            self.delete_found_group(tx, &by, found)
        })
    }

    /// Creates a group named `change.name`, with `change.add` as members and
    /// `change.external_id`, in one transaction, under the rules of
    /// [`Directory::create_group`] and [`Directory::change_group`].
    ///
    /// # Errors
    /// [`Error::Invalid`] for a refused name or more than
    /// [`MAX_MEMBERS_PER_CHANGE`] members; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::GroupExists`];
    /// [`Error::UserIdNotFound`]; [`Error::OwnPasswordRequired`];
    /// [`Error::Store`].
    pub fn provision_group(
        &self,
        actor: &Actor,
        account: AccountNumber,
        change: &GroupChange,
    ) -> Result<ProvisionedGroup, Error> {
        ensure_bounded(change.add.len())?;
        let name = GroupName::custom(change.name.as_deref().unwrap_or_default(), Field::GroupName)?;
        let external_id = parse_group_external_id(change)?;
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
            self.add_members(tx, actor, &by, group.id, &change.add)?;
            if let Some(Some(external_id)) = &external_id {
                self.set_group_external_id(tx, &by, group.id, Some(external_id))?;
            }
            provisioned_group(tx, group.id)
        })
    }

    /// Sets a group's `externalId` and records it, if it changes.
    fn set_group_external_id(
        &self,
        tx: &mut dyn Transaction,
        by: &ActorRecord,
        group: GroupId,
        external_id: Option<&ExternalId>,
    ) -> Result<(), Error> {
        if tx.group_external_id(group)?.as_ref() == external_id {
            return Ok(());
        }
        tx.set_group_external_id(group, external_id)?;
        let action = Action::GroupExternalIdSet {
            group,
            external_id: external_id.cloned(),
        };
        tx.append_audit(self.record(by, group.account, action))?;
        Ok(())
    }

    /// Puts users the group's account governs into the group (R13).
    fn add_members(
        &self,
        tx: &mut dyn Transaction,
        actor: &Actor,
        by: &ActorRecord,
        group: GroupId,
        ids: &[UserId],
    ) -> Result<(), Error> {
        for &id in ids {
            let not_found = || Error::UserIdNotFound { id };
            let user = tx.user(id)?.ok_or_else(not_found)?;
            if !governs_user(tx, group.account, &user)? {
                return Err(not_found());
            }
            if !tx.is_member(group, id)? {
                self.join(tx, actor, by, group, &user.brief())?;
            }
        }
        Ok(())
    }

    /// Checks a password a provider sets against the policy.
    fn check_password_for(
        &self,
        account: AccountNumber,
        password: &Password,
        wanted: &Checked,
    ) -> Result<(), Error> {
        let account_name = self
            .read(|reader| Ok(reader.account(account)?))?
            .ok_or(Error::AccountNotFound { account })?
            .name;
        self.policy.check_for_account(
            password,
            password,
            &[
                wanted.email.local_part(),
                wanted.user_name.as_str(),
                wanted.first_name.as_str(),
                wanted.last_name.as_str(),
            ],
            account_name.as_str(),
        )?;
        Ok(())
    }

    /// Stores what the provider calls the user and records it.
    fn name_user(
        &self,
        tx: &mut dyn Transaction,
        by: &ActorRecord,
        account: AccountNumber,
        user: &UserRef,
        wanted: &Checked,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let identity = ExternalIdentity {
            account,
            user: user.id,
            user_name: wanted.user_name.clone(),
            external_id: wanted.external_id.clone(),
            display_name: wanted.display_name.clone(),
            modified_at: now,
        };
        tx.put_external_identity(&identity).map_err(|e| match e {
            StoreError::Conflict => Error::UserNameTaken {
                user_name: wanted.user_name.clone(),
            },
            other => other.into(),
        })?;
        let action = Action::UserNamed {
            user: user.clone(),
            user_name: identity.user_name,
            external_id: identity.external_id,
        };
        tx.append_audit(self.record(by, account, action))?;
        Ok(())
    }
}
