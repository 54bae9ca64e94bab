//! The user lifecycle: counting a group's *active* administrators (R16)
//! and deleting users, with their memberships, atomically.

use crate::model::{AccountNumber, GroupId, User, UserStatus};
use crate::store::{Reader, Store, StoreError, Transaction};
use crate::testing::conformance::support::{commit, read, refuse, setup_account};
use crate::testing::fixtures::{at, audit_record, email, group_name, user};

/// `active_admin_count` counts the members of *Account Administrators*
/// whose status is active, and no one else: not a disabled administrator,
/// not a member of another group, not an administrator of another
/// account; 0 for an account that does not exist. It agrees with
/// `is_active_admin` inside a transaction that changed it.
pub fn active_admins_are_counted<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let admins = GroupId::administrators(one);
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let ann = user("ann@example.com");
    let bob = user("bob@example.com");
    let cy = user("cy@example.com");
    let dee = user("dee@example.com");
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        tx.insert_group(one, &group_name("Sales"), at(2))?;
        for person in [&ann, &bob, &cy, &dee] {
            tx.insert_user(person)?;
        }
        tx.add_member(admins, ann.id)?;
        tx.add_member(admins, bob.id)?;
        tx.add_member(sales, cy.id)?;
        tx.add_member(GroupId::administrators(two), dee.id)
    });
    read(&store, |r| {
        assert_eq!(
            r.active_admin_count(one)?,
            2,
            "active_admin_count must count the active members of Account Administrators \
             (not those of another group or account)"
        );
        assert_eq!(r.active_admin_count(two)?, 1);
        assert_eq!(
            r.active_admin_count(AccountNumber::new(3))?,
            0,
            "an account that does not exist has no administrator"
        );
        Ok(())
    });
    let mut disabled = bob.clone();
    disabled.status = UserStatus::Disabled;
    let mut tx = store.begin_write().expect("a write transaction");
    tx.update_user(&disabled).expect("disable bob");
    assert_eq!(
        tx.active_admin_count(one).expect("a count"),
        1,
        "a transaction must count what it changed itself: a disabled administrator is not active"
    );
    tx.commit().expect("the commit");
    read(&store, |r| {
        assert_eq!(
            r.active_admin_count(one)?,
            1,
            "a disabled administrator does not count"
        );
        assert_eq!(
            r.member_count(admins)?,
            2,
            "a disabled administrator is still a member"
        );
        Ok(())
    });
    let mut back = disabled.clone();
    back.status = UserStatus::Active;
    commit(&store, "enable bob", |tx| tx.update_user(&back));
    read(&store, |r| {
        assert_eq!(
            r.active_admin_count(one)?,
            2,
            "an enabled administrator counts again"
        );
        Ok(())
    });
}

/// Deleting a user deletes them and every membership they have, in every
/// account, and nothing else: other users and their memberships stay, the
/// audit trail keeps its entries, the group revisions move as a removal
/// moves them. Their id is then unknown and their email identity free: a
/// new user of the same address (another id) starts with no membership.
/// Deleting a user who does not exist is [`StoreError::NotFound`].
pub fn deleted_users_are_gone<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let admins = GroupId::administrators(one);
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let others = GroupId::administrators(two);
    let ann = user("Ann@Example.com");
    let bob = user("bob@example.com");
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        tx.insert_group(one, &group_name("Sales"), at(2))?;
        tx.insert_user(&ann)?;
        tx.insert_user(&bob)?;
        for group in [admins, sales, others] {
            tx.add_member(group, ann.id)?;
        }
        tx.add_member(admins, bob.id)?;
        tx.append_audit(audit_record(
            1,
            crate::model::Action::UserAdded {
                user: ann.to_ref(),
                temporary_password: false,
            },
        ))
    });
    let revisions = |r: &dyn Reader| -> Result<Vec<u64>, StoreError> {
        [admins, sales, others]
            .iter()
            .map(|&g| Ok(r.group(g)?.map_or(u64::MAX, |g| g.revision)))
            .collect()
    };
    let before = read(&store, revisions);
    commit(&store, "delete ann", |tx| tx.delete_user(ann.id));
    read(&store, |r| {
        assert_eq!(r.user(ann.id)?, None, "a deleted user must be gone");
        assert_eq!(r.user_brief(ann.id)?, None);
        assert_eq!(
            r.user_id(&email("ann@example.com"))?,
            None,
            "a deleted user's address must find no one"
        );
        assert!(
            r.user_groups(ann.id)?.is_empty(),
            "a deleted user is in no group"
        );
        for group in [admins, sales, others] {
            assert!(
                !r.is_member(group, ann.id)?,
                "deleting a user must delete their memberships ({group:?})"
            );
            assert!(
                r.members(group)?.iter().all(|m| m.id != ann.id),
                "a group must not list a deleted member ({group:?})"
            );
        }
        assert_eq!(r.member_count(admins)?, 1, "bob stays an administrator");
        assert_eq!(r.member_count(sales)?, 0);
        assert_eq!(r.member_count(others)?, 0);
        assert!(!r.is_active_admin(one, ann.id)?);
        assert_eq!(r.active_admin_count(one)?, 1);
        assert_eq!(
            r.user(bob.id)?.as_ref(),
            Some(&bob),
            "deleting a user must leave the others"
        );
        assert_eq!(r.user_groups(bob.id)?, vec![admins]);
        assert_eq!(
            r.audit(one, 10)?.len(),
            1,
            "deleting a user must keep the audit trail"
        );
        let after = revisions(r)?;
        for (was, now) in before.iter().zip(&after) {
            assert_eq!(
                *now,
                was + 1,
                "each group a deleted user leaves moves its revision by one"
            );
        }
        Ok(())
    });
    refuse(
        &store,
        StoreError::is_not_found,
        "deleting a user who does not exist must be NotFound",
        |tx| tx.delete_user(ann.id),
    );
    let again = user("ann@example.com");
    commit(&store, "a new ann", |tx| tx.insert_user(&again));
    read(&store, |r| {
        assert_eq!(
            r.user_id(&email("ANN@example.com"))?,
            Some(again.id),
            "a deleted user's address must be free for a new user"
        );
        assert!(
            r.user_groups(again.id)?.is_empty(),
            "a new user of a deleted user's address inherits no membership"
        );
        assert_eq!(r.user(ann.id)?, None, "the old id stays unknown");
        Ok(())
    });
}

/// A deletion rolled back (dropped, or followed by more writes, all
/// dropped) leaves the user, their memberships and both ways of finding
/// them as they were; so does deleting several users and inserting
/// others in their place in one dropped transaction.
pub fn a_dropped_deletion_leaves_everything<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let people: Vec<User> = (0..12)
        .map(|i| user(&format!("Person{i}@Example.com")))
        .collect();
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_group(one, &group_name("Sales"), at(2))?;
        for (i, person) in people.iter().enumerate() {
            tx.insert_user(person)?;
            tx.add_member(if i % 2 == 0 { admins } else { sales }, person.id)?;
        }
        tx.add_member(sales, people[0].id)
    });
    // The last user, one in the middle and the first, so that a slab that
    // shrinks at its end and one that frees a slot inside are both undone.
    let deleted = [11, 5, 0, 10];
    let newcomers: Vec<User> = (0..3)
        .map(|i| user(&format!("Newcomer{i}@Example.com")))
        .collect();
    let mut tx = store.begin_write().expect("a write transaction");
    for &i in &deleted {
        tx.delete_user(people[i].id).expect("a deletion");
    }
    for newcomer in &newcomers {
        tx.insert_user(newcomer).expect("an insertion");
        tx.add_member(sales, newcomer.id).expect("a membership");
    }
    tx.insert_user(&user("person5@example.com"))
        .expect("a deleted user's address is free inside the transaction");
    drop(tx);
    read(&store, |r| {
        for (i, person) in people.iter().enumerate() {
            assert_eq!(
                r.user(person.id)?.as_ref(),
                Some(person),
                "a dropped deletion must leave the user ({i})"
            );
            assert_eq!(
                r.user_id(&email(&person.email.as_str().to_uppercase()))?,
                Some(person.id),
                "a dropped deletion must leave the user's address ({i})"
            );
            let mut groups = vec![if i % 2 == 0 { admins } else { sales }];
            if i == 0 {
                groups.push(sales);
            }
            assert_eq!(
                r.user_groups(person.id)?,
                groups,
                "a dropped deletion must leave the user's memberships ({i})"
            );
        }
        for newcomer in &newcomers {
            assert_eq!(r.user(newcomer.id)?, None);
            assert_eq!(r.user_id(&newcomer.email)?, None);
        }
        assert_eq!(r.member_count(admins)?, 6);
        assert_eq!(r.member_count(sales)?, 7);
        assert_eq!(r.active_admin_count(one)?, 6);
        Ok(())
    });
    // And committed, then the freed room used again: every index true.
    commit(&store, "delete and insert", |tx| {
        for &i in &deleted {
            tx.delete_user(people[i].id)?;
        }
        for newcomer in &newcomers {
            tx.insert_user(newcomer)?;
            tx.add_member(admins, newcomer.id)?;
        }
        Ok(())
    });
    read(&store, |r| {
        for (i, person) in people.iter().enumerate() {
            let gone = deleted.contains(&i);
            assert_eq!(r.user(person.id)?.is_none(), gone, "user {i}");
            assert_eq!(r.user_id(&person.email)?.is_none(), gone, "address {i}");
        }
        for newcomer in &newcomers {
            assert_eq!(r.user(newcomer.id)?.as_ref(), Some(newcomer));
            assert_eq!(r.user_id(&newcomer.email)?, Some(newcomer.id));
            assert_eq!(r.user_groups(newcomer.id)?, vec![admins]);
        }
        assert_eq!(r.member_count(admins)?, 6 - 2 + 3);
        assert_eq!(r.active_admin_count(one)?, 7);
        Ok(())
    });
}
