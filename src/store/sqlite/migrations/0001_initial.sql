
    PRAGMA application_id = 1129465171; -- 0x43524553, "CRES"

    CREATE TABLE accounts (
        number     INTEGER PRIMARY KEY,
        name       TEXT    NOT NULL,
        created_at TEXT    NOT NULL,
        next_group INTEGER NOT NULL CHECK (next_group >= 1)
    ) STRICT;

    CREATE TABLE users (
        identity           TEXT    PRIMARY KEY CHECK (identity = lower(email)),
        email              TEXT    NOT NULL,
        first_name         TEXT    NOT NULL,
        last_name          TEXT    NOT NULL,
        status             TEXT    NOT NULL,
        password_hash      TEXT,
        password_temporary INTEGER CHECK (password_temporary IN (0, 1)),
        password_set_at    TEXT,
        created_at         TEXT    NOT NULL,
        created_by         TEXT    NOT NULL,
        created_in         INTEGER NOT NULL,
        CHECK ((password_hash IS NULL) = (password_temporary IS NULL)
           AND (password_hash IS NULL) = (password_set_at IS NULL))
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE account_groups (
        account    INTEGER NOT NULL REFERENCES accounts (number),
        number     INTEGER NOT NULL CHECK (number >= 1),
        name       TEXT    NOT NULL,
        name_key   TEXT    NOT NULL,
        created_at TEXT    NOT NULL,
        PRIMARY KEY (account, number),
        UNIQUE (account, name_key)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE memberships (
        account  INTEGER NOT NULL,
        number   INTEGER NOT NULL,
        identity TEXT    NOT NULL REFERENCES users (identity),
        PRIMARY KEY (account, number, identity),
        FOREIGN KEY (account, number)
            REFERENCES account_groups (account, number) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;

    CREATE INDEX memberships_by_user ON memberships (identity, account, number);

    CREATE TABLE audit (
        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
        account  INTEGER NOT NULL,
        at       TEXT    NOT NULL,
        actor    TEXT    NOT NULL,
        action   TEXT    NOT NULL
    ) STRICT;

    CREATE INDEX audit_by_account ON audit (account, sequence);
    