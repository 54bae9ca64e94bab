//! What a list asks for (`filter`, `startIndex`, `count`, `attributes`,
//! `excludedAttributes`), from a query string or a `/.search` body, and
//! the projection of a representation on `attributes` and
//! `excludedAttributes`.

use serde_json::{Map, Value};

use crate::scim::eval;
use crate::scim::filter::{Filter, parse_filter};
use crate::scim::response::ScimError;
use crate::scim::schema::{MAX_RESULTS, Resource, SEARCH_REQUEST, declares, strip_schema};

/// A list's parameters, checked.
#[derive(Debug, Default)]
pub(crate) struct ListQuery {
    pub(crate) filter: Option<Filter>,
    /// 1-based, at least 1.
    pub(crate) start_index: u64,
    /// At most [`MAX_RESULTS`].
    pub(crate) count: usize,
    pub(crate) projection: Projection,
}

/// Which attributes to return.
#[derive(Debug, Default, Clone)]
pub(crate) struct Projection {
    attributes: Vec<String>,
    excluded: Vec<String>,
}

impl ListQuery {
    /// From a query string's pairs.
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> Result<ListQuery, ScimError> {
        let get = |name: &str| param(pairs, name);
        Self::build(
            get("filter"),
            get("startIndex"),
            get("count"),
            get("attributes"),
            get("excludedAttributes"),
        )
    }

    /// From a `/.search` body.
    pub(crate) fn from_search(body: &Value) -> Result<ListQuery, ScimError> {
        if !declares(body, SEARCH_REQUEST) {
            return Err(ScimError::invalid_syntax("scim-search-schema"));
        }
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match body.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(Value::Number(number)) => Ok(Some(number.to_string())),
                Some(Value::Array(items)) => Ok(Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                )),
                Some(_) => Err(ScimError::invalid_value("scim-search-parameter")),
            }
        };
        let (filter, start, count) = (text("filter")?, text("startIndex")?, text("count")?);
        let (attributes, excluded) = (text("attributes")?, text("excludedAttributes")?);
        Self::build(
            filter.as_deref(),
            start.as_deref(),
            count.as_deref(),
            attributes.as_deref(),
            excluded.as_deref(),
        )
    }

    fn build(
        filter: Option<&str>,
        start: Option<&str>,
        count: Option<&str>,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<ListQuery, ScimError> {
        let number = |text: Option<&str>, default: i64| -> Result<i64, ScimError> {
            match text {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| ScimError::invalid_value("scim-paging")),
            }
        };
        let filter = match filter {
            None => None,
            Some(text) if text.trim().is_empty() => None,
            Some(text) => Some(
                parse_filter(text).map_err(|error| ScimError::filter(&error, "invalidFilter"))?,
            ),
        };
        Ok(ListQuery {
            filter,
            // RFC 7644 §3.4.2.4: below 1 is taken as 1, a negative count as 0.
            start_index: number(start, 1)?.max(1).unsigned_abs(),
            count: usize::try_from(number(count, 100)?.clamp(0, MAX_RESULTS as i64))
                .unwrap_or(MAX_RESULTS),
            projection: Projection::new(attributes, excluded),
        })
    }

    /// Refuses a filter on what `resource` does not have.
    pub(crate) fn check_filter(&self, resource: Resource) -> Result<(), ScimError> {
        match &self.filter {
            Some(filter) if !eval::check(resource, filter) => Err(ScimError::says(
                400,
                Some("invalidFilter"),
                "scim-filter-attribute",
            )),
            _ => Ok(()),
        }
    }
}

fn names(list: Option<&str>) -> Vec<String> {
    list.into_iter()
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Projection {
    pub(crate) fn new(attributes: Option<&str>, excluded: Option<&str>) -> Projection {
        Projection {
            attributes: names(attributes),
            excluded: names(excluded),
        }
    }

    /// From a request's query pairs.
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> Projection {
        let get = |name: &str| param(pairs, name);
        Projection::new(get("attributes"), get("excludedAttributes"))
    }

    /// `document` with only what was asked for: `schemas` and `id` always.
    pub(crate) fn apply(&self, resource: Resource, document: Value) -> Value {
        let Value::Object(mut object) = document else {
            return document;
        };
        let paths = |list: &[String]| -> Vec<(String, Option<String>)> {
            list.iter()
                .filter_map(|path| strip_schema(resource, path))
                .map(|path| match path.split_once('.') {
                    Some((top, sub)) => (top.to_ascii_lowercase(), Some(sub.to_ascii_lowercase())),
                    None => (path.to_ascii_lowercase(), None),
                })
                .collect()
        };
        let always = |key: &str| key == "schemas" || key == "id";
        if !self.attributes.is_empty() {
            let wanted = paths(&self.attributes);
            let mut kept = Map::new();
            for (key, value) in object {
                let lower = key.to_ascii_lowercase();
                let subs: Vec<&String> = wanted
                    .iter()
                    .filter(|(top, _)| *top == lower)
                    .filter_map(|(_, sub)| sub.as_ref())
                    .collect();
                let whole = wanted
                    .iter()
                    .any(|(top, sub)| *top == lower && sub.is_none());
                if always(&key) || whole {
                    kept.insert(key, value);
                } else if !subs.is_empty() {
                    kept.insert(key, only(value, &subs));
                }
            }
            object = kept;
        }
        for (top, sub) in paths(&self.excluded) {
            let Some(key) = object
                .keys()
                .find(|key| key.to_ascii_lowercase() == top)
                .cloned()
            else {
                continue;
            };
            if always(&key) {
                continue;
            }
            match sub {
                None => {
                    object.remove(&key);
                }
                Some(sub) => {
                    if let Some(value) = object.get_mut(&key) {
                        drop_sub(value, &sub);
                    }
                }
            }
        }
        Value::Object(object)
    }
}

/// A complex value (or each of a multi-valued one's) with only `subs`.
fn only(value: Value, subs: &[&String]) -> Value {
    match value {
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|item| only(item, subs)).collect())
        }
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(key, _)| subs.iter().any(|sub| **sub == key.to_ascii_lowercase()))
                .collect(),
        ),
        other => other,
    }
}

fn drop_sub(value: &mut Value, sub: &str) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| drop_sub(item, sub)),
        Value::Object(members) => members.retain(|key, _| key.to_ascii_lowercase() != sub),
        _ => {}
    }
}

/// The value of a query parameter, by name ignoring case.
fn param<'q>(pairs: &'q [(String, String)], name: &str) -> Option<&'q str> {
    pairs
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn projections_keep_id_and_schemas() {
        let document = json!({
            "schemas": ["s"], "id": "1", "userName": "u",
            "name": { "givenName": "g", "familyName": "f" },
            "emails": [{ "value": "e", "type": "work" }],
        });
        let only = Projection::new(Some("userName,name.givenName"), None);
        assert_eq!(
            only.apply(Resource::User, document.clone()),
            json!({ "schemas": ["s"], "id": "1", "userName": "u", "name": { "givenName": "g" } })
        );
        let without = Projection::new(None, Some("emails.type, name,id"));
        assert_eq!(
            without.apply(Resource::User, document),
            json!({ "schemas": ["s"], "id": "1", "userName": "u", "emails": [{ "value": "e" }] })
        );
    }

    #[test]
    fn paging_is_bounded() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let query =
            ListQuery::from_pairs(&pairs(&[("startIndex", "-4"), ("count", "99999")])).unwrap();
        assert_eq!((query.start_index, query.count), (1, MAX_RESULTS));
        let query = ListQuery::from_pairs(&pairs(&[("count", "-1")])).unwrap();
        assert_eq!(query.count, 0);
        assert!(ListQuery::from_pairs(&pairs(&[("count", "ten")])).is_err());
        assert!(ListQuery::from_pairs(&pairs(&[("filter", "userName eq")])).is_err());
    }
}
