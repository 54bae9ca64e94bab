//! SCIM 2.0 provisioning (RFC 7643, RFC 7644), feature `scim`: an account's
//! identity provider (Okta, Entra ID, Google, JumpCloud…) manages its
//! users and groups at `/scim/v2/{account}`.
//!
//! Framework-agnostic: a [`ScimRequest`] (method, path, query, headers,
//! body) goes in, a [`ScimResponse`] (status, headers, body) comes out; any
//! HTTP server can carry them (the workspace's `cres-scim-server` does with
//! axum). Every request acts only through the [`Directory`], as
//! [`Actor::Provisioner`](crate::Actor::Provisioner) of the account whose
//! provisioning token it carries, so every change follows the same rules
//! (R1–R16), the same access module and the same audit trail as any other.
//!
//! # What is supported
//!
//! - `/Users`: `id` (the [`UserId`](crate::UserId)), `userName` (kept as
//!   sent, unique in the account ignoring case), `name.givenName` and
//!   `name.familyName`, `emails` (one: where encrypted mail arrives),
//!   `active` (enabled or disabled), `externalId` (kept as sent, unique in
//!   the account), `password` (write-only), `groups` (read-only), `meta`
//!   (with `version`, a weak ETag of the revision).
//! - `/Groups`: `id` (the group's number in the account), `displayName`,
//!   `members`. The built-in *Account Administrators* is listed but keeps
//!   its name and cannot be deleted (R1).
//! - GET, POST, PUT, PATCH, DELETE; `/.search` on both; filters (`eq ne co
//!   sw ew gt ge lt le pr and or not`, value paths) on every attribute the
//!   schema lists; `startIndex` and `count` (at most
//!   [`MAX_RESULTS`](schema::MAX_RESULTS)); `attributes` and
//!   `excludedAttributes`; `If-Match`; `/ServiceProviderConfig`,
//!   `/ResourceTypes`, `/Schemas`. Not supported: bulk, sorting.
//!
//! # Choices
//!
//! - **Who a user is.** CRES delivers encrypted mail to a user's address, so
//!   a user's email is their primary (or `work`, or first) email, or else a
//!   `userName` that is an address. A create with neither is refused (400
//!   `invalidValue`). A create for an address that already has a user is
//!   refused (409 `uniqueness`), whichever accounts govern that user: a
//!   provider finds its existing users by `userName`, and a user governed
//!   by another account is never taken over (R13).
//! - **Names.** CRES users have a first and a last name; a client that
//!   sends none is refused (400 `invalidValue`, naming the field).
//! - **Passwords.** A user created without a password has none, and cannot
//!   sign in until they set one (for example through a registration link
//!   the service sends them). A password sent is checked against the
//!   password policy and recorded as chosen by the provisioner (R13).
//! - **Other accounts' users.** A user the account governs together with
//!   another account (R13), or the account's last active administrator
//!   (R16), is refused with a SCIM error whose `detail` is the crate's
//!   message in the language of `Accept-Language`.
//! - **Group members** must be users the account governs: a provider
//!   cannot pull in a user of another account by id.
//! - **`meta.lastModified`** is when the provider last created or changed
//!   the user (their creation if it never did); a group's is its creation.
//!
//! The parsers of filters and PATCH paths are the crate's own rather than
//! a dependency: the one Rust crate for it (`scim-filter`) bounds neither
//! the length nor the depth of what it parses, is not documented, and
//! builds on an old `nom`; the `scim_v2` models have no PATCH with value
//! filters and no bounds either. Filters, paths and bodies are bounded
//! before they are parsed.

mod endpoints;
mod eval;
pub mod filter;
mod patch;
mod query;
mod resources;
mod response;
pub mod schema;

pub use response::ScimResponse;
#[cfg(feature = "testing")]
pub(crate) use response::catalogue;

use crate::directory::Directory;
use crate::i18n::Localizer;
use crate::model::AccountNumber;
use crate::store::Store;
use response::ScimError;

/// A request, whatever received it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ScimRequest {
    /// The HTTP method (`GET`, `POST`…).
    pub method: String,
    /// The path, from its first `/` (`/scim/v2/12345/Users`).
    pub path: String,
    /// The query string, without the `?`.
    pub query: String,
    /// The headers: name and value.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ScimRequest {
    /// A request without query, headers or body.
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> ScimRequest {
        ScimRequest {
            method: method.into(),
            path: path.into(),
            ..ScimRequest::default()
        }
    }

    /// With this query string.
    #[must_use]
    pub fn query(mut self, query: impl Into<String>) -> ScimRequest {
        self.query = query.into();
        self
    }

    /// With this header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> ScimRequest {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// With this body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> ScimRequest {
        self.body = body.into();
        self
    }

    /// The value of a header, by name ignoring case.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        response::header_value(&self.headers, name)
    }
}

/// The SCIM service of a directory: one per server, shared by its requests.
///
/// ```
/// use cres_admin::scim::{Scim, ScimRequest};
/// use cres_admin::{AccountNumber, Actor, Directory, MemoryStore};
///
/// let directory = Directory::new(MemoryStore::new());
/// let account = AccountNumber::new(12345);
/// directory.create_account(&Actor::Support, account, "Example")?;
/// let token = directory.issue_provisioning_token(&Actor::Support, account, "Okta")?.token;
///
/// let scim = Scim::new("https://cres.example/scim/v2");
/// let request = ScimRequest::new("GET", "/scim/v2/12345/Users")
///     .query("filter=userName%20eq%20%22bjensen%22")
///     .header("Authorization", format!("Bearer {}", token.as_str()));
/// let response = scim.handle(&directory, &request);
/// assert_eq!(response.status, 200);
/// # Ok::<(), cres_admin::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Scim {
    /// The base URL, without a trailing `/`: `https://host/scim/v2`.
    base_url: String,
    /// Its path: `/scim/v2`.
    base_path: String,
}

impl Scim {
    /// The service mounted at `base_url` (`https://host/scim/v2`): each
    /// account's endpoints are at `{base_url}/{account}`, and locations are
    /// written from it.
    pub fn new(base_url: impl Into<String>) -> Scim {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let after_scheme = base_url.find("://").map_or(0, |at| at + 3);
        let base_path = base_url[after_scheme..]
            .find('/')
            .map_or(String::new(), |at| base_url[after_scheme + at..].to_owned());
        Scim {
            base_url,
            base_path,
        }
    }

    /// Answers one request.
    pub fn handle<S: Store>(
        &self,
        directory: &Directory<S>,
        request: &ScimRequest,
    ) -> ScimResponse {
        let localizer = || {
            request
                .header_value("Accept-Language")
                .map_or_else(Localizer::english, Localizer::from_accept_language)
        };
        let mut response = match self.route(directory, request) {
            Ok(response) => response,
            Err(error) => error.render(&localizer()),
        };
        if !response.body.is_empty() {
            response
                .headers
                .insert(0, ("Content-Type", ScimResponse::CONTENT_TYPE.to_owned()));
        }
        response
    }

    fn route<S: Store>(
        &self,
        directory: &Directory<S>,
        request: &ScimRequest,
    ) -> Result<ScimResponse, ScimError> {
        let rest = request
            .path
            .strip_prefix(self.base_path.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(ScimError::not_found)?;
        let mut segments = rest.trim_end_matches('/').split('/');
        let account = segments
            .next()
            .and_then(|number| AccountNumber::parse(number).ok())
            .ok_or_else(ScimError::not_found)?;
        let segments: Vec<&str> = segments.collect();
        let token = request
            .header_value("Authorization")
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("Bearer")
                    .then_some(token.trim())
            })
            .ok_or_else(ScimError::unauthorized)?;
        let actor =
            directory
                .authenticate_provisioner(account, token)
                .map_err(|error| match error {
                    crate::Error::ProvisioningRefused => ScimError::unauthorized(),
                    other => other.into(),
                })?;
        if request.body.len() > schema::MAX_BODY_BYTES {
            return Err(ScimError::says(413, None, "scim-body-too-large"));
        }
        let context = endpoints::Context {
            directory,
            actor: &actor,
            account,
            base: format!("{}/{account}", self.base_url),
            request,
        };
        context.dispatch(&segments)
    }
}
