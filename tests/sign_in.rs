//! Sign-in (issue 5): R7's temporary password and first-login change, the
//! password policy, lock-out, hash upgrades, resets and unlocks.

mod common;

use std::sync::Arc;

use chrono::TimeDelta;
use common::*;
use cres_admin::store::{Store, Transaction};
use cres_admin::{
    Action, Actor, ActorRecord, Directory, Email, Error, Field, FixedClock, Forbidden, GroupId,
    MemoryStore, Password, PasswordChosenBy, PasswordHashing, Problem, SignIn, SignInPolicy,
    SignInSource, SignInState, User, UserId, UserStatus,
};

const TEMPORARY: &str = "Temp-Pass-2026";
const PERMANENT: &str = "correct horse battery staple";

fn pw(secret: &str) -> Password {
    Password::new(secret)
}

/// Account 12345 with alice (admin) and bob (temporary password), on a clock
/// the test can move.
fn world() -> (Directory<MemoryStore>, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(start()));
    let dir = directory(MemoryStore::new()).with_clock(clock.clone());
    bootstrap(&dir);
    dir.add_user(
        &user(&dir, "alice@example.com"),
        ACCOUNT,
        &form("bob@example.com"),
    )
    .unwrap();
    (dir, clock)
}

fn stored(dir: &Directory<impl Store>, email: &str) -> User {
    common::stored(dir, email).expect("the user exists")
}

fn refused(result: Result<SignIn, Error>) {
    let error = result.unwrap_err();
    assert!(matches!(error, Error::SignInRefused), "{error:?}");
    assert_eq!(
        error.to_string(),
        "The email address or password is incorrect, or this user cannot sign in right now."
    );
}

/// Signs bob in with his temporary password and sets `PERMANENT`.
fn make_permanent(dir: &Directory<impl Store>) {
    let SignIn::PermanentPasswordRequired(ticket) = dir
        .authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY))
        .unwrap()
    else {
        panic!("a temporary password must lead to the password change");
    };
    dir.set_permanent_password(&ticket, &pw(PERMANENT), &pw(PERMANENT))
        .unwrap();
}

#[test]
fn r7_a_temporary_password_lets_the_user_in_only_to_set_a_permanent_one() {
    let (dir, _) = world();
    let outcome = dir
        .authenticate(&SOURCE, "Bob@Example.com", &pw(TEMPORARY))
        .unwrap();
    assert_eq!(
        outcome.to_string(),
        "Your password is temporary. Set a permanent password to continue."
    );
    let SignIn::PermanentPasswordRequired(ticket) = outcome else {
        panic!("expected the password change, got {outcome:?}");
    };
    assert_eq!(ticket.user().email.identity(), "bob@example.com");
    assert_eq!(Some(ticket.user().id), id(&dir, "bob@example.com"));
    let changed = dir
        .set_permanent_password(&ticket, &pw(PERMANENT), &pw(PERMANENT))
        .unwrap();
    assert_eq!(changed.to_string(), "Your password has been changed.");

    // The temporary password no longer works; the permanent one signs in.
    refused(dir.authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY)));
    let signed_in = dir
        .authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT))
        .unwrap();
    assert_eq!(signed_in.to_string(), "Signed in as bob@example.com.");
    let SignIn::SignedIn(bob) = signed_in else {
        panic!("expected to be signed in");
    };
    assert_eq!(bob.email.identity(), "bob@example.com");
    assert_eq!(bob.status, UserStatus::Active);
    let credential = stored(&dir, "bob@example.com").credential.unwrap();
    assert!(!credential.temporary);
    // Bob chose it himself (R13).
    assert_eq!(credential.chosen_by, PasswordChosenBy::User);
    let trail = dir.audit_trail(&Actor::Support, ACCOUNT, 10).unwrap();
    assert!(
        matches!(&trail[0].record.action, Action::PasswordChanged { user } if user.email.identity() == "bob@example.com")
    );
    assert_eq!(trail[0].record.actor, record_of(&dir, "bob@example.com"));
}

#[test]
fn r7_the_new_password_must_differ_from_the_temporary_one_and_follow_the_policy() {
    let (dir, _) = world();
    let SignIn::PermanentPasswordRequired(ticket) = dir
        .authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY))
        .unwrap()
    else {
        panic!("expected the password change");
    };
    let before = snapshot(&dir, ACCOUNT);
    let problem = |new: &str, confirm: &str| match dir
        .set_permanent_password(&ticket, &pw(new), &pw(confirm))
        .unwrap_err()
    {
        Error::Invalid(invalid) => (invalid.field, invalid.problem),
        other => panic!("expected an input error, got {other:?}"),
    };
    assert_eq!(
        problem(TEMPORARY, TEMPORARY),
        (Field::Password, Problem::SameAsCurrent)
    );
    assert_eq!(
        problem("password1", "password1"),
        (Field::Password, Problem::CommonPassword)
    );
    assert_eq!(
        problem("bob-rocks-2026", "bob-rocks-2026"),
        (Field::Password, Problem::PersonalInformation)
    );
    assert_eq!(
        problem("Builder!Builder!", "Builder!Builder!"),
        (Field::Password, Problem::PersonalInformation)
    );
    assert_eq!(
        problem(PERMANENT, "something else"),
        (Field::ConfirmPassword, Problem::Mismatch)
    );
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn r7_a_ticket_stops_working_once_the_password_changes() {
    let (dir, _) = world();
    let SignIn::PermanentPasswordRequired(ticket) = dir
        .authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY))
        .unwrap()
    else {
        panic!("expected the password change");
    };
    dir.reset_password(
        &user(&dir, "alice@example.com"),
        "bob@example.com",
        &pw("Another-Temp-77"),
        &pw("Another-Temp-77"),
    )
    .unwrap();
    let error = dir
        .set_permanent_password(&ticket, &pw(PERMANENT), &pw(PERMANENT))
        .unwrap_err();
    assert!(matches!(error, Error::PasswordChangeExpired));
    assert_eq!(
        error.to_string(),
        "This sign-in can no longer change the password: the password changed, too much time \
         passed, or sign-in is locked. Please sign in again."
    );
}

#[test]
fn temporary_passwords_expire_and_an_administrator_resets_them() {
    let (dir, clock) = world();
    clock.advance(TimeDelta::days(7));
    let error = dir
        .authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY))
        .unwrap_err();
    assert!(matches!(error, Error::TemporaryPasswordExpired));
    assert_eq!(
        error.to_string(),
        "This temporary password has expired. Ask an administrator to set a new one."
    );
    // A wrong password still gets the generic refusal: expiry is only told
    // to whoever knows the password.
    refused(dir.authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123")));
    let reset = dir
        .reset_password(
            &user(&dir, "alice@example.com"),
            "bob@example.com",
            &pw("Fresh-Temp-4242"),
            &pw("Fresh-Temp-4242"),
        )
        .unwrap();
    assert_eq!(
        reset.to_string(),
        "bob@example.com has a new temporary password, to be changed at the next sign-in."
    );
    assert_eq!(
        stored(&dir, "bob@example.com")
            .credential
            .unwrap()
            .chosen_by,
        PasswordChosenBy::Administrator {
            user: id(&dir, "alice@example.com").unwrap(),
            account: ACCOUNT,
        }
    );
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw("Fresh-Temp-4242")),
        Ok(SignIn::PermanentPasswordRequired(_))
    ));
    let mut lifetime = SignInPolicy::default();
    lifetime.temporary_password_lifetime = TimeDelta::days(30);
    let (dir, clock) = world();
    let dir = dir.with_sign_in_policy(lifetime);
    clock.advance(TimeDelta::days(29));
    assert!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY))
            .is_ok()
    );
}

/// Customer Support, or an administrator of every account that governs the
/// user (R13).
fn forbidden<T: std::fmt::Debug>(result: Result<T, Error>) {
    let error = result.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Forbidden(Forbidden::NotGoverningAdministrator)
        ),
        "{error:?}"
    );
}

#[test]
fn only_support_or_an_administrator_of_every_governing_account_resets_or_unlocks() {
    let (dir, _) = world();
    other_account_administered_by_olga(&dir);
    let both = [ACCOUNT, OTHER_ACCOUNT];
    let people = ["alice@example.com", "bob@example.com", "olga@example.com"];
    let before = state(&dir, &both, &people);
    let temp = pw("Reset-Temp-9876");
    for actor in [
        user(&dir, "olga@example.com"),
        user(&dir, "bob@example.com"),
    ] {
        forbidden(dir.reset_password(&actor, "bob@example.com", &temp, &temp));
        forbidden(dir.unlock_user(&actor, "bob@example.com"));
    }
    // A plain user is refused before the target is looked up.
    forbidden(dir.unlock_user(&user(&dir, "bob@example.com"), "nobody@example.com"));
    assert_eq!(state(&dir, &both, &people), before);

    // Once bob is also in a group of olga's account, both accounts govern
    // him: neither administrator alone may reset or unlock him.
    dir.add_to_group(
        &Actor::Support,
        GroupId::administrators(OTHER_ACCOUNT),
        "bob@example.com",
    )
    .unwrap();
    let before = state(&dir, &both, &people);
    for actor in [
        user(&dir, "alice@example.com"),
        user(&dir, "olga@example.com"),
    ] {
        forbidden(dir.reset_password(&actor, "bob@example.com", &temp, &temp));
        forbidden(dir.unlock_user(&actor, "bob@example.com"));
    }
    assert_eq!(state(&dir, &both, &people), before);
    dir.reset_password(&Actor::Support, "bob@example.com", &temp, &temp)
        .unwrap();
    // The reset is recorded in each governing account's trail.
    for account in both {
        let trail = dir.audit_trail(&Actor::Support, account, 1).unwrap();
        assert!(
            matches!(&trail[0].record.action, Action::PasswordReset { user } if user.email.identity() == "bob@example.com"),
            "{trail:?}"
        );
        assert_eq!(trail[0].record.actor, ActorRecord::Support);
    }
    assert_eq!(
        stored(&dir, "bob@example.com")
            .credential
            .unwrap()
            .chosen_by,
        PasswordChosenBy::Support
    );
    let error = dir
        .reset_password(&Actor::Support, "nobody@example.com", &temp, &temp)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "No user has the email address nobody@example.com."
    );
}

#[test]
fn unknown_wrong_pending_disabled_and_locked_all_get_the_same_refusal() {
    let store = Arc::new(MemoryStore::new());
    let dir = directory(store.clone());
    bootstrap(&dir);
    dir.add_user(&Actor::Support, ACCOUNT, &form("bob@example.com"))
        .unwrap();
    make_permanent(&dir);
    refused(dir.authenticate(&SOURCE, "nobody@example.com", &pw(PERMANENT)));
    refused(dir.authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123")));
    // An address with only a pending registration has no user to sign in.
    dir.send_secure_message(&Actor::Support, ACCOUNT, "pending@example.com")
        .unwrap();
    refused(dir.authenticate(&SOURCE, "pending@example.com", &pw(PERMANENT)));
    // A disabled copy of bob, with his password, written to the store directly.
    let mut disabled = stored(&dir, "bob@example.com");
    disabled.id = "3f9b7a52-4c1d-4e8f-a6b2-9d0c1e2f3a4b"
        .parse::<UserId>()
        .unwrap();
    disabled.email = Email::parse("disabled@example.com").unwrap();
    disabled.status = UserStatus::Disabled;
    let mut tx = store.begin_write().unwrap();
    tx.insert_user(&disabled).unwrap();
    tx.commit().unwrap();
    refused(dir.authenticate(&SOURCE, "disabled@example.com", &pw(PERMANENT)));
    for _ in 0..5 {
        refused(dir.authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123")));
    }
    refused(dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)));
}

#[test]
fn five_failures_lock_the_source_with_exponential_back_off_and_a_success_resets_it() {
    let (dir, clock) = world();
    make_permanent(&dir);
    let wrong = pw("Wrong-Pass-123");
    // Five failures lock bob's source for `minutes` from now, and the lock
    // is audited as done by no one signed in (R15).
    let lock = |minutes: i64| {
        for _ in 0..5 {
            refused(dir.authenticate(&SOURCE, "bob@example.com", &wrong));
        }
        let sign_in = stored(&dir, "bob@example.com").sign_in;
        let until = sign_in
            .source(&SOURCE)
            .and_then(|t| t.locked_until)
            .expect("locked");
        assert_eq!(until, clock_now(&clock) + TimeDelta::minutes(minutes));
        assert!(!sign_in.is_locked(clock_now(&clock)), "only the source");
        let trail = dir.audit_trail(&Actor::Support, ACCOUNT, 1).unwrap();
        assert!(
            matches!(&trail[0].record.action, Action::UserLocked { until: audited, every_source: false, .. } if *audited == until)
        );
        assert_eq!(trail[0].record.actor, ActorRecord::Unauthenticated);
    };
    lock(1);
    // The right password does not open a lock, nor is it verified.
    refused(dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)));
    clock.advance(TimeDelta::minutes(1));
    // Unlocked by time; five more failures lock for twice as long.
    lock(2);
    clock.advance(TimeDelta::minutes(2));
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)),
        Ok(SignIn::SignedIn(_))
    ));
    // The success clears its source; the user's own count keeps the ten
    // failures (it is only uncounted itself), far below its ceiling.
    let sign_in = stored(&dir, "bob@example.com").sign_in;
    assert_eq!(sign_in.source(&SOURCE), None);
    assert_eq!(sign_in.user.failures, 10);
    assert_eq!(sign_in.user.locked_until, None);
    // After a success the back-off starts over at one minute.
    lock(1);
}

#[test]
fn four_failures_then_the_right_password_sign_in_and_clear_the_source() {
    let (dir, _) = world();
    make_permanent(&dir);
    for _ in 0..4 {
        refused(dir.authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123")));
    }
    assert_eq!(
        stored(&dir, "bob@example.com")
            .sign_in
            .source(&SOURCE)
            .map(|t| t.failures),
        Some(4)
    );
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)),
        Ok(SignIn::SignedIn(_))
    ));
    assert_eq!(
        stored(&dir, "bob@example.com").sign_in.source(&SOURCE),
        None
    );
    // The next five failures are a fresh count: the fifth locks, not the first.
    for _ in 0..4 {
        refused(dir.authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123")));
    }
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)),
        Ok(SignIn::SignedIn(_))
    ));
}

#[test]
fn a_locked_source_does_not_lock_out_another_source() {
    let (dir, _) = world();
    make_permanent(&dir);
    let guesser = SignInSource::new("203.0.113.9");
    for _ in 0..5 {
        refused(dir.authenticate(&guesser, "bob@example.com", &pw("Wrong-Pass-123")));
    }
    refused(dir.authenticate(&guesser, "bob@example.com", &pw(PERMANENT)));
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)),
        Ok(SignIn::SignedIn(_))
    ));
    // Bob's success leaves the guesser's lock alone.
    let sign_in = stored(&dir, "bob@example.com").sign_in;
    assert!(
        sign_in
            .source(&guesser)
            .is_some_and(|t| t.locked_until.is_some())
    );
}

fn clock_now(clock: &FixedClock) -> chrono::DateTime<chrono::Utc> {
    cres_admin::Clock::now(clock)
}

#[test]
fn an_administrator_unlocks_a_locked_user_and_it_is_audited() {
    let (dir, _) = world();
    make_permanent(&dir);
    for _ in 0..5 {
        refused(dir.authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123")));
    }
    let unlocked = dir
        .unlock_user(&user(&dir, "alice@example.com"), "bob@example.com")
        .unwrap();
    assert_eq!(unlocked.to_string(), "bob@example.com can sign in again.");
    let trail = dir.audit_trail(&Actor::Support, ACCOUNT, 1).unwrap();
    assert!(matches!(
        &trail[0].record.action,
        Action::UserUnlocked { .. }
    ));
    assert_eq!(trail[0].record.actor, record_of(&dir, "alice@example.com"));
    // Every source and the user's own count are cleared; when bob last
    // signed in (making his password permanent) is kept.
    let state = stored(&dir, "bob@example.com").sign_in;
    assert!(state.last_signed_in.is_some());
    assert_eq!(
        state,
        SignInState {
            last_signed_in: state.last_signed_in,
            ..SignInState::default()
        }
    );
    // Unlocking a user with nothing to clear changes and records nothing.
    let entries = audit_len(&dir);
    let before = snapshot(&dir, ACCOUNT);
    dir.unlock_user(&user(&dir, "alice@example.com"), "bob@example.com")
        .unwrap();
    assert_eq!(audit_len(&dir), entries);
    assert_eq!(snapshot(&dir, ACCOUNT), before);
    assert!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT))
            .is_ok()
    );
}

#[test]
fn unlocking_a_user_who_just_signed_in_records_nothing() {
    let (dir, _) = world();
    make_permanent(&dir);
    assert!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT))
            .is_ok()
    );
    let entries = audit_len(&dir);
    dir.unlock_user(&user(&dir, "alice@example.com"), "bob@example.com")
        .unwrap();
    assert_eq!(audit_len(&dir), entries, "nothing was locked or failed");
}

#[test]
fn a_hash_made_with_weaker_parameters_is_upgraded_at_the_next_sign_in() {
    let (dir, _) = world();
    make_permanent(&dir);
    let weak = stored(&dir, "bob@example.com").credential.unwrap().hash;
    assert!(weak.as_phc().contains("m=8,t=1,p=1"));
    let stronger = PasswordHashing::new(16, 2, 1).unwrap();
    let dir = dir.with_password_hashing(stronger);
    refused(dir.authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123")));
    assert_eq!(
        stored(&dir, "bob@example.com").credential.unwrap().hash,
        weak,
        "a failed sign-in upgrades nothing"
    );
    assert!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT))
            .is_ok()
    );
    let upgraded = stored(&dir, "bob@example.com").credential.unwrap().hash;
    assert!(upgraded.as_phc().contains("m=16,t=2,p=1"), "{upgraded:?}");
    assert!(dir.password_hashing().verify(&pw(PERMANENT), &upgraded));
    assert!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT))
            .is_ok()
    );
}

#[test]
fn change_password_needs_the_current_one_and_counts_failures() {
    let (dir, _) = world();
    make_permanent(&dir);
    let next = pw("a brand new passphrase");
    let error = dir
        .change_password(
            &SOURCE,
            "bob@example.com",
            &pw("Wrong-Pass-123"),
            &next,
            &next,
        )
        .unwrap_err();
    assert!(matches!(error, Error::SignInRefused));
    let sign_in = stored(&dir, "bob@example.com").sign_in;
    assert_eq!(sign_in.user.failures, 1);
    assert_eq!(sign_in.source(&SOURCE).map(|t| t.failures), Some(1));
    dir.change_password(&SOURCE, "bob@example.com", &pw(PERMANENT), &next, &next)
        .unwrap();
    refused(dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT)));
    assert!(dir.authenticate(&SOURCE, "bob@example.com", &next).is_ok());
}

#[test]
fn add_user_applies_the_same_policy() {
    let (dir, _) = world();
    let before = snapshot(&dir, ACCOUNT);
    let mut new = form("carol@example.com");
    for (secret, problem) in [
        ("iloveyou1", Problem::CommonPassword),
        ("carol-2026-x", Problem::PersonalInformation),
    ] {
        new.password = pw(secret);
        new.confirm_password = pw(secret);
        let error = dir
            .add_user(&user(&dir, "alice@example.com"), ACCOUNT, &new)
            .unwrap_err();
        assert!(
            matches!(&error, Error::Invalid(i) if i.problem == problem),
            "{error:?}"
        );
    }
    assert_eq!(
        dir.add_user(&user(&dir, "alice@example.com"), ACCOUNT, &new)
            .unwrap_err()
            .to_string(),
        "Password must not be or contain your name or the part of your email address before the @."
    );
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn bad_sign_in_input_is_a_clear_error_and_changes_nothing() {
    let (dir, _) = world();
    let before = snapshot(&dir, ACCOUNT);
    let invalid =
        |email: &str, password: Password| match dir.authenticate(&SOURCE, email, &password) {
            Err(Error::Invalid(invalid)) => (invalid.field, invalid.problem),
            other => panic!("expected an input error, got {other:?}"),
        };
    assert_eq!(
        invalid("bob@example.com", pw("")),
        (Field::Password, Problem::Empty)
    );
    assert_eq!(
        invalid("bob@example.com", pw(&"x".repeat(1 << 20))),
        (Field::Password, Problem::TooLong { max: 128 })
    );
    assert_eq!(
        invalid("bob@example.com", pw("Temp\0Pass-2026")),
        (Field::Password, Problem::ControlCharacter)
    );
    assert_eq!(
        invalid("bob at example.com", pw(TEMPORARY)),
        (Field::Email, Problem::Whitespace)
    );
    assert_eq!(invalid("", pw(TEMPORARY)), (Field::Email, Problem::Empty));
    assert_eq!(snapshot(&dir, ACCOUNT), before);
    assert_eq!(
        stored(&dir, "bob@example.com").sign_in,
        SignInState::default()
    );
}

#[test]
fn no_password_or_hash_appears_in_outcomes_errors_or_the_audit_trail() {
    let (dir, _) = world();
    let outcome = dir
        .authenticate(&SOURCE, "bob@example.com", &pw(TEMPORARY))
        .unwrap();
    let hash = stored(&dir, "bob@example.com").credential.unwrap().hash;
    let digest = hash.as_phc().rsplit('$').next().unwrap().to_owned();
    let SignIn::PermanentPasswordRequired(ticket) = &outcome else {
        panic!("expected the password change");
    };
    let mut shown = format!("{outcome} {outcome:?} {ticket:?}");
    dir.set_permanent_password(ticket, &pw(PERMANENT), &pw(PERMANENT))
        .unwrap();
    for _ in 0..5 {
        let error = dir
            .authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123"))
            .unwrap_err();
        shown += &format!("{error} {error:?}");
    }
    shown += &format!(
        "{:?}",
        dir.audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
            .unwrap()
    );
    for secret in [TEMPORARY, PERMANENT, "Wrong-Pass-123", &digest] {
        assert!(!shown.contains(secret), "{secret} leaked");
    }
}

/// Signing in, failing to and being locked out is bookkeeping, not a change
/// of the user: the revision a caller read stays current. A reset and an
/// unlock by an administrator are changes.
#[test]
fn sign_in_bookkeeping_leaves_the_revision_and_administrators_move_it() {
    let (dir, _) = world();
    make_permanent(&dir);
    let revision = || stored(&dir, "bob@example.com").revision;
    let before = revision();
    assert!(
        dir.authenticate(&SOURCE, "bob@example.com", &pw(PERMANENT))
            .is_ok()
    );
    for _ in 0..6 {
        refused(dir.authenticate(&SOURCE, "bob@example.com", &pw("Wrong-Pass-123")));
    }
    assert!(
        stored(&dir, "bob@example.com")
            .sign_in
            .source(&SOURCE)
            .is_some()
    );
    assert_eq!(
        revision(),
        before,
        "sign-ins and a lock-out keep the revision"
    );
    let alice = user(&dir, "alice@example.com");
    dir.unlock_user(&alice, "bob@example.com").unwrap();
    assert_eq!(revision(), before + 1, "an unlock is a change");
    dir.reset_password(
        &alice,
        "bob@example.com",
        &pw("Fresh-Temp-4242"),
        &pw("Fresh-Temp-4242"),
    )
    .unwrap();
    assert_eq!(revision(), before + 2, "a reset is a change");
}
