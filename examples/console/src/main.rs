//! `cres-console`: the guide's web console on `127.0.0.1:8080`.
//!
//! ```text
//! cargo run -p cres-console -- [--listen ADDR] [--store PATH | --store postgresql://…]
//!     [--support-password-file FILE] [--demo] [--secure-cookies]
//! ```
//!
//! It prints `Listening on http://ADDR` and `Customer Support password: …`
//! (random at each start unless read from a file), and with `--demo`
//! `alice@example.com password: …`. See README.md.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use cres_admin::{
    AccountNumber, Actor, AddUserForm, AsyncDirectory, Directory, Error, GroupId, Localizer,
    MemoryStore, Password, PasswordHashing, Store,
};
use cres_console::{Options, app, random_password};
use zeroize::Zeroizing;

const USAGE: &str = "usage: cres-console [--listen ADDR] [--store PATH | --store postgresql://…] \
                     [--support-password-file FILE] [--demo] [--secure-cookies]";

/// The command line.
struct Args {
    listen: String,
    store: Option<String>,
    support_password_file: Option<String>,
    demo: bool,
    secure_cookies: bool,
    /// Hidden, for tests only: argon2's cheapest parameters, so that the
    /// console's tests sign in in milliseconds. Hashes made so are easy to
    /// crack: never for real use.
    insecure_fast_hashing: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: "127.0.0.1:8080".to_owned(),
        store: None,
        support_password_file: None,
        demo: false,
        secure_cookies: false,
        insecure_fast_hashing: false,
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = |name: &str| given.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--listen" => args.listen = value("--listen")?,
            "--store" => args.store = Some(value("--store")?),
            "--support-password-file" => {
                args.support_password_file = Some(value("--support-password-file")?);
            }
            "--demo" => args.demo = true,
            "--secure-cookies" => args.secure_cookies = true,
            "--insecure-fast-hashing" => args.insecure_fast_hashing = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    // Stores are opened before the runtime starts: PostgresStore drives
    // its own client runtime, which may not start inside another.
    match args.store.as_deref() {
        None => serve(Directory::new(MemoryStore::new()), &args),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            match cres_admin::PostgresStore::connect(url) {
                Ok(store) => serve(Directory::new(store), &args),
                Err(error) => opening_failed(&error),
            }
        }
        Some(path) => match cres_admin::SqliteStore::open(path) {
            Ok(store) => serve(Directory::new(store), &args),
            Err(error) => opening_failed(&error),
        },
    }
}

fn opening_failed(error: &cres_admin::OpenError) -> ExitCode {
    eprintln!("{}", Localizer::english().render(error));
    if let Some(cause) = std::error::Error::source(error) {
        eprintln!("  ({cause})");
    }
    ExitCode::FAILURE
}

/// Customer Support's password: from the file, trimmed, or random.
fn support_password(args: &Args) -> Result<Zeroizing<String>, String> {
    match &args.support_password_file {
        None => Ok(Zeroizing::new(random_password())),
        Some(path) => {
            let text = Zeroizing::new(
                std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?,
            );
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return Err(format!("{path} holds no password"));
            }
            Ok(Zeroizing::new(trimmed.to_owned()))
        }
    }
}

fn serve<S: Store + Send + Sync + 'static>(directory: Directory<S>, args: &Args) -> ExitCode {
    let directory = if args.insecure_fast_hashing {
        directory.with_password_hashing(PasswordHashing::insecure_fast())
    } else {
        directory
    };
    let directory = AsyncDirectory::new(directory);
    let support = match support_password(args) {
        Ok(password) => password,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&args.listen).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("cannot listen on {}: {error}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        let address = match listener.local_addr() {
            Ok(address) => address,
            Err(error) => {
                eprintln!("no local address: {error}");
                return ExitCode::FAILURE;
            }
        };
        let alice = if args.demo {
            match seed_demo(&directory).await {
                Ok(alice) => Some(alice),
                Err(error) => {
                    eprintln!("{}", Localizer::english().render(&error));
                    return ExitCode::FAILURE;
                }
            }
        } else {
            None
        };
        let router = app(
            directory,
            &support,
            Options::default().secure_cookies(args.secure_cookies),
        );
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "Listening on http://{address}");
            let _ = writeln!(out, "Customer Support password: {}", support.as_str());
            if let Some(alice) = &alice {
                let _ = writeln!(out, "alice@example.com password: {}", alice.as_str());
            }
            let _ = out.flush();
        }
        drop(support);
        drop(alice);
        match axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("the server stopped: {error}");
                ExitCode::FAILURE
            }
        }
    })
}

/// The guide's account 12345 "Example Corp" with alice@example.com as its
/// administrator, added by Customer Support with a random (not temporary)
/// password, which it returns. On a store that already has them, alice's
/// password is not changed, and the line says so.
async fn seed_demo<S: Store + Send + Sync + 'static>(
    directory: &AsyncDirectory<S>,
) -> Result<Zeroizing<String>, Error> {
    let account = AccountNumber::new(12345);
    let support = Actor::Support;
    match directory
        .create_account(&support, account, "Example Corp")
        .await
    {
        Ok(_) | Err(Error::AccountExists { .. }) => {}
        Err(error) => return Err(error),
    }
    let mut password = Zeroizing::new(random_password());
    let mut tries = 0;
    loop {
        let form = AddUserForm::new(
            "alice@example.com",
            "Alice",
            "Martin",
            Password::new(password.as_str()),
        );
        match directory.add_user(&support, account, &form).await {
            Ok(_) => break,
            Err(Error::UserExists { .. }) => {
                password = Zeroizing::new("(unchanged: alice@example.com already exists)".into());
                break;
            }
            // A random password the policy refuses (astronomically rare): another.
            Err(Error::Invalid(_)) if tries < 5 => {
                tries += 1;
                password = Zeroizing::new(random_password());
            }
            Err(error) => return Err(error),
        }
    }
    directory
        .add_to_group(
            &support,
            GroupId::administrators(account),
            "alice@example.com",
        )
        .await?;
    Ok(password)
}
