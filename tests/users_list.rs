//! The Users tab (issue 14): an account's users a page at a time, searched
//! and filtered, with their flags; on every store.

mod common;

use chrono::TimeDelta;
use common::*;
use cres_admin::testing::fixtures;
use cres_admin::{
    Actor, Clock, Directory, Error, Forbidden, Localizer, MemoryStore, Page, PageSize, Password,
    Search, ShowingUsers, SignIn, SignInPolicy, Store, UserQuery, UserRow,
};

macro_rules! on_every_store {
    ($check:ident) => {{
        $check(MemoryStore::new());
        #[cfg(feature = "sqlite")]
        {
            let folder = scratch();
            $check(cres_admin::SqliteStore::open(folder.path().join("users.db")).unwrap());
        }
    }};
}

/// Account 12345: alice, then `names` added by her; account 67890 with olga.
fn tab<S: Store>(dir: &Directory<S>, names: &[&str]) {
    bootstrap(dir);
    other_account_administered_by_olga(dir);
    let alice = user(dir, "alice@example.com");
    for name in names {
        dir.add_user(&alice, ACCOUNT, &form(&format!("{name}@example.com")))
            .unwrap();
    }
}

fn size(rows: u32) -> PageSize {
    PageSize::new(rows).unwrap()
}

fn emails(rows: &[UserRow]) -> Vec<String> {
    rows.iter()
        .map(|r| r.user.email.identity().to_owned())
        .collect()
}

/// Every page of `query`, following the cursors.
fn all<S: Store>(dir: &Directory<S>, query: &UserQuery) -> Vec<Page<UserRow>> {
    let mut pages = vec![dir.users(&Actor::Support, ACCOUNT, query).unwrap()];
    while let Some(next) = pages.last().unwrap().next.clone() {
        pages.push(
            dir.users(&Actor::Support, ACCOUNT, &query.clone().after(next))
                .unwrap(),
        );
    }
    pages
}

#[test]
fn users_tab_lists_the_users_the_account_governs_a_page_at_a_time() {
    fn check<S: Store>(store: S) {
        let dir = directory(store);
        tab(&dir, &["dave", "Carol", "erin", "bob", "frank"]);
        // Olga, created in the other account, becomes governed by this one
        // when she joins one of its groups.
        dir.add_to_group(&Actor::Support, ADMINS, "olga@example.com")
            .unwrap();
        let pages = all(&dir, &UserQuery::new().size(size(2)));
        assert_eq!(
            pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
            [2, 2, 2, 1]
        );
        let rows: Vec<UserRow> = pages.into_iter().flat_map(|p| p.items).collect();
        assert_eq!(
            emails(&rows),
            ["alice", "bob", "carol", "dave", "erin", "frank", "olga"]
                .map(|n| format!("{n}@example.com"))
        );
        assert_eq!(rows[2].user.email.as_str(), "Carol@example.com", "as typed");
        assert_eq!(dir.user_count(&Actor::Support, ACCOUNT).unwrap(), 7);
        let alice = &rows[0];
        assert!(alice.administrator && alice.temporary_password && !alice.locked());
        assert!(!rows[1].administrator, "bob");
        let others = dir
            .users(&Actor::Support, OTHER_ACCOUNT, &UserQuery::new())
            .unwrap();
        assert_eq!(emails(&others.items), ["olga@example.com"]);
        // She leaves: this account no longer governs her.
        dir.remove_from_group(&Actor::Support, ADMINS, "olga@example.com")
            .unwrap();
        assert_eq!(dir.user_count(&Actor::Support, ACCOUNT).unwrap(), 6);
        assert_eq!(
            dir.user_count(&Actor::Support, OTHER_ACCOUNT).unwrap(),
            1,
            "still created there"
        );
    }
    on_every_store!(check);
}

#[test]
fn users_tab_shows_the_last_sign_in_and_only_locks_in_force() {
    fn check<S: Store>(store: S) {
        let clock = fixtures::clock();
        let mut policy = SignInPolicy::default();
        policy.max_failures = 2;
        policy.max_user_failures = 2;
        let dir = directory(store)
            .with_clock(clock.clone())
            .with_sign_in_policy(policy);
        tab(&dir, &["bob", "carol"]);
        let row = |who: &str| {
            let query = UserQuery::new().email(Search::parse(who).unwrap());
            let page = dir.users(&Actor::Support, ACCOUNT, &query).unwrap();
            page.items[0].clone()
        };
        let sign_in = |who: &str, password: &str| {
            dir.authenticate(
                &SOURCE,
                &format!("{who}@example.com"),
                &Password::new(password),
            )
        };
        assert_eq!(row("bob").last_signed_in, None, "never signed in");
        let bob = sign_in("bob", fixtures::PASSWORD).unwrap();
        assert!(matches!(bob, SignIn::PermanentPasswordRequired(_)));
        assert_eq!(row("bob").last_signed_in, Some(start()), "a right password");
        clock.advance(TimeDelta::hours(1));
        assert!(sign_in("bob", "Wrong-Pass-2026").is_err());
        assert_eq!(
            row("bob").last_signed_in,
            Some(start()),
            "a wrong password is not a sign-in"
        );
        // Two failures lock carol out for the first lockout.
        for _ in 0..2 {
            assert!(sign_in("carol", "Wrong-Pass-2026").is_err());
        }
        let carol = row("carol");
        let until = clock.now() + policy.first_lockout;
        assert_eq!((carol.locked(), carol.locked_until), (true, Some(until)));
        dir.unlock_user(&Actor::Support, "bob@example.com").unwrap();
        assert_eq!(
            row("bob").last_signed_in,
            Some(start()),
            "an unlock keeps the last sign-in"
        );
        clock.advance(policy.first_lockout);
        let carol = row("carol");
        assert_eq!(
            (carol.locked(), carol.locked_until),
            (false, None),
            "a lock that has ended is not shown"
        );
        // A temporary password past its lifetime signs no one in.
        clock.advance(policy.temporary_password_lifetime);
        assert!(matches!(
            sign_in("carol", fixtures::PASSWORD),
            Err(Error::TemporaryPasswordExpired)
        ));
        assert_eq!(row("carol").last_signed_in, None);
    }
    on_every_store!(check);
}

#[test]
fn users_tab_searches_by_the_start_of_the_email_and_a_part_of_a_name() {
    fn check<S: Store>(store: S) {
        let dir = directory(store);
        tab(&dir, &["bob", "bobby", "Bobette", "rob", "b_ob", "b%ob"]);
        let by_email = |text: &str| {
            let query = UserQuery::new().email(Search::parse(text).unwrap());
            emails(&dir.users(&Actor::Support, ACCOUNT, &query).unwrap().items)
        };
        assert_eq!(
            by_email("BOB"),
            [
                "bob@example.com",
                "bobby@example.com",
                "bobette@example.com"
            ]
        );
        assert_eq!(by_email("b_"), ["b_ob@example.com"], "_ is itself");
        assert_eq!(by_email("b%"), ["b%ob@example.com"], "% is itself");
        assert!(by_email("zz").is_empty());
        let by_name = UserQuery::new().name(Search::parse("BUILD").unwrap());
        assert_eq!(
            dir.users(&Actor::Support, ACCOUNT, &by_name)
                .unwrap()
                .items
                .len(),
            7,
            "every user here is Bob Builder"
        );
        let nobody = UserQuery::new().name(Search::parse("zed").unwrap());
        assert!(
            dir.users(&Actor::Support, ACCOUNT, &nobody)
                .unwrap()
                .items
                .is_empty()
        );
        let paged = all(
            &dir,
            &UserQuery::new()
                .email(Search::parse("bob").unwrap())
                .size(size(1)),
        );
        let rows: Vec<UserRow> = paged.into_iter().flat_map(|p| p.items).collect();
        assert_eq!(emails(&rows).len(), 3, "a search pages too");
    }
    on_every_store!(check);
}

#[test]
fn users_tab_pages_neither_repeat_nor_skip_rows_that_stayed() {
    fn check<S: Store>(store: S) {
        let dir = directory(store);
        tab(&dir, &["b1", "b2", "b3", "b4", "b5", "b6"]);
        let query = UserQuery::new().size(size(3));
        let first = dir.users(&Actor::Support, ACCOUNT, &query).unwrap();
        assert_eq!(
            emails(&first.items),
            ["alice@example.com", "b1@example.com", "b2@example.com"]
        );
        // Between the pages: a user before the cursor and one after arrive.
        let alice = user(&dir, "alice@example.com");
        dir.add_user(&alice, ACCOUNT, &form("aaron@example.com"))
            .unwrap();
        dir.add_user(&alice, ACCOUNT, &form("b35@example.com"))
            .unwrap();
        let second = dir
            .users(
                &Actor::Support,
                ACCOUNT,
                &query.clone().after(first.next.unwrap()),
            )
            .unwrap();
        // Identities sort as bytes: "b35@…" before "b3@…" ('5' < '@').
        assert_eq!(
            emails(&second.items),
            ["b35@example.com", "b3@example.com", "b4@example.com"]
        );
    }
    on_every_store!(check);
}

#[test]
fn users_tab_cursors_belong_to_their_list() {
    fn check<S: Store>(store: S) {
        let dir = directory(store);
        tab(&dir, &["b1", "b2", "b3"]);
        let query = UserQuery::new().size(size(1));
        let cursor = dir
            .users(&Actor::Support, ACCOUNT, &query)
            .unwrap()
            .next
            .unwrap();
        for (account, query) in [
            (OTHER_ACCOUNT, query.clone().after(cursor.clone())),
            (
                ACCOUNT,
                query
                    .clone()
                    .email(Search::parse("b").unwrap())
                    .after(cursor.clone()),
            ),
            (ACCOUNT, query.clone().size(size(2)).after(cursor.clone())),
        ] {
            let result = dir.users(&Actor::Support, account, &query);
            // Another page size is the same list; another account or search is not.
            if query.size.get() == 2 {
                assert!(result.is_ok());
            } else {
                assert!(matches!(result, Err(Error::InvalidCursor)), "{result:?}");
            }
        }
    }
    on_every_store!(check);
}

#[test]
fn users_tab_is_for_support_and_the_accounts_administrators() {
    fn check<S: Store>(store: S) {
        let dir = directory(store);
        tab(&dir, &["bob"]);
        let query = UserQuery::new();
        assert!(
            dir.users(&user(&dir, "alice@example.com"), ACCOUNT, &query)
                .is_ok()
        );
        for actor in [
            user(&dir, "olga@example.com"),
            user(&dir, "bob@example.com"),
        ] {
            for result in [
                dir.users(&actor, ACCOUNT, &query).map(drop),
                dir.user_count(&actor, ACCOUNT).map(drop),
            ] {
                assert!(
                    matches!(
                        result,
                        Err(Error::Forbidden(Forbidden::NotAccountAdministrator { .. }))
                    ),
                    "{result:?}"
                );
            }
        }
    }
    on_every_store!(check);
}

#[test]
fn the_users_footer_reads_well_in_each_language() {
    for (count, en, fr, de) in [
        (
            1,
            "Showing 1 user.",
            "1 utilisateur affiché.",
            "Es wird 1 Benutzer angezeigt.",
        ),
        (
            3,
            "Showing 3 users.",
            "3 utilisateurs affichés.",
            "Es werden 3 Benutzer angezeigt.",
        ),
    ] {
        let footer = ShowingUsers { count };
        assert_eq!(Localizer::english().render(&footer), en);
        assert_eq!(Localizer::new(&["fr"]).render(&footer), fr);
        assert_eq!(Localizer::new(&["de"]).render(&footer), de);
    }
}
