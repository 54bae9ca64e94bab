//! The data the comparison benchmarks share: one directory of `users` users,
//! loaded the same way into cres-admin's `MemoryStore`, into bare hash maps
//! and into a casbin-rs enforcer with the RBAC-with-domains model.
//!
//! The shape: one account per three users. User `3a` administers account `a`
//! (the built-in group, number 1); users `3a + 1` and `3a + 2` are in the
//! account's *Staff* group (number 2). Every user has the same real argon2id
//! hash (default parameters), made once: hashing a million passwords would
//! take hours and measure argon2, not the store.

use std::collections::{HashMap, HashSet};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use casbin::prelude::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use chrono::Utc;
use cres_admin::store::Transaction;
use cres_admin::{
    Account, AccountNumber, Action, ActorRecord, AuditRecord, Credential, Email, Field, GroupId,
    GroupName, MemoryStore, Name, Password, PasswordChosenBy, PasswordHash, PasswordHashing,
    SignInState, Store, StoreError, User, UserId, UserRef, UserStatus,
};

/// The directory sizes measured, in users.
pub const SIZES: [u64; 3] = [1_000, 100_000, 1_000_000];

/// Users per account.
pub const USERS_PER_ACCOUNT: u64 = 3;

/// The number of the *Staff* group every account has besides its
/// administrators.
pub const STAFF: u32 = 2;

/// casbin's role for the built-in *Account Administrators* group.
pub const ADMIN_ROLE: &str = "administrators";
/// casbin's role for the *Staff* group.
pub const STAFF_ROLE: &str = "staff";

/// casbin's RBAC-with-domains model (`g = _, _, _`: user, role, domain). The
/// domain is the account number. One policy line grants the administrators
/// role of every domain (`keyMatch(r.dom, p.dom)` against `*`), so `enforce`
/// evaluates the matcher once, not once per account: the cheapest way to
/// write this rule in casbin.
pub const CASBIN_MODEL: &str = "\
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom) && r.obj == p.obj && r.act == p.act
";

/// The one permission line: administrators may administer any account.
pub fn casbin_admin_policy() -> Vec<String> {
    vec![
        ADMIN_ROLE.to_owned(),
        "*".to_owned(),
        "account".to_owned(),
        "administer".to_owned(),
    ]
}

/// The address of user `i`.
pub fn address(i: u64) -> String {
    format!("user{i}@example.com")
}

/// The id of user `i`: `i` itself in the low bytes, with the version and
/// variant bits of a random (v4) UUID, so that it reads like any other id.
pub fn user_id(i: u64) -> UserId {
    let mut bytes = [0; 16];
    bytes[8..].copy_from_slice(&i.to_be_bytes());
    bytes[6] = 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    UserId::from_bytes(bytes)
}

/// User `i` as records name them.
pub fn user_ref(i: u64) -> UserRef {
    UserRef {
        id: user_id(i),
        email: Email::parse(&address(i)).expect("a valid address"),
    }
}

/// The account user `i` belongs to.
pub fn account_of(i: u64) -> AccountNumber {
    AccountNumber::new(i / USERS_PER_ACCOUNT)
}

/// How many accounts `users` users make.
pub fn accounts_for(users: u64) -> u64 {
    users.div_ceil(USERS_PER_ACCOUNT)
}

/// The group user `i` is in: the administrators of its account for the first
/// user of each account, *Staff* for the others.
pub fn group_of(i: u64) -> GroupId {
    let account = account_of(i);
    if i % USERS_PER_ACCOUNT == 0 {
        GroupId::administrators(account)
    } else {
        GroupId {
            account,
            number: STAFF,
        }
    }
}

/// casbin's domain for an account.
pub fn domain(account: AccountNumber) -> String {
    account.get().to_string()
}

/// casbin's role for a group.
pub fn role(group: GroupId) -> &'static str {
    if group.number == GroupId::ADMINISTRATORS_NUMBER {
        ADMIN_ROLE
    } else {
        STAFF_ROLE
    }
}

/// casbin's grouping rule (user, role, domain) for user `i`'s membership.
pub fn casbin_rule(i: u64) -> Vec<String> {
    let group = group_of(i);
    vec![address(i), role(group).to_owned(), domain(group.account)]
}

/// One real argon2id hash at the default (OWASP) parameters, in PHC form.
pub fn real_hash() -> PasswordHash {
    PasswordHashing::default().hash(&Password::new("correct horse battery staple"))
}

fn name(text: &str, field: Field) -> Name {
    Name::parse(text, field).expect("a valid name")
}

/// User `i`, as the directory's *Add User* stores it, with `hash`.
pub fn user(i: u64, hash: &PasswordHash) -> User {
    let now = Utc::now();
    User {
        id: user_id(i),
        revision: 0,
        email: Email::parse(&address(i)).expect("a valid address"),
        first_name: name("Given", Field::FirstName),
        last_name: name("Family", Field::LastName),
        status: UserStatus::Active,
        credential: Some(Credential {
            hash: hash.clone(),
            temporary: false,
            set_at: now,
            chosen_by: PasswordChosenBy::Support,
        }),
        created_at: now,
        created_by: ActorRecord::Support,
        created_in: account_of(i),
        sign_in: SignInState::default(),
    }
}

/// Items per write transaction while loading: a transaction journals an
/// undo step per change, so one transaction for a million users would hold
/// a million steps at once.
const PER_TRANSACTION: u64 = 30_000;

/// Runs `f` on `0..count` in write transactions of [`PER_TRANSACTION`] items.
fn in_batches(
    store: &MemoryStore,
    count: u64,
    mut f: impl FnMut(&mut dyn Transaction, u64) -> Result<(), StoreError>,
) {
    let mut first = 0;
    while first < count {
        let last = (first + PER_TRANSACTION).min(count);
        let mut tx = store.begin_write().expect("a write transaction");
        for i in first..last {
            f(&mut tx, i).expect("loading the store");
        }
        tx.commit().expect("loading the store");
        first = last;
    }
}

/// Creates the accounts of `users` users, each with its administrators and
/// *Staff* groups.
pub fn load_accounts(store: &MemoryStore, users: u64) {
    let staff = GroupName::Custom(name("Staff", Field::GroupName));
    let now = Utc::now();
    in_batches(store, accounts_for(users), |tx, a| {
        let number = AccountNumber::new(a);
        tx.insert_account(&Account {
            number,
            name: name("Bench", Field::AccountName),
            created_at: now,
        })?;
        tx.insert_group(number, &GroupName::AccountAdministrators, now)?;
        tx.insert_group(number, &staff, now)?;
        Ok(())
    });
}

/// Inserts the users, with `hash` or without a password.
pub fn load_users(store: &MemoryStore, users: u64, hash: Option<&PasswordHash>) {
    in_batches(store, users, |tx, i| {
        let user = match hash {
            Some(hash) => user(i, hash),
            None => User {
                credential: None,
                ..user(i, &PasswordHash::from_phc(""))
            },
        };
        tx.insert_user(&user)
    });
}

/// Gives every user the password `hash`.
pub fn set_passwords(store: &MemoryStore, users: u64, hash: &PasswordHash) {
    in_batches(store, users, |tx, i| {
        tx.update_user(&user(i, hash)).map(drop)
    });
}

/// Puts every user into their group.
pub fn load_memberships(store: &MemoryStore, users: u64) {
    in_batches(store, users, |tx, i| tx.add_member(group_of(i), user_id(i)));
}

/// Appends the audit records the directory would have written while
/// building this data: *User Added* and *Member Added* for every user.
pub fn load_audit(store: &MemoryStore, users: u64) {
    let now = Utc::now();
    in_batches(store, users, |tx, i| {
        let user = user_ref(i);
        let record = |action| AuditRecord {
            at: now,
            actor: ActorRecord::Support,
            account: account_of(i),
            action,
        };
        tx.append_audit(&record(Action::UserAdded {
            user: user.clone(),
            temporary_password: false,
        }))?;
        tx.append_audit(&record(Action::MemberAdded {
            group: group_of(i),
            user,
        }))?;
        Ok(())
    });
}

/// A `MemoryStore` holding the directory of `users` users, loaded through the
/// store's `Transaction` API: no audit records (see the README).
pub fn memory_store(users: u64, hash: &PasswordHash) -> MemoryStore {
    let store = MemoryStore::new();
    load_accounts(&store, users);
    load_users(&store, users, Some(hash));
    load_memberships(&store, users);
    store
}

/// One group as the bare baseline keeps it.
#[derive(Debug, Clone)]
pub struct BareGroup {
    /// The group number in its account.
    pub number: u32,
    /// The name.
    pub name: String,
    /// How many members.
    pub members: usize,
}

/// The least any implementation must keep: every membership as a
/// (group, identity) pair in one `HashSet`, and each account's groups in a
/// `HashMap`.
#[derive(Debug, Default)]
pub struct Bare {
    /// (group, identity) for every membership.
    pub memberships: HashSet<(GroupId, String)>,
    /// Each account's groups with their member counts.
    pub groups: HashMap<AccountNumber, Vec<BareGroup>>,
}

impl Bare {
    /// The bare maps for `users` users.
    pub fn new(users: u64) -> Bare {
        let mut bare = Bare::default();
        for i in 0..users {
            bare.memberships.insert((group_of(i), address(i)));
            let groups = bare.groups.entry(account_of(i)).or_insert_with(|| {
                vec![
                    BareGroup {
                        number: GroupId::ADMINISTRATORS_NUMBER,
                        name: "Account Administrators".to_owned(),
                        members: 0,
                    },
                    BareGroup {
                        number: STAFF,
                        name: "Staff".to_owned(),
                        members: 0,
                    },
                ]
            });
            let number = group_of(i).number;
            if let Some(group) = groups.iter_mut().find(|g| g.number == number) {
                group.members += 1;
            }
        }
        bare
    }
}

/// Polls `future` once and returns its output.
///
/// casbin's API is async, but with the policies in memory (a
/// `MemoryAdapter`, auto-save off) none of its futures ever waits, so one
/// poll with a waker that does nothing completes it. No runtime to start or
/// to pay for in the figures.
///
/// # Panics
///
/// If the future is not ready at once: it would be waiting for I/O that
/// this executor cannot drive.
pub fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a casbin future waited: this executor cannot drive I/O"),
    }
}

/// A casbin enforcer with the RBAC-with-domains model, the one permission
/// line and one grouping rule per membership of the directory of `users`
/// users. Auto-save is off, so the (memory) adapter keeps no second copy of
/// the rules: what remains is casbin's model and role manager.
pub fn casbin(users: u64) -> Enforcer {
    let model = ready(DefaultModel::from_str(CASBIN_MODEL)).expect("the model parses");
    let mut enforcer =
        ready(Enforcer::new(model, MemoryAdapter::default())).expect("an empty enforcer");
    enforcer.enable_auto_save(false);
    assert!(ready(enforcer.add_policy(casbin_admin_policy())).expect("the policy line"));
    const CHUNK: u64 = 100_000;
    let mut first = 0;
    while first < users {
        let last = (first + CHUNK).min(users);
        let rules = (first..last).map(casbin_rule).collect();
        assert!(ready(enforcer.add_grouping_policies(rules)).expect("the grouping rules"));
        first = last;
    }
    enforcer
}

/// casbin's answer to "is `identity` an administrator of `account`?".
pub fn casbin_is_account_admin(enforcer: &Enforcer, account: &str, identity: &str) -> bool {
    enforcer
        .enforce((identity, account, "account", "administer"))
        .expect("enforce")
}
