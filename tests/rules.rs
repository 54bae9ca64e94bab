//! One or more tests per business rule of DESIGN.md §2, each named after it.

use std::sync::Arc;

use chrono::TimeDelta;
use cres_admin::store::{Reader, Store, Transaction};
use cres_admin::{
    Action, Actor, ActorRecord, AddUserForm, Email, Error, Field, FixedClock, Forbidden, GroupId,
    GroupName, Localizer, MemoryStore, Name, Password, PasswordChosenBy, Problem, ShowingGroups,
    SignInState, User, UserStatus,
};

mod common;

use common::*;

#[test]
fn r1_account_is_created_with_only_the_built_in_administrators_group() {
    let dir = directory(MemoryStore::new());
    let created = dir
        .create_account(&Actor::Support, ACCOUNT, "Example Corp")
        .unwrap();
    assert_eq!(created.to_string(), "Account 12345 created.");
    assert_eq!(created.account.created_at, start());
    let groups = dir.groups(&Actor::Support, ACCOUNT).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].group.id, ADMINS);
    assert!(groups[0].group.is_built_in());
    assert_eq!(groups[0].group.name, GroupName::AccountAdministrators);
    assert_eq!(groups[0].members, 0);
}

#[test]
fn r1_built_in_group_cannot_be_deleted_or_renamed() {
    let dir = setup();
    let before = snapshot(&dir, ACCOUNT);
    let alice = user(&dir, "alice@example.com");
    for actor in [&Actor::Support, &alice] {
        assert!(matches!(
            dir.delete_group(actor, ADMINS),
            Err(Error::BuiltInGroup)
        ));
        assert!(matches!(
            dir.rename_group(actor, ADMINS, "Admins"),
            Err(Error::BuiltInGroup)
        ));
    }
    assert_eq!(
        Error::BuiltInGroup.to_string(),
        "The Account Administrators group is built in: it cannot be deleted or renamed."
    );
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn r1_account_numbers_are_unique() {
    let dir = setup();
    let error = dir
        .create_account(&Actor::Support, ACCOUNT, "Again")
        .unwrap_err();
    assert!(matches!(error, Error::AccountExists { account } if account == ACCOUNT));
    assert_eq!(error.to_string(), "Account 12345 already exists.");
}

#[test]
fn r2_only_customer_support_creates_accounts() {
    let dir = setup();
    let error = dir
        .create_account(&user(&dir, "alice@example.com"), OTHER_ACCOUNT, "Mine")
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden(Forbidden::SupportOnly)));
    assert_eq!(error.to_string(), "Only Customer Support can do this.");
    assert!(matches!(
        dir.groups(&Actor::Support, OTHER_ACCOUNT),
        Err(Error::AccountNotFound { .. })
    ));
}

#[test]
fn r2_support_makes_the_first_administrator() {
    let dir = setup();
    assert!(is_admin(&dir, ACCOUNT, "alice@example.com"));
    let admins = dir.members(&Actor::Support, ADMINS).unwrap();
    let emails: Vec<&str> = admins.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails, ["alice@example.com"]);
    assert_eq!(Some(admins[0].id), id(&dir, "alice@example.com"));
}

#[test]
fn r2_a_user_cannot_make_anyone_administrator_of_an_account_without_one() {
    let dir = setup();
    dir.create_account(&Actor::Support, OTHER_ACCOUNT, "Other")
        .unwrap();
    let error = dir
        .add_to_group(
            &user(&dir, "alice@example.com"),
            GroupId::administrators(OTHER_ACCOUNT),
            "alice@example.com",
        )
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Forbidden(Forbidden::NotAccountAdministrator { account }) if account == OTHER_ACCOUNT
    ));
}

#[test]
fn r3_an_administrator_adds_administrators_to_their_account() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    dir.add_user(&alice, ACCOUNT, &form("bob@example.com"))
        .unwrap();
    let added = dir.add_to_group(&alice, ADMINS, "bob@example.com").unwrap();
    assert!(!added.already_member);
    assert_eq!(
        added.to_string(),
        "bob@example.com added to Account Administrators."
    );
    // Bob can now add administrators himself.
    let bob = user(&dir, "bob@example.com");
    dir.add_user(&bob, ACCOUNT, &form("carol@example.com"))
        .unwrap();
    dir.add_to_group(&bob, ADMINS, "carol@example.com").unwrap();
    assert_eq!(dir.members(&bob, ADMINS).unwrap().len(), 3);
}

#[test]
fn r3_an_administrator_changes_nothing_in_another_account() {
    let dir = setup();
    dir.create_account(&Actor::Support, OTHER_ACCOUNT, "Other")
        .unwrap();
    let other_admins = GroupId::administrators(OTHER_ACCOUNT);
    let before = snapshot(&dir, OTHER_ACCOUNT);
    let alice = user(&dir, "alice@example.com");
    let refused = |result: Result<(), Error>| {
        assert!(
            matches!(
                result,
                Err(Error::Forbidden(Forbidden::NotAccountAdministrator { account })) if account == OTHER_ACCOUNT
            ),
            "{result:?}"
        );
    };
    refused(
        dir.add_to_group(&alice, other_admins, "alice@example.com")
            .map(drop),
    );
    refused(
        dir.remove_from_group(&alice, other_admins, "alice@example.com")
            .map(drop),
    );
    refused(dir.create_group(&alice, OTHER_ACCOUNT, "Sales").map(drop));
    refused(
        dir.add_user(&alice, OTHER_ACCOUNT, &form("bob@example.com"))
            .map(drop),
    );
    refused(dir.groups(&alice, OTHER_ACCOUNT).map(drop));
    refused(dir.audit_trail(&alice, OTHER_ACCOUNT, 10).map(drop));
    assert_eq!(snapshot(&dir, OTHER_ACCOUNT), before);
    assert_eq!(
        Error::from(Forbidden::NotAccountAdministrator {
            account: OTHER_ACCOUNT
        })
        .to_string(),
        "Only an Account Administrator of account 67890 can do this."
    );
}

#[test]
fn r3_a_user_who_is_not_an_administrator_is_refused() {
    let dir = setup();
    dir.add_user(
        &user(&dir, "alice@example.com"),
        ACCOUNT,
        &form("bob@example.com"),
    )
    .unwrap();
    let before = snapshot(&dir, ACCOUNT);
    let bob = user(&dir, "bob@example.com");
    assert!(matches!(
        dir.add_to_group(&bob, ADMINS, "bob@example.com"),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        dir.add_user(&bob, ACCOUNT, &form("carol@example.com")),
        Err(Error::Forbidden(_))
    ));
    // Someone with no user at all is refused the same way.
    assert!(matches!(
        dir.add_to_group(
            &user(&dir, "mallory@example.com"),
            ADMINS,
            "mallory@example.com"
        ),
        Err(Error::Forbidden(_))
    ));
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

fn stored_user(email: &str, status: UserStatus) -> User {
    User {
        id: "6f1c1c8e-2b59-4b7e-9a43-0d5c6e7f8a9b".parse().unwrap(),
        revision: 0,
        email: Email::parse(email).unwrap(),
        first_name: Name::parse("Dave", Field::FirstName).unwrap(),
        last_name: Name::parse("Jones", Field::LastName).unwrap(),
        status,
        credential: None,
        created_at: start(),
        created_by: ActorRecord::Support,
        created_in: ACCOUNT,
        sign_in: SignInState::default(),
    }
}

#[test]
fn r3_an_administrator_whose_user_is_not_active_is_refused() {
    let store = MemoryStore::new();
    let dir = directory(&store);
    bootstrap(&dir);
    // Put a disabled user in the group directly: no operation disables one yet.
    let disabled = stored_user("disabled@example.com", UserStatus::Disabled);
    let mut tx = store.begin_write().unwrap();
    tx.insert_user(&disabled).unwrap();
    tx.add_member(ADMINS, disabled.id).unwrap();
    tx.commit().unwrap();
    let reader = store.begin_read().unwrap();
    assert!(reader.is_member(ADMINS, disabled.id).unwrap());
    drop(reader);
    assert!(
        !dir.is_account_admin(ACCOUNT, disabled.id).unwrap(),
        "a member who is not active is no active administrator"
    );
    let error = dir
        .create_group(&Actor::User(disabled.id), ACCOUNT, "Sales")
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden(_)), "{error:?}");
}

#[test]
fn r4_email_identity_ignores_case_and_surrounding_space_and_keeps_the_typed_form() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    let added = dir
        .add_user(&alice, ACCOUNT, &form("  Bob@Example.COM "))
        .unwrap();
    assert_eq!(added.user.email.as_str(), "Bob@Example.COM");
    let membership = dir
        .add_to_group(&alice, ADMINS, "bob@example.com\t")
        .unwrap();
    assert_eq!(membership.user.email.as_str(), "Bob@Example.COM");
    assert_eq!(membership.user.id, added.user.id);
    let again = dir.add_to_group(&alice, ADMINS, "BOB@EXAMPLE.COM").unwrap();
    assert!(again.already_member);
    assert!(is_admin(&dir, ACCOUNT, "bOb@eXample.com"));
}

#[test]
fn r4_a_duplicate_email_in_another_case_is_refused() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    dir.add_user(&alice, ACCOUNT, &form("bob@example.com"))
        .unwrap();
    let before = snapshot(&dir, ACCOUNT);
    let error = dir
        .add_user(&alice, ACCOUNT, &form("BOB@Example.com"))
        .unwrap_err();
    assert!(matches!(&error, Error::UserExists { email } if email.as_str() == "BOB@Example.com"));
    assert_eq!(
        error.to_string(),
        "A user with the email BOB@Example.com already exists."
    );
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn r5_add_to_group_with_a_non_existent_user_fails_with_the_guides_message() {
    let dir = setup();
    let before = snapshot(&dir, ACCOUNT);
    let error = dir
        .add_to_group(&user(&dir, "alice@example.com"), ADMINS, "bob@example.com")
        .unwrap_err();
    assert!(
        matches!(&error, Error::NonExistentUser { email } if email.as_str() == "bob@example.com")
    );
    assert_eq!(error.to_string(), "Can not add a non existent user.");
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn r5_adding_a_member_twice_is_its_own_outcome_and_records_nothing() {
    let dir = setup();
    let entries = audit_len(&dir);
    let again = dir
        .add_to_group(
            &user(&dir, "alice@example.com"),
            ADMINS,
            "alice@example.com",
        )
        .unwrap();
    assert!(again.already_member);
    assert_eq!(
        again.to_string(),
        "alice@example.com is already in Account Administrators."
    );
    assert_eq!(audit_len(&dir), entries);
}

#[test]
fn r5_a_group_id_that_does_not_exist_is_refused() {
    let dir = setup();
    let missing = GroupId {
        account: ACCOUNT,
        number: 99,
    };
    let error = dir
        .add_to_group(
            &user(&dir, "alice@example.com"),
            missing,
            "alice@example.com",
        )
        .unwrap_err();
    assert!(matches!(error, Error::GroupNotFound));
}

#[test]
fn r6_add_user_confirms_with_the_guides_message_and_stores_an_argon2id_hash() {
    let dir = setup();
    let added = dir
        .add_user(
            &user(&dir, "alice@example.com"),
            ACCOUNT,
            &form("bob@example.com"),
        )
        .unwrap();
    assert_eq!(added.to_string(), "User bob@example.com added.");
    let bob = stored(&dir, added.user.email.as_str()).unwrap();
    assert_eq!(bob.id, added.user.id);
    assert_eq!(bob.revision, 0);
    assert_eq!(bob.status, UserStatus::Active);
    assert_eq!(bob.first_name.as_str(), "Bob");
    assert_eq!(
        bob.created_by,
        ActorRecord::User(stored(&dir, "alice@example.com").unwrap().to_ref())
    );
    assert_eq!(bob.created_in, ACCOUNT);
    let credential = bob.credential.unwrap();
    assert!(
        credential.temporary,
        "Enforce Password Expiration makes it temporary"
    );
    assert_eq!(credential.set_at, start());
    // Alice chose it, for account 12345 (R13).
    assert_eq!(
        credential.chosen_by,
        PasswordChosenBy::Administrator {
            user: id(&dir, "alice@example.com").unwrap(),
            account: ACCOUNT,
        }
    );
    assert!(credential.hash.as_phc().starts_with("$argon2id$"));
    assert!(
        dir.password_hashing()
            .verify(&Password::new("Temp-Pass-2026"), &credential.hash)
    );
}

#[test]
fn r6_without_enforce_password_expiration_the_password_is_permanent() {
    let dir = setup();
    let permanent = form("bob@example.com").enforce_password_expiration(false);
    let added = dir
        .add_user(&user(&dir, "alice@example.com"), ACCOUNT, &permanent)
        .unwrap();
    let bob = stored(&dir, added.user.email.as_str()).unwrap();
    assert!(!bob.credential.unwrap().temporary);
}

#[test]
fn r6_every_field_is_required_and_checked_with_an_error_naming_it() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    let before = snapshot(&dir, ACCOUNT);
    type Case = (fn(&mut AddUserForm), Field, Problem, &'static str);
    let cases: Vec<Case> = vec![
        (
            |f| f.username = " ".into(),
            Field::Username,
            Problem::Empty,
            "Username is required.",
        ),
        (
            |f| f.first_name = "".into(),
            Field::FirstName,
            Problem::Empty,
            "First Name is required.",
        ),
        (
            |f| f.last_name = "\t".into(),
            Field::LastName,
            Problem::Empty,
            "Last Name is required.",
        ),
        (
            |f| f.password = Password::new(""),
            Field::Password,
            Problem::Empty,
            "Password is required.",
        ),
        (
            |f| f.confirm_password = Password::new("Temp-Pass-2025"),
            Field::ConfirmPassword,
            Problem::Mismatch,
            "Password and Confirm Password do not match.",
        ),
        (
            |f| {
                f.password = Password::new("short");
                f.confirm_password = Password::new("short");
            },
            Field::Password,
            Problem::TooShort { min: 8 },
            "Password must be at least 8 characters long.",
        ),
        (
            |f| {
                f.password = Password::new("p".repeat(129));
                f.confirm_password = Password::new("p".repeat(129));
            },
            Field::Password,
            Problem::TooLong { max: 128 },
            "Password must be at most 128 characters long.",
        ),
        (
            |f| f.username = format!("{}@example.com", "b".repeat(1 << 20)),
            Field::Username,
            Problem::TooLong { max: 254 },
            "Username must be at most 254 characters long.",
        ),
        (
            |f| f.username = "bob.example.com".into(),
            Field::Username,
            Problem::AtSign,
            "Username must contain exactly one @.",
        ),
        (
            |f| f.first_name = "Bob\u{202E}gnirts".into(),
            Field::FirstName,
            Problem::InvisibleCharacter,
            "First Name must not contain invisible or text-direction characters.",
        ),
        (
            |f| f.last_name = "Build\0er".into(),
            Field::LastName,
            Problem::ControlCharacter,
            "Last Name must not contain control characters such as line breaks.",
        ),
        (
            |f| f.last_name = "x".repeat(101),
            Field::LastName,
            Problem::TooLong {
                max: Name::MAX_CHARS,
            },
            "Last Name must be at most 100 characters long.",
        ),
    ];
    for (spoil, field, problem, text) in cases {
        let mut bad = form("bob@example.com");
        spoil(&mut bad);
        let error = dir.add_user(&alice, ACCOUNT, &bad).unwrap_err();
        let Error::Invalid(invalid) = &error else {
            panic!("expected an input error for {field:?}, got {error:?}");
        };
        assert_eq!((invalid.field, invalid.problem), (field, problem));
        assert_eq!(error.to_string(), text);
    }
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn r6_no_password_or_hash_appears_in_debug_display_or_errors() {
    let dir = setup();
    let secret = "Sup3r-Secret-Temp";
    let mut with_secret = form("bob@example.com");
    with_secret.password = Password::new(secret);
    with_secret.confirm_password = Password::new(secret);
    assert!(!format!("{with_secret:?}").contains(secret));
    let added = dir
        .add_user(&user(&dir, "alice@example.com"), ACCOUNT, &with_secret)
        .unwrap();
    let bob = stored(&dir, added.user.email.as_str()).unwrap();
    let phc = bob.credential.as_ref().unwrap().hash.as_phc().to_owned();
    let hash_part = phc.rsplit('$').next().unwrap();
    let shown = format!("{bob:?} {added} {added:?} {dir:?}");
    assert!(
        !shown.contains(secret) && !shown.contains(hash_part),
        "{shown}"
    );
    with_secret.confirm_password = Password::new("Another-Secret-1");
    let error = dir
        .add_user(&user(&dir, "alice@example.com"), ACCOUNT, &with_secret)
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret) && !shown.contains("Another-Secret-1"));
    let audit = format!(
        "{:?}",
        dir.audit_trail(&Actor::Support, ACCOUNT, 100).unwrap()
    );
    assert!(!audit.contains(secret) && !audit.contains(hash_part));
}

#[test]
fn r8_a_user_pending_registration_does_not_exist_for_add_to_group() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    dir.send_secure_message(&alice, ACCOUNT, "carol@example.com")
        .unwrap();
    let error = dir
        .add_to_group(
            &user(&dir, "alice@example.com"),
            ADMINS,
            "carol@example.com",
        )
        .unwrap_err();
    assert_eq!(error.to_string(), "Can not add a non existent user.");
    assert_eq!(id(&dir, "carol@example.com"), None);
}

#[test]
fn r9_administrators_create_groups_with_unique_names_ignoring_case() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    let sales = dir.create_group(&alice, ACCOUNT, " Sales ").unwrap();
    assert_eq!(sales.to_string(), "Group Sales added.");
    assert_eq!(sales.group.id.number, 2);
    let before = snapshot(&dir, ACCOUNT);
    for taken in ["sales", "SALES"] {
        let error = dir.create_group(&alice, ACCOUNT, taken).unwrap_err();
        assert!(
            matches!(error, Error::GroupExists { .. }),
            "{taken}: {error:?}"
        );
    }
    // The built-in group's name, in any case, is reserved.
    let error = dir
        .create_group(&alice, ACCOUNT, "account administrators")
        .unwrap_err();
    assert!(
        matches!(&error, Error::Invalid(i) if (i.field, i.problem) == (Field::GroupName, Problem::ReservedName)),
        "{error:?}"
    );
    assert_eq!(
        dir.create_group(&alice, ACCOUNT, "SALES")
            .unwrap_err()
            .to_string(),
        "This account already has a group named SALES."
    );
    let error = dir.create_group(&alice, ACCOUNT, "  ").unwrap_err();
    assert_eq!(error.to_string(), "Group Name is required.");
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn r9_groups_are_listed_built_in_first_with_member_counts_and_a_plural_footer() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    let english = Localizer::english();
    let groups = dir.groups(&alice, ACCOUNT).unwrap();
    assert_eq!(
        english.render(&ShowingGroups {
            count: groups.len()
        }),
        "Showing 1 group."
    );
    dir.create_group(&alice, ACCOUNT, "zeta").unwrap();
    dir.create_group(&alice, ACCOUNT, "Alpha").unwrap();
    dir.add_to_group(
        &alice,
        GroupId {
            account: ACCOUNT,
            number: 3,
        },
        "alice@example.com",
    )
    .unwrap();
    let groups = dir.groups(&alice, ACCOUNT).unwrap();
    let listed: Vec<(String, usize)> = groups
        .iter()
        .map(|g| (g.group.name.to_string(), g.members))
        .collect();
    assert_eq!(
        listed,
        [
            ("Account Administrators".to_owned(), 1),
            ("Alpha".to_owned(), 1),
            ("zeta".to_owned(), 0)
        ]
    );
    assert_eq!(
        english.render(&ShowingGroups { count: 3 }),
        "Showing 3 groups."
    );
    assert_eq!(
        english.render(&ShowingGroups { count: 0 }),
        "Showing 0 groups."
    );
}

#[test]
fn r9_groups_are_renamed_and_deleted_with_their_memberships() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    let sales = dir.create_group(&alice, ACCOUNT, "Sales").unwrap().group.id;
    dir.add_to_group(&alice, sales, "alice@example.com")
        .unwrap();
    let renamed = dir.rename_group(&alice, sales, "Revenue").unwrap();
    assert_eq!(renamed.to_string(), "Group Sales renamed to Revenue.");
    let deleted = dir.delete_group(&alice, sales).unwrap();
    assert_eq!(deleted.to_string(), "Group Revenue deleted.");
    assert!(matches!(
        dir.members(&alice, sales),
        Err(Error::GroupNotFound)
    ));
    let next = dir.create_group(&alice, ACCOUNT, "Sales").unwrap().group.id;
    assert_eq!(next.number, 3, "group numbers are never reused");
    assert!(dir.members(&alice, next).unwrap().is_empty());
}

#[test]
fn r10_the_last_administrator_cannot_be_removed() {
    let dir = setup();
    let before = snapshot(&dir, ACCOUNT);
    for actor in [Actor::Support, user(&dir, "alice@example.com")] {
        let error = dir
            .remove_from_group(&actor, ADMINS, "alice@example.com")
            .unwrap_err();
        assert!(matches!(error, Error::LastAdministrator { .. }));
        assert_eq!(
            error.to_string(),
            "alice@example.com is the last Account Administrator of account 12345 and cannot be removed."
        );
    }
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}

#[test]
fn r10_an_administrator_can_be_removed_while_another_remains() {
    let dir = setup();
    let alice = user(&dir, "alice@example.com");
    dir.add_user(&alice, ACCOUNT, &form("bob@example.com"))
        .unwrap();
    dir.add_to_group(&alice, ADMINS, "bob@example.com").unwrap();
    let removed = dir
        .remove_from_group(&alice, ADMINS, "alice@example.com")
        .unwrap();
    assert_eq!(
        removed.to_string(),
        "alice@example.com removed from Account Administrators."
    );
    // Alice is no longer an administrator: she can change nothing now.
    assert!(matches!(
        dir.remove_from_group(&alice, ADMINS, "bob@example.com"),
        Err(Error::Forbidden(_))
    ));
    let error = dir
        .remove_from_group(&user(&dir, "bob@example.com"), ADMINS, "alice@example.com")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "alice@example.com is not in Account Administrators."
    );
}

#[test]
fn r11_every_change_appends_one_audit_entry_newest_first() {
    let clock = Arc::new(FixedClock::new(start()));
    let dir = directory(MemoryStore::new()).with_clock(clock.clone());
    bootstrap(&dir);
    let alice = user(&dir, "alice@example.com");
    clock.advance(TimeDelta::minutes(1));
    dir.add_user(&alice, ACCOUNT, &form("bob@example.com"))
        .unwrap();
    clock.advance(TimeDelta::minutes(1));
    dir.add_to_group(&alice, ADMINS, "bob@example.com").unwrap();
    let trail = dir.audit_trail(&alice, ACCOUNT, 100).unwrap();
    let actions: Vec<&Action> = trail.iter().map(|e| &e.record.action).collect();
    let bob = stored(&dir, "bob@example.com").unwrap().to_ref();
    assert!(
        matches!(actions[0], Action::MemberAdded { group, user } if *group == ADMINS && *user == bob)
    );
    assert!(
        matches!(actions[1], Action::UserAdded { user, temporary_password: true } if *user == bob)
    );
    assert!(matches!(actions[2], Action::MemberAdded { .. }));
    assert!(matches!(actions[3], Action::UserAdded { .. }));
    assert!(matches!(actions[4], Action::AccountCreated));
    assert_eq!(trail.len(), 5);
    assert_eq!(
        trail[0].record.actor,
        ActorRecord::User(stored(&dir, "alice@example.com").unwrap().to_ref())
    );
    assert_eq!(trail[4].record.actor, ActorRecord::Support);
    assert_eq!(trail[0].record.at, start() + TimeDelta::minutes(2));
    assert_eq!(trail[1].record.at, start() + TimeDelta::minutes(1));
    assert!(trail.iter().all(|e| e.record.account == ACCOUNT));
    assert!(trail.windows(2).all(|w| w[0].sequence > w[1].sequence));
    assert_eq!(dir.audit_trail(&alice, ACCOUNT, 2).unwrap(), trail[..2]);
}

#[test]
fn r11_refused_operations_append_nothing() {
    let dir = setup();
    let entries = audit_len(&dir);
    let alice = user(&dir, "alice@example.com");
    let _ = dir.add_to_group(&alice, ADMINS, "nobody@example.com");
    let _ = dir.remove_from_group(&alice, ADMINS, "alice@example.com");
    let _ = dir.add_user(&alice, ACCOUNT, &form("not an email"));
    let _ = dir.create_group(&alice, ACCOUNT, "Account Administrators");
    let _ = dir.delete_group(&alice, ADMINS);
    assert_eq!(audit_len(&dir), entries);
}

#[test]
fn r12_a_panic_inside_a_transaction_changes_nothing() {
    let store = MemoryStore::new();
    let dir = directory(&store);
    bootstrap(&dir);
    let before = snapshot(&dir, ACCOUNT);
    let alice = id(&dir, "alice@example.com").unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut tx = store.begin_write().unwrap();
        tx.remove_member(ADMINS, alice).unwrap();
        panic!("a bug in the middle of a transaction");
    }));
    assert!(outcome.is_err());
    assert_eq!(snapshot(&dir, ACCOUNT), before);
}
