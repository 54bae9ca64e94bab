//! What the SQL stores share beyond values ([`codec`](super::codec)): the
//! key range a page of an account's users reads, and the search of the
//! accounts page, each store running its own dialect's statements.

use crate::model::Account;
use crate::paging::Search;
use crate::store::StoreError;
use crate::store::codec::account_key;

/// The range of email identities `[low, high)` a page of users reads:
/// those that start with `prefix` (in any case), or every one. Identities
/// are ASCII below DEL, so the prefix with its last byte one higher bounds
/// it above.
pub(crate) fn identity_range(prefix: Option<&str>) -> (String, String) {
    match prefix.map(str::to_ascii_lowercase) {
        Some(prefix) if !prefix.is_empty() => {
            let mut high = prefix.clone().into_bytes();
            if let Some(last) = high.last_mut() {
                *last = last.saturating_add(1);
            }
            (prefix, String::from_utf8_lossy(&high).into_owned())
        }
        _ => (String::new(), "\u{7f}".to_owned()),
    }
}

/// How many accounts a search of names reads at a time.
const NAME_BATCH: usize = 256;

/// A page of the accounts in number order, at most `limit`, those above
/// `after` (`-1`: from the first), found by `search` if given
/// ([`Reader::accounts_page`](crate::store::Reader::accounts_page)).
///
/// `range(low, high, above, limit)` reads at most `limit` accounts with a
/// number from `low` to `high` and above `above`, in number order: a
/// search of digits is a few such ranges of the index. A search of names
/// compares as the memory store does (Unicode lower case, literal text),
/// not with SQL's `lower()` and `LIKE`, so it reads the accounts in number
/// order, [`NAME_BATCH`] at a time, until the page is full.
pub(crate) fn accounts_page(
    search: Option<&Search>,
    after: i64,
    limit: usize,
    range: impl Fn(i64, i64, i64, usize) -> Result<Vec<Account>, StoreError>,
) -> Result<Vec<Account>, StoreError> {
    let Some(search) = search else {
        return range(0, i64::MAX, after, limit);
    };
    let mut page = Vec::new();
    if let Some(ranges) = search.account_numbers() {
        for (low, high) in ranges {
            if page.len() >= limit {
                break;
            }
            let rows = range(
                account_key(low),
                account_key(high),
                after,
                limit - page.len(),
            )?;
            page.extend(rows);
        }
        return Ok(page);
    }
    let mut above = after;
    loop {
        let batch = range(0, i64::MAX, above, NAME_BATCH)?;
        let Some(last) = batch.last() else {
            return Ok(page);
        };
        above = account_key(last.number);
        let last_batch = batch.len() < NAME_BATCH;
        page.extend(
            batch
                .into_iter()
                .filter(|a| search.found_in(a.name.as_str()))
                .take(limit - page.len()),
        );
        if page.len() >= limit || last_batch {
            return Ok(page);
        }
    }
}
