//! Writing the processed copy under `data/opendata/`: tidy CSVs with only the columns Waymark
//! uses, DfE symbols as the source wrote them, gzip for the larger tables. Output is
//! deterministic (fixed row order, no timestamps, gzip without mtime), so rebuilding from the
//! same raw files gives byte-identical files.

use crate::error::OpenDataError;
use crate::exclusions::Reason;
use crate::model::{header, load_raw, reason_header, OpenData, EMBEDDED};
use crate::value::Vintage;
use flate2::{Compression, GzBuilder};
use std::io::Write;
use std::path::Path;

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltFile {
    pub name: String,
    /// Data rows (excluding the header).
    pub rows: usize,
    /// Size on disk.
    pub bytes: u64,
}

/// What [`build`] wrote and what it left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSummary {
    pub files: Vec<BuiltFile>,
    /// Source rows deliberately left out, each with file, row and reason.
    pub dropped: Vec<String>,
}

/// Read the raw files under `raw_data_dir` (the `data` folder) and write the processed copy,
/// `PROVENANCE.md` and `LICENCE-OGL.txt` into `out_dir`.
pub fn build(raw_data_dir: &Path, out_dir: &Path) -> Result<BuildSummary, OpenDataError> {
    let (data, dropped) = load_raw(raw_data_dir)?;
    std::fs::create_dir_all(out_dir).map_err(|source| OpenDataError::Io { file: out_dir.to_path_buf(), source })?;
    let mut files = Vec::new();
    for (name, _) in EMBEDDED {
        let (header, rows) = table_rows(&data, name);
        let bytes = csv_bytes(&header, &rows);
        let bytes = if name.ends_with(".gz") { gzip(&bytes) } else { bytes };
        write(&out_dir.join(name), &bytes)?;
        files.push(BuiltFile { name: name.to_string(), rows: rows.len(), bytes: bytes.len() as u64 });
    }
    write(&out_dir.join("PROVENANCE.md"), provenance(&files, &dropped).as_bytes())?;
    write(&out_dir.join("LICENCE-OGL.txt"), LICENCE.as_bytes())?;
    Ok(BuildSummary { files, dropped })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), OpenDataError> {
    std::fs::write(path, bytes).map_err(|source| OpenDataError::Io { file: path.to_path_buf(), source })
}

/// Gzip with no file name and mtime 0, so the bytes depend only on the content.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzBuilder::new().mtime(0).write(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    writer.write_record(header).expect("writing to memory");
    for row in rows {
        writer.write_record(row).expect("writing to memory");
    }
    writer.into_inner().expect("writing to memory")
}

fn strings(header: &[&str]) -> Vec<String> {
    header.iter().map(|s| s.to_string()).collect()
}

/// The header and rows of one processed file.
fn table_rows(data: &OpenData, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let legacy = |v: crate::value::Value| v.to_text(Vintage::Legacy);
    let ees = |v: crate::value::Value| v.to_text(Vintage::Ees);
    match name {
        "las.csv" => (strings(&crate::las::COMPACT_HEADER), data.las.compact_rows()),
        "exclusions.csv" => {
            let rows = data
                .exclusions
                .iter()
                .map(|r| {
                    let mut row = vec![r.year.to_string(), r.area.to_string(), r.school_type.label().to_string()];
                    row.extend(
                        [r.schools, r.headcount, r.perm, r.perm_rate, r.susp, r.susp_rate, r.one_plus, r.one_plus_rate]
                            .map(legacy),
                    );
                    row
                })
                .collect();
            (strings(&header::EXCLUSIONS), rows)
        }
        "reasons.csv.gz" => {
            let rows = data
                .reasons
                .chunks(Reason::ALL.len())
                .map(|chunk| {
                    let first = &chunk[0];
                    let mut row =
                        vec![first.year.to_string(), first.area.to_string(), first.school_type.label().to_string()];
                    row.extend(chunk.iter().map(|r| legacy(r.perm)));
                    row.extend(chunk.iter().map(|r| legacy(r.susp)));
                    row
                })
                .collect();
            (reason_header(), rows)
        }
        "characteristics.csv.gz" => {
            let rows = data
                .characteristics
                .iter()
                .map(|r| {
                    let mut row = vec![
                        r.year.to_string(),
                        r.school_type.label().to_string(),
                        r.group.clone(),
                        r.characteristic.clone(),
                        r.sex.clone(),
                    ];
                    row.extend(
                        [r.headcount, r.perm, r.perm_rate, r.susp, r.susp_rate, r.one_plus, r.one_plus_rate]
                            .map(legacy),
                    );
                    row
                })
                .collect();
            (strings(&header::CHARACTERISTICS), rows)
        }
        "lait.csv.gz" => {
            let rows = data
                .lait
                .iter()
                .map(|r| {
                    vec![
                        r.measure.code().to_string(),
                        r.period.clone(),
                        r.area.to_string(),
                        r.value.to_text(Vintage::Lait),
                    ]
                })
                .collect();
            (strings(&header::LAIT), rows)
        }
        "ap_settings.csv.gz" => {
            let rows = data
                .ap
                .settings
                .iter()
                .map(|r| vec![r.year.to_string(), r.area.to_string(), r.setting_type.clone(), ees(r.placements)])
                .collect();
            (strings(&header::AP_SETTINGS), rows)
        }
        "ap_reasons.csv.gz" | "ap_characteristics.csv.gz" => {
            let source = if name == "ap_reasons.csv.gz" { &data.ap.reasons } else { &data.ap.characteristics };
            let rows = source
                .iter()
                .map(|r| {
                    vec![
                        r.year.to_string(),
                        r.area.to_string(),
                        r.grouping.clone(),
                        r.characteristic.clone(),
                        r.setting_type.clone(),
                        ees(r.pupils),
                    ]
                })
                .collect();
            (strings(&header::AP_PUPILS), rows)
        }
        "ap_census.csv.gz" => {
            let rows = data
                .ap
                .census
                .iter()
                .map(|r| {
                    vec![
                        r.year.to_string(),
                        r.area.to_string(),
                        r.grouping.clone(),
                        r.characteristic.clone(),
                        ees(r.pupils),
                    ]
                })
                .collect();
            (strings(&header::AP_CENSUS), rows)
        }
        "schools.csv.gz" => {
            let rows = data
                .schools
                .iter()
                .map(|s| {
                    vec![
                        s.year.to_string(),
                        s.la_number.to_string(),
                        s.laestab.to_string(),
                        s.name.clone(),
                        s.urn.to_string(),
                    ]
                })
                .collect();
            (strings(&header::SCHOOLS), rows)
        }
        "after.csv.gz" => (strings(&crate::after::AfterExclusion::HEADER), data.after.compact_rows()),
        other => unreachable!("no writer for {other}"),
    }
}

const ATTRIBUTION: &str = "Contains public sector information licensed under the Open Government Licence v3.0.";

const LICENCE: &str = "\
The files in this folder contain public sector information licensed under the Open Government Licence v3.0
(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).

Contains public sector information licensed under the Open Government Licence v3.0.
Contains ONS data (Open Geography Portal) where derived from the LA lookups.

Sources (Department for Education unless stated):
- Permanent and fixed-period exclusions in England, SFR35/2017 and the 2016/17 release, as prepared in
  dfe-analytical-services/exclusion-statistics (commit 7e9dffa183129c79d1e738eb572ab3d25dd1e625).
- Local Authority Interactive Tool (LAIT), dfe-analytical-services/local-authority-interactive-tool
  (commit 2e30e3959a6ab8b2d22941b84764da41a40ac91b), from \"Suspensions and permanent exclusions in England\" and
  \"Outcomes for children in need, including children looked after\".
- Schools, pupils and their characteristics 2022/23 (AP tables) and the AP census, via
  dfe-analytical-services/SEND-AP-Inclusion-Dashboard (commit b215e61ee7717f3263380f3c9dba53232b1b7c16).
- What happens after exclusion (dfe-ap-outcomes/): Schools, pupils and their characteristics, the AP census and
  Ofsted management information via dfe-analytical-services/SEND-AP-Inclusion-Dashboard (commit
  1b3c1267506bc8aefe403ea61cdfb9d17ec0feb6); Pupil absence in schools in England (PRU file), same repository;
  Outcomes for children in need, including children looked after, via dfe-analytical-services/CSC_outcomes_and_enablers
  (commit da9e6221947780fc110aea53a8e6921116c212e5) and the 2022 release's CSVs as kept in
  BenGoodair/childrens_social_care_data (commit 0869d2691790cc0c4206a8dafb27857ac3ae387d); the NEET and participation
  LA scorecards via dfe-analytical-services/nccis_localauthority_dashboard; Key stage 4 destination measures 2022/23
  via dfe-analytical-services/lsip_dashboard (commit a3940a479c6e670368106c3801589dc5835b3ca7).
- LA code lookups: dfe-analytical-services/dfeR (commits 9e3e11cdd7ff79b1b9ca175243fff9f27f22888e and
  bc940bf348fa0b289c7e8ac17e644c67f3254021), from the EES screener's LA list, GIAS's LA names and codes, and ONS
  geography lookups.

The Open Government Licence permits copying, publishing, adapting and commercial use provided the source is
acknowledged with the attribution statement above. It does not cover personal data, logos or third-party rights.
";

fn provenance(files: &[BuiltFile], dropped: &[String]) -> String {
    let mut text = String::from(
        "# Processed open data (generated: do not edit)\n\n\
         Written by `waymark_opendata::build` from the raw files in `../shared/data` (the `data` folder); rebuilding \
         from the same files gives byte-identical output. The tests check that this copy equals the raw files.\n\n",
    );
    text.push_str(ATTRIBUTION);
    text.push_str(" See LICENCE-OGL.txt for sources.\n\n");
    text.push_str(
        "Symbols are kept as each source wrote them: the 2006-2017 tables (exclusions, reasons, characteristics) \
         use `x` = suppressed, `.` = not applicable; LAIT uses `-` = not available; the AP tables use EES symbols \
         (`c`, `z`, `x`, `u`, `low`). Numbers are written in their shortest exact form (thousands separators \
         dropped). Areas are `E92000001` (England), an ONS region code (`E12...`, or `E13000001`/`E13000002` for \
         Inner/Outer London in the 2006-2017 tables) or a DfE LA number.\n\n\
         | file | rows | bytes | from |\n| --- | ---: | ---: | --- |\n",
    );
    for file in files {
        text.push_str(&format!("| {} | {} | {} | {} |\n", file.name, file.rows, file.bytes, source_of(&file.name)));
    }
    text.push_str("\nRows left out of the sources:\n\n");
    if dropped.is_empty() {
        text.push_str("- none\n");
    }
    for line in dropped {
        text.push_str(&format!("- {line} (no area given)\n"));
    }
    text
}

fn source_of(name: &str) -> &'static str {
    match name {
        "las.csv" => "la-code-lookups/*.csv, LAIT's lait_la_code_list.csv (names), built-in reorganisation list",
        "exclusions.csv" => "dfe-exclusion-statistics-2006-2017/clean_la_data.csv (names matched to LA numbers)",
        "reasons.csv.gz" => "dfe-exclusion-statistics-2006-2017/clean_la_exclusions_data.csv",
        "characteristics.csv.gz" => "dfe-exclusion-statistics-2006-2017/SFR35_2017_National_characteristics.csv",
        "lait.csv.gz" => "dfe-lait-exclusion-rates-2015-2024/lait_exclusion_rates_by_la.csv",
        "ap_settings.csv.gz" => "dfe-alternative-provision-2022-23/spc_ap_setting.csv",
        "ap_reasons.csv.gz" => "dfe-alternative-provision-2022-23/spc_school_ap_placement.csv",
        "ap_characteristics.csv.gz" => "dfe-alternative-provision-2022-23/spc_school_ap_characteristics.csv",
        "ap_census.csv.gz" => {
            "dfe-alternative-provision-2022-23/ap_placements_ap_census.csv.gz (a zip archive despite its name), \
             one-characteristic rows only"
        }
        "schools.csv.gz" => "dfe-exclusion-statistics-2006-2017/school_data_sql.csv",
        "after.csv.gz" => {
            "dfe-ap-outcomes/ (AP counts, AP characteristics, Ofsted grades of AP schools, PRU absence, children in \
             need: exclusions, school type, absence and KS4, NCCIS NEET scorecards 2021-2025, national KS4 \
             destinations); one row per measure, year and area, measures listed in waymark_opendata::after"
        }
        _ => "",
    }
}
