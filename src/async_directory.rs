//! [`AsyncDirectory`]: every operation of [`Directory`] as an `async fn`,
//! for tokio services (feature `tokio`), with a [`HashingLimit`] on the
//! operations that hash a password.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::store::Store;
use crate::{
    Account, AccountCreated, AccountDetails, AccountNumber, AccountQuery, AccountRenamed,
    AccountUser, Actor, AddUserForm, AddedToGroup, AuditEntry, AuditQuery, Cursor, Directory,
    EmailChanged, Error, Group, GroupCreated, GroupDeleted, GroupId, GroupRenamed, GroupSummary,
    Page, PageSize, Password, PasswordChangeTicket, PasswordChanged, PasswordReset,
    PendingRegistration, Registered, RegistrationForm, RegistrationRevoked, RegistrationsPurged,
    RemovedFromGroup, SecureMessageSent, SignIn, SignInSource, UserAdded, UserDeleted,
    UserDisabled, UserEnabled, UserId, UserQuery, UserRef, UserRenamed, UserRow, UserUnlocked,
};

/// How many password hashes may run at once, and how many operations may
/// wait for one; past both, an operation is refused with [`Error::Busy`].
///
/// The default: as many at once as the machine has cores
/// ([`std::thread::available_parallelism`]), and 16 waiting per core. With
/// argon2's default parameters (19 MiB, about 15 ms a hash on one core),
/// that holds a caller's wait to about a quarter of a second.
///
/// What the limit bounds, as `tests/async_flood.rs` measures it with
/// 10,000 sign-ins at once (2 at once, 32 waiting):
///
/// - **hashing memory live**: at most `concurrent` × the hash's memory
///   (19 MiB by default); the flood's peak was 45 MiB of live heap above
///   the baseline, the 10,000 tasks included;
/// - **blocking threads**: a hash runs on tokio's blocking pool, so at most
///   `concurrent` of its threads are hashing; tokio may start as many
///   again while finished ones return to the pool (the flood's peak: 2
///   more threads);
/// - **resident memory** also depends on the allocator. glibc's `malloc`
///   keeps the freed blocks of a hash for reuse in each thread's arena: the
///   flood left 235 to 330 MiB resident above the baseline. With
///   `MALLOC_MMAP_THRESHOLD_=1048576` in the environment, each hash maps
///   and unmaps its blocks, and resident memory follows the live heap
///   (45 MiB).
///
/// ```
/// use cres_admin::HashingLimit;
/// let limit = HashingLimit::default().concurrent(4).queued(32);
/// assert_eq!((limit.concurrent, limit.queued), (4, 32));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HashingLimit {
    /// Hashes running at once (at least 1).
    pub concurrent: usize,
    /// Operations waiting for a hash to end.
    pub queued: usize,
}

impl Default for HashingLimit {
    fn default() -> HashingLimit {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        HashingLimit {
            concurrent: cores,
            queued: 16 * cores,
        }
    }
}

impl HashingLimit {
    /// Runs at most `concurrent` hashes at once (at least 1).
    #[must_use]
    pub fn concurrent(mut self, concurrent: usize) -> HashingLimit {
        self.concurrent = concurrent.max(1);
        self
    }

    /// Lets at most `queued` operations wait for a hash.
    #[must_use]
    pub fn queued(mut self, queued: usize) -> HashingLimit {
        self.queued = queued;
        self
    }
}

/// The admission of hashing operations: a semaphore of `concurrent`
/// permits, and a count of those waiting for one.
#[derive(Debug)]
struct Gate {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    limit: HashingLimit,
}

/// Counts a waiter until dropped: also when the waiting future is.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    fn new(limit: HashingLimit) -> Gate {
        Gate {
            permits: Arc::new(Semaphore::new(limit.concurrent)),
            waiting: AtomicUsize::new(0),
            limit,
        }
    }

    /// A permit to hash, at once or after waiting in the queue; `Busy`
    /// when the queue is full.
    async fn admit(&self) -> Result<OwnedSemaphorePermit, Error> {
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.limit.queued {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Error::Busy);
        }
        let _waiting = Waiting(&self.waiting);
        Arc::clone(&self.permits)
            .acquire_owned()
            .await
            // The semaphore is never closed.
            .map_err(|_| Error::Busy)
    }
}

/// Which operations pass the hashing gate.
#[derive(Clone, Copy)]
enum Lane {
    /// The operation hashes or verifies a password.
    Hashing,
    /// Store work only.
    Store,
}

/// [`Directory`] for async callers: every operation an `async fn` whose
/// future is `Send`, ready for an axum handler. Cloning is cheap: clones
/// share the directory and the hashing limit.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), cres_admin::Error> {
/// use cres_admin::{AccountNumber, Actor, AsyncDirectory, Directory, MemoryStore};
///
/// let directory = AsyncDirectory::new(Directory::new(MemoryStore::new()));
/// let account = AccountNumber::new(12345);
/// directory.create_account(&Actor::Support, account, "Example Corp").await?;
/// assert_eq!(directory.groups(&Actor::Support, account).await?.len(), 1);
/// # Ok(())
/// # }
/// ```
///
/// In an axum service, keep it in the router's state and call it from the
/// handlers; a refusal renders through [`Localizer`](crate::Localizer) in
/// the reader's language, [`Error::Busy`] included (a 503 with
/// `Retry-After` is the usual answer):
///
/// ```ignore
/// async fn add_to_group(
///     State(directory): State<AsyncDirectory<SqliteStore>>,
///     Form(form): Form<AddToGroupForm>,
/// ) -> Result<Html<String>, AppError> {
///     let added = directory.add_to_group(&form.actor, form.group, &form.user_id).await?;
///     Ok(Html(page_for(added)))
/// }
/// ```
///
/// # Where the work runs
///
/// Each operation runs whole on tokio's blocking pool (argon2, SQLite and
/// PostgreSQL block), never on a worker thread. Operations that hash or
/// verify a password (`authenticate`, `add_user`, `register`, the
/// password changes and resets) first pass the [`HashingLimit`]: at most
/// `concurrent` run at once, at most `queued` wait, and any beyond are
/// refused at once with [`Error::Busy`], so that a flood of sign-ins cannot
/// start thousands of argon2 jobs of 19 MiB each. Other operations go
/// straight to the blocking pool, which tokio bounds
/// (`max_blocking_threads`, 512 by default); a PostgreSQL store's pool
/// bounds their connections.
///
/// # Cancellation
///
/// Dropping a future never leaves an operation half done:
///
/// - dropped while it waits for its turn to hash, the operation never
///   starts, and its place in the queue is freed;
/// - dropped once the operation has started on the blocking pool, the
///   operation runs to its end there, committing or rolling back as it
///   would have, and its result is dropped; it keeps its hashing slot
///   until it ends.
///
/// So a caller that timed out must not assume that nothing happened: the
/// audit trail says what did.
pub struct AsyncDirectory<S> {
    directory: Arc<Directory<S>>,
    gate: Arc<Gate>,
}

impl<S> Clone for AsyncDirectory<S> {
    fn clone(&self) -> AsyncDirectory<S> {
        AsyncDirectory {
            directory: Arc::clone(&self.directory),
            gate: Arc::clone(&self.gate),
        }
    }
}

impl<S> std::fmt::Debug for AsyncDirectory<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncDirectory")
            .field("directory", &self.directory)
            .field("hashing_limit", &self.gate.limit)
            .finish()
    }
}

impl<S: Store + Send + Sync + 'static> AsyncDirectory<S> {
    /// Wraps `directory`, with the default [`HashingLimit`].
    pub fn new(directory: Directory<S>) -> AsyncDirectory<S> {
        AsyncDirectory {
            directory: Arc::new(directory),
            gate: Arc::new(Gate::new(HashingLimit::default())),
        }
    }

    /// Limits the operations that hash a password as `limit` says.
    #[must_use]
    pub fn with_hashing_limit(mut self, limit: HashingLimit) -> AsyncDirectory<S> {
        self.gate = Arc::new(Gate::new(limit));
        self
    }

    /// The hashing limit in force.
    pub fn hashing_limit(&self) -> HashingLimit {
        self.gate.limit
    }

    /// The blocking directory underneath, for work of the caller's own on
    /// the blocking pool (never call it on a worker thread).
    pub fn blocking(&self) -> &Arc<Directory<S>> {
        &self.directory
    }

    /// Runs `operation` on the blocking pool, once the gate lets it in
    /// when it hashes. The hashing permit moves into the blocking task: it
    /// is released when the operation ends, whether or not anyone still
    /// awaits it.
    async fn run<T: Send + 'static>(
        &self,
        lane: Lane,
        operation: impl FnOnce(&Directory<S>) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let permit = match lane {
            Lane::Hashing => Some(self.gate.admit().await?),
            Lane::Store => None,
        };
        let directory = Arc::clone(&self.directory);
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            operation(&directory)
        });
        match task.await {
            Ok(result) => result,
            // The operation panicked: so does its caller, as with Directory.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // The runtime is shutting down and did not start the task.
            Err(_) => Err(Error::Busy),
        }
    }
}

/// The type of a parameter as the async operation takes it: `ref T` is
/// borrowed as `&T`, `val T` taken by value, `opt T` as `Option<&T>`.
macro_rules! parameter {
    (ref $type:ty) => { &$type };
    (val $type:ty) => { $type };
    (opt $type:ty) => { Option<&$type> };
}

/// The parameter made owned, to move into the blocking task.
macro_rules! owned {
    (ref $arg:ident) => {
        $arg.to_owned()
    };
    (val $arg:ident) => {
        $arg
    };
    (opt $arg:ident) => {
        $arg.cloned()
    };
}

/// The owned value lent back to the blocking operation.
macro_rules! lent {
    (ref $arg:ident) => {
        &$arg
    };
    (val $arg:ident) => {
        $arg
    };
    (opt $arg:ident) => {
        $arg.as_ref()
    };
}

/// Each operation of [`Directory`], run by [`AsyncDirectory::run`] in its
/// lane, with its documentation pointing at the blocking one.
macro_rules! operations {
    ($(
        $lane:ident $name:ident($($mode:ident $arg:ident: $type:ty),*) -> $output:ty;
    )*) => {
        impl<S: Store + Send + Sync + 'static> AsyncDirectory<S> {$(
            #[doc = concat!("[`Directory::", stringify!($name), "`], on the blocking pool.")]
            ///
            /// # Errors
            ///
            #[doc = concat!("As [`Directory::", stringify!($name), "`].")]
            #[doc = operations!(@busy $lane)]
            pub async fn $name(&self, $($arg: parameter!($mode $type)),*) -> Result<$output, Error> {
                $(let $arg = owned!($mode $arg);)*
                self.run(Lane::$lane, move |directory| directory.$name($(lent!($mode $arg)),*))
                    .await
            }
        )*}
    };
    (@busy Hashing) => {
        "[`Error::Busy`] when the [`HashingLimit`]'s queue is full; nothing was done."
    };
    (@busy Store) => {
        "[`Error::Busy`] only if the runtime shuts down before the operation starts."
    };
}

operations! {
    Store create_account(ref actor: Actor, val number: AccountNumber, ref name: str) -> AccountCreated;
    Store accounts(ref actor: Actor, ref query: AccountQuery) -> Page<Account>;
    Store account_details(ref actor: Actor, val account: AccountNumber) -> AccountDetails;
    Store administered_accounts(ref actor: Actor) -> Vec<AccountNumber>;
    Store rename_account(ref actor: Actor, val account: AccountNumber, ref name: str) -> AccountRenamed;
    Store audit_page(ref actor: Actor, val account: AccountNumber, ref query: AuditQuery) -> Page<AuditEntry>;
    Store audit_trail(ref actor: Actor, val account: AccountNumber, val limit: usize) -> Vec<AuditEntry>;
    Store add_to_group(ref actor: Actor, val group: GroupId, ref email: str) -> AddedToGroup;
    Store remove_from_group(ref actor: Actor, val group: GroupId, ref email: str) -> RemovedFromGroup;
    Store create_group(ref actor: Actor, val account: AccountNumber, ref name: str) -> GroupCreated;
    Store rename_group(ref actor: Actor, val group: GroupId, ref name: str) -> GroupRenamed;
    Store delete_group(ref actor: Actor, val group: GroupId) -> GroupDeleted;
    Store groups(ref actor: Actor, val account: AccountNumber) -> Vec<GroupSummary>;
    Store members(ref actor: Actor, val group: GroupId) -> Vec<UserRef>;
    Store members_page(ref actor: Actor, val group: GroupId, val size: PageSize, opt after: Cursor) -> Page<UserRef>;
    Store user_groups(ref actor: Actor, val account: AccountNumber, ref email: str) -> Vec<Group>;
    Store is_account_admin(val account: AccountNumber, val user: UserId) -> bool;
    Store disable_user(ref actor: Actor, ref email: str) -> UserDisabled;
    Store enable_user(ref actor: Actor, ref email: str) -> UserEnabled;
    Store delete_user(ref actor: Actor, ref email: str) -> UserDeleted;
    Store rename_user(ref actor: Actor, ref email: str, ref first_name: str, ref last_name: str) -> UserRenamed;
    Store change_email(ref actor: Actor, ref email: str, ref new_email: str) -> EmailChanged;
    Store registrations(ref actor: Actor, val account: AccountNumber, val size: PageSize, opt after: Cursor) -> Page<PendingRegistration>;
    Store send_secure_message(ref sender: Actor, val account: AccountNumber, ref email: str) -> SecureMessageSent;
    Hashing register(ref token: str, ref form: RegistrationForm) -> Registered;
    Store revoke_registration(ref actor: Actor, val account: AccountNumber, ref email: str) -> RegistrationRevoked;
    Store purge_expired_registrations(ref actor: Actor) -> RegistrationsPurged;
    Hashing authenticate(ref source: SignInSource, ref email: str, ref password: Password) -> SignIn;
    Hashing set_permanent_password(ref ticket: PasswordChangeTicket, ref new_password: Password, ref confirm_password: Password) -> PasswordChanged;
    Hashing change_password(ref source: SignInSource, ref email: str, ref current_password: Password, ref new_password: Password, ref confirm_password: Password) -> PasswordChanged;
    Hashing reset_password(ref actor: Actor, ref email: str, ref new_password: Password, ref confirm_password: Password) -> PasswordReset;
    Store unlock_user(ref actor: Actor, ref email: str) -> UserUnlocked;
    Hashing add_user(ref actor: Actor, val account: AccountNumber, ref form: AddUserForm) -> UserAdded;
    Store users(ref actor: Actor, val account: AccountNumber, ref query: UserQuery) -> Page<UserRow>;
    Store account_user(ref actor: Actor, val account: AccountNumber, ref email: str) -> AccountUser;
    Store user_count(ref actor: Actor, val account: AccountNumber) -> u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_gate_admits_its_limit_queues_its_queue_and_refuses_the_rest() {
        let gate = Arc::new(Gate::new(HashingLimit::default().concurrent(2).queued(1)));
        let first = gate.admit().await.expect("a permit");
        let _second = gate.admit().await.expect("a second permit");
        let queued = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.admit().await.map(drop) }
        });
        while gate.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(gate.admit().await, Err(Error::Busy)));
        drop(first);
        queued
            .await
            .expect("no panic")
            .expect("admitted once a permit is free");
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0);
    }

    #[tokio::test]
    async fn a_waiter_dropped_frees_its_place_in_the_queue() {
        let gate = Gate::new(HashingLimit::default().concurrent(1).queued(1));
        let _held = gate.admit().await.expect("a permit");
        {
            let waiting = gate.admit();
            tokio::pin!(waiting);
            // Polled once: it takes its place in the queue, then is dropped.
            assert!(futures_poll_once(waiting.as_mut()).await.is_none());
            assert_eq!(gate.waiting.load(Ordering::Acquire), 1);
        }
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0);
    }

    /// Polls `future` once: its output if it was ready.
    async fn futures_poll_once<F: std::future::Future + Unpin>(future: F) -> Option<F::Output> {
        let mut future = future;
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut future).poll(cx) {
                std::task::Poll::Ready(output) => Some(output),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }
}
