//! The audit trail (R11): sequence numbers grow in commit order, and each
//! account reads its own entries, newest first.

use crate::model::{AccountNumber, Action, AuditEntry, GroupId};
use crate::store::Store;
use crate::testing::conformance::support::{commit, read};
use crate::testing::fixtures::{account, audit_record, group_name, user_ref};

/// The audit trail: sequence numbers grow with every record, across
/// accounts and transactions; each account's trail is read newest first,
/// only its own entries, at most `limit`; a record appended in a dropped
/// transaction is never read.
pub fn audit_trail_order<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let (one, two) = (AccountNumber::new(1), AccountNumber::new(2));
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let records = [
        audit_record(1, Action::AccountCreated),
        audit_record(2, Action::AccountCreated),
        audit_record(
            1,
            Action::GroupCreated {
                group: sales,
                name: group_name("Sales"),
            },
        ),
        audit_record(
            1,
            Action::MemberAdded {
                group: sales,
                user: user_ref("ann@example.com"),
            },
        ),
        audit_record(
            2,
            Action::UserAdded {
                user: user_ref("bob@example.com"),
                temporary_password: true,
            },
        ),
    ];
    let first = commit(&store, "append audit records", |tx| {
        tx.insert_account(&account(1))?;
        tx.insert_account(&account(2))?;
        let mut sequences = Vec::new();
        for record in &records[..3] {
            sequences.push(tx.append_audit(record.clone())?);
        }
        Ok(sequences)
    });
    {
        let mut tx = store.begin_write().expect("begin_write");
        tx_append_dropped(&mut tx);
    }
    let second = commit(&store, "append more audit records", |tx| {
        let mut sequences = Vec::new();
        for record in &records[3..] {
            sequences.push(tx.append_audit(record.clone())?);
        }
        Ok(sequences)
    });
    let sequences: Vec<u64> = first.into_iter().chain(second).collect();
    assert!(
        sequences.windows(2).all(|w| w[0] < w[1]),
        "audit sequence numbers must grow with every record, across accounts: {sequences:?}"
    );
    let entry = |i: usize| AuditEntry {
        sequence: sequences[i],
        record: records[i].clone(),
    };
    read(&store, |r| {
        assert_eq!(
            r.audit(one, 10)?,
            vec![entry(3), entry(2), entry(0)],
            "an account's trail must hold its own entries, newest first (and none of a \
             dropped transaction)"
        );
        assert_eq!(
            r.audit(two, usize::MAX)?,
            vec![entry(4), entry(1)],
            "an account's trail must hold its own entries, newest first"
        );
        assert_eq!(
            r.audit(one, 2)?,
            vec![entry(3), entry(2)],
            "the trail must stop at `limit` entries, the newest ones"
        );
        assert!(r.audit(one, 0)?.is_empty(), "a limit of 0 reads nothing");
        Ok(())
    });
}

/// Appends a record to account 1 in a transaction the caller then drops.
fn tx_append_dropped(tx: &mut dyn crate::store::Transaction) {
    let dropped = audit_record(1, Action::RegistrationsPurged { count: 99 });
    tx.append_audit(dropped.clone())
        .expect("appending to a transaction that will be dropped");
}

/// [`Reader::audit_page`](crate::store::Reader::audit_page): the entries
/// below a sequence number, newest first, at most `limit`, optionally only
/// those about one user (by id, whatever the email they had).
pub fn audit_pages_by_sequence_and_user<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let one = AccountNumber::new(1);
    let ann = user_ref("ann@example.com");
    let mut renamed = user_ref("bob@example.com");
    renamed.id = ann.id;
    let sales = GroupId {
        account: one,
        number: 2,
    };
    let records = [
        audit_record(1, Action::AccountCreated),
        audit_record(
            1,
            Action::UserAdded {
                user: ann.clone(),
                temporary_password: false,
            },
        ),
        audit_record(
            1,
            Action::GroupCreated {
                group: sales,
                name: group_name("Sales"),
            },
        ),
        audit_record(
            1,
            Action::MemberAdded {
                group: sales,
                user: renamed,
            },
        ),
        audit_record(
            1,
            Action::PasswordReset {
                user: user_ref("carl@example.com"),
            },
        ),
    ];
    let sequences = commit(&store, "append audit records", |tx| {
        tx.insert_account(&account(1))?;
        let mut sequences = Vec::new();
        for record in &records {
            sequences.push(tx.append_audit(record.clone())?);
        }
        Ok(sequences)
    });
    let entry = |i: usize| AuditEntry {
        sequence: sequences[i],
        record: records[i].clone(),
    };
    read(&store, |r| {
        assert_eq!(
            r.audit_page(one, None, None, 2)?,
            vec![entry(4), entry(3)],
            "the newest page"
        );
        assert_eq!(
            r.audit_page(one, None, Some(sequences[3]), 2)?,
            vec![entry(2), entry(1)],
            "the page below a sequence number excludes it"
        );
        assert_eq!(
            r.audit_page(one, None, Some(sequences[1]), 10)?,
            vec![entry(0)],
            "the oldest page"
        );
        assert_eq!(
            r.audit_page(one, Some(ann.id), None, 10)?,
            vec![entry(3), entry(1)],
            "a user's history by id, across a change of email"
        );
        assert_eq!(
            r.audit_page(one, Some(ann.id), Some(sequences[3]), 10)?,
            vec![entry(1)],
            "a user's history below a sequence number"
        );
        assert!(
            r.audit_page(AccountNumber::new(2), Some(ann.id), None, 10)?
                .is_empty(),
            "another account has none of it"
        );
        Ok(())
    });
}
