//! Bytes per user: cres-admin's `MemoryStore` (every user with a real
//! argon2id PHC hash, names, dates, memberships) and casbin-rs (the grouping
//! rules of the same memberships), at 100,000 and 1,000,000 users.
//!
//! Measured the same way for both: this binary's global allocator counts the
//! bytes requested and not yet freed, and the figure is what loading the
//! data leaves live, divided by the number of users. Temporaries (the input
//! `User` values, casbin's rule vectors, a transaction's undo journal) are
//! freed by then and so not counted; the one real hash is made before
//! counting starts. The process's resident set (from `/proc/self/statm`) is
//! printed beside it as a cross-check: it also holds the allocator's own
//! overhead and fragmentation.
//!
//! Run: `cargo bench -p cres-admin-compare --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use cres_admin::{MemoryStore, PasswordHash, User};
use cres_admin_compare::{
    accounts_for, casbin, load_accounts, load_audit, load_memberships, load_users, memory_store,
    real_hash, set_passwords, user,
};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator, which
// upholds `GlobalAlloc`'s contract; the counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees about `layout` are passed on.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: `pointer` was allocated by `System` with `layout`.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `pointer` was allocated by `System` with `layout`, and
        // the caller's guarantees about `new_size` are passed on.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// The resident set size in bytes, if `/proc` tells it.
fn resident() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// What building `T` leaves allocated, and the growth of the resident set.
fn measure<T>(build: impl FnOnce() -> T) -> (T, usize, Option<usize>) {
    let (live_before, resident_before) = (live(), resident());
    let value = build();
    let bytes = live() - live_before;
    let resident = resident()
        .zip(resident_before)
        .map(|(after, before)| after.saturating_sub(before));
    (value, bytes, resident)
}

fn report(what: &str, users: u64, bytes: usize, resident: Option<usize>) {
    let per_user = |b: usize| b as f64 / users as f64;
    let resident = resident.map_or_else(String::new, |r| {
        format!(", resident set +{:.0} B/user", per_user(r))
    });
    println!(
        "{what:<40} {users:>9} users: {:>6.0} B/user ({:>7.1} MiB){resident}",
        per_user(bytes),
        bytes as f64 / (1024.0 * 1024.0),
    );
}

/// The bytes one `User` holds on the heap, beside its inline size.
fn heap_of_user(user: impl FnOnce() -> User) -> usize {
    let (user, bytes, _) = measure(user);
    drop(user);
    bytes
}

/// The environment variable naming the case a child process measures.
const CASE: &str = "CRES_ADMIN_MEMORY_CASE";

/// Measures one case, in a process of its own so that the resident set
/// starts clean.
fn run(case: &str, users: u64, hash: &PasswordHash) {
    match case {
        "store" => {
            let (store, bytes, resident) = measure(|| memory_store(users, hash));
            let what = format!("MemoryStore ({} accounts)", accounts_for(users));
            report(&what, users, bytes, resident);
            drop(store);
        }
        "casbin" => {
            let (enforcer, bytes, resident) = measure(|| casbin(users));
            report("casbin (grouping rules)", users, bytes, resident);
            drop(enforcer);
        }
        "breakdown" => {
            let store = MemoryStore::new();
            let steps: [(&str, &dyn Fn()); 4] = [
                ("  accounts and their two groups", &|| {
                    load_accounts(&store, users)
                }),
                ("  users, no password", &|| load_users(&store, users, None)),
                ("  their password hashes", &|| {
                    set_passwords(&store, users, hash)
                }),
                ("  memberships (one group each)", &|| {
                    load_memberships(&store, users)
                }),
            ];
            let ((), total, _) = measure(|| {
                for (what, step) in steps {
                    let ((), bytes, _) = measure(step);
                    report(what, users, bytes, None);
                }
            });
            report("  total", users, total, None);
            let ((), bytes, _) = measure(|| load_audit(&store, users));
            report("  not counted: audit trail, 2 a user", users, bytes, None);
        }
        _ => panic!("unknown case {case}"),
    }
}

fn main() {
    let hash: PasswordHash = real_hash();
    if let Ok(case) = std::env::var(CASE) {
        let (case, users) = case.split_once(' ').expect("case and size");
        run(case, users.parse().expect("a size"), &hash);
        return;
    }
    println!(
        "PHC hash: {} bytes ({}...); a User: {} bytes inline, {} on the heap, of which the hash {}",
        hash.as_phc().len(),
        &hash.as_phc()[..31],
        size_of::<User>(),
        heap_of_user(|| user(1_000_000, &hash)),
        heap_of_user(|| user(1_000_000, &hash))
            - heap_of_user(|| User {
                credential: None,
                ..user(1_000_000, &hash)
            }),
    );
    let this = std::env::current_exe().expect("this benchmark's path");
    let cases = [
        "store 100000",
        "casbin 100000",
        "store 1000000",
        "casbin 1000000",
        "breakdown 1000000",
    ];
    for case in cases {
        if case.starts_with("breakdown") {
            println!("MemoryStore, step by step:");
        }
        let status = std::process::Command::new(&this)
            .env(CASE, case)
            .status()
            .expect("running a case");
        assert!(status.success(), "case {case} failed");
    }
}
