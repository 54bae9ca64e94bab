-- Version 9: when each user last signed in successfully, for the Users
-- tab. Nobody has signed in since this version yet: every user starts
-- with none.
ALTER TABLE users ADD COLUMN last_signed_in TEXT;
