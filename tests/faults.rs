//! Fault injection (R12): every write of every operation fails in turn, on
//! every store. Each failure must answer the store error, not a domain
//! one, and leave everything exactly as it was.

mod common;

use std::sync::Arc;

use common::*;
use cres_admin::testing::FailingStore;
use cres_admin::{
    AccountNumber, Actor, Directory, Error, FixedClock, GroupId, Localize, MemoryStore, Password,
    PasswordChangeTicket, PasswordHashing, RegistrationForm, RegistrationToken, SecureMessageSent,
    SignIn, Store,
};

const NEW_ACCOUNT: AccountNumber = AccountNumber::new(55555);
const PERMANENT: &str = "Quiet-River-2026";
const TEMPORARY: &str = "Temp-Pass-2026";
const WRONG: &str = "Wrong-Pass-2026";
/// Everyone the scene involves, so that a stray write to any of them shows.
const PEOPLE: [&str; 9] = [
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "dave@example.com",
    "erin@example.com",
    "frank@example.com",
    "gina@example.com",
    "new@example.com",
    "olga@example.com",
];

fn alice() -> Actor {
    user("alice@example.com")
}

fn pw(secret: &str) -> Password {
    Password::new(secret)
}

/// Two accounts and a user in every state an operation can start from:
/// bob (permanent password, in Sales, four wrong passwords from a lock),
/// dave (temporary password, signed in: his ticket), erin (locked), carol
/// (sent a secure message: her token) and frank (sent one too).
struct Scene<'a, S> {
    dir: Directory<&'a FailingStore<S>>,
    dave: PasswordChangeTicket,
    carol: RegistrationToken,
}

impl<'a, S: Store> Scene<'a, S> {
    fn new(store: &'a FailingStore<S>) -> Scene<'a, S> {
        let dir = directory(store).with_clock(Arc::new(FixedClock::new(start())));
        bootstrap(&dir);
        other_account_administered_by_olga(&dir);
        let alice = user("alice@example.com");
        dir.create_group(&alice, ACCOUNT, "Sales").unwrap();
        for person in ["bob", "dave", "erin"] {
            dir.add_user(&alice, ACCOUNT, &form(&format!("{person}@example.com")))
                .unwrap();
        }
        dir.add_to_group(&alice, SALES, "bob@example.com").unwrap();
        let bob = match dir.authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY)) {
            Ok(SignIn::PermanentPasswordRequired(ticket)) => ticket,
            other => panic!("bob's first sign-in: {other:?}"),
        };
        dir.set_permanent_password(&bob, &pw(PERMANENT), &pw(PERMANENT))
            .unwrap();
        let wrong = |email: &str, times: usize| {
            for _ in 0..times {
                let refused = dir.authenticate(&SOURCE, email, &pw(WRONG));
                assert!(matches!(refused, Err(Error::SignInRefused)));
            }
        };
        wrong("bob@example.com", 4);
        wrong("erin@example.com", 5);
        let dave = match dir.authenticate(&SOURCE, "dave@example.com", &pw(TEMPORARY)) {
            Ok(SignIn::PermanentPasswordRequired(ticket)) => ticket,
            other => panic!("dave's first sign-in: {other:?}"),
        };
        let carol = match dir.send_secure_message(&alice, ACCOUNT, "carol@example.com") {
            Ok(SecureMessageSent::RegistrationIssued { token, .. }) => token,
            other => panic!("carol's secure message: {other:?}"),
        };
        dir.send_secure_message(&Actor::Support, ACCOUNT, "frank@example.com")
            .unwrap();
        Scene { dir, dave, carol }
    }

    fn state(&self) -> String {
        state(&self.dir, &[ACCOUNT, OTHER_ACCOUNT, NEW_ACCOUNT], &PEOPLE)
    }
}

/// An operation of the directory, run on a scene; its answer's message id.
type Operation<S> = fn(&Scene<'_, S>) -> Result<&'static str, Error>;

fn answer<T: Localize>(result: Result<T, Error>) -> Result<&'static str, Error> {
    result.map(|ok| ok.message().id())
}

/// Every operation that writes, with what it answers once no write fails.
fn operations<S: Store>() -> Vec<(
    &'static str,
    Operation<S>,
    Result<&'static str, &'static str>,
)> {
    vec![
        (
            "create an account",
            |s| answer(s.dir.create_account(&Actor::Support, NEW_ACCOUNT, "New")),
            Ok("account-created"),
        ),
        (
            "add a user",
            |s| answer(s.dir.add_user(&alice(), ACCOUNT, &form("new@example.com"))),
            Ok("user-added"),
        ),
        (
            "add a user sent a secure message",
            |s| {
                answer(
                    s.dir
                        .add_user(&alice(), ACCOUNT, &form("frank@example.com")),
                )
            },
            Ok("user-added"),
        ),
        (
            "add to a group",
            |s| answer(s.dir.add_to_group(&alice(), ADMINS, "bob@example.com")),
            Ok("member-added"),
        ),
        (
            "remove from a group",
            |s| answer(s.dir.remove_from_group(&alice(), SALES, "bob@example.com")),
            Ok("member-removed"),
        ),
        (
            "create a group",
            |s| answer(s.dir.create_group(&alice(), ACCOUNT, "Support")),
            Ok("group-created"),
        ),
        (
            "rename a group",
            |s| answer(s.dir.rename_group(&alice(), SALES, "Revenue")),
            Ok("group-renamed"),
        ),
        (
            "delete a group with members",
            |s| answer(s.dir.delete_group(&alice(), SALES)),
            Ok("group-deleted"),
        ),
        (
            "sign in after failures",
            |s| {
                answer(
                    s.dir
                        .authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)),
                )
            },
            Ok("signed-in"),
        ),
        (
            "sign in with a hash to upgrade",
            |s| {
                let stronger = PasswordHashing::new(16, 2, 1).unwrap();
                let dir = directory(*s.dir.store()).with_password_hashing(stronger);
                answer(dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)))
            },
            Ok("signed-in"),
        ),
        (
            "count a wrong password",
            |s| answer(s.dir.authenticate(&SOURCE, "dave@example.com", &pw(WRONG))),
            Err("error-sign-in-refused"),
        ),
        (
            "lock a user out",
            |s| answer(s.dir.authenticate(&SOURCE, "bob@example.com", &pw(WRONG))),
            Err("error-sign-in-refused"),
        ),
        (
            "set a permanent password",
            |s| {
                answer(
                    s.dir
                        .set_permanent_password(&s.dave, &pw(PERMANENT), &pw(PERMANENT)),
                )
            },
            Ok("password-changed"),
        ),
        (
            "change a password",
            |s| {
                answer(s.dir.change_password(
                    &SOURCE,
                    "bob@example.com",
                    &pw(PERMANENT),
                    &pw("Calm-Lake-2027"),
                    &pw("Calm-Lake-2027"),
                ))
            },
            Ok("password-changed"),
        ),
        (
            "reset a password",
            |s| {
                answer(s.dir.reset_password(
                    &alice(),
                    "bob@example.com",
                    &pw("Reset-Temp-77"),
                    &pw("Reset-Temp-77"),
                ))
            },
            Ok("password-reset"),
        ),
        (
            "unlock a user",
            |s| answer(s.dir.unlock_user(&alice(), "erin@example.com")),
            Ok("user-unlocked"),
        ),
        (
            "send a secure message",
            |s| {
                answer(
                    s.dir
                        .send_secure_message(&alice(), ACCOUNT, "gina@example.com"),
                )
            },
            Ok("secure-message-registration"),
        ),
        (
            "send a secure message again",
            |s| {
                answer(
                    s.dir
                        .send_secure_message(&alice(), ACCOUNT, "carol@example.com"),
                )
            },
            Ok("secure-message-registration"),
        ),
        (
            "register",
            |s| {
                let form = RegistrationForm {
                    first_name: "Carol".to_owned(),
                    last_name: "Jones".to_owned(),
                    password: pw(PERMANENT),
                    confirm_password: pw(PERMANENT),
                };
                answer(s.dir.register(s.carol.as_str(), &form))
            },
            Ok("registered"),
        ),
        (
            "revoke a registration",
            |s| answer(s.dir.revoke_registration(&alice(), "frank@example.com")),
            Ok("registration-revoked"),
        ),
    ]
}

/// Fails the first write of every operation, then the second, and so on
/// until the operation runs through; returns the number of failures.
fn every_write_of_every_operation_fails_cleanly<S: Store>(make: impl Fn() -> S) -> usize {
    let mut injected = 0;
    for (name, operation, expected) in operations::<S>() {
        let store = FailingStore::new(make());
        let scene = Scene::new(&store);
        let before = scene.state();
        for k in 1.. {
            let failures = store.failures();
            store.fail_write(k);
            let result = operation(&scene);
            store.fail_write(0);
            if store.failures() == failures {
                assert!(k > 1, "{name}: the operation writes nothing");
                let outcome = result.map_err(|e| e.message().id());
                assert_eq!(outcome, expected, "{name}, once no write fails");
                assert_ne!(scene.state(), before, "{name} changed nothing");
                break;
            }
            injected += 1;
            let error = result.expect_err(name);
            assert!(error.is_store_failure(), "{name}, write {k}: {error:?}");
            assert_eq!(
                error.to_string(),
                "The account directory could not be reached. Nothing was changed; please try again."
            );
            assert_eq!(scene.state(), before, "{name}: write {k} failed halfway");
        }
    }
    injected
}

#[test]
fn r12_memory_store_every_write_of_every_operation_fails_cleanly() {
    let injected = every_write_of_every_operation_fails_cleanly(MemoryStore::new);
    eprintln!("MemoryStore: {injected} faults injected");
    assert!(injected >= 40, "only {injected} faults injected");
}

#[test]
fn r12_account_creation_interrupted_at_any_write_leaves_no_account() {
    let store = FailingStore::new(MemoryStore::new());
    let dir = directory(&store);
    for k in 1..=3 {
        store.fail_write(k);
        let error = dir
            .create_account(&Actor::Support, ACCOUNT, "Example Corp")
            .unwrap_err();
        assert!(error.is_store_failure());
        assert!(matches!(
            dir.groups(&Actor::Support, ACCOUNT),
            Err(Error::AccountNotFound { .. })
        ));
    }
    store.fail_write(0);
    dir.create_account(&Actor::Support, ACCOUNT, "Example Corp")
        .unwrap();
    assert_eq!(audit_len(&dir), 1);
    assert_eq!(
        dir.members(&Actor::Support, GroupId::administrators(ACCOUNT))
            .unwrap(),
        []
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn r12_sqlite_store_every_write_of_every_operation_fails_cleanly() {
    let folder = tempfile::tempdir().unwrap();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let injected = every_write_of_every_operation_fails_cleanly(|| {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        cres_admin::SqliteStore::open(folder.path().join(format!("{n}.db"))).unwrap()
    });
    eprintln!("SqliteStore: {injected} faults injected");
    assert!(injected >= 40, "only {injected} faults injected");
}
