//! Groups of users inside an account.

use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

use crate::i18n::{Arg, Localize, Message};
use crate::input::{Field, InvalidInput, Problem};
use crate::model::text::{self, ZWJ, ZWNJ};
use crate::model::{AccountNumber, Name};

/// Identifies a group: its account and its number inside that account.
///
/// Numbers are given by the store in creation order and never reused; the
/// built-in *Account Administrators* group is number 1 of every account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupId {
    /// The account the group belongs to.
    pub account: AccountNumber,
    /// The group's number inside the account.
    pub number: u32,
}

impl GroupId {
    /// The number of the built-in *Account Administrators* group.
    pub const ADMINISTRATORS_NUMBER: u32 = 1;

    /// The built-in *Account Administrators* group of `account`.
    pub const fn administrators(account: AccountNumber) -> GroupId {
        GroupId {
            account,
            number: Self::ADMINISTRATORS_NUMBER,
        }
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.number)
    }
}

/// A group's name: the built-in one, shown in the reader's language, or one an
/// administrator chose, never translated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupName {
    /// The built-in *Account Administrators* group (R1).
    AccountAdministrators,
    /// A group an administrator created (R9).
    Custom(Name),
}

/// The built-in group's name in each shipped language (en-US, fr, de), as
/// the embedded Fluent bundles render `group-account-administrators`; a unit
/// test checks that the two agree.
const BUILT_IN_NAMES: [&str; 3] = [
    "Account Administrators",
    "Administrateurs de compte",
    "Kontoadministratoren",
];

/// What a group name looks like, for the comparison with the built-in
/// names: NFKC, without any white space (Unicode White_Space, NBSP
/// included) or U+200C/U+200D, in lower case, then its UTS #39 confusable
/// skeleton, in lower case again (the skeleton of `0` is `O`).
fn look(name: &str) -> String {
    let compatible: String = name
        .nfkc()
        .filter(|&c| !c.is_whitespace() && c != ZWJ && c != ZWNJ)
        .collect();
    skeleton(&compatible.to_lowercase())
        .collect::<String>()
        .to_lowercase()
}

/// Whether `name` looks like the built-in group's name in a shipped language.
fn is_reserved(name: &str) -> bool {
    static RESERVED: OnceLock<[String; 3]> = OnceLock::new();
    let reserved = RESERVED.get_or_init(|| BUILT_IN_NAMES.map(look));
    let name = look(name);
    reserved.contains(&name)
}

impl GroupName {
    /// Parses the name of a group an administrator creates or renames,
    /// entered in `field`: a [`Name`] that does not read like the built-in
    /// *Account Administrators* group in any shipped language ("Account
    /// Administrators", "Administrateurs de compte", "Kontoadministratoren").
    ///
    /// Reading like means equal once both are NFKC-normalised, stripped of
    /// all white space (any Unicode White_Space, NBSP and U+3000 included)
    /// and of U+200C/U+200D, lower-cased and reduced to their UTS #39
    /// confusable skeletons: case, spacing, full-width forms and look-alike
    /// letters of other scripts (a Cyrillic `А`) do not make another name.
    ///
    /// # Errors
    ///
    /// What [`Name::parse`] refuses, and [`Problem::ReservedName`] in
    /// `field` for a name that reads like the built-in group's.
    ///
    /// ```
    /// use cres_admin::{Field, GroupName, Problem};
    /// let reserved = |name| GroupName::custom(name, Field::GroupName).unwrap_err().problem;
    /// assert_eq!(reserved("ACCOUNT\u{A0}ADMINISTRATORS"), Problem::ReservedName);
    /// assert_eq!(reserved("Konto administratoren"), Problem::ReservedName);
    /// assert_eq!(GroupName::custom("Account Admins", Field::GroupName)?.to_string(), "Account Admins");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn custom(input: &str, field: Field) -> Result<GroupName, InvalidInput> {
        let name = Name::parse(input, field)?;
        if is_reserved(name.as_str()) {
            return Err(InvalidInput::new(field, Problem::ReservedName));
        }
        Ok(GroupName::Custom(name))
    }

    /// The name for comparisons that ignore case and white space: two groups
    /// of an account may not share it.
    ///
    /// It is the name in lower case ([`str::to_lowercase`]) with every run
    /// of white space (any Unicode White_Space: NBSP, U+3000 …) made one
    /// space, and without U+200C, U+200D and variation selectors, which a
    /// name may hold but a reader barely sees: "Sales\u{A0}Team",
    /// "sales  team" and "SALES TEAM" share a key. Nothing more: a
    /// look-alike from another script (a Cyrillic `а` for the Latin `a`)
    /// makes another name. Only the built-in group's names are compared by
    /// their look, by [`GroupName::custom`].
    pub fn key(&self) -> String {
        match self {
            GroupName::AccountAdministrators => "account administrators".to_owned(),
            GroupName::Custom(name) => {
                text::fold_invisible_differences(name.as_str()).to_lowercase()
            }
        }
    }
}

/// Built-in names render in the reader's language; names administrators gave
/// render exactly as typed, never translated.
impl Localize for GroupName {
    fn message(&self) -> Message {
        match self {
            GroupName::AccountAdministrators => Message::new("group-account-administrators"),
            GroupName::Custom(name) => {
                Message::new("group-custom-name").arg("name", Arg::Text(name.as_str().to_owned()))
            }
        }
    }
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupName::AccountAdministrators => f.write_str(BUILT_IN_NAMES[0]),
            GroupName::Custom(name) => f.write_str(name.as_str()),
        }
    }
}

/// A group of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Its id, which names its account.
    pub id: GroupId,
    /// Its name.
    pub name: GroupName,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How many times the group has changed (renamed, or a member added or
    /// removed): a caller that read revision `n` can refuse to overwrite a
    /// later change.
    pub revision: u64,
}

impl Group {
    /// `true` for the built-in *Account Administrators* group, which cannot
    /// be deleted or renamed.
    pub fn is_built_in(&self) -> bool {
        self.name == GroupName::AccountAdministrators
    }
}

/// A group with its number of members, as listed on the account's *Groups* page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// The group.
    pub group: Group,
    /// How many users are in it.
    pub members: usize,
}

impl From<&GroupName> for Arg {
    fn from(name: &GroupName) -> Arg {
        match name {
            GroupName::AccountAdministrators => Arg::Message("group-account-administrators"),
            GroupName::Custom(name) => Arg::Text(name.as_str().to_owned()),
        }
    }
}

/// Read-back for the stores that keep text (feature `sqlite`).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl GroupName {
    /// The name of a group an administrator created, as a store kept it,
    /// read back as it was stored: a [`Name::from_stored`], not checked
    /// against the reserved names (an earlier version may have accepted one
    /// that [`GroupName::custom`] now refuses, and the group exists). The
    /// built-in group's name is not text; a store records it as such.
    pub(crate) fn from_stored(stored: &str) -> GroupName {
        GroupName::Custom(Name::from_stored(stored))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::Localizer;

    fn custom(name: &str) -> Result<GroupName, Problem> {
        GroupName::custom(name, Field::GroupName).map_err(|e| e.problem)
    }

    #[test]
    fn built_in_names_are_what_every_embedded_bundle_renders() {
        let rendered: BTreeSet<String> = Localizer::coverage()
            .iter()
            .map(|locale| {
                Localizer::new(&[locale.language.to_string()])
                    .try_render(&GroupName::AccountAdministrators)
                    .expect("every locale names the built-in group")
            })
            .collect();
        let ours: BTreeSet<String> = BUILT_IN_NAMES.iter().map(|&n| n.to_owned()).collect();
        assert_eq!(rendered, ours);
        assert_eq!(
            GroupName::AccountAdministrators.to_string(),
            BUILT_IN_NAMES[0]
        );
    }

    #[test]
    fn names_that_read_like_the_built_in_group_are_reserved() {
        for name in [
            "Account Administrators",
            "Account\u{A0}Administrators",
            "ACCOUNT ADMINISTRATORS",
            "  account   administrators ",
            "AccountAdministrators",
            "\u{410}ccount Administrators",
            "Acc\u{43E}unt Administrat\u{43E}rs",
            "Acc0unt Administrators",
            "Account Adrninistrators",
            "\u{FF21}ccount \u{FF21}dministrators",
            "Account\u{3000}Administrators",
            "Kontoadministratoren",
            "KONTOADMINISTRATOREN",
            "Konto Administratoren",
            "Administrateurs de compte",
            "administrateurs  de compte",
            "Administrateurs\u{202F}de\u{A0}compte",
        ] {
            assert_eq!(custom(name), Err(Problem::ReservedName), "{name:?}");
        }
    }

    #[test]
    fn other_names_are_accepted_as_typed() {
        for name in [
            "Account Admins",
            "Administrators of Sales",
            "Administrators",
            "Account Administrators 2",
            "Kontoadministratorin",
            "Sales",
        ] {
            assert_eq!(
                custom(name).map(|group| group.to_string()),
                Ok(name.to_owned()),
                "{name:?}"
            );
        }
    }

    #[test]
    fn custom_refuses_what_name_refuses_in_its_field() {
        let invalid = GroupName::custom("\u{200B}", Field::Name).unwrap_err();
        assert_eq!(
            (invalid.field, invalid.problem),
            (Field::Name, Problem::InvisibleCharacter)
        );
        let reserved = GroupName::custom("Account Administrators", Field::Name).unwrap_err();
        assert_eq!(reserved.field, Field::Name);
    }

    #[test]
    fn keys_ignore_case_white_space_joiners_and_selectors() {
        let key = |name: &str| custom(name).unwrap().key();
        assert_eq!(key("Sales\u{A0}Team"), "sales team");
        assert_eq!(key("sales   team"), "sales team");
        assert_eq!(key("SALES\u{3000}TEAM"), "sales team");
        assert_eq!(key("Sa\u{200C}les Team"), "sales team");
        assert_eq!(key("Sales\u{FE0F} Team"), "sales team");
        assert_ne!(key("SalesTeam"), "sales team");
        assert_ne!(key("S\u{430}les Team"), "sales team");
        assert_eq!(
            GroupName::AccountAdministrators.key(),
            "account administrators"
        );
    }
}
