-- Version 7: lists read a page at a time from an index, never by sorting
-- or scanning everything.
--
-- A group's members are paged by email identity and id: each membership
-- carries its user's identity, written with the membership and kept by a
-- trigger when the user's email identity changes, so that the page is a
-- range of `memberships_by_identity`.
ALTER TABLE memberships ADD COLUMN identity TEXT;

UPDATE memberships
   SET identity = (SELECT u.identity FROM users u WHERE u.id = memberships.user_id);

CREATE INDEX memberships_by_identity ON memberships (account, number, identity, user_id);

CREATE TRIGGER memberships_follow_identity AFTER UPDATE OF identity ON users
WHEN NEW.identity IS NOT OLD.identity
BEGIN
    UPDATE memberships SET identity = NEW.identity WHERE user_id = NEW.id;
END;

-- An account's pending registrations are paged by expiry and identity.
CREATE INDEX registrations_by_account ON registrations (account, expires_at, identity);
