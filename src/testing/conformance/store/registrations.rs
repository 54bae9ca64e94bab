//! Pending registrations (R8, R14): one per (email identity, account),
//! found by address and by selector, replaced in place, deleted, and
//! independent of users.

use chrono::{DateTime, Utc};

use crate::model::{AccountNumber, Email, PendingRegistration, User};
use crate::store::{Store, StoreError, Transaction};
use crate::testing::conformance::support::{commit, read, refuse, setup_account, snapshot};
use crate::testing::fixtures::{email, name, registration, user};

const ONE: AccountNumber = AccountNumber::new(1);
const A: AccountNumber = AccountNumber::new(7);
const B: AccountNumber = AccountNumber::new(999_999_999_999);

/// A store with account 1, the user Ann@Example.com, and three pending
/// registrations: carl's for A and for B, and ann's for account 1.
struct Invited {
    ann: User,
    /// carl's for A.
    carl_a: PendingRegistration,
    /// carl's for B.
    carl_b: PendingRegistration,
    /// ann's for account 1.
    anns: PendingRegistration,
}

/// The addresses the checks look at: ann, bob, carl.
fn everyone() -> [Email; 3] {
    [
        email("ann@example.com"),
        email("bob@example.com"),
        email("carl@example.com"),
    ]
}

/// Each address's registrations, in account order.
fn registrations<S: Store>(store: &S) -> Vec<Vec<PendingRegistration>> {
    read(store, |r| {
        everyone()
            .iter()
            .map(|e| r.registrations(e))
            .collect::<Result<Vec<_>, _>>()
    })
}

fn by_selector<S: Store>(store: &S, selector: &str) -> Option<PendingRegistration> {
    read(store, |r| r.registration_by_selector(selector))
}

fn invite<S: Store>(store: &S) -> Invited {
    let ann = user("Ann@Example.com");
    let invited = Invited {
        carl_a: registration("carl@example.com", A, "c2Vjb25kLXNlbGVjdG9y", 101),
        carl_b: registration("CARL@example.com", B, "ZnJvbS1i", 9),
        anns: registration("Ann@Example.com", ONE, "YW5uJ3Mtc2VsZWN0b3I", 202),
        ann,
    };
    commit(
        store,
        "set up account 1, ann and three registrations",
        |tx| {
            setup_account(tx, 1)?;
            tx.insert_user(&invited.ann)?;
            tx.put_registration(&invited.carl_a)?;
            tx.put_registration(&invited.carl_b)?;
            tx.put_registration(&invited.anns)
        },
    );
    invited
}

/// [`Transaction::put_registration`] keeps one pending registration per
/// (email identity, account), read back equal (every field, times to the
/// nanosecond, the address as typed) inside its transaction and after it,
/// by the address in any case with its account, among all of the
/// address's registrations in account order, and by its selector, which is
/// case-sensitive. A second put for the same identity and account replaces
/// the first entirely, whose selector then finds nothing; another
/// account's registration of the same address is never touched (R14).
/// [`expired_registrations`](crate::store::Reader::expired_registrations)
/// finds those expired at a time, up to a limit. Registrations and users do
/// not touch each other.
pub fn registrations_are_kept<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let ann = user("Ann@Example.com");
    let carl = email("carl@example.com");
    commit(&store, "set up account 1 and the user ann", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&ann)
    });
    let users = snapshot(&store, &[ONE], &[ann.id], &everyone());

    // Carl has no user: a registration needs none.
    let first = registration("Carl@Example.com", A, "c2VsZWN0b3Itb25l", 0);
    commit(&store, "put carl's registration for A", |tx| {
        tx.put_registration(&first)?;
        assert_eq!(
            tx.registration(&carl, A)?.as_ref(),
            Some(&first),
            "a transaction must read the registration it put"
        );
        Ok(())
    });
    let stored = read(&store, |r| r.registration(&email("CARL@EXAMPLE.COM"), A));
    assert_eq!(
        stored.as_ref(),
        Some(&first),
        "a registration must read back equal by its address in any case and its account"
    );
    assert_eq!(
        stored.as_ref().map(|r| r.email.as_str()),
        Some("Carl@Example.com"),
        "a registration must keep its address as typed"
    );
    assert_eq!(
        read(&store, |r| r.registration(&carl, B)),
        None,
        "a registration must not be found under another account"
    );
    assert_eq!(
        by_selector(&store, "c2VsZWN0b3Itb25l"),
        Some(first.clone()),
        "a registration must read back equal by its selector"
    );
    assert_eq!(
        by_selector(&store, "C2VSZWN0B3ITB25L"),
        None,
        "selectors are base64url, so case-sensitive: another case must find nothing"
    );
    assert_eq!(
        read(&store, |r| r.user_id(&carl)),
        None,
        "putting a registration must not create a user"
    );
    commit(
        &store,
        "put carl's registration for A again, unchanged",
        |tx| tx.put_registration(&first),
    );
    assert_eq!(
        registrations(&store),
        [vec![], vec![], vec![first.clone()]],
        "putting the same registration again must keep it, once"
    );

    // Account B invites carl too: both stand, in account order (R14).
    let from_b = registration("CARL@example.com", B, "ZnJvbS1i", 9);
    commit(&store, "put carl's registration for B", |tx| {
        tx.put_registration(&from_b)
    });
    assert_eq!(
        registrations(&store),
        [vec![], vec![], vec![first.clone(), from_b.clone()]],
        "another account's registration of the same address must be kept beside the first"
    );

    // A new token from A, every other field different, the address in another case.
    let second = registration("carl@example.com", A, "c2Vjb25kLXNlbGVjdG9y", 101);
    commit(&store, "replace carl's registration for A", |tx| {
        tx.put_registration(&second)
    });
    let stored = read(&store, |r| r.registration(&carl, A));
    assert_eq!(
        (stored.as_ref(), stored.as_ref().map(|r| r.email.as_str())),
        (Some(&second), Some("carl@example.com")),
        "a second put for the same email identity and account must replace the first entirely"
    );
    assert_eq!(
        read(&store, |r| r.registration(&carl, B)),
        Some(from_b.clone()),
        "replacing one account's registration must leave another account's as it was"
    );
    assert_eq!(
        by_selector(&store, "c2VsZWN0b3Itb25l"),
        None,
        "the selector of a replaced registration must find nothing"
    );
    assert_eq!(
        by_selector(&store, "c2Vjb25kLXNlbGVjdG9y"),
        Some(second.clone()),
        "the new selector must find the new registration"
    );

    // Ann, who is a user, gets one too.
    let anns = registration("Ann@Example.com", ONE, "YW5uJ3Mtc2VsZWN0b3I", 202);
    commit(&store, "put ann's registration", |tx| {
        tx.put_registration(&anns)
    });
    assert_eq!(
        registrations(&store),
        [
            vec![anns.clone()],
            vec![],
            vec![second.clone(), from_b.clone()]
        ]
    );

    // Expired ones, as the purge finds them.
    let expired = |at: DateTime<Utc>, limit| {
        let mut found = read(&store, |r| r.expired_registrations(at, limit));
        found.sort_by(|x, y| x.selector.cmp(&y.selector));
        found
    };
    assert_eq!(
        expired(first.issued_at, 10),
        [],
        "no registration has expired before any expiry time"
    );
    assert_eq!(
        expired(second.expires_at, 10),
        [from_b.clone(), second.clone()],
        "registrations whose expiry is at or before the time must be found, and only them"
    );
    assert_eq!(
        expired(DateTime::<Utc>::MAX_UTC, 2).len(),
        2,
        "expired_registrations must return at most `limit` registrations"
    );

    // Users and registrations do not touch each other.
    let now = snapshot(&store, &[ONE], &[ann.id], &everyone());
    assert_eq!(
        (&now.accounts, &now.users),
        (&users.accounts, &users.users),
        "registrations must leave users, groups, memberships and the audit trail as they were"
    );
    let mut renamed = ann.clone();
    renamed.first_name = name("Annabel");
    let carl_user = user("Carl@Example.com");
    commit(&store, "update ann and add carl as a user", |tx| {
        tx.update_user(&renamed)?;
        tx.insert_user(&carl_user)
    });
    assert_eq!(
        registrations(&store),
        [vec![anns], vec![], vec![second, from_b]],
        "updating and inserting users must leave registrations as they were"
    );
}

/// A selector finds one registration: a put whose selector another
/// registration holds (of another address, or of the same address for
/// another account) is a [`StoreError::Conflict`] that changes nothing. The
/// selector of a replaced or deleted registration is free again, for any
/// address, and a selector replaced within a transaction finds nothing.
pub fn registration_selectors_are_unique<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let invited = invite(&store);
    let expected = registrations(&store);
    let bobs = registration("bob@example.com", A, &invited.carl_a.selector, 7);
    refuse(
        &store,
        StoreError::is_conflict,
        "a new registration with a selector another address's registration holds must be a \
         Conflict",
        |tx| tx.put_registration(&bobs),
    );
    let carls = registration("carl@example.com", A, &invited.carl_b.selector, 8);
    refuse(
        &store,
        StoreError::is_conflict,
        "replacing a registration with a selector another account's registration of the \
         same address holds must be a Conflict",
        |tx| tx.put_registration(&carls),
    );
    assert_eq!(
        registrations(&store),
        expected,
        "a refused put must change nothing"
    );
    assert_eq!(
        by_selector(&store, &invited.carl_a.selector),
        Some(invited.carl_a.clone()),
        "a refused put must leave the selector's registration as it was"
    );

    // Free a selector by replacing its registration, another by deleting it.
    let replacement = registration("carl@example.com", B, "bmV3LWZyb20tYg", 10);
    commit(&store, "replace carl's for B, delete carl's for A", |tx| {
        tx.put_registration(&replacement)?;
        tx.delete_registration(&invited.carl_a.email, A)
    });
    let bobs = registration("bob@example.com", A, &invited.carl_b.selector, 55);
    let bobs_too = registration("bob@example.com", A, &invited.carl_a.selector, 56);
    commit(&store, "reuse freed selectors", |tx| {
        tx.put_registration(&bobs)?;
        tx.put_registration(&bobs_too)
    });
    assert_eq!(
        by_selector(&store, &invited.carl_a.selector),
        Some(bobs_too.clone()),
        "the selector of a deleted registration must be free for another address"
    );
    assert_eq!(
        by_selector(&store, &invited.carl_b.selector),
        None,
        "a selector replaced in the same transaction must find nothing"
    );
    assert_eq!(
        registrations(&store),
        [
            vec![invited.anns],
            vec![bobs_too],
            vec![replacement.clone()]
        ],
        "one registration per address and account, the last put of each"
    );
    assert_eq!(
        by_selector(&store, &replacement.selector),
        Some(replacement),
    );
}

/// [`Transaction::delete_registration`] removes one (address, account)
/// under every key, found by the address in any case, and only it; it is
/// [`StoreError::NotFound`] without one (deleted already, never put, put
/// for another account). Puts and deletes in a transaction that is dropped
/// are rolled back. Deleting a registration leaves the user of the same
/// address.
pub fn registrations_are_deleted<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let invited = invite(&store);
    let expected = registrations(&store);
    let (ann, bob, carl) = (
        email("ann@example.com"),
        email("bob@example.com"),
        email("carl@example.com"),
    );

    // Puts and deletes whose transaction is dropped.
    {
        let mut tx = store.begin_write().expect("begin_write");
        put_and_delete_then_drop(&mut tx, &ann, &carl);
    }
    assert_eq!(
        registrations(&store),
        expected,
        "puts and deletes in a transaction that was dropped must be rolled back"
    );
    for selector in ["Ym9iJ3M", "Y2FybCdzIHRoaXJk"] {
        assert_eq!(
            by_selector(&store, selector),
            None,
            "a rolled-back put must leave its selector finding nothing"
        );
    }
    assert_eq!(
        by_selector(&store, &invited.carl_a.selector),
        Some(invited.carl_a.clone()),
        "a rolled-back replacement must leave the replaced selector working"
    );

    // Delete A's, by the address in another case.
    commit(&store, "delete carl's registration for A", |tx| {
        tx.delete_registration(&email("CARL@example.COM"), A)
    });
    assert_eq!(
        registrations(&store),
        [
            vec![invited.anns.clone()],
            vec![],
            vec![invited.carl_b.clone()]
        ],
        "delete_registration must remove that address's registration for that account, and \
         only it"
    );
    assert_eq!(
        by_selector(&store, &invited.carl_a.selector),
        None,
        "a deleted registration's selector must find nothing"
    );
    assert_eq!(
        read(&store, |r| r.registration(&carl, A)),
        None,
        "a deleted registration must not be found by address"
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "deleting a registration already deleted must be NotFound",
        |tx| tx.delete_registration(&carl, A),
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "deleting a registration that never existed must be NotFound",
        |tx| tx.delete_registration(&bob, A),
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "deleting an address's registration under an account that has none must be NotFound",
        |tx| tx.delete_registration(&ann, A),
    );

    // Deleting ann's registration leaves the user ann.
    commit(&store, "delete ann's registration", |tx| {
        tx.delete_registration(&ann, ONE)
    });
    read(&store, |r| {
        assert_eq!(
            r.user(invited.ann.id)?.as_ref(),
            Some(&invited.ann),
            "deleting a registration must not touch the user of the same address"
        );
        assert_eq!(r.user_id(&ann)?, Some(invited.ann.id));
        Ok(())
    });
    assert_eq!(
        registrations(&store),
        [vec![], vec![], vec![invited.carl_b]],
    );
}

/// Puts bob's and a new carl's for A, deletes ann's and carl's for B, in a
/// transaction the caller then drops.
fn put_and_delete_then_drop(tx: &mut dyn Transaction, ann: &Email, carl: &Email) {
    let writes = |tx: &mut dyn Transaction| -> Result<(), StoreError> {
        tx.put_registration(&registration("bob@example.com", A, "Ym9iJ3M", 3))?;
        tx.put_registration(&registration("carl@example.com", A, "Y2FybCdzIHRoaXJk", 4))?;
        tx.delete_registration(ann, ONE)?;
        tx.delete_registration(carl, B)?;
        assert!(
            tx.registrations(carl)?.len() == 1 && tx.registration(ann, ONE)?.is_none(),
            "a transaction must read its own puts and deletes"
        );
        Ok(())
    };
    writes(tx).expect("puts and deletes in a transaction that will be dropped");
}
