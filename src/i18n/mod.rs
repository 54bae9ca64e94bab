//! Rendering messages in English, French or German with Fluent.
//!
//! Errors, confirmations and labels are values that carry a message id and
//! arguments ([`Localize`]); a [`Localizer`] turns them into text for one
//! reader. The bundles are compiled into the crate: a service needs no files
//! at run time. A service that wants more languages, or its own wording,
//! adds Fluent text at run time through a [`LocalizerBuilder`].
//!
//! # Language negotiation
//!
//! The requested languages are matched with fluent-langneg's *filtering*
//! strategy against the available locales, and the chain always holds
//! en-US, last unless the reader ranked English higher: `fr-CA` gives fr →
//! en-US, `de-AT` and `de-CH` give de → en-US, `en, de` gives en-US → de.
//! Extensions and private use (`de-DE-u-co-phonebk`) are ignored; a tag that
//! is unknown or does not parse adds nothing. Input is bounded before it is
//! parsed: at most 32 languages, tags of at most 64 bytes, and the first 4 KiB
//! of an `Accept-Language` value. Negotiation never fails.

mod label;
mod locales;
mod message;

use std::sync::{Arc, OnceLock};

use fluent::concurrent::FluentBundle;
use fluent::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use label::{Label, ShowingGroups, ShowingUsers};
#[cfg(test)]
pub(crate) use locales::reference_ids;
pub use locales::{LocaleCoverage, LocaleError, LocalizerBuilder};
pub use message::{Arg, Localize, Message};

/// One locale's messages, ready to format. Resources are shared, not copied,
/// between the localizers built from the same locales.
type Bundle = FluentBundle<Arc<FluentResource>>;

/// Why a message could not be rendered. [`Localizer::render`] never fails;
/// [`Localizer::try_render`] reports this so tests can insist on perfection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// No locale of the chain has the message.
    #[error("no locale has the message `{id}`")]
    MissingMessage {
        /// The message id.
        id: String,
    },
    /// The message exists but did not format cleanly (a missing argument, say).
    #[error("the message `{id}` in {locale} did not format: {errors:?}")]
    Format {
        /// The message id.
        id: String,
        /// The locale whose bundle was used.
        locale: String,
        /// What Fluent reported.
        errors: Vec<String>,
    },
}

/// Renders messages in one reader's language, falling back along a chain
/// that ends in English (en-US).
///
/// Build it once per language and share it: it is `Send + Sync`. Arguments
/// are plain text by default; [`Localizer::with_isolation`] wraps them in
/// Unicode isolation marks for user interfaces that mix writing directions.
///
/// ```
/// use cres_admin::{Email, Error, Label, Localizer, UserAdded, UserRef};
///
/// let english = Localizer::english();
/// assert_eq!(english.render(&Label::AddToGroup), "Add to Group");
///
/// // fr-CA is served by French, then English.
/// let french = Localizer::new(&["fr-CA"]);
/// let email = Email::parse("bob@example.com")?;
/// assert_eq!(
///     french.render(&Error::NonExistentUser { email: email.clone() }),
///     "Impossible d'ajouter un utilisateur inexistant."
/// );
///
/// // Accept-Language values are ordered by their q-values.
/// let german = Localizer::from_accept_language("fr;q=0.1, de;q=0.9");
/// let user = UserRef { id: "6b3e1f0a-5c2d-4e8f-9a1b-2c3d4e5f6a7b".parse()?, email };
/// assert_eq!(german.render(&UserAdded { user }), "Benutzer bob@example.com hinzugefügt.");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Localizer {
    chain: Vec<Bundle>,
}

impl std::fmt::Debug for Localizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Localizer")
            .field("languages", &self.languages())
            .finish()
    }
}

// A Localizer is built once and shared between threads.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Localizer>();
    assert_send_sync::<LocalizerBuilder>();
};

impl Localizer {
    /// English only.
    pub fn english() -> Localizer {
        locales::negotiate(locales::embedded(), &[], false)
    }

    /// The best chain for the requested languages (BCP 47 tags, most wanted
    /// first), among the embedded locales. Tags that do not parse or that no
    /// locale serves are skipped; English is in every chain, so this never
    /// fails.
    ///
    /// ```
    /// use cres_admin::Localizer;
    /// let chain = |tags: &[&str]| -> Vec<String> {
    ///     Localizer::new(tags).languages().iter().map(|l| l.to_string()).collect()
    /// };
    /// assert_eq!(chain(&["de-CH"]), ["de", "en-US"]);
    /// assert_eq!(chain(&["!!!", "fr-CA"]), ["fr", "en-US"]);
    /// assert_eq!(chain(&["xx-invalid"]), ["en-US"]);
    /// assert_eq!(chain(&["en", "de"]), ["en-US", "de"]);
    /// assert_eq!(chain(&["de-DE-u-co-phonebk"]), ["de", "en-US"]);
    /// ```
    pub fn new<S: AsRef<str>>(requested: &[S]) -> Localizer {
        locales::negotiate(locales::embedded(), &parse_tags(requested), false)
    }

    /// The best chain for an HTTP `Accept-Language` header value, among the
    /// embedded locales.
    ///
    /// Languages are taken by decreasing q-value (equal ones in the order
    /// written). Entries with `q=0`, a malformed q-value, a wildcard or a tag
    /// that does not parse are skipped, so any header value gives a
    /// localizer, English at worst.
    pub fn from_accept_language(header: &str) -> Localizer {
        locales::negotiate(locales::embedded(), &parse_accept_language(header), false)
    }

    /// A builder starting from the embedded locales, to which a service can
    /// add locales or its own wording from Fluent text.
    pub fn builder() -> LocalizerBuilder {
        LocalizerBuilder::new()
    }

    /// How completely each embedded locale covers the en-US messages (see
    /// [`LocalizerBuilder::coverage`] for locales added at run time).
    ///
    /// ```
    /// use cres_admin::Localizer;
    /// for locale in Localizer::coverage() {
    ///     assert!(locale.is_complete(), "{locale}");
    /// }
    /// ```
    pub fn coverage() -> Vec<LocaleCoverage> {
        locales::coverage(locales::embedded())
    }

    /// Marks every argument with Unicode isolation marks (U+2068 … U+2069)
    /// when `isolate` is `true`, for user interfaces that mix writing
    /// directions. Off by default, so texts are plain in e-mails, logs and
    /// terminals.
    ///
    /// ```
    /// use cres_admin::{Email, Localizer, UserAdded, UserRef};
    /// let email = Email::parse("bob@example.com")?;
    /// let added = UserAdded { user: UserRef { id: "6b3e1f0a-5c2d-4e8f-9a1b-2c3d4e5f6a7b".parse()?, email } };
    /// let marked = Localizer::english().with_isolation(true).render(&added);
    /// assert_eq!(marked, "User \u{2068}bob@example.com\u{2069} added.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_isolation(mut self, isolate: bool) -> Localizer {
        for bundle in &mut self.chain {
            bundle.set_use_isolating(isolate);
        }
        self
    }

    /// The chain, most preferred first. en-US is in it: last, unless the
    /// reader ranked English above other languages.
    pub fn languages(&self) -> Vec<&LanguageIdentifier> {
        self.chain
            .iter()
            .filter_map(|b| b.locales.first())
            .collect()
    }

    /// Renders `item` in the first language of the chain that renders it
    /// cleanly.
    ///
    /// Every message of the crate is in en-US, so the crate's own errors,
    /// confirmations and labels always render. Only a [`Message`] whose id no
    /// locale has (a service's own, say) renders as its bare id.
    pub fn render(&self, item: &(impl Localize + ?Sized)) -> String {
        let message = item.message();
        (0..self.chain.len())
            .find_map(|link| self.format_at(link, message.id(), message.args()).ok())
            .unwrap_or_else(|| message.id().to_owned())
    }

    /// Renders `item` in the chain's first language that has the message,
    /// reporting any formatting problem instead of working around it.
    ///
    /// A label or group name passed as an argument ([`Arg::Message`]) is
    /// taken from the same language, or from the next one of the chain that
    /// has it.
    ///
    /// # Errors
    /// A [`RenderError`] when no language of the chain has the message, or
    /// when Fluent reports a problem formatting it (a missing argument, say).
    pub fn try_render(&self, item: &(impl Localize + ?Sized)) -> Result<String, RenderError> {
        let message = item.message();
        let link = (0..self.chain.len())
            .find(|&link| has_value(&self.chain[link], message.id()))
            .ok_or_else(|| RenderError::MissingMessage {
                id: message.id().to_owned(),
            })?;
        self.format_at(link, message.id(), message.args())
    }

    /// Formats `id` with the bundle at position `link` of the chain.
    fn format_at(
        &self,
        link: usize,
        id: &str,
        args: &[(&'static str, Arg)],
    ) -> Result<String, RenderError> {
        let bundle = &self.chain[link];
        let pattern = bundle
            .get_message(id)
            .and_then(|message| message.value())
            .ok_or_else(|| RenderError::MissingMessage { id: id.to_owned() })?;
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, arg) in args {
            let value = match arg {
                Arg::Text(text) => FluentValue::from(text.as_str()),
                Arg::Count(count) => FluentValue::from(*count),
                Arg::Message(nested) => FluentValue::from(self.nested(link, nested)?),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if errors.is_empty() {
            Ok(text.into_owned())
        } else {
            Err(RenderError::Format {
                id: id.to_owned(),
                locale: bundle
                    .locales
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                errors: errors.iter().map(ToString::to_string).collect(),
            })
        }
    }

    /// A message used as an argument (a label, the built-in group's name):
    /// from the language at `link` if it has it, else from the rest of the
    /// chain, so a locale added at run time with only a few messages still
    /// renders those.
    fn nested(&self, link: usize, id: &str) -> Result<String, RenderError> {
        let mut first_error = None;
        for next in link..self.chain.len() {
            if !has_value(&self.chain[next], id) {
                continue;
            }
            match self.format_at(next, id, &[]) {
                Ok(text) => return Ok(text),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| RenderError::MissingMessage { id: id.to_owned() }))
    }
}

/// `true` when the bundle has the message with a value (not only attributes).
fn has_value(bundle: &Bundle, id: &str) -> bool {
    bundle
        .get_message(id)
        .is_some_and(|message| message.value().is_some())
}

/// The most languages a reader's request is read for.
const MAX_LANGUAGES: usize = 32;
/// The longest tag parsed: well above any real one (RFC 5646 advises 35
/// characters for language, script, region and variant).
const MAX_TAG_BYTES: usize = 64;
/// How much of an `Accept-Language` value is read.
const MAX_ACCEPT_LANGUAGE_BYTES: usize = 4096;

/// Parses one requested language tag, or `None` when it is not usable: it
/// is too long, does not parse, or names no language (`und`, the empty
/// tag, private use). Extensions (`-u-…`, `-t-…`, `-x-…`) are cut off, since
/// no locale differs by them.
fn parse_tag(tag: &str) -> Option<LanguageIdentifier> {
    let tag = tag.trim();
    if tag.is_empty() || tag.len() > MAX_TAG_BYTES {
        return None;
    }
    let end = tag
        .match_indices(['-', '_'])
        .map(|(at, _)| at)
        .find(|&at| is_singleton(&tag[at + 1..]))
        .unwrap_or(tag.len());
    let language: LanguageIdentifier = tag[..end].parse().ok()?;
    (!language.language.is_empty()).then_some(language)
}

/// Whether `rest` starts with a one-character subtag: an extension or
/// private use follows.
fn is_singleton(rest: &str) -> bool {
    let mut chars = rest.chars();
    chars.next().is_some() && matches!(chars.next(), None | Some('-' | '_'))
}

fn parse_tags<S: AsRef<str>>(requested: &[S]) -> Vec<LanguageIdentifier> {
    requested
        .iter()
        .take(MAX_LANGUAGES)
        .filter_map(|tag| parse_tag(tag.as_ref()))
        .collect()
}

/// The languages of an `Accept-Language` value, by decreasing q-value.
/// fluent-langneg's own parser ignores q-values, so this one reads them.
fn parse_accept_language(header: &str) -> Vec<LanguageIdentifier> {
    let mut weighted: Vec<(u16, LanguageIdentifier)> = bounded(header)
        .split(',')
        .take(MAX_LANGUAGES)
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let tag = parts.next()?;
            let mut quality = 1000;
            // Parameters other than q (and fragments that are no parameter
            // at all) do not matter for the choice of a language.
            for (name, value) in parts.filter_map(|parameter| parameter.split_once('=')) {
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = parse_quality(value.trim())?;
                }
            }
            if quality == 0 {
                return None;
            }
            Some((quality, parse_tag(tag)?))
        })
        .collect();
    // Stable: equal weights keep the order of the header.
    weighted.sort_by_key(|(quality, _)| std::cmp::Reverse(*quality));
    weighted.into_iter().map(|(_, language)| language).collect()
}

/// The whole entries within the first [`MAX_ACCEPT_LANGUAGE_BYTES`] of a
/// header: an entry cut in two could read as another language (`fr-CA`
/// as `fr`).
fn bounded(header: &str) -> &str {
    if header.len() <= MAX_ACCEPT_LANGUAGE_BYTES {
        return header;
    }
    let mut end = MAX_ACCEPT_LANGUAGE_BYTES;
    while !header.is_char_boundary(end) {
        end -= 1;
    }
    header[..end]
        .rfind(',')
        .map_or("", |comma| &header[..comma])
}

/// A q-value in thousandths: `0` to `1` with at most three decimals (RFC 9110).
fn parse_quality(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |acc, digit| acc * 10 + u16::from(digit - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The English text of `item`: what `Display` shows for the crate's errors
/// and confirmations. The bundle is built once and never changes.
pub(crate) fn english(item: &dyn Localize) -> String {
    static ENGLISH: OnceLock<Localizer> = OnceLock::new();
    ENGLISH.get_or_init(Localizer::english).render(item)
}

/// Implements `Display` as the English rendering, for types that implement [`Localize`].
macro_rules! english_display {
    ($($type:ty),* $(,)?) => {$(
        impl ::std::fmt::Display for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&$crate::i18n::english(self))
            }
        }
    )*};
}
pub(crate) use english_display;

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(languages: &[LanguageIdentifier]) -> Vec<String> {
        languages.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn quality_values_parse_strictly() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.9"), Some(900));
        assert_eq!(parse_quality("0.125"), Some(125));
        assert_eq!(parse_quality("0"), Some(0));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("2"), None);
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("-0.5"), None);
        assert_eq!(parse_quality("abc"), None);
        assert_eq!(parse_quality(""), None);
    }

    #[test]
    fn accept_language_orders_by_quality_and_skips_junk() {
        assert_eq!(
            tags(&parse_accept_language("fr;q=0.1, de;q=0.9, en")),
            ["en", "de", "fr"]
        );
        assert_eq!(
            tags(&parse_accept_language(
                "*, fr;q=0, de;q=x, it;level=1, !!!, es"
            )),
            ["it", "es"]
        );
        assert!(parse_accept_language("").is_empty());
        assert!(parse_accept_language(";;,,;q=1").is_empty());
    }

    #[test]
    fn negotiation_reads_a_bounded_part_of_its_input() {
        let padding = "xx-yy, ".repeat(700);
        assert!(padding.len() > MAX_ACCEPT_LANGUAGE_BYTES);
        let german = |languages: Vec<LanguageIdentifier>| tags(&languages).contains(&"de".into());
        assert!(!german(parse_accept_language(&format!("{padding}de"))));
        let mut requested = vec!["xx"; MAX_LANGUAGES];
        requested.push("de");
        assert!(!german(parse_tags(&requested)));
        assert_eq!(
            parse_tag(&format!("de-{}", "a".repeat(MAX_TAG_BYTES))),
            None
        );
        // An entry cut at the limit is dropped whole, not misread.
        let cut = format!("{}fr-CA", " ".repeat(MAX_ACCEPT_LANGUAGE_BYTES - 3));
        assert!(parse_accept_language(&cut).is_empty());
        let kept = format!("de,{}", " ".repeat(MAX_ACCEPT_LANGUAGE_BYTES));
        assert_eq!(tags(&parse_accept_language(&kept)), ["de"]);
    }

    #[test]
    fn extensions_and_private_use_are_cut_off() {
        let tag = |t: &str| parse_tag(t).map(|l| l.to_string());
        assert_eq!(tag("de-DE-u-co-phonebk"), Some("de-DE".into()));
        assert_eq!(tag("fr-CA-u-ca-gregory"), Some("fr-CA".into()));
        assert_eq!(tag("fr-FR-x-private"), Some("fr-FR".into()));
        assert_eq!(tag("en_GB_t_fr"), Some("en-GB".into()));
        assert_eq!(tag("x-private"), None);
        assert_eq!(tag("i-klingon"), None);
    }

    #[test]
    fn tags_without_a_language_are_skipped() {
        assert_eq!(parse_tag("und"), None);
        assert_eq!(parse_tag(""), None);
        assert_eq!(parse_tag("  "), None);
        assert_eq!(parse_tag("!!!"), None);
        assert_eq!(
            parse_tag(" de-CH ").map(|l| l.to_string()),
            Some("de-CH".into())
        );
    }
}
