//! Exports: every table a user can see can also be downloaded.

/// A table as CSV (RFC 4180: quoted where needed, CRLF line ends as spreadsheet tools expect).
pub fn csv_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(headers).expect("writing to memory cannot fail");
    for row in rows {
        writer.write_record(row).expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("in memory")).expect("input was UTF-8")
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_what_needs_quoting() {
        let csv = super::csv_table(&["name", "note"], &[vec!["O'Brien, Jo".into(), "said \"hi\"".into()]]);
        assert_eq!(csv, "name,note\r\n\"O'Brien, Jo\",\"said \"\"hi\"\"\"\r\n");
    }
}
