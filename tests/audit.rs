//! The audit trail a page at a time (R11): cursor paging, a user's history,
//! and who may read it, on every store.

mod common;

use common::*;
use cres_admin::{
    AccountNumber, Action, Actor, AuditEntry, AuditQuery, Cursor, Directory, Error, Forbidden,
    Localizer, MemoryStore, Page, PageSize, Store,
};

/// Runs `$check` (a generic fn taking a fresh `Directory`) on every store.
macro_rules! on_every_store {
    ($check:ident) => {{
        $check(directory(MemoryStore::new()));
        #[cfg(feature = "sqlite")]
        {
            let folder = scratch();
            let store = cres_admin::SqliteStore::open(folder.path().join("audit.db")).unwrap();
            $check(directory(store));
        }
    }};
}

/// Account 12345 with alice, then `users` more users added by her.
fn busy<S: Store>(dir: &Directory<S>, users: usize) {
    bootstrap(dir);
    let alice = user(dir, "alice@example.com");
    for i in 0..users {
        dir.add_user(&alice, ACCOUNT, &form(&format!("user{i}@example.com")))
            .unwrap();
    }
}

fn size(rows: u32) -> PageSize {
    PageSize::new(rows).unwrap()
}

/// Every page of `query`, following the cursors.
fn all_pages<S: Store>(dir: &Directory<S>, query: AuditQuery) -> Vec<Page<AuditEntry>> {
    let mut pages = vec![dir.audit_page(&Actor::Support, ACCOUNT, &query).unwrap()];
    while let Some(next) = pages.last().unwrap().next.clone() {
        let page = dir
            .audit_page(&Actor::Support, ACCOUNT, &query.clone().after(next))
            .unwrap();
        pages.push(page);
    }
    pages
}

#[test]
fn r11_pages_of_the_trail_cover_it_once_newest_first() {
    fn check<S: Store>(dir: Directory<S>) {
        busy(&dir, 11);
        let whole = dir
            .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
            .unwrap();
        assert_eq!(
            whole.len(),
            14,
            "created, alice added and made admin, 11 users"
        );
        let pages = all_pages(&dir, AuditQuery::new().size(size(4)));
        let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
        assert_eq!(sizes, [4, 4, 4, 2]);
        let paged: Vec<AuditEntry> = pages.into_iter().flat_map(|p| p.items).collect();
        assert_eq!(paged, whole);
    }
    on_every_store!(check);
}

#[test]
fn r11_changes_made_between_pages_neither_repeat_nor_skip_a_row() {
    fn check<S: Store>(dir: Directory<S>) {
        busy(&dir, 6);
        let before = dir
            .audit_trail(&Actor::Support, ACCOUNT, usize::MAX)
            .unwrap();
        let query = AuditQuery::new().size(size(3));
        let first = dir.audit_page(&Actor::Support, ACCOUNT, &query).unwrap();
        // Three more changes land before the second page is read.
        let alice = user(&dir, "alice@example.com");
        for i in 0..3 {
            dir.create_group(&alice, ACCOUNT, &format!("Team {i}"))
                .unwrap();
        }
        let mut seen = first.items.clone();
        let mut next = first.next;
        while let Some(cursor) = next {
            let page = dir
                .audit_page(&Actor::Support, ACCOUNT, &query.clone().after(cursor))
                .unwrap();
            seen.extend(page.items);
            next = page.next;
        }
        assert_eq!(seen, before, "the trail as it was when paging started");
    }
    on_every_store!(check);
}

#[test]
fn r11_a_users_history_is_paged_by_their_id() {
    fn check<S: Store>(dir: Directory<S>) {
        busy(&dir, 3);
        let alice = user(&dir, "alice@example.com");
        dir.add_to_group(&alice, ADMINS, "user1@example.com")
            .unwrap();
        let user1 = id(&dir, "user1@example.com").unwrap();
        let pages = all_pages(&dir, AuditQuery::new().about(user1).size(size(1)));
        let actions: Vec<Action> = pages
            .into_iter()
            .flat_map(|p| p.items)
            .map(|e| e.record.action)
            .collect();
        assert_eq!(actions.len(), 2, "{actions:?}");
        assert!(matches!(&actions[0], Action::MemberAdded { user, .. } if user.id == user1));
        assert!(matches!(&actions[1], Action::UserAdded { user, .. } if user.id == user1));
        let nobody =
            AuditQuery::new().about("6b3e1f0a-5c2d-4e8f-9a1b-2c3d4e5f6a7b".parse().unwrap());
        let page = dir.audit_page(&Actor::Support, ACCOUNT, &nobody).unwrap();
        assert!(page.items.is_empty() && page.next.is_none());
    }
    on_every_store!(check);
}

#[test]
fn r11_a_cursor_works_only_for_the_list_that_gave_it() {
    fn check<S: Store>(dir: Directory<S>) {
        busy(&dir, 4);
        other_account_administered_by_olga(&dir);
        let query = AuditQuery::new().size(size(2));
        let cursor = dir
            .audit_page(&Actor::Support, ACCOUNT, &query)
            .unwrap()
            .next
            .unwrap();
        let olga = id(&dir, "olga@example.com").unwrap();
        for (account, query) in [
            (OTHER_ACCOUNT, query.clone().after(cursor.clone())),
            (ACCOUNT, query.clone().about(olga).after(cursor.clone())),
        ] {
            let error = dir
                .audit_page(&Actor::Support, account, &query)
                .unwrap_err();
            assert!(matches!(error, Error::InvalidCursor), "{error:?}");
        }
        let text = cursor.as_str();
        let altered = format!(
            "{}{}",
            &text[..text.len() - 1],
            if text.ends_with('A') { 'B' } else { 'A' }
        );
        assert!(matches!(Cursor::parse(&altered), Err(Error::InvalidCursor)));
        let error = Cursor::parse("not a cursor").unwrap_err();
        assert_eq!(
            Localizer::new(&["fr"]).render(&error),
            "Ce lien de page n'est plus valide. Recommencez à partir de la première page."
        );
    }
    on_every_store!(check);
}

#[test]
fn r11_only_support_and_the_accounts_administrators_read_its_trail() {
    fn check<S: Store>(dir: Directory<S>) {
        busy(&dir, 1);
        other_account_administered_by_olga(&dir);
        let query = AuditQuery::new();
        assert!(
            dir.audit_page(&user(&dir, "alice@example.com"), ACCOUNT, &query)
                .is_ok()
        );
        for actor in [
            user(&dir, "olga@example.com"),
            user(&dir, "user0@example.com"),
        ] {
            let error = dir.audit_page(&actor, ACCOUNT, &query).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Forbidden(Forbidden::NotAccountAdministrator { .. })
                ),
                "{error:?}"
            );
        }
        let missing = AccountNumber::new(99);
        assert!(matches!(
            dir.audit_page(&Actor::Support, missing, &query),
            Err(Error::AccountNotFound { .. })
        ));
    }
    on_every_store!(check);
}
