//! Accounts: creating one (R1, R2), and its audit trail (R11).

use crate::confirmation::AccountCreated;
use crate::directory::Directory;
use crate::directory::access::{authorize, support_only};
use crate::error::Error;
use crate::input::Field;
use crate::model::{Account, AccountNumber, Action, Actor, AuditEntry, GroupName, Name};
use crate::store::{Store, StoreError};

impl<S: Store> Directory<S> {
    /// Creates an account with its built-in *Account Administrators* group
    /// (R1). Only Customer Support may (R2).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a refused name; [`Error::Forbidden`] for
    /// anyone but Support; [`Error::AccountExists`]; [`Error::Store`].
    pub fn create_account(
        &self,
        actor: &Actor,
        number: AccountNumber,
        name: &str,
    ) -> Result<AccountCreated, Error> {
        let name = Name::parse(name, Field::AccountName)?;
        let by = support_only(actor)?;
        let account = Account {
            number,
            name,
            created_at: self.clock.now(),
        };
        let audit = self.record(&by, number, Action::AccountCreated);
        self.write(|tx| {
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

    /// The account's audit trail, newest first, at most `limit` entries (R11).
    ///
    /// # Errors
    /// [`Error::Forbidden`]; [`Error::AccountNotFound`]; [`Error::Store`].
    pub fn audit_trail(
        &self,
        actor: &Actor,
        account: AccountNumber,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, Error> {
        self.read(|reader| {
            authorize(reader, actor, account)?;
            Ok(reader.audit(account, limit)?)
        })
    }
}
