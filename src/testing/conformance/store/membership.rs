//! Membership: kept both ways (group → users, user → groups) and in step
//! with the groups and the users.

use crate::model::{AccountNumber, GroupId, UserStatus};
use crate::store::{Store, StoreError, Transaction};
use crate::testing::conformance::support::{commit, read, refuse, setup_account};
use crate::testing::fixtures::{at, email, group_name, user};

/// Membership is kept both ways and in step with the groups: `members`
/// (ordered by email identity, addresses as typed), `member_count`,
/// `is_member`, `user_groups`, `is_active_admin` (and the store's own
/// `is_active_admin_now`) and the counts of `groups`
/// agree, and deleting a group deletes its memberships and nothing else.
pub fn membership_is_indexed_both_ways<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let admins_one = GroupId::administrators(one);
    let admins_two = GroupId::administrators(two);
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let zoe = user("Zoe@example.com");
    let adam = user("adam@example.com");
    let mia = user("Mia@Example.com");
    let people = [&zoe, &adam, &mia];
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        tx.insert_group(one, &group_name("Sales"), at(2))?;
        for person in people {
            tx.insert_user(person)?;
        }
        for person in people {
            tx.add_member(sales, person.id)?;
        }
        tx.add_member(admins_one, zoe.id)?;
        tx.add_member(admins_two, adam.id)
    });
    read(&store, |r| {
        let members = r.members(sales)?;
        assert_eq!(
            members,
            vec![adam.to_ref(), mia.to_ref(), zoe.to_ref()],
            "members must be listed by email identity (ignoring case), with their ids"
        );
        assert_eq!(
            members.iter().map(|m| m.email.as_str()).collect::<Vec<_>>(),
            ["adam@example.com", "Mia@Example.com", "Zoe@example.com"],
            "members must be listed with their addresses as typed"
        );
        assert_eq!(
            r.member_count(sales)?,
            3,
            "member_count must count the members"
        );
        assert!(r.is_member(sales, mia.id)?, "is_member must find a member");
        assert!(
            !r.is_member(admins_one, mia.id)?,
            "is_member must not find a member of another group"
        );
        assert_eq!(
            r.user_groups(zoe.id)?,
            vec![admins_one, sales],
            "user_groups must list a user's groups in GroupId order"
        );
        assert_eq!(
            r.user_groups(adam.id)?,
            vec![sales, admins_two],
            "user_groups must list groups of every account, in GroupId order"
        );
        assert!(r.is_active_admin(one, zoe.id)?, "zoe administers account 1");
        assert!(
            !r.is_active_admin(two, zoe.id)?,
            "zoe does not administer account 2"
        );
        assert!(
            !r.is_active_admin(one, mia.id)?,
            "being in another group of the account does not make an administrator"
        );
        assert!(
            r.is_active_admin(two, adam.id)?,
            "adam administers account 2"
        );
        let counts: Vec<usize> = r.groups(one)?.iter().map(|s| s.members).collect();
        assert_eq!(counts, [1, 3], "groups must count each group's members");
        Ok(())
    });
    for (account, person, expected) in [
        (one, &zoe, true),
        (two, &zoe, false),
        (one, &mia, false),
        (two, &adam, true),
    ] {
        assert_eq!(
            store
                .is_active_admin_now(account, person.id)
                .expect("Store::is_active_admin_now"),
            expected,
            "Store::is_active_admin_now must answer as Reader::is_active_admin ({}, {account:?})",
            person.email
        );
    }
    commit(&store, "delete Sales", |tx| tx.delete_group(sales));
    read(&store, |r| {
        for person in people {
            assert!(
                !r.is_member(sales, person.id)?,
                "deleting a group must delete its memberships ({})",
                person.email
            );
            assert_eq!(
                r.user(person.id)?.as_ref(),
                Some(person),
                "deleting a group must keep its members' users as they were"
            );
        }
        assert_eq!(r.member_count(sales)?, 0, "a deleted group has no members");
        assert!(
            r.members(sales)?.is_empty(),
            "a deleted group lists no members"
        );
        assert_eq!(
            r.user_groups(zoe.id)?,
            vec![admins_one],
            "a deleted group must leave the user → groups index"
        );
        assert!(
            r.user_groups(mia.id)?.is_empty(),
            "a deleted group must leave the user → groups index"
        );
        assert!(
            r.is_active_admin(one, zoe.id)?,
            "deleting a group must leave the other groups' memberships"
        );
        Ok(())
    });
    refuse(
        &store,
        StoreError::is_not_found,
        "a deleted group takes no members",
        |tx| tx.add_member(sales, mia.id),
    );
}

/// Memberships follow the user, not the record: updating a user leaves
/// their memberships as they were; `members` lists them with their
/// current address, in the order of their current identity; an
/// administrator who is disabled is no longer an *active* administrator
/// but still a member, and is one again once active.
pub fn membership_follows_user_updates<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let ann = user("ann@example.com");
    let bob = user("bob@example.com");
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&ann)?;
        tx.insert_user(&bob)?;
        tx.add_member(admins, ann.id)?;
        tx.add_member(admins, bob.id)
    });

    let mut disabled = ann.clone();
    disabled.status = UserStatus::Disabled;
    commit(&store, "disable ann", |tx| tx.update_user(&disabled));
    read(&store, |r| {
        assert!(
            !r.is_active_admin(one, ann.id)?,
            "a disabled member of the group is not an active administrator"
        );
        assert!(
            r.is_member(admins, ann.id)?,
            "disabling a user must leave their memberships"
        );
        assert_eq!(r.member_count(admins)?, 2);
        assert!(r.is_active_admin(one, bob.id)?);
        Ok(())
    });

    let mut back = disabled.clone();
    back.status = UserStatus::Active;
    back.email = email("Zed@Example.com");
    commit(&store, "enable ann under a new address", |tx| {
        tx.update_user(&back)
    });
    read(&store, |r| {
        assert!(
            r.is_active_admin(one, ann.id)?,
            "an administrator active again administers again"
        );
        let members = r.members(admins)?;
        assert_eq!(
            members
                .iter()
                .map(|m| (m.id, m.email.as_str()))
                .collect::<Vec<_>>(),
            [(bob.id, "bob@example.com"), (ann.id, "Zed@Example.com")],
            "members must be listed with their current address, in the order of their \
             current identity"
        );
        assert_eq!(
            r.user_groups(ann.id)?,
            vec![admins],
            "updating a user must leave the user → groups index"
        );
        Ok(())
    });
}

/// [`Reader::account_users`](crate::store::Reader::account_users) and
/// [`Reader::account_user_count`](crate::store::Reader::account_user_count):
/// an account's users are those created in it and the members of its
/// groups, ordered by email identity then id, after a key, by email
/// prefix; the list follows joins, departures, deleted groups, changes of
/// email, and transactions dropped.
pub fn account_users_follow_every_change<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let mut zoe = user("Zoe@example.com");
    let mut adam = user("adam@example.com");
    let mut mia = user("Mia@Example.com");
    zoe.created_in = one;
    adam.created_in = one;
    mia.created_in = two;
    let identities =
        |account: AccountNumber, prefix: Option<&str>, after: Option<(&str, crate::UserId)>| {
            read(&store, |r| {
                Ok(r.account_users(account, prefix, after, 10)?
                    .into_iter()
                    .map(|row| row.user.email.identity().to_owned())
                    .collect::<Vec<_>>())
            })
        };
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        tx.insert_group(one, &group_name("Sales"), at(2))?;
        for person in [&zoe, &adam, &mia] {
            tx.insert_user(person)?;
        }
        Ok(())
    });
    assert_eq!(
        identities(one, None, None),
        ["adam@example.com", "zoe@example.com"]
    );
    assert_eq!(identities(two, None, None), ["mia@example.com"]);
    commit(&store, "mia joins Sales", |tx| tx.add_member(sales, mia.id));
    assert_eq!(
        identities(one, None, None),
        ["adam@example.com", "mia@example.com", "zoe@example.com"],
        "a member of one of its groups is the account's user"
    );
    assert_eq!(
        identities(one, Some("MI"), None),
        ["mia@example.com"],
        "by prefix, any case"
    );
    assert_eq!(
        identities(one, None, Some(("mia@example.com", mia.id))),
        ["zoe@example.com"],
        "after a key"
    );
    assert_eq!(read(&store, |r| r.account_user_count(one)), 3);
    {
        let mut tx = store.begin_write().expect("begin_write");
        tx.delete_group(sales).expect("delete Sales");
        // Dropped: nothing changes.
    }
    assert_eq!(
        read(&store, |r| r.account_user_count(one)),
        3,
        "a dropped delete"
    );
    mia.email = email("Amy@example.com");
    commit(&store, "mia's new email", |tx| {
        tx.update_user(&mia).map(drop)
    });
    assert_eq!(
        identities(one, None, None),
        ["adam@example.com", "amy@example.com", "zoe@example.com"],
        "a new email moves the user in every account's list"
    );
    assert_eq!(identities(two, None, None), ["amy@example.com"]);
    commit(&store, "delete Sales", |tx| tx.delete_group(sales));
    assert_eq!(
        identities(one, None, None),
        ["adam@example.com", "zoe@example.com"],
        "without the group she is not the account's user any more"
    );
    assert_eq!(
        identities(two, None, None),
        ["amy@example.com"],
        "still created there"
    );
    commit(&store, "zoe joins and leaves", |tx| {
        tx.add_member(GroupId::administrators(one), zoe.id)?;
        tx.remove_member(GroupId::administrators(one), zoe.id)
    });
    assert_eq!(
        identities(one, None, None),
        ["adam@example.com", "zoe@example.com"],
        "leaving a group of the account she was created in keeps her"
    );
    commit(&store, "zoe joins the other account", |tx| {
        tx.add_member(GroupId::administrators(two), zoe.id)
    });
    {
        let mut tx = store.begin_write().expect("begin_write");
        tx.delete_user(zoe.id).expect("delete zoe");
        // Dropped: she stays, in both lists.
    }
    assert_eq!(
        identities(one, None, None),
        ["adam@example.com", "zoe@example.com"]
    );
    assert_eq!(
        identities(two, None, None),
        ["amy@example.com", "zoe@example.com"]
    );
    commit(&store, "delete zoe", |tx| tx.delete_user(zoe.id));
    assert_eq!(
        identities(one, None, None),
        ["adam@example.com"],
        "a deleted user leaves every list"
    );
    assert_eq!(identities(two, None, None), ["amy@example.com"]);
    assert_eq!(read(&store, |r| r.account_user_count(two)), 1);
}
