//! Local authorities: the DfE 3-digit LA number and the ONS code.
//!
//! The table holds every LA number GIAS has used, including LAs abolished in the 2009, 2019,
//! 2021 and 2023 reorganisations, so that old UPNs and old records stay valid.

use crate::la_table::LA_TABLE;

/// A local authority as identified by DfE and ONS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAuthority {
    /// DfE 3-digit LA number, e.g. 202 for Camden.
    pub number: u16,
    /// ONS 9-character code, e.g. `E09000007`; empty for LAs abolished before ONS codes existed.
    pub ons_code: &'static str,
    pub name: &'static str,
}

impl LocalAuthority {
    /// The LA with this DfE number, if it is (or was) a real LA.
    pub fn by_number(number: u16) -> Option<LocalAuthority> {
        LA_TABLE.iter().find(|(n, _, _)| *n == number).map(|&(number, ons_code, name)| LocalAuthority {
            number,
            ons_code,
            name,
        })
    }

    /// The LA with this ONS code (case-insensitive).
    pub fn by_ons_code(code: &str) -> Option<LocalAuthority> {
        LA_TABLE
            .iter()
            .find(|(_, ons, _)| !ons.is_empty() && ons.eq_ignore_ascii_case(code))
            .map(|&(number, ons_code, name)| LocalAuthority { number, ons_code, name })
    }

    /// Look up by DfE number ("202") or ONS code ("E09000007").
    pub fn parse(text: &str) -> Option<LocalAuthority> {
        let text = text.trim();
        match text.parse::<u16>() {
            Ok(n) if text.len() == 3 => Self::by_number(n),
            _ => Self::by_ons_code(text),
        }
    }

    /// Whether `number` is (or was) a DfE LA number.
    pub fn is_la_number(number: u16) -> bool {
        Self::by_number(number).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_by_either_code() {
        let camden = LocalAuthority::parse("202").unwrap();
        assert_eq!(camden.ons_code, "E09000007");
        assert_eq!(LocalAuthority::parse("e09000007").unwrap().number, 202);
        assert!(LocalAuthority::parse("000").is_none());
        assert!(LocalAuthority::parse("E99999999").is_none());
        // Abolished LAs stay valid for old records.
        assert!(LocalAuthority::is_la_number(909)); // Cumbria, abolished 2023
        assert!(LocalAuthority::is_la_number(942)); // Cumberland, from 2023
    }
}
