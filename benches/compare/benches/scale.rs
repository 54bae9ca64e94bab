//! cres-admin at 1,000, 100,000 and 1,000,000 users, side by side in each
//! criterion group with the bare hash maps holding the same memberships and
//! with casbin-rs (RBAC with domains) loaded with them:
//!
//! - `is_account_admin`: [`Directory::is_account_admin`] vs one `HashSet`
//!   probe vs casbin's `enforce` (the matcher, which asks the role manager)
//!   and casbin's `has_role_for_user` (the role manager alone);
//! - `add_to_group`: [`Directory::add_to_group`] by an administrator
//!   (parse, authorize, write, audit) vs a probe and an insert vs casbin's
//!   `enforce` and `add_grouping_policy`;
//! - `list_groups`: [`Directory::groups`] (authorize, the account's groups
//!   with their member counts) vs a probe and a clone of the account's
//!   groups vs casbin's `enforce` and the account's grouping rules
//!   (`get_filtered_grouping_policy` on the domain), counted by role.
//!
//! Each size is loaded once, before its groups run. Probes rotate over
//! [`PROBES`] users spread over the whole directory, so a large directory
//! pays its cache misses.
//!
//! Run: `cargo bench -p cres-admin-compare --bench scale`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use casbin::prelude::{Enforcer, MgmtApi, RbacApi};
use cres_admin::store::Transaction;
use cres_admin::{
    AccountNumber, Actor, Directory, GroupId, MemoryStore, PasswordHash, Store, UserId,
};
use cres_admin_compare::{
    ADMIN_ROLE, Bare, SIZES, USERS_PER_ACCOUNT, accounts_for, address, casbin,
    casbin_is_account_admin, domain, memory_store, ready, real_hash, user_id,
};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};

/// How many different users the probes rotate over.
const PROBES: usize = 1024;

/// An administrator, the account they administer, and a user of that
/// account who is not an administrator: everything each contender needs,
/// made before the clock runs.
struct Probe {
    account: AccountNumber,
    domain: String,
    /// The administrator, by id (what a session holds).
    admin: UserId,
    actor: Actor,
    admin_key: (GroupId, String),
    /// A user of the account outside the administrators group.
    target: String,
    target_id: UserId,
}

impl Probe {
    fn new(account: u64) -> Probe {
        let number = AccountNumber::new(account);
        let admin = account * USERS_PER_ACCOUNT;
        let target = admin + 1;
        Probe {
            account: number,
            domain: domain(number),
            admin: user_id(admin),
            actor: Actor::User(user_id(admin)),
            admin_key: (GroupId::administrators(number), address(admin)),
            target: address(target),
            target_id: user_id(target),
        }
    }

    fn admins(&self) -> GroupId {
        GroupId::administrators(self.account)
    }
}

/// Up to [`PROBES`] accounts spread evenly over the directory, each with a
/// second user (the target of *Add to Group*).
fn probes(users: u64) -> Vec<Probe> {
    let accounts = users / USERS_PER_ACCOUNT; // whole accounts only
    let count = (PROBES as u64).min(accounts);
    (0..count)
        .map(|k| Probe::new(k * accounts / count))
        .collect()
}

/// The next probe, round robin.
fn next<'a>(probes: &'a [Probe], turn: &mut usize) -> &'a Probe {
    *turn = (*turn + 1) % probes.len();
    &probes[*turn]
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
}

struct Contenders<'a> {
    users: u64,
    store: &'a MemoryStore,
    directory: Directory<&'a MemoryStore>,
    bare: Bare,
    casbin: Enforcer,
    probes: Vec<Probe>,
}

fn is_account_admin(c: &mut Criterion, x: &Contenders<'_>) {
    let mut group = c.benchmark_group("is_account_admin");
    configure(&mut group);
    for p in &x.probes {
        assert!(x.directory.is_account_admin(p.account, p.admin).unwrap());
        assert!(x.bare.memberships.contains(&p.admin_key));
        assert!(casbin_is_account_admin(
            &x.casbin,
            &p.domain,
            &p.admin_key.1
        ));
        assert!(
            !casbin_is_account_admin(&x.casbin, &p.domain, &p.target),
            "casbin must tell staff from administrators"
        );
    }
    let id = |name| BenchmarkId::new(name, x.users);
    let mut turn = 0;
    group.bench_function(id("MemoryStore"), |b| {
        b.iter(|| {
            let p = next(&x.probes, &mut turn);
            x.directory
                .is_account_admin(black_box(p.account), black_box(p.admin))
                .unwrap()
        })
    });
    group.bench_function(id("HashSet"), |b| {
        b.iter(|| {
            let p = next(&x.probes, &mut turn);
            x.bare.memberships.contains(black_box(&p.admin_key))
        })
    });
    group.bench_function(id("casbin enforce"), |b| {
        b.iter(|| {
            let p = next(&x.probes, &mut turn);
            casbin_is_account_admin(&x.casbin, black_box(&p.domain), black_box(&p.admin_key.1))
        })
    });
    group.bench_function(id("casbin has_role_for_user"), |b| {
        b.iter(|| {
            let p = next(&x.probes, &mut turn);
            x.casbin.has_role_for_user(
                black_box(&p.admin_key.1),
                ADMIN_ROLE,
                Some(black_box(&p.domain)),
            )
        })
    });
    group.finish();
}

/// Runs `add` on `iters` probes in batches of at most one pass over the
/// probes, timing only `add`; `undo` takes each batch's memberships out
/// again, untimed, so every size keeps its size.
fn batched<S>(
    probes: &[Probe],
    iters: u64,
    state: &mut S,
    add: impl Fn(&mut S, &Probe),
    undo: impl Fn(&mut S, &[Probe]),
) -> Duration {
    let mut elapsed = Duration::ZERO;
    let mut left = iters as usize;
    while left > 0 {
        let batch = &probes[..left.min(probes.len())];
        let start = Instant::now();
        for p in batch {
            add(state, p);
        }
        elapsed += start.elapsed();
        undo(state, batch);
        left -= batch.len();
    }
    elapsed
}

/// casbin's grouping rule making `p`'s target an administrator.
fn admin_rule(p: &Probe) -> Vec<String> {
    vec![p.target.clone(), ADMIN_ROLE.to_owned(), p.domain.clone()]
}

fn add_to_group(c: &mut Criterion, x: &mut Contenders<'_>) {
    let mut group = c.benchmark_group("add_to_group");
    configure(&mut group);
    let id = |name| BenchmarkId::new(name, x.users);
    let probes = &x.probes;
    group.bench_function(id("MemoryStore"), |b| {
        b.iter_custom(|iters| {
            batched(
                probes,
                iters,
                &mut (),
                |(), p| {
                    black_box(
                        x.directory
                            .add_to_group(&p.actor, p.admins(), black_box(&p.target))
                            .unwrap(),
                    );
                },
                |(), batch| {
                    let mut tx = x.store.begin_write().unwrap();
                    for p in batch {
                        tx.remove_member(p.admins(), p.target_id).unwrap();
                    }
                    tx.commit().unwrap();
                },
            )
        })
    });
    group.bench_function(id("HashSet"), |b| {
        b.iter_custom(|iters| {
            batched(
                probes,
                iters,
                &mut x.bare,
                |bare, p| {
                    assert!(bare.memberships.contains(black_box(&p.admin_key)));
                    assert!(bare.memberships.insert((p.admins(), p.target.clone())));
                },
                |bare, batch| {
                    for p in batch {
                        bare.memberships.remove(&(p.admins(), p.target.clone()));
                    }
                },
            )
        })
    });
    group.bench_function(id("casbin"), |b| {
        b.iter_custom(|iters| {
            batched(
                probes,
                iters,
                &mut x.casbin,
                |enforcer, p| {
                    assert!(casbin_is_account_admin(
                        enforcer,
                        &p.domain,
                        black_box(&p.admin_key.1)
                    ));
                    assert!(ready(enforcer.add_grouping_policy(admin_rule(p))).unwrap());
                },
                |enforcer, batch| {
                    for p in batch {
                        assert!(ready(enforcer.remove_grouping_policy(admin_rule(p))).unwrap());
                    }
                },
            )
        })
    });
    group.finish();
}

fn list_groups(c: &mut Criterion, x: &Contenders<'_>) {
    let mut group = c.benchmark_group("list_groups");
    configure(&mut group);
    let id = |name| BenchmarkId::new(name, x.users);
    let mut turn = 0;
    group.bench_function(id("MemoryStore"), |b| {
        b.iter(|| {
            let p = next(&x.probes, &mut turn);
            x.directory
                .groups(black_box(&p.actor), black_box(p.account))
                .unwrap()
        })
    });
    group.bench_function(id("HashMap"), |b| {
        b.iter(|| {
            let p = next(&x.probes, &mut turn);
            assert!(x.bare.memberships.contains(black_box(&p.admin_key)));
            x.bare.groups.get(black_box(&p.account)).cloned()
        })
    });
    group.bench_function(id("casbin"), |b| {
        b.iter(|| {
            let p = next(&x.probes, &mut turn);
            assert!(casbin_is_account_admin(
                &x.casbin,
                black_box(&p.domain),
                &p.admin_key.1
            ));
            let mut roles: BTreeMap<String, usize> = BTreeMap::new();
            for rule in x
                .casbin
                .get_filtered_grouping_policy(2, vec![p.domain.clone()])
            {
                *roles.entry(rule[1].clone()).or_default() += 1;
            }
            roles
        })
    });
    group.finish();
}

fn scale(c: &mut Criterion) {
    let hash: PasswordHash = real_hash();
    for users in SIZES {
        let start = Instant::now();
        let store = memory_store(users, &hash);
        let loaded_store = start.elapsed();
        let start = Instant::now();
        let casbin = casbin(users);
        let loaded_casbin = start.elapsed();
        eprintln!(
            "{users} users in {} accounts: MemoryStore loaded in {loaded_store:.2?}, casbin in {loaded_casbin:.2?}",
            accounts_for(users)
        );
        let mut contenders = Contenders {
            users,
            store: &store,
            directory: Directory::new(&store),
            bare: Bare::new(users),
            casbin,
            probes: probes(users),
        };
        is_account_admin(c, &contenders);
        add_to_group(c, &mut contenders);
        list_groups(c, &contenders);
    }
}

criterion_group!(benches, scale);
criterion_main!(benches);
