//! "Is U an Account Administrator of A?" on MemoryStore, side by side with
//! the least any implementation must do: one probe of a `HashSet` holding the
//! same (account, user) pairs.
//!
//! Run: `cargo bench --bench is_account_admin`.

use std::collections::HashSet;
use std::hint::black_box;

use cres_admin::{
    AccountNumber, Actor, Directory, Email, GroupId, MemoryStore, NewUser, Password,
    PasswordHashing,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn email(i: u64) -> String {
    format!("admin{i}@example.com")
}

/// `accounts` accounts, each with one administrator of its own.
fn populate(accounts: u64) -> (Directory<MemoryStore>, HashSet<(AccountNumber, String)>) {
    let dir =
        Directory::new(MemoryStore::new()).with_password_hashing(PasswordHashing::insecure_fast());
    let mut pairs = HashSet::new();
    let password = Password::new("Bench-Password-1");
    for i in 0..accounts {
        let account = AccountNumber::new(i);
        dir.create_account(&Actor::Support, account, "Bench")
            .unwrap();
        let form = NewUser {
            username: email(i),
            first_name: "Bench".into(),
            last_name: "Admin".into(),
            password: password.clone(),
            confirm_password: password.clone(),
            enforce_password_expiration: false,
        };
        dir.add_user(&Actor::Support, account, &form).unwrap();
        dir.add_to_group(&Actor::Support, GroupId::administrators(account), &email(i))
            .unwrap();
        pairs.insert((account, email(i)));
    }
    (dir, pairs)
}

fn is_account_admin(c: &mut Criterion) {
    let mut group = c.benchmark_group("is_account_admin");
    for accounts in [1_000u64, 100_000] {
        let (dir, pairs) = populate(accounts);
        let probe = accounts / 2;
        let account = AccountNumber::new(probe);
        let user = Email::parse(&email(probe)).unwrap();
        let key = (account, email(probe));
        assert!(dir.is_account_admin(account, &user).unwrap());
        assert!(pairs.contains(&key));
        group.bench_with_input(
            BenchmarkId::new("MemoryStore", accounts),
            &accounts,
            |b, _| {
                b.iter(|| {
                    dir.is_account_admin(black_box(account), black_box(&user))
                        .unwrap()
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("HashSet", accounts), &accounts, |b, _| {
            b.iter(|| pairs.contains(black_box(&key)))
        });
    }
    group.finish();
}

criterion_group!(benches, is_account_admin);
criterion_main!(benches);
