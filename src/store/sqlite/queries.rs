//! The store's reads and writes on one connection: [`Db`] implements
//! [`Reader`] and [`Transaction`] for a read connection inside its read
//! transaction, or for the writer inside its write transaction. Values go
//! through [`codec`](crate::store::codec); stored text comes back through
//! the model's lenient `from_stored` constructors.

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::types::{Type, Value};
use rusqlite::{Connection, OptionalExtension, Row};

use super::fail;
use crate::PasswordHash;
use crate::model::{
    Account, AccountNumber, AuditEntry, AuditRecord, Credential, Email, Group, GroupId, GroupName,
    GroupSummary, Name, PendingRegistration, SignInState, Throttle, User,
};
use crate::store::codec::{
    account_key, account_number, action_json, actor_json, chosen_by_json, group_name_json,
    parse_action, parse_actor, parse_chosen_by, parse_group_name, parse_sources, parse_status,
    parse_time, sources_json, status_text, time_text,
};
use crate::store::{Reader, StoreError, Transaction};

/// A stored value that cannot be read back. Names the column, never the value.
#[derive(Debug)]
struct Undecodable(&'static str);

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a stored {} could not be read back", self.0)
    }
}

impl std::error::Error for Undecodable {}

/// Reads column `index` as text and decodes it with `decode`.
fn decoded<T>(
    row: &Row<'_>,
    index: usize,
    what: &'static str,
    decode: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let value = row.get_ref(index)?;
    let text = value
        .as_str()
        .map_err(|_| rusqlite::Error::InvalidColumnType(index, what.into(), value.data_type()))?;
    decode(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(Undecodable(what)))
    })
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let hash: Option<String> = row.get(4)?;
    let credential = match hash {
        None => None,
        Some(hash) => Some(Credential {
            hash: PasswordHash::from_phc(hash),
            temporary: row.get(5)?,
            set_at: decoded(row, 6, "password time", parse_time)?,
            chosen_by: decoded(row, 13, "password chooser", parse_chosen_by)?,
        }),
    };
    Ok(User {
        email: decoded(row, 0, "email address", Email::from_stored)?,
        first_name: decoded(row, 1, "first name", Name::from_stored)?,
        last_name: decoded(row, 2, "last name", Name::from_stored)?,
        status: decoded(row, 3, "user status", parse_status)?,
        credential,
        created_at: decoded(row, 7, "creation time", parse_time)?,
        created_by: decoded(row, 8, "actor", parse_actor)?,
        created_in: account_number(row.get(9)?),
        sign_in: SignInState {
            user: Throttle {
                failures: row.get(10)?,
                window_started: optional_time(row, 14, "failure window")?,
                lockouts: row.get(11)?,
                locked_until: optional_time(row, 12, "lock-out time")?,
            },
            sources: decoded(row, 15, "sign-in sources", parse_sources)?,
        },
    })
}

/// Reads column `index` as an optional time.
fn optional_time(
    row: &Row<'_>,
    index: usize,
    what: &'static str,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => decoded(row, index, what, parse_time).map(Some),
    }
}

fn group_from_row(account: AccountNumber, row: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        id: GroupId {
            account,
            number: row.get(0)?,
        },
        name: decoded(row, 1, "group name", parse_group_name)?,
        created_at: decoded(row, 2, "creation time", parse_time)?,
    })
}

/// The columns `email, selector, verifier_hash, sent_by, account, issued_at,
/// expires_at` of `registrations`, in that order.
fn registration_from_row(row: &Row<'_>) -> rusqlite::Result<PendingRegistration> {
    let hash: Vec<u8> = row.get(2)?;
    let verifier_hash = <[u8; 32]>::try_from(hash).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            Type::Blob,
            Box::new(Undecodable("verifier hash")),
        )
    })?;
    Ok(PendingRegistration {
        email: decoded(row, 0, "email address", Email::from_stored)?,
        selector: row.get(1)?,
        verifier_hash,
        sent_by: decoded(row, 3, "actor", parse_actor)?,
        account: account_number(row.get(4)?),
        issued_at: decoded(row, 5, "issue time", parse_time)?,
        expires_at: decoded(row, 6, "expiry time", parse_time)?,
    })
}

/// The `users` columns of a user, in table order from `identity` to
/// `sign_in_sources`: the parameters `?1` to `?17` of the insert and the
/// update (owned values: rusqlite's parameter tuples stop at 16).
fn user_columns(user: &User) -> Result<Vec<Value>, StoreError> {
    let credential = user.credential.as_ref();
    let throttle = &user.sign_in.user;
    Ok(vec![
        user.email.identity().to_owned().into(),
        user.email.as_str().to_owned().into(),
        user.first_name.as_str().to_owned().into(),
        user.last_name.as_str().to_owned().into(),
        status_text(user.status).to_owned().into(),
        credential.map(|c| c.hash.as_phc().to_owned()).into(),
        credential.map(|c| c.temporary).into(),
        credential.map(|c| time_text(&c.set_at)).into(),
        time_text(&user.created_at).into(),
        actor_json(&user.created_by)?.into(),
        account_key(user.created_in).into(),
        throttle.failures.into(),
        throttle.lockouts.into(),
        throttle.locked_until.as_ref().map(time_text).into(),
        credential
            .map(|c| chosen_by_json(&c.chosen_by))
            .transpose()?
            .into(),
        throttle.window_started.as_ref().map(time_text).into(),
        sources_json(&user.sign_in.sources)?.into(),
    ])
}

/// The store's reads and writes on one connection: a read connection inside
/// its read transaction, or the writer inside its write transaction.
pub(super) struct Db<'c> {
    pub(super) conn: &'c Connection,
}

impl Db<'_> {
    fn execute(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute(params))
            .map_err(fail)
    }

    fn query_one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.query_row(params, map).optional())
            .map_err(fail)
    }

    fn query_all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        mut map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(fail)?;
        let mut rows = statement.query(params).map_err(fail)?;
        let mut all = Vec::new();
        while let Some(row) = rows.next().map_err(fail)? {
            all.push(map(row).map_err(fail)?);
        }
        Ok(all)
    }
}

impl Reader for Db<'_> {
    fn account(&self, number: AccountNumber) -> Result<Option<Account>, StoreError> {
        self.query_one(
            "SELECT name, created_at FROM accounts WHERE number = ?1",
            [account_key(number)],
            |row| {
                Ok(Account {
                    number,
                    name: decoded(row, 0, "account name", Name::from_stored)?,
                    created_at: decoded(row, 1, "creation time", parse_time)?,
                })
            },
        )
    }

    fn user(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.query_one(
            "SELECT email, first_name, last_name, status, password_hash, password_temporary,
                    password_set_at, created_at, created_by, created_in,
                    failed_sign_ins, lockouts, locked_until, password_chosen_by,
                    failure_window_started, sign_in_sources
             FROM users WHERE identity = ?1",
            [email.identity()],
            user_from_row,
        )
    }

    fn group(&self, id: GroupId) -> Result<Option<Group>, StoreError> {
        self.query_one(
            "SELECT number, name, created_at FROM account_groups
             WHERE account = ?1 AND number = ?2",
            (account_key(id.account), id.number),
            |row| group_from_row(id.account, row),
        )
    }

    fn groups(&self, account: AccountNumber) -> Result<Vec<GroupSummary>, StoreError> {
        self.query_all(
            "SELECT g.number, g.name, g.created_at,
                    (SELECT count(*) FROM memberships m
                     WHERE m.account = g.account AND m.number = g.number)
             FROM account_groups g WHERE g.account = ?1 ORDER BY g.number",
            [account_key(account)],
            |row| {
                Ok(GroupSummary {
                    group: group_from_row(account, row)?,
                    members: row.get(3)?,
                })
            },
        )
    }

    fn is_member(&self, group: GroupId, email: &Email) -> Result<bool, StoreError> {
        let found = self.query_one(
            "SELECT EXISTS (SELECT 1 FROM memberships
                            WHERE account = ?1 AND number = ?2 AND identity = ?3)",
            (account_key(group.account), group.number, email.identity()),
            |row| row.get(0),
        )?;
        Ok(found.unwrap_or(false))
    }

    fn member_count(&self, group: GroupId) -> Result<usize, StoreError> {
        let count = self.query_one(
            "SELECT count(*) FROM memberships WHERE account = ?1 AND number = ?2",
            (account_key(group.account), group.number),
            |row| row.get(0),
        )?;
        Ok(count.unwrap_or(0))
    }

    fn members(&self, group: GroupId) -> Result<Vec<Email>, StoreError> {
        self.query_all(
            "SELECT u.email FROM memberships m JOIN users u ON u.identity = m.identity
             WHERE m.account = ?1 AND m.number = ?2 ORDER BY m.identity",
            (account_key(group.account), group.number),
            |row| decoded(row, 0, "email address", Email::from_stored),
        )
    }

    fn audit(&self, account: AccountNumber, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query_all(
            "SELECT sequence, at, actor, action FROM audit
             WHERE account = ?1 ORDER BY sequence DESC LIMIT ?2",
            (account_key(account), limit),
            |row| {
                Ok(AuditEntry {
                    sequence: row.get(0)?,
                    record: AuditRecord {
                        at: decoded(row, 1, "audit time", parse_time)?,
                        actor: decoded(row, 2, "actor", parse_actor)?,
                        account,
                        action: decoded(row, 3, "audit action", parse_action)?,
                    },
                })
            },
        )
    }

    fn is_account_admin(&self, account: AccountNumber, email: &Email) -> Result<bool, StoreError> {
        // One primary-key lookup in `memberships`.
        self.is_member(GroupId::administrators(account), email)
    }

    fn user_groups(&self, email: &Email) -> Result<Vec<GroupId>, StoreError> {
        self.query_all(
            "SELECT account, number FROM memberships WHERE identity = ?1
             ORDER BY account, number",
            [email.identity()],
            |row| {
                Ok(GroupId {
                    account: account_number(row.get(0)?),
                    number: row.get(1)?,
                })
            },
        )
    }

    fn registration(
        &self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<Option<PendingRegistration>, StoreError> {
        self.query_one(
            "SELECT email, selector, verifier_hash, sent_by, account, issued_at, expires_at
             FROM registrations WHERE identity = ?1 AND account = ?2",
            (email.identity(), account_key(account)),
            registration_from_row,
        )
    }

    fn registrations(&self, email: &Email) -> Result<Vec<PendingRegistration>, StoreError> {
        self.query_all(
            "SELECT email, selector, verifier_hash, sent_by, account, issued_at, expires_at
             FROM registrations WHERE identity = ?1 ORDER BY account",
            [email.identity()],
            registration_from_row,
        )
    }

    fn expired_registrations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query_all(
            "SELECT email, selector, verifier_hash, sent_by, account, issued_at, expires_at
             FROM registrations WHERE expires_at <= ?1 LIMIT ?2",
            (time_text(&now), limit),
            registration_from_row,
        )
    }

    fn registration_by_selector(
        &self,
        selector: &str,
    ) -> Result<Option<PendingRegistration>, StoreError> {
        self.query_one(
            "SELECT email, selector, verifier_hash, sent_by, account, issued_at, expires_at
             FROM registrations WHERE selector = ?1",
            [selector],
            registration_from_row,
        )
    }
}

impl Transaction for Db<'_> {
    fn insert_account(&mut self, account: &Account) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO accounts (number, name, created_at, next_group) VALUES (?1, ?2, ?3, ?4)",
            (
                account_key(account.number),
                account.name.as_str(),
                time_text(&account.created_at),
                GroupId::ADMINISTRATORS_NUMBER,
            ),
        )
        .map(drop)
    }

    fn insert_group(
        &mut self,
        account: AccountNumber,
        name: &GroupName,
        created_at: DateTime<Utc>,
    ) -> Result<Group, StoreError> {
        let next: i64 = self
            .query_one(
                "SELECT next_group FROM accounts WHERE number = ?1",
                [account_key(account)],
                |row| row.get(0),
            )?
            .ok_or(StoreError::NotFound)?;
        // As in the memory store, the last number is never given: the
        // counter always has a next value, and never wraps to 1.
        let (number, after) = u32::try_from(next)
            .ok()
            .and_then(|number| Some((number, number.checked_add(1)?)))
            .ok_or_else(|| StoreError::backend("the account has no group number left"))?;
        // Insert first: a name conflict then leaves the counter as it was.
        self.execute(
            "INSERT INTO account_groups (account, number, name, name_key, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            (
                account_key(account),
                number,
                group_name_json(name)?,
                name.key(),
                time_text(&created_at),
            ),
        )?;
        self.execute(
            "UPDATE accounts SET next_group = ?2 WHERE number = ?1",
            (account_key(account), after),
        )?;
        Ok(Group {
            id: GroupId { account, number },
            name: name.clone(),
            created_at,
        })
    }

    fn rename_group(&mut self, id: GroupId, name: &GroupName) -> Result<(), StoreError> {
        let changed = self.execute(
            "UPDATE account_groups SET name = ?3, name_key = ?4
             WHERE account = ?1 AND number = ?2",
            (
                account_key(id.account),
                id.number,
                group_name_json(name)?,
                name.key(),
            ),
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn delete_group(&mut self, id: GroupId) -> Result<(), StoreError> {
        let key = (account_key(id.account), id.number);
        // The foreign key cascades too; deleting explicitly does not depend
        // on the connection having foreign keys on.
        self.execute(
            "DELETE FROM memberships WHERE account = ?1 AND number = ?2",
            key,
        )?;
        let deleted = self.execute(
            "DELETE FROM account_groups WHERE account = ?1 AND number = ?2",
            key,
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        let columns = user_columns(user)?;
        self.execute(
            "INSERT INTO users (identity, email, first_name, last_name, status, password_hash,
                                password_temporary, password_set_at, created_at, created_by,
                                created_in, failed_sign_ins, lockouts, locked_until,
                                password_chosen_by, failure_window_started, sign_in_sources)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17)",
            rusqlite::params_from_iter(columns),
        )
        .map(drop)
    }

    fn update_user(&mut self, user: &User) -> Result<(), StoreError> {
        let columns = user_columns(user)?;
        // Everything but the identity, which selects the row.
        let changed = self.execute(
            "UPDATE users SET email = ?2, first_name = ?3, last_name = ?4, status = ?5,
                              password_hash = ?6, password_temporary = ?7,
                              password_set_at = ?8, created_at = ?9, created_by = ?10,
                              created_in = ?11, failed_sign_ins = ?12, lockouts = ?13,
                              locked_until = ?14, password_chosen_by = ?15,
                              failure_window_started = ?16, sign_in_sources = ?17
             WHERE identity = ?1",
            rusqlite::params_from_iter(columns),
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn put_registration(&mut self, registration: &PendingRegistration) -> Result<(), StoreError> {
        // One statement, so a refused put changes nothing even if the
        // transaction goes on, and no reader ever sees half of a replacement.
        // The upsert replaces the row of the same identity and account; a
        // selector held by another row breaks the UNIQUE constraint
        // (Conflict). (`INSERT OR REPLACE` would instead delete that other row.)
        self.execute(
            "INSERT INTO registrations (identity, email, selector, verifier_hash, sent_by,
                                        account, issued_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (identity, account) DO UPDATE SET
                 email = excluded.email, selector = excluded.selector,
                 verifier_hash = excluded.verifier_hash, sent_by = excluded.sent_by,
                 issued_at = excluded.issued_at, expires_at = excluded.expires_at",
            (
                registration.email.identity(),
                registration.email.as_str(),
                registration.selector.as_str(),
                &registration.verifier_hash[..],
                actor_json(&registration.sent_by)?,
                account_key(registration.account),
                time_text(&registration.issued_at),
                time_text(&registration.expires_at),
            ),
        )
        .map(drop)
    }

    fn delete_registration(
        &mut self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<(), StoreError> {
        let deleted = self.execute(
            "DELETE FROM registrations WHERE identity = ?1 AND account = ?2",
            (email.identity(), account_key(account)),
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn add_member(&mut self, group: GroupId, email: &Email) -> Result<(), StoreError> {
        // The primary key refuses a second membership (Conflict), the foreign
        // keys a missing user or group (NotFound).
        self.execute(
            "INSERT INTO memberships (account, number, identity) VALUES (?1, ?2, ?3)",
            (account_key(group.account), group.number, email.identity()),
        )
        .map(drop)
    }

    fn remove_member(&mut self, group: GroupId, email: &Email) -> Result<(), StoreError> {
        let deleted = self.execute(
            "DELETE FROM memberships WHERE account = ?1 AND number = ?2 AND identity = ?3",
            (account_key(group.account), group.number, email.identity()),
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn append_audit(&mut self, record: &AuditRecord) -> Result<u64, StoreError> {
        self.execute(
            "INSERT INTO audit (account, at, actor, action) VALUES (?1, ?2, ?3, ?4)",
            (
                account_key(record.account),
                time_text(&record.at),
                actor_json(&record.actor)?,
                action_json(&record.action)?,
            ),
        )?;
        u64::try_from(self.conn.last_insert_rowid())
            .map_err(|_| StoreError::backend("SQLite gave a negative audit sequence number"))
    }
}
