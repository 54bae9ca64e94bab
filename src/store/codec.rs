//! How a SQL store writes the model's values into columns and reads them
//! back: times, statuses and account numbers as SQL values, names and
//! addresses as text, and the JSON text of actor records, audit actions,
//! password choosers, group names and sign-in sources.
//!
//! The stored forms are a file format. Writing uses the model's own serde
//! form; when that form changes, a schema migration rewrites the rows
//! (SQLite's migration 5 turned emails into user references). Reading goes
//! through mirrors of the model's forms here that take every name, email
//! address and group name through [`stored_name`], [`stored_email`] and
//! the model's `from_stored` constructors instead of today's input
//! parsers, so that tightening an input rule never turns an old row — a
//! user, a group, an audit entry — into a damaged record. The tests below
//! check that the mirrors read back exactly what the model writes, for
//! every variant.
//!
//! Decoders return `None` for what cannot be read back; the caller names
//! the column in its error. No decoder error carries the stored value.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::model::{
    AccountNumber, Action, ActorRecord, Email, ExternalId, GroupId, GroupName, Name,
    PasswordChosenBy, ProvisionerRef, SignInSource, Throttle, UserId, UserName, UserRef,
    UserStatus,
};
use crate::store::StoreError;

/// A time as fixed-width RFC 3339 text with nanoseconds, so that text order
/// is time order; later than the end of the year 9999 is written as its end
/// (the directory never records such times, see `model::later`).
pub(crate) fn time_text(at: &DateTime<Utc>) -> String {
    (*at)
        .min(crate::model::end_of_time())
        .to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// A time written by [`time_text`], or any RFC 3339 time.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// A user's status as stored.
pub(crate) fn status_text(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "active",
        UserStatus::Disabled => "disabled",
    }
}

/// A status written by [`status_text`].
pub(crate) fn parse_status(text: &str) -> Option<UserStatus> {
    match text {
        "active" => Some(UserStatus::Active),
        "disabled" => Some(UserStatus::Disabled),
        _ => None,
    }
}

/// An account number as a SQL integer key: the bits of the `u64`, which
/// every account number of up to 12 digits keeps as it is.
pub(crate) fn account_key(number: AccountNumber) -> i64 {
    number.get() as i64
}

/// The account number of a key written by [`account_key`].
pub(crate) fn account_number(key: i64) -> AccountNumber {
    AccountNumber::new(key as u64)
}

/// An actor record as JSON text.
pub(crate) fn actor_json(actor: &ActorRecord) -> Result<String, StoreError> {
    to_json(actor)
}

/// An actor record written by [`actor_json`] or an earlier version.
pub(crate) fn parse_actor(text: &str) -> Option<ActorRecord> {
    lenient::<ActorWire>(text).map(|wire| wire.0)
}

/// An audit action as JSON text.
pub(crate) fn action_json(action: &Action) -> Result<String, StoreError> {
    to_json(action)
}

/// An audit action written by [`action_json`] or an earlier version.
pub(crate) fn parse_action(text: &str) -> Option<Action> {
    lenient::<ActionWire>(text).map(|wire| wire.0)
}

/// Who chose a password, as JSON text.
pub(crate) fn chosen_by_json(chosen_by: &PasswordChosenBy) -> Result<String, StoreError> {
    to_json(chosen_by)
}

/// Who chose a password, written by [`chosen_by_json`]. It holds a user
/// id and an account number, no text an input rule applies to.
pub(crate) fn parse_chosen_by(text: &str) -> Option<PasswordChosenBy> {
    serde_json::from_str(text).ok()
}

/// A group's name as JSON text.
pub(crate) fn group_name_json(name: &GroupName) -> Result<String, StoreError> {
    to_json(name)
}

/// A group's name written by [`group_name_json`] or an earlier version.
pub(crate) fn parse_group_name(text: &str) -> Option<GroupName> {
    lenient::<GroupNameWire>(text).map(|wire| wire.0)
}

/// A user's sign-in sources with their throttles, as JSON text.
pub(crate) fn sources_json(sources: &[(SignInSource, Throttle)]) -> Result<String, StoreError> {
    to_json(&sources)
}

/// Sign-in sources written by [`sources_json`]. They hold digests, counts
/// and times, no text an input rule applies to.
pub(crate) fn parse_sources(text: &str) -> Option<Vec<(SignInSource, Throttle)>> {
    serde_json::from_str(text).ok()
}

fn to_json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::backend)
}

/// Reads `text` as JSON with a lenient mirror. serde_json's error, which may
/// quote the text, is dropped.
fn lenient<'de, T: Deserialize<'de>>(text: &'de str) -> Option<T> {
    serde_json::from_str(text).ok()
}

/// Whether `text` is non-empty, at most `max_chars` characters (bounded in
/// bytes first) and free of control characters: what every version of
/// the crate refused in names and addresses, and all that reading back
/// checks.
fn bounded(text: &str, max_chars: usize) -> bool {
    !text.is_empty()
        && text.len() <= max_chars * 4
        && text.chars().count() <= max_chars
        && !text.chars().any(char::is_control)
}

/// A name as a store kept it, read back without today's input rules.
///
/// A store keeps what an earlier version accepted; the rules for new input
/// may since have been tightened (more invisible characters refused, say),
/// and a stored name must still read back, not become a damaged record. So
/// only what every version refused is refused: an empty text, a control
/// character, more than [`Name::MAX_CHARS`] characters. The text is kept
/// exactly as stored, neither trimmed nor checked again.
pub(crate) fn stored_name(text: &str) -> Option<Name> {
    bounded(text, Name::MAX_CHARS).then(|| Name::from_stored(text))
}

/// An address as a store kept it (the form as typed), read back without
/// today's input rules, as [`stored_name`]: refused only when empty, longer
/// than [`Email::MAX_LEN`] characters, without an `@`, or with white space
/// or a control character anywhere (every version refused those). Its
/// identity is the text in ASCII lower case, as SQL's `lower()` makes it.
pub(crate) fn stored_email(text: &str) -> Option<Email> {
    let shaped = text.contains('@') && !text.chars().any(char::is_whitespace);
    (shaped && bounded(text, Email::MAX_LEN)).then(|| Email::from_stored(text))
}

/// A custom group name as a store kept it: a [`stored_name`], not checked
/// against the reserved names.
fn stored_custom_group(text: &str) -> Option<GroupName> {
    bounded(text, Name::MAX_CHARS).then(|| GroupName::from_stored(text))
}

/// An email address through [`stored_email`].
fn email_field<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Email, D::Error> {
    let text = String::deserialize(deserializer)?;
    stored_email(&text).ok_or_else(|| de::Error::custom("a stored email address"))
}

/// A name through [`stored_name`].
fn name_field<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
    let text = String::deserialize(deserializer)?;
    stored_name(&text).ok_or_else(|| de::Error::custom("a stored name"))
}

/// A SCIM `userName` as a store kept it: refused only when empty, longer
/// than [`UserName::MAX_CHARS`] or with a control character.
fn user_name_field<'de, D: Deserializer<'de>>(deserializer: D) -> Result<UserName, D::Error> {
    let text = String::deserialize(deserializer)?;
    bounded(&text, UserName::MAX_CHARS)
        .then(|| UserName::from_stored(&text))
        .ok_or_else(|| de::Error::custom("a stored userName"))
}

/// A SCIM `externalId` as a store kept it, or none: refused only as
/// [`user_name_field`] refuses.
fn external_id_field<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ExternalId>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) => bounded(&text, ExternalId::MAX_CHARS)
            .then(|| Some(ExternalId::from_stored(&text)))
            .ok_or_else(|| de::Error::custom("a stored externalId")),
    }
}

/// A group name through [`stored_custom_group`], in the model's serde form.
fn stored_group_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<GroupName, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Stored {
        AccountAdministrators,
        Custom(String),
    }
    match Stored::deserialize(deserializer)? {
        Stored::AccountAdministrators => Ok(GroupName::AccountAdministrators),
        Stored::Custom(text) => {
            stored_custom_group(&text).ok_or_else(|| de::Error::custom("a stored group name"))
        }
    }
}

/// The model's serde form of [`UserRef`], read leniently.
#[derive(Deserialize)]
#[serde(remote = "UserRef")]
struct StoredUserRef {
    id: UserId,
    #[serde(deserialize_with = "email_field")]
    email: Email,
}

/// The model's serde form of [`ProvisionerRef`], read leniently.
#[derive(Deserialize)]
#[serde(remote = "ProvisionerRef")]
struct StoredProvisionerRef {
    account: AccountNumber,
    token: String,
    #[serde(deserialize_with = "name_field")]
    description: Name,
}

/// The model's serde form of [`ActorRecord`], read leniently.
#[derive(Deserialize)]
#[serde(remote = "ActorRecord", rename_all = "snake_case")]
enum StoredActor {
    Support,
    User(#[serde(with = "StoredUserRef")] UserRef),
    Unauthenticated,
    Provisioner(#[serde(with = "StoredProvisionerRef")] ProvisionerRef),
}

/// The model's serde form of [`Action`], read leniently.
#[derive(Deserialize)]
#[serde(remote = "Action", rename_all = "snake_case", tag = "action")]
enum StoredAction {
    AccountCreated,
    UserAdded {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
        temporary_password: bool,
    },
    GroupCreated {
        group: GroupId,
        #[serde(deserialize_with = "stored_group_name")]
        name: GroupName,
    },
    GroupRenamed {
        group: GroupId,
        #[serde(deserialize_with = "stored_group_name")]
        from: GroupName,
        #[serde(deserialize_with = "stored_group_name")]
        to: GroupName,
    },
    GroupDeleted {
        group: GroupId,
        #[serde(deserialize_with = "stored_group_name")]
        name: GroupName,
    },
    MemberAdded {
        group: GroupId,
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    PasswordChanged {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    PasswordReset {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    UserLocked {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
        until: DateTime<Utc>,
        every_source: bool,
    },
    UserUnlocked {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    SecureMessageSent {
        #[serde(deserialize_with = "email_field")]
        email: Email,
        resent: bool,
    },
    RegistrationEnded {
        #[serde(deserialize_with = "email_field")]
        email: Email,
    },
    RegistrationsPurged {
        count: u64,
    },
    RegistrationRevoked {
        #[serde(deserialize_with = "email_field")]
        email: Email,
    },
    UserRegistered {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    MemberRemoved {
        group: GroupId,
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    UserDisabled {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    UserEnabled {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    UserDeleted {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
    },
    UserRenamed {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
        #[serde(deserialize_with = "name_field")]
        from_first: Name,
        #[serde(deserialize_with = "name_field")]
        from_last: Name,
        #[serde(deserialize_with = "name_field")]
        to_first: Name,
        #[serde(deserialize_with = "name_field")]
        to_last: Name,
    },
    EmailChanged {
        user: UserId,
        #[serde(deserialize_with = "email_field")]
        from: Email,
        #[serde(deserialize_with = "email_field")]
        to: Email,
    },
    ProvisioningTokenIssued {
        #[serde(with = "StoredProvisionerRef")]
        token: ProvisionerRef,
    },
    ProvisioningTokenRevoked {
        #[serde(with = "StoredProvisionerRef")]
        token: ProvisionerRef,
    },
    UserNamed {
        #[serde(with = "StoredUserRef")]
        user: UserRef,
        #[serde(deserialize_with = "user_name_field")]
        user_name: UserName,
        #[serde(default, deserialize_with = "external_id_field")]
        external_id: Option<ExternalId>,
    },
    GroupExternalIdSet {
        group: GroupId,
        #[serde(default, deserialize_with = "external_id_field")]
        external_id: Option<ExternalId>,
    },
    AccountRenamed {
        #[serde(deserialize_with = "name_field")]
        from: Name,
        #[serde(deserialize_with = "name_field")]
        to: Name,
    },
}

#[derive(Deserialize)]
struct ActorWire(#[serde(with = "StoredActor")] ActorRecord);

#[derive(Deserialize)]
struct ActionWire(#[serde(with = "StoredAction")] Action);

#[derive(Deserialize)]
struct GroupNameWire(#[serde(deserialize_with = "stored_group_name")] GroupName);

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::Field;

    fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    fn custom(text: &str) -> GroupName {
        GroupName::custom(text, Field::GroupName).unwrap()
    }

    fn user(address: &str) -> UserRef {
        UserRef {
            id: UserId::random(),
            email: email(address),
        }
    }

    /// One action of each kind (the fixture's list stops compiling when a
    /// kind is added) reads back as written.
    #[test]
    fn every_action_reads_back_as_written() {
        let actions = crate::testing::fixtures::every_action(
            AccountNumber::new(12345),
            &user("Bob@Example.com"),
            &GroupName::Custom(Name::from_stored("Ventes")),
        );
        let kinds: std::collections::HashSet<_> =
            actions.iter().map(std::mem::discriminant).collect();
        assert_eq!(kinds.len(), 26, "every kind");
        for action in actions {
            let text = action_json(&action).unwrap();
            assert_eq!(parse_action(&text), Some(action), "{text}");
        }
    }

    #[test]
    fn actors_choosers_and_group_names_read_back_as_written() {
        let alice = user("Alice@Example.com");
        for actor in [
            ActorRecord::Support,
            ActorRecord::User(alice.clone()),
            ActorRecord::Unauthenticated,
            ActorRecord::Provisioner(ProvisionerRef {
                account: AccountNumber::new(987_654_321_098),
                token: "dG9rZW4tMQ".into(),
                description: Name::from_stored("Okta — «Production»"),
            }),
        ] {
            let text = actor_json(&actor).unwrap();
            assert_eq!(parse_actor(&text), Some(actor), "{text}");
        }
        for chosen_by in [
            PasswordChosenBy::User,
            PasswordChosenBy::Support,
            PasswordChosenBy::Administrator {
                user: alice.id,
                account: AccountNumber::new(987_654_321_098),
            },
            PasswordChosenBy::Provisioner {
                account: AccountNumber::new(12345),
            },
            PasswordChosenBy::Unknown,
        ] {
            let text = chosen_by_json(&chosen_by).unwrap();
            assert_eq!(parse_chosen_by(&text), Some(chosen_by), "{text}");
        }
        for name in [GroupName::AccountAdministrators, custom("Sales \u{1F4C8}")] {
            let text = group_name_json(&name).unwrap();
            assert_eq!(parse_group_name(&text), Some(name), "{text}");
        }
        let sources = vec![(
            SignInSource::new("198.51.100.7"),
            Throttle {
                failures: 2,
                window_started: DateTime::from_timestamp(1_700_000_000, 1),
                lockouts: 1,
                locked_until: None,
            },
        )];
        assert_eq!(
            parse_sources(&sources_json(&sources).unwrap()),
            Some(sources)
        );
    }

    /// The forms migration 5 writes (SQLite's `json_object`, keys in its
    /// own order) read back.
    #[test]
    fn forms_written_by_migration_5_read_back() {
        let id = "0b5c3a34-8f1e-4d2a-9c77-1e2f3a4b5c6d";
        let alice = UserRef {
            id: id.parse().unwrap(),
            email: email("Alice@Example.com"),
        };
        assert_eq!(parse_actor(r#""support""#), Some(ActorRecord::Support));
        assert_eq!(
            parse_actor(&format!(
                r#"{{"user":{{"id":"{id}","email":"Alice@Example.com"}}}}"#
            )),
            Some(ActorRecord::User(alice.clone()))
        );
        assert_eq!(
            parse_action(&format!(
                r#"{{"action":"user_locked","until":"2026-11-21T09:05:00Z","every_source":true,
                    "user":{{"id":"{id}","email":"Alice@Example.com"}}}}"#
            )),
            Some(Action::UserLocked {
                user: alice.clone(),
                until: DateTime::from_timestamp(1_795_251_900, 0).unwrap(),
                every_source: true,
            })
        );
        assert_eq!(
            parse_chosen_by(&format!(
                r#"{{"administrator":{{"user":"{id}","account":12345}}}}"#
            )),
            Some(PasswordChosenBy::Administrator {
                user: alice.id,
                account: AccountNumber::new(12345),
            })
        );
        assert_eq!(
            parse_group_name(r#""account_administrators""#),
            Some(GroupName::AccountAdministrators)
        );
        assert_eq!(
            parse_chosen_by(r#""unknown""#),
            Some(PasswordChosenBy::Unknown)
        );
    }

    /// Text an earlier version accepted and today's input rules refuse
    /// reads back as it was: a name with a Hangul filler (refused since
    /// names refuse every invisible character), a group named like the
    /// built-in one in German (reserved since), an address with a non-ASCII
    /// letter.
    #[test]
    fn what_todays_rules_refuse_still_reads_back() {
        let filler = "Bob\u{3164}";
        assert!(Name::parse(filler, Field::FirstName).is_err());
        let reserved = "Kontoadministratoren";
        assert!(GroupName::custom(reserved, Field::GroupName).is_err());
        let accented = "J\u{F6}ran@Example.com";
        assert!(Email::parse(accented).is_err());

        let renamed = parse_action(&format!(
            r#"{{"action":"group_renamed","group":{{"account":1,"number":2}},
                 "from":{{"custom":"{filler}"}},"to":{{"custom":"{reserved}"}}}}"#
        ))
        .expect("the rename reads back");
        let Action::GroupRenamed { from, to, .. } = renamed else {
            panic!("a rename: {renamed:?}");
        };
        assert_eq!(
            (from.to_string(), to.to_string()),
            (filler.into(), reserved.into())
        );

        let id = UserId::random();
        let actor = parse_actor(&format!(
            r#"{{"user":{{"id":"{id}","email":"{accented}"}}}}"#
        ))
        .expect("the actor");
        let ActorRecord::User(named) = actor else {
            panic!("a user: {actor:?}");
        };
        assert_eq!(named.id, id);
        assert_eq!(named.email.as_str(), accented);
        assert_eq!(named.email.identity(), "j\u{F6}ran@example.com");

        let message = parse_action(&format!(
            r#"{{"action":"secure_message_sent","email":"{accented}","resent":true}}"#
        ));
        assert!(matches!(
            message,
            Some(Action::SecureMessageSent { email, .. }) if email.as_str() == accented
        ));
        assert_eq!(
            stored_name(filler).map(|name| name.to_string()),
            Some(filler.to_owned())
        );
    }

    /// Leniency is bounded: what no version ever stored is still refused.
    #[test]
    fn what_no_version_stored_is_refused() {
        let id = UserId::random();
        for email in [
            r#""""#,
            r#""no at sign""#,
            r#""bob@exa mple.com""#,
            r#""bob\n@example.com""#,
        ] {
            let actor = format!(r#"{{"user":{{"id":"{id}","email":{email}}}}}"#);
            assert_eq!(parse_actor(&actor), None, "{actor}");
        }
        for actor in [
            r#""somebody""#,
            "not json",
            // The form of versions 1 to 4: migration 5 rewrites it.
            r#"{"user":"bob@example.com"}"#,
            r#"{"user":{"id":"not an id","email":"bob@example.com"}}"#,
        ] {
            assert_eq!(parse_actor(actor), None, "{actor}");
        }
        let long = format!(r#"{{"custom":"{}"}}"#, "x".repeat(Name::MAX_CHARS + 1));
        for name in [
            r#"{"custom":""}"#,
            r#"{"custom":"a\u0000b"}"#,
            long.as_str(),
        ] {
            assert_eq!(parse_group_name(name), None, "{name}");
        }
        let huge = format!(
            r#"{{"user":{{"id":"{id}","email":"a@{}"}}}}"#,
            "b".repeat(Email::MAX_LEN)
        );
        assert_eq!(parse_actor(&huge), None);
    }

    #[test]
    fn times_are_fixed_width_ordered_and_clamped() {
        let early = DateTime::from_timestamp(1_700_000_000, 5).unwrap();
        let late = early + TimeDelta::milliseconds(1);
        assert_eq!(time_text(&early), "2023-11-14T22:13:20.000000005Z");
        assert!(time_text(&early) < time_text(&late));
        assert_eq!(parse_time(&time_text(&early)), Some(early));
        assert_eq!(
            time_text(&DateTime::<Utc>::MAX_UTC),
            "9999-12-31T23:59:59.999999999Z",
            "later than the year 9999 is written as its end"
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn statuses_and_account_keys_round_trip() {
        for status in [UserStatus::Active, UserStatus::Disabled] {
            assert_eq!(parse_status(status_text(status)), Some(status));
        }
        assert_eq!(parse_status("deleted"), None);
        // Schema version 5 removed the users of this status.
        assert_eq!(parse_status("pending_registration"), None);
        for number in [0, 12345, 999_999_999_999, u64::MAX] {
            let account = AccountNumber::new(number);
            assert_eq!(account_number(account_key(account)), account);
        }
        assert_eq!(account_key(AccountNumber::new(12345)), 12345);
    }
}
