//! Reading a previous report to resume a run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::csv::parse_csv;
use super::jsonl::parse_json_lines;
use super::{read_report_bytes, CsvRow, ParsedFile, ReportFormat, ReportRecord};
use crate::account::AccountId;
use crate::error::{Error, Result};
use crate::outcome::{Mode, Status, TaskName};

/// One row of a previous report, in the report's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviousRow {
    /// A row of a CSV report.
    Csv(Box<CsvRow>),
    /// A line of a JSON Lines report.
    JsonLines(Box<ReportRecord>),
}

impl PreviousRow {
    /// The member account of the row.
    pub fn account_id(&self) -> &AccountId {
        match self {
            Self::Csv(row) => &row.account_id,
            Self::JsonLines(record) => &record.outcome().account.id,
        }
    }

    /// The account's final status.
    pub fn status(&self) -> Status {
        match self {
            Self::Csv(row) => row.status,
            Self::JsonLines(record) => record.outcome().status,
        }
    }

    /// The ID of the run that wrote the row.
    pub fn run_id(&self) -> &str {
        match self {
            Self::Csv(row) => &row.run_id,
            Self::JsonLines(record) => &record.run().run_id,
        }
    }

    /// The organization of the run that wrote the row.
    pub fn organization_id(&self) -> &str {
        match self {
            Self::Csv(row) => &row.organization_id,
            Self::JsonLines(record) => &record.run().organization_id,
        }
    }

    /// The task of the run that wrote the row.
    pub fn task(&self) -> TaskName {
        match self {
            Self::Csv(row) => row.task,
            Self::JsonLines(record) => record.run().task,
        }
    }

    /// The mode of the run that wrote the row.
    pub fn mode(&self) -> Mode {
        match self {
            Self::Csv(row) => row.mode,
            Self::JsonLines(record) => record.run().mode,
        }
    }

    /// Reports whether the row leaves nothing for a resumed run to do: done, nothing to do,
    /// planned in a plan run, or partial only because the user asked to keep recently used
    /// access keys.
    pub fn is_settled(&self) -> bool {
        match self {
            Self::Csv(row) => row.is_settled(),
            Self::JsonLines(record) => {
                let outcome = record.outcome();
                match outcome.status {
                    Status::Done | Status::NothingToDo => true,
                    Status::Planned => outcome.mode == Mode::Plan,
                    Status::Partial => outcome.is_requested_partial(),
                    Status::Skipped | Status::Failed => false,
                }
            }
        }
    }
}

/// A report written by an earlier run, read to resume that run.
///
/// A report may hold the rows of several runs, because a resumed run appends to it, but they
/// all share one organization, task and mode. An account is settled when its last row is
/// settled (see [`PreviousRow::is_settled`]), so a resumed run skips it.
#[derive(Debug, Clone)]
pub struct PreviousReport {
    path: PathBuf,
    format: ReportFormat,
    rows: Vec<PreviousRow>,
    torn_line: Option<u64>,
    has_header: bool,
    valid_len: u64,
    file_len: u64,
    settled: HashMap<AccountId, bool>,
}

impl PreviousReport {
    /// Reads a CSV or JSON Lines report; the extension of `path` sets the format.
    ///
    /// A torn last line (one without its `\n`, or one that does not parse) is ignored and
    /// recorded in [`Self::torn_line`].
    ///
    /// Returns [`Error::InvalidInput`] for a missing file, an unknown extension, a file that is
    /// not a rootward report, or rows of different organizations, tasks or modes. Returns
    /// [`Error::Report`] for a file that cannot be read or a line before the last that does not
    /// parse. Each error names the path, and the line number where there is one.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let format = ReportFormat::from_path(path)?;
        let data = read_report_bytes(path)?;
        let parsed = match format {
            ReportFormat::Csv => {
                parse_csv(path, &data)?.map_rows(|row| PreviousRow::Csv(Box::new(row)))
            }
            ReportFormat::JsonLines => parse_json_lines(path, &data)?
                .map_rows(|record| PreviousRow::JsonLines(Box::new(record))),
        };
        check_one_run_kind(path, &parsed)?;

        let mut settled = HashMap::new();
        for row in &parsed.rows {
            settled.insert(row.account_id().clone(), row.is_settled());
        }
        Ok(Self {
            path: path.to_owned(),
            format,
            rows: parsed.rows,
            torn_line: parsed.torn_line,
            has_header: parsed.has_header,
            valid_len: parsed.valid_len,
            file_len: data.len() as u64,
            settled,
        })
    }

    /// The report file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The report's format.
    pub fn format(&self) -> ReportFormat {
        self.format
    }

    /// Every complete row, in file order.
    pub fn rows(&self) -> &[PreviousRow] {
        &self.rows
    }

    /// Reports whether a torn last line was ignored, as happens after a process was killed while
    /// writing. The account of that line is not settled, so a resumed run repeats it.
    pub fn torn_line(&self) -> bool {
        self.torn_line.is_some()
    }

    /// The line number of the torn last line that was ignored, if any.
    pub fn torn_line_number(&self) -> Option<u64> {
        self.torn_line
    }

    /// The organization the report was written for; `None` when it has no rows.
    pub fn organization_id(&self) -> Option<&str> {
        self.rows.first().map(PreviousRow::organization_id)
    }

    /// The task the report was written for; `None` when it has no rows.
    pub fn task(&self) -> Option<TaskName> {
        self.rows.first().map(PreviousRow::task)
    }

    /// The mode the report was written for; `None` when it has no rows.
    pub fn mode(&self) -> Option<Mode> {
        self.rows.first().map(PreviousRow::mode)
    }

    /// Reports whether the account's last row is settled, so a resumed run can skip it.
    pub fn settled(&self, account_id: &AccountId) -> bool {
        self.settled.get(account_id).copied().unwrap_or(false)
    }

    /// The number of settled accounts.
    pub fn settled_count(&self) -> usize {
        self.settled.values().filter(|&&settled| settled).count()
    }

    /// Returns [`Error::InvalidInput`] unless the report belongs to this organization, task and
    /// mode. A report with no rows matches any run.
    pub fn check_compatible(
        &self,
        organization_id: &str,
        task: TaskName,
        mode: Mode,
    ) -> Result<()> {
        let Some(first) = self.rows.first() else {
            return Ok(());
        };
        if first.organization_id() == organization_id
            && first.task() == task
            && first.mode() == mode
        {
            return Ok(());
        }
        Err(Error::invalid(format!(
            "report {} was written for organization {}, task {}, mode {}; this run is for organization {organization_id}, task {task}, mode {mode}; start a new report with --report instead of --resume",
            self.path.display(),
            first.organization_id(),
            first.task(),
            first.mode(),
        )))
    }

    /// Whether the file starts with a CSV header.
    pub(super) fn has_header(&self) -> bool {
        self.has_header
    }

    /// The length of the file when it was read.
    pub(super) fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The length of the content before the torn last line, if any.
    pub(super) fn valid_len(&self) -> u64 {
        self.valid_len
    }
}

/// Returns [`Error::InvalidInput`] unless every row shares the first row's organization, task
/// and mode.
fn check_one_run_kind(path: &Path, parsed: &ParsedFile<PreviousRow>) -> Result<()> {
    let rows = &parsed.rows;
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let other = rows.iter().position(|row| {
        row.organization_id() != first.organization_id()
            || row.task() != first.task()
            || row.mode() != first.mode()
    });
    match other {
        None => Ok(()),
        Some(index) => {
            let row = &rows[index];
            Err(Error::invalid(format!(
                "report {} mixes runs: line {} is for organization {}, task {}, mode {}, but line {} is for organization {}, task {}, mode {}; split the file, or start a new report with --report",
                path.display(),
                parsed.lines[0],
                first.organization_id(),
                first.task(),
                first.mode(),
                parsed.lines[index],
                row.organization_id(),
                row.task(),
                row.mode(),
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Outcome, RunInfo};
    use crate::report::test_support::{failed, outcome, requested_partial, run};
    use crate::report::ReportWriter;

    /// Writes `outcomes` to a new report named `name` in `folder`.
    fn write_report(folder: &Path, name: &str, run: &RunInfo, outcomes: &[Outcome]) -> PathBuf {
        let path = folder.join(name);
        let mut writer = ReportWriter::create(&path, run.clone()).unwrap();
        for outcome in outcomes {
            writer.write(outcome).unwrap();
        }
        path
    }

    #[test]
    fn last_row_wins_for_settled() {
        let folder = tempfile::tempdir().unwrap();
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        let outcomes = [
            outcome(&run, "222222222222", Status::Done),
            failed(&run, "222222222222"),
            failed(&run, "333333333333"),
            outcome(&run, "333333333333", Status::NothingToDo),
            requested_partial(&run, "444444444444"),
            outcome(&run, "555555555555", Status::Skipped),
        ];
        for name in ["report.csv", "report.jsonl"] {
            let path = write_report(folder.path(), name, &run, &outcomes);
            let report = PreviousReport::read(&path).unwrap();
            let settled = |id: &str| report.settled(&id.parse().unwrap());
            assert!(!settled("222222222222"), "{name}");
            assert!(settled("333333333333"), "{name}");
            assert!(settled("444444444444"), "{name}");
            assert!(!settled("555555555555"), "{name}");
            assert!(!settled("666666666666"), "{name}");
            assert_eq!(report.settled_count(), 2, "{name}");
            assert_eq!(report.rows().len(), 6, "{name}");
            assert!(!report.torn_line(), "{name}");
        }
    }

    #[test]
    fn planned_settles_only_plan_runs() {
        let folder = tempfile::tempdir().unwrap();
        for (mode, settled) in [(Mode::Plan, true), (Mode::Execute, false)] {
            let run = run(TaskName::DeleteCredentials, mode);
            let outcomes = [outcome(&run, "222222222222", Status::Planned)];
            for name in ["report.csv", "report.jsonl"] {
                let path = write_report(folder.path(), name, &run, &outcomes);
                let report = PreviousReport::read(&path).unwrap();
                assert_eq!(
                    report.settled_count(),
                    usize::from(settled),
                    "{name} {mode}"
                );
            }
        }
    }

    #[test]
    fn report_exposes_run_kind() {
        let folder = tempfile::tempdir().unwrap();
        let run = run(TaskName::Audit, Mode::Read);
        for name in ["report.csv", "report.ndjson"] {
            let path = write_report(
                folder.path(),
                name,
                &run,
                &[outcome(&run, "222222222222", Status::Done)],
            );
            let report = PreviousReport::read(&path).unwrap();
            assert_eq!(report.organization_id(), Some("o-aaa"), "{name}");
            assert_eq!(report.task(), Some(TaskName::Audit), "{name}");
            assert_eq!(report.mode(), Some(Mode::Read), "{name}");
            assert_eq!(report.rows()[0].run_id(), run.run_id, "{name}");
            assert_eq!(report.rows()[0].status(), Status::Done, "{name}");

            let empty = write_report(folder.path(), name, &run, &[]);
            let report = PreviousReport::read(&empty).unwrap();
            assert_eq!(report.organization_id(), None, "{name}");
            assert_eq!(report.task(), None, "{name}");
            assert_eq!(report.mode(), None, "{name}");
            report
                .check_compatible("o-bbb", TaskName::UnlockS3, Mode::Execute)
                .unwrap();
        }
    }

    #[test]
    fn mismatched_run_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let run = run(TaskName::Audit, Mode::Read);
        let path = write_report(
            folder.path(),
            "report.csv",
            &run,
            &[outcome(&run, "222222222222", Status::Done)],
        );
        let report = PreviousReport::read(&path).unwrap();
        report
            .check_compatible("o-aaa", TaskName::Audit, Mode::Read)
            .unwrap();

        let cases = [
            ("o-bbb", TaskName::Audit, Mode::Read, "organization o-bbb"),
            (
                "o-aaa",
                TaskName::DeleteCredentials,
                Mode::Read,
                "task delete-credentials",
            ),
            ("o-aaa", TaskName::Audit, Mode::Plan, "mode plan"),
        ];
        for (organization_id, task, mode, expected) in cases {
            let error = report
                .check_compatible(organization_id, task, mode)
                .unwrap_err();
            assert!(error.is_usage(), "{error}");
            let message = error.to_string();
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(
                message.contains("organization o-aaa, task audit, mode read"),
                "{message}"
            );
            assert!(message.contains(expected), "{message}");
            assert!(message.contains("--resume"), "{message}");
        }
    }

    #[test]
    fn mixed_runs_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let audit = run(TaskName::Audit, Mode::Read);
        for name in ["report.csv", "report.jsonl"] {
            let outcomes = [
                outcome(&audit, "222222222222", Status::Done),
                outcome(&audit, "333333333333", Status::Done),
            ];
            let path = write_report(folder.path(), name, &audit, &outcomes);
            // Rewrite the organization of the last row only.
            let mut text = std::fs::read_to_string(&path).unwrap();
            let last = text.rfind("o-aaa").unwrap();
            text.replace_range(last..last + 5, "o-bbb");
            std::fs::write(&path, text).unwrap();

            let error = PreviousReport::read(&path).unwrap_err();
            assert!(error.is_usage(), "{name}: {error}");
            let message = error.to_string();
            assert!(message.contains("mixes runs"), "{message}");
            assert!(message.contains("organization o-bbb"), "{message}");
        }
    }

    #[test]
    fn foreign_report_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("accounts.csv");
        std::fs::write(
            &path,
            "id,name,email\n222222222222,Production,a@example.com\n",
        )
        .unwrap();
        let error = PreviousReport::read(&path).unwrap_err();
        assert!(error.is_usage(), "{error}");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );

        let path = folder.path().join("settings.json");
        std::fs::write(&path, "{\n  \"region\": \"us-east-1\"\n}\n").unwrap();
        let error = PreviousReport::read(&path).unwrap_err();
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
        assert!(error.to_string().contains("line 1 "), "{error}");
    }

    #[test]
    fn unreadable_report_names_path() {
        let folder = tempfile::tempdir().unwrap();
        let missing = folder.path().join("missing.jsonl");
        let error = PreviousReport::read(&missing).unwrap_err();
        assert!(
            error.to_string().contains(&missing.display().to_string()),
            "{error}"
        );

        let directory = folder.path().join("directory.csv");
        std::fs::create_dir(&directory).unwrap();
        let error = PreviousReport::read(&directory).unwrap_err();
        assert!(
            error.to_string().contains(&directory.display().to_string()),
            "{error}"
        );

        let error = PreviousReport::read(folder.path().join("report.txt")).unwrap_err();
        assert!(error.to_string().contains("report.txt"), "{error}");
    }
}
