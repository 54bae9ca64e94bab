//! Users and groups as SCIM represents them, and back.
//!
//! A user's email identity is their primary email (or else the `work` one,
//! or else the first), or else a `userName` that is an address: CRES
//! delivers encrypted mail there. A user has one address, so only that one
//! is kept; the others a client sends are not stored.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::credentials::Password;
use crate::directory::{GroupChange, ProvisionedGroup, ProvisionedUser};
use crate::input::{Field, InvalidInput, Problem};
use crate::model::{Email, UserId};
use crate::scim::response::ScimError;
use crate::scim::schema::{GROUP_SCHEMA, USER_SCHEMA};

/// `meta.version` and the `ETag` header: a weak tag of the revision.
pub(crate) fn etag(revision: u64) -> String {
    format!("W/\"{revision}\"")
}

/// The revision an `If-Match` header names, if it names one of ours; `*`
/// names whatever is current (`None`).
pub(crate) fn if_match(header: &str) -> Result<Option<u64>, ScimError> {
    let header = header.trim();
    if header == "*" {
        return Ok(None);
    }
    let tag = header.strip_prefix("W/").unwrap_or(header);
    tag.strip_prefix('"')
        .and_then(|tag| tag.strip_suffix('"'))
        .and_then(|tag| tag.parse().ok())
        .map(Some)
        // A tag we never gave matches nothing current.
        .ok_or_else(|| ScimError::says(412, None, "error-stale-revision"))
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The user's representation; `base` is the account's SCIM base URL.
pub(crate) fn user_json(user: &ProvisionedUser, base: &str) -> Value {
    let profile = &user.profile;
    let groups: Vec<Value> = user
        .groups
        .iter()
        .map(|group| {
            json!({
                "value": group.id.number.to_string(),
                "$ref": format!("{base}/Groups/{}", group.id.number),
                "display": group.name.to_string(),
            })
        })
        .collect();
    let mut document = json!({
        "schemas": [USER_SCHEMA],
        "id": profile.id.to_string(),
        "userName": user.user_name(),
        "name": {
            "givenName": profile.first_name.as_str(),
            "familyName": profile.last_name.as_str(),
        },
        "active": profile.status == crate::model::UserStatus::Active,
        "emails": [{ "value": profile.email.as_str(), "type": "work" }],
        "groups": groups,
        "meta": {
            "resourceType": "User",
            "created": time(profile.created_at),
            "lastModified": time(user.last_modified()),
            "location": format!("{base}/Users/{}", profile.id),
            "version": etag(user.revision),
        },
    });
    if let Some(external_id) = user.external_id() {
        document["externalId"] = external_id.as_str().into();
    }
    if let Some(display_name) = user.display_name() {
        document["displayName"] = display_name.as_str().into();
    }
    document
}

/// The group's representation.
pub(crate) fn group_json(provisioned: &ProvisionedGroup, base: &str) -> Value {
    let group = &provisioned.group;
    let members: Vec<Value> = provisioned
        .members
        .iter()
        .map(|member| {
            json!({
                "value": member.id.to_string(),
                "$ref": format!("{base}/Users/{}", member.id),
                "type": "User",
            })
        })
        .collect();
    let mut document = json!({
        "schemas": [GROUP_SCHEMA],
        "id": group.id.number.to_string(),
        "displayName": group.name.to_string(),
        "members": members,
        "meta": {
            "resourceType": "Group",
            "created": time(group.created_at),
            "lastModified": time(group.created_at),
            "location": format!("{base}/Groups/{}", group.id.number),
            "version": etag(group.revision),
        },
    });
    if let Some(external_id) = &provisioned.external_id {
        document["externalId"] = external_id.as_str().into();
    }
    document
}

fn text<'d>(document: &'d Value, key: &str) -> Result<Option<&'d str>, ScimError> {
    match document.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(invalid(field_of(key), Problem::Empty)),
    }
}

fn field_of(key: &str) -> Field {
    match key {
        "userName" => Field::UserName,
        "externalId" => Field::ExternalId,
        "givenName" => Field::FirstName,
        "familyName" => Field::LastName,
        "password" => Field::Password,
        "displayName" => Field::GroupName,
        _ => Field::Email,
    }
}

fn invalid(field: Field, problem: Problem) -> ScimError {
    crate::error::Error::from(InvalidInput::new(field, problem)).into()
}

/// What a user's representation asks for. `active` absent keeps `current`
/// (or makes a new user active); a `password` is taken only if sent.
pub(crate) fn user_form(
    document: &Value,
    current_active: bool,
) -> Result<crate::directory::ProvisionedUserForm, ScimError> {
    let user_name =
        text(document, "userName")?.ok_or_else(|| invalid(Field::UserName, Problem::Empty))?;
    let emails = match document.get("emails") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(emails)) => emails.iter().collect(),
        Some(_) => return Err(invalid(Field::Email, Problem::Empty)),
    };
    let chosen = emails
        .iter()
        .find(|email| email.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| {
            emails
                .iter()
                .find(|email| email.get("type").and_then(Value::as_str) == Some("work"))
        })
        .or_else(|| emails.first());
    let email = match chosen {
        Some(email) => text(email, "value")?
            .ok_or_else(|| invalid(Field::Email, Problem::Empty))?
            .to_owned(),
        // A userName that is an address is where the mail goes.
        None if Email::parse(user_name).is_ok() => user_name.to_owned(),
        None => return Err(invalid(Field::Email, Problem::Empty)),
    };
    let name = document.get("name").cloned().unwrap_or(Value::Null);
    let given = text(&name, "givenName")?.unwrap_or_default();
    let family = text(&name, "familyName")?.unwrap_or_default();
    let active = match document.get("active") {
        None | Some(Value::Null) => current_active,
        Some(Value::Bool(active)) => *active,
        Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => true,
        Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(ScimError::invalid_value("scim-active")),
    };
    let mut form =
        crate::directory::ProvisionedUserForm::new(user_name, email, given, family).active(active);
    if let Some(external_id) = text(document, "externalId")? {
        form = form.external_id(external_id);
    }
    if let Some(display_name) = text(document, "displayName")? {
        form = form.display_name(display_name);
    }
    if let Some(password) = text(document, "password")? {
        form = form.password(Password::new(password));
    }
    Ok(form)
}

/// What a group's representation asks for: its name, its members' ids and
/// its `externalId`. A member value that is no user id at all (scim-sanity
/// sends `fake-member-id`) names no user and is left out; a user id that is
/// not one of the account's users is refused by the directory.
pub(crate) fn group_form(document: &Value) -> Result<GroupChange, ScimError> {
    let name = text(document, "displayName")?
        .ok_or_else(|| invalid(Field::GroupName, Problem::Empty))?
        .to_owned();
    let members = match document.get("members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(members)) => members
            .iter()
            .map(|member| {
                member
                    .get("value")
                    .and_then(Value::as_str)
                    .map(|id| id.parse::<UserId>().ok())
                    .ok_or_else(|| ScimError::invalid_value("scim-member"))
            })
            .filter_map(Result::transpose)
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(ScimError::invalid_value("scim-member")),
    };
    let external_id = text(document, "externalId")?.map(str::to_owned);
    Ok(GroupChange::default()
        .rename(name)
        .adding(members)
        .external_id(external_id))
}
