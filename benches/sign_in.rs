//! The cost of signing in and adding users, side by side with the argon2
//! work they cannot avoid, at the default (OWASP) parameters:
//!
//! - `authenticate` (a signed-in user) vs a bare argon2id verify;
//! - `add_user` vs a bare argon2id hash;
//! - sign-in of an unknown address vs a wrong password: they must cost the
//!   same, or the time would tell which addresses have users.
//!
//! Run: `cargo bench --bench sign_in`.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use cres_admin::{
    AccountNumber, Actor, AddUserForm, Directory, GroupId, MemoryStore, Password, SignIn,
    SignInPolicy, SignInSource,
};
use criterion::{Criterion, criterion_group, criterion_main};

const ACCOUNT: AccountNumber = AccountNumber::new(12345);
const PASSWORD: &str = "correct horse battery staple";
/// Every attempt comes from one source: the benchmark is of the work per
/// attempt, not of the lock-outs.
const SOURCE: SignInSource = SignInSource::unknown();

fn new_user(email: &str, enforce_password_expiration: bool) -> AddUserForm {
    AddUserForm::new(email, "Bench", "Mark", Password::new(PASSWORD))
        .enforce_password_expiration(enforce_password_expiration)
}

/// Default hashing; failures never lock (neither the source nor the user),
/// so every wrong password is verified and costs the same.
fn directory() -> Directory<MemoryStore> {
    let never_lock = {
        let mut policy = SignInPolicy::default();
        policy.max_failures = u32::MAX;
        policy.max_user_failures = u32::MAX;
        policy
    };
    let dir = Directory::new(MemoryStore::new()).with_sign_in_policy(never_lock);
    dir.create_account(&Actor::Support, ACCOUNT, "Bench")
        .unwrap();
    dir.add_user(
        &Actor::Support,
        ACCOUNT,
        &new_user("bob@example.com", false),
    )
    .unwrap();
    dir.add_to_group(
        &Actor::Support,
        GroupId::administrators(ACCOUNT),
        "bob@example.com",
    )
    .unwrap();
    dir
}

fn sign_in(c: &mut Criterion) {
    let dir = directory();
    let password = Password::new(PASSWORD);
    let wrong = Password::new("not the password at all");
    let bare = Argon2::default();
    let phc = bare.hash_password(PASSWORD.as_bytes()).unwrap().to_string();
    assert!(matches!(
        dir.authenticate(&SOURCE, "bob@example.com", &password),
        Ok(SignIn::SignedIn(_))
    ));

    let mut group = c.benchmark_group("authenticate");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("Directory::authenticate", |b| {
        b.iter(|| dir.authenticate(&SOURCE, black_box("bob@example.com"), black_box(&password)))
    });
    group.bench_function("bare argon2 verify", |b| {
        b.iter(|| bare.verify_password(black_box(PASSWORD.as_bytes()), black_box(phc.as_str())))
    });
    group.finish();

    let mut group = c.benchmark_group("add_user");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    let next = AtomicU64::new(0);
    group.bench_function("Directory::add_user", |b| {
        b.iter(|| {
            let email = format!("user{}@example.com", next.fetch_add(1, Ordering::Relaxed));
            dir.add_user(&Actor::Support, ACCOUNT, &new_user(&email, true))
                .unwrap()
        })
    });
    group.bench_function("bare argon2 hash", |b| {
        b.iter(|| {
            bare.hash_password(black_box(PASSWORD.as_bytes()))
                .unwrap()
                .to_string()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("refused_sign_in");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("unknown address", |b| {
        b.iter(|| {
            dir.authenticate(
                &SOURCE,
                black_box("nobody@example.com"),
                black_box(&password),
            )
        })
    });
    group.bench_function("wrong password", |b| {
        b.iter(|| dir.authenticate(&SOURCE, black_box("bob@example.com"), black_box(&wrong)))
    });
    group.finish();
}

criterion_group!(benches, sign_in);
criterion_main!(benches);
