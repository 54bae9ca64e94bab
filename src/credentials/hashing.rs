//! argon2id hashing of passwords.

use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64ct::{Base64Unpadded, Encoding};

use crate::credentials::{Password, PasswordHash};

/// The most lanes a stored hash may ask for.
const MAX_STORED_LANES: u32 = 16;
/// The memory a stored hash may always ask for, whatever the configuration:
/// 64 MiB, in KiB.
const STORED_MEMORY_FLOOR_KIB: u32 = 64 * 1024;
/// The passes a stored hash may always ask for, whatever the configuration.
const STORED_PASSES_FLOOR: u32 = 10;
/// How many times the configured memory or passes a stored hash may ask for.
const STORED_COST_FACTOR: u32 = 4;
/// Padding of less than this (KiB × passes) is skipped: argon2's least
/// memory for one lane.
const MIN_PADDING: u64 = 8;
/// The salt and output lengths of a hash made without hashing, in bytes.
const SALT_LEN: usize = 16;
const OUTPUT_LEN: usize = Params::DEFAULT_OUTPUT_LEN;

/// How passwords are hashed: argon2id with the given cost.
///
/// The default is OWASP's recommended argon2id setting (19 MiB, 2 passes,
/// 1 lane). [`PasswordHashing::insecure_fast`] exists for tests.
///
/// Passwords are normalised to Unicode NFKC before they are hashed or
/// verified (see [`PasswordPolicy`](crate::PasswordPolicy)).
///
/// # Stored hashes
///
/// [`PasswordHashing::verify`] uses the parameters written in the stored
/// hash, within caps, so that a hash planted in a store cannot make a
/// sign-in allocate gigabytes or run for minutes: argon2id, argon2i or
/// argon2d version 19 (`v=19`, written out) only, with at most
/// max(4 × the configured memory, 64 MiB) of memory, max(4 × the configured
/// passes, 10) passes and 16 lanes. Any other hash matches no password and
/// costs no argon2 run.
///
/// A stored hash cheaper than the configuration (made before the cost was
/// raised) is verified, then padded with a second argon2id run whose result
/// is ignored, so that a wrong password costs about one verification with
/// the configured parameters whoever it is for: timing does not tell users
/// with old hashes apart.
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
    /// using the parameters stored in the hash.
    ///
    /// A malformed hash, or one beyond the caps of the type's doc, matches
    /// nothing and is refused before any argon2 run. A hash cheaper than the
    /// configuration is padded to its cost (see the type's doc): the
    /// padding's result is ignored.
    pub fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        let Some((phc, stored)) = self.stored(hash) else {
            return false;
        };
        let secret = password.normalized();
        let matches = self
            .argon2()
            .verify_password(secret.as_bytes(), &phc)
            .is_ok();
        if let Some(padding) = padding_params(&self.params, &stored) {
            let padding = phc_without_hashing(&padding);
            // Only its cost matters: it was made to match nothing.
            let _ = self
                .argon2()
                .verify_password(secret.as_bytes(), padding.as_phc());
        }
        matches
    }

    /// The stored hash, parsed, and its parameters, when it is one that
    /// [`PasswordHashing::verify`] runs: argon2 version 19 within the caps.
    fn stored(&self, hash: &PasswordHash) -> Option<(Phc, Params)> {
        let phc = Phc::new(hash.as_phc()).ok()?;
        Algorithm::new(phc.algorithm.as_str()).ok()?;
        if phc.version != Some(Version::V0x13.into()) {
            return None;
        }
        let params = Params::try_from(&phc).ok()?;
        let max_memory = self
            .params
            .m_cost()
            .saturating_mul(STORED_COST_FACTOR)
            .max(STORED_MEMORY_FLOOR_KIB);
        let max_passes = self
            .params
            .t_cost()
            .saturating_mul(STORED_COST_FACTOR)
            .max(STORED_PASSES_FLOOR);
        let within = params.m_cost() <= max_memory
            && params.t_cost() <= max_passes
            && params.p_cost() <= MAX_STORED_LANES;
        within.then_some((phc, params))
    }

    /// A hash with the configured parameters that no password matches,
    /// made without hashing (a random salt and a random output), so that it
    /// costs nothing to make and exactly one verification with the
    /// configured parameters to check a password against: for sign-ins of
    /// unknown or unusable users (R15).
    pub(crate) fn dummy_hash(&self) -> PasswordHash {
        phc_without_hashing(&self.params)
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

/// The parameters of the padding run for a `stored` hash cheaper than the
/// `configured` parameters, or `None` when it costs as much or more, or
/// when less than [`MIN_PADDING`] is missing.
///
/// The cost is memory × passes (KiB-passes); the missing cost is made up
/// with one lane, at most the configured memory (so that the padding never
/// needs more memory than a configured verification) and as many passes
/// as that takes: the padding's memory × passes is the missing cost,
/// rounded up by less than one pass.
fn padding_params(configured: &Params, stored: &Params) -> Option<Params> {
    let cost = |params: &Params| u64::from(params.m_cost()) * u64::from(params.t_cost());
    let missing = cost(configured).checked_sub(cost(stored))?;
    if missing < MIN_PADDING {
        return None;
    }
    let most_memory = u64::from(configured.m_cost()).max(MIN_PADDING);
    let passes = missing.div_ceil(most_memory);
    let memory = missing.div_ceil(passes).max(MIN_PADDING);
    Params::new(
        u32::try_from(memory).ok()?,
        u32::try_from(passes).ok()?,
        1,
        None,
    )
    .ok()
}

/// An argon2id version 19 PHC string with `params`, a random salt and a
/// random output, made without hashing: no password is known to match it.
/// Should the operating system give no randomness, the salt and output stay
/// zero, which no one can find a password for either.
fn phc_without_hashing(params: &Params) -> PasswordHash {
    let mut salt = [0u8; SALT_LEN];
    let mut output = [0u8; OUTPUT_LEN];
    let _ = getrandom::fill(&mut salt);
    let _ = getrandom::fill(&mut output);
    PasswordHash::from_phc(format!(
        "${}$v={}$m={},t={},p={}${}${}",
        Algorithm::Argon2id.ident(),
        u32::from(Version::V0x13),
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        Base64Unpadded::encode_string(&salt),
        Base64Unpadded::encode_string(&output),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use argon2::password_hash::PasswordHasher;

    use super::*;

    fn params(memory: u32, passes: u32) -> Params {
        Params::new(memory, passes, 1, None).unwrap()
    }

    fn costs(padding: Option<Params>) -> Option<(u32, u32, u32)> {
        padding.map(|p| (p.m_cost(), p.t_cost(), p.p_cost()))
    }

    #[test]
    fn dummy_hashes_have_the_configured_parameters_and_match_nothing() {
        let hashing = PasswordHashing::new(64, 3, 2).unwrap();
        let dummy = hashing.dummy_hash();
        let phc = Phc::new(dummy.as_phc()).unwrap();
        assert_eq!(phc.algorithm, Algorithm::Argon2id.ident());
        assert_eq!(phc.version, Some(0x13));
        let stored = Params::try_from(&phc).unwrap();
        assert_eq!(
            (stored.m_cost(), stored.t_cost(), stored.p_cost()),
            (64, 3, 2)
        );
        assert_eq!(phc.salt.unwrap().len(), SALT_LEN);
        assert_eq!(phc.hash.unwrap().len(), OUTPUT_LEN);
        assert!(!hashing.needs_rehash(&dummy));
        assert!(hashing.stored(&dummy).is_some(), "verify runs it in full");
        assert_ne!(dummy, hashing.dummy_hash(), "a random salt each time");
        for guess in ["", "no user has this password", "Temp-Pass-2026"] {
            assert!(!hashing.verify(&Password::new(guess), &dummy));
        }
        assert!(padding_params(&hashing.params, &stored).is_none());
    }

    #[test]
    fn padding_makes_up_the_missing_cost_within_the_configured_memory() {
        let owasp = Params::default();
        assert_eq!((owasp.m_cost(), owasp.t_cost()), (19 * 1024, 2));
        // An insecure old hash: 19,456 × 2 − 8 × 1 = 38,904 in 2 passes.
        assert_eq!(
            costs(padding_params(&owasp, &params(8, 1))),
            Some((19_452, 2, 1))
        );
        // One pass missing: one pass of the configured memory.
        assert_eq!(
            costs(padding_params(&owasp, &params(19_456, 1))),
            Some((19_456, 1, 1))
        );
        // Half the memory, two passes: 19,456 in 1 pass.
        assert_eq!(
            costs(padding_params(&owasp, &params(9_728, 2))),
            Some((19_456, 1, 1))
        );
        // 8 missing is padded; 6 is skipped.
        assert_eq!(
            costs(padding_params(&owasp, &params(19_452, 2))),
            Some((8, 1, 1))
        );
        assert_eq!(costs(padding_params(&owasp, &params(19_453, 2))), None);
        // As costly or costlier: nothing to pad.
        assert_eq!(costs(padding_params(&owasp, &owasp)), None);
        assert_eq!(costs(padding_params(&owasp, &params(8_192, 5))), None);
        // Many passes of little memory are padded within that memory.
        assert_eq!(
            costs(padding_params(&params(64, 10), &params(64, 1))),
            Some((64, 9, 1))
        );
    }

    #[test]
    fn a_planted_hash_beyond_the_caps_is_refused_without_running_argon2() {
        let hashing = PasswordHashing::insecure_fast();
        let planted = PasswordHash::from_phc(
            "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
        );
        assert!(Phc::new(planted.as_phc()).is_ok(), "a well-formed hash");
        assert!(hashing.stored(&planted).is_none());
        let started = Instant::now();
        assert!(!hashing.verify(&Password::new("anything"), &planted));
        // 4 GiB of argon2 would take many seconds, if it could allocate.
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn stored_hashes_are_verified_within_the_caps_only() {
        let fast = PasswordHashing::insecure_fast();
        let password = Password::new("Temp-Pass-2026");
        let made_with = |memory, passes, lanes| {
            PasswordHashing::new(memory, passes, lanes)
                .unwrap()
                .hash(&password)
        };
        // The floors: 10 passes and 16 lanes are accepted, one more is not.
        assert!(fast.verify(&password, &made_with(8, 10, 1)));
        assert!(!fast.verify(&password, &made_with(8, 11, 1)));
        assert!(fast.verify(&password, &made_with(128, 1, 16)));
        assert!(!fast.verify(&password, &made_with(136, 1, 17)));
        // Four times the configuration, above the floors.
        let configured = PasswordHashing::new(8, 3, 1).unwrap();
        assert!(configured.verify(&password, &made_with(8, 12, 1)));
        assert!(!configured.verify(&password, &made_with(8, 13, 1)));
        // The memory cap: 64 MiB at least, 4 times the configuration above.
        let with_memory = |memory: u32| {
            PasswordHash::from_phc(format!(
                "$argon2id$v=19$m={memory},t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"
            ))
        };
        assert!(fast.stored(&with_memory(64 * 1024)).is_some());
        assert!(fast.stored(&with_memory(64 * 1024 + 1)).is_none());
        let large = PasswordHashing::new(32 * 1024, 1, 1).unwrap();
        assert!(large.stored(&with_memory(128 * 1024)).is_some());
        assert!(large.stored(&with_memory(128 * 1024 + 1)).is_none());
    }

    #[test]
    fn only_argon2_version_19_is_verified() {
        let fast = PasswordHashing::insecure_fast();
        let password = Password::new("Temp-Pass-2026");
        let made_by = |algorithm, version| {
            let argon2 = Argon2::new(algorithm, version, fast.params.clone());
            PasswordHash::from_phc(argon2.hash_password(b"Temp-Pass-2026").unwrap().to_string())
        };
        assert!(fast.verify(&password, &made_by(Algorithm::Argon2i, Version::V0x13)));
        assert!(fast.verify(&password, &made_by(Algorithm::Argon2d, Version::V0x13)));
        assert!(!fast.verify(&password, &made_by(Algorithm::Argon2id, Version::V0x10)));
        let good = made_by(Algorithm::Argon2id, Version::V0x13);
        assert!(fast.verify(&password, &good));
        let unversioned = good.as_phc().replacen("$v=19", "", 1);
        assert!(Phc::new(&unversioned).is_ok());
        assert!(!fast.verify(&password, &PasswordHash::from_phc(unversioned)));
        let other = good.as_phc().replacen("$argon2id$", "$scrypt$", 1);
        assert!(!fast.verify(&password, &PasswordHash::from_phc(other)));
    }

    #[test]
    fn a_cheaper_stored_hash_still_verifies_when_padded() {
        let stronger = PasswordHashing::new(64, 2, 1).unwrap();
        let password = Password::new("Temp-Pass-2026");
        let old = PasswordHashing::insecure_fast().hash(&password);
        assert!(padding_params(&stronger.params, &params(8, 1)).is_some());
        assert!(stronger.verify(&password, &old));
        assert!(!stronger.verify(&Password::new("Temp-Pass-2027"), &old));
    }

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
