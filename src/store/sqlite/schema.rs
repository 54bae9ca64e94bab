//! The schema: its migrations, and the checks that keep a foreign or newer
//! file untouched.
//!
//! Migrations are the `.sql` files in `migrations/`, run by
//! [`rusqlite_migration`], which numbers them by SQLite's `user_version` as
//! this store always has: migration `N` (counting from 1) turns a version
//! `N - 1` database into a version `N` one. They are append-only: a shipped
//! file is never edited (a test pins each one's SHA-256), since databases
//! in the field were made by exactly that text and a migrated file must
//! have the schema of a new one.

use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};

use super::{fail, open_error};
use crate::store::OpenError;

/// The text of each migration, in order. Append only: never edit or
/// remove one that has shipped.
const SQL: [&str; 10] = [
    // Version 1: accounts, users, groups, memberships, the audit trail.
    include_str!("migrations/0001_initial.sql"),
    // Version 2: each user's sign-in state (consecutive failures, lock-out).
    // Existing users start with none.
    include_str!("migrations/0002_sign_in_state.sql"),
    // Version 3: pending registrations, one per email identity, found by
    // identity or by their token's selector. Independent of `users`: an
    // address may have a registration and no user.
    include_str!("migrations/0003_registrations.sql"),
    // Version 4: tenant isolation (R13-R15). Who chose each password
    // (unknown for the passwords already there); a window for decaying
    // sign-in failures and the per-source lock-outs; one pending
    // registration per (email identity, account) instead of one per email
    // identity.
    include_str!("migrations/0004_tenant_isolation.sql"),
    // Version 5: users keyed by a stable random id (the email unique through
    // an index), memberships and the JSON of records referring to it,
    // revisions on users and groups; users pending registration (a status
    // the model no longer has) removed. See the file's comment.
    include_str!("migrations/0005_user_ids.sql"),
    // Version 6: the user each audit entry is about, indexed, for a user's
    // history a page at a time.
    include_str!("migrations/0006_audit_by_user.sql"),
    // Version 7: each account's users by email identity, kept by triggers,
    // for the Users tab a page at a time.
    include_str!("migrations/0007_account_users.sql"),
    // Version 8: indexes for the lists read a page at a time: a group's
    // members by email identity (kept in each membership, and by a trigger
    // when an email changes), an account's pending registrations by
    // expiry; users by the account they were created in.
    include_str!("migrations/0008_list_pages.sql"),
    // Version 9: when each user last signed in successfully.
    include_str!("migrations/0009_last_sign_in.sql"),
    // Version 10: provisioning (SCIM): each account's names of its users
    // (`userName` and `externalId`, unique in the account, and
    // `displayName`), deleted with the user; each group's `externalId`,
    // deleted with the group; provisioning tokens, by id and by account.
    include_str!("migrations/0010_provisioning.sql"),
];

/// Migration 5 rebuilds tables that others refer to, so it runs with
/// foreign keys off ([`migrate`] turns them off) and checks them before it
/// commits.
static MIGRATIONS: [M<'static>; SQL.len()] = [
    M::up(SQL[0]),
    M::up(SQL[1]),
    M::up(SQL[2]),
    M::up(SQL[3]),
    M::up(SQL[4]).foreign_key_check(),
    M::up(SQL[5]),
    M::up(SQL[6]),
    M::up(SQL[7]),
    M::up(SQL[8]),
    M::up(SQL[9]),
];

/// The schema version this code writes, and the newest it can open.
pub(super) const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// `PRAGMA application_id` of the databases this crate writes ("CRES").
pub(super) const APPLICATION_ID: i64 = 0x4352_4553;

/// How many times opening tries to migrate when another connection keeps
/// migrating the same file meanwhile (each try that loses the race sees a
/// newer version, so a few suffice).
const MIGRATION_ATTEMPTS: u32 = 4;

fn migrations() -> Migrations<'static> {
    Migrations::from_slice(&MIGRATIONS)
}

/// The file's schema version, once it is known to be a database of this
/// crate (or an empty file) no newer than this code.
pub(super) fn check(conn: &Connection) -> Result<u32, OpenError> {
    // One statement, so one snapshot: another connection may be creating
    // the schema meanwhile, and three separate reads could see an empty
    // header with a full schema.
    let (version, application, objects): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version),
                    (SELECT application_id FROM pragma_application_id),
                    (SELECT count(*) FROM sqlite_schema)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .map_err(open_error)?;
    let ours = application == APPLICATION_ID;
    let empty = application == 0 && version == 0 && objects == 0;
    if !ours && !empty {
        return Err(OpenError::NotADatabase);
    }
    let found = u32::try_from(version).map_err(|_| OpenError::NotADatabase)?;
    if found > SCHEMA_VERSION {
        return Err(OpenError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Brings a file that [`check`] accepted up to [`SCHEMA_VERSION`]: every
/// pending migration in one `IMMEDIATE` transaction, so a failure leaves the
/// file at the version it had.
///
/// Another process may open (and migrate) the same file at the same moment.
/// `rusqlite_migration` reads the version before it takes the write lock,
/// so the loser of that race runs a migration on a file that already has
/// it: that fails (every migration creates or adds what it would find
/// there; a test checks this for each), its transaction rolls back, and the
/// version found has moved on: then the file is checked and migrated again.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), OpenError> {
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    // Rebuilding a table that others refer to needs foreign keys off (they
    // cannot change inside the migration's transaction); the migrations
    // that rebuild one check them before they commit.
    conn.pragma_update(None, "foreign_keys", false)
        .map_err(open_error)?;
    let migrated = migrate_with_retries(conn);
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(open_error)?;
    migrated
}

fn migrate_with_retries(conn: &mut Connection) -> Result<(), OpenError> {
    let mut attempt = 1;
    loop {
        let before = check(conn)?;
        if before == SCHEMA_VERSION {
            return Ok(());
        }
        let error = match migrations().to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        // Refuses a file migrated meanwhile to a newer schema, untouched.
        let after = check(conn)?;
        if after == before || attempt == MIGRATION_ATTEMPTS {
            return Err(migration_failed(error));
        }
        attempt += 1;
    }
}

fn migration_failed(error: rusqlite_migration::Error) -> OpenError {
    match error {
        rusqlite_migration::Error::RusqliteError { err, .. } => OpenError::Store(fail(err)),
        rusqlite_migration::Error::MigrationDefinition(
            MigrationDefinitionError::DatabaseTooFarAhead,
        ) => OpenError::Store(crate::StoreError::backend(
            "the database was migrated to a newer schema while it was being opened",
        )),
        rusqlite_migration::Error::ForeignKeyCheck(_) => OpenError::Store(
            crate::StoreError::Corrupt("a membership refers to no user or group".into()),
        ),
        other => OpenError::Store(crate::StoreError::backend(other)),
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    /// Append-only, enforced: the SHA-256 of every shipped migration. The
    /// databases in the field were made by exactly these texts, and
    /// `sqlite_schema` keeps each statement's text, so a migrated file has
    /// the schema of a new one only if the text never changes.
    const SHIPPED: [&str; 10] = [
        "5919b8650be76eb2d959d09fabfbe04ee9b0cc45e3f9940477e485a94aa043ca",
        "45b6297383b4e52b2531bbb1f58fa2390ee1e34074efb4f500651156fdd53aa5",
        "f6523f924589174f7ed2bb83caead19b32045d64525da14fce4c006897239343",
        "50a5f122ce910c53e6a1ae0ad7a6639d3e0a0df81b2e811a57245b69a65c3723",
        "a1ddb311f24b8423a7fc72fe7b4156506d6f40fc9be180a80a9ea40d79d2010c",
        "cd33bfecec4a8de1c5680b30872605800f74ab05ae36013ea6f3ca32028592f3",
        "a106085faa6c905c68d8ffee6ab5b2fb242a8df81c9716847763b574492585e4",
        "b3ef8edba419e8dd628b776c87603751772ffc51cd401bad10e44233b9e4a3dc",
        "cc980463b527d4dbf417475b10c65362d953ba719db57fa1a3c2f0d51d7d7176",
        "549c7eb230b7d1032c9e75f9f65d95fd1a9ebc951ab8f5a50469f2aed6e8e59d",
    ];

    fn text(version: usize) -> &'static str {
        SQL[version - 1]
    }

    #[test]
    fn shipped_migrations_never_change() {
        assert!(SQL.len() >= SHIPPED.len());
        assert_eq!(MIGRATIONS.len(), SQL.len(), "one migration per text");
        for (index, (migration, sql)) in MIGRATIONS.iter().zip(SQL).enumerate() {
            let expected = match index + 1 {
                5 => M::up(sql).foreign_key_check(),
                _ => M::up(sql),
            };
            // Not assert_eq: the Debug form is the whole migration.
            assert!(
                migration == &expected,
                "migration {} runs its text",
                index + 1
            );
        }
        for (index, expected) in SHIPPED.iter().enumerate() {
            let version = index + 1;
            let digest: String = Sha256::digest(text(version).as_bytes())
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            assert_eq!(
                &digest, expected,
                "migration {version} has shipped: it must never change; add a new one"
            );
        }
    }

    #[test]
    fn the_migrations_build_a_schema_of_ours() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(check(&conn).unwrap(), 0, "an empty database is welcome");
        migrate(&mut conn).unwrap();
        assert_eq!(check(&conn).unwrap(), SCHEMA_VERSION);
        migrate(&mut conn).expect("migrating again does nothing");
    }

    /// What [`migrate`] relies on when it loses a race: each migration,
    /// run again on a file that already has it (at its version or any later
    /// one), fails instead of changing anything.
    #[test]
    fn every_migration_fails_on_a_file_that_already_has_it() {
        for version in 1..=MIGRATIONS.len() {
            for later in version..=MIGRATIONS.len() {
                let mut conn = Connection::open_in_memory().unwrap();
                // As `migrate` runs them (and SQLite is built with foreign
                // keys on by default).
                conn.pragma_update(None, "foreign_keys", false).unwrap();
                migrations().to_version(&mut conn, later).unwrap();
                let rerun = conn.execute_batch(&format!("BEGIN; {} COMMIT;", text(version)));
                assert!(
                    rerun.is_err(),
                    "migration {version} ran again on a version {later} database"
                );
            }
        }
    }
}
