//! DESIGN.md's flows 1–5 walked in the console, in one language, on a
//! console of their own (`--demo`: account 12345 "Example Corp", alice its
//! administrator).
//!
//! The cast: Customer Support; alice (the demo's administrator of 12345);
//! bob (added by alice with a temporary password, flow 3); erin (added by
//! alice with a permanent one, so that bob can make her an administrator);
//! carol (registers through a secure message, flow 4); dave (an
//! administrator of account 67890 only, who tries to act on 12345).

use anyhow::{Context, Result, ensure};
use cres_console_browser::{Browser, Console, Lang, Setup, clip};
use serde_json::json;

/// The account that Customer Support creates in flow 1.
const NEW_ACCOUNT: &str = "67890";
const NEW_ACCOUNT_NAME: &str = "Second Corp";
/// The demo's account.
const DEMO_ACCOUNT: &str = "12345";

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";
const DAVE: &str = "dave@example.com";
const ERIN: &str = "erin@example.com";
/// Passwords that pass the console's policy (not common, personal,
/// repetitive or sequential).
const BOB_TEMPORARY: &str = "Tmp-Kx7vQ2rW";
const BOB_PERMANENT: &str = "Lantern-4821-Qv";
const ERIN_PASSWORD: &str = "Harbor#5173-Zx";
const CAROL_PASSWORD: &str = "Meadow!2958-Kp";
const DAVE_PASSWORD: &str = "Falcon-6042-Wd";

/// Every flow, in `lang`, on a console of its own.
pub async fn all(setup: Setup, lang: Lang) -> Result<()> {
    std::fs::create_dir_all(&setup.screenshots)?;
    let log = setup
        .screenshots
        .join(format!("console-{}.log", lang.code()));
    let console = Console::start(&setup.console, &log)?;
    let mut b = Browser::open(&setup, &console.url, lang).await?;
    let started = std::time::Instant::now();
    let walked = walk(&mut b, &console, lang).await;
    eprintln!(
        "flows in {}: {} pages checked with axe-core in {:.1} s",
        lang.code(),
        b.pages_checked,
        started.elapsed().as_secs_f64()
    );
    let clean = b.assert_clean();
    let page = b.path().await.unwrap_or_default();
    let _ = b.close().await;
    match walked {
        Err(e) => Err(e.context(format!(
            "in {} on {page}{}; the console's log ends:\n{}",
            lang.code(),
            match clean {
                Err(a) => format!(" (and before that: {a})"),
                Ok(()) => String::new(),
            },
            console.log_tail()
        ))),
        Ok(()) => clean,
    }
}

async fn walk(b: &mut Browser, console: &Console, lang: Lang) -> Result<()> {
    choose_language(b, lang)
        .await
        .context("choosing the language")?;
    flow1_support_creates_account(b, console, lang)
        .await
        .context("flow 1")?;
    last_active_administrator(b, console, lang)
        .await
        .context("flow 5, the last active administrator")?;
    flow2_non_existent_user(b, console, lang)
        .await
        .context("flow 2")?;
    bad_email(b, lang).await.context("flow 5, a bad email")?;
    flow3_add_user(b, console, lang).await.context("flow 3")?;
    flow4_secure_message(b, console, lang)
        .await
        .context("flow 4")?;
    cross_account(b, console, lang)
        .await
        .context("flow 5, across accounts")?;
    forged_csrf(b, console, lang)
        .await
        .context("flow 5, a forged CSRF token")?;
    audit_trail(b).await.context("the audit trail")?;
    Ok(())
}

/// The guide's and DESIGN.md's texts, in `lang`.
fn admins(lang: Lang) -> &'static str {
    lang.pick(
        "Account Administrators",
        "Administrateurs de compte",
        "Kontoadministratoren",
    )
}

fn user_added(lang: Lang, email: &str) -> String {
    match lang {
        Lang::En => format!("User {email} added."),
        Lang::Fr => format!("Utilisateur {email} ajouté."),
        Lang::De => format!("Benutzer {email} hinzugefügt."),
    }
}

fn member_added(lang: Lang, email: &str) -> String {
    let group = admins(lang);
    match lang {
        Lang::En => format!("{email} added to {group}."),
        Lang::Fr => format!("Utilisateur {email} ajouté au groupe « {group} »."),
        Lang::De => format!("Benutzer {email} zur Gruppe „{group}“ hinzugefügt."),
    }
}

fn non_existent(lang: Lang) -> &'static str {
    lang.pick(
        "Can not add a non existent user.",
        "Impossible d'ajouter un utilisateur inexistant.",
        "Es kann kein nicht vorhandener Benutzer hinzugefügt werden.",
    )
}

fn groups_footer(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::En, 1) => "Showing 1 group.".to_owned(),
        (Lang::En, n) => format!("Showing {n} groups."),
        (Lang::Fr, 1) => "1 groupe affiché.".to_owned(),
        (Lang::Fr, n) => format!("{n} groupes affichés."),
        (Lang::De, 1) => "Es wird 1 Gruppe angezeigt.".to_owned(),
        (Lang::De, n) => format!("Es werden {n} Gruppen angezeigt."),
    }
}

/// Switches the console to `lang` with its language switcher, on the
/// sign-in page, and checks that the page says it is in that language.
async fn choose_language(b: &mut Browser, lang: Lang) -> Result<()> {
    b.goto("/sign-in").await?;
    let switch = format!("form.language button[value='{}']", lang.code());
    if b.exists(&switch).await? {
        b.click_and_load(&switch).await?;
    } else {
        // No switcher button of that shape: the `lang` cookie does the same.
        b.set_lang_cookie(lang).await?;
        b.goto("/sign-in").await?;
    }
    let html_lang = b
        .client()
        .execute("return document.documentElement.lang", vec![])
        .await?;
    let html_lang = html_lang.as_str().unwrap_or("");
    ensure!(
        html_lang.starts_with(lang.code()),
        "the sign-in page is in {html_lang:?}, not {}",
        lang.code()
    );
    Ok(())
}

async fn sign_in(b: &mut Browser, email: &str, password: &str) -> Result<()> {
    b.goto("/sign-in").await?;
    b.fill("#email", email).await?;
    b.fill("#password", password).await?;
    b.click_and_load("button#sign-in-submit").await
}

async fn sign_in_support(b: &mut Browser, console: &Console) -> Result<()> {
    b.goto("/sign-in").await?;
    b.fill("#support-password", &console.support_password)
        .await?;
    b.click_and_load("button#support-sign-in-submit").await?;
    b.find("table#accounts").await?;
    Ok(())
}

async fn sign_out(b: &mut Browser) -> Result<()> {
    b.click_and_load("button#sign-out").await?;
    ensure!(
        b.exists("form#sign-in").await?,
        "signing out did not lead to the sign-in page (on {})",
        b.path().await?
    );
    Ok(())
}

/// Accounts → the link for `account` → the Groups tab, as the guide's
/// steps 2 and 3 say; checks the Groups page.
async fn open_groups(b: &mut Browser, lang: Lang, account: &str) -> Result<()> {
    b.goto("/accounts").await?;
    // The guide's steps 2 and 3: the link for the account number, then the
    // Groups tab. Where one is missing, the check fails at the end and the
    // flow goes on by the page's address.
    match b
        .find_by_text("table#accounts a.account-link", account)
        .await
    {
        Ok(link) => {
            b.click_element_and_load(&link, &format!("the link of account {account}"))
                .await?;
            if let Some((class, text)) = b.message().await? {
                if class.contains("error") {
                    b.defer(format!("the account's Details page refuses: {text:?}"))
                        .await;
                }
            }
            let groups = lang.pick("Groups", "Groupes", "Gruppen");
            match b.find_by_text("nav#tabs a", groups).await {
                Ok(tab) => b.click_element_and_load(&tab, "the Groups tab").await?,
                Err(e) => {
                    let page = clip(&b.body_text().await.unwrap_or_default(), 600);
                    b.defer(format!("{e}; the page says:\n{page}")).await;
                    b.goto(&format!("/accounts/{account}/groups")).await?;
                }
            }
        }
        Err(e) => {
            let page = clip(&b.body_text().await.unwrap_or_default(), 600);
            b.defer(format!("{e}; the page says:\n{page}")).await;
            b.goto(&format!("/accounts/{account}/groups")).await?;
        }
    }
    ensure!(
        b.path().await? == format!("/accounts/{account}/groups"),
        "the Groups tab led to {}",
        b.path().await?
    );
    Ok(())
}

/// The guide's step 4: the row of Account Administrators, its first action.
async fn open_add_to_group(b: &mut Browser, lang: Lang) -> Result<()> {
    let mut row_action = None;
    let mut names = Vec::new();
    for row in b.find_all("table#groups tr").await? {
        let Ok(name) = row.find(fantoccini::Locator::Css("td.group-name")).await else {
            continue;
        };
        let name = name.text().await?.trim().to_owned();
        if name == admins(lang) {
            let actions = row
                .find_all(fantoccini::Locator::Css("td.actions a"))
                .await?;
            let first = actions.into_iter().next().context("no action in the row")?;
            let class = first.attr("class").await?.unwrap_or_default();
            ensure!(
                class.split_whitespace().any(|c| c == "add-to-group"),
                "the first action of {} is not a.add-to-group (class {class:?})",
                admins(lang)
            );
            row_action = Some(first);
        }
        names.push(name);
    }
    let action = row_action
        .with_context(|| format!("no row {:?} in table#groups: {names:?}", admins(lang)))?;
    b.click_element_and_load(&action, "the first action of Account Administrators")
        .await?;
    ensure!(
        b.label_of("user-id").await? == lang.pick("User Id", "ID utilisateur", "Benutzer-ID"),
        "the User Id field's label is {:?}",
        b.label_of("user-id").await?
    );
    let submit = b.text("button#add-to-group-submit").await?;
    ensure!(
        submit == lang.pick("Add to Group", "Ajouter au groupe", "Zu Gruppe hinzufügen"),
        "the Add to Group button reads {submit:?}"
    );
    Ok(())
}

/// Groups → Account Administrators → first action → User Id → Add to Group.
async fn add_to_admins(b: &mut Browser, lang: Lang, account: &str, email: &str) -> Result<()> {
    open_groups(b, lang, account).await?;
    open_add_to_group(b, lang).await?;
    b.fill("#user-id", email).await?;
    b.click_and_load("button#add-to-group-submit").await
}

/// Checks the Groups page of an account as the guide shows it.
async fn check_groups_page(b: &Browser, lang: Lang, groups: usize) -> Result<()> {
    let names: Vec<String> = {
        let mut v = Vec::new();
        for cell in b.find_all("table#groups td.group-name").await? {
            v.push(cell.text().await?.trim().to_owned());
        }
        v
    };
    ensure!(
        names.iter().any(|n| n == admins(lang)),
        "table#groups lacks {:?}: {names:?}",
        admins(lang)
    );
    let footer = b.text("p#groups-footer").await?;
    ensure!(
        footer.contains(&groups_footer(lang, groups)),
        "p#groups-footer reads {footer:?}, not {:?}",
        groups_footer(lang, groups)
    );
    let label = b.label_of("group-name").await?;
    ensure!(
        label == lang.pick("Group Name", "Nom du groupe", "Gruppenname"),
        "the Group Name field's label is {label:?}"
    );
    let add = b.text("button#add-group-submit").await?;
    ensure!(
        add == lang.pick("Add Group", "Ajouter un groupe", "Gruppe hinzufügen"),
        "the Add Group button reads {add:?}"
    );
    b.find("a#back-to-accounts").await?;
    let mut tabs = Vec::new();
    for a in b.find_all("nav#tabs a").await? {
        tabs.push(a.text().await?.trim().to_owned());
    }
    for tab in [
        lang.pick("Groups", "Groupes", "Gruppen"),
        lang.pick("Users", "Utilisateurs", "Benutzer"),
    ] {
        ensure!(
            tabs.iter().any(|t| t == tab),
            "nav#tabs lacks {tab:?}: {tabs:?}"
        );
    }
    Ok(())
}

/// Flow 1: Customer Support creates an account and makes alice its first
/// administrator through Groups → Account Administrators → Add to Group.
async fn flow1_support_creates_account(
    b: &mut Browser,
    console: &Console,
    lang: Lang,
) -> Result<()> {
    sign_in_support(b, console).await?;
    let accounts = b.text("h1").await.unwrap_or_default();
    ensure!(
        accounts.contains(lang.pick("Accounts", "Comptes", "Konten")),
        "the accounts page's heading is {accounts:?}"
    );
    b.fill("form#create-account #account-number", NEW_ACCOUNT)
        .await?;
    b.fill("form#create-account #account-name", NEW_ACCOUNT_NAME)
        .await?;
    b.click_and_load("button#create-account-submit").await?;
    b.expect_message(
        "success",
        &match lang {
            Lang::En => format!("Account {NEW_ACCOUNT} created."),
            Lang::Fr => format!("Compte {NEW_ACCOUNT} créé."),
            Lang::De => format!("Konto {NEW_ACCOUNT} erstellt."),
        },
    )
    .await?;
    open_groups(b, lang, NEW_ACCOUNT).await?;
    check_groups_page(b, lang, 1).await?;
    open_add_to_group(b, lang).await?;
    b.fill("#user-id", ALICE).await?;
    b.click_and_load("button#add-to-group-submit").await?;
    b.expect_message("success", &member_added(lang, ALICE))
        .await?;
    sign_out(b).await
}

/// Flow 5: alice is the only (active) administrator of the new account:
/// disabling or deleting her is refused, and she can still sign in.
async fn last_active_administrator(b: &mut Browser, console: &Console, lang: Lang) -> Result<()> {
    sign_in(b, ALICE, &console.alice_password).await?;
    let refusal = lang.pick(
        "last active Account Administrator",
        "dernier administrateur actif",
        "letzte aktive Kontoadministrator",
    );
    for button in ["disable-user", "delete-user"] {
        b.goto(&format!("/accounts/{NEW_ACCOUNT}/users")).await?;
        let css = format!("table#users tr[data-email='{ALICE}'] .{button}");
        b.click_and_load(&css).await?;
        let error = b
            .expect_error()
            .await
            .with_context(|| format!("clicking .{button}"))?;
        ensure!(
            error.contains(refusal) && error.contains(ALICE),
            ".{button} on the last administrator: {error:?} does not say {refusal:?}"
        );
    }
    // Remove from Group, on the Add to Group page's member list.
    open_groups(b, lang, NEW_ACCOUNT).await?;
    open_add_to_group(b, lang).await?;
    b.click_and_load(&format!(
        "table#members tr[data-email='{ALICE}'] button.remove-member"
    ))
    .await?;
    let error = b
        .expect_error()
        .await
        .context("removing alice from the group")?;
    let last = lang.pick(
        "is the last",
        "est le dernier administrateur",
        "ist der letzte",
    );
    ensure!(
        error.contains(last) && error.contains(ALICE),
        "removing the last administrator: {error:?} does not say {last:?}"
    );
    open_groups(b, lang, NEW_ACCOUNT).await?;
    open_add_to_group(b, lang).await?;
    ensure!(
        b.exists(&format!("table#members tr[data-email='{ALICE}']"))
            .await?,
        "alice left the group after the refusal"
    );
    // Nothing changed: alice is still there and not disabled.
    b.goto(&format!("/accounts/{NEW_ACCOUNT}/users")).await?;
    let row = format!("table#users tr[data-email='{ALICE}']");
    b.find(&row).await?;
    ensure!(
        b.exists(&format!("{row} .disable-user")).await?,
        "alice is no longer enabled after the refusals"
    );
    Ok(())
}

/// Flow 2: alice tries to add bob, who does not exist.
async fn flow2_non_existent_user(b: &mut Browser, _console: &Console, lang: Lang) -> Result<()> {
    open_groups(b, lang, DEMO_ACCOUNT).await?;
    check_groups_page(b, lang, 1).await?;
    let shot = b.screenshot(&format!("groups-{}.png", lang.code())).await?;
    eprintln!("screenshot: {}", shot.display());
    open_add_to_group(b, lang).await?;
    b.fill("#user-id", BOB).await?;
    b.click_and_load("button#add-to-group-submit").await?;
    b.expect_message("error", non_existent(lang)).await
}

/// Flow 5: a User Id that is no email address is refused by the server
/// (the browser's own check is turned off first).
async fn bad_email(b: &mut Browser, lang: Lang) -> Result<()> {
    open_groups(b, lang, DEMO_ACCOUNT).await?;
    open_add_to_group(b, lang).await?;
    b.client()
        .execute(
            "document.querySelectorAll('form').forEach(f => f.noValidate = true);",
            vec![],
        )
        .await?;
    b.fill("#user-id", "bob.example.com").await?;
    b.click_and_load("button#add-to-group-submit").await?;
    let error = b.expect_error().await?;
    let says = lang.pick(
        "must contain exactly one @",
        "doit contenir exactement un signe @",
        "muss genau ein @-Zeichen enthalten",
    );
    ensure!(
        error.contains(says),
        "the bad email's error {error:?} does not say {says:?}"
    );
    Ok(())
}

/// Users → Add User, with the labels DESIGN.md gives.
async fn add_user(
    b: &mut Browser,
    lang: Lang,
    account: &str,
    email: &str,
    names: (&str, &str),
    password: &str,
    temporary: bool,
) -> Result<()> {
    b.goto(&format!("/accounts/{account}")).await?;
    let users_tab = b
        .find_by_text("nav#tabs a", lang.pick("Users", "Utilisateurs", "Benutzer"))
        .await?;
    b.click_element_and_load(&users_tab, "the Users tab")
        .await?;
    b.find("table#users").await?;
    let add = b.text("a#add-user").await?;
    ensure!(
        add == lang.pick("Add User", "Ajouter un utilisateur", "Benutzer hinzufügen"),
        "a#add-user reads {add:?}"
    );
    b.click_and_load("a#add-user").await?;
    for (id, en, fr, de) in [
        ("username", "Username", "Nom d'utilisateur", "Benutzername"),
        ("first-name", "First Name", "Prénom", "Vorname"),
        ("last-name", "Last Name", "Nom", "Nachname"),
        ("password", "Password", "Mot de passe", "Kennwort"),
        (
            "confirm-password",
            "Confirm Password",
            "Confirmer le mot de passe",
            "Kennwort bestätigen",
        ),
        (
            "enforce-password-expiration",
            "Enforce Password Expiration",
            "Appliquer l'expiration du mot de passe",
            "Kennwortablauf erzwingen",
        ),
    ] {
        let label = b.label_of(id).await?;
        ensure!(label == lang.pick(en, fr, de), "#{id}'s label is {label:?}");
    }
    let save = b.text("button#save").await?;
    ensure!(
        save == lang.pick("Save", "Enregistrer", "Speichern"),
        "button#save reads {save:?}"
    );
    b.fill("#username", email).await?;
    b.fill("#first-name", names.0).await?;
    b.fill("#last-name", names.1).await?;
    b.fill("#password", password).await?;
    b.fill("#confirm-password", password).await?;
    if temporary {
        b.check("#enforce-password-expiration").await?;
    }
    b.click_and_load("button#save").await?;
    b.expect_message("success", &user_added(lang, email)).await
}

/// Flow 3: alice adds bob with a temporary password and makes him an
/// administrator; bob's first sign-in asks for a permanent password; once
/// set, bob makes erin an administrator himself.
async fn flow3_add_user(b: &mut Browser, _console: &Console, lang: Lang) -> Result<()> {
    add_user(
        b,
        lang,
        DEMO_ACCOUNT,
        BOB,
        ("Bob", "Builder"),
        BOB_TEMPORARY,
        true,
    )
    .await?;
    add_user(
        b,
        lang,
        DEMO_ACCOUNT,
        ERIN,
        ("Erin", "Example"),
        ERIN_PASSWORD,
        false,
    )
    .await?;
    add_to_admins(b, lang, DEMO_ACCOUNT, BOB).await?;
    b.expect_message("success", &member_added(lang, BOB))
        .await?;
    sign_out(b).await?;

    sign_in(b, BOB, BOB_TEMPORARY).await?;
    ensure!(
        b.path().await? == "/password",
        "bob's first sign-in led to {}, not /password",
        b.path().await?
    );
    let page = b.body_text().await?;
    let asks = lang.pick(
        "Your password is temporary. Set a permanent password to continue.",
        "Votre mot de passe est temporaire. Définissez un mot de passe permanent pour continuer.",
        "Ihr Kennwort ist temporär. Legen Sie ein dauerhaftes Kennwort fest, um fortzufahren.",
    );
    ensure!(
        page.contains(asks),
        "the password page does not say {asks:?}:\n{}",
        clip(&page, 800)
    );
    b.fill("#new-password", BOB_PERMANENT).await?;
    b.fill("#confirm-password", BOB_PERMANENT).await?;
    b.click_and_load("button#set-password-submit").await?;
    b.expect_message(
        "success",
        lang.pick(
            "Your password has been changed.",
            "Votre mot de passe a été modifié.",
            "Ihr Kennwort wurde geändert.",
        ),
    )
    .await?;
    add_to_admins(b, lang, DEMO_ACCOUNT, ERIN).await?;
    b.expect_message("success", &member_added(lang, ERIN))
        .await?;
    sign_out(b).await?;

    // The temporary password no longer works.
    sign_in(b, BOB, BOB_TEMPORARY).await?;
    b.expect_error().await?;
    ensure!(
        b.exists("form#sign-in").await?,
        "the old temporary password let bob in"
    );
    Ok(())
}

/// Flow 4: alice sends carol a secure message; carol registers through its
/// link; alice makes her an administrator.
async fn flow4_secure_message(b: &mut Browser, console: &Console, lang: Lang) -> Result<()> {
    sign_in(b, ALICE, &console.alice_password).await?;
    b.goto(&format!("/accounts/{DEMO_ACCOUNT}/secure-message"))
        .await?;
    b.fill("#recipient", CAROL).await?;
    b.click_and_load("button#send-secure-message-submit")
        .await?;
    b.expect_message(
        "success",
        &match lang {
            Lang::En => format!(
                "Secure message sent to {CAROL}. The recipient can register through its link."
            ),
            Lang::Fr => format!(
                "Message sécurisé envoyé à {CAROL}. Le destinataire peut s'inscrire grâce au lien qu'il contient."
            ),
            Lang::De => format!(
                "Sichere Nachricht an {CAROL} gesendet. Der Empfänger kann sich über den darin enthaltenen Link registrieren."
            ),
        },
    )
    .await?;
    let link = b
        .find("a#registration-link")
        .await?
        .attr("href")
        .await?
        .context("a#registration-link has no href")?;
    // Carol is not alice: the link is followed signed out.
    sign_out(b).await?;
    b.goto(&link).await?;
    ensure!(
        b.path().await?.starts_with("/register/"),
        "the registration link leads to {}",
        b.path().await?
    );
    b.fill("#first-name", "Carol").await?;
    b.fill("#last-name", "Customer").await?;
    b.fill("#password", CAROL_PASSWORD).await?;
    b.fill("#confirm-password", CAROL_PASSWORD).await?;
    b.click_and_load("button#register-submit").await?;
    b.expect_message(
        "success",
        &match lang {
            Lang::En => format!("Registration complete: {CAROL} can now sign in."),
            Lang::Fr => format!("Inscription terminée : {CAROL} peut désormais se connecter."),
            Lang::De => format!("Registrierung abgeschlossen: {CAROL} kann sich jetzt anmelden."),
        },
    )
    .await?;

    sign_in(b, ALICE, &console.alice_password).await?;
    add_to_admins(b, lang, DEMO_ACCOUNT, CAROL).await?;
    b.expect_message("success", &member_added(lang, CAROL))
        .await?;
    sign_out(b).await?;
    // Carol signs in with the password she chose.
    sign_in(b, CAROL, CAROL_PASSWORD).await?;
    ensure!(
        !b.exists("form#sign-in").await?,
        "carol cannot sign in after registering"
    );
    sign_out(b).await
}

/// The action of the Add to Group form on the page now open.
async fn add_to_group_action(b: &Browser) -> Result<String> {
    let action = b
        .client()
        .execute(
            "const f = document.getElementById('user-id').form; return f ? f.action : null;",
            vec![],
        )
        .await?;
    action
        .as_str()
        .map(str::to_owned)
        .context("the User Id field is in no form")
}

/// Whether `email` is among the users of `account` (its Users tab).
async fn is_user_of(b: &mut Browser, account: &str, email: &str) -> Result<bool> {
    b.goto(&format!("/accounts/{account}/users")).await?;
    b.find("table#users").await?;
    b.exists(&format!("table#users tr[data-email='{email}']"))
        .await
}

/// Flow 5: dave, an administrator of the new account only, tries to add
/// himself to account 12345's administrators, by its URL and by posting his
/// own form (a valid CSRF token) to 12345's address: refused, localized, and
/// nothing changes.
async fn cross_account(b: &mut Browser, console: &Console, lang: Lang) -> Result<()> {
    sign_in(b, ALICE, &console.alice_password).await?;
    open_groups(b, lang, DEMO_ACCOUNT).await?;
    open_add_to_group(b, lang).await?;
    let demo_add_url = b.client().current_url().await?.to_string();
    let demo_action = add_to_group_action(b).await?;
    add_user(
        b,
        lang,
        NEW_ACCOUNT,
        DAVE,
        ("Dave", "Other"),
        DAVE_PASSWORD,
        false,
    )
    .await?;
    add_to_admins(b, lang, NEW_ACCOUNT, DAVE).await?;
    b.expect_message("success", &member_added(lang, DAVE))
        .await?;
    sign_out(b).await?;

    sign_in(b, DAVE, DAVE_PASSWORD).await?;
    let refusal = match lang {
        Lang::En => format!("Only an Account Administrator of account {DEMO_ACCOUNT} can do this."),
        Lang::Fr => {
            format!(
                "Seul un administrateur du compte {DEMO_ACCOUNT} peut effectuer cette opération."
            )
        }
        Lang::De => {
            format!(
                "Nur ein Kontoadministrator des Kontos {DEMO_ACCOUNT} kann diese Aktion ausführen."
            )
        }
    };
    // 12345's Add to Group page, by its URL.
    b.goto(&demo_add_url).await?;
    if b.exists("#user-id").await? {
        b.fill("#user-id", DAVE).await?;
        b.click_and_load("button#add-to-group-submit").await?;
    }
    let body = b.body_text().await?;
    ensure!(
        body.contains(&refusal),
        "dave on {demo_add_url}: the page does not say {refusal:?}:\n{}",
        clip(&body, 1000)
    );
    // His own form, with his valid CSRF token, posted to 12345's address.
    open_groups(b, lang, NEW_ACCOUNT).await?;
    open_add_to_group(b, lang).await?;
    b.fill("#user-id", DAVE).await?;
    b.run_and_load(
        "const f = document.getElementById('user-id').form;
         f.action = arguments[0];
         f.requestSubmit(document.getElementById('add-to-group-submit'));",
        vec![json!(demo_action)],
        "posting dave's Add to Group form to account 12345",
    )
    .await?;
    ensure!(
        b.status().await? == 403,
        "dave's post to 12345 answered {}",
        b.status().await?
    );
    let body = b.body_text().await?;
    ensure!(
        body.contains(&refusal),
        "dave posting to {demo_action}: the page does not say {refusal:?}:\n{}",
        clip(&body, 1000)
    );
    sign_out(b).await?;

    // Nothing changed: dave is no user of 12345.
    sign_in(b, ALICE, &console.alice_password).await?;
    ensure!(
        !is_user_of(b, DEMO_ACCOUNT, DAVE).await?,
        "dave became a user of account {DEMO_ACCOUNT}"
    );
    Ok(())
}

/// Flow 5: alice's Add to Group form with its CSRF token changed is refused
/// with 403 and a localized message, and nothing changes. (alice is signed
/// in.)
async fn forged_csrf(b: &mut Browser, _console: &Console, lang: Lang) -> Result<()> {
    open_groups(b, lang, DEMO_ACCOUNT).await?;
    open_add_to_group(b, lang).await?;
    b.fill("#user-id", DAVE).await?;
    b.run_and_load(
        "const f = document.getElementById('user-id').form;
         f.querySelector('input[name=csrf_token]').value = 'forged-' + Date.now();
         f.requestSubmit(document.getElementById('add-to-group-submit'));",
        vec![],
        "posting Add to Group with a forged CSRF token",
    )
    .await?;
    ensure!(
        b.status().await? == 403,
        "a forged CSRF token answered {}",
        b.status().await?
    );
    let error = b.expect_error().await?;
    let says = lang.pick(
        "This form could not be accepted",
        "Ce formulaire n'a pas pu être accepté",
        "Dieses Formular konnte nicht angenommen werden",
    );
    ensure!(
        error.contains(says),
        "the forged CSRF token's error {error:?} does not say {says:?}"
    );
    ensure!(
        !is_user_of(b, DEMO_ACCOUNT, DAVE).await?,
        "the forged request added dave to account {DEMO_ACCOUNT}"
    );
    Ok(())
}

/// The audit trail of 12345 lists what the flows did.
async fn audit_trail(b: &mut Browser) -> Result<()> {
    b.goto(&format!("/accounts/{DEMO_ACCOUNT}/audit")).await?;
    let rows = b.find_all("table#audit tbody tr").await?;
    ensure!(rows.len() >= 4, "table#audit has only {} rows", rows.len());
    let text = b.text("table#audit").await?;
    for who in [BOB, CAROL, ERIN] {
        ensure!(text.contains(who), "the audit trail does not mention {who}");
    }
    Ok(())
}
