//! The store's reads and writes on one connection: [`Db`] implements
//! [`Reader`] and the writes of a [`Transaction`](crate::store::Transaction)
//! inside the connection's transaction. Values go through
//! [`codec`](crate::store::codec), as in SQLite; stored text comes back
//! through its lenient `stored_name` and `stored_email`.

use std::cell::{RefCell, RefMut};
use std::fmt;

use chrono::{DateTime, Utc};
use postgres::Row;
use postgres::types::ToSql;
use r2d2::PooledConnection;

use super::connection::{Connection, Manager};
use crate::PasswordHash;
use crate::model::{
    Account, AccountDetails, AccountNumber, AuditEntry, AuditRecord, Credential, Email, ExternalId,
    ExternalIdentity, Group, GroupId, GroupName, GroupSummary, Name, PendingRegistration,
    ProvisioningCredential, SignInState, Throttle, User, UserBrief, UserId, UserName, UserRef,
    UserRow, UserStatus,
};
use crate::paging::Search;
use crate::store::codec::{
    account_key, account_number, action_json, actor_json, chosen_by_json, group_name_json,
    parse_action, parse_actor, parse_chosen_by, parse_group_name, parse_sources, parse_status,
    parse_time, sources_json, status_text, stored_email, stored_name, time_text,
};
use crate::store::{Reader, StoreError, sql};

/// A stored value that cannot be read back. Names the column, never the value.
#[derive(Debug)]
struct Undecodable(&'static str);

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a stored {} could not be read back", self.0)
    }
}

impl std::error::Error for Undecodable {}

fn undecodable(what: &'static str) -> StoreError {
    StoreError::Corrupt(Box::new(Undecodable(what)))
}

/// Column `index` as `T`.
fn get<'r, T: postgres::types::FromSql<'r>>(
    row: &'r Row,
    index: usize,
    what: &'static str,
) -> Result<T, StoreError> {
    row.try_get(index).map_err(|_| undecodable(what))
}

/// Column `index` as text, decoded with `decode`.
fn decoded<T>(
    row: &Row,
    index: usize,
    what: &'static str,
    decode: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    decode(get::<&str>(row, index, what)?).ok_or_else(|| undecodable(what))
}

/// Column `index` as an optional time.
fn optional_time(
    row: &Row,
    index: usize,
    what: &'static str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    get::<Option<&str>>(row, index, what)?
        .map(|text| parse_time(text).ok_or_else(|| undecodable(what)))
        .transpose()
}

/// Column `index` as a 32-bit count or number, stored as a `BIGINT`.
fn small(row: &Row, index: usize, what: &'static str) -> Result<u32, StoreError> {
    u32::try_from(get::<i64>(row, index, what)?).map_err(|_| undecodable(what))
}

/// Column `index` as a revision or count, stored as a `BIGINT`.
fn large(row: &Row, index: usize, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(get::<i64>(row, index, what)?).map_err(|_| undecodable(what))
}

/// A user id as stored: its 16 bytes.
fn id_key(id: UserId) -> Vec<u8> {
    id.to_bytes().to_vec()
}

/// Column `index` as a user id.
fn user_id(row: &Row, index: usize) -> Result<UserId, StoreError> {
    <[u8; 16]>::try_from(get::<&[u8]>(row, index, "user id")?)
        .map(UserId::from_bytes)
        .map_err(|_| undecodable("user id"))
}

/// A limit as SQL wants it.
fn limit_key(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The columns of `users` a [`User`] is read from, in the order
/// [`user_from_row`] reads them.
const USER_COLUMNS: &str = "id, revision, email, first_name, last_name, status, password_hash,
    password_temporary, password_set_at, created_at, created_by, created_in, failed_sign_ins,
    lockouts, locked_until, password_chosen_by, failure_window_started, sign_in_sources,
    last_signed_in";

fn user_from_row(row: &Row) -> Result<User, StoreError> {
    let credential = match get::<Option<&str>>(row, 6, "password hash")? {
        None => None,
        Some(hash) => Some(Credential {
            hash: PasswordHash::from_phc(hash),
            temporary: get(row, 7, "temporary flag")?,
            set_at: decoded(row, 8, "password time", parse_time)?,
            chosen_by: decoded(row, 15, "password chooser", parse_chosen_by)?,
        }),
    };
    Ok(User {
        id: user_id(row, 0)?,
        revision: large(row, 1, "revision")?,
        email: decoded(row, 2, "email address", stored_email)?,
        first_name: decoded(row, 3, "first name", stored_name)?,
        last_name: decoded(row, 4, "last name", stored_name)?,
        status: decoded(row, 5, "user status", parse_status)?,
        credential,
        created_at: decoded(row, 9, "creation time", parse_time)?,
        created_by: decoded(row, 10, "actor", parse_actor)?,
        created_in: account_number(get(row, 11, "account number")?),
        sign_in: SignInState {
            user: Throttle {
                failures: small(row, 12, "failure count")?,
                window_started: optional_time(row, 16, "failure window")?,
                lockouts: small(row, 13, "lock-out count")?,
                locked_until: optional_time(row, 14, "lock-out time")?,
            },
            sources: decoded(row, 17, "sign-in sources", parse_sources)?,
            last_signed_in: optional_time(row, 18, "last sign-in")?,
        },
    })
}

/// The columns `id, email` of `users`, from `index` on.
fn user_ref(row: &Row, index: usize) -> Result<UserRef, StoreError> {
    Ok(UserRef {
        id: user_id(row, index)?,
        email: decoded(row, index + 1, "email address", stored_email)?,
    })
}

/// The columns `number, name, created_at, revision` of `account_groups`.
fn group_from_row(account: AccountNumber, row: &Row) -> Result<Group, StoreError> {
    Ok(Group {
        id: GroupId {
            account,
            number: small(row, 0, "group number")?,
        },
        name: decoded(row, 1, "group name", parse_group_name)?,
        created_at: decoded(row, 2, "creation time", parse_time)?,
        revision: large(row, 3, "revision")?,
    })
}

/// The columns `number, name, created_at` of `accounts`.
fn account_from_row(row: &Row) -> Result<Account, StoreError> {
    Ok(Account {
        number: account_number(get(row, 0, "account number")?),
        name: decoded(row, 1, "account name", stored_name)?,
        created_at: decoded(row, 2, "creation time", parse_time)?,
    })
}

/// The columns of `registrations` a [`PendingRegistration`] is read from.
const REGISTRATION_COLUMNS: &str =
    "email, selector, verifier_hash, sent_by, account, issued_at, expires_at";

fn registration_from_row(row: &Row) -> Result<PendingRegistration, StoreError> {
    let verifier_hash = <[u8; 32]>::try_from(get::<&[u8]>(row, 2, "verifier hash")?)
        .map_err(|_| undecodable("verifier hash"))?;
    Ok(PendingRegistration {
        email: decoded(row, 0, "email address", stored_email)?,
        selector: get::<&str>(row, 1, "selector")?.to_owned(),
        verifier_hash,
        sent_by: decoded(row, 3, "actor", parse_actor)?,
        account: account_number(get(row, 4, "account number")?),
        issued_at: decoded(row, 5, "issue time", parse_time)?,
        expires_at: decoded(row, 6, "expiry time", parse_time)?,
    })
}

/// The columns `user_name, external_id, display_name, modified_at` of
/// `external_identities`, for `account` and `user`.
fn identity_from_row(
    account: AccountNumber,
    user: UserId,
    row: &Row,
) -> Result<ExternalIdentity, StoreError> {
    let display_name = get::<Option<&str>>(row, 2, "display name")?
        .map(|text| stored_name(text).ok_or_else(|| undecodable("display name")))
        .transpose()?;
    Ok(ExternalIdentity {
        account,
        user,
        user_name: UserName::from_stored(get(row, 0, "userName")?),
        external_id: get::<Option<&str>>(row, 1, "externalId")?.map(ExternalId::from_stored),
        display_name,
        modified_at: decoded(row, 3, "modification time", parse_time)?,
    })
}

/// The columns of `provisioning_credentials` a [`ProvisioningCredential`]
/// is read from, in the order [`credential_from_row`] reads them.
const CREDENTIAL_COLUMNS: &str = "id, verifier_hash, account, description, issued_by, issued_at";

fn credential_from_row(row: &Row) -> Result<ProvisioningCredential, StoreError> {
    let verifier_hash = <[u8; 32]>::try_from(get::<&[u8]>(row, 1, "verifier hash")?)
        .map_err(|_| undecodable("verifier hash"))?;
    Ok(ProvisioningCredential {
        id: get::<&str>(row, 0, "token id")?.to_owned(),
        verifier_hash,
        account: account_number(get(row, 2, "account number")?),
        description: decoded(row, 3, "token description", stored_name)?,
        issued_by: decoded(row, 4, "actor", parse_actor)?,
        issued_at: decoded(row, 5, "issue time", parse_time)?,
    })
}

/// The values of a user's columns but its revision, in the order of
/// [`USER_WRITE_COLUMNS`].
struct UserValues {
    id: Vec<u8>,
    identity: String,
    email: String,
    first_name: String,
    last_name: String,
    status: &'static str,
    hash: Option<String>,
    temporary: Option<bool>,
    set_at: Option<String>,
    created_at: String,
    created_by: String,
    created_in: i64,
    failures: i64,
    lockouts: i64,
    locked_until: Option<String>,
    chosen_by: Option<String>,
    window_started: Option<String>,
    sources: String,
    last_signed_in: Option<String>,
}

impl UserValues {
    fn of(user: &User) -> Result<UserValues, StoreError> {
        let credential = user.credential.as_ref();
        let throttle = &user.sign_in.user;
        Ok(UserValues {
            id: id_key(user.id),
            identity: user.email.identity().to_owned(),
            email: user.email.as_str().to_owned(),
            first_name: user.first_name.as_str().to_owned(),
            last_name: user.last_name.as_str().to_owned(),
            status: status_text(user.status),
            hash: credential.map(|c| c.hash.as_phc().to_owned()),
            temporary: credential.map(|c| c.temporary),
            set_at: credential.map(|c| time_text(&c.set_at)),
            created_at: time_text(&user.created_at),
            created_by: actor_json(&user.created_by)?,
            created_in: account_key(user.created_in),
            failures: i64::from(throttle.failures),
            lockouts: i64::from(throttle.lockouts),
            locked_until: throttle.locked_until.as_ref().map(time_text),
            chosen_by: credential
                .map(|c| chosen_by_json(&c.chosen_by))
                .transpose()?,
            window_started: throttle.window_started.as_ref().map(time_text),
            sources: sources_json(&user.sign_in.sources)?,
            last_signed_in: user.sign_in.last_signed_in.as_ref().map(time_text),
        })
    }

    /// `$1` to `$19`.
    fn params(&self) -> [&(dyn ToSql + Sync); 19] {
        [
            &self.id,
            &self.identity,
            &self.email,
            &self.first_name,
            &self.last_name,
            &self.status,
            &self.hash,
            &self.temporary,
            &self.set_at,
            &self.created_at,
            &self.created_by,
            &self.created_in,
            &self.failures,
            &self.lockouts,
            &self.locked_until,
            &self.chosen_by,
            &self.window_started,
            &self.sources,
            &self.last_signed_in,
        ]
    }
}

/// Whether `user` is an active administrator of `account`: one statement,
/// two primary-key lookups, one round trip.
pub(super) fn is_active_admin(
    conn: &mut Connection,
    account: AccountNumber,
    user: UserId,
) -> Result<bool, StoreError> {
    let row = conn.query_opt(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE m.account = $1 AND m.number = $2 AND m.user_id = $3
                          AND u.status = $4)",
        &[
            &account_key(account),
            &i64::from(GroupId::ADMINISTRATORS_NUMBER),
            &id_key(user),
            &status_text(UserStatus::Active),
        ],
    )?;
    row.map_or(Ok(false), |row| get(&row, 0, "flag"))
}

/// The store's reads and writes on one pooled connection, inside its
/// transaction.
pub(super) struct Db<'c> {
    pub(super) conn: &'c RefCell<PooledConnection<Manager>>,
}

impl Db<'_> {
    fn conn(&self) -> RefMut<'_, Connection> {
        RefMut::map(self.conn.borrow_mut(), |conn| &mut **conn)
    }

    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        self.conn().execute(sql, params)
    }

    fn query_one<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        map: impl FnOnce(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.conn()
            .query_opt(sql, params)?
            .as_ref()
            .map(map)
            .transpose()
    }

    fn query_all<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        map: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        self.conn().query(sql, params)?.iter().map(map).collect()
    }

    /// Adds one to a group's revision (after a change of its members).
    fn touch_group(&self, group: GroupId) -> Result<(), StoreError> {
        self.execute(
            "UPDATE account_groups SET revision = revision + 1 WHERE account = $1 AND number = $2",
            &[&account_key(group.account), &i64::from(group.number)],
        )
        .map(drop)
    }
}

impl Reader for Db<'_> {
    fn account(&self, number: AccountNumber) -> Result<Option<Account>, StoreError> {
        self.query_one(
            "SELECT number, name, created_at FROM accounts WHERE number = $1",
            &[&account_key(number)],
            account_from_row,
        )
    }

    fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.query_one(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            &[&id_key(id)],
            user_from_row,
        )
    }

    fn user_id(&self, email: &Email) -> Result<Option<UserId>, StoreError> {
        self.query_one(
            "SELECT id FROM users WHERE identity = $1",
            &[&email.identity()],
            |row| user_id(row, 0),
        )
    }

    fn user_brief(&self, id: UserId) -> Result<Option<UserBrief>, StoreError> {
        self.query_one(
            "SELECT id, email, status, created_in, password_chosen_by FROM users WHERE id = $1",
            &[&id_key(id)],
            |row| {
                let chooser = get::<Option<&str>>(row, 4, "password chooser")?
                    .map(|text| parse_chosen_by(text).ok_or_else(|| undecodable("chooser")))
                    .transpose()?;
                Ok(UserBrief {
                    user: user_ref(row, 0)?,
                    status: decoded(row, 2, "user status", parse_status)?,
                    created_in: account_number(get(row, 3, "account number")?),
                    password_chosen_by: chooser,
                })
            },
        )
    }

    fn is_active_admin(&self, account: AccountNumber, user: UserId) -> Result<bool, StoreError> {
        is_active_admin(&mut self.conn(), account, user)
    }

    fn group(&self, id: GroupId) -> Result<Option<Group>, StoreError> {
        self.query_one(
            "SELECT number, name, created_at, revision FROM account_groups
             WHERE account = $1 AND number = $2",
            &[&account_key(id.account), &i64::from(id.number)],
            |row| group_from_row(id.account, row),
        )
    }

    fn groups(&self, account: AccountNumber) -> Result<Vec<GroupSummary>, StoreError> {
        self.query_all(
            "SELECT g.number, g.name, g.created_at, g.revision,
                    (SELECT count(*) FROM memberships m
                     WHERE m.account = g.account AND m.number = g.number)
             FROM account_groups g WHERE g.account = $1 ORDER BY g.number",
            &[&account_key(account)],
            |row| {
                Ok(GroupSummary {
                    group: group_from_row(account, row)?,
                    members: usize::try_from(large(row, 4, "member count")?)
                        .map_err(|_| undecodable("member count"))?,
                })
            },
        )
    }

    fn is_member(&self, group: GroupId, user: UserId) -> Result<bool, StoreError> {
        let found = self.query_one(
            "SELECT EXISTS (SELECT 1 FROM memberships
                            WHERE account = $1 AND number = $2 AND user_id = $3)",
            &[
                &account_key(group.account),
                &i64::from(group.number),
                &id_key(user),
            ],
            |row| get(row, 0, "flag"),
        )?;
        Ok(found.unwrap_or(false))
    }

    fn member_count(&self, group: GroupId) -> Result<usize, StoreError> {
        let count = self.query_one(
            "SELECT count(*) FROM memberships WHERE account = $1 AND number = $2",
            &[&account_key(group.account), &i64::from(group.number)],
            |row| large(row, 0, "member count"),
        )?;
        usize::try_from(count.unwrap_or(0)).map_err(|_| undecodable("member count"))
    }

    fn members(&self, group: GroupId) -> Result<Vec<UserRef>, StoreError> {
        self.query_all(
            "SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.account = $1 AND m.number = $2 ORDER BY m.identity, m.user_id",
            &[&account_key(group.account), &i64::from(group.number)],
            |row| user_ref(row, 0),
        )
    }

    fn accounts_page(
        &self,
        search: Option<&Search>,
        after: Option<AccountNumber>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        sql::accounts_page(
            search,
            after.map_or(-1, account_key),
            limit,
            |low, high, above, limit| {
                self.query_all(
                    "SELECT number, name, created_at FROM accounts
                 WHERE number BETWEEN $1 AND $2 AND number > $3 ORDER BY number LIMIT $4",
                    &[&low, &high, &above, &limit_key(limit)],
                    account_from_row,
                )
            },
        )
    }

    fn account_details(&self, number: AccountNumber) -> Result<Option<AccountDetails>, StoreError> {
        let Some(account) = self.account(number)? else {
            return Ok(None);
        };
        let counts = self.query_one(
            "SELECT
                (SELECT count(*) FROM account_users WHERE account = $1),
                (SELECT count(*) FROM account_groups WHERE account = $1),
                (SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
                  WHERE m.account = $1 AND m.number = $2 AND u.status = $3)",
            &[
                &account_key(number),
                &i64::from(GroupId::ADMINISTRATORS_NUMBER),
                &status_text(UserStatus::Active),
            ],
            |row| {
                Ok((
                    large(row, 0, "user count")?,
                    large(row, 1, "group count")?,
                    large(row, 2, "administrator count")?,
                ))
            },
        )?;
        let (users, groups, administrators) = counts.unwrap_or_default();
        Ok(Some(AccountDetails::new(
            account,
            users,
            groups,
            administrators,
        )))
    }

    fn members_page(
        &self,
        group: GroupId,
        after: Option<(&str, UserId)>,
        limit: usize,
    ) -> Result<Vec<UserRef>, StoreError> {
        // A range of `memberships_by_identity`, then one lookup per row.
        let (identity, id) =
            after.map_or(("", Vec::new()), |(identity, id)| (identity, id_key(id)));
        self.query_all(
            "SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.account = $1 AND m.number = $2 AND (m.identity, m.user_id) > ($3, $4)
             ORDER BY m.identity, m.user_id LIMIT $5",
            &[
                &account_key(group.account),
                &i64::from(group.number),
                &identity,
                &id,
                &limit_key(limit),
            ],
            |row| user_ref(row, 0),
        )
    }

    fn registrations_page(
        &self,
        account: AccountNumber,
        after: Option<(DateTime<Utc>, &str)>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError> {
        // Times are stored as fixed-width RFC 3339 text: ordered as text.
        let (expiry, identity) = after.map_or((String::new(), ""), |(expiry, identity)| {
            (time_text(&expiry), identity)
        });
        self.query_all(
            &format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations
                 WHERE account = $1 AND (expires_at, identity) > ($2, $3)
                 ORDER BY expires_at, identity LIMIT $4"
            ),
            &[&account_key(account), &expiry, &identity, &limit_key(limit)],
            registration_from_row,
        )
    }

    fn user_groups(&self, user: UserId) -> Result<Vec<GroupId>, StoreError> {
        self.query_all(
            "SELECT account, number FROM memberships WHERE user_id = $1
             ORDER BY account, number",
            &[&id_key(user)],
            |row| {
                Ok(GroupId {
                    account: account_number(get(row, 0, "account number")?),
                    number: small(row, 1, "group number")?,
                })
            },
        )
    }

    fn account_users(
        &self,
        account: AccountNumber,
        prefix: Option<&str>,
        after: Option<(&str, UserId)>,
        limit: usize,
    ) -> Result<Vec<UserRow>, StoreError> {
        let (low, high) = sql::identity_range(prefix);
        let (after_identity, after_id) = after
            .map_or((String::new(), Vec::new()), |(identity, id)| {
                (identity.to_owned(), id_key(id))
            });
        let low = low.max(after_identity.clone());
        self.query_all(
            "SELECT u.id, u.email, u.first_name, u.last_name, u.status, u.password_temporary,
                    u.locked_until, u.created_at, u.last_signed_in,
                    EXISTS (SELECT 1 FROM memberships m
                            WHERE m.account = a.account AND m.number = $7
                              AND m.user_id = a.user_id)
             FROM account_users a JOIN users u ON u.id = a.user_id
             WHERE a.account = $1 AND a.identity >= $2 AND a.identity < $3
               AND (a.identity > $4 OR a.user_id > $5)
             ORDER BY a.identity, a.user_id LIMIT $6",
            &[
                &account_key(account),
                &low,
                &high,
                &after_identity,
                &after_id,
                &limit_key(limit),
                &i64::from(GroupId::ADMINISTRATORS_NUMBER),
            ],
            |row| {
                Ok(UserRow {
                    user: user_ref(row, 0)?,
                    first_name: decoded(row, 2, "first name", stored_name)?,
                    last_name: decoded(row, 3, "last name", stored_name)?,
                    status: decoded(row, 4, "user status", parse_status)?,
                    temporary_password: get::<Option<bool>>(row, 5, "temporary flag")?
                        .unwrap_or(false),
                    locked_until: optional_time(row, 6, "lock-out time")?,
                    created_at: decoded(row, 7, "creation time", parse_time)?,
                    last_signed_in: optional_time(row, 8, "last sign-in")?,
                    administrator: get(row, 9, "administrator flag")?,
                })
            },
        )
    }

    fn account_user_count(&self, account: AccountNumber) -> Result<u64, StoreError> {
        let count = self.query_one(
            "SELECT count(*) FROM account_users WHERE account = $1",
            &[&account_key(account)],
            |row| large(row, 0, "user count"),
        )?;
        Ok(count.unwrap_or(0))
    }

    fn audit(&self, account: AccountNumber, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_page(account, None, None, limit)
    }

    fn audit_page(
        &self,
        account: AccountNumber,
        target: Option<UserId>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Sequence numbers come from a BIGSERIAL: below i64::MAX.
        let before = before.map_or(i64::MAX, |s| i64::try_from(s).unwrap_or(i64::MAX));
        let entry = |row: &Row| {
            Ok(AuditEntry {
                sequence: large(row, 0, "sequence number")?,
                record: AuditRecord {
                    at: decoded(row, 1, "audit time", parse_time)?,
                    actor: decoded(row, 2, "actor", parse_actor)?,
                    account,
                    action: decoded(row, 3, "audit action", parse_action)?,
                },
            })
        };
        match target {
            None => self.query_all(
                "SELECT sequence, at, actor, action FROM audit
                 WHERE account = $1 AND sequence < $2 ORDER BY sequence DESC LIMIT $3",
                &[&account_key(account), &before, &limit_key(limit)],
                entry,
            ),
            Some(target) => self.query_all(
                "SELECT sequence, at, actor, action FROM audit
                 WHERE account = $1 AND target = $2 AND sequence < $3
                 ORDER BY sequence DESC LIMIT $4",
                &[
                    &account_key(account),
                    &id_key(target),
                    &before,
                    &limit_key(limit),
                ],
                entry,
            ),
        }
    }

    fn registration(
        &self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<Option<PendingRegistration>, StoreError> {
        self.query_one(
            &format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations
                 WHERE identity = $1 AND account = $2"
            ),
            &[&email.identity(), &account_key(account)],
            registration_from_row,
        )
    }

    fn registrations(&self, email: &Email) -> Result<Vec<PendingRegistration>, StoreError> {
        self.query_all(
            &format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations
                 WHERE identity = $1 ORDER BY account"
            ),
            &[&email.identity()],
            registration_from_row,
        )
    }

    fn expired_registrations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingRegistration>, StoreError> {
        self.query_all(
            &format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations
                 WHERE expires_at <= $1 LIMIT $2"
            ),
            &[&time_text(&now), &limit_key(limit)],
            registration_from_row,
        )
    }

    fn registration_by_selector(
        &self,
        selector: &str,
    ) -> Result<Option<PendingRegistration>, StoreError> {
        self.query_one(
            &format!("SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE selector = $1"),
            &[&selector],
            registration_from_row,
        )
    }

    fn active_admin_count(&self, account: AccountNumber) -> Result<usize, StoreError> {
        let count = self.query_one(
            "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.account = $1 AND m.number = $2 AND u.status = $3",
            &[
                &account_key(account),
                &i64::from(GroupId::ADMINISTRATORS_NUMBER),
                &status_text(UserStatus::Active),
            ],
            |row| large(row, 0, "administrator count"),
        )?;
        usize::try_from(count.unwrap_or(0)).map_err(|_| undecodable("administrator count"))
    }

    fn external_identity(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<Option<ExternalIdentity>, StoreError> {
        self.query_one(
            "SELECT user_name, external_id, display_name, modified_at FROM external_identities
             WHERE account = $1 AND user_id = $2",
            &[&account_key(account), &id_key(user)],
            |row| identity_from_row(account, user, row),
        )
    }

    fn user_by_user_name(
        &self,
        account: AccountNumber,
        key: &str,
    ) -> Result<Option<UserId>, StoreError> {
        self.query_one(
            "SELECT user_id FROM external_identities WHERE account = $1 AND user_name_key = $2",
            &[&account_key(account), &key],
            |row| user_id(row, 0),
        )
    }

    fn user_by_external_id(
        &self,
        account: AccountNumber,
        external_id: &ExternalId,
    ) -> Result<Option<UserId>, StoreError> {
        self.query_one(
            "SELECT user_id FROM external_identities WHERE account = $1 AND external_id = $2",
            &[&account_key(account), &external_id.as_str()],
            |row| user_id(row, 0),
        )
    }

    fn group_external_id(&self, group: GroupId) -> Result<Option<ExternalId>, StoreError> {
        self.query_one(
            "SELECT external_id FROM group_external_ids WHERE account = $1 AND number = $2",
            &[&account_key(group.account), &i64::from(group.number)],
            |row| Ok(ExternalId::from_stored(get(row, 0, "externalId")?)),
        )
    }

    fn provisioning_credential(
        &self,
        id: &str,
    ) -> Result<Option<ProvisioningCredential>, StoreError> {
        self.query_one(
            &format!("SELECT {CREDENTIAL_COLUMNS} FROM provisioning_credentials WHERE id = $1"),
            &[&id],
            credential_from_row,
        )
    }

    fn provisioning_credentials(
        &self,
        account: AccountNumber,
    ) -> Result<Vec<ProvisioningCredential>, StoreError> {
        self.query_all(
            &format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM provisioning_credentials
                 WHERE account = $1 ORDER BY issued_at, id"
            ),
            &[&account_key(account)],
            credential_from_row,
        )
    }
}

/// The writes of a write transaction; [`super::PostgresWrite`] adds the
/// commit.
impl Db<'_> {
    pub(super) fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO accounts (number, name, created_at, next_group) VALUES ($1, $2, $3, $4)",
            &[
                &account_key(account.number),
                &account.name.as_str(),
                &time_text(&account.created_at),
                &i64::from(GroupId::ADMINISTRATORS_NUMBER),
            ],
        )
        .map(drop)
    }

    pub(super) fn insert_group(
        &self,
        account: AccountNumber,
        name: &GroupName,
        created_at: DateTime<Utc>,
    ) -> Result<Group, StoreError> {
        // The account's row is locked until the transaction ends: a second
        // transaction creating a group in the account waits, then (being
        // serializable) fails with a serialization failure and runs again,
        // reading the counter this one moved. Without the lock both would
        // take the same number, and the second would fail on the primary
        // key as if the name were taken.
        let next = self
            .query_one(
                "SELECT next_group FROM accounts WHERE number = $1 FOR UPDATE",
                &[&account_key(account)],
                |row| get::<i64>(row, 0, "next group number"),
            )?
            .ok_or(StoreError::NotFound)?;
        // As in the other stores, the last number is never given: the
        // counter always has a next value, and never wraps to 1.
        let (number, after) = u32::try_from(next)
            .ok()
            .and_then(|number| Some((number, number.checked_add(1)?)))
            .ok_or_else(|| StoreError::backend("the account has no group number left"))?;
        self.execute(
            "INSERT INTO account_groups (account, number, name, name_key, created_at, revision)
             VALUES ($1, $2, $3, $4, $5, 0)",
            &[
                &account_key(account),
                &i64::from(number),
                &group_name_json(name)?,
                &name.key(),
                &time_text(&created_at),
            ],
        )?;
        self.execute(
            "UPDATE accounts SET next_group = $2 WHERE number = $1",
            &[&account_key(account), &i64::from(after)],
        )?;
        Ok(Group {
            id: GroupId { account, number },
            name: name.clone(),
            created_at,
            revision: 0,
        })
    }

    pub(super) fn rename_account(
        &self,
        number: AccountNumber,
        name: &Name,
    ) -> Result<(), StoreError> {
        let changed = self.execute(
            "UPDATE accounts SET name = $2 WHERE number = $1",
            &[&account_key(number), &name.as_str()],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(super) fn rename_group(&self, id: GroupId, name: &GroupName) -> Result<u64, StoreError> {
        let revision = self.query_one(
            "UPDATE account_groups SET name = $3, name_key = $4, revision = revision + 1
             WHERE account = $1 AND number = $2 RETURNING revision",
            &[
                &account_key(id.account),
                &i64::from(id.number),
                &group_name_json(name)?,
                &name.key(),
            ],
            |row| large(row, 0, "revision"),
        )?;
        revision.ok_or(StoreError::NotFound)
    }

    pub(super) fn set_group_external_id(
        &self,
        id: GroupId,
        external_id: Option<&ExternalId>,
    ) -> Result<u64, StoreError> {
        let account = account_key(id.account);
        let number = i64::from(id.number);
        // The revision first: it finds the group (NotFound without it).
        let revision = self
            .query_one(
                "UPDATE account_groups SET revision = revision + 1
                 WHERE account = $1 AND number = $2 RETURNING revision",
                &[&account, &number],
                |row| large(row, 0, "revision"),
            )?
            .ok_or(StoreError::NotFound)?;
        match external_id {
            Some(external_id) => self.execute(
                "INSERT INTO group_external_ids (account, number, external_id)
                 VALUES ($1, $2, $3)
                 ON CONFLICT (account, number) DO UPDATE SET
                     external_id = excluded.external_id",
                &[&account, &number, &external_id.as_str()],
            )?,
            None => self.execute(
                "DELETE FROM group_external_ids WHERE account = $1 AND number = $2",
                &[&account, &number],
            )?,
        };
        Ok(revision)
    }

    pub(super) fn delete_group(&self, id: GroupId) -> Result<(), StoreError> {
        // The memberships and the externalId go with the group (ON DELETE
        // CASCADE).
        let deleted = self.execute(
            "DELETE FROM account_groups WHERE account = $1 AND number = $2",
            &[&account_key(id.account), &i64::from(id.number)],
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(super) fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        let values = UserValues::of(user)?;
        let revision = i64::try_from(user.revision).map_err(|_| undecodable("revision"))?;
        let mut params: Vec<&(dyn ToSql + Sync)> = values.params().to_vec();
        params.push(&revision);
        // The primary key refuses a taken id, the unique index a taken
        // email identity: both Conflict.
        self.execute(
            "INSERT INTO users (id, identity, email, first_name, last_name, status, password_hash,
                                password_temporary, password_set_at, created_at, created_by,
                                created_in, failed_sign_ins, lockouts, locked_until,
                                password_chosen_by, failure_window_started, sign_in_sources,
                                last_signed_in, revision)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                     $17, $18, $19, $20)",
            &params,
        )
        .map(drop)
    }

    pub(super) fn update_user(&self, user: &User) -> Result<u64, StoreError> {
        let values = UserValues::of(user)?;
        // Everything but the id, which selects the row; the revision is the
        // stored one plus one. A new email identity that is another user's
        // breaks the unique index (Conflict).
        let revision = self.query_one(
            "UPDATE users SET identity = $2, email = $3, first_name = $4, last_name = $5,
                              status = $6, password_hash = $7, password_temporary = $8,
                              password_set_at = $9, created_at = $10, created_by = $11,
                              created_in = $12, failed_sign_ins = $13, lockouts = $14,
                              locked_until = $15, password_chosen_by = $16,
                              failure_window_started = $17, sign_in_sources = $18,
                              last_signed_in = $19, revision = revision + 1
             WHERE id = $1 RETURNING revision",
            &values.params(),
            |row| large(row, 0, "revision"),
        )?;
        revision.ok_or(StoreError::NotFound)
    }

    pub(super) fn set_sign_in_state(
        &self,
        user: UserId,
        state: &SignInState,
    ) -> Result<(), StoreError> {
        // Bookkeeping, not a change of the user: the revision stays.
        let throttle = &state.user;
        let changed = self.execute(
            "UPDATE users SET failed_sign_ins = $2, lockouts = $3, locked_until = $4,
                              failure_window_started = $5, sign_in_sources = $6,
                              last_signed_in = $7
             WHERE id = $1",
            &[
                &id_key(user),
                &i64::from(throttle.failures),
                &i64::from(throttle.lockouts),
                &throttle.locked_until.as_ref().map(time_text),
                &throttle.window_started.as_ref().map(time_text),
                &sources_json(&state.sources)?,
                &state.last_signed_in.as_ref().map(time_text),
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(super) fn put_registration(
        &self,
        registration: &PendingRegistration,
    ) -> Result<(), StoreError> {
        // One statement: the upsert replaces the row of the same identity
        // and account; a selector held by another row breaks the UNIQUE
        // constraint (Conflict).
        self.execute(
            "INSERT INTO registrations (identity, email, selector, verifier_hash, sent_by,
                                        account, issued_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (identity, account) DO UPDATE SET
                 email = excluded.email, selector = excluded.selector,
                 verifier_hash = excluded.verifier_hash, sent_by = excluded.sent_by,
                 issued_at = excluded.issued_at, expires_at = excluded.expires_at",
            &[
                &registration.email.identity(),
                &registration.email.as_str(),
                &registration.selector.as_str(),
                &&registration.verifier_hash[..],
                &actor_json(&registration.sent_by)?,
                &account_key(registration.account),
                &time_text(&registration.issued_at),
                &time_text(&registration.expires_at),
            ],
        )
        .map(drop)
    }

    pub(super) fn delete_registration(
        &self,
        email: &Email,
        account: AccountNumber,
    ) -> Result<(), StoreError> {
        let deleted = self.execute(
            "DELETE FROM registrations WHERE identity = $1 AND account = $2",
            &[&email.identity(), &account_key(account)],
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(super) fn add_member(&self, group: GroupId, user: UserId) -> Result<(), StoreError> {
        let key: [&(dyn ToSql + Sync); 3] = [
            &account_key(group.account),
            &i64::from(group.number),
            &id_key(user),
        ];
        // ON CONFLICT DO NOTHING: a membership another transaction added
        // since this one's snapshot is a serialization failure (a lost
        // race, retried), not a unique violation; one this transaction can
        // see is a Conflict. The foreign key refuses a missing group; a
        // missing user inserts nothing.
        let added = self.execute(
            "INSERT INTO memberships (account, number, user_id, identity)
             SELECT $1, $2, id, identity FROM users WHERE id = $3
             ON CONFLICT DO NOTHING",
            &key,
        )?;
        if added == 0 {
            let exists = self.query_one(
                "SELECT 1 FROM memberships WHERE account = $1 AND number = $2 AND user_id = $3",
                &key,
                |_| Ok(()),
            )?;
            return Err(if exists.is_some() {
                StoreError::Conflict
            } else {
                StoreError::NotFound
            });
        }
        self.touch_group(group)
    }

    pub(super) fn remove_member(&self, group: GroupId, user: UserId) -> Result<(), StoreError> {
        let deleted = self.execute(
            "DELETE FROM memberships WHERE account = $1 AND number = $2 AND user_id = $3",
            &[
                &account_key(group.account),
                &i64::from(group.number),
                &id_key(user),
            ],
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        self.touch_group(group)
    }

    pub(super) fn delete_user(&self, id: UserId) -> Result<(), StoreError> {
        let key = id_key(id);
        // Each group the user leaves moves its revision, as a removal does.
        let groups = self.query_all(
            "DELETE FROM memberships WHERE user_id = $1 RETURNING account, number",
            &[&key],
            |row| {
                Ok(GroupId {
                    account: account_number(get(row, 0, "account number")?),
                    number: small(row, 1, "group number")?,
                })
            },
        )?;
        for group in groups {
            self.touch_group(group)?;
        }
        // The foreign key cascades too; deleting first reads the rows
        // through their index, as every other statement of a write does.
        self.execute(
            "DELETE FROM external_identities WHERE user_id = $1",
            &[&key],
        )?;
        let deleted = self.execute("DELETE FROM users WHERE id = $1", &[&key])?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(super) fn put_external_identity(
        &self,
        identity: &ExternalIdentity,
    ) -> Result<(), StoreError> {
        // One statement: the upsert replaces the row of the same account
        // and user; a key or externalId of another user of the account
        // breaks a UNIQUE constraint (Conflict), a missing account or user
        // a foreign key (NotFound).
        self.execute(
            "INSERT INTO external_identities (account, user_id, user_name, user_name_key,
                                              external_id, display_name, modified_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (account, user_id) DO UPDATE SET
                 user_name = excluded.user_name, user_name_key = excluded.user_name_key,
                 external_id = excluded.external_id, display_name = excluded.display_name,
                 modified_at = excluded.modified_at",
            &[
                &account_key(identity.account),
                &id_key(identity.user),
                &identity.user_name.as_str(),
                &identity.user_name.key(),
                &identity.external_id.as_ref().map(ExternalId::as_str),
                &identity.display_name.as_ref().map(Name::as_str),
                &time_text(&identity.modified_at),
            ],
        )
        .map(drop)
    }

    pub(super) fn delete_external_identity(
        &self,
        account: AccountNumber,
        user: UserId,
    ) -> Result<(), StoreError> {
        let deleted = self.execute(
            "DELETE FROM external_identities WHERE account = $1 AND user_id = $2",
            &[&account_key(account), &id_key(user)],
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(super) fn insert_provisioning_credential(
        &self,
        credential: &ProvisioningCredential,
    ) -> Result<(), StoreError> {
        // The primary key refuses a taken id (Conflict), the foreign key a
        // missing account (NotFound).
        self.execute(
            "INSERT INTO provisioning_credentials (id, verifier_hash, account, description,
                                                   issued_by, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &credential.id.as_str(),
                &&credential.verifier_hash[..],
                &account_key(credential.account),
                &credential.description.as_str(),
                &actor_json(&credential.issued_by)?,
                &time_text(&credential.issued_at),
            ],
        )
        .map(drop)
    }

    pub(super) fn delete_provisioning_credential(&self, id: &str) -> Result<(), StoreError> {
        let deleted = self.execute("DELETE FROM provisioning_credentials WHERE id = $1", &[&id])?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(super) fn append_audit(&self, record: AuditRecord) -> Result<u64, StoreError> {
        // The account's row is held until the transaction ends: another
        // transaction appending to this trail waits, and then (serializable)
        // fails and runs again, after this one. So the sequence numbers of
        // one account grow in commit order.
        let account = account_key(record.account);
        self.execute(
            "UPDATE accounts SET audit_head = audit_head + 1 WHERE number = $1",
            &[&account],
        )?;
        let sequence = self.query_one(
            "INSERT INTO audit (account, at, actor, action, target)
             VALUES ($1, $2, $3, $4, $5) RETURNING sequence",
            &[
                &account,
                &time_text(&record.at),
                &actor_json(&record.actor)?,
                &action_json(&record.action)?,
                &record.action.target().map(id_key),
            ],
            |row| large(row, 0, "sequence number"),
        )?;
        sequence.ok_or_else(|| StoreError::backend("the audit entry was not inserted"))
    }
}
