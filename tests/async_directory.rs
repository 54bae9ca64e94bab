//! `AsyncDirectory` (issue 16): the operations as `async fn`s with `Send`
//! futures, refusals unchanged, the hashing limit's `Busy`, and what a
//! dropped future leaves behind.

#![cfg(feature = "tokio")]

mod common;

use std::future::Future;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use cres_admin::store::{Store, StoreError};
use cres_admin::testing::fixtures::{self, ALICE, PASSWORD};
use cres_admin::{
    AccountNumber, AccountQuery, Actor, AsyncDirectory, AuditQuery, Error, Forbidden, GroupId,
    HashingLimit, Localizer, MemoryStore, PageSize, Password, RegistrationForm, SignIn,
    SignInSource, UserQuery,
};

/// Account 12345 with alice, and account 67890 with olga, both
/// administrators of their own.
fn two_accounts() -> AsyncDirectory<MemoryStore> {
    let dir = directory(MemoryStore::new());
    bootstrap(&dir);
    other_account_administered_by_olga(&dir);
    dir.add_user(&Actor::Support, ACCOUNT, &form("bob@example.com"))
        .expect("bob");
    AsyncDirectory::new(dir)
}

fn actor<S: Store + Send + Sync + 'static>(dir: &AsyncDirectory<S>, email: &str) -> Actor {
    fixtures::actor(dir.blocking(), email)
}

fn is_send<F: Future + Send>(future: F) -> F {
    future
}

#[tokio::test]
async fn every_operation_is_a_send_future_and_reaches_the_directory() {
    let dir = two_accounts();
    let alice = actor(&dir, ALICE);
    let support = Actor::Support;
    let sales = GroupId {
        account: ACCOUNT,
        number: 2,
    };
    let size = PageSize::new(10).expect("a size");
    let password = Password::new("Perm-Pass-2027!");
    let source = SignInSource::unknown();
    // Each future is checked to be `Send` as it is awaited, in the guide's
    // order: the account's groups, a member, the users, the lifecycle.
    let created = is_send(dir.create_group(&alice, ACCOUNT, "Sales")).await;
    assert_eq!(created.expect("created").group.id, sales);
    is_send(dir.add_to_group(&alice, sales, "bob@example.com"))
        .await
        .expect("added");
    assert_eq!(is_send(dir.members(&alice, sales)).await.unwrap().len(), 1);
    let page = is_send(dir.members_page(&alice, sales, size, None)).await;
    assert_eq!(page.unwrap().items.len(), 1);
    assert_eq!(is_send(dir.groups(&alice, ACCOUNT)).await.unwrap().len(), 2);
    let groups = is_send(dir.user_groups(&alice, ACCOUNT, "bob@example.com")).await;
    assert_eq!(groups.unwrap().len(), 1);
    is_send(dir.rename_group(&alice, sales, "Sales EU"))
        .await
        .expect("renamed");
    is_send(dir.remove_from_group(&alice, sales, "bob@example.com"))
        .await
        .expect("removed");
    is_send(dir.delete_group(&alice, sales))
        .await
        .expect("deleted");
    let users = is_send(dir.users(&alice, ACCOUNT, &UserQuery::new())).await;
    assert_eq!(users.unwrap().items.len(), 2);
    assert_eq!(is_send(dir.user_count(&alice, ACCOUNT)).await.unwrap(), 2);
    let bob = is_send(dir.account_user(&alice, ACCOUNT, "bob@example.com")).await;
    let bob_id = bob.expect("bob").row.user.id;
    assert!(
        !is_send(dir.is_account_admin(ACCOUNT, bob_id))
            .await
            .unwrap()
    );
    is_send(dir.rename_user(&alice, "bob@example.com", "Robert", "Builder"))
        .await
        .expect("renamed");
    is_send(dir.disable_user(&alice, "bob@example.com"))
        .await
        .expect("disabled");
    is_send(dir.enable_user(&alice, "bob@example.com"))
        .await
        .expect("enabled");
    is_send(dir.reset_password(&alice, "bob@example.com", &password, &password))
        .await
        .expect("reset");
    is_send(dir.unlock_user(&alice, "bob@example.com"))
        .await
        .expect("unlocked");
    is_send(dir.change_email(&alice, "bob@example.com", "robert@example.com"))
        .await
        .expect("changed");
    // Sign-in: bob's password is the temporary one alice set.
    let signed = is_send(dir.authenticate(&source, "robert@example.com", &password)).await;
    let Ok(SignIn::PermanentPasswordRequired(ticket)) = signed else {
        panic!("a temporary password: {signed:?}")
    };
    let chosen = Password::new("Bobs-Own-Pass-2027");
    is_send(dir.set_permanent_password(&ticket, &chosen, &chosen))
        .await
        .expect("set");
    let again = Password::new("Bobs-Next-Pass-2028");
    is_send(dir.change_password(&source, "robert@example.com", &chosen, &again, &again))
        .await
        .expect("changed");
    is_send(dir.delete_user(&alice, "robert@example.com"))
        .await
        .expect("deleted");
    // Registration by secure message.
    let sent = is_send(dir.send_secure_message(&alice, ACCOUNT, "carol@example.com")).await;
    let token = match sent.expect("sent") {
        cres_admin::SecureMessageSent::RegistrationIssued { token, .. } => token,
        other => panic!("a registration link: {other:?}"),
    };
    let pending = is_send(dir.registrations(&alice, ACCOUNT, size, None)).await;
    assert_eq!(pending.unwrap().items.len(), 1);
    let carol = RegistrationForm::new("Carol", "Jones", Password::new("Blue-Harbor-Lamp-71"));
    is_send(dir.register(token.as_str(), &carol))
        .await
        .expect("registered");
    let sent = is_send(dir.send_secure_message(&alice, ACCOUNT, "dave@example.com")).await;
    sent.expect("sent");
    is_send(dir.revoke_registration(&alice, ACCOUNT, "dave@example.com"))
        .await
        .expect("revoked");
    is_send(dir.purge_expired_registrations(&support))
        .await
        .expect("purged");
    // Accounts, Customer Support's.
    is_send(dir.add_user(&support, ACCOUNT, &form("erin@example.com")))
        .await
        .expect("added");
    let accounts = is_send(dir.accounts(&support, &AccountQuery::new())).await;
    assert_eq!(accounts.unwrap().items.len(), 2);
    is_send(dir.rename_account(&support, ACCOUNT, "Example Inc"))
        .await
        .expect("renamed");
    let mine = is_send(dir.administered_accounts(&alice)).await;
    assert_eq!(mine.expect("alice's accounts"), [ACCOUNT]);
    let details = is_send(dir.account_details(&support, ACCOUNT)).await;
    assert_eq!(
        details.expect("details").account.name.as_str(),
        "Example Inc"
    );
    is_send(dir.create_account(&support, AccountNumber::new(3), "Third"))
        .await
        .expect("created");
    let trail = is_send(dir.audit_trail(&support, ACCOUNT, 5)).await;
    assert_eq!(trail.unwrap().len(), 5);
    let page = is_send(dir.audit_page(&support, ACCOUNT, &AuditQuery::new())).await;
    assert!(!page.expect("a page").items.is_empty());
}

#[tokio::test]
async fn futures_run_on_spawned_tasks_as_axum_runs_handlers() {
    let dir = two_accounts();
    let alice = actor(&dir, ALICE);
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (dir, alice) = (dir.clone(), alice.clone());
            tokio::spawn(async move {
                let name = format!("Team {i}");
                dir.create_group(&alice, ACCOUNT, &name).await
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("no panic").expect("a group");
    }
    let groups = dir.groups(&alice, ACCOUNT).await.expect("groups");
    assert_eq!(groups.len(), 9);
}

#[tokio::test]
async fn an_administrator_of_another_account_is_refused_and_nothing_changes() {
    let dir = two_accounts();
    let olga = actor(&dir, "olga@example.com");
    let before = state(dir.blocking(), &[ACCOUNT], &["bob@example.com"]);
    let refused = dir.add_to_group(&olga, ADMINS, "bob@example.com").await;
    assert!(
        matches!(refused, Err(Error::Forbidden(Forbidden::NotAccountAdministrator { account })) if account == ACCOUNT),
        "{refused:?}"
    );
    let refused = dir.disable_user(&olga, "bob@example.com").await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    let refused = dir
        .add_user(&olga, ACCOUNT, &form("mallory@example.com"))
        .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    assert_eq!(
        state(dir.blocking(), &[ACCOUNT], &["bob@example.com"]),
        before
    );
}

#[tokio::test]
async fn a_user_who_is_not_an_administrator_is_refused_and_nothing_changes() {
    let dir = two_accounts();
    let bob = actor(&dir, "bob@example.com");
    let before = state(dir.blocking(), &[ACCOUNT], &[ALICE]);
    let refused = dir.add_to_group(&bob, ADMINS, "bob@example.com").await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    let refused = dir.create_group(&bob, ACCOUNT, "Sales").await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    let refused = dir
        .reset_password(
            &bob,
            ALICE,
            &Password::new(PASSWORD),
            &Password::new(PASSWORD),
        )
        .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    assert_eq!(state(dir.blocking(), &[ACCOUNT], &[ALICE]), before);
}

#[test]
fn busy_is_said_in_each_language() {
    for (tag, expected) in [
        ("en-US", "The service is busy. Try again in a moment."),
        ("fr", "Le service est occupé. Réessayez dans un instant."),
        (
            "de",
            "Der Dienst ist gerade ausgelastet. Versuchen Sie es gleich noch einmal.",
        ),
    ] {
        assert_eq!(Localizer::new(&[tag]).render(&Error::Busy), expected);
    }
    assert_eq!(
        Error::Busy.to_string(),
        "The service is busy. Try again in a moment."
    );
}

// --- a store that can hold an operation where it is -------------------------

/// A `MemoryStore` whose next write transaction, when armed, says it has
/// begun and then waits to be let go.
#[derive(Default)]
struct Held {
    inner: MemoryStore,
    gate: Mutex<Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>>,
}

impl Held {
    /// Arms the next write: returns a receiver told when it begins, and a
    /// sender that lets it go on.
    fn arm(&self) -> (mpsc::Receiver<()>, mpsc::Sender<()>) {
        let (began, on_begin) = mpsc::channel();
        let (go, on_go) = mpsc::channel();
        *self.gate.lock().expect("not poisoned") = Some((began, on_go));
        (on_begin, go)
    }
}

impl Store for Held {
    type Read<'s> = <MemoryStore as Store>::Read<'s>;
    type Write<'s> = <MemoryStore as Store>::Write<'s>;

    fn begin_read(&self) -> Result<Self::Read<'_>, StoreError> {
        self.inner.begin_read()
    }

    fn begin_write(&self) -> Result<Self::Write<'_>, StoreError> {
        let armed = self.gate.lock().expect("not poisoned").take();
        if let Some((began, go)) = armed {
            began.send(()).expect("the test listens");
            go.recv().expect("the test lets it go");
        }
        self.inner.begin_write()
    }
}

/// Alice's account and bob, on a `Held` store; one hash at a time, one
/// waiting.
fn held() -> (AsyncDirectory<Arc<Held>>, Arc<Held>) {
    let store = Arc::new(Held::default());
    let dir = directory(Arc::clone(&store));
    bootstrap(&dir);
    dir.add_user(&Actor::Support, ACCOUNT, &form("bob@example.com"))
        .expect("bob");
    let limit = HashingLimit::default().concurrent(1).queued(1);
    (AsyncDirectory::new(dir).with_hashing_limit(limit), store)
}

/// Waits on the blocking pool for `receiver`, so that the runtime's worker
/// stays free.
async fn recv(receiver: mpsc::Receiver<()>) {
    tokio::task::spawn_blocking(move || receiver.recv_timeout(Duration::from_secs(10)))
        .await
        .expect("no panic")
        .expect("the operation reached the store");
}

#[tokio::test]
async fn a_future_dropped_after_its_operation_started_lets_it_finish() {
    let (dir, store) = held();
    let alice = actor(&dir, ALICE);
    let (began, go) = store.arm();
    let operation = tokio::spawn({
        let (dir, alice) = (dir.clone(), alice.clone());
        async move { dir.add_to_group(&alice, ADMINS, "bob@example.com").await }
    });
    recv(began).await;
    operation.abort();
    assert!(operation.await.expect_err("aborted").is_cancelled());
    go.send(()).expect("the operation waits");
    // The operation goes on without anyone awaiting it, and commits.
    let bob = fixtures::user_id(dir.blocking(), "bob@example.com").expect("bob");
    let mut made_admin = false;
    for _ in 0..1_000 {
        if dir.is_account_admin(ACCOUNT, bob).await.expect("an answer") {
            made_admin = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(made_admin, "the started operation completed");
    let trail = dir
        .audit_trail(&Actor::Support, ACCOUNT, 1)
        .await
        .expect("the trail");
    assert!(
        matches!(&trail[0].record.action, cres_admin::Action::MemberAdded { user, .. } if user.id == bob)
    );
}

#[tokio::test]
async fn a_future_dropped_while_it_waits_to_hash_never_runs() {
    let (dir, store) = held();
    let alice = actor(&dir, ALICE);
    let (began, go) = store.arm();
    // The first Add User holds the one hashing slot, paused in the store.
    let first = tokio::spawn({
        let (dir, alice) = (dir.clone(), alice.clone());
        async move {
            dir.add_user(&alice, ACCOUNT, &form("carol@example.com"))
                .await
        }
    });
    recv(began).await;
    // The second waits for the slot; the third finds the queue full.
    let second = tokio::spawn({
        let (dir, alice) = (dir.clone(), alice.clone());
        async move {
            dir.add_user(&alice, ACCOUNT, &form("dave@example.com"))
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let third = dir
        .add_user(&alice, ACCOUNT, &form("erin@example.com"))
        .await;
    assert!(matches!(third, Err(Error::Busy)), "{third:?}");
    second.abort();
    assert!(second.await.expect_err("aborted").is_cancelled());
    go.send(()).expect("the first waits");
    first.await.expect("no panic").expect("carol added");
    // The queue is free again: a new Add User gets through.
    dir.add_user(&alice, ACCOUNT, &form("frank@example.com"))
        .await
        .expect("frank added");
    for (email, exists) in [
        ("carol@example.com", true),
        ("dave@example.com", false),
        ("erin@example.com", false),
        ("frank@example.com", true),
    ] {
        let found = fixtures::user_id(dir.blocking(), email).is_some();
        assert_eq!(found, exists, "{email}");
    }
}

/// The shipped stores fit the facade: `Send + Sync + 'static`, so their
/// `AsyncDirectory` futures are `Send` too.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_sqlite_directory_runs_async() {
    let folder = scratch();
    let store = cres_admin::SqliteStore::open(folder.path().join("async.db")).expect("a store");
    let dir = directory(store);
    bootstrap(&dir);
    let dir = AsyncDirectory::new(dir);
    let alice = actor(&dir, ALICE);
    let added = tokio::spawn({
        let (dir, alice) = (dir.clone(), alice.clone());
        async move {
            dir.add_user(&alice, ACCOUNT, &form("bob@example.com"))
                .await
        }
    });
    added.await.expect("no panic").expect("bob added");
    let users = dir.users(&alice, ACCOUNT, &UserQuery::new()).await;
    assert_eq!(users.expect("a page").items.len(), 2);
}

/// PostgresStore fits the facade too: checked when this file compiles (its
/// runs need a server, see tests/postgres.rs).
#[cfg(feature = "postgres")]
const _: fn() = || {
    fn fits<S: Store + Send + Sync + 'static>() {}
    fits::<cres_admin::PostgresStore>();
};
