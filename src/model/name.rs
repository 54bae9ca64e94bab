//! Validated human-readable names: people's, groups' and accounts'.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Field, InvalidInput};
use crate::model::text;

/// A name as a person typed it: trimmed, 1 to [`Name::MAX_CHARS`] characters,
/// without control, zero-width or text-direction characters.
///
/// Otherwise it is kept exactly as typed: any script, no Unicode
/// normalisation (a decomposed `e` + U+0308 stays two characters), markup
/// not escaped. The zero-width joiner is refused like the other zero-width
/// characters, so emoji sequences joined by U+200D are refused too.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(Box<str>);

impl Name {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Parses a name entered in `field`.
    ///
    /// ```
    /// use cres_admin::{Field, Name, Problem};
    /// assert_eq!(Name::parse("  Bob ", Field::FirstName)?.as_str(), "Bob");
    /// assert_eq!(Name::parse(" ", Field::FirstName).unwrap_err().problem, Problem::Empty);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(input: &str, field: Field) -> Result<Name, InvalidInput> {
        text::clean(input, field, Self::MAX_CHARS).map(|name| Name(name.into()))
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
