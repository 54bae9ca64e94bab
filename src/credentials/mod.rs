//! Credentials: the secret password type, argon2id hashing, the password
//! policy, how sign-in locks out (R15), and registration tokens (R8).

mod hashing;
mod password;
mod policy;
mod sign_in_policy;
mod token;

pub use hashing::PasswordHashing;
pub use password::{Password, PasswordHash};
pub use policy::PasswordPolicy;
pub use sign_in_policy::SignInPolicy;
pub use token::{ProvisioningToken, RegistrationToken};
pub(crate) use token::{issue_provisioning_token, issue_token, parse_token};
