//! The guide's web console for `cres-admin`: Customer Support creates
//! accounts, Account Administrators manage groups and users, users sign in
//! and set their permanent password, recipients of a secure message
//! register, in English, French or German.
//!
//! An example, not a product: the pages are documented in `PAGES.md` (the
//! contract the browser tests rely on) and the program in `README.md`.
//! Every operation goes through [`cres_admin::AsyncDirectory`]; the console
//! holds no rule of its own beyond who is signed in.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use cres_admin::{AsyncDirectory, Directory, MemoryStore};
//! use cres_console::{Options, app};
//!
//! let directory = AsyncDirectory::new(Directory::new(MemoryStore::new()));
//! let router = app(directory, "the Customer Support password", Options::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(
//!     listener,
//!     router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
//! )
//! .await
//! # }
//! ```

mod context;
mod csrf;
mod handlers;
mod secrets;
mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use cres_admin::{AsyncDirectory, Localizer, PasswordChangeTicket, Store};
use sha2::{Digest, Sha256};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, MemoryStore as SessionStore, SessionManagerLayer};

pub use context::Lang;
pub use secrets::random_password;

/// How the console is served.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Options {
    /// Sets the `Secure` attribute on the session and language cookies
    /// (for a console served over HTTPS).
    pub secure_cookies: bool,
}

impl Options {
    /// With the `Secure` cookie attribute if `secure`.
    #[must_use]
    pub fn secure_cookies(mut self, secure: bool) -> Options {
        self.secure_cookies = secure;
        self
    }
}

/// A password-change ticket waiting for its user to choose a permanent
/// password, kept on the server (the ticket is no serializable value, and
/// never leaves the process): the session holds only a random key to it.
struct PendingTicket {
    ticket: PasswordChangeTicket,
    issued: Instant,
}

/// How long a pending ticket is kept (the crate's own ticket lifetime is
/// 15 minutes; it refuses a stale one anyway).
const TICKET_KEEP: Duration = Duration::from_secs(20 * 60);

/// The router's state: the directory, Customer Support's secret, the
/// pending password-change tickets and the three localizers.
pub struct Console<S> {
    directory: AsyncDirectory<S>,
    /// SHA-256 of Customer Support's password: compared in constant time
    /// whatever the length of what is typed.
    support_digest: Arc<[u8; 32]>,
    tickets: Arc<Mutex<HashMap<String, PendingTicket>>>,
    localizers: Arc<[Localizer; 3]>,
    options: Options,
}

impl<S> Clone for Console<S> {
    fn clone(&self) -> Console<S> {
        Console {
            directory: self.directory.clone(),
            support_digest: Arc::clone(&self.support_digest),
            tickets: Arc::clone(&self.tickets),
            localizers: Arc::clone(&self.localizers),
            options: self.options,
        }
    }
}

impl<S: Store + Send + Sync + 'static> Console<S> {
    fn new(directory: AsyncDirectory<S>, support_password: &str, options: Options) -> Console<S> {
        Console {
            directory,
            support_digest: Arc::new(Sha256::digest(support_password.as_bytes()).into()),
            tickets: Arc::new(Mutex::new(HashMap::new())),
            localizers: Arc::new([
                Localizer::new(&["en-US"]),
                Localizer::new(&["fr"]),
                Localizer::new(&["de"]),
            ]),
            options,
        }
    }

    /// Keeps `ticket` under a new random key, which it returns; forgets
    /// tickets older than [`TICKET_KEEP`] and the one `replacing` names.
    fn keep_ticket(&self, ticket: PasswordChangeTicket, replacing: Option<&str>) -> String {
        let key = secrets::random_token();
        let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        tickets.retain(|_, pending| pending.issued.elapsed() < TICKET_KEEP);
        if let Some(old) = replacing {
            tickets.remove(old);
        }
        tickets.insert(
            key.clone(),
            PendingTicket {
                ticket,
                issued: Instant::now(),
            },
        );
        key
    }

    fn ticket(&self, key: &str) -> Option<PasswordChangeTicket> {
        let tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        tickets
            .get(key)
            .filter(|pending| pending.issued.elapsed() < TICKET_KEEP)
            .map(|pending| pending.ticket.clone())
    }

    fn forget_ticket(&self, key: &str) {
        let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        tickets.remove(key);
    }
}

/// The console's router: every page of `PAGES.md`, behind the CSRF check,
/// the session layer and the security headers.
///
/// Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: sign-in uses the
/// client's address as its `SignInSource` (tests add
/// `axum::extract::connect_info::MockConnectInfo` instead).
pub fn app<S: Store + Send + Sync + 'static>(
    directory: AsyncDirectory<S>,
    support_password: &str,
    options: Options,
) -> Router {
    let console = Console::new(directory, support_password, options);
    let sessions = SessionManagerLayer::new(SessionStore::default())
        .with_name("cres_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(options.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::hours(1),
        ));
    Router::new()
        .route("/", get(handlers::home::<S>))
        .route("/style.css", get(handlers::style))
        .route("/lang", post(handlers::set_lang::<S>))
        .route(
            "/sign-in",
            get(handlers::sign_in_page).post(handlers::sign_in::<S>),
        )
        .route("/sign-in/support", post(handlers::support_sign_in::<S>))
        .route("/sign-out", post(handlers::sign_out::<S>))
        .route(
            "/password",
            get(handlers::password_page::<S>).post(handlers::set_password::<S>),
        )
        .route(
            "/accounts",
            get(handlers::accounts::<S>).post(handlers::create_account::<S>),
        )
        .route("/accounts/{n}", get(handlers::details::<S>))
        .route(
            "/accounts/{n}/groups",
            get(handlers::groups::<S>).post(handlers::add_group::<S>),
        )
        .route(
            "/accounts/{n}/groups/{g}/add",
            get(handlers::add_to_group_page::<S>).post(handlers::add_to_group::<S>),
        )
        .route(
            "/accounts/{n}/groups/{g}/remove",
            post(handlers::remove_from_group::<S>),
        )
        .route("/accounts/{n}/users", get(handlers::users::<S>))
        .route(
            "/accounts/{n}/users/new",
            get(handlers::add_user_page::<S>).post(handlers::add_user::<S>),
        )
        .route(
            "/accounts/{n}/users/{action}",
            post(handlers::user_action::<S>),
        )
        .route(
            "/accounts/{n}/secure-message",
            get(handlers::secure_message_page::<S>).post(handlers::send_secure_message::<S>),
        )
        .route("/accounts/{n}/audit", get(handlers::audit::<S>))
        .route(
            "/register/{token}",
            get(handlers::register_page).post(handlers::register::<S>),
        )
        .fallback(handlers::not_found)
        .layer(axum::middleware::from_fn_with_state(
            console.clone(),
            csrf::guard::<S>,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(csrf::FORM_LIMIT))
        .layer(sessions)
        .layer(axum::middleware::map_response(handlers::security_headers))
        .with_state(console)
}
