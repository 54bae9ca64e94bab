//! What a new password must satisfy.

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::credentials::Password;
use crate::input::{Field, InvalidInput, Problem};

/// The rules a new password must satisfy, after NIST SP 800-63B and OWASP
/// ASVS V2.1. There are no composition rules. In order:
///
/// 1. [`PasswordPolicy::check_bounds`]: not empty, at most
///    [`max_chars`](PasswordPolicy::max_chars) characters as typed (bounded
///    in bytes before anything else looks at the password, and before any
///    hashing), no control characters.
/// 2. Then the password is normalised to Unicode NFKC, as hashing and
///    verifying do, so that a password typed composed or decomposed
///    (`é` or `e` + U+0301) or in full-width forms is one password; every
///    rule below looks at the normalised form, lower-cased character by
///    character where it ignores case. NFKC can lengthen a password (a
///    ligature becomes several letters) by a bounded factor; the bound
///    stays the one on the password as typed.
/// 3. At least [`min_chars`](PasswordPolicy::min_chars) characters
///    (normalised: `e` + U+0301 counts once).
/// 4. Not one of the most common passwords, ignoring case
///    ([`refuse_common`](PasswordPolicy::refuse_common)).
/// 5. Not repetitive ([`Problem::Repetitive`]) nor sequential
///    ([`Problem::Sequential`]), ignoring case. A *stretch* is either a
///    pattern of 1 to 4 characters repeated at least twice over
///    (`aaaa`, `abcabcab`, `1212`), or a run of at least 2 characters each
///    following the one before, or each preceding it, in the alphabet
///    (`a` follows `z`), the digits (`0` follows `9`) or a keyboard row in
///    QWERTY, AZERTY or QWERTZ, read row after row from the digits down
///    (`…op` then `as…`). The password is refused when a stretch of at least
///    3 characters leaves at most 2 of its characters out: `aaaaaaaaaaaa`,
///    `abcabcabcabc`, `12121212`, `abcdefghijkl`, `1234567890123`,
///    `zyxwvuts`, `qwertyuiopasdf`, `azertyuiop`, `abcdefghij!1`, but not
///    `Tr0ub4dor&3x-abc`.
/// 6. Not, and not containing, the user's personal words
///    ([`Problem::PersonalInformation`]), then the account's name
///    ([`Problem::AccountName`]); see [`PasswordPolicy::check_for_account`].
/// 7. The confirmation is the same password (also after NFKC).
///
/// That a new password differs from the current one is checked by the
/// directory, which holds the current hash. Every copy of the secret made
/// here (normalised, lower-cased) is wiped when dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordPolicy {
    /// The fewest characters accepted (default 8).
    pub min_chars: usize,
    /// The most characters accepted (default 128).
    pub max_chars: usize,
    /// Refuse the 30,000 most common passwords (default `true`).
    pub refuse_common: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_chars: 8,
            max_chars: 128,
            refuse_common: true,
        }
    }
}

/// Personal words shorter than this are only refused as the whole password:
/// "containing" a two-letter name would refuse half the dictionary.
const MIN_CONTAINED_CHARS: usize = 3;

/// The longest pattern whose repetition makes a password repetitive.
const MAX_PATTERN_CHARS: usize = 4;

/// The shortest stretch (repetition or run) that can refuse a password.
const MIN_STRETCH_CHARS: usize = 3;

/// How many characters a refusing stretch may leave out.
const MAX_CHARS_OUTSIDE_STRETCH: usize = 2;

/// Sequences whose runs make a password sequential: the alphabet and the
/// digits, each closed into a loop, and the keyboard rows of QWERTY, AZERTY
/// and QWERTZ read from the digit row down, row after row.
const SEQUENCES: [&str; 5] = [
    "abcdefghijklmnopqrstuvwxyza",
    "01234567890",
    "1234567890qwertyuiopasdfghjklzxcvbnm",
    "1234567890azertyuiopqsdfghjklmwxcvbn",
    "1234567890qwertzuiopasdfghjklyxcvbnm",
];

/// The 30,000 most common passwords (zxcvbn's list, lower case), loaded once.
fn common_passwords() -> &'static HashSet<&'static str> {
    static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();
    COMMON.get_or_init(|| include_str!("common-passwords.txt").lines().collect())
}

/// `text` lower-cased character by character, in memory that is wiped when
/// dropped and that never reallocates while it is filled.
fn lowered(text: &str) -> Zeroizing<String> {
    let len = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(char::len_utf8)
        .sum();
    let mut lowered = Zeroizing::new(String::with_capacity(len));
    for c in text.chars().flat_map(char::to_lowercase) {
        lowered.push(c);
    }
    lowered
}

/// A word the password must not be or contain, as the policy compares it:
/// trimmed, NFKC, lower case. Words are not secrets.
fn comparable(word: &str) -> String {
    let normalized: String = word.trim().nfkc().collect();
    lowered(&normalized).to_string()
}

/// Whether the (comparable) password is `word`, or contains it when the
/// word has at least [`MIN_CONTAINED_CHARS`] characters.
fn is_or_contains(password: &str, word: &str) -> bool {
    let word = comparable(word);
    !word.is_empty()
        && (password == word
            || (word.chars().count() >= MIN_CONTAINED_CHARS && password.contains(&word)))
}

/// The length of the longest stretch of `chars` that repeats a pattern of
/// 1 to [`MAX_PATTERN_CHARS`] characters at least twice over (the last
/// repetition may be cut short: `abcabcab`).
fn longest_repetition(chars: &[char]) -> usize {
    let mut longest = 0;
    for period in 1..=MAX_PATTERN_CHARS {
        // How many characters in a row equal the one `period` before.
        let mut matching = 0;
        for at in period..chars.len() {
            if chars[at] == chars[at - period] {
                matching += 1;
                if matching >= period {
                    longest = longest.max(matching + period);
                }
            } else {
                matching = 0;
            }
        }
    }
    longest
}

/// Whether `next` comes right after `c` in one of the [`SEQUENCES`].
fn follows(c: char, next: char) -> bool {
    SEQUENCES.iter().any(|sequence| {
        let mut chars = sequence.chars().peekable();
        while let Some(at) = chars.next() {
            if at == c && chars.peek() == Some(&next) {
                return true;
            }
        }
        false
    })
}

/// The length of the longest run of `chars` each following the one before
/// in a sequence, or each preceding it.
fn longest_run(chars: &[char]) -> usize {
    let (mut up, mut down) = (1, 1);
    let mut longest = chars.len().min(1);
    for pair in chars.windows(2) {
        up = if follows(pair[0], pair[1]) { up + 1 } else { 1 };
        down = if follows(pair[1], pair[0]) {
            down + 1
        } else {
            1
        };
        longest = longest.max(up).max(down);
    }
    longest
}

/// Whether a stretch of `stretch` characters is enough to refuse a
/// password of `total` characters.
fn covers_nearly_all(stretch: usize, total: usize) -> bool {
    stretch >= MIN_STRETCH_CHARS && stretch + MAX_CHARS_OUTSIDE_STRETCH >= total
}

impl PasswordPolicy {
    /// Checks a password for length and characters only: what any password,
    /// new or offered at sign-in, must satisfy before it is normalised or
    /// hashed. It looks at the password as typed.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`] in [`Field::Password`]: [`Problem::Empty`],
    /// [`Problem::TooLong`] or [`Problem::ControlCharacter`].
    pub fn check_bounds(&self, password: &Password) -> Result<(), InvalidInput> {
        let refuse = |problem| Err(InvalidInput::new(Field::Password, problem));
        let secret = password.expose();
        if secret.is_empty() {
            return refuse(Problem::Empty);
        }
        if !self.within_length(secret) {
            return refuse(Problem::TooLong {
                max: self.max_chars,
            });
        }
        if secret.chars().any(char::is_control) {
            return refuse(Problem::ControlCharacter);
        }
        Ok(())
    }

    /// At most `max_chars` characters, bounded in bytes first: a huge input
    /// is refused without being scanned. A character takes at most 4 bytes;
    /// saturating, so that `usize::MAX` means no limit.
    fn within_length(&self, secret: &str) -> bool {
        let max_bytes = self.max_chars.saturating_mul(4);
        secret.len() <= max_bytes && secret.chars().count() <= self.max_chars
    }

    /// Checks a new password and its confirmation, as a form would: the
    /// password's rules first (see the type's doc), then that the
    /// confirmation matches. `personal` holds what the password must not be
    /// or contain, ignoring case: the email's local part, the first and last
    /// names. The same as [`PasswordPolicy::check_for_account`] with no
    /// account name.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`] in [`Field::Password`] for the first rule broken,
    /// or [`Problem::Mismatch`] in [`Field::ConfirmPassword`].
    pub fn check(
        &self,
        password: &Password,
        confirm: &Password,
        personal: &[&str],
    ) -> Result<(), InvalidInput> {
        self.check_for_account(password, confirm, personal, "")
    }

    /// [`PasswordPolicy::check`] for a user of an account: the password must
    /// also not be, nor contain, `account_name`, ignoring case
    /// ([`Problem::AccountName`]).
    ///
    /// Personal words and the account name are compared alike: trimmed,
    /// NFKC, lower case; a word of 3 characters or more is refused inside
    /// the password, a shorter one only as the whole password. The account
    /// name is also compared without its white space ("Acme Corp" refuses
    /// `acmecorp-2026` as well as `acme corp 2026`). An empty
    /// `account_name` refuses nothing.
    ///
    /// A confirmation longer than [`max_chars`](PasswordPolicy::max_chars)
    /// is a mismatch, found without normalising it.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`] in [`Field::Password`] for the first rule broken
    /// (in the order of the type's doc), or [`Problem::Mismatch`] in
    /// [`Field::ConfirmPassword`].
    ///
    /// ```
    /// use cres_admin::{PasswordPolicy, Problem};
    /// let policy = PasswordPolicy::default();
    /// let check = |password: &str| {
    ///     let password = password.into();
    ///     policy.check_for_account(&password, &password, &["bob"], "Acme Corp")
    /// };
    /// assert_eq!(check("Tr0ub4dor&3x"), Ok(()));
    /// assert_eq!(check("ACMECORP-2026!").unwrap_err().problem, Problem::AccountName);
    /// assert_eq!(check("bob-the-builder").unwrap_err().problem, Problem::PersonalInformation);
    /// assert_eq!(check("abcabcabcabc").unwrap_err().problem, Problem::Repetitive);
    /// assert_eq!(check("qwertyuiopasdf").unwrap_err().problem, Problem::Sequential);
    /// ```
    pub fn check_for_account(
        &self,
        password: &Password,
        confirm: &Password,
        personal: &[&str],
        account_name: &str,
    ) -> Result<(), InvalidInput> {
        self.check_bounds(password)?;
        let refuse = |problem| Err(InvalidInput::new(Field::Password, problem));
        let secret = password.normalized();
        if secret.chars().count() < self.min_chars {
            return refuse(Problem::TooShort {
                min: self.min_chars,
            });
        }
        let lowered = lowered(&secret);
        if self.refuse_common && common_passwords().contains(lowered.as_str()) {
            return refuse(Problem::CommonPassword);
        }
        let mut chars = Zeroizing::new(Vec::with_capacity(lowered.chars().count()));
        chars.extend(lowered.chars());
        if covers_nearly_all(longest_repetition(&chars), chars.len()) {
            return refuse(Problem::Repetitive);
        }
        if covers_nearly_all(longest_run(&chars), chars.len()) {
            return refuse(Problem::Sequential);
        }
        if personal.iter().any(|word| is_or_contains(&lowered, word)) {
            return refuse(Problem::PersonalInformation);
        }
        let unspaced: String = account_name
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if is_or_contains(&lowered, account_name) || is_or_contains(&lowered, &unspaced) {
            return refuse(Problem::AccountName);
        }
        let matches = self.within_length(confirm.expose()) && *confirm.normalized() == *secret;
        if !matches {
            return Err(InvalidInput::new(Field::ConfirmPassword, Problem::Mismatch));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, confirm: &str) -> Result<(), InvalidInput> {
        PasswordPolicy::default().check(&password.into(), &confirm.into(), &["bob", "Bob", "Li"])
    }

    fn problem(password: &str) -> Problem {
        check(password, password).unwrap_err().problem
    }

    #[test]
    fn an_unlimited_length_neither_overflows_nor_refuses() {
        let unlimited = PasswordPolicy {
            max_chars: usize::MAX,
            ..PasswordPolicy::default()
        };
        let long = "x".repeat(10_000).into();
        assert_eq!(unlimited.check_bounds(&long), Ok(()));
    }

    #[test]
    fn bounds_and_confirmation() {
        assert_eq!(check("Tr0ub4dor&3x", "Tr0ub4dor&3x"), Ok(()));
        let accents = "éèêëēĕėę".repeat(16);
        assert_eq!(check(&accents, &accents), Ok(()));
        assert_eq!(problem(""), Problem::Empty);
        assert_eq!(problem("Tr0ub4d"), Problem::TooShort { min: 8 });
        assert_eq!(problem(&"x".repeat(129)), Problem::TooLong { max: 128 });
        assert_eq!(problem(&"x".repeat(1 << 20)), Problem::TooLong { max: 128 });
        assert_eq!(problem("Tr0ub4dor\0&3"), Problem::ControlCharacter);
        let mismatch = check("Tr0ub4dor&3x", "Tr0ub4dor&3y").unwrap_err();
        assert_eq!(
            (mismatch.field, mismatch.problem),
            (Field::ConfirmPassword, Problem::Mismatch)
        );
    }

    #[test]
    fn common_passwords_are_refused_ignoring_case() {
        assert!(common_passwords().len() >= 10_000);
        assert!(
            common_passwords()
                .iter()
                .filter(|p| p.chars().count() >= 8)
                .count()
                >= 10_000
        );
        for common in ["password", "Password", "12345678", "iloveyou", "QWERTYUIOP"] {
            assert_eq!(problem(common), Problem::CommonPassword, "{common}");
        }
        let lenient = PasswordPolicy {
            refuse_common: false,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            lenient.check(&"password".into(), &"password".into(), &[]),
            Ok(())
        );
    }

    #[test]
    fn personal_information_is_refused() {
        assert_eq!(problem("BOB-the-builder-7"), Problem::PersonalInformation);
        assert_eq!(problem("my name is bob!"), Problem::PersonalInformation);
        // A two-letter name is refused only as the whole password…
        assert_eq!(check("Limerick-rhymes-9", "Limerick-rhymes-9"), Ok(()));
        let policy = PasswordPolicy {
            min_chars: 2,
            refuse_common: false,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            policy
                .check(&"li".into(), &"li".into(), &["Li"])
                .unwrap_err()
                .problem,
            Problem::PersonalInformation
        );
    }

    #[test]
    fn passwords_are_compared_and_counted_in_nfkc() {
        // Composed and decomposed, full-width and ASCII: one password.
        assert_eq!(
            check("Caf\u{E9}-au-lait-42", "Cafe\u{301}-au-lait-42"),
            Ok(())
        );
        assert_eq!(
            check("\u{FF34}r0ub4dor&3x", "Tr0ub4dor&3x"),
            Ok(()),
            "full-width T"
        );
        // Eight characters as typed, four once composed.
        assert_eq!(problem(&"e\u{301}".repeat(4)), Problem::TooShort { min: 8 });
        // A full-width common password is the common password.
        assert_eq!(problem("\u{FF50}assword"), Problem::CommonPassword);
        // A ligature is its letters: "ﬁ" is "fi".
        assert_eq!(problem("my-\u{FB01}rst-bob"), Problem::PersonalInformation);
        // The bound is on the password as typed, before normalising.
        assert_eq!(
            problem(&"\u{FDFA}".repeat(129)),
            Problem::TooLong { max: 128 }
        );
        assert_eq!(
            check(
                &"\u{FDFA}\u{FB01}".repeat(64),
                &"\u{FDFA}\u{FB01}".repeat(64)
            ),
            Ok(())
        );
    }

    #[test]
    fn an_oversized_confirmation_is_a_mismatch() {
        let mismatch = check("Tr0ub4dor&3x", &"x".repeat(1 << 20)).unwrap_err();
        assert_eq!(
            (mismatch.field, mismatch.problem),
            (Field::ConfirmPassword, Problem::Mismatch)
        );
    }

    #[test]
    fn repetitive_passwords_are_refused() {
        for repetitive in [
            "aaaaaaaaaaaa",
            "AAAAaaaaAAAA",
            "abcabcabcabc",
            "12121212",
            "abababab",
            "xyzwxyzwxyzw",
            "abcabcabcab",
            "!!!!!!!!!!!!x",
            "zzzzzzzzzz12",
            "        ",
            "\u{1F980}".repeat(128).as_str(),
        ] {
            assert_eq!(problem(repetitive), Problem::Repetitive, "{repetitive:?}");
        }
    }

    #[test]
    fn sequential_passwords_are_refused() {
        let lenient = PasswordPolicy {
            refuse_common: false,
            ..PasswordPolicy::default()
        };
        for sequential in [
            "abcdefghijkl",
            "ABCDEFGHIJKL",
            "1234567890123",
            "zyxwvuts",
            "qwertyuiopasdf",
            "azertyuiop",
            "qwertzuiop",
            "poiuytreza",
            "mnbvcxzlkj",
            "wxyzabcdef",
            "9876543210",
            "abcdefghij!1",
            "!abcdefghij",
            "1234567890qwer",
        ] {
            let password = sequential.into();
            assert_eq!(
                lenient
                    .check(&password, &password, &[])
                    .unwrap_err()
                    .problem,
                Problem::Sequential,
                "{sequential:?}"
            );
        }
    }

    #[test]
    fn a_short_run_or_repetition_inside_a_password_is_accepted() {
        for fine in [
            "Tr0ub4dor&3x-abc",
            "abc-Tr0ub4dor&3x",
            "aaa-Tr0ub4dor&3x",
            "correct horse battery staple",
            "a long and quiet passphrase",
            "Temp-Pass-2026",
            "N3w-Permanent-Pass",
            "abcdefg-Tr0ub4",
            "\u{1F980}\u{1F40D}\u{1F418}\u{1F98A}\u{1F422}"
                .repeat(2)
                .as_str(),
        ] {
            assert_eq!(check(fine, fine), Ok(()), "{fine:?}");
        }
    }

    #[test]
    fn stretches_are_measured_exactly() {
        let chars = |text: &str| text.chars().collect::<Vec<char>>();
        assert_eq!(longest_repetition(&chars("xaaaay")), 4);
        assert_eq!(longest_repetition(&chars("abcabcab")), 8);
        assert_eq!(longest_repetition(&chars("abcdeabcde")), 0, "period 5");
        assert_eq!(longest_repetition(&chars("ab")), 0);
        assert_eq!(longest_run(&chars("")), 0);
        assert_eq!(longest_run(&chars("x")), 1);
        assert_eq!(longest_run(&chars("xabcdy")), 4);
        assert_eq!(longest_run(&chars("wxyzab")), 6, "the alphabet loops");
        assert_eq!(longest_run(&chars("!abcd?")), 4);
        assert_eq!(longest_run(&chars("opas")), 4, "row after row");
        assert_eq!(longest_run(&chars("9012")), 4, "the digits loop");
        assert!(covers_nearly_all(10, 12));
        assert!(!covers_nearly_all(10, 13));
        assert!(!covers_nearly_all(2, 3));
        assert!(covers_nearly_all(3, 3));
    }

    #[test]
    fn the_account_name_is_refused_like_personal_words() {
        let policy = PasswordPolicy::default();
        let problem = |password: &str, account: &str| {
            let password = password.into();
            policy
                .check_for_account(&password, &password, &[], account)
                .err()
                .map(|e| (e.field, e.problem))
        };
        let refused = Some((Field::Password, Problem::AccountName));
        assert_eq!(
            problem("Acme-Corp-2026", "Acme Corp"),
            None,
            "a hyphen is no space"
        );
        assert_eq!(problem("my ACME CORP password", "Acme Corp"), refused);
        assert_eq!(problem("acmecorp-2026!", "Acme Corp"), refused);
        assert_eq!(
            problem("\u{FF21}cme-rocks-2026", "Acme"),
            refused,
            "full width"
        );
        assert_eq!(problem("Tr0ub4dor&3x", " Acme "), None);
        // Short names only as the whole password, like personal words.
        assert_eq!(problem("Xy-Tr0ub4dor&3x", "Xy"), None);
        let short = PasswordPolicy {
            min_chars: 2,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            short
                .check_for_account(&"xy".into(), &"xy".into(), &[], "XY")
                .unwrap_err()
                .problem,
            Problem::AccountName
        );
        // No account name refuses nothing; check is check_for_account without one.
        assert_eq!(problem("Tr0ub4dor&3x", ""), None);
        assert_eq!(problem("Tr0ub4dor&3x", "   "), None);
    }
}
