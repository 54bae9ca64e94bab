//! The guide "Add Account Administrators to CRES", flow by flow.
//!
//! ```text
//! cargo run --example add_account_admin                 # English
//! cargo run --example add_account_admin -- --lang fr    # any BCP 47 tag or Accept-Language value
//! ```
//!
//! Every step prints what a person would see: the confirmation or the
//! refusal, in the chosen language. Refusals are part of the story; the
//! program fails only if the store does.

use std::process::ExitCode;

use cres_admin::{
    AccountNumber, Actor, Directory, Email, Error, GroupId, Label, Localize, Localizer,
    MemoryStore, NewUser, Password, Store,
};

const ACCOUNT: AccountNumber = AccountNumber::new(12345);
const OTHER_ACCOUNT: AccountNumber = AccountNumber::new(67890);

struct Options {
    lang: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options { lang: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lang" => options.lang = Some(args.next().ok_or("--lang needs a language tag")?),
            "-h" | "--help" => return Err("usage: add_account_admin [--lang TAG]".to_owned()),
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
    let directory = Directory::new(MemoryStore::new());
    match run(&directory, &Guide { localizer }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "{error} ({})",
                std::error::Error::source(&error).map_or_else(String::new, ToString::to_string)
            );
            ExitCode::FAILURE
        }
    }
}

/// Prints each step and its outcome in the reader's language.
struct Guide {
    localizer: Localizer,
}

impl Guide {
    fn step(&self, actor: &Actor, action: Label, detail: &str) {
        println!("\n{actor} › {}: {detail}", self.localizer.render(&action));
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
    let temporary = Password::new("Welcome-2026-Temp");
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

    // Bob is an administrator now: he adds a group of his own.
    let bob = Actor::User(Email::parse("bob@example.com")?);
    guide.step(&bob, Label::AddGroup, "Sales");
    guide.outcome(dir.create_group(&bob, ACCOUNT, "Sales"))?;
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

    // Flow 5: what is refused, and changes nothing.
    dir.create_account(&support, OTHER_ACCOUNT, "Other Corp")
        .ok();
    guide.step(&alice, Label::AddToGroup, "alice@example.com → 67890");
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
    guide.step(&support, Label::Accounts, "67890: -alice@example.com");
    guide.outcome(dir.remove_from_group(
        &support,
        GroupId::administrators(ACCOUNT),
        "alice@example.com",
    ))?;
    guide.step(&bob, Label::Users, "-bob@example.com");
    guide.outcome(dir.remove_from_group(&bob, admins, "bob@example.com"))?;
    Ok(())
}
