
    ALTER TABLE users ADD COLUMN password_chosen_by TEXT;
    UPDATE users SET password_chosen_by = '"unknown"' WHERE password_hash IS NOT NULL;
    ALTER TABLE users ADD COLUMN failure_window_started TEXT;
    ALTER TABLE users ADD COLUMN sign_in_sources TEXT NOT NULL DEFAULT '[]';

    CREATE TABLE registrations_by_account (
        identity      TEXT    NOT NULL CHECK (identity = lower(email)),
        account       INTEGER NOT NULL,
        email         TEXT    NOT NULL,
        selector      TEXT    NOT NULL UNIQUE,
        verifier_hash BLOB    NOT NULL CHECK (length(verifier_hash) = 32),
        sent_by       TEXT    NOT NULL,
        issued_at     TEXT    NOT NULL,
        expires_at    TEXT    NOT NULL,
        PRIMARY KEY (identity, account)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO registrations_by_account
        SELECT identity, account, email, selector, verifier_hash, sent_by, issued_at, expires_at
        FROM registrations;
    DROP TABLE registrations;
    ALTER TABLE registrations_by_account RENAME TO registrations;
    CREATE INDEX registrations_by_expiry ON registrations (expires_at);
    