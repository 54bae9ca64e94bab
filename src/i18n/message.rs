//! Messages as values: a Fluent id and typed arguments, rendered later.

/// An argument of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Arg {
    /// Text shown as it is (an email, an account number, a group's own name).
    Text(String),
    /// A quantity: selects the plural form and is formatted for the language.
    Count(u64),
    /// Another message of the bundle, rendered in the same language (a field
    /// label, the built-in group's name).
    Message(&'static str),
}

/// A message ready to be rendered in any language: a stable Fluent id and
/// its arguments.
///
/// ```
/// use cres_admin::{Arg, Localizer, Message};
/// let footer = Message::new("groups-showing").arg("count", Arg::Count(3));
/// assert_eq!(footer.id(), "groups-showing");
/// assert_eq!(footer.args(), [("count", Arg::Count(3))]);
/// assert_eq!(Localizer::new(&["de"]).render(&footer), "Es werden 3 Gruppen angezeigt.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Message {
    /// A message with no arguments yet.
    pub fn new(id: &'static str) -> Message {
        Message {
            id,
            args: Vec::new(),
        }
    }

    /// Adds the argument `$name`.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Message {
        self.args.push((name, value.into()));
        self
    }

    /// The Fluent message id.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The arguments, by name.
    pub fn args(&self) -> &[(&'static str, Arg)] {
        &self.args
    }
}

/// Anything the crate says to a person: errors, confirmations, labels.
pub trait Localize {
    /// The message to render.
    fn message(&self) -> Message;
}

impl Localize for Message {
    fn message(&self) -> Message {
        self.clone()
    }
}
