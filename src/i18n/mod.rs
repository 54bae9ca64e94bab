//! Rendering messages in English, French or German with Fluent.
//!
//! Errors, confirmations and labels are values that carry a message id and
//! arguments ([`Localize`]); a [`Localizer`] turns them into text for one
//! reader. The bundles are compiled into the crate: a service needs no files
//! at run time.

mod label;
mod message;

use std::sync::OnceLock;

use fluent::concurrent::FluentBundle;
use fluent::{FluentArgs, FluentResource, FluentValue};
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::{LanguageIdentifier, langid};

pub use label::{Label, ShowingGroups};
pub use message::{Arg, Localize, Message};

type Bundle = FluentBundle<FluentResource>;

/// The locales compiled into the crate: tag and Fluent source.
const EMBEDDED: &[(&str, &str)] = &[("en-US", include_str!("../../locales/en-US/cres-admin.ftl"))];

const FALLBACK: LanguageIdentifier = langid!("en-US");

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
/// Build it once per language and share it: it is `Send + Sync`.
///
/// ```
/// use cres_admin::{Label, Localizer};
/// let english = Localizer::english();
/// assert_eq!(english.render(&Label::AddToGroup), "Add to Group");
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

impl Localizer {
    /// English only.
    pub fn english() -> Localizer {
        Localizer::negotiate(&[])
    }

    /// The best chain for the requested languages (BCP 47 tags, most wanted
    /// first). Tags that do not parse or that no locale serves are skipped;
    /// English closes every chain, so this never fails.
    pub fn new<S: AsRef<str>>(requested: &[S]) -> Localizer {
        let requested: Vec<LanguageIdentifier> = requested
            .iter()
            .filter_map(|tag| tag.as_ref().trim().parse().ok())
            .collect();
        Localizer::negotiate(&requested)
    }

    /// The best chain for an HTTP `Accept-Language` header value.
    pub fn from_accept_language(header: &str) -> Localizer {
        Localizer::negotiate(&fluent_langneg::parse_accepted_languages(header))
    }

    fn negotiate(requested: &[LanguageIdentifier]) -> Localizer {
        let available: Vec<LanguageIdentifier> = EMBEDDED
            .iter()
            .map(|(tag, _)| tag.parse().expect("embedded locale tags are valid"))
            .collect();
        let fallback = FALLBACK;
        let chosen = negotiate_languages(
            requested,
            &available,
            Some(&fallback),
            NegotiationStrategy::Filtering,
        );
        let chain = chosen
            .into_iter()
            .map(|language| {
                let (_, source) = EMBEDDED
                    .iter()
                    .zip(&available)
                    .find(|(_, tag)| *tag == language)
                    .map(|(embedded, _)| *embedded)
                    .expect("negotiation picks among the embedded locales");
                bundle(language.clone(), source)
            })
            .collect();
        Localizer { chain }
    }

    /// Marks every argument with Unicode isolation marks (U+2068 … U+2069),
    /// for user interfaces that mix writing directions. Off by default, so
    /// texts are plain in e-mails, logs and terminals.
    #[must_use]
    pub fn with_isolation(mut self, isolate: bool) -> Localizer {
        for bundle in &mut self.chain {
            bundle.set_use_isolating(isolate);
        }
        self
    }

    /// The chain, most preferred first; the last is en-US.
    pub fn languages(&self) -> Vec<&LanguageIdentifier> {
        self.chain
            .iter()
            .filter_map(|b| b.locales.first())
            .collect()
    }

    /// Renders `item` in the first language of the chain that renders it
    /// cleanly.
    pub fn render(&self, item: &(impl Localize + ?Sized)) -> String {
        let message = item.message();
        self.chain
            .iter()
            .find_map(|bundle| self.format_in(bundle, message.id(), message.args()).ok())
            // Unreachable while every message is in en-US, which the tests prove.
            .unwrap_or_else(|| message.id().to_owned())
    }

    /// Renders `item` in the chain's first language that has the message,
    /// reporting any formatting problem instead of working around it.
    pub fn try_render(&self, item: &(impl Localize + ?Sized)) -> Result<String, RenderError> {
        let message = item.message();
        let bundle = self
            .chain
            .iter()
            .find(|bundle| bundle.has_message(message.id()))
            .ok_or_else(|| RenderError::MissingMessage {
                id: message.id().to_owned(),
            })?;
        self.format_in(bundle, message.id(), message.args())
    }

    fn format_in(
        &self,
        bundle: &Bundle,
        id: &str,
        args: &[(&'static str, Arg)],
    ) -> Result<String, RenderError> {
        let pattern = bundle
            .get_message(id)
            .and_then(|message| message.value())
            .ok_or_else(|| RenderError::MissingMessage { id: id.to_owned() })?;
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, arg) in args {
            let value = match arg {
                Arg::Text(text) => FluentValue::from(text.as_str()),
                Arg::Count(count) => FluentValue::from(*count),
                Arg::Message(nested) => FluentValue::from(self.format_in(bundle, nested, &[])?),
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
}

fn bundle(language: LanguageIdentifier, source: &str) -> Bundle {
    let resource =
        FluentResource::try_new(source.to_owned()).expect("embedded locales parse (tested)");
    let mut bundle = Bundle::new_concurrent(vec![language]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .expect("embedded locales have no duplicate ids (tested)");
    bundle
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
