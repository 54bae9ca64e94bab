//! What every request carries: the reader's language, the session (who is
//! signed in, the CSRF token, the message to show), and the page layout
//! built from them.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cres_admin::{Actor, Error, Label, Localize, Localizer, Store, UserId};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::Console;
use crate::views::ErrorPage;

/// Session keys.
pub(crate) const WHO: &str = "who";
pub(crate) const CSRF: &str = "csrf";
pub(crate) const FLASH: &str = "flash";
pub(crate) const TICKET: &str = "ticket";

/// A language of the console: its switcher, its `lang` cookie and
/// `<html lang>` name them `en`, `fr` and `de`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English (en-US).
    En,
    /// French.
    Fr,
    /// German.
    De,
}

impl Lang {
    /// The short code: `en`, `fr`, `de`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::De => "de",
        }
    }

    /// The language a short code names, if the console has it.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The reader's language: the `lang` cookie, else `Accept-Language`
    /// negotiated by the crate, else English.
    pub(crate) fn of_request(headers: &HeaderMap) -> Lang {
        if let Some(lang) = cookie(headers, "lang").and_then(|c| Lang::from_code(&c)) {
            return lang;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let negotiated = Localizer::from_accept_language(accept);
        negotiated
            .languages()
            .first()
            .and_then(|id| Lang::from_code(id.language.as_str()))
            .unwrap_or(Lang::En)
    }
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// Who is signed in, as the session keeps it (on the server: the client
/// only has the session's id). Only the sign-in handlers write it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Who {
    /// Customer Support, after its password.
    Support,
    /// A user, by id (an address can change hands, an id never does).
    User {
        /// The user's id.
        id: UserId,
        /// The address they signed in with, for the header.
        email: String,
    },
}

impl Who {
    pub(crate) fn actor(&self) -> Actor {
        match self {
            Who::Support => Actor::Support,
            Who::User { id, .. } => Actor::User(*id),
        }
    }
}

/// The message the next page shows: a confirmation or a refusal, already
/// rendered in the reader's language.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Flash {
    /// `true` for a confirmation, `false` for a refusal.
    pub(crate) success: bool,
    pub(crate) text: String,
}

impl Flash {
    pub(crate) fn class(&self) -> &'static str {
        if self.success { "success" } else { "error" }
    }

    pub(crate) fn role(&self) -> &'static str {
        if self.success { "status" } else { "alert" }
    }
}

/// Renders labels and messages in the page's language.
#[derive(Clone)]
pub(crate) struct Tr {
    localizers: Arc<[Localizer; 3]>,
    lang: Lang,
}

impl Tr {
    /// A label.
    pub(crate) fn t(&self, label: Label) -> String {
        self.m(&label)
    }

    /// Anything the crate says: a confirmation, an error, a footer.
    pub(crate) fn m(&self, item: &(impl Localize + ?Sized)) -> String {
        self.localizers[self.lang.index()].render(item)
    }
}

/// What the shared layout shows.
pub(crate) struct Layout {
    pub(crate) lang: &'static str,
    pub(crate) title: String,
    pub(crate) tr: Tr,
    pub(crate) csrf: String,
    pub(crate) message: Option<Flash>,
    pub(crate) signed_in: Option<String>,
    /// The current path and query, where the language switcher returns.
    pub(crate) next: String,
}

impl Layout {
    /// A label in the page's language (for templates).
    pub(crate) fn t(&self, label: Label) -> String {
        self.tr.t(label)
    }
}

/// One request's context: language, session, who is signed in.
pub(crate) struct Ctx {
    pub(crate) lang: Lang,
    pub(crate) tr: Tr,
    pub(crate) session: Session,
    pub(crate) who: Option<Who>,
    pub(crate) path: String,
}

impl<S: Store + Send + Sync + 'static> FromRequestParts<Console<S>> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, console: &Console<S>) -> Result<Ctx, Response> {
        let session = Session::from_request_parts(parts, console)
            .await
            .map_err(|(status, _)| status.into_response())?;
        Ok(Ctx::new(parts, session, console).await)
    }
}

impl Ctx {
    pub(crate) async fn new<S>(parts: &Parts, session: Session, console: &Console<S>) -> Ctx {
        let lang = Lang::of_request(&parts.headers);
        let who = session.get::<Who>(WHO).await.ok().flatten();
        Ctx {
            lang,
            tr: Tr {
                localizers: Arc::clone(&console.localizers),
                lang,
            },
            session,
            who,
            path: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned(),
        }
    }

    /// The signed-in actor, or a redirect to the sign-in page saying why.
    pub(crate) async fn actor(&self) -> Result<Actor, Response> {
        match &self.who {
            Some(who) => Ok(who.actor()),
            None => {
                self.flash(false, self.tr.t(Label::NotSignedIn)).await;
                Err(Redirect::to("/sign-in").into_response())
            }
        }
    }

    /// The session's CSRF token, made on first use.
    pub(crate) async fn csrf_token(&self) -> String {
        if let Ok(Some(token)) = self.session.get::<String>(CSRF).await {
            return token;
        }
        let token = crate::secrets::random_token();
        // The memory store cannot fail; a failure would only make the
        // next form be refused as forged.
        let _ = self.session.insert(CSRF, &token).await;
        token
    }

    /// Keeps `text` to show on the next page.
    pub(crate) async fn flash(&self, success: bool, text: String) {
        let _ = self.session.insert(FLASH, Flash { success, text }).await;
    }

    /// Keeps the confirmation `item` for the next page.
    pub(crate) async fn confirm(&self, item: &(impl Localize + ?Sized)) {
        self.flash(true, self.tr.m(item)).await;
    }

    /// Keeps the refusal `error` for the next page.
    pub(crate) async fn refuse(&self, error: &Error) {
        self.flash(false, self.tr.m(error)).await;
    }

    /// The layout of a page titled `title`, taking the message kept for it.
    pub(crate) async fn layout(&self, title: String) -> Layout {
        let message = self.session.remove::<Flash>(FLASH).await.ok().flatten();
        Layout {
            lang: self.lang.code(),
            title,
            tr: self.tr.clone(),
            csrf: self.csrf_token().await,
            message,
            signed_in: self.who.as_ref().map(|who| match who {
                Who::Support => self.tr.t(Label::CustomerSupport),
                Who::User { email, .. } => email.clone(),
            }),
            next: self.path.clone(),
        }
    }

    /// A page with `status` that says only `text`, as a refusal.
    pub(crate) async fn error_page(&self, status: StatusCode, text: String) -> Response {
        let mut l = self.layout(self.tr.t(Label::Administration)).await;
        l.message = Some(Flash {
            success: false,
            text,
        });
        (status, page(&ErrorPage { l })).into_response()
    }

    /// The page for a refusal of the directory on a page load.
    pub(crate) async fn refused(&self, error: &Error) -> Response {
        self.error_page(status_of(error), self.tr.m(error)).await
    }
}

/// The HTTP status that fits a refusal.
pub(crate) fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::AccountNotFound { .. } | Error::GroupNotFound => StatusCode::NOT_FOUND,
        Error::Busy => StatusCode::SERVICE_UNAVAILABLE,
        Error::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A template rendered to HTML; a template that fails to render (it cannot
/// with these templates) answers 500 without details.
pub(crate) fn page(template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
