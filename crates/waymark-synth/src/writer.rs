//! The import-format CSV files: one per table, a header row, stable column names (documented in
//! `docs/import-format.md`). Values never contain commas or quotes, so no quoting is needed.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// The tables, in the order they are written, with their header rows.
pub const TABLES: [(&str, &str); 13] = [
    ("settings", "setting_id,urn,la,laestab,name,kind,phase,roll,parent_setting_id"),
    ("pupils", "upn,la,given_name,family_name,date_of_birth,sex,year_group,fsm,sen_provision,cin,cla,ethnicity"),
    ("enrolments", "enrolment_id,upn,setting_id,registration,start_date,end_date,leaving_reason"),
    ("attendance", "enrolment_id,upn,setting_id,academic_year,term,marks"),
    ("incidents", "incident_id,upn,setting_id,date,kind,severity,outcome"),
    ("suspensions", "suspension_id,upn,setting_id,incident_id,category,start_date,length_days,reason_1,reason_2,reason_3"),
    ("exclusions", "exclusion_id,upn,setting_id,incident_id,category,start_date,reason_1,reason_2,reason_3"),
    ("referrals", "referral_id,upn,from_setting_id,date,reason,tier_requested"),
    ("placements", "placement_id,referral_id,upn,setting_id,tier,start_date,planned_end_date,end_date,outcome"),
    ("timetables", "placement_id,from_date,ap_sessions_per_week,mainstream_sessions_per_week"),
    (
        "assessments",
        "assessment_id,upn,setting_id,date,instrument,version,occasion,item_01,item_02,item_03,item_04,item_05,item_06,item_07,item_08,item_09,item_10,item_11,item_12,item_13,item_14,item_15,item_16,item_17,item_18,item_19,item_20,item_21,item_22,item_23,item_24,item_25",
    ),
    ("interventions", "intervention_id,upn,setting_id,kind,start_date,end_date,sessions_planned,sessions_attended"),
    ("destinations", "upn,ks4_year,destination,sustained"),
];

/// Which table a row goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Settings,
    Pupils,
    Enrolments,
    Attendance,
    Incidents,
    Suspensions,
    Exclusions,
    Referrals,
    Placements,
    Timetables,
    Assessments,
    Interventions,
    Destinations,
}

/// Open writers for every table of an output directory.
pub struct Tables {
    files: Vec<BufWriter<File>>,
    /// Rows written per table.
    pub rows: [u64; 13],
}

impl Tables {
    /// Create `dir` and every file in it, with header rows (`attendance` is skipped when
    /// `with_attendance` is false).
    pub fn create(dir: &Path, with_attendance: bool) -> io::Result<Tables> {
        std::fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        for (name, header) in TABLES {
            let path = if name == "attendance" && !with_attendance {
                dir.join(".attendance.skipped")
            } else {
                dir.join(format!("{name}.csv"))
            };
            let mut w = BufWriter::with_capacity(1 << 16, File::create(&path)?);
            writeln!(w, "{header}")?;
            files.push(w);
        }
        if !with_attendance {
            std::fs::remove_file(dir.join(".attendance.skipped"))?;
        }
        Ok(Tables { files, rows: [0; 13] })
    }

    /// The writer for a table; the caller writes one whole line.
    pub fn row(&mut self, table: Table) -> &mut BufWriter<File> {
        self.rows[table as usize] += 1;
        &mut self.files[table as usize]
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.files.iter_mut().try_for_each(|f| f.flush())
    }
}
