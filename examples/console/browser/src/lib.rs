//! Helpers for the console's end-to-end tests in a real headless Chromium.
//!
//! [`Setup::from_env`] reads what `scripts/browser-tests` provides (the
//! chromedriver URL, the console's binary, axe-core, the screenshot folder);
//! [`Console`] runs the console as a child process; [`Browser`] drives one
//! Chromium session through WebDriver, checks every page it lands on with
//! axe-core, and takes screenshots.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// The chromedriver to talk to, `http://127.0.0.1:PORT`.
pub const ENV_WEBDRIVER: &str = "CRES_WEBDRIVER_URL";
/// The console's binary (`cres-console`), built beforehand.
pub const ENV_CONSOLE: &str = "CRES_CONSOLE_BIN";
/// axe-core's `axe.min.js`.
pub const ENV_AXE: &str = "CRES_AXE_JS";
/// Where screenshots go (default: the workspace's `target/screenshots/`).
pub const ENV_SCREENSHOTS: &str = "CRES_SCREENSHOT_DIR";
/// The Chromium binary (default `/usr/bin/chromium`).
pub const ENV_CHROMIUM: &str = "CRES_CHROMIUM";
/// `1`: a missing browser, driver or console is a failure, not a skip.
pub const ENV_REQUIRED: &str = "CRES_BROWSER_REQUIRED";

/// How long to wait for a page, an element or the console to start.
const PATIENCE: Duration = Duration::from_secs(20);

/// What the tests need from outside, as `scripts/browser-tests` exports it.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The chromedriver's URL.
    pub webdriver: String,
    /// The console's binary.
    pub console: PathBuf,
    /// axe-core's source, read from disk.
    pub axe_source: String,
    /// Where screenshots are written.
    pub screenshots: PathBuf,
    /// The Chromium binary.
    pub chromium: PathBuf,
}

impl Setup {
    /// Reads the setup from the environment; `Err` names what is missing.
    pub fn from_env() -> std::result::Result<Setup, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut missing = Vec::new();
        let webdriver = var(ENV_WEBDRIVER);
        let console = var(ENV_CONSOLE).map(PathBuf::from);
        let axe = var(ENV_AXE).map(PathBuf::from);
        if webdriver.is_none() {
            missing.push(format!(
                "{ENV_WEBDRIVER} (a running chromedriver) is not set"
            ));
        }
        match &console {
            None => missing.push(format!(
                "{ENV_CONSOLE} (the cres-console binary) is not set"
            )),
            Some(p) if !p.is_file() => {
                missing.push(format!("{ENV_CONSOLE}={} is not a file", p.display()))
            }
            Some(_) => {}
        }
        let axe_source = match &axe {
            None => {
                missing.push(format!("{ENV_AXE} (axe-core's axe.min.js) is not set"));
                None
            }
            Some(p) => match std::fs::read_to_string(p) {
                Ok(s) => Some(s),
                Err(e) => {
                    missing.push(format!("{ENV_AXE}={}: {e}", p.display()));
                    None
                }
            },
        };
        let chromium = var(ENV_CHROMIUM)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        if !chromium.is_file() {
            missing.push(format!("no Chromium at {}", chromium.display()));
        }
        if !missing.is_empty() {
            return Err(missing.join("; "));
        }
        let screenshots = var(ENV_SCREENSHOTS)
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target").join("screenshots"));
        Ok(Setup {
            webdriver: webdriver.unwrap_or_default(),
            console: console.unwrap_or_default(),
            axe_source: axe_source.unwrap_or_default(),
            screenshots,
            chromium,
        })
    }

    /// Whether a missing setup fails the tests (`CRES_BROWSER_REQUIRED=1`).
    pub fn required() -> bool {
        std::env::var(ENV_REQUIRED).is_ok_and(|v| v == "1")
    }
}

/// The workspace's root folder (three levels above this package).
pub fn workspace_root() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    package.ancestors().nth(3).unwrap_or(package).to_path_buf()
}

/// The console, run as a child process; killed when dropped.
#[derive(Debug)]
pub struct Console {
    child: Child,
    /// `http://ADDR`, without a trailing slash.
    pub url: String,
    /// Customer Support's password, as the console printed it.
    pub support_password: String,
    /// alice@example.com's password, as the console printed it.
    pub alice_password: String,
    /// The console's stderr (and its stdout after the start lines).
    pub log: PathBuf,
}

impl Console {
    /// Starts `binary --listen 127.0.0.1:0 --demo` and reads the URL and
    /// passwords from its stdout; its stderr goes to `log`.
    pub fn start(binary: &Path, log: &Path) -> Result<Console> {
        let stderr = std::fs::File::create(log)
            .with_context(|| format!("creating the console's log {}", log.display()))?;
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--demo"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel::<String>();
        let log_path = log.to_path_buf();
        // Reads every line: the start lines go to the test, and all of them
        // to the log, so that the console never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = std::fs::OpenOptions::new()
                .append(true)
                .open(&log_path)
                .ok();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(f) = sink.as_mut() {
                    use std::io::Write as _;
                    let _ = writeln!(f, "[stdout] {line}");
                }
                let _ = tx.send(line);
            }
        });
        let mut console = Console {
            child,
            url: String::new(),
            support_password: String::new(),
            alice_password: String::new(),
            log: log.to_path_buf(),
        };
        let deadline = Instant::now() + PATIENCE;
        while console.url.is_empty()
            || console.support_password.is_empty()
            || console.alice_password.is_empty()
        {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => {
                    let status = console.child.try_wait().ok().flatten();
                    bail!(
                        "the console did not print its URL and both passwords within {PATIENCE:?} \
                         (exit status: {status:?}); its log:\n{}",
                        console.log_tail()
                    );
                }
            };
            if let Some(url) = line.strip_prefix("Listening on ") {
                console.url = url.trim().trim_end_matches('/').to_owned();
            } else if let Some(p) = line.strip_prefix("Customer Support password:") {
                console.support_password = p.trim().to_owned();
            } else if let Some(p) = line.strip_prefix("alice@example.com password:") {
                console.alice_password = p.trim().to_owned();
            }
        }
        Ok(console)
    }

    /// The last lines of the console's log, for failure reports.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A language of the console, as its switcher and `lang` cookie name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English (en-US).
    En,
    /// French.
    Fr,
    /// German.
    De,
}

impl Lang {
    /// All three, in the order the tests walk them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Fr, Lang::De];

    /// The short code: `en`, `fr`, `de`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::De => "de",
        }
    }

    /// The text for this language, out of the three given.
    pub fn pick<'a>(self, en: &'a str, fr: &'a str, de: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Fr => fr,
            Lang::De => de,
        }
    }
}

/// An accessibility problem axe-core found on a page.
#[derive(Debug, Clone)]
pub struct Violation {
    /// Which page (what the test was doing).
    pub page: String,
    /// The URL the page had.
    pub url: String,
    /// axe's report of the rule, its impact and the offending nodes.
    pub report: String,
}

/// One Chromium session through chromedriver.
pub struct Browser {
    client: Client,
    base: String,
    axe_source: String,
    screenshots: PathBuf,
    /// Serious and critical axe violations seen so far.
    pub violations: Vec<Violation>,
    /// Pages checked with axe so far.
    pub pages_checked: usize,
    /// Failed checks that the test went on past (see [`Browser::defer`]).
    pub deferred: Vec<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens a headless Chromium session (a fresh profile, `lang` as the
    /// browser's language) on the console at `base`.
    pub async fn open(setup: &Setup, base: &str, lang: Lang) -> Result<Browser> {
        let profile = tempfile::Builder::new()
            .prefix("cres-chromium-")
            .tempdir()
            .context("creating Chromium's profile folder")?;
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-extensions".to_owned(),
            "--window-size=1024,768".to_owned(),
            format!("--lang={}", lang.code()),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": setup.chromium,
                "args": args,
                "prefs": { "intl.accept_languages": lang.code() },
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = fantoccini::ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&setup.webdriver)
            .await
            .with_context(|| format!("opening a Chromium session through {}", setup.webdriver))?;
        std::fs::create_dir_all(&setup.screenshots).with_context(|| {
            format!(
                "creating the screenshot folder {}",
                setup.screenshots.display()
            )
        })?;
        Ok(Browser {
            client,
            base: base.trim_end_matches('/').to_owned(),
            axe_source: setup.axe_source.clone(),
            screenshots: setup.screenshots.clone(),
            violations: Vec::new(),
            pages_checked: 0,
            deferred: Vec::new(),
            _profile: profile,
        })
    }

    /// The WebDriver client, for what the helpers don't cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The console's base URL, `http://ADDR`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Ends the session (Chromium exits).
    pub async fn close(self) -> Result<()> {
        self.client
            .close()
            .await
            .context("closing the browser session")
    }

    /// Opens `path` (`/…` on the console, or a whole URL) and checks the
    /// page with axe.
    pub async fn goto(&mut self, path: &str) -> Result<()> {
        let url = if path.starts_with('/') {
            format!("{}{path}", self.base)
        } else {
            path.to_owned()
        };
        self.client
            .goto(&url)
            .await
            .with_context(|| format!("opening {url}"))?;
        self.wait_ready().await?;
        self.audit(path).await
    }

    /// The path (and query) of the current page.
    pub async fn path(&self) -> Result<String> {
        let url = self.client.current_url().await?;
        Ok(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// Waits until the current document has loaded.
    async fn wait_ready(&self) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let state = self
                .client
                .execute("return document.readyState", vec![])
                .await?;
            if state == "complete" {
                return Ok(());
            }
            ensure!(Instant::now() < deadline, "the page did not finish loading");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The element `css` matches, waiting a little for it.
    pub async fn find(&self, css: &str) -> Result<Element> {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(3))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => Ok(e),
            Err(e) => {
                let path = self.path().await.unwrap_or_default();
                let body = self.body_text().await.unwrap_or_default();
                Err(anyhow!(
                    "no element `{css}` on {path} ({e}); the page says:\n{}",
                    clip(&body, 1500)
                ))
            }
        }
    }

    /// Every element `css` matches (none is fine).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        Ok(self.client.find_all(Locator::Css(css)).await?)
    }

    /// Whether `css` matches anything now.
    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(!self.find_all(css).await?.is_empty())
    }

    /// The visible text of `css`.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.find(css).await?.text().await?.trim().to_owned())
    }

    /// The visible text of the whole page.
    pub async fn body_text(&self) -> Result<String> {
        Ok(self.client.find(Locator::Css("body")).await?.text().await?)
    }

    /// Types `value` into the field `css` (cleared first).
    pub async fn fill(&self, css: &str, value: &str) -> Result<()> {
        let field = self.find(css).await?;
        field.clear().await?;
        field
            .send_keys(value)
            .await
            .with_context(|| format!("typing into `{css}`"))?;
        Ok(())
    }

    /// Ticks the checkbox `css` if it is not ticked.
    pub async fn check(&self, css: &str) -> Result<()> {
        let box_ = self.find(css).await?;
        if !box_.is_selected().await? {
            box_.click().await?;
        }
        ensure!(box_.is_selected().await?, "`{css}` did not become checked");
        Ok(())
    }

    /// The text of the label for the field with id `id` (`label[for=id]`, or
    /// the label around it).
    pub async fn label_of(&self, id: &str) -> Result<String> {
        let text = self
            .client
            .execute(
                "const f = document.getElementById(arguments[0]);
                 if (!f) return null;
                 const l = (f.labels && f.labels[0]) || null;
                 return l ? l.innerText : null;",
                vec![json!(id)],
            )
            .await?;
        match text {
            Value::String(s) => Ok(s.trim().trim_end_matches('*').trim().to_owned()),
            _ => bail!("no label for #{id} on {}", self.path().await?),
        }
    }

    /// Clicks `css` and waits for the page it leads to (a link or a submit
    /// button), then checks that page with axe.
    pub async fn click_and_load(&mut self, css: &str) -> Result<()> {
        let element = self.find(css).await?;
        self.click_element_and_load(&element, css).await
    }

    /// Clicks `element` (`what` names it) and waits for the page it leads
    /// to, then checks that page with axe.
    pub async fn click_element_and_load(&mut self, element: &Element, what: &str) -> Result<()> {
        self.mark_document().await?;
        element
            .click()
            .await
            .with_context(|| format!("clicking {what}"))?;
        self.wait_new_document(what).await?;
        self.audit(&format!("after clicking {what}")).await
    }

    /// The element among `css` whose text is `text` (trimmed).
    pub async fn find_by_text(&self, css: &str, text: &str) -> Result<Element> {
        let mut seen = Vec::new();
        for e in self.find_all(css).await? {
            let t = e.text().await?.trim().to_owned();
            if t == text {
                return Ok(e);
            }
            seen.push(t);
        }
        bail!(
            "no `{css}` reads {text:?} on {}; those there read {seen:?}",
            self.path().await?
        )
    }

    /// Runs `script` (which should navigate, e.g. submit a form), waits for
    /// the new page and checks it with axe.
    pub async fn run_and_load(&mut self, script: &str, args: Vec<Value>, what: &str) -> Result<()> {
        self.mark_document().await?;
        self.client
            .execute(script, args)
            .await
            .with_context(|| what.to_owned())?;
        self.wait_new_document(what).await?;
        self.audit(what).await
    }

    async fn mark_document(&self) -> Result<()> {
        self.client
            .execute("window.__cresOldPage = true;", vec![])
            .await?;
        Ok(())
    }

    async fn wait_new_document(&self, what: &str) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            // A script error while the old page is unloading is a reason to
            // look again, not a failure.
            let state = match self
                .client
                .execute(
                    "return window.__cresOldPage ? 'old' : document.readyState",
                    vec![],
                )
                .await
            {
                Ok(state) => state,
                Err(e) if e.is_unexpected_alert_open() => {
                    // A confirmation dialog (delete, say): answer yes.
                    let _ = self.client.accept_alert().await;
                    Value::Null
                }
                Err(_) => Value::Null,
            };
            if state == "complete" {
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "no new page loaded after {what} (still on {})",
                self.path().await.unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The HTTP status of the current page (the Navigation Timing entry's
    /// `responseStatus`, which Chromium fills in).
    pub async fn status(&self) -> Result<u64> {
        let status = self
            .client
            .execute(
                "const n = performance.getEntriesByType('navigation')[0];
                 return n ? n.responseStatus : null;",
                vec![],
            )
            .await?;
        status.as_u64().context("the page has no navigation status")
    }

    /// The message area, `div#message`: its class and text, if there is one.
    pub async fn message(&self) -> Result<Option<(String, String)>> {
        let Some(div) = self.find_all("div#message").await?.into_iter().next() else {
            return Ok(None);
        };
        let class = div.attr("class").await?.unwrap_or_default();
        let text = div.text().await?.trim().to_owned();
        Ok(Some((class, text)))
    }

    /// Asserts that `div#message` has class `kind` (`success` or `error`)
    /// and contains `expected` verbatim.
    pub async fn expect_message(&self, kind: &str, expected: &str) -> Result<()> {
        let path = self.path().await?;
        match self.message().await? {
            Some((class, text))
                if class.split_whitespace().any(|c| c == kind) && text.contains(expected) =>
            {
                Ok(())
            }
            Some((class, text)) => bail!(
                "on {path}: expected a `{kind}` message containing {expected:?}, \
                 got class {class:?} with {text:?}"
            ),
            None => bail!(
                "on {path}: expected a `{kind}` message containing {expected:?}, \
                 but there is no div#message; the page says:\n{}",
                clip(&self.body_text().await.unwrap_or_default(), 1500)
            ),
        }
    }

    /// Asserts `div#message` is an error (any text) and returns its text.
    pub async fn expect_error(&self) -> Result<String> {
        let path = self.path().await?;
        match self.message().await? {
            Some((class, text)) if class.split_whitespace().any(|c| c == "error") => {
                ensure!(!text.is_empty(), "on {path}: an empty error message");
                Ok(text)
            }
            other => bail!(
                "on {path}: expected an error message, got {other:?}; the page says:\n{}",
                clip(&self.body_text().await.unwrap_or_default(), 1500)
            ),
        }
    }

    /// Runs axe-core on the current page; serious and critical violations
    /// are recorded in [`Browser::violations`] under `page`.
    pub async fn audit(&mut self, page: &str) -> Result<()> {
        let present = self
            .client
            .execute("return typeof window.axe === 'object'", vec![])
            .await?;
        if present != Value::Bool(true) {
            self.client
                .execute(&self.axe_source, vec![])
                .await
                .context("injecting axe-core")?;
        }
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done({ violations: r.violations.map(v => ({
                       id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                       nodes: v.nodes.map(n => ({ target: n.target, html: n.html,
                                                  summary: n.failureSummary })) })) }))
                   .catch(e => done({ error: String(e) }));",
                vec![],
            )
            .await
            .context("running axe-core")?;
        if let Some(e) = result.get("error") {
            bail!("axe-core failed on {page}: {e}");
        }
        self.pages_checked += 1;
        let url = self.path().await?;
        for v in result["violations"].as_array().into_iter().flatten() {
            let impact = v["impact"].as_str().unwrap_or("");
            if impact != "serious" && impact != "critical" {
                continue;
            }
            let mut report = format!(
                "{} ({impact}): {} <{}>",
                v["id"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["helpUrl"].as_str().unwrap_or("")
            );
            for n in v["nodes"].as_array().into_iter().flatten() {
                let _ = write!(
                    report,
                    "\n      at {}: {}\n        {}",
                    n["target"],
                    n["html"].as_str().unwrap_or(""),
                    n["summary"]
                        .as_str()
                        .unwrap_or("")
                        .replace('\n', "\n        ")
                );
            }
            self.violations.push(Violation {
                page: page.to_owned(),
                url: url.clone(),
                report,
            });
        }
        Ok(())
    }

    /// Records a failed check and lets the test go on (by another way to
    /// the same page, say), so that one run shows every problem; the test
    /// still fails in [`Browser::assert_clean`].
    pub async fn defer(&mut self, problem: impl std::fmt::Display) {
        let path = self.path().await.unwrap_or_default();
        self.deferred.push(format!("on {path}: {problem}"));
    }

    /// Fails, listing them, if axe found serious or critical violations or
    /// a check was deferred.
    pub fn assert_clean(&self) -> Result<()> {
        let mut out = String::new();
        if !self.deferred.is_empty() {
            let _ = write!(
                out,
                "{} failed check(s) the test went on past:",
                self.deferred.len()
            );
            for d in &self.deferred {
                let _ = write!(out, "\n  - {d}");
            }
        }
        if !self.violations.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = write!(
                out,
                "axe-core found {} serious or critical violation(s) on {} page(s) checked:",
                self.violations.len(),
                self.pages_checked
            );
            for v in &self.violations {
                let _ = write!(out, "\n  - on {} ({}): {}", v.url, v.page, v.report);
            }
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(anyhow!(out))
        }
    }

    /// Saves a PNG of the viewport as `name` in the screenshot folder;
    /// returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self
            .client
            .screenshot()
            .await
            .context("taking a screenshot")?;
        let path = self.screenshots.join(name);
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Sets the `lang` cookie for the console.
    pub async fn set_lang_cookie(&self, lang: Lang) -> Result<()> {
        let mut cookie = fantoccini::cookies::Cookie::new("lang", lang.code());
        cookie.set_path("/");
        self.client
            .add_cookie(cookie)
            .await
            .context("setting the lang cookie")?;
        Ok(())
    }
}

/// `text`, cut to at most `max` characters.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}
