//! Every authorization decision of the directory, in one place (R2, R3, R13).
//!
//! # Who governs a user (R13)
//!
//! Users are service-wide (R4), and may be members of groups in several
//! accounts. A user's **governing accounts** are the account the user was
//! created in plus every account in one of whose groups the user is a
//! member ([`governing_accounts`]). Then:
//!
//! - only Customer Support, or an active administrator of **every**
//!   governing account, may act on the user's credentials or state
//!   ([`authorized_user`]);
//! - a user whose current password was chosen by someone who does not
//!   administer account B cannot be put into a group of B until they set
//!   their own password, except by Customer Support ([`ensure_may_join`]).
//!
//! Together they keep this invariant: *no action of an administrator of A
//! lets anyone who does not administer B learn, choose or replace the
//! password of a user who is a member of a group of B.*
//!
//! Each check reads the state it decides on inside the caller's transaction,
//! so the decision and the change it allows are one atomic step (R12).

use crate::error::{Error, Forbidden};
use crate::model::{
    AccountNumber, Actor, ActorRecord, Email, Group, GroupId, PasswordChosenBy,
    PendingRegistration, Provisioner, User, UserBrief, UserId, UserStatus,
};
use crate::store::Reader;

/// Lets only Customer Support act: creating accounts (R2), the operator's
/// maintenance.
pub(super) fn support_only(actor: &Actor) -> Result<ActorRecord, Error> {
    match actor {
        Actor::Support => Ok(ActorRecord::Support),
        Actor::User(_) | Actor::Provisioner(_) => Err(Forbidden::SupportOnly.into()),
    }
}

/// Lets Customer Support act on any existing account, and a user only on the
/// accounts they actively administer (R2, R3). Returns how the actor is
/// recorded.
pub(super) fn authorize(
    reader: &dyn Reader,
    actor: &Actor,
    account: AccountNumber,
) -> Result<ActorRecord, Error> {
    match actor {
        Actor::Support => match reader.account(account)? {
            Some(_) => Ok(ActorRecord::Support),
            None => Err(Error::AccountNotFound { account }),
        },
        Actor::User(id) => {
            let refused = || Forbidden::NotAccountAdministrator { account }.into();
            if !reader.is_active_admin(account, *id)? {
                return Err(refused());
            }
            let brief = reader.user_brief(*id)?.ok_or_else(refused)?;
            Ok(ActorRecord::User(brief.user))
        }
        Actor::Provisioner(client) => provisioner(reader, client, account),
    }
}

/// An identity provider's client may act on its own account only, and only
/// while its token exists: revoking the token stops it at once. Returns how
/// it is recorded: by the token it used.
fn provisioner(
    reader: &dyn Reader,
    client: &Provisioner,
    account: AccountNumber,
) -> Result<ActorRecord, Error> {
    let refused = || Error::from(Forbidden::NotAccountAdministrator { account });
    if client.account != account {
        return Err(refused());
    }
    let credential = reader
        .provisioning_credential(&client.token)?
        .filter(|credential| credential.account == account)
        .ok_or_else(refused)?;
    Ok(ActorRecord::Provisioner(credential.to_ref()))
}

/// Authorizes `actor` on the group's account, then finds the group.
pub(super) fn authorized_group(
    reader: &dyn Reader,
    actor: &Actor,
    group: GroupId,
) -> Result<(ActorRecord, Group), Error> {
    let by = authorize(reader, actor, group.account)?;
    let found = reader.group(group)?.ok_or(Error::GroupNotFound)?;
    Ok((by, found))
}

/// Customer Support sends for any existing account; a user for an account
/// they administer or that created them, while active.
pub(super) fn authorize_sender(
    reader: &dyn Reader,
    sender: &Actor,
    account: AccountNumber,
) -> Result<ActorRecord, Error> {
    if let Actor::User(id) = sender {
        if let Some(brief) = reader.user_brief(*id)? {
            if brief.status == UserStatus::Active && brief.created_in == account {
                return Ok(ActorRecord::User(brief.user));
            }
        }
    }
    authorize(reader, sender, account).map_err(|error| match error {
        Error::Forbidden(_) => Forbidden::NotAccountMember { account }.into(),
        other => other,
    })
}

/// Whether the sender of a pending registration still vouches for it: a
/// registration sent by Customer Support always does; one sent by a user
/// only while that user exists and is active, so disabling or deleting a
/// user makes the links they sent stop working.
pub(super) fn sender_vouches(
    reader: &dyn Reader,
    pending: &PendingRegistration,
) -> Result<bool, Error> {
    Ok(match &pending.sent_by {
        ActorRecord::User(sender) => reader
            .user_brief(sender.id)?
            .is_some_and(|brief| brief.status == UserStatus::Active),
        _ => true,
    })
}

/// The accounts that govern `user` (R13): the one it was created in and
/// every account in one of whose groups it is, in order, without repeats.
pub(super) fn governing_accounts(
    reader: &dyn Reader,
    user: &UserBrief,
) -> Result<Vec<AccountNumber>, Error> {
    let mut accounts: Vec<AccountNumber> = reader
        .user_groups(user.user.id)?
        .into_iter()
        .map(|group| group.account)
        .chain([user.created_in])
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    Ok(accounts)
}

/// A user that an actor may act on, with how the actor is recorded and the
/// accounts that govern the user (each of which records what the actor does).
pub(super) struct GovernedUser {
    pub(super) by: ActorRecord,
    pub(super) user: User,
    pub(super) accounts: Vec<AccountNumber>,
}

/// The user `email`, if `actor` may act on their credentials or state
/// (R13): Customer Support always; a user only while active and an
/// administrator of every account that governs the target.
///
/// Whether the actor administers anything at all is checked before the
/// target is looked up, so a plain user learns nothing about other users.
pub(super) fn authorized_user(
    reader: &dyn Reader,
    actor: &Actor,
    email: &Email,
) -> Result<GovernedUser, Error> {
    let by = match actor {
        Actor::Support => ActorRecord::Support,
        Actor::User(id) => {
            let refused = || Error::from(Forbidden::NotGoverningAdministrator);
            let brief = reader
                .user_brief(*id)?
                .filter(|brief| brief.status == UserStatus::Active)
                .ok_or_else(refused)?;
            let administers_some = reader
                .user_groups(*id)?
                .iter()
                .any(|group| group.number == GroupId::ADMINISTRATORS_NUMBER);
            if !administers_some {
                return Err(refused());
            }
            ActorRecord::User(brief.user)
        }
        Actor::Provisioner(client) => {
            provisioner(reader, client, client.account).map_err(|error| match error {
                Error::Forbidden(_) => Forbidden::NotGoverningAdministrator.into(),
                other => other,
            })?
        }
    };
    let not_found = || Error::UserNotFound {
        email: email.clone(),
    };
    let id = reader.user_id(email)?.ok_or_else(not_found)?;
    let user = reader.user(id)?.ok_or_else(not_found)?;
    let accounts = governing_accounts(reader, &user.brief())?;
    ensure_governs(reader, actor, &accounts)?;
    Ok(GovernedUser { by, user, accounts })
}

/// Refuses an actor who does not administer every one of `accounts`, the
/// accounts that govern a user (R13). A provisioning client administers
/// only its own account: it may act on the users that account alone
/// governs.
fn ensure_governs(
    reader: &dyn Reader,
    actor: &Actor,
    accounts: &[AccountNumber],
) -> Result<(), Error> {
    let governs = |account: AccountNumber| match actor {
        Actor::Support => Ok(true),
        Actor::User(id) => reader.is_active_admin(account, *id),
        Actor::Provisioner(client) => Ok(client.account == account),
    };
    for &account in accounts {
        if !governs(account)? {
            return Err(Forbidden::NotGoverningAdministrator.into());
        }
    }
    Ok(())
}

/// Whether `account` governs `user` (R13): created in it, or a member of
/// one of its groups.
pub(super) fn governs_user(
    reader: &dyn Reader,
    account: AccountNumber,
    user: &User,
) -> Result<bool, Error> {
    Ok(user.created_in == account
        || reader
            .user_groups(user.id)?
            .iter()
            .any(|group| group.account == account))
}

/// The user with this id among `account`'s users, if `actor` may act on
/// their credentials or state (R13). The actor is authorized on the account
/// first, so that no one learns of users elsewhere; a user the account
/// does not govern is not found.
pub(super) fn authorized_user_in(
    reader: &dyn Reader,
    actor: &Actor,
    account: AccountNumber,
    id: UserId,
) -> Result<GovernedUser, Error> {
    let by = authorize(reader, actor, account)?;
    let not_found = || Error::UserIdNotFound { id };
    let user = reader.user(id)?.ok_or_else(not_found)?;
    let accounts = governing_accounts(reader, &user.brief())?;
    if !accounts.contains(&account) {
        return Err(not_found());
    }
    ensure_governs(reader, actor, &accounts)?;
    Ok(GovernedUser { by, user, accounts })
}

/// [`authorize`] for what only an account's administrators (and Customer
/// Support) may do, never its provisioner: managing provisioning tokens,
/// so that no token can renew itself.
pub(super) fn authorize_administrator(
    reader: &dyn Reader,
    actor: &Actor,
    account: AccountNumber,
) -> Result<ActorRecord, Error> {
    match actor {
        Actor::Provisioner(_) => Err(Forbidden::NotAccountAdministrator { account }.into()),
        _ => authorize(reader, actor, account),
    }
}

/// Refuses to put `user` into a group of `account` while their current
/// password is known to someone who does not administer `account` (R13):
/// chosen by an administrator who is not an active administrator of
/// `account`, or by someone unknown. Customer Support may always.
pub(super) fn ensure_may_join(
    reader: &dyn Reader,
    actor: &Actor,
    user: &UserBrief,
    account: AccountNumber,
) -> Result<(), Error> {
    if *actor == Actor::Support {
        return Ok(());
    }
    let chooser_administers = match user.password_chosen_by {
        None | Some(PasswordChosenBy::User | PasswordChosenBy::Support) => true,
        Some(PasswordChosenBy::Administrator { user, .. }) => {
            reader.is_active_admin(account, user)?
        }
        Some(PasswordChosenBy::Provisioner { account: chooser }) => chooser == account,
        Some(_) => false,
    };
    if chooser_administers {
        Ok(())
    } else {
        Err(Error::OwnPasswordRequired {
            email: user.user.email.clone(),
        })
    }
}

/// Who chooses a password that `actor` sets for a user of `account`.
pub(super) fn chosen_by(actor: &Actor, account: AccountNumber) -> PasswordChosenBy {
    match actor {
        Actor::Support => PasswordChosenBy::Support,
        Actor::User(id) => PasswordChosenBy::Administrator { user: *id, account },
        Actor::Provisioner(client) => PasswordChosenBy::Provisioner {
            account: client.account,
        },
    }
}
