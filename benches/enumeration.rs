//! Unknown address vs wrong password (R15): the time of a refused sign-in
//! must not tell whether an address has a user, whatever parameters the
//! stored hash was made with. Side by side in one run:
//!
//! - an unknown address (a verification of the dummy hash);
//! - a wrong password for a user whose hash has the current parameters;
//! - a wrong password for a user whose hash was made before the parameters
//!   were raised (OWASP's 19 MiB now, 4 MiB and 1 pass then);
//! - a bare argon2id verification at the current parameters, the floor.
//!
//! Lock-outs are off, so every attempt is verified. The ratios to the
//! unknown address are in `benches/README.md`.
//!
//! Run: `cargo bench --bench enumeration`.

use std::hint::black_box;
use std::time::Duration;

use cres_admin::{
    AccountNumber, Actor, AddUserForm, Directory, MemoryStore, Password, PasswordHashing,
    SignInPolicy, SignInSource,
};
use criterion::{Criterion, criterion_group, criterion_main};

const ACCOUNT: AccountNumber = AccountNumber::new(12345);

fn new_user(email: &str) -> AddUserForm {
    AddUserForm::new(
        email,
        "Bench",
        "Mark",
        Password::new("correct horse battery staple"),
    )
}

fn enumeration(c: &mut Criterion) {
    let never_lock = {
        let mut policy = SignInPolicy::default();
        policy.max_failures = u32::MAX;
        policy.max_user_failures = u32::MAX;
        policy
    };
    let store = MemoryStore::new();
    let older = PasswordHashing::new(4096, 1, 1).expect("valid argon2 parameters");
    let before_upgrade = Directory::new(&store).with_password_hashing(older);
    before_upgrade
        .create_account(&Actor::Support, ACCOUNT, "Bench")
        .expect("a new account");
    before_upgrade
        .add_user(&Actor::Support, ACCOUNT, &new_user("old@example.com"))
        .expect("a user with an older hash");
    let directory = Directory::new(&store).with_sign_in_policy(never_lock);
    directory
        .add_user(&Actor::Support, ACCOUNT, &new_user("current@example.com"))
        .expect("a user with a current hash");
    let source = SignInSource::new("192.0.2.1");
    let wrong = Password::new("not the password at all");
    let hashing = PasswordHashing::default();
    let reference = hashing.hash(&Password::new("correct horse battery staple"));

    let mut group = c.benchmark_group("refused sign-in");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(4));
    for (name, email) in [
        ("unknown address", "nobody@example.com"),
        ("wrong password, current hash", "current@example.com"),
        ("wrong password, older hash", "old@example.com"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(directory.authenticate(&source, email, &wrong)).is_err())
        });
    }
    group.bench_function("bare argon2id verify (baseline)", |b| {
        b.iter(|| black_box(hashing.verify(&wrong, &reference)))
    });
    group.finish();
}

criterion_group!(benches, enumeration);
criterion_main!(benches);
