//! Missing records: reading what does not exist finds nothing, and
//! changing it is a [`StoreError::NotFound`] that changes nothing.

use chrono::{DateTime, Utc};

use crate::model::{AccountNumber, GroupId, UserId};
use crate::store::{Reader, Store, StoreError};
use crate::testing::conformance::support::{commit, read, refuse, setup_account, snapshot};
use crate::testing::fixtures::{email, group_name, user};

/// Every read of something that does not exist finds nothing, on an empty
/// store and among existing records: `None`, an empty list, `false` or 0.
pub fn missing_records_read_as_nothing<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let ghost = user("ghost@example.com");
    read(&store, |r| nothing_there(r, "on an empty store", ghost.id));
    let ann = user("ann@example.com");
    commit(&store, "set up account 1 with ann in its group", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&ann)?;
        tx.add_member(GroupId::administrators(AccountNumber::new(1)), ann.id)
    });
    read(&store, |r| {
        nothing_there(r, "beside account 1 and ann", ghost.id)
    });
    read(&store, |r| {
        let one = AccountNumber::new(1);
        let missing_group = GroupId {
            account: one,
            number: 2,
        };
        assert_eq!(
            r.group(missing_group)?,
            None,
            "a missing group of an existing account must read as None"
        );
        assert!(
            !r.is_member(missing_group, ann.id)?,
            "nobody is in a missing group of an existing account"
        );
        assert_eq!(r.member_count(missing_group)?, 0);
        assert!(r.members(missing_group)?.is_empty());
        assert!(
            !r.is_active_admin(AccountNumber::new(2), ann.id)?,
            "an administrator of account 1 administers no missing account"
        );
        assert_eq!(
            r.registration(&ann.email, one)?,
            None,
            "a user has no pending registration unless one was put"
        );
        Ok(())
    });
}

/// What the checks read of the missing account 99, its group, and the
/// user `ghost` who was never inserted.
fn nothing_there(r: &dyn Reader, when: &str, ghost: UserId) -> Result<(), StoreError> {
    let nowhere = AccountNumber::new(99);
    let group = GroupId::administrators(nowhere);
    let address = email("ghost@example.com");
    assert_eq!(
        r.account(nowhere)?,
        None,
        "{when}: a missing account must read as None"
    );
    assert_eq!(
        r.user(ghost)?,
        None,
        "{when}: a missing user must read as None"
    );
    assert_eq!(
        r.user_id(&address)?,
        None,
        "{when}: an unknown address must find no user"
    );
    assert_eq!(
        r.user_brief(ghost)?,
        None,
        "{when}: a missing user has no brief"
    );
    assert!(
        !r.is_active_admin(nowhere, ghost)?,
        "{when}: nobody administers a missing account"
    );
    assert_eq!(
        r.group(group)?,
        None,
        "{when}: a missing group must read as None"
    );
    assert!(
        r.groups(nowhere)?.is_empty(),
        "{when}: a missing account has no groups"
    );
    assert!(
        !r.is_member(group, ghost)?,
        "{when}: nobody is in a missing group"
    );
    assert_eq!(
        r.member_count(group)?,
        0,
        "{when}: a missing group counts 0 members"
    );
    assert!(
        r.members(group)?.is_empty(),
        "{when}: a missing group lists no members"
    );
    assert!(
        r.user_groups(ghost)?.is_empty(),
        "{when}: a missing user is in no group"
    );
    assert!(
        r.audit(nowhere, 10)?.is_empty(),
        "{when}: a missing account has no audit trail"
    );
    assert_eq!(
        r.registration(&address, nowhere)?,
        None,
        "{when}: a missing registration must read as None"
    );
    assert!(
        r.registrations(&address)?.is_empty(),
        "{when}: an address never invited has no registrations"
    );
    assert!(
        r.expired_registrations(DateTime::<Utc>::MAX_UTC, 10)?
            .is_empty(),
        "{when}: without registrations none has expired"
    );
    assert_eq!(
        r.registration_by_selector("bm8tc3VjaC1zZWxlY3Rvcg")?,
        None,
        "{when}: an unknown selector must find nothing"
    );
    Ok(())
}

/// Changing what does not exist is a [`StoreError::NotFound`] that changes
/// nothing: a group in a missing account, a missing group (renamed,
/// deleted, given or losing a member), a missing user (joining a group,
/// updated, given a sign-in state), a membership that does not exist, a missing registration.
/// Each refused write is the last of its transaction.
pub fn changing_missing_records_is_not_found<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let nowhere = AccountNumber::new(99);
    let admins = GroupId::administrators(one);
    let missing_group = GroupId {
        account: one,
        number: 7,
    };
    let ann = user("ann@example.com");
    let ghost = user("ghost@example.com");
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&ann)
    });
    let addresses = [ann.email.clone(), ghost.email.clone()];
    let before = snapshot(&store, &[one, nowhere], &[ann.id, ghost.id], &addresses);
    let not_found = StoreError::is_not_found;
    refuse(
        &store,
        not_found,
        "inserting a group into a missing account must be NotFound",
        |tx| {
            tx.insert_group(
                nowhere,
                &group_name("Sales"),
                crate::testing::fixtures::at(20),
            )
        },
    );
    refuse(
        &store,
        not_found,
        "renaming a missing group must be NotFound",
        |tx| tx.rename_group(missing_group, &group_name("Sales")),
    );
    refuse(
        &store,
        not_found,
        "deleting a missing group must be NotFound",
        |tx| tx.delete_group(missing_group),
    );
    refuse(
        &store,
        not_found,
        "adding a missing user to a group must be NotFound",
        |tx| tx.add_member(admins, ghost.id),
    );
    refuse(
        &store,
        not_found,
        "adding a user to a missing group must be NotFound",
        |tx| tx.add_member(missing_group, ann.id),
    );
    refuse(
        &store,
        not_found,
        "removing a user who is not a member must be NotFound",
        |tx| tx.remove_member(admins, ann.id),
    );
    refuse(
        &store,
        not_found,
        "removing a missing user from a group must be NotFound",
        |tx| tx.remove_member(admins, ghost.id),
    );
    refuse(
        &store,
        not_found,
        "removing a user from a missing group must be NotFound",
        |tx| tx.remove_member(missing_group, ann.id),
    );
    refuse(
        &store,
        not_found,
        "updating a missing user must be NotFound",
        |tx| tx.update_user(&ghost),
    );
    refuse(
        &store,
        not_found,
        "storing the sign-in state of a missing user must be NotFound",
        |tx| tx.set_sign_in_state(ghost.id, &crate::model::SignInState::default()),
    );
    refuse(
        &store,
        not_found,
        "deleting a missing registration must be NotFound",
        |tx| tx.delete_registration(&ann.email, one),
    );
    assert_eq!(
        snapshot(&store, &[one, nowhere], &[ann.id, ghost.id], &addresses),
        before,
        "writes refused with NotFound must change nothing (no user, group or membership created)"
    );
}
