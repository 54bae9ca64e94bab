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
pub(super) fn reference_ids() -> BTreeSet<String> {
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
/// use cres_admin::{Email, Error, Label, Localizer, UserAdded};
///
/// let mut builder = Localizer::builder();
/// builder.add_resource("es", "user-added = Usuario { $email } añadido.")?;
/// builder.add_resource("de", "label-password = Passwort")?;
///
/// let spanish = builder.build(&["es-MX"]);
/// let email = Email::parse("bob@example.com")?;
/// assert_eq!(spanish.render(&UserAdded { email: email.clone() }), "Usuario bob@example.com añadido.");
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
    /// # Errors
    ///
    /// [`LocaleError`] when the tag is not usable, the text does not parse,
    /// or it defines an id twice. The builder is then left as it was: the
    /// text is taken whole or not at all.
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
