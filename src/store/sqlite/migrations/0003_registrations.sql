
    CREATE TABLE registrations (
        identity      TEXT    PRIMARY KEY CHECK (identity = lower(email)),
        email         TEXT    NOT NULL,
        selector      TEXT    NOT NULL UNIQUE,
        verifier_hash BLOB    NOT NULL CHECK (length(verifier_hash) = 32),
        sent_by       TEXT    NOT NULL,
        account       INTEGER NOT NULL,
        issued_at     TEXT    NOT NULL,
        expires_at    TEXT    NOT NULL
    ) STRICT, WITHOUT ROWID;
    