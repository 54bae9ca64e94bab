//! The guide "Add Account Administrators to CRES", flow by flow: Customer
//! Support makes the first administrator; adding a non-existent user fails;
//! fix A adds the user with a temporary password, changed at the first
//! sign-in; fix B sends a secure message through which the user registers;
//! and what is refused, down to the last active administrator, who can be
//! neither removed, disabled nor deleted (R10, R16).
//!
//! ```text
//! cargo run --example add_account_admin                 # English
//! cargo run --example add_account_admin -- --lang fr    # any BCP 47 tag or Accept-Language value
//! cargo run --features sqlite --example add_account_admin -- --store cres.db
//! cargo run --features postgres --example add_account_admin -- --store postgresql://…
//! ```
//!
//! With `--store`, the directory lives in a SQLite file or a PostgreSQL
//! database (in its schema `cres_admin`): run it twice and the second run
//! shows what the first one kept (the account exists, Bob is already an
//! administrator).
//!
//! Every step prints what a person would see: the confirmation or the
//! refusal, in the chosen language. Refusals are part of the story; the
//! program fails only if the store does.

use std::process::ExitCode;

use cres_admin::store::Reader;
use cres_admin::{
    AccountNumber, Actor, AddUserForm, Arg, AuditQuery, Directory, Email, Error, GroupId,
    GroupName, Label, Localize, Localizer, MemoryStore, Message, PageSize, Password,
    RegistrationForm, SecureMessageSent, ShowingUsers, SignIn, SignInSource, Store, UserQuery,
    UserStatus,
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
            "--store" => {
                options.store = Some(args.next().ok_or("--store needs a file path or a URL")?);
            }
            "-h" | "--help" => {
                return Err(
                    "usage: add_account_admin [--lang TAG] [--store FILE.db | --store postgresql://…]"
                        .to_owned(),
                );
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
        Some(store) => run_on_store(store, &guide),
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

/// The store `--store` names: a `postgresql://` (or `postgres://`) URL, or
/// the path of a SQLite file.
fn run_on_store(store: &str, guide: &Guide) -> Result<(), Error> {
    if store.starts_with("postgres://") || store.starts_with("postgresql://") {
        run_on_postgres(store, guide)
    } else {
        run_on_file(store, guide)
    }
}

/// The opened store, or the program ends saying why it could not be opened,
/// in the reader's language.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn opened<S: Store>(store: Result<S, cres_admin::OpenError>, guide: &Guide) -> S {
    store.unwrap_or_else(|error| {
        eprintln!("{}", guide.localizer.render(&error));
        if let Some(cause) = std::error::Error::source(&error) {
            eprintln!("  ({cause})");
        }
        std::process::exit(1);
    })
}

/// Without the store's feature: says how to run with it.
#[cfg(not(all(feature = "sqlite", feature = "postgres")))]
fn needs_feature(feature: &str, store: &str) -> ! {
    eprintln!(
        "--store {store} needs the {feature} feature: \
         cargo run --features {feature} --example add_account_admin -- --store {store}"
    );
    std::process::exit(2);
}

#[cfg(feature = "sqlite")]
fn run_on_file(path: &str, guide: &Guide) -> Result<(), Error> {
    run(
        &Directory::new(opened(cres_admin::SqliteStore::open(path), guide)),
        guide,
    )
}

#[cfg(not(feature = "sqlite"))]
fn run_on_file(path: &str, _guide: &Guide) -> Result<(), Error> {
    needs_feature("sqlite", path)
}

#[cfg(feature = "postgres")]
fn run_on_postgres(url: &str, guide: &Guide) -> Result<(), Error> {
    let store = opened(cres_admin::PostgresStore::connect(url), guide);
    run(&Directory::new(store), guide)
}

#[cfg(not(feature = "postgres"))]
fn run_on_postgres(url: &str, _guide: &Guide) -> Result<(), Error> {
    needs_feature("postgres", url)
}

/// Someone in the story: Customer Support, or a user by email.
///
/// The service signs a user in and keeps their *id* in the session (an
/// address can change hands, an id never does); here the id is looked up
/// by email when they act.
#[derive(Debug, Clone, Copy)]
enum Person {
    Support,
    User(&'static str),
}

impl Person {
    /// The actor the service would hand the directory; someone without a
    /// user could not have signed in.
    fn actor<S: Store>(self, dir: &Directory<S>) -> Result<Actor, Error> {
        match self {
            Person::Support => Ok(Actor::Support),
            Person::User(email) => {
                let id = dir.read_store()?.user_id(&Email::parse(email)?)?;
                id.map(Actor::User).ok_or(Error::SignInRefused)
            }
        }
    }
}

/// Customer Support in the reader's language; a user by email.
impl Localize for Person {
    fn message(&self) -> Message {
        match self {
            Person::Support => Label::CustomerSupport.message(),
            Person::User(email) => {
                Message::new("actor-user").arg("email", Arg::Text((*email).to_owned()))
            }
        }
    }
}

/// Prints each step and its outcome in the reader's language.
struct Guide {
    localizer: Localizer,
}

impl Guide {
    fn step(&self, who: Person, action: Label, detail: &str) {
        let (who, what) = (self.localizer.render(&who), self.localizer.render(&action));
        println!("\n{who} › {what} › {detail}");
    }

    /// A step `who` takes as the actor of `operation`: prints it and its outcome.
    fn act<S: Store, T: Localize>(
        &self,
        dir: &Directory<S>,
        who: Person,
        action: Label,
        detail: &str,
        operation: impl FnOnce(&Actor) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        self.step(who, action, detail);
        self.outcome(who.actor(dir).and_then(|actor| operation(&actor)))
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

fn temporary_user(email: &str, first: &str, last: &str) -> AddUserForm {
    AddUserForm::new(email, first, last, Password::new(TEMPORARY)).enforce_password_expiration(true)
}

fn run<S: Store>(dir: &Directory<S>, guide: &Guide) -> Result<(), Error> {
    let support = Person::Support;
    let alice = Person::User("alice@example.com");
    let bob = Person::User("bob@example.com");
    let carol = Person::User("carol@example.com");
    let dave = Person::User("dave@example.com");
    let admins = GroupId::administrators(ACCOUNT);

    // Flow 1: Customer Support creates the account and its first administrator.
    guide.act(
        dir,
        support,
        Label::Accounts,
        "12345 (Example Corp)",
        |me| dir.create_account(me, ACCOUNT, "Example Corp"),
    )?;
    guide.act(dir, support, Label::AddUser, "alice@example.com", |me| {
        let form = temporary_user("alice@example.com", "Alice", "Martin");
        dir.add_user(me, ACCOUNT, &form)
    })?;
    guide.act(dir, support, Label::AddToGroup, "alice@example.com", |me| {
        dir.add_to_group(me, admins, "alice@example.com")
    })?;

    // Flow 2: Alice tries to add Bob, who does not exist yet.
    guide.act(dir, alice, Label::AddToGroup, "bob@example.com", |me| {
        dir.add_to_group(me, admins, "bob@example.com")
    })?;

    // Flow 3 (fix A): Alice adds Bob as a user with a temporary password, then to the group.
    guide.act(dir, alice, Label::AddUser, "bob@example.com", |me| {
        dir.add_user(
            me,
            ACCOUNT,
            &temporary_user("bob@example.com", "Bob", "Lee"),
        )
    })?;
    guide.act(dir, alice, Label::AddToGroup, "bob@example.com", |me| {
        dir.add_to_group(me, admins, "bob@example.com")
    })?;

    // Bob's first sign-in: his temporary password only lets him set a permanent one (R7).
    // The service tells where each attempt comes from (here, Bob's browser),
    // so that someone guessing from elsewhere cannot lock him out (R15).
    let bobs_browser = SignInSource::new("198.51.100.23");
    let permanent = Password::new("a long and personal passphrase");
    guide.step(bob, Label::SignIn, "bob@example.com");
    if let Some(SignIn::PermanentPasswordRequired(ticket)) = guide.outcome(dir.authenticate(
        &bobs_browser,
        "bob@example.com",
        &Password::new(TEMPORARY),
    ))? {
        guide.step(bob, Label::ChangePassword, "********");
        guide.outcome(dir.set_permanent_password(&ticket, &permanent, &permanent))?;
    }
    guide.step(bob, Label::SignIn, "bob@example.com");
    guide.outcome(dir.authenticate(&bobs_browser, "bob@example.com", &permanent))?;

    // Bob is an administrator: he adds a group and an administrator himself.
    guide.act(dir, bob, Label::AddGroup, "Sales", |me| {
        dir.create_group(me, ACCOUNT, "Sales")
    })?;
    guide.act(dir, bob, Label::AddUser, "dave@example.com", |me| {
        dir.add_user(
            me,
            ACCOUNT,
            &temporary_user("dave@example.com", "Dave", "Kim"),
        )
    })?;
    guide.act(dir, bob, Label::AddToGroup, "dave@example.com", |me| {
        dir.add_to_group(me, admins, "dave@example.com")
    })?;
    let groups = dir.groups(&bob.actor(dir)?, ACCOUNT)?;
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
    let sent = guide.act(
        dir,
        alice,
        Label::SendSecureMessage,
        "carol@example.com",
        |me| dir.send_secure_message(me, ACCOUNT, "carol@example.com"),
    )?;
    guide.act(dir, alice, Label::AddToGroup, "carol@example.com", |me| {
        dir.add_to_group(me, admins, "carol@example.com")
    })?;
    if let Some(SecureMessageSent::RegistrationIssued { token, .. }) = sent {
        let form = RegistrationForm::new("Carol", "Jones", permanent.clone());
        guide.step(carol, Label::Register, "https://res.example/register#…");
        guide.outcome(dir.register(token.as_str(), &form))?;
        guide.step(
            carol,
            Label::Register,
            "https://res.example/register#… (again)",
        );
        guide.outcome(dir.register(token.as_str(), &form))?;
    }
    guide.act(dir, alice, Label::AddToGroup, "carol@example.com", |me| {
        dir.add_to_group(me, admins, "carol@example.com")
    })?;

    // Flow 5: what is refused, and changes nothing.
    dir.create_account(&Actor::Support, OTHER_ACCOUNT, "Other Corp")
        .ok();
    guide.act(
        dir,
        alice,
        Label::AddToGroup,
        "alice@example.com (67890)",
        |me| {
            dir.add_to_group(
                me,
                GroupId::administrators(OTHER_ACCOUNT),
                "alice@example.com",
            )
        },
    )?;
    guide.act(dir, alice, Label::AddUser, "not-an-email", |me| {
        dir.add_user(me, ACCOUNT, &temporary_user("not-an-email", "Eve", "Doe"))
    })?;
    guide.act(
        dir,
        support,
        Label::RemoveFromGroup,
        "alice@example.com",
        |me| dir.remove_from_group(me, admins, "alice@example.com"),
    )?;
    // Each administrator steps down until only Dave is left: he cannot (R10).
    for (admin, email) in [(bob, "bob@example.com"), (carol, "carol@example.com")] {
        guide.act(dir, admin, Label::RemoveFromGroup, email, |me| {
            dir.remove_from_group(me, admins, email)
        })?;
    }
    guide.act(
        dir,
        dave,
        Label::RemoveFromGroup,
        "dave@example.com",
        |me| dir.remove_from_group(me, admins, "dave@example.com"),
    )?;
    // Nor can the last active administrator be disabled or deleted (R16)…
    guide.act(dir, dave, Label::DisableUser, "dave@example.com", |me| {
        dir.disable_user(me, "dave@example.com")
    })?;
    guide.act(dir, support, Label::DeleteUser, "dave@example.com", |me| {
        dir.delete_user(me, "dave@example.com")
    })?;
    // …while Bob, no longer an administrator, can: disabled, he cannot sign
    // in until Dave enables him again.
    guide.act(dir, dave, Label::DisableUser, "bob@example.com", |me| {
        dir.disable_user(me, "bob@example.com")
    })?;
    guide.step(bob, Label::SignIn, "bob@example.com");
    guide.outcome(dir.authenticate(&bobs_browser, "bob@example.com", &permanent))?;
    guide.act(dir, dave, Label::EnableUser, "bob@example.com", |me| {
        dir.enable_user(me, "bob@example.com")
    })?;

    // The Users tab, as Dave sees it, and the account's trail a page at a time.
    let me = dave.actor(dir)?;
    guide.step(dave, Label::Users, "12345");
    let page = dir.users(&me, ACCOUNT, &UserQuery::new())?;
    // The administrator flag by the built-in group's name in the reader's
    // language; the other flags as signs every language reads.
    let admins_name = guide.localizer.render(&GroupName::AccountAdministrators);
    for row in &page.items {
        let flags = [
            (row.administrator, admins_name.as_str()),
            (row.temporary_password, "⏳"),
            (row.locked(), "🔒"),
            (row.status == UserStatus::Disabled, "⛔"),
        ];
        let flags: Vec<&str> = flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| *f)
            .collect();
        println!(
            "    {} {} <{}> {}",
            row.first_name,
            row.last_name,
            row.user.email,
            flags.join(" ")
        );
    }
    let count = dir.user_count(&me, ACCOUNT)?;
    println!("    {}", guide.localizer.render(&ShowingUsers { count }));
    let size = PageSize::new(5)?;
    let first = dir.audit_page(&me, ACCOUNT, &AuditQuery::new().size(size))?;
    // Sequence numbers, newest first: the second page starts after the first.
    let sequences = |page: &cres_admin::Page<cres_admin::AuditEntry>| {
        page.items.iter().map(|e| e.sequence).collect::<Vec<u64>>()
    };
    println!("    {:?} →", sequences(&first));
    if let Some(next) = first.next.clone() {
        let second = dir.audit_page(&me, ACCOUNT, &AuditQuery::new().size(size).after(next))?;
        println!("    {:?}", sequences(&second));
    }
    Ok(())
}
