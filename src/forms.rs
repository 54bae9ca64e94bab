//! The forms of the guide, as the caller collected them: raw text, checked
//! by the operation that takes them.
//!
//! Forms are `#[non_exhaustive]`: build them with their constructor, so
//! that a field added later breaks no caller.

use crate::credentials::Password;

/// The *Add User* form (R6). Every field is required.
///
/// ```
/// use cres_admin::{AddUserForm, Password};
/// let form = AddUserForm::new("bob@example.com", "Bob", "Builder", Password::new("Temp-Pass-2026"))
///     .enforce_password_expiration(true);
/// assert_eq!(form.username, "bob@example.com");
/// assert!(form.enforce_password_expiration);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AddUserForm {
    /// *Username*: the new user's email address.
    pub username: String,
    /// *First Name*.
    pub first_name: String,
    /// *Last Name*.
    pub last_name: String,
    /// *Password*.
    pub password: Password,
    /// *Confirm Password*: must equal `password`.
    pub confirm_password: Password,
    /// *Enforce Password Expiration*: the password is temporary and must be
    /// replaced at the first sign-in (R7). Off unless set.
    pub enforce_password_expiration: bool,
}

impl AddUserForm {
    /// The form with *Confirm Password* typed the same as *Password*, and
    /// *Enforce Password Expiration* off.
    pub fn new(
        username: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        password: Password,
    ) -> AddUserForm {
        AddUserForm {
            username: username.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            confirm_password: password.clone(),
            password,
            enforce_password_expiration: false,
        }
    }

    /// *Confirm Password* as the caller typed it.
    #[must_use]
    pub fn confirm_password(mut self, confirm_password: Password) -> AddUserForm {
        self.confirm_password = confirm_password;
        self
    }

    /// Ticks or clears *Enforce Password Expiration*.
    #[must_use]
    pub fn enforce_password_expiration(mut self, enforce: bool) -> AddUserForm {
        self.enforce_password_expiration = enforce;
        self
    }
}

/// The *Register* form the recipient of a secure message fills in through
/// its link (R8).
///
/// ```
/// use cres_admin::{Password, RegistrationForm};
/// let form = RegistrationForm::new("Carol", "Jones", Password::new("Harbour-lights-7"));
/// assert_eq!(form.first_name, "Carol");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RegistrationForm {
    /// *First Name*.
    pub first_name: String,
    /// *Last Name*.
    pub last_name: String,
    /// *Password*.
    pub password: Password,
    /// *Confirm Password*.
    pub confirm_password: Password,
}

impl RegistrationForm {
    /// The form with *Confirm Password* typed the same as *Password*.
    pub fn new(
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        password: Password,
    ) -> RegistrationForm {
        RegistrationForm {
            first_name: first_name.into(),
            last_name: last_name.into(),
            confirm_password: password.clone(),
            password,
        }
    }

    /// *Confirm Password* as the caller typed it.
    #[must_use]
    pub fn confirm_password(mut self, confirm_password: Password) -> RegistrationForm {
        self.confirm_password = confirm_password;
        self
    }
}
