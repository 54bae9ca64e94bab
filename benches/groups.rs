//! Creating a group in an account that already has many (the review found
//! MemoryStore's `create_group` linear in the account's groups, under the
//! global write lock: 33 µs at 2,000 groups, 258 µs at 16,000). Side by side
//! in one run, at 2,000 and 16,000 groups:
//!
//! - `Directory::create_group` then `delete_group` on a `MemoryStore`
//!   (Customer Support, so authorization is one account lookup);
//! - the baseline: inserting and removing the same name in a bare
//!   `HashMap<String, u32>` of that many names.
//!
//! Both sides create and delete, so the account keeps its size.
//!
//! Run: `cargo bench --bench groups`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use cres_admin::{AccountNumber, Actor, Directory, MemoryStore};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const ACCOUNT: AccountNumber = AccountNumber::new(12345);

fn groups(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_group");
    group.measurement_time(Duration::from_secs(3));
    for size in [2_000_u32, 16_000] {
        let directory = Directory::new(MemoryStore::new());
        directory
            .create_account(&Actor::Support, ACCOUNT, "Bench")
            .expect("a new account");
        let mut names = HashMap::new();
        for n in 0..size {
            directory
                .create_group(&Actor::Support, ACCOUNT, &format!("Group {n}"))
                .expect("a new group");
            names.insert(format!("group {n}"), n);
        }
        group.bench_function(BenchmarkId::new("MemoryStore", size), |b| {
            b.iter(|| {
                let created = directory
                    .create_group(&Actor::Support, ACCOUNT, "One more")
                    .expect("a new group");
                directory
                    .delete_group(&Actor::Support, black_box(created.group.id))
                    .expect("deleting it")
            })
        });
        group.bench_function(BenchmarkId::new("HashMap", size), |b| {
            b.iter(|| {
                let key = "One more".to_lowercase();
                if names.contains_key(&key) {
                    unreachable!("the name is new");
                }
                names.insert(key.clone(), size);
                black_box(names.remove(&key))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, groups);
criterion_main!(benches);
