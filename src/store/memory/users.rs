//! The memory store's users: a slab of compact records, found by id and by
//! email identity through hash tables of slot numbers.

use std::cmp::Ordering;
use std::hash::{BuildHasher, Hasher, RandomState};

use chrono::{DateTime, Utc};
use hashbrown::HashTable;

use crate::store::memory::hashing::Keyed;

use crate::model::{
    AccountNumber, ActorRecord, Credential, Email, GroupId, Name, ProvisionerRef, SignInState,
    User, UserBrief, UserId, UserRef, UserRow, UserStatus,
};

/// Where a user lives in the slab.
pub(super) type Slot = u32;

/// A user as the memory store keeps it: the public [`User`], packed. At a
/// million users every byte is a megabyte: the three strings share one
/// allocation, a sign-in state with nothing in it and a creator who is not
/// a user take a pointer's room, and the groups sit inline.
#[derive(Debug)]
pub(super) struct Stored {
    pub(super) id: UserId,
    pub(super) revision: u64,
    /// The email as typed, then the first name, then the last name.
    text: Box<str>,
    first_at: u32,
    last_at: u32,
    pub(super) status: UserStatus,
    pub(super) created_in: AccountNumber,
    created_at: DateTime<Utc>,
    pub(super) credential: Option<Credential>,
    created_by: StoredActor,
    pub(super) sign_in: Option<Box<SignInState>>,
    pub(super) groups: Groups,
}

/// [`ActorRecord`] in 16 bytes: the common creators take no allocation.
#[derive(Debug)]
enum StoredActor {
    Support,
    Unauthenticated,
    User(Box<UserRef>),
    Provisioner(Box<ProvisionerRef>),
}

impl Stored {
    /// Packs `user`, in the groups it has.
    pub(super) fn new(user: &User, groups: Groups) -> Stored {
        let email = user.email.as_str();
        let (first, last) = (user.first_name.as_str(), user.last_name.as_str());
        // Bounded inputs (an address of 254 bytes, names of 400): the
        // offsets fit in 32 bits with room to spare.
        let first_at = email.len() as u32;
        let last_at = (email.len() + first.len()) as u32;
        Stored {
            id: user.id,
            revision: user.revision,
            text: [email, first, last].concat().into_boxed_str(),
            first_at,
            last_at,
            status: user.status,
            created_in: user.created_in,
            created_at: user.created_at,
            credential: user.credential.clone(),
            created_by: match &user.created_by {
                ActorRecord::Support => StoredActor::Support,
                ActorRecord::Unauthenticated => StoredActor::Unauthenticated,
                ActorRecord::User(user) => StoredActor::User(Box::new(user.clone())),
                ActorRecord::Provisioner(client) => {
                    StoredActor::Provisioner(Box::new(client.clone()))
                }
            },
            sign_in: (user.sign_in != SignInState::default())
                .then(|| Box::new(user.sign_in.clone())),
            groups,
        }
    }

    /// Keeps `state` as the sign-in bookkeeping; returns the previous one.
    pub(super) fn replace_sign_in(&mut self, state: &SignInState) -> Option<Box<SignInState>> {
        let packed = (*state != SignInState::default()).then(|| Box::new(state.clone()));
        std::mem::replace(&mut self.sign_in, packed)
    }

    /// The email as typed.
    pub(super) fn email(&self) -> &str {
        &self.text[..self.first_at as usize]
    }

    fn first_name(&self) -> Name {
        Name::from_stored(&self.text[self.first_at as usize..self.last_at as usize])
    }

    fn last_name(&self) -> Name {
        Name::from_stored(&self.text[self.last_at as usize..])
    }

    pub(super) fn user(&self) -> User {
        User {
            id: self.id,
            revision: self.revision,
            email: Email::from_stored(self.email()),
            first_name: self.first_name(),
            last_name: self.last_name(),
            status: self.status,
            credential: self.credential.clone(),
            created_at: self.created_at,
            created_by: match &self.created_by {
                StoredActor::Support => ActorRecord::Support,
                StoredActor::Unauthenticated => ActorRecord::Unauthenticated,
                StoredActor::User(user) => ActorRecord::User(UserRef::clone(user)),
                StoredActor::Provisioner(client) => {
                    ActorRecord::Provisioner(ProvisionerRef::clone(client))
                }
            },
            created_in: self.created_in,
            sign_in: self.sign_in.as_deref().cloned().unwrap_or_default(),
        }
    }

    /// Its row in an account's Users tab ([`UserRow::new`], without
    /// unpacking the rest of the user).
    pub(super) fn row(&self, administrator: bool) -> UserRow {
        let sign_in = self.sign_in.as_deref();
        UserRow {
            user: self.to_ref(),
            first_name: self.first_name(),
            last_name: self.last_name(),
            status: self.status,
            temporary_password: self.credential.as_ref().is_some_and(|c| c.temporary),
            locked_until: sign_in.and_then(|s| s.user.locked_until),
            administrator,
            created_at: self.created_at,
            last_signed_in: sign_in.and_then(|s| s.last_signed_in),
        }
    }

    pub(super) fn to_ref(&self) -> UserRef {
        UserRef {
            id: self.id,
            email: Email::from_stored(self.email()),
        }
    }

    pub(super) fn brief(&self) -> UserBrief {
        UserBrief {
            user: self.to_ref(),
            status: self.status,
            created_in: self.created_in,
            password_chosen_by: self.credential.as_ref().map(|c| c.chosen_by),
        }
    }
}

/// The groups a user is in. Nearly every user is in one group or none, and
/// that one is kept in the record itself: the administrator check reads no
/// other allocation.
#[derive(Debug, Clone)]
pub(super) enum Groups {
    One(GroupId),
    /// None, or more than one, in a slice of exact length (an empty one
    /// allocates nothing).
    Many(Box<[GroupId]>),
}

impl Groups {
    pub(super) fn none() -> Groups {
        Groups::Many(Box::default())
    }

    pub(super) fn as_slice(&self) -> &[GroupId] {
        match self {
            Groups::One(group) => std::slice::from_ref(group),
            Groups::Many(groups) => groups,
        }
    }

    pub(super) fn contains(&self, group: &GroupId) -> bool {
        self.as_slice().contains(group)
    }

    pub(super) fn join(&mut self, group: GroupId) {
        *self = match self {
            Groups::Many(groups) if groups.is_empty() => Groups::One(group),
            Groups::One(first) => Groups::Many(Box::new([*first, group])),
            Groups::Many(groups) => Groups::Many(groups.iter().copied().chain([group]).collect()),
        };
    }

    pub(super) fn leave(&mut self, group: GroupId) {
        let mut rest = self.as_slice().iter().copied().filter(|g| *g != group);
        *self = match (rest.next(), rest.next()) {
            (None, _) => Groups::none(),
            (Some(one), None) => Groups::One(one),
            (Some(first), Some(second)) => {
                Groups::Many([first, second].into_iter().chain(rest).collect())
            }
        };
    }
}

/// Every user, in a slab of [`Stored`] records, with two indexes of slot
/// numbers: by id and by email identity. An index entry is four bytes; it
/// hashes and compares through the slab, so neither key is stored twice.
#[derive(Debug, Default)]
pub(super) struct Users {
    slots: Vec<Option<Stored>>,
    /// Emptied slots, taken again before the slab grows.
    free: Vec<Slot>,
    by_id: HashTable<Slot>,
    by_email: HashTable<Slot>,
    hasher: RandomState,
    ids: Keyed,
}

impl Users {
    pub(super) fn get(&self, slot: Slot) -> Option<&Stored> {
        self.slots.get(slot as usize)?.as_ref()
    }

    pub(super) fn get_mut(&mut self, slot: Slot) -> Option<&mut Stored> {
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    pub(super) fn slot(&self, id: UserId) -> Option<Slot> {
        let hash = self.ids.hash_one(id);
        self.by_id
            .find(hash, |&slot| self.get(slot).is_some_and(|u| u.id == id))
            .copied()
    }

    pub(super) fn slot_by_email(&self, email: &Email) -> Option<Slot> {
        let identity = email.identity();
        let hash = identity_hash(&self.hasher, identity);
        self.by_email
            .find(hash, |&slot| {
                self.get(slot)
                    .is_some_and(|u| u.email().eq_ignore_ascii_case(identity))
            })
            .copied()
    }

    pub(super) fn by_id(&self, id: UserId) -> Option<&Stored> {
        self.get(self.slot(id)?)
    }

    /// Keeps `stored` in a slot and indexes it; the caller has checked that
    /// neither its id nor its email identity is taken.
    pub(super) fn insert(&mut self, stored: Stored) -> Slot {
        let id_hash = self.ids.hash_one(stored.id);
        let email_hash = identity_hash(&self.hasher, stored.email());
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(stored);
                slot
            }
            None => {
                self.slots.push(Some(stored));
                Slot::try_from(self.slots.len() - 1).expect("fewer than 2^32 users")
            }
        };
        self.index(slot, id_hash, email_hash);
        slot
    }

    /// Puts a removed user back into the very slot it was removed from (a
    /// journalled deletion undone: later steps of the journal name that
    /// slot), and indexes it. The slot is empty: whatever took it after
    /// the removal was undone before.
    pub(super) fn restore(&mut self, slot: Slot, stored: Stored) {
        let id_hash = self.ids.hash_one(stored.id);
        let email_hash = identity_hash(&self.hasher, stored.email());
        let at = slot as usize;
        if at >= self.slots.len() {
            // The slab shrank past it: the slots between come back empty
            // and free.
            for gap in self.slots.len()..at {
                self.free
                    .push(Slot::try_from(gap).expect("fewer than 2^32 users"));
            }
            self.slots.resize_with(at + 1, || None);
        } else if let Some(position) = self.free.iter().position(|&free| free == slot) {
            self.free.swap_remove(position);
        }
        self.slots[at] = Some(stored);
        self.index(slot, id_hash, email_hash);
    }

    fn index(&mut self, slot: Slot, id_hash: u64, email_hash: u64) {
        let Users {
            slots,
            by_id,
            by_email,
            hasher,
            ids,
            ..
        } = self;
        let record = |slot: &Slot| slots[*slot as usize].as_ref();
        by_id.insert_unique(id_hash, slot, |s| {
            record(s).map_or(0, |u| ids.hash_one(u.id))
        });
        by_email.insert_unique(email_hash, slot, |s| {
            record(s).map_or(0, |u| identity_hash(hasher, u.email()))
        });
    }

    /// Takes the user out of its slot and both indexes.
    pub(super) fn remove(&mut self, slot: Slot) -> Option<Stored> {
        let stored = self.slots.get_mut(slot as usize)?.take()?;
        let id_hash = self.ids.hash_one(stored.id);
        if let Ok(entry) = self.by_id.find_entry(id_hash, |&s| s == slot) {
            entry.remove();
        }
        self.unindex_email(slot, stored.email());
        if slot as usize + 1 == self.slots.len() {
            self.slots.pop();
        } else {
            self.free.push(slot);
        }
        Some(stored)
    }

    /// Replaces the record in `slot`, keeping the email index true.
    pub(super) fn replace(&mut self, slot: Slot, stored: Stored) -> Option<Stored> {
        let previous = self.slots.get_mut(slot as usize)?.replace(stored)?;
        let now = self.get(slot)?.email();
        if !previous.email().eq_ignore_ascii_case(now) {
            let email_hash = identity_hash(&self.hasher, now);
            self.unindex_email(slot, previous.email());
            let Users {
                slots,
                by_email,
                hasher,
                ..
            } = self;
            by_email.insert_unique(email_hash, slot, |s| {
                slots[*s as usize]
                    .as_ref()
                    .map_or(0, |u| identity_hash(hasher, u.email()))
            });
        }
        Some(previous)
    }

    fn unindex_email(&mut self, slot: Slot, email: &str) {
        let hash = identity_hash(&self.hasher, email);
        if let Ok(entry) = self.by_email.find_entry(hash, |&s| s == slot) {
            entry.remove();
        }
    }
}

/// How two users are ordered in an account's list: by email identity (the
/// address in ASCII lower case), then by id.
pub(super) fn list_order(a: &Stored, b: &Stored) -> Ordering {
    identity_order(a.email(), b.email()).then(a.id.cmp(&b.id))
}

/// Two addresses by their identities, without making the lower-case text.
pub(super) fn identity_order(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// The hash of an email identity: the address in ASCII lower case.
fn identity_hash(hasher: &RandomState, email: &str) -> u64 {
    let mut state = hasher.build_hasher();
    let mut lower = [0u8; 64];
    for chunk in email.as_bytes().chunks(lower.len()) {
        let lower = &mut lower[..chunk.len()];
        lower.copy_from_slice(chunk);
        lower.make_ascii_lowercase();
        state.write(lower);
    }
    state.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PasswordHash;
    use crate::input::Field;
    use crate::model::PasswordChosenBy;

    fn user(email: &str) -> User {
        User {
            id: UserId::random(),
            revision: 3,
            email: Email::parse(email).unwrap(),
            first_name: Name::parse("Zoë", Field::FirstName).unwrap(),
            last_name: Name::parse("O'Brien-Łukasz", Field::LastName).unwrap(),
            status: UserStatus::Active,
            credential: Some(Credential {
                hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"),
                temporary: true,
                set_at: DateTime::UNIX_EPOCH,
                chosen_by: PasswordChosenBy::Administrator {
                    user: UserId::random(),
                    account: AccountNumber::new(7),
                },
            }),
            created_at: DateTime::UNIX_EPOCH,
            created_by: ActorRecord::User(UserRef {
                id: UserId::random(),
                email: Email::parse("Alice@Example.com").unwrap(),
            }),
            created_in: AccountNumber::new(7),
            sign_in: SignInState::default(),
        }
    }

    #[test]
    fn a_packed_user_unpacks_to_the_same_user() {
        let mut original = user("Bob@Example.com");
        let stored = Stored::new(&original, Groups::none());
        assert_eq!(stored.user(), original);
        assert_eq!(stored.brief(), original.brief());
        original.sign_in.user.failures = 2;
        original.created_by = ActorRecord::Unauthenticated;
        assert_eq!(Stored::new(&original, Groups::none()).user(), original);
        original.created_by = ActorRecord::Provisioner(ProvisionerRef {
            account: AccountNumber::new(7),
            token: "tok_1".into(),
            description: Name::from_stored("Okta"),
        });
        assert_eq!(Stored::new(&original, Groups::none()).user(), original);
    }

    #[test]
    fn users_are_found_by_id_and_by_any_case_of_their_email() {
        let mut users = Users::default();
        let all: Vec<User> = (0..2000)
            .map(|i| user(&format!("User{i}@Example.com")))
            .collect();
        let slots: Vec<Slot> = all
            .iter()
            .map(|u| users.insert(Stored::new(u, Groups::none())))
            .collect();
        for (user, &slot) in all.iter().zip(&slots) {
            assert_eq!(users.slot(user.id), Some(slot));
            let lower = Email::parse(&user.email.as_str().to_lowercase()).unwrap();
            assert_eq!(users.slot_by_email(&lower), Some(slot));
        }
        assert_eq!(users.slot(UserId::random()), None);
        let nobody = Email::parse("nobody@example.com").unwrap();
        assert_eq!(users.slot_by_email(&nobody), None);
    }

    #[test]
    fn a_changed_email_moves_in_the_index_and_a_freed_slot_is_reused() {
        let mut users = Users::default();
        let first = user("first@example.com");
        let second = user("second@example.com");
        let a = users.insert(Stored::new(&first, Groups::none()));
        let b = users.insert(Stored::new(&second, Groups::none()));
        let mut renamed = first.clone();
        renamed.email = Email::parse("New@Example.com").unwrap();
        users.replace(a, Stored::new(&renamed, Groups::none()));
        assert_eq!(users.slot_by_email(&first.email), None);
        assert_eq!(
            users.slot_by_email(&Email::parse("new@example.com").unwrap()),
            Some(a)
        );
        assert_eq!(users.slot(first.id), Some(a));
        let removed = users.remove(a).unwrap();
        assert_eq!(removed.id, first.id);
        assert_eq!(users.slot(first.id), None);
        assert_eq!(users.slot_by_email(&renamed.email), None);
        assert_eq!(users.slot(second.id), Some(b), "the other user stays");
        let third = user("third@example.com");
        assert_eq!(users.insert(Stored::new(&third, Groups::none())), a);
        assert_eq!(users.slot(third.id), Some(a));
    }
}
