//! Revisions: a new user or group is at revision 0; each update of a user
//! adds one to the user's, and each rename of a group, and each member
//! added to or removed from it, adds one to the group's. Nothing else moves
//! them: not a refused write, not a dropped transaction, not a change to
//! another record, not the sign-in bookkeeping.

use crate::model::{AccountNumber, GroupId, GroupName, SignInState, Throttle, User, UserStatus};
use crate::store::{Store, StoreError, Transaction};
use crate::testing::conformance::support::{commit, read, refuse, setup_account};
use crate::testing::fixtures::{at, email, group_name, name, user};

fn user_revision<S: Store>(store: &S, user: &User) -> Option<u64> {
    read(store, |r| Ok(r.user(user.id)?.map(|u| u.revision)))
}

fn group_revision<S: Store>(store: &S, group: GroupId) -> Option<u64> {
    read(store, |r| Ok(r.group(group)?.map(|g| g.revision)))
}

/// A user is stored with the revision it is inserted with (0 for a new
/// one); [`Transaction::update_user`] stores and returns the *stored*
/// revision plus one, whatever revision the record it is given carries, and
/// the transaction reads it. Two updates in one transaction add two. A
/// dropped update, a refused one and an update of another user leave it.
pub fn user_revisions<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let ann = user("ann@example.com");
    let bob = user("bob@example.com");
    assert_eq!(ann.revision, 0);
    commit(&store, "insert ann and bob", |tx| {
        tx.insert_user(&ann)?;
        tx.insert_user(&bob)
    });
    assert_eq!(
        user_revision(&store, &ann),
        Some(0),
        "a new user must be stored at revision 0"
    );

    let mut renamed = ann.clone();
    renamed.first_name = name("Annabel");
    let revision = commit(&store, "update ann", |tx| {
        let revision = tx.update_user(&renamed)?;
        assert_eq!(
            tx.user(ann.id)?.map(|u| u.revision),
            Some(revision),
            "a transaction must read the revision its update gave"
        );
        Ok(revision)
    });
    assert_eq!(
        revision, 1,
        "update_user must return the stored revision plus one"
    );
    assert_eq!(user_revision(&store, &ann), Some(1));

    let mut stale = renamed.clone();
    stale.revision = 41;
    stale.last_name = name("Byron");
    let revision = commit(
        &store,
        "update ann from a record with another revision",
        |tx| tx.update_user(&stale),
    );
    assert_eq!(
        revision, 2,
        "update_user must add one to the stored revision, not to the one it is given"
    );
    assert_eq!(user_revision(&store, &ann), Some(2));

    let revisions = commit(&store, "update ann twice in one transaction", |tx| {
        let first = tx.update_user(&stale)?;
        let second = tx.update_user(&renamed)?;
        Ok((first, second))
    });
    assert_eq!(
        revisions,
        (3, 4),
        "each update in one transaction must add one"
    );
    assert_eq!(user_revision(&store, &ann), Some(4));

    {
        let mut tx = store.begin_write().expect("begin_write");
        update_then_drop(&mut tx, &stale);
    }
    assert_eq!(
        user_revision(&store, &ann),
        Some(4),
        "an update in a dropped transaction must leave the revision"
    );
    let mut taken = renamed.clone();
    taken.email = email("bob@example.com");
    refuse(
        &store,
        StoreError::is_conflict,
        "changing ann's address to bob's must be a Conflict",
        |tx| tx.update_user(&taken),
    );
    assert_eq!(
        user_revision(&store, &ann),
        Some(4),
        "a refused update must leave the revision"
    );
    assert_eq!(
        user_revision(&store, &bob),
        Some(0),
        "updates of another user must leave a user's revision"
    );
    let revision = commit(&store, "update ann after all that", |tx| {
        tx.update_user(&renamed)
    });
    assert_eq!(
        revision, 5,
        "the next update must follow the last committed one"
    );

    let mut migrated = user("carl@example.com");
    migrated.revision = 7;
    commit(&store, "insert a user at revision 7", |tx| {
        tx.insert_user(&migrated)
    });
    assert_eq!(
        user_revision(&store, &migrated),
        Some(7),
        "a user must be stored with the revision it is inserted with"
    );
    let mut disabled = migrated.clone();
    disabled.status = UserStatus::Disabled;
    let revision = commit(&store, "update carl", |tx| tx.update_user(&disabled));
    assert_eq!(revision, 8, "and updated from it");
}

/// [`Transaction::set_sign_in_state`] is not a change of the user: it
/// leaves the revision, alone or after an update in the same transaction,
/// and the next update adds one to the revision as it was.
pub fn sign_in_state_leaves_the_revision<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let ann = user("ann@example.com");
    commit(&store, "insert ann", |tx| tx.insert_user(&ann));
    let locked = SignInState {
        user: Throttle {
            failures: 3,
            window_started: Some(at(10)),
            lockouts: 1,
            locked_until: Some(at(70)),
        },
        sources: Vec::new(),
        last_signed_in: Some(at(5)),
    };
    commit(&store, "count failed sign-ins", |tx| {
        tx.set_sign_in_state(ann.id, &locked)?;
        assert_eq!(
            tx.user(ann.id)?.map(|u| u.revision),
            Some(0),
            "a transaction must read the revision set_sign_in_state left"
        );
        Ok(())
    });
    assert_eq!(
        user_revision(&store, &ann),
        Some(0),
        "set_sign_in_state must leave the revision of a new user at 0"
    );
    let mut renamed = ann.clone();
    renamed.first_name = name("Annabel");
    let revision = commit(&store, "update ann, then count a sign-in", |tx| {
        let revision = tx.update_user(&renamed)?;
        tx.set_sign_in_state(ann.id, &SignInState::default())?;
        Ok(revision)
    });
    assert_eq!(revision, 1);
    assert_eq!(
        user_revision(&store, &ann),
        Some(1),
        "set_sign_in_state after an update in one transaction must leave the update's revision"
    );
    commit(&store, "count failed sign-ins again", |tx| {
        tx.set_sign_in_state(ann.id, &locked)?;
        tx.set_sign_in_state(ann.id, &locked)
    });
    let revision = commit(&store, "update ann again", |tx| tx.update_user(&renamed));
    assert_eq!(
        revision, 2,
        "the next update must add one to the revision set_sign_in_state left"
    );
}

/// A new group is at revision 0, as [`Transaction::insert_group`] returns
/// it and as it reads back; renaming it (also to another case of its name),
/// adding a member and removing one each add one to its revision, and
/// [`Transaction::rename_group`] returns the new one. Refused renames and
/// memberships, dropped transactions, changes to other groups, updates of
/// its members and deleting another group leave it.
pub fn group_revisions<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let ann = user("ann@example.com");
    let bob = user("bob@example.com");
    let (sales, other) = commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        let sales = tx.insert_group(one, &group_name("Sales"), at(2))?;
        let other = tx.insert_group(one, &group_name("Other"), at(3))?;
        tx.insert_user(&ann)?;
        tx.insert_user(&bob)?;
        Ok((sales, other))
    });
    assert_eq!(
        sales.revision, 0,
        "insert_group must return the group at revision 0"
    );
    assert_eq!(
        read(&store, |r| r.group(sales.id)),
        Some(sales.clone()),
        "a new group must read back as insert_group returned it"
    );
    assert_eq!(group_revision(&store, admins), Some(0));
    assert_eq!(
        read(&store, |r| r.groups(one))
            .iter()
            .map(|s| s.group.revision)
            .collect::<Vec<_>>(),
        [0, 0, 0],
        "groups must list new groups at revision 0"
    );
    let sales = sales.id;

    let revision = commit(&store, "rename Sales", |tx| {
        let revision = tx.rename_group(sales, &group_name("Sales & Marketing"))?;
        assert_eq!(
            tx.group(sales)?.map(|g| g.revision),
            Some(revision),
            "a transaction must read the revision its rename gave"
        );
        Ok(revision)
    });
    assert_eq!(
        revision, 1,
        "rename_group must return the group's revision plus one"
    );
    assert_eq!(group_revision(&store, sales), Some(1));
    let revision = commit(&store, "rename to another case", |tx| {
        tx.rename_group(sales, &group_name("SALES & MARKETING"))
    });
    assert_eq!(
        revision, 2,
        "renaming to another case of the name is a rename too"
    );

    commit(&store, "add ann", |tx| tx.add_member(sales, ann.id));
    assert_eq!(
        group_revision(&store, sales),
        Some(3),
        "adding a member must add one"
    );
    commit(&store, "add bob and remove ann", |tx| {
        tx.add_member(sales, bob.id)?;
        tx.remove_member(sales, ann.id)
    });
    assert_eq!(
        group_revision(&store, sales),
        Some(5),
        "adding and removing a member in one transaction must add one each"
    );
    let mut updated = bob.clone();
    updated.email = email("robert@example.com");
    commit(&store, "unrelated changes", |tx| {
        tx.add_member(admins, ann.id)?;
        tx.add_member(other.id, bob.id)?;
        tx.rename_group(other.id, &group_name("Others"))?;
        tx.update_user(&updated)?;
        Ok(())
    });
    assert_eq!(
        group_revision(&store, sales),
        Some(5),
        "changes to other groups and updates of a member must leave a group's revision"
    );
    assert_eq!(
        group_revision(&store, admins),
        Some(1),
        "the built-in group's revision moves like any other's"
    );
    assert_eq!(group_revision(&store, other.id), Some(2));

    {
        let mut tx = store.begin_write().expect("begin_write");
        change_then_drop(&mut tx, sales, &ann);
    }
    assert_eq!(
        group_revision(&store, sales),
        Some(5),
        "renames and memberships in a dropped transaction must leave the revision"
    );
    refuse(
        &store,
        StoreError::is_conflict,
        "renaming Sales & Marketing to Others must be a Conflict",
        |tx| tx.rename_group(sales, &group_name("others")),
    );
    refuse(
        &store,
        StoreError::is_conflict,
        "adding bob to Sales again must be a Conflict",
        |tx| tx.add_member(sales, bob.id),
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "removing ann, who left, must be NotFound",
        |tx| tx.remove_member(sales, ann.id),
    );
    assert_eq!(
        group_revision(&store, sales),
        Some(5),
        "refused renames and memberships must leave the revision"
    );
    commit(&store, "delete Others", |tx| tx.delete_group(other.id));
    assert_eq!(
        group_revision(&store, sales),
        Some(5),
        "deleting another group must leave a group's revision"
    );
    let newest = commit(&store, "create a group", |tx| {
        tx.insert_group(one, &group_name("Newest"), at(9))
    });
    assert_eq!(newest.revision, 0, "a group created later starts at 0 too");
    let listed: Vec<(u32, u64)> = read(&store, |r| r.groups(one))
        .iter()
        .map(|s| (s.group.id.number, s.group.revision))
        .collect();
    assert_eq!(
        listed,
        [(1, 1), (2, 5), (4, 0)],
        "groups must list each group with its revision"
    );
    assert!(matches!(
        read(&store, |r| r.group(admins)).map(|g| g.name),
        Some(GroupName::AccountAdministrators)
    ));
}

fn update_then_drop(tx: &mut dyn Transaction, user: &User) {
    tx.update_user(user)
        .expect("an update in a transaction that will be dropped");
}

fn change_then_drop(tx: &mut dyn Transaction, group: GroupId, user: &User) {
    let writes = |tx: &mut dyn Transaction| -> Result<(), StoreError> {
        tx.rename_group(group, &group_name("Dropped"))?;
        tx.add_member(group, user.id)?;
        assert_eq!(tx.group(group)?.map(|g| g.revision), Some(7));
        Ok(())
    };
    writes(tx).expect("changes in a transaction that will be dropped");
}
