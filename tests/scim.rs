//! SCIM provisioning (issue 17) through `Scim::handle`, as an identity
//! provider calls it: tokens, the user and group mappings, the shapes Okta
//! and Entra ID send, R13 and R16 through SCIM, refusals across accounts,
//! and the protocol's limits.
#![cfg(feature = "scim")]

mod common;

use std::ops::ControlFlow;

use common::*;
use cres_admin::scim::{Scim, ScimRequest, ScimResponse};
use cres_admin::testing::fixtures::ALICE;
use cres_admin::{
    Action, Actor, ActorRecord, Directory, Error, Forbidden, GroupId, MemoryStore, UserLookup,
    UserStatus,
};
use serde_json::{Value, json};

const BASE: &str = "https://cres.example/scim/v2";

/// A's provisioner, talking to the directory as an identity provider.
struct Idp<'d> {
    dir: &'d Directory<MemoryStore>,
    scim: Scim,
    token: String,
    account: u64,
    language: Option<&'static str>,
}

impl Idp<'_> {
    fn request(&self, method: &str, path: &str) -> ScimRequest {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut request = ScimRequest::new(method, format!("/scim/v2/{}{path}", self.account))
            .query(query)
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Content-Type", "application/scim+json");
        if let Some(language) = self.language {
            request = request.header("Accept-Language", language);
        }
        request
    }

    fn send(&self, request: ScimRequest) -> (u16, Value, ScimResponse) {
        let response = self.scim.handle(self.dir, &request);
        let body = if response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&response.body).expect("a JSON body")
        };
        (response.status, body, response)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.body(serde_json::to_vec(&body).unwrap());
        }
        let (status, body, _) = self.send(request);
        (status, body)
    }

    fn patch(&self, path: &str, operations: Value) -> (u16, Value) {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        });
        self.call("PATCH", path, Some(body))
    }

    fn create_user(&self, user_name: &str, email: &str) -> Value {
        let (status, body) = self.call("POST", "/Users", Some(scim_user(user_name, email)));
        assert_eq!(status, 201, "{body}");
        body
    }
}

fn scim_user(user_name: &str, email: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": { "givenName": "Barbara", "familyName": "Jensen" },
        "emails": [{ "value": email, "type": "work", "primary": true }],
        "active": true,
    })
}

/// Accounts A (alice) and B (olga), and a provisioning token of A.
fn setup_with_token() -> (Directory<MemoryStore>, String) {
    let dir = setup();
    other_account_administered_by_olga(&dir);
    let issued = dir
        .issue_provisioning_token(&user(&dir, ALICE), ACCOUNT, "Okta")
        .unwrap();
    let token = issued.token.as_str().to_owned();
    (dir, token)
}

fn idp<'d>(dir: &'d Directory<MemoryStore>, token: &str) -> Idp<'d> {
    Idp {
        dir,
        scim: Scim::new(BASE),
        token: token.to_owned(),
        account: ACCOUNT.get(),
        language: None,
    }
}

fn assert_error(body: &Value, status: &str, scim_type: Option<&str>) {
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(body["status"], json!(status), "{body}");
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

// ---- tokens ----------------------------------------------------------------

#[test]
fn a_token_is_shown_once_stored_hashed_listed_and_revoked_with_an_audit_entry() {
    let (dir, token) = setup_with_token();
    let alice = user(&dir, ALICE);
    let listed = dir.provisioning_tokens(&alice, ACCOUNT).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(token.starts_with(&listed[0].id));
    assert!(!format!("{listed:?}").contains(&token[listed[0].id.len()..]));
    // Works, then stops working once revoked.
    let provider = idp(&dir, &token);
    assert_eq!(provider.call("GET", "/Users", None).0, 200);
    dir.revoke_provisioning_token(&alice, ACCOUNT, &listed[0].id)
        .unwrap();
    let (status, body) = provider.call("GET", "/Users", None);
    assert_eq!(status, 401);
    assert_error(&body, "401", None);
    assert!(dir.provisioning_tokens(&alice, ACCOUNT).unwrap().is_empty());
    let trail = dir.audit_trail(&alice, ACCOUNT, 10).unwrap();
    let actions: Vec<&Action> = trail.iter().map(|entry| &entry.record.action).collect();
    assert!(
        matches!(actions[0], Action::ProvisioningTokenRevoked { token } if token.description.as_str() == "Okta")
    );
    assert!(matches!(actions[1], Action::ProvisioningTokenIssued { .. }));
    let shown = format!("{trail:?}");
    assert!(!shown.contains(&token[listed[0].id.len()..]));
}

#[test]
fn tokens_are_refused_to_non_admins_other_accounts_and_provisioners() {
    let (dir, token) = setup_with_token();
    dir.add_user(&Actor::Support, ACCOUNT, &form("carol@example.com"))
        .unwrap();
    let carol = user(&dir, "carol@example.com");
    let olga = user(&dir, "olga@example.com");
    for actor in [carol, olga] {
        assert!(matches!(
            dir.issue_provisioning_token(&actor, ACCOUNT, "x"),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            dir.provisioning_tokens(&actor, ACCOUNT),
            Err(Error::Forbidden(_))
        ));
    }
    let provisioner = dir.authenticate_provisioner(ACCOUNT, &token).unwrap();
    assert!(matches!(
        dir.issue_provisioning_token(&provisioner, ACCOUNT, "more"),
        Err(Error::Forbidden(Forbidden::NotAccountAdministrator { .. }))
    ));
    // The token is A's: it authenticates nothing for B.
    assert!(matches!(
        dir.authenticate_provisioner(OTHER_ACCOUNT, &token),
        Err(Error::ProvisioningRefused)
    ));
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(
        dir.authenticate_provisioner(ACCOUNT, &forged),
        Err(Error::ProvisioningRefused)
    ));
    // Revoking another account's token is refused as not found.
    let olga_token = dir
        .issue_provisioning_token(&user(&dir, "olga@example.com"), OTHER_ACCOUNT, "Entra")
        .unwrap();
    assert!(matches!(
        dir.revoke_provisioning_token(&user(&dir, ALICE), ACCOUNT, &olga_token.credential.id),
        Err(Error::ProvisioningTokenNotFound)
    ));
}

#[test]
fn a_token_of_one_account_opens_nothing_of_another() {
    let (dir, token) = setup_with_token();
    let mut provider = idp(&dir, &token);
    let created = provider.create_user("bjensen", "bjensen@example.com");
    provider.account = OTHER_ACCOUNT.get();
    let (status, body) = provider.call("GET", "/Users", None);
    assert_eq!(status, 401);
    assert_error(&body, "401", None);
    // B's own provisioner does not see A's user either.
    let olga = user(&dir, "olga@example.com");
    let b_token = dir
        .issue_provisioning_token(&olga, OTHER_ACCOUNT, "Entra")
        .unwrap();
    let b = Idp {
        token: b_token.token.as_str().to_owned(),
        ..idp(&dir, &token)
    };
    let b = Idp {
        account: OTHER_ACCOUNT.get(),
        ..b
    };
    let id = created["id"].as_str().unwrap();
    assert_eq!(b.call("GET", &format!("/Users/{id}"), None).0, 404);
    assert_eq!(
        b.patch(
            &format!("/Users/{id}"),
            json!([{ "op": "replace", "path": "active", "value": false }])
        )
        .0,
        404
    );
    assert_eq!(b.call("DELETE", &format!("/Users/{id}"), None).0, 404);
    let (_, list) = b.call("GET", "/Users?filter=userName%20eq%20%22bjensen%22", None);
    assert_eq!(list["totalResults"], json!(0));
}

#[test]
fn the_audit_trail_names_the_token_that_acted() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    provider.create_user("bjensen", "bjensen@example.com");
    let trail = dir.audit_trail(&Actor::Support, ACCOUNT, 5).unwrap();
    let id = &dir.provisioning_tokens(&Actor::Support, ACCOUNT).unwrap()[0].id;
    assert!(trail.iter().any(|entry| matches!(
        (&entry.record.actor, &entry.record.action),
        (ActorRecord::Provisioner(by), Action::UserAdded { .. }) if &by.token == id
    )));
    assert!(trail
        .iter()
        .any(|entry| matches!(&entry.record.action, Action::UserNamed { user_name, .. } if user_name.as_str() == "bjensen")));
}

// ---- users -----------------------------------------------------------------

#[test]
fn a_created_user_maps_every_attribute_and_answers_201_with_location_and_etag() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let mut request = provider.request("POST", "/Users");
    let mut sent = scim_user("BJensen", "bjensen@example.com");
    sent["externalId"] = json!("00u1");
    sent["displayName"] = json!("Babs Jensen");
    request = request.body(serde_json::to_vec(&sent).unwrap());
    let (status, body, response) = provider.send(request);
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap();
    let location = format!("{BASE}/12345/Users/{id}");
    assert_eq!(response.header_value("Location"), Some(location.as_str()));
    assert_eq!(body["meta"]["location"], json!(location));
    assert_eq!(
        response.header_value("ETag"),
        body["meta"]["version"].as_str()
    );
    assert_eq!(
        response.header_value("Content-Type"),
        Some("application/scim+json")
    );
    assert_eq!(body["userName"], json!("BJensen"));
    assert_eq!(body["externalId"], json!("00u1"));
    assert_eq!(body["displayName"], json!("Babs Jensen"));
    assert_eq!(
        body["name"],
        json!({ "givenName": "Barbara", "familyName": "Jensen" })
    );
    assert_eq!(
        body["emails"],
        json!([{ "value": "bjensen@example.com", "type": "work" }])
    );
    assert_eq!(body["active"], json!(true));
    assert!(body.get("password").is_none());
    // The user exists in the directory, without a password.
    let stored = stored(&dir, "bjensen@example.com").unwrap();
    assert_eq!(stored.id.to_string(), id);
    assert!(stored.credential.is_none());
    assert_eq!(stored.created_in, ACCOUNT);
}

#[test]
fn okta_finds_users_by_user_name_in_another_case_and_gets_409_for_duplicates() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let created = provider.create_user("BJensen@Example.com", "bjensen@example.com");
    let (status, list) = provider.call(
        "GET",
        "/Users?filter=userName%20eq%20%22bjensen%40EXAMPLE.com%22&startIndex=1&count=100",
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(list["totalResults"], json!(1));
    assert_eq!(list["Resources"][0]["id"], created["id"]);
    // A duplicate userName, in any case, is 409 uniqueness.
    let (status, body) = provider.call(
        "POST",
        "/Users",
        Some(scim_user("bjensen@example.COM", "other@example.com")),
    );
    assert_eq!(status, 409);
    assert_error(&body, "409", Some("uniqueness"));
    // So is an address that has a user already.
    let (status, body) = provider.call(
        "POST",
        "/Users",
        Some(scim_user("someone", "BJENSEN@example.com")),
    );
    assert_eq!(status, 409);
    assert_error(&body, "409", Some("uniqueness"));
    // No match is 200 with nothing.
    let (status, list) = provider.call("GET", "/Users?filter=userName%20eq%20%22nobody%22", None);
    assert_eq!((status, &list["totalResults"]), (200, &json!(0)));
    assert_eq!(list["Resources"], json!([]));
}

#[test]
fn okta_soft_deletes_with_active_false_and_replaces_with_put() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let created = provider.create_user("bjensen", "bjensen@example.com");
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let (status, body) = provider.patch(
        &path,
        json!([{ "op": "replace", "value": { "active": false } }]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], json!(false));
    assert_eq!(
        stored(&dir, "bjensen@example.com").unwrap().status,
        UserStatus::Disabled
    );
    assert_ne!(body["meta"]["version"], created["meta"]["version"]);
    // PUT takes what a GET gave, id, groups and all (as scim-sanity sends it).
    let (_, mut replaced) = provider.call("GET", &path, None);
    replaced.as_object_mut().unwrap().remove("meta");
    replaced["emails"] = json!([{ "value": "barbara@example.com", "type": "work" }]);
    replaced["name"]["familyName"] = json!("Jensen-Smith");
    replaced["displayName"] = json!("Updated");
    replaced["active"] = json!(true);
    let (status, body) = provider.call("PUT", &path, Some(replaced));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["displayName"], json!("Updated"));
    assert_eq!(body["emails"][0]["value"], json!("barbara@example.com"));
    assert_eq!(body["name"]["familyName"], json!("Jensen-Smith"));
    assert_eq!(body["active"], json!(true));
    assert!(stored(&dir, "bjensen@example.com").is_none());
    // 404 is a SCIM error.
    let (status, body) = provider.call("GET", "/Users/6f0c0a5e-2f43-4b56-9d0e-1f2a3b4c5d6e", None);
    assert_eq!(status, 404);
    assert_error(&body, "404", None);
    let (status, body) = provider.call("DELETE", &path, None);
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(provider.call("GET", &path, None).0, 404);
}

#[test]
fn entra_finds_by_external_id_and_sends_capitalised_ops_string_booleans_and_filtered_paths() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let mut sent = scim_user("bjensen@contoso.onmicrosoft.com", "bjensen@example.com");
    sent["externalId"] = json!("e-77");
    let (status, created) = provider.call("POST", "/Users", Some(sent));
    assert_eq!(status, 201, "{created}");
    let (_, list) = provider.call("GET", "/Users?filter=externalId+eq+%22e-77%22", None);
    assert_eq!(list["Resources"][0]["id"], created["id"]);
    let (_, none) = provider.call("GET", "/Users?filter=externalId+eq+%22E-77%22", None);
    assert_eq!(none["totalResults"], json!(0), "externalId is case-exact");
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let (status, body) = provider.patch(
        &path,
        json!([
            { "op": "Replace", "path": "active", "value": "False" },
            { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com" },
            { "op": "Add", "path": "name.givenName", "value": "Babs" },
        ]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], json!(false));
    assert_eq!(
        body["emails"],
        json!([{ "value": "barbara@example.com", "type": "work" }])
    );
    assert_eq!(body["name"]["givenName"], json!("Babs"));
    let (_, list) = provider.call(
        "GET",
        "/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22BARBARA%40example.com%22",
        None,
    );
    assert_eq!(list["totalResults"], json!(1));
}

#[test]
fn a_user_without_an_address_is_refused_and_a_user_name_that_is_one_is_used() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let mut no_address = scim_user("bjensen", "x@example.com");
    no_address.as_object_mut().unwrap().remove("emails");
    let (status, body) = provider.call("POST", "/Users", Some(no_address.clone()));
    assert_eq!(status, 400);
    assert_error(&body, "400", Some("invalidValue"));
    no_address["userName"] = json!("bjensen@example.com");
    let (status, body) = provider.call("POST", "/Users", Some(no_address));
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["emails"][0]["value"], json!("bjensen@example.com"));
    let (status, body) = provider.call("POST", "/Users", Some(json!({ "not": "a user" })));
    assert_eq!(status, 400);
    assert_error(&body, "400", Some("invalidValue"));
}

#[test]
fn if_match_with_a_stale_version_is_412_and_changes_nothing() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let created = provider.create_user("bjensen", "bjensen@example.com");
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    provider.patch(
        &path,
        json!([{ "op": "replace", "path": "name.givenName", "value": "B" }]),
    );
    let request = provider
        .request("PATCH", &path)
        .header("If-Match", created["meta"]["version"].as_str().unwrap())
        .body(
            serde_json::to_vec(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "path": "active", "value": false }],
            }))
            .unwrap(),
        );
    let (status, body, _) = provider.send(request);
    assert_eq!(status, 412);
    assert_error(&body, "412", None);
    assert_eq!(
        stored(&dir, "bjensen@example.com").unwrap().status,
        UserStatus::Active
    );
    // A group: deleting it with a version it no longer has is refused, and
    // it stays; with its current version, it goes.
    let (_, group) = provider.call("POST", "/Groups", Some(json!({ "displayName": "Sales" })));
    let path = format!("/Groups/{}", group["id"].as_str().unwrap());
    provider.patch(
        &path,
        json!([{ "op": "replace", "path": "displayName", "value": "Sales EMEA" }]),
    );
    let stale = group["meta"]["version"].as_str().unwrap();
    let (status, body, _) =
        provider.send(provider.request("DELETE", &path).header("If-Match", stale));
    assert_eq!(status, 412, "{body}");
    let (status, current) = provider.call("GET", &path, None);
    assert_eq!(status, 200, "the group stays");
    let version = current["meta"]["version"].as_str().unwrap();
    let (status, _, _) = provider.send(
        provider
            .request("DELETE", &path)
            .header("If-Match", version),
    );
    assert_eq!(status, 204);
    assert_eq!(provider.call("GET", &path, None).0, 404);
}

// ---- R13 and R16 through SCIM -----------------------------------------------

/// R13: a user that B governs too (a member of one of B's groups) is
/// refused to A's provisioner, with the crate's message in the reader's
/// language, and stays as they were.
#[test]
fn r13_a_user_also_governed_by_another_account_is_refused_in_the_readers_language() {
    let (dir, token) = setup_with_token();
    let mut provider = idp(&dir, &token);
    let created = provider.create_user("bjensen", "bjensen@example.com");
    dir.add_to_group(
        &Actor::Support,
        GroupId::administrators(OTHER_ACCOUNT),
        "bjensen@example.com",
    )
    .unwrap();
    provider.language = Some("fr-CH, fr;q=0.9, en;q=0.5");
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let (status, body) = provider.patch(
        &path,
        json!([{ "op": "replace", "path": "active", "value": false }]),
    );
    assert_eq!(status, 403, "{body}");
    assert_error(&body, "403", None);
    let detail = body["detail"].as_str().unwrap();
    let english =
        cres_admin::Localizer::english().render(&Error::from(Forbidden::NotGoverningAdministrator));
    let french = cres_admin::Localizer::new(&["fr"])
        .render(&Error::from(Forbidden::NotGoverningAdministrator));
    assert_eq!(detail, french);
    assert_ne!(detail, english);
    assert_eq!(provider.call("DELETE", &path, None).0, 403);
    assert_eq!(
        stored(&dir, "bjensen@example.com").unwrap().status,
        UserStatus::Active
    );
    // Reading is not acting: A still lists the user.
    assert_eq!(provider.call("GET", &path, None).0, 200);
}

/// R16: the account's last active administrator can be neither disabled nor
/// deleted through SCIM.
#[test]
fn r16_the_last_active_administrator_is_refused_in_the_readers_language() {
    let (dir, token) = setup_with_token();
    let mut provider = idp(&dir, &token);
    provider.language = Some("de");
    // alice governs only A; she is its only administrator.
    let alice = id(&dir, ALICE).unwrap();
    let path = format!("/Users/{alice}");
    let (status, body) = provider.patch(
        &path,
        json!([{ "op": "replace", "path": "active", "value": "false" }]),
    );
    assert_eq!(status, 409, "{body}");
    assert_error(&body, "409", None);
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(ALICE) && detail.contains("12345"),
        "{detail}"
    );
    assert_ne!(
        detail,
        cres_admin::Localizer::english().render(&Error::LastActiveAdministrator {
            email: cres_admin::Email::parse(ALICE).unwrap(),
            account: ACCOUNT,
        })
    );
    assert_eq!(provider.call("DELETE", &path, None).0, 409);
    assert!(is_admin(&dir, ACCOUNT, ALICE));
    assert_eq!(stored(&dir, ALICE).unwrap().status, UserStatus::Active);
    // Taking her out of the administrators is refused too.
    let admins = format!("/Groups/{}", ADMINS.number);
    let (status, _) = provider.patch(
        &admins,
        json!([{ "op": "remove", "path": format!("members[value eq \"{alice}\"]") }]),
    );
    assert_eq!(status, 409);
    assert!(is_admin(&dir, ACCOUNT, ALICE));
}

/// R13: a password the provisioner chose is known outside B, so B's
/// administrator cannot put that user into B's groups.
#[test]
fn r13_a_password_chosen_by_a_provisioner_keeps_the_user_out_of_other_accounts_groups() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let mut sent = scim_user("bjensen", "bjensen@example.com");
    sent["password"] = json!("Correct-Horse-Battery-9");
    let (status, body) = provider.call("POST", "/Users", Some(sent));
    assert_eq!(status, 201, "{body}");
    assert!(body.get("password").is_none());
    assert!(
        stored(&dir, "bjensen@example.com")
            .unwrap()
            .credential
            .is_some()
    );
    let olga = user(&dir, "olga@example.com");
    assert!(matches!(
        dir.add_to_group(
            &olga,
            GroupId::administrators(OTHER_ACCOUNT),
            "bjensen@example.com"
        ),
        Err(Error::OwnPasswordRequired { .. })
    ));
}

#[test]
fn directory_provisioning_operations_are_refused_to_non_admins_and_other_accounts() {
    let (dir, _) = setup_with_token();
    dir.add_user(&Actor::Support, ACCOUNT, &form("carol@example.com"))
        .unwrap();
    let alice = id(&dir, ALICE).unwrap();
    let form = cres_admin::ProvisionedUserForm::new("x", "x@example.com", "X", "Y");
    let renamed = cres_admin::ProvisionedUserForm::new("alice", ALICE, "Mallory", "Y");
    let rename = cres_admin::GroupChange::default().rename("Taken over");
    let sales = dir
        .create_group(&Actor::Support, ACCOUNT, "Sales")
        .unwrap()
        .group
        .id;
    let alice_before = stored(&dir, ALICE).unwrap();
    let audit_before = dir
        .audit_trail(&Actor::Support, ACCOUNT, 1000)
        .unwrap()
        .len();
    let forbidden = |result: Result<(), Error>| matches!(result, Err(Error::Forbidden(_)));
    // Carol: a user of the account, no administrator; Olga: the
    // administrator of another account.
    for actor in [
        user(&dir, "carol@example.com"),
        user(&dir, "olga@example.com"),
    ] {
        assert!(forbidden(
            dir.provision_user(&actor, ACCOUNT, &form).map(drop)
        ));
        assert!(forbidden(
            dir.provisioned_user(&actor, ACCOUNT, alice).map(drop)
        ));
        assert!(forbidden(
            dir.find_provisioned_user(&actor, ACCOUNT, UserLookup::UserName("alice"))
                .map(drop)
        ));
        let mut seen = 0;
        assert!(forbidden(
            dir.visit_provisioned_users(&actor, ACCOUNT, 0, |_| {
                seen += 1;
                ControlFlow::Continue(())
            })
            .map(drop)
        ));
        assert_eq!(seen, 0, "nothing visited");
        assert!(forbidden(
            dir.update_provisioned_user(&actor, ACCOUNT, alice, &renamed, None)
                .map(drop)
        ));
        assert!(forbidden(
            dir.delete_provisioned_user(&actor, ACCOUNT, alice, None)
                .map(drop)
        ));
        assert!(forbidden(dir.provisioned_group(&actor, ADMINS).map(drop)));
        assert!(forbidden(
            dir.change_group(
                &actor,
                ADMINS,
                &cres_admin::GroupChange::default().removing([alice]),
                None
            )
            .map(drop)
        ));
        assert!(forbidden(
            dir.provision_group(&actor, ACCOUNT, &rename).map(drop)
        ));
        assert!(forbidden(
            dir.delete_provisioned_group(&actor, sales, None).map(drop)
        ));
    }
    assert!(stored(&dir, "x@example.com").is_none());
    let alice_now = stored(&dir, ALICE).expect("alice is still there");
    assert_eq!(alice_now.revision, alice_before.revision, "alice unchanged");
    assert!(is_admin(&dir, ACCOUNT, ALICE));
    assert_eq!(dir.groups(&Actor::Support, ACCOUNT).unwrap().len(), 2);
    assert_eq!(
        dir.audit_trail(&Actor::Support, ACCOUNT, 1000)
            .unwrap()
            .len(),
        audit_before,
        "no refusal leaves an audit entry"
    );
}

// ---- groups ----------------------------------------------------------------

#[test]
fn the_built_in_group_is_listed_but_keeps_its_name_and_cannot_be_deleted() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let (status, list) = provider.call("GET", "/Groups?excludedAttributes=members", None);
    assert_eq!(status, 200);
    assert_eq!(list["Resources"][0]["id"], json!("1"));
    assert!(list["Resources"][0].get("members").is_none());
    let (status, body) = provider.patch(
        "/Groups/1",
        json!([{ "op": "replace", "path": "displayName", "value": "Admins" }]),
    );
    assert_eq!(status, 400);
    assert_error(&body, "400", Some("mutability"));
    assert_eq!(provider.call("DELETE", "/Groups/1", None).0, 400);
    let (_, admins) = provider.call("GET", "/Groups/1", None);
    assert_eq!(
        admins["members"][0]["value"],
        json!(id(&dir, ALICE).unwrap().to_string())
    );
}

#[test]
fn okta_and_entra_member_shapes_add_and_remove_members() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let ann = provider.create_user("ann", "ann@example.com")["id"].clone();
    let bob = provider.create_user("bob", "bob@example.com")["id"].clone();
    let (status, group) = provider.call(
        "POST",
        "/Groups",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Sales",
            "externalId": "okta-g1",
            "members": [{ "value": ann }],
        })),
    );
    assert_eq!(status, 201, "{group}");
    assert_eq!(group["externalId"], json!("okta-g1"));
    assert_eq!(group["members"][0]["value"], ann);
    let path = format!("/Groups/{}", group["id"].as_str().unwrap());
    // Okta: add a list, remove by a filtered path.
    let (status, body) = provider.patch(
        &path,
        json!([{ "op": "add", "path": "members", "value": [{ "value": bob }] }]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["members"].as_array().unwrap().len(), 2);
    let (status, body) = provider.patch(
        &path,
        json!([{ "op": "remove", "path": format!("members[value eq {ann}]") }]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["members"],
        json!([{ "value": bob, "$ref": format!("{BASE}/12345/Users/{}", bob.as_str().unwrap()), "type": "User" }])
    );
    // Entra: capitalised ops, removal by a value list, a rename.
    let (status, body) = provider.patch(
        &path,
        json!([
            { "op": "Remove", "path": "members", "value": [{ "value": bob }] },
            { "op": "Add", "path": "members", "value": [{ "value": ann }] },
            { "op": "Replace", "path": "displayName", "value": "Sales EMEA" },
        ]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["displayName"], json!("Sales EMEA"));
    assert_eq!(body["externalId"], json!("okta-g1"));
    assert_eq!(body["members"].as_array().unwrap().len(), 1);
    // A value that is no user id names no one (scim-sanity sends one).
    let (status, body) = provider.patch(
        &path,
        json!([{ "op": "add", "path": "members", "value": [{ "value": "fake-member-id" }] }]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["members"].as_array().unwrap().len(), 1);
    let (status, body) = provider.patch(&path, json!([{ "op": "remove", "path": "externalId" }]));
    assert_eq!(status, 200, "{body}");
    assert!(body.get("externalId").is_none());
    assert_eq!(body["members"][0]["value"], ann);
    // The user shows the group.
    let (_, ann_now) = provider.call("GET", &format!("/Users/{}", ann.as_str().unwrap()), None);
    assert_eq!(ann_now["groups"][0]["display"], json!("Sales EMEA"));
    assert_eq!(provider.call("DELETE", &path, None).0, 204);
    assert_eq!(provider.call("GET", &path, None).0, 404);
}

/// Two providers' PATCHes to one group at once: each reads the group,
/// applies its operation and writes back at the revision it read; the
/// one that meets a newer revision reads and applies again. No member
/// is lost and no PATCH without `If-Match` is answered 412.
#[test]
fn concurrent_patches_of_one_group_lose_no_member() {
    const EACH: usize = 40;
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let ids: Vec<Vec<Value>> = (0..2)
        .map(|side| {
            (0..EACH)
                .map(|i| {
                    let name = format!("u{side}-{i}");
                    provider.create_user(&name, &format!("{name}@example.com"))["id"].clone()
                })
                .collect()
        })
        .collect();
    let (status, group) = provider.call(
        "POST",
        "/Groups",
        Some(json!({ "displayName": "Sales", "members": [] })),
    );
    assert_eq!(status, 201, "{group}");
    let path = format!("/Groups/{}", group["id"].as_str().unwrap());
    std::thread::scope(|scope| {
        for side in &ids {
            let (dir, token, path) = (&dir, &token, &path);
            scope.spawn(move || {
                let provider = idp(dir, token);
                for id in side {
                    let (status, body) = provider.patch(
                        path,
                        json!([{ "op": "add", "path": "members", "value": [{ "value": id }] }]),
                    );
                    assert_eq!(status, 200, "{body}");
                }
            });
        }
    });
    let (status, group) = provider.call("GET", &path, None);
    assert_eq!(status, 200);
    assert_eq!(group["members"].as_array().unwrap().len(), 2 * EACH);
}

#[test]
fn a_member_from_another_account_is_refused() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let olga = id(&dir, "olga@example.com").unwrap();
    let (status, body) = provider.patch(
        &format!("/Groups/{}", ADMINS.number),
        json!([{ "op": "add", "path": "members", "value": [{ "value": olga.to_string() }] }]),
    );
    assert_eq!(status, 400, "{body}");
    assert_error(&body, "400", Some("invalidValue"));
    assert!(!is_admin(&dir, ACCOUNT, "olga@example.com"));
}

// ---- queries ---------------------------------------------------------------

#[test]
fn filters_paging_and_projections() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    for name in ["ann", "anna", "bob", "carl"] {
        provider.create_user(name, &format!("{name}@example.com"));
    }
    let count = |filter: &str| {
        let encoded: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let (status, list) = provider.call("GET", &format!("/Users?filter={encoded}"), None);
        assert_eq!(status, 200, "{filter}: {list}");
        list["totalResults"].as_u64().unwrap()
    };
    assert_eq!(count(r#"userName sw "an""#), 2);
    assert_eq!(count(r#"userName co "n""#), 2);
    assert_eq!(count(r#"userName ne "ann" and userName sw "a""#), 2);
    assert_eq!(count(r#"not (userName sw "a") or userName eq "ann""#), 3);
    assert_eq!(count("externalId pr"), 0);
    assert_eq!(count("active eq true"), 5);
    assert_eq!(count(r#"meta.lastModified ge "2000-01-01T00:00:00Z""#), 5);
    assert_eq!(
        count(r#"emails[type eq "work" and value ew "@example.com"]"#),
        5
    );
    for refused in [r#"title eq "x""#, "userName eq", r#"active gt "x""#] {
        let encoded: String = form_urlencoded::byte_serialize(refused.as_bytes()).collect();
        let (status, body) = provider.call("GET", &format!("/Users?filter={encoded}"), None);
        assert_eq!(status, 400, "{refused}");
        assert_error(&body, "400", Some("invalidFilter"));
    }
    let (_, page) = provider.call(
        "GET",
        "/Users?startIndex=2&count=2&attributes=userName",
        None,
    );
    assert_eq!(page["totalResults"], json!(5));
    assert_eq!(page["startIndex"], json!(2));
    assert_eq!(page["itemsPerPage"], json!(2));
    let first = &page["Resources"][0];
    assert!(first.get("userName").is_some() && first.get("id").is_some());
    assert!(first.get("emails").is_none() && first.get("meta").is_none());
    let (_, none) = provider.call("GET", "/Users?count=0", None);
    assert_eq!(none["Resources"], json!([]));
    // POST /.search, per resource and across both.
    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"c\"",
        "excludedAttributes": ["groups"],
    });
    let (status, found) = provider.call("POST", "/Users/.search", Some(search));
    assert_eq!(status, 200);
    assert_eq!(found["totalResults"], json!(1));
    assert!(found["Resources"][0].get("groups").is_none());
    let everything = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "attributes": ["externalId"] });
    let (status, all) = provider.call("POST", "/.search", Some(everything));
    assert_eq!(status, 200);
    assert_eq!(
        all["totalResults"],
        json!(6),
        "5 users and the built-in group"
    );
}

// ---- protocol --------------------------------------------------------------

#[test]
fn discovery_says_what_is_supported_and_refuses_other_verbs() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let (status, config) = provider.call("GET", "/ServiceProviderConfig", None);
    assert_eq!(status, 200);
    assert_eq!(config["patch"]["supported"], json!(true));
    assert_eq!(config["bulk"]["supported"], json!(false));
    assert_eq!(config["filter"]["maxResults"], json!(1000));
    let (_, types) = provider.call("GET", "/ResourceTypes", None);
    assert_eq!(types["totalResults"], json!(2));
    let (status, schema) = provider.call(
        "GET",
        "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
        None,
    );
    assert_eq!(status, 200);
    let names: Vec<&str> = schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "userName",
            "name",
            "displayName",
            "active",
            "emails",
            "password",
            "groups"
        ]
    );
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let (status, body) = provider.call(method, "/ServiceProviderConfig", None);
        assert_eq!(status, 405, "{method}");
        assert_error(&body, "405", None);
    }
    for unknown in [
        "/Nothing",
        "/ResourceTypes/Robot",
        "/Schemas/urn:x",
        "/Users/a/b",
    ] {
        let (status, body) = provider.call("GET", unknown, None);
        assert_eq!(status, 404, "{unknown}");
        assert_error(&body, "404", None);
    }
}

#[test]
fn bodies_and_patches_are_bounded_before_parsing() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let huge = provider
        .request("POST", "/Users")
        .body(vec![b' '; (1 << 20) + 1]);
    let (status, body, _) = provider.send(huge);
    assert_eq!(status, 413);
    assert_error(&body, "413", None);
    let created = provider.create_user("bjensen", "bjensen@example.com");
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let operations: Vec<Value> = (0..1001)
        .map(|_| json!({ "op": "replace", "path": "active", "value": true }))
        .collect();
    assert_eq!(provider.patch(&path, Value::Array(operations)).0, 413);
    let long = "a".repeat(3000);
    let (status, body) = provider.call(
        "GET",
        &format!("/Users?filter=userName%20eq%20%22{long}%22"),
        None,
    );
    assert_eq!(status, 400);
    assert_error(&body, "400", Some("invalidFilter"));
    let deep = format!("{}userName pr{}", "not (".repeat(20), ")".repeat(20));
    let encoded: String = form_urlencoded::byte_serialize(deep.as_bytes()).collect();
    assert_eq!(
        provider
            .call("GET", &format!("/Users?filter={encoded}"), None)
            .0,
        400
    );
    // application/json is accepted; text is not.
    let json_body = provider
        .request("POST", "/Users")
        .header("Content-Type", "application/json");
    let mut json_body = json_body;
    json_body
        .headers
        .retain(|(name, value)| !(name == "Content-Type" && value == "application/scim+json"));
    let json_body =
        json_body.body(serde_json::to_vec(&scim_user("ann", "ann@example.com")).unwrap());
    assert_eq!(provider.send(json_body).0, 201);
    let mut text = provider.request("POST", "/Users");
    text.headers.retain(|(name, _)| name != "Content-Type");
    let text = text
        .header("Content-Type", "text/plain")
        .body(b"{}".to_vec());
    assert_eq!(provider.send(text).0, 415);
}

#[test]
fn requests_without_a_valid_bearer_token_are_401() {
    let (dir, token) = setup_with_token();
    let provider = idp(&dir, &token);
    let mut anonymous = provider.request("GET", "/Users");
    anonymous
        .headers
        .retain(|(name, _)| name != "Authorization");
    let (status, body, response) = provider.send(anonymous);
    assert_eq!(status, 401);
    assert_error(&body, "401", None);
    assert!(response.header_value("WWW-Authenticate").is_some());
    let wrong = Idp {
        token: "not-a-token".into(),
        ..idp(&dir, &token)
    };
    assert_eq!(wrong.call("GET", "/Users", None).0, 401);
}
