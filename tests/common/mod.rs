//! The fixture the integration tests share: account 12345 with alice as
//! its first administrator, a fixed clock and cheap password hashing.

#![allow(dead_code, unreachable_pub, unused_imports)] // each test binary uses part of it

use cres_admin::store::Reader;
use cres_admin::testing::fixtures;
pub use cres_admin::testing::fixtures::{ACCOUNT, ADMINS, directory, form, start};
use cres_admin::{
    AccountNumber, Actor, Directory, Email, GroupId, MemoryStore, SignInSource, Store, User, UserId,
};

pub const OTHER_ACCOUNT: AccountNumber = AccountNumber::new(67890);
/// Where the tests sign in from, unless a test is about sources.
pub const SOURCE: SignInSource = SignInSource::unknown();
/// The first group an administrator creates in `ACCOUNT`.
pub const SALES: GroupId = GroupId {
    account: ACCOUNT,
    number: 2,
};

/// The actor signed in as the user with this email; a user who does not
/// exist gets an id no user has.
pub fn user<S: Store>(dir: &Directory<S>, email: &str) -> Actor {
    Actor::User(
        id(dir, email).unwrap_or_else(|| "00000000-0000-4000-8000-000000000000".parse().unwrap()),
    )
}

/// The id of the user with this email, if there is one.
pub fn id<S: Store>(dir: &Directory<S>, email: &str) -> Option<UserId> {
    fixtures::user_id(dir, email)
}

/// Flow 1: Support creates account 12345 and makes alice its first administrator.
pub fn bootstrap<S: Store>(dir: &Directory<S>) {
    fixtures::bootstrap(dir);
}

/// Account 67890, with olga as its administrator.
pub fn other_account_administered_by_olga<S: Store>(dir: &Directory<S>) {
    dir.create_account(&Actor::Support, OTHER_ACCOUNT, "Other")
        .unwrap();
    dir.add_user(&Actor::Support, OTHER_ACCOUNT, &form("olga@example.com"))
        .unwrap();
    dir.add_to_group(
        &Actor::Support,
        GroupId::administrators(OTHER_ACCOUNT),
        "olga@example.com",
    )
    .unwrap();
}

pub fn setup() -> Directory<MemoryStore> {
    let dir = directory(MemoryStore::new());
    bootstrap(&dir);
    dir
}

/// Everything an administrator can observe about an account, as text.
pub fn snapshot<S: Store>(dir: &Directory<S>, account: AccountNumber) -> String {
    state(dir, &[account], &["alice@example.com", "bob@example.com"])
}

/// Everything stored about `accounts` (the account, groups, members, audit trail) and
/// `emails` (user, pending registrations), as text, with the secrets their
/// serde forms leave out: password hashes and token verifiers.
pub fn state<S: Store>(dir: &Directory<S>, accounts: &[AccountNumber], emails: &[&str]) -> String {
    let accounts: Vec<_> = accounts
        .iter()
        .map(|&account| {
            let Ok(groups) = dir.groups(&Actor::Support, account) else {
                return "no account".to_owned();
            };
            let members: Vec<_> = groups
                .iter()
                .map(|g| dir.members(&Actor::Support, g.group.id).unwrap())
                .collect();
            let audit = dir
                .audit_trail(&Actor::Support, account, usize::MAX)
                .unwrap();
            let named = dir.read_store().unwrap().account(account).unwrap();
            serde_json::to_string(&(named, groups, members, audit)).unwrap()
        })
        .collect();
    let people: Vec<_> = emails
        .iter()
        .map(|e| {
            let email = Email::parse(e).unwrap();
            let reader = dir.read_store().unwrap();
            let user = match reader.user_id(&email).unwrap() {
                Some(id) => reader.user(id).unwrap(),
                None => None,
            };
            let registrations = reader.registrations(&email).unwrap();
            let hash = user
                .as_ref()
                .and_then(|u| u.credential.as_ref())
                .map(|c| c.hash.as_phc().to_owned());
            let verifiers: Vec<[u8; 32]> = registrations.iter().map(|r| r.verifier_hash).collect();
            (user, hash, registrations, verifiers)
        })
        .collect();
    serde_json::to_string(&(accounts, people)).unwrap()
}

pub fn audit_len<S: Store>(dir: &Directory<S>) -> usize {
    dir.audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
        .unwrap()
        .len()
}

/// A folder on a RAM disk where there is one: for tests of the rules and of
/// concurrency on SqliteStore, not of durability (tests/sqlite.rs).
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("a temporary folder")
}

/// Everything stored about the user with this email, if there is one.
pub fn stored<S: Store>(dir: &Directory<S>, email: &str) -> Option<User> {
    let reader = dir.read_store().unwrap();
    let id = reader.user_id(&Email::parse(email).unwrap()).unwrap()?;
    reader.user(id).unwrap()
}

/// Whether the user with this email is an active administrator of `account`.
pub fn is_admin<S: Store>(dir: &Directory<S>, account: AccountNumber, email: &str) -> bool {
    id(dir, email).is_some_and(|id| dir.is_account_admin(account, id).unwrap())
}

/// How the audit trail records the user with this email as an actor now.
pub fn record_of<S: Store>(dir: &Directory<S>, email: &str) -> cres_admin::ActorRecord {
    cres_admin::ActorRecord::User(stored(dir, email).expect("the user exists").to_ref())
}

/// A PostgreSQL server for the tests of `PostgresStore`, named by
/// `CRES_POSTGRES_URL` (see `scripts/with-postgres`).
#[cfg(feature = "postgres")]
pub mod postgres {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use cres_admin::PostgresConfig;

    const NEEDS_SERVER: &str = "needs CRES_POSTGRES_URL";

    /// The server's URL.
    ///
    /// # Panics
    /// Without `CRES_POSTGRES_URL`: these tests never pass without a server.
    pub fn url() -> String {
        std::env::var("CRES_POSTGRES_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| {
                panic!("{NEEDS_SERVER}: run through scripts/with-postgres (see tests/postgres.rs)")
            })
    }

    /// A schema name no other test or process uses.
    pub fn fresh_schema() -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        format!(
            "cres_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        )
    }

    /// A plain client to the server, for what the store does not do itself:
    /// through the throwaway server's unix socket when there is one (which
    /// needs no TLS), else to the URL without TLS.
    pub fn client() -> postgres::Client {
        let url = url();
        let plain = url.split_once('?').map_or(url.as_str(), |(base, _)| base);
        let mut config: postgres::Config = plain.parse().expect("a valid URL");
        if let Some(folder) = std::env::var_os("CRES_POSTGRES_DIR") {
            let mut socket = postgres::Config::new();
            socket.host_path(folder);
            socket.port(config.get_ports().first().copied().unwrap_or(5432));
            socket.user(config.get_user().unwrap_or("postgres"));
            socket.dbname(config.get_dbname().unwrap_or("postgres"));
            config = socket;
        }
        config.connect(postgres::NoTls).expect("a setup connection")
    }

    pub fn drop_schema(schema: &str) {
        let mut client = client();
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .expect("the schema dropped");
    }

    pub fn config(schema: &str) -> PostgresConfig {
        PostgresConfig::from_url(&url())
            .expect("a valid URL")
            .schema(schema)
            .pool_size(4)
    }
}
