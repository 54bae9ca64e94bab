//! Lists read a page at a time: the accounts by number, an account's
//! users as the rows of its Users tab, a group's members
//! by email identity and id, an account's pending registrations by expiry
//! and identity; an account's details and its name. Each
//! page starts strictly after the key it is given, so rows inserted and
//! deleted between pages never make a row that stayed repeat or go missing.

use crate::model::{AccountNumber, GroupId, User, UserId, UserRef, UserRow, UserStatus};
use crate::store::{Reader, Store, StoreError, Transaction};
use crate::testing::conformance::support::{commit, read, setup_account};
use crate::testing::fixtures::{account, group_name, registration, time, user};

const ONE: AccountNumber = AccountNumber::new(1);
const TWO: AccountNumber = AccountNumber::new(2);

/// Every page of the group's members, `size` at a time, from the start.
fn member_pages(
    reader: &dyn Reader,
    group: GroupId,
    size: usize,
) -> Result<Vec<UserRef>, StoreError> {
    let mut all: Vec<UserRef> = Vec::new();
    loop {
        let after = all.last().map(|last| (last.email.identity(), last.id));
        let page = reader.members_page(group, after, size)?;
        assert!(
            page.len() <= size,
            "a page must hold at most `limit` members"
        );
        let done = page.len() < size;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// The order of a page of members: by email identity, then by id.
fn in_member_order(mut members: Vec<UserRef>) -> Vec<UserRef> {
    members.sort_by(|a, b| (a.email.identity(), a.id).cmp(&(b.email.identity(), b.id)));
    members
}

/// A group's members page by email identity (ignoring case) and then id:
/// `limit` at a time, strictly after the key given, only the group's own
/// members, following a change of a member's email, and not a member who
/// left or whose membership was rolled back; a group that does not exist
/// has none.
pub fn members_page_by_identity<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let sales = GroupId {
        account: ONE,
        number: 2,
    };
    let addresses = [
        "Dora@example.com",
        "bob@example.com",
        "ALICE@example.com",
        "carl@example.com",
        "eve@example.com",
    ];
    let users: Vec<User> = addresses.iter().map(|a| user(a)).collect();
    commit(&store, "set up two accounts and their members", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        tx.insert_group(ONE, &group_name("Sales"), users[0].created_at)?;
        for user in &users {
            tx.insert_user(user)?;
            tx.add_member(sales, user.id)?;
        }
        tx.add_member(GroupId::administrators(TWO), users[4].id)?;
        Ok(())
    });
    let expected = in_member_order(users.iter().map(User::to_ref).collect());
    read(&store, |r| {
        assert_eq!(
            r.members_page(sales, None, 10)?,
            expected,
            "a group's members must be ordered by email identity, then id"
        );
        assert_eq!(r.members_page(sales, None, 2)?, expected[..2]);
        let after = (expected[1].email.identity(), expected[1].id);
        assert_eq!(
            r.members_page(sales, Some(after), 2)?,
            expected[2..4],
            "a page must start strictly after the key it is given"
        );
        assert_eq!(
            r.members_page(sales, Some(("zzz", UserId::from_bytes([0; 16]))), 5)?,
            [],
            "nothing sorts after the last member"
        );
        for size in 1..=6 {
            assert_eq!(member_pages(r, sales, size)?, expected, "pages of {size}");
        }
        assert_eq!(
            r.members_page(GroupId::administrators(TWO), None, 10)?,
            [users[4].to_ref()],
            "another group's members must not show"
        );
        assert_eq!(
            r.members_page(
                GroupId {
                    account: ONE,
                    number: 9
                },
                None,
                10
            )?,
            [],
            "a group that does not exist has no members"
        );
        Ok(())
    });
    // Dora becomes Aaron: she moves to the front of every group she is in.
    let mut renamed = users[0].clone();
    renamed.email = crate::testing::fixtures::email("aaron@example.com");
    {
        let mut tx = store.begin_write().expect("begin_write");
        tx.update_user(&renamed).expect("update_user");
        tx.remove_member(sales, users[1].id).expect("remove_member");
        // Dropped: neither change happened.
    }
    read(&store, |r| {
        assert_eq!(
            r.members_page(sales, None, 10)?,
            expected,
            "a rolled-back change of email or membership must leave the order as it was"
        );
        Ok(())
    });
    commit(&store, "change an email, remove a member", |tx| {
        tx.update_user(&renamed)?;
        tx.remove_member(sales, users[1].id)?;
        Ok(())
    });
    let mut now: Vec<UserRef> = expected
        .iter()
        .filter(|m| m.id != users[1].id)
        .cloned()
        .map(|m| {
            if m.id == renamed.id {
                renamed.to_ref()
            } else {
                m
            }
        })
        .collect();
    now = in_member_order(now);
    assert_eq!(now[0].email.as_str(), "aaron@example.com");
    read(&store, |r| {
        assert_eq!(
            r.members_page(sales, None, 10)?,
            now,
            "the order must follow a member's new email, and lose a member who left"
        );
        for size in 1..=5 {
            assert_eq!(member_pages(r, sales, size)?, now, "pages of {size}");
        }
        Ok(())
    });
}

/// An account's pending registrations page by expiry and then email
/// identity: `limit` at a time, strictly after the key given, only the
/// account's own, following a replacement (a new expiry) and a deletion.
pub fn registrations_page_by_expiry<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    // Seeds give the times: 5 and 3 expire last and first; two share one.
    let mut pending = vec![
        registration("ann@example.com", ONE, "c2VsZWN0b3ItMQ", 5),
        registration("Bob@example.com", ONE, "c2VsZWN0b3ItMg", 3),
        registration("carl@example.com", ONE, "c2VsZWN0b3ItMw", 4),
        registration("able@example.com", ONE, "c2VsZWN0b3ItNA", 4),
    ];
    let theirs = registration("ann@example.com", TWO, "c2VsZWN0b3ItNQ", 1);
    commit(&store, "put registrations", |tx| {
        for registration in pending.iter().chain([&theirs]) {
            tx.put_registration(registration)?;
        }
        Ok(())
    });
    pending.sort_by(|a, b| {
        (a.expires_at, a.email.identity()).cmp(&(b.expires_at, b.email.identity()))
    });
    assert_eq!(pending[1].email.as_str(), "able@example.com");
    read(&store, |r| {
        assert_eq!(
            r.registrations_page(ONE, None, 10)?,
            pending,
            "an account's registrations must be ordered by expiry, then identity, and \
             hold only its own"
        );
        assert_eq!(r.registrations_page(ONE, None, 2)?, pending[..2]);
        let after = (pending[1].expires_at, pending[1].email.identity());
        assert_eq!(
            r.registrations_page(ONE, Some(after), 10)?,
            pending[2..],
            "a page must start strictly after the key it is given"
        );
        assert_eq!(
            r.registrations_page(TWO, None, 10)?,
            std::slice::from_ref(&theirs)
        );
        assert_eq!(r.registrations_page(AccountNumber::new(3), None, 10)?, []);
        Ok(())
    });
    // Bob's is sent again (a later expiry); carl's is revoked.
    let bob_again = registration("bob@example.com", ONE, "c2VsZWN0b3ItNg", 9);
    commit(&store, "replace and delete registrations", |tx| {
        tx.put_registration(&bob_again)?;
        tx.delete_registration(&pending[2].email, ONE)?;
        Ok(())
    });
    let now = vec![pending[1].clone(), pending[3].clone(), bob_again];
    assert_eq!(now[1].email.as_str(), "ann@example.com");
    read(&store, |r| {
        assert_eq!(
            r.registrations_page(ONE, None, 10)?,
            now,
            "a replaced registration must move to its new expiry, a deleted one go"
        );
        Ok(())
    });
}

/// Paging while rows come and go: members and registrations inserted and
/// deleted between two pages never make a row that stayed repeat or go
/// missing, and each page is in order.
pub fn pages_survive_inserts_and_deletes<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let sales = GroupId {
        account: ONE,
        number: 2,
    };
    let users: Vec<User> = (0..40)
        .map(|i| user(&format!("u{i:02}@example.com")))
        .collect();
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        tx.insert_group(ONE, &group_name("Sales"), users[0].created_at)?;
        for (i, user) in users.iter().enumerate() {
            tx.insert_user(user)?;
            if i % 2 == 0 {
                tx.add_member(sales, user.id)?;
            }
            let selector = format!("c2VsZWN0b3I{i:02}");
            let seed = u8::try_from(i % 7).expect("small");
            tx.put_registration(&registration(user.email.as_str(), ONE, &selector, seed))?;
        }
        Ok(())
    });
    // Members: the even users stay throughout; odd ones come and go.
    let mut seen: Vec<UserRef> = Vec::new();
    let mut round = 0;
    loop {
        let after = seen
            .last()
            .map(|last: &UserRef| (last.email.identity().to_owned(), last.id));
        let page = read(&store, |r| {
            r.members_page(sales, after.as_ref().map(|(i, id)| (i.as_str(), *id)), 3)
        });
        seen.extend(page.iter().cloned());
        if page.len() < 3 {
            break;
        }
        round += 1;
        commit(&store, "members come and go", |tx| {
            // An odd user joins; the one who joined the round before leaves.
            let joins = &users[(round * 2 + 1) % users.len()];
            if !tx.is_member(sales, joins.id)? {
                tx.add_member(sales, joins.id)?;
            }
            let leaves = &users[(round * 2 + users.len() - 1) % users.len()];
            if round > 1 && tx.is_member(sales, leaves.id)? {
                tx.remove_member(sales, leaves.id)?;
            }
            Ok(())
        });
    }
    let keys: Vec<(&str, UserId)> = seen.iter().map(|m| (m.email.identity(), m.id)).collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "pages must follow each other in order, no member twice"
    );
    for (i, user) in users.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        assert!(
            seen.iter().any(|m| m.id == user.id),
            "member {i}, there throughout, must be on a page"
        );
    }
    // Registrations: every third is deleted between pages; the others stay.
    let mut seen = Vec::new();
    let mut deleted = Vec::new();
    let mut round = 0;
    loop {
        let after = seen.last().map(|last: &crate::model::PendingRegistration| {
            (last.expires_at, last.email.identity().to_owned())
        });
        let page = read(&store, |r| {
            r.registrations_page(ONE, after.as_ref().map(|(t, i)| (*t, i.as_str())), 4)
        });
        seen.extend(page.iter().cloned());
        if page.len() < 4 {
            break;
        }
        round += 1;
        commit(&store, "registrations come and go", |tx| {
            let gone = &users[(round * 3) % users.len()];
            if tx.registration(&gone.email, ONE)?.is_some() {
                tx.delete_registration(&gone.email, ONE)?;
                deleted.push(gone.id);
            }
            let seed = u8::try_from(round % 7).expect("small");
            let new = format!("new{round}@example.com");
            tx.put_registration(&registration(&new, ONE, &format!("bmV3{round:02}"), seed))?;
            Ok(())
        });
    }
    let keys: Vec<_> = seen
        .iter()
        .map(|r| (r.expires_at, r.email.identity()))
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "pages must follow each other in order, no registration twice"
    );
    for user in users.iter().filter(|u| !deleted.contains(&u.id)) {
        assert!(
            seen.iter().any(|r| r.email == user.email),
            "a registration there throughout must be on a page"
        );
    }
}

/// Accounts page by number: `limit` at a time, strictly after the number
/// given; a search of digits finds the numbers that start with them, any
/// other the names that contain it ignoring case, literally (`%`, `_`
/// and `\` match only themselves); an account created in a dropped
/// transaction is never listed.
pub fn accounts_page_by_number_and_search<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let named = [
        (7, "Acme"),
        (12, "Zeta 100% Ltd"),
        (120, "ACME Europe"),
        (1200, "Ümlaut GmbH"),
        (1299, "Under_score"),
        (123_456_789_012, "Back\\slash"),
        (4120, "Other"),
        (0, "Zero"),
    ];
    commit(&store, "insert accounts", |tx| {
        for (number, name) in named {
            let mut account = account(number);
            account.name = crate::testing::fixtures::name(name);
            tx.insert_account(&account)?;
        }
        Ok(())
    });
    {
        let mut tx = store.begin_write().expect("begin_write");
        tx.insert_account(&account(121)).expect("insert_account");
        tx.rename_account(
            AccountNumber::new(7),
            &crate::testing::fixtures::name("Gone"),
        )
        .expect("rename_account");
        // Dropped: neither change happened.
    }
    let numbers = |accounts: Vec<crate::model::Account>| -> Vec<u64> {
        accounts.iter().map(|a| a.number.get()).collect()
    };
    let search = |text: &str| {
        crate::paging::Search::parse(text)
            .expect("a search")
            .expect("not blank")
    };
    read(&store, |r| {
        assert_eq!(
            numbers(r.accounts_page(None, None, 100)?),
            [0, 7, 12, 120, 1200, 1299, 4120, 123_456_789_012],
            "accounts must be listed in number order"
        );
        assert_eq!(numbers(r.accounts_page(None, None, 3)?), [0, 7, 12]);
        assert_eq!(
            numbers(r.accounts_page(None, Some(AccountNumber::new(12)), 3)?),
            [120, 1200, 1299],
            "a page must start strictly after the number it is given"
        );
        assert_eq!(
            r.account(AccountNumber::new(7))?
                .map(|a| a.name.as_str().to_owned()),
            Some("Acme".to_owned()),
            "a dropped rename changes nothing"
        );
        let cases: [(&str, Option<u64>, &[u64]); 12] = [
            ("12", None, &[12, 120, 1200, 1299, 123_456_789_012]),
            ("12", Some(120), &[1200, 1299, 123_456_789_012]),
            ("120", None, &[120, 1200]),
            ("0", None, &[0]),
            ("012", None, &[]),
            ("1234567890123", None, &[]),
            ("acme", None, &[7, 120]),
            ("ME e", None, &[120]),
            ("ümlaut", None, &[1200]),
            ("%", None, &[12]),
            ("_", None, &[1299]),
            ("\\", None, &[123_456_789_012]),
        ];
        for (text, after, expected) in cases {
            let found = r.accounts_page(Some(&search(text)), after.map(AccountNumber::new), 100)?;
            assert_eq!(numbers(found), expected, "search {text:?} after {after:?}");
        }
        assert_eq!(
            numbers(r.accounts_page(Some(&search("12")), None, 2)?),
            [12, 120],
            "a search's page holds at most `limit` accounts"
        );
        assert_eq!(
            numbers(r.accounts_page(Some(&search("e")), None, 2)?),
            [0, 7]
        );
        Ok(())
    });
}

/// An account's details count the users it governs (created in it, or
/// members of one of its groups, each once), its groups, and its active
/// administrators; a renamed account reads back with its new name; an
/// account that does not exist has no details, and renaming it is
/// `NotFound`.
pub fn account_details_count_what_the_account_holds<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let admins = GroupId::administrators(ONE);
    let sales = GroupId {
        account: ONE,
        number: 2,
    };
    // ann and bob created in 1; carl created in 2 but a member in 1; dan
    // created in 2 only; eve created in 1, disabled, an administrator.
    let mut people: Vec<User> = ["ann", "bob", "carl", "dan", "eve"]
        .iter()
        .map(|n| user(&format!("{n}@example.com")))
        .collect();
    people[2].created_in = TWO;
    people[3].created_in = TWO;
    people[4].status = crate::model::UserStatus::Disabled;
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        tx.insert_group(ONE, &group_name("Sales"), people[0].created_at)?;
        for person in &people {
            tx.insert_user(person)?;
        }
        tx.add_member(admins, people[0].id)?;
        tx.add_member(admins, people[4].id)?;
        tx.add_member(sales, people[0].id)?;
        tx.add_member(sales, people[2].id)?;
        tx.add_member(admins, people[2].id)?;
        tx.add_member(GroupId::administrators(TWO), people[3].id)?;
        Ok(())
    });
    read(&store, |r| {
        let one = r.account_details(ONE)?.expect("account 1");
        assert_eq!(one.account, r.account(ONE)?.expect("account 1"));
        assert_eq!(
            (one.users, one.groups, one.administrators),
            (4, 2, 2),
            "ann, bob, carl and eve; two groups; ann and carl active administrators"
        );
        let two = r.account_details(TWO)?.expect("account 2");
        assert_eq!((two.users, two.groups, two.administrators), (2, 1, 1));
        assert_eq!(r.account_details(AccountNumber::new(3))?, None);
        Ok(())
    });
    let new_name = crate::testing::fixtures::name("Acme Europe");
    commit(&store, "rename an account", |tx| {
        tx.rename_account(ONE, &new_name)
    });
    read(&store, |r| {
        assert_eq!(r.account(ONE)?.expect("account 1").name, new_name);
        assert_eq!(
            r.account_details(ONE)?.expect("account 1").account.name,
            new_name
        );
        Ok(())
    });
    crate::testing::conformance::support::refuse(
        &store,
        StoreError::is_not_found,
        "renaming an account that does not exist must be NotFound",
        |tx| tx.rename_account(AccountNumber::new(3), &new_name),
    );
}

/// [`Reader::account_users`] gives each user's Users-tab row: names,
/// status, the temporary flag, the stored lock, the last sign-in, and
/// whether they administer *this* account (not another one), each as
/// [`UserRow::new`](crate::UserRow::new) makes it from the user; a later
/// sign-in state or membership shows in the next read.
pub fn account_user_rows_carry_their_flags<S: Store>(make: &dyn Fn() -> S) {
    let store = make();
    let mut ann = user("Ann@example.com");
    let mut bob = user("bob@example.com");
    let carol = user("carol@example.com");
    ann.credential.as_mut().expect("a credential").temporary = true;
    ann.sign_in.user.locked_until = Some(time(1_800_000_000, 5));
    ann.sign_in.last_signed_in = Some(time(1_700_000_100, 7));
    ann.status = UserStatus::Disabled;
    bob.credential = None;
    commit(&store, "set up", |tx| {
        setup_account(tx, 1)?;
        setup_account(tx, 2)?;
        for person in [&ann, &bob, &carol] {
            tx.insert_user(person)?;
        }
        tx.add_member(GroupId::administrators(ONE), ann.id)?;
        tx.add_member(GroupId::administrators(TWO), carol.id)
    });
    let rows = |account| read(&store, |r| r.account_users(account, None, None, 10));
    assert_eq!(
        rows(ONE),
        [
            UserRow::new(&ann, true),
            UserRow::new(&bob, false),
            UserRow::new(&carol, false),
        ],
        "each row as UserRow::new makes it: temporary, lock and last sign-in as stored, \
         administrator only of the account's own Account Administrators"
    );
    assert_eq!(
        rows(TWO),
        [UserRow::new(&carol, true)],
        "carol administers account 2"
    );
    bob.sign_in.last_signed_in = Some(time(1_700_000_200, 9));
    commit(&store, "bob signs in, ann leaves", |tx| {
        tx.set_sign_in_state(bob.id, &bob.sign_in)?;
        tx.remove_member(GroupId::administrators(ONE), ann.id)
    });
    assert_eq!(
        rows(ONE),
        [
            UserRow::new(&ann, false),
            UserRow::new(&bob, false),
            UserRow::new(&carol, false),
        ],
        "a stored sign-in state and a membership removed show in the next read"
    );
}
