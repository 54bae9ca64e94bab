//! Passwords: the secret type, argon2id hashing and the password policy.

mod hashing;
mod password;
mod policy;

pub use hashing::PasswordHashing;
pub use password::{Password, PasswordHash};
pub use policy::PasswordPolicy;
