//! Every message in English, French and German: the bundles, negotiation,
//! isolation, run-time extension and thread safety (issue #4).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::DateTime;
use cres_admin::testing::{every_error, every_message};
use cres_admin::{
    AccountNumber, Email, EmailChanged, Error, Field, Group, GroupCreated, GroupId, GroupName,
    InvalidInput, Label, LocaleError, Localize, Localizer, Message, Name, Problem, RenderError,
    ShowingGroups, UserAdded, UserDeleted, UserDisabled, UserEnabled, UserId, UserRef, UserRenamed,
};
use fluent::FluentResource;
use fluent_syntax::ast;

const SOURCES: [(&str, &str); 3] = [
    ("en-US", include_str!("../locales/en-US/cres-admin.ftl")),
    ("fr", include_str!("../locales/fr/cres-admin.ftl")),
    ("de", include_str!("../locales/de/cres-admin.ftl")),
];
const LANGUAGES: [&str; 3] = ["en-US", "fr", "de"];
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';
const NBSP: char = '\u{a0}';

// ---------------------------------------------------------------------------
// Walking the resources

fn parse(language: &str, source: &str) -> FluentResource {
    FluentResource::try_new(source.to_owned())
        .unwrap_or_else(|(_, errors)| panic!("{language} does not parse: {errors:?}"))
}

fn collect_variables(pattern: &ast::Pattern<&str>, into: &mut BTreeSet<String>) {
    fn inline(expression: &ast::InlineExpression<&str>, into: &mut BTreeSet<String>) {
        match expression {
            ast::InlineExpression::VariableReference { id } => {
                into.insert(id.name.to_owned());
            }
            ast::InlineExpression::FunctionReference { arguments, .. }
            | ast::InlineExpression::TermReference {
                arguments: Some(arguments),
                ..
            } => {
                for argument in &arguments.positional {
                    inline(argument, into);
                }
                for argument in &arguments.named {
                    inline(&argument.value, into);
                }
            }
            ast::InlineExpression::Placeable { expression } => expression_(expression, into),
            _ => {}
        }
    }
    fn expression_(expression: &ast::Expression<&str>, into: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline(selector, into);
                for variant in variants {
                    collect_variables(&variant.value, into);
                }
            }
            ast::Expression::Inline(expression) => inline(expression, into),
        }
    }
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_(expression, into);
        }
    }
}

/// Each message id with the variables it uses; panics on a duplicate id, a
/// message without a value, or a term (the crate uses none).
fn messages(language: &str, resource: &FluentResource) -> BTreeMap<String, BTreeSet<String>> {
    let mut messages = BTreeMap::new();
    for entry in resource.entries() {
        match entry {
            ast::Entry::Message(message) => {
                let value = message
                    .value
                    .as_ref()
                    .unwrap_or_else(|| panic!("{language}: {} has no value", message.id.name));
                let mut variables = BTreeSet::new();
                collect_variables(value, &mut variables);
                for attribute in &message.attributes {
                    collect_variables(&attribute.value, &mut variables);
                }
                let previous = messages.insert(message.id.name.to_owned(), variables);
                assert!(
                    previous.is_none(),
                    "{language}: {} defined twice",
                    message.id.name
                );
            }
            ast::Entry::Term(term) => panic!("{language}: unexpected term -{}", term.id.name),
            ast::Entry::Junk { content } => panic!("{language}: junk {content:?}"),
            _ => {}
        }
    }
    messages
}

/// The text elements of every message value (what a translator wrote, without
/// placeables), by id.
fn texts(resource: &FluentResource) -> Vec<(String, String)> {
    fn pattern_text(pattern: &ast::Pattern<&str>, into: &mut String) {
        for element in &pattern.elements {
            match element {
                ast::PatternElement::TextElement { value } => into.push_str(value),
                ast::PatternElement::Placeable {
                    expression: ast::Expression::Select { variants, .. },
                } => {
                    for variant in variants {
                        pattern_text(&variant.value, into);
                        into.push('\n');
                    }
                }
                ast::PatternElement::Placeable { .. } => into.push('X'),
            }
        }
    }
    resource
        .entries()
        .filter_map(|entry| match entry {
            ast::Entry::Message(message) => {
                let mut text = String::new();
                pattern_text(message.value.as_ref()?, &mut text);
                Some((message.id.name.to_owned(), text))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn every_message_is_in_all_three_locales_with_the_same_variables() {
    let all: Vec<(&str, BTreeMap<String, BTreeSet<String>>)> = SOURCES
        .iter()
        .map(|(language, source)| (*language, messages(language, &parse(language, source))))
        .collect();
    let (_, english) = &all[0];
    assert!(
        english.len() >= 50,
        "en-US has only {} messages",
        english.len()
    );
    for (language, messages) in &all[1..] {
        let english_ids: Vec<&String> = english.keys().collect();
        let ids: Vec<&String> = messages.keys().collect();
        assert_eq!(ids, english_ids, "{language} has other ids than en-US");
        for (id, variables) in english {
            assert_eq!(
                &messages[id], variables,
                "{language}: {id} uses other variables than en-US"
            );
        }
    }
}

#[test]
fn the_coverage_report_finds_every_embedded_locale_complete() {
    let coverage = Localizer::coverage();
    let languages: Vec<String> = coverage.iter().map(|c| c.language.to_string()).collect();
    assert_eq!(languages, LANGUAGES);
    let english = messages("en-US", &parse("en-US", SOURCES[0].1));
    for locale in &coverage {
        assert!(locale.is_complete(), "{locale}");
        assert_eq!(locale.messages, english.len(), "{locale}");
        assert_eq!(locale.reference, english.len());
        assert!(locale.unknown.is_empty(), "{locale}");
        assert_eq!(
            locale.to_string(),
            format!(
                "{}: {n} of {n} messages",
                locale.language,
                n = english.len()
            )
        );
    }
}

// ---------------------------------------------------------------------------
// The guide's texts, verbatim

fn email(text: &str) -> Email {
    Email::parse(text).expect("a valid email")
}

/// *Add User*'s confirmation for `email` (the id is never rendered).
fn user_added(email: Email) -> UserAdded {
    UserAdded {
        user: UserRef {
            id: UserId::from_bytes([7; 16]),
            email,
        },
    }
}

fn account() -> AccountNumber {
    AccountNumber::parse("12345").expect("a valid account number")
}

fn custom(name: &str) -> GroupName {
    GroupName::Custom(Name::parse(name, Field::GroupName).expect("a valid group name"))
}

fn group(name: GroupName) -> Group {
    Group {
        id: GroupId {
            account: account(),
            number: 7,
        },
        name,
        created_at: DateTime::UNIX_EPOCH,
        revision: 0,
    }
}

fn localizer(language: &str) -> Localizer {
    let localizer = Localizer::new(&[language]);
    assert_eq!(localizer.languages()[0].to_string(), language);
    localizer
}

/// Renders through `try_render`, insisting on a clean result.
fn clean(localizer: &Localizer, item: &(impl Localize + ?Sized)) -> String {
    let text = localizer
        .try_render(item)
        .unwrap_or_else(|error| panic!("{localizer:?}: {error}"));
    assert_eq!(text, localizer.render(item));
    text
}

#[test]
fn the_guides_texts_are_verbatim_in_all_three_languages() {
    let bob = email("bob@example.com");
    let expected = [
        (
            "en-US",
            "Can not add a non existent user.",
            "User bob@example.com added.",
            "Account Administrators",
        ),
        (
            "fr",
            "Impossible d'ajouter un utilisateur inexistant.",
            "Utilisateur bob@example.com ajouté.",
            "Administrateurs de compte",
        ),
        (
            "de",
            "Es kann kein nicht vorhandener Benutzer hinzugefügt werden.",
            "Benutzer bob@example.com hinzugefügt.",
            "Kontoadministratoren",
        ),
    ];
    for (language, non_existent, added, administrators) in expected {
        let localizer = localizer(language);
        assert_eq!(
            clean(&localizer, &Error::NonExistentUser { email: bob.clone() }),
            non_existent
        );
        assert_eq!(clean(&localizer, &user_added(bob.clone())), added);
        // The built-in group's name, as an argument (Arg::Message) and on its own.
        let arg = Message::new("group-account-administrators");
        assert_eq!(clean(&localizer, &arg), administrators);
        assert_eq!(
            clean(&localizer, &GroupName::AccountAdministrators),
            administrators
        );
        let created = clean(
            &localizer,
            &GroupCreated {
                group: group(GroupName::AccountAdministrators),
            },
        );
        assert!(created.contains(administrators), "{created}");
    }
}

#[test]
fn the_labels_are_those_of_the_design() {
    use Label::*;
    let expected: [(Label, &str, &str, &str); 15] = [
        (UserId, "User Id", "ID utilisateur", "Benutzer-ID"),
        (
            AddToGroup,
            "Add to Group",
            "Ajouter au groupe",
            "Zu Gruppe hinzufügen",
        ),
        (Username, "Username", "Nom d'utilisateur", "Benutzername"),
        (FirstName, "First Name", "Prénom", "Vorname"),
        (LastName, "Last Name", "Nom", "Nachname"),
        (Password, "Password", "Mot de passe", "Kennwort"),
        (
            ConfirmPassword,
            "Confirm Password",
            "Confirmer le mot de passe",
            "Kennwort bestätigen",
        ),
        (
            EnforcePasswordExpiration,
            "Enforce Password Expiration",
            "Appliquer l'expiration du mot de passe",
            "Kennwortablauf erzwingen",
        ),
        (Save, "Save", "Enregistrer", "Speichern"),
        (Accounts, "Accounts", "Comptes", "Konten"),
        (Groups, "Groups", "Groupes", "Gruppen"),
        (Users, "Users", "Utilisateurs", "Benutzer"),
        (
            AddUser,
            "Add User",
            "Ajouter un utilisateur",
            "Benutzer hinzufügen",
        ),
        (GroupName, "Group Name", "Nom du groupe", "Gruppenname"),
        (
            AddGroup,
            "Add Group",
            "Ajouter un groupe",
            "Gruppe hinzufügen",
        ),
    ];
    let [en, fr, de] = LANGUAGES.map(localizer);
    for (label, english, french, german) in expected {
        assert_eq!(clean(&en, &label), english);
        assert_eq!(clean(&fr, &label), french);
        assert_eq!(clean(&de, &label), german);
    }
    // Every label renders in its own language, not by falling back.
    for &label in Label::ALL {
        let english = clean(&en, &label);
        assert!(!english.is_empty() && english != label.id());
        for other in [&fr, &de] {
            let text = clean(other, &label);
            assert!(!text.is_empty() && text != label.id(), "{label:?}");
        }
    }
}

#[test]
fn the_group_list_footer_has_the_right_plural_in_each_language() {
    let expected = [
        (
            "en-US",
            [
                "Showing 0 groups.",
                "Showing 1 group.",
                "Showing 2 groups.",
                "Showing 5 groups.",
            ],
        ),
        (
            // French CLDR: 0 and 1 take the singular.
            "fr",
            [
                "0 groupe affiché.",
                "1 groupe affiché.",
                "2 groupes affichés.",
                "5 groupes affichés.",
            ],
        ),
        (
            "de",
            [
                "Es werden 0 Gruppen angezeigt.",
                "Es wird 1 Gruppe angezeigt.",
                "Es werden 2 Gruppen angezeigt.",
                "Es werden 5 Gruppen angezeigt.",
            ],
        ),
    ];
    for (language, texts) in expected {
        let localizer = localizer(language);
        for (count, text) in [0, 1, 2, 5].into_iter().zip(texts) {
            assert_eq!(clean(&localizer, &ShowingGroups { count }), text);
        }
    }
}

#[test]
fn length_limits_agree_in_number_with_the_limit() {
    let too_long =
        |max| Error::Invalid(InvalidInput::new(Field::Password, Problem::TooLong { max }));
    let too_short = |min| {
        Error::Invalid(InvalidInput::new(
            Field::FirstName,
            Problem::TooShort { min },
        ))
    };
    let [en, fr, de] = LANGUAGES.map(localizer);
    assert_eq!(
        clean(&en, &too_long(1)),
        "Password must be at most 1 character long."
    );
    assert_eq!(
        clean(&en, &too_long(128)),
        "Password must be at most 128 characters long."
    );
    assert_eq!(
        clean(&fr, &too_short(1)),
        "Le champ «\u{a0}Prénom\u{a0}» doit contenir au moins 1 caractère."
    );
    assert_eq!(
        clean(&fr, &too_short(8)),
        "Le champ «\u{a0}Prénom\u{a0}» doit contenir au moins 8 caractères."
    );
    assert_eq!(
        clean(&de, &too_long(128)),
        "Das Feld „Kennwort“ darf höchstens 128 Zeichen enthalten."
    );
}

#[test]
fn field_labels_inside_errors_read_grammatically() {
    let empty = |field| Error::Invalid(InvalidInput::new(field, Problem::Empty));
    let [en, fr, de] = LANGUAGES.map(localizer);
    assert_eq!(
        clean(&en, &empty(Field::FirstName)),
        "First Name is required."
    );
    assert_eq!(
        clean(&fr, &empty(Field::FirstName)),
        "Le champ «\u{a0}Prénom\u{a0}» est obligatoire."
    );
    assert_eq!(
        clean(&de, &empty(Field::FirstName)),
        "Bitte füllen Sie das Feld „Vorname“ aus."
    );
    let mismatch = Error::Invalid(InvalidInput::new(Field::ConfirmPassword, Problem::Mismatch));
    assert_eq!(
        clean(&fr, &mismatch),
        "Les champs «\u{a0}Mot de passe\u{a0}» et «\u{a0}Confirmer le mot de passe\u{a0}» ne correspondent pas."
    );
    assert_eq!(
        clean(&de, &mismatch),
        "Die Felder „Kennwort“ und „Kennwort bestätigen“ stimmen nicht überein."
    );
}

// ---------------------------------------------------------------------------
// Every error and confirmation, in every language

fn assert_finished(language: &str, id: &str, text: &str) {
    assert!(!text.is_empty(), "{language}: {id} is empty");
    assert!(
        !text.contains("{$") && !text.contains("{ $"),
        "{language}: {text}"
    );
    assert!(
        !text.contains('{') && !text.contains('}'),
        "{language}: {text}"
    );
    assert!(!text.contains(id), "{language}: raw id in {text}");
    assert!(
        !text.contains("label-"),
        "{language}: raw label id in {text}"
    );
    assert!(
        !text.contains("group-account"),
        "{language}: raw id in {text}"
    );
}

#[test]
fn everything_the_crate_says_renders_cleanly_in_every_language() {
    let messages = every_message();
    for language in LANGUAGES {
        for isolate in [false, true] {
            let localizer = localizer(language).with_isolation(isolate);
            let mut seen = BTreeSet::new();
            for item in &messages {
                let id = item.message().id();
                let text = clean(&localizer, item.as_ref());
                assert_finished(language, id, &text);
                seen.insert(text);
            }
            // Different messages do not collapse into one text.
            assert!(seen.len() > 200, "{language}: only {} texts", seen.len());
        }
    }
}

#[test]
fn translations_are_not_english() {
    let [en, fr, de] = LANGUAGES.map(localizer);
    let mut same = Vec::new();
    for error in every_error() {
        let english = clean(&en, &error);
        for other in [&fr, &de] {
            if clean(other, &error) == english {
                same.push(english.clone());
            }
        }
    }
    assert!(same.is_empty(), "untranslated: {same:?}");
}

#[test]
fn display_is_the_english_text() {
    let english = Localizer::english();
    for error in every_error() {
        assert_eq!(error.to_string(), clean(&english, &error));
    }
    assert_eq!(
        user_added(email("bob@example.com")).to_string(),
        "User bob@example.com added."
    );
}

#[test]
fn french_typography_is_consistent() {
    let resource = parse("fr", SOURCES[1].1);
    for (id, text) in texts(&resource) {
        for (i, c) in text.char_indices() {
            let before = text[..i].chars().next_back();
            let after = text[i + c.len_utf8()..].chars().next();
            match c {
                ':' | ';' | '!' | '?' | '»' => assert_eq!(
                    before,
                    Some(NBSP),
                    "fr {id}: no non-breaking space before {c:?} in {text:?}"
                ),
                '«' => assert_eq!(
                    after,
                    Some(NBSP),
                    "fr {id}: no non-breaking space after « in {text:?}"
                ),
                '"' | '’' => panic!("fr {id}: use « » and ' consistently: {text:?}"),
                _ => {}
            }
        }
    }
}

#[test]
fn german_addresses_the_reader_formally_and_quotes_german_style() {
    let resource = parse("de", SOURCES[2].1);
    for (id, text) in texts(&resource) {
        for word in text.split(|c: char| !c.is_alphabetic()) {
            let word = word.to_lowercase();
            assert!(
                ![
                    "du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner"
                ]
                .contains(&word.as_str()),
                "de {id}: informal {word:?} in {text:?}"
            );
        }
        assert!(!text.contains('"'), "de {id}: use „…“ quotes: {text:?}");
        assert_eq!(
            text.matches('„').count(),
            text.matches('“').count(),
            "de {id}: unbalanced quotes in {text:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// The user lifecycle and R16, in each language

#[test]
fn the_user_lifecycle_speaks_every_language() {
    let bob = UserRef {
        id: UserId::from_bytes([7; 16]),
        email: email("bob@example.com"),
    };
    let name = |text: &str| Name::parse(text, Field::Name).expect("a valid name");
    let items: Vec<Box<dyn Localize>> = vec![
        Box::new(UserDisabled {
            user: bob.clone(),
            already_disabled: false,
        }),
        Box::new(UserEnabled {
            user: bob.clone(),
            already_active: false,
        }),
        Box::new(UserDeleted { user: bob.clone() }),
        Box::new(UserRenamed {
            user: bob.clone(),
            previous_first_name: name("Bob"),
            previous_last_name: name("Builder"),
            first_name: name("Robert"),
            last_name: name("Lee"),
        }),
        Box::new(EmailChanged {
            user: UserRef {
                id: bob.id,
                email: email("robert@example.com"),
            },
            previous: email("bob@example.com"),
        }),
        Box::new(Error::LastActiveAdministrator {
            email: email("bob@example.com"),
            account: account(),
        }),
    ];
    let expected: [(&str, [&str; 6]); 3] = [
        (
            "en-US",
            [
                "bob@example.com is disabled and can no longer sign in.",
                "bob@example.com is enabled and can sign in again.",
                "User bob@example.com deleted.",
                "bob@example.com is now named Robert Lee.",
                "The email address bob@example.com is now robert@example.com.",
                "bob@example.com is the last active Account Administrator of account 12345 \
                 and can be neither disabled nor deleted.",
            ],
        ),
        (
            "fr",
            [
                "L'utilisateur bob@example.com est désactivé et ne peut plus se connecter.",
                "L'utilisateur bob@example.com est réactivé et peut de nouveau se connecter.",
                "Utilisateur bob@example.com supprimé.",
                "L'utilisateur bob@example.com s'appelle désormais Robert Lee.",
                "L'adresse e-mail bob@example.com est remplacée par robert@example.com.",
                "L'utilisateur bob@example.com est le dernier administrateur actif du compte \
                 12345\u{a0}: il ne peut être ni désactivé ni supprimé.",
            ],
        ),
        (
            "de",
            [
                "Benutzer bob@example.com ist deaktiviert und kann sich nicht mehr anmelden.",
                "Benutzer bob@example.com ist wieder aktiviert und kann sich anmelden.",
                "Benutzer bob@example.com gelöscht.",
                "Benutzer bob@example.com heißt jetzt Robert Lee.",
                "Die E-Mail-Adresse bob@example.com wurde durch robert@example.com ersetzt.",
                "Benutzer bob@example.com ist der letzte aktive Kontoadministrator des Kontos \
                 12345 und kann weder deaktiviert noch gelöscht werden.",
            ],
        ),
    ];
    for (language, texts) in expected {
        let localizer = localizer(language);
        for (item, text) in items.iter().zip(texts) {
            assert_eq!(clean(&localizer, item.as_ref()), text, "{language}");
        }
    }
}

// ---------------------------------------------------------------------------
// Names people gave their groups are never translated

#[test]
fn custom_group_names_are_never_translated() {
    let name = custom("Kontoadministratoren");
    let english = localizer("en-US");
    assert_eq!(clean(&english, &name), "Kontoadministratoren");
    assert_eq!(
        clean(
            &english,
            &GroupCreated {
                group: group(name.clone())
            }
        ),
        "Group Kontoadministratoren added."
    );
    let french = localizer("fr");
    assert_eq!(
        clean(&french, &custom("Account Administrators")),
        "Account Administrators"
    );
    assert_eq!(
        clean(
            &french,
            &Error::GroupExists {
                group: custom("Account Administrators")
            }
        ),
        "Ce compte possède déjà un groupe nommé «\u{a0}Account Administrators\u{a0}»."
    );
    // …while the built-in one is.
    assert_eq!(
        clean(
            &french,
            &Error::GroupExists {
                group: GroupName::AccountAdministrators
            }
        ),
        "Ce compte possède déjà un groupe nommé «\u{a0}Administrateurs de compte\u{a0}»."
    );
}

// ---------------------------------------------------------------------------
// Negotiation

fn chain(localizer: &Localizer) -> Vec<String> {
    localizer
        .languages()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn regional_tags_fall_back_to_their_language_then_english() {
    assert_eq!(chain(&Localizer::new(&["fr-CA"])), ["fr", "en-US"]);
    assert_eq!(chain(&Localizer::new(&["fr-FR"])), ["fr", "en-US"]);
    assert_eq!(chain(&Localizer::new(&["de-AT"])), ["de", "en-US"]);
    assert_eq!(chain(&Localizer::new(&["de-CH"])), ["de", "en-US"]);
    assert_eq!(chain(&Localizer::new(&["en-GB"])), ["en-US"]);
    assert_eq!(
        chain(&Localizer::new(&["de-CH", "fr"])),
        ["de", "fr", "en-US"]
    );
    assert_eq!(
        clean(&Localizer::new(&["fr-CA"]), &Label::Save),
        "Enregistrer"
    );
    assert_eq!(
        clean(&Localizer::new(&["de-AT"]), &Label::Save),
        "Speichern"
    );
}

#[test]
fn unknown_or_malformed_tags_give_english_without_error() {
    for requested in [
        vec!["xx-invalid"],
        vec![""],
        vec!["!!!"],
        vec!["und"],
        vec!["*"],
        vec!["en_US-@@"],
        vec![],
    ] {
        let localizer = Localizer::new(&requested);
        assert_eq!(chain(&localizer), ["en-US"], "{requested:?}");
        assert_eq!(clean(&localizer, &Label::Save), "Save");
    }
    assert_eq!(chain(&Localizer::new(&["!!!", "de"])), ["de", "en-US"]);
    assert_eq!(chain(&Localizer::english()), ["en-US"]);
}

#[test]
fn accept_language_headers_are_negotiated_by_quality() {
    let cases = [
        ("de-CH,de;q=0.9,en;q=0.5", vec!["de", "en-US"]),
        ("fr;q=0.1, de;q=0.9", vec!["de", "fr", "en-US"]),
        ("fr-CA,fr;q=0.8,en-US;q=0.6", vec!["fr", "en-US"]),
        ("en-US,en;q=0.9,fr;q=0.8", vec!["en-US", "fr"]),
        ("de;q=0, fr", vec!["fr", "en-US"]),
        ("*", vec!["en-US"]),
        ("", vec!["en-US"]),
        ("!!!, ;;;, q=1", vec!["en-US"]),
        ("de;q=abc, fr;q=2", vec!["en-US"]),
    ];
    for (header, expected) in cases {
        assert_eq!(
            chain(&Localizer::from_accept_language(header)),
            expected,
            "{header:?}"
        );
    }
    let german = Localizer::from_accept_language("fr;q=0.1, de;q=0.9");
    assert_eq!(
        clean(&german, &user_added(email("bob@example.com"))),
        "Benutzer bob@example.com hinzugefügt."
    );
}

// ---------------------------------------------------------------------------
// Isolation marks

#[test]
fn isolation_marks_are_off_by_default_and_on_when_asked() {
    let added = user_added(email("bob@example.com"));
    let invalid = Error::Invalid(InvalidInput::new(Field::UserId, Problem::Empty));
    for language in LANGUAGES {
        let plain = localizer(language);
        let text = clean(&plain, &added);
        assert!(!text.contains(FSI) && !text.contains(PDI), "{text:?}");
        assert!(!clean(&plain, &invalid).contains(FSI));

        let marked = localizer(language).with_isolation(true);
        let text = clean(&marked, &added);
        assert!(
            text.contains(&format!("{FSI}bob@example.com{PDI}")),
            "{language}: {text:?}"
        );
        // A label used as an argument is isolated once, as a whole.
        let text = clean(&marked, &invalid);
        assert_eq!(text.matches(FSI).count(), 1, "{text:?}");
        assert_eq!(text.matches(PDI).count(), 1, "{text:?}");
        // A message that is only a label carries no marks.
        assert!(!clean(&marked, &Label::UserId).contains(FSI));

        let unmarked_again = localizer(language)
            .with_isolation(true)
            .with_isolation(false);
        assert!(!clean(&unmarked_again, &added).contains(FSI));
    }
    let mut builder = Localizer::builder();
    builder.isolation(true);
    assert!(clean(&builder.build(&["de"]), &added).contains(FSI));
}

// ---------------------------------------------------------------------------
// Extension at run time

fn spanish(localizer: &Localizer) -> String {
    clean(localizer, &user_added(email("bob@example.com")))
}

#[test]
fn a_service_can_add_a_locale_that_falls_back_to_english() {
    let mut builder = Localizer::builder();
    builder
        .add_resource(
            "es",
            "user-added = Usuario { $email } añadido.\n\
             error-field-empty = El campo «{ $field }» es obligatorio.\n",
        )
        .expect("valid Fluent");
    let localizer = builder.build(&["es-MX"]);
    assert_eq!(chain(&localizer), ["es", "en-US"]);
    assert_eq!(spanish(&localizer), "Usuario bob@example.com añadido.");
    // What Spanish lacks comes from English…
    assert_eq!(
        clean(
            &localizer,
            &Error::NonExistentUser {
                email: email("bob@example.com")
            }
        ),
        "Can not add a non existent user."
    );
    assert_eq!(
        clean(&localizer, &ShowingGroups { count: 2 }),
        "Showing 2 groups."
    );
    // …including a label used inside a Spanish message.
    assert_eq!(
        clean(
            &localizer,
            &Error::Invalid(InvalidInput::new(Field::FirstName, Problem::Empty))
        ),
        "El campo «First Name» es obligatorio."
    );
    // Accept-Language reaches the new locale too.
    let localizer = builder.build_for_accept_language("es;q=0.9, de;q=0.8");
    assert_eq!(chain(&localizer), ["es", "de", "en-US"]);
    assert_eq!(clean(&localizer, &Label::Save), "Speichern");
    // The embedded localizers do not change.
    assert_eq!(chain(&Localizer::new(&["es"])), ["en-US"]);

    let coverage = builder.coverage();
    let es = coverage
        .iter()
        .find(|c| c.language == "es")
        .expect("es is covered");
    assert_eq!(es.messages, 2);
    assert_eq!(es.missing.len(), es.reference - 2);
    assert!(es.missing.contains(&"error-non-existent-user".to_owned()));
    assert!(!es.missing.contains(&"user-added".to_owned()));
    assert!(!es.is_complete());
    assert!(es.to_string().starts_with("es: 2 of "), "{es}");
}

#[test]
fn a_service_can_override_messages() {
    let mut builder = Localizer::builder();
    builder
        .add_resource("fr", "user-added = Le compte de { $email } est prêt.")
        .expect("valid Fluent")
        .add_resource("en-US", "label-save = Save changes")
        .expect("valid Fluent");
    let french = builder.build(&["fr"]);
    assert_eq!(spanish(&french), "Le compte de bob@example.com est prêt.");
    assert_eq!(clean(&french, &Label::Save), "Enregistrer");
    assert_eq!(clean(&builder.build(&["en"]), &Label::Save), "Save changes");
    // A later resource overrides an earlier one.
    builder
        .add_resource("fr", "user-added = Compte { $email } créé.")
        .expect("valid Fluent");
    assert_eq!(
        spanish(&builder.build(&["fr"])),
        "Compte bob@example.com créé."
    );
    // Display and the embedded localizers keep the crate's own texts.
    assert_eq!(Label::Save.message().id(), "label-save");
    assert_eq!(clean(&Localizer::english(), &Label::Save), "Save");
    assert_eq!(
        user_added(email("bob@example.com")).to_string(),
        "User bob@example.com added."
    );
    assert!(builder.coverage().iter().all(|c| c.is_complete()));
}

#[test]
fn an_override_with_the_wrong_variables_falls_back_and_is_reported() {
    let mut builder = Localizer::builder();
    builder
        .add_resource("fr", "user-added = Utilisateur { $mail } ajouté.")
        .expect("valid Fluent");
    let french = builder.build(&["fr"]);
    let added = user_added(email("bob@example.com"));
    assert!(matches!(
        french.try_render(&added),
        Err(RenderError::Format { ref id, ref locale, .. }) if id == "user-added" && locale == "fr"
    ));
    assert_eq!(french.render(&added), "User bob@example.com added.");
    let coverage = builder.coverage();
    let fr = coverage
        .iter()
        .find(|c| c.language == "fr")
        .expect("fr is covered");
    assert_eq!(fr.mismatched, ["user-added"]);
    assert!(!fr.is_complete());
}

fn snapshot(builder: &cres_admin::LocalizerBuilder) -> (Vec<String>, String, String) {
    (
        builder
            .languages()
            .iter()
            .map(ToString::to_string)
            .collect(),
        spanish(&builder.build(&["es"])),
        format!("{:?}", builder.coverage()),
    )
}

#[test]
fn malformed_fluent_text_is_refused_and_changes_nothing() {
    let mut builder = Localizer::builder();
    builder
        .add_resource("es", "user-added = Usuario { $email } añadido.")
        .expect("valid Fluent");
    let before = snapshot(&builder);

    // The first message is fine, the second is not: nothing is taken.
    let error = builder
        .add_resource(
            "es",
            "label-save = Guardar\nuser-added = Usuario { $email añadido.\n",
        )
        .expect_err("malformed Fluent");
    match &error {
        LocaleError::Syntax { language, errors } => {
            assert_eq!(language, "es");
            assert!(!errors.is_empty());
            assert!(errors[0].starts_with("line 2, column "), "{errors:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("does not parse"), "{error}");
    assert_eq!(snapshot(&builder), before);
    assert_eq!(clean(&builder.build(&["es"]), &Label::Save), "Save");

    // Junk on a new locale does not create the locale.
    assert!(builder.add_resource("it", "ciao").is_err());
    assert_eq!(snapshot(&builder), before);
}

#[test]
fn a_duplicate_id_is_refused_and_changes_nothing() {
    let mut builder = Localizer::builder();
    let before = snapshot(&builder);
    let error = builder
        .add_resource(
            "es",
            "label-save = Guardar\nuser-added = Usuario { $email } añadido.\nlabel-save = Grabar\n",
        )
        .expect_err("duplicate id");
    assert_eq!(
        error,
        LocaleError::DuplicateId {
            language: "es".into(),
            id: "label-save".into()
        }
    );
    assert!(
        error.to_string().contains("`label-save` more than once"),
        "{error}"
    );
    assert_eq!(snapshot(&builder), before);
    assert_eq!(chain(&builder.build(&["es"])), ["en-US"]);
}

#[test]
fn an_unusable_language_tag_is_refused() {
    let mut builder = Localizer::builder();
    let before = snapshot(&builder);
    for tag in ["", "!!!", "und", "  "] {
        let error = builder
            .add_resource(tag, "label-save = Guardar")
            .expect_err("unusable tag");
        assert_eq!(error, LocaleError::InvalidLanguage { tag: tag.into() });
    }
    assert_eq!(snapshot(&builder), before);
}

// ---------------------------------------------------------------------------
// Threads

const fn assert_send_sync<T: Send + Sync>() {}
const _: () = assert_send_sync::<Localizer>();
const _: () = assert_send_sync::<cres_admin::LocalizerBuilder>();
const _: () = assert_send_sync::<LocaleError>();

#[test]
fn one_localizer_serves_many_threads() {
    let localizer = Arc::new(Localizer::new(&["de"]));
    let handles: Vec<_> = (0..4)
        .map(|thread| {
            let localizer = Arc::clone(&localizer);
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| {
                        let count = thread * 50 + i;
                        let footer = localizer.render(&ShowingGroups { count });
                        let added = localizer
                            .render(&user_added(email(&format!("user{count}@example.com"))));
                        (count, footer, added)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for handle in handles {
        for (count, footer, added) in handle.join().expect("no panic") {
            let expected = if count == 1 {
                "Es wird 1 Gruppe angezeigt.".to_owned()
            } else {
                format!("Es werden {count} Gruppen angezeigt.")
            };
            assert_eq!(footer, expected);
            assert_eq!(
                added,
                format!("Benutzer user{count}@example.com hinzugefügt.")
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Hostile Fluent text at run time: size, nesting depth, many errors

#[test]
fn add_resource_reports_the_errors_of_many_junk_lines_at_their_lines() {
    // An error on every line: positions used to be found by rescanning the
    // text from the start for each error, quadratic in the number of lines.
    let lines = 40_000;
    let junk = "junk line é\n".repeat(lines);
    let mut builder = Localizer::builder();
    let before = snapshot(&builder);
    let error = builder.add_resource("es", &junk).expect_err("junk");
    let LocaleError::Syntax { language, errors } = &error else {
        panic!("unexpected {error:?}");
    };
    assert_eq!(language, "es");
    assert_eq!(errors.len(), lines, "one error per junk line");
    // "junk" is read as a message id, then `=` is expected at "line".
    assert!(errors[0].starts_with("line 1, column 6: "), "{}", errors[0]);
    let last = errors.last().expect("errors");
    assert!(
        last.starts_with(&format!("line {lines}, column 6: ")),
        "{last}"
    );
    assert!(errors[lines / 2].starts_with(&format!("line {}, column 6: ", lines / 2 + 1)));
    assert_eq!(snapshot(&builder), before);
}

#[test]
fn add_resource_refuses_deep_nesting_without_overflowing_the_stack() {
    // 3,000 placeables inside one another, about 12 KB: the Fluent parser
    // recursed once per level and aborted the process with a stack overflow.
    let max = cres_admin::LocalizerBuilder::MAX_NESTING_DEPTH;
    let hostile = [
        format!("m = {}{}", "{".repeat(3000), "}".repeat(3000)),
        format!("m = {{ {}$x{} }}", "NUMBER(".repeat(3000), ")".repeat(3000)),
        format!("m = {}", "{ $x ->\n *[a] ".repeat(3000)),
        // Hidden after a quote, which is text outside placeables.
        format!("# {{\nm = \"{}\"", "{".repeat(3000)),
    ];
    let builder = Localizer::builder();
    let before = snapshot(&builder);
    // A 256 KiB stack: refusing must not recurse with the depth.
    let refused = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut builder = builder;
            let errors: Vec<LocaleError> = hostile
                .iter()
                .map(|ftl| builder.add_resource("es", ftl).expect_err("too deep"))
                .collect();
            (builder, errors)
        })
        .expect("thread")
        .join();
    let (builder, errors) = refused.expect("no stack overflow, no panic");
    let expected = [
        (1, 4 + max + 1),
        (1, 6 + max * 7),
        (max + 1, 7),
        (2, 5 + max + 1),
    ];
    for (error, (line, column)) in errors.iter().zip(expected) {
        assert_eq!(
            *error,
            LocaleError::TooDeep {
                language: "es".into(),
                line,
                column,
                max,
            }
        );
        assert!(
            error.to_string().contains(&format!(
                "more than {max} deep, at line {line}, column {column}"
            )),
            "{error}"
        );
    }
    assert_eq!(snapshot(&builder), before);
}

#[test]
fn add_resource_takes_nesting_just_within_the_limit() {
    let max = cres_admin::LocalizerBuilder::MAX_NESTING_DEPTH;
    let mut builder = Localizer::builder();
    // `max` placeables inside one another around a literal.
    let ftl = format!(
        "label-save = {}\"Guardar\"{}\n",
        "{ ".repeat(max),
        " }".repeat(max)
    );
    builder.add_resource("es", &ftl).expect("within the limit");
    assert_eq!(clean(&builder.build(&["es"]), &Label::Save), "Guardar");
    // One level more is refused.
    let deeper = format!(
        "label-save = {}\"Guardar\"{}\n",
        "{ ".repeat(max + 1),
        " }".repeat(max + 1)
    );
    assert!(matches!(
        builder.add_resource("es", &deeper),
        Err(LocaleError::TooDeep { line: 1, .. })
    ));
}

#[test]
fn add_resource_counts_braces_in_literals_and_comments_as_nothing() {
    let max = cres_admin::LocalizerBuilder::MAX_NESTING_DEPTH;
    // More literal and commented braces than the limit, some after escaped
    // quotes and backslashes: none of them nests. (Fluent formats at most
    // 100 placeables in a message.)
    let literals = r#"{ "{" }{ "\"{" }{ "\\" }{ "(" }"#.repeat(20);
    let comments = "# {{{{ \" (\n".repeat(2 * max);
    let ftl = format!("{comments}label-save = {literals}\n{comments}");
    let mut builder = Localizer::builder();
    builder
        .add_resource("es", &ftl)
        .expect("literals do not nest");
    let expected = "{\"{\\(".repeat(20);
    assert_eq!(clean(&builder.build(&["es"]), &Label::Save), expected);
}

#[test]
fn add_resource_refuses_a_resource_over_the_size_limit_before_parsing() {
    let max = cres_admin::LocalizerBuilder::MAX_RESOURCE_BYTES;
    let mut builder = Localizer::builder();
    let before = snapshot(&builder);
    // Not even Fluent: a parser would report errors, not the size.
    let ftl = "x".repeat(max + 1);
    let error = builder.add_resource("es", &ftl).expect_err("too large");
    assert_eq!(
        error,
        LocaleError::TooLarge {
            language: "es".into(),
            bytes: max + 1,
            max,
        }
    );
    assert!(
        error
            .to_string()
            .contains(&format!("{} bytes long", max + 1)),
        "{error}"
    );
    assert_eq!(snapshot(&builder), before);
    // Exactly the limit is parsed (and here refused for its syntax).
    let ftl = "x".repeat(max);
    assert!(matches!(
        builder.add_resource("es", &ftl),
        Err(LocaleError::Syntax { .. })
    ));
}

#[test]
fn add_resource_takes_the_shipped_locales_back() {
    let mut builder = Localizer::builder();
    for (language, source) in SOURCES {
        builder
            .add_resource(language, source)
            .unwrap_or_else(|error| panic!("{language}: {error}"));
        assert!(source.len() < cres_admin::LocalizerBuilder::MAX_RESOURCE_BYTES);
    }
    assert_eq!(
        clean(&builder.build(&["de"]), &Label::Password),
        clean(&Localizer::new(&["de"]), &Label::Password)
    );
}

/// `add_resource` on hostile text: refused or taken, never a panic nor a
/// stack overflow.
mod add_resource_never_panics {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    fn hostile() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => select(&[
                "{", "}", "{ ", " }", "(", ")", "\"", "\\", "$x", "NUMBER(", "-t(", " ->\n",
                "[a] ", "*[b] ", "\n", "\n  ", "\r\n", "#", "# ", "m = ", "-t = ", ".a = ", "=",
                ",", ": ", "é",
            ][..])
            .prop_map(str::to_owned),
            1 => (select(&["{", "NUMBER(", "{ $x ->\n *[a] ", "\"{"][..]), 2..200usize)
                .prop_map(|(piece, n)| piece.repeat(n)),
            1 => any::<String>(),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn add_resource_never_panics_on_hostile_text(ftl in hostile()) {
            let mut builder = Localizer::builder();
            if builder.add_resource("es", &ftl).is_ok() {
                // What was taken also formats without trouble.
                let _ = builder.build(&["es"]).render(&Label::Save);
            }
        }
    }
}
