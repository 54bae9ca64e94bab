//! CSRF protection: synchronizer tokens kept in the server-side session.
//!
//! Each session has one random token (256 bits, renewed at sign-in); every
//! form carries it in a hidden `csrf_token` field, and every request that
//! is not `GET` or `HEAD` must send it back. The check runs here, in one
//! layer in front of every route, so no handler can forget it; the token
//! is compared in constant time. A missing or wrong token is refused with
//! 403 and a localized page before any handler runs: nothing changes.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cres_admin::{Label, Store};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::Console;
use crate::context::{CSRF, Ctx};

/// The largest form the console reads (every form is a few fields).
pub(crate) const FORM_LIMIT: usize = 64 * 1024;

/// Lets safe methods through; refuses any other request whose
/// `csrf_token` field does not match the session's token.
pub(crate) async fn guard<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let sent = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == "csrf_token")
        .map(|(_, value)| value.into_owned());
    let expected = session.get::<String>(CSRF).await.ok().flatten();
    let valid = match (sent, expected) {
        (Some(sent), Some(expected)) => bool::from(sent.as_bytes().ct_eq(expected.as_bytes())),
        _ => false,
    };
    if !valid {
        let ctx = Ctx::new(&parts, session, &console).await;
        return ctx
            .error_page(StatusCode::FORBIDDEN, ctx.tr.t(Label::FormRefused))
            .await;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
