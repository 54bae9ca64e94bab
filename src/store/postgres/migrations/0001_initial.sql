-- Version 1: the whole schema, as SQLite's version 9 has it, in
-- PostgreSQL's types. Every key and uniqueness rule the directory relies
-- on is enforced here, so it holds between processes.
--
-- Text that is ordered (email identities, times as fixed-width RFC 3339
-- text) is COLLATE "C": byte order, the order every store lists in,
-- whatever the database's collation. Times are text because the model
-- keeps nanoseconds and timestamptz keeps microseconds. The trigger
-- functions keep the search path they were made with: the store's schema.

CREATE TABLE accounts (
    number     BIGINT PRIMARY KEY CHECK (number >= 0),
    name       TEXT   NOT NULL,
    created_at TEXT   COLLATE "C" NOT NULL,
    next_group BIGINT NOT NULL CHECK (next_group BETWEEN 1 AND 4294967295),
    -- Taken (locked) by every transaction that appends to the account's
    -- audit trail, so that its sequence numbers grow in commit order.
    audit_head BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE users (
    id                     BYTEA  PRIMARY KEY CHECK (length(id) = 16),
    revision               BIGINT NOT NULL DEFAULT 0,
    identity               TEXT   COLLATE "C" NOT NULL UNIQUE,
    email                  TEXT   NOT NULL,
    first_name             TEXT   NOT NULL,
    last_name              TEXT   NOT NULL,
    status                 TEXT   NOT NULL,
    password_hash          TEXT,
    password_temporary     BOOLEAN,
    password_set_at        TEXT,
    created_at             TEXT   NOT NULL,
    created_by             TEXT   NOT NULL,
    created_in             BIGINT NOT NULL,
    failed_sign_ins        BIGINT NOT NULL DEFAULT 0
        CHECK (failed_sign_ins BETWEEN 0 AND 4294967295),
    lockouts               BIGINT NOT NULL DEFAULT 0
        CHECK (lockouts BETWEEN 0 AND 4294967295),
    locked_until           TEXT,
    password_chosen_by     TEXT,
    failure_window_started TEXT,
    sign_in_sources        TEXT   NOT NULL DEFAULT '[]',
    last_signed_in         TEXT,
    CHECK ((password_hash IS NULL) = (password_temporary IS NULL)
       AND (password_hash IS NULL) = (password_set_at IS NULL)
       AND (password_hash IS NULL) = (password_chosen_by IS NULL))
);

CREATE INDEX users_by_account ON users (created_in);

CREATE TABLE account_groups (
    account    BIGINT NOT NULL REFERENCES accounts (number),
    number     BIGINT NOT NULL CHECK (number BETWEEN 1 AND 4294967295),
    name       TEXT   NOT NULL,
    name_key   TEXT   NOT NULL,
    created_at TEXT   NOT NULL,
    revision   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account, number),
    UNIQUE (account, name_key)
);

CREATE TABLE memberships (
    account  BIGINT NOT NULL,
    number   BIGINT NOT NULL,
    user_id  BYTEA  NOT NULL REFERENCES users (id),
    -- The member's email identity, for the members' order: written with
    -- the membership, kept by a trigger when it changes.
    identity TEXT   COLLATE "C" NOT NULL,
    PRIMARY KEY (account, number, user_id),
    FOREIGN KEY (account, number)
        REFERENCES account_groups (account, number) ON DELETE CASCADE
);

CREATE INDEX memberships_by_user ON memberships (user_id, account, number);
CREATE INDEX memberships_by_identity ON memberships (account, number, identity, user_id);

CREATE TABLE audit (
    sequence BIGSERIAL PRIMARY KEY,
    account  BIGINT NOT NULL,
    at       TEXT   NOT NULL,
    actor    TEXT   NOT NULL,
    action   TEXT   NOT NULL,
    target   BYTEA  CHECK (target IS NULL OR length(target) = 16)
);

CREATE INDEX audit_by_account ON audit (account, sequence);
CREATE INDEX audit_by_target ON audit (account, target, sequence) WHERE target IS NOT NULL;

CREATE TABLE registrations (
    identity      TEXT   COLLATE "C" NOT NULL,
    account       BIGINT NOT NULL,
    email         TEXT   NOT NULL,
    selector      TEXT   NOT NULL UNIQUE,
    verifier_hash BYTEA  NOT NULL CHECK (length(verifier_hash) = 32),
    sent_by       TEXT   NOT NULL,
    issued_at     TEXT   NOT NULL,
    expires_at    TEXT   COLLATE "C" NOT NULL,
    PRIMARY KEY (identity, account)
);

CREATE INDEX registrations_by_expiry ON registrations (expires_at);
CREATE INDEX registrations_by_account ON registrations (account, expires_at, identity);

-- The users each account governs (R13: created in it, or a member of one
-- of its groups), by email identity, so that a page of an account's users
-- is a range of an index. Triggers keep it true on every write.
CREATE TABLE account_users (
    account  BIGINT NOT NULL,
    identity TEXT   COLLATE "C" NOT NULL,
    user_id  BYTEA  NOT NULL,
    PRIMARY KEY (account, identity, user_id)
);

CREATE INDEX account_users_by_user ON account_users (user_id);

CREATE FUNCTION account_users_on_create() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO account_users (account, identity, user_id)
        VALUES (NEW.created_in, NEW.identity, NEW.id)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER account_users_on_create AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION account_users_on_create();

CREATE FUNCTION users_on_new_identity() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE account_users SET identity = NEW.identity WHERE user_id = NEW.id;
    UPDATE memberships SET identity = NEW.identity WHERE user_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER users_on_new_identity AFTER UPDATE OF identity ON users
    FOR EACH ROW WHEN (NEW.identity IS DISTINCT FROM OLD.identity)
    EXECUTE FUNCTION users_on_new_identity();

CREATE FUNCTION account_users_on_delete() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM account_users WHERE user_id = OLD.id;
    RETURN NULL;
END $$;

CREATE TRIGGER account_users_on_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION account_users_on_delete();

CREATE FUNCTION account_users_on_join() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO account_users (account, identity, user_id)
        VALUES (NEW.account, NEW.identity, NEW.user_id)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER account_users_on_join AFTER INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION account_users_on_join();

CREATE FUNCTION account_users_on_leave() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id AND created_in = OLD.account)
       AND NOT EXISTS (SELECT 1 FROM memberships
                       WHERE user_id = OLD.user_id AND account = OLD.account) THEN
        DELETE FROM account_users WHERE account = OLD.account AND user_id = OLD.user_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER account_users_on_leave AFTER DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION account_users_on_leave();
