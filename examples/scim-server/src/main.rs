//! `cres-scim-server`: SCIM 2.0 provisioning for account 12345 over HTTP,
//! on `127.0.0.1:8787`, for trying an identity provider and for running
//! SCIM conformance suites (`scripts/scim-suites`).
//!
//! ```text
//! cargo run -p cres-scim-server -- [--listen ADDR] [--store PATH | --store postgresql://…]
//!     [--public-url URL] [--fast-hashing]
//! ```
//!
//! It prints exactly `SCIM base URL: …/scim/v2/12345` and `Bearer token: …`
//! on stdout, then flushes it; everything else goes to stderr. See
//! README.md.

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs as _};
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse as _, Response};
use axum::routing::any;
use cres_admin::scim::schema::MAX_BODY_BYTES;
use cres_admin::scim::{Scim, ScimRequest, ScimResponse};
use cres_admin::{
    AccountNumber, Actor, Directory, Error, Localizer, MemoryStore, PasswordHashing,
    ProvisioningToken, Store,
};

const USAGE: &str = "usage: cres-scim-server [--listen ADDR] [--store PATH | --store postgresql://…] \
                     [--public-url URL] [--fast-hashing]";

/// The account the server provisions.
const ACCOUNT: u64 = 12345;
/// Its name, when the server creates it.
const ACCOUNT_NAME: &str = "Example";
/// The description of the tokens the server issues: at each start, the
/// tokens an earlier start issued with it are revoked.
const TOKEN_DESCRIPTION: &str = "SCIM example server";
/// The path every SCIM request is under.
const BASE_PATH: &str = "/scim/v2";
/// The largest body the server reads: a little above the crate's own cap,
/// so that the crate answers a body just over it with its SCIM error (413).
const BODY_LIMIT: usize = MAX_BODY_BYTES + 64 * 1024;

/// The command line.
struct Args {
    listen: String,
    store: Option<String>,
    public_url: Option<String>,
    fast_hashing: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: "127.0.0.1:8787".to_owned(),
        store: None,
        public_url: None,
        fast_hashing: false,
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = |name: &str| given.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--listen" => args.listen = value("--listen")?,
            "--store" => args.store = Some(value("--store")?),
            "--public-url" => args.public_url = Some(value("--public-url")?),
            "--fast-hashing" => args.fast_hashing = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if let Some(url) = &args.public_url {
        let url = url.trim_end_matches('/');
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        if !scheme_ok || !url.ends_with(BASE_PATH) {
            return Err(format!(
                "--public-url must be an http(s) URL ending in {BASE_PATH}, as \
                 https://scim.example.net{BASE_PATH}\n{USAGE}"
            ));
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
    // Listen first, so that a busy port fails before the store is touched.
    let listener = match bind_loopback(&args.listen) {
        Ok(listener) => listener,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::from(2);
        }
    };
    // Stores are opened, and the account set up, before the runtime
    // starts: PostgresStore drives its own client runtime, which may not
    // start inside another.
    match args.store.as_deref() {
        None => serve(Directory::new(MemoryStore::new()), &args, listener),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            match cres_admin::PostgresStore::connect(url) {
                Ok(store) => serve(Directory::new(store), &args, listener),
                Err(error) => opening_failed(&error),
            }
        }
        Some(path) => match cres_admin::SqliteStore::open(path) {
            Ok(store) => serve(Directory::new(store), &args, listener),
            Err(error) => opening_failed(&error),
        },
    }
}

/// Binds `listen`, which must resolve to loopback addresses only: the
/// server speaks plain HTTP and its bearer token is a secret.
fn bind_loopback(listen: &str) -> Result<TcpListener, String> {
    let addresses: Vec<SocketAddr> = listen
        .to_socket_addrs()
        .map_err(|error| format!("--listen {listen}: {error}"))?
        .collect();
    if addresses.is_empty() {
        return Err(format!("--listen {listen}: no address"));
    }
    if let Some(public) = addresses.iter().find(|address| !address.ip().is_loopback()) {
        return Err(format!(
            "--listen {listen}: {public} is not a loopback address; this example serves plain \
             HTTP on loopback only (put a TLS reverse proxy or tunnel in front of it, and give \
             --public-url)"
        ));
    }
    let listener = TcpListener::bind(&addresses[..])
        .map_err(|error| format!("cannot listen on {listen}: {error}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|error| format!("cannot listen on {listen}: {error}"))?;
    Ok(listener)
}

fn opening_failed(error: &cres_admin::OpenError) -> ExitCode {
    eprintln!("{}", Localizer::english().render(error));
    if let Some(cause) = std::error::Error::source(error) {
        eprintln!("  ({cause})");
    }
    ExitCode::FAILURE
}

/// Creates account 12345 unless the store has it, revokes the tokens an
/// earlier start issued, and issues a new one, which it returns.
fn set_up<S: Store>(directory: &Directory<S>) -> Result<ProvisioningToken, Error> {
    let account = AccountNumber::new(ACCOUNT);
    match directory.create_account(&Actor::Support, account, ACCOUNT_NAME) {
        Ok(_) => {}
        Err(Error::AccountExists { .. }) => {
            eprintln!("account {ACCOUNT} already exists: provisioning it");
        }
        Err(error) => return Err(error),
    }
    for earlier in directory.provisioning_tokens(&Actor::Support, account)? {
        if earlier.description.as_str() == TOKEN_DESCRIPTION {
            directory.revoke_provisioning_token(&Actor::Support, account, &earlier.id)?;
            eprintln!("revoked the token an earlier start issued ({})", earlier.id);
        }
    }
    let issued = directory.issue_provisioning_token(&Actor::Support, account, TOKEN_DESCRIPTION)?;
    Ok(issued.token)
}

/// What every request shares.
struct Service<S: Store> {
    directory: Directory<S>,
    scim: Scim,
}

fn serve<S: Store + Send + Sync + 'static>(
    directory: Directory<S>,
    args: &Args,
    listener: TcpListener,
) -> ExitCode {
    let directory = if args.fast_hashing {
        directory.with_password_hashing(PasswordHashing::insecure_fast())
    } else {
        directory
    };
    let token = match set_up(&directory) {
        Ok(token) => token,
        Err(error) => {
            eprintln!("{}", Localizer::english().render(&error));
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
    let base_url = match &args.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{address}{BASE_PATH}"),
    };
    let service = Arc::new(Service {
        directory,
        scim: Scim::new(base_url.as_str()),
    });
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
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("cannot listen on {address}: {error}");
                return ExitCode::FAILURE;
            }
        };
        let router = Router::new()
            .route(&format!("{BASE_PATH}/{{*rest}}"), any(handle::<S>))
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(service);
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "SCIM base URL: {base_url}/{ACCOUNT}");
            let _ = writeln!(out, "Bearer token: {}", token.as_str());
            let _ = out.flush();
        }
        // The token's memory is cleared when it is dropped.
        drop(token);
        eprintln!("listening on http://{address}{BASE_PATH}/{ACCOUNT}");
        match axum::serve(listener, router).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("the server stopped: {error}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Every request under `/scim/v2/`: handed whole to the crate's SCIM
/// service on tokio's blocking pool (creating a user may hash a password),
/// its answer sent back as it is. Logs the method, path and status (never
/// a header, so never the token) on stderr.
async fn handle<S: Store + Send + Sync + 'static>(
    State(service): State<Arc<Service<S>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = ScimRequest::new(method.as_str(), uri.path())
        .query(uri.query().unwrap_or_default())
        .body(body.to_vec());
    for (name, value) in &headers {
        request = request.header(
            name.as_str(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        );
    }
    let answered =
        tokio::task::spawn_blocking(move || service.scim.handle(&service.directory, &request))
            .await;
    match answered {
        Ok(response) => {
            eprintln!("{method} {} {}", uri.path(), response.status);
            to_http(response)
        }
        Err(error) => {
            eprintln!("{method} {} failed: {error}", uri.path());
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The crate's response as axum's.
fn to_http(scim: ScimResponse) -> Response {
    let mut response = Response::new(Body::from(scim.body));
    *response.status_mut() =
        StatusCode::from_u16(scim.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in scim.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => eprintln!("dropped a header the crate gave: {name}"),
        }
    }
    response
}
