//! Encryption of direct identifiers (AES-256-GCM) and keyed hashes for lookups (HMAC-SHA-256).
//!
//! One 32-byte master key is split into an encryption key and an index key, so the blind index
//! reveals nothing about the ciphertexts and vice versa.

use crate::StoreError;
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Format version byte at the start of every ciphertext, so keys or ciphers can be rotated later.
/// Version 1 binds only a label (the column name) as associated data; it is kept for the key
/// check in `meta` and for re-binding identifiers written before version 2.
const VERSION: u8 = 1;
/// Version 2 binds the value's table, column and row as associated data.
const VERSION_ROW: u8 = 2;

/// A pupil's encrypted columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PupilField {
    Upn,
    LegalForename,
    LegalSurname,
    PreferredForename,
    PreferredSurname,
    DateOfBirth,
}

impl PupilField {
    #[cfg(feature = "testing")]
    pub const ALL: [PupilField; 6] = [
        PupilField::Upn,
        PupilField::LegalForename,
        PupilField::LegalSurname,
        PupilField::PreferredForename,
        PupilField::PreferredSurname,
        PupilField::DateOfBirth,
    ];

    /// The column in `pupils`.
    pub fn column(self) -> &'static str {
        match self {
            PupilField::Upn => "upn_enc",
            PupilField::LegalForename => "legal_forename_enc",
            PupilField::LegalSurname => "legal_surname_enc",
            PupilField::PreferredForename => "preferred_forename_enc",
            PupilField::PreferredSurname => "preferred_surname_enc",
            PupilField::DateOfBirth => "date_of_birth_enc",
        }
    }

    /// The label version 1 bound in (the column name without `_enc`).
    pub fn legacy_label(self) -> &'static str {
        self.column().trim_end_matches("_enc")
    }
}

/// The associated data of a pupil's identifier: table, column and row, each length-prefixed.
/// The row is the pupil's keyed UPN hash (`pupils.upn_hash`): unique, known before the row is
/// inserted (the bulk import stages rows before they have ids), and never changed for a row,
/// since pupils are matched by UPN. A value copied into another pupil's row does not decrypt.
fn pupil_aad(field: PupilField, upn_hash: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64 + upn_hash.len());
    for part in [b"pupils".as_slice(), field.column().as_bytes(), upn_hash] {
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part);
    }
    aad
}

#[derive(Clone)]
pub struct Crypto {
    cipher: Aes256Gcm,
    index_key: [u8; 32],
    audit_key: AuditKey,
}

/// The key of the audit chain's MACs: derived from the master key under its own label, so it
/// reveals nothing about the encryption or index keys, and without the master key nobody can
/// recompute an entry's MAC after editing it.
#[derive(Clone)]
pub(crate) struct AuditKey(std::sync::Arc<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    /// HMAC-SHA-256 over the fields, each length-prefixed so no two different field lists
    /// give the same input; hex-encoded.
    pub fn mac(&self, fields: &[&[u8]]) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0[..]).expect("any key length");
        for field in fields {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `expected` (hex) is the MAC of the fields, compared in constant time: the head
    /// row's check runs on every append, whose outcome someone who can write to the database
    /// could observe, so the comparison must not reveal how much of a guess was right.
    pub fn verify(&self, fields: &[&[u8]], expected: &str) -> bool {
        let actual = self.mac(fields);
        actual.len() == expected.len()
            && actual.bytes().zip(expected.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
    }
}

impl Crypto {
    pub fn from_master_key(master: &[u8; 32]) -> Crypto {
        let enc = derive(master, b"waymark/encryption/v1");
        Crypto {
            cipher: Aes256Gcm::new(&enc.into()),
            index_key: derive(master, b"waymark/index/v1"),
            audit_key: AuditKey(std::sync::Arc::new(derive(master, b"waymark/audit/v1"))),
        }
    }

    pub(crate) fn audit_key(&self) -> AuditKey {
        self.audit_key.clone()
    }

    fn seal(&self, version: u8, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad })
            .expect("AES-GCM encryption of a short field cannot fail");
        let mut out = Vec::with_capacity(1 + nonce.len() + ct.len());
        out.push(version);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypt a ciphertext of `version`; `what` names the value in errors.
    fn unseal(&self, version: u8, aad: &[u8], data: &[u8], what: &str) -> Result<Vec<u8>, StoreError> {
        if data.len() < 1 + 12 + 16 || data[0] != version {
            return Err(StoreError::Decrypt(format!(
                "{what}: not a Waymark ciphertext of format {version} (found format {})",
                data.first().copied().unwrap_or(0)
            )));
        }
        let nonce = Nonce::from_slice(&data[1..13]);
        self.cipher.decrypt(nonce, Payload { msg: &data[13..], aad }).map_err(|_| {
            StoreError::Decrypt(format!(
                "{what}: authentication failed (the wrong key, or the value was altered or copied from another row)"
            ))
        })
    }

    /// Encrypt `plaintext` under a label only (format 1): the key check in `meta`.
    pub fn encrypt(&self, label: &str, plaintext: &[u8]) -> Vec<u8> {
        self.seal(VERSION, label.as_bytes(), plaintext)
    }

    pub fn decrypt(&self, label: &str, data: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.unseal(VERSION, label.as_bytes(), data, label)
    }

    /// Encrypt one of a pupil's identifiers, bound to its table, column and row (format 2).
    /// Every writer of pupils (one at a time, the bulk import) and every reader (the record,
    /// the list, the name index, exports) goes through this pair, so all use the same binding.
    pub(crate) fn seal_pupil(&self, field: PupilField, upn_hash: &[u8], text: &str) -> Vec<u8> {
        self.seal(VERSION_ROW, &pupil_aad(field, upn_hash), text.as_bytes())
    }

    /// Decrypt one of a pupil's identifiers; `pupil_id` names the row in errors.
    pub(crate) fn open_pupil(
        &self,
        field: PupilField,
        upn_hash: &[u8],
        pupil_id: i64,
        data: &[u8],
    ) -> Result<String, StoreError> {
        let what = format!("pupils.{} of pupil {pupil_id}", field.column());
        let bytes = self.unseal(VERSION_ROW, &pupil_aad(field, upn_hash), data, &what)?;
        String::from_utf8(bytes).map_err(|_| StoreError::Decrypt(format!("{what}: not UTF-8")))
    }

    /// Decrypt an identifier written in format 1 (bound to its column name only), to re-bind it.
    pub(crate) fn open_pupil_legacy(
        &self,
        field: PupilField,
        pupil_id: i64,
        data: &[u8],
    ) -> Result<String, StoreError> {
        let what = format!("pupils.{} of pupil {pupil_id}", field.column());
        let bytes = self.unseal(VERSION, field.legacy_label().as_bytes(), data, &what)?;
        String::from_utf8(bytes).map_err(|_| StoreError::Decrypt(format!("{what}: not UTF-8")))
    }

    /// A keyed hash of `value` under a purpose label, for equality lookups without plaintext.
    pub fn blind_index(&self, purpose: &str, value: &str) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let c = Crypto::from_master_key(&[7; 32]);
        let (row, other_row) = (c.blind_index("upn", "A"), c.blind_index("upn", "B"));
        let ct = c.seal_pupil(PupilField::LegalSurname, &row, "Okafor");
        assert_eq!(c.open_pupil(PupilField::LegalSurname, &row, 1, &ct).unwrap(), "Okafor");
        assert!(c.open_pupil(PupilField::LegalForename, &row, 1, &ct).is_err(), "bound to its column");
        let moved = c.open_pupil(PupilField::LegalSurname, &other_row, 2, &ct).unwrap_err().to_string();
        assert!(moved.contains("pupils.legal_surname_enc of pupil 2") && moved.contains("copied"), "{moved}");
        let mut altered = ct.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(c.open_pupil(PupilField::LegalSurname, &row, 1, &altered).is_err());
        let other = Crypto::from_master_key(&[8; 32]);
        assert!(other.open_pupil(PupilField::LegalSurname, &row, 1, &ct).is_err());
        let old = c.encrypt("legal_surname", b"Okafor");
        assert_eq!(c.open_pupil_legacy(PupilField::LegalSurname, 1, &old).unwrap(), "Okafor");
        assert!(c.open_pupil(PupilField::LegalSurname, &row, 1, &old).is_err(), "format 1 is not accepted for reads");
        assert_ne!(c.encrypt("x", b"same"), c.encrypt("x", b"same"), "random nonces");
        assert_eq!(c.blind_index("upn", "B801200005001"), c.blind_index("upn", "B801200005001"));
        assert_ne!(c.blind_index("upn", "B801200005001"), other.blind_index("upn", "B801200005001"));
    }
}
