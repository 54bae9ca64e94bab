//! Forwarding macros for wrapper stores.

/// Implements [`Reader`](crate::store::Reader) for a wrapper by forwarding
/// every method, fast paths included, to an inner reader.
///
/// `forward_reader!([generics] Type, self => inner)`, where `inner` is an
/// expression of `self` that is a `Reader`:
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
        impl<$($generics)*> $crate::store::Reader for $type {
            fn account(
                &$this,
                number: $crate::AccountNumber,
            ) -> ::core::result::Result<::core::option::Option<$crate::Account>, $crate::StoreError> {
                $inner.account(number)
            }

            fn user(
                &$this,
                id: $crate::UserId,
            ) -> ::core::result::Result<::core::option::Option<$crate::User>, $crate::StoreError> {
                $inner.user(id)
            }

            fn user_id(
                &$this,
                email: &$crate::Email,
            ) -> ::core::result::Result<::core::option::Option<$crate::UserId>, $crate::StoreError> {
                $inner.user_id(email)
            }

            fn user_brief(
                &$this,
                id: $crate::UserId,
            ) -> ::core::result::Result<::core::option::Option<$crate::UserBrief>, $crate::StoreError> {
                $inner.user_brief(id)
            }

            fn is_active_admin(
                &$this,
                account: $crate::AccountNumber,
                user: $crate::UserId,
            ) -> ::core::result::Result<bool, $crate::StoreError> {
                $inner.is_active_admin(account, user)
            }

            fn group(
                &$this,
                id: $crate::GroupId,
            ) -> ::core::result::Result<::core::option::Option<$crate::Group>, $crate::StoreError> {
                $inner.group(id)
            }

            fn groups(
                &$this,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::GroupSummary>, $crate::StoreError> {
                $inner.groups(account)
            }

            fn is_member(
                &$this,
                group: $crate::GroupId,
                user: $crate::UserId,
            ) -> ::core::result::Result<bool, $crate::StoreError> {
                $inner.is_member(group, user)
            }

            fn member_count(
                &$this,
                group: $crate::GroupId,
            ) -> ::core::result::Result<usize, $crate::StoreError> {
                $inner.member_count(group)
            }

            fn members(
                &$this,
                group: $crate::GroupId,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::UserRef>, $crate::StoreError> {
                $inner.members(group)
            }

            fn user_groups(
                &$this,
                user: $crate::UserId,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::GroupId>, $crate::StoreError> {
                $inner.user_groups(user)
            }

            fn audit(
                &$this,
                account: $crate::AccountNumber,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::AuditEntry>, $crate::StoreError> {
                $inner.audit(account, limit)
            }

            fn registration(
                &$this,
                email: &$crate::Email,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<
                ::core::option::Option<$crate::PendingRegistration>,
                $crate::StoreError,
            > {
                $inner.registration(email, account)
            }

            fn registrations(
                &$this,
                email: &$crate::Email,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::PendingRegistration>, $crate::StoreError> {
                $inner.registrations(email)
            }

            fn expired_registrations(
                &$this,
                now: ::chrono::DateTime<::chrono::Utc>,
                limit: usize,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::PendingRegistration>, $crate::StoreError> {
                $inner.expired_registrations(now, limit)
            }

            fn registration_by_selector(
                &$this,
                selector: &str,
            ) -> ::core::result::Result<
                ::core::option::Option<$crate::PendingRegistration>,
                $crate::StoreError,
            > {
                $inner.registration_by_selector(selector)
            }

            fn active_admin_count(
                &$this,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<usize, $crate::StoreError> {
                $inner.active_admin_count(account)
            }
        }
    };
}

/// Implements [`Transaction`](crate::store::Transaction) for a wrapper by
/// forwarding every write to an inner transaction, running an optional
/// block before each one (a fault to inject, a count to keep);
/// [`commit`](crate::store::Transaction::commit) calls an inherent method of
/// the wrapper that takes it by value (name it other than `commit`).
///
/// `forward_writes!([generics] Type, self => inner, commit: finish, before: { … })`.
/// The wrapper implements [`Reader`](crate::store::Reader) itself, usually
/// with [`forward_reader!`](crate::forward_reader). See
/// [`FailingStore`](crate::testing::FailingStore) for one in use.
#[macro_export]
macro_rules! forward_writes {
    (
        [$($generics:tt)*] $type:ty, $this:ident => $inner:expr,
        commit: $commit:ident
        $(, before: $before:block)? $(,)?
    ) => {
        impl<$($generics)*> $crate::store::Transaction for $type {
            fn insert_account(
                &mut $this,
                account: &$crate::Account,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.insert_account(account)
            }

            fn insert_group(
                &mut $this,
                account: $crate::AccountNumber,
                name: &$crate::GroupName,
                created_at: ::chrono::DateTime<::chrono::Utc>,
            ) -> ::core::result::Result<$crate::Group, $crate::StoreError> {
                $($before)?
                $inner.insert_group(account, name, created_at)
            }

            fn rename_group(
                &mut $this,
                id: $crate::GroupId,
                name: &$crate::GroupName,
            ) -> ::core::result::Result<u64, $crate::StoreError> {
                $($before)?
                $inner.rename_group(id, name)
            }

            fn delete_group(
                &mut $this,
                id: $crate::GroupId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.delete_group(id)
            }

            fn insert_user(
                &mut $this,
                user: &$crate::User,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.insert_user(user)
            }

            fn update_user(
                &mut $this,
                user: &$crate::User,
            ) -> ::core::result::Result<u64, $crate::StoreError> {
                $($before)?
                $inner.update_user(user)
            }

            fn set_sign_in_state(
                &mut $this,
                user: $crate::UserId,
                state: &$crate::SignInState,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.set_sign_in_state(user, state)
            }

            fn put_registration(
                &mut $this,
                registration: &$crate::PendingRegistration,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.put_registration(registration)
            }

            fn delete_registration(
                &mut $this,
                email: &$crate::Email,
                account: $crate::AccountNumber,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.delete_registration(email, account)
            }

            fn add_member(
                &mut $this,
                group: $crate::GroupId,
                user: $crate::UserId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.add_member(group, user)
            }

            fn remove_member(
                &mut $this,
                group: $crate::GroupId,
                user: $crate::UserId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.remove_member(group, user)
            }

            fn append_audit(
                &mut $this,
                record: $crate::AuditRecord,
            ) -> ::core::result::Result<u64, $crate::StoreError> {
                $($before)?
                $inner.append_audit(record)
            }

            fn delete_user(
                &mut $this,
                id: $crate::UserId,
            ) -> ::core::result::Result<(), $crate::StoreError> {
                $($before)?
                $inner.delete_user(id)
            }

            fn commit($this) -> ::core::result::Result<(), $crate::StoreError> {
                $this.$commit()
            }
        }
    };
}
