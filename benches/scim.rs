//! SCIM provisioning (issue 17), each request through [`Scim::handle`]
//! authenticated by the account's provisioning token, side by side in one
//! run with the bare directory calls that answer it (the actor
//! authenticated once beforehand), on one account of 100,000 users:
//!
//! - `user_name_eq`: `GET /Users?filter=userName eq "user-N"`, N over a
//!   fixed list of 1,000 random existing users, vs `find_provisioned_user`
//!   by user name and an equivalent JSON object built with `serde_json`;
//!   also at 10,000 users, to show the lookup does not grow with the
//!   account (an index, not a scan); and the token check alone;
//! - `page_of_100`: `GET /Users?startIndex=1&count=100` vs
//!   `visit_provisioned_users` taking 100, each serialized the same way;
//! - `patch_add_100_members`: a PATCH adding 100 members to a custom group
//!   in one operation vs `change_group` with the same 100 ids, each on a
//!   fresh, empty group (made, and the previous one deleted, untimed).
//!
//! Run: `cargo bench --features scim --bench scim`.

use std::cell::Cell;
use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use cres_admin::scim::{Scim, ScimRequest};
use cres_admin::{
    AccountNumber, Actor, Directory, GroupChange, GroupId, MemoryStore, PasswordHashing,
    ProvisionedUser, ProvisionedUserForm, UserId, UserLookup, UserStatus,
};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};

const ACCOUNT: AccountNumber = AccountNumber::new(12345);
const BASE_URL: &str = "https://cres.example/scim/v2";
const BASE: &str = "https://cres.example/scim/v2/12345";
const USERS_PATH: &str = "/scim/v2/12345/Users";
/// The account's size for every measure, and the smaller one beside it.
const LARGE: u32 = 100_000;
const SMALL: u32 = 10_000;
/// How many users the lookups rotate over.
const PROBES: usize = 1_000;
/// A page, and the members one PATCH adds.
const HUNDRED: usize = 100;

/// One account of `users` provisioned users, its token, the bare actor and
/// the users' ids in creation order.
struct Fixture {
    directory: Directory<MemoryStore>,
    token: String,
    actor: Actor,
    ids: Vec<UserId>,
}

impl Fixture {
    fn new(users: u32) -> Fixture {
        let started = Instant::now();
        let directory = Directory::new(MemoryStore::new())
            .with_password_hashing(PasswordHashing::insecure_fast());
        directory
            .create_account(&Actor::Support, ACCOUNT, "Example")
            .expect("a new account");
        let token = directory
            .issue_provisioning_token(&Actor::Support, ACCOUNT, "bench")
            .expect("a token")
            .token
            .as_str()
            .to_owned();
        let ids = (0..users)
            .map(|i| {
                let form = ProvisionedUserForm::new(
                    format!("user-{i}"),
                    format!("user-{i}@example.com"),
                    "Given",
                    "Family",
                );
                directory
                    .provision_user(&Actor::Support, ACCOUNT, &form)
                    .expect("a new user")
                    .profile
                    .id
            })
            .collect();
        let actor = directory
            .authenticate_provisioner(ACCOUNT, &token)
            .expect("the token");
        eprintln!(
            "scim: {users} users provisioned in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        Fixture {
            directory,
            token,
            actor,
            ids,
        }
    }

    fn request(&self, method: &str, path: impl Into<String>) -> ScimRequest {
        ScimRequest::new(method, path).header("Authorization", format!("Bearer {}", self.token))
    }
}

/// `PROBES` distinct user numbers below `users`, the same for every run
/// (splitmix64 from a fixed seed).
fn probes(users: u32) -> Vec<u32> {
    let mut state: u64 = 0x5eed_0017;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut chosen = Vec::with_capacity(PROBES);
    while chosen.len() < PROBES {
        let n = u32::try_from(next() % u64::from(users)).expect("below users");
        if !chosen.contains(&n) {
            chosen.push(n);
        }
    }
    chosen
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The baseline's JSON: the user's id, userName, name, emails, active and
/// meta, as SCIM writes them, serialized.
fn bare_json(user: &ProvisionedUser) -> Vec<u8> {
    let profile = &user.profile;
    serde_json::to_vec(&serde_json::json!({
        "id": profile.id.to_string(),
        "userName": user.user_name(),
        "name": {
            "givenName": profile.first_name.as_str(),
            "familyName": profile.last_name.as_str(),
        },
        "emails": [{ "value": profile.email.as_str(), "type": "work" }],
        "active": profile.status == UserStatus::Active,
        "meta": {
            "resourceType": "User",
            "created": time(profile.created_at),
            "lastModified": time(user.last_modified()),
            "location": format!("{BASE}/Users/{}", profile.id),
            "version": format!("W/\"{}\"", user.revision),
        },
    }))
    .expect("JSON")
}

/// `userName eq`, through SCIM and bare, at `fixture`'s size.
fn user_name_eq(c: &mut Criterion, fixture: &Fixture, size: u32, with_token_check: bool) {
    let scim = Scim::new(BASE_URL);
    let numbers = probes(size);
    let requests: Vec<ScimRequest> = numbers
        .iter()
        .map(|n| {
            fixture
                .request("GET", USERS_PATH)
                .query(format!("filter=userName%20eq%20%22user-{n}%22"))
        })
        .collect();
    let names: Vec<String> = numbers.iter().map(|n| format!("user-{n}")).collect();
    let first = scim.handle(&fixture.directory, &requests[0]);
    assert_eq!(first.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&first.body).expect("JSON");
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["userName"], names[0].as_str());

    let mut group = c.benchmark_group("user_name_eq");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let next = Cell::new(0);
    let take = || {
        let i = next.get();
        next.set((i + 1) % PROBES);
        i
    };
    group.bench_function(BenchmarkId::new("scim", size), |b| {
        b.iter(|| {
            let response = scim.handle(&fixture.directory, black_box(&requests[take()]));
            black_box(response.body)
        })
    });
    group.bench_function(BenchmarkId::new("bare_find_user_then_json", size), |b| {
        b.iter(|| {
            let user = fixture
                .directory
                .find_provisioned_user(
                    &fixture.actor,
                    ACCOUNT,
                    UserLookup::UserName(black_box(&names[take()])),
                )
                .expect("the lookup")
                .expect("an existing user");
            black_box(bare_json(&user))
        })
    });
    if with_token_check {
        // What every SCIM request does first: parse the bearer token, read
        // its record, compare the SHA-256 of its secret part.
        group.bench_function(
            BenchmarkId::new("bare_authenticate_provisioner", size),
            |b| {
                b.iter(|| {
                    black_box(
                        fixture
                            .directory
                            .authenticate_provisioner(ACCOUNT, black_box(&fixture.token))
                            .expect("the token"),
                    )
                })
            },
        );
    }
    group.finish();
}

/// The first page of 100 users, through SCIM and bare.
fn page_of_100(c: &mut Criterion, fixture: &Fixture) {
    let scim = Scim::new(BASE_URL);
    let request = fixture
        .request("GET", USERS_PATH)
        .query(format!("startIndex=1&count={HUNDRED}"));
    let first = scim.handle(&fixture.directory, &request);
    assert_eq!(first.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&first.body).expect("JSON");
    assert_eq!(body["totalResults"], LARGE);
    assert_eq!(body["itemsPerPage"], HUNDRED);

    let mut group = c.benchmark_group("page_of_100");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.bench_function(BenchmarkId::new("scim", LARGE), |b| {
        b.iter(|| black_box(scim.handle(&fixture.directory, black_box(&request)).body))
    });
    group.bench_function(BenchmarkId::new("bare_visit_100", LARGE), |b| {
        b.iter(|| {
            let mut page = Vec::with_capacity(HUNDRED);
            fixture
                .directory
                .visit_provisioned_users(&fixture.actor, ACCOUNT, black_box(0), |user| {
                    page.push(bare_json(&user));
                    if page.len() < HUNDRED {
                        ControlFlow::Continue(())
                    } else {
                        ControlFlow::Break(())
                    }
                })
                .expect("the visit");
            black_box(page)
        })
    });
    group.finish();
}

/// Makes a fresh, empty custom group, deleting the one made before it, so
/// that every PATCH starts from the same state and the account (and the
/// users' group lists) keep their size.
struct FreshGroups<'a> {
    fixture: &'a Fixture,
    made: Cell<u64>,
    previous: Cell<Option<GroupId>>,
}

impl FreshGroups<'_> {
    fn next(&self) -> GroupId {
        let directory = &self.fixture.directory;
        if let Some(previous) = self.previous.take() {
            directory
                .delete_group(&Actor::Support, previous)
                .expect("deleting the last group");
        }
        let n = self.made.get();
        self.made.set(n + 1);
        let group = directory
            .create_group(&Actor::Support, ACCOUNT, &format!("Sales {n}"))
            .expect("a new group")
            .group
            .id;
        self.previous.set(Some(group));
        group
    }
}

/// Adding 100 members to a fresh group in one PATCH, through SCIM and bare.
fn patch_add_100_members(c: &mut Criterion, fixture: &Fixture) {
    let scim = Scim::new(BASE_URL);
    let members: Vec<UserId> = probes(LARGE)
        .iter()
        .take(HUNDRED)
        .map(|&n| fixture.ids[n as usize])
        .collect();
    let values: Vec<serde_json::Value> = members
        .iter()
        .map(|id| serde_json::json!({ "value": id.to_string() }))
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "add", "path": "members", "value": values }],
    }))
    .expect("JSON");
    let patch = |group: GroupId| {
        fixture
            .request("PATCH", format!("/scim/v2/12345/Groups/{}", group.number))
            .header("Content-Type", "application/scim+json")
            .body(body.clone())
    };
    let fresh = FreshGroups {
        fixture,
        made: Cell::new(0),
        previous: Cell::new(None),
    };
    let first = scim.handle(&fixture.directory, &patch(fresh.next()));
    assert_eq!(first.status, 200);
    let document: serde_json::Value = serde_json::from_slice(&first.body).expect("JSON");
    assert_eq!(document["members"].as_array().map(Vec::len), Some(HUNDRED));

    let mut group = c.benchmark_group("patch_add_100_members");
    group.sample_size(50);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function(BenchmarkId::new("scim", LARGE), |b| {
        b.iter_batched(
            || patch(fresh.next()),
            |request| black_box(scim.handle(&fixture.directory, &request).body),
            BatchSize::PerIteration,
        )
    });
    let change = GroupChange::default().adding(members.iter().copied());
    group.bench_function(BenchmarkId::new("bare_change_group_add_100", LARGE), |b| {
        b.iter_batched(
            || fresh.next(),
            |id| {
                black_box(
                    fixture
                        .directory
                        .change_group(&fixture.actor, id, black_box(&change), None)
                        .expect("the change"),
                )
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    // The smaller account first, then dropped; the large one serves all.
    let small = Fixture::new(SMALL);
    user_name_eq(c, &small, SMALL, false);
    drop(small);
    let large = Fixture::new(LARGE);
    user_name_eq(c, &large, LARGE, true);
    page_of_100(c, &large);
    patch_add_100_members(c, &large);
}

criterion_group!(scim, benches);
criterion_main!(scim);
