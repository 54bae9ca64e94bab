//! Hostile inputs (issue 7, part 4): a table of cases across every text input
//! of the public API — addresses, names, passwords, registration tokens,
//! account numbers, language tags and `Accept-Language` values.
//!
//! Every case states its expected outcome. A refused case must be refused
//! with that domain error (never a store failure), without a panic, with a
//! message that renders in en-US, fr and de, and with nothing stored. An
//! accepted case names the documented normalisation rule it relies on
//! ([`Rule`]) and checks the normalised result.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use common::*;
use cres_admin::store::Reader;
use cres_admin::{
    AccountNumber, Actor, AddUserForm, Directory, Email, Error, Field, Localizer, MemoryStore,
    Password, PasswordChangeTicket, Problem, RegistrationForm, RegistrationToken,
    SecureMessageSent, SignIn,
};

/// Alice's (temporary) password, from the shared fixture's `form`.
const TEMP: &str = "Temp-Pass-2026";
/// A password every policy rule accepts for the users of these tests.
const STRONG: &str = "Tr0ub4dor&3x";
/// A password for carol's registration.
const PASSPHRASE: &str = "a long and quiet passphrase";
/// A new password for alice or bob.
const NEW_PASSWORD: &str = "N3w-Permanent-Pass";
/// The account that *Create Account* cases create (the fixture has 12345).
const NEW_ACCOUNT: AccountNumber = AccountNumber::new(99999);

/// One mebibyte of `unit`, repeated.
fn megabyte(unit: &str) -> String {
    unit.repeat((1 << 20) / unit.len())
}

/// One mebibyte of `unit` with a NUL at the end: refused for its length,
/// which proves the length is checked before any character is.
fn megabyte_then_nul(unit: &str) -> String {
    megabyte(unit) + "\0"
}

/// Which text input a case feeds, through which operation of the public API.
#[derive(Debug)]
enum Input {
    /// `Email::parse`.
    EmailParse(String),
    /// *Add User*'s Username (a new user in account 12345, by alice).
    Username(String),
    /// *Add to Group*'s User Id (into Account Administrators, by alice).
    AddToGroup(String),
    /// `remove_from_group`'s User Id (out of Sales, where bob is, by alice).
    RemoveFromGroup(String),
    /// `authenticate`'s email, with alice's right password.
    SignInEmail(String),
    /// `change_password`'s email, with alice's right current password.
    ChangePasswordEmail(String),
    /// `send_secure_message`'s recipient (by alice).
    Recipient(String),
    /// `reset_password`'s User Id (by Customer Support).
    ResetPasswordUserId(String),
    /// `unlock_user`'s User Id (by Customer Support).
    UnlockUserId(String),
    /// `revoke_registration`'s recipient (by Customer Support).
    RevokeRecipient(String),
    /// *Add User*'s First Name.
    FirstName(String),
    /// *Add User*'s Last Name.
    LastName(String),
    /// *Register*'s First Name (carol, with her valid token).
    RegisterFirstName(String),
    /// *Register*'s Last Name.
    RegisterLastName(String),
    /// `create_account`'s name (by Customer Support).
    AccountName(String),
    /// *Add Group*'s Group Name (by alice).
    NewGroupName(String),
    /// `rename_group`'s new name for Sales (by alice).
    GroupRename(String),
    /// *Add User*'s Password and Confirm Password.
    AddUserPassword(String, String),
    /// `set_permanent_password` with alice's ticket: new and confirmation.
    PermanentPassword(String, String),
    /// `change_password` for alice: current, new, confirmation.
    ChangePassword(String, String, String),
    /// *Register*'s Password and Confirm Password.
    RegisterPassword(String, String),
    /// `reset_password` of bob by Customer Support: new and confirmation.
    ResetPassword(String, String),
    /// `authenticate`: email and password.
    SignInPassword(String, String),
    /// `register` with a token made from carol's real one.
    Token(fn(&str) -> String),
    /// `AccountNumber::parse`.
    AccountNumber(String),
    /// `Localizer::new` with these tags.
    LanguageTags(Vec<String>),
    /// `Localizer::from_accept_language`.
    AcceptLanguage(String),
    /// `disable_user`'s User Id (by Customer Support).
    DisableUserId(String),
    /// `delete_user`'s User Id (by Customer Support).
    DeleteUserId(String),
    /// `change_email`'s new address for bob (by Customer Support).
    NewEmail(String),
    /// `rename_user`'s First Name for bob (by Customer Support).
    RenameFirstName(String),
    /// `rename_user`'s Last Name for bob (by Customer Support).
    RenameLastName(String),
}

/// Every kind of [`Input`], to check the table covers each.
const KINDS: [&str; 32] = [
    "Email::parse",
    "add_user username",
    "add_to_group user id",
    "remove_from_group user id",
    "authenticate email",
    "change_password email",
    "send_secure_message recipient",
    "reset_password user id",
    "unlock_user user id",
    "revoke_registration recipient",
    "add_user first name",
    "add_user last name",
    "register first name",
    "register last name",
    "create_account name",
    "create_group name",
    "rename_group name",
    "add_user password",
    "set_permanent_password password",
    "change_password password",
    "register password",
    "reset_password password",
    "authenticate password",
    "register token",
    "AccountNumber::parse",
    "Localizer::new tags",
    "Localizer::from_accept_language header",
    "disable_user user id",
    "delete_user user id",
    "change_email new address",
    "rename_user first name",
    "rename_user last name",
];

impl Input {
    fn kind(&self) -> &'static str {
        let index = match self {
            Input::EmailParse(_) => 0,
            Input::Username(_) => 1,
            Input::AddToGroup(_) => 2,
            Input::RemoveFromGroup(_) => 3,
            Input::SignInEmail(_) => 4,
            Input::ChangePasswordEmail(_) => 5,
            Input::Recipient(_) => 6,
            Input::ResetPasswordUserId(_) => 7,
            Input::UnlockUserId(_) => 8,
            Input::RevokeRecipient(_) => 9,
            Input::FirstName(_) => 10,
            Input::LastName(_) => 11,
            Input::RegisterFirstName(_) => 12,
            Input::RegisterLastName(_) => 13,
            Input::AccountName(_) => 14,
            Input::NewGroupName(_) => 15,
            Input::GroupRename(_) => 16,
            Input::AddUserPassword(..) => 17,
            Input::PermanentPassword(..) => 18,
            Input::ChangePassword(..) => 19,
            Input::RegisterPassword(..) => 20,
            Input::ResetPassword(..) => 21,
            Input::SignInPassword(..) => 22,
            Input::Token(_) => 23,
            Input::AccountNumber(_) => 24,
            Input::LanguageTags(_) => 25,
            Input::AcceptLanguage(_) => 26,
            Input::DisableUserId(_) => 27,
            Input::DeleteUserId(_) => 28,
            Input::NewEmail(_) => 29,
            Input::RenameFirstName(_) => 30,
            Input::RenameLastName(_) => 31,
        };
        KINDS[index]
    }
}

/// The documented rule an accepted case relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// R4 and `Email`: surrounding white space is ignored (Unicode white
    /// space, so also NBSP, U+3000 and a CR/LF at either end), the address
    /// is kept as typed and its identity is its ASCII lower case.
    EmailTrimmedIdentityLowercase,
    /// `Email`: an internationalised domain is accepted in its `xn--` form
    /// only, kept as typed (not decoded).
    EmailXnDomain,
    /// `Email`: a local part of dot-atom characters (`%`, `=`, `?`, `+` …),
    /// a domain of labels of letters, digits and inner hyphens — one label,
    /// or all-digit labels, included.
    EmailDotAtomAndLabels,
    /// `Email`: the limits are inclusive — a 64-character local part, a
    /// 63-character label, a 254-character address.
    EmailLimitsInclusive,
    /// `Name`: trimmed, 1 to 100 characters (not bytes), no control or
    /// invisible character (U+200C and U+200D only between two visible
    /// characters, variation selectors only right after one), otherwise
    /// kept as typed: any script, no Unicode normalisation, markup not
    /// escaped.
    NameTrimmedAsTyped,
    /// `PasswordPolicy`: a length in characters, no control characters, no
    /// composition rules, not repetitive or sequential as a whole; the
    /// password is not trimmed, so signing in needs it as typed (white space
    /// included).
    PasswordVerbatim,
    /// `PasswordPolicy` and `PasswordHashing`: a password is normalised to
    /// NFKC before any rule, hashing or verification, so a composed or
    /// decomposed, full-width or ASCII form of it is the same password.
    PasswordNfkc,
    /// `RegistrationToken`: the 59 characters issued, verbatim.
    TokenAsIssued,
    /// `AccountNumber::parse`: trimmed, 1 to 12 ASCII digits, read as a
    /// number (leading zeros are not significant).
    AccountNumberValue,
    /// `Localizer::new`: tags trimmed and matched ignoring case, extensions
    /// cut off, a region or variant served by its language; en-US in the chain.
    LanguageNegotiated,
    /// `Localizer::new` / `from_accept_language`: a tag over 64 bytes, that
    /// does not parse, names no language or that no locale serves is
    /// skipped: en-US.
    LanguageSkipped,
    /// `Localizer::from_accept_language`: by decreasing q-value, equal ones
    /// in the order written; `q=0`, malformed q-values and wildcards skipped.
    AcceptLanguageByQuality,
}

/// Every [`Rule`], to check each is relied on by some case.
const RULES: [Rule; 12] = [
    Rule::EmailTrimmedIdentityLowercase,
    Rule::EmailXnDomain,
    Rule::EmailDotAtomAndLabels,
    Rule::EmailLimitsInclusive,
    Rule::NameTrimmedAsTyped,
    Rule::PasswordVerbatim,
    Rule::PasswordNfkc,
    Rule::TokenAsIssued,
    Rule::AccountNumberValue,
    Rule::LanguageNegotiated,
    Rule::LanguageSkipped,
    Rule::AcceptLanguageByQuality,
];

/// A refusal that is not an input error: a rule of the directory.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    UserExists,
    NonExistentUser,
    NotAMember,
    SignInRefused,
    RegistrationRefused,
    RegistrationNotFound,
    UserNotFound,
    GroupExists,
}

impl Refusal {
    fn matches(self, error: &Error) -> bool {
        matches!(
            (self, error),
            (Refusal::UserExists, Error::UserExists { .. })
                | (Refusal::NonExistentUser, Error::NonExistentUser { .. })
                | (Refusal::NotAMember, Error::NotAMember { .. })
                | (Refusal::SignInRefused, Error::SignInRefused)
                | (Refusal::RegistrationRefused, Error::RegistrationRefused)
                | (
                    Refusal::RegistrationNotFound,
                    Error::RegistrationNotFound { .. }
                )
                | (Refusal::UserNotFound, Error::UserNotFound { .. })
                | (Refusal::GroupExists, Error::GroupExists { .. })
        )
    }
}

#[derive(Debug)]
enum Expect {
    /// Refused as an input error of this field.
    Invalid(Field, Problem),
    /// Refused by a rule of the directory.
    Refused(Refusal),
    /// Accepted under the rule; the normalised result (see `World::apply`).
    Accepted(Rule, String),
}

#[derive(Debug)]
struct Case {
    name: String,
    input: Input,
    expect: Expect,
}

fn invalid(name: impl Into<String>, input: Input, field: Field, problem: Problem) -> Case {
    Case {
        name: name.into(),
        input,
        expect: Expect::Invalid(field, problem),
    }
}

fn refused(name: impl Into<String>, input: Input, refusal: Refusal) -> Case {
    Case {
        name: name.into(),
        input,
        expect: Expect::Refused(refusal),
    }
}

fn accepted(name: impl Into<String>, input: Input, rule: Rule, normalised: &str) -> Case {
    Case {
        name: name.into(),
        input,
        expect: Expect::Accepted(rule, normalised.to_owned()),
    }
}

const EMAIL_MAX: Problem = Problem::TooLong { max: 254 };
const NAME_MAX: Problem = Problem::TooLong { max: 100 };
const PASSWORD_MAX: Problem = Problem::TooLong { max: 128 };

// ---------------------------------------------------------------------------
// The world every case runs in.

/// Account 12345 with alice as its administrator (the shared fixture), a
/// group Sales with bob in it, carol pending registration, and alice
/// signed in with her temporary password (a ticket to set a permanent one).
struct World {
    dir: Directory<MemoryStore>,
    token: RegistrationToken,
    ticket: PasswordChangeTicket,
}

/// Everything that could change: the fixture's snapshot, the audit length
/// and the whole store (its `Debug` shows every map, hashes redacted).
#[derive(Debug, PartialEq)]
struct State {
    snapshot: String,
    audit_len: usize,
    store: String,
}

fn alice(dir: &Directory<MemoryStore>) -> Actor {
    user(dir, "alice@example.com")
}

fn new_user(username: &str, first: &str, last: &str, password: &str, confirm: &str) -> AddUserForm {
    AddUserForm::new(username, first, last, Password::new(password))
        .confirm_password(Password::new(confirm))
        .enforce_password_expiration(true)
}

fn registration(first: &str, last: &str, password: &str, confirm: &str) -> RegistrationForm {
    RegistrationForm::new(first, last, Password::new(password))
        .confirm_password(Password::new(confirm))
}

impl World {
    fn new() -> World {
        let dir = setup();
        dir.create_group(&alice(&dir), ACCOUNT, "Sales").unwrap();
        dir.add_user(&alice(&dir), ACCOUNT, &form("bob@example.com"))
            .unwrap();
        dir.add_to_group(&alice(&dir), SALES, "bob@example.com")
            .unwrap();
        let token = match dir
            .send_secure_message(&alice(&dir), ACCOUNT, "carol@example.com")
            .unwrap()
        {
            SecureMessageSent::RegistrationIssued { token, .. } => token,
            other => panic!("expected a token, got {other:?}"),
        };
        let ticket = match dir
            .authenticate(&SOURCE, "alice@example.com", &Password::new(TEMP))
            .unwrap()
        {
            SignIn::PermanentPasswordRequired(ticket) => ticket,
            other => panic!("expected a temporary password, got {other:?}"),
        };
        World { dir, token, ticket }
    }

    fn state(&self) -> State {
        State {
            snapshot: snapshot(&self.dir, ACCOUNT),
            audit_len: audit_len(&self.dir),
            store: format!("{:?}", self.dir.read_store().unwrap()),
        }
    }

    /// `"signed in"` when `email` signs in with exactly `password` and, if
    /// trimming would change it, not with the trimmed password.
    fn signs_in_verbatim(&self, email: &str, password: &str) -> String {
        if let Err(error) = self
            .dir
            .authenticate(&SOURCE, email, &Password::new(password))
        {
            return format!("no sign-in with the password as typed: {error:?}");
        }
        let trimmed = password.trim();
        if trimmed != password
            && self
                .dir
                .authenticate(&SOURCE, email, &trimmed.into())
                .is_ok()
        {
            return "the trimmed password signs in too".to_owned();
        }
        "signed in".to_owned()
    }

    /// A stored user's first and last name.
    fn names(&self, email: &str) -> (String, String) {
        let email = Email::parse(email).unwrap();
        let reader = self.dir.read_store().unwrap();
        let id = reader.user_id(&email).unwrap().expect("the user exists");
        let user = reader.user(id).unwrap().expect("the user exists");
        (
            user.first_name.as_str().to_owned(),
            user.last_name.as_str().to_owned(),
        )
    }

    /// Runs the input; on success, the normalised result the case expects.
    fn apply(&self, input: &Input) -> Result<String, Error> {
        let dir = &self.dir;
        let pw = |text: &str| Password::new(text);
        let identity = |email: &Email| email.identity().to_owned();
        Ok(match input {
            Input::EmailParse(text) => {
                let email = Email::parse(text)?;
                if email.as_str() != text.trim() {
                    return Ok(format!("not kept as typed: {:?}", email.as_str()));
                }
                identity(&email)
            }
            Input::Username(text) => {
                let form = new_user(text, "Dave", "Jones", STRONG, STRONG);
                identity(&dir.add_user(&alice(dir), ACCOUNT, &form)?.user.email)
            }
            Input::AddToGroup(text) => {
                let added = dir.add_to_group(&alice(dir), ADMINS, text)?;
                identity(&added.user.email)
            }
            Input::RemoveFromGroup(text) => {
                identity(&dir.remove_from_group(&alice(dir), SALES, text)?.user.email)
            }
            Input::SignInEmail(text) => match dir.authenticate(&SOURCE, text, &pw(TEMP))? {
                SignIn::PermanentPasswordRequired(ticket) => identity(&ticket.user().email),
                other => format!("unexpected {other:?}"),
            },
            Input::ChangePasswordEmail(text) => {
                let changed = dir.change_password(
                    &SOURCE,
                    text,
                    &pw(TEMP),
                    &pw(NEW_PASSWORD),
                    &pw(NEW_PASSWORD),
                )?;
                identity(&changed.user.email)
            }
            Input::Recipient(text) => match dir.send_secure_message(&alice(dir), ACCOUNT, text)? {
                SecureMessageSent::RegistrationIssued { email, .. } => identity(&email),
                SecureMessageSent::RecipientHasUser { email } => {
                    format!("{} has a user", email.identity())
                }
                other => format!("unexpected {other:?}"),
            },
            Input::ResetPasswordUserId(text) => {
                let reset = dir.reset_password(
                    &Actor::Support,
                    text,
                    &pw(NEW_PASSWORD),
                    &pw(NEW_PASSWORD),
                )?;
                identity(&reset.user.email)
            }
            Input::UnlockUserId(text) => {
                identity(&dir.unlock_user(&Actor::Support, text)?.user.email)
            }
            Input::RevokeRecipient(text) => identity(
                &dir.revoke_registration(&Actor::Support, ACCOUNT, text)?
                    .email,
            ),
            Input::FirstName(text) => {
                let form = new_user("dave@example.com", text, "Jones", STRONG, STRONG);
                dir.add_user(&alice(dir), ACCOUNT, &form)?;
                self.names("dave@example.com").0
            }
            Input::LastName(text) => {
                let form = new_user("dave@example.com", "Dave", text, STRONG, STRONG);
                dir.add_user(&alice(dir), ACCOUNT, &form)?;
                self.names("dave@example.com").1
            }
            Input::RegisterFirstName(text) => {
                let form = registration(text, "Jones", PASSPHRASE, PASSPHRASE);
                dir.register(self.token.as_str(), &form)?;
                self.names("carol@example.com").0
            }
            Input::RegisterLastName(text) => {
                let form = registration("Carol", text, PASSPHRASE, PASSPHRASE);
                dir.register(self.token.as_str(), &form)?;
                self.names("carol@example.com").1
            }
            Input::AccountName(text) => {
                let created = dir.create_account(&Actor::Support, NEW_ACCOUNT, text)?;
                created.account.name.as_str().to_owned()
            }
            Input::NewGroupName(text) => {
                let created = dir.create_group(&alice(dir), ACCOUNT, text)?;
                created.group.name.to_string()
            }
            Input::GroupRename(text) => {
                let renamed = dir.rename_group(&alice(dir), SALES, text)?;
                renamed.group.name.to_string()
            }
            Input::AddUserPassword(password, confirm) => {
                let form = new_user("dave@example.com", "Dave", "Jones", password, confirm);
                dir.add_user(&alice(dir), ACCOUNT, &form)?;
                self.signs_in_verbatim("dave@example.com", password)
            }
            Input::PermanentPassword(password, confirm) => {
                dir.set_permanent_password(&self.ticket, &pw(password), &pw(confirm))?;
                self.signs_in_verbatim("alice@example.com", password)
            }
            Input::ChangePassword(current, password, confirm) => {
                dir.change_password(
                    &SOURCE,
                    "alice@example.com",
                    &pw(current),
                    &pw(password),
                    &pw(confirm),
                )?;
                self.signs_in_verbatim("alice@example.com", password)
            }
            Input::RegisterPassword(password, confirm) => {
                let form = registration("Carol", "Jones", password, confirm);
                dir.register(self.token.as_str(), &form)?;
                self.signs_in_verbatim("carol@example.com", password)
            }
            Input::ResetPassword(password, confirm) => {
                dir.reset_password(
                    &Actor::Support,
                    "bob@example.com",
                    &pw(password),
                    &pw(confirm),
                )?;
                self.signs_in_verbatim("bob@example.com", password)
            }
            Input::SignInPassword(email, password) => {
                dir.authenticate(&SOURCE, email, &pw(password))?;
                "signed in".to_owned()
            }
            Input::Token(make) => {
                let form = registration("Carol", "Jones", PASSPHRASE, PASSPHRASE);
                identity(&dir.register(&make(self.token.as_str()), &form)?.user.email)
            }
            Input::AccountNumber(text) => AccountNumber::parse(text)?.get().to_string(),
            Input::LanguageTags(tags) => chain(&Localizer::new(tags)),
            Input::AcceptLanguage(header) => chain(&Localizer::from_accept_language(header)),
            Input::DisableUserId(text) => {
                identity(&dir.disable_user(&Actor::Support, text)?.user.email)
            }
            Input::DeleteUserId(text) => {
                identity(&dir.delete_user(&Actor::Support, text)?.user.email)
            }
            Input::NewEmail(text) => identity(
                &dir.change_email(&Actor::Support, "bob@example.com", text)?
                    .user
                    .email,
            ),
            Input::RenameFirstName(text) => {
                let renamed = dir.rename_user(&Actor::Support, "bob@example.com", text, "Jones")?;
                renamed.first_name.as_str().to_owned()
            }
            Input::RenameLastName(text) => {
                let renamed = dir.rename_user(&Actor::Support, "bob@example.com", "Bob", text)?;
                renamed.last_name.as_str().to_owned()
            }
        })
    }
}

/// The localizer's chain, as `fr,en-US`, if it renders a message; else why not.
fn chain(localizer: &Localizer) -> String {
    let email = Email::parse("bob@example.com").unwrap();
    match localizer.try_render(&Error::NonExistentUser { email }) {
        Ok(text) if !text.trim().is_empty() => localizer
            .languages()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        other => format!("does not render: {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// The checks.

/// The three shipped languages, built once.
static READERS: LazyLock<[(&str, Localizer); 3]> = LazyLock::new(|| {
    [
        ("en-US", Localizer::english()),
        ("fr", Localizer::new(&["fr"])),
        ("de", Localizer::new(&["de"])),
    ]
});

/// Invisible or control characters that a rendered message must not echo.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// The refusal renders, cleanly and differently, in each shipped language.
fn check_rendering(error: &Error) -> Result<(), String> {
    let mut english = String::new();
    for (language, localizer) in READERS.iter() {
        let text = localizer
            .try_render(error)
            .map_err(|e| format!("does not render in {language}: {e}"))?;
        if text.trim().is_empty() {
            return Err(format!("renders empty in {language}"));
        }
        if text.chars().any(is_hidden) || text.chars().count() > 400 {
            return Err(format!("renders hostile text in {language}: {text:?}"));
        }
        if *language == "en-US" {
            english = text;
        } else if text == english {
            return Err(format!("renders in English for {language}: {text:?}"));
        }
    }
    Ok(())
}

fn check(case: &Case) -> Result<(), String> {
    let world = World::new();
    let before = world.state();
    let outcome = catch_unwind(AssertUnwindSafe(|| world.apply(&case.input)))
        .map_err(|_| "panicked".to_owned())?;
    let error = match (&case.expect, outcome) {
        (Expect::Accepted(_, normalised), Ok(got)) => {
            return if got == *normalised {
                Ok(())
            } else {
                Err(format!("accepted as {got:?}, expected {normalised:?}"))
            };
        }
        (Expect::Accepted(..), Err(error)) => {
            return Err(format!("expected accepted, refused with {error:?}"));
        }
        (_, Ok(got)) => return Err(format!("expected refused, accepted as {got:?}")),
        (_, Err(error)) => error,
    };
    if error.is_store_failure() {
        return Err(format!("a store failure, not a refusal: {error:?}"));
    }
    let expected = match &case.expect {
        Expect::Invalid(field, problem) => {
            matches!(&error, Error::Invalid(i) if i.field == *field && i.problem == *problem)
        }
        Expect::Refused(refusal) => refusal.matches(&error),
        Expect::Accepted(..) => unreachable!("handled above"),
    };
    if !expected {
        return Err(format!(
            "refused with {error:?}, expected {:?}",
            case.expect
        ));
    }
    check_rendering(&error)?;
    let after = world.state();
    if after != before {
        return Err("a refusal changed the state".to_owned());
    }
    Ok(())
}

fn check_all(cases: &[Case]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case)
                .err()
                .map(|why| format!("{} [{}]: {why}", case.name, case.input.kind()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} case(s) failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The table.

fn email_parse_cases() -> Vec<Case> {
    use Input::EmailParse as E;
    use Problem::*;
    use Rule::*;
    let e = |text: &str| E(text.to_owned());
    let no = |name: &str, text: &str, problem| invalid(name, e(text), Field::Email, problem);
    let ok = |name: &str, text: &str, rule, identity: &str| accepted(name, e(text), rule, identity);
    let a = |n: usize| "a".repeat(n);
    let longest = format!(
        "{}@{}.{}.{}",
        a(64),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(61)
    );
    let too_long = format!("{longest}d");
    vec![
        no("empty", "", Empty),
        no("spaces only", "   ", Empty),
        no("tab, CR and LF only", "\t\r\n", Empty),
        no("NBSP and ideographic space only", "\u{A0}\u{3000}", Empty),
        no("1 MB of spaces", &megabyte(" "), Empty),
        no("1 MB of letters", &megabyte("a"), EMAIL_MAX),
        no(
            "1 MB of letters ending in NUL",
            &megabyte_then_nul("a"),
            EMAIL_MAX,
        ),
        no("1 MB of 'é'", &megabyte("é"), EMAIL_MAX),
        no(
            "1 MB address-like",
            &format!("{}@example.com", megabyte("a")),
            EMAIL_MAX,
        ),
        no(
            "NUL in the local part",
            "bob\0@example.com",
            ControlCharacter,
        ),
        no("NUL at the end", "bob@example.com\0", ControlCharacter),
        no(
            "CR LF header injection",
            "bob@example.com\r\nBcc: eve@example.net",
            ControlCharacter,
        ),
        no(
            "LF in the local part",
            "bob\n@example.com",
            ControlCharacter,
        ),
        no("tab inside", "bob\t@example.com", ControlCharacter),
        no("DEL inside", "bob\u{7F}@example.com", ControlCharacter),
        no(
            "right-to-left override",
            "\u{202E}moc.elpmaxe@bob",
            InvisibleCharacter,
        ),
        no(
            "right-to-left override in the domain",
            "bob@exa\u{202E}mple.com",
            InvisibleCharacter,
        ),
        no(
            "left-to-right isolate at the end",
            "bob@example.com\u{2066}",
            InvisibleCharacter,
        ),
        no(
            "zero-width space",
            "bob\u{200B}@example.com",
            InvisibleCharacter,
        ),
        no(
            "zero-width joiner",
            "bob\u{200D}@example.com",
            InvisibleCharacter,
        ),
        no(
            "byte order mark in front (not white space)",
            "\u{FEFF}bob@example.com",
            InvisibleCharacter,
        ),
        no("word joiner", "b\u{2060}ob@example.com", InvisibleCharacter),
        no("soft hyphen", "bob@exam\u{AD}ple.com", InvisibleCharacter),
        no(
            "Cyrillic 'а' in the domain",
            "bob@ex\u{430}mple.com",
            NonAscii,
        ),
        no(
            "Cyrillic 'а' in the local part",
            "\u{430}lice@example.com",
            NonAscii,
        ),
        no(
            "Kelvin sign (lower-cases to 'k')",
            "\u{212A}im@example.com",
            NonAscii,
        ),
        no("combining accent", "bo\u{301}b@example.com", NonAscii),
        no("IDN domain in Unicode", "bob@bücher.de", NonAscii),
        no("IDN domain in Japanese", "bob@例え.jp", NonAscii),
        no("full-width letters", "ｂｏｂ@example.com", NonAscii),
        no("full-width at sign", "bob＠example.com", NonAscii),
        no("space inside", "bob @example.com", Whitespace),
        no("em space inside", "bob\u{2003}@example.com", Whitespace),
        no(
            "display name and angle brackets",
            "Bob <bob@example.com>",
            Whitespace,
        ),
        no("quoted local part", "\"bob\"@example.com", LocalPart),
        no(
            "quoted local part with a space",
            "\"bob smith\"@example.com",
            Whitespace,
        ),
        no(
            "quoted local part with an at sign",
            "\"bob@home\"@example.com",
            AtSign,
        ),
        no("empty quoted local part", "\"\"@example.com", LocalPart),
        no("no at sign", "bob.example.com", AtSign),
        no("two at signs", "bob@example.com@evil.example", AtSign),
        no("empty local part", "@example.com", LocalPart),
        no(
            "leading dot in the local part",
            ".bob@example.com",
            LocalPart,
        ),
        no(
            "trailing dot in the local part",
            "bob.@example.com",
            LocalPart,
        ),
        no(
            "consecutive dots in the local part",
            "bo..b@example.com",
            LocalPart,
        ),
        no(
            "comment in the local part",
            "bob(comment)@example.com",
            LocalPart,
        ),
        no(
            "backslash in the local part",
            "bob\\@example.com",
            LocalPart,
        ),
        no(
            "angle brackets without a name",
            "<bob@example.com>",
            LocalPart,
        ),
        no("mailto: prefix", "mailto:bob@example.com", LocalPart),
        no(
            "local part of 65 characters",
            &format!("{}@example.com", a(65)),
            LocalPart,
        ),
        no("empty domain", "bob@", Domain),
        no("leading dot in the domain", "bob@.example.com", Domain),
        no("trailing dot in the domain", "bob@example.com.", Domain),
        no("consecutive dots in the domain", "bob@example..com", Domain),
        no("leading hyphen in a label", "bob@-example.com", Domain),
        no("trailing hyphen in a label", "bob@example-.com", Domain),
        no("underscore in the domain", "bob@exa_mple.com", Domain),
        no("IP literal", "bob@[127.0.0.1]", Domain),
        no("bare xn-- label", "bob@xn--.com", Domain),
        no(
            "label of 64 characters",
            &format!("bob@{}.com", a(64)),
            Domain,
        ),
        no("address of 255 characters", &too_long, EMAIL_MAX),
        ok(
            "surrounding spaces, mixed case",
            " Bob@Example.COM ",
            EmailTrimmedIdentityLowercase,
            "bob@example.com",
        ),
        ok(
            "surrounding NBSP and ideographic space",
            "\u{A0}bob@example.com\u{3000}",
            EmailTrimmedIdentityLowercase,
            "bob@example.com",
        ),
        ok(
            "trailing CR LF (white space at the end)",
            "bob@example.com\r\n",
            EmailTrimmedIdentityLowercase,
            "bob@example.com",
        ),
        ok(
            "punycode domain",
            "bob@xn--bcher-kva.de",
            EmailXnDomain,
            "bob@xn--bcher-kva.de",
        ),
        ok(
            "punycode domain in upper case",
            "Bob@XN--BCHER-KVA.DE",
            EmailXnDomain,
            "bob@xn--bcher-kva.de",
        ),
        ok(
            "plus tag and subdomain",
            "first.last+tag@sub.example-1.org",
            EmailDotAtomAndLabels,
            "first.last+tag@sub.example-1.org",
        ),
        ok(
            "percent and equals in the local part",
            "bob%relay=x?@example.com",
            EmailDotAtomAndLabels,
            "bob%relay=x?@example.com",
        ),
        ok(
            "single-label domain",
            "bob@localhost",
            EmailDotAtomAndLabels,
            "bob@localhost",
        ),
        ok(
            "all-digit labels",
            "bob@127.0.0.1",
            EmailDotAtomAndLabels,
            "bob@127.0.0.1",
        ),
        ok(
            "local part of 64 characters",
            &format!("{}@example.com", a(64)),
            EmailLimitsInclusive,
            &format!("{}@example.com", a(64)),
        ),
        ok(
            "label of 63 characters",
            &format!("bob@{}.com", a(63)),
            EmailLimitsInclusive,
            &format!("bob@{}.com", a(63)),
        ),
        ok(
            "address of 254 characters",
            &longest,
            EmailLimitsInclusive,
            &longest,
        ),
    ]
}

/// Makes the input of one operation from its text.
type MakeInput = fn(String) -> Input;

/// Hostile addresses that every operation taking an address refuses the
/// same way, in its own field.
fn hostile_addresses() -> Vec<(&'static str, String, Problem)> {
    use Problem::*;
    vec![
        ("empty", String::new(), Empty),
        ("white space only", " \t ".into(), Empty),
        ("1 MB ending in NUL", megabyte_then_nul("a"), EMAIL_MAX),
        (
            "CR LF header injection",
            "bob@example.com\r\nBcc: eve@example.net".into(),
            ControlCharacter,
        ),
        (
            "right-to-left override",
            "bob\u{202E}@example.com".into(),
            InvisibleCharacter,
        ),
        (
            "byte order mark in front",
            "\u{FEFF}bob@example.com".into(),
            InvisibleCharacter,
        ),
        (
            "Cyrillic 'о' homoglyph",
            "b\u{43E}b@example.com".into(),
            NonAscii,
        ),
        ("quoted local part", "\"bob\"@example.com".into(), LocalPart),
        (
            "consecutive dots in the domain",
            "bob@example..com".into(),
            Domain,
        ),
        (
            "label of 64 characters",
            format!("bob@{}.com", "a".repeat(64)),
            Domain,
        ),
    ]
}

fn address_operation_cases() -> Vec<Case> {
    use Refusal::*;
    use Rule::EmailTrimmedIdentityLowercase as Trimmed;
    let s = |text: &str| text.to_owned();
    let operations: [(MakeInput, Field); 12] = [
        (Input::Username, Field::Username),
        (Input::AddToGroup, Field::UserId),
        (Input::RemoveFromGroup, Field::UserId),
        (Input::SignInEmail, Field::Email),
        (Input::ChangePasswordEmail, Field::Email),
        (Input::Recipient, Field::Email),
        (Input::ResetPasswordUserId, Field::UserId),
        (Input::UnlockUserId, Field::UserId),
        (Input::RevokeRecipient, Field::Email),
        (Input::DisableUserId, Field::UserId),
        (Input::DeleteUserId, Field::UserId),
        (Input::NewEmail, Field::Email),
    ];
    let mut cases = Vec::new();
    for (make, field) in operations {
        for (name, text, problem) in hostile_addresses() {
            cases.push(invalid(name, make(text), field, problem));
        }
    }
    cases.extend([
        refused(
            "an existing user in other case and spaces",
            Input::Username(s(" ALICE@Example.com ")),
            UserExists,
        ),
        accepted(
            "a new user with spaces and mixed case",
            Input::Username(s("  Dave@Example.COM\n")),
            Trimmed,
            "dave@example.com",
        ),
        accepted(
            "a new user at a punycode domain",
            Input::Username(s("dave@xn--bcher-kva.de")),
            Rule::EmailXnDomain,
            "dave@xn--bcher-kva.de",
        ),
        refused(
            "a user pending registration does not exist",
            Input::AddToGroup(s("carol@example.com")),
            NonExistentUser,
        ),
        refused(
            "no such user",
            Input::AddToGroup(s("nobody@example.com")),
            NonExistentUser,
        ),
        accepted(
            "bob in other case and spaces",
            Input::AddToGroup(s(" BOB@example.COM ")),
            Trimmed,
            "bob@example.com",
        ),
        refused(
            "alice is not in Sales",
            Input::RemoveFromGroup(s("alice@example.com")),
            NotAMember,
        ),
        accepted(
            "bob in other case and spaces",
            Input::RemoveFromGroup(s("\u{3000}Bob@EXAMPLE.com")),
            Trimmed,
            "bob@example.com",
        ),
        refused(
            "no such user",
            Input::SignInEmail(s("nobody@example.com")),
            SignInRefused,
        ),
        refused(
            "a user pending registration",
            Input::SignInEmail(s("carol@example.com")),
            SignInRefused,
        ),
        accepted(
            "alice in other case and spaces",
            Input::SignInEmail(s(" ALICE@Example.com ")),
            Trimmed,
            "alice@example.com",
        ),
        refused(
            "no such user",
            Input::ChangePasswordEmail(s("nobody@example.com")),
            SignInRefused,
        ),
        accepted(
            "alice in other case and spaces",
            Input::ChangePasswordEmail(s("Alice@EXAMPLE.com\t")),
            Trimmed,
            "alice@example.com",
        ),
        accepted(
            "a new recipient with spaces and mixed case",
            Input::Recipient(s(" Dave@Example.com ")),
            Trimmed,
            "dave@example.com",
        ),
        accepted(
            "an existing user in other case",
            Input::Recipient(s("BOB@EXAMPLE.COM")),
            Trimmed,
            "bob@example.com has a user",
        ),
        refused(
            "a user pending registration",
            Input::ResetPasswordUserId(s("carol@example.com")),
            UserNotFound,
        ),
        refused(
            "no such user",
            Input::ResetPasswordUserId(s("nobody@example.com")),
            UserNotFound,
        ),
        accepted(
            "bob in other case and spaces",
            Input::ResetPasswordUserId(s(" BOB@example.com ")),
            Trimmed,
            "bob@example.com",
        ),
        refused(
            "a user pending registration",
            Input::UnlockUserId(s("carol@example.com")),
            UserNotFound,
        ),
        refused(
            "no such user",
            Input::DisableUserId(s("nobody@example.com")),
            UserNotFound,
        ),
        accepted(
            "bob in other case and spaces",
            Input::DisableUserId(s(" Bob@Example.com ")),
            Trimmed,
            "bob@example.com",
        ),
        refused(
            "a user pending registration",
            Input::DeleteUserId(s("carol@example.com")),
            UserNotFound,
        ),
        accepted(
            "bob in other case and spaces",
            Input::DeleteUserId(s("\tBOB@example.COM ")),
            Trimmed,
            "bob@example.com",
        ),
        refused(
            "an existing user in other case and spaces",
            Input::NewEmail(s(" ALICE@Example.com ")),
            UserExists,
        ),
        accepted(
            "a new address with spaces and mixed case",
            Input::NewEmail(s("  Dave@Example.COM\n")),
            Trimmed,
            "dave@example.com",
        ),
        accepted(
            "bob in other case and spaces",
            Input::UnlockUserId(s(" Bob@Example.com ")),
            Trimmed,
            "bob@example.com",
        ),
        refused(
            "no registration pending",
            Input::RevokeRecipient(s("bob@example.com")),
            RegistrationNotFound,
        ),
        accepted(
            "carol in other case and spaces",
            Input::RevokeRecipient(s(" CAROL@Example.com ")),
            Trimmed,
            "carol@example.com",
        ),
    ]);
    cases
}

/// Hostile names that every name input refuses the same way, in its own field.
fn hostile_names() -> Vec<(&'static str, String, Problem)> {
    use Problem::*;
    vec![
        ("empty", String::new(), Empty),
        ("spaces only", "   ".into(), Empty),
        (
            "NBSP and ideographic space only",
            "\u{A0}\u{3000}".into(),
            Empty,
        ),
        ("101 characters", "x".repeat(101), NAME_MAX),
        ("1 MB ending in NUL", megabyte_then_nul("x"), NAME_MAX),
        ("NUL", "Bob\0".into(), ControlCharacter),
        ("CR LF inside", "Bob\r\nBuilder".into(), ControlCharacter),
        (
            "right-to-left override",
            "Bob\u{202E}redliuB".into(),
            InvisibleCharacter,
        ),
        (
            "zero-width space in front",
            "\u{200B}Bob".into(),
            InvisibleCharacter,
        ),
        (
            "byte order mark at the end",
            "Bob\u{FEFF}".into(),
            InvisibleCharacter,
        ),
        (
            "line separator inside",
            "Bob\u{2028}Builder".into(),
            InvisibleCharacter,
        ),
        (
            "paragraph separator inside",
            "Bob\u{2029}Builder".into(),
            InvisibleCharacter,
        ),
        (
            "tag characters spelling a hidden message",
            "Bob\u{E0068}\u{E0069}".into(),
            InvisibleCharacter,
        ),
        (
            "language tag in front",
            "\u{E0001}Bob".into(),
            InvisibleCharacter,
        ),
        (
            "interlinear annotation marks",
            "Bob\u{FFF9}x\u{FFFB}".into(),
            InvisibleCharacter,
        ),
        (
            "musical beam format character",
            "Bob\u{1D173}".into(),
            InvisibleCharacter,
        ),
        (
            "private-use character",
            "Bob\u{E000}".into(),
            InvisibleCharacter,
        ),
        ("Hangul filler only", "\u{3164}".into(), InvisibleCharacter),
        (
            "halfwidth Hangul filler inside",
            "Bo\u{FFA0}b".into(),
            InvisibleCharacter,
        ),
        ("braille blank only", "\u{2800}".into(), InvisibleCharacter),
        (
            "combining grapheme joiner",
            "Bo\u{34F}b".into(),
            InvisibleCharacter,
        ),
        (
            "zero-width joiner in front",
            "\u{200D}Bob".into(),
            InvisibleCharacter,
        ),
        (
            "zero-width non-joiner at the end",
            "Bob\u{200C}".into(),
            InvisibleCharacter,
        ),
        (
            "zero-width joiner doubled",
            "Bo\u{200D}\u{200D}b".into(),
            InvisibleCharacter,
        ),
        (
            "zero-width non-joiner next to a space",
            "Bob \u{200C}Builder".into(),
            InvisibleCharacter,
        ),
        (
            "variation selector after a space",
            "Bob \u{FE0F}".into(),
            InvisibleCharacter,
        ),
    ]
}

fn name_cases() -> Vec<Case> {
    use Rule::NameTrimmedAsTyped as AsTyped;
    let s = |text: &str| text.to_owned();
    let inputs: [(MakeInput, Field); 9] = [
        (Input::FirstName, Field::FirstName),
        (Input::RenameFirstName, Field::FirstName),
        (Input::RenameLastName, Field::LastName),
        (Input::LastName, Field::LastName),
        (Input::RegisterFirstName, Field::FirstName),
        (Input::RegisterLastName, Field::LastName),
        (Input::AccountName, Field::AccountName),
        (Input::NewGroupName, Field::GroupName),
        (Input::GroupRename, Field::GroupName),
    ];
    let mut cases = Vec::new();
    for (make, field) in inputs {
        for (name, text, problem) in hostile_names() {
            cases.push(invalid(name, make(text), field, problem));
        }
        cases.push(accepted(
            "surrounded by NBSP, a space and a tab",
            make(s("\u{A0} Zoë\t")),
            AsTyped,
            "Zoë",
        ));
    }
    let e100 = "é".repeat(100);
    cases.extend([
        accepted(
            "100 two-byte characters (counted in characters)",
            Input::FirstName(e100.clone()),
            AsTyped,
            &e100,
        ),
        accepted("Cyrillic", Input::FirstName(s("Зоя")), AsTyped, "Зоя"),
        accepted(
            "decomposed diaeresis, not normalised",
            Input::LastName(s("Zoe\u{308}")),
            AsTyped,
            "Zoe\u{308}",
        ),
        accepted(
            "SQL",
            Input::LastName(s("Robert'); DROP TABLE users;--")),
            AsTyped,
            "Robert'); DROP TABLE users;--",
        ),
        accepted(
            "markup, not escaped",
            Input::AccountName(s("<script>alert(1)</script>")),
            AsTyped,
            "<script>alert(1)</script>",
        ),
        accepted(
            "100 characters",
            Input::AccountName("x".repeat(100)),
            AsTyped,
            &"x".repeat(100),
        ),
        accepted(
            "full-width letters",
            Input::RegisterFirstName(s("Ｃａｒｏｌ")),
            AsTyped,
            "Ｃａｒｏｌ",
        ),
        accepted(
            "an emoji",
            Input::NewGroupName(s("🦀 Team")),
            AsTyped,
            "🦀 Team",
        ),
        accepted(
            "an emoji sequence joined by U+200D",
            Input::RegisterLastName(s("👩\u{200D}💻")),
            AsTyped,
            "👩\u{200D}💻",
        ),
        accepted(
            "a flag sequence: variation selector then U+200D",
            Input::NewGroupName(s("🏳\u{FE0F}\u{200D}🌈 Team")),
            AsTyped,
            "🏳\u{FE0F}\u{200D}🌈 Team",
        ),
        accepted(
            "a Persian name with U+200C between its parts",
            Input::FirstName(s("علی\u{200C}رضا")),
            AsTyped,
            "علی\u{200C}رضا",
        ),
        accepted(
            "a Devanagari conjunct with U+200D after the virama",
            Input::AccountName(s("क्\u{200D}ष")),
            AsTyped,
            "क्\u{200D}ष",
        ),
        refused(
            "an existing group in other case and spaces",
            Input::NewGroupName(s(" SALES ")),
            Refusal::GroupExists,
        ),
        refused(
            "an existing group with a variation selector added",
            Input::NewGroupName(s("SALES\u{FE0F}")),
            Refusal::GroupExists,
        ),
        invalid(
            "the built-in group's English name",
            Input::NewGroupName(s("account administrators")),
            Field::GroupName,
            Problem::ReservedName,
        ),
        invalid(
            "the built-in group's French name",
            Input::NewGroupName(s("Administrateurs de compte")),
            Field::GroupName,
            Problem::ReservedName,
        ),
        invalid(
            "the built-in group's German name",
            Input::NewGroupName(s("Kontoadministratoren")),
            Field::GroupName,
            Problem::ReservedName,
        ),
        invalid(
            "the built-in group's name with a no-break space",
            Input::NewGroupName(s("Account\u{a0}Administrators")),
            Field::GroupName,
            Problem::ReservedName,
        ),
        invalid(
            "the built-in group's name with a Cyrillic A",
            Input::NewGroupName(s("\u{410}ccount Administrators")),
            Field::GroupName,
            Problem::ReservedName,
        ),
        accepted(
            "a name close to the built-in group's that is not it",
            Input::NewGroupName(s("Account Admins")),
            AsTyped,
            "Account Admins",
        ),
        accepted(
            "a Cyrillic homoglyph of an existing group",
            Input::NewGroupName(s("S\u{430}les")),
            AsTyped,
            "S\u{430}les",
        ),
        accepted(
            "its own name in other case",
            Input::GroupRename(s("SALES")),
            AsTyped,
            "SALES",
        ),
        invalid(
            "the built-in group's name",
            Input::GroupRename(s("Account Administrators")),
            Field::GroupName,
            Problem::ReservedName,
        ),
    ]);
    cases
}

fn password_cases() -> Vec<Case> {
    use Field::{ConfirmPassword as Confirm, Password as P};
    use Problem::*;
    use Rule::{PasswordNfkc as Nfkc, PasswordVerbatim as Verbatim};
    let s = |text: &str| text.to_owned();
    let twice = |text: &str| (text.to_owned(), text.to_owned());
    let add = |text: &str| {
        let (password, confirm) = twice(text);
        Input::AddUserPassword(password, confirm)
    };
    let permanent = |text: &str| {
        let (password, confirm) = twice(text);
        Input::PermanentPassword(password, confirm)
    };
    let change = |text: &str| {
        let (password, confirm) = twice(text);
        Input::ChangePassword(s(TEMP), password, confirm)
    };
    let current = |text: &str| Input::ChangePassword(s(text), s(NEW_PASSWORD), s(NEW_PASSWORD));
    let register = |text: &str| {
        let (password, confirm) = twice(text);
        Input::RegisterPassword(password, confirm)
    };
    let reset = |text: &str| {
        let (password, confirm) = twice(text);
        Input::ResetPassword(password, confirm)
    };
    let sign_in = |email: &str, text: &str| Input::SignInPassword(s(email), s(text));
    let big = megabyte_then_nul("x");
    let zero_width = "\u{200B}".repeat(8);
    vec![
        // Add User
        invalid("empty", add(""), P, Empty),
        invalid("7 characters", add("Tr0ub4d"), P, TooShort { min: 8 }),
        invalid(
            "7 two-byte characters (counted in characters)",
            add(&"é".repeat(7)),
            P,
            TooShort { min: 8 },
        ),
        invalid("129 characters", add(&"x".repeat(129)), P, PASSWORD_MAX),
        invalid(
            "129 two-byte characters",
            add(&"é".repeat(129)),
            P,
            PASSWORD_MAX,
        ),
        invalid("1 MB ending in NUL", add(&big), P, PASSWORD_MAX),
        invalid("NUL inside", add("Tr0ub4dor\0&3"), P, ControlCharacter),
        invalid(
            "trailing CR LF (not trimmed)",
            add("Tr0ub4dor&3x\r\n"),
            P,
            ControlCharacter,
        ),
        invalid("tab inside", add("Tr0ub4dor\t&3x"), P, ControlCharacter),
        invalid("common, in mixed case", add("PaSsWoRd"), P, CommonPassword),
        invalid(
            "contains the first name",
            add("Dave-the-brave"),
            P,
            PersonalInformation,
        ),
        invalid(
            "contains the last name",
            add("jones-family-9"),
            P,
            PersonalInformation,
        ),
        invalid(
            "confirmation differs",
            Input::AddUserPassword(s(STRONG), s("Tr0ub4dor&3y")),
            Confirm,
            Mismatch,
        ),
        invalid(
            "confirmation with a trailing space",
            Input::AddUserPassword(s(STRONG), format!("{STRONG} ")),
            Confirm,
            Mismatch,
        ),
        invalid(
            "confirmation of 1 MB",
            Input::AddUserPassword(s(STRONG), big.clone()),
            Confirm,
            Mismatch,
        ),
        accepted(
            "surrounded by spaces, kept",
            add("  Tr0ub4dor&3x  "),
            Verbatim,
            "signed in",
        ),
        invalid("eight spaces", add("        "), P, Repetitive),
        invalid("eight zero-width spaces", add(&zero_width), P, Repetitive),
        accepted(
            "spaces around words, kept",
            add(" quiet  river  stone "),
            Verbatim,
            "signed in",
        ),
        invalid("one letter repeated", add("aaaaaaaaaaaa"), P, Repetitive),
        invalid(
            "three letters repeated, mixed case",
            add("abcABCabcABC"),
            P,
            Repetitive,
        ),
        invalid("the alphabet in order", add("abcdefghijkl"), P, Sequential),
        invalid(
            "a keyboard row then the next",
            add("qwertyuiopasdf"),
            P,
            Sequential,
        ),
        invalid(
            "an alphabet run and two more characters",
            add("abcdefghij!1"),
            P,
            Sequential,
        ),
        accepted(
            "a strong password ending in a short run",
            add("Tr0ub4dor&3x-abc"),
            Verbatim,
            "signed in",
        ),
        invalid(
            "four decomposed letters: 8 characters typed, 4 in NFKC",
            add(&"e\u{301}".repeat(4)),
            P,
            TooShort { min: 8 },
        ),
        invalid(
            "contains the first name in full width",
            add("\u{FF24}\u{FF41}\u{FF56}\u{FF45}-the-brave"),
            P,
            PersonalInformation,
        ),
        accepted(
            "composed password, decomposed confirmation",
            Input::AddUserPassword(s("Caf\u{E9}-au-lait-42"), s("Cafe\u{301}-au-lait-42")),
            Nfkc,
            "signed in",
        ),
        accepted(
            "right-to-left override inside",
            add("Tr0ub4dor\u{202E}&3x"),
            Verbatim,
            "signed in",
        ),
        invalid(
            "128 times one four-byte character",
            add(&"🦀".repeat(128)),
            P,
            Repetitive,
        ),
        accepted(
            "128 four-byte characters",
            add(&"🦀🐍🐘🦊🐢".repeat(26)[..128 * 4]),
            Verbatim,
            "signed in",
        ),
        // Set Permanent Password
        invalid("empty", permanent(""), P, Empty),
        invalid("1 MB ending in NUL", permanent(&big), P, PASSWORD_MAX),
        invalid("LF inside", permanent("N3w\nPassword"), P, ControlCharacter),
        invalid(
            "the temporary password again",
            permanent(TEMP),
            P,
            SameAsCurrent,
        ),
        invalid(
            "contains the email's local part",
            permanent("alice-in-chains"),
            P,
            PersonalInformation,
        ),
        invalid("common", permanent("iloveyou"), P, CommonPassword),
        invalid(
            "common, in full width",
            permanent("\u{FF49}\u{FF4C}\u{FF4F}\u{FF56}\u{FF45}\u{FF59}\u{FF4F}\u{FF55}"),
            P,
            CommonPassword,
        ),
        invalid(
            "the temporary password with full-width letters",
            permanent("\u{FF34}\u{FF45}\u{FF4D}\u{FF50}-Pass-2026"),
            P,
            SameAsCurrent,
        ),
        invalid("two digits repeated", permanent("12121212"), P, Repetitive),
        invalid(
            "confirmation differs",
            Input::PermanentPassword(s(NEW_PASSWORD), s("N3w-Permanent-Pasz")),
            Confirm,
            Mismatch,
        ),
        accepted(
            "surrounded by spaces, kept",
            permanent(" N3w-Permanent-Pass "),
            Verbatim,
            "signed in",
        ),
        // Change Password
        invalid("current password empty", current(""), P, Empty),
        invalid("current password of 1 MB", current(&big), P, PASSWORD_MAX),
        invalid(
            "current password with a trailing CR LF",
            current("Temp-Pass-2026\r\n"),
            P,
            ControlCharacter,
        ),
        invalid("new password empty", change(""), P, Empty),
        invalid("new password of 1 MB", change(&big), P, PASSWORD_MAX),
        invalid(
            "new password with DEL",
            change("N3w-Pass\u{7F}word"),
            P,
            ControlCharacter,
        ),
        accepted(
            "new password in several scripts",
            change("Ünïcödé-Пароль-密码"),
            Verbatim,
            "signed in",
        ),
        accepted(
            "current password in full width",
            current("\u{FF34}\u{FF45}\u{FF4D}\u{FF50}\u{FF0D}Pass\u{FF0D}2026"),
            Nfkc,
            "signed in",
        ),
        invalid("new password descending", change("zyxwvuts"), P, Sequential),
        // Register
        invalid("empty", register(""), P, Empty),
        invalid("1 MB ending in NUL", register(&big), P, PASSWORD_MAX),
        invalid(
            "contains the email's local part",
            register("carol-2026!x"),
            P,
            PersonalInformation,
        ),
        invalid(
            "NUL only",
            register("\0\0\0\0\0\0\0\0"),
            P,
            ControlCharacter,
        ),
        invalid(
            "confirmation differs",
            Input::RegisterPassword(s(PASSPHRASE), s("a long and quiet passphrasE")),
            Confirm,
            Mismatch,
        ),
        accepted("a passphrase", register(PASSPHRASE), Verbatim, "signed in"),
        invalid(
            "the digits twice over",
            register("1234567890123"),
            P,
            Sequential,
        ),
        accepted(
            "decomposed password, composed confirmation",
            Input::RegisterPassword(s("Cafe\u{301}-au-lait-42"), s("Caf\u{E9}-au-lait-42")),
            Nfkc,
            "signed in",
        ),
        // Reset Password
        invalid("1 MB ending in NUL", reset(&big), P, PASSWORD_MAX),
        invalid("tab inside", reset("Bob\tBuilder-99"), P, ControlCharacter),
        invalid(
            "contains the last name",
            reset("Builder-2026"),
            P,
            PersonalInformation,
        ),
        invalid("common", reset("12345678"), P, CommonPassword),
        invalid(
            "an AZERTY row then the next",
            reset("azertyuiopqsdf"),
            P,
            Sequential,
        ),
        invalid(
            "four characters repeated",
            reset("x9!Qx9!Qx9!Q"),
            P,
            Repetitive,
        ),
        accepted("a strong one", reset(NEW_PASSWORD), Verbatim, "signed in"),
        // Sign in
        invalid("empty", sign_in("alice@example.com", ""), P, Empty),
        invalid(
            "1 MB ending in NUL",
            sign_in("alice@example.com", &big),
            P,
            PASSWORD_MAX,
        ),
        invalid(
            "NUL at the end",
            sign_in("alice@example.com", "Temp-Pass-2026\0"),
            P,
            ControlCharacter,
        ),
        invalid(
            "LF at the end (not trimmed)",
            sign_in("alice@example.com", "Temp-Pass-2026\n"),
            P,
            ControlCharacter,
        ),
        refused(
            "right-to-left override for no user",
            sign_in("nobody@example.com", "\u{202E}Temp-Pass-2026"),
            Refusal::SignInRefused,
        ),
        refused(
            "zero-width spaces for no user",
            sign_in("nobody@example.com", &zero_width),
            Refusal::SignInRefused,
        ),
        accepted(
            "the right password",
            sign_in("alice@example.com", TEMP),
            Verbatim,
            "signed in",
        ),
        accepted(
            "the right password in full width",
            sign_in(
                "alice@example.com",
                "\u{FF34}\u{FF45}\u{FF4D}\u{FF50}\u{FF0D}\u{FF30}\u{FF41}\u{FF53}\u{FF53}\u{FF0D}\u{FF12}\u{FF10}\u{FF12}\u{FF16}",
            ),
            Nfkc,
            "signed in",
        ),
    ]
}

/// `token` with the character at `at` replaced by `by` (or by `B` when it
/// already is `by`): never the token itself.
fn altered(token: &str, at: usize, by: char) -> String {
    let current = token.as_bytes()[at] as char;
    let by = if current == by { 'B' } else { by };
    format!("{}{by}{}", &token[..at], &token[at + 1..])
}

/// The token with the case of its ASCII letters swapped.
fn case_swapped(token: &str) -> String {
    token
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn token_cases() -> Vec<Case> {
    use Refusal::RegistrationRefused as Refused;
    let token = |name: &str, make: fn(&str) -> String| refused(name, Input::Token(make), Refused);
    vec![
        token("empty", |_| String::new()),
        token("white space only", |_| " \t ".into()),
        token("1 MB", |_| megabyte("A")),
        token("1 MB ending in NUL", |_| megabyte_then_nul("A")),
        token("59 characters of the right alphabet, unknown", |_| {
            "A".repeat(59)
        }),
        token("the real token with a trailing LF (not trimmed)", |t| {
            format!("{t}\n")
        }),
        token("the real token with a leading space (not trimmed)", |t| {
            format!(" {t}")
        }),
        token("the real token with a trailing NUL", |t| format!("{t}\0")),
        token(
            "the real token with its letters' case swapped",
            case_swapped,
        ),
        token("the real token cut to 58 characters", |t| {
            t[..58].to_owned()
        }),
        token("the real token with one more character", |t| {
            format!("{t}A")
        }),
        token("the real token with padding", |t| format!("{}=", &t[..58])),
        token("the secret part forged", |t| altered(t, 30, 'A')),
        token("the selector forged", |t| altered(t, 0, 'A')),
        token("standard base64 '+' (not URL-safe)", |t| {
            altered(t, 30, '+')
        }),
        token("standard base64 '/' (not URL-safe)", |t| altered(t, 5, '/')),
        token("a zero-width space inside", |t| {
            format!("{}\u{200B}{}", &t[..10], &t[10..])
        }),
        token("a right-to-left override in front", |t| {
            format!("\u{202E}{}", &t[3..])
        }),
        token("a Cyrillic 'А' in place of 'A'", |t| {
            format!("{}\u{410}", &t[..57])
        }),
        token("a percent-encoded character", |t| {
            format!("{}%41", &t[..56])
        }),
        accepted(
            "the real token",
            Input::Token(str::to_owned),
            Rule::TokenAsIssued,
            "carol@example.com",
        ),
    ]
}

fn account_number_cases() -> Vec<Case> {
    use Problem::*;
    use Rule::AccountNumberValue as Value;
    let n = |text: &str| Input::AccountNumber(text.to_owned());
    let no =
        |name: &str, text: &str, problem| invalid(name, n(text), Field::AccountNumber, problem);
    vec![
        no("empty", "", Empty),
        no("spaces only", "   ", Empty),
        no("ideographic space only", "\u{3000}", Empty),
        no("1 MB of digits", &megabyte("1"), NotANumber),
        no(
            "1 MB of digits ending in NUL",
            &megabyte_then_nul("1"),
            NotANumber,
        ),
        no("13 digits", "1234567890123", NotANumber),
        no(
            "13 digits with leading zeros (zeros count)",
            "0000000012345",
            NotANumber,
        ),
        no("negative", "-12345", NotANumber),
        no("plus sign", "+12345", NotANumber),
        no("exponent", "1e5", NotANumber),
        no("hexadecimal", "0x3039", NotANumber),
        no("space between digits", "12 345", NotANumber),
        no("thousands separator", "12,345", NotANumber),
        no("underscore separator", "12_345", NotANumber),
        no("Arabic-Indic digits", "١٢٣٤٥", NotANumber),
        no("full-width digits", "１２３４５", NotANumber),
        no("NUL at the end", "12345\0", NotANumber),
        no("zero-width space in front", "\u{200B}12345", NotANumber),
        no(
            "right-to-left override at the end",
            "12345\u{202E}",
            NotANumber,
        ),
        accepted(
            "surrounded by spaces and a CR LF",
            n(" 12345\r\n"),
            Value,
            "12345",
        ),
        accepted("leading zeros", n("000000012345"), Value, "12345"),
        accepted("twelve digits", n("999999999999"), Value, "999999999999"),
        accepted("zero", n("0"), Value, "0"),
    ]
}

fn language_tag_cases() -> Vec<Case> {
    use Rule::{LanguageNegotiated as Negotiated, LanguageSkipped as Skipped};
    let tags = |tags: &[&str]| Input::LanguageTags(tags.iter().map(|t| (*t).to_owned()).collect());
    let tag =
        |name: &str, text: &str, rule, chain: &str| accepted(name, tags(&[text]), rule, chain);
    let en = "en-US";
    vec![
        accepted("no tags", Input::LanguageTags(Vec::new()), Skipped, en),
        tag("empty", "", Skipped, en),
        tag("white space only", " \t ", Skipped, en),
        tag("1 MB of letters", &megabyte("a"), Skipped, en),
        tag("1 MB of 'fr-' repeated", &megabyte("fr-"), Skipped, en),
        accepted(
            "10,000 copies of fr",
            Input::LanguageTags(vec!["fr".to_owned(); 10_000]),
            Negotiated,
            "fr,en-US",
        ),
        tag("NUL at the end", "fr\0", Skipped, en),
        tag(
            "CR LF at the end (white space, trimmed)",
            "fr\r\n",
            Negotiated,
            "fr,en-US",
        ),
        tag("CR LF inside", "fr\r\nde", Skipped, en),
        tag("zero-width space inside", "f\u{200B}r", Skipped, en),
        tag("right-to-left override", "\u{202E}rf", Skipped, en),
        tag("Cyrillic homoglyph", "d\u{435}", Skipped, en),
        tag("upper case", "FR", Negotiated, "fr,en-US"),
        tag("underscore separator", "de_AT", Negotiated, "de,en-US"),
        tag("surrounded by spaces", " de-CH ", Negotiated, "de,en-US"),
        tag("with a variant", "de-CH-1996", Negotiated, "de,en-US"),
        tag("with a numeric region", "de-419", Negotiated, "de,en-US"),
        tag("with a script", "fr-Latn-FR", Negotiated, "fr,en-US"),
        tag("wildcard", "*", Skipped, en),
        tag("und", "und", Skipped, en),
        tag("und with a region", "und-FR", Skipped, en),
        tag("private use", "x-klingon", Skipped, en),
        tag("grandfathered", "i-klingon", Skipped, en),
        tag("three-letter code fra", "fra", Skipped, en),
        tag("a language not shipped", "zh-Hant-TW", Skipped, en),
        tag("another English", "en-GB", Negotiated, en),
        tag("trailing hyphen", "fr-", Skipped, en),
        tag("doubled hyphen", "fr--FR", Skipped, en),
        tag("subtag of nine letters", "frenchfry", Skipped, en),
        tag(
            "1 MB of variants after a good language",
            &format!("fr{}", megabyte("-abcde")),
            Skipped,
            en,
        ),
        // Extensions and private use are cut off; the language serves.
        tag(
            "a Unicode extension",
            "de-DE-u-co-phonebk",
            Negotiated,
            "de,en-US",
        ),
        tag(
            "a private-use extension",
            "fr-FR-x-private",
            Negotiated,
            "fr,en-US",
        ),
        tag("a POSIX locale name", "fr_FR.UTF-8", Skipped, en),
        accepted(
            "junk before a good tag",
            tags(&["", "!!!", "de-DE"]),
            Negotiated,
            "de,en-US",
        ),
        accepted(
            "two good tags",
            tags(&["de", "fr"]),
            Negotiated,
            "de,fr,en-US",
        ),
    ]
}

fn accept_language_cases() -> Vec<Case> {
    use Rule::{AcceptLanguageByQuality as Quality, LanguageSkipped as Skipped};
    let header = |name: &str, text: &str, rule, chain: &str| {
        accepted(name, Input::AcceptLanguage(text.to_owned()), rule, chain)
    };
    let en = "en-US";
    vec![
        header("empty", "", Skipped, en),
        header("white space only", "   ", Skipped, en),
        header("1 MB of letters", &megabyte("a"), Skipped, en),
        header(
            "1 MB of 'de,' repeated",
            &megabyte("de,"),
            Quality,
            "de,en-US",
        ),
        header("1 MB of ';' and ','", &megabyte(";,"), Skipped, en),
        header(
            "ordered by quality",
            "fr;q=0.1, de;q=0.9",
            Quality,
            "de,fr,en-US",
        ),
        header(
            "equal qualities in the order written",
            "fr;q=0.5,de;q=0.5",
            Quality,
            "fr,de,en-US",
        ),
        header("wildcard only", "*", Skipped, en),
        header("q=0 excludes", "de;q=0", Skipped, en),
        header("q=0.000 excludes", "de;q=0.000", Skipped, en),
        header("q above 1", "de;q=1.5", Skipped, en),
        header("negative q", "de;q=-1", Skipped, en),
        header("q without a leading digit", "de;q=.5", Skipped, en),
        header("q with four decimals", "de;q=0.5000", Skipped, en),
        header("q not a number", "de;q=NaN", Skipped, en),
        header(
            "upper-case Q and spaces around parameters",
            "fr ; Q = 0.4 , de;q=0.5",
            Quality,
            "de,fr,en-US",
        ),
        header(
            "other parameters ignored",
            "de;level=1;q=0.5, fr;q=0.6",
            Quality,
            "fr,de,en-US",
        ),
        header(
            "CR LF header injection",
            "fr\r\nSet-Cookie: a=b",
            Skipped,
            en,
        ),
        header("NUL in one entry only", "fr\0, de", Quality, "de,en-US"),
        header("empty entries and parameters", ",,,;;;,", Skipped, en),
        header(
            "regions served by their languages",
            "de-CH;q=0.8, fr-CA;q=0.9",
            Quality,
            "fr,de,en-US",
        ),
        header("right-to-left override", "\u{202E}fr", Skipped, en),
        header("zero-width space", "d\u{200B}e", Skipped, en),
    ]
}

fn all_cases() -> Vec<Case> {
    [
        email_parse_cases(),
        address_operation_cases(),
        name_cases(),
        password_cases(),
        token_cases(),
        account_number_cases(),
        language_tag_cases(),
        accept_language_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

// ---------------------------------------------------------------------------
// The tests.

#[test]
fn the_table_has_at_least_100_cases_covering_every_text_input() {
    let cases = all_cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    for kind in KINDS {
        let count = cases.iter().filter(|c| c.input.kind() == kind).count();
        assert!(count >= 1, "no case for {kind}");
    }
    for rule in RULES {
        let relied_on = cases
            .iter()
            .any(|c| matches!(&c.expect, Expect::Accepted(r, _) if *r == rule));
        assert!(relied_on, "no case relies on {rule:?}");
    }
    let mut names: Vec<(&str, &str)> = cases
        .iter()
        .map(|c| (c.input.kind(), c.name.as_str()))
        .collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "two cases of one input share a name");
}

#[test]
fn hostile_addresses_are_refused_by_email_parse_or_normalised() {
    check_all(&email_parse_cases());
}

#[test]
fn hostile_addresses_are_refused_by_every_operation_taking_one_and_store_nothing() {
    check_all(&address_operation_cases());
}

#[test]
fn hostile_names_of_people_accounts_and_groups_are_refused_or_kept_as_typed() {
    check_all(&name_cases());
}

#[test]
fn hostile_passwords_and_confirmations_are_refused_or_kept_verbatim() {
    check_all(&password_cases());
}

#[test]
fn malformed_and_forged_registration_tokens_get_one_refusal_and_store_nothing() {
    check_all(&token_cases());
}

#[test]
fn hostile_account_numbers_are_refused_or_read_as_numbers() {
    check_all(&account_number_cases());
}

#[test]
fn hostile_language_tags_are_skipped_and_english_is_the_fallback() {
    check_all(&language_tag_cases());
}

#[test]
fn hostile_accept_language_headers_never_fail_and_english_is_the_fallback() {
    check_all(&accept_language_cases());
}
