//! argon2id hashing of passwords.

use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::credentials::{Password, PasswordHash};

/// How passwords are hashed: argon2id with the given cost.
///
/// The default is OWASP's recommended argon2id setting (19 MiB, 2 passes,
/// 1 lane). [`PasswordHashing::insecure_fast`] exists for tests.
#[derive(Debug, Clone, Default)]
pub struct PasswordHashing {
    params: Params,
}

impl PasswordHashing {
    /// argon2id with `memory_kib` KiB of memory, `passes` passes and `lanes` lanes.
    /// Returns `None` for parameters argon2 refuses.
    pub fn new(memory_kib: u32, passes: u32, lanes: u32) -> Option<PasswordHashing> {
        Params::new(memory_kib, passes, lanes, None)
            .ok()
            .map(|params| PasswordHashing { params })
    }

    /// The cheapest parameters argon2 accepts. **For tests only**: hashes made
    /// with them are easy to crack.
    pub fn insecure_fast() -> PasswordHashing {
        PasswordHashing {
            params: Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None)
                .expect("argon2's minimum parameters are valid"),
        }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes `password`, normalised to Unicode NFKC (see
    /// [`PasswordPolicy`](crate::PasswordPolicy)), with a fresh random salt
    /// from the operating system.
    pub fn hash(&self, password: &Password) -> PasswordHash {
        let secret = password.normalized();
        let hash = self
            .argon2()
            .hash_password(secret.as_bytes())
            .expect("argon2id with validated parameters and an OS salt does not fail");
        PasswordHash::from_phc(hash.to_string())
    }

    /// `true` when `password`, normalised to Unicode NFKC, matches `hash`,
    /// using the parameters stored in the hash. A malformed hash matches
    /// nothing.
    pub fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        let secret = password.normalized();
        self.argon2()
            .verify_password(secret.as_bytes(), hash.as_phc())
            .is_ok()
    }
}

impl PasswordHashing {
    /// Whether `hash` was made otherwise than this configuration would make
    /// it now (another algorithm or version, or other memory, pass or lane
    /// counts), so that a successful sign-in should store a fresh hash.
    /// Compared field by field: the output length is not part of the cost.
    pub fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        let Ok(phc) = Phc::new(hash.as_phc()) else {
            return true;
        };
        let Ok(params) = Params::try_from(&phc) else {
            return true;
        };
        phc.algorithm != Algorithm::Argon2id.ident()
            || phc.version != Some(Version::V0x13.into())
            || params.m_cost() != self.params.m_cost()
            || params.t_cost() != self.params.t_cost()
            || params.p_cost() != self.params.p_cost()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_argon2id_and_verify() {
        let hashing = PasswordHashing::insecure_fast();
        let password = Password::new("Temporary-Pass-1");
        let first = hashing.hash(&password);
        let second = hashing.hash(&password);
        assert!(first.as_phc().starts_with("$argon2id$v=19$"));
        assert_ne!(first, second, "each hash has its own salt");
        assert!(hashing.verify(&password, &first));
        assert!(!hashing.verify(&Password::new("Temporary-Pass-2"), &first));
        assert!(!hashing.verify(&password, &PasswordHash::from_phc("garbage")));
    }

    #[test]
    fn nfkc_equal_passwords_verify_alike() {
        let hashing = PasswordHashing::insecure_fast();
        let hash = hashing.hash(&Password::new("Caf\u{E9}-\u{FF30}ass"));
        assert!(hashing.verify(&Password::new("Cafe\u{301}-Pass"), &hash));
        assert!(hashing.verify(&Password::new("Caf\u{E9}-\u{FF30}ass"), &hash));
        assert!(!hashing.verify(&Password::new("Cafe-Pass"), &hash));
    }

    #[test]
    fn weaker_or_other_hashes_need_rehashing() {
        let fast = PasswordHashing::insecure_fast();
        let stronger = PasswordHashing::new(Params::MIN_M_COST * 2, 1, 1).unwrap();
        let hash = fast.hash(&Password::new("long enough"));
        assert!(!fast.needs_rehash(&hash));
        assert!(stronger.needs_rehash(&hash));
        assert!(
            PasswordHashing::new(Params::MIN_M_COST, 2, 1)
                .unwrap()
                .needs_rehash(&hash)
        );
        let argon2i = hash.as_phc().replacen("$argon2id$", "$argon2i$", 1);
        assert!(fast.needs_rehash(&PasswordHash::from_phc(argon2i)));
        assert!(fast.needs_rehash(&PasswordHash::from_phc("not a hash")));
    }

    #[test]
    fn default_is_owasp_argon2id() {
        let hash = PasswordHashing::default().hash(&Password::new("long enough"));
        assert!(hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}
