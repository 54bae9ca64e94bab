//! The locales a [`Localizer`] is built from: the embedded ones and those a
//! service adds at run time, with negotiation and a coverage report.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

use fluent::FluentResource;
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use fluent_syntax::ast;
use unic_langid::{LanguageIdentifier, langid};

use super::{Bundle, Localizer, parse_accept_language, parse_tag, parse_tags};

/// The locales compiled into the crate: tag and Fluent source. en-US comes
/// first; it has every message and closes every chain.
const EMBEDDED: &[(LanguageIdentifier, &str)] = &[
    (
        langid!("en-US"),
        include_str!("../../locales/en-US/cres-admin.ftl"),
    ),
    (
        langid!("fr"),
        include_str!("../../locales/fr/cres-admin.ftl"),
    ),
    (
        langid!("de"),
        include_str!("../../locales/de/cres-admin.ftl"),
    ),
];

/// The reference locale: every chain ends in it, and coverage compares with it.
const REFERENCE: LanguageIdentifier = langid!("en-US");

/// One language's messages: its resources in the order added, later ones
/// overriding the messages of earlier ones.
#[derive(Debug, Clone)]
pub(super) struct Locale {
    language: LanguageIdentifier,
    resources: Vec<Arc<FluentResource>>,
}

impl Locale {
    fn bundle(&self, isolate: bool) -> Bundle {
        let mut bundle = Bundle::new_concurrent(vec![self.language.clone()]);
        bundle.set_use_isolating(isolate);
        for resource in &self.resources {
            // Ids are unique within each resource (checked when added, and
            // tested for the embedded ones); across resources, later wins.
            bundle.add_resource_overriding(Arc::clone(resource));
        }
        bundle
    }

    /// Every message with a value, with the variables its patterns use.
    fn messages(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut messages = BTreeMap::new();
        for resource in &self.resources {
            for entry in resource.entries() {
                if let ast::Entry::Message(message) = entry {
                    if message.value.is_some() {
                        messages.insert(message.id.name.to_owned(), variables(message));
                    }
                }
            }
        }
        messages
    }
}

/// The embedded locales, parsed once.
pub(super) fn embedded() -> &'static [Locale] {
    static LOCALES: OnceLock<Vec<Locale>> = OnceLock::new();
    LOCALES.get_or_init(|| {
        EMBEDDED
            .iter()
            .map(|(language, source)| {
                // The tests prove the embedded sources parse; were one not to,
                // what did parse is still better than a panic.
                let resource = FluentResource::try_new((*source).to_owned())
                    .unwrap_or_else(|(resource, _errors)| resource);
                Locale {
                    language: language.clone(),
                    resources: vec![Arc::new(resource)],
                }
            })
            .collect()
    })
}

/// The chain for `requested` among `locales`, ending in en-US.
pub(super) fn negotiate(
    locales: &[Locale],
    requested: &[LanguageIdentifier],
    isolate: bool,
) -> Localizer {
    let available: Vec<&LanguageIdentifier> = locales.iter().map(|l| &l.language).collect();
    let reference = &REFERENCE;
    let chosen = negotiate_languages(
        requested,
        &available,
        Some(&reference),
        NegotiationStrategy::Filtering,
    );
    let chain = chosen
        .into_iter()
        .filter_map(|language| locales.iter().find(|l| &l.language == *language))
        .map(|locale| locale.bundle(isolate))
        .collect();
    Localizer { chain }
}

/// The ids of the en-US messages.
#[cfg(test)]
pub(crate) fn reference_ids() -> BTreeSet<String> {
    embedded()
        .iter()
        .find(|l| l.language == REFERENCE)
        .map(|l| l.messages().into_keys().collect())
        .unwrap_or_default()
}

/// Coverage of every locale compared with en-US.
pub(super) fn coverage(locales: &[Locale]) -> Vec<LocaleCoverage> {
    let reference = locales
        .iter()
        .find(|l| l.language == REFERENCE)
        .map(Locale::messages)
        .unwrap_or_default();
    locales
        .iter()
        .map(|locale| {
            let messages = locale.messages();
            let missing: Vec<String> = reference
                .keys()
                .filter(|id| !messages.contains_key(*id))
                .cloned()
                .collect();
            let unknown = messages
                .keys()
                .filter(|id| !reference.contains_key(*id))
                .cloned()
                .collect();
            let mismatched = messages
                .iter()
                .filter(|(id, variables)| reference.get(*id).is_some_and(|r| r != *variables))
                .map(|(id, _)| id.clone())
                .collect();
            LocaleCoverage {
                language: locale.language.clone(),
                messages: reference.len() - missing.len(),
                reference: reference.len(),
                missing,
                unknown,
                mismatched,
            }
        })
        .collect()
}

/// The variables a message uses directly, in its value and attributes.
fn variables(message: &ast::Message<&str>) -> BTreeSet<String> {
    fn in_pattern(pattern: &ast::Pattern<&str>, found: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                in_expression(expression, found);
            }
        }
    }
    fn in_expression(expression: &ast::Expression<&str>, found: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                in_inline(selector, found);
                for variant in variants {
                    in_pattern(&variant.value, found);
                }
            }
            ast::Expression::Inline(inline) => in_inline(inline, found),
        }
    }
    fn in_arguments(arguments: &ast::CallArguments<&str>, found: &mut BTreeSet<String>) {
        for positional in &arguments.positional {
            in_inline(positional, found);
        }
        for named in &arguments.named {
            in_inline(&named.value, found);
        }
    }
    fn in_inline(inline: &ast::InlineExpression<&str>, found: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                found.insert(id.name.to_owned());
            }
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                in_arguments(arguments, found);
            }
            ast::InlineExpression::TermReference {
                arguments: Some(arguments),
                ..
            } => in_arguments(arguments, found),
            ast::InlineExpression::Placeable { expression } => in_expression(expression, found),
            _ => {}
        }
    }

    let mut found = BTreeSet::new();
    if let Some(value) = &message.value {
        in_pattern(value, &mut found);
    }
    for attribute in &message.attributes {
        in_pattern(&attribute.value, &mut found);
    }
    found
}

/// Why Fluent text could not be added to a [`LocalizerBuilder`]. The builder
/// is left exactly as it was.
///
/// The messages are for the developers of a service, in English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LocaleError {
    /// The language tag does not parse as BCP 47, or names no language (`und`).
    #[error("`{tag}` is not a usable language tag")]
    InvalidLanguage {
        /// The tag as given.
        tag: String,
    },
    /// The text is not valid Fluent syntax.
    #[error("the Fluent text for {language} does not parse: {}", .errors.join("; "))]
    Syntax {
        /// The language the text was for.
        language: String,
        /// Each problem, as "line L, column C: what the parser expected".
        errors: Vec<String>,
    },
    /// The text is longer than
    /// [`LocalizerBuilder::MAX_RESOURCE_BYTES`]; it was not parsed.
    #[error("the Fluent text for {language} is {bytes} bytes long, more than the {max} allowed")]
    TooLarge {
        /// The language the text was for.
        language: String,
        /// The length of the text, in bytes.
        bytes: usize,
        /// The most allowed, [`LocalizerBuilder::MAX_RESOURCE_BYTES`].
        max: usize,
    },
    /// The text nests placeables (select expressions included) and call
    /// arguments inside one another more than
    /// [`LocalizerBuilder::MAX_NESTING_DEPTH`] deep; it was not parsed.
    #[error(
        "the Fluent text for {language} nests placeables and call arguments more than {max} deep, at line {line}, column {column}"
    )]
    TooDeep {
        /// The language the text was for.
        language: String,
        /// The 1-based line of the `{` or `(` that opens one level too many.
        line: usize,
        /// Its 1-based column, in characters.
        column: usize,
        /// The deepest allowed, [`LocalizerBuilder::MAX_NESTING_DEPTH`].
        max: usize,
    },
    /// The text defines the same message (or term) twice.
    #[error("the Fluent text for {language} defines `{id}` more than once")]
    DuplicateId {
        /// The language the text was for.
        language: String,
        /// The id defined twice (terms keep their leading `-`).
        id: String,
    },
}

/// How completely one locale covers the messages of en-US.
///
/// Missing messages are not an error at run time — they fall back along the
/// chain — but a service can use this to see what a translation still lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocaleCoverage {
    /// The locale.
    pub language: LanguageIdentifier,
    /// How many of the en-US messages it has.
    pub messages: usize,
    /// How many messages en-US has.
    pub reference: usize,
    /// The en-US message ids it lacks, sorted.
    pub missing: Vec<String>,
    /// Its message ids that en-US does not have (a typo, or a message the
    /// crate no longer uses), sorted.
    pub unknown: Vec<String>,
    /// Message ids whose variables differ from en-US's (such a message fails
    /// to format and falls back), sorted.
    pub mismatched: Vec<String>,
}

impl LocaleCoverage {
    /// `true` when the locale has every en-US message, with the same variables.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.mismatched.is_empty()
    }
}

impl fmt::Display for LocaleCoverage {
    /// One line, such as `fr: 56 of 56 messages` or
    /// `es: 1 of 56 messages; missing: account-created, …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} of {} messages",
            self.language, self.messages, self.reference
        )?;
        for (what, ids) in [
            ("missing", &self.missing),
            ("variables differ", &self.mismatched),
            ("unknown", &self.unknown),
        ] {
            if !ids.is_empty() {
                write!(f, "; {what}: {}", ids.join(", "))?;
            }
        }
        Ok(())
    }
}

/// Builds [`Localizer`]s from the embedded locales plus Fluent text a service
/// adds at run time: a new language, or its own wording for some messages.
///
/// Messages a locale lacks fall back along the chain to en-US. Build the
/// builder once at start-up; each [`build`](LocalizerBuilder::build) then
/// shares its parsed resources.
///
/// ```
/// use cres_admin::{Email, Error, Label, Localizer, UserAdded, UserRef};
///
/// let mut builder = Localizer::builder();
/// builder.add_resource("es", "user-added = Usuario { $email } añadido.")?;
/// builder.add_resource("de", "label-password = Passwort")?;
///
/// let spanish = builder.build(&["es-MX"]);
/// let email = Email::parse("bob@example.com")?;
/// let user = UserRef { id: "6b3e1f0a-5c2d-4e8f-9a1b-2c3d4e5f6a7b".parse()?, email: email.clone() };
/// assert_eq!(spanish.render(&UserAdded { user }), "Usuario bob@example.com añadido.");
/// // Not translated yet: English.
/// assert_eq!(spanish.render(&Error::NonExistentUser { email }), "Can not add a non existent user.");
/// assert_eq!(builder.build(&["de"]).render(&Label::Password), "Passwort");
///
/// // A text that does not parse changes nothing.
/// assert!(builder.add_resource("es", "label-save = { $").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LocalizerBuilder {
    locales: Vec<Locale>,
    isolate: bool,
}

impl Default for LocalizerBuilder {
    fn default() -> Self {
        LocalizerBuilder::new()
    }
}

impl LocalizerBuilder {
    /// The largest Fluent text [`add_resource`](LocalizerBuilder::add_resource)
    /// takes, in bytes: 1 MiB, over a hundred times the largest embedded
    /// locale.
    pub const MAX_RESOURCE_BYTES: usize = 1 << 20;

    /// How deeply [`add_resource`](LocalizerBuilder::add_resource) lets
    /// Fluent text nest placeables (`{ … }`, select expressions included) and
    /// call arguments (`NUMBER( … )`, `-term( … )`) inside one another. A
    /// message with a placeable is 1 deep, a placeable inside a select
    /// expression or a function call inside a placeable 2 (as deep as the
    /// embedded locales go today).
    pub const MAX_NESTING_DEPTH: usize = 32;

    /// The embedded locales (en-US, fr, de), isolation marks off.
    pub fn new() -> LocalizerBuilder {
        LocalizerBuilder {
            locales: embedded().to_vec(),
            isolate: false,
        }
    }

    /// Whether the localizers built wrap arguments in Unicode isolation marks
    /// (see [`Localizer::with_isolation`]). Off unless turned on.
    pub fn isolation(&mut self, isolate: bool) -> &mut LocalizerBuilder {
        self.isolate = isolate;
        self
    }

    /// Adds the messages of `ftl` (Fluent text) to the locale `language`,
    /// creating the locale if it is new. Messages the locale already has are
    /// replaced: that is how a service words a message its own way.
    ///
    /// The text comes from the service, maybe from its users, so it is
    /// bounded before it is parsed: at most
    /// [`MAX_RESOURCE_BYTES`](LocalizerBuilder::MAX_RESOURCE_BYTES) long, and
    /// nesting placeables and call arguments at most
    /// [`MAX_NESTING_DEPTH`](LocalizerBuilder::MAX_NESTING_DEPTH) deep (the
    /// Fluent parser recurses once per level, and deep enough nesting would
    /// overflow the stack). Checking and parsing take time linear in the
    /// length of the text.
    ///
    /// # Errors
    ///
    /// [`LocaleError`] when the tag is not usable, the text is too large
    /// ([`TooLarge`](LocaleError::TooLarge)) or nests too deeply
    /// ([`TooDeep`](LocaleError::TooDeep)), does not parse, or defines an id
    /// twice. The builder is then left as it was: the text is taken whole or
    /// not at all.
    pub fn add_resource(
        &mut self,
        language: &str,
        ftl: &str,
    ) -> Result<&mut LocalizerBuilder, LocaleError> {
        let Some(language) = parse_tag(language) else {
            return Err(LocaleError::InvalidLanguage {
                tag: language.to_owned(),
            });
        };
        if ftl.len() > Self::MAX_RESOURCE_BYTES {
            return Err(LocaleError::TooLarge {
                language: language.to_string(),
                bytes: ftl.len(),
                max: Self::MAX_RESOURCE_BYTES,
            });
        }
        if let Err(offset) = nesting(ftl, Self::MAX_NESTING_DEPTH) {
            let (line, column) = Lines::new(ftl).position(offset);
            return Err(LocaleError::TooDeep {
                language: language.to_string(),
                line,
                column,
                max: Self::MAX_NESTING_DEPTH,
            });
        }
        let resource = FluentResource::try_new(ftl.to_owned()).map_err(|(_, errors)| {
            // One pass over the text, then a binary search per error: junk
            // text has an error on every line.
            let lines = Lines::new(ftl);
            LocaleError::Syntax {
                language: language.to_string(),
                errors: errors
                    .iter()
                    .map(|error| {
                        let (line, column) = lines.position(error.pos.start);
                        format!("line {line}, column {column}: {error}")
                    })
                    .collect(),
            }
        })?;
        if let Some(id) = duplicate_id(&resource) {
            return Err(LocaleError::DuplicateId {
                language: language.to_string(),
                id,
            });
        }
        let resource = Arc::new(resource);
        match self.locales.iter_mut().find(|l| l.language == language) {
            Some(locale) => locale.resources.push(resource),
            None => self.locales.push(Locale {
                language,
                resources: vec![resource],
            }),
        }
        Ok(self)
    }

    /// The available locales, embedded ones first.
    pub fn languages(&self) -> Vec<&LanguageIdentifier> {
        self.locales.iter().map(|l| &l.language).collect()
    }

    /// How completely each locale covers the en-US messages.
    ///
    /// ```
    /// use cres_admin::Localizer;
    /// let mut builder = Localizer::builder();
    /// builder.add_resource("es", "label-save = Guardar")?;
    /// let spanish = builder.coverage().into_iter().find(|c| c.language == "es").unwrap();
    /// assert_eq!(spanish.messages, 1);
    /// assert!(spanish.missing.iter().any(|id| id == "error-non-existent-user"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn coverage(&self) -> Vec<LocaleCoverage> {
        coverage(&self.locales)
    }

    /// A localizer for the requested languages (BCP 47 tags, most wanted
    /// first), negotiated like [`Localizer::new`] among this builder's locales.
    pub fn build<S: AsRef<str>>(&self, requested: &[S]) -> Localizer {
        negotiate(&self.locales, &parse_tags(requested), self.isolate)
    }

    /// A localizer for an HTTP `Accept-Language` header value, negotiated like
    /// [`Localizer::from_accept_language`] among this builder's locales.
    pub fn build_for_accept_language(&self, header: &str) -> Localizer {
        negotiate(&self.locales, &parse_accept_language(header), self.isolate)
    }
}

/// The first id a resource defines twice.
fn duplicate_id(resource: &FluentResource) -> Option<String> {
    let mut seen = HashSet::new();
    resource.entries().find_map(|entry| {
        let id = match entry {
            ast::Entry::Message(message) => message.id.name.to_owned(),
            ast::Entry::Term(term) => format!("-{}", term.id.name),
            _ => return None,
        };
        (!seen.insert(id.clone())).then_some(id)
    })
}

/// How deeply Fluent text nests placeables (`{ … }`, select expressions
/// included) and call arguments (`FUNC( … )`, `-term( … )`) inside one
/// another: the deepest nesting, or the byte offset of the first `{` or `(`
/// that opens one level more than `max`.
///
/// fluent-syntax parses each level by recursion, so this runs before it.
/// It is one pass, with at most two readers (below) of constant work per
/// byte, and no recursion.
///
/// The count must never be lower than the parser's: a `{` the parser opens
/// but this scan skips would let unbounded nesting through. So the scan
/// follows the parser's grammar, not a simpler rule:
///
/// - `{` opens a placeable in text and in expressions, but not inside a
///   string literal (`{ "{" }`), whose end `"` an escape (`\"`, `\\`) does
///   not close; a string ends at its line's end (the parser's error).
/// - `"` starts a string literal only inside an expression: in text it is
///   a character, and a `{` after it still opens a placeable.
/// - `(` opens call arguments only inside an expression; in text it is a
///   character.
/// - A line that starts with `#` is a comment, whatever it holds.
/// - After a syntax error the parser skips to the next line that starts
///   with a letter, `-` or `#` and starts afresh there. A scan that missed
///   the error would go on in its own state (say, inside an expression,
///   where `"` hides the rest of a line). So at such a line, if the scan is
///   inside an expression (where the line could also go on with a
///   reference), a second reader starts afresh; one of the two meets a
///   character the other's reading forbids (`=`, or anything else than
///   `id =` for the fresh one) within the line and stops.
///
/// Text the parser refuses may be counted deeper than it nests, which
/// matters only to text that does not parse anyway.
fn nesting(ftl: &str, max: usize) -> Result<usize, usize> {
    let bytes = ftl.as_bytes();
    let mut readers: Vec<Reader> = Vec::with_capacity(2);
    let mut deepest = 0;
    let mut previous = b'\n';
    for (offset, &byte) in bytes.iter().enumerate() {
        if previous == b'\n' {
            if byte == b'#' {
                readers.clear();
                readers.push(Reader::new(Mode::Comment));
            } else if byte.is_ascii_alphabetic() || byte == b'-' {
                readers.retain(|reader| matches!(reader.mode, Mode::Expression | Mode::Key));
                readers.push(Reader::new(Mode::Entry(Header::Start)));
            }
        }
        for reader in &mut readers {
            reader.step(byte, previous);
            if reader.frames.len() > max {
                return Err(offset);
            }
            deepest = deepest.max(reader.frames.len());
        }
        readers.retain(|reader| reader.mode != Mode::Dead);
        previous = byte;
    }
    Ok(deepest)
}

/// What a [`Reader`] of Fluent text holds open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `{`, an expression inside.
    Placeable,
    /// A placeable turned select expression by `->`: variants inside.
    Select,
    /// `(`, call arguments inside.
    Call,
}

/// Where a [`Reader`] is in the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The parser skips this text, up to the next entry.
    Dead,
    /// A comment line.
    Comment,
    /// The start of a message or term: `id =`, `-id =`.
    Entry(Header),
    /// The start of an attribute after its `.`: `id =`.
    Attribute(Header),
    /// Text of a pattern: a message's, term's or attribute's when nothing is
    /// open, a variant's when a select is.
    Text(Line),
    /// An expression, in a placeable or call arguments.
    Expression,
    /// A string literal in an expression.
    String,
    /// Just after a `\` in a string literal.
    Escape,
    /// After `->`, up to the end of its line.
    Arrow,
    /// Between the variants of a select expression.
    Variants,
    /// Just after a `*`, which a `[` should follow.
    Star,
    /// After a `*` and a space: only `}` may come.
    Closing,
    /// A variant key, after its `[`.
    Key,
}

/// How far into `id =` a [`Reader`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    /// Nothing read yet.
    Start,
    /// A term's `-`.
    Dash,
    /// Inside the id.
    Id,
    /// Blanks after the id.
    Blank,
}

/// Where on a line of pattern text a [`Reader`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// At the start, before anything but spaces; `indented` once there is one.
    Start {
        /// A space has been read.
        indented: bool,
    },
    /// Past the start.
    Middle,
}

/// One reading of Fluent text, byte by byte, following fluent-syntax's
/// parser: what is open, and where in the grammar it is.
#[derive(Debug, Clone)]
struct Reader {
    mode: Mode,
    frames: Vec<Frame>,
}

impl Reader {
    fn new(mode: Mode) -> Reader {
        Reader {
            mode,
            frames: Vec::new(),
        }
    }

    /// Reads `byte`, which follows `previous`.
    fn step(&mut self, byte: u8, previous: u8) {
        self.mode = match self.mode {
            Mode::Dead => Mode::Dead,
            Mode::Comment => match byte {
                b'\n' => Mode::Dead,
                _ => Mode::Comment,
            },
            Mode::Entry(header) => match header_step(header, byte, true) {
                Some(header) => Mode::Entry(header),
                None if byte == b'=' && header != Header::Start && header != Header::Dash => {
                    Mode::Text(Line::Middle)
                }
                None => Mode::Dead,
            },
            Mode::Attribute(header) => match header_step(header, byte, false) {
                Some(header) => Mode::Attribute(header),
                None if byte == b'=' && header != Header::Start => Mode::Text(Line::Middle),
                None => Mode::Dead,
            },
            Mode::Text(line) => self.text(line, byte),
            Mode::Expression => self.expression(byte, previous),
            Mode::String => match byte {
                b'"' => Mode::Expression,
                b'\\' => Mode::Escape,
                b'\n' => Mode::Dead,
                _ => Mode::String,
            },
            Mode::Escape => match byte {
                b'\n' => Mode::Dead,
                _ => Mode::String,
            },
            Mode::Arrow => match byte {
                b' ' | b'\r' => Mode::Arrow,
                b'\n' => Mode::Variants,
                _ => Mode::Dead,
            },
            Mode::Variants => self.variants(byte),
            Mode::Star => match byte {
                b'[' => Mode::Key,
                b' ' => Mode::Closing,
                b'}' => self.close(),
                _ => Mode::Dead,
            },
            Mode::Closing => match byte {
                b' ' => Mode::Closing,
                b'}' => self.close(),
                _ => Mode::Dead,
            },
            Mode::Key => match byte {
                b']' => Mode::Text(Line::Middle),
                b' ' | b'\n' | b'\r' | b'_' | b'-' | b'.' => Mode::Key,
                _ if byte.is_ascii_alphanumeric() => Mode::Key,
                _ => Mode::Dead,
            },
        };
    }

    fn open(&mut self, frame: Frame) -> Mode {
        self.frames.push(frame);
        Mode::Expression
    }

    /// Closes the innermost frame: back to the text or expression around it.
    fn close(&mut self) -> Mode {
        self.frames.pop();
        match self.frames.last() {
            None | Some(Frame::Select) => Mode::Text(Line::Middle),
            Some(Frame::Placeable | Frame::Call) => Mode::Expression,
        }
    }

    fn text(&mut self, line: Line, byte: u8) -> Mode {
        match (line, byte) {
            // A placeable may start a line unindented.
            (_, b'{') => self.open(Frame::Placeable),
            (Line::Middle, b'}') => Mode::Dead,
            (_, b'\n') => Mode::Text(Line::Start { indented: false }),
            (Line::Start { .. }, b' ') => Mode::Text(Line::Start { indented: true }),
            (Line::Start { indented: false }, b'\r') => Mode::Text(Line::Middle),
            (Line::Start { indented: false }, _)
            | (Line::Start { indented: true }, b'.' | b'}' | b'[' | b'*') => {
                // The pattern ends here.
                if self.frames.last() == Some(&Frame::Select) {
                    self.variants(byte)
                } else if byte == b'.' {
                    Mode::Attribute(Header::Start)
                } else {
                    Mode::Dead
                }
            }
            _ => Mode::Text(Line::Middle),
        }
    }

    fn expression(&mut self, byte: u8, previous: u8) -> Mode {
        let innermost = self.frames.last().copied();
        match byte {
            b'"' => Mode::String,
            b'{' => self.open(Frame::Placeable),
            b'(' => self.open(Frame::Call),
            b')' if innermost == Some(Frame::Call) => self.close(),
            b'}' if innermost == Some(Frame::Placeable) => self.close(),
            b'>' if previous == b'-' && innermost == Some(Frame::Placeable) => {
                if let Some(frame) = self.frames.last_mut() {
                    *frame = Frame::Select;
                }
                Mode::Arrow
            }
            b')' | b'}' | b'>' | b'=' => Mode::Dead,
            _ => Mode::Expression,
        }
    }

    fn variants(&mut self, byte: u8) -> Mode {
        match byte {
            b' ' | b'\n' | b'\r' => Mode::Variants,
            b'*' => Mode::Star,
            b'[' => Mode::Key,
            b'}' => self.close(),
            _ => Mode::Dead,
        }
    }
}

/// The next step into `id =` after `byte`, or `None` at its end or error.
fn header_step(header: Header, byte: u8, term: bool) -> Option<Header> {
    match (header, byte) {
        (Header::Start, b'-') if term => Some(Header::Dash),
        (Header::Start | Header::Dash, _) if byte.is_ascii_alphabetic() => Some(Header::Id),
        (Header::Id, b'-' | b'_') => Some(Header::Id),
        (Header::Id, _) if byte.is_ascii_alphanumeric() => Some(Header::Id),
        (Header::Id | Header::Blank, b' ') => Some(Header::Blank),
        _ => None,
    }
}

/// Where the lines of a text start, to turn byte offsets into lines and
/// columns: one pass to build, a binary search per offset.
struct Lines<'t> {
    text: &'t str,
    /// The byte offset of each line's first byte, in order; the first is 0.
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(newline, _)| newline + 1))
            .collect();
        Lines { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset. An offset
    /// past the end is the end; one inside a character is that character.
    fn position(&self, offset: usize) -> (usize, usize) {
        let mut end = offset.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        // The lines starting at or before `end`: at least the first.
        let line = self.starts.partition_point(|&start| start <= end).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..end)
            .map_or(0, |before| before.chars().count());
        (line, column + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    #[test]
    fn embedded_locales_parse_without_errors() {
        for (language, source) in EMBEDDED {
            assert!(
                FluentResource::try_new((*source).to_owned()).is_ok(),
                "{language} does not parse"
            );
        }
    }

    #[test]
    fn line_and_column_count_characters() {
        let position = |text: &str, offset: usize| Lines::new(text).position(offset);
        assert_eq!(position("abc", 0), (1, 1));
        assert_eq!(position("a\nbé c", 6), (2, 4));
        assert_eq!(position("é", 1), (1, 1));
        assert_eq!(position("ab", 99), (1, 3));
        assert_eq!(position("", 0), (1, 1));
        assert_eq!(position("a\n", 2), (2, 1));
        assert_eq!(position("a\n\nb\n", 3), (3, 1));
        assert_eq!(position("a\r\nb", 3), (2, 1));
        assert_eq!(position("a\nb\nc", 99), (3, 2));
    }

    #[test]
    fn line_and_column_agree_with_a_rescan_at_every_offset() {
        let text = "a = é\n\n  b { $x }\r\nñ\n";
        let lines = Lines::new(text);
        for offset in 0..=text.len() + 1 {
            let mut end = offset.min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let before = &text[..end];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            assert_eq!(lines.position(offset), (line, column), "offset {offset}");
        }
    }

    /// How deeply the parsed entries nest placeables and call arguments,
    /// counted like [`nesting`] (junk is not in the tree).
    fn parsed_depth(resource: &FluentResource) -> usize {
        fn pattern(pattern: &ast::Pattern<&str>) -> usize {
            pattern
                .elements
                .iter()
                .map(|element| match element {
                    ast::PatternElement::Placeable { expression } => 1 + in_expression(expression),
                    ast::PatternElement::TextElement { .. } => 0,
                })
                .max()
                .unwrap_or(0)
        }
        fn in_expression(expression: &ast::Expression<&str>) -> usize {
            match expression {
                ast::Expression::Select { selector, variants } => variants
                    .iter()
                    .map(|variant| pattern(&variant.value))
                    .fold(inline(selector), usize::max),
                ast::Expression::Inline(expression) => inline(expression),
            }
        }
        fn in_arguments(arguments: &ast::CallArguments<&str>) -> usize {
            let named = arguments.named.iter().map(|named| inline(&named.value));
            1 + arguments
                .positional
                .iter()
                .map(inline)
                .chain(named)
                .max()
                .unwrap_or(0)
        }
        fn inline(expression: &ast::InlineExpression<&str>) -> usize {
            match expression {
                ast::InlineExpression::FunctionReference { arguments, .. }
                | ast::InlineExpression::TermReference {
                    arguments: Some(arguments),
                    ..
                } => in_arguments(arguments),
                ast::InlineExpression::Placeable { expression } => 1 + in_expression(expression),
                _ => 0,
            }
        }
        let attributes = |attributes: &[ast::Attribute<&str>]| {
            attributes
                .iter()
                .map(|attribute| pattern(&attribute.value))
                .max()
                .unwrap_or(0)
        };
        resource
            .entries()
            .map(|entry| match entry {
                ast::Entry::Message(message) => message
                    .value
                    .as_ref()
                    .map_or(0, pattern)
                    .max(attributes(&message.attributes)),
                ast::Entry::Term(term) => pattern(&term.value).max(attributes(&term.attributes)),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    fn parse_any(text: &str) -> FluentResource {
        FluentResource::try_new(text.to_owned()).unwrap_or_else(|(resource, _)| resource)
    }

    /// `n` placeables inside one another around a variable.
    fn braces(n: usize) -> String {
        format!("{}$x{}", "{".repeat(n), "}".repeat(n))
    }

    #[test]
    fn embedded_locales_are_well_within_the_limits() {
        for (language, source) in EMBEDDED {
            // Fifty times smaller than the limit: room for many more messages.
            assert!(source.len() * 50 < LocalizerBuilder::MAX_RESOURCE_BYTES);
            let depth = nesting(source, LocalizerBuilder::MAX_NESTING_DEPTH);
            let parsed = parsed_depth(&parse_any(source));
            assert_eq!(depth, Ok(parsed), "{language}");
            // Today 2; far enough below the limit for new messages.
            assert!(
                parsed * 4 <= LocalizerBuilder::MAX_NESTING_DEPTH,
                "{language} nests {parsed} deep"
            );
        }
    }

    #[test]
    fn nesting_counts_placeables_selects_and_calls_not_text() {
        let depth = |text: &str| nesting(text, 32);
        assert_eq!(depth(""), Ok(0));
        assert_eq!(
            depth("m = plain text (with parentheses) and \"quotes\"\n"),
            Ok(0)
        );
        assert_eq!(depth("m = { $x }\n"), Ok(1));
        assert_eq!(depth(&format!("m = {}\n", braces(5))), Ok(5));
        assert_eq!(depth("m = { NUMBER($x) }\n"), Ok(2));
        assert_eq!(depth("m = { -t(a: 1, { $y }) }\n"), Ok(3));
        assert_eq!(
            depth("m = { $x ->\n    [one] { $y }\n   *[other] x\n}\n"),
            Ok(2)
        );
        // The deepest point, not the sum.
        assert_eq!(depth("m = { $x } { { $y } }\nn = { $z }\n"), Ok(2));
        // Shut, or not, at the parser's end of a line.
        assert_eq!(depth(&format!("m = {}\n", "{ $x }\n  ".repeat(100))), Ok(1));
    }

    #[test]
    fn nesting_skips_braces_in_string_literals_and_comments() {
        let depth = |text: &str| nesting(text, 32);
        // Literal braces, escaped quotes and backslashes: none of them nests.
        let literals = r#"{ "{" } { "}" } { "\"{" } { "\\" } { "\\\"}" } { "(" } { NUMBER("{") }"#;
        let text = format!("m = {}\n", literals.repeat(50));
        assert_eq!(depth(&text), Ok(2));
        assert_eq!(parsed_depth(&parse_any(&text)), 2);
        assert!(FluentResource::try_new(text).is_ok());
        // `}` in a literal closes nothing: the placeables stay open.
        let text = format!("m = {{ NUMBER(\"}}\", {}) }}\n", braces(3));
        assert_eq!(depth(&text), Ok(5));
        assert_eq!(parsed_depth(&parse_any(&text)), 5);
        // Comment lines hold anything.
        let comments = "# {{{{ \" ( {\n## }}}}\n### {{{{\n#{{{{\n".repeat(50);
        assert_eq!(depth(&format!("{comments}m = {{ $x }}\n{comments}")), Ok(1));
        // A `#` that starts no line is text, or nothing special.
        assert_eq!(depth(&format!("m = # {}\n", braces(3))), Ok(3));
        assert_eq!(depth(&format!("m =\n    # {}\n", braces(3))), Ok(3));
    }

    /// Ways to hide nesting from a scan that reads `"`, `(` or comments
    /// naively, or that loses its place after a syntax error: each is
    /// counted as deep as the parser nests it.
    #[test]
    fn nesting_is_not_fooled_by_quotes_in_text_calls_or_earlier_errors() {
        let selects = |n: usize, selector: &str| {
            let mut text = "{ $x }".to_owned();
            for _ in 0..n {
                text = format!("{{ {selector} ->\n   *[a] {text}\n}}");
            }
            text
        };
        // What the text hides behind, and the text nesting `n` deep.
        type Hiding = (&'static str, Box<dyn Fn(usize) -> String>);
        let hiding: Vec<Hiding> = vec![
            (
                "a quote in text",
                Box::new(|n| format!("m = \"{}\"\n", braces(n))),
            ),
            (
                "after an unclosed placeable",
                Box::new(|n| format!("a = {{ $x\nm = \"{}\n", braces(n))),
            ),
            (
                "after a string cut by its line's end",
                Box::new(|n| format!("a = {{ \"\\\nm = \"{}\n", braces(n))),
            ),
            (
                "after a literal `}`",
                Box::new(|n| format!("m = {{ \"}}\" }} \"{}\n", braces(n))),
            ),
            (
                "after a literal `{` in call arguments",
                Box::new(|n| format!("m = {{ NUMBER(\"{{\") }} \"{}\n", braces(n))),
            ),
            (
                "nested function calls",
                Box::new(|n| format!("m = {{ {}$x{} }}\n", "NUMBER(".repeat(n), ")".repeat(n))),
            ),
            (
                "nested term calls",
                Box::new(|n| format!("m = {{ {}$x{} }}\n", "-t(".repeat(n), ")".repeat(n))),
            ),
            (
                "nested selects",
                Box::new(move |n| format!("m = {}\n", selects(n, "$x"))),
            ),
            (
                "selectors with literal braces",
                Box::new(move |n| format!("m = {}\n", selects(n, "\"}}}}\""))),
            ),
            (
                "parentheses in text",
                Box::new(|n| format!("m = {}{}\n", "(".repeat(n), braces(n))),
            ),
            (
                "placeables on lines of their own",
                Box::new(|n| format!("m = {}$x{}\n", "{\n".repeat(n), "\n}".repeat(n))),
            ),
            (
                "references at the start of lines",
                Box::new(|n| format!("m = {}\nfoo{}\n", "{\n".repeat(n), " }".repeat(n))),
            ),
            (
                "calls at the start of lines",
                Box::new(|n| format!("m = {{\n{}$x{} }}\n", "NUMBER(\n".repeat(n), ")".repeat(n))),
            ),
            (
                "a placeable that starts a line",
                Box::new(|n| format!("m = a\n{}\n", braces(n))),
            ),
        ];
        for (what, text) in &hiding {
            // Within reach of the parser: the scan counts what it builds.
            let shallow = text(20);
            let parsed = parsed_depth(&parse_any(&shallow));
            assert!(parsed >= 20, "{what}: parsed {parsed} deep");
            assert_eq!(nesting(&shallow, 32), Ok(parsed), "{what}");
            // Beyond the limit: refused.
            assert!(nesting(&text(3000), 32).is_err(), "{what}");
        }
    }

    #[test]
    fn nesting_refuses_at_the_first_opening_past_the_limit() {
        let text = format!("m = {}{}", "{".repeat(3000), "}".repeat(3000));
        assert_eq!(nesting(&text, 32), Err(4 + 32));
        assert_eq!(nesting(&format!("m = {}\n", braces(32)), 32), Ok(32));
        assert_eq!(nesting(&format!("m = {}\n", braces(33)), 32), Err(4 + 32));
        assert_eq!(nesting("m = { F(", 1), Err(7));
    }

    /// Text of a pattern on one line: no braces, but every other character
    /// the depth scan looks at.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            select(&[
                "a", " ", "\"", "(", ")", "[", "]", "*", ".", "#", "=", "-", ">", "\\", ",", ":",
                "é", "\t", "$x",
            ]),
            0..6,
        )
        .prop_map(|pieces| pieces.concat())
    }

    /// An inline expression, nested up to a few levels.
    fn inline() -> impl Strategy<Value = String> {
        let leaf = select(&[
            "$x",
            "1",
            "-1.5",
            "msg",
            "msg.attr",
            "-t",
            r#""""#,
            r#""a{b}(c)""#,
            r#""}""#,
            r#""\"{""#,
            r#""\\""#,
            r#""\u00E9{""#,
        ])
        .prop_map(str::to_owned);
        leaf.prop_recursive(5, 40, 3, |inner| {
            let blank = select(&[" ", "", "\n", "\n  ", "  \n\n "]);
            prop_oneof![
                (blank.clone(), inner.clone(), blank.clone())
                    .prop_map(|(before, e, after)| format!("{{{before}{e}{after}}}")),
                proptest::collection::vec(inner.clone(), 0..3)
                    .prop_map(|arguments| format!("NUMBER({})", arguments.join(", "))),
                (inner.clone(), blank.clone())
                    .prop_map(|(e, blank)| format!("-t({blank}{e},{blank}n: \"(\")")),
                (
                    select(&["$x", "1", r#""}{""#, "NUMBER($x)"]),
                    text(),
                    inner.clone(),
                    text(),
                    select(&["\n}", "\n   }", "\n\n}"]),
                )
                    .prop_map(|(selector, before, e, after, end)| {
                        format!(
                            "{{ {selector} ->\n    [one] {before}{{ {e} }}{after}\n   *[other] x{after}\n{{{e}}}{end}"
                        )
                    }),
            ]
        })
    }

    /// Fluent text that parses: messages, terms, attributes and comments.
    fn valid_fluent() -> impl Strategy<Value = String> {
        let entry = prop_oneof![
            (text(), inline(), text()).prop_map(|(a, e, b)| format!("= x{a}{{ {e} }}{b}\n")),
            (inline(), text()).prop_map(|(e, b)| format!("=\n    {{{e}}}\n  x{b}\n{{ $y }}\n")),
            (inline(), text()).prop_map(|(e, b)| format!("= x\n    .attr = {b}{{{e}}}\n")),
        ];
        let comment = select(&["# { \" (\n", "## }}\n", "#\n", "### {{{\n"]);
        proptest::collection::vec((comment, entry), 0..4).prop_map(|entries| {
            entries
                .iter()
                .enumerate()
                .map(|(i, (comment, entry))| {
                    let id = if i % 2 == 0 { "m" } else { "-t" };
                    format!("{comment}{id}{i} {entry}\n")
                })
                .collect()
        })
    }

    /// Fluent text that parses, broken in a few places: pieces put in, or
    /// bytes cut out, so that the parser skips some of it.
    fn broken_fluent() -> impl Strategy<Value = String> {
        let edit = (
            any::<proptest::sample::Index>(),
            0..4usize,
            select(&[
                "", "{", "}", "\"", "\\", "(", ")", "\n", "=", "#", "->\n", "[", "*",
            ]),
        );
        (valid_fluent(), proptest::collection::vec(edit, 1..4)).prop_map(|(mut text, edits)| {
            for (at, cut, piece) in edits {
                let floor = |text: &str, mut at: usize| {
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    at
                };
                let start = floor(&text, at.index(text.len() + 1));
                let end = floor(&text, (start + cut).min(text.len()));
                text.replace_range(start..end, piece);
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// On text that parses, the scan counts exactly what the parser builds.
        #[test]
        fn nesting_of_valid_fluent_is_the_parsed_depth(text in valid_fluent()) {
            let resource = FluentResource::try_new(text.clone());
            prop_assert!(resource.is_ok(), "{:?}", resource.err().map(|e| e.1));
            let parsed = parsed_depth(&parse_any(&text));
            prop_assert_eq!(nesting(&text, 64), Ok(parsed));
        }

        /// On any text the scan never panics, and never counts less than
        /// what the parser builds.
        #[test]
        fn nesting_never_panics_nor_counts_less_than_the_parser(
            text in prop_oneof![
                any::<String>(),
                broken_fluent(),
                proptest::collection::vec(
                    prop_oneof![
                        select(&[
                            "{", "}", "{ ", " }", "(", ")", "\"", "\\", "\\\"", "$x", "F(", "-t(",
                            "-", ">", " ->\n", "[a] ", "*[b] ", "*", "]", "\n", "\n  ", "\r\n",
                            "#", "# ", "m = ", "-t = ", ".a = ", "=", "foo", ",", ": ", "é", "1",
                        ])
                        .prop_map(str::to_owned),
                        (select(&["{", "(", "{ F(", "\"", "{\n"]), 2..50usize)
                            .prop_map(|(piece, n)| piece.repeat(n)),
                    ],
                    0..60,
                )
                .prop_map(|pieces| pieces.concat()),
            ]
        ) {
            if let Ok(depth) = nesting(&text, 32) {
                prop_assert!(parsed_depth(&parse_any(&text)) <= depth);
            }
        }
    }

    #[test]
    fn variables_are_found_in_selectors_variants_and_arguments() {
        let resource = FluentResource::try_new(
            "m = { $a ->\n    [one] { $b }\n   *[other] { NUMBER($c) } { -t($d) } { { $e } }\n}\n-t = T\n"
                .to_owned(),
        )
        .expect("valid");
        let ast::Entry::Message(message) = resource.entries().next().expect("one entry") else {
            panic!("a message comes first");
        };
        let found: Vec<String> = variables(message).into_iter().collect();
        assert_eq!(found, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn duplicates_are_found_per_namespace() {
        let parse = |text: &str| FluentResource::try_new(text.to_owned()).expect("valid");
        assert_eq!(duplicate_id(&parse("a = 1\nb = 2\n")), None);
        assert_eq!(duplicate_id(&parse("a = 1\n-a = 2\n")), None);
        assert_eq!(
            duplicate_id(&parse("a = 1\nb = 2\na = 3\n")),
            Some("a".into())
        );
        assert_eq!(duplicate_id(&parse("-t = 1\n-t = 2\n")), Some("-t".into()));
    }
}
