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
const VERSION: u8 = 1;

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

    /// Encrypt `plaintext` for the column `field` (the column name is bound in as associated
    /// data, so a ciphertext copied into another column will not decrypt).
    pub fn encrypt(&self, field: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: field.as_bytes() })
            .expect("AES-GCM encryption of a short field cannot fail");
        let mut out = Vec::with_capacity(1 + nonce.len() + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn decrypt(&self, field: &str, data: &[u8]) -> Result<Vec<u8>, StoreError> {
        if data.len() < 1 + 12 + 16 || data[0] != VERSION {
            return Err(StoreError::Decrypt(format!("{field}: not a Waymark ciphertext")));
        }
        let nonce = Nonce::from_slice(&data[1..13]);
        self.cipher
            .decrypt(nonce, Payload { msg: &data[13..], aad: field.as_bytes() })
            .map_err(|_| StoreError::Decrypt(format!("{field}: authentication failed (wrong key or altered data)")))
    }

    pub fn encrypt_str(&self, field: &str, text: &str) -> Vec<u8> {
        self.encrypt(field, text.as_bytes())
    }

    pub fn decrypt_string(&self, field: &str, data: &[u8]) -> Result<String, StoreError> {
        String::from_utf8(self.decrypt(field, data)?).map_err(|_| StoreError::Decrypt(format!("{field}: not UTF-8")))
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
        let ct = c.encrypt_str("legal_surname", "Okafor");
        assert_eq!(c.decrypt_string("legal_surname", &ct).unwrap(), "Okafor");
        assert!(c.decrypt("legal_forename", &ct).is_err(), "bound to its column");
        let mut altered = ct.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(c.decrypt("legal_surname", &altered).is_err());
        let other = Crypto::from_master_key(&[8; 32]);
        assert!(other.decrypt("legal_surname", &ct).is_err());
        assert_ne!(c.encrypt_str("x", "same"), c.encrypt_str("x", "same"), "random nonces");
        assert_eq!(c.blind_index("upn", "B801200005001"), c.blind_index("upn", "B801200005001"));
        assert_ne!(c.blind_index("upn", "B801200005001"), other.blind_index("upn", "B801200005001"));
    }
}
