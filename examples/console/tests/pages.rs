//! The console through its router (no browser, no listener): sign-in and
//! the temporary password, CSRF, the security headers, refusals across
//! accounts and for non-administrators, and the Groups page in three
//! languages.

mod common;

use axum::http::StatusCode;
use common::*;
use cres_admin::{Actor, AddUserForm, GroupId, Password};

#[tokio::test]
async fn support_signs_in_and_lands_on_the_accounts_list() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    b.get("/sign-in").await;
    let before = b.cookies.get("cres_session").cloned();
    let answer = b.sign_in_support().await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/accounts");
    assert_ne!(
        b.cookies.get("cres_session"),
        before.as_ref(),
        "the session id rotates"
    );
    let page = b.follow(&answer).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<table id=\"accounts\">"));
    assert!(
        page.body
            .contains("<a class=\"account-link\" href=\"/accounts/12345\">12345</a>")
    );
    assert!(page.body.contains("id=\"create-account\""));
}

#[tokio::test]
async fn a_wrong_support_password_is_refused() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    let answer = b
        .post("/sign-in/support", &[("password", "not the password")])
        .await;
    assert_eq!(answer.location(), "/sign-in");
    let page = b.follow(&answer).await;
    let (class, _) = page.message().expect("a message");
    assert_eq!(class, "error");
    assert_eq!(b.get("/accounts").await.location(), "/sign-in");
}

#[tokio::test]
async fn support_creates_an_account() {
    let (router, directory) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in_support().await;
    let answer = b
        .post("/accounts", &[("number", "24680"), ("name", "Third Corp")])
        .await;
    let page = b.follow(&answer).await;
    assert_eq!(
        page.message(),
        Some(("success".into(), "Account 24680 created.".into()))
    );
    let groups = directory
        .groups(&Actor::Support, cres_admin::AccountNumber::new(24680))
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
}

#[tokio::test]
async fn a_user_signs_in_and_lands_on_the_account_they_administer() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    b.get("/sign-in").await;
    let before = b.cookies.get("cres_session").cloned();
    let answer = b.sign_in(ALICE, ALICE_PASSWORD).await;
    assert_eq!(answer.location(), "/accounts/12345");
    assert_ne!(b.cookies.get("cres_session"), before.as_ref());
    let page = b.follow(&answer).await;
    assert!(
        page.body
            .contains("<dd id=\"account-name\">Example Corp</dd>")
    );
    assert!(page.body.contains("<nav id=\"tabs\""));
    // Her accounts list shows her account, and no create form.
    let accounts = b.get("/accounts").await;
    assert!(accounts.body.contains("href=\"/accounts/12345\""));
    assert!(!accounts.body.contains("href=\"/accounts/67890\""));
    assert!(!accounts.body.contains("id=\"create-account\""));
}

#[tokio::test]
async fn a_user_who_administers_nothing_is_told_so() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    let answer = b.sign_in(ERIN, ERIN_PASSWORD).await;
    assert_eq!(answer.location(), "/accounts");
    let page = b.follow(&answer).await;
    assert!(
        page.body
            .contains("<p id=\"no-accounts\">You do not administer any account.</p>")
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_generic_message() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    let answer = b.sign_in(ALICE, "wrong password!").await;
    assert_eq!(answer.location(), "/sign-in");
    let page = b.follow(&answer).await;
    assert_eq!(
        page.message(),
        Some((
            "error".into(),
            "The email address or password is incorrect, or this user cannot sign in right now."
                .into()
        ))
    );
}

#[tokio::test]
async fn a_temporary_password_leads_to_setting_a_permanent_one() {
    let (router, directory) = seeded().await;
    let form = AddUserForm::new(
        "bob@example.com",
        "Bob",
        "Builder",
        Password::new("Tmp-Kx7vQ2rW"),
    )
    .enforce_password_expiration(true);
    directory
        .add_user(&Actor::Support, ACCOUNT, &form)
        .await
        .unwrap();
    directory
        .add_to_group(
            &Actor::Support,
            GroupId::administrators(ACCOUNT),
            "bob@example.com",
        )
        .await
        .unwrap();

    let mut b = Browser::new(&router);
    let answer = b.sign_in("bob@example.com", "Tmp-Kx7vQ2rW").await;
    assert_eq!(answer.location(), "/password");
    // Not signed in yet: the account pages send to sign-in.
    assert_eq!(b.get("/accounts/12345").await.location(), "/sign-in");
    let page = b.get("/password").await;
    assert!(page.body.contains(
        "<p id=\"password-intro\">Your password is temporary. Set a permanent password to continue.</p>"
    ));
    // A mismatch is refused; the ticket stays.
    let answer = b
        .post(
            "/password",
            &[
                ("new_password", "Perm-9fJw4Lz-Qv"),
                ("confirm_password", "Perm-9fJw4Lx-Qv"),
            ],
        )
        .await;
    assert_eq!(answer.location(), "/password");
    let page = b.follow(&answer).await;
    assert_eq!(page.message().unwrap().0, "error");
    let answer = b
        .post(
            "/password",
            &[
                ("new_password", "Perm-9fJw4Lz-Qv"),
                ("confirm_password", "Perm-9fJw4Lz-Qv"),
            ],
        )
        .await;
    assert_eq!(answer.location(), "/accounts/12345");
    let page = b.follow(&answer).await;
    assert_eq!(
        page.message(),
        Some(("success".into(), "Your password has been changed.".into()))
    );
    // Signed in now; out, and the temporary password no longer works.
    assert_eq!(b.get("/accounts/12345/groups").await.status, StatusCode::OK);
    let out = b.post("/sign-out", &[]).await;
    assert_eq!(out.location(), "/sign-in");
    assert_eq!(b.get("/accounts/12345").await.location(), "/sign-in");
    let answer = b.sign_in("bob@example.com", "Tmp-Kx7vQ2rW").await;
    assert_eq!(answer.location(), "/sign-in");
    let answer = b.sign_in("bob@example.com", "Perm-9fJw4Lz-Qv").await;
    assert_eq!(answer.location(), "/accounts/12345");
}

#[tokio::test]
async fn not_signed_in_sends_to_sign_in_with_a_localized_message() {
    let (router, _) = seeded().await;
    for (lang, says) in [
        ("en", "Please sign in to continue."),
        ("fr", "Veuillez vous connecter pour continuer."),
        ("de", "Bitte melden Sie sich an, um fortzufahren."),
    ] {
        let mut b = Browser::new(&router);
        b.lang(lang);
        let answer = b.get("/accounts/12345/groups").await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert_eq!(answer.location(), "/sign-in");
        let page = b.follow(&answer).await;
        assert_eq!(page.message(), Some(("error".into(), says.into())));
        assert!(page.body.contains(&format!("<html lang=\"{lang}\">")));
    }
}

#[tokio::test]
async fn a_forged_or_missing_csrf_token_is_refused_and_changes_nothing() {
    let (router, directory) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in(ALICE, ALICE_PASSWORD).await;
    let admins = GroupId::administrators(ACCOUNT);
    for (lang, says) in [
        (
            "en",
            "This form could not be accepted: it has expired or did not come from this site.",
        ),
        ("fr", "Ce formulaire n'a pas pu être accepté"),
        ("de", "Dieses Formular konnte nicht angenommen werden"),
    ] {
        b.lang(lang);
        let forged = b
            .post_raw(
                "/accounts/12345/groups/1/add",
                &[("csrf_token", "forged"), ("user_id", ERIN)],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let (class, text) = forged.message().expect("a message");
        assert_eq!(class, "error");
        assert!(text.contains(says), "{text}");
        let missing = b
            .post_raw("/accounts/12345/groups/1/add", &[("user_id", ERIN)])
            .await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
    }
    // A token of another session is no better.
    let mut other = Browser::new(&router);
    other.get("/sign-in").await;
    let foreign = other.csrf.clone().unwrap();
    let answer = b
        .post_raw(
            "/accounts/12345/groups/1/add",
            &[("csrf_token", &foreign), ("user_id", ERIN)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let members = directory.members(&Actor::Support, admins).await.unwrap();
    assert_eq!(members.len(), 1, "only alice: {members:?}");
    // Signing out without a token does nothing either.
    let answer = b.post_raw("/sign-out", &[]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/accounts/12345").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    let mut answers = vec![
        b.get("/sign-in").await,
        b.get("/style.css").await,
        b.get("/no-such-page").await,
        b.get("/accounts").await,
        b.post_raw("/sign-in", &[]).await,
    ];
    answers.push(b.sign_in(ALICE, ALICE_PASSWORD).await);
    answers.push(b.get("/accounts/12345/groups").await);
    assert_eq!(answers[2].status, StatusCode::NOT_FOUND);
    for answer in &answers {
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            header("content-security-policy").as_deref(),
            Some(
                "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; \
                 form-action 'self'; base-uri 'none'"
            )
        );
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    }
    // The session cookie: HttpOnly, SameSite=Strict, no Secure by default.
    let cookie = answers
        .iter()
        .flat_map(|a| a.headers.get_all("set-cookie"))
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("cres_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    // No inline script or style on a page.
    let page = &answers[0].body;
    assert!(!page.contains("<script") && !page.contains("style="));
}

#[tokio::test]
async fn secure_cookies_when_asked() {
    let (_, directory) = seeded().await;
    let router = cres_console::app(
        directory,
        SUPPORT_PASSWORD,
        cres_console::Options::default().secure_cookies(true),
    );
    let mut b = Browser::new(&router);
    let page = b.get("/sign-in").await;
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

/// The refusal of an administrator of another account, in each language.
fn not_administrator(lang: &str) -> &'static str {
    match lang {
        "en" => "Only an Account Administrator of account 12345 can do this.",
        "fr" => "Seul un administrateur du compte 12345 peut effectuer cette opération.",
        _ => "Nur ein Kontoadministrator des Kontos 12345 kann diese Aktion ausführen.",
    }
}

#[tokio::test]
async fn an_administrator_of_another_account_is_refused_and_nothing_changes() {
    let (router, directory) = seeded().await;
    let mut b = Browser::new(&router);
    assert_eq!(
        b.sign_in(DAVE, DAVE_PASSWORD).await.location(),
        "/accounts/67890"
    );
    for lang in ["en", "fr", "de"] {
        b.lang(lang);
        // His own valid token, posted to account 12345's group.
        let answer = b
            .post("/accounts/12345/groups/1/add", &[("user_id", DAVE)])
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(
            answer.message(),
            Some(("error".into(), not_administrator(lang).into()))
        );
        // And the pages of 12345, by their URL.
        for path in [
            "/accounts/12345",
            "/accounts/12345/groups",
            "/accounts/12345/groups/1/add",
            "/accounts/12345/users",
            "/accounts/12345/audit",
        ] {
            let page = b.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(
                page.message(),
                Some(("error".into(), not_administrator(lang).into())),
                "{path}"
            );
        }
    }
    let members = directory
        .members(&Actor::Support, GroupId::administrators(ACCOUNT))
        .await
        .unwrap();
    assert_eq!(members.len(), 1, "only alice: {members:?}");
}

#[tokio::test]
async fn a_user_who_is_no_administrator_is_refused() {
    let (router, directory) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in(ERIN, ERIN_PASSWORD).await;
    for lang in ["en", "fr", "de"] {
        b.lang(lang);
        let answer = b
            .post("/accounts/12345/groups/1/add", &[("user_id", ERIN)])
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(
            answer.message(),
            Some(("error".into(), not_administrator(lang).into()))
        );
        let answer = b.post("/accounts/12345/groups", &[("name", "Mine")]).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
    }
    let groups = directory.groups(&Actor::Support, ACCOUNT).await.unwrap();
    assert_eq!(groups.len(), 1);
    let members = directory
        .members(&Actor::Support, GroupId::administrators(ACCOUNT))
        .await
        .unwrap();
    assert_eq!(members.len(), 1);
}

#[tokio::test]
async fn the_groups_page_speaks_each_language() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in(ALICE, ALICE_PASSWORD).await;
    let expected = [
        (
            "en",
            "Account Administrators",
            "Showing 1 group.",
            "Showing 2 groups.",
            [
                "Group Name",
                "Add Group",
                "Back to Accounts List",
                "Actions",
            ],
        ),
        (
            "fr",
            "Administrateurs de compte",
            "1 groupe affiché.",
            "2 groupes affichés.",
            [
                "Nom du groupe",
                "Ajouter un groupe",
                "Retour à la liste des comptes",
                "Actions",
            ],
        ),
        (
            "de",
            "Kontoadministratoren",
            "Es wird 1 Gruppe angezeigt.",
            "Es werden 2 Gruppen angezeigt.",
            [
                "Gruppenname",
                "Gruppe hinzufügen",
                "Zurück zur Kontenliste",
                "Aktionen",
            ],
        ),
    ];
    for (lang, admins, one, _, labels) in &expected {
        b.lang(lang);
        let page = b.get("/accounts/12345/groups").await;
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains(&format!("<html lang=\"{lang}\">")));
        assert!(
            text.contains(&format!("<td class=\"group-name\">{admins}</td>")),
            "{lang}"
        );
        assert!(
            text.contains(&format!("<p id=\"groups-footer\">{one}</p>")),
            "{lang}"
        );
        assert!(text.contains(
            "<td class=\"actions\"><a class=\"add-to-group\" href=\"/accounts/12345/groups/1/add\">"
        ));
        for label in labels {
            assert!(text.contains(label), "{lang}: {label}");
        }
    }
    b.lang("en");
    let answer = b.post("/accounts/12345/groups", &[("name", "Sales")]).await;
    let page = b.follow(&answer).await;
    assert_eq!(
        page.message(),
        Some(("success".into(), "Group Sales added.".into()))
    );
    for (lang, _, _, many, _) in &expected {
        b.lang(lang);
        let page = b.get("/accounts/12345/groups").await;
        assert!(
            page.text()
                .contains(&format!("<p id=\"groups-footer\">{many}</p>")),
            "{lang}"
        );
    }
}

#[tokio::test]
async fn accept_language_chooses_the_page_language_without_a_cookie() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    b.accept_language = Some("de-CH, de;q=0.9, en;q=0.5".into());
    let page = b.get("/sign-in").await;
    assert!(page.body.contains("<html lang=\"de\">"));
    assert!(page.body.contains("Anmelden"));
    // The switcher's cookie wins.
    let answer = b
        .post("/lang", &[("lang", "fr"), ("next", "/sign-in")])
        .await;
    assert_eq!(answer.location(), "/sign-in");
    assert_eq!(b.cookies.get("lang").map(String::as_str), Some("fr"));
    let page = b.follow(&answer).await;
    assert!(page.body.contains("<html lang=\"fr\">"));
    // An address off the site is not followed.
    let answer = b
        .post("/lang", &[("lang", "en"), ("next", "//evil.example/")])
        .await;
    assert_eq!(answer.location(), "/sign-in");
}

#[tokio::test]
async fn add_to_group_says_the_guides_texts() {
    let (router, directory) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in(ALICE, ALICE_PASSWORD).await;
    for (lang, says) in [
        ("en", "Can not add a non existent user."),
        ("fr", "Impossible d'ajouter un utilisateur inexistant."),
        (
            "de",
            "Es kann kein nicht vorhandener Benutzer hinzugefügt werden.",
        ),
    ] {
        b.lang(lang);
        let answer = b
            .post(
                "/accounts/12345/groups/1/add",
                &[("user_id", "bob@example.com")],
            )
            .await;
        assert_eq!(answer.location(), "/accounts/12345/groups/1/add");
        let page = b.follow(&answer).await;
        assert_eq!(page.message(), Some(("error".into(), says.into())));
        assert!(
            page.body
                .contains("<input type=\"email\" id=\"user-id\" name=\"user_id\"")
        );
    }
    b.lang("en");
    let answer = b
        .post("/accounts/12345/groups/1/add", &[("user_id", ERIN)])
        .await;
    let page = b.follow(&answer).await;
    assert_eq!(
        page.message(),
        Some((
            "success".into(),
            "erin@example.com added to Account Administrators.".into()
        ))
    );
    assert!(page.body.contains("<tr data-email=\"erin@example.com\">"));
    assert!(
        directory
            .is_account_admin(
                ACCOUNT,
                directory
                    .account_user(&Actor::Support, ACCOUNT, ERIN)
                    .await
                    .unwrap()
                    .row
                    .user
                    .id
            )
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn add_user_confirms_as_the_guide_says_and_the_users_tab_lists_them() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in(ALICE, ALICE_PASSWORD).await;
    let form = b.get("/accounts/12345/users/new").await;
    for id in [
        "username",
        "first-name",
        "last-name",
        "password",
        "confirm-password",
        "enforce-password-expiration",
    ] {
        assert!(form.body.contains(&format!("<label for=\"{id}\">")), "{id}");
    }
    let answer = b
        .post(
            "/accounts/12345/users/new",
            &[
                ("username", "bob@example.com"),
                ("first_name", "Bob"),
                ("last_name", "Builder"),
                ("password", "Tmp-Kx7vQ2rW"),
                ("confirm_password", "Tmp-Kx7vQ2rW"),
                ("enforce_password_expiration", "on"),
            ],
        )
        .await;
    assert_eq!(answer.location(), "/accounts/12345/users");
    let page = b.follow(&answer).await;
    assert_eq!(
        page.message(),
        Some(("success".into(), "User bob@example.com added.".into()))
    );
    assert!(page.body.contains("<tr data-email=\"bob@example.com\">"));
    assert!(
        page.body
            .contains("<p id=\"users-footer\">Showing 3 users.</p>")
    );
    // Passwords that do not match: the form again, without the passwords.
    let refused = b
        .post(
            "/accounts/12345/users/new",
            &[
                ("username", "carl@example.com"),
                ("first_name", "Carl"),
                ("last_name", "Example"),
                ("password", "Tmp-Kx7vQ2rW"),
                ("confirm_password", "Tmp-Kx7vQ2rX"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.message().unwrap().0, "error");
    assert!(refused.body.contains("value=\"carl@example.com\""));
    assert!(!refused.body.contains("Tmp-Kx7vQ2r"));
}

#[tokio::test]
async fn the_last_active_administrator_can_be_neither_disabled_nor_deleted() {
    let (router, directory) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in(ALICE, ALICE_PASSWORD).await;
    for action in ["disable", "delete"] {
        let answer = b
            .post(
                &format!("/accounts/12345/users/{action}"),
                &[("email", ALICE)],
            )
            .await;
        let page = b.follow(&answer).await;
        assert_eq!(
            page.message(),
            Some((
                "error".into(),
                "alice@example.com is the last active Account Administrator of account 12345 \
                 and can be neither disabled nor deleted."
                    .into()
            )),
            "{action}"
        );
    }
    // Erin, not an administrator, can be disabled and enabled again.
    let answer = b
        .post("/accounts/12345/users/disable", &[("email", ERIN)])
        .await;
    let page = b.follow(&answer).await;
    assert_eq!(page.message().unwrap().0, "success");
    assert!(page.body.contains("class=\"enable-user\""));
    let answer = b
        .post("/accounts/12345/users/enable", &[("email", ERIN)])
        .await;
    assert_eq!(b.follow(&answer).await.message().unwrap().0, "success");
    let row = directory
        .account_user(&Actor::Support, ACCOUNT, ALICE)
        .await
        .unwrap();
    assert_eq!(row.row.status, cres_admin::UserStatus::Active);
}

#[tokio::test]
async fn a_secure_message_carries_a_registration_link_that_makes_a_user() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in(ALICE, ALICE_PASSWORD).await;
    let sent = b
        .post(
            "/accounts/12345/secure-message",
            &[("email", "carol@example.com")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    assert_eq!(
        sent.message(),
        Some((
            "success".into(),
            "Secure message sent to carol@example.com. The recipient can register through its link."
                .into()
        ))
    );
    let at = sent.body.find("id=\"registration-link\" href=\"").unwrap();
    let rest = &sent.body[at + "id=\"registration-link\" href=\"".len()..];
    let link = rest[..rest.find('"').unwrap()].to_owned();
    assert!(link.starts_with("/register/"), "{link}");

    let mut carol = Browser::new(&router);
    let form = carol.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    let fields = [
        ("first_name", "Carol"),
        ("last_name", "Customer"),
        ("password", "Jn6-dYe2Vk-Ms8"),
        ("confirm_password", "Jn6-dYe2Vk-Ms8"),
    ];
    let answer = carol.post(&link, &fields).await;
    assert_eq!(answer.location(), "/sign-in");
    let page = carol.follow(&answer).await;
    assert_eq!(
        page.message(),
        Some((
            "success".into(),
            "Registration complete: carol@example.com can now sign in.".into()
        ))
    );
    // The link works once.
    let again = carol.post(&link, &fields).await;
    assert_eq!(again.message().unwrap().0, "error");
    // Alice adds her; the audit trail shows it.
    let answer = b
        .post(
            "/accounts/12345/groups/1/add",
            &[("user_id", "carol@example.com")],
        )
        .await;
    assert_eq!(b.follow(&answer).await.message().unwrap().0, "success");
    let audit = b.get("/accounts/12345/audit").await;
    assert!(audit.body.contains("<table id=\"audit\">"));
    assert!(audit.body.contains("User registered"));
    assert!(
        audit
            .body
            .contains("carol@example.com → Account Administrators")
    );
}

#[tokio::test]
async fn the_users_tab_searches_by_email_and_by_name() {
    let (router, _) = seeded().await;
    let mut b = Browser::new(&router);
    b.sign_in(ALICE, ALICE_PASSWORD).await;
    let shown = |page: &Answer| -> Vec<String> {
        page.body
            .match_indices("<tr data-email=\"")
            .map(|(at, found)| {
                let rest = &page.body[at + found.len()..];
                rest[..rest.find('"').unwrap()].to_owned()
            })
            .collect()
    };
    let all = b.get("/accounts/12345/users").await;
    assert_eq!(shown(&all), [ALICE, ERIN]);
    assert!(all.body.contains("id=\"user-search-email\""));
    // The start of an email, in any case; a part of a name.
    let by_email = b.get("/accounts/12345/users?email=ERI").await;
    assert_eq!(shown(&by_email), [ERIN]);
    assert!(by_email.body.contains("value=\"ERI\""));
    let by_name = b.get("/accounts/12345/users?name=admi").await;
    assert_eq!(shown(&by_name), [ALICE]);
    // Searches are literal text: `%` matches nothing here.
    let literal = b.get("/accounts/12345/users?name=%25").await;
    assert!(shown(&literal).is_empty());
    // A search the crate refuses is said, in the reader's language.
    b.lang("fr");
    let refused = b.get("/accounts/12345/users?name=a%07b").await;
    assert_eq!(refused.message().map(|m| m.0), Some("error".to_owned()));
    assert!(shown(&refused).is_empty());
}
