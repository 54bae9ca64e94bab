//! The lists behind the guide's screens, a page at a time: Customer
//! Support's accounts (with their details and names), a group's members,
//! one user of an account with their groups there, an account's pending
//! registrations.
//! Who may read them, and how they stand up to hostile cursors, searches
//! and page sizes, on every store.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use common::*;
use cres_admin::testing::fixtures::clock;
use cres_admin::{
    AccountNumber, AccountQuery, Action, Actor, Cursor, Directory, Error, FixedClock, Forbidden,
    GroupId, Localizer, MemoryStore, Page, PageSize, PendingRegistration, Search, Store, UserRef,
};

/// Runs `$check` (a generic fn taking a fresh `Directory` and its clock) on
/// every store.
macro_rules! on_every_store {
    ($check:ident) => {{
        let time = clock();
        $check(directory(MemoryStore::new()).with_clock(time.clone()), time);
        #[cfg(feature = "sqlite")]
        {
            let folder = scratch();
            let store = cres_admin::SqliteStore::open(folder.path().join("lists.db")).unwrap();
            let time = clock();
            $check(directory(store).with_clock(time.clone()), time);
        }
    }};
}

fn size(rows: u32) -> PageSize {
    PageSize::new(rows).unwrap()
}

/// Account 12345 with alice; the group Sales with `members` users added by
/// alice (in an order that is not the email order); paul, a plain user of
/// the account; and account 67890 administered by olga.
fn sales<S: Store>(dir: &Directory<S>, members: usize) {
    bootstrap(dir);
    let alice = user(dir, "alice@example.com");
    dir.create_group(&alice, ACCOUNT, "Sales").unwrap();
    for i in (0..members).rev() {
        let address = if i % 2 == 0 {
            format!("Member{i:02}@Example.com")
        } else {
            format!("member{i:02}@example.com")
        };
        dir.add_user(&alice, ACCOUNT, &form(&address)).unwrap();
        dir.add_to_group(&alice, SALES, &address).unwrap();
    }
    dir.add_user(&alice, ACCOUNT, &form("paul@example.com"))
        .unwrap();
    other_account_administered_by_olga(dir);
}

/// Every page of the group's members, following the cursors.
fn member_pages<S: Store>(dir: &Directory<S>, group: GroupId, rows: u32) -> Vec<Page<UserRef>> {
    let mut pages = vec![
        dir.members_page(&Actor::Support, group, size(rows), None)
            .unwrap(),
    ];
    while let Some(next) = pages.last().unwrap().next.clone() {
        pages.push(
            dir.members_page(&Actor::Support, group, size(rows), Some(&next))
                .unwrap(),
        );
    }
    pages
}

#[test]
fn members_pages_cover_the_group_once_in_email_order() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 11);
        let whole = dir.members(&Actor::Support, SALES).unwrap();
        assert_eq!(whole.len(), 11);
        let pages = member_pages(&dir, SALES, 4);
        let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
        assert_eq!(sizes, [4, 4, 3]);
        let paged: Vec<UserRef> = pages.into_iter().flat_map(|p| p.items).collect();
        assert_eq!(paged, whole, "the same members, in the same order");
        let emails: Vec<&str> = paged.iter().map(|m| m.email.as_str()).collect();
        assert_eq!(
            emails[..3],
            [
                "Member00@Example.com",
                "member01@example.com",
                "Member02@Example.com"
            ]
        );
        // A page exactly as long as the group has no next page.
        let one = dir
            .members_page(&Actor::Support, SALES, size(11), None)
            .unwrap();
        assert_eq!((one.items.len(), one.next), (11, None));
        // An administrator of the account reads it too.
        let alice = user(&dir, "alice@example.com");
        let first = dir.members_page(&alice, SALES, size(2), None).unwrap();
        assert_eq!(first.items, whole[..2]);
    }
    on_every_store!(check);
}

#[test]
fn members_who_come_and_go_between_pages_make_no_other_repeat_or_go_missing() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 9);
        let alice = user(&dir, "alice@example.com");
        let before = dir.members(&Actor::Support, SALES).unwrap();
        let first = dir.members_page(&alice, SALES, size(3), None).unwrap();
        // One shown already leaves, one not yet shown leaves, two join: one
        // before the cursor, one after.
        dir.remove_from_group(&alice, SALES, "member01@example.com")
            .unwrap();
        dir.remove_from_group(&alice, SALES, "member05@example.com")
            .unwrap();
        for address in ["aaron@example.com", "zoe@example.com"] {
            dir.add_user(&alice, ACCOUNT, &form(address)).unwrap();
            dir.add_to_group(&alice, SALES, address).unwrap();
        }
        let mut seen = first.items.clone();
        let mut next = first.next;
        while let Some(cursor) = next {
            let page = dir
                .members_page(&alice, SALES, size(3), Some(&cursor))
                .unwrap();
            seen.extend(page.items);
            next = page.next;
        }
        let emails: Vec<&str> = seen.iter().map(|m| m.email.identity()).collect();
        assert!(emails.windows(2).all(|w| w[0] < w[1]), "{emails:?}");
        for stayed in before
            .iter()
            .filter(|m| !m.email.as_str().starts_with("member05"))
        {
            assert!(
                seen.contains(stayed),
                "{} stayed and must be shown",
                stayed.email
            );
        }
        assert!(
            !emails.contains(&"member05@example.com"),
            "left before its page"
        );
        assert!(
            !emails.contains(&"aaron@example.com"),
            "joined before the cursor"
        );
        assert!(
            emails.contains(&"zoe@example.com"),
            "joined after the cursor"
        );
    }
    on_every_store!(check);
}

#[test]
fn members_pages_are_refused_to_other_accounts_and_plain_users() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 3);
        let olga = user(&dir, "olga@example.com");
        let paul = user(&dir, "paul@example.com");
        for (who, actor) in [("olga", &olga), ("paul", &paul)] {
            let refused = dir.members_page(actor, SALES, size(10), None);
            assert!(
                matches!(
                    refused,
                    Err(Error::Forbidden(Forbidden::NotAccountAdministrator { account }))
                        if account == ACCOUNT
                ),
                "{who}: {refused:?}"
            );
        }
        let missing = GroupId {
            account: ACCOUNT,
            number: 99,
        };
        assert!(matches!(
            dir.members_page(&Actor::Support, missing, size(10), None),
            Err(Error::GroupNotFound)
        ));
        let nowhere = GroupId::administrators(AccountNumber::new(4));
        assert!(matches!(
            dir.members_page(&Actor::Support, nowhere, size(10), None),
            Err(Error::AccountNotFound { .. })
        ));
    }
    on_every_store!(check);
}

#[test]
fn user_groups_are_the_groups_of_that_account_only() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 2);
        let alice = user(&dir, "alice@example.com");
        let olga = user(&dir, "olga@example.com");
        let support = Actor::Support;
        // Member00 is in Sales of 12345, and (by Support) in the
        // administrators of 67890.
        dir.add_to_group(
            &support,
            GroupId::administrators(OTHER_ACCOUNT),
            "member00@example.com",
        )
        .unwrap();
        let ids = |groups: Vec<cres_admin::Group>| -> Vec<GroupId> {
            groups.into_iter().map(|g| g.id).collect()
        };
        let theirs = dir
            .user_groups(&alice, ACCOUNT, " MEMBER00@example.com ")
            .unwrap();
        assert_eq!(ids(theirs), [SALES]);
        let theirs = dir
            .user_groups(&olga, OTHER_ACCOUNT, "member00@example.com")
            .unwrap();
        assert_eq!(ids(theirs), [GroupId::administrators(OTHER_ACCOUNT)]);
        let alices = dir
            .user_groups(&support, ACCOUNT, "alice@example.com")
            .unwrap();
        assert_eq!(ids(alices), [ADMINS]);
        // Paul was created in the account and is in none of its groups.
        assert_eq!(
            dir.user_groups(&alice, ACCOUNT, "paul@example.com")
                .unwrap(),
            []
        );
        // Olga is no user of 12345, and nobody has the address ghost.
        for address in ["olga@example.com", "ghost@example.com"] {
            let refused = dir.user_groups(&alice, ACCOUNT, address);
            assert!(
                matches!(&refused, Err(Error::UserNotFound { email }) if email.as_str() == address),
                "{address}: {refused:?}"
            );
        }
        assert!(matches!(
            dir.user_groups(&alice, ACCOUNT, "not an address"),
            Err(Error::Invalid(_))
        ));
    }
    on_every_store!(check);
}

#[test]
fn account_user_opens_a_users_row_with_the_groups_of_that_account() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 2);
        let alice = user(&dir, "alice@example.com");
        let olga = user(&dir, "olga@example.com");
        dir.add_to_group(
            &Actor::Support,
            GroupId::administrators(OTHER_ACCOUNT),
            "member00@example.com",
        )
        .unwrap();
        let opened = dir
            .account_user(&alice, ACCOUNT, "MEMBER00@example.com")
            .unwrap();
        assert_eq!(opened.row.user.email.as_str(), "Member00@Example.com");
        assert_eq!(
            (
                opened.row.first_name.as_str(),
                opened.row.last_name.as_str()
            ),
            ("Bob", "Builder")
        );
        assert!(!opened.row.administrator, "not of this account");
        assert!(opened.row.temporary_password);
        assert_eq!(
            opened.groups.iter().map(|g| g.id).collect::<Vec<_>>(),
            [SALES]
        );
        // The same user, seen from the account they administer.
        let theirs = dir
            .account_user(&olga, OTHER_ACCOUNT, "member00@example.com")
            .unwrap();
        assert!(theirs.row.administrator);
        assert_eq!(
            theirs.groups.iter().map(|g| g.id).collect::<Vec<_>>(),
            [GroupId::administrators(OTHER_ACCOUNT)]
        );
        // The row is the one the Users tab lists.
        let listed = dir
            .users(
                &alice,
                ACCOUNT,
                &cres_admin::UserQuery::new().email(Search::parse("member00").unwrap()),
            )
            .unwrap();
        assert_eq!(listed.items, [opened.row]);
        assert!(matches!(
            dir.account_user(&alice, ACCOUNT, "olga@example.com"),
            Err(Error::UserNotFound { .. })
        ));
    }
    on_every_store!(check);
}

#[test]
fn user_groups_and_account_user_are_refused_to_other_accounts_and_plain_users() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 2);
        let olga = user(&dir, "olga@example.com");
        let paul = user(&dir, "paul@example.com");
        for (who, actor) in [("olga", &olga), ("paul", &paul)] {
            // Refused before the address is looked at: nothing is learnt of it.
            for address in ["member00@example.com", "ghost@example.com"] {
                for refused in [
                    dir.user_groups(actor, ACCOUNT, address).map(drop),
                    dir.account_user(actor, ACCOUNT, address).map(drop),
                ] {
                    assert!(
                        matches!(refused, Err(Error::Forbidden(_))),
                        "{who}, {address}: {refused:?}"
                    );
                }
            }
        }
        assert!(matches!(
            dir.user_groups(
                &Actor::Support,
                AccountNumber::new(4),
                "member00@example.com"
            ),
            Err(Error::AccountNotFound { .. })
        ));
    }
    on_every_store!(check);
}

/// Account 12345 with alice, who sends secure messages to `count`
/// addresses, an hour apart, and account 67890 with olga, who sends one.
fn invitations<S: Store>(dir: &Directory<S>, time: &FixedClock, count: usize) {
    bootstrap(dir);
    let alice = user(dir, "alice@example.com");
    other_account_administered_by_olga(dir);
    for i in 0..count {
        dir.send_secure_message(&alice, ACCOUNT, &format!("guest{i:02}@example.com"))
            .unwrap();
        time.advance(TimeDelta::hours(1));
    }
    let olga = user(dir, "olga@example.com");
    dir.send_secure_message(&olga, OTHER_ACCOUNT, "theirs@example.com")
        .unwrap();
}

fn registration_pages<S: Store>(
    dir: &Directory<S>,
    actor: &Actor,
    rows: u32,
) -> Vec<Page<PendingRegistration>> {
    let mut pages = vec![dir.registrations(actor, ACCOUNT, size(rows), None).unwrap()];
    while let Some(next) = pages.last().unwrap().next.clone() {
        pages.push(
            dir.registrations(actor, ACCOUNT, size(rows), Some(&next))
                .unwrap(),
        );
    }
    pages
}

#[test]
fn registrations_page_by_expiry_with_sender_issued_and_expiry() {
    fn check<S: Store>(dir: Directory<S>, time: Arc<FixedClock>) {
        invitations(&dir, &time, 7);
        let alice = user(&dir, "alice@example.com");
        let pages = registration_pages(&dir, &alice, 3);
        let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
        assert_eq!(sizes, [3, 3, 1]);
        let all: Vec<PendingRegistration> = pages.into_iter().flat_map(|p| p.items).collect();
        let emails: Vec<&str> = all.iter().map(|r| r.email.as_str()).collect();
        let expected: Vec<String> = (0..7).map(|i| format!("guest{i:02}@example.com")).collect();
        assert_eq!(
            emails, expected,
            "soonest expiry first, only the account's own"
        );
        let Actor::User(alice_id) = alice else {
            unreachable!()
        };
        for (i, pending) in all.iter().enumerate() {
            let issued = start() + TimeDelta::hours(i as i64);
            assert_eq!(pending.issued_at, issued);
            assert_eq!(pending.expires_at, issued + TimeDelta::hours(72));
            assert_eq!(pending.account, ACCOUNT);
            assert!(
                matches!(&pending.sent_by, cres_admin::ActorRecord::User(by) if by.id == alice_id),
                "{:?}",
                pending.sent_by
            );
        }
        // Sent again, guest00's moves to the end; revoked, guest03's goes.
        dir.send_secure_message(&alice, ACCOUNT, "guest00@example.com")
            .unwrap();
        dir.revoke_registration(&alice, ACCOUNT, "guest03@example.com")
            .unwrap();
        let now = dir
            .registrations(&Actor::Support, ACCOUNT, size(PageSize::MAX), None)
            .unwrap();
        let emails: Vec<&str> = now.items.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(
            emails,
            [
                "guest01@example.com",
                "guest02@example.com",
                "guest04@example.com",
                "guest05@example.com",
                "guest06@example.com",
                "guest00@example.com"
            ]
        );
        assert_eq!(now.next, None);
    }
    on_every_store!(check);
}

#[test]
fn registrations_ending_between_pages_make_no_other_repeat_or_go_missing() {
    fn check<S: Store>(dir: Directory<S>, time: Arc<FixedClock>) {
        invitations(&dir, &time, 8);
        let alice = user(&dir, "alice@example.com");
        let first = dir.registrations(&alice, ACCOUNT, size(3), None).unwrap();
        dir.revoke_registration(&alice, ACCOUNT, "guest01@example.com")
            .unwrap();
        dir.revoke_registration(&alice, ACCOUNT, "guest05@example.com")
            .unwrap();
        dir.send_secure_message(&alice, ACCOUNT, "late@example.com")
            .unwrap();
        let mut seen = first.items.clone();
        let mut next = first.next;
        while let Some(cursor) = next {
            let page = dir
                .registrations(&alice, ACCOUNT, size(3), Some(&cursor))
                .unwrap();
            seen.extend(page.items);
            next = page.next;
        }
        let emails: Vec<&str> = seen.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(
            emails,
            [
                "guest00@example.com",
                "guest01@example.com",
                "guest02@example.com",
                "guest03@example.com",
                "guest04@example.com",
                "guest06@example.com",
                "guest07@example.com",
                "late@example.com"
            ]
        );
    }
    on_every_store!(check);
}

#[test]
fn registrations_are_refused_to_other_accounts_and_plain_users() {
    fn check<S: Store>(dir: Directory<S>, time: Arc<FixedClock>) {
        invitations(&dir, &time, 2);
        let alice = user(&dir, "alice@example.com");
        dir.add_user(&alice, ACCOUNT, &form("paul@example.com"))
            .unwrap();
        let olga = user(&dir, "olga@example.com");
        let paul = user(&dir, "paul@example.com");
        for (who, actor) in [("olga", &olga), ("paul", &paul)] {
            let refused = dir.registrations(actor, ACCOUNT, size(10), None);
            assert!(
                matches!(
                    refused,
                    Err(Error::Forbidden(Forbidden::NotAccountAdministrator { account }))
                        if account == ACCOUNT
                ),
                "{who}: {refused:?}"
            );
        }
        assert!(matches!(
            dir.registrations(&Actor::Support, AccountNumber::new(4), size(10), None),
            Err(Error::AccountNotFound { .. })
        ));
        // Olga reads her own account's, and only those.
        let theirs = dir
            .registrations(&olga, OTHER_ACCOUNT, size(10), None)
            .unwrap();
        assert_eq!(theirs.items.len(), 1);
        assert_eq!(theirs.items[0].email.as_str(), "theirs@example.com");
    }
    on_every_store!(check);
}

#[test]
fn hostile_cursors_are_refused_and_change_nothing() {
    fn check<S: Store>(dir: Directory<S>, time: Arc<FixedClock>) {
        invitations(&dir, &time, 4);
        let alice = user(&dir, "alice@example.com");
        for address in [
            "member00@example.com",
            "member01@example.com",
            "member02@example.com",
        ] {
            dir.add_user(&alice, ACCOUNT, &form(address)).unwrap();
            dir.add_to_group(&alice, ADMINS, address).unwrap();
        }
        let members = dir.members_page(&alice, ADMINS, size(1), None).unwrap();
        let members_next = members.next.unwrap();
        let invites = dir.registrations(&alice, ACCOUNT, size(1), None).unwrap();
        let invites_next = invites.next.unwrap();
        let trail_before = dir
            .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
            .unwrap();
        // A cursor of another list: another kind, another group, another account.
        assert!(matches!(
            dir.registrations(&alice, ACCOUNT, size(1), Some(&members_next)),
            Err(Error::InvalidCursor)
        ));
        assert!(matches!(
            dir.members_page(&alice, ADMINS, size(1), Some(&invites_next)),
            Err(Error::InvalidCursor)
        ));
        dir.create_group(&alice, ACCOUNT, "Sales").unwrap();
        assert!(matches!(
            dir.members_page(&alice, SALES, size(1), Some(&members_next)),
            Err(Error::InvalidCursor)
        ));
        let olga = user(&dir, "olga@example.com");
        assert!(matches!(
            dir.registrations(&olga, OTHER_ACCOUNT, size(1), Some(&invites_next)),
            Err(Error::InvalidCursor)
        ));
        // A cursor carries no authority: olga with alice's cursor is refused
        // as on the first page.
        assert!(matches!(
            dir.members_page(&olga, ADMINS, size(1), Some(&members_next)),
            Err(Error::Forbidden(_))
        ));
        // Altered, cut, huge, garbage: refused when read.
        let text = members_next.to_string();
        let mut flipped: Vec<char> = text.chars().collect();
        let middle = flipped.len() / 2;
        flipped[middle] = if flipped[middle] == 'A' { 'B' } else { 'A' };
        let flipped: String = flipped.into_iter().collect();
        let huge = "A".repeat(1 << 20);
        for bad in [
            flipped.as_str(),
            &text[..text.len() - 2],
            huge.as_str(),
            "\u{0}",
            "\u{202E}AAAA",
            "%",
            "_",
        ] {
            assert!(
                matches!(Cursor::parse(bad), Err(Error::InvalidCursor)),
                "{bad:.20}"
            );
        }
        // The cursors still work, and nothing changed.
        let second = dir
            .members_page(&alice, ADMINS, size(1), Some(&members_next))
            .unwrap();
        assert_eq!(second.items.len(), 1);
        assert_ne!(second.items, members.items);
        assert_eq!(
            dir.audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
                .unwrap()
                .len(),
            trail_before.len() + 1,
            "only Sales was created"
        );
    }
    on_every_store!(check);
}

#[test]
fn page_sizes_are_bounded_however_they_arrive() {
    for refused in [
        "0",
        "-1",
        "-0",
        "+5",
        "501",
        "4294967296",
        "99999999999999999999",
        "1e2",
        "",
        " ",
        "\u{0}1",
    ] {
        assert!(PageSize::parse(refused).is_err(), "{refused:?}");
    }
    assert!(
        PageSize::parse(&"9".repeat(1 << 20)).is_err(),
        "a megabyte of digits"
    );
    for refused in [0, PageSize::MAX + 1, u32::MAX] {
        assert!(PageSize::new(refused).is_err(), "{refused}");
    }
    assert_eq!(PageSize::parse(" 500 ").unwrap().get(), PageSize::MAX);
    // The largest page is served whole.
    let time = clock();
    let dir = directory(MemoryStore::new()).with_clock(time.clone());
    invitations(&dir, &time, 3);
    let page = dir
        .registrations(
            &Actor::Support,
            ACCOUNT,
            PageSize::new(PageSize::MAX).unwrap(),
            None,
        )
        .unwrap();
    assert_eq!((page.items.len(), page.next), (3, None));
}

/// Accounts 12345 (alice's, "Example Corp") and 67890 (olga's, "Other"),
/// and more: 12, 120 "Acme 100% Europe", 1299 "Under_score", 4120 "Acme".
fn accounts<S: Store>(dir: &Directory<S>) {
    bootstrap(dir);
    other_account_administered_by_olga(dir);
    for (number, name) in [
        (12, "Twelve"),
        (120, "Acme 100% Europe"),
        (1299, "Under_score"),
        (4120, "Acme"),
    ] {
        dir.create_account(&Actor::Support, AccountNumber::new(number), name)
            .unwrap();
    }
}

fn numbers(page: &Page<cres_admin::Account>) -> Vec<u64> {
    page.items.iter().map(|a| a.number.get()).collect()
}

fn search(text: &str) -> Option<Search> {
    Search::parse(text).unwrap()
}

/// Every page of `query`, following the cursors, as account numbers.
fn account_pages<S: Store>(dir: &Directory<S>, query: AccountQuery) -> Vec<Vec<u64>> {
    let mut pages = vec![dir.accounts(&Actor::Support, &query).unwrap()];
    while let Some(next) = pages.last().unwrap().next.clone() {
        pages.push(
            dir.accounts(&Actor::Support, &query.clone().after(next))
                .unwrap(),
        );
    }
    pages.iter().map(numbers).collect()
}

#[test]
fn support_pages_the_accounts_in_number_order_and_searches_them() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        accounts(&dir);
        assert_eq!(
            account_pages(&dir, AccountQuery::new().size(size(2))),
            [vec![12, 120], vec![1299, 4120], vec![12345, 67890]]
        );
        // Digits: the numbers that start with them.
        assert_eq!(
            account_pages(&dir, AccountQuery::new().search(search("12")).size(size(2))),
            [vec![12, 120], vec![1299, 12345]]
        );
        assert_eq!(
            account_pages(&dir, AccountQuery::new().search(search("6789"))),
            [vec![67890]]
        );
        assert_eq!(
            account_pages(&dir, AccountQuery::new().search(search("9"))),
            [Vec::<u64>::new()],
            "a digit no number starts with finds nothing, not the names"
        );
        // Anything else: the names that contain it, ignoring case, literally.
        for (text, expected) in [
            ("ACME", vec![120, 4120]),
            ("100%", vec![120]),
            ("%", vec![120]),
            ("_", vec![1299]),
            ("r_s", vec![1299]),
            ("a%e", vec![]),
            ("example corp", vec![12345]),
            ("\\", vec![]),
        ] {
            assert_eq!(
                account_pages(&dir, AccountQuery::new().search(search(text))),
                [expected],
                "{text:?}"
            );
        }
        // A blank search is no search.
        assert_eq!(search("   "), None);
    }
    on_every_store!(check);
}

#[test]
fn accounts_created_between_pages_make_none_repeat_or_go_missing() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        accounts(&dir);
        let first = dir
            .accounts(&Actor::Support, &AccountQuery::new().size(size(3)))
            .unwrap();
        assert_eq!(numbers(&first), [12, 120, 1299]);
        for number in [5, 130, 99999] {
            dir.create_account(&Actor::Support, AccountNumber::new(number), "New")
                .unwrap();
        }
        let query = AccountQuery::new().size(size(3)).after(first.next.unwrap());
        let second = dir.accounts(&Actor::Support, &query).unwrap();
        assert_eq!(numbers(&second), [4120, 12345, 67890]);
        let third = dir
            .accounts(&Actor::Support, &query.after(second.next.unwrap()))
            .unwrap();
        assert_eq!((numbers(&third), third.next), (vec![99999], None));
    }
    on_every_store!(check);
}

#[test]
fn account_details_count_users_groups_and_active_administrators() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 3);
        // Olga of 67890 joins Sales of 12345: a user of both.
        dir.add_to_group(&Actor::Support, SALES, "olga@example.com")
            .unwrap();
        let details = dir.account_details(&Actor::Support, ACCOUNT).unwrap();
        assert_eq!(details.account.number, ACCOUNT);
        assert_eq!(details.account.name.as_str(), "Example Corp");
        assert_eq!(details.account.created_at, start());
        assert_eq!(
            (details.users, details.groups, details.administrators),
            (6, 2, 1),
            "alice, three members, paul, olga; two groups; alice"
        );
        let theirs = dir.account_details(&Actor::Support, OTHER_ACCOUNT).unwrap();
        assert_eq!(
            (theirs.users, theirs.groups, theirs.administrators),
            (1, 1, 1)
        );
        assert!(matches!(
            dir.account_details(&Actor::Support, AccountNumber::new(4)),
            Err(Error::AccountNotFound { .. })
        ));
    }
    on_every_store!(check);
}

#[test]
fn support_renames_an_account_recorded_and_said_in_every_language() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        bootstrap(&dir);
        let renamed = dir
            .rename_account(&Actor::Support, ACCOUNT, "  Example Europe ")
            .unwrap();
        assert_eq!(renamed.previous.as_str(), "Example Corp");
        assert_eq!(renamed.account.name.as_str(), "Example Europe");
        assert_eq!(
            renamed.to_string(),
            "Account 12345 renamed from Example Corp to Example Europe."
        );
        assert_eq!(
            Localizer::new(&["fr"]).render(&renamed),
            "Compte 12345 renommé de «\u{a0}Example Corp\u{a0}» en «\u{a0}Example Europe\u{a0}»."
        );
        assert_eq!(
            Localizer::new(&["de"]).render(&renamed),
            "Konto 12345 von „Example Corp“ in „Example Europe“ umbenannt."
        );
        let details = dir.account_details(&Actor::Support, ACCOUNT).unwrap();
        assert_eq!(details.account.name.as_str(), "Example Europe");
        let trail = dir.audit_trail(&Actor::Support, ACCOUNT, 1).unwrap();
        assert_eq!(
            trail[0].record.action,
            Action::AccountRenamed {
                from: renamed.previous.clone(),
                to: renamed.account.name.clone(),
            }
        );
        assert_eq!(trail[0].record.action.target(), None);
        // The same name again changes and records nothing.
        let before = dir
            .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
            .unwrap();
        dir.rename_account(&Actor::Support, ACCOUNT, "Example Europe")
            .unwrap();
        assert_eq!(
            dir.audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
                .unwrap(),
            before
        );
        // Bad names and missing accounts are refused, changing nothing.
        for bad in ["", "   ", "a\u{0}b", "\u{202E}evil", &"x".repeat(1 << 20)] {
            assert!(
                matches!(
                    dir.rename_account(&Actor::Support, ACCOUNT, bad),
                    Err(Error::Invalid(_))
                ),
                "{bad:.20}"
            );
        }
        assert!(matches!(
            dir.rename_account(&Actor::Support, AccountNumber::new(4), "Four"),
            Err(Error::AccountNotFound { .. })
        ));
        assert_eq!(
            dir.audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
                .unwrap(),
            before
        );
        assert_eq!(
            dir.account_details(&Actor::Support, ACCOUNT)
                .unwrap()
                .account
                .name
                .as_str(),
            "Example Europe"
        );
    }
    on_every_store!(check);
}

#[test]
fn account_details_are_for_support_and_the_accounts_administrators() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 1);
        let alice = user(&dir, "alice@example.com");
        let details = dir.account_details(&alice, ACCOUNT).unwrap();
        assert_eq!(details.account.name.as_str(), "Example Corp");
        assert_eq!(
            details,
            dir.account_details(&Actor::Support, ACCOUNT).unwrap()
        );
        // An administrator of another account, and a user who administers
        // nothing, are refused.
        for who in ["olga@example.com", "paul@example.com"] {
            let refused = dir.account_details(&user(&dir, who), ACCOUNT);
            assert!(
                matches!(
                    refused,
                    Err(Error::Forbidden(Forbidden::NotAccountAdministrator { account })) if account == ACCOUNT
                ),
                "{who}: {refused:?}"
            );
        }
    }
    on_every_store!(check);
}

#[test]
fn administered_accounts_are_those_the_actor_actively_administers() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 1);
        let accounts = |who: &str| dir.administered_accounts(&user(&dir, who)).unwrap();
        assert_eq!(accounts("alice@example.com"), [ACCOUNT]);
        assert_eq!(accounts("olga@example.com"), [OTHER_ACCOUNT]);
        // A member of a custom group administers nothing.
        assert_eq!(accounts("member00@example.com"), []);
        assert_eq!(accounts("paul@example.com"), []);
        assert_eq!(dir.administered_accounts(&Actor::Support).unwrap(), []);
        // Olga makes alice an administrator of her account too; alice,
        // disabled there... is disabled everywhere, and listed nowhere.
        let olga = user(&dir, "olga@example.com");
        dir.add_user(&Actor::Support, ACCOUNT, &form("anna@example.com"))
            .unwrap();
        dir.add_to_group(&Actor::Support, ADMINS, "anna@example.com")
            .unwrap();
        dir.add_to_group(
            &olga,
            GroupId::administrators(OTHER_ACCOUNT),
            "alice@example.com",
        )
        .unwrap();
        assert_eq!(accounts("alice@example.com"), [ACCOUNT, OTHER_ACCOUNT]);
        dir.disable_user(&Actor::Support, "alice@example.com")
            .unwrap();
        assert_eq!(accounts("alice@example.com"), []);
    }
    on_every_store!(check);
}

#[test]
fn accounts_are_support_only() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 1);
        let before = dir
            .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
            .unwrap();
        // An administrator of this account, of another, and a plain user.
        for who in ["alice@example.com", "olga@example.com", "paul@example.com"] {
            let actor = user(&dir, who);
            let support_only = |result: Result<(), Error>| {
                matches!(result, Err(Error::Forbidden(Forbidden::SupportOnly)))
            };
            assert!(
                support_only(dir.accounts(&actor, &AccountQuery::new()).map(drop)),
                "{who}"
            );
            assert!(
                support_only(dir.rename_account(&actor, ACCOUNT, "Mine now").map(drop)),
                "{who}"
            );
        }
        assert_eq!(
            dir.audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
                .unwrap(),
            before
        );
        assert_eq!(
            dir.account_details(&Actor::Support, ACCOUNT)
                .unwrap()
                .account
                .name
                .as_str(),
            "Example Corp"
        );
    }
    on_every_store!(check);
}

#[test]
fn hostile_searches_and_account_cursors_are_refused() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        accounts(&dir);
        // Searches: a megabyte, NUL, bidi controls: refused by parsing.
        for bad in [
            "a".repeat(1 << 20),
            "a".repeat(Search::MAX_CHARS + 1),
            "acme\u{0}".to_owned(),
            "\u{202E}emca".to_owned(),
            "ac\u{2066}me".to_owned(),
        ] {
            let refused = Search::parse(&bad).unwrap_err();
            assert_eq!(refused.field, cres_admin::Field::Search, "{bad:.20}");
        }
        // A cursor is bound to its search: another search, or none, refuses it.
        let acme = AccountQuery::new().search(search("acme")).size(size(1));
        let next = dir.accounts(&Actor::Support, &acme).unwrap().next.unwrap();
        assert!(matches!(
            dir.accounts(&Actor::Support, &AccountQuery::new().after(next.clone())),
            Err(Error::InvalidCursor)
        ));
        assert!(matches!(
            dir.accounts(
                &Actor::Support,
                &acme.clone().search(search("acm")).after(next.clone())
            ),
            Err(Error::InvalidCursor)
        ));
        let page = dir
            .accounts(&Actor::Support, &acme.clone().after(next))
            .unwrap();
        assert_eq!(numbers(&page), [4120]);
        // A members cursor is no accounts cursor.
        dir.add_user(&Actor::Support, ACCOUNT, &form("bob@example.com"))
            .unwrap();
        dir.add_to_group(&Actor::Support, ADMINS, "bob@example.com")
            .unwrap();
        let members = dir
            .members_page(&Actor::Support, ADMINS, size(1), None)
            .unwrap()
            .next
            .unwrap();
        assert!(matches!(
            dir.accounts(&Actor::Support, &AccountQuery::new().after(members)),
            Err(Error::InvalidCursor)
        ));
    }
    on_every_store!(check);
}

#[test]
fn members_paged_while_eight_threads_add_and_remove_members() {
    fn check<S: Store>(dir: Directory<S>, _: Arc<FixedClock>) {
        sales(&dir, 30);
        let alice = user(&dir, "alice@example.com");
        let churners: Vec<Vec<String>> = (0..8)
            .map(|t| {
                (0..4)
                    .map(|i| {
                        let address = format!("churn{t}x{i}@example.com");
                        dir.add_user(&alice, ACCOUNT, &form(&address)).unwrap();
                        address
                    })
                    .collect()
            })
            .collect();
        let stable = dir.members(&Actor::Support, SALES).unwrap();
        let stop = AtomicBool::new(false);
        let changes = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for addresses in &churners {
                let (dir, alice, stop, changes) = (&dir, &alice, &stop, &changes);
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        for address in addresses {
                            dir.add_to_group(alice, SALES, address).unwrap();
                            changes.fetch_add(1, Ordering::Relaxed);
                        }
                        for address in addresses {
                            dir.remove_from_group(alice, SALES, address).unwrap();
                            changes.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
            for _ in 0..10 {
                let mut seen: Vec<UserRef> = Vec::new();
                let mut next = None;
                loop {
                    // Each page waits for changes made since the last one.
                    // (At most a few seconds: a thread that failed stops changing.)
                    let (before, waited) = (changes.load(Ordering::Relaxed), Instant::now());
                    while changes.load(Ordering::Relaxed) < before + 8
                        && waited.elapsed() < Duration::from_secs(5)
                    {
                        std::thread::yield_now();
                    }
                    let page = dir
                        .members_page(&alice, SALES, size(4), next.as_ref())
                        .unwrap();
                    seen.extend(page.items);
                    match page.next {
                        Some(cursor) => next = Some(cursor),
                        None => break,
                    }
                }
                let keys: Vec<(&str, _)> =
                    seen.iter().map(|m| (m.email.identity(), m.id)).collect();
                assert!(keys.windows(2).all(|w| w[0] < w[1]), "in order, none twice");
                for member in &stable {
                    assert!(seen.contains(member), "{} stayed throughout", member.email);
                }
            }
            stop.store(true, Ordering::Relaxed);
        });
        assert!(
            changes.load(Ordering::Relaxed) >= 10 * 8,
            "the threads changed the group meanwhile"
        );
    }
    on_every_store!(check);
}
