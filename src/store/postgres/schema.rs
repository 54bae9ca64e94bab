//! The schema: its migrations, run once under an advisory lock, and the
//! checks that keep a foreign or newer schema untouched.
//!
//! Migrations are the `.sql` files in `migrations/`, numbered from 1. Each
//! one applied is recorded in the schema's `cres_migrations` table with the
//! SHA-256 of its text. They are append-only: a shipped file is never
//! edited (a test pins each one's digest), and a schema whose recorded
//! digests differ from this crate's is not this crate's to change.

use sha2::{Digest, Sha256};

use super::connection::Connection;
use super::fail;
use crate::store::{OpenError, StoreError};

/// The text of each migration, in order. Append only.
const SQL: [&str; 2] = [
    // Version 1: the whole schema, as SQLite's version 9 has it.
    include_str!("migrations/0001_initial.sql"),
    // Version 2: provisioning (SCIM), as SQLite's version 10 has it: each
    // account's names of its users (`userName` and `externalId`, unique in
    // the account, and `displayName`), deleted with the user; each group's
    // `externalId`, deleted with the group; provisioning tokens, by id and
    // by account.
    include_str!("migrations/0002_provisioning.sql"),
];

/// The schema version this code writes, and the newest it can open.
pub(super) const SCHEMA_VERSION: u32 = SQL.len() as u32;

/// The SHA-256 of a migration's text, as hex.
fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Refuses a schema name that is not a plain lower-case identifier: it is
/// written into SQL and into the connection's options unquoted.
pub(super) fn check_name(schema: &str) -> Result<(), OpenError> {
    let plain = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !schema.as_bytes()[0].is_ascii_digit()
        && !schema.starts_with("pg_");
    if plain {
        Ok(())
    } else {
        Err(OpenError::CannotOpen(
            "the schema name must be a plain lower-case SQL identifier (letters, digits, _)".into(),
        ))
    }
}

fn store(error: postgres::Error) -> OpenError {
    OpenError::Store(fail(error))
}

/// Brings `schema` to [`SCHEMA_VERSION`], in one transaction holding an
/// advisory lock on the schema's name: of several instances starting at
/// once, one migrates and the others wait, then find nothing to do.
pub(super) fn migrate(conn: &mut Connection, schema: &str) -> Result<(), OpenError> {
    let mut tx = conn.client().transaction().map_err(store)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('cres-admin schema ' || $1))",
        &[&schema],
    )
    .map_err(store)?;
    let exists: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&schema],
        )
        .map_err(store)?
        .get(0);
    let ours: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_tables
                            WHERE schemaname = $1 AND tablename = 'cres_migrations')",
            &[&schema],
        )
        .map_err(store)?
        .get(0);
    if exists && !ours {
        // Someone else's schema, unless it is empty.
        let objects: i64 = tx
            .query_one(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1",
                &[&schema],
            )
            .map_err(store)?
            .get(0);
        if objects > 0 {
            return Err(OpenError::NotADatabase);
        }
    }
    let mut applied = Vec::new();
    if ours {
        for row in tx
            .query(
                &format!("SELECT version, checksum FROM {schema}.cres_migrations ORDER BY version"),
                &[],
            )
            .map_err(store)?
        {
            let version: i32 = row.get(0);
            let digest: String = row.get(1);
            applied.push((version, digest));
        }
    }
    if let Some(&(newest, _)) = applied.last() {
        let found = u32::try_from(newest).unwrap_or(0);
        if found > SCHEMA_VERSION {
            return Err(OpenError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            });
        }
    }
    for (index, (version, digest)) in applied.iter().enumerate() {
        let expected = usize::try_from(*version)
            .ok()
            .filter(|v| *v == index + 1)
            .and_then(|v| SQL.get(v - 1));
        if expected.is_none_or(|sql| checksum(sql) != *digest) {
            // Migrations this crate never shipped, or shipped otherwise.
            return Err(OpenError::NotADatabase);
        }
    }
    if applied.len() == SQL.len() {
        return Ok(());
    }
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};
         CREATE TABLE IF NOT EXISTS {schema}.cres_migrations (
             version    INTEGER PRIMARY KEY,
             checksum   TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );
         SET LOCAL search_path TO {schema};"
    ))
    .map_err(store)?;
    for (index, sql) in SQL.iter().enumerate().skip(applied.len()) {
        tx.batch_execute(sql).map_err(store)?;
        let version = i32::try_from(index + 1)
            .map_err(|_| OpenError::Store(StoreError::backend("too many migrations")))?;
        tx.execute(
            "INSERT INTO cres_migrations (version, checksum) VALUES ($1, $2)",
            &[&version, &checksum(sql)],
        )
        .map_err(store)?;
    }
    tx.commit().map_err(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Append-only, enforced: the SHA-256 of every shipped migration.
    const SHIPPED: [&str; 2] = [
        "669bdf152c876935a511083326ff20ac73d4a8a813ec0f42bb19b7e96a21fcb7",
        "19361cbb21d0774645adcc1b1d5f938e7973b16278daa6e0df4c562c4e482281",
    ];

    #[test]
    fn shipped_migrations_never_change() {
        assert!(SQL.len() >= SHIPPED.len());
        for (sql, expected) in SQL.iter().zip(SHIPPED) {
            assert_eq!(checksum(sql), expected);
        }
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        for good in ["cres_admin", "tenant_7", "_x"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        let long = "a".repeat(64);
        for bad in [
            "",
            "7up",
            "Cres",
            "a-b",
            "a b",
            "a;drop",
            "pg_catalog",
            "ü",
            long.as_str(),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
