//! How a SQL store writes the model's values into columns and reads them
//! back: times, statuses and account numbers as SQL values, and the JSON
//! text of actor records, audit actions, password choosers, group names and
//! sign-in sources.
//!
//! The stored forms are a file format: rows written by every earlier
//! version must keep reading back. Writing uses the model's own serde form;
//! reading goes through mirrors of it here that take every email address,
//! name and group name through the model's lenient `from_stored`
//! constructors instead of today's input parsers, so that tightening an
//! input rule never turns an old row — a user, a group, an audit entry —
//! into a damaged record. The tests below check that the mirrors read back
//! exactly what the model writes, for every variant.
//!
//! Decoders return `None` for what cannot be read back; the caller names
//! the column in its error. No decoder error carries the stored value.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::model::{
    AccountNumber, Action, ActorRecord, Email, GroupId, GroupName, PasswordChosenBy, SignInSource,
    Throttle, UserStatus,
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
        UserStatus::PendingRegistration => "pending_registration",
        UserStatus::Disabled => "disabled",
    }
}

/// A status written by [`status_text`].
pub(crate) fn parse_status(text: &str) -> Option<UserStatus> {
    match text {
        "active" => Some(UserStatus::Active),
        "pending_registration" => Some(UserStatus::PendingRegistration),
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

/// Who chose a password, written by [`chosen_by_json`] or an earlier version.
pub(crate) fn parse_chosen_by(text: &str) -> Option<PasswordChosenBy> {
    lenient::<ChooserWire>(text).map(|wire| wire.0)
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

/// An email address through [`Email::from_stored`].
fn stored_email<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Email, D::Error> {
    let text = String::deserialize(deserializer)?;
    Email::from_stored(&text).ok_or_else(|| de::Error::custom("a stored email address"))
}

/// A group name through [`GroupName::from_stored`], in the model's serde form.
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
            GroupName::from_stored(&text).ok_or_else(|| de::Error::custom("a stored group name"))
        }
    }
}

/// The model's serde form of [`ActorRecord`], read leniently.
#[derive(Deserialize)]
#[serde(remote = "ActorRecord", rename_all = "snake_case")]
enum StoredActor {
    Support,
    User(#[serde(deserialize_with = "stored_email")] Email),
    Unauthenticated,
}

/// The model's serde form of [`PasswordChosenBy`], read leniently.
#[derive(Deserialize)]
#[serde(remote = "PasswordChosenBy", rename_all = "snake_case")]
enum StoredChooser {
    User,
    Support,
    Administrator {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
        account: AccountNumber,
    },
    Unknown,
}

/// The model's serde form of [`Action`], read leniently.
#[derive(Deserialize)]
#[serde(remote = "Action", rename_all = "snake_case", tag = "action")]
enum StoredAction {
    AccountCreated,
    UserAdded {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
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
        #[serde(deserialize_with = "stored_email")]
        email: Email,
    },
    PasswordChanged {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
    },
    PasswordReset {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
    },
    UserLocked {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
        until: DateTime<Utc>,
        // Versions 2 and 3 locked a user out as a whole and did not record
        // this: their lock-outs were of every source.
        #[serde(default = "every_source")]
        every_source: bool,
    },
    UserUnlocked {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
    },
    SecureMessageSent {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
        resent: bool,
    },
    RegistrationEnded {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
    },
    RegistrationsPurged {
        count: u64,
    },
    RegistrationRevoked {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
    },
    UserRegistered {
        #[serde(deserialize_with = "stored_email")]
        email: Email,
    },
    MemberRemoved {
        group: GroupId,
        #[serde(deserialize_with = "stored_email")]
        email: Email,
    },
}

/// What a lock-out recorded before schema version 4 locked.
fn every_source() -> bool {
    true
}

#[derive(Deserialize)]
struct ActorWire(#[serde(with = "StoredActor")] ActorRecord);

#[derive(Deserialize)]
struct ChooserWire(#[serde(with = "StoredChooser")] PasswordChosenBy);

#[derive(Deserialize)]
struct ActionWire(#[serde(with = "StoredAction")] Action);

#[derive(Deserialize)]
struct GroupNameWire(#[serde(deserialize_with = "stored_group_name")] GroupName);

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::Field;
    use crate::model::Name;

    fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    fn custom(text: &str) -> GroupName {
        GroupName::custom(text, Field::GroupName).unwrap()
    }

    /// One action of each kind. The match has no wildcard: a new kind of
    /// action does not compile until it is listed here, and so read back.
    fn every_action() -> Vec<Action> {
        let bob = email("Bob@Example.com");
        let group = GroupId {
            account: AccountNumber::new(12345),
            number: 2,
        };
        let at = DateTime::from_timestamp(1_700_000_000, 7).unwrap();
        let actions = vec![
            Action::AccountCreated,
            Action::UserAdded {
                email: bob.clone(),
                temporary_password: true,
            },
            Action::GroupCreated {
                group,
                name: custom("Sales"),
            },
            Action::GroupRenamed {
                group,
                from: custom("Sales"),
                to: custom("Ventes"),
            },
            Action::GroupDeleted {
                group,
                name: GroupName::AccountAdministrators,
            },
            Action::MemberAdded {
                group,
                email: bob.clone(),
            },
            Action::PasswordChanged { email: bob.clone() },
            Action::PasswordReset { email: bob.clone() },
            Action::UserLocked {
                email: bob.clone(),
                until: at,
                every_source: true,
            },
            Action::UserUnlocked { email: bob.clone() },
            Action::SecureMessageSent {
                email: bob.clone(),
                resent: false,
            },
            Action::RegistrationEnded { email: bob.clone() },
            Action::RegistrationsPurged { count: 3 },
            Action::RegistrationRevoked { email: bob.clone() },
            Action::UserRegistered { email: bob.clone() },
            Action::MemberRemoved { group, email: bob },
        ];
        for action in &actions {
            match action {
                Action::AccountCreated
                | Action::UserAdded { .. }
                | Action::GroupCreated { .. }
                | Action::GroupRenamed { .. }
                | Action::GroupDeleted { .. }
                | Action::MemberAdded { .. }
                | Action::PasswordChanged { .. }
                | Action::PasswordReset { .. }
                | Action::UserLocked { .. }
                | Action::UserUnlocked { .. }
                | Action::SecureMessageSent { .. }
                | Action::RegistrationEnded { .. }
                | Action::RegistrationsPurged { .. }
                | Action::RegistrationRevoked { .. }
                | Action::UserRegistered { .. }
                | Action::MemberRemoved { .. } => {}
            }
        }
        actions
    }

    #[test]
    fn every_action_reads_back_as_written() {
        let actions = every_action();
        assert_eq!(actions.len(), 16, "one of each kind");
        for action in actions {
            let text = action_json(&action).unwrap();
            assert_eq!(parse_action(&text), Some(action), "{text}");
        }
    }

    #[test]
    fn actors_choosers_and_group_names_read_back_as_written() {
        let alice = email("Alice@Example.com");
        for actor in [
            ActorRecord::Support,
            ActorRecord::User(alice.clone()),
            ActorRecord::Unauthenticated,
        ] {
            let text = actor_json(&actor).unwrap();
            assert_eq!(parse_actor(&text), Some(actor), "{text}");
        }
        for chosen_by in [
            PasswordChosenBy::User,
            PasswordChosenBy::Support,
            PasswordChosenBy::Administrator {
                email: alice,
                account: AccountNumber::new(987_654_321_098),
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

    /// The forms version 1 of the store wrote, as its migration tests
    /// insert them, still read back.
    #[test]
    fn forms_written_by_version_1_read_back() {
        assert_eq!(parse_actor(r#""support""#), Some(ActorRecord::Support));
        assert_eq!(
            parse_actor(r#"{"user":"Alice@Example.com"}"#),
            Some(ActorRecord::User(email("Alice@Example.com")))
        );
        assert_eq!(
            parse_action(r#"{"action":"account_created"}"#),
            Some(Action::AccountCreated)
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

    /// Versions 2 and 3 recorded a lock-out without `every_source` (their
    /// locks were of the whole user), with the user as actor.
    #[test]
    fn lock_outs_recorded_by_versions_2_and_3_read_back() {
        let stored =
            r#"{"action":"user_locked","email":"erin@example.org","until":"2026-11-21T09:05:00Z"}"#;
        assert_eq!(
            parse_action(stored),
            Some(Action::UserLocked {
                email: email("erin@example.org"),
                until: DateTime::from_timestamp(1_795_251_900, 0).unwrap(),
                every_source: true,
            })
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

        let actor = parse_actor(&format!(r#"{{"user":"{accented}"}}"#)).expect("the actor");
        let ActorRecord::User(address) = actor else {
            panic!("a user: {actor:?}");
        };
        assert_eq!(address.as_str(), accented);
        assert_eq!(address.identity(), "j\u{F6}ran@example.com");

        let chooser = format!(r#"{{"administrator":{{"email":"{accented}","account":7}}}}"#);
        assert!(matches!(
            parse_chosen_by(&chooser),
            Some(PasswordChosenBy::Administrator { .. })
        ));
        assert_eq!(
            Name::from_stored(filler).map(|name| name.to_string()),
            Some(filler.to_owned())
        );
    }

    /// Leniency is bounded: what no version ever stored is still refused.
    #[test]
    fn what_no_version_stored_is_refused() {
        for actor in [
            r#"{"user":""}"#,
            r#"{"user":"no at sign"}"#,
            r#"{"user":"bob@exa mple.com"}"#,
            r#"{"user":"bob\n@example.com"}"#,
            r#""somebody""#,
            "not json",
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
        let huge = format!(r#"{{"user":"a@{}"}}"#, "b".repeat(Email::MAX_LEN));
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
        for status in [
            UserStatus::Active,
            UserStatus::PendingRegistration,
            UserStatus::Disabled,
        ] {
            assert_eq!(parse_status(status_text(status)), Some(status));
        }
        assert_eq!(parse_status("deleted"), None);
        for number in [0, 12345, 999_999_999_999, u64::MAX] {
            let account = AccountNumber::new(number);
            assert_eq!(account_number(account_key(account)), account);
        }
        assert_eq!(account_key(AccountNumber::new(12345)), 12345);
    }
}
