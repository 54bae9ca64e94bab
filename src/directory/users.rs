//! Users: *Add User* (R4, R6).

use chrono::{DateTime, Utc};

use crate::confirmation::UserAdded;
use crate::directory::Directory;
use crate::directory::access::{authorize, chosen_by, sender_vouches};
use crate::error::Error;
use crate::forms::AddUserForm;
use crate::input::Field;
use crate::model::{
    AccountNumber, AccountUser, Action, Actor, ActorRecord, Credential, Email, GroupId, Name,
    SignInState, User, UserId, UserRow, UserStatus,
};
use crate::paging::{Cursor, Page, Search, UserQuery};
use crate::store::{Reader, Store, StoreError, Transaction};

impl<S: Store> Directory<S> {
    /// *Add User* (R6): validates the form, hashes the password with
    /// argon2id and creates an active user, recording who chose the password
    /// (R13). Customer Support or an Account Administrator of `account` may.
    ///
    /// A pending registration of the address for `account` (R8) ends: its
    /// token stops working. If *another* account has invited the address
    /// by an invitation that still works (unexpired, and its sender still
    /// an active user or Support), the user is not added
    /// ([`Error::InvitedElsewhere`]): that invitation is not this
    /// account's to void (R14).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the refused field; [`Error::Forbidden`];
    /// [`Error::AccountNotFound`]; [`Error::UserExists`];
    /// [`Error::InvitedElsewhere`]; [`Error::Store`].
    pub fn add_user(
        &self,
        actor: &Actor,
        account: AccountNumber,
        form: &AddUserForm,
    ) -> Result<UserAdded, Error> {
        let email = Email::parse_field(&form.username, Field::Username)?;
        let first_name = Name::parse(&form.first_name, Field::FirstName)?;
        let last_name = Name::parse(&form.last_name, Field::LastName)?;
        let now = self.clock.now();
        // Refuse what can be refused before paying for the hash.
        let account_name = self.read(|reader| {
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
        let mut user = User {
            id: UserId::try_random().map_err(|e| StoreError::backend(e.to_string()))?,
            revision: 0,
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
            created_by: ActorRecord::Support,
            created_in: account,
            sign_in: SignInState::default(),
        };
        self.write(|tx| {
            let by = authorize(tx, actor, account)?;
            ensure_new_user(tx, &email, account, now)?;
            user.created_by = by.clone();
            tx.insert_user(&user).map_err(|e| match e {
                StoreError::Conflict => Error::UserExists {
                    email: email.clone(),
                },
                other => other.into(),
            })?;
            let added = Action::UserAdded {
                user: user.to_ref(),
                temporary_password: form.enforce_password_expiration,
            };
            tx.append_audit(self.record(&by, account, added))?;
            self.end_registrations(tx, &by, &email, &[account])?;
            Ok(())
        })?;
        Ok(UserAdded {
            user: user.to_ref(),
        })
    }

    /// Ends the pending registrations of `email` that belong to one of
    /// `accounts`, now that the address has a user: their tokens stop
    /// working. Each is recorded in its own account's trail (R14).
    pub(super) fn end_registrations(
        &self,
        tx: &mut dyn Transaction,
        by: &ActorRecord,
        email: &Email,
        accounts: &[AccountNumber],
    ) -> Result<(), Error> {
        for ended in tx.registrations(email)? {
            if accounts.contains(&ended.account) {
                tx.delete_registration(email, ended.account)?;
                let action = Action::RegistrationEnded {
                    email: email.clone(),
                };
                tx.append_audit(self.record(by, ended.account, action))?;
            }
        }
        Ok(())
    }
}

/// Refuses an address that has a user, or that another account than
/// `account` has invited to register (R14).
pub(super) fn ensure_new_user(
    reader: &dyn Reader,
    email: &Email,
    account: AccountNumber,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if reader.user_id(email)?.is_some() {
        return Err(Error::UserExists {
            email: email.clone(),
        });
    }
    ensure_not_invited_elsewhere(reader, email, &[account], now)
}

/// Refuses `email` as the new address of user `id`: another user has it
/// (R4), or an account not in `ours` has invited it (R14).
pub(super) fn ensure_email_free(
    reader: &dyn Reader,
    email: &Email,
    id: UserId,
    ours: &[AccountNumber],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if reader.user_id(email)?.is_some_and(|other| other != id) {
        return Err(Error::UserExists {
            email: email.clone(),
        });
    }
    ensure_not_invited_elsewhere(reader, email, ours, now)
}

/// Refuses an address that an account not in `ours` has invited to
/// register (R14) by an invitation that still works at `now`. An expired
/// invitation, or one whose sender no longer vouches for it (disabled or
/// deleted), holds nothing: it only waits for the purge.
pub(super) fn ensure_not_invited_elsewhere(
    reader: &dyn Reader,
    email: &Email,
    ours: &[AccountNumber],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    for pending in reader.registrations(email)? {
        if !ours.contains(&pending.account)
            && pending.expires_at > now
            && sender_vouches(reader, &pending)?
        {
            return Err(Error::InvitedElsewhere {
                email: email.clone(),
            });
        }
    }
    Ok(())
}

impl<S: Store> Directory<S> {
    /// A page of the account's Users tab: the users it governs (R13:
    /// created in it, or members of one of its groups), ordered by email
    /// identity, with the flags the tab shows. The email search reads a
    /// range of the account's index; the name search and the status filter
    /// are applied to the rows it gives, so a rare match may read more of
    /// the account's users than the page shows (never other accounts').
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone but Support and an active
    /// administrator of the account; [`Error::AccountNotFound`];
    /// [`Error::InvalidCursor`] for a cursor this list did not give;
    /// [`Error::Store`].
    pub fn users(
        &self,
        actor: &Actor,
        account: AccountNumber,
        query: &UserQuery,
    ) -> Result<Page<UserRow>, Error> {
        let account_key = account.get().to_be_bytes();
        let status = query.status.map_or(&b""[..], |s| match s {
            UserStatus::Active => b"active",
            UserStatus::Disabled => b"disabled",
        });
        let list: [&[u8]; 5] = [
            b"users",
            &account_key,
            query
                .email
                .as_ref()
                .map_or(&b""[..], |s| s.as_str().as_bytes()),
            query
                .name
                .as_ref()
                .map_or(&b""[..], |s| s.as_str().as_bytes()),
            status,
        ];
        let mut after = match &query.after {
            None => None,
            Some(cursor) => Some(list_key(
                &cursor.key_for(&list).ok_or(Error::InvalidCursor)?,
            )?),
        };
        let size = query.size.get() as usize;
        let now = self.clock.now();
        let prefix = query.email.as_ref().map(Search::as_str);
        let filtered = query.status.is_some() || query.name.is_some();
        let wanted = |row: &UserRow| {
            query.status.is_none_or(|s| row.status == s)
                && query.name.as_ref().is_none_or(|name| {
                    [&row.first_name, &row.last_name]
                        .iter()
                        .any(|n| n.as_str().to_lowercase().contains(name.as_str()))
                })
        };
        let mut rows = self.read(|reader| {
            authorize(reader, actor, account)?;
            let mut rows = Vec::new();
            // One more row than the page tells whether there is a next one;
            // a filter reads on in batches until the page is full.
            let batch = if filtered {
                (size + 1).max(64)
            } else {
                size + 1
            };
            loop {
                let key = after
                    .as_ref()
                    .map(|(identity, id): &(String, UserId)| (identity.as_str(), *id));
                let batch_rows = reader.account_users(account, prefix, key, batch)?;
                let exhausted = batch_rows.len() < batch;
                if let Some(last) = batch_rows.last() {
                    after = Some((last.user.email.identity().to_owned(), last.user.id));
                }
                for mut row in batch_rows.into_iter().filter(|r| wanted(r)) {
                    row.hide_ended_lock(now);
                    rows.push(row);
                    if rows.len() > size {
                        return Ok(rows);
                    }
                }
                if exhausted {
                    return Ok(rows);
                }
            }
        })?;
        let next = (rows.len() > size).then(|| {
            rows.truncate(size);
            let last = rows.last().map(|r| &r.user);
            let key = last.map_or_else(Vec::new, |u| {
                let identity = u.email.identity().as_bytes();
                let mut key = Vec::with_capacity(identity.len() + 16);
                key.extend_from_slice(identity);
                key.extend_from_slice(&u.id.to_bytes());
                key
            });
            Cursor::new(&list, &key)
        });
        Ok(Page::new(rows, next))
    }

    /// One of the account's users, opened from its Users tab: their row
    /// and the groups of `account` they are a member of. The user must be
    /// one of the account's users: created in it, or a member of one of its
    /// groups (R13).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed address; [`Error::Forbidden`]
    /// for anyone but Support and an active administrator of the account;
    /// [`Error::AccountNotFound`]; [`Error::UserNotFound`] when no user of
    /// the account has that address; [`Error::Store`].
    pub fn account_user(
        &self,
        actor: &Actor,
        account: AccountNumber,
        email: &str,
    ) -> Result<AccountUser, Error> {
        let email = Email::parse_field(email, Field::UserId)?;
        let now = self.clock.now();
        self.read(|reader| {
            authorize(reader, actor, account)?;
            let not_found = || Error::UserNotFound {
                email: email.clone(),
            };
            let id = reader.user_id(&email)?.ok_or_else(not_found)?;
            let user = reader.user(id)?.ok_or_else(not_found)?;
            let in_account: Vec<GroupId> = reader
                .user_groups(id)?
                .into_iter()
                .filter(|group| group.account == account)
                .collect();
            if in_account.is_empty() && user.created_in != account {
                return Err(not_found());
            }
            let administrator = in_account.contains(&GroupId::administrators(account));
            let mut row = UserRow::new(&user, administrator);
            row.hide_ended_lock(now);
            let mut groups = Vec::with_capacity(in_account.len());
            for group in in_account {
                groups.extend(reader.group(group)?);
            }
            Ok(AccountUser { row, groups })
        })
    }

    /// How many users the account governs (R13): the footer of the Users
    /// tab ([`ShowingUsers`](crate::ShowingUsers)).
    ///
    /// # Errors
    /// As for [`Directory::users`], but for the cursor.
    pub fn user_count(&self, actor: &Actor, account: AccountNumber) -> Result<u64, Error> {
        self.read(|reader| {
            authorize(reader, actor, account)?;
            Ok(reader.account_user_count(account)?)
        })
    }
}

/// The key a users cursor holds: an email identity, then the 16 bytes of
/// a user id.
fn list_key(key: &[u8]) -> Result<(String, UserId), Error> {
    let split = key.len().checked_sub(16).ok_or(Error::InvalidCursor)?;
    let (identity, id) = key.split_at(split);
    let identity = std::str::from_utf8(identity).map_err(|_| Error::InvalidCursor)?;
    let id = <[u8; 16]>::try_from(id).map_err(|_| Error::InvalidCursor)?;
    Ok((identity.to_owned(), UserId::from_bytes(id)))
}
