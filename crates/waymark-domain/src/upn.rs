//! Unique pupil numbers (DfE): a check letter, the issuing LA number, the establishment number,
//! the year of issue and a serial. A temporary UPN ends in a letter instead of its last digit.

use crate::la::LocalAuthority;
use std::fmt;

/// The check-letter alphabet: 23 letters, no I, O or S.
const ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A UPN that has passed every check. Construct with [`Upn::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upn(String);

impl Upn {
    /// Check a UPN exactly as written (no trimming, no case folding: callers normalise first
    /// if they want to accept lower case). The error says what was expected.
    pub fn parse(text: &str) -> Result<Upn, String> {
        let b = text.as_bytes();
        if b.len() != 13 {
            return Err(format!("a UPN has 13 characters; this has {}", text.chars().count()));
        }
        if !b[0].is_ascii_uppercase() {
            return Err("a UPN starts with a capital check letter".into());
        }
        if !b[1..12].iter().all(u8::is_ascii_digit) {
            return Err("characters 2 to 12 of a UPN must be digits".into());
        }
        if !(b[12].is_ascii_digit() || ALPHABET.contains(&b[12])) {
            return Err("the last character of a UPN must be a digit (or, for a temporary UPN, a capital letter other than I, O or S)".into());
        }
        let la: u16 = text[1..4].parse().expect("checked digits");
        if !LocalAuthority::is_la_number(la) {
            return Err(format!("characters 2 to 4 of a UPN must be a DfE LA number; {la:03} is not one"));
        }
        let expected = check_letter(&text[1..]).expect("checked characters");
        if b[0] != expected as u8 {
            return Err(format!("the check letter does not match: for these digits it should be {expected}"));
        }
        Ok(Upn(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The DfE number of the LA whose school issued this UPN.
    pub fn issuing_la(&self) -> u16 {
        self.0[1..4].parse().expect("validated")
    }

    /// Whether this is a temporary UPN (last character a letter).
    pub fn is_temporary(&self) -> bool {
        self.0.as_bytes()[12].is_ascii_uppercase()
    }

    /// Build a valid UPN from its 12 characters after the check letter (for generators and tests).
    pub fn from_body(body: &str) -> Result<Upn, String> {
        let letter = check_letter(body).ok_or("a UPN body is 11 digits and a digit or letter")?;
        Upn::parse(&format!("{letter}{body}"))
    }
}

/// The check letter for the 12 characters that follow it, or `None` if they are malformed.
/// Characters 2 to 13 are weighted 2 to 13; a letter in position 13 counts as its index in the
/// alphabet; the sum mod 23 indexes the alphabet.
pub fn check_letter(body: &str) -> Option<char> {
    let b = body.as_bytes();
    if b.len() != 12 || !b[..11].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let last = if b[11].is_ascii_digit() {
        u32::from(b[11] - b'0')
    } else {
        ALPHABET.iter().position(|&c| c == b[11])? as u32
    };
    let sum: u32 =
        b[..11].iter().enumerate().map(|(i, &c)| u32::from(c - b'0') * (i as u32 + 2)).sum::<u32>() + last * 13;
    Some(ALPHABET[(sum % 23) as usize] as char)
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_from_the_primer() {
        assert!(Upn::parse("B801200005001").is_ok());
        assert!(Upn::parse("A801200005001").unwrap_err().contains("should be B"));
    }

    #[test]
    fn from_body_round_trips() {
        let upn = Upn::from_body("801200005001").unwrap();
        assert_eq!(upn.as_str(), "B801200005001");
        assert_eq!(upn.issuing_la(), 801);
        assert!(!upn.is_temporary());
    }
}
