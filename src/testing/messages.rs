//! One sample of everything the crate says, for testing locales.

use chrono::DateTime;

use crate::confirmation::{
    AccountCreated, AccountRenamed, AddedToGroup, EmailChanged, GroupCreated, GroupDeleted,
    GroupRenamed, PasswordChanged, PasswordReset, ProvisioningTokenIssued,
    ProvisioningTokenRevoked, Registered, RegistrationRevoked, RegistrationsPurged,
    RemovedFromGroup, SecureMessageSent, SignIn, UserAdded, UserDeleted, UserDisabled, UserEnabled,
    UserRenamed, UserUnlocked,
};
use crate::credentials::{PasswordHash, issue_provisioning_token, issue_token};
use crate::error::{Error, Forbidden};
use crate::i18n::{Label, Localize, ShowingGroups, ShowingUsers};
use crate::input::{Field, InvalidInput, Problem};
use crate::model::{
    Account, AccountNumber, ActorRecord, Credential, Email, ExternalId, Group, GroupId, GroupName,
    Name, PasswordChosenBy, ProvisionerRef, ProvisioningCredential, SignInState, User, UserId,
    UserName, UserRef, UserStatus,
};
use crate::store::{OpenError, StoreError};

const FIELDS: [Field; 17] = [
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
    Field::PageSize,
    Field::Search,
    Field::UserName,
    Field::ExternalId,
    Field::Description,
    Field::DisplayName,
];

/// Limits of 1 and of more, so each plural form of a limit is rendered.
const PROBLEMS: [Problem; 22] = [
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
    Problem::OutOfRange { min: 1, max: 500 },
];

fn email() -> Email {
    Email::parse("bob@example.com").expect("a valid email")
}

fn user_ref() -> UserRef {
    UserRef {
        id: UserId::from_bytes([7; 16]),
        email: email(),
    }
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
        revision: 0,
    }
}

fn user() -> User {
    User {
        id: user_ref().id,
        revision: 0,
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
        StoreError::Contention("deadlock".into()),
        StoreError::Unsupported {
            operation: "user_brief",
        },
        StoreError::Corrupt("bad page".into()),
        StoreError::StorageFull,
    ]
}

fn open_errors() -> Vec<OpenError> {
    vec![
        OpenError::CannotOpen("permission denied".into()),
        OpenError::NotADatabase,
        OpenError::NewerSchema {
            found: 9,
            supported: 3,
        },
        OpenError::Store(StoreError::StorageFull),
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
        Error::LastActiveAdministrator {
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
        Error::InvalidCursor,
        Error::Busy,
        Error::RegistrationExpired,
        Error::RegistrationNotFound { email: email() },
        Error::OwnPasswordRequired { email: email() },
        Error::InvitedElsewhere { email: email() },
        Forbidden::NotGoverningAdministrator.into(),
        Error::UserIdNotFound { id: user_ref().id },
        Error::UserNameTaken {
            user_name: UserName::from_stored("Bob.Lee@Corp.Example"),
        },
        Error::ExternalIdTaken {
            external_id: ExternalId::from_stored("00u1AbCdEf"),
        },
        Error::StaleRevision,
        Error::ProvisioningRefused,
        Error::ProvisioningTokenNotFound,
        // A limit of 1 and of more, for each plural form.
        Error::TooManyProvisioningTokens { max: 1 },
        Error::TooManyProvisioningTokens { max: 10 },
    ]);
    errors.extend(store_errors().into_iter().map(Error::Store));
    errors
}

/// Everything the crate says: [`every_error`], every confirmation and
/// outcome, every [`Label`], group-list footers for 0, 1 and many, every
/// kind of [`ActorRecord`] and both of [`GroupName`]. A service that adds or
/// overrides a locale can render these to check it.
pub fn every_message() -> Vec<Box<dyn Localize>> {
    let mut messages: Vec<Box<dyn Localize>> = Vec::new();
    for error in every_error() {
        messages.push(Box::new(error));
    }
    #[cfg(feature = "scim")]
    for said in crate::scim::catalogue() {
        messages.push(Box::new(said));
    }
    messages.push(Box::new(AccountCreated {
        account: Account {
            number: account(),
            name: name("Example Corp"),
            created_at: DateTime::UNIX_EPOCH,
        },
    }));
    messages.push(Box::new(AccountRenamed {
        account: Account {
            number: account(),
            name: name("Example Europe"),
            created_at: DateTime::UNIX_EPOCH,
        },
        previous: name("Example Corp"),
    }));
    messages.push(Box::new(UserAdded { user: user_ref() }));
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
                user: user_ref(),
                group: group(name.clone()),
                already_member,
            }));
        }
        messages.push(Box::new(RemovedFromGroup {
            user: user_ref(),
            group: group(name),
        }));
    }
    for &label in Label::ALL {
        messages.push(Box::new(label));
    }
    for count in [0, 1, 2, 5, 21, 1000] {
        messages.push(Box::new(ShowingGroups { count }));
        messages.push(Box::new(ShowingUsers {
            count: count as u64,
        }));
    }
    messages.push(Box::new(ActorRecord::Support));
    messages.push(Box::new(ActorRecord::User(user_ref())));
    messages.push(Box::new(ActorRecord::Unauthenticated));
    messages.push(Box::new(ActorRecord::Provisioner(ProvisionerRef {
        account: account(),
        token: "dG9rZW4tMQ".into(),
        description: name("Okta"),
    })));
    messages.push(Box::new(SignIn::SignedIn(Box::new(user().profile()))));
    messages.push(Box::new(SignIn::PermanentPasswordRequired(
        crate::model::PasswordChangeTicket::sample(user_ref()),
    )));
    for count in [0, 1, 2, 5] {
        messages.push(Box::new(RegistrationsPurged { count }));
    }
    messages.push(Box::new(PasswordChanged { user: user_ref() }));
    messages.push(Box::new(PasswordReset { user: user_ref() }));
    messages.push(Box::new(UserUnlocked { user: user_ref() }));
    for already_disabled in [false, true] {
        messages.push(Box::new(UserDisabled {
            user: user_ref(),
            already_disabled,
        }));
    }
    for already_active in [false, true] {
        messages.push(Box::new(UserEnabled {
            user: user_ref(),
            already_active,
        }));
    }
    messages.push(Box::new(UserDeleted { user: user_ref() }));
    messages.push(Box::new(UserRenamed {
        user: user_ref(),
        previous_first_name: name("Robert"),
        previous_last_name: name("Lee"),
        first_name: name("Bob"),
        last_name: name("Lee-Martin"),
    }));
    messages.push(Box::new(EmailChanged {
        user: user_ref(),
        previous: Email::parse("robert@example.com").expect("a valid email"),
    }));
    let (token, ..) = issue_token().expect("the OS has randomness");
    messages.push(Box::new(SecureMessageSent::RegistrationIssued {
        email: email(),
        token,
        expires_at: DateTime::UNIX_EPOCH,
    }));
    messages.push(Box::new(SecureMessageSent::RecipientHasUser {
        email: email(),
    }));
    messages.push(Box::new(Registered { user: user_ref() }));
    messages.push(Box::new(RegistrationRevoked { email: email() }));
    let (token, id, verifier_hash) = issue_provisioning_token().expect("the OS has randomness");
    let credential = ProvisioningCredential {
        id,
        verifier_hash,
        account: account(),
        description: name("Okta"),
        issued_by: ActorRecord::User(user_ref()),
        issued_at: DateTime::UNIX_EPOCH,
    };
    messages.push(Box::new(ProvisioningTokenIssued {
        token,
        credential: credential.clone(),
    }));
    messages.push(Box::new(ProvisioningTokenRevoked { credential }));
    messages.extend(
        open_errors()
            .into_iter()
            .map(|e| Box::new(e) as Box<dyn Localize>),
    );
    messages
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::i18n::{Arg, Message, reference_ids};

    // Exhaustive matches, no wildcard: a new variant does not compile until
    // it is numbered here, and then `every_variant_has_a_sample` fails until
    // the shared catalogue (`crate::testing`) samples it; tests/i18n.rs
    // renders that catalogue in every locale.
    fn error_variant(error: &Error) -> usize {
        match error {
            Error::Invalid(_) => 0,
            Error::NonExistentUser { .. } => 1,
            Error::UserExists { .. } => 2,
            Error::AccountExists { .. } => 3,
            Error::AccountNotFound { .. } => 4,
            Error::GroupExists { .. } => 5,
            Error::GroupNotFound => 6,
            Error::NotAMember { .. } => 7,
            Error::BuiltInGroup => 8,
            Error::LastAdministrator { .. } => 9,
            Error::Forbidden(_) => 10,
            Error::Store(_) => 11,
            Error::SignInRefused => 12,
            Error::TemporaryPasswordExpired => 13,
            Error::PasswordChangeExpired => 14,
            Error::UserNotFound { .. } => 15,
            Error::RegistrationRefused => 16,
            Error::RegistrationExpired => 17,
            Error::RegistrationNotFound { .. } => 18,
            Error::OwnPasswordRequired { .. } => 19,
            Error::InvitedElsewhere { .. } => 20,
            Error::InvalidCursor => 21,
            Error::LastActiveAdministrator { .. } => 22,
            Error::Busy => 23,
            Error::UserIdNotFound { .. } => 24,
            Error::UserNameTaken { .. } => 25,
            Error::ExternalIdTaken { .. } => 26,
            Error::StaleRevision => 27,
            Error::ProvisioningRefused => 28,
            Error::ProvisioningTokenNotFound => 29,
            Error::TooManyProvisioningTokens { .. } => 30,
        }
    }
    const ERROR_VARIANTS: usize = 31;

    fn forbidden_variant(forbidden: &Forbidden) -> usize {
        match forbidden {
            Forbidden::SupportOnly => 0,
            Forbidden::NotAccountAdministrator { .. } => 1,
            Forbidden::NotAccountMember { .. } => 2,
            Forbidden::NotGoverningAdministrator => 3,
        }
    }
    const FORBIDDEN_VARIANTS: usize = 4;

    fn problem_variant(problem: &Problem) -> usize {
        match problem {
            Problem::Empty => 0,
            Problem::TooLong { .. } => 1,
            Problem::TooShort { .. } => 2,
            Problem::ControlCharacter => 3,
            Problem::InvisibleCharacter => 4,
            Problem::Whitespace => 5,
            Problem::NonAscii => 6,
            Problem::AtSign => 7,
            Problem::LocalPart => 8,
            Problem::Domain => 9,
            Problem::NotANumber => 10,
            Problem::Mismatch => 11,
            Problem::CommonPassword => 12,
            Problem::PersonalInformation => 13,
            Problem::SameAsCurrent => 14,
            Problem::Repetitive => 15,
            Problem::Sequential => 16,
            Problem::AccountName => 17,
            Problem::ReservedName => 18,
            Problem::OutOfRange { .. } => 19,
        }
    }
    const PROBLEM_VARIANTS: usize = 20;

    fn field_variant(field: &Field) -> usize {
        match field {
            Field::UserId => 0,
            Field::Username => 1,
            Field::Email => 2,
            Field::FirstName => 3,
            Field::LastName => 4,
            Field::Password => 5,
            Field::ConfirmPassword => 6,
            Field::GroupName => 7,
            Field::AccountNumber => 8,
            Field::AccountName => 9,
            Field::Name => 10,
            Field::PageSize => 11,
            Field::Search => 12,
            Field::UserName => 13,
            Field::ExternalId => 14,
            Field::Description => 15,
            Field::DisplayName => 16,
        }
    }
    const FIELD_VARIANTS: usize = 17;

    fn store_variant(error: &StoreError) -> usize {
        match error {
            StoreError::Conflict => 0,
            StoreError::NotFound => 1,
            StoreError::Unavailable(_) => 2,
            StoreError::Backend(_) => 3,
            StoreError::Contention(_) => 4,
            StoreError::Unsupported { .. } => 5,
            StoreError::Corrupt(_) => 6,
            StoreError::StorageFull => 7,
        }
    }
    const STORE_VARIANTS: usize = 8;

    fn label_variant(label: &Label) -> usize {
        match label {
            Label::Accounts => 0,
            Label::Groups => 1,
            Label::Users => 2,
            Label::UserId => 3,
            Label::AddToGroup => 4,
            Label::AddUser => 5,
            Label::Username => 6,
            Label::FirstName => 7,
            Label::LastName => 8,
            Label::Password => 9,
            Label::ConfirmPassword => 10,
            Label::EnforcePasswordExpiration => 11,
            Label::Save => 12,
            Label::GroupName => 13,
            Label::AddGroup => 14,
            Label::Name => 15,
            Label::Email => 16,
            Label::AccountNumber => 17,
            Label::AccountName => 18,
            Label::RemoveFromGroup => 19,
            Label::CustomerSupport => 20,
            Label::SignIn => 21,
            Label::ChangePassword => 22,
            Label::SendSecureMessage => 23,
            Label::Register => 24,
            Label::PageSize => 25,
            Label::Search => 26,
            Label::DisableUser => 27,
            Label::EnableUser => 28,
            Label::DeleteUser => 29,
            Label::Details => 30,
            Label::Actions => 31,
            Label::BackToAccounts => 32,
            Label::SignOut => 33,
            Label::SignedInAs => 34,
            Label::AuditTrail => 35,
            Label::CreateAccount => 36,
            Label::ResetPassword => 37,
            Label::UnlockUser => 38,
            Label::Status => 39,
            Label::Created => 40,
            Label::NextPage => 41,
            Label::Language => 42,
            Label::NewPassword => 43,
            Label::SetPassword => 44,
            Label::SupportPassword => 45,
            Label::Active => 46,
            Label::Disabled => 47,
            Label::Yes => 48,
            Label::No => 49,
            Label::TemporaryPassword => 50,
            Label::Locked => 51,
            Label::Administrator => 52,
            Label::Members => 53,
            Label::Recipient => 54,
            Label::RegistrationLink => 55,
            Label::When => 56,
            Label::Who => 57,
            Label::Action => 58,
            Label::AccountDetails => 59,
            Label::Administration => 60,
            Label::FormRefused => 61,
            Label::NotSignedIn => 62,
            Label::NoAccountAdministered => 63,
            Label::PageNotFound => 64,
            Label::AuditAccountCreated => 65,
            Label::AuditAccountRenamed => 66,
            Label::AuditUserAdded => 67,
            Label::AuditGroupCreated => 68,
            Label::AuditGroupRenamed => 69,
            Label::AuditGroupDeleted => 70,
            Label::AuditMemberAdded => 71,
            Label::AuditMemberRemoved => 72,
            Label::AuditPasswordChanged => 73,
            Label::AuditPasswordReset => 74,
            Label::AuditUserLocked => 75,
            Label::AuditUserUnlocked => 76,
            Label::AuditSecureMessageSent => 77,
            Label::AuditRegistrationEnded => 78,
            Label::AuditRegistrationsPurged => 79,
            Label::AuditRegistrationRevoked => 80,
            Label::AuditUserRegistered => 81,
            Label::AuditUserDisabled => 82,
            Label::AuditUserEnabled => 83,
            Label::AuditUserDeleted => 84,
            Label::AuditUserRenamed => 85,
            Label::AuditEmailChanged => 86,
            Label::AuditOther => 87,
            Label::ScimUserName => 88,
            Label::ExternalId => 89,
            Label::Description => 90,
            Label::DisplayName => 91,
        }
    }
    const LABEL_VARIANTS: usize = 92;

    /// The shared catalogue must sample every variant: a new one fails to
    /// compile in the matches above until it is numbered, and fails here
    /// until `testing::every_error` or `every_message` shows it.
    #[test]
    fn every_variant_has_a_sample() {
        let errors = every_error();
        let covered = |indices: BTreeSet<usize>, count: usize, what: &str| {
            assert_eq!(indices, (0..count).collect(), "{what} without a sample");
        };
        covered(
            errors.iter().map(error_variant).collect(),
            ERROR_VARIANTS,
            "Error",
        );
        let forbidden = errors.iter().filter_map(|e| match e {
            Error::Forbidden(f) => Some(forbidden_variant(f)),
            _ => None,
        });
        covered(forbidden.collect(), FORBIDDEN_VARIANTS, "Forbidden");
        let invalid: Vec<&InvalidInput> = errors
            .iter()
            .filter_map(|e| match e {
                Error::Invalid(invalid) => Some(invalid),
                _ => None,
            })
            .collect();
        covered(
            invalid
                .iter()
                .map(|i| problem_variant(&i.problem))
                .collect(),
            PROBLEM_VARIANTS,
            "Problem",
        );
        covered(
            invalid.iter().map(|i| field_variant(&i.field)).collect(),
            FIELD_VARIANTS,
            "Field",
        );
        let store = errors.iter().filter_map(|e| match e {
            Error::Store(store) => Some(store_variant(store)),
            _ => None,
        });
        covered(store.collect(), STORE_VARIANTS, "StoreError");
        covered(
            Label::ALL.iter().map(label_variant).collect(),
            LABEL_VARIANTS,
            "Label::ALL",
        );
        let ids: BTreeSet<&str> = Label::ALL.iter().map(|label| label.id()).collect();
        assert_eq!(ids.len(), Label::ALL.len(), "two labels share an id");
    }

    /// The ids a message uses: its own and those of its message arguments.
    fn ids(message: &Message, into: &mut BTreeSet<&'static str>) {
        into.insert(message.id());
        for (_, arg) in message.args() {
            if let Arg::Message(nested) = arg {
                into.insert(nested);
            }
        }
    }

    #[test]
    fn every_english_message_is_used_and_every_used_message_exists() {
        let mut used = BTreeSet::new();
        for sample in every_message() {
            ids(&sample.message(), &mut used);
        }
        #[allow(unused_mut)]
        let mut defined = reference_ids();
        // The SCIM layer's own refusals are sampled only where it is built.
        #[cfg(not(feature = "scim"))]
        defined.retain(|id| !id.starts_with("scim-"));
        let used: BTreeSet<String> = used.into_iter().map(str::to_owned).collect();
        assert_eq!(
            used.difference(&defined).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "used by the crate but not in en-US"
        );
        assert_eq!(
            defined.difference(&used).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "in en-US but used by no sample"
        );
    }
}
