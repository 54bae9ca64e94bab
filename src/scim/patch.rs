//! PATCH (RFC 7644 §3.5.2) applied to a resource's JSON representation,
//! in the shapes identity providers send: op names in any case, paths
//! with or without the schema URN, value filters (also for a value that
//! does not exist yet, which `add` and `replace` then create), a `replace`
//! without a path carrying an object (with dotted keys, as Entra ID sends),
//! removals by value list (as Okta and Entra ID send for group members),
//! and booleans as strings (`"False"`).

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::scim::eval;
use crate::scim::filter::{CompValue, CompareOp, Filter, parse_patch_path};
use crate::scim::response::ScimError;
use crate::scim::schema::{
    Attribute, MAX_OPERATIONS, PATCH_OP, Resource, Type, declares, strip_schema,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Applies the PATCH request `body` to `document`; what the request may not
/// change (read-only attributes, `id`, `meta`) is refused.
pub(crate) fn apply(
    resource: Resource,
    document: &mut Value,
    body: &Value,
) -> Result<(), ScimError> {
    if !declares(body, PATCH_OP) {
        return Err(ScimError::invalid_syntax("scim-patch-schema"));
    }
    let operations = body
        .get("Operations")
        .or_else(|| body.get("operations"))
        .and_then(Value::as_array)
        .filter(|operations| !operations.is_empty())
        .ok_or_else(|| ScimError::invalid_syntax("scim-patch-operations"))?;
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::says(413, None, "scim-too-many-operations"));
    }
    for operation in operations {
        let op = match operation
            .get("op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("add") => Op::Add,
            Some("replace") => Op::Replace,
            Some("remove") => Op::Remove,
            _ => return Err(ScimError::invalid_syntax("scim-patch-op")),
        };
        let value = operation.get("value");
        match operation.get("path").and_then(Value::as_str) {
            Some(path) => apply_path(resource, document, op, path, value)?,
            None if op == Op::Remove => {
                return Err(ScimError::says(
                    400,
                    Some("noTarget"),
                    "scim-patch-no-target",
                ));
            }
            None => {
                let Some(Value::Object(values)) = value else {
                    return Err(ScimError::invalid_value("scim-patch-value"));
                };
                for (key, value) in values {
                    // The resource's own schema as a key holds its attributes.
                    if key.eq_ignore_ascii_case(resource.schema()) {
                        let Value::Object(inner) = value else {
                            return Err(ScimError::invalid_value("scim-patch-value"));
                        };
                        for (key, value) in inner {
                            apply_path(resource, document, op, key, Some(value))?;
                        }
                    } else if key.eq_ignore_ascii_case("schemas") {
                        continue;
                    } else {
                        apply_path(resource, document, op, key, Some(value))?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn apply_path(
    resource: Resource,
    document: &mut Value,
    op: Op,
    path: &str,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let invalid = || ScimError::invalid_path("scim-patch-path");
    let path = strip_schema(resource, path).ok_or_else(invalid)?;
    let parsed =
        parse_patch_path(path).map_err(|error| ScimError::filter(&error, "invalidPath"))?;
    let name = &parsed.path.name;
    let top = resource.attribute(name, None).ok_or_else(invalid)?;
    if top.name == "id" || top.mutability == "readOnly" {
        return Err(ScimError::says(400, Some("mutability"), "scim-read-only"));
    }
    let value = match (op, value) {
        (Op::Remove, value) => value.cloned(),
        (_, Some(value)) => Some(value.clone()),
        (_, None) => return Err(ScimError::invalid_value("scim-patch-value")),
    };
    // `name.givenName` (or the bracket form's `.value`).
    let sub_name = parsed.path.sub.as_deref().or(parsed.sub.as_deref());
    let sub = match sub_name {
        Some(sub) => Some(resource.attribute(name, Some(sub)).ok_or_else(invalid)?),
        None => None,
    };
    let object = document.as_object_mut().ok_or_else(invalid)?;
    match &parsed.filter {
        None => {
            match sub {
                Some(sub) if top.multi => {
                    // `emails.value`: every value's sub-attribute.
                    let values = object
                        .entry(top.name)
                        .or_insert_with(|| Value::Array(Vec::new()));
                    for item in values.as_array_mut().into_iter().flatten() {
                        set_member(item, sub, op, value.as_ref())?;
                    }
                }
                Some(sub) => {
                    let holder = object
                        .entry(top.name)
                        .or_insert_with(|| Value::Object(Map::new()));
                    set_member(holder, sub, op, value.as_ref())?;
                }
                None => set_attribute(object, top, op, value)?,
            }
        }
        Some(filter) => {
            if !top.multi || top.kind != Type::Complex || !eval::check_values(top, filter) {
                return Err(ScimError::filter_in_path());
            }
            let values = object
                .entry(top.name)
                .or_insert_with(|| Value::Array(Vec::new()));
            if !values.is_array() {
                *values = Value::Array(Vec::new());
            }
            let Value::Array(items) = values else {
                unreachable!("made an array above");
            };
            let matching: Vec<usize> = (0..items.len())
                .filter(|&i| eval::matches_value(top, &items[i], filter))
                .collect();
            match op {
                Op::Remove => {
                    for &i in matching.iter().rev() {
                        match sub {
                            Some(sub) => set_member(&mut items[i], sub, op, None)?,
                            None => {
                                items.remove(i);
                            }
                        }
                    }
                }
                Op::Add | Op::Replace => {
                    if matching.is_empty() {
                        // A value that does not exist yet: made from the filter.
                        let mut item = Value::Object(equalities(filter));
                        merge(&mut item, sub, value.as_ref(), top)?;
                        items.push(item);
                    }
                    for &i in &matching {
                        merge(&mut items[i], sub, value.as_ref(), top)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Sets a value's sub-attribute (or a complex attribute's member).
fn set_member(
    holder: &mut Value,
    attribute: &Attribute,
    op: Op,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if !holder.is_object() {
        *holder = Value::Object(Map::new());
    }
    let Value::Object(holder) = holder else {
        unreachable!("made an object above");
    };
    match (op, value) {
        (Op::Remove, _) => {
            holder.remove(attribute.name);
        }
        (_, Some(value)) => {
            holder.insert(attribute.name.to_owned(), normalized(attribute, value)?);
        }
        (_, None) => return Err(ScimError::invalid_value("scim-patch-value")),
    }
    Ok(())
}

fn merge(
    item: &mut Value,
    sub: Option<&Attribute>,
    value: Option<&Value>,
    parent: &Attribute,
) -> Result<(), ScimError> {
    match (sub, value) {
        (Some(sub), value) => set_member(item, sub, Op::Replace, value),
        (None, Some(Value::Object(values))) => {
            for (key, value) in values {
                let sub = parent
                    .sub
                    .iter()
                    .find(|sub| sub.name.eq_ignore_ascii_case(key))
                    .ok_or_else(|| ScimError::invalid_value("scim-patch-value"))?;
                set_member(item, sub, Op::Replace, Some(value))?;
            }
            Ok(())
        }
        _ => Err(ScimError::invalid_value("scim-patch-value")),
    }
}

/// Adds, replaces or removes a whole attribute.
fn set_attribute(
    object: &mut Map<String, Value>,
    attribute: &Attribute,
    op: Op,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let key = attribute.name;
    if !attribute.multi {
        match (op, value) {
            (Op::Remove, _) => {
                object.remove(key);
            }
            (_, Some(Value::Object(values))) if attribute.kind == Type::Complex => {
                let holder = object
                    .entry(key)
                    .or_insert_with(|| Value::Object(Map::new()));
                if op == Op::Replace {
                    *holder = Value::Object(Map::new());
                }
                merge(holder, None, Some(&Value::Object(values)), attribute)?;
            }
            (_, Some(value)) => {
                object.insert(key.to_owned(), normalized(attribute, &value)?);
            }
            (_, None) => return Err(ScimError::invalid_value("scim-patch-value")),
        }
        return Ok(());
    }
    let items: Vec<Value> = match value {
        None => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(Value::Null) => Vec::new(),
        Some(item) => vec![item],
    };
    let items = items
        .into_iter()
        .map(|item| normalized(attribute, &item))
        .collect::<Result<Vec<_>, _>>()?;
    match op {
        Op::Replace => {
            object.insert(key.to_owned(), Value::Array(items));
        }
        Op::Add => {
            let values = object
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()));
            if !values.is_array() {
                *values = Value::Array(Vec::new());
            }
            let Value::Array(values) = values else {
                unreachable!("made an array above");
            };
            let mut seen: HashSet<String> = values.iter().filter_map(value_key).collect();
            for item in items {
                let new = match value_key(&item) {
                    Some(key) => seen.insert(key),
                    None => !values.contains(&item),
                };
                if new {
                    values.push(item);
                }
            }
        }
        Op::Remove if items.is_empty() => {
            object.remove(key);
        }
        Op::Remove => {
            // Removal by value list: the values named, no others.
            if let Some(Value::Array(values)) = object.get_mut(key) {
                let named: HashSet<String> = items.iter().filter_map(value_key).collect();
                values.retain(|existing| match value_key(existing) {
                    Some(key) => !named.contains(&key),
                    None => !items.contains(existing),
                });
            }
        }
    }
    Ok(())
}

/// What makes a value of a multi-valued attribute the same value as
/// another: its `value` member ignoring ASCII case (addresses, ids), when
/// that is a string; values without one are the same only when equal. A
/// key rather than a comparison, so that adding or removing k values among
/// n takes n + k steps, not n × k.
fn value_key(value: &Value) -> Option<String> {
    value.get("value")?.as_str().map(str::to_ascii_lowercase)
}

/// `value` as the attribute's type wants it: booleans sent as strings
/// (`"False"`, as Entra ID sends them) become booleans; a complex value's
/// members are normalized by their own types.
fn normalized(attribute: &Attribute, value: &Value) -> Result<Value, ScimError> {
    let wrong = || ScimError::invalid_value("scim-patch-value");
    Ok(match (attribute.kind, value) {
        (Type::Boolean, Value::String(text)) if text.eq_ignore_ascii_case("true") => {
            Value::Bool(true)
        }
        (Type::Boolean, Value::String(text)) if text.eq_ignore_ascii_case("false") => {
            Value::Bool(false)
        }
        (Type::Boolean, Value::Bool(_))
        | (Type::String | Type::Reference | Type::DateTime, Value::String(_)) => value.clone(),
        (_, Value::Null) => Value::Null,
        (Type::Complex, Value::Object(members)) => {
            let mut out = Map::new();
            // What the schema does not have is ignored, as on create.
            for (key, member) in members {
                if let Some(sub) = attribute
                    .sub
                    .iter()
                    .find(|sub| sub.name.eq_ignore_ascii_case(key))
                {
                    out.insert(sub.name.to_owned(), normalized(sub, member)?);
                }
            }
            Value::Object(out)
        }
        _ => return Err(wrong()),
    })
}

/// The `attribute eq value` parts of a filter joined by `and`: what a value
/// created for a filtered path starts with (`emails[type eq "work"]`).
fn equalities(filter: &Filter) -> Map<String, Value> {
    let mut found = Map::new();
    let mut stack = vec![filter];
    while let Some(filter) = stack.pop() {
        match filter {
            Filter::And(left, right) => stack.extend([&**left, &**right]),
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } if path.sub.is_none() => {
                let value = match value {
                    CompValue::Str(text) => Value::String(text.clone()),
                    CompValue::Bool(flag) => Value::Bool(*flag),
                    _ => continue,
                };
                found.insert(path.name.clone(), value);
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn patched(document: Value, operations: Value) -> Result<Value, u16> {
        let mut document = document;
        let body = json!({ "schemas": [PATCH_OP], "Operations": operations });
        apply(Resource::User, &mut document, &body)
            .map(|()| document)
            .map_err(|error| error.status())
    }

    fn user() -> Value {
        json!({
            "userName": "bjensen",
            "active": true,
            "name": { "givenName": "Barbara", "familyName": "Jensen" },
            "emails": [{ "value": "bjensen@example.com", "type": "work", "primary": true }]
        })
    }

    #[test]
    fn entra_shapes_apply() {
        let done = patched(
            user(),
            json!([
                { "op": "Replace", "path": "active", "value": "False" },
                { "op": "Add", "path": "emails[type eq \"work\"].value", "value": "b@example.com" },
                { "op": "Replace", "path": "name.familyName", "value": "Jensen-Smith" },
                { "op": "Add", "path": "externalId", "value": "e1" },
            ]),
        )
        .unwrap();
        assert_eq!(done["active"], json!(false));
        assert_eq!(done["emails"][0]["value"], json!("b@example.com"));
        assert_eq!(done["emails"].as_array().unwrap().len(), 1);
        assert_eq!(done["name"]["familyName"], json!("Jensen-Smith"));
        assert_eq!(done["externalId"], json!("e1"));
    }

    #[test]
    fn a_filtered_path_with_no_match_creates_the_value() {
        let mut document = user();
        document["emails"] = json!([]);
        let done = patched(
            document,
            json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com" }]),
        )
        .unwrap();
        assert_eq!(
            done["emails"],
            json!([{ "type": "work", "value": "new@example.com" }])
        );
    }

    #[test]
    fn a_pathless_replace_sets_each_key() {
        let done = patched(
            user(),
            json!([{ "op": "replace", "value": {
                "active": "true",
                "name.givenName": "Babs",
                "urn:ietf:params:scim:schemas:core:2.0:User:userName": "babs",
            } }]),
        )
        .unwrap();
        assert_eq!(done["active"], json!(true));
        assert_eq!(done["name"]["givenName"], json!("Babs"));
        assert_eq!(done["userName"], json!("babs"));
    }

    #[test]
    fn removals_and_refusals() {
        let done = patched(
            user(),
            json!([{ "op": "remove", "path": "emails[type eq \"work\"]" }]),
        )
        .unwrap();
        assert_eq!(done["emails"], json!([]));
        assert_eq!(patched(user(), json!([{ "op": "remove" }])), Err(400));
        assert_eq!(
            patched(user(), json!([{ "op": "move", "path": "active" }])),
            Err(400)
        );
        assert_eq!(
            patched(
                user(),
                json!([{ "op": "add", "path": "title", "value": "x" }])
            ),
            Err(400)
        );
        assert_eq!(
            patched(
                user(),
                json!([{ "op": "add", "path": "groups", "value": [] }])
            ),
            Err(400)
        );
        assert_eq!(
            patched(
                user(),
                json!([{ "op": "replace", "path": "active", "value": "maybe" }])
            ),
            Err(400)
        );
        assert_eq!(patched(user(), json!([])), Err(400));
    }

    #[test]
    fn values_are_added_once_and_removed_by_value_ignoring_case() {
        let added = patched(
            user(),
            json!([{ "op": "add", "path": "emails", "value": [
                { "value": "BJensen@Example.com", "type": "work" },
                { "value": "babs@example.org", "type": "home" },
                { "value": "Babs@example.org", "type": "home" },
            ] }]),
        )
        .unwrap();
        let values = |document: &Value| -> Vec<String> {
            document["emails"]
                .as_array()
                .unwrap()
                .iter()
                .map(|email| email["value"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(values(&added), ["bjensen@example.com", "babs@example.org"]);
        let removed = patched(
            added,
            json!([{ "op": "remove", "path": "emails", "value": [{ "value": "BABS@example.org" }] }]),
        )
        .unwrap();
        assert_eq!(values(&removed), ["bjensen@example.com"]);
    }
}
