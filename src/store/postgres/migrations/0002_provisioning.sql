-- Version 2: provisioning (SCIM), as SQLite's version 10 has it. What
-- each account's identity provider calls its users and groups, and the
-- tokens it uses.
--
-- An external identity is one per (account, user): the provider's
-- `userName` as sent and its key (in lower case, as the crate computes
-- it), unique in the account; its `externalId`, unique in the account when
-- present (NULLs are distinct); its `displayName`, if sent; and when the
-- provider last changed the user. It goes with its user. Every lookup of
-- a write is a range of one of these indexes, so its predicate locks stay
-- on index pages.
CREATE TABLE external_identities (
    account       BIGINT NOT NULL REFERENCES accounts (number),
    user_id       BYTEA  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_name     TEXT   NOT NULL,
    user_name_key TEXT   COLLATE "C" NOT NULL,
    external_id   TEXT   COLLATE "C",
    display_name  TEXT,
    modified_at   TEXT   NOT NULL,
    PRIMARY KEY (account, user_id),
    UNIQUE (account, user_name_key),
    UNIQUE (account, external_id)
);

-- Deleting a user finds theirs in every account.
CREATE INDEX external_identities_by_user ON external_identities (user_id);

-- A provisioning token: its public id, the SHA-256 of its secret, the
-- account it acts for, and who issued it when (JSON and time text, as the
-- other actor and time columns).
CREATE TABLE provisioning_credentials (
    id            TEXT   COLLATE "C" PRIMARY KEY,
    account       BIGINT NOT NULL REFERENCES accounts (number),
    verifier_hash BYTEA  NOT NULL CHECK (length(verifier_hash) = 32),
    description   TEXT   NOT NULL,
    issued_by     TEXT   NOT NULL,
    issued_at     TEXT   COLLATE "C" NOT NULL
);

-- An account's tokens, oldest first.
CREATE INDEX provisioning_credentials_by_account
    ON provisioning_credentials (account, issued_at, id);

-- The `externalId` a provider gave a group: at most one per group, not
-- unique, deleted with the group.
CREATE TABLE group_external_ids (
    account     BIGINT NOT NULL,
    number      BIGINT NOT NULL,
    external_id TEXT   NOT NULL,
    PRIMARY KEY (account, number),
    FOREIGN KEY (account, number)
        REFERENCES account_groups (account, number) ON DELETE CASCADE
);
