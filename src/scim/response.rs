//! Responses: resources and errors as SCIM writes them
//! (`application/scim+json`, errors with a string `status`), and the
//! directory's refusals mapped to SCIM's statuses.

use serde_json::{Value, json};

use crate::error::{Error, Forbidden};
use crate::i18n::{Localize, Localizer, Message};
use crate::scim::filter::FilterError;
use crate::scim::schema::ERROR;
use crate::store::StoreError;

/// A response, whatever serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScimResponse {
    /// The HTTP status.
    pub status: u16,
    /// Headers beyond `Content-Type` (`Location`, `ETag`, `Allow`,
    /// `WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
    /// The body: JSON, or empty for 204.
    pub body: Vec<u8>,
}

impl ScimResponse {
    /// The media type of every body.
    pub const CONTENT_TYPE: &'static str = "application/scim+json";

    pub(crate) fn json(status: u16, body: &Value) -> ScimResponse {
        ScimResponse {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }

    pub(crate) fn no_content() -> ScimResponse {
        ScimResponse {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: String) -> ScimResponse {
        self.headers.push((name, value));
        self
    }

    /// The value of a header this response carries.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
}

/// The value of the first header by this name, ignoring case.
pub(crate) fn header_value<'h>(
    headers: &'h [(impl AsRef<str>, String)],
    name: &str,
) -> Option<&'h str> {
    headers
        .iter()
        .find(|(header, _)| header.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// A refusal, before it is rendered in the reader's language.
#[derive(Debug)]
pub(crate) struct ScimError {
    status: u16,
    scim_type: Option<&'static str>,
    detail: Message,
    headers: Vec<(&'static str, String)>,
}

impl ScimError {
    pub(crate) fn new(status: u16, scim_type: Option<&'static str>, detail: Message) -> ScimError {
        ScimError {
            status,
            scim_type,
            detail,
            headers: Vec::new(),
        }
    }

    /// A refusal with the message `id` of the catalogue.
    pub(crate) fn says(
        status: u16,
        scim_type: Option<&'static str>,
        id: &'static str,
    ) -> ScimError {
        ScimError::new(status, scim_type, Message::new(id))
    }

    pub(crate) fn invalid_syntax(id: &'static str) -> ScimError {
        ScimError::says(400, Some("invalidSyntax"), id)
    }

    pub(crate) fn invalid_value(id: &'static str) -> ScimError {
        ScimError::says(400, Some("invalidValue"), id)
    }

    pub(crate) fn invalid_path(id: &'static str) -> ScimError {
        ScimError::says(400, Some("invalidPath"), id)
    }

    pub(crate) fn not_found() -> ScimError {
        ScimError::says(404, None, "scim-not-found")
    }

    pub(crate) fn method_not_allowed(allow: &'static str) -> ScimError {
        let mut error = ScimError::says(405, None, "scim-method-not-allowed");
        error.headers.push(("Allow", allow.to_owned()));
        error
    }

    pub(crate) fn unauthorized() -> ScimError {
        let mut error = ScimError::new(401, None, Error::ProvisioningRefused.message());
        error
            .headers
            .push(("WWW-Authenticate", "Bearer realm=\"SCIM\"".to_owned()));
        error
    }

    pub(crate) fn filter(error: &FilterError, scim_type: &'static str) -> ScimError {
        let detail = match error {
            FilterError::TooLong { max } => Message::new("scim-filter-too-long")
                .arg("max", crate::i18n::Arg::Count(*max as u64)),
            FilterError::TooDeep { max } => Message::new("scim-filter-too-deep")
                .arg("max", crate::i18n::Arg::Count(*max as u64)),
            FilterError::Syntax { at, .. } => {
                Message::new("scim-filter-syntax").arg("at", crate::i18n::Arg::Count(*at as u64))
            }
        };
        ScimError::new(400, Some(scim_type), detail)
    }

    pub(crate) fn filter_in_path() -> ScimError {
        ScimError::invalid_path("scim-patch-path")
    }

    /// The HTTP status it answers with.
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// The error as a response, its detail rendered by `localizer`.
    pub(crate) fn render(self, localizer: &Localizer) -> ScimResponse {
        let mut body = json!({
            "schemas": [ERROR],
            "status": self.status.to_string(),
            "detail": localizer.render(&self.detail),
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = scim_type.into();
        }
        let mut response = ScimResponse::json(self.status, &body);
        response.headers = self.headers;
        response
    }
}

impl Localize for ScimError {
    fn message(&self) -> Message {
        self.detail.clone()
    }
}

/// One of each refusal the SCIM layer words itself (the directory's own
/// are in [`every_error`](crate::testing::messages::every_error)), for the
/// message catalogue.
#[cfg(feature = "testing")]
pub(crate) fn catalogue() -> Vec<ScimError> {
    let mut said: Vec<ScimError> = [
        "scim-not-found",
        "scim-method-not-allowed",
        "scim-filter-attribute",
        "scim-patch-schema",
        "scim-patch-operations",
        "scim-too-many-operations",
        "scim-patch-op",
        "scim-patch-no-target",
        "scim-patch-value",
        "scim-patch-path",
        "scim-read-only",
        "scim-active",
        "scim-member",
        "scim-search-schema",
        "scim-search-parameter",
        "scim-paging",
        "scim-media-type",
        "scim-json",
        "scim-body-too-large",
    ]
    .into_iter()
    .map(|id| ScimError::says(400, None, id))
    .collect();
    for error in [
        FilterError::TooLong { max: 2048 },
        FilterError::TooDeep { max: 16 },
        FilterError::Syntax {
            at: 7,
            expected: "an operator",
        },
    ] {
        said.push(ScimError::filter(&error, "invalidFilter"));
    }
    said
}

impl From<Error> for ScimError {
    fn from(error: Error) -> ScimError {
        let (status, scim_type) = match &error {
            Error::Invalid(_) => (400, Some("invalidValue")),
            Error::UserExists { .. }
            | Error::UserNameTaken { .. }
            | Error::ExternalIdTaken { .. }
            | Error::GroupExists { .. }
            | Error::InvitedElsewhere { .. } => (409, Some("uniqueness")),
            Error::UserIdNotFound { .. }
            | Error::UserNotFound { .. }
            | Error::NonExistentUser { .. }
            | Error::GroupNotFound
            | Error::AccountNotFound { .. } => (404, None),
            Error::BuiltInGroup => (400, Some("mutability")),
            // R13: another account governs the user, or knows their password.
            Error::Forbidden(Forbidden::NotGoverningAdministrator)
            | Error::OwnPasswordRequired { .. } => (403, None),
            Error::Forbidden(_) | Error::ProvisioningRefused => (403, None),
            // R10, R16: the account would be left without an administrator.
            Error::LastActiveAdministrator { .. } | Error::LastAdministrator { .. } => (409, None),
            Error::StaleRevision => (412, None),
            Error::Busy | Error::Store(StoreError::Contention(_) | StoreError::Unavailable(_)) => {
                let mut busy = ScimError::new(503, None, error.message());
                busy.headers.push(("Retry-After", "1".to_owned()));
                return busy;
            }
            _ => (500, None),
        };
        ScimError::new(status, scim_type, error.message())
    }
}
