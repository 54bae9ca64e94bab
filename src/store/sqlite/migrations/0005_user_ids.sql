-- Version 5: a user is identified by a stable id, not by their email.
--
-- Users get a random 128-bit id (a version 4 UUID, as UserId::random makes
-- them) as their key; the lower-case email stays unique through an index.
-- Memberships refer to the id. Users and groups get a revision. In the JSON
-- of audit entries, creators, password choosers and registration senders,
-- a user named by email becomes {"id": ..., "email": ...}, or the id alone
-- where the model keeps only the id; an address that no user has any more
-- gets an id of its own, the same wherever it appears. Lock-outs recorded
-- by versions 2 and 3 say they locked every source (they did).
--
-- Users still pending registration (a status of versions 1 to 4 that only
-- the store itself could set) are deleted with their memberships: the
-- model has no such user any more; an address without a user is invited
-- by a pending registration, which is kept.
--
-- Run with foreign keys off (the store turns them off around migrations,
-- as SQLite's guide to changing a table says) and checked before commit.

ALTER TABLE account_groups ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

DELETE FROM memberships
    WHERE identity IN (SELECT identity FROM users WHERE status = 'pending_registration');
DELETE FROM users WHERE status = 'pending_registration';

-- Every email identity that names a user, in a row or in JSON, with its id.
CREATE TEMP TABLE user_ids (
    identity TEXT PRIMARY KEY,
    id       BLOB NOT NULL UNIQUE,
    id_text  TEXT NOT NULL
) WITHOUT ROWID;

WITH named (identity) AS (
    SELECT identity FROM users
    UNION
    SELECT lower(json_extract(actor, '$.user')) FROM audit
        WHERE json_type(actor, '$.user') = 'text'
    UNION
    SELECT lower(json_extract(action, '$.email')) FROM audit
        WHERE json_extract(action, '$.action') IN
            ('user_added', 'member_added', 'password_changed', 'password_reset',
             'user_locked', 'user_unlocked', 'user_registered', 'member_removed')
    UNION
    SELECT lower(json_extract(created_by, '$.user')) FROM users
        WHERE json_type(created_by, '$.user') = 'text'
    UNION
    SELECT lower(json_extract(password_chosen_by, '$.administrator.email')) FROM users
        WHERE json_type(password_chosen_by, '$.administrator.email') = 'text'
    UNION
    SELECT lower(json_extract(sent_by, '$.user')) FROM registrations
        WHERE json_type(sent_by, '$.user') = 'text'
),
drawn AS MATERIALIZED (
    SELECT identity, hex(randomblob(16)) AS bits, abs(random() % 4) AS variant FROM named
),
uuids AS (
    SELECT identity,
           lower(substr(bits, 1, 12) || '4' || substr(bits, 14, 3)
                 || substr('89ab', variant + 1, 1) || substr(bits, 18, 15)) AS hex
    FROM drawn
)
INSERT INTO user_ids (identity, id, id_text)
    SELECT identity,
           unhex(hex),
           substr(hex, 1, 8) || '-' || substr(hex, 9, 4) || '-' || substr(hex, 13, 4) || '-'
               || substr(hex, 17, 4) || '-' || substr(hex, 21, 12)
    FROM uuids;

-- A user named in JSON by email: {"user": EMAIL} becomes {"user": {"id", "email"}}.
UPDATE audit SET actor = json_object('user',
        json_object('id', u.id_text, 'email', json_extract(actor, '$.user')))
    FROM user_ids u
    WHERE json_type(actor, '$.user') = 'text'
      AND u.identity = lower(json_extract(actor, '$.user'));

UPDATE audit SET action = json_set(json_remove(action, '$.email'), '$.user',
        json_object('id', u.id_text, 'email', json_extract(action, '$.email')))
    FROM user_ids u
    WHERE json_extract(action, '$.action') IN
            ('user_added', 'member_added', 'password_changed', 'password_reset',
             'user_locked', 'user_unlocked', 'user_registered', 'member_removed')
      AND u.identity = lower(json_extract(action, '$.email'));

UPDATE audit SET action = json_set(action, '$.every_source', json('true'))
    WHERE json_extract(action, '$.action') = 'user_locked'
      AND json_type(action, '$.every_source') IS NULL;

UPDATE users SET created_by = json_object('user',
        json_object('id', u.id_text, 'email', json_extract(created_by, '$.user')))
    FROM user_ids u
    WHERE json_type(created_by, '$.user') = 'text'
      AND u.identity = lower(json_extract(created_by, '$.user'));

UPDATE users SET password_chosen_by = json_object('administrator',
        json_object('user', u.id_text,
                    'account', json_extract(password_chosen_by, '$.administrator.account')))
    FROM user_ids u
    WHERE json_type(password_chosen_by, '$.administrator.email') = 'text'
      AND u.identity = lower(json_extract(password_chosen_by, '$.administrator.email'));

UPDATE registrations SET sent_by = json_object('user',
        json_object('id', u.id_text, 'email', json_extract(sent_by, '$.user')))
    FROM user_ids u
    WHERE json_type(sent_by, '$.user') = 'text'
      AND u.identity = lower(json_extract(sent_by, '$.user'));

CREATE TABLE users_by_id (
    id                     BLOB    PRIMARY KEY CHECK (length(id) = 16),
    revision               INTEGER NOT NULL DEFAULT 0,
    identity               TEXT    NOT NULL CHECK (identity = lower(email)),
    email                  TEXT    NOT NULL,
    first_name             TEXT    NOT NULL,
    last_name              TEXT    NOT NULL,
    status                 TEXT    NOT NULL,
    password_hash          TEXT,
    password_temporary     INTEGER CHECK (password_temporary IN (0, 1)),
    password_set_at        TEXT,
    created_at             TEXT    NOT NULL,
    created_by             TEXT    NOT NULL,
    created_in             INTEGER NOT NULL,
    failed_sign_ins        INTEGER NOT NULL DEFAULT 0
        CHECK (failed_sign_ins BETWEEN 0 AND 4294967295),
    lockouts               INTEGER NOT NULL DEFAULT 0
        CHECK (lockouts BETWEEN 0 AND 4294967295),
    locked_until           TEXT,
    password_chosen_by     TEXT,
    failure_window_started TEXT,
    sign_in_sources        TEXT    NOT NULL DEFAULT '[]',
    CHECK ((password_hash IS NULL) = (password_temporary IS NULL)
       AND (password_hash IS NULL) = (password_set_at IS NULL)
       AND (password_hash IS NULL) = (password_chosen_by IS NULL))
) STRICT, WITHOUT ROWID;

INSERT INTO users_by_id
    SELECT u.id, 0, identity, email, first_name, last_name, status, password_hash,
           password_temporary, password_set_at, created_at, created_by, created_in,
           failed_sign_ins, lockouts, locked_until, password_chosen_by,
           failure_window_started, sign_in_sources
    FROM users JOIN user_ids u USING (identity);

CREATE TABLE memberships_by_id (
    account INTEGER NOT NULL,
    number  INTEGER NOT NULL,
    user_id BLOB    NOT NULL REFERENCES users (id),
    PRIMARY KEY (account, number, user_id),
    FOREIGN KEY (account, number)
        REFERENCES account_groups (account, number) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

INSERT INTO memberships_by_id
    SELECT m.account, m.number, u.id
    FROM memberships m JOIN user_ids u USING (identity);

DROP TABLE memberships;
DROP TABLE users;
ALTER TABLE users_by_id RENAME TO users;
ALTER TABLE memberships_by_id RENAME TO memberships;
CREATE UNIQUE INDEX users_by_identity ON users (identity);
CREATE INDEX memberships_by_user ON memberships (user_id, account, number);
DROP TABLE temp.user_ids;
