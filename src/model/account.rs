//! Customer accounts (tenants).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::Arg;
use crate::input::{Field, InvalidInput, Problem};
use crate::model::Name;

/// The number that identifies an account (R1), 1 to 12 decimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountNumber(u64);

impl AccountNumber {
    const MAX_DIGITS: usize = 12;

    /// An account number from its value.
    pub const fn new(number: u64) -> AccountNumber {
        AccountNumber(number)
    }

    /// Parses the number as typed (surrounding white space ignored).
    ///
    /// Only ASCII digits count, and leading zeros are not significant but
    /// count toward the 12 digits: `000000012345` is account 12345, and
    /// `0` is a valid number.
    ///
    /// ```
    /// use cres_admin::AccountNumber;
    /// assert_eq!(AccountNumber::parse(" 12345 ")?, AccountNumber::new(12345));
    /// assert!(AccountNumber::parse("12a45").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Problem::Empty`] or [`Problem::NotANumber`], in [`Field::AccountNumber`].
    pub fn parse(input: &str) -> Result<AccountNumber, InvalidInput> {
        let digits = input.trim();
        if digits.is_empty() {
            return Err(InvalidInput::new(Field::AccountNumber, Problem::Empty));
        }
        if digits.len() > Self::MAX_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidInput::new(Field::AccountNumber, Problem::NotANumber));
        }
        digits
            .parse()
            .map(AccountNumber)
            .map_err(|_| InvalidInput::new(Field::AccountNumber, Problem::NotANumber))
    }

    /// The number's value.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::str::FromStr for AccountNumber {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccountNumber::parse(s)
    }
}

/// A customer account (tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Its number.
    pub number: AccountNumber,
    /// Its name, for people.
    pub name: Name,
    /// When Customer Support created it.
    pub created_at: DateTime<Utc>,
}

/// An account with what it holds: the account's *Details* tab.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountDetails {
    /// The account: number, name, when it was created.
    pub account: Account,
    /// How many users the account has: the users it governs (R13), those
    /// created in it and those who are members of one of its groups, each
    /// counted once.
    pub users: u64,
    /// How many groups it has, its built-in group included.
    pub groups: u64,
    /// How many active administrators it has: active members of its
    /// *Account Administrators* group.
    pub administrators: u64,
}

impl AccountDetails {
    /// The details of `account`.
    pub fn new(account: Account, users: u64, groups: u64, administrators: u64) -> AccountDetails {
        AccountDetails {
            account,
            users,
            groups,
            administrators,
        }
    }
}

impl From<&AccountNumber> for Arg {
    fn from(account: &AccountNumber) -> Arg {
        // Text, not a number: an identifier is never shown as "12,345".
        Arg::Text(account.to_string())
    }
}
