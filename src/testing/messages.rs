//! One sample of everything the crate says, for testing locales.

use chrono::DateTime;

use crate::confirmation::{
    AccountCreated, AddedToGroup, GroupCreated, GroupDeleted, GroupRenamed, RemovedFromGroup,
    UserAdded,
};
use crate::credentials::PasswordHash;
use crate::error::{Error, Field, Forbidden, InvalidInput, Problem};
use crate::i18n::{Label, Localize, ShowingGroups};
use crate::model::{
    Account, AccountNumber, Actor, ActorRecord, Credential, Email, Group, GroupId, GroupName, Name,
    PasswordChosenBy, SignInState, User, UserStatus,
};
use crate::registration::{
    Registered, RegistrationRevoked, RegistrationsPurged, SecureMessageSent, issue_token,
};
use crate::sign_in::{PasswordChangeTicket, PasswordChanged, PasswordReset, SignIn, UserUnlocked};
use crate::store::StoreError;

const FIELDS: [Field; 11] = [
    Field::UserId,
    Field::Username,
    Field::Email,
    Field::FirstName,
    Field::LastName,
    Field::Password,
    Field::ConfirmPassword,
    Field::GroupName,
    Field::AccountNumber,
    Field::AccountName,
    Field::Name,
];

/// Limits of 1 and of more, so each plural form of a limit is rendered.
const PROBLEMS: [Problem; 21] = [
    Problem::Empty,
    Problem::TooLong { max: 1 },
    Problem::TooLong { max: 254 },
    Problem::TooShort { min: 1 },
    Problem::TooShort { min: 8 },
    Problem::ControlCharacter,
    Problem::InvisibleCharacter,
    Problem::Whitespace,
    Problem::NonAscii,
    Problem::AtSign,
    Problem::LocalPart,
    Problem::Domain,
    Problem::NotANumber,
    Problem::Mismatch,
    Problem::CommonPassword,
    Problem::PersonalInformation,
    Problem::SameAsCurrent,
    Problem::Repetitive,
    Problem::Sequential,
    Problem::AccountName,
    Problem::ReservedName,
];

fn email() -> Email {
    Email::parse("bob@example.com").expect("a valid email")
}

fn account() -> AccountNumber {
    AccountNumber::new(12345)
}

fn name(text: &str) -> Name {
    Name::parse(text, Field::Name).expect("a valid name")
}

/// The built-in group and one an administrator named.
fn group_names() -> [GroupName; 2] {
    [
        GroupName::AccountAdministrators,
        GroupName::Custom(name("Sales")),
    ]
}

fn group(name: GroupName) -> Group {
    Group {
        id: GroupId {
            account: account(),
            number: 7,
        },
        name,
        created_at: DateTime::UNIX_EPOCH,
    }
}

fn user() -> User {
    User {
        email: email(),
        first_name: name("Bob"),
        last_name: name("Lee"),
        status: UserStatus::Active,
        credential: Some(Credential {
            hash: PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
            temporary: true,
            set_at: DateTime::UNIX_EPOCH,
            chosen_by: PasswordChosenBy::Support,
        }),
        created_at: DateTime::UNIX_EPOCH,
        created_by: ActorRecord::Support,
        created_in: account(),
        sign_in: SignInState::default(),
    }
}

fn store_errors() -> Vec<StoreError> {
    vec![
        StoreError::Conflict,
        StoreError::NotFound,
        StoreError::Unavailable("timeout".into()),
        StoreError::backend("disk on fire"),
        StoreError::CannotOpen("permission denied".into()),
        StoreError::NotADatabase,
        StoreError::NewerSchema {
            found: 9,
            supported: 3,
        },
        StoreError::Corrupt("bad page".into()),
        StoreError::StorageFull,
    ]
}

/// Every error the crate reports: each variant at least once, each input
/// problem in each field, and group errors with both kinds of group name.
pub fn every_error() -> Vec<Error> {
    let mut errors: Vec<Error> = FIELDS
        .into_iter()
        .flat_map(|field| {
            PROBLEMS
                .into_iter()
                .map(move |problem| InvalidInput::new(field, problem).into())
        })
        .collect();
    for group in group_names() {
        errors.push(Error::GroupExists {
            group: group.clone(),
        });
        errors.push(Error::NotAMember {
            email: email(),
            group,
        });
    }
    errors.extend([
        Error::NonExistentUser { email: email() },
        Error::UserExists { email: email() },
        Error::AccountExists { account: account() },
        Error::AccountNotFound { account: account() },
        Error::GroupNotFound,
        Error::BuiltInGroup,
        Error::LastAdministrator {
            email: email(),
            account: account(),
        },
        Forbidden::SupportOnly.into(),
        Forbidden::NotAccountAdministrator { account: account() }.into(),
        Forbidden::NotAccountMember { account: account() }.into(),
        Error::SignInRefused,
        Error::TemporaryPasswordExpired,
        Error::PasswordChangeExpired,
        Error::UserNotFound { email: email() },
        Error::RegistrationRefused,
        Error::RegistrationExpired,
        Error::RegistrationNotFound { email: email() },
        Error::OwnPasswordRequired { email: email() },
        Error::InvitedElsewhere { email: email() },
        Forbidden::NotGoverningAdministrator.into(),
    ]);
    errors.extend(store_errors().into_iter().map(Error::Store));
    errors
}

/// Everything the crate says: [`every_error`], every confirmation and
/// outcome, every [`Label`], group-list footers for 0, 1 and many, both
/// kinds of [`Actor`] and of [`GroupName`]. A service that adds or
/// overrides a locale can render these to check it.
pub fn every_message() -> Vec<Box<dyn Localize>> {
    let mut messages: Vec<Box<dyn Localize>> = Vec::new();
    for error in every_error() {
        messages.push(Box::new(error));
    }
    messages.push(Box::new(AccountCreated {
        account: Account {
            number: account(),
            name: name("Example Corp"),
            created_at: DateTime::UNIX_EPOCH,
        },
    }));
    messages.push(Box::new(UserAdded { email: email() }));
    for name in group_names() {
        messages.push(Box::new(name.clone()));
        messages.push(Box::new(GroupCreated {
            group: group(name.clone()),
        }));
        messages.push(Box::new(GroupDeleted {
            group: group(name.clone()),
        }));
        messages.push(Box::new(GroupRenamed {
            group: group(name.clone()),
            previous: GroupName::Custom(self::name("Old name")),
        }));
        for already_member in [false, true] {
            messages.push(Box::new(AddedToGroup {
                email: email(),
                group: group(name.clone()),
                already_member,
            }));
        }
        messages.push(Box::new(RemovedFromGroup {
            email: email(),
            group: group(name),
        }));
    }
    for label in Label::ALL {
        messages.push(Box::new(label));
    }
    for count in [0, 1, 2, 5, 21, 1000] {
        messages.push(Box::new(ShowingGroups { count }));
    }
    messages.push(Box::new(Actor::Support));
    messages.push(Box::new(Actor::User(email())));
    messages.push(Box::new(ActorRecord::Unauthenticated));
    messages.push(Box::new(SignIn::SignedIn(Box::new(user().profile()))));
    messages.push(Box::new(SignIn::PermanentPasswordRequired(
        PasswordChangeTicket::sample(email()),
    )));
    for count in [0, 1, 2, 5] {
        messages.push(Box::new(RegistrationsPurged { count }));
    }
    messages.push(Box::new(PasswordChanged { email: email() }));
    messages.push(Box::new(PasswordReset { email: email() }));
    messages.push(Box::new(UserUnlocked { email: email() }));
    let (token, ..) = issue_token().expect("the OS has randomness");
    messages.push(Box::new(SecureMessageSent::RegistrationIssued {
        email: email(),
        token,
        expires_at: DateTime::UNIX_EPOCH,
    }));
    messages.push(Box::new(SecureMessageSent::RecipientHasUser {
        email: email(),
    }));
    messages.push(Box::new(Registered { email: email() }));
    messages.push(Box::new(RegistrationRevoked { email: email() }));
    messages
}
