-- Version 7: the users each account governs (R13: created in it, or a
-- member of one of its groups), by email identity, so that a page of an
-- account's users is read from an index: a range of it, not a scan of
-- every user. Triggers keep it true on every write, whoever makes it.
CREATE TABLE account_users (
    account  INTEGER NOT NULL,
    identity TEXT    NOT NULL,
    user_id  BLOB    NOT NULL,
    PRIMARY KEY (account, identity, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX account_users_by_user ON account_users (user_id);

INSERT INTO account_users (account, identity, user_id)
    SELECT created_in, identity, id FROM users
    UNION
    SELECT m.account, u.identity, u.id FROM memberships m JOIN users u ON u.id = m.user_id;

CREATE TRIGGER account_users_on_create AFTER INSERT ON users BEGIN
    INSERT OR IGNORE INTO account_users (account, identity, user_id)
        VALUES (new.created_in, new.identity, new.id);
END;

CREATE TRIGGER account_users_on_new_email AFTER UPDATE OF identity ON users BEGIN
    UPDATE account_users SET identity = new.identity WHERE user_id = new.id;
END;

CREATE TRIGGER account_users_on_delete AFTER DELETE ON users BEGIN
    DELETE FROM account_users WHERE user_id = old.id;
END;

CREATE TRIGGER account_users_on_join AFTER INSERT ON memberships BEGIN
    INSERT OR IGNORE INTO account_users (account, identity, user_id)
        SELECT new.account, identity, id FROM users WHERE id = new.user_id;
END;

CREATE TRIGGER account_users_on_leave AFTER DELETE ON memberships
WHEN NOT EXISTS (SELECT 1 FROM users WHERE id = old.user_id AND created_in = old.account)
 AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = old.user_id AND account = old.account)
BEGIN
    DELETE FROM account_users WHERE account = old.account AND user_id = old.user_id;
END;
