-- Version 8: lists read a page at a time from an index, never by sorting
-- or scanning everything.
--
-- A group's members are paged by email identity and id: each membership
-- carries its user's identity, written with the membership (or by a
-- trigger, for a writer that leaves it out) and kept by a trigger when the
-- user's email identity changes, so that the page is a range of
-- `memberships_by_identity`.
ALTER TABLE memberships ADD COLUMN identity TEXT;

UPDATE memberships
   SET identity = (SELECT u.identity FROM users u WHERE u.id = memberships.user_id);

CREATE INDEX memberships_by_identity ON memberships (account, number, identity, user_id);

CREATE TRIGGER memberships_take_identity AFTER INSERT ON memberships
WHEN NEW.identity IS NULL
BEGIN
    UPDATE memberships
       SET identity = (SELECT u.identity FROM users u WHERE u.id = NEW.user_id)
     WHERE account = NEW.account AND number = NEW.number AND user_id = NEW.user_id;
END;

CREATE TRIGGER memberships_follow_identity AFTER UPDATE OF identity ON users
WHEN NEW.identity IS NOT OLD.identity
BEGIN
    UPDATE memberships SET identity = NEW.identity WHERE user_id = NEW.id;
END;

-- An account's details count the users created in it from an index.
CREATE INDEX users_by_account ON users (created_in);

-- An account's pending registrations are paged by expiry and identity.
CREATE INDEX registrations_by_account ON registrations (account, expires_at, identity);
