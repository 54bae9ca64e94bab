//! Fault injection (R12): every write of every operation fails in turn, on
//! every store. Each failure must answer the store error, not a domain
//! one, and leave everything exactly as it was — but for what an earlier
//! transaction of the same operation committed: sign-in counts an attempt
//! in a transaction of its own before it verifies the password (R15), and
//! that count stays.

mod common;

use std::sync::Arc;

use chrono::TimeDelta;
use common::*;
use cres_admin::store::{Reader, Transaction};
use cres_admin::testing::FailingStore;
use cres_admin::{
    AccountNumber, Actor, Directory, Email, Error, FixedClock, GroupId, Localize, MemoryStore,
    Password, PasswordChangeTicket, PasswordHashing, RegistrationForm, RegistrationToken,
    SecureMessageSent, SignIn, SignInState, Store, Throttle, User,
};

const NEW_ACCOUNT: AccountNumber = AccountNumber::new(55555);
const PERMANENT: &str = "Quiet-River-2026";
const TEMPORARY: &str = "Temp-Pass-2026";
const WRONG: &str = "Wrong-Pass-2026";
/// Everyone the scene involves, so that a stray write to any of them shows.
const PEOPLE: [&str; 11] = [
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "dave@example.com",
    "erin@example.com",
    "frank@example.com",
    "gina@example.com",
    "heidi@example.com",
    "ivan@example.com",
    "new@example.com",
    "olga@example.com",
];
/// Olga's group, which bob and erin are in: account 67890 governs them too.
const PARTNERS: GroupId = GroupId {
    account: OTHER_ACCOUNT,
    number: 2,
};

fn alice<S: Store>(dir: &Directory<S>) -> Actor {
    user(dir, "alice@example.com")
}

fn pw(secret: &str) -> Password {
    Password::new(secret)
}

fn registration_form(first_name: &str) -> RegistrationForm {
    RegistrationForm::new(first_name, "Jones", pw(PERMANENT))
}

fn token(sent: Result<SecureMessageSent, Error>) -> RegistrationToken {
    match sent {
        Ok(SecureMessageSent::RegistrationIssued { token, .. }) => token,
        other => panic!("expected a registration token: {other:?}"),
    }
}

/// Two accounts, alice administering both, and a user in every state an
/// operation can start from: bob (permanent password, in Sales and in
/// olga's Partners, so governed by both accounts; four wrong passwords from
/// a lock), dave (temporary password, signed in: his ticket), erin (in
/// Partners too, locked), carol (sent a secure message: her token), frank
/// (sent one too), heidi (sent one by each account: olga's token) and ivan
/// (disabled).
struct Scene<'a, S> {
    store: &'a FailingStore<S>,
    dir: Directory<&'a FailingStore<S>>,
    dave: PasswordChangeTicket,
    carol: RegistrationToken,
    heidi: RegistrationToken,
}

impl<'a, S: Store> Scene<'a, S> {
    fn new(store: &'a FailingStore<S>) -> Scene<'a, S> {
        let dir = directory(store).with_clock(Arc::new(FixedClock::new(start())));
        bootstrap(&dir);
        other_account_administered_by_olga(&dir);
        dir.add_to_group(
            &Actor::Support,
            GroupId::administrators(OTHER_ACCOUNT),
            "alice@example.com",
        )
        .unwrap();
        let alice = user(&dir, "alice@example.com");
        let olga = user(&dir, "olga@example.com");
        dir.create_group(&alice, ACCOUNT, "Sales").unwrap();
        assert_eq!(
            dir.create_group(&olga, OTHER_ACCOUNT, "Partners")
                .unwrap()
                .group
                .id,
            PARTNERS
        );
        for person in ["bob", "dave", "erin", "ivan"] {
            dir.add_user(&alice, ACCOUNT, &form(&format!("{person}@example.com")))
                .unwrap();
        }
        dir.add_to_group(&alice, SALES, "bob@example.com").unwrap();
        // Alice chose erin's password, and administers Partners' account too.
        dir.add_to_group(&alice, PARTNERS, "erin@example.com")
            .unwrap();
        let bob = match dir.authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY)) {
            Ok(SignIn::PermanentPasswordRequired(ticket)) => ticket,
            other => panic!("bob's first sign-in: {other:?}"),
        };
        dir.set_permanent_password(&bob, &pw(PERMANENT), &pw(PERMANENT))
            .unwrap();
        dir.add_to_group(&olga, PARTNERS, "bob@example.com")
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
        dir.disable_user(&alice, "ivan@example.com").unwrap();
        let carol = token(dir.send_secure_message(&alice, ACCOUNT, "carol@example.com"));
        token(dir.send_secure_message(&Actor::Support, ACCOUNT, "frank@example.com"));
        token(dir.send_secure_message(&alice, ACCOUNT, "heidi@example.com"));
        let heidi = token(dir.send_secure_message(&olga, OTHER_ACCOUNT, "heidi@example.com"));
        Scene {
            store,
            dir,
            dave,
            carol,
            heidi,
        }
    }

    fn state(&self) -> String {
        state(&self.dir, &[ACCOUNT, OTHER_ACCOUNT, NEW_ACCOUNT], &PEOPLE)
    }

    fn user(&self, email: &str) -> User {
        let email = Email::parse(email).unwrap();
        let reader = self.dir.read_store().unwrap();
        let id = reader.user_id(&email).unwrap().unwrap();
        reader.user(id).unwrap().unwrap()
    }
}

/// An operation of the directory, run on a scene; its answer's message id.
type Operation<S> = fn(&Scene<'_, S>) -> Result<&'static str, Error>;

fn answer<T: Localize>(result: Result<T, Error>) -> Result<&'static str, Error> {
    result.map(|ok| ok.message().id())
}

/// What stays of an operation whose `k`-th write failed: what its
/// transactions before the failed one committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leftover {
    /// Nothing at all: the failed write was in the first transaction.
    Nothing,
    /// The user's sign-in attempt stays counted against the user and the
    /// source (R15); the transaction that recorded its outcome failed.
    Counted(&'static str),
    /// The attempt was counted and its success recorded (the source's
    /// failures cleared); the change it led to failed.
    SignedIn(&'static str),
}

/// A write operation, what it answers once no write fails, and what stays
/// when its `k`-th write fails.
struct Case<S> {
    name: &'static str,
    run: Operation<S>,
    expected: Result<&'static str, &'static str>,
    leftover: fn(usize) -> Leftover,
}

fn case<S>(
    name: &'static str,
    run: Operation<S>,
    expected: Result<&'static str, &'static str>,
) -> Case<S> {
    Case {
        name,
        run,
        expected,
        leftover: |_| Leftover::Nothing,
    }
}

impl<S> Case<S> {
    fn leaving(self, leftover: fn(usize) -> Leftover) -> Case<S> {
        Case { leftover, ..self }
    }
}

/// Every operation that writes.
fn operations<S: Store>() -> Vec<Case<S>> {
    vec![
        case(
            "create an account",
            |s| answer(s.dir.create_account(&Actor::Support, NEW_ACCOUNT, "New")),
            Ok("account-created"),
        ),
        case(
            "add a user",
            |s| {
                answer(
                    s.dir
                        .add_user(&alice(&s.dir), ACCOUNT, &form("new@example.com")),
                )
            },
            Ok("user-added"),
        ),
        // Writes the user and UserAdded, then ends the account's own
        // registration and records RegistrationEnded (R14).
        case(
            "add a user sent a secure message",
            |s| {
                answer(
                    s.dir
                        .add_user(&alice(&s.dir), ACCOUNT, &form("frank@example.com")),
                )
            },
            Ok("user-added"),
        ),
        case(
            "add to a group",
            |s| {
                answer(
                    s.dir
                        .add_to_group(&alice(&s.dir), ADMINS, "bob@example.com"),
                )
            },
            Ok("member-added"),
        ),
        case(
            "remove from a group",
            |s| {
                answer(
                    s.dir
                        .remove_from_group(&alice(&s.dir), SALES, "bob@example.com"),
                )
            },
            Ok("member-removed"),
        ),
        case(
            "create a group",
            |s| answer(s.dir.create_group(&alice(&s.dir), ACCOUNT, "Support")),
            Ok("group-created"),
        ),
        case(
            "rename an account",
            |s| {
                answer(
                    s.dir
                        .rename_account(&Actor::Support, ACCOUNT, "Example Europe"),
                )
            },
            Ok("account-renamed"),
        ),
        case(
            "rename a group",
            |s| answer(s.dir.rename_group(&alice(&s.dir), SALES, "Revenue")),
            Ok("group-renamed"),
        ),
        case(
            "delete a group with members",
            |s| answer(s.dir.delete_group(&alice(&s.dir), SALES)),
            Ok("group-deleted"),
        ),
        // Counts the attempt (1), then records the success (2).
        case(
            "sign in after failures",
            |s| {
                answer(
                    s.dir
                        .authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)),
                )
            },
            Ok("signed-in"),
        )
        .leaving(|k| match k {
            1 => Leftover::Nothing,
            _ => Leftover::Counted("bob@example.com"),
        }),
        // Counts the attempt (1), then records the success with the new hash (2).
        case(
            "sign in with a hash to upgrade",
            |s| {
                let stronger = PasswordHashing::new(16, 2, 1).unwrap();
                let dir = directory(s.store).with_password_hashing(stronger);
                answer(dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)))
            },
            Ok("signed-in"),
        )
        .leaving(|k| match k {
            1 => Leftover::Nothing,
            _ => Leftover::Counted("bob@example.com"),
        }),
        case(
            "count a wrong password",
            |s| answer(s.dir.authenticate(&SOURCE, "dave@example.com", &pw(WRONG))),
            Err("error-sign-in-refused"),
        ),
        // Counts the attempt (1), then locks bob's source (2) and records
        // the lock in both governing accounts (3, 4).
        case(
            "lock a user out",
            |s| answer(s.dir.authenticate(&SOURCE, "bob@example.com", &pw(WRONG))),
            Err("error-sign-in-refused"),
        )
        .leaving(|k| match k {
            1 => Leftover::Nothing,
            _ => Leftover::Counted("bob@example.com"),
        }),
        case(
            "set a permanent password",
            |s| {
                answer(
                    s.dir
                        .set_permanent_password(&s.dave, &pw(PERMANENT), &pw(PERMANENT)),
                )
            },
            Ok("password-changed"),
        ),
        // Counts the attempt (1), records the success (2), then sets the
        // password (3) and records the change in both governing accounts (4, 5).
        case(
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
        )
        .leaving(|k| match k {
            1 => Leftover::Nothing,
            2 => Leftover::Counted("bob@example.com"),
            _ => Leftover::SignedIn("bob@example.com"),
        }),
        // One entry in each governing account's trail (R13).
        case(
            "reset a password",
            |s| {
                answer(s.dir.reset_password(
                    &alice(&s.dir),
                    "bob@example.com",
                    &pw("Reset-Temp-77"),
                    &pw("Reset-Temp-77"),
                ))
            },
            Ok("password-reset"),
        ),
        case(
            "unlock a user",
            |s| answer(s.dir.unlock_user(&alice(&s.dir), "erin@example.com")),
            Ok("user-unlocked"),
        ),
        // The user lifecycle: bob is governed by both accounts, so each
        // change is one update (or deletion) and one entry in each trail.
        case(
            "disable a user",
            |s| answer(s.dir.disable_user(&alice(&s.dir), "bob@example.com")),
            Ok("user-disabled"),
        ),
        case(
            "enable a user",
            |s| answer(s.dir.enable_user(&alice(&s.dir), "ivan@example.com")),
            Ok("user-enabled"),
        ),
        // Deletes bob and his memberships of Sales and Partners.
        case(
            "delete a user",
            |s| answer(s.dir.delete_user(&alice(&s.dir), "bob@example.com")),
            Ok("user-deleted"),
        ),
        case(
            "rename a user",
            |s| {
                answer(
                    s.dir
                        .rename_user(&alice(&s.dir), "bob@example.com", "Robert", "Lee"),
                )
            },
            Ok("user-renamed"),
        ),
        case(
            "change an email",
            |s| {
                answer(
                    s.dir
                        .change_email(&alice(&s.dir), "bob@example.com", "new@example.com"),
                )
            },
            Ok("email-changed"),
        ),
        // Then ends account 12345's registration of the address, recorded.
        case(
            "change an email to an address the account invited",
            |s| {
                answer(
                    s.dir
                        .change_email(&alice(&s.dir), "bob@example.com", "frank@example.com"),
                )
            },
            Ok("email-changed"),
        ),
        case(
            "send a secure message",
            |s| {
                answer(
                    s.dir
                        .send_secure_message(&alice(&s.dir), ACCOUNT, "gina@example.com"),
                )
            },
            Ok("secure-message-registration"),
        ),
        case(
            "send a secure message again",
            |s| {
                answer(
                    s.dir
                        .send_secure_message(&alice(&s.dir), ACCOUNT, "carol@example.com"),
                )
            },
            Ok("secure-message-registration"),
        ),
        case(
            "register",
            |s| {
                answer(
                    s.dir
                        .register(s.carol.as_str(), &registration_form("Carol")),
                )
            },
            Ok("registered"),
        ),
        // Creates heidi in olga's account and ends both registrations, each
        // recorded in its own account's trail (R14).
        case(
            "register, ending another account's registration",
            |s| {
                answer(
                    s.dir
                        .register(s.heidi.as_str(), &registration_form("Heidi")),
                )
            },
            Ok("registered"),
        ),
        case(
            "revoke a registration",
            |s| {
                answer(
                    s.dir
                        .revoke_registration(&alice(&s.dir), ACCOUNT, "frank@example.com"),
                )
            },
            Ok("registration-revoked"),
        ),
        // Every registration has expired: four deleted, one entry for each
        // account they were sent for.
        case(
            "purge expired registrations",
            |s| {
                let later = FixedClock::new(start() + TimeDelta::hours(73));
                let dir = directory(s.store).with_clock(Arc::new(later));
                answer(dir.purge_expired_registrations(&Actor::Support))
            },
            Ok("registrations-purged"),
        ),
    ]
}

/// `before` with one more attempt from `SOURCE` counted.
fn counted(before: &SignInState) -> SignInState {
    let count = |throttle: &mut Throttle| {
        throttle.failures += 1;
        throttle.window_started.get_or_insert(start());
    };
    let mut after = before.clone();
    count(&mut after.user);
    match after
        .sources
        .iter_mut()
        .find(|(source, _)| *source == SOURCE)
    {
        Some((_, throttle)) => count(throttle),
        None => {
            let mut throttle = Throttle::default();
            count(&mut throttle);
            after.sources.push((SOURCE, throttle));
        }
    }
    after
}

/// `before` after a counted attempt from `SOURCE` (not locked) succeeded:
/// the user's count as it was, the source forgotten.
fn signed_in(before: &SignInState) -> SignInState {
    let mut after = before.clone();
    after.sources.retain(|(source, _)| *source != SOURCE);
    after
}

/// How a user's sign-in bookkeeping is left, from what it was.
type Change = fn(&SignInState) -> SignInState;

impl Leftover {
    /// The user whose sign-in bookkeeping stays changed, and how.
    fn sign_in(self) -> Option<(&'static str, Change)> {
        match self {
            Leftover::Nothing => None,
            Leftover::Counted(email) => Some((email, counted)),
            Leftover::SignedIn(email) => Some((email, signed_in)),
        }
    }
}

/// Fails the first write of every operation, then the second, and so on
/// until the operation runs through; returns the number of failures.
fn every_write_of_every_operation_fails_cleanly<S: Store>(make: impl Fn() -> S) -> usize {
    let mut injected = 0;
    for Case {
        name,
        run,
        expected,
        leftover,
    } in operations::<S>()
    {
        let store = FailingStore::new(make());
        let scene = Scene::new(&store);
        let before = scene.state();
        for k in 1.. {
            let leftover = leftover(k);
            let user_before = leftover.sign_in().map(|(email, _)| scene.user(email));
            let failures = store.failures();
            store.fail_write(k);
            let result = run(&scene);
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
            if let (Some((email, expected)), Some(old)) = (leftover.sign_in(), user_before) {
                // Exactly the earlier transactions' change to the user's
                // sign-in bookkeeping stays, and the bookkeeping is no
                // change of the user: the revision stays. Put it back
                // (which leaves the revision too) to compare the rest.
                let user = scene.user(email);
                assert_eq!(
                    user.sign_in,
                    expected(&old.sign_in),
                    "{name}, write {k}: {leftover:?}"
                );
                assert_eq!(
                    user.revision, old.revision,
                    "{name}, write {k}: {leftover:?} moved the revision"
                );
                let mut tx = store.inner().begin_write().unwrap();
                tx.set_sign_in_state(old.id, &old.sign_in).unwrap();
                tx.commit().unwrap();
            }
            assert_eq!(scene.state(), before, "{name}: write {k} failed halfway");
        }
    }
    injected
}

#[test]
fn r12_memory_store_every_write_of_every_operation_fails_cleanly() {
    let injected = every_write_of_every_operation_fails_cleanly(MemoryStore::new);
    eprintln!("MemoryStore: {injected} faults injected");
    assert!(injected >= 60, "only {injected} faults injected");
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
    assert!(injected >= 60, "only {injected} faults injected");
}
