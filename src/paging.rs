//! Lists a page at a time: keyset paging with opaque cursors, bounded page
//! sizes, and search text taken literally.
//!
//! A list is ordered by a key that never repeats (an email identity with
//! the user id, an audit sequence number, …). A page ends with a
//! [`Cursor`] that holds the last key shown; the next page starts strictly
//! after it. Rows inserted or deleted between two pages therefore never make
//! a row repeat or go missing from the rows that stayed, and no page costs
//! more than its own rows plus an index lookup.
//!
//! A cursor is opaque to callers: it names the list it belongs to and
//! carries a checksum, so a cursor that was altered, cut, or made for
//! another list (another account, another search) is refused with
//! [`Error::InvalidCursor`](crate::Error::InvalidCursor) rather than
//! silently starting somewhere else. It carries no authority: every page is
//! authorized like the first.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};

use crate::input::{Field, InvalidInput, Problem};
use crate::model::{AccountNumber, UserId, UserStatus};

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The rows of this page, in the list's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page of `items`, followed by the page after `next`.
    pub fn new(items: Vec<T>, next: Option<Cursor>) -> Page<T> {
        Page { items, next }
    }
}

/// Which page of an account's audit trail to read, newest first: of every
/// change, or of the changes made to one user.
///
/// ```
/// use cres_admin::{AuditQuery, PageSize};
/// let first = AuditQuery::new().size(PageSize::new(20)?);
/// # Ok::<(), cres_admin::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditQuery {
    /// Only the changes made to this user (their id stays theirs when
    /// their email changes).
    pub about: Option<UserId>,
    /// Rows per page.
    pub size: PageSize,
    /// Where the page starts: the previous page's [`Page::next`]; the
    /// newest entries if `None`.
    pub after: Option<Cursor>,
}

impl AuditQuery {
    /// The newest page of every change, [`PageSize::DEFAULT`] rows.
    pub fn new() -> AuditQuery {
        AuditQuery::default()
    }

    /// Only the changes made to `user`.
    #[must_use]
    pub fn about(mut self, user: UserId) -> AuditQuery {
        self.about = Some(user);
        self
    }

    /// `size` rows per page.
    #[must_use]
    pub fn size(mut self, size: PageSize) -> AuditQuery {
        self.size = size;
        self
    }

    /// The page after the one that gave `cursor`.
    #[must_use]
    pub fn after(mut self, cursor: Cursor) -> AuditQuery {
        self.after = Some(cursor);
        self
    }
}

/// Which page of an account's Users tab to read: the users the account
/// governs (R13), ordered by email identity, searchable by the start of the
/// email (from an index) and by a part of a name, filterable by status.
///
/// ```
/// use cres_admin::{Search, UserQuery, UserStatus};
/// let disabled_bobs = UserQuery::new()
///     .email(Search::parse("bob")?)
///     .status(UserStatus::Disabled);
/// # Ok::<(), cres_admin::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserQuery {
    /// Only users whose email starts with this, ignoring case.
    pub email: Option<Search>,
    /// Only users whose first or last name contains this, ignoring case.
    pub name: Option<Search>,
    /// Only users with this status.
    pub status: Option<UserStatus>,
    /// Rows per page.
    pub size: PageSize,
    /// Where the page starts: the previous page's [`Page::next`].
    pub after: Option<Cursor>,
}

impl UserQuery {
    /// The first page of every user of the account, [`PageSize::DEFAULT`] rows.
    pub fn new() -> UserQuery {
        UserQuery::default()
    }

    /// Only users whose email starts with `search` (`None`: every user).
    #[must_use]
    pub fn email(mut self, search: Option<Search>) -> UserQuery {
        self.email = search;
        self
    }

    /// Only users whose first or last name contains `search` (`None`:
    /// every user).
    #[must_use]
    pub fn name(mut self, search: Option<Search>) -> UserQuery {
        self.name = search;
        self
    }

    /// Only users with this status.
    #[must_use]
    pub fn status(mut self, status: UserStatus) -> UserQuery {
        self.status = Some(status);
        self
    }

    /// `size` rows per page.
    #[must_use]
    pub fn size(mut self, size: PageSize) -> UserQuery {
        self.size = size;
        self
    }

    /// The page after the one that gave `cursor`.
    #[must_use]
    pub fn after(mut self, cursor: Cursor) -> UserQuery {
        self.after = Some(cursor);
        self
    }
}

/// Which page of the list of accounts to read (Customer Support's
/// *Accounts* list), in account-number order: of every account, or of those
/// a [`Search`] finds.
///
/// A search of digits only finds the accounts whose number starts with
/// them (`123` finds 123, 1230 and 123456, not 4123); any other search
/// finds the accounts whose name contains it, ignoring case (`me e`
/// finds *Acme Europe*). The text is literal: `%`, `_` and `\` match
/// themselves.
///
/// ```
/// use cres_admin::{AccountQuery, PageSize, Search};
/// let acme = AccountQuery::new().search(Search::parse("acme")?).size(PageSize::new(20)?);
/// # Ok::<(), cres_admin::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountQuery {
    /// Only the accounts this finds; every account if `None`.
    pub search: Option<Search>,
    /// Rows per page.
    pub size: PageSize,
    /// Where the page starts: the previous page's [`Page::next`]; the
    /// lowest account number if `None`.
    pub after: Option<Cursor>,
}

impl AccountQuery {
    /// The first page of every account, [`PageSize::DEFAULT`] rows.
    pub fn new() -> AccountQuery {
        AccountQuery::default()
    }

    /// Only the accounts `search` finds (every account for `None`, as
    /// [`Search::parse`] gives for a blank search).
    #[must_use]
    pub fn search(mut self, search: Option<Search>) -> AccountQuery {
        self.search = search;
        self
    }

    /// `size` rows per page.
    #[must_use]
    pub fn size(mut self, size: PageSize) -> AccountQuery {
        self.size = size;
        self
    }

    /// The page after the one that gave `cursor`.
    #[must_use]
    pub fn after(mut self, cursor: Cursor) -> AccountQuery {
        self.after = Some(cursor);
        self
    }
}

/// How many rows a page holds: from 1 to [`PageSize::MAX`], [`PageSize::DEFAULT`]
/// unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageSize(u32);

impl PageSize {
    /// The size of a page when the caller does not choose one.
    pub const DEFAULT: PageSize = PageSize(50);
    /// The largest page.
    pub const MAX: u32 = 500;

    /// A page of `rows` rows.
    ///
    /// # Errors
    /// [`Problem::OutOfRange`] in [`Field::PageSize`] for 0 or more than
    /// [`PageSize::MAX`].
    pub fn new(rows: u32) -> Result<PageSize, InvalidInput> {
        if (1..=Self::MAX).contains(&rows) {
            Ok(PageSize(rows))
        } else {
            Err(Self::out_of_range())
        }
    }

    /// Reads a page size typed or sent as text (a query parameter).
    ///
    /// # Errors
    /// [`Problem::OutOfRange`] in [`Field::PageSize`] for anything but a
    /// whole number from 1 to [`PageSize::MAX`] (a sign, a fraction, 0, a
    /// huge number).
    ///
    /// ```
    /// use cres_admin::PageSize;
    /// assert_eq!(PageSize::parse(" 20 ")?.get(), 20);
    /// for refused in ["0", "-1", "1e3", "501", "99999999999999999999", "", "twenty"] {
    ///     assert!(PageSize::parse(refused).is_err(), "{refused}");
    /// }
    /// # Ok::<(), cres_admin::InvalidInput>(())
    /// ```
    pub fn parse(text: &str) -> Result<PageSize, InvalidInput> {
        let digits = text.trim();
        // Bounded before parsing: no number of more than ten digits fits.
        if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Self::out_of_range());
        }
        digits
            .parse()
            .map_err(|_| Self::out_of_range())
            .and_then(PageSize::new)
    }

    /// The number of rows.
    pub fn get(self) -> u32 {
        self.0
    }

    fn out_of_range() -> InvalidInput {
        InvalidInput::new(
            Field::PageSize,
            Problem::OutOfRange {
                min: 1,
                max: u64::from(Self::MAX),
            },
        )
    }
}

impl Default for PageSize {
    fn default() -> PageSize {
        PageSize::DEFAULT
    }
}

/// Text to search a list for, taken literally: `%`, `_` and `\` match
/// themselves. It is trimmed, at most [`Search::MAX_CHARS`] characters,
/// and compared ignoring case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Search(Box<str>);

impl Search {
    /// The longest search accepted, in characters (an address's length).
    pub const MAX_CHARS: usize = 254;

    /// Reads search text. An empty or blank search means no search:
    /// `Ok(None)`.
    ///
    /// # Errors
    /// An [`InvalidInput`] in [`Field::Search`]: too long, or holding a
    /// control or invisible character.
    pub fn parse(text: &str) -> Result<Option<Search>, InvalidInput> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        let text = crate::model::clean_text(text, Field::Search, Self::MAX_CHARS)?;
        Ok(Some(Search(text.to_lowercase().into())))
    }

    /// The search in lower case, as the keys it is compared with.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The account numbers a search of digits finds, those whose digits
    /// start with it, as inclusive ranges in increasing order (one per
    /// length of number); `None` for a search that holds anything but the
    /// digits 0 to 9, which finds names instead ([`Search::found_in`]).
    ///
    /// ```
    /// use cres_admin::{AccountNumber, Search};
    /// let ranges = Search::parse("42")?.unwrap().account_numbers().unwrap();
    /// assert_eq!(ranges[..2], [
    ///     (AccountNumber::new(42), AccountNumber::new(42)),
    ///     (AccountNumber::new(420), AccountNumber::new(429)),
    /// ]);
    /// assert_eq!(ranges.len(), 11, "up to 12 digits");
    /// assert_eq!(Search::parse("acme")?.unwrap().account_numbers(), None);
    /// # Ok::<(), cres_admin::InvalidInput>(())
    /// ```
    pub fn account_numbers(&self) -> Option<Vec<(AccountNumber, AccountNumber)>> {
        const MAX_DIGITS: usize = 12;
        let digits = self.as_str();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // A number is written without leading zeros: only 0 starts with 0.
        if digits.len() > MAX_DIGITS || (digits.len() > 1 && digits.starts_with('0')) {
            return Some(Vec::new());
        }
        let prefix: u64 = digits.parse().ok()?;
        let longer = if prefix == 0 {
            0
        } else {
            MAX_DIGITS - digits.len()
        };
        Some(
            (0..=longer as u32)
                .map(|extra| {
                    let scale = 10u64.pow(extra);
                    (
                        AccountNumber::new(prefix * scale),
                        AccountNumber::new((prefix + 1) * scale - 1),
                    )
                })
                .collect(),
        )
    }

    /// Whether `text` contains the search, ignoring case: literally, every
    /// character matching only itself.
    pub fn found_in(&self, text: &str) -> bool {
        text.to_lowercase().contains(self.as_str())
    }
}

impl fmt::Debug for Search {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// Where a list's next page starts: opaque text for the caller to send
/// back (a URL-safe string of at most [`Cursor::MAX_LEN`] characters).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cursor(Box<str>);

/// The version of the cursor format, first byte of every cursor.
const VERSION: u8 = 1;
/// Bytes of the list's fingerprint and of the checksum.
const FINGERPRINT: usize = 8;
const CHECKSUM: usize = 8;

impl Cursor {
    /// The longest cursor accepted, in characters.
    pub const MAX_LEN: usize = 1024;

    /// The cursor after `key` in the list named by `list` (the kind of
    /// list and everything that selects its rows: the account, the
    /// search, the filter).
    pub(crate) fn new(list: &[&[u8]], key: &[u8]) -> Cursor {
        let mut bytes = Vec::with_capacity(1 + FINGERPRINT + key.len() + CHECKSUM);
        bytes.push(VERSION);
        bytes.extend_from_slice(&fingerprint(list));
        bytes.extend_from_slice(key);
        let checksum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&checksum[..CHECKSUM]);
        Cursor(Base64UrlUnpadded::encode_string(&bytes).into())
    }

    /// Reads a cursor a caller sent back.
    ///
    /// # Errors
    /// [`Error::InvalidCursor`](crate::Error::InvalidCursor) when the text
    /// is too long, not a cursor, or altered.
    pub fn parse(text: &str) -> Result<Cursor, crate::Error> {
        let text = text.trim();
        if text.is_empty() || text.len() > Self::MAX_LEN {
            return Err(crate::Error::InvalidCursor);
        }
        let cursor = Cursor(text.into());
        cursor.bytes().ok_or(crate::Error::InvalidCursor)?;
        Ok(cursor)
    }

    /// The cursor's text, to send to the caller.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key after which the next page of `list` starts, if this cursor
    /// was made for `list` and is intact.
    pub(crate) fn key_for(&self, list: &[&[u8]]) -> Option<Vec<u8>> {
        let bytes = self.bytes()?;
        let (head, key) = bytes[..bytes.len() - CHECKSUM].split_at(1 + FINGERPRINT);
        (head[1..] == fingerprint(list)).then(|| key.to_vec())
    }

    /// The decoded bytes, if well formed and intact.
    fn bytes(&self) -> Option<Vec<u8>> {
        let bytes = Base64UrlUnpadded::decode_vec(&self.0).ok()?;
        if bytes.len() < 1 + FINGERPRINT + CHECKSUM || bytes[0] != VERSION {
            return None;
        }
        let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM);
        (Sha256::digest(body)[..CHECKSUM] == *checksum).then_some(bytes)
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({})", self.0)
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What names a list: a digest of its parts, each length-prefixed so that
/// two different lists never run together into the same bytes.
fn fingerprint(list: &[&[u8]]) -> [u8; FINGERPRINT] {
    let mut hasher = Sha256::new();
    for part in list {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut out = [0; FINGERPRINT];
    out.copy_from_slice(&digest[..FINGERPRINT]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS_OF_1: &[&[u8]] = &[b"users", b"1", b""];

    #[test]
    fn a_cursor_gives_back_its_key_for_its_own_list_only() {
        let cursor = Cursor::new(USERS_OF_1, b"bob@example.com");
        let text = cursor.to_string();
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let read = Cursor::parse(&text).unwrap();
        assert_eq!(
            read.key_for(USERS_OF_1).as_deref(),
            Some(&b"bob@example.com"[..])
        );
        assert_eq!(
            read.key_for(&[b"users", b"2", b""]),
            None,
            "another account"
        );
        assert_eq!(
            read.key_for(&[b"users", b"1", b"a"]),
            None,
            "another search"
        );
        assert_eq!(
            read.key_for(&[b"users1", b""]),
            None,
            "parts do not run together"
        );
    }

    #[test]
    fn altered_cut_and_foreign_cursors_are_refused() {
        let text = Cursor::new(USERS_OF_1, b"bob@example.com").to_string();
        let mut flipped: Vec<char> = text.chars().collect();
        let at = flipped.len() / 2;
        flipped[at] = if flipped[at] == 'A' { 'B' } else { 'A' };
        let flipped: String = flipped.into_iter().collect();
        for bad in [
            "",
            " ",
            &text[..text.len() - 1],
            &text[1..],
            &flipped,
            "not a cursor",
            "%00%2F",
            &"A".repeat(Cursor::MAX_LEN + 1),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(
                matches!(Cursor::parse(bad), Err(crate::Error::InvalidCursor)),
                "{bad:.40}"
            );
        }
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(PageSize::default().get(), 50);
        assert_eq!(PageSize::new(PageSize::MAX).unwrap().get(), 500);
        for refused in [0, PageSize::MAX + 1, u32::MAX] {
            let error = PageSize::new(refused).unwrap_err();
            assert_eq!(error.field, Field::PageSize);
            assert_eq!(error.problem, Problem::OutOfRange { min: 1, max: 500 });
        }
    }

    #[test]
    fn searches_are_literal_lower_case_and_bounded() {
        assert_eq!(Search::parse("  ").unwrap(), None);
        assert_eq!(
            Search::parse(" Bob_%\\ ").unwrap().unwrap().as_str(),
            "bob_%\\"
        );
        assert!(Search::parse(&"a".repeat(Search::MAX_CHARS + 1)).is_err());
        assert!(Search::parse(&"a".repeat(1 << 20)).is_err());
        assert!(Search::parse("bob\u{0}").is_err());
        assert!(Search::parse("b\u{202E}ob").is_err());
    }
}
