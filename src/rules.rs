//! The business rules R1–R16 that the crate keeps, which its docs and tests
//! cite by number. They come from the guide *Add Account Administrators to
//! CRES* and from the crate's own security reviews. This module holds no
//! code.
//!
//! Each test named after a rule (`r13_…`, in `tests/rules.rs`,
//! `tests/isolation.rs` and elsewhere) proves it; the conformance suite
//! (feature `testing`) proves the ones a store must help keep.
//!
//! ## R1 — An account and its built-in group
//! An **account** is a customer tenant identified by an account number. It
//! is created with exactly one built-in group, *Account Administrators*
//! (number 1), which cannot be deleted or renamed.
//!
//! ## R2 — Customer Support starts an account
//! Only **Customer Support**, an operator of the service and not a user of
//! any account, creates accounts and makes the *first* Account Administrator
//! of an account.
//!
//! ## R3 — Administrators act on their own account only
//! After that, any active Account Administrator of account A can add further
//! administrators to A, and can change nothing in any other account.
//!
//! ## R4 — Users are service-wide, found by email
//! **Users** are service-wide. People name a user by email address (the
//! guide's *User Id*): email identity ignores case and surrounding white
//! space, and the address as typed is kept for display. Internally each
//! user has a [`UserId`](crate::UserId) that never changes and is never
//! reused, so that history, memberships and sessions stay with the user and
//! not with the address.
//!
//! ## R5 — Add to Group needs an existing user
//! *Add to Group* takes the User Id. If no user has that email, it fails
//! with **"Can not add a non existent user."** and changes nothing.
//!
//! ## R6 — Add User
//! *Add User*: Username (an email), First Name, Last Name, Password, Confirm
//! Password, all required; the two passwords must match. *Enforce Password
//! Expiration* makes the password temporary. Success: **"User ‹email›
//! added."**
//!
//! ## R7 — A temporary password only leads to a permanent one
//! A user who signs in with a temporary password is not let in yet: the
//! result says a permanent password must be set first. Once it is set, the
//! temporary one no longer works.
//!
//! ## R8 — Registration by secure message
//! Sending a secure message to an address with no user issues a
//! registration; the recipient registers (names, password) through the
//! message's link and from then on is an existing user. Until then, R5
//! treats the address as non-existent.
//!
//! ## R9 — More groups
//! An Account Administrator can create further groups in the account (*Group
//! Name* required, unique in the account ignoring case; *Add Group*) and list
//! the account's groups (*Showing N group(s).*).
//!
//! ## R10 — No lock-out
//! The last Account Administrator of an account cannot be removed.
//!
//! ## R11 — Audit trail
//! Every change is recorded in an audit trail: when, who, what, on which
//! account.
//!
//! ## R12 — All or nothing
//! An operation either happens completely or not at all, with concurrent
//! callers and with a store that fails halfway.
//!
//! ## R13 — Who governs a user
//! A user's *governing accounts* are the account the user was created in
//! plus every account in one of whose groups the user is a member. Only an
//! administrator of *every* governing account, or Customer Support, may act
//! on the user's credentials or state: reset, unlock, disable, enable,
//! delete, edit. A user whose current password was chosen by someone who
//! does not administer account B (*Add User*, a reset) cannot be put into
//! B's groups until they have set their own password (Customer Support
//! excepted). No action of an administrator of A lets anyone who does not
//! administer B learn, choose or replace the password of a member of B.
//!
//! ## R14 — Pending registrations belong to their account
//! One account's actions never void or replace another account's pending
//! registration; there is at most one per (address, account); registering
//! through any link creates the user once and ends every pending
//! registration of the address, each end recorded in its own account's
//! trail.
//!
//! ## R15 — Sign-in resists guessing without becoming a weapon
//! At most a bounded number of wrong passwords are verified per lock window
//! however many arrive at once; a success never clears a lock set
//! meanwhile; failures decay; a guesser from one source cannot keep a user
//! who signs in from another source locked out; an unknown address and a
//! wrong password cost the same; a password-change ticket proves exactly the
//! credential verified, and expires.
//!
//! ## R16 — Never without an active administrator
//! An account never loses its last *active* administrator: removing,
//! disabling or deleting the last active member of *Account Administrators*
//! is refused, also under concurrent callers and across processes (R10,
//! extended to the user lifecycle).
//!
//! *An active administrator* is a member of *Account Administrators* whose
//! status is active; a disabled member does not count. *The users of an
//! account* are the users it governs (R13). Enforced by
//! [`Directory::remove_from_group`](crate::Directory::remove_from_group)
//! ([`Error::LastAdministrator`](crate::Error::LastAdministrator)),
//! [`Directory::disable_user`](crate::Directory::disable_user) and
//! [`Directory::delete_user`](crate::Directory::delete_user)
//! ([`Error::LastActiveAdministrator`](crate::Error::LastActiveAdministrator)),
//! each counting with
//! [`Reader::active_admin_count`](crate::store::Reader::active_admin_count)
//! in the transaction of its change.
