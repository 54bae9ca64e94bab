//! Uniqueness: what exists once is refused a second time with
//! [`StoreError::Conflict`], and the refusal changes nothing. Group numbers
//! are never given twice.

use crate::model::{AccountNumber, GroupId, GroupName};
use crate::store::{Store, StoreError};
use crate::testing::conformance::support::{commit, read, refuse, setup_account, snapshot};
use crate::testing::fixtures::{account, at, email, group_name, name, user};

/// An account number is taken once: a second insert is a
/// [`StoreError::Conflict`], and the first account stays as it was.
pub fn accounts_are_unique<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    commit(&store, "insert account 1", |tx| {
        tx.insert_account(&account(1))
    });
    let mut other = account(1);
    other.name = name("Another name");
    other.created_at = at(50);
    refuse(
        &store,
        StoreError::is_conflict,
        "inserting an account number that exists must be a Conflict",
        |tx| tx.insert_account(&other),
    );
    assert_eq!(
        read(&store, |r| r.account(one)),
        Some(account(1)),
        "a refused duplicate account must leave the first one as it was"
    );
    commit(&store, "insert account 2 after a refusal", |tx| {
        tx.insert_account(&account(2))
    });
    assert_eq!(
        read(&store, |r| r.account(AccountNumber::new(2))),
        Some(account(2)),
        "the store must keep working after a refused insert"
    );
}

/// A user's [`UserId`](crate::UserId) is taken once: inserting another user with the same
/// id is a [`StoreError::Conflict`] whatever its address, and the first
/// user stays as it was.
pub fn user_ids_are_unique<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let ann = user("ann@example.com");
    commit(&store, "insert ann", |tx| tx.insert_user(&ann));
    let mut impostor = user("someone.else@example.com");
    impostor.id = ann.id;
    impostor.first_name = name("Impostor");
    refuse(
        &store,
        StoreError::is_conflict,
        "inserting a user whose id is taken, under another address, must be a Conflict",
        |tx| tx.insert_user(&impostor),
    );
    let mut twin = ann.clone();
    twin.first_name = name("Twin");
    refuse(
        &store,
        StoreError::is_conflict,
        "inserting a user whose id and address are taken must be a Conflict",
        |tx| tx.insert_user(&twin),
    );
    read(&store, |r| {
        assert_eq!(
            r.user(ann.id)?.as_ref(),
            Some(&ann),
            "a refused user with a taken id must leave the first user as it was"
        );
        assert_eq!(
            r.user_id(&impostor.email)?,
            None,
            "a refused user's address must find nobody"
        );
        assert_eq!(r.user_id(&ann.email)?, Some(ann.id));
        Ok(())
    });
}

/// A user's email identity is taken once, ignoring case: inserting another
/// user (another id) with the same identity is a [`StoreError::Conflict`],
/// and the first user stays as it was, found by any case of its address
/// and keeping it as typed.
pub fn email_identity_is_unique<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let bob = user("Bob@Example.com");
    commit(&store, "insert Bob@Example.com", |tx| tx.insert_user(&bob));
    let mut refused = Vec::new();
    for duplicate in ["Bob@Example.com", "bob@example.com", "BOB@EXAMPLE.COM"] {
        let mut twin = user(duplicate);
        twin.first_name = name("Robert");
        refuse(
            &store,
            StoreError::is_conflict,
            &format!("inserting {duplicate} when Bob@Example.com exists must be a Conflict"),
            |tx| tx.insert_user(&twin),
        );
        refused.push(twin.id);
    }
    read(&store, |r| {
        assert_eq!(
            r.user_id(&email("bob@EXAMPLE.com"))?,
            Some(bob.id),
            "a user must be found by any case of its address"
        );
        let stored = r.user(bob.id)?;
        assert_eq!(
            stored.as_ref(),
            Some(&bob),
            "the first user must stay as it was"
        );
        assert_eq!(
            stored.map(|u| u.email.as_str().to_owned()).as_deref(),
            Some("Bob@Example.com"),
            "the address must be kept as typed"
        );
        for id in &refused {
            assert_eq!(r.user(*id)?, None, "a refused user must not be stored");
        }
        Ok(())
    });
}

/// An update that changes a user's address to another user's email
/// identity (in any case) is a [`StoreError::Conflict`] that changes
/// nothing; changing only the case of one's own address is no conflict.
pub fn an_update_to_a_taken_email_is_a_conflict<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let ann = user("Ann@Example.com");
    let bob = user("bob@example.com");
    commit(&store, "insert ann and bob", |tx| {
        tx.insert_user(&ann)?;
        tx.insert_user(&bob)
    });
    let people = [ann.id, bob.id];
    let addresses = [ann.email.clone(), bob.email.clone()];
    let before = snapshot(&store, &[], &people, &addresses);
    for taken in ["Ann@Example.com", "ann@example.com", "ANN@EXAMPLE.COM"] {
        let mut moved = bob.clone();
        moved.email = email(taken);
        refuse(
            &store,
            StoreError::is_conflict,
            &format!("changing bob's address to {taken}, ann's, must be a Conflict"),
            |tx| tx.update_user(&moved),
        );
    }
    assert_eq!(
        snapshot(&store, &[], &people, &addresses),
        before,
        "a refused change of address must change nothing (records, revisions, the index)"
    );
    let mut recased = bob.clone();
    recased.email = email("Bob@Example.COM");
    commit(&store, "change the case of bob's own address", |tx| {
        tx.update_user(&recased)
    });
    read(&store, |r| {
        assert_eq!(
            r.user_id(&email("bob@example.com"))?,
            Some(bob.id),
            "changing the case of one's own address keeps the identity"
        );
        assert_eq!(
            r.user(bob.id)?
                .map(|u| u.email.as_str().to_owned())
                .as_deref(),
            Some("Bob@Example.COM"),
            "the new case must be kept as typed"
        );
        Ok(())
    });
}

/// The email index follows an update of the address: the new address (in
/// any case) finds the user, inside the transaction and after it, the old
/// one finds nobody and is free for another user, and the new one is taken.
pub fn the_email_index_follows_an_update<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let ann = user("ann@example.com");
    commit(&store, "insert ann", |tx| tx.insert_user(&ann));
    let mut moved = ann.clone();
    moved.email = email("Anna.Byron@Example.org");
    commit(&store, "change ann's address", |tx| {
        tx.update_user(&moved)?;
        assert_eq!(
            tx.user_id(&email("anna.byron@example.org"))?,
            Some(ann.id),
            "a transaction must find a user by the address it just gave them"
        );
        assert_eq!(
            tx.user_id(&email("ann@example.com"))?,
            None,
            "a transaction must not find a user by the address it just took from them"
        );
        Ok(())
    });
    read(&store, |r| {
        assert_eq!(
            r.user_id(&email("ANNA.BYRON@example.org"))?,
            Some(ann.id),
            "the new address, in any case, must find the user"
        );
        assert_eq!(
            r.user_id(&email("ann@example.com"))?,
            None,
            "the old address must find nobody"
        );
        let stored = r.user(ann.id)?;
        assert_eq!(
            stored.as_ref().map(|u| u.email.as_str()),
            Some("Anna.Byron@Example.org"),
            "the user must read back with the new address as typed"
        );
        assert_eq!(
            r.user_brief(ann.id)?.map(|b| b.user.email),
            Some(email("Anna.Byron@Example.org")),
            "the user's brief must carry the new address"
        );
        Ok(())
    });
    let newcomer = user("Ann@Example.com");
    commit(&store, "a new user with ann's old address", |tx| {
        tx.insert_user(&newcomer)
    });
    refuse(
        &store,
        StoreError::is_conflict,
        "a new user with the address ann moved to must be a Conflict",
        |tx| tx.insert_user(&user("anna.byron@example.org")),
    );
    read(&store, |r| {
        assert_eq!(
            r.user_id(&email("ann@example.com"))?,
            Some(newcomer.id),
            "an address given up by an update must be free for another user"
        );
        assert_eq!(
            r.user_id(&email("anna.byron@example.org"))?,
            Some(ann.id),
            "and the moved user must keep theirs"
        );
        Ok(())
    });
}

/// Group names are unique per account ignoring case ([`GroupName::key`]),
/// for new groups and renamed ones; another account may use the same name,
/// and a group may be renamed to another case of its own name.
pub fn group_names_are_unique_per_account<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let marketing = GroupId {
        account: one,
        number: 3,
    };
    commit(&store, "set up two accounts", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        tx.insert_group(one, &group_name("Sales"), at(11))?;
        tx.insert_group(one, &group_name("Marketing"), at(12))?;
        Ok(())
    });
    let before = snapshot(&store, &[one, two], &[], &[]);
    for taken in [
        group_name("sales"),
        group_name("SALES"),
        group_name("Sales"),
        group_name("account administrators"),
        GroupName::AccountAdministrators,
    ] {
        refuse(
            &store,
            StoreError::is_conflict,
            &format!("a second group named {taken} in one account must be a Conflict"),
            |tx| tx.insert_group(one, &taken, at(13)),
        );
        refuse(
            &store,
            StoreError::is_conflict,
            &format!("renaming Marketing to {taken} must be a Conflict"),
            |tx| tx.rename_group(marketing, &taken),
        );
    }
    assert_eq!(
        snapshot(&store, &[one, two], &[], &[]),
        before,
        "refused group inserts and renames must change nothing"
    );
    commit(&store, "same name in another account, new case", |tx| {
        let sales = tx.insert_group(two, &group_name("Sales"), at(14))?;
        assert_eq!(
            sales.id,
            GroupId {
                account: two,
                number: 2
            },
            "another account may have its own Sales group"
        );
        tx.rename_group(
            GroupId {
                account: one,
                number: 2,
            },
            &group_name("SALES"),
        )?;
        Ok(())
    });
    let renamed = read(&store, |r| {
        r.group(GroupId {
            account: one,
            number: 2,
        })
    });
    assert_eq!(
        renamed.map(|g| g.name),
        Some(group_name("SALES")),
        "a group may be renamed to another case of its own name"
    );
}

/// A user is in a group at most once: adding a member again is a
/// [`StoreError::Conflict`] that changes nothing, and takes the rest of its
/// transaction with it when dropped.
pub fn memberships_are_unique<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let ann = user("ann@example.com");
    let bob = user("bob@example.com");
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&ann)?;
        tx.add_member(admins, ann.id)
    });
    let people = [ann.id, bob.id];
    let addresses = [ann.email.clone(), bob.email.clone()];
    let before = snapshot(&store, &[one], &people, &addresses);
    refuse(
        &store,
        StoreError::is_conflict,
        "adding ann to a group she is in must be a Conflict",
        |tx| tx.add_member(admins, ann.id),
    );
    refuse(
        &store,
        StoreError::is_conflict,
        "adding ann to a group she is in, after other writes, must be a Conflict",
        |tx| {
            tx.insert_user(&bob)?;
            tx.add_member(admins, bob.id)?;
            tx.add_member(admins, ann.id)
        },
    );
    assert_eq!(
        snapshot(&store, &[one], &people, &addresses),
        before,
        "a refused second membership, and the dropped transaction it ended, must change nothing"
    );
    assert_eq!(
        read(&store, |r| r.member_count(admins)),
        1,
        "a refused second membership must not be counted"
    );
    assert_eq!(
        read(&store, |r| r.members(admins)),
        vec![ann.to_ref()],
        "a refused second membership must not be listed"
    );
}

/// Group numbers are given per account in creation order from 1, and never
/// reused after a deletion, not even of the newest group, not even within
/// the transaction that deleted it.
pub fn group_numbers_are_never_reused<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let numbers = commit(&store, "create groups", |tx| {
        tx.insert_account(&account(1))?;
        tx.insert_account(&account(2))?;
        let admins = tx.insert_group(one, &GroupName::AccountAdministrators, at(1))?;
        let a = tx.insert_group(one, &group_name("A"), at(2))?;
        let b = tx.insert_group(one, &group_name("B"), at(3))?;
        let other = tx.insert_group(two, &GroupName::AccountAdministrators, at(4))?;
        Ok([admins.id, a.id, b.id, other.id])
    });
    assert_eq!(
        numbers,
        [
            GroupId::administrators(one),
            GroupId {
                account: one,
                number: 2
            },
            GroupId {
                account: one,
                number: 3
            },
            GroupId::administrators(two),
        ],
        "group numbers must start at 1 in every account and follow creation order"
    );
    commit(&store, "delete the newest group", |tx| {
        tx.delete_group(GroupId {
            account: one,
            number: 3,
        })
    });
    let c = commit(&store, "create a group after deleting the newest", |tx| {
        tx.insert_group(one, &group_name("C"), at(5))
    });
    assert_eq!(
        c.id.number, 4,
        "the number of a deleted group (3) must never be given again"
    );
    let d = commit(&store, "delete and create in one transaction", |tx| {
        tx.delete_group(c.id)?;
        tx.delete_group(GroupId {
            account: one,
            number: 2,
        })?;
        tx.insert_group(one, &group_name("D"), at(6))
    });
    assert_eq!(
        d.id.number, 5,
        "numbers must not be reused within the transaction that deleted them"
    );
    let listed: Vec<u32> = read(&store, |r| r.groups(one))
        .iter()
        .map(|s| s.group.id.number)
        .collect();
    assert_eq!(
        listed,
        [1, 5],
        "groups must be listed in group-number order"
    );
}
