//! Builders for tests: records with fixed values, a directory with a fixed
//! clock and cheap hashing, and the guide's starting point (account 12345
//! administered by alice).
//!
//! The [conformance suite](super::conformance) is built from them, and a
//! crate's own tests may use them too. Every builder panics on a value it
//! cannot build (an invalid address, say): they are for tests, where a
//! panic is a failure with a message.
//!
//! ```
//! use cres_admin::MemoryStore;
//! use cres_admin::store::{Reader, Store};
//! use cres_admin::testing::fixtures;
//!
//! let directory = fixtures::directory(MemoryStore::new());
//! let alice = fixtures::bootstrap(&directory);
//! assert!(directory.is_account_admin(fixtures::ACCOUNT, alice.id)?);
//! assert_eq!(fixtures::actor(&directory, "Alice@Example.com"), cres_admin::Actor::User(alice.id));
//! # Ok::<(), cres_admin::Error>(())
//! ```

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};

use crate::model::{
    Account, AccountNumber, Action, Actor, ActorRecord, AuditRecord, Credential, Email, ExternalId,
    ExternalIdentity, GroupId, GroupName, Name, PasswordChosenBy, PendingRegistration,
    ProvisionerRef, ProvisioningCredential, SignInState, User, UserId, UserName, UserRef,
    UserStatus,
};
use crate::{
    AddUserForm, Directory, Field, FixedClock, Password, PasswordHash, PasswordHashing, Store,
};

/// The guide's account: 12345.
pub const ACCOUNT: AccountNumber = AccountNumber::new(12345);

/// The *Account Administrators* group of [`ACCOUNT`].
pub const ADMINS: GroupId = GroupId::administrators(ACCOUNT);

/// The first administrator of [`ACCOUNT`], as [`bootstrap`] adds her.
pub const ALICE: &str = "alice@example.com";

/// The password of every [`user`] and every [`form`]: it passes the default
/// [`PasswordPolicy`](crate::PasswordPolicy) for the addresses and names
/// the fixtures use.
pub const PASSWORD: &str = "Temp-Pass-2026";

/// When a [`directory`]'s clock stands: 2026-09-21T14:13:20Z.
pub fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).expect("a valid time")
}

/// A fixed time `seconds` after 2023-11-14T22:13:20Z, with nanoseconds
/// (123456789), so that a store shows it keeps them.
pub fn at(seconds: i64) -> DateTime<Utc> {
    time(1_700_000_000 + seconds, 123_456_789)
}

/// The time `seconds` and `nanos` after the Unix epoch: for values that
/// must round-trip to the nanosecond.
pub fn time(seconds: i64, nanos: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, nanos).expect("a valid time")
}

/// A fresh clock standing at [`start`]; advance it with
/// [`FixedClock::advance`] and give it to a directory with
/// [`Directory::with_clock`].
pub fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(start()))
}

/// A directory on `store` with a clock standing at [`start`] and the
/// cheapest password hashing ([`PasswordHashing::insecure_fast`]). For a
/// clock the test moves, follow with `.with_clock(clock.clone())`.
pub fn directory<S: Store>(store: S) -> Directory<S> {
    Directory::new(store)
        .with_clock(clock())
        .with_password_hashing(PasswordHashing::insecure_fast())
}

/// Parses an address.
///
/// # Panics
/// If it is not a valid address.
#[track_caller]
pub fn email(address: &str) -> Email {
    match Email::parse(address) {
        Ok(email) => email,
        Err(error) => panic!("fixture address {address:?} is invalid: {error:?}"),
    }
}

/// Parses a name (as [`Field::Name`]).
///
/// # Panics
/// If it is not a valid name.
#[track_caller]
pub fn name(text: &str) -> Name {
    match Name::parse(text, Field::Name) {
        Ok(name) => name,
        Err(error) => panic!("fixture name {text:?} is invalid: {error:?}"),
    }
}

/// A custom group name.
///
/// # Panics
/// If it is not a valid name.
#[track_caller]
pub fn group_name(text: &str) -> GroupName {
    GroupName::Custom(name(text))
}

/// Account `number`, named "Account `number`", created at [`at`]`(number)`.
///
/// # Panics
/// If `number` is beyond `i64::MAX`.
pub fn account(number: u64) -> Account {
    Account {
        number: AccountNumber::new(number),
        name: name(&format!("Account {number}")),
        created_at: at(i64::try_from(number).expect("an account number within i64")),
    }
}

/// A real argon2id hash of [`PASSWORD`] with the cheapest parameters, made
/// once per process and shared by every [`user`].
pub fn password_hash() -> PasswordHash {
    static HASH: OnceLock<PasswordHash> = OnceLock::new();
    HASH.get_or_init(|| PasswordHashing::insecure_fast().hash(&Password::new(PASSWORD)))
        .clone()
}

/// A new user with this address and a fresh random [`UserId`], at revision
/// 0: Ada Lovelace, active, created by Customer Support in account 1 at
/// [`at`]`(100)`, with the permanent password [`PASSWORD`] (hashed by
/// [`password_hash`]) chosen by the user, and no failed sign-ins.
///
/// Two calls give two users with different ids: keep the value to compare
/// with what a store reads back.
///
/// # Panics
/// If `address` is not a valid address.
#[track_caller]
pub fn user(address: &str) -> User {
    User {
        id: UserId::random(),
        revision: 0,
        email: email(address),
        first_name: name("Ada"),
        last_name: name("Lovelace"),
        status: UserStatus::Active,
        credential: Some(Credential {
            hash: password_hash(),
            temporary: false,
            set_at: at(100),
            chosen_by: PasswordChosenBy::User,
        }),
        created_at: at(100),
        created_by: ActorRecord::Support,
        created_in: AccountNumber::new(1),
        sign_in: SignInState::default(),
    }
}

/// A reference to a user who need not exist: a fresh random id and this
/// address (for audit records and actors).
///
/// # Panics
/// If `address` is not a valid address.
#[track_caller]
pub fn user_ref(address: &str) -> UserRef {
    UserRef {
        id: UserId::random(),
        email: email(address),
    }
}

/// A pending registration of `address` for `account` with token selector
/// `selector`, whose every other field derives from `seed`: the same
/// arguments give equal registrations, distinct seeds give different
/// verifier hashes, senders and times (to the nanosecond). It expires seven
/// days and a nanosecond after it was issued.
///
/// # Panics
/// If `address` is not a valid address.
#[track_caller]
pub fn registration(
    address: &str,
    account: AccountNumber,
    selector: &str,
    seed: u8,
) -> PendingRegistration {
    let issued_at = DateTime::from_timestamp(1_800_000_000 + i64::from(seed), 123_456_789)
        .expect("a valid time");
    PendingRegistration {
        email: email(address),
        selector: selector.to_owned(),
        verifier_hash: std::array::from_fn(|i| {
            let i = u8::try_from(i).expect("32 bytes");
            seed.wrapping_add(i.wrapping_mul(37))
        }),
        sent_by: if seed % 2 == 0 {
            ActorRecord::User(UserRef {
                id: UserId::from_bytes([seed; 16]),
                email: email(&format!("Sender{seed}@Example.com")),
            })
        } else {
            ActorRecord::Support
        },
        account,
        issued_at,
        expires_at: issued_at + chrono::Duration::nanoseconds(7 * 86_400_000_000_001),
    }
}

/// What account `account`'s identity provider calls `user`: the `userName`
/// `user_name` and the `externalId` `external_id`, if any, and no
/// `displayName`, last changed at [`at`]`(300)` (with nanoseconds).
///
/// # Panics
/// If `user_name` or `external_id` is not valid.
#[track_caller]
pub fn external_identity(
    account: u64,
    user: UserId,
    user_name: &str,
    external_id: Option<&str>,
) -> ExternalIdentity {
    let parsed = |text: &str| match ExternalId::parse(text) {
        Ok(id) => id,
        Err(error) => panic!("fixture externalId {text:?} is invalid: {error:?}"),
    };
    ExternalIdentity {
        account: AccountNumber::new(account),
        user,
        user_name: match UserName::parse(user_name) {
            Ok(name) => name,
            Err(error) => panic!("fixture userName {user_name:?} is invalid: {error:?}"),
        },
        external_id: external_id.map(parsed),
        display_name: None,
        modified_at: at(300),
    }
}

/// A provisioning token of account `account` with the public id `id`,
/// called "Okta", issued by Customer Support at `issued_at`; the SHA-256
/// of its secret is 32 bytes of `0xA5`.
pub fn provisioning_credential(
    account: u64,
    id: &str,
    issued_at: DateTime<Utc>,
) -> ProvisioningCredential {
    ProvisioningCredential {
        id: id.to_owned(),
        verifier_hash: [0xA5; 32],
        account: AccountNumber::new(account),
        description: name("Okta"),
        issued_by: ActorRecord::Support,
        issued_at,
    }
}

/// An audit record of `action` in account `account`, by Customer Support at
/// [`at`]`(200)`.
pub fn audit_record(account: u64, action: Action) -> AuditRecord {
    AuditRecord {
        at: at(200),
        actor: ActorRecord::Support,
        account: AccountNumber::new(account),
        action,
    }
}

/// The *Add User* form for `address`: Bob Builder, [`PASSWORD`] typed twice,
/// *Enforce Password Expiration* ticked.
pub fn form(address: &str) -> AddUserForm {
    AddUserForm::new(address, "Bob", "Builder", Password::new(PASSWORD))
        .enforce_password_expiration(true)
}

/// The guide's first flow: Customer Support creates [`ACCOUNT`] ("Example
/// Corp"), adds [`ALICE`] with [`form`] and puts her into [`ADMINS`].
/// Returns alice.
///
/// # Panics
/// If any step fails (the account exists already, say).
#[track_caller]
pub fn bootstrap<S: Store>(directory: &Directory<S>) -> UserRef {
    let support = Actor::Support;
    if let Err(error) = directory.create_account(&support, ACCOUNT, "Example Corp") {
        panic!("bootstrap: creating account {ACCOUNT}: {error:?}");
    }
    let alice = match directory.add_user(&support, ACCOUNT, &form(ALICE)) {
        Ok(added) => added.user,
        Err(error) => panic!("bootstrap: adding {ALICE}: {error:?}"),
    };
    if let Err(error) = directory.add_to_group(&support, ADMINS, ALICE) {
        panic!("bootstrap: making {ALICE} an administrator: {error:?}");
    }
    alice
}

/// The id of the user whose address is `address` (in any case), if any.
///
/// # Panics
/// If `address` is invalid or the store fails.
#[track_caller]
pub fn user_id<S: Store>(directory: &Directory<S>, address: &str) -> Option<UserId> {
    use crate::store::Reader;
    let email = email(address);
    match directory.read_store() {
        Ok(reader) => match reader.user_id(&email) {
            Ok(id) => id,
            Err(error) => panic!("looking up {address}: {error:?}"),
        },
        Err(error) => panic!("opening a read snapshot: {error:?}"),
    }
}

/// The signed-in user whose address is `address` (in any case), as an actor.
///
/// # Panics
/// If there is no such user, `address` is invalid or the store fails.
#[track_caller]
pub fn actor<S: Store>(directory: &Directory<S>, address: &str) -> Actor {
    match user_id(directory, address) {
        Some(id) => Actor::User(id),
        None => panic!("there is no user {address}"),
    }
}

/// A provisioning token of `account`, as the audit trail names it: id
/// `dG9rZW4tMQ`, called "Okta".
pub fn provisioner(account: AccountNumber) -> ProvisionerRef {
    ProvisionerRef {
        account,
        token: "dG9rZW4tMQ".into(),
        description: name("Okta"),
    }
}

/// One of every [`Action`], about `user` and groups of `account`.
pub fn every_action(account: AccountNumber, user: &UserRef, first_name: &GroupName) -> Vec<Action> {
    let group = GroupId { account, number: 2 };
    let actions = vec![
        Action::AccountCreated,
        Action::AccountRenamed {
            from: name("Acme"),
            to: name("Acme Europe"),
        },
        Action::UserAdded {
            user: user.clone(),
            temporary_password: true,
        },
        Action::GroupCreated {
            group,
            name: first_name.clone(),
        },
        Action::GroupRenamed {
            group,
            from: first_name.clone(),
            to: group_name("Sales"),
        },
        Action::GroupDeleted {
            group,
            name: group_name("Sales"),
        },
        Action::MemberAdded {
            group: GroupId::administrators(account),
            user: user.clone(),
        },
        Action::PasswordChanged { user: user.clone() },
        Action::PasswordReset { user: user.clone() },
        Action::UserLocked {
            user: user.clone(),
            until: time(1_700_000_900, 900_000_001),
            every_source: true,
        },
        Action::UserLocked {
            user: user.clone(),
            until: time(1_700_000_901, 1),
            every_source: false,
        },
        Action::UserUnlocked { user: user.clone() },
        Action::SecureMessageSent {
            email: email("Recipient@Example.net"),
            resent: false,
        },
        Action::SecureMessageSent {
            email: email("recipient@example.net"),
            resent: true,
        },
        Action::RegistrationEnded {
            email: email("Recipient@Example.net"),
        },
        Action::RegistrationsPurged {
            count: 4_294_967_297,
        },
        Action::RegistrationRevoked {
            email: email("Other.Recipient@Example.net"),
        },
        Action::UserRegistered { user: user.clone() },
        Action::MemberRemoved {
            group: GroupId::administrators(account),
            user: user.clone(),
        },
        Action::UserDisabled { user: user.clone() },
        Action::UserEnabled { user: user.clone() },
        Action::UserDeleted { user: user.clone() },
        Action::UserRenamed {
            user: user.clone(),
            from_first: name("Robert"),
            from_last: name("Lee"),
            to_first: name("Zoë"),
            to_last: name("O'Brien-Łukasz"),
        },
        Action::EmailChanged {
            user: user.id,
            from: user.email.clone(),
            to: email("Bob.Lee@Example.org"),
        },
        Action::ProvisioningTokenIssued {
            token: provisioner(account),
        },
        Action::ProvisioningTokenRevoked {
            token: provisioner(account),
        },
        Action::UserNamed {
            user: user.clone(),
            user_name: UserName::from_stored("Bob.Lee@Corp.Example"),
            external_id: Some(ExternalId::from_stored("00u1AbCdEf")),
        },
        Action::UserNamed {
            user: user.clone(),
            user_name: UserName::from_stored("bob"),
            external_id: None,
        },
        Action::GroupExternalIdSet {
            group: GroupId {
                account,
                number: u32::MAX,
            },
            external_id: Some(ExternalId::from_stored("00g1AbC — Ventes")),
        },
        Action::GroupExternalIdSet {
            group: GroupId::administrators(account),
            external_id: None,
        },
    ];
    // A new action fails to compile here until it is added above.
    for action in &actions {
        match action {
            Action::AccountCreated
            | Action::AccountRenamed { .. }
            | Action::UserAdded { .. }
            | Action::GroupCreated { .. }
            | Action::GroupRenamed { .. }
            | Action::GroupDeleted { .. }
            | Action::MemberAdded { .. }
            | Action::PasswordChanged { .. }
            | Action::PasswordReset { .. }
            | Action::UserLocked { .. }
            | Action::UserUnlocked { .. }
            | Action::SecureMessageSent { .. }
            | Action::RegistrationEnded { .. }
            | Action::RegistrationsPurged { .. }
            | Action::RegistrationRevoked { .. }
            | Action::UserRegistered { .. }
            | Action::MemberRemoved { .. }
            | Action::UserDisabled { .. }
            | Action::UserEnabled { .. }
            | Action::UserDeleted { .. }
            | Action::UserRenamed { .. }
            | Action::EmailChanged { .. }
            | Action::ProvisioningTokenIssued { .. }
            | Action::ProvisioningTokenRevoked { .. }
            | Action::UserNamed { .. }
            | Action::GroupExternalIdSet { .. } => {}
        }
    }
    actions
}
