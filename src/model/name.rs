//! Validated human-readable names: people's, groups' and accounts'.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::input::{Field, InvalidInput};
use crate::model::text;

/// A name as a person typed it: trimmed of white space at both ends,
/// 1 to [`Name::MAX_CHARS`] characters, and nothing in it that a reader
/// cannot see.
///
/// Refused ([`Problem::InvisibleCharacter`] unless said otherwise):
///
/// - control characters (general category Cc: NUL, CR, LF, tab, DEL, the
///   C1 controls), as [`Problem::ControlCharacter`];
/// - every format character (category Cf: zero-width space, soft hyphen,
///   word joiner, byte order mark, text-direction marks, embeddings,
///   overrides and isolates, the tag characters U+E0000–U+E007F …), the
///   line and paragraph separators U+2028 and U+2029 (Zl, Zp) inside the
///   name, and private-use characters (Co);
/// - the invisible fillers and marks U+115F, U+1160, U+3164, U+FFA0,
///   U+034F (combining grapheme joiner), U+17B4, U+17B5, the braille blank
///   U+2800, and the unassigned default-ignorable code points (U+2065,
///   U+FFF0–U+FFF8, U+E0000–U+E0FFF);
/// - the zero-width joiner U+200D and non-joiner U+200C, **except** between
///   two visible characters: neither white space, nor a joiner, nor a
///   refused character (a variation selector counts as part of the
///   character it follows). So emoji sequences (`"👩\u{200D}💻"`), Persian
///   names with U+200C (`"می\u{200C}خواهم"`) and Indic conjuncts are accepted,
///   and a joiner leading, trailing, doubled or next to a space is refused;
/// - a variation selector (U+FE00–U+FE0F, U+E0100–U+E01EF, U+180B–U+180D,
///   U+180F) except right after a visible character (`"❤\u{FE0F}"`).
///
/// Otherwise it is kept exactly as typed: any script, white space inside,
/// no Unicode normalisation (a decomposed `e` + U+0308 stays two
/// characters), markup not escaped. Look-alike characters from other
/// scripts are accepted: only group names are compared with the built-in
/// group's by their look ([`GroupName::custom`](crate::GroupName::custom)).
///
/// [`Problem::InvisibleCharacter`]: crate::Problem::InvisibleCharacter
/// [`Problem::ControlCharacter`]: crate::Problem::ControlCharacter
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(Box<str>);

impl Name {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Parses a name entered in `field`.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`] in `field`: [`Problem::Empty`], [`Problem::TooLong`],
    /// [`Problem::ControlCharacter`] or [`Problem::InvisibleCharacter`], as
    /// the type's doc describes.
    ///
    /// [`Problem::Empty`]: crate::Problem::Empty
    /// [`Problem::TooLong`]: crate::Problem::TooLong
    /// [`Problem::ControlCharacter`]: crate::Problem::ControlCharacter
    /// [`Problem::InvisibleCharacter`]: crate::Problem::InvisibleCharacter
    ///
    /// ```
    /// use cres_admin::{Field, Name, Problem};
    /// assert_eq!(Name::parse("  Bob ", Field::FirstName)?.as_str(), "Bob");
    /// assert_eq!(Name::parse(" ", Field::FirstName).unwrap_err().problem, Problem::Empty);
    /// // A joiner between two visible characters is writing; elsewhere it hides.
    /// assert_eq!(Name::parse("👩\u{200D}💻", Field::FirstName)?.as_str(), "👩\u{200D}💻");
    /// assert_eq!(
    ///     Name::parse("\u{200D}Bob", Field::FirstName).unwrap_err().problem,
    ///     Problem::InvisibleCharacter
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(input: &str, field: Field) -> Result<Name, InvalidInput> {
        text::clean_name(input, field, Self::MAX_CHARS).map(|name| Name(name.into()))
    }

    /// A name a store kept, read back as it was stored: it was checked when
    /// it was entered, and a rule tightened since must not make it unreadable.
    pub(crate) fn from_stored(text: &str) -> Name {
        Name(text.into())
    }

    /// The name as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name for comparisons that ignore case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl TryFrom<String> for Name {
    type Error = InvalidInput;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Name::parse(&value, Field::Name)
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.0.into()
    }
}

impl From<&Name> for crate::i18n::Arg {
    fn from(name: &Name) -> crate::i18n::Arg {
        crate::i18n::Arg::Text(name.as_str().to_owned())
    }
}
