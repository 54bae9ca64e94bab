//! DESIGN.md's flows 1–5 in the console, in one language.

use anyhow::Result;
use cres_console_browser::{Lang, Setup};

/// Every flow, in `lang`, on a console of its own.
pub async fn all(_setup: Setup, _lang: Lang) -> Result<()> {
    anyhow::bail!("not written yet: the console's pages are not there")
}
