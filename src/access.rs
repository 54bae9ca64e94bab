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
    AccountNumber, Actor, Email, Group, GroupId, PasswordChosenBy, User, UserStatus,
};
use crate::store::Reader;

/// Lets only Customer Support act: creating accounts (R2), the operator's
/// maintenance.
pub(crate) fn support_only(actor: &Actor) -> Result<(), Error> {
    match actor {
        Actor::Support => Ok(()),
        Actor::User(_) => Err(Forbidden::SupportOnly.into()),
    }
}

/// Lets Customer Support act on any existing account, and a user only on the
/// accounts they actively administer (R2, R3).
pub(crate) fn authorize(
    reader: &dyn Reader,
    actor: &Actor,
    account: AccountNumber,
) -> Result<(), Error> {
    match actor {
        Actor::Support => match reader.account(account)? {
            Some(_) => Ok(()),
            None => Err(Error::AccountNotFound { account }),
        },
        Actor::User(email) => {
            if is_active(reader, email)? && reader.is_account_admin(account, email)? {
                Ok(())
            } else {
                Err(Forbidden::NotAccountAdministrator { account }.into())
            }
        }
    }
}

/// Authorizes `actor` on the group's account, then finds the group.
pub(crate) fn authorized_group(
    reader: &dyn Reader,
    actor: &Actor,
    group: GroupId,
) -> Result<Group, Error> {
    authorize(reader, actor, group.account)?;
    reader.group(group)?.ok_or(Error::GroupNotFound)
}

/// Customer Support sends for any existing account; a user for an account
/// they administer or that created them, while active.
pub(crate) fn authorize_sender(
    reader: &dyn Reader,
    sender: &Actor,
    account: AccountNumber,
) -> Result<(), Error> {
    let created_here = match sender {
        Actor::User(email) => reader
            .user(email)?
            .is_some_and(|user| user.status == UserStatus::Active && user.created_in == account),
        Actor::Support => false,
    };
    if created_here {
        return Ok(());
    }
    authorize(reader, sender, account).map_err(|error| match error {
        Error::Forbidden(_) => Forbidden::NotAccountMember { account }.into(),
        other => other,
    })
}

/// The accounts that govern `user` (R13): the one it was created in and
/// every account in one of whose groups it is, in order, without repeats.
pub(crate) fn governing_accounts(
    reader: &dyn Reader,
    user: &User,
) -> Result<Vec<AccountNumber>, Error> {
    let mut accounts: Vec<AccountNumber> = reader
        .user_groups(&user.email)?
        .into_iter()
        .map(|group| group.account)
        .chain([user.created_in])
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    Ok(accounts)
}

/// A registered user that an actor may act on, with the accounts that
/// govern them (each of which records what the actor does).
pub(crate) struct GovernedUser {
    pub(crate) user: User,
    pub(crate) accounts: Vec<AccountNumber>,
}

/// The registered user `email`, if `actor` may act on their credentials or
/// state (R13): Customer Support always; a user only while active and an
/// administrator of every account that governs the target.
///
/// Whether the actor administers anything at all is checked before the
/// target is looked up, so a plain user learns nothing about other users.
pub(crate) fn authorized_user(
    reader: &dyn Reader,
    actor: &Actor,
    email: &Email,
) -> Result<GovernedUser, Error> {
    if let Actor::User(actor_email) = actor {
        let administers_some = is_active(reader, actor_email)?
            && reader
                .user_groups(actor_email)?
                .iter()
                .any(|group| group.number == GroupId::ADMINISTRATORS_NUMBER);
        if !administers_some {
            return Err(Forbidden::NotGoverningAdministrator.into());
        }
    }
    let user = reader
        .user(email)?
        .filter(User::is_registered)
        .ok_or_else(|| Error::UserNotFound {
            email: email.clone(),
        })?;
    let accounts = governing_accounts(reader, &user)?;
    if let Actor::User(actor_email) = actor {
        for &account in &accounts {
            if !reader.is_account_admin(account, actor_email)? {
                return Err(Forbidden::NotGoverningAdministrator.into());
            }
        }
    }
    Ok(GovernedUser { user, accounts })
}

/// Refuses to put `user` into a group of `account` while their current
/// password is known to someone who does not administer `account` (R13):
/// chosen by an administrator who is not an active administrator of
/// `account`, or by someone unknown. Customer Support may always.
pub(crate) fn ensure_may_join(
    reader: &dyn Reader,
    actor: &Actor,
    user: &User,
    account: AccountNumber,
) -> Result<(), Error> {
    if *actor == Actor::Support {
        return Ok(());
    }
    let chooser_administers = match user.credential.as_ref().map(|c| &c.chosen_by) {
        None | Some(PasswordChosenBy::User | PasswordChosenBy::Support) => true,
        Some(PasswordChosenBy::Administrator { email, .. }) => {
            is_active(reader, email)? && reader.is_account_admin(account, email)?
        }
        Some(_) => false,
    };
    if chooser_administers {
        Ok(())
    } else {
        Err(Error::OwnPasswordRequired {
            email: user.email.clone(),
        })
    }
}

fn is_active(reader: &dyn Reader, email: &Email) -> Result<bool, Error> {
    Ok(reader
        .user(email)?
        .is_some_and(|user| user.status == UserStatus::Active))
}
