//! The console's end-to-end tests in a real headless Chromium.
//!
//! Run them with `bash scripts/browser-tests`, which installs Chromium,
//! chromedriver and axe-core, builds the console and starts chromedriver.
//! Without what it provides, every test is reported as ignored (with a note
//! saying why); with `CRES_BROWSER_REQUIRED=1` (the script sets it) a missing
//! piece fails them instead.
//!
//! This binary is its own harness (libtest-mimic), so that "ignored" can be
//! decided at run time. The trials run one at a time unless `--test-threads`
//! says otherwise: they share one chromedriver and two cores.

use std::future::Future;
use std::process::ExitCode;

use anyhow::Result;
use cres_console_browser::{Browser, ENV_REQUIRED, Lang, Setup};
use libtest_mimic::{Arguments, Failed, Trial};

mod flows;

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        args.test_threads = Some(1);
    }
    let setup = Setup::from_env();
    let required = Setup::required();
    if let Err(why) = &setup {
        if required {
            eprintln!("browser tests: {ENV_REQUIRED}=1 and the setup is incomplete: {why}");
        } else if !args.list {
            eprintln!(
                "browser tests SKIPPED (reported as ignored): {why}.\n\
                 Run them with `bash scripts/browser-tests`, which installs Chromium, \
                 chromedriver and axe-core, builds cres-console and sets these variables."
            );
        }
    }
    let ignored = setup.is_err() && !required;

    let mut trials = vec![trial(
        &setup,
        ignored,
        "axe_reports_a_known_violation",
        axe_reports_a_known_violation,
    )];
    for lang in Lang::ALL {
        trials.push(trial(
            &setup,
            ignored,
            &format!("flows_{}", lang.code()),
            move |s| flows::all(s, lang),
        ));
    }
    libtest_mimic::run(&args, trials).exit_code()
}

/// A trial that runs `body` on its own single-threaded runtime.
fn trial<F, Fut>(setup: &Result<Setup, String>, ignored: bool, name: &str, body: F) -> Trial
where
    F: FnOnce(Setup) -> Fut + Send + 'static,
    Fut: Future<Output = Result<()>>,
{
    let setup = setup.clone();
    Trial::test(name, move || {
        let setup =
            setup.map_err(|why| Failed::from(format!("browser setup incomplete: {why}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failed::from(format!("tokio runtime: {e}")))?;
        runtime.block_on(body(setup)).map_err(|e| {
            // The chain of causes, without anyhow's backtrace.
            let causes: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            Failed::from(causes.join("\n  caused by: "))
        })
    })
    .with_ignored_flag(ignored)
}

/// The accessibility check is not vacuous: axe-core, injected from disk,
/// reports an image without alternative text as critical, and a screenshot
/// is a PNG.
async fn axe_reports_a_known_violation(setup: Setup) -> Result<()> {
    let mut browser = Browser::open(&setup, "about:blank", Lang::En).await?;
    let result = async {
        browser
            .goto(
                "data:text/html;charset=utf-8,<!doctype html><html lang=en><head>\
                 <title>axe check</title></head><body><main><h1>axe check</h1>\
                 <img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='></main></body></html>",
            )
            .await?;
        anyhow::ensure!(browser.pages_checked == 1, "axe did not run");
        let found = browser
            .violations
            .iter()
            .any(|v| v.report.starts_with("image-alt (critical)"));
        anyhow::ensure!(
            found,
            "axe did not report the image without alt text: {:?}",
            browser.violations
        );
        let png = browser.client().screenshot().await?;
        anyhow::ensure!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        Ok(())
    }
    .await;
    browser.close().await?;
    result
}
