//! Provisioning (SCIM): what each account's identity provider calls its
//! users ([`ExternalIdentity`]: one per account and user, found by
//! `userName` key and by `externalId`, unique in the account, gone with the
//! user), the `externalId` it gives a group (one per group, not unique,
//! moving the group's revision, gone with the group) and the provisioning
//! tokens ([`ProvisioningCredential`](crate::ProvisioningCredential):
//! unique by id, listed per account oldest first).

use crate::model::{
    AccountNumber, ActorRecord, ExternalId, ExternalIdentity, GroupId, User, UserId, UserRef,
    user_name_key,
};
use crate::store::{Reader, Store, StoreError, Transaction};
use crate::testing::conformance::support::{commit, read, refuse, setup_account};
use crate::testing::fixtures::{
    at, email, external_identity, group_name, name, provisioner, provisioning_credential, time,
    user,
};

const ONE: AccountNumber = AccountNumber::new(1);
const TWO: AccountNumber = AccountNumber::new(987_654_321_012);

/// A store with accounts 1 and 987654321012 and the users ann, bob and cy
/// (none named by any provider yet).
fn people<S: Store>(store: &S) -> [User; 3] {
    let people = [
        user("ann@example.com"),
        user("bob@example.com"),
        user("cy@example.com"),
    ];
    commit(store, "set up two accounts and three users", |tx| {
        setup_account(tx, ONE.get())?;
        setup_account(tx, TWO.get())?;
        for person in &people {
            tx.insert_user(person)?;
        }
        Ok(())
    });
    people
}

/// Everything a store shows of `identities`' accounts and users, by each
/// way of finding them: the record, the user by `userName` key (asked in
/// upper case, lowered as a caller lowers it), the user by `externalId`.
type Shown = Vec<(
    Option<ExternalIdentity>,
    Option<UserId>,
    Option<Option<UserId>>,
)>;

fn shown(r: &dyn Reader, identities: &[&ExternalIdentity]) -> Result<Shown, StoreError> {
    identities
        .iter()
        .map(|identity| {
            let key = user_name_key(&identity.user_name.as_str().to_uppercase());
            let by_external_id = identity
                .external_id
                .as_ref()
                .map(|id| r.user_by_external_id(identity.account, id))
                .transpose()?;
            Ok((
                r.external_identity(identity.account, identity.user)?,
                r.user_by_user_name(identity.account, &key)?,
                by_external_id,
            ))
        })
        .collect()
}

/// What [`shown`] gives for `identities` when each is stored.
fn stored(identities: &[&ExternalIdentity]) -> Shown {
    identities
        .iter()
        .map(|identity| {
            (
                Some((*identity).clone()),
                Some(identity.user),
                identity.external_id.as_ref().map(|_| Some(identity.user)),
            )
        })
        .collect()
}

/// An [`ExternalIdentity`] reads back equal (the `userName` as sent, its
/// case kept; the `externalId` or none; the `displayName` or none; the
/// modification time to the nanosecond), inside the transaction that put
/// it and after it. The user
/// is found by the `userName`'s [key](crate::UserName::key) (whatever the
/// case it was sent in) and by the exact `externalId`, and not by another
/// case of the `externalId`. Putting it again replaces it whole: the old
/// key and `externalId` find no one any more. A user may have one in each
/// of several accounts, each found only in its own.
pub fn external_identities_round_trip<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let [ann, bob, _] = people(&store);
    let mut anns = external_identity(1, ann.id, "Ann.Lee@Corp.Example", Some("00u1AbCdEf"));
    anns.modified_at = time(1_800_000_000, 999_999_999);
    anns.display_name = Some(name("Ann Lee — «Ventes» 東京"));
    let bobs = external_identity(1, bob.id, "Bjørn.Ås", None);
    let mut anns_in_two = external_identity(TWO.get(), ann.id, "ann", Some("S-1-5-21-7"));
    anns_in_two.display_name = Some(name("ann"));
    commit(&store, "name ann and bob", |tx| {
        for identity in [&anns, &bobs, &anns_in_two] {
            tx.put_external_identity(identity)?;
        }
        assert_eq!(
            shown(tx, &[&anns, &bobs, &anns_in_two])?,
            stored(&[&anns, &bobs, &anns_in_two]),
            "a transaction must read the external identities it put"
        );
        Ok(())
    });
    read(&store, |r| {
        assert_eq!(
            shown(r, &[&anns, &bobs, &anns_in_two])?,
            stored(&[&anns, &bobs, &anns_in_two]),
            "an external identity must read back equal (userName as sent, externalId or none, \
             displayName or none, time to the nanosecond) and find its user by userName key \
             and by externalId"
        );
        assert_eq!(
            r.user_by_user_name(ONE, "bjørn.ås")?,
            Some(bob.id),
            "the key of a userName is lower case beyond ASCII too"
        );
        assert_eq!(
            r.user_by_external_id(ONE, &ExternalId::from_stored("00U1ABCDEF"))?,
            None,
            "an externalId is compared exactly, case included"
        );
        assert_eq!(
            r.user_by_user_name(TWO, "ann.lee@corp.example")?,
            None,
            "a userName is found only in its own account"
        );
        assert_eq!(
            r.user_by_external_id(TWO, &ExternalId::from_stored("00u1AbCdEf"))?,
            None,
            "an externalId is found only in its own account"
        );
        assert_eq!(
            r.external_identity(TWO, bob.id)?,
            None,
            "a user not named in an account has no identity there"
        );
        Ok(())
    });

    // ann's displayName cleared, bob given one.
    let mut renamed = external_identity(1, ann.id, "ann.lee", None);
    renamed.modified_at = time(1_900_000_000, 1);
    let mut bob_shown = bobs.clone();
    bob_shown.display_name = Some(name("Bjørn Ås"));
    commit(&store, "rename ann in account 1", |tx| {
        tx.put_external_identity(&renamed)?;
        tx.put_external_identity(&bob_shown)
    });
    read(&store, |r| {
        assert_eq!(
            shown(r, &[&renamed, &bob_shown, &anns_in_two])?,
            stored(&[&renamed, &bob_shown, &anns_in_two]),
            "putting an identity again must replace it whole (its displayName set or \
             cleared too), and leave the others"
        );
        assert_eq!(
            r.user_by_user_name(ONE, "ann.lee@corp.example")?,
            None,
            "a replaced userName must find no one"
        );
        assert_eq!(
            r.user_by_external_id(ONE, &ExternalId::from_stored("00u1AbCdEf"))?,
            None,
            "a replaced externalId must find no one"
        );
        Ok(())
    });
}

/// Within one account, no two users share a `userName` key (ignoring
/// case) or an `externalId`: putting one that repeats another user's is a
/// [`StoreError::Conflict`] that changes nothing. The same user may put
/// their names again in another case, keep them, or give them up, and
/// then another user may take them; users of another account may have
/// the same names; any number of users may have no `externalId`.
pub fn external_names_are_unique_per_account<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let [ann, bob, cy] = people(&store);
    let anns = external_identity(1, ann.id, "Ann", Some("ext-ann"));
    let bobs = external_identity(1, bob.id, "bob", None);
    commit(&store, "name ann and bob", |tx| {
        tx.put_external_identity(&anns)?;
        tx.put_external_identity(&bobs)
    });
    refuse(
        &store,
        StoreError::is_conflict,
        "a userName another user of the account has, in another case, must be a Conflict",
        |tx| tx.put_external_identity(&external_identity(1, bob.id, "ANN", None)),
    );
    refuse(
        &store,
        StoreError::is_conflict,
        "an externalId another user of the account has must be a Conflict",
        |tx| tx.put_external_identity(&external_identity(1, cy.id, "cy", Some("ext-ann"))),
    );
    read(&store, |r| {
        assert_eq!(
            shown(r, &[&anns, &bobs])?,
            stored(&[&anns, &bobs]),
            "a refused identity must change nothing"
        );
        assert_eq!(r.external_identity(ONE, cy.id)?, None);
        Ok(())
    });

    let ann_upper = external_identity(1, ann.id, "ANN", Some("ext-ann"));
    let cys = external_identity(1, cy.id, "cy", None);
    let others = [
        external_identity(TWO.get(), bob.id, "ann", Some("ext-ann")),
        external_identity(TWO.get(), cy.id, "Bob", None),
    ];
    commit(&store, "names that are free", |tx| {
        // The same user, another case: their own name.
        tx.put_external_identity(&ann_upper)?;
        // A second user without an externalId.
        tx.put_external_identity(&cys)?;
        // Another account: the same names, other users.
        for identity in &others {
            tx.put_external_identity(identity)?;
        }
        Ok(())
    });
    read(&store, |r| {
        assert_eq!(
            shown(r, &[&ann_upper, &bobs, &cys, &others[0], &others[1]])?,
            stored(&[&ann_upper, &bobs, &cys, &others[0], &others[1]]),
            "a user may put their own names in another case, users without an externalId \
             coexist, and another account's users may have the same names"
        );
        Ok(())
    });

    // Names given up (replaced, or the identity deleted) are free.
    let ann_moved = external_identity(1, ann.id, "annabel", Some("ext-annabel"));
    let bob_takes = external_identity(1, bob.id, "ann", Some("ext-ann"));
    commit(&store, "ann gives up her names, bob takes them", |tx| {
        tx.put_external_identity(&ann_moved)?;
        tx.put_external_identity(&bob_takes)
    });
    let cy_takes = external_identity(1, cy.id, "Annabel", Some("ext-annabel"));
    commit(&store, "ann's identity deleted, cy takes her names", |tx| {
        tx.delete_external_identity(ONE, ann.id)?;
        tx.put_external_identity(&cy_takes)
    });
    read(&store, |r| {
        assert_eq!(
            shown(r, &[&bob_takes, &cy_takes])?,
            stored(&[&bob_takes, &cy_takes]),
            "names given up by a replacement or a deletion must be free for another user"
        );
        assert_eq!(r.external_identity(ONE, ann.id)?, None);
        Ok(())
    });
}

/// Naming in an account or of a user that does not exist is
/// [`StoreError::NotFound`] and stores nothing; so is deleting an identity
/// that does not exist (in that account). Reads of what does not exist
/// find nothing.
pub fn missing_identities_are_not_found<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let [ann, bob, _] = people(&store);
    let nobody = UserId::random();
    commit(&store, "name ann in account 1", |tx| {
        tx.put_external_identity(&external_identity(1, ann.id, "ann", Some("a-1")))
    });
    refuse(
        &store,
        StoreError::is_not_found,
        "naming a user in an account that does not exist must be NotFound",
        |tx| tx.put_external_identity(&external_identity(3, bob.id, "bob", Some("b-1"))),
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "naming a user who does not exist must be NotFound",
        |tx| tx.put_external_identity(&external_identity(1, nobody, "nobody", Some("n-1"))),
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "deleting an identity a user does not have must be NotFound",
        |tx| tx.delete_external_identity(ONE, bob.id),
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "deleting a user's identity in an account that did not name them must be NotFound",
        |tx| tx.delete_external_identity(TWO, ann.id),
    );
    read(&store, |r| {
        let three = AccountNumber::new(3);
        assert_eq!(r.external_identity(three, bob.id)?, None);
        assert_eq!(r.user_by_user_name(three, "bob")?, None);
        assert_eq!(
            r.user_by_external_id(three, &ExternalId::from_stored("b-1"))?,
            None
        );
        assert_eq!(r.external_identity(ONE, nobody)?, None);
        assert_eq!(
            r.user_by_user_name(ONE, "nobody")?,
            None,
            "a refused identity must store nothing"
        );
        assert_eq!(
            r.user_by_external_id(ONE, &ExternalId::from_stored("n-1"))?,
            None
        );
        assert_eq!(r.external_identity(ONE, bob.id)?, None);
        assert_eq!(r.user_by_user_name(ONE, "ann")?, Some(ann.id));
        Ok(())
    });
}

/// Deleting a user deletes their identity in every account, and no one
/// else's: their names are then free. A deletion that is dropped leaves
/// them.
pub fn identities_go_with_their_user<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let [ann, bob, _] = people(&store);
    let anns = [
        external_identity(1, ann.id, "ann", Some("ext-ann")),
        external_identity(TWO.get(), ann.id, "Ann.Two", None),
    ];
    let bobs = external_identity(1, bob.id, "bob", Some("ext-bob"));
    commit(&store, "name ann twice and bob", |tx| {
        for identity in anns.iter().chain([&bobs]) {
            tx.put_external_identity(identity)?;
        }
        Ok(())
    });
    let all = [&anns[0], &anns[1], &bobs];
    {
        let mut tx = store.begin_write().expect("a write transaction");
        tx.delete_user(ann.id).expect("ann deleted");
        drop(tx);
    }
    read(&store, |r| {
        assert_eq!(
            shown(r, &all)?,
            stored(&all),
            "a dropped deletion of a user must leave their identities"
        );
        Ok(())
    });
    commit(&store, "delete ann", |tx| tx.delete_user(ann.id));
    read(&store, |r| {
        for identity in &anns {
            assert_eq!(
                r.external_identity(identity.account, ann.id)?,
                None,
                "deleting a user must delete their identity in every account"
            );
        }
        assert_eq!(
            r.user_by_user_name(ONE, "ann")?,
            None,
            "a deleted user's userName must find no one"
        );
        assert_eq!(r.user_by_user_name(TWO, "ann.two")?, None);
        assert_eq!(
            r.user_by_external_id(ONE, &ExternalId::from_stored("ext-ann"))?,
            None,
            "a deleted user's externalId must find no one"
        );
        assert_eq!(
            shown(r, &[&bobs])?,
            stored(&[&bobs]),
            "deleting a user must leave the identities of others"
        );
        Ok(())
    });
    let again = external_identity(1, bob.id, "ann", Some("ext-ann"));
    commit(&store, "bob takes ann's names", |tx| {
        tx.put_external_identity(&again)
    });
    assert_eq!(
        read(&store, |r| shown(r, &[&again])),
        stored(&[&again]),
        "a deleted user's names must be free for another user"
    );
}

/// Putting (new or replacing) and deleting identities in a transaction
/// that is dropped changes nothing: each record and both ways of finding
/// it are as they were.
pub fn identity_writes_roll_back<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let [ann, bob, cy] = people(&store);
    let anns = external_identity(1, ann.id, "ann", Some("ext-ann"));
    let bobs = external_identity(1, bob.id, "Bob", None);
    commit(&store, "name ann and bob", |tx| {
        tx.put_external_identity(&anns)?;
        tx.put_external_identity(&bobs)
    });
    let before = read(&store, |r| shown(r, &[&anns, &bobs]));
    {
        let mut tx = store.begin_write().expect("a write transaction");
        let writes = |tx: &mut dyn Transaction| -> Result<(), StoreError> {
            // ann renamed, her old names taken by cy, bob's deleted and
            // given to ann, and names in another account.
            tx.put_external_identity(&external_identity(1, ann.id, "annabel", Some("ext-2")))?;
            tx.put_external_identity(&external_identity(1, cy.id, "ANN", Some("ext-ann")))?;
            tx.delete_external_identity(ONE, bob.id)?;
            tx.put_external_identity(&external_identity(1, ann.id, "bob", None))?;
            tx.put_external_identity(&external_identity(TWO.get(), bob.id, "b", Some("x")))?;
            tx.delete_external_identity(ONE, ann.id)
        };
        writes(&mut tx).expect("writes in a transaction that will be dropped");
        drop(tx);
    }
    read(&store, |r| {
        assert_eq!(
            shown(r, &[&anns, &bobs])?,
            before,
            "identities put, replaced and deleted in a dropped transaction must be as they were"
        );
        assert_eq!(r.external_identity(ONE, cy.id)?, None);
        assert_eq!(r.external_identity(TWO, bob.id)?, None);
        assert_eq!(r.user_by_user_name(ONE, "annabel")?, None);
        assert_eq!(
            r.user_by_external_id(ONE, &ExternalId::from_stored("ext-2"))?,
            None
        );
        assert_eq!(r.user_by_user_name(TWO, "b")?, None);
        Ok(())
    });
}

/// A group's `externalId` is set, replaced and cleared, each time moving
/// the group's revision by one (the new revision returned, and read back
/// in the transaction and after it); it reads back exactly, is not unique
/// (two groups, in one account or two, may have the same), and a group
/// without one reads `None`. Setting it on a group that does not exist is
/// [`StoreError::NotFound`]; deleting a group deletes it.
pub fn group_external_ids_are_kept<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (sales, other, elsewhere) = commit(&store, "set up groups", |tx| {
        setup_account(tx, ONE.get())?;
        setup_account(tx, TWO.get())?;
        let sales = tx.insert_group(ONE, &group_name("Sales"), at(2))?.id;
        let other = tx.insert_group(ONE, &group_name("Other"), at(3))?.id;
        let elsewhere = tx.insert_group(TWO, &group_name("Sales"), at(4))?.id;
        Ok((sales, other, elsewhere))
    });
    let revision = |r: &dyn Reader, group: GroupId| -> Result<Option<u64>, StoreError> {
        Ok(r.group(group)?.map(|g| g.revision))
    };
    read(&store, |r| {
        for group in [sales, other, elsewhere, GroupId::administrators(ONE)] {
            assert_eq!(
                r.group_external_id(group)?,
                None,
                "a group the provider never named has no externalId"
            );
        }
        Ok(())
    });
    let id = ExternalId::from_stored("00g1AbC — Ventes 東京");
    let set = commit(&store, "set Sales's externalId", |tx| {
        let set = tx.set_group_external_id(sales, Some(&id))?;
        assert_eq!(
            tx.group_external_id(sales)?,
            Some(id.clone()),
            "a transaction must read the externalId it set"
        );
        assert_eq!(
            revision(tx, sales)?,
            Some(set),
            "a transaction must read the revision set_group_external_id gave"
        );
        Ok(set)
    });
    assert_eq!(
        set, 1,
        "set_group_external_id must return the group's revision plus one"
    );
    commit(&store, "the same externalId for two other groups", |tx| {
        assert_eq!(tx.set_group_external_id(other, Some(&id))?, 1);
        assert_eq!(tx.set_group_external_id(elsewhere, Some(&id))?, 1);
        Ok(())
    });
    read(&store, |r| {
        for group in [sales, other, elsewhere] {
            assert_eq!(
                r.group_external_id(group)?,
                Some(id.clone()),
                "a group's externalId must read back exactly, and is not unique"
            );
            assert_eq!(revision(r, group)?, Some(1));
        }
        assert_eq!(r.group_external_id(GroupId::administrators(ONE))?, None);
        Ok(())
    });

    let replaced = ExternalId::from_stored("00G1ABC");
    let set = commit(&store, "replace Sales's externalId", |tx| {
        tx.set_group_external_id(sales, Some(&replaced))
    });
    assert_eq!(
        set, 2,
        "replacing an externalId must move the revision by one"
    );
    let set = commit(&store, "set the same externalId again", |tx| {
        tx.set_group_external_id(sales, Some(&replaced))
    });
    assert_eq!(
        set, 3,
        "setting the same externalId again moves the revision too"
    );
    read(&store, |r| {
        assert_eq!(r.group_external_id(sales)?, Some(replaced.clone()));
        assert_eq!(
            r.group_external_id(other)?,
            Some(id.clone()),
            "setting one group's externalId must leave the others"
        );
        Ok(())
    });
    let set = commit(&store, "clear Sales's externalId", |tx| {
        tx.set_group_external_id(sales, None)
    });
    assert_eq!(
        set, 4,
        "clearing an externalId must move the revision by one"
    );
    let set = commit(&store, "clear it again", |tx| {
        tx.set_group_external_id(sales, None)
    });
    assert_eq!(
        set, 5,
        "clearing an absent externalId moves the revision too"
    );
    read(&store, |r| {
        assert_eq!(
            r.group_external_id(sales)?,
            None,
            "a cleared externalId must read None"
        );
        assert_eq!(revision(r, sales)?, Some(5));
        assert_eq!(r.group_external_id(other)?, Some(id.clone()));
        Ok(())
    });

    let missing = GroupId {
        account: ONE,
        number: 99,
    };
    refuse(
        &store,
        StoreError::is_not_found,
        "setting the externalId of a group that does not exist must be NotFound",
        |tx| tx.set_group_external_id(missing, Some(&id)),
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "clearing the externalId of a group that does not exist must be NotFound",
        |tx| tx.set_group_external_id(missing, None),
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "a group of an account that does not exist must be NotFound",
        |tx| tx.set_group_external_id(GroupId::administrators(AccountNumber::new(3)), Some(&id)),
    );
    read(&store, |r| {
        assert_eq!(
            r.group_external_id(missing)?,
            None,
            "a refused externalId must store nothing"
        );
        Ok(())
    });

    commit(&store, "delete Other", |tx| tx.delete_group(other));
    read(&store, |r| {
        assert_eq!(
            r.group_external_id(other)?,
            None,
            "deleting a group must delete its externalId"
        );
        assert_eq!(
            r.group_external_id(elsewhere)?,
            Some(id.clone()),
            "deleting a group must leave the externalId of others"
        );
        Ok(())
    });
    refuse(
        &store,
        StoreError::is_not_found,
        "setting the externalId of a deleted group must be NotFound",
        |tx| tx.set_group_external_id(other, Some(&id)),
    );
}

/// A group's `externalId` and revision.
type GroupShown = (Option<ExternalId>, Option<u64>);

/// Setting and clearing group `externalId`s in a transaction that is
/// dropped changes nothing: each id and each group's revision are as they
/// were, a deleted group comes back with its id.
pub fn group_external_id_writes_roll_back<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let id = ExternalId::from_stored("ext-sales");
    let (sales, other, bare) = commit(&store, "set up groups", |tx| {
        setup_account(tx, ONE.get())?;
        let sales = tx.insert_group(ONE, &group_name("Sales"), at(2))?.id;
        let other = tx.insert_group(ONE, &group_name("Other"), at(3))?.id;
        let bare = tx.insert_group(ONE, &group_name("Bare"), at(4))?.id;
        tx.set_group_external_id(sales, Some(&id))?;
        tx.set_group_external_id(other, Some(&id))?;
        Ok((sales, other, bare))
    });
    let groups = [sales, other, bare];
    let shown = |r: &dyn Reader| -> Result<Vec<GroupShown>, StoreError> {
        groups
            .iter()
            .map(|&group| {
                Ok((
                    r.group_external_id(group)?,
                    r.group(group)?.map(|g| g.revision),
                ))
            })
            .collect()
    };
    let before = read(&store, shown);
    assert_eq!(
        before,
        vec![
            (Some(id.clone()), Some(1)),
            (Some(id.clone()), Some(1)),
            (None, Some(0))
        ]
    );
    {
        let mut tx = store.begin_write().expect("a write transaction");
        let writes = |tx: &mut dyn Transaction| -> Result<(), StoreError> {
            tx.set_group_external_id(sales, Some(&ExternalId::from_stored("replaced")))?;
            tx.set_group_external_id(sales, None)?;
            tx.set_group_external_id(bare, Some(&ExternalId::from_stored("new")))?;
            tx.set_group_external_id(other, Some(&ExternalId::from_stored("changed")))?;
            tx.delete_group(other)?;
            Ok(())
        };
        writes(&mut tx).expect("writes in a transaction that will be dropped");
        assert_eq!(tx.group_external_id(sales).expect("a read"), None);
        drop(tx);
    }
    assert_eq!(
        read(&store, shown),
        before,
        "externalIds set, cleared and deleted with their group in a dropped transaction \
         must be as they were, and so must the groups' revisions"
    );
}

/// A provisioning token reads back equal (the verifier hash byte for
/// byte, the description beyond ASCII, the issuer, the time to the
/// nanosecond), found by id inside its transaction and after it. An
/// account's tokens are listed oldest first, then by id, and only its
/// own. A token id is unique in the store ([`StoreError::Conflict`], even
/// for another account); a token for an account that does not exist and
/// deleting one that does not exist are [`StoreError::NotFound`]. A
/// deleted token is gone; `Debug` never shows a hash.
pub fn credentials_are_kept<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    people(&store);
    let mut first = provisioning_credential(1, "b-first", time(1_700_000_000, 1));
    first.verifier_hash = std::array::from_fn(|i| u8::try_from(i * 7 + 3).unwrap_or(0));
    first.description = name("Entra ID — «Production» 東京");
    first.issued_by = ActorRecord::User(UserRef {
        id: UserId::from_bytes(*b"administrator-01"),
        email: email("Admin@Example.org"),
    });
    let tied = [
        provisioning_credential(1, "c-tied", time(1_700_000_500, 999_999_999)),
        provisioning_credential(1, "a-tied", time(1_700_000_500, 999_999_999)),
    ];
    let last = provisioning_credential(1, "0-last", time(1_800_000_000, 0));
    let mut elsewhere = provisioning_credential(TWO.get(), "elsewhere", time(1_600_000_000, 5));
    elsewhere.issued_by = ActorRecord::Provisioner(provisioner(TWO));
    commit(&store, "issue tokens", |tx| {
        // Not in the order they are listed in.
        for credential in [&last, &tied[0], &elsewhere, &first, &tied[1]] {
            tx.insert_provisioning_credential(credential)?;
        }
        assert_eq!(
            tx.provisioning_credential("b-first")?.as_ref(),
            Some(&first),
            "a transaction must read the token it inserted"
        );
        Ok(())
    });
    let listed = vec![
        first.clone(),
        tied[1].clone(),
        tied[0].clone(),
        last.clone(),
    ];
    read(&store, |r| {
        for credential in [&first, &tied[0], &tied[1], &last, &elsewhere] {
            let stored = r.provisioning_credential(&credential.id)?;
            assert_eq!(
                stored.as_ref(),
                Some(credential),
                "token {} must read back equal",
                credential.id
            );
            assert_eq!(
                stored.map(|c| c.verifier_hash),
                Some(credential.verifier_hash),
                "the verifier hash must read back byte for byte"
            );
        }
        assert_eq!(
            r.provisioning_credentials(ONE)?,
            listed,
            "an account's tokens are listed oldest first, then by id, and only its own"
        );
        assert_eq!(r.provisioning_credentials(TWO)?, vec![elsewhere.clone()]);
        assert!(
            r.provisioning_credentials(AccountNumber::new(3))?
                .is_empty()
        );
        assert_eq!(r.provisioning_credential("B-FIRST")?, None, "ids are exact");
        assert_eq!(r.provisioning_credential("nothing")?, None);
        Ok(())
    });
    let shown = format!(
        "{:?}",
        read(&store, |r| r.provisioning_credential("b-first"))
    );
    assert!(
        !shown.contains("verifier") && !shown.contains("3, 10, 17"),
        "a token's Debug must not show its hash: {shown}"
    );

    refuse(
        &store,
        StoreError::is_conflict,
        "a token id that is taken (in another account too) must be a Conflict",
        |tx| {
            tx.insert_provisioning_credential(&provisioning_credential(
                TWO.get(),
                "b-first",
                time(1_900_000_000, 0),
            ))
        },
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "a token for an account that does not exist must be NotFound",
        |tx| {
            tx.insert_provisioning_credential(&provisioning_credential(
                3,
                "orphan",
                time(1_900_000_000, 0),
            ))
        },
    );
    refuse(
        &store,
        StoreError::is_not_found,
        "deleting a token that does not exist must be NotFound",
        |tx| tx.delete_provisioning_credential("nothing"),
    );
    commit(&store, "revoke a tied token", |tx| {
        tx.delete_provisioning_credential("a-tied")
    });
    read(&store, |r| {
        assert_eq!(r.provisioning_credential("orphan")?, None);
        assert_eq!(
            r.provisioning_credential("b-first")?.map(|c| c.account),
            Some(ONE),
            "a refused token must change nothing"
        );
        assert_eq!(
            r.provisioning_credential("a-tied")?,
            None,
            "a deleted token is gone"
        );
        assert_eq!(
            r.provisioning_credentials(ONE)?,
            vec![first.clone(), tied[0].clone(), last.clone()],
            "a deleted token must leave the list"
        );
        Ok(())
    });
    refuse(
        &store,
        StoreError::is_not_found,
        "deleting a token twice must be NotFound",
        |tx| tx.delete_provisioning_credential("a-tied"),
    );
}

/// Tokens inserted and deleted in a transaction that is dropped are as
/// they were: by id and in their account's list.
pub fn credential_writes_roll_back<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    people(&store);
    let kept = provisioning_credential(1, "kept", time(1_700_000_000, 0));
    commit(&store, "issue a token", |tx| {
        tx.insert_provisioning_credential(&kept)
    });
    {
        let mut tx = store.begin_write().expect("a write transaction");
        let writes = |tx: &mut dyn Transaction| -> Result<(), StoreError> {
            tx.insert_provisioning_credential(&provisioning_credential(
                1,
                "new",
                time(1_600_000_000, 0),
            ))?;
            tx.delete_provisioning_credential("kept")?;
            // The deleted id, taken again inside the transaction.
            tx.insert_provisioning_credential(&provisioning_credential(
                TWO.get(),
                "kept",
                time(1_650_000_000, 0),
            ))
        };
        writes(&mut tx).expect("writes in a transaction that will be dropped");
        drop(tx);
    }
    read(&store, |r| {
        assert_eq!(
            r.provisioning_credential("kept")?.as_ref(),
            Some(&kept),
            "a token deleted in a dropped transaction must be as it was"
        );
        assert_eq!(
            r.provisioning_credential("new")?,
            None,
            "a token inserted in a dropped transaction must be gone"
        );
        assert_eq!(r.provisioning_credentials(ONE)?, vec![kept.clone()]);
        assert!(r.provisioning_credentials(TWO)?.is_empty());
        Ok(())
    });
}
