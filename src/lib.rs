#![doc = "Placeholder"]
#![forbid(unsafe_code)]

mod clock;
mod confirmation;
mod credentials;
mod directory;
mod error;
mod i18n;
mod model;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{Clock, FixedClock, SystemClock};
pub use confirmation::{
    AccountCreated, AddedToGroup, GroupCreated, GroupDeleted, GroupRenamed, RemovedFromGroup,
    UserAdded,
};
pub use credentials::{Password, PasswordHash, PasswordHashing, PasswordPolicy};
pub use directory::{Directory, NewUser};
pub use error::{Error, Field, Forbidden, InvalidInput, Problem};
pub use i18n::{Arg, Label, Localize, Localizer, Message, RenderError, ShowingGroups};
pub use model::{
    Account, AccountNumber, Action, Actor, AuditEntry, AuditRecord, Credential, Email, Group,
    GroupId, GroupName, GroupSummary, Name, User, UserStatus,
};
pub use store::{MemoryStore, Store, StoreError, StoreExt};
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
