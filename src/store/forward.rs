//! Forwarding macros: for wrapper stores, and for the SQL stores, whose
//! transactions hand each call to their `Db`.

/// Implements [`Reader`](crate::store::Reader) for a wrapper by forwarding
/// every method, fast paths included, to an inner reader.
///
/// - `forward_reader!([generics] Type, self => inner)`, where `inner` is an
///   expression of `self` that is a `Reader` (it may end in `?`, to refuse
///   with a `StoreError` instead);
/// - `forward_reader!([generics] Type, self, via: read)`, where the
///   wrapper's method `read<T>(&self, call: impl FnOnce(&Inner) ->
///   Result<T, StoreError>) -> Result<T, StoreError>` is handed each call, to
///   look before and after it (see
///   [`AbortingStore`](crate::testing::AbortingStore)).
///
/// ```
/// use cres_admin::store::{MemoryStore, Reader, Store};
///
/// /// A read snapshot that a wrapper store hands out unchanged.
/// struct Snapshot<R>(R);
/// cres_admin::forward_reader!([R: Reader] Snapshot<R>, self => self.0);
///
/// let store = MemoryStore::new();
/// let snapshot = Snapshot(store.begin_read()?);
/// assert!(snapshot.groups(cres_admin::AccountNumber::new(1))?.is_empty());
/// # Ok::<(), cres_admin::StoreError>(())
/// ```
#[macro_export]
macro_rules! forward_reader {
    ([$($generics:tt)*] $type:ty, $this:ident => $inner:expr) => {
        $crate::forward_reader!(@impl [$($generics)*] $type, $this, [inner $inner]);
    };
    ([$($generics:tt)*] $type:ty, $this:ident, via: $via:ident) => {
        $crate::forward_reader!(@impl [$($generics)*] $type, $this, [via $via]);
    };
    (@impl [$($generics:tt)*] $type:ty, $this:ident, $mode:tt) => {
        impl<$($generics)*> $crate::store::Reader for $type {
            fn account(
                &$this,
                number: $crate::AccountNumber,
            ) -> ::core::result::Result<::core::option::Option<$crate::Account>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.account(number))
            }

            fn user(
                &$this,
                id: $crate::UserId,
            ) -> ::core::result::Result<::core::option::Option<$crate::User>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.user(id))
            }

            fn user_id(
                &$this,
                email: &$crate::Email,
            ) -> ::core::result::Result<::core::option::Option<$crate::UserId>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.user_id(email))
            }

            fn user_brief(
                &$this,
                id: $crate::UserId,
            ) -> ::core::result::Result<::core::option::Option<$crate::UserBrief>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.user_brief(id))
            }

            fn is_active_admin(
                &$this,
                account: $crate::AccountNumber,
                user: $crate::UserId,
            ) -> ::core::result::Result<bool, $crate::StoreError> {
                $crate::__forward_call!($mode $this.is_active_admin(account, user))
            }

            fn group(
                &$this,
                id: $crate::GroupId,
            ) -> ::core::result::Result<::core::option::Option<$crate::Group>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.group(id))
            }

            fn groups(
                &$this,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::GroupSummary>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.groups(account))
            }

            fn is_member(
                &$this,
                group: $crate::GroupId,
                user: $crate::UserId,
            ) -> ::core::result::Result<bool, $crate::StoreError> {
                $crate::__forward_call!($mode $this.is_member(group, user))
            }

            fn member_count(
                &$this,
                group: $crate::GroupId,
            ) -> ::core::result::Result<usize, $crate::StoreError> {
                $crate::__forward_call!($mode $this.member_count(group))
            }

            fn members(
                &$this,
                group: $crate::GroupId,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::UserRef>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.members(group))
            }

            fn user_groups(
                &$this,
                user: $crate::UserId,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::GroupId>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.user_groups(user))
            }

            fn audit(
                &$this,
                account: $crate::AccountNumber,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::AuditEntry>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.audit(account, limit))
            }

            fn audit_page(
                &$this,
                account: $crate::AccountNumber,
                target: ::core::option::Option<$crate::UserId>,
                before: ::core::option::Option<u64>,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::AuditEntry>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.audit_page(account, target, before, limit))
            }

            fn account_users(
                &$this,
                account: $crate::AccountNumber,
                prefix: ::core::option::Option<&str>,
                after: ::core::option::Option<(&str, $crate::UserId)>,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::UserRow>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.account_users(account, prefix, after, limit))
            }

            fn account_user_count(
                &$this,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<u64, $crate::StoreError> {
                $crate::__forward_call!($mode $this.account_user_count(account))
            }

            fn accounts_page(
                &$this,
                search: ::core::option::Option<&$crate::Search>,
                after: ::core::option::Option<$crate::AccountNumber>,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::Account>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.accounts_page(search, after, limit))
            }

            fn account_details(
                &$this,
                number: $crate::AccountNumber,
            ) -> ::core::result::Result<::core::option::Option<$crate::AccountDetails>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.account_details(number))
            }

            fn members_page(
                &$this,
                group: $crate::GroupId,
                after: ::core::option::Option<(&str, $crate::UserId)>,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::UserRef>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.members_page(group, after, limit))
            }

            fn registrations_page(
                &$this,
                account: $crate::AccountNumber,
                after: ::core::option::Option<(::chrono::DateTime<::chrono::Utc>, &str)>,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::PendingRegistration>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.registrations_page(account, after, limit))
            }

            fn registration(
                &$this,
                email: &$crate::Email,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<
                ::core::option::Option<$crate::PendingRegistration>,
                $crate::StoreError,
            > {
                $crate::__forward_call!($mode $this.registration(email, account))
            }

            fn registrations(
                &$this,
                email: &$crate::Email,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::PendingRegistration>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.registrations(email))
            }

            fn expired_registrations(
                &$this,
                now: ::chrono::DateTime<::chrono::Utc>,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::PendingRegistration>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.expired_registrations(now, limit))
            }

            fn registration_by_selector(
                &$this,
                selector: &str,
            ) -> ::core::result::Result<
                ::core::option::Option<$crate::PendingRegistration>,
                $crate::StoreError,
            > {
                $crate::__forward_call!($mode $this.registration_by_selector(selector))
            }

            fn active_admin_count(
                &$this,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<usize, $crate::StoreError> {
                $crate::__forward_call!($mode $this.active_admin_count(account))
            }

            fn external_identity(
                &$this,
                account: $crate::AccountNumber,
                user: $crate::UserId,
            ) -> ::core::result::Result<
                ::core::option::Option<$crate::ExternalIdentity>,
                $crate::StoreError,
            > {
                $crate::__forward_call!($mode $this.external_identity(account, user))
            }

            fn user_by_user_name(
                &$this,
                account: $crate::AccountNumber,
                key: &str,
            ) -> ::core::result::Result<::core::option::Option<$crate::UserId>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.user_by_user_name(account, key))
            }

            fn user_by_external_id(
                &$this,
                account: $crate::AccountNumber,
                external_id: &$crate::ExternalId,
            ) -> ::core::result::Result<::core::option::Option<$crate::UserId>, $crate::StoreError> {
                $crate::__forward_call!($mode $this.user_by_external_id(account, external_id))
            }

            fn group_external_id(
                &$this,
                group: $crate::GroupId,
            ) -> ::core::result::Result<
                ::core::option::Option<$crate::ExternalId>,
                $crate::StoreError,
            > {
                $crate::__forward_call!($mode $this.group_external_id(group))
            }

            fn provisioning_credential(
                &$this,
                id: &str,
            ) -> ::core::result::Result<
                ::core::option::Option<$crate::ProvisioningCredential>,
                $crate::StoreError,
            > {
                $crate::__forward_call!($mode $this.provisioning_credential(id))
            }

            fn provisioning_credentials(
                &$this,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<
                ::std::vec::Vec<$crate::ProvisioningCredential>,
                $crate::StoreError,
            > {
                $crate::__forward_call!($mode $this.provisioning_credentials(account))
            }
        }
    };
}

/// Implements [`Transaction`](crate::store::Transaction) for a wrapper by
/// forwarding every write to an inner transaction;
/// [`commit`](crate::store::Transaction::commit) calls an inherent method of
/// the wrapper that takes it by value (name it other than `commit`).
///
/// - `forward_writes!([generics] Type, self => inner, commit: finish)`;
/// - `forward_writes!([generics] Type, self, via: write, commit: finish)`,
///   where the wrapper's method `write<T>(&mut self, call: impl
///   FnOnce(&mut Inner) -> Result<T, StoreError>) -> Result<T, StoreError>`
///   is handed each write, to inject a fault before it or to look at what
///   it returned.
///
/// The wrapper implements [`Reader`](crate::store::Reader) itself, usually
/// with [`forward_reader!`](crate::forward_reader). See
/// [`FailingStore`](crate::testing::FailingStore) and
/// [`AbortingStore`](crate::testing::AbortingStore) for two in use.
#[macro_export]
macro_rules! forward_writes {
    ([$($generics:tt)*] $type:ty, $this:ident => $inner:expr, commit: $commit:ident $(,)?) => {
        $crate::forward_writes!(@impl [$($generics)*] $type, $this, [inner $inner], $commit);
    };
    ([$($generics:tt)*] $type:ty, $this:ident, via: $via:ident, commit: $commit:ident $(,)?) => {
        $crate::forward_writes!(@impl [$($generics)*] $type, $this, [via $via], $commit);
    };
    (@impl [$($generics:tt)*] $type:ty, $this:ident, $mode:tt, $commit:ident) => {
        impl<$($generics)*> $crate::store::Transaction for $type {
            fn insert_account(
                &mut $this,
                account: &$crate::Account,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.insert_account(account))
            }

            fn insert_group(
                &mut $this,
                account: $crate::AccountNumber,
                name: &$crate::GroupName,
                created_at: ::chrono::DateTime<::chrono::Utc>,
            ) -> ::core::result::Result<$crate::Group, $crate::StoreError> {
                $crate::__forward_call!($mode $this.insert_group(account, name, created_at))
            }

            fn rename_account(
                &mut $this,
                number: $crate::AccountNumber,
                name: &$crate::Name,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.rename_account(number, name))
            }

            fn rename_group(
                &mut $this,
                id: $crate::GroupId,
                name: &$crate::GroupName,
            ) -> ::core::result::Result<u64, $crate::StoreError> {
                $crate::__forward_call!($mode $this.rename_group(id, name))
            }

            fn delete_group(
                &mut $this,
                id: $crate::GroupId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.delete_group(id))
            }

            fn insert_user(
                &mut $this,
                user: &$crate::User,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.insert_user(user))
            }

            fn update_user(
                &mut $this,
                user: &$crate::User,
            ) -> ::core::result::Result<u64, $crate::StoreError> {
                $crate::__forward_call!($mode $this.update_user(user))
            }

            fn set_sign_in_state(
                &mut $this,
                user: $crate::UserId,
                state: &$crate::SignInState,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.set_sign_in_state(user, state))
            }

            fn put_registration(
                &mut $this,
                registration: &$crate::PendingRegistration,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.put_registration(registration))
            }

            fn delete_registration(
                &mut $this,
                email: &$crate::Email,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.delete_registration(email, account))
            }

            fn add_member(
                &mut $this,
                group: $crate::GroupId,
                user: $crate::UserId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.add_member(group, user))
            }

            fn remove_member(
                &mut $this,
                group: $crate::GroupId,
                user: $crate::UserId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.remove_member(group, user))
            }

            fn append_audit(
                &mut $this,
                record: $crate::AuditRecord,
            ) -> ::core::result::Result<u64, $crate::StoreError> {
                $crate::__forward_call!($mode $this.append_audit(record))
            }

            fn delete_user(
                &mut $this,
                id: $crate::UserId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.delete_user(id))
            }

            fn put_external_identity(
                &mut $this,
                identity: &$crate::ExternalIdentity,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.put_external_identity(identity))
            }

            fn delete_external_identity(
                &mut $this,
                account: $crate::AccountNumber,
                user: $crate::UserId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.delete_external_identity(account, user))
            }

            fn set_group_external_id(
                &mut $this,
                group: $crate::GroupId,
                external_id: ::core::option::Option<&$crate::ExternalId>,
            ) -> ::core::result::Result<u64, $crate::StoreError> {
                $crate::__forward_call!($mode $this.set_group_external_id(group, external_id))
            }

            fn insert_provisioning_credential(
                &mut $this,
                credential: &$crate::ProvisioningCredential,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.insert_provisioning_credential(credential))
            }

            fn delete_provisioning_credential(
                &mut $this,
                id: &str,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $crate::__forward_call!($mode $this.delete_provisioning_credential(id))
            }

            fn commit($this) -> ::core::result::Result<(), $crate::StoreError> {
                $this.$commit()
            }
        }
    };
}

/// One forwarded call: to the inner store (`[inner expr]`), or through a
/// method of the wrapper that is handed the call (`[via method]`).
#[doc(hidden)]
#[macro_export]
macro_rules! __forward_call {
    ([inner $inner:expr] $this:ident . $method:ident ($($arg:expr),*)) => {
        $inner.$method($($arg),*)
    };
    ([via $via:ident] $this:ident . $method:ident ($($arg:expr),*)) => {
        $this.$via(|inner| inner.$method($($arg),*))
    };
}
