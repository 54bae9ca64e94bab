//! Accounts: creating one (R1, R2), and its audit trail (R11).

use crate::confirmation::AccountCreated;
use crate::directory::Directory;
use crate::directory::access::{authorize, support_only};
use crate::error::Error;
use crate::input::Field;
use crate::model::{Account, AccountNumber, Action, Actor, AuditEntry, GroupName, Name, UserId};
use crate::paging::{AuditQuery, Cursor, Page};
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
            tx.append_audit(audit.clone())?;
            Ok(())
        })?;
        Ok(AccountCreated { account })
    }

    /// A page of the account's audit trail, newest first (R11): of every
    /// change, or of those made to one user ([`AuditQuery::about`]). Pages
    /// follow each other by [`Page::next`]: entries appended meanwhile do
    /// not shift them, so none is shown twice or skipped. Each entry names
    /// its user by id and by the email they had then, and a change carries
    /// its before and after values.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone but Support and an active
    /// administrator of the account; [`Error::AccountNotFound`];
    /// [`Error::InvalidCursor`] for a cursor this list did not give;
    /// [`Error::Store`].
    pub fn audit_page(
        &self,
        actor: &Actor,
        account: AccountNumber,
        query: &AuditQuery,
    ) -> Result<Page<AuditEntry>, Error> {
        let about = query.about.map(UserId::to_bytes);
        let account_key = account.get().to_be_bytes();
        let list: [&[u8]; 3] = [
            b"audit",
            &account_key,
            about.as_ref().map_or(&[][..], |b| &b[..]),
        ];
        let before = match &query.after {
            None => None,
            Some(cursor) => {
                let key = cursor.key_for(&list).ok_or(Error::InvalidCursor)?;
                let key = <[u8; 8]>::try_from(key).map_err(|_| Error::InvalidCursor)?;
                Some(u64::from_be_bytes(key))
            }
        };
        let size = query.size.get() as usize;
        let mut entries = self.read(|reader| {
            authorize(reader, actor, account)?;
            Ok(reader.audit_page(account, query.about, before, size + 1)?)
        })?;
        let next = (entries.len() > size).then(|| {
            entries.truncate(size);
            let last = entries.last().map_or(0, |e| e.sequence);
            Cursor::new(&list, &last.to_be_bytes())
        });
        Ok(Page::new(entries, next))
    }

    /// The account's most recent audit entries, newest first, at most
    /// `limit` (R11); [`Directory::audit_page`] reads the whole trail a page
    /// at a time.
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
