//! A flood of 10,000 concurrent sign-ins through `AsyncDirectory`, with
//! argon2's default parameters (19 MiB a hash): the hashing limit keeps
//! the blocking threads and the live heap within what `HashingLimit`
//! documents, and every sign-in past the queue is refused with `Busy`.
//! Alone in its binary, so that the process's memory and threads are the
//! flood's.

#![cfg(feature = "tokio")]

use std::alloc::System;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cres_admin::testing::fixtures::{ACCOUNT, ADMINS, ALICE, PASSWORD, form};
use cres_admin::{
    Actor, AsyncDirectory, Directory, Error, HashingLimit, MemoryStore, Password, SignIn,
    SignInSource,
};

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes the heap has live now.
fn live() -> u64 {
    let stats = HEAP.stats();
    (stats.bytes_allocated + stats.bytes_reallocated.max(0) as usize)
        .saturating_sub(stats.bytes_deallocated) as u64
}

const SIGN_INS: usize = 10_000;
const CONCURRENT: usize = 2;
const QUEUED: usize = 32;
/// argon2id's default memory cost (m = 19,456 KiB).
const HASH_BYTES: u64 = 19_456 * 1024;

/// A field of `/proc/self/status`, in its unit (kB, or a count).
fn status(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_sign_ins_keep_threads_and_memory_within_the_limit() {
    let directory = Directory::new(MemoryStore::new());
    directory
        .create_account(&Actor::Support, ACCOUNT, "Example Corp")
        .expect("the account");
    directory
        .add_user(&Actor::Support, ACCOUNT, &form(ALICE))
        .expect("alice");
    directory
        .add_to_group(&Actor::Support, ADMINS, ALICE)
        .expect("an administrator");
    let limit = HashingLimit::default()
        .concurrent(CONCURRENT)
        .queued(QUEUED);
    let directory = AsyncDirectory::new(directory).with_hashing_limit(limit);
    // One sign-in first, so that what the process keeps of one hash is in
    // the baseline.
    let password = Password::new(PASSWORD);
    let first = directory
        .authenticate(&SignInSource::unknown(), ALICE, &password)
        .await;
    assert!(
        matches!(first, Ok(SignIn::PermanentPasswordRequired(_))),
        "{first:?}"
    );

    // The peak of threads and resident memory, sampled while it floods.
    let done = Arc::new(AtomicBool::new(false));
    let peak_threads = Arc::new(AtomicU64::new(0));
    let peak_rss = Arc::new(AtomicU64::new(0));
    let peak_live = Arc::new(AtomicU64::new(0));
    let sampler = std::thread::spawn({
        let (done, peak_threads, peak_rss, peak_live) = (
            done.clone(),
            peak_threads.clone(),
            peak_rss.clone(),
            peak_live.clone(),
        );
        move || {
            while !done.load(Ordering::Acquire) {
                peak_threads.fetch_max(status("Threads"), Ordering::AcqRel);
                peak_rss.fetch_max(status("VmRSS"), Ordering::AcqRel);
                peak_live.fetch_max(live(), Ordering::AcqRel);
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    std::thread::sleep(Duration::from_millis(20));
    let threads_before = status("Threads");
    let rss_before = status("VmRSS");
    let live_before = live();

    let started = std::time::Instant::now();
    let sign_ins: Vec<_> = (0..SIGN_INS)
        .map(|_| {
            let directory = directory.clone();
            tokio::spawn(async move {
                let password = Password::new(PASSWORD);
                directory
                    .authenticate(&SignInSource::unknown(), ALICE, &password)
                    .await
            })
        })
        .collect();
    let (mut signed_in, mut busy) = (0, 0);
    for sign_in in sign_ins {
        match sign_in.await.expect("no panic") {
            Ok(SignIn::PermanentPasswordRequired(_)) => signed_in += 1,
            Err(Error::Busy) => busy += 1,
            other => panic!("a sign-in or Busy, not {other:?}"),
        }
    }
    let took = started.elapsed();
    done.store(true, Ordering::Release);
    sampler.join().expect("the sampler");

    let extra_threads = peak_threads
        .load(Ordering::Acquire)
        .saturating_sub(threads_before);
    let extra_rss = peak_rss.load(Ordering::Acquire).saturating_sub(rss_before) * 1024;
    let extra_live = peak_live
        .load(Ordering::Acquire)
        .saturating_sub(live_before);
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{SIGN_INS} sign-ins in {:.2} s: {signed_in} signed in, {busy} busy; at the peak, \
         above the baseline: {extra_threads} threads, {:.1} MiB of live heap, {:.1} MiB \
         resident (limit: {CONCURRENT} hashes at once, {QUEUED} waiting)",
        took.as_secs_f64(),
        mib(extra_live),
        mib(extra_rss),
    );
    assert_eq!(signed_in + busy, SIGN_INS);
    assert!(signed_in >= CONCURRENT, "the limit lets sign-ins through");
    assert!(busy > 0, "the queue is bounded");
    // Each hash runs on a blocking thread: at most CONCURRENT at once, and
    // as many again that tokio starts while a finished one has not yet
    // gone back to its pool (the workers and the sampler are in the
    // baseline).
    assert!(
        extra_threads <= 2 * CONCURRENT as u64,
        "{extra_threads} threads above the baseline"
    );
    // At most CONCURRENT hashes' memory live at once, and 16 MiB for the
    // 10,000 tasks. (What stays resident depends on the allocator too:
    // glibc keeps freed blocks for reuse; it is printed, not bounded.)
    let bound = CONCURRENT as u64 * HASH_BYTES + 16 * 1024 * 1024;
    assert!(
        extra_live <= bound,
        "{extra_live} bytes live above the baseline, more than {bound}"
    );
}
