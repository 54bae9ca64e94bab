//! The guide "Add Account Administrators to CRES", flow by flow: Customer
//! Support makes the first administrator; adding a non-existent user fails;
//! fix A adds the user with a temporary password, changed at the first
//! sign-in; fix B sends a secure message through which the user registers;
//! and what is refused.
//!
//! ```text
//! cargo run --example add_account_admin                 # English
//! cargo run --example add_account_admin -- --lang fr    # any BCP 47 tag or Accept-Language value
//! cargo run --features sqlite --example add_account_admin -- --store cres.db
//! ```
//!
//! With `--store`, the directory lives in a SQLite file: run it twice and the
//! second run shows what the first one kept (the account exists, Bob is
//! already an administrator).
//!
//! Every step prints what a person would see: the confirmation or the
//! refusal, in the chosen language. Refusals are part of the story; the
//! program fails only if the store does.

use std::process::ExitCode;

use cres_admin::{
    AccountNumber, Actor, Directory, Email, Error, GroupId, Label, Localize, Localizer,
    MemoryStore, NewUser, Password, RegistrationForm, SecureMessageSent, SignIn, SignInSource,
    Store,
};

const ACCOUNT: AccountNumber = AccountNumber::new(12345);
const OTHER_ACCOUNT: AccountNumber = AccountNumber::new(67890);
/// The temporary password administrators hand out in this story.
const TEMPORARY: &str = "Welcome-2026-Temp";

struct Options {
    lang: Option<String>,
    store: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        lang: None,
        store: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lang" => options.lang = Some(args.next().ok_or("--lang needs a language tag")?),
            "--store" => options.store = Some(args.next().ok_or("--store needs a file path")?),
            "-h" | "--help" => {
                return Err("usage: add_account_admin [--lang TAG] [--store FILE.db]".to_owned());
            }
            other => return Err(format!("unknown argument {other:?}; try --help")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let localizer = match &options.lang {
        Some(lang) => Localizer::from_accept_language(lang),
        None => Localizer::english(),
    };
    let guide = Guide { localizer };
    let result = match &options.store {
        None => run(&Directory::new(MemoryStore::new()), &guide),
        Some(path) => run_on_file(path, &guide),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}", guide.localizer.render(&error));
            if let Some(cause) = std::error::Error::source(&error) {
                eprintln!("  ({cause})");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "sqlite")]
fn run_on_file(path: &str, guide: &Guide) -> Result<(), Error> {
    // Opening fails with its own error (not a database, a newer schema…),
    // which is shown like any other.
    let store = match cres_admin::SqliteStore::open(path) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("{}", guide.localizer.render(&error));
            if let Some(cause) = std::error::Error::source(&error) {
                eprintln!("  ({cause})");
            }
            std::process::exit(1);
        }
    };
    run(&Directory::new(store), guide)
}

#[cfg(not(feature = "sqlite"))]
fn run_on_file(_path: &str, _guide: &Guide) -> Result<(), Error> {
    eprintln!(
        "--store needs the sqlite feature: \
         cargo run --features sqlite --example add_account_admin -- --store FILE.db"
    );
    std::process::exit(2);
}

/// Prints each step and its outcome in the reader's language.
struct Guide {
    localizer: Localizer,
}

impl Guide {
    fn step(&self, actor: &Actor, action: Label, detail: &str) {
        let (who, what) = (self.localizer.render(actor), self.localizer.render(&action));
        println!("\n{who} › {what} › {detail}");
    }

    /// Prints the outcome; only a failure of the store stops the program.
    fn outcome<T: Localize>(&self, result: Result<T, Error>) -> Result<Option<T>, Error> {
        match result {
            Ok(done) => {
                println!("  ✔ {}", self.localizer.render(&done));
                Ok(Some(done))
            }
            Err(error) if error.is_store_failure() => Err(error),
            Err(refused) => {
                println!("  ✘ {}", self.localizer.render(&refused));
                Ok(None)
            }
        }
    }
}

fn temporary_user(email: &str, first: &str, last: &str) -> NewUser {
    let temporary = Password::new(TEMPORARY);
    NewUser {
        username: email.to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        password: temporary.clone(),
        confirm_password: temporary,
        enforce_password_expiration: true,
    }
}

fn run<S: Store>(dir: &Directory<S>, guide: &Guide) -> Result<(), Error> {
    let support = Actor::Support;
    let alice = Actor::User(Email::parse("alice@example.com")?);
    let admins = GroupId::administrators(ACCOUNT);

    // Flow 1: Customer Support creates the account and its first administrator.
    guide.step(&support, Label::Accounts, "12345 (Example Corp)");
    guide.outcome(dir.create_account(&support, ACCOUNT, "Example Corp"))?;
    guide.step(&support, Label::AddUser, "alice@example.com");
    guide.outcome(dir.add_user(
        &support,
        ACCOUNT,
        &temporary_user("alice@example.com", "Alice", "Martin"),
    ))?;
    guide.step(&support, Label::AddToGroup, "alice@example.com");
    guide.outcome(dir.add_to_group(&support, admins, "alice@example.com"))?;

    // Flow 2: Alice tries to add Bob, who does not exist yet.
    guide.step(&alice, Label::AddToGroup, "bob@example.com");
    guide.outcome(dir.add_to_group(&alice, admins, "bob@example.com"))?;

    // Flow 3 (fix A): Alice adds Bob as a user with a temporary password, then to the group.
    guide.step(&alice, Label::AddUser, "bob@example.com");
    guide.outcome(dir.add_user(
        &alice,
        ACCOUNT,
        &temporary_user("bob@example.com", "Bob", "Lee"),
    ))?;
    guide.step(&alice, Label::AddToGroup, "bob@example.com");
    guide.outcome(dir.add_to_group(&alice, admins, "bob@example.com"))?;

    // Bob's first sign-in: his temporary password only lets him set a permanent one (R7).
    // The service tells where each attempt comes from (here, Bob's browser),
    // so that someone guessing from elsewhere cannot lock him out (R15).
    let bob = Actor::User(Email::parse("bob@example.com")?);
    let bobs_browser = SignInSource::new("198.51.100.23");
    let permanent = Password::new("a long and personal passphrase");
    guide.step(&bob, Label::SignIn, "bob@example.com");
    if let Some(SignIn::PermanentPasswordRequired(ticket)) = guide.outcome(dir.authenticate(
        &bobs_browser,
        "bob@example.com",
        &Password::new(TEMPORARY),
    ))? {
        guide.step(&bob, Label::ChangePassword, "********");
        guide.outcome(dir.set_permanent_password(&ticket, &permanent, &permanent))?;
    }
    guide.step(&bob, Label::SignIn, "bob@example.com");
    guide.outcome(dir.authenticate(&bobs_browser, "bob@example.com", &permanent))?;

    // Bob is an administrator: he adds a group and an administrator himself.
    guide.step(&bob, Label::AddGroup, "Sales");
    guide.outcome(dir.create_group(&bob, ACCOUNT, "Sales"))?;
    guide.step(&bob, Label::AddUser, "dave@example.com");
    guide.outcome(dir.add_user(
        &bob,
        ACCOUNT,
        &temporary_user("dave@example.com", "Dave", "Kim"),
    ))?;
    guide.step(&bob, Label::AddToGroup, "dave@example.com");
    guide.outcome(dir.add_to_group(&bob, admins, "dave@example.com"))?;
    let groups = dir.groups(&bob, ACCOUNT)?;
    for summary in &groups {
        let name = guide.localizer.render(&summary.group.name);
        println!("    {name} ({})", summary.members);
    }
    println!(
        "    {}",
        guide.localizer.render(&cres_admin::ShowingGroups {
            count: groups.len()
        })
    );

    // Flow 4 (fix B): a secure message to Carol, who registers through its link.
    let carol = Actor::User(Email::parse("carol@example.com")?);
    guide.step(&alice, Label::SendSecureMessage, "carol@example.com");
    let sent = guide.outcome(dir.send_secure_message(&alice, ACCOUNT, "carol@example.com"))?;
    guide.step(&alice, Label::AddToGroup, "carol@example.com");
    guide.outcome(dir.add_to_group(&alice, admins, "carol@example.com"))?;
    if let Some(SecureMessageSent::RegistrationIssued { token, .. }) = sent {
        let form = RegistrationForm {
            first_name: "Carol".into(),
            last_name: "Jones".into(),
            password: permanent.clone(),
            confirm_password: permanent.clone(),
        };
        guide.step(&carol, Label::Register, "https://res.example/register#…");
        guide.outcome(dir.register(token.as_str(), &form))?;
        guide.step(
            &carol,
            Label::Register,
            "https://res.example/register#… (again)",
        );
        guide.outcome(dir.register(token.as_str(), &form))?;
    }
    guide.step(&alice, Label::AddToGroup, "carol@example.com");
    guide.outcome(dir.add_to_group(&alice, admins, "carol@example.com"))?;

    // Flow 5: what is refused, and changes nothing.
    dir.create_account(&support, OTHER_ACCOUNT, "Other Corp")
        .ok();
    guide.step(&alice, Label::AddToGroup, "alice@example.com (67890)");
    guide.outcome(dir.add_to_group(
        &alice,
        GroupId::administrators(OTHER_ACCOUNT),
        "alice@example.com",
    ))?;
    guide.step(&alice, Label::AddUser, "not-an-email");
    guide.outcome(dir.add_user(
        &alice,
        ACCOUNT,
        &temporary_user("not-an-email", "Eve", "Doe"),
    ))?;
    guide.step(&support, Label::RemoveFromGroup, "alice@example.com");
    guide.outcome(dir.remove_from_group(
        &support,
        GroupId::administrators(ACCOUNT),
        "alice@example.com",
    ))?;
    // Each administrator steps down until only Dave is left: he cannot (R10).
    for admin in [&bob, &carol] {
        guide.step(admin, Label::RemoveFromGroup, &admin.to_string());
        guide.outcome(dir.remove_from_group(admin, admins, &admin.to_string()))?;
    }
    let dave = Actor::User(Email::parse("dave@example.com")?);
    guide.step(&dave, Label::RemoveFromGroup, "dave@example.com");
    guide.outcome(dir.remove_from_group(&dave, admins, "dave@example.com"))?;
    Ok(())
}
