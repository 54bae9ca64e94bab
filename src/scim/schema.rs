//! What the endpoints support, said once: the schema URNs, the attributes of
//! each resource with their characteristics (which the filters, the PATCH
//! paths and the projections consult), and the discovery documents built
//! from them (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`).

use serde_json::{Value, json};

/// The core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// A list response.
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// A PATCH request.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// A `/.search` request.
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// An error.
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const SERVICE_PROVIDER_CONFIG: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// The most resources one list answers with.
pub const MAX_RESULTS: usize = 1_000;
/// The most operations one PATCH may carry.
pub const MAX_OPERATIONS: usize = 1_000;
/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A SCIM attribute type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    String,
    Boolean,
    DateTime,
    Reference,
    Complex,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Boolean => "boolean",
            Type::DateTime => "dateTime",
            Type::Reference => "reference",
            Type::Complex => "complex",
        }
    }
}

/// One attribute and how it behaves.
#[derive(Debug)]
pub(crate) struct Attribute {
    pub(crate) name: &'static str,
    pub(crate) kind: Type,
    pub(crate) multi: bool,
    pub(crate) required: bool,
    pub(crate) case_exact: bool,
    pub(crate) mutability: &'static str,
    pub(crate) returned: &'static str,
    pub(crate) uniqueness: &'static str,
    pub(crate) sub: &'static [Attribute],
    /// The only values it takes, if it is so limited.
    pub(crate) canonical: &'static [&'static str],
    /// What a reference may point to.
    pub(crate) reference_types: &'static [&'static str],
    pub(crate) description: &'static str,
}

const fn attr(name: &'static str, kind: Type, description: &'static str) -> Attribute {
    Attribute {
        name,
        kind,
        multi: false,
        required: false,
        case_exact: false,
        mutability: "readWrite",
        returned: "default",
        uniqueness: "none",
        sub: &[],
        canonical: &[],
        reference_types: &[],
        description,
    }
}

/// A required attribute.
const fn required(name: &'static str, kind: Type, description: &'static str) -> Attribute {
    Attribute {
        required: true,
        ..attr(name, kind, description)
    }
}

const NAME: &[Attribute] = &[
    required("givenName", Type::String, "The first name."),
    required("familyName", Type::String, "The last name."),
];

const EMAIL: &[Attribute] = &[
    required(
        "value",
        Type::String,
        "The address where encrypted mail arrives.",
    ),
    Attribute {
        canonical: &["work"],
        ..attr("type", Type::String, "Always 'work'.")
    },
];

const USER_GROUP: &[Attribute] = &[
    Attribute {
        mutability: "readOnly",
        case_exact: true,
        ..attr("value", Type::String, "The group's id.")
    },
    Attribute {
        mutability: "readOnly",
        case_exact: true,
        reference_types: &["Group"],
        ..attr("$ref", Type::Reference, "The group's URI.")
    },
    Attribute {
        mutability: "readOnly",
        ..attr("display", Type::String, "The group's name.")
    },
];

/// The User resource's attributes, beyond `id`, `externalId` and `meta`.
pub(crate) const USER_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        required: true,
        uniqueness: "server",
        ..attr(
            "userName",
            Type::String,
            "What the identity provider calls the user, unique in the account ignoring case.",
        )
    },
    Attribute {
        sub: NAME,
        ..required("name", Type::Complex, "The user's names.")
    },
    attr(
        "displayName",
        Type::String,
        "How the identity provider shows the user.",
    ),
    required(
        "active",
        Type::Boolean,
        "Whether the user may sign in (false: disabled).",
    ),
    Attribute {
        multi: true,
        sub: EMAIL,
        ..required(
            "emails",
            Type::Complex,
            "The user's one address, where encrypted mail arrives.",
        )
    },
    Attribute {
        mutability: "writeOnly",
        returned: "never",
        case_exact: true,
        ..attr(
            "password",
            Type::String,
            "A new password, checked against the password policy.",
        )
    },
    Attribute {
        multi: true,
        mutability: "readOnly",
        sub: USER_GROUP,
        ..attr(
            "groups",
            Type::Complex,
            "The account's groups the user is in.",
        )
    },
];

const MEMBER: &[Attribute] = &[
    Attribute {
        mutability: "immutable",
        case_exact: true,
        ..attr("value", Type::String, "The member's user id.")
    },
    Attribute {
        mutability: "immutable",
        case_exact: true,
        reference_types: &["User"],
        ..attr("$ref", Type::Reference, "The member's URI.")
    },
    Attribute {
        mutability: "immutable",
        canonical: &["User"],
        ..attr("type", Type::String, "Always 'User': members are users.")
    },
];

/// The Group resource's attributes, beyond `id` and `meta`.
pub(crate) const GROUP_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        required: true,
        uniqueness: "server",
        ..attr(
            "displayName",
            Type::String,
            "The group's name, unique in the account ignoring case.",
        )
    },
    Attribute {
        multi: true,
        sub: MEMBER,
        ..attr("members", Type::Complex, "The group's members (users).")
    },
];

/// The attributes every resource has.
const COMMON: &[Attribute] = &[
    Attribute {
        mutability: "readOnly",
        returned: "always",
        uniqueness: "server",
        case_exact: true,
        ..attr("id", Type::String, "")
    },
    Attribute {
        case_exact: true,
        ..attr("externalId", Type::String, "")
    },
];

const META: &[Attribute] = &[
    attr("created", Type::DateTime, ""),
    attr("lastModified", Type::DateTime, ""),
];

/// Which resource a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    User,
    Group,
}

impl Resource {
    pub(crate) fn schema(self) -> &'static str {
        match self {
            Resource::User => USER_SCHEMA,
            Resource::Group => GROUP_SCHEMA,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Resource::User => "User",
            Resource::Group => "Group",
        }
    }

    pub(crate) fn endpoint(self) -> &'static str {
        match self {
            Resource::User => "Users",
            Resource::Group => "Groups",
        }
    }

    fn attributes(self) -> &'static [Attribute] {
        match self {
            Resource::User => USER_ATTRIBUTES,
            Resource::Group => GROUP_ATTRIBUTES,
        }
    }

    /// The attribute `name` (ignoring case) and, if given, its
    /// sub-attribute `sub`: `None` for what the resource does not have.
    pub(crate) fn attribute(self, name: &str, sub: Option<&str>) -> Option<&'static Attribute> {
        let top = if name.eq_ignore_ascii_case("meta") {
            return sub.and_then(|sub| find(META, sub));
        } else {
            find(COMMON, name).or_else(|| find(self.attributes(), name))?
        };
        match sub {
            None => Some(top),
            Some(sub) if top.kind == Type::Complex => find(top.sub, sub),
            Some(_) => None,
        }
    }
}

fn find(attributes: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    attributes
        .iter()
        .find(|attribute| attribute.name.eq_ignore_ascii_case(name))
}

/// Whether a message body lists `urn` (ignoring case) among its
/// `schemas`, or lists none: clients that leave `schemas` out are served.
pub(crate) fn declares(body: &Value, urn: &str) -> bool {
    body.get("schemas").is_none_or(|schemas| {
        schemas.as_array().is_some_and(|schemas| {
            schemas
                .iter()
                .any(|schema| schema.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
        })
    })
}

/// Strips a resource's own schema URN from an attribute path
/// (`urn:…:User:name.givenName` → `name.givenName`); `None` for another
/// schema's.
pub(crate) fn strip_schema(resource: Resource, path: &str) -> Option<&str> {
    let schema = resource.schema();
    match path.get(..schema.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(schema) => {
            path[schema.len()..].strip_prefix(':')
        }
        _ if path.to_ascii_lowercase().starts_with("urn:") => None,
        _ => Some(path),
    }
}

fn describe(attribute: &Attribute) -> Value {
    let mut described = json!({
        "name": attribute.name,
        "type": attribute.kind.name(),
        "multiValued": attribute.multi,
        "description": attribute.description,
        "required": attribute.required,
        "mutability": attribute.mutability,
        "returned": attribute.returned,
    });
    if attribute.kind == Type::Complex {
        described["subAttributes"] = attribute.sub.iter().map(describe).collect();
    } else {
        described["caseExact"] = attribute.case_exact.into();
        described["uniqueness"] = attribute.uniqueness.into();
    }
    if attribute.kind == Type::Reference {
        described["referenceTypes"] = json!(attribute.reference_types);
    }
    if !attribute.canonical.is_empty() {
        described["canonicalValues"] = json!(attribute.canonical);
    }
    described
}

fn meta(resource_type: &str, location: String) -> Value {
    json!({ "resourceType": resource_type, "location": location })
}

/// `/ServiceProviderConfig`.
pub(crate) fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "documentationUri": "https://docs.rs/cres-admin/latest/cres_admin/scim/",
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": true },
        "sort": { "supported": false },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Provisioning token",
            "description": "A provisioning token of the account, issued by one of its administrators, as a bearer token.",
            "primary": true,
        }],
        "meta": meta("ServiceProviderConfig", format!("{base}/ServiceProviderConfig")),
    })
}

/// One `/ResourceTypes/{name}`.
pub(crate) fn resource_type(base: &str, resource: Resource) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE],
        "id": resource.name(),
        "name": resource.name(),
        "endpoint": format!("/{}", resource.endpoint()),
        "description": format!("The account's {}", resource.endpoint().to_lowercase()),
        "schema": resource.schema(),
        "schemaExtensions": [],
        "meta": meta("ResourceType", format!("{base}/ResourceTypes/{}", resource.name())),
    })
}

/// One `/Schemas/{urn}`.
pub(crate) fn schema(base: &str, resource: Resource) -> Value {
    let attributes: Vec<Value> = resource.attributes().iter().map(describe).collect();
    json!({
        "schemas": [SCHEMA],
        "id": resource.schema(),
        "name": resource.name(),
        "description": format!("A {} of a CRES account", resource.name().to_lowercase()),
        "attributes": attributes,
        "meta": meta("Schema", format!("{base}/Schemas/{}", resource.schema())),
    })
}

/// Both resources, users first.
pub(crate) const RESOURCES: [Resource; 2] = [Resource::User, Resource::Group];

/// The resource whose schema URN this is.
pub(crate) fn resource_of_schema(urn: &str) -> Option<Resource> {
    RESOURCES
        .into_iter()
        .find(|resource| resource.schema().eq_ignore_ascii_case(urn))
}

/// The resource whose name this is (`User`, `Group`).
pub(crate) fn resource_named(name: &str) -> Option<Resource> {
    RESOURCES
        .into_iter()
        .find(|resource| resource.name().eq_ignore_ascii_case(name))
}
