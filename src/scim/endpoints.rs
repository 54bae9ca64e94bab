//! The endpoints of one account: discovery, `/Users`, `/Groups` and
//! `/.search`, each acting through the [`Directory`] as the request's
//! provisioner.

use std::ops::ControlFlow;

use serde_json::{Value, json};

use crate::directory::{Directory, GroupChange, ProvisionedGroup, ProvisionedUser, UserLookup};
use crate::error::Error;
use crate::model::{AccountNumber, Actor, ExternalId, GroupId, UserId, UserStatus};
use crate::scim::ScimRequest;
use crate::scim::eval;
use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::patch;
use crate::scim::query::{ListQuery, Projection};
use crate::scim::resources::{etag, group_form, group_json, if_match, user_form, user_json};
use crate::scim::response::{ScimError, ScimResponse};
use crate::scim::schema::{
    self, LIST_RESPONSE, RESOURCES, Resource, resource_named, resource_of_schema,
};
use crate::store::Store;

/// How often a PATCH without `If-Match` reads and applies again when the
/// resource changed between its read and its write.
const PATCH_ATTEMPTS: usize = 4;

/// One request's account, actor and directory.
pub(super) struct Context<'a, S> {
    pub(super) directory: &'a Directory<S>,
    pub(super) actor: &'a Actor,
    pub(super) account: AccountNumber,
    /// The account's base URL: `https://host/scim/v2/12345`.
    pub(super) base: String,
    pub(super) request: &'a ScimRequest,
}

fn list_response(total: u64, start: u64, resources: Vec<Value>) -> ScimResponse {
    let mut list = json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
    });
    // Moved in, not through json!, which would copy every resource.
    list["Resources"] = Value::Array(resources);
    ScimResponse::json(200, &list)
}

/// A page of a list being filled: which matches to keep, and how many
/// there were.
struct Window {
    start: u64,
    count: usize,
    total: u64,
    kept: Vec<Value>,
}

impl Window {
    fn new(start: u64, count: usize) -> Window {
        Window {
            start,
            count,
            total: 0,
            kept: Vec::new(),
        }
    }

    /// Counts a match, keeping it if it is on the page.
    fn offer(&mut self, document: impl FnOnce() -> Value) {
        self.total += 1;
        if self.total >= self.start && self.kept.len() < self.count {
            self.kept.push(document());
        }
    }
}

/// The index that answers a filter, if one does: `userName eq`,
/// `externalId eq` or `id eq`, alone or as a side of `and`.
fn indexed(filter: &Filter) -> Option<(&'static str, &str)> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(value),
        } if path.sub.is_none()
            && path
                .schema
                .as_deref()
                .is_none_or(|schema| schema.eq_ignore_ascii_case(schema::USER_SCHEMA)) =>
        {
            ["userName", "externalId", "id"]
                .into_iter()
                .find(|name| name.eq_ignore_ascii_case(&path.name))
                .map(|name| (name, value.as_str()))
        }
        Filter::And(left, right) => indexed(left).or_else(|| indexed(right)),
        _ => None,
    }
}

impl<S: Store> Context<'_, S> {
    pub(super) fn dispatch(&self, segments: &[&str]) -> Result<ScimResponse, ScimError> {
        let method = self.request.method.to_ascii_uppercase();
        let get = method == "GET";
        match segments {
            ["ServiceProviderConfig"] if get => Ok(ScimResponse::json(
                200,
                &schema::service_provider_config(&self.base),
            )),
            ["ResourceTypes"] if get => {
                let types = RESOURCES
                    .iter()
                    .map(|resource| schema::resource_type(&self.base, *resource))
                    .collect();
                Ok(list_response(2, 1, types))
            }
            ["ResourceTypes", name] if get => resource_named(name)
                .map(|resource| {
                    ScimResponse::json(200, &schema::resource_type(&self.base, resource))
                })
                .ok_or_else(ScimError::not_found),
            ["Schemas"] if get => {
                let schemas = RESOURCES
                    .iter()
                    .map(|resource| schema::schema(&self.base, *resource))
                    .collect();
                Ok(list_response(2, 1, schemas))
            }
            ["Schemas", urn] if get => resource_of_schema(urn)
                .map(|resource| ScimResponse::json(200, &schema::schema(&self.base, resource)))
                .ok_or_else(ScimError::not_found),
            ["ServiceProviderConfig" | "ResourceTypes" | "Schemas"]
            | ["ResourceTypes" | "Schemas", _] => Err(ScimError::method_not_allowed("GET")),
            [".search"] if method == "POST" => self.search_all(),
            [".search"] => Err(ScimError::method_not_allowed("POST")),
            [endpoint, rest @ ..] => {
                let resource = RESOURCES
                    .into_iter()
                    .find(|resource| resource.endpoint() == *endpoint)
                    .ok_or_else(ScimError::not_found)?;
                self.resource(resource, &method, rest)
            }
            [] => Err(ScimError::not_found()),
        }
    }

    fn resource(
        &self,
        resource: Resource,
        method: &str,
        rest: &[&str],
    ) -> Result<ScimResponse, ScimError> {
        match (rest, method) {
            ([], "GET") => {
                let query = ListQuery::from_pairs(&self.pairs())?;
                self.list(resource, &query)
            }
            ([], "POST") => match resource {
                Resource::User => self.create_user(),
                Resource::Group => self.create_group(),
            },
            ([], _) => Err(ScimError::method_not_allowed("GET, POST")),
            ([".search"], "POST") => {
                let query = ListQuery::from_search(&self.body()?)?;
                self.list(resource, &query)
            }
            ([".search"], _) => Err(ScimError::method_not_allowed("POST")),
            ([id], method) => match (resource, method) {
                (Resource::User, "GET") => self.get_user(id),
                (Resource::User, "PUT") => self.put_user(id),
                (Resource::User, "PATCH") => self.patch_user(id),
                (Resource::User, "DELETE") => self.delete_user(id),
                (Resource::Group, "GET") => self.get_group(id),
                (Resource::Group, "PUT") => self.put_group(id),
                (Resource::Group, "PATCH") => self.patch_group(id),
                (Resource::Group, "DELETE") => self.delete_group(id),
                _ => Err(ScimError::method_not_allowed("GET, PUT, PATCH, DELETE")),
            },
            _ => Err(ScimError::not_found()),
        }
    }

    fn pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.request.query.as_bytes())
            .into_owned()
            .collect()
    }

    fn projection(&self) -> Projection {
        Projection::from_pairs(&self.pairs())
    }

    /// The request's JSON body: `application/scim+json` or
    /// `application/json` (or no type at all).
    fn body(&self) -> Result<Value, ScimError> {
        if let Some(kind) = self.request.header_value("Content-Type") {
            if !kind.to_ascii_lowercase().contains("json") {
                return Err(ScimError::says(415, None, "scim-media-type"));
            }
        }
        serde_json::from_slice(&self.request.body)
            .map_err(|_| ScimError::invalid_syntax("scim-json"))
    }

    /// The revision `If-Match` names: `None` without the header or for `*`.
    fn if_match(&self) -> Result<Option<u64>, ScimError> {
        self.request
            .header_value("If-Match")
            .map_or(Ok(None), if_match)
    }

    fn one(&self, resource: Resource, status: u16, document: Value, revision: u64) -> ScimResponse {
        let location = document["meta"]["location"].as_str().map(str::to_owned);
        let mut response = ScimResponse::json(status, &self.projection().apply(resource, document))
            .header("ETag", etag(revision));
        if let (201, Some(location)) = (status, location) {
            response = response.header("Location", location);
        }
        response
    }

    fn user_id(id: &str) -> Result<UserId, ScimError> {
        id.parse().map_err(|_| ScimError::not_found())
    }

    fn group_id(&self, id: &str) -> Result<GroupId, ScimError> {
        let number = id.parse().map_err(|_| ScimError::not_found())?;
        Ok(GroupId {
            account: self.account,
            number,
        })
    }

    fn list(&self, resource: Resource, query: &ListQuery) -> Result<ScimResponse, ScimError> {
        query.check_filter(resource)?;
        let mut window = Window::new(query.start_index, query.count);
        match resource {
            Resource::User => self.fill_users(query, &mut window)?,
            Resource::Group => self.fill_groups(query, &mut window)?,
        }
        let kept = window
            .kept
            .into_iter()
            .map(|document| query.projection.apply(resource, document))
            .collect();
        Ok(list_response(window.total, query.start_index, kept))
    }

    fn fill_users(&self, query: &ListQuery, window: &mut Window) -> Result<(), ScimError> {
        let (directory, actor, account) = (self.directory, self.actor, self.account);
        let Some(filter) = &query.filter else {
            // Every user: counted by the store, only the page read.
            let total = directory.user_count(actor, account)?;
            if window.count > 0 {
                directory.visit_provisioned_users(actor, account, window.start - 1, |user| {
                    window.kept.push(user_json(&user, &self.base));
                    if window.kept.len() < window.count {
                        ControlFlow::Continue(())
                    } else {
                        ControlFlow::Break(())
                    }
                })?;
            }
            window.total = total;
            return Ok(());
        };
        let offer = |window: &mut Window, user: &ProvisionedUser| {
            let document = user_json(user, &self.base);
            if eval::matches(Resource::User, &document, filter) {
                window.offer(|| document);
            }
        };
        if let Some((attribute, value)) = indexed(filter) {
            let found = match attribute {
                "id" => match value.parse() {
                    Ok(id) => match directory.provisioned_user(actor, account, id) {
                        Ok(user) => Some(user),
                        Err(Error::UserIdNotFound { .. }) => None,
                        Err(other) => return Err(other.into()),
                    },
                    Err(_) => None,
                },
                "userName" => {
                    directory.find_provisioned_user(actor, account, UserLookup::UserName(value))?
                }
                _ => directory.find_provisioned_user(
                    actor,
                    account,
                    UserLookup::ExternalId(value),
                )?,
            };
            if let Some(user) = found {
                offer(window, &user);
            }
            return Ok(());
        }
        directory.visit_provisioned_users(actor, account, 0, |user| {
            offer(window, &user);
            ControlFlow::Continue(())
        })?;
        Ok(())
    }

    fn fill_groups(&self, query: &ListQuery, window: &mut Window) -> Result<(), ScimError> {
        for summary in self.directory.groups(self.actor, self.account)? {
            let group = self
                .directory
                .provisioned_group(self.actor, summary.group.id)?;
            let document = group_json(&group, &self.base);
            if query
                .filter
                .as_ref()
                .is_none_or(|filter| eval::matches(Resource::Group, &document, filter))
            {
                window.offer(|| document);
            }
        }
        Ok(())
    }

    /// `POST /.search`: users, then groups, as one list; a filter is
    /// applied to the resources that have its attributes.
    fn search_all(&self) -> Result<ScimResponse, ScimError> {
        let query = ListQuery::from_search(&self.body()?)?;
        let applicable: Vec<Resource> = RESOURCES
            .into_iter()
            .filter(|resource| query.check_filter(*resource).is_ok())
            .collect();
        if applicable.is_empty() {
            query.check_filter(Resource::User)?;
        }
        let (mut total, mut kept) = (0, Vec::new());
        for resource in applicable {
            // The page continues from one resource to the next.
            let start = query.start_index.saturating_sub(total).max(1);
            let mut window = Window::new(start, query.count - kept.len());
            match resource {
                Resource::User => self.fill_users(&query, &mut window)?,
                Resource::Group => self.fill_groups(&query, &mut window)?,
            }
            total += window.total;
            kept.extend(
                window
                    .kept
                    .into_iter()
                    .map(|document| query.projection.apply(resource, document)),
            );
        }
        Ok(list_response(total, query.start_index, kept))
    }

    fn create_user(&self) -> Result<ScimResponse, ScimError> {
        let form = user_form(&self.body()?, true)?;
        let user = self
            .directory
            .provision_user(self.actor, self.account, &form)?;
        Ok(self.user_response(201, &user))
    }

    fn get_user(&self, id: &str) -> Result<ScimResponse, ScimError> {
        let user = self
            .directory
            .provisioned_user(self.actor, self.account, Self::user_id(id)?)?;
        Ok(self.user_response(200, &user))
    }

    fn put_user(&self, id: &str) -> Result<ScimResponse, ScimError> {
        let id = Self::user_id(id)?;
        let body = self.body()?;
        let expected = self.if_match()?;
        let current = self
            .directory
            .provisioned_user(self.actor, self.account, id)?;
        let form = user_form(&body, current.profile.status == UserStatus::Active)?;
        let user = self.directory.update_provisioned_user(
            self.actor,
            self.account,
            id,
            &form,
            expected,
        )?;
        Ok(self.user_response(200, &user))
    }

    fn patch_user(&self, id: &str) -> Result<ScimResponse, ScimError> {
        let id = Self::user_id(id)?;
        let body = self.body()?;
        let expected = self.if_match()?;
        retrying_stale(expected, || {
            let current = self
                .directory
                .provisioned_user(self.actor, self.account, id)?;
            if expected.is_some_and(|expected| expected != current.revision) {
                return Err(Error::StaleRevision.into());
            }
            let mut document = user_json(&current, &self.base);
            patch::apply(Resource::User, &mut document, &body)?;
            let form = user_form(&document, current.profile.status == UserStatus::Active)?;
            let user = self.directory.update_provisioned_user(
                self.actor,
                self.account,
                id,
                &form,
                Some(current.revision),
            )?;
            Ok(self.user_response(200, &user))
        })
    }

    fn delete_user(&self, id: &str) -> Result<ScimResponse, ScimError> {
        let id = Self::user_id(id)?;
        self.directory
            .delete_provisioned_user(self.actor, self.account, id, self.if_match()?)?;
        Ok(ScimResponse::no_content())
    }

    fn create_group(&self) -> Result<ScimResponse, ScimError> {
        let wanted = group_form(&self.body()?)?;
        let group = self
            .directory
            .provision_group(self.actor, self.account, &wanted)
            .map_err(member_error)?;
        Ok(self.group_response(201, &group))
    }

    fn user_response(&self, status: u16, user: &ProvisionedUser) -> ScimResponse {
        self.one(
            Resource::User,
            status,
            user_json(user, &self.base),
            user.revision,
        )
    }

    fn group_response(&self, status: u16, group: &ProvisionedGroup) -> ScimResponse {
        self.one(
            Resource::Group,
            status,
            group_json(group, &self.base),
            group.group.revision,
        )
    }

    fn get_group(&self, id: &str) -> Result<ScimResponse, ScimError> {
        let group = self
            .directory
            .provisioned_group(self.actor, self.group_id(id)?)?;
        Ok(self.group_response(200, &group))
    }

    /// Makes the group what `wanted` (from [`group_form`]: a name, every
    /// member, an `externalId`) says, changing only what differs.
    fn change_group(
        &self,
        current: &ProvisionedGroup,
        wanted: GroupChange,
        expected: Option<u64>,
    ) -> Result<ProvisionedGroup, Error> {
        let members = &current.members;
        let mut change = GroupChange::default()
            .adding(
                wanted
                    .add
                    .iter()
                    .copied()
                    .filter(|id| !members.iter().any(|member| member.id == *id)),
            )
            .removing(
                members
                    .iter()
                    .map(|member| member.id)
                    .filter(|id| !wanted.add.contains(id)),
            );
        // The built-in group's name, sent back unchanged, is no rename.
        if let Some(name) = wanted
            .name
            .filter(|name| *name != current.group.name.to_string())
        {
            change = change.rename(name);
        }
        if let Some(external_id) = wanted.external_id {
            if external_id.as_deref() != current.external_id.as_ref().map(ExternalId::as_str) {
                change = change.external_id(external_id);
            }
        }
        self.directory
            .change_group(self.actor, current.group.id, &change, expected)
    }

    fn put_group(&self, id: &str) -> Result<ScimResponse, ScimError> {
        let group = self.group_id(id)?;
        let wanted = group_form(&self.body()?)?;
        let expected = self.if_match()?;
        let current = self.directory.provisioned_group(self.actor, group)?;
        let changed = self
            .change_group(&current, wanted, expected)
            .map_err(member_error)?;
        Ok(self.group_response(200, &changed))
    }

    fn patch_group(&self, id: &str) -> Result<ScimResponse, ScimError> {
        let group = self.group_id(id)?;
        let body = self.body()?;
        let expected = self.if_match()?;
        retrying_stale(expected, || {
            let current = self.directory.provisioned_group(self.actor, group)?;
            if expected.is_some_and(|expected| expected != current.group.revision) {
                return Err(Error::StaleRevision.into());
            }
            let mut document = group_json(&current, &self.base);
            patch::apply(Resource::Group, &mut document, &body)?;
            let wanted = group_form(&document)?;
            let changed = self
                .change_group(&current, wanted, Some(current.group.revision))
                .map_err(member_error)?;
            Ok(self.group_response(200, &changed))
        })
    }

    fn delete_group(&self, id: &str) -> Result<ScimResponse, ScimError> {
        let group = self.group_id(id)?;
        self.directory
            .delete_provisioned_group(self.actor, group, self.if_match()?)?;
        Ok(ScimResponse::no_content())
    }
}

/// Runs a PATCH (read, apply, write back at the revision read) again from
/// a fresh read when another change came in between (412), up to
/// [`PATCH_ATTEMPTS`] times; unless the client named the revision it
/// patches (`If-Match`), for whom a newer one is the answer.
fn retrying_stale(
    expected: Option<u64>,
    mut attempt: impl FnMut() -> Result<ScimResponse, ScimError>,
) -> Result<ScimResponse, ScimError> {
    let mut attempts = 1;
    loop {
        match attempt() {
            Err(error)
                if error.status() == 412 && expected.is_none() && attempts < PATCH_ATTEMPTS =>
            {
                attempts += 1;
            }
            done => return done,
        }
    }
}

/// A member that is not one of the account's users is a bad value in the
/// request, not a missing resource.
fn member_error(error: Error) -> ScimError {
    match error {
        Error::UserIdNotFound { .. } => ScimError::new(
            400,
            Some("invalidValue"),
            crate::i18n::Localize::message(&error),
        ),
        other => other.into(),
    }
}
