//! Rendering a message with [`Localizer::render`], side by side with bare
//! fluent: a `FluentBundle` built from the same `.ftl` text of the same
//! locale, and one `format_pattern` call with the same arguments.
//!
//! The bare bundle is `fluent::concurrent::FluentBundle`, the kind a
//! `Localizer` holds: the one that can be shared between threads. Both sides
//! leave Unicode isolation off and return an owned `String`; the
//! `Localizer` also builds the message value (its id and arguments) from the
//! confirmation or error, which the bare side is handed ready.
//!
//! - `user_added` (en-US): one text argument;
//! - `last_administrator` (fr): two text arguments;
//! - `built_in_group` (de): an argument that is itself a message (the
//!   built-in group's name), formatted first.
//!
//! Run: `cargo bench --bench localize`.

use std::hint::black_box;
use std::time::Duration;

use cres_admin::{AccountNumber, Email, Error, Localizer, UserAdded, UserId, UserRef};
use criterion::{Criterion, criterion_group, criterion_main};
use fluent::concurrent::FluentBundle;
use fluent::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

const EN_US: &str = include_str!("../locales/en-US/cres-admin.ftl");
const FR: &str = include_str!("../locales/fr/cres-admin.ftl");
const DE: &str = include_str!("../locales/de/cres-admin.ftl");

fn bundle(locale: &str, ftl: &str) -> FluentBundle<FluentResource> {
    let locale: LanguageIdentifier = locale.parse().unwrap();
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(FluentResource::try_new(ftl.to_owned()).unwrap())
        .unwrap();
    bundle
}

/// Formats the value of message `id`, panicking on any Fluent error.
fn format(bundle: &FluentBundle<FluentResource>, id: &str, args: Option<&FluentArgs>) -> String {
    let pattern = bundle.get_message(id).unwrap().value().unwrap();
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned();
    assert!(errors.is_empty(), "{errors:?}");
    text
}

fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
}

fn localize(c: &mut Criterion) {
    let email = Email::parse("bob@example.com").unwrap();

    let english = Localizer::english();
    let en_us = bundle("en-US", EN_US);
    // The id is never rendered: any will do.
    let added = UserAdded {
        user: UserRef {
            id: UserId::from_bytes([7; 16]),
            email: email.clone(),
        },
    };
    let bare = |bundle: &FluentBundle<FluentResource>| {
        let mut args = FluentArgs::with_capacity(1);
        args.set("email", email.as_str());
        format(bundle, "user-added", Some(&args))
    };
    assert_eq!(english.render(&added), bare(&en_us));
    let mut group = c.benchmark_group("render/user_added");
    configure(&mut group);
    group.bench_function("Localizer", |b| {
        b.iter(|| english.render(black_box(&added)))
    });
    group.bench_function("bare fluent", |b| b.iter(|| bare(black_box(&en_us))));
    group.finish();

    let french = Localizer::new(&["fr"]);
    let fr = bundle("fr", FR);
    let account = AccountNumber::new(12345);
    let last = Error::LastAdministrator {
        email: email.clone(),
        account,
    };
    let account_text = account.to_string();
    let bare = |bundle: &FluentBundle<FluentResource>| {
        let mut args = FluentArgs::with_capacity(2);
        args.set("email", email.as_str());
        args.set("account", account_text.as_str());
        format(bundle, "error-last-administrator", Some(&args))
    };
    assert_eq!(french.render(&last), bare(&fr));
    let mut group = c.benchmark_group("render/last_administrator");
    configure(&mut group);
    group.bench_function("Localizer", |b| b.iter(|| french.render(black_box(&last))));
    group.bench_function("bare fluent", |b| b.iter(|| bare(black_box(&fr))));
    group.finish();

    let german = Localizer::new(&["de"]);
    let de = bundle("de", DE);
    let bare = |bundle: &FluentBundle<FluentResource>| {
        let name = format(bundle, "group-account-administrators", None);
        let mut args = FluentArgs::with_capacity(1);
        args.set("group", name);
        format(bundle, "error-built-in-group", Some(&args))
    };
    assert_eq!(german.render(&Error::BuiltInGroup), bare(&de));
    let mut group = c.benchmark_group("render/built_in_group");
    configure(&mut group);
    group.bench_function("Localizer", |b| {
        b.iter(|| german.render(black_box(&Error::BuiltInGroup)))
    });
    group.bench_function("bare fluent", |b| b.iter(|| bare(black_box(&de))));
    group.finish();
}

criterion_group!(benches, localize);
criterion_main!(benches);
