//! Tenant isolation (R13–R15): the reproductions of the security review, each
//! named after its rule, on MemoryStore and on SqliteStore.
//!
//! Account 12345 (A) is administered by alice, account 67890 (B) by olga.

mod common;

use std::sync::{Arc, Barrier};

use chrono::TimeDelta;
use common::*;
use cres_admin::store::Reader;
use cres_admin::testing::FailingStore;
use cres_admin::{
    AccountNumber, Action, Actor, ActorRecord, Directory, Email, Error, FixedClock, Forbidden,
    GroupId, Password, RegistrationForm, SecureMessageSent, SignIn, SignInPolicy, SignInSource,
    Store,
};

const A: AccountNumber = ACCOUNT;
const B: AccountNumber = OTHER_ACCOUNT;
const B_ADMINS: GroupId = GroupId::administrators(B);

fn pw(text: &str) -> Password {
    Password::new(text)
}

/// Both accounts, alice administering A and olga B, on a clock the test moves.
fn two_accounts<S: Store>(store: S) -> (Directory<S>, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(start()));
    let dir = directory(store).with_clock(clock.clone());
    bootstrap(&dir);
    other_account_administered_by_olga(&dir);
    (dir, clock)
}

fn alice<S: Store>(dir: &Directory<S>) -> Actor {
    user(dir, "alice@example.com")
}

fn olga<S: Store>(dir: &Directory<S>) -> Actor {
    user(dir, "olga@example.com")
}

fn registration_form(password: &str) -> RegistrationForm {
    RegistrationForm::new("Bob", "Builder", pw(password))
}

fn token(sent: SecureMessageSent) -> String {
    match sent {
        SecureMessageSent::RegistrationIssued { token, .. } => token.as_str().to_owned(),
        other => panic!("expected a registration token, got {other:?}"),
    }
}

fn everything<S: Store>(dir: &Directory<S>) -> String {
    state(
        dir,
        &[A, B],
        &[
            "alice@example.com",
            "olga@example.com",
            "bob@example.com",
            "ceo@b.test",
            "carol@example.com",
        ],
    )
}

/// Asserts that both accounts' trails record an action that `is` matches.
fn recorded_in_both<S: Store>(dir: &Directory<S>, what: &str, is: impl Fn(&Action) -> bool) {
    for account in [A, B] {
        assert!(
            trail(dir, account).iter().any(&is),
            "{what} must be in the trail of account {account}"
        );
    }
}

fn forbidden_governing(result: Result<impl std::fmt::Debug, Error>) {
    match result {
        Err(Error::Forbidden(Forbidden::NotGoverningAdministrator)) => {}
        other => panic!("expected NotGoverningAdministrator, got {other:?}"),
    }
}

fn trail<S: Store>(dir: &Directory<S>, account: AccountNumber) -> Vec<Action> {
    dir.audit_trail(&Actor::Support, account, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|entry| entry.record.action)
        .collect()
}

// ---------------------------------------------------------------------------
// R13: who governs a user
// ---------------------------------------------------------------------------

/// Bob registers through A's secure message (so A governs him, and he chose
/// his password), then olga makes him an administrator of B.
fn bob_of_a_administers_b<S: Store>(store: S) -> Directory<S> {
    let (dir, _) = two_accounts(store);
    let sent = dir
        .send_secure_message(&alice(&dir), A, "bob@example.com")
        .unwrap();
    dir.register(&token(sent), &registration_form("Quiet-river-77"))
        .unwrap();
    dir.add_to_group(&olga(&dir), B_ADMINS, "bob@example.com")
        .unwrap();
    dir
}

/// Review reproduction 1: Bob registers through A's message, Olga makes him
/// an administrator of B; Alice (A only) can no longer reset his password,
/// sign in as him, and take over B.
fn r13_a_cannot_reset_an_administrator_of_b_who_registered_through_a<S: Store>(
    make: &dyn Fn() -> S,
) {
    let dir = bob_of_a_administers_b(make());
    let before = everything(&dir);

    forbidden_governing(dir.reset_password(
        &alice(&dir),
        "bob@example.com",
        &pw("Alice-knows-this-1"),
        &pw("Alice-knows-this-1"),
    ));
    assert_eq!(everything(&dir), before, "a refused reset changes nothing");
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw("Alice-knows-this-1")),
        Err(Error::SignInRefused)
    ));
    assert!(matches!(
        dir.add_to_group(&alice(&dir), B_ADMINS, "alice@example.com"),
        Err(Error::Forbidden(Forbidden::NotAccountAdministrator { .. }))
    ));
    // Bob still signs in with his own password, and olga is still B's administrator.
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw("Quiet-river-77")),
        Ok(SignIn::SignedIn(_))
    ));
    assert!(is_admin(&dir, B, "olga@example.com"));
}

/// Review reproduction 2: Bob was added by Customer Support "in A" and made
/// B's first administrator; Alice cannot reset him either.
fn r13_a_cannot_reset_bs_first_administrator_added_in_a_by_support<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    dir.add_user(&Actor::Support, A, &form("bob@example.com"))
        .unwrap();
    dir.add_to_group(&Actor::Support, B_ADMINS, "bob@example.com")
        .unwrap();
    let before = everything(&dir);
    forbidden_governing(dir.reset_password(
        &alice(&dir),
        "bob@example.com",
        &pw("Alice-knows-this-1"),
        &pw("Alice-knows-this-1"),
    ));
    assert_eq!(everything(&dir), before);
    // An administrator of every governing account may: Support here.
    dir.reset_password(
        &Actor::Support,
        "bob@example.com",
        &pw("Support-chose-9x"),
        &pw("Support-chose-9x"),
    )
    .unwrap();
    recorded_in_both(&dir, "the reset", |a| {
        matches!(a, Action::PasswordReset { .. })
    });
}

/// Review reproduction 3: Alice creates ceo@b.test with a password she
/// chose; B's administrator cannot put "the CEO" into B's groups until the
/// CEO has set their own password.
fn r13_a_password_chosen_in_a_keeps_the_user_out_of_b<S: Store>(make: &dyn Fn() -> S) {
    for temporary in [false, true] {
        let (dir, _) = two_accounts(make());
        let mut ceo = form("ceo@b.test");
        ceo.password = pw("Alice-chose-this-7");
        ceo.confirm_password = pw("Alice-chose-this-7");
        ceo.enforce_password_expiration = temporary;
        dir.add_user(&alice(&dir), A, &ceo).unwrap();
        let before = everything(&dir);
        let refused = dir
            .add_to_group(&olga(&dir), B_ADMINS, "ceo@b.test")
            .unwrap_err();
        assert!(
            matches!(&refused, Error::OwnPasswordRequired { email } if email.as_str() == "ceo@b.test"),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("set their own password"));
        assert_eq!(everything(&dir), before, "the refusal changes nothing");

        // The CEO sets their own password; then B may add them.
        if temporary {
            let Ok(SignIn::PermanentPasswordRequired(ticket)) =
                dir.authenticate(&SOURCE, "ceo@b.test", &pw("Alice-chose-this-7"))
            else {
                panic!("a temporary password asks for a permanent one");
            };
            dir.set_permanent_password(&ticket, &pw("Calm-forest-5"), &pw("Calm-forest-5"))
                .unwrap();
        } else {
            dir.change_password(
                &SOURCE,
                "ceo@b.test",
                &pw("Alice-chose-this-7"),
                &pw("Calm-forest-5"),
                &pw("Calm-forest-5"),
            )
            .unwrap();
        }
        dir.add_to_group(&olga(&dir), B_ADMINS, "ceo@b.test")
            .unwrap();
        assert!(matches!(
            dir.authenticate(&SOURCE, "ceo@b.test", &pw("Alice-chose-this-7")),
            Err(Error::SignInRefused)
        ));
        // And Alice, who governs only A, can no longer reset the CEO.
        forbidden_governing(dir.reset_password(
            &alice(&dir),
            "ceo@b.test",
            &pw("Alice-again-42x"),
            &pw("Alice-again-42x"),
        ));
    }
}

/// Customer Support may add a user whatever chose their password, and an
/// administrator of both accounts may too.
fn r13_support_and_administrators_of_both_may_add<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    dir.add_user(&alice(&dir), A, &form("ceo@b.test")).unwrap();
    let sales_b = dir.create_group(&olga(&dir), B, "Sales").unwrap().group.id;
    dir.add_to_group(&Actor::Support, sales_b, "ceo@b.test")
        .unwrap();
    // Alice becomes an administrator of B too: her choice is then B's.
    dir.add_user(&alice(&dir), A, &form("dave@example.com"))
        .unwrap();
    dir.add_to_group(&Actor::Support, B_ADMINS, "alice@example.com")
        .unwrap();
    dir.add_to_group(&olga(&dir), B_ADMINS, "dave@example.com")
        .unwrap();
}

/// Review reproduction 4: `unlock_user` across accounts.
fn r13_unlock_across_accounts_is_refused<S: Store>(make: &dyn Fn() -> S) {
    let dir = bob_of_a_administers_b(make());
    for _ in 0..5 {
        let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("wrong-guess-123"));
    }
    let before = everything(&dir);
    forbidden_governing(dir.unlock_user(&alice(&dir), "bob@example.com"));
    forbidden_governing(dir.unlock_user(&olga(&dir), "bob@example.com"));
    assert_eq!(everything(&dir), before);
    dir.unlock_user(&Actor::Support, "bob@example.com").unwrap();
    recorded_in_both(&dir, "the unlock", |a| {
        matches!(a, Action::UserUnlocked { .. })
    });
}

/// A plain user may act on no one, and learns nothing about whether an
/// address has a user.
fn r13_plain_users_are_refused_before_any_lookup<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    dir.add_user(&alice(&dir), A, &form("bob@example.com"))
        .unwrap();
    let bob = user(&dir, "bob@example.com");
    let before = everything(&dir);
    for target in ["alice@example.com", "nobody@example.com"] {
        forbidden_governing(dir.reset_password(
            &bob,
            target,
            &pw("Some-choice-88"),
            &pw("Some-choice-88"),
        ));
        forbidden_governing(dir.unlock_user(&bob, target));
    }
    for not_support in [alice(&dir), bob.clone()] {
        assert!(matches!(
            dir.purge_expired_registrations(&not_support),
            Err(Error::Forbidden(Forbidden::SupportOnly))
        ));
    }
    assert_eq!(everything(&dir), before);
}

// ---------------------------------------------------------------------------
// R14: pending registrations belong to their account
// ---------------------------------------------------------------------------

/// A's message to an address B invited neither voids nor replaces B's
/// registration, even when A's sender is a plain user; registering through
/// B's link creates the user once, in B, and ends A's registration in A's
/// trail.
fn r14_one_accounts_message_never_voids_anothers_registration<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    dir.add_user(&alice(&dir), A, &form("bob@example.com"))
        .unwrap();
    let from_b = token(
        dir.send_secure_message(&olga(&dir), B, "carol@example.com")
            .unwrap(),
    );
    // Bob is a plain user created in A: he may send for A.
    let from_a = token(
        dir.send_secure_message(&user(&dir, "bob@example.com"), A, "Carol@Example.com")
            .unwrap(),
    );
    let registered = dir
        .register(&from_b, &registration_form("Amber-field-44"))
        .unwrap();
    assert_eq!(registered.user.email.as_str(), "carol@example.com");
    assert!(matches!(
        dir.register(&from_a, &registration_form("Amber-field-44")),
        Err(Error::RegistrationRefused)
    ));
    let carol = Email::parse("carol@example.com").unwrap();
    let pending = dir.read_store().unwrap().registrations(&carol).unwrap();
    let user = stored(&dir, "carol@example.com");
    assert_eq!(user.map(|u| u.created_in), Some(B));
    assert!(
        pending.is_empty(),
        "every registration of the address ended"
    );
    assert!(matches!(
        trail(&dir, B).first(),
        Some(Action::UserRegistered { .. })
    ));
    assert!(matches!(
        trail(&dir, A).first(),
        Some(Action::RegistrationEnded { .. })
    ));
}

/// A's Add User for an address B invited is refused without naming B, and
/// B's link still works.
fn r14_add_user_never_voids_anothers_registration<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    let from_b = token(
        dir.send_secure_message(&olga(&dir), B, "carol@example.com")
            .unwrap(),
    );
    let before = everything(&dir);
    let refused = dir
        .add_user(&alice(&dir), A, &form("carol@example.com"))
        .unwrap_err();
    assert!(
        matches!(refused, Error::InvitedElsewhere { .. }),
        "{refused:?}"
    );
    assert!(!refused.to_string().contains(&B.to_string()));
    assert_eq!(everything(&dir), before, "the refusal changes nothing");
    dir.register(&from_b, &registration_form("Amber-field-44"))
        .unwrap();
}

/// An invitation that has expired no longer holds the address: another
/// account may add it, and the old link stays refused.
fn r14_an_expired_invitation_does_not_hold_the_address<S: Store>(make: &dyn Fn() -> S) {
    let (dir, clock) = two_accounts(make());
    let from_b = token(
        dir.send_secure_message(&olga(&dir), B, "carol@example.com")
            .unwrap(),
    );
    clock.advance(TimeDelta::hours(72));
    dir.add_user(&alice(&dir), A, &form("carol@example.com"))
        .unwrap();
    assert!(
        dir.register(&from_b, &registration_form("Amber-field-44"))
            .is_err()
    );
}

/// At most one registration per (address, account): sending again from the
/// same account replaces its token, not another account's.
fn r14_one_registration_per_address_and_account<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    let first = token(
        dir.send_secure_message(&alice(&dir), A, "carol@example.com")
            .unwrap(),
    );
    let from_b = token(
        dir.send_secure_message(&olga(&dir), B, "carol@example.com")
            .unwrap(),
    );
    let second = token(
        dir.send_secure_message(&alice(&dir), A, "carol@example.com")
            .unwrap(),
    );
    let carol = Email::parse("carol@example.com").unwrap();
    let pending = dir.read_store().unwrap().registrations(&carol).unwrap();
    assert_eq!(
        pending.iter().map(|p| p.account).collect::<Vec<_>>(),
        [A, B]
    );
    assert!(matches!(
        dir.register(&first, &registration_form("Amber-field-44")),
        Err(Error::RegistrationRefused)
    ));
    dir.register(&second, &registration_form("Amber-field-44"))
        .unwrap();
    assert!(matches!(
        dir.register(&from_b, &registration_form("Amber-field-44")),
        Err(Error::RegistrationRefused)
    ));
}

/// Revoking checks the actor before looking anything up: a plain user gets
/// the same refusal whether or not the address is pending.
fn r14_revoke_checks_the_actor_first<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    dir.add_user(&alice(&dir), A, &form("bob@example.com"))
        .unwrap();
    dir.send_secure_message(&alice(&dir), A, "carol@example.com")
        .unwrap();
    let bob = user(&dir, "bob@example.com");
    let before = everything(&dir);
    let pending = dir
        .revoke_registration(&bob, A, "carol@example.com")
        .unwrap_err();
    let absent = dir
        .revoke_registration(&bob, A, "dave@example.com")
        .unwrap_err();
    assert_eq!(pending.to_string(), absent.to_string());
    assert!(matches!(pending, Error::Forbidden(_)));
    // Olga cannot revoke A's registration either, and B has none.
    assert!(matches!(
        dir.revoke_registration(&olga(&dir), A, "carol@example.com"),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        dir.revoke_registration(&olga(&dir), B, "carol@example.com"),
        Err(Error::RegistrationNotFound { .. })
    ));
    assert_eq!(everything(&dir), before, "the refusals change nothing");
    dir.revoke_registration(&alice(&dir), A, "carol@example.com")
        .unwrap();
}

/// Expired registrations are purged by Customer Support, each account's in
/// its own trail; live ones stay.
fn r14_expired_registrations_are_purged<S: Store>(make: &dyn Fn() -> S) {
    let (dir, clock) = two_accounts(make());
    dir.send_secure_message(&alice(&dir), A, "carol@example.com")
        .unwrap();
    dir.send_secure_message(&olga(&dir), B, "carol@example.com")
        .unwrap();
    dir.send_secure_message(&olga(&dir), B, "dave@example.com")
        .unwrap();
    clock.advance(TimeDelta::hours(71));
    let live = token(
        dir.send_secure_message(&alice(&dir), A, "erin@example.com")
            .unwrap(),
    );
    clock.advance(TimeDelta::hours(2));
    let purged = dir.purge_expired_registrations(&Actor::Support).unwrap();
    assert_eq!(purged.count, 3);
    assert!(matches!(
        trail(&dir, A).first(),
        Some(Action::RegistrationsPurged { count: 1 })
    ));
    assert!(matches!(
        trail(&dir, B).first(),
        Some(Action::RegistrationsPurged { count: 2 })
    ));
    assert_eq!(
        dir.purge_expired_registrations(&Actor::Support)
            .unwrap()
            .count,
        0
    );
    dir.register(&live, &registration_form("Green-hill-55"))
        .unwrap();
}

// ---------------------------------------------------------------------------
// R15: sign-in resists guessing without becoming a weapon
// ---------------------------------------------------------------------------

fn locked_bob<S: Store>(store: S) -> (Directory<S>, Arc<FixedClock>) {
    let (dir, clock) = two_accounts(store);
    let mut bob = form("bob@example.com");
    bob.enforce_password_expiration = false;
    bob.password = pw("Morning-tide-1");
    bob.confirm_password = pw("Morning-tide-1");
    dir.add_user(&alice(&dir), A, &bob).unwrap();
    (dir, clock)
}

/// However many wrong guesses arrive at once, they cost the store exactly
/// what `max_failures` sequential ones cost: each verified guess needs a
/// counted attempt, and there are `max_failures` of them per lock window.
fn r15_a_flood_of_guesses_is_verified_at_most_max_failures_times<S: Store>(make: &dyn Fn() -> S) {
    let sequential = FailingStore::new(make());
    let (dir, _) = locked_bob(&sequential);
    let writes = sequential.writes();
    for _ in 0..SignInPolicy::default().max_failures {
        let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("wrong-guess-123"));
    }
    let per_lock = sequential.writes() - writes;

    let flooded = FailingStore::new(make());
    let (dir, _) = locked_bob(&flooded);
    let writes = flooded.writes();
    let barrier = Barrier::new(30);
    std::thread::scope(|scope| {
        for _ in 0..30 {
            scope.spawn(|| {
                barrier.wait();
                let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("wrong-guess-123"));
            });
        }
    });
    assert_eq!(
        flooded.writes() - writes,
        per_lock,
        "30 simultaneous guesses must be counted and locked exactly like 5 sequential ones"
    );
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw("Morning-tide-1")),
        Err(Error::SignInRefused)
    ));
}

/// Failures decay: a typo now and then never adds up to a lock.
fn r15_failures_decay_after_the_window<S: Store>(make: &dyn Fn() -> S) {
    let (dir, clock) = locked_bob(make());
    for _ in 0..10 {
        for _ in 0..4 {
            let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("typo-typo-typo"));
        }
        clock.advance(SignInPolicy::default().failure_window);
    }
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw("Morning-tide-1")),
        Ok(SignIn::SignedIn(_))
    ));
}

/// Review: five guesses an hour from an attacker kept a known user locked
/// for a week. Now the attacker locks only their own source.
fn r15_a_guesser_cannot_keep_a_user_locked_out_from_elsewhere<S: Store>(make: &dyn Fn() -> S) {
    let (dir, clock) = locked_bob(make());
    let attacker = SignInSource::new("203.0.113.9");
    let bob_at_home = SignInSource::new("198.51.100.7");
    let mut refused = 0;
    for _hour in 0..(7 * 24) {
        for _ in 0..5 {
            let _ = dir.authenticate(&attacker, "bob@example.com", &pw("guess-guess-1"));
        }
        clock.advance(TimeDelta::minutes(30));
        if dir
            .authenticate(&bob_at_home, "bob@example.com", &pw("Morning-tide-1"))
            .is_err()
        {
            refused += 1;
        }
        clock.advance(TimeDelta::minutes(30));
    }
    assert_eq!(refused, 0, "Bob was refused {refused} times in a week");
    for _ in 0..5 {
        let _ = dir.authenticate(&attacker, "bob@example.com", &pw("guess-guess-1"));
    }
    assert!(matches!(
        dir.authenticate(&attacker, "bob@example.com", &pw("Morning-tide-1")),
        Err(Error::SignInRefused)
    ));
}

/// NIST's ceiling still holds: failures from many sources lock the user out
/// from every source.
fn r15_many_sources_reach_the_users_ceiling<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = locked_bob(make());
    let ceiling = SignInPolicy::default().max_user_failures;
    for i in 0..ceiling {
        let source = SignInSource::new(&format!("source {i}"));
        let _ = dir.authenticate(&source, "bob@example.com", &pw("guess-guess-1"));
    }
    let fresh = SignInSource::new("a source that never failed");
    assert!(matches!(
        dir.authenticate(&fresh, "bob@example.com", &pw("Morning-tide-1")),
        Err(Error::SignInRefused)
    ));
    assert!(trail(&dir, A).iter().any(|a| matches!(
        a,
        Action::UserLocked {
            every_source: true,
            ..
        }
    )));
}

/// Review: a lock was recorded with the victim as actor, and only in the
/// trail of the account that created them.
fn r15_locks_are_recorded_in_every_governing_account_as_unauthenticated<S: Store>(
    make: &dyn Fn() -> S,
) {
    let (dir, _) = locked_bob(make());
    let sales_b = dir.create_group(&olga(&dir), B, "Sales").unwrap().group.id;
    dir.add_to_group(&Actor::Support, sales_b, "bob@example.com")
        .unwrap();
    for _ in 0..5 {
        let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("wrong-guess-123"));
    }
    for account in [A, B] {
        let entry = dir
            .audit_trail(&Actor::Support, account, 1)
            .unwrap()
            .remove(0);
        assert!(matches!(entry.record.action, Action::UserLocked { .. }));
        assert_eq!(entry.record.actor, ActorRecord::Unauthenticated);
    }
}

/// Review: `unlock_user` on a user with 4 failures and no lock said it
/// unlocked, but left the count, so the next typo locked the user.
fn r15_unlock_clears_failures_that_are_not_a_lock_yet<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = locked_bob(make());
    for _ in 0..4 {
        let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("wrong-guess-123"));
    }
    dir.unlock_user(&alice(&dir), "bob@example.com").unwrap();
    // The four failures are gone: one more typo does not lock.
    let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("wrong-guess-123"));
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw("Morning-tide-1")),
        Ok(SignIn::SignedIn(_))
    ));
    // After a clean success and an unlock, a further unlock has nothing to
    // clear and records nothing.
    dir.unlock_user(&alice(&dir), "bob@example.com").unwrap();
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw("Morning-tide-1")),
        Ok(SignIn::SignedIn(_))
    ));
    let entries = trail(&dir, A).len();
    dir.unlock_user(&alice(&dir), "bob@example.com").unwrap();
    assert_eq!(
        trail(&dir, A).len(),
        entries,
        "an unlock that clears nothing records nothing"
    );
}

fn ticket_for_bob<S: Store>(dir: &Directory<S>) -> cres_admin::PasswordChangeTicket {
    match dir.authenticate(&SOURCE, "bob@example.com", &pw("Temp-Pass-2026")) {
        Ok(SignIn::PermanentPasswordRequired(ticket)) => ticket,
        other => panic!("expected a ticket, got {other:?}"),
    }
}

/// Review: a ticket obtained on day 6 of a 7-day temporary password still
/// worked on day 60, and worked while the user was locked, clearing the lock.
fn r15_tickets_expire_and_are_refused_while_locked<S: Store>(make: &dyn Fn() -> S) {
    let (dir, clock) = two_accounts(make());
    dir.add_user(&alice(&dir), A, &form("bob@example.com"))
        .unwrap();
    let new = pw("Silver-lake-33");

    // After the ticket's lifetime.
    let ticket = ticket_for_bob(&dir);
    clock.advance(SignInPolicy::default().ticket_lifetime);
    assert!(matches!(
        dir.set_permanent_password(&ticket, &new, &new),
        Err(Error::PasswordChangeExpired)
    ));

    // A ticket from day 6 on day 60: the temporary password expired.
    clock.advance(TimeDelta::days(6) - SignInPolicy::default().ticket_lifetime);
    let ticket = ticket_for_bob(&dir);
    clock.advance(TimeDelta::days(54));
    assert!(dir.set_permanent_password(&ticket, &new, &new).is_err());

    // While locked, and the lock stays.
    let (dir, _) = two_accounts(make());
    dir.add_user(&alice(&dir), A, &form("bob@example.com"))
        .unwrap();
    let ticket = ticket_for_bob(&dir);
    for _ in 0..5 {
        let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("wrong-guess-123"));
    }
    let before = everything(&dir);
    assert!(matches!(
        dir.set_permanent_password(&ticket, &new, &new),
        Err(Error::PasswordChangeExpired)
    ));
    assert_eq!(
        everything(&dir),
        before,
        "the refused ticket changes nothing"
    );
}

/// Review: `TimeDelta::MAX` in the policy or the registration lifetime
/// panicked at a temporary-password sign-in, at the 5th failure and in
/// `send_secure_message`. Durations saturate.
fn r15_enormous_durations_saturate<S: Store>(make: &dyn Fn() -> S) {
    let mut policy = SignInPolicy::default();
    policy.first_lockout = TimeDelta::MAX;
    policy.max_lockout = TimeDelta::MAX;
    policy.temporary_password_lifetime = TimeDelta::MAX;
    policy.failure_window = TimeDelta::MAX;
    policy.ticket_lifetime = TimeDelta::MAX;
    let dir = directory(make())
        .with_sign_in_policy(policy)
        .with_registration_lifetime(TimeDelta::MAX);
    bootstrap(&dir);
    dir.add_user(&alice(&dir), A, &form("bob@example.com"))
        .unwrap();
    let ticket = ticket_for_bob(&dir);
    dir.set_permanent_password(&ticket, &pw("Silver-lake-33"), &pw("Silver-lake-33"))
        .unwrap();
    for _ in 0..6 {
        let _ = dir.authenticate(&SOURCE, "bob@example.com", &pw("wrong-guess-123"));
    }
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw("Silver-lake-33")),
        Err(Error::SignInRefused)
    ));
    dir.send_secure_message(&alice(&dir), A, "carol@example.com")
        .unwrap();
}

/// Review: `SignIn::SignedIn` handed out a user whose serde form held the
/// argon2 hash. Nothing serialized carries a hash.
fn r15_nothing_serialized_carries_a_hash<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = locked_bob(make());
    let Ok(signed_in) = dir.authenticate(&SOURCE, "bob@example.com", &pw("Morning-tide-1")) else {
        panic!("Bob signs in");
    };
    let SignIn::SignedIn(profile) = &signed_in else {
        panic!("a permanent password signs in");
    };
    assert!(!serde_json::to_string(profile).unwrap().contains("argon2"));
    assert!(!format!("{signed_in:?}").contains("argon2"));
    let bob = stored(&dir, "bob@example.com");
    assert!(!serde_json::to_string(&bob).unwrap().contains("argon2"));
    dir.send_secure_message(&alice(&dir), A, "carol@example.com")
        .unwrap();
    let carol = Email::parse("carol@example.com").unwrap();
    let pending = dir.read_store().unwrap().registrations(&carol).unwrap();
    let json = serde_json::to_string(&pending).unwrap();
    assert!(!json.contains("verifier"), "{json}");
}

/// The guide's flow is unchanged by all of the above: Alice adds Bob with a
/// temporary password and makes him an administrator; he sets his own and
/// can add users himself.
fn guide_flow_still_works<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    let new_user = form("bob@example.com").enforce_password_expiration(true);
    dir.add_user(&alice(&dir), A, &new_user).unwrap();
    dir.add_to_group(&alice(&dir), ADMINS, "bob@example.com")
        .unwrap();
    let ticket = ticket_for_bob(&dir);
    dir.set_permanent_password(&ticket, &pw("Silver-lake-33"), &pw("Silver-lake-33"))
        .unwrap();
    dir.add_user(&user(&dir, "bob@example.com"), A, &form("dave@example.com"))
        .unwrap();
}

/// The account's name ("Example Corp") is refused as a password, or in one,
/// wherever a password is chosen for a user of it: Add User and registration.
fn the_accounts_name_is_refused_in_passwords<S: Store>(make: &dyn Fn() -> S) {
    let (dir, _) = two_accounts(make());
    let account_name = |result: Result<_, Error>| {
        assert!(
            matches!(&result, Err(Error::Invalid(i)) if i.problem == cres_admin::Problem::AccountName),
            "{result:?}"
        );
    };
    let mut bob = form("bob@example.com");
    bob.password = pw("examplecorp-2026!");
    bob.confirm_password = pw("examplecorp-2026!");
    account_name(dir.add_user(&alice(&dir), A, &bob).map(drop));
    let sent = dir
        .send_secure_message(&alice(&dir), A, "carol@example.com")
        .unwrap();
    let before = everything(&dir);
    account_name(
        dir.register(&token(sent), &registration_form("my Example Corp pass"))
            .map(drop),
    );
    assert_eq!(
        everything(&dir),
        before,
        "a refused password changes nothing"
    );
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
    r13_a_cannot_reset_an_administrator_of_b_who_registered_through_a,
    r13_a_cannot_reset_bs_first_administrator_added_in_a_by_support,
    r13_a_password_chosen_in_a_keeps_the_user_out_of_b,
    r13_support_and_administrators_of_both_may_add,
    r13_unlock_across_accounts_is_refused,
    r13_plain_users_are_refused_before_any_lookup,
    r14_one_accounts_message_never_voids_anothers_registration,
    r14_add_user_never_voids_anothers_registration,
    r14_an_expired_invitation_does_not_hold_the_address,
    r14_one_registration_per_address_and_account,
    r14_revoke_checks_the_actor_first,
    r14_expired_registrations_are_purged,
    r15_a_flood_of_guesses_is_verified_at_most_max_failures_times,
    r15_failures_decay_after_the_window,
    r15_a_guesser_cannot_keep_a_user_locked_out_from_elsewhere,
    r15_many_sources_reach_the_users_ceiling,
    r15_locks_are_recorded_in_every_governing_account_as_unauthenticated,
    r15_unlock_clears_failures_that_are_not_a_lock_yet,
    r15_tickets_expire_and_are_refused_while_locked,
    r15_enormous_durations_saturate,
    r15_nothing_serialized_carries_a_hash,
    guide_flow_still_works,
    the_accounts_name_is_refused_in_passwords,
);
