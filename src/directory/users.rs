//! Users: *Add User* (R4, R6).

use chrono::{DateTime, Utc};

use crate::confirmation::UserAdded;
use crate::directory::Directory;
use crate::directory::access::{authorize, chosen_by};
use crate::error::Error;
use crate::forms::AddUserForm;
use crate::input::Field;
use crate::model::{
    AccountNumber, Action, Actor, ActorRecord, Credential, Email, Name, SignInState, User, UserId,
    UserStatus,
};
use crate::store::{Reader, Store, StoreError};

impl<S: Store> Directory<S> {
    /// *Add User* (R6): validates the form, hashes the password with
    /// argon2id and creates an active user, recording who chose the password
    /// (R13). Customer Support or an Account Administrator of `account` may.
    ///
    /// A pending registration of the address for `account` (R8) ends: its
    /// token stops working. If *another* account has invited the address
    /// (and the invitation has not expired), the user is not added ([`Error::InvitedElsewhere`]): that invitation
    /// is not this account's to void (R14).
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
            // The account's own invitation ends: its token stops working.
            if tx.registration(&email, account)?.is_some() {
                tx.delete_registration(&email, account)?;
                let ended = Action::RegistrationEnded {
                    email: email.clone(),
                };
                tx.append_audit(self.record(&by, account, ended))?;
            }
            Ok(())
        })?;
        Ok(UserAdded {
            user: user.to_ref(),
        })
    }
}

/// Refuses an address that has a user, or that another account than
/// `account` has invited to register (R14) by an invitation still valid at
/// `now` (an expired one waits only for the purge).
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
