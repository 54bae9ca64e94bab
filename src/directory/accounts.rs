//! Accounts: creating one (R1, R2), Customer Support's list of accounts,
//! their details and names, and an account's audit trail (R11).

use crate::confirmation::{AccountCreated, AccountRenamed};
use crate::directory::Directory;
use crate::directory::access::{authorize, support_only};
use crate::error::Error;
use crate::input::Field;
use crate::model::{
    Account, AccountDetails, AccountNumber, Action, Actor, AuditEntry, GroupId, GroupName, Name,
    UserId,
};
use crate::paging::{AccountQuery, AuditQuery, Cursor, Page};
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

    /// A page of Customer Support's *Accounts* list, in account-number
    /// order: of every account, or of those the query's [`Search`](crate::Search)
    /// finds (a search of digits: the numbers that start with them; any
    /// other: the names that contain it, ignoring case). Pages follow each
    /// other by [`Page::next`]: accounts created meanwhile do not shift
    /// them. Only Customer Support may (R2).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone but Support;
    /// [`Error::InvalidCursor`] for a cursor this list (with this search)
    /// did not give; [`Error::Store`].
    pub fn accounts(&self, actor: &Actor, query: &AccountQuery) -> Result<Page<Account>, Error> {
        support_only(actor)?;
        let search = query.search.as_ref().map_or("", |s| s.as_str());
        let list: [&[u8]; 2] = [b"accounts", search.as_bytes()];
        let after = match &query.after {
            None => None,
            Some(cursor) => {
                let key = cursor.key_for(&list).ok_or(Error::InvalidCursor)?;
                let key = <[u8; 8]>::try_from(key).map_err(|_| Error::InvalidCursor)?;
                Some(AccountNumber::new(u64::from_be_bytes(key)))
            }
        };
        let size = query.size.get() as usize;
        let mut accounts = self
            .read(|reader| Ok(reader.accounts_page(query.search.as_ref(), after, size + 1)?))?;
        let next = (accounts.len() > size).then(|| {
            accounts.truncate(size);
            let last = accounts.last().map_or(0, |a| a.number.get());
            Cursor::new(&list, &last.to_be_bytes())
        });
        Ok(Page::new(accounts, next))
    }

    /// An account's *Details* tab: its name, when it was created, and how
    /// many users (those it governs: created in it, or members of one of
    /// its groups, R13), groups and active administrators it has. Customer
    /// Support may read any account's, an active administrator their own
    /// account's.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone else; [`Error::AccountNotFound`];
    /// [`Error::Store`].
    pub fn account_details(
        &self,
        actor: &Actor,
        account: AccountNumber,
    ) -> Result<AccountDetails, Error> {
        self.read(|reader| {
            authorize(reader, actor, account)?;
            reader
                .account_details(account)?
                .ok_or(Error::AccountNotFound { account })
        })
    }

    /// The accounts `actor` actively administers, in number order: where a
    /// signed-in user's console starts. Customer Support administers no
    /// account as a member (it lists every account with
    /// [`Directory::accounts`]), so gets an empty list.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn administered_accounts(&self, actor: &Actor) -> Result<Vec<AccountNumber>, Error> {
        let Actor::User(user) = actor else {
            return Ok(Vec::new());
        };
        self.read(|reader| {
            let mut accounts = Vec::new();
            for group in reader.user_groups(*user)? {
                if group.number == GroupId::ADMINISTRATORS_NUMBER
                    && reader.is_active_admin(group.account, *user)?
                {
                    accounts.push(group.account);
                }
            }
            accounts.sort_unstable();
            accounts.dedup();
            Ok(accounts)
        })
    }

    /// Renames an account. Only Customer Support may; the change is
    /// recorded in the account's trail with the name before and after. A
    /// name equal to the current one changes and records nothing.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a refused name; [`Error::Forbidden`] for
    /// anyone but Support; [`Error::AccountNotFound`]; [`Error::Store`].
    pub fn rename_account(
        &self,
        actor: &Actor,
        account: AccountNumber,
        name: &str,
    ) -> Result<AccountRenamed, Error> {
        let name = Name::parse(name, Field::AccountName)?;
        let by = support_only(actor)?;
        self.write(|tx| {
            let mut found = tx
                .account(account)?
                .ok_or(Error::AccountNotFound { account })?;
            let previous = std::mem::replace(&mut found.name, name.clone());
            if previous.as_str() != name.as_str() {
                tx.rename_account(account, &name)?;
                let action = Action::AccountRenamed {
                    from: previous.clone(),
                    to: name.clone(),
                };
                tx.append_audit(self.record(&by, account, action))?;
            }
            Ok(AccountRenamed {
                account: found,
                previous,
            })
        })
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
