//! The user lifecycle (issue 14): disable, enable, delete, rename, change
//! the email, each named after its operation, and R16, the last *active*
//! administrator; on MemoryStore and on SqliteStore.
//!
//! Account 12345 (A) is administered by alice, account 67890 (B) by olga;
//! alice adds bob (and carol, a plain user) to A. Every operation is refused
//! to olga (she does not govern bob) and to carol (she administers nothing),
//! and a refusal changes nothing.

mod common;

use common::*;
use cres_admin::store::Reader;
use cres_admin::testing::fixtures::PASSWORD;
use cres_admin::{
    AccountNumber, Action, Actor, Directory, Error, Field, Forbidden, GroupId, Password,
    RegistrationForm, SecureMessageSent, SignIn, Store, UserStatus,
};

const A: AccountNumber = ACCOUNT;
const B: AccountNumber = OTHER_ACCOUNT;
const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";

/// Both accounts; bob and carol added to A by alice, bob also in Sales.
fn setup<S: Store>(store: S) -> Directory<S> {
    let dir = directory(store);
    bootstrap(&dir);
    other_account_administered_by_olga(&dir);
    let alice = user(&dir, "alice@example.com");
    dir.add_user(&alice, A, &form(BOB)).unwrap();
    dir.add_user(&alice, A, &form(CAROL)).unwrap();
    dir.create_group(&alice, A, "Sales").unwrap();
    dir.add_to_group(&alice, SALES, BOB).unwrap();
    dir
}

fn alice<S: Store>(dir: &Directory<S>) -> Actor {
    user(dir, "alice@example.com")
}

fn olga<S: Store>(dir: &Directory<S>) -> Actor {
    user(dir, "olga@example.com")
}

fn carol<S: Store>(dir: &Directory<S>) -> Actor {
    user(dir, CAROL)
}

fn everything<S: Store>(dir: &Directory<S>) -> String {
    state(
        dir,
        &[A, B],
        &[
            "alice@example.com",
            "olga@example.com",
            BOB,
            CAROL,
            "robert@example.com",
            "dan@example.com",
        ],
    )
}

fn trail<S: Store>(dir: &Directory<S>, account: AccountNumber) -> Vec<Action> {
    dir.audit_trail(&Actor::Support, account, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|entry| entry.record.action)
        .collect()
}

/// Runs `op` as olga (administrator of another account) and as carol (a
/// plain user): both are refused as not governing the target, and nothing
/// changes.
fn refused_to_others<S: Store, T: std::fmt::Debug>(
    dir: &Directory<S>,
    op: impl Fn(&Actor) -> Result<T, Error>,
) {
    let before = everything(dir);
    for actor in [olga(dir), carol(dir)] {
        match op(&actor) {
            Err(Error::Forbidden(Forbidden::NotGoverningAdministrator)) => {}
            other => panic!("expected NotGoverningAdministrator, got {other:?}"),
        }
        assert_eq!(everything(dir), before, "a refusal must change nothing");
    }
}

/// Refuses a malformed address and an unknown user, changing nothing.
fn refuses_bad_targets<S: Store, T: std::fmt::Debug>(
    dir: &Directory<S>,
    op: impl Fn(&str) -> Result<T, Error>,
) {
    let before = everything(dir);
    match op("not an address") {
        Err(Error::Invalid(invalid)) => assert_eq!(invalid.field, Field::UserId),
        other => panic!("expected Invalid, got {other:?}"),
    }
    match op("nobody@example.com") {
        Err(Error::UserNotFound { email }) => assert_eq!(email.as_str(), "nobody@example.com"),
        other => panic!("expected UserNotFound, got {other:?}"),
    }
    assert_eq!(everything(dir), before, "a refusal must change nothing");
}

fn ticket<S: Store>(dir: &Directory<S>, email: &str) -> cres_admin::PasswordChangeTicket {
    match dir.authenticate(&SOURCE, email, &Password::new(PASSWORD)) {
        Ok(SignIn::PermanentPasswordRequired(ticket)) => ticket,
        other => panic!("expected a temporary-password sign-in, got {other:?}"),
    }
}

fn signs_in<S: Store>(dir: &Directory<S>, email: &str) -> bool {
    match dir.authenticate(&SOURCE, email, &Password::new(PASSWORD)) {
        Ok(_) => true,
        Err(Error::SignInRefused) => false,
        Err(other) => panic!("unexpected sign-in error {other:?}"),
    }
}

fn registration_token(sent: SecureMessageSent) -> String {
    match sent {
        SecureMessageSent::RegistrationIssued { token, .. } => token.as_str().to_owned(),
        other => panic!("expected a registration token, got {other:?}"),
    }
}

fn register_form() -> RegistrationForm {
    RegistrationForm::new("Dan", "Delta", Password::new("Quiet-river-77"))
}

// ---------------------------------------------------------------------------
// disable_user / enable_user
// ---------------------------------------------------------------------------

/// Disabling bob: he cannot sign in, the ticket he held stops working, the
/// change is recorded once in A's trail, and disabling him again changes
/// nothing. Olga and carol are refused.
fn disable_user<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    let held = ticket(&dir, BOB);
    refused_to_others(&dir, |actor| dir.disable_user(actor, BOB));
    refuses_bad_targets(&dir, |email| dir.disable_user(&alice(&dir), email));
    let bob = stored(&dir, BOB).unwrap();
    let disabled = dir.disable_user(&alice(&dir), BOB).unwrap();
    assert!(!disabled.already_disabled);
    assert_eq!(disabled.user, bob.to_ref());
    assert_eq!(
        disabled.to_string(),
        "bob@example.com is disabled and can no longer sign in."
    );
    assert_eq!(stored(&dir, BOB).unwrap().status, UserStatus::Disabled);
    assert!(!signs_in(&dir, BOB), "a disabled user cannot sign in");
    let new = Password::new("Silver-lake-33");
    assert!(
        matches!(
            dir.set_permanent_password(&held, &new, &new),
            Err(Error::PasswordChangeExpired)
        ),
        "a disabled user's ticket stops working"
    );
    assert_eq!(
        trail(&dir, A).first(),
        Some(&Action::UserDisabled { user: bob.to_ref() })
    );
    assert!(
        !trail(&dir, B)
            .iter()
            .any(|a| matches!(a, Action::UserDisabled { .. })),
        "B does not govern bob"
    );
    let before = everything(&dir);
    assert!(
        dir.disable_user(&alice(&dir), BOB)
            .unwrap()
            .already_disabled
    );
    assert_eq!(everything(&dir), before, "disabling again changes nothing");
    assert_eq!(dir.members(&Actor::Support, SALES).unwrap().len(), 1);
}

/// Enabling bob again: he signs in again, recorded in A's trail; enabling
/// an active user changes nothing. Olga and carol are refused.
fn enable_user<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    dir.disable_user(&alice(&dir), BOB).unwrap();
    refused_to_others(&dir, |actor| dir.enable_user(actor, BOB));
    refuses_bad_targets(&dir, |email| dir.enable_user(&alice(&dir), email));
    let enabled = dir.enable_user(&Actor::Support, BOB).unwrap();
    assert!(!enabled.already_active);
    assert_eq!(stored(&dir, BOB).unwrap().status, UserStatus::Active);
    assert!(signs_in(&dir, BOB), "an enabled user signs in again");
    assert_eq!(
        trail(&dir, A).first(),
        Some(&Action::UserEnabled {
            user: stored(&dir, BOB).unwrap().to_ref()
        })
    );
    let before = everything(&dir);
    assert!(dir.enable_user(&alice(&dir), BOB).unwrap().already_active);
    assert_eq!(everything(&dir), before, "enabling again changes nothing");
}

/// A registration link sent by a user stops working while they are
/// disabled, and works again once they are enabled (before it expires).
fn disable_user_stops_the_links_they_sent<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    let bob = user(&dir, BOB);
    let token = registration_token(dir.send_secure_message(&bob, A, "dan@example.com").unwrap());
    dir.disable_user(&alice(&dir), BOB).unwrap();
    let before = everything(&dir);
    assert!(
        matches!(
            dir.register(&token, &register_form()),
            Err(Error::RegistrationRefused)
        ),
        "a disabled sender's link must stop working"
    );
    assert_eq!(everything(&dir), before);
    dir.enable_user(&alice(&dir), BOB).unwrap();
    dir.register(&token, &register_form()).unwrap();
    assert!(stored(&dir, "dan@example.com").is_some());
}

/// A user governed by both accounts (bob, put into B by Support) is
/// disabled only by someone who administers both; the change is recorded
/// in both trails.
fn disable_user_needs_every_governing_account<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    dir.add_to_group(&Actor::Support, GroupId::administrators(B), BOB)
        .unwrap();
    let before = everything(&dir);
    for actor in [alice(&dir), olga(&dir)] {
        assert!(matches!(
            dir.disable_user(&actor, BOB),
            Err(Error::Forbidden(Forbidden::NotGoverningAdministrator))
        ));
    }
    assert_eq!(everything(&dir), before);
    dir.disable_user(&Actor::Support, BOB).unwrap();
    let bob = stored(&dir, BOB).unwrap().to_ref();
    for account in [A, B] {
        assert_eq!(
            trail(&dir, account).first(),
            Some(&Action::UserDisabled { user: bob.clone() }),
            "recorded in {account}"
        );
    }
}

// ---------------------------------------------------------------------------
// delete_user
// ---------------------------------------------------------------------------

/// Deleting bob removes him and his memberships; the trail keeps his
/// history by id; his address is free for a new user who inherits nothing;
/// the links he sent stop working. Olga and carol are refused.
fn delete_user<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    let token = registration_token(
        dir.send_secure_message(&user(&dir, BOB), A, "dan@example.com")
            .unwrap(),
    );
    refused_to_others(&dir, |actor| dir.delete_user(actor, BOB));
    refuses_bad_targets(&dir, |email| dir.delete_user(&alice(&dir), email));
    let bob = stored(&dir, BOB).unwrap();
    let deleted = dir.delete_user(&alice(&dir), BOB).unwrap();
    assert_eq!(deleted.user, bob.to_ref());
    assert_eq!(deleted.to_string(), "User bob@example.com deleted.");
    assert!(stored(&dir, BOB).is_none(), "bob is gone");
    let reader = dir.read_store().unwrap();
    assert!(Reader::user(&reader, bob.id).unwrap().is_none());
    drop(reader);
    assert!(
        dir.members(&Actor::Support, SALES).unwrap().is_empty(),
        "his memberships are gone"
    );
    let actions = trail(&dir, A);
    assert_eq!(
        actions.first(),
        Some(&Action::UserDeleted { user: bob.to_ref() })
    );
    assert!(
        actions.iter().any(|a| matches!(a,
            Action::UserAdded { user, .. } if user.id == bob.id)),
        "the trail keeps his history by id"
    );
    assert!(
        matches!(
            dir.register(&token, &register_form()),
            Err(Error::RegistrationRefused)
        ),
        "a deleted sender's link must stop working"
    );
    // The address again: a new user, who inherits nothing.
    let again = dir
        .add_user(&alice(&dir), A, &form("Bob@Example.com"))
        .unwrap();
    assert_ne!(again.user.id, bob.id, "a new user gets a new id");
    assert!(dir.members(&Actor::Support, SALES).unwrap().is_empty());
    let reader = dir.read_store().unwrap();
    assert!(
        Reader::user_groups(&reader, again.user.id)
            .unwrap()
            .is_empty()
    );
    drop(reader);
    match dir.delete_user(&alice(&dir), "nobody@example.com") {
        Err(Error::UserNotFound { .. }) => {}
        other => panic!("expected UserNotFound, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// rename_user
// ---------------------------------------------------------------------------

/// Renaming bob records the names before and after; a refused name names
/// its field and changes nothing; the same names change nothing. Olga and
/// carol are refused.
fn rename_user<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    refused_to_others(&dir, |actor| dir.rename_user(actor, BOB, "Robert", "Lee"));
    refuses_bad_targets(&dir, |email| {
        dir.rename_user(&alice(&dir), email, "Robert", "Lee")
    });
    let before = everything(&dir);
    for (first, last, field) in [
        ("", "Lee", Field::FirstName),
        ("Robert", "   ", Field::LastName),
        ("Rob\u{0}ert", "Lee", Field::FirstName),
    ] {
        match dir.rename_user(&alice(&dir), BOB, first, last) {
            Err(Error::Invalid(invalid)) => assert_eq!(invalid.field, field),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
    assert_eq!(everything(&dir), before, "a refused name changes nothing");
    let renamed = dir
        .rename_user(&alice(&dir), BOB, " Robert ", "Lee")
        .unwrap();
    assert_eq!(renamed.previous_first_name.as_str(), "Bob");
    assert_eq!(renamed.first_name.as_str(), "Robert");
    assert_eq!(
        renamed.to_string(),
        "bob@example.com is now named Robert Lee."
    );
    let bob = stored(&dir, BOB).unwrap();
    assert_eq!(
        (bob.first_name.as_str(), bob.last_name.as_str()),
        ("Robert", "Lee")
    );
    match trail(&dir, A).first() {
        Some(Action::UserRenamed {
            user,
            from_first,
            from_last,
            to_first,
            to_last,
        }) => {
            assert_eq!(user.id, bob.id);
            assert_eq!(
                [from_first, from_last, to_first, to_last].map(|n| n.as_str()),
                ["Bob", "Builder", "Robert", "Lee"]
            );
        }
        other => panic!("expected UserRenamed, got {other:?}"),
    }
    let before = everything(&dir);
    dir.rename_user(&alice(&dir), BOB, "Robert", "Lee").unwrap();
    assert_eq!(everything(&dir), before, "the same names change nothing");
}

// ---------------------------------------------------------------------------
// change_email
// ---------------------------------------------------------------------------

/// Changing bob's address: unique ignoring case, his id, memberships and
/// history stay, recorded with both addresses. Olga and carol are refused.
fn change_email<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    refused_to_others(&dir, |actor| {
        dir.change_email(actor, BOB, "robert@example.com")
    });
    refuses_bad_targets(&dir, |email| {
        dir.change_email(&alice(&dir), email, "robert@example.com")
    });
    let before = everything(&dir);
    match dir.change_email(&alice(&dir), BOB, "ALICE@example.com") {
        Err(Error::UserExists { email }) => assert_eq!(email.as_str(), "ALICE@example.com"),
        other => panic!("expected UserExists, got {other:?}"),
    }
    match dir.change_email(&alice(&dir), BOB, "robert at example") {
        Err(Error::Invalid(invalid)) => assert_eq!(invalid.field, Field::Email),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(everything(&dir), before, "a refusal changes nothing");
    let bob = stored(&dir, BOB).unwrap();
    let changed = dir
        .change_email(&alice(&dir), "BOB@example.com", "Robert@Example.com")
        .unwrap();
    assert_eq!(changed.user.id, bob.id);
    assert_eq!(changed.previous.as_str(), BOB);
    assert_eq!(
        changed.to_string(),
        "The email address bob@example.com is now Robert@Example.com."
    );
    assert!(stored(&dir, BOB).is_none(), "the old address finds no one");
    let robert = stored(&dir, "robert@example.com").unwrap();
    assert_eq!(robert.id, bob.id, "the id stays");
    assert_eq!(robert.email.as_str(), "Robert@Example.com");
    assert_eq!(
        dir.members(&Actor::Support, SALES).unwrap()[0].id,
        bob.id,
        "memberships stay"
    );
    assert_eq!(
        trail(&dir, A).first(),
        Some(&Action::EmailChanged {
            user: bob.id,
            from: bob.email.clone(),
            to: robert.email.clone(),
        })
    );
    // Only the case: allowed, and the address as typed changes.
    dir.change_email(&alice(&dir), "robert@example.com", "robert@example.com")
        .unwrap();
    assert_eq!(
        stored(&dir, "robert@example.com").unwrap().email.as_str(),
        "robert@example.com"
    );
    // The old address is free again.
    dir.add_user(&alice(&dir), A, &form(BOB)).unwrap();
    assert_ne!(stored(&dir, BOB).unwrap().id, bob.id);
}

/// An address another account has invited cannot be taken by a change of
/// email (that invitation is not A's to void, R14); A's own invitation of
/// the address ends, recorded in A's trail.
fn change_email_respects_invitations<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    dir.send_secure_message(&olga(&dir), B, "dan@example.com")
        .unwrap();
    let before = everything(&dir);
    match dir.change_email(&alice(&dir), BOB, "dan@example.com") {
        Err(Error::InvitedElsewhere { .. }) => {}
        other => panic!("expected InvitedElsewhere, got {other:?}"),
    }
    assert_eq!(everything(&dir), before);
    let token = registration_token(
        dir.send_secure_message(&alice(&dir), A, "erin@example.com")
            .unwrap(),
    );
    dir.change_email(&alice(&dir), BOB, "erin@example.com")
        .unwrap();
    assert!(
        trail(&dir, A)
            .iter()
            .any(|a| matches!(a, Action::RegistrationEnded { email } if email.as_str() == "erin@example.com")),
        "A's own invitation of the address ends"
    );
    assert!(matches!(
        dir.register(&token, &register_form()),
        Err(Error::RegistrationRefused)
    ));
}

/// R14: an invitation whose sender is disabled or deleted no longer works,
/// so it holds its address for no one: another account may add the
/// address, or move a user to it. (Before, such a dead link refused both
/// until it expired.)
fn r14_a_dead_invitation_holds_no_address<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    let support = Actor::Support;
    // Oscar also administers B, so that olga may be disabled and deleted (R16).
    dir.add_user(&support, B, &form("oscar@example.com"))
        .unwrap();
    dir.add_to_group(&support, GroupId::administrators(B), "oscar@example.com")
        .unwrap();
    dir.send_secure_message(&olga(&dir), B, "dan@example.com")
        .unwrap();
    dir.send_secure_message(&olga(&dir), B, "erin@example.com")
        .unwrap();
    assert!(matches!(
        dir.add_user(&alice(&dir), A, &form("dan@example.com")),
        Err(Error::InvitedElsewhere { .. })
    ));
    dir.disable_user(&support, "olga@example.com").unwrap();
    dir.change_email(&alice(&dir), CAROL, "dan@example.com")
        .unwrap();
    dir.enable_user(&support, "olga@example.com").unwrap();
    assert!(matches!(
        dir.add_user(&alice(&dir), A, &form("erin@example.com")),
        Err(Error::InvitedElsewhere { .. })
    ));
    dir.delete_user(&support, "olga@example.com").unwrap();
    dir.add_user(&alice(&dir), A, &form("erin@example.com"))
        .unwrap();
    assert!(stored(&dir, "erin@example.com").is_some_and(|u| u.created_in == A));
}

// ---------------------------------------------------------------------------
// R16: the last active administrator
// ---------------------------------------------------------------------------

fn last_active<T: std::fmt::Debug>(result: Result<T, Error>, account: AccountNumber) {
    match result {
        Err(Error::LastActiveAdministrator { account: a, .. }) => assert_eq!(a, account),
        other => panic!("expected LastActiveAdministrator, got {other:?}"),
    }
}

/// The last active administrator of an account can be neither disabled,
/// deleted nor removed, by herself or by Support; a disabled administrator
/// does not count, and can be removed. Olga and carol are refused first.
fn r16_the_last_active_administrator_stays<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    let before = everything(&dir);
    for actor in [alice(&dir), Actor::Support] {
        last_active(dir.disable_user(&actor, "alice@example.com"), A);
        last_active(dir.delete_user(&actor, "alice@example.com"), A);
        assert!(matches!(
            dir.remove_from_group(&actor, ADMINS, "alice@example.com"),
            Err(Error::LastAdministrator { .. })
        ));
    }
    refused_to_others(&dir, |actor| dir.disable_user(actor, "alice@example.com"));
    assert_eq!(everything(&dir), before, "a refusal changes nothing");
    assert_eq!(
        Error::LastActiveAdministrator {
            email: cres_admin::Email::parse("alice@example.com").unwrap(),
            account: A,
        }
        .to_string(),
        "alice@example.com is the last active Account Administrator of account 12345 \
         and can be neither disabled nor deleted."
    );

    // With a second active administrator, the first may go.
    dir.add_to_group(&alice(&dir), ADMINS, BOB).unwrap();
    dir.delete_user(&Actor::Support, "alice@example.com")
        .unwrap();
    assert!(stored(&dir, "alice@example.com").is_none());
    assert!(is_admin(&dir, A, BOB));
}

/// A disabled second administrator does not count: alice stays the last
/// active one until bob is active again; bob can always be taken away.
fn r16_a_disabled_administrator_does_not_count<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    dir.add_to_group(&alice(&dir), ADMINS, BOB).unwrap();
    dir.disable_user(&alice(&dir), BOB).unwrap();
    let before = everything(&dir);
    assert!(
        matches!(
            dir.remove_from_group(&alice(&dir), ADMINS, "alice@example.com"),
            Err(Error::LastAdministrator { .. })
        ),
        "removal counts active administrators only"
    );
    last_active(dir.disable_user(&alice(&dir), "alice@example.com"), A);
    last_active(dir.delete_user(&Actor::Support, "alice@example.com"), A);
    assert_eq!(everything(&dir), before);
    // The disabled one can always be taken away.
    dir.remove_from_group(&alice(&dir), ADMINS, BOB).unwrap();
    dir.add_to_group(&alice(&dir), ADMINS, BOB).unwrap();
    dir.delete_user(&alice(&dir), BOB).unwrap();
    // With bob active again, alice may go.
    dir.add_user(&alice(&dir), A, &form(BOB)).unwrap();
    dir.add_to_group(&alice(&dir), ADMINS, BOB).unwrap();
    dir.disable_user(&alice(&dir), "alice@example.com").unwrap();
    assert!(!is_admin(&dir, A, "alice@example.com"));
    assert!(is_admin(&dir, A, BOB));
}

/// R16 holds in every account that governs the user: bob, the last active
/// administrator of B, cannot be disabled even though A has alice.
fn r16_holds_in_every_governing_account<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    dir.add_to_group(&Actor::Support, GroupId::administrators(B), BOB)
        .unwrap();
    dir.disable_user(&Actor::Support, "olga@example.com")
        .unwrap();
    let before = everything(&dir);
    last_active(dir.disable_user(&Actor::Support, BOB), B);
    last_active(dir.delete_user(&Actor::Support, BOB), B);
    assert_eq!(everything(&dir), before);
    dir.enable_user(&Actor::Support, "olga@example.com")
        .unwrap();
    dir.disable_user(&Actor::Support, BOB).unwrap();
}

/// A plain user learns nothing about other users: every lifecycle
/// operation refuses carol before looking the target up, so an unknown
/// address and a known one get the same refusal (R13).
fn plain_users_are_refused_before_any_lookup<S: Store>(make: &dyn Fn() -> S) {
    let dir = setup(make());
    let before = everything(&dir);
    for target in [BOB, "nobody@example.com", "alice@example.com"] {
        let carol = carol(&dir);
        let results: [Result<(), Error>; 5] = [
            dir.disable_user(&carol, target).map(drop),
            dir.enable_user(&carol, target).map(drop),
            dir.delete_user(&carol, target).map(drop),
            dir.rename_user(&carol, target, "Eve", "Mallory").map(drop),
            dir.change_email(&carol, target, "eve@example.com")
                .map(drop),
        ];
        for result in results {
            assert!(
                matches!(
                    result,
                    Err(Error::Forbidden(Forbidden::NotGoverningAdministrator))
                ),
                "{target}: {result:?}"
            );
        }
    }
    assert_eq!(everything(&dir), before);
}

macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[test]
                fn $name() {
                    super::$name(&cres_admin::MemoryStore::new);
                }
            )*
        }

        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let folder = super::common::scratch();
                    let next = std::sync::atomic::AtomicUsize::new(0);
                    super::$name(&|| {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        cres_admin::SqliteStore::open(folder.path().join(format!("cres{n}.db")))
                            .expect("a fresh SQLite store")
                    });
                }
            )*
        }
    };
}

on_every_store!(
    disable_user,
    enable_user,
    disable_user_stops_the_links_they_sent,
    disable_user_needs_every_governing_account,
    delete_user,
    rename_user,
    change_email,
    change_email_respects_invitations,
    r14_a_dead_invitation_holds_no_address,
    r16_the_last_active_administrator_stays,
    r16_a_disabled_administrator_does_not_count,
    r16_holds_in_every_governing_account,
    plain_users_are_refused_before_any_lookup,
);
