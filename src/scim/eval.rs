//! Filters evaluated on a resource's JSON representation, each attribute
//! compared as its schema says (case-exact or not, strings, booleans,
//! date-times). A filter is checked against the schema first, so that an
//! attribute the resource does not have, or an operator its type has no
//! meaning for, is refused (`invalidFilter`) rather than matching nothing.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::schema::{Attribute, Resource, Type, strip_schema};

/// Where a filter's attribute names are looked up: a resource, or the
/// values of one of its multi-valued attributes (inside `emails[…]`).
#[derive(Clone, Copy)]
enum Scope {
    Resource(Resource),
    Values(&'static Attribute),
}

impl Scope {
    fn attribute(
        self,
        path: &AttrPath,
    ) -> Option<(&'static Attribute, Option<&'static Attribute>)> {
        match self {
            Scope::Resource(resource) => {
                if let Some(schema) = &path.schema {
                    strip_schema(resource, &format!("{schema}:x"))?;
                }
                if path.name.eq_ignore_ascii_case("meta") {
                    // `meta.lastModified`: a value of its own, found in `meta`.
                    return Some((resource.attribute("meta", path.sub.as_deref())?, None));
                }
                let top = resource.attribute(&path.name, None)?;
                let sub = match &path.sub {
                    Some(sub) => Some(resource.attribute(&path.name, Some(sub))?),
                    None => None,
                };
                Some((top, sub))
            }
            Scope::Values(parent) => {
                if path.schema.is_some() || path.sub.is_some() {
                    return None;
                }
                let found = parent
                    .sub
                    .iter()
                    .find(|attribute| attribute.name.eq_ignore_ascii_case(&path.name))?;
                Some((found, None))
            }
        }
    }
}

/// Whether `filter` means something for `resource`: every attribute exists,
/// none is write-only, and every operator fits its attribute's type.
pub(crate) fn check(resource: Resource, filter: &Filter) -> bool {
    check_in(Scope::Resource(resource), filter)
}

/// Whether `filter` means something for the values of `attribute` (the
/// filter of a PATCH path such as `emails[type eq "work"]`).
pub(crate) fn check_values(attribute: &'static Attribute, filter: &Filter) -> bool {
    check_in(Scope::Values(attribute), filter)
}

/// Whether one value of `attribute` matches `filter`.
pub(crate) fn matches_value(attribute: &'static Attribute, value: &Value, filter: &Filter) -> bool {
    matches_in(Scope::Values(attribute), value, filter)
}

fn check_in(scope: Scope, filter: &Filter) -> bool {
    let compared = |path: &AttrPath| {
        scope.attribute(path).and_then(|(top, sub)| {
            let attribute = sub.unwrap_or(top);
            let attribute = if attribute.kind == Type::Complex {
                // `emails eq "…"` compares the values' `value`.
                attribute.sub.iter().find(|sub| sub.name == "value")?
            } else {
                attribute
            };
            (attribute.returned != "never").then_some(attribute)
        })
    };
    match filter {
        Filter::Compare { path, op, value } => {
            compared(path).is_some_and(|attribute| match (attribute.kind, value) {
                (Type::Boolean, CompValue::Bool(_) | CompValue::Null) => {
                    matches!(op, CompareOp::Eq | CompareOp::Ne)
                }
                (Type::String | Type::Reference | Type::DateTime, CompValue::Str(_))
                | (_, CompValue::Null) => true,
                _ => false,
            })
        }
        Filter::Present(path) => compared(path).is_some(),
        Filter::And(left, right) | Filter::Or(left, right) => {
            check_in(scope, left) && check_in(scope, right)
        }
        Filter::Not(inner) => check_in(scope, inner),
        Filter::ValuePath { path, filter } => match (scope, scope.attribute(path)) {
            (Scope::Resource(_), Some((top, None))) if top.multi && top.kind == Type::Complex => {
                check_in(Scope::Values(top), filter)
            }
            _ => false,
        },
    }
}

/// Whether the resource (or value) `document` matches `filter`, which
/// [`check`] accepted.
pub(crate) fn matches(resource: Resource, document: &Value, filter: &Filter) -> bool {
    matches_in(Scope::Resource(resource), document, filter)
}

fn matches_in(scope: Scope, document: &Value, filter: &Filter) -> bool {
    match filter {
        Filter::Compare { path, op, value } => {
            let Some((attribute, values)) = values_at(scope, document, path) else {
                return false;
            };
            let equal = |value_here: &Value| compare(attribute, value_here, CompareOp::Eq, value);
            match (op, value) {
                (CompareOp::Eq, CompValue::Null) => values.is_empty(),
                (CompareOp::Ne, CompValue::Null) => !values.is_empty(),
                (CompareOp::Ne, _) => !values.iter().any(|found| equal(found)),
                _ => values
                    .iter()
                    .any(|found| compare(attribute, found, *op, value)),
            }
        }
        Filter::Present(path) => {
            values_at(scope, document, path).is_some_and(|(_, values)| !values.is_empty())
        }
        Filter::And(left, right) => {
            matches_in(scope, document, left) && matches_in(scope, document, right)
        }
        Filter::Or(left, right) => {
            matches_in(scope, document, left) || matches_in(scope, document, right)
        }
        Filter::Not(inner) => !matches_in(scope, document, inner),
        Filter::ValuePath { path, filter } => {
            let Some((parent, _)) = scope.attribute(path) else {
                return false;
            };
            field(document, parent.name)
                .and_then(Value::as_array)
                .is_some_and(|values| {
                    values
                        .iter()
                        .any(|value| matches_in(Scope::Values(parent), value, filter))
                })
        }
    }
}

/// The attribute a path compares, and its non-empty values in `document`
/// (a multi-valued complex attribute without a sub-attribute gives its
/// values' `value`).
fn values_at<'d>(
    scope: Scope,
    document: &'d Value,
    path: &AttrPath,
) -> Option<(&'static Attribute, Vec<&'d Value>)> {
    let (top, sub) = scope.attribute(path)?;
    let here = field(document, top.name);
    let (attribute, sub_name) = match sub {
        Some(sub) => (sub, Some(sub.name)),
        None if top.kind == Type::Complex => (
            top.sub.iter().find(|sub| sub.name == "value")?,
            Some("value"),
        ),
        None => (top, None),
    };
    let mut values = Vec::new();
    let mut push = |value: &'d Value| {
        let value = match sub_name {
            Some(name) => field(value, name),
            None => Some(value),
        };
        if let Some(value) = value.filter(|value| !is_empty(value)) {
            values.push(value);
        }
    };
    match here {
        Some(Value::Array(items)) => items.iter().for_each(&mut push),
        Some(value) => push(value),
        None => {}
    }
    Some((attribute, values))
}

/// A member of a JSON object, by its canonical name (or `meta.x` for
/// `meta`'s sub-attributes, which the schema lists on their own).
fn field<'d>(document: &'d Value, name: &str) -> Option<&'d Value> {
    document
        .get(name)
        .or_else(|| document.get("meta").and_then(|meta| meta.get(name)))
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn compare(attribute: &Attribute, found: &Value, op: CompareOp, wanted: &CompValue) -> bool {
    match (found, wanted) {
        (Value::Bool(found), CompValue::Bool(wanted)) => match op {
            CompareOp::Eq => found == wanted,
            CompareOp::Ne => found != wanted,
            _ => false,
        },
        (Value::String(found), CompValue::Str(wanted)) if attribute.kind == Type::DateTime => {
            match (
                found.parse::<DateTime<Utc>>(),
                wanted.parse::<DateTime<Utc>>(),
            ) {
                (Ok(found), Ok(wanted)) => ordered(op, found.cmp(&wanted)),
                _ => false,
            }
        }
        (Value::String(found), CompValue::Str(wanted)) => {
            if attribute.case_exact {
                strings(op, found, wanted)
            } else {
                strings(op, &found.to_lowercase(), &wanted.to_lowercase())
            }
        }
        _ => false,
    }
}

fn strings(op: CompareOp, found: &str, wanted: &str) -> bool {
    match op {
        CompareOp::Co => found.contains(wanted),
        CompareOp::Sw => found.starts_with(wanted),
        CompareOp::Ew => found.ends_with(wanted),
        _ => ordered(op, found.cmp(wanted)),
    }
}

fn ordered(op: CompareOp, order: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        CompareOp::Eq => order == Equal,
        CompareOp::Ne => order != Equal,
        CompareOp::Gt => order == Greater,
        CompareOp::Ge => order != Less,
        CompareOp::Lt => order == Less,
        CompareOp::Le => order != Greater,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::filter::parse_filter;

    fn user() -> Value {
        json!({
            "id": "abc",
            "userName": "BJensen",
            "externalId": "00u1",
            "active": true,
            "name": { "givenName": "Barbara", "familyName": "Jensen" },
            "emails": [{ "value": "bjensen@example.com", "type": "work", "primary": true }],
            "meta": { "lastModified": "2026-11-30T10:00:00Z" }
        })
    }

    fn finds(filter: &str) -> bool {
        let filter = parse_filter(filter).unwrap();
        assert!(check(Resource::User, &filter), "{filter}");
        matches(Resource::User, &user(), &filter)
    }

    #[test]
    fn each_attribute_compares_as_its_schema_says() {
        assert!(finds(r#"userName eq "bjensen""#));
        assert!(!finds(r#"externalId eq "00U1""#));
        assert!(finds(r#"externalId eq "00u1""#));
        assert!(finds(
            r#"emails[type eq "work"].value eq "BJENSEN@example.com""#
        ));
        assert!(finds(r#"emails[type eq "work" and value co "jensen"]"#));
        assert!(!finds(r#"emails[type eq "home"]"#));
        assert!(finds(r#"emails co "example.com""#));
        assert!(finds(r#"name.givenName sw "bar""#));
        assert!(finds("active eq true and not (active eq false)"));
        assert!(finds(r#"meta.lastModified gt "2026-11-30T09:59:59Z""#));
        assert!(!finds(
            r#"meta.lastModified gt "2026-11-30T10:00:00+00:00""#
        ));
        assert!(!finds("externalId pr and not (name.givenName pr)"));
        assert!(finds(r#"userName ne "ann" or userName eq "x""#));
    }

    #[test]
    fn what_the_schema_lacks_is_refused() {
        for refused in [
            "title pr",
            r#"password eq "x""#,
            "active gt true",
            r#"active eq "yes""#,
            r#"urn:example:ext:userName eq "x""#,
            r#"userName[value eq "x"]"#,
        ] {
            let filter = parse_filter(refused).unwrap();
            assert!(!check(Resource::User, &filter), "{refused}");
        }
        let filter = parse_filter(r#"members.display eq "x""#).unwrap();
        assert!(!check(Resource::Group, &filter));
        let filter =
            parse_filter(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen""#)
                .unwrap();
        assert!(check(Resource::User, &filter));
        assert!(matches(Resource::User, &user(), &filter));
    }
}
