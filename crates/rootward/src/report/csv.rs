//! The CSV report: one flattened row per outcome, under a fixed header.

use std::path::Path;
use std::str::FromStr;

use csv::{ByteRecord, ReaderBuilder, WriterBuilder};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::escape::{escape_cell, unescape_cell};
use super::jsonl::check_same_task;
use super::{read_report_bytes, report_error, ParsedFile};
use crate::account::{AccountId, AccountState};
use crate::error::{Error, Result};
use crate::outcome::{Detail, Mode, Outcome, RunInfo, Status, TaskName};

/// One row of a CSV report.
///
/// Every cell that starts with `=`, `+`, `-`, `@`, a tab, a carriage return, NUL or `'` is
/// written with one leading `'` so that spreadsheets do not run it as a formula. [`CsvRow::read_all`]
/// removes that `'` again, so every field reads back exactly as it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// The ID of the run that wrote the row.
    pub run_id: String,
    /// When work on the account started (RFC 3339 in the file).
    pub time: OffsetDateTime,
    /// The organization ID (`o-…`).
    pub organization_id: String,
    /// The ARN of the calling principal.
    pub caller_arn: String,
    /// The task.
    pub task: TaskName,
    /// The ARN of the task policy that scoped the root sessions.
    pub task_policy_arn: String,
    /// Read, plan or execute.
    pub mode: Mode,
    /// The member account.
    pub account_id: AccountId,
    /// The account name, or empty when Organizations gave none.
    pub account_name: String,
    /// The account's lifecycle state, such as `ACTIVE`.
    pub account_state: AccountState,
    /// The final status.
    pub status: Status,
    /// The reason in words, or empty when there is none.
    pub reason: String,
    /// Login profiles found by an audit, or removed (or planned) by a deletion: 0 or 1.
    pub login_profile: usize,
    /// Access keys found, or removed (or planned).
    pub access_keys: usize,
    /// Signing certificates found, or removed (or planned).
    pub signing_certificates: usize,
    /// MFA devices found, or deactivated (or planned).
    pub mfa_devices: usize,
    /// Access keys kept because they were used recently, as the user asked.
    pub kept_access_keys: usize,
    /// The API action of the first failed step, or empty when no step failed.
    pub step: String,
    /// The error code of the first failed step, or empty when no step failed.
    pub error_code: String,
    /// Every failure message joined with `; `, or empty when no step failed.
    pub message: String,
    /// The resource policy an unlock task read before removing it, so the change can be undone
    /// by hand; empty for other tasks.
    pub policy: String,
    /// How many root sessions were started.
    pub sessions: u32,
    /// How long the account took, in milliseconds.
    pub elapsed_ms: u64,
    /// The rootward version that wrote the row.
    pub rootward_version: String,
}

impl CsvRow {
    /// The header row: the column names in file order.
    pub const HEADER: [&'static str; 24] = [
        "run_id",
        "time",
        "organization_id",
        "caller_arn",
        "task",
        "task_policy_arn",
        "mode",
        "account_id",
        "account_name",
        "account_state",
        "status",
        "reason",
        "login_profile",
        "access_keys",
        "signing_certificates",
        "mfa_devices",
        "kept_access_keys",
        "step",
        "error_code",
        "message",
        "policy",
        "sessions",
        "elapsed_ms",
        "rootward_version",
    ];

    /// Flattens an outcome and the facts of its run into a row.
    ///
    /// Returns [`Error::InvalidInput`] when the outcome's task or mode differs from the run's.
    pub fn new(run: &RunInfo, outcome: &Outcome) -> Result<Self> {
        check_same_task(run, outcome)?;
        let counts = outcome.counts();
        let kept_access_keys = match &outcome.detail {
            Detail::Delete {
                kept_access_keys, ..
            } => kept_access_keys.len(),
            _ => 0,
        };
        let first_failure = outcome.first_failure();
        Ok(Self {
            run_id: run.run_id.clone(),
            time: outcome.started,
            organization_id: run.organization_id.clone(),
            caller_arn: run.caller_arn.clone(),
            task: run.task,
            task_policy_arn: run.task_policy_arn.clone(),
            mode: run.mode,
            account_id: outcome.account.id.clone(),
            account_name: outcome.account.name.clone(),
            account_state: outcome.account.state.clone(),
            status: outcome.status,
            reason: outcome
                .reason
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            login_profile: counts.login_profile,
            access_keys: counts.access_keys,
            signing_certificates: counts.signing_certificates,
            mfa_devices: counts.mfa_devices,
            kept_access_keys,
            step: first_failure
                .map(|step| step.action.clone())
                .unwrap_or_default(),
            error_code: first_failure
                .and_then(|step| step.error_code())
                .unwrap_or_default()
                .to_owned(),
            message: outcome.failure_messages().join("; "),
            policy: match &outcome.detail {
                Detail::UnlockPolicy { policy, .. } => policy.clone().unwrap_or_default(),
                _ => String::new(),
            },
            sessions: outcome.sessions,
            elapsed_ms: outcome.elapsed_ms,
            rootward_version: run.rootward_version.clone(),
        })
    }

    /// Reads every complete row of a CSV report, ignoring a torn last row.
    ///
    /// Use [`super::PreviousReport::read`] to also learn whether there was a torn row.
    pub fn read_all(path: &Path) -> Result<Vec<Self>> {
        let data = read_report_bytes(path)?;
        Ok(parse_csv(path, &data)?.rows)
    }

    /// Reports whether the row leaves nothing for a resumed run to do: done, nothing to do,
    /// planned in a plan run, or partial only because recently used keys were kept.
    pub fn is_settled(&self) -> bool {
        match self.status {
            Status::Done | Status::NothingToDo => true,
            Status::Planned => self.mode == Mode::Plan,
            Status::Partial => self.error_code.is_empty() && self.kept_access_keys > 0,
            Status::Skipped | Status::Failed => false,
        }
    }

    /// Encodes the row as one CSV line that ends with `\n`.
    pub(super) fn to_line(&self, path: &Path) -> Result<Vec<u8>> {
        let time = self.time.format(&Rfc3339).map_err(|error| {
            report_error(
                path,
                format!(
                    "could not write the start time of account {} as RFC 3339",
                    self.account_id
                ),
                error,
            )
        })?;
        let cells = [
            self.run_id.clone(),
            time,
            self.organization_id.clone(),
            self.caller_arn.clone(),
            self.task.to_string(),
            self.task_policy_arn.clone(),
            self.mode.to_string(),
            self.account_id.to_string(),
            self.account_name.clone(),
            self.account_state.to_string(),
            self.status.to_string(),
            self.reason.clone(),
            self.login_profile.to_string(),
            self.access_keys.to_string(),
            self.signing_certificates.to_string(),
            self.mfa_devices.to_string(),
            self.kept_access_keys.to_string(),
            self.step.clone(),
            self.error_code.clone(),
            self.message.clone(),
            self.policy.clone(),
            self.sessions.to_string(),
            self.elapsed_ms.to_string(),
            self.rootward_version.clone(),
        ];
        encode_line(
            path,
            cells.iter().map(|cell| escape_cell(cell).into_owned()),
        )
    }

    /// Decodes a row from its cells, as read from the file before unescaping.
    fn from_record(record: &ByteRecord) -> std::result::Result<Self, String> {
        if record.len() != Self::HEADER.len() {
            return Err(format!(
                "expected {} fields, found {}",
                Self::HEADER.len(),
                record.len()
            ));
        }
        let mut cells = Cells { record, column: 0 };
        Ok(Self {
            run_id: cells.text()?,
            time: cells.parse_with(|text| OffsetDateTime::parse(text, &Rfc3339).ok())?,
            organization_id: cells.text()?,
            caller_arn: cells.text()?,
            task: cells.parse_with(TaskName::parse)?,
            task_policy_arn: cells.text()?,
            mode: cells.parse_with(Mode::parse)?,
            account_id: cells.parse_with(|text| text.parse().ok())?,
            account_name: cells.text()?,
            account_state: AccountState::from(cells.text()?),
            status: cells.parse_with(Status::parse)?,
            reason: cells.text()?,
            login_profile: cells.number()?,
            access_keys: cells.number()?,
            signing_certificates: cells.number()?,
            mfa_devices: cells.number()?,
            kept_access_keys: cells.number()?,
            step: cells.text()?,
            error_code: cells.text()?,
            message: cells.text()?,
            policy: cells.text()?,
            sessions: cells.number()?,
            elapsed_ms: cells.number()?,
            rootward_version: cells.text()?,
        })
    }
}

/// Encodes the header line of a new CSV report.
pub(super) fn header_line(path: &Path) -> Result<Vec<u8>> {
    encode_line(path, CsvRow::HEADER.into_iter())
}

/// Encodes cells that are already escaped as one CSV line. The `csv` crate quotes each cell that
/// contains a comma, a quote or a line break.
fn encode_line(path: &Path, cells: impl Iterator<Item = impl AsRef<[u8]>>) -> Result<Vec<u8>> {
    let mut writer = WriterBuilder::new().from_writer(Vec::new());
    writer
        .write_record(cells)
        .map_err(|error| report_error(path, "could not encode a CSV row", error))?;
    writer
        .into_inner()
        .map_err(|error| report_error(path, "could not encode a CSV row", error.into_error()))
}

/// A cursor over the cells of one record, naming the column in its errors.
struct Cells<'r> {
    record: &'r ByteRecord,
    column: usize,
}

impl Cells<'_> {
    fn text(&mut self) -> std::result::Result<String, String> {
        let name = CsvRow::HEADER[self.column];
        let raw = &self.record[self.column];
        self.column += 1;
        let text =
            std::str::from_utf8(raw).map_err(|_| format!("column {name} is not valid UTF-8"))?;
        Ok(unescape_cell(text).to_owned())
    }

    fn parse_with<T>(
        &mut self,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> std::result::Result<T, String> {
        let name = CsvRow::HEADER[self.column];
        let text = self.text()?;
        parse(&text).ok_or_else(|| format!("column {name} has the invalid value {text:?}"))
    }

    fn number<T: FromStr>(&mut self) -> std::result::Result<T, String> {
        self.parse_with(|text| text.parse().ok())
    }
}

/// A record as the `csv` reader returned it, with where it starts.
struct RawRecord {
    start: u64,
    line: u64,
    result: std::result::Result<ByteRecord, csv::Error>,
}

/// Parses a CSV report: checks the header and decodes every row.
///
/// A last record that does not end with `\n` or does not decode is a torn row and is
/// ignored. A first line other than rootward's header makes the file a foreign report
/// ([`Error::InvalidInput`]), unless it is the only line and a cut-off start of the header.
pub(super) fn parse_csv(path: &Path, data: &[u8]) -> Result<ParsedFile<CsvRow>> {
    let records = read_records(data);
    let Some((header, rows)) = records.split_first() else {
        return Ok(ParsedFile::empty());
    };
    let ends_with_newline = data.ends_with(b"\n");

    let mut parsed = ParsedFile::empty();
    let is_header = header.result.as_ref().is_ok_and(|record| {
        record
            .iter()
            .eq(CsvRow::HEADER.iter().map(|name| name.as_bytes()))
    });
    let header_text = CsvRow::HEADER.join(",");
    // A header without its line break is torn even when every column name is complete.
    let rest = &data[header.start as usize..];
    if rows.is_empty() && !ends_with_newline && header_text.as_bytes().starts_with(rest) {
        parsed.torn_line = Some(header.line);
        return Ok(parsed);
    }
    if !is_header {
        return Err(Error::invalid(format!(
            "report {} is not a rootward CSV report: its first line is not the header {header_text}; choose another file, or start a new report with --report",
            path.display()
        )));
    }
    parsed.has_header = true;

    for (index, raw) in rows.iter().enumerate() {
        let is_last = index + 1 == rows.len();
        let decoded = raw
            .result
            .as_ref()
            .map_err(ToString::to_string)
            .and_then(CsvRow::from_record);
        if is_last && (decoded.is_err() || !ends_with_newline) {
            parsed.torn_line = Some(raw.line);
            parsed.valid_len = line_start(data, raw.start);
            return Ok(parsed);
        }
        match decoded {
            Ok(row) => parsed.push(raw.line, row),
            Err(reason) => {
                return Err(Error::Report {
                    path: path.display().to_string(),
                    message: format!(
                        "line {} is not a valid rootward CSV row: {reason}; fix or remove that line, or start a new report with --report",
                        raw.line
                    ),
                    source: None,
                })
            }
        }
    }

    parsed.valid_len = data.len() as u64;
    Ok(parsed)
}

fn read_records(data: &[u8]) -> Vec<RawRecord> {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut records = Vec::new();
    loop {
        let start = reader.position().clone();
        let mut record = ByteRecord::new();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                // The reader skips blank lines, so the record's own position is the exact start.
                let position = record.position().unwrap_or(&start);
                records.push(RawRecord {
                    start: position.byte(),
                    line: position.line(),
                    result: Ok(record),
                });
            }
            Err(error) => records.push(RawRecord {
                start: start.byte(),
                line: start.line(),
                result: Err(error),
            }),
        }
    }
    records
}

/// Returns where the line of a record that starts at `offset` begins.
///
/// With `\r\n` line breaks the reader places a record's start on the `\n`, so the start moves
/// past it to keep the whole line break with the previous row.
fn line_start(data: &[u8], offset: u64) -> u64 {
    match data.get(offset as usize) {
        Some(b'\n') => offset + 1,
        _ => offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::{failed, outcome, requested_partial, run};

    fn path() -> &'static Path {
        Path::new("report.csv")
    }

    fn report(rows: &[CsvRow]) -> Vec<u8> {
        let mut data = header_line(path()).unwrap();
        for row in rows {
            data.extend(row.to_line(path()).unwrap());
        }
        data
    }

    #[test]
    fn header_lists_columns_in_order() {
        let header = String::from_utf8(header_line(path()).unwrap()).unwrap();
        assert_eq!(
            header,
            "run_id,time,organization_id,caller_arn,task,task_policy_arn,mode,account_id,\
             account_name,account_state,status,reason,login_profile,access_keys,\
             signing_certificates,mfa_devices,kept_access_keys,step,error_code,message,\
             policy,sessions,elapsed_ms,rootward_version\n"
        );
    }

    #[test]
    fn row_flattens_failed_outcome() {
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        let row = CsvRow::new(&run, &failed(&run, "333333333333")).unwrap();
        assert_eq!(row.time, datetime_of_outcome());
        assert_eq!(row.step, "DeleteAccessKey");
        assert_eq!(row.error_code, "AccessDenied");
        assert_eq!(
            row.message,
            "DeleteAccessKey AKIA1: AccessDenied: -not allowed, \"really\"; \
             DeleteLoginProfile: Throttling: Rate exceeded"
        );
        assert_eq!(row.account_state.as_str(), "FROZEN");
        assert_eq!(row.reason, "");
    }

    fn datetime_of_outcome() -> OffsetDateTime {
        time::macros::datetime!(2025-03-01 09:31:02.5 UTC)
    }

    #[test]
    fn row_counts_removed_and_kept() {
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        let row = CsvRow::new(&run, &requested_partial(&run, "222222222222")).unwrap();
        assert_eq!(row.login_profile, 1);
        assert_eq!(row.access_keys, 0);
        assert_eq!(row.signing_certificates, 0);
        assert_eq!(row.mfa_devices, 1);
        assert_eq!(row.kept_access_keys, 1);
        assert_eq!(row.step, "");
        assert_eq!(row.error_code, "");
        assert_eq!(
            row.reason,
            "kept 1 access key(s) used within 30 days, as requested"
        );
        assert!(row.is_settled());
    }

    #[test]
    fn rows_read_back_exactly() {
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        let rows = [
            CsvRow::new(&run, &requested_partial(&run, "222222222222")).unwrap(),
            CsvRow::new(&run, &failed(&run, "333333333333")).unwrap(),
        ];
        let data = report(&rows);
        let parsed = parse_csv(path(), &data).unwrap();
        assert!(parsed.has_header);
        assert_eq!(parsed.torn_line, None);
        assert_eq!(parsed.rows, rows);
        assert_eq!(parsed.lines, [2, 3]);
        assert_eq!(parsed.valid_len, data.len() as u64);
    }

    #[test]
    fn formula_cells_escaped_both_ways() {
        let run = run(TaskName::Audit, Mode::Read);
        let names = ["=1+1", "+x", "-x", "@x", "\tx", "'x", "plain"];
        let rows: Vec<CsvRow> = names
            .iter()
            .map(|name| {
                let mut outcome = outcome(&run, "222222222222", Status::Done);
                outcome.account.name = (*name).to_owned();
                CsvRow::new(&run, &outcome).unwrap()
            })
            .collect();
        let data = report(&rows);

        let mut raw = ReaderBuilder::new().from_reader(&data[..]);
        let raw_names: Vec<String> = raw
            .records()
            .map(|record| record.unwrap()[8].to_owned())
            .collect();
        assert_eq!(
            raw_names,
            ["'=1+1", "'+x", "'-x", "'@x", "'\tx", "''x", "plain"]
        );

        let read: Vec<String> = parse_csv(path(), &data)
            .unwrap()
            .rows
            .into_iter()
            .map(|row| row.account_name)
            .collect();
        assert_eq!(read, names);
    }

    #[test]
    fn settled_rule_for_rows() {
        let plan = run(TaskName::DeleteCredentials, Mode::Plan);
        let execute = run(TaskName::DeleteCredentials, Mode::Execute);
        let row = |run: &RunInfo, status| {
            CsvRow::new(run, &outcome(run, "222222222222", status)).unwrap()
        };
        assert!(row(&execute, Status::Done).is_settled());
        assert!(row(&execute, Status::NothingToDo).is_settled());
        assert!(row(&plan, Status::Planned).is_settled());
        assert!(!row(&execute, Status::Planned).is_settled());
        assert!(!row(&execute, Status::Failed).is_settled());
        assert!(!row(&execute, Status::Skipped).is_settled());
        assert!(!row(&execute, Status::Partial).is_settled());
        assert!(!CsvRow::new(&execute, &failed(&execute, "222222222222"))
            .unwrap()
            .is_settled());
    }

    #[test]
    fn foreign_header_rejected() {
        let data = b"account_id,name\n222222222222,x\n";
        let error = parse_csv(path(), data).err().unwrap();
        assert!(error.is_usage(), "{error}");
        let message = error.to_string();
        assert!(message.contains("report.csv"), "{message}");
        assert!(message.contains("not a rootward CSV report"), "{message}");
    }

    #[test]
    fn empty_and_header_only_files() {
        let empty = parse_csv(path(), b"").unwrap();
        assert!(!empty.has_header);
        assert!(empty.rows.is_empty());

        let header = header_line(path()).unwrap();
        let header_only = parse_csv(path(), &header).unwrap();
        assert!(header_only.has_header);
        assert!(header_only.rows.is_empty());
        assert_eq!(header_only.valid_len, header.len() as u64);

        for cut in [20, header.len() - 1] {
            let torn_header = parse_csv(path(), &header[..cut]).unwrap();
            assert!(!torn_header.has_header, "cut at {cut}");
            assert_eq!(torn_header.torn_line, Some(1), "cut at {cut}");
            assert_eq!(torn_header.valid_len, 0, "cut at {cut}");
        }
    }

    #[test]
    fn torn_last_row_ignored() {
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        let first = CsvRow::new(&run, &requested_partial(&run, "222222222222")).unwrap();
        let second = CsvRow::new(&run, &failed(&run, "333333333333")).unwrap();
        let complete = report(&[first.clone(), second]);
        let valid_len = report(std::slice::from_ref(&first)).len();

        // The account name of the second row contains a quoted line break, so some cuts end in `\n`.
        for cut in valid_len + 1..complete.len() {
            let parsed = parse_csv(path(), &complete[..cut]).unwrap();
            assert_eq!(parsed.rows, std::slice::from_ref(&first), "cut at {cut}");
            assert_eq!(parsed.torn_line, Some(3), "cut at {cut}");
            assert_eq!(parsed.valid_len, valid_len as u64, "cut at {cut}");
        }
    }

    #[test]
    fn bad_middle_row_names_line() {
        let run = run(TaskName::Audit, Mode::Read);
        let row = CsvRow::new(&run, &outcome(&run, "222222222222", Status::Done)).unwrap();
        let mut data = report(std::slice::from_ref(&row));
        data.extend(b"a,b,c\n");
        data.extend(row.to_line(path()).unwrap());

        let error = parse_csv(path(), &data).err().unwrap();
        let message = error.to_string();
        assert!(message.contains("report.csv"), "{message}");
        assert!(message.contains("line 3 "), "{message}");
        let expected = format!("expected {} fields, found 3", CsvRow::HEADER.len());
        assert!(message.contains(&expected), "{message}");
    }

    #[test]
    fn bad_cell_names_column() {
        let run = run(TaskName::Audit, Mode::Read);
        let row = CsvRow::new(&run, &outcome(&run, "222222222222", Status::Done)).unwrap();
        let line = String::from_utf8(row.to_line(path()).unwrap()).unwrap();
        let mut data = header_line(path()).unwrap();
        data.extend(line.replace(",done,", ",finished,").into_bytes());
        data.extend(line.into_bytes());

        let message = parse_csv(path(), &data).err().unwrap().to_string();
        assert!(message.contains("column status"), "{message}");
        assert!(message.contains("\"finished\""), "{message}");
    }
}
