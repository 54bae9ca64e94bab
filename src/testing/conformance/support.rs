//! What the checks share: transactions that must succeed or must be
//! refused, and a snapshot of everything a store shows.

use std::fmt::Debug;

use crate::model::{
    Account, AccountNumber, Action, AuditEntry, Email, GroupId, GroupName, GroupSummary,
    PendingRegistration, User, UserBrief, UserId, UserRef,
};
use crate::store::{Reader, Store, StoreError, Transaction};
use crate::testing::fixtures::{account, audit_record, user};

/// Runs `writes` in a write transaction and commits it; panics, naming
/// `what`, if anything fails.
#[track_caller]
pub(crate) fn commit<S: Store + ?Sized, T>(
    store: &S,
    what: &str,
    writes: impl FnOnce(&mut dyn Transaction) -> Result<T, StoreError>,
) -> T {
    let mut tx = match store.begin_write() {
        Ok(tx) => tx,
        Err(error) => panic!("{what}: begin_write failed: {error:?}"),
    };
    let output = match writes(&mut tx) {
        Ok(output) => output,
        Err(error) => panic!("{what}: a write failed: {error:?}"),
    };
    if let Err(error) = tx.commit() {
        panic!("{what}: the commit failed: {error:?}");
    }
    output
}

/// Runs `write` in a fresh write transaction, expects it to fail with an
/// error of `kind`, and drops the transaction: the refused write is the
/// last thing its transaction does (the contract allows a store to refuse
/// everything after it). Any writes `write` makes before the refused one
/// must succeed. Panics with `promise` otherwise.
#[track_caller]
pub(crate) fn refuse<S: Store + ?Sized, T: Debug>(
    store: &S,
    kind: fn(&StoreError) -> bool,
    promise: &str,
    write: impl FnOnce(&mut dyn Transaction) -> Result<T, StoreError>,
) {
    let mut tx = match store.begin_write() {
        Ok(tx) => tx,
        Err(error) => panic!("{promise}: begin_write failed: {error:?}"),
    };
    expect_error(write(&mut tx), kind, promise);
    drop(tx);
}

/// Runs `reads` on a fresh read snapshot; panics if a read fails.
#[track_caller]
pub(crate) fn read<S: Store + ?Sized, T>(
    store: &S,
    reads: impl FnOnce(&dyn Reader) -> Result<T, StoreError>,
) -> T {
    let reader = match store.begin_read() {
        Ok(reader) => reader,
        Err(error) => panic!("begin_read failed: {error:?}"),
    };
    match reads(&reader) {
        Ok(output) => output,
        Err(error) => panic!("a read failed: {error:?}"),
    }
}

/// Panics with `promise` unless `result` is an error of `kind`.
#[track_caller]
pub(crate) fn expect_error<T: Debug>(
    result: Result<T, StoreError>,
    kind: fn(&StoreError) -> bool,
    promise: &str,
) {
    match result {
        Err(error) if kind(&error) => {}
        other => panic!("{promise}; got {other:?}"),
    }
}

/// Inserts account `number` and its built-in group, created at `at(number)`.
pub(crate) fn setup_account(tx: &mut dyn Transaction, number: u64) -> Result<(), StoreError> {
    let account = account(number);
    tx.insert_account(&account)?;
    tx.insert_group(
        account.number,
        &GroupName::AccountAdministrators,
        account.created_at,
    )?;
    Ok(())
}

/// Writes account 1, its built-in group, the user ann@example.com as its
/// administrator and an audit entry; returns ann.
pub(crate) fn write_everything(tx: &mut dyn Transaction) -> Result<User, StoreError> {
    setup_account(tx, 1)?;
    let ann = user("ann@example.com");
    tx.insert_user(&ann)?;
    tx.add_member(GroupId::administrators(AccountNumber::new(1)), ann.id)?;
    tx.append_audit(&audit_record(1, Action::AccountCreated))?;
    Ok(ann)
}

/// Everything the checks can see of some accounts, users and addresses,
/// for comparing before and after.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snapshot {
    pub(crate) accounts: Vec<AccountState>,
    pub(crate) users: Vec<UserState>,
    pub(crate) emails: Vec<EmailState>,
}

/// What a store shows of one account.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AccountState {
    pub(crate) account: Option<Account>,
    pub(crate) groups: Vec<GroupSummary>,
    pub(crate) members: Vec<Vec<UserRef>>,
    /// For each user of the snapshot, whether they administer the account.
    pub(crate) administrators: Vec<bool>,
    pub(crate) audit: Vec<AuditEntry>,
}

/// What a store shows of one user id.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserState {
    pub(crate) user: Option<User>,
    pub(crate) brief: Option<UserBrief>,
    pub(crate) groups: Vec<GroupId>,
}

/// What a store shows of one address.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EmailState {
    pub(crate) user: Option<UserId>,
    pub(crate) registrations: Vec<PendingRegistration>,
}

impl Snapshot {
    /// What an empty store shows.
    pub(crate) fn empty(accounts: usize, users: usize, emails: usize) -> Snapshot {
        Snapshot {
            accounts: (0..accounts)
                .map(|_| AccountState {
                    account: None,
                    groups: Vec::new(),
                    members: Vec::new(),
                    administrators: vec![false; users],
                    audit: Vec::new(),
                })
                .collect(),
            users: (0..users)
                .map(|_| UserState {
                    user: None,
                    brief: None,
                    groups: Vec::new(),
                })
                .collect(),
            emails: (0..emails)
                .map(|_| EmailState {
                    user: None,
                    registrations: Vec::new(),
                })
                .collect(),
        }
    }

    /// The snapshot with user `i` stored as `user` (its record and brief).
    pub(crate) fn with_user(mut self, i: usize, user: &User) -> Snapshot {
        self.users[i].user = Some(user.clone());
        self.users[i].brief = Some(user.brief());
        self
    }
}

/// What `store` shows, in one read snapshot, of `accounts`, the users
/// `users` and the addresses `emails`.
#[track_caller]
pub(crate) fn snapshot<S: Store + ?Sized>(
    store: &S,
    accounts: &[AccountNumber],
    users: &[UserId],
    emails: &[Email],
) -> Snapshot {
    read(store, |r| {
        let mut account_states = Vec::new();
        for &number in accounts {
            let groups = r.groups(number)?;
            let members = groups
                .iter()
                .map(|s| r.members(s.group.id))
                .collect::<Result<_, _>>()?;
            let administrators = users
                .iter()
                .map(|&id| r.is_active_admin(number, id))
                .collect::<Result<_, _>>()?;
            account_states.push(AccountState {
                account: r.account(number)?,
                groups,
                members,
                administrators,
                audit: r.audit(number, usize::MAX)?,
            });
        }
        let mut user_states = Vec::new();
        for &id in users {
            user_states.push(UserState {
                user: r.user(id)?,
                brief: r.user_brief(id)?,
                groups: r.user_groups(id)?,
            });
        }
        let mut email_states = Vec::new();
        for email in emails {
            email_states.push(EmailState {
                user: r.user_id(email)?,
                registrations: r.registrations(email)?,
            });
        }
        Ok(Snapshot {
            accounts: account_states,
            users: user_states,
            emails: email_states,
        })
    })
}

/// The ids of the users of `emails` that exist now.
#[track_caller]
pub(crate) fn existing_ids<S: Store + ?Sized>(store: &S, emails: &[Email]) -> Vec<UserId> {
    read(store, |r| {
        let mut ids = Vec::new();
        for email in emails {
            ids.extend(r.user_id(email)?);
        }
        Ok(ids)
    })
}
