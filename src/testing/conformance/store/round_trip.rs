//! Round trips: what is stored reads back equal, an update replaces a user
//! whole and nothing else, and storing the sign-in bookkeeping changes it
//! and nothing else.

use crate::model::{
    Account, AccountNumber, Action, ActorRecord, AuditEntry, AuditRecord, Credential, GroupId,
    GroupName, PasswordChosenBy, ProvisionerRef, SignInSource, SignInState, Throttle, User,
    UserRef, UserStatus,
};
use crate::store::{Store, StoreError};
use crate::testing::conformance::support::{commit, read, refuse, setup_account, snapshot};
use crate::testing::fixtures::{self, audit_record, email, group_name, name, time, user};
use crate::{Email, PasswordHash};

/// What is stored reads back equal: an account, groups, and users with
/// names beyond ASCII, the address as typed, every status, every kind of
/// credential (hash byte for byte, temporary flag, time to the nanosecond,
/// every kind of chooser), found by id, by address and as a brief; every
/// kind of actor (an identity provider's token included) as a creator and
/// in the audit trail, and every audit action, with times to the
/// nanosecond.
pub fn stored_values_round_trip<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(987_654_321_012);
    let acme = Account {
        number: one,
        name: name("Société Générale — Zürich"),
        created_at: time(1_234_567_890, 987_654_321),
    };
    let admin = UserRef {
        id: crate::UserId::from_bytes(*b"administrator-01"),
        email: email("Admin@Example.org"),
    };
    let credentials = [
        Some(Credential {
            hash: PasswordHash::from_phc(
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
            ),
            temporary: true,
            set_at: time(1_700_000_001, 1),
            chosen_by: PasswordChosenBy::Administrator {
                user: admin.id,
                account: one,
            },
        }),
        None,
        Some(Credential {
            hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$YWJjZGVmZ2g$MTIzNA"),
            temporary: false,
            set_at: time(4_102_444_800, 999_999_999),
            chosen_by: PasswordChosenBy::User,
        }),
        Some(Credential {
            hash: crate::testing::fixtures::password_hash(),
            temporary: true,
            set_at: time(1_600_000_000, 0),
            chosen_by: PasswordChosenBy::Support,
        }),
        Some(Credential {
            hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$b2xkc2FsdA$b2xkaGFzaA"),
            temporary: false,
            set_at: time(1_500_000_000, 500),
            chosen_by: PasswordChosenBy::Unknown,
        }),
        Some(Credential {
            hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2NpbXNhbHQ$c2NpbWhhc2g"),
            temporary: true,
            set_at: time(1_750_000_000, 42),
            chosen_by: PasswordChosenBy::Provisioner { account: one },
        }),
    ];
    let statuses = [UserStatus::Active, UserStatus::Disabled];
    let provisioner = ActorRecord::Provisioner(ProvisionerRef {
        account: one,
        token: "cHJvdmlzaW9uaW5nLXRva2Vu".into(),
        description: name("Entra ID — «Production»"),
    });
    let creators = [
        ActorRecord::User(admin.clone()),
        ActorRecord::Support,
        ActorRecord::Unauthenticated,
        provisioner.clone(),
    ];
    let users: Vec<User> = credentials
        .into_iter()
        .enumerate()
        .map(|(i, credential)| {
            let mut u = user(&format!("Unicode.Name{i}@Example.org"));
            u.first_name = name("Zoë");
            u.last_name = name("Núñez-O'Brien 山田");
            u.status = statuses[i % statuses.len()];
            u.created_by = creators[i % creators.len()].clone();
            u.created_in = one;
            u.created_at = time(1_650_000_000 + i as i64, 999_999_000 + i as u32);
            u.credential = credential;
            u
        })
        .collect();
    let sales = group_name("Ventes & Marketing «Europe»");
    let actions = fixtures::every_action(one, &users[0].to_ref(), &sales);
    let actors = [
        ActorRecord::Support,
        ActorRecord::User(admin.clone()),
        ActorRecord::Unauthenticated,
        provisioner,
    ];
    let (groups, entries) = commit(&store, "store every kind of value", |tx| {
        tx.insert_account(&acme)?;
        let admins = tx.insert_group(one, &GroupName::AccountAdministrators, acme.created_at)?;
        let group = tx.insert_group(one, &sales, time(1_600_000_000, 5))?;
        for u in &users {
            tx.insert_user(u)?;
        }
        let mut entries = Vec::new();
        for (i, action) in actions.iter().enumerate() {
            let record = AuditRecord {
                at: time(1_700_000_000 + i as i64, 123_456_789 + i as u32),
                actor: actors[i % actors.len()].clone(),
                account: one,
                action: action.clone(),
            };
            let sequence = tx.append_audit(record.clone())?;
            entries.push(AuditEntry { sequence, record });
        }
        Ok((vec![admins, group], entries))
    });
    read(&store, |r| {
        assert_eq!(
            r.account(one)?,
            Some(acme.clone()),
            "the account must read back equal"
        );
        for u in &users {
            let stored = r.user(u.id)?;
            assert_eq!(
                stored.as_ref(),
                Some(u),
                "user {} must read back equal",
                u.email
            );
            assert_eq!(
                stored
                    .as_ref()
                    .and_then(|s| s.credential.as_ref())
                    .map(|c| c.hash.as_phc()),
                u.credential.as_ref().map(|c| c.hash.as_phc()),
                "the password hash must read back byte for byte"
            );
            assert_eq!(
                r.user_id(&u.email)?,
                Some(u.id),
                "user {} must be found by address",
                u.email
            );
            assert_eq!(
                r.user_brief(u.id)?,
                Some(u.brief()),
                "the brief of user {} must read back equal (who chose the password included)",
                u.email
            );
        }
        for group in &groups {
            assert_eq!(
                r.group(group.id)?.as_ref(),
                Some(group),
                "group {} must read back equal",
                group.id
            );
        }
        let mut trail = r.audit(one, usize::MAX)?;
        trail.reverse();
        assert_eq!(
            trail, entries,
            "every audit action and actor must read back equal"
        );
        Ok(())
    });
}

/// [`Transaction::update_user`](crate::store::Transaction::update_user)
/// replaces everything about a stored user (address, names, status,
/// credential, sign-in state with times to the nanosecond) at the next
/// revision, which it returns, and nothing else: the id, the memberships
/// and every other record stay as they were. Updating a user that does not
/// exist is a [`StoreError::NotFound`] that creates nothing, and an update
/// in a transaction that is dropped is rolled back.
pub fn users_are_updated<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let admins = GroupId::administrators(one);
    let ann = user("Ann@Example.com");
    let bob = user("Bob@Example.com");
    commit(&store, "set up ann and bob", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&ann)?;
        tx.insert_user(&bob)?;
        tx.add_member(admins, ann.id)?;
        tx.append_audit(audit_record(1, Action::AccountCreated))?;
        Ok(())
    });
    let ids = [ann.id, bob.id];
    let addresses: [Email; 3] = [
        email("ann@example.com"),
        email("bob@example.com"),
        email("annabel@example.net"),
    ];
    let mut expected = snapshot(&store, &[one], &ids, &addresses);

    // Everything changes at once, to values unlike the inserted ones.
    let mut changed = ann.clone();
    changed.email = email("Annabel@Example.net");
    changed.first_name = name("Annabel");
    changed.last_name = name("Byron-King");
    changed.status = UserStatus::Disabled;
    changed.credential = Some(Credential {
        hash: PasswordHash::from_phc(
            "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdG5ld3NhbHQ$TmV3SGFzaE5ld0hhc2hOZXdIYXNo",
        ),
        temporary: true,
        set_at: time(1_800_000_000, 987_654_321),
        chosen_by: PasswordChosenBy::Unknown,
    });
    let throttle = Throttle {
        failures: 4,
        window_started: Some(time(1_800_000_400, 7)),
        lockouts: 3,
        locked_until: Some(time(1_800_000_480, 1)),
    };
    changed.sign_in = SignInState {
        user: throttle,
        sources: vec![
            (SignInSource::new("192.0.2.1"), throttle),
            (SignInSource::unknown(), Throttle::default()),
        ],
        last_signed_in: Some(time(1_800_000_300, 123_456_789)),
    };
    let revision = commit(&store, "update ann", |tx| {
        let revision = tx.update_user(&changed)?;
        assert_eq!(
            tx.user(ann.id)?,
            Some(User {
                revision,
                ..changed.clone()
            }),
            "a transaction must read the user it updated"
        );
        Ok(revision)
    });
    assert_eq!(
        revision, 1,
        "the first update of a user at revision 0 gives revision 1"
    );
    changed.revision = 1;
    let stored = read(&store, |r| r.user(ann.id));
    assert_eq!(
        stored.as_ref().map(|u| &u.sign_in),
        Some(&changed.sign_in),
        "the sign-in state (failures, window, lockouts, locked_until to the nanosecond, each \
         source's throttle in order, the last sign-in) must read back equal"
    );
    assert_eq!(
        stored
            .as_ref()
            .and_then(|u| u.credential.as_ref())
            .map(|c| (c.hash.as_phc(), c.temporary, c.set_at, &c.chosen_by)),
        changed
            .credential
            .as_ref()
            .map(|c| (c.hash.as_phc(), c.temporary, c.set_at, &c.chosen_by)),
        "the new credential (hash byte for byte, temporary flag, time set, who chose it) must \
         read back equal"
    );
    expected = expected.with_user(0, &changed);
    expected.emails[0].user = None;
    expected.emails[2].user = Some(ann.id);
    expected.accounts[0].members[0] = vec![changed.to_ref()];
    expected.accounts[0].administrators[0] = false; // disabled
    assert_eq!(
        snapshot(&store, &[one], &ids, &addresses),
        expected,
        "update_user must replace the user under the same id, move the address index, and \
         leave memberships, other users, groups and the audit trail as they were"
    );

    // The other way: no credential, the largest counts, no lock.
    let mut cleared = changed.clone();
    cleared.status = UserStatus::Active;
    cleared.credential = None;
    cleared.sign_in = SignInState {
        user: Throttle {
            failures: u32::MAX,
            window_started: None,
            lockouts: u32::MAX,
            locked_until: None,
        },
        sources: Vec::new(),
        last_signed_in: None,
    };
    let revision = commit(&store, "update ann again", |tx| tx.update_user(&cleared));
    assert_eq!(revision, 2, "the second update gives revision 2");
    cleared.revision = 2;
    expected = expected.with_user(0, &cleared);
    expected.accounts[0].administrators[0] = true; // active again
    assert_eq!(
        snapshot(&store, &[one], &ids, &addresses),
        expected,
        "a second update must replace the first (credential removed, lock cleared, \
         counts up to u32::MAX), and still leave everything else as it was"
    );

    // A user that does not exist.
    let nobody = user("nobody@example.com");
    refuse(
        &store,
        StoreError::is_not_found,
        "updating a user that does not exist must be NotFound",
        |tx| tx.update_user(&nobody),
    );
    read(&store, |r| {
        assert_eq!(
            r.user(nobody.id)?,
            None,
            "updating a user that does not exist must not create one"
        );
        assert_eq!(r.user_id(&nobody.email)?, None, "nor index its address");
        Ok(())
    });

    // An update whose transaction is dropped.
    let mut unlocked = cleared.clone();
    unlocked.status = UserStatus::Disabled;
    unlocked.email = email("someone.new@example.com");
    unlocked.sign_in = SignInState::default();
    {
        let mut tx = store.begin_write().expect("begin_write");
        tx_update(&mut tx, &unlocked);
    }
    assert_eq!(
        snapshot(&store, &[one], &ids, &addresses),
        expected,
        "an update in a transaction that was dropped must be rolled back"
    );
    assert_eq!(
        read(&store, |r| r.user_id(&email("someone.new@example.com"))),
        None,
        "a rolled-back change of address must leave the new address free"
    );
}

/// [`Transaction::set_sign_in_state`](crate::store::Transaction::set_sign_in_state)
/// stores a user's sign-in state (failures, window, lockouts, locks to the
/// nanosecond, each source's throttle in order), read back equal inside
/// the transaction and after it, and changes nothing else: not the rest of
/// the user, not their revision, not another user. Set in a transaction
/// that is dropped, it is rolled back.
pub fn sign_in_state_is_stored<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let ann = user("Ann@Example.com");
    let bob = user("bob@example.com");
    commit(&store, "set up ann and bob", |tx| {
        setup_account(tx, 1)?;
        tx.insert_user(&ann)?;
        tx.insert_user(&bob)?;
        tx.add_member(GroupId::administrators(one), ann.id)
    });
    let ids = [ann.id, bob.id];
    let addresses = [ann.email.clone(), bob.email.clone()];
    let before = snapshot(&store, &[one], &ids, &addresses);
    let throttle = Throttle {
        failures: 7,
        window_started: Some(time(1_800_000_400, 999_999_999)),
        lockouts: 2,
        locked_until: Some(time(1_800_000_900, 1)),
    };
    let state = SignInState {
        user: throttle,
        sources: vec![
            (SignInSource::new("198.51.100.7"), Throttle::default()),
            (SignInSource::unknown(), throttle),
            (
                SignInSource::new("device-cookie"),
                Throttle {
                    failures: u32::MAX,
                    window_started: Some(time(1_800_000_000, 5)),
                    lockouts: u32::MAX,
                    locked_until: None,
                },
            ),
        ],
        last_signed_in: Some(time(1_800_000_950, 3)),
    };
    commit(&store, "store ann's sign-in state", |tx| {
        tx.set_sign_in_state(ann.id, &state)?;
        assert_eq!(
            tx.user(ann.id)?.map(|u| u.sign_in),
            Some(state.clone()),
            "a transaction must read the sign-in state it stored"
        );
        Ok(())
    });
    let mut expected = ann.clone();
    expected.sign_in = state.clone();
    let mut after = before.clone().with_user(0, &expected);
    assert_eq!(
        snapshot(&store, &[one], &ids, &addresses),
        after,
        "set_sign_in_state must store the sign-in state, read back equal, and change nothing \
         else (the rest of the user, the revision, other users, memberships)"
    );
    {
        let mut tx = store.begin_write().expect("begin_write");
        set_sign_in_then_drop(&mut tx, &ann, &SignInState::default());
    }
    assert_eq!(
        snapshot(&store, &[one], &ids, &addresses),
        after,
        "a sign-in state stored in a dropped transaction must be rolled back"
    );
    commit(&store, "clear ann's sign-in state", |tx| {
        tx.set_sign_in_state(ann.id, &SignInState::default())
    });
    after = after.with_user(0, &ann);
    assert_eq!(
        snapshot(&store, &[one], &ids, &addresses),
        after,
        "clearing the sign-in state must read back as no failures, no lock, no source"
    );
}

fn set_sign_in_then_drop(tx: &mut dyn crate::store::Transaction, user: &User, state: &SignInState) {
    tx.set_sign_in_state(user.id, state)
        .expect("storing a sign-in state in a transaction that will be dropped");
}

fn tx_update(tx: &mut dyn crate::store::Transaction, user: &User) {
    tx.update_user(user)
        .expect("an update in a transaction that will be dropped");
}
