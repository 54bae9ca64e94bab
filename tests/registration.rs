//! Registration by secure message (R8, issue 6): pending recipients,
//! registration tokens, and the guide's "quick solution".

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use chrono::TimeDelta;
use common::*;
use cres_admin::store::Reader;
use cres_admin::{
    Action, Actor, ActorRecord, Directory, Email, Error, Field, FixedClock, Forbidden, MemoryStore,
    Password, Problem, RegistrationForm, RegistrationToken, SecureMessageSent, SignIn, Store,
};

const PASSPHRASE: &str = "a long and quiet passphrase";

fn world() -> (Directory<MemoryStore>, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(start()));
    let dir = directory(MemoryStore::new()).with_clock(clock.clone());
    bootstrap(&dir);
    (dir, clock)
}

fn registration_form() -> RegistrationForm {
    RegistrationForm::new("Carol", "Jones", Password::new(PASSPHRASE))
}

/// Alice sends a secure message to carol, who has no user: the token.
fn send_to_carol(dir: &Directory<impl Store>) -> RegistrationToken {
    match dir
        .send_secure_message(
            &user(&dir, "alice@example.com"),
            ACCOUNT,
            "carol@example.com",
        )
        .unwrap()
    {
        SecureMessageSent::RegistrationIssued { token, .. } => token,
        other => panic!("expected a registration token, got {other:?}"),
    }
}

fn refused<T: std::fmt::Debug>(result: Result<T, Error>) {
    let error = result.unwrap_err();
    assert!(matches!(error, Error::RegistrationRefused), "{error:?}");
    assert_eq!(
        error.to_string(),
        "This registration link is not valid: it is unknown, already used or revoked."
    );
}

#[test]
fn r8_flow_4_secure_message_registration_then_add_to_group() {
    let (dir, _) = world();
    let alice = user(&dir, "alice@example.com");
    let sent = dir
        .send_secure_message(&alice, ACCOUNT, "Carol@Example.com")
        .unwrap();
    assert_eq!(
        sent.to_string(),
        "Secure message sent to Carol@Example.com. The recipient can register through its link."
    );
    let SecureMessageSent::RegistrationIssued {
        token, expires_at, ..
    } = sent
    else {
        panic!("expected a token");
    };
    assert_eq!(expires_at, start() + TimeDelta::hours(72));

    // Until she registers, Carol does not exist for Add to Group (R5, R8).
    let error = dir
        .add_to_group(&alice, ADMINS, "carol@example.com")
        .unwrap_err();
    assert_eq!(error.to_string(), "Can not add a non existent user.");

    let registered = dir.register(token.as_str(), &registration_form()).unwrap();
    assert_eq!(
        registered.to_string(),
        "Registration complete: Carol@Example.com can now sign in."
    );
    dir.add_to_group(&alice, ADMINS, "carol@example.com")
        .unwrap();
    assert!(matches!(
        dir.authenticate(&SOURCE, "carol@example.com", &Password::new(PASSPHRASE)),
        Ok(SignIn::SignedIn(_))
    ));
    // The token was single use.
    refused(dir.register(token.as_str(), &registration_form()));

    let trail = dir.audit_trail(&alice, ACCOUNT, 3).unwrap();
    let carol = Email::parse("carol@example.com").unwrap();
    let carol_ref = stored(&dir, "carol@example.com").unwrap().to_ref();
    assert!(
        matches!(&trail[0].record.action, Action::MemberAdded { user, .. } if *user == carol_ref)
    );
    assert!(
        matches!(&trail[1].record.action, Action::UserRegistered { user } if *user == carol_ref)
    );
    assert_eq!(trail[1].record.actor, ActorRecord::User(carol_ref.clone()));
    assert!(
        matches!(&trail[2].record.action, Action::SecureMessageSent { email, resent: false } if *email == carol)
    );
    assert_eq!(trail[2].record.actor, record_of(&dir, "alice@example.com"));
}

#[test]
fn r8_a_recipient_with_a_user_is_told_to_sign_in_and_nothing_is_recorded() {
    let (dir, _) = world();
    let before = snapshot(&dir, ACCOUNT);
    let sent = dir
        .send_secure_message(&Actor::Support, ACCOUNT, "ALICE@example.com")
        .unwrap();
    assert!(matches!(sent, SecureMessageSent::RecipientHasUser { .. }));
    assert_eq!(
        sent.to_string(),
        "Secure message sent to alice@example.com, who can sign in to open it."
    );
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn r8_sending_again_issues_a_fresh_token_and_the_old_one_stops_working() {
    let (dir, _) = world();
    let first = send_to_carol(&dir);
    let second = send_to_carol(&dir);
    assert_ne!(first.as_str(), second.as_str());
    refused(dir.register(first.as_str(), &registration_form()));
    dir.register(second.as_str(), &registration_form()).unwrap();
    let trail = dir.audit_trail(&Actor::Support, ACCOUNT, 3).unwrap();
    assert!(matches!(
        &trail[1].record.action,
        Action::SecureMessageSent { resent: true, .. }
    ));
}

#[test]
fn r8_an_administrator_of_the_senders_account_or_support_revokes() {
    let (dir, _) = world();
    other_account_administered_by_olga(&dir);
    let token = send_to_carol(&dir);
    let error = dir
        .revoke_registration(
            &user(&dir, "olga@example.com"),
            ACCOUNT,
            "carol@example.com",
        )
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden(_)), "{error:?}");
    // Olga's own account has no registration of carol: hers to revoke is none (R14).
    let error = dir
        .revoke_registration(
            &user(&dir, "olga@example.com"),
            OTHER_ACCOUNT,
            "carol@example.com",
        )
        .unwrap_err();
    assert!(
        matches!(error, Error::RegistrationNotFound { .. }),
        "{error:?}"
    );
    let revoked = dir
        .revoke_registration(
            &user(&dir, "alice@example.com"),
            ACCOUNT,
            "carol@example.com",
        )
        .unwrap();
    assert_eq!(
        revoked.to_string(),
        "The registration of carol@example.com was revoked; its link no longer works."
    );
    refused(dir.register(token.as_str(), &registration_form()));
    let error = dir
        .revoke_registration(&Actor::Support, ACCOUNT, "carol@example.com")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "No registration is pending for carol@example.com."
    );
    let trail = dir.audit_trail(&Actor::Support, ACCOUNT, 1).unwrap();
    assert!(matches!(
        &trail[0].record.action,
        Action::RegistrationRevoked { .. }
    ));
    // Support may revoke too.
    send_to_carol(&dir);
    dir.revoke_registration(&Actor::Support, ACCOUNT, "carol@example.com")
        .unwrap();
}

#[test]
fn r8_a_token_expires_after_72_hours_with_its_own_message() {
    let (dir, clock) = world();
    let token = send_to_carol(&dir);
    clock.advance(TimeDelta::hours(72));
    let error = dir
        .register(token.as_str(), &registration_form())
        .unwrap_err();
    assert!(matches!(error, Error::RegistrationExpired));
    assert_eq!(
        error.to_string(),
        "This registration link has expired. Ask the sender to send the message again."
    );
    let (dir, clock) = world();
    let dir = dir.with_registration_lifetime(TimeDelta::days(7));
    let token = send_to_carol(&dir);
    clock.advance(TimeDelta::days(6));
    dir.register(token.as_str(), &registration_form()).unwrap();
}

#[test]
fn r8_add_user_for_a_pending_address_creates_the_user_and_voids_the_token() {
    let (dir, _) = world();
    let token = send_to_carol(&dir);
    let added = dir
        .add_user(
            &user(&dir, "alice@example.com"),
            ACCOUNT,
            &form("carol@example.com"),
        )
        .unwrap();
    assert_eq!(added.to_string(), "User carol@example.com added.");
    refused(dir.register(token.as_str(), &registration_form()));
    let carol = Email::parse("carol@example.com").unwrap();
    assert!(
        dir.read_store()
            .unwrap()
            .registrations(&carol)
            .unwrap()
            .is_empty()
    );
    // The user is added, then the account's own invitation ends (R14).
    let trail = dir.audit_trail(&Actor::Support, ACCOUNT, 3).unwrap();
    assert!(
        matches!(&trail[0].record.action, Action::RegistrationEnded { email } if *email == carol)
    );
    assert!(
        matches!(&trail[1].record.action, Action::UserAdded { user, .. } if user.email == carol)
    );
    assert!(matches!(
        &trail[2].record.action,
        Action::SecureMessageSent { .. }
    ));
    for entry in &trail[..2] {
        assert_eq!(entry.record.actor, record_of(&dir, "alice@example.com"));
        assert_eq!(entry.record.account, ACCOUNT);
    }
}

#[test]
fn r8_two_concurrent_registrations_with_one_token_exactly_one_wins() {
    for _ in 0..50 {
        let (dir, _) = world();
        let dir = Arc::new(dir);
        let token = Arc::new(send_to_carol(&*dir));
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (dir, token, barrier) = (dir.clone(), token.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    dir.register(token.as_str(), &registration_form())
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(Error::RegistrationRefused)))
        );
    }
}

#[test]
fn malformed_oversized_and_forged_tokens_get_one_refusal_and_change_nothing() {
    let (dir, _) = world();
    let token = send_to_carol(&dir);
    let before = snapshot(&dir, ACCOUNT);
    let text = token.as_str();
    // The token with one character replaced: never the token itself.
    let altered = |at: usize, by: char| {
        let current = text.as_bytes()[at] as char;
        let by = if current == by { 'B' } else { by };
        format!("{}{by}{}", &text[..at], &text[at + 1..])
    };
    // Inside the secret: full data bits, not the final padding bits.
    let forged = altered(30, 'A');
    let other_selector = altered(0, 'A');
    let outside_alphabet = altered(30, '+');
    for bad in [
        "",
        "not a token",
        &"A".repeat(1 << 20),
        &text[..58],
        &format!("{text}="),
        &forged,
        &other_selector,
        &outside_alphabet,
    ] {
        refused(dir.register(bad, &registration_form()));
    }
    assert_eq!(snapshot(&dir, ACCOUNT), before);
    dir.register(text, &registration_form()).unwrap();
}

#[test]
fn registration_field_errors_are_clear_and_keep_the_registration_pending() {
    let (dir, _) = world();
    let token = send_to_carol(&dir);
    let before = snapshot(&dir, ACCOUNT);
    type Case = (fn(&mut RegistrationForm), Field, Problem);
    let cases: Vec<Case> = vec![
        (
            |f| f.first_name = " ".into(),
            Field::FirstName,
            Problem::Empty,
        ),
        (
            |f| f.last_name = "Jo\u{202E}nes".into(),
            Field::LastName,
            Problem::InvisibleCharacter,
        ),
        (
            |f| {
                f.password = Password::new("password");
                f.confirm_password = Password::new("password");
            },
            Field::Password,
            Problem::CommonPassword,
        ),
        (
            |f| {
                f.password = Password::new("carol-2026-x");
                f.confirm_password = Password::new("carol-2026-x");
            },
            Field::Password,
            Problem::PersonalInformation,
        ),
        (
            |f| f.confirm_password = Password::new("something else"),
            Field::ConfirmPassword,
            Problem::Mismatch,
        ),
    ];
    for (spoil, field, problem) in cases {
        let mut form = registration_form();
        spoil(&mut form);
        match dir.register(token.as_str(), &form).unwrap_err() {
            Error::Invalid(invalid) => {
                assert_eq!((invalid.field, invalid.problem), (field, problem))
            }
            other => panic!("expected an input error for {field:?}, got {other:?}"),
        }
    }
    assert_eq!(snapshot(&dir, ACCOUNT), before);
    dir.register(token.as_str(), &registration_form()).unwrap();
}

#[test]
fn senders_are_support_or_users_of_the_account() {
    let (dir, _) = world();
    dir.create_account(&Actor::Support, OTHER_ACCOUNT, "Other")
        .unwrap();
    dir.add_user(&Actor::Support, OTHER_ACCOUNT, &form("olga@example.com"))
        .unwrap();
    dir.add_user(
        &user(&dir, "alice@example.com"),
        ACCOUNT,
        &form("bob@example.com"),
    )
    .unwrap();
    let error = dir
        .send_secure_message(
            &user(&dir, "olga@example.com"),
            ACCOUNT,
            "carol@example.com",
        )
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Forbidden(Forbidden::NotAccountMember { account }) if account == ACCOUNT
    ));
    assert_eq!(
        error.to_string(),
        "Only users of account 12345 can send secure messages for it."
    );
    // Bob is no administrator, but account 12345 created him.
    assert!(matches!(
        dir.send_secure_message(&user(&dir, "bob@example.com"), ACCOUNT, "carol@example.com"),
        Ok(SecureMessageSent::RegistrationIssued { .. })
    ));
    assert!(
        dir.send_secure_message(&Actor::Support, OTHER_ACCOUNT, "dan@example.com")
            .is_ok()
    );
    let error = dir
        .send_secure_message(&Actor::Support, ACCOUNT, "not an address")
        .unwrap_err();
    assert!(matches!(error, Error::Invalid(_)));
}

#[test]
fn no_token_appears_in_debug_stored_state_or_the_audit_trail() {
    let (dir, _) = world();
    let sent = dir
        .send_secure_message(
            &user(&dir, "alice@example.com"),
            ACCOUNT,
            "carol@example.com",
        )
        .unwrap();
    let SecureMessageSent::RegistrationIssued { token, .. } = &sent else {
        panic!("expected a token");
    };
    let secret = &token.as_str()[16..];
    let carol = Email::parse("carol@example.com").unwrap();
    let stored = dir
        .read_store()
        .unwrap()
        .registration(&carol, ACCOUNT)
        .unwrap()
        .unwrap();
    let shown = format!(
        "{sent:?} {sent} {stored:?} {} {:?}",
        serde_json::to_string(&stored).unwrap(),
        dir.audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
            .unwrap()
    );
    assert!(
        !shown.contains(secret),
        "the token's secret leaked: {shown}"
    );
    assert!(!format!("{stored:?}").contains(&stored.selector));
}
