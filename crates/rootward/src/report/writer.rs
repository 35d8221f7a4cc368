//! Writing a report one outcome at a time.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::csv::header_line;
use super::{report_error, CsvRow, PreviousReport, ReportFormat, ReportRecord};
use crate::error::{Error, Result};
use crate::outcome::{Outcome, RunInfo};

/// Writes the outcomes of one run to a report file as they arrive.
///
/// Each outcome goes to the file as one complete line in a single `write_all` call, followed
/// by a flush, so a killed process leaves at worst a torn last line.
///
/// NOTE: the file is not synced to disk after each row, so a power loss, unlike a killed
/// process, can lose the last rows. A resumed run then repeats those accounts.
#[derive(Debug)]
pub struct ReportWriter {
    path: PathBuf,
    format: ReportFormat,
    run: RunInfo,
    file: File,
    rows_written: u64,
    /// The length of the file up to the end of its last complete line.
    complete_len: u64,
}

impl ReportWriter {
    /// Creates the report file, or truncates an existing one, for a new run.
    ///
    /// The extension of `path` sets the format, and a CSV report starts with its header row.
    /// Returns [`Error::InvalidInput`] for an unknown extension or a missing folder, and
    /// [`Error::Report`] when the file cannot be created or written.
    pub fn create(path: impl AsRef<Path>, run: RunInfo) -> Result<Self> {
        let path = path.as_ref();
        let format = ReportFormat::from_path(path)?;
        check_folder(path)?;
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|error| {
                report_error(
                    path,
                    "could not create the file; check that its folder is writable, or choose another --report path",
                    error,
                )
            })?;

        let mut writer = Self {
            path: path.to_owned(),
            format,
            run,
            file,
            rows_written: 0,
            complete_len: 0,
        };
        if format == ReportFormat::Csv {
            let header = header_line(path)?;
            writer.write_line(&header)?;
        }
        Ok(writer)
    }

    /// Reopens a previous report to append the outcomes of a resumed run.
    ///
    /// A torn last line is cut off first, and a CSV header is written only when the file has
    /// none. Returns [`Error::InvalidInput`] when the report belongs to another organization,
    /// task or mode than `run`, and [`Error::Report`] when the file changed since it was read
    /// or cannot be written.
    pub fn append(previous: &PreviousReport, run: RunInfo) -> Result<Self> {
        previous.check_compatible(&run.organization_id, run.task, run.mode)?;
        let path = previous.path();
        let open_error = |error: std::io::Error| {
            report_error(
                path,
                "could not open the file for appending; check that it is writable",
                error,
            )
        };
        let mut file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(open_error)?;

        let length = file.metadata().map_err(open_error)?.len();
        if length != previous.file_len() {
            return Err(Error::Report {
                path: path.display().to_string(),
                message: format!(
                    "the file changed since it was read ({} bytes then, {length} bytes now); check that no other rootward run writes to it, then resume again",
                    previous.file_len()
                ),
                source: None,
            });
        }
        if previous.valid_len() < length {
            tracing::debug!(
                path = %path.display(),
                bytes = length - previous.valid_len(),
                "cutting off a torn last line before appending"
            );
            file.set_len(previous.valid_len()).map_err(|error| {
                report_error(path, "could not cut off the torn last line", error)
            })?;
        }
        file.seek(SeekFrom::End(0)).map_err(open_error)?;

        let mut writer = Self {
            path: path.to_owned(),
            format: previous.format(),
            run,
            file,
            rows_written: 0,
            complete_len: previous.valid_len(),
        };
        if writer.format == ReportFormat::Csv && !previous.has_header() {
            let header = header_line(path)?;
            writer.write_line(&header)?;
        }
        Ok(writer)
    }

    /// Writes one outcome as one complete line and flushes it.
    ///
    /// Returns [`Error::InvalidInput`] when the outcome's task or mode differs from the run's,
    /// and [`Error::Report`] when the write fails.
    pub fn write(&mut self, outcome: &Outcome) -> Result<()> {
        let line = match self.format {
            ReportFormat::Csv => CsvRow::new(&self.run, outcome)?.to_line(&self.path)?,
            ReportFormat::JsonLines => {
                ReportRecord::new(&self.run, outcome)?.to_line(&self.path)?
            }
        };
        self.write_line(&line)?;
        self.rows_written += 1;
        Ok(())
    }

    /// The report file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of outcomes this writer has written, not counting rows already in the file.
    pub fn rows_written(&self) -> u64 {
        self.rows_written
    }

    /// Writes one complete line. After a failed write, cuts off what part of the line reached
    /// the file, so that a later line does not follow a torn one.
    fn write_line(&mut self, line: &[u8]) -> Result<()> {
        let written = self.file.write_all(line).and_then(|()| self.file.flush());
        if let Err(error) = written {
            let rolled_back = self
                .file
                .set_len(self.complete_len)
                .and_then(|()| self.file.seek(SeekFrom::Start(self.complete_len)));
            if let Err(rollback_error) = rolled_back {
                tracing::warn!(
                    path = %self.path.display(),
                    error = %rollback_error,
                    "could not cut off a partly written report line"
                );
            }
            return Err(report_error(
                &self.path,
                "could not write to the file; check the free disk space, then resume the run with --resume",
                error,
            ));
        }
        self.complete_len += line.len() as u64;
        Ok(())
    }
}

/// Returns [`Error::InvalidInput`] unless the folder that should contain `path` exists.
fn check_folder(path: &Path) -> Result<()> {
    let Some(folder) = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    else {
        return Ok(());
    };
    if folder.is_dir() {
        return Ok(());
    }
    let problem = if folder.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    Err(Error::invalid(format!(
        "invalid report path {}: folder {} {problem}; create it or choose another --report path",
        path.display(),
        folder.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Mode, Status, TaskName};
    use crate::report::test_support::{failed, outcome, requested_partial, run};
    use crate::report::PreviousRow;

    #[test]
    fn create_writes_csv_header() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("report.csv");
        let writer = ReportWriter::create(&path, run(TaskName::Audit, Mode::Read)).unwrap();
        assert_eq!(writer.rows_written(), 0);
        assert_eq!(writer.path(), path);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{}\n", CsvRow::HEADER.join(",")));

        let path = folder.path().join("report.jsonl");
        ReportWriter::create(&path, run(TaskName::Audit, Mode::Read)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn create_truncates_existing_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("report.jsonl");
        std::fs::write(&path, "old content\n").unwrap();
        ReportWriter::create(&path, run(TaskName::Audit, Mode::Read)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn create_names_missing_folder() {
        let folder = tempfile::tempdir().unwrap();
        let missing = folder.path().join("missing");
        let error =
            ReportWriter::create(missing.join("report.csv"), run(TaskName::Audit, Mode::Read))
                .unwrap_err();
        assert!(error.is_usage(), "{error}");
        let message = error.to_string();
        assert!(
            message.contains(&format!("folder {} does not exist", missing.display())),
            "{message}"
        );
        assert!(message.contains("--report"), "{message}");
    }

    #[test]
    fn create_names_unwritable_path() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("taken.csv");
        std::fs::create_dir(&path).unwrap();
        let error = ReportWriter::create(&path, run(TaskName::Audit, Mode::Read)).unwrap_err();
        assert!(matches!(error, Error::Report { .. }), "{error:?}");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn write_failure_names_path() {
        // Every write to /dev/full fails with "no space left on device".
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("full.csv");
        std::os::unix::fs::symlink("/dev/full", &path).unwrap();
        let error = ReportWriter::create(&path, run(TaskName::Audit, Mode::Read)).unwrap_err();
        assert!(matches!(error, Error::Report { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("free disk space"), "{message}");
    }

    #[test]
    fn write_rejects_other_task() {
        let folder = tempfile::tempdir().unwrap();
        let audit = run(TaskName::Audit, Mode::Read);
        let delete = run(TaskName::DeleteCredentials, Mode::Execute);
        let mut writer = ReportWriter::create(folder.path().join("report.csv"), audit).unwrap();
        let error = writer.write(&failed(&delete, "222222222222")).unwrap_err();
        assert!(error.is_usage(), "{error}");
        assert_eq!(writer.rows_written(), 0);
    }

    #[test]
    fn append_cuts_torn_line_and_adds_rows() {
        let folder = tempfile::tempdir().unwrap();
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        // The account name in `failed` contains a line break, so its CSV row takes two lines.
        let cases = [
            ("report.csv", &b"8b4f3c1e-0000-4000-8000-0000000"[..], 5),
            ("report.jsonl", &b"{\"run_id\":\"8b4f3c1e-0000-4000"[..], 3),
        ];
        for (name, torn, torn_line_number) in cases {
            let path = folder.path().join(name);
            let mut writer = ReportWriter::create(&path, run.clone()).unwrap();
            writer.write(&failed(&run, "222222222222")).unwrap();
            writer
                .write(&outcome(&run, "333333333333", Status::Done))
                .unwrap();
            drop(writer);
            // Simulate a process killed halfway through its third line.
            let mut data = std::fs::read(&path).unwrap();
            let complete_len = data.len();
            data.extend(torn);
            std::fs::write(&path, &data).unwrap();

            let previous = PreviousReport::read(&path).unwrap();
            assert!(previous.torn_line(), "{name}");
            assert_eq!(
                previous.torn_line_number(),
                Some(torn_line_number),
                "{name}"
            );
            assert_eq!(previous.rows().len(), 2, "{name}");

            let mut resumed = run.clone();
            resumed.run_id = "second-run".to_owned();
            let mut writer = ReportWriter::append(&previous, resumed).unwrap();
            writer
                .write(&requested_partial(&run, "222222222222"))
                .unwrap();
            assert_eq!(writer.rows_written(), 1, "{name}");
            drop(writer);

            let data = std::fs::read(&path).unwrap();
            assert!(
                !data[complete_len..].starts_with(torn),
                "{name}: torn line kept"
            );
            let report = PreviousReport::read(&path).unwrap();
            assert!(!report.torn_line(), "{name}");
            assert_eq!(report.rows().len(), 3, "{name}");
            assert_eq!(report.rows()[2].run_id(), "second-run", "{name}");
            assert_eq!(report.settled_count(), 2, "{name}");
            if let PreviousRow::JsonLines(record) = &report.rows()[2] {
                assert_eq!(record.outcome(), &requested_partial(&run, "222222222222"));
            }
        }
    }

    #[test]
    fn append_writes_missing_header() {
        let folder = tempfile::tempdir().unwrap();
        let run = run(TaskName::Audit, Mode::Read);
        let path = folder.path().join("report.csv");
        std::fs::write(&path, "run_id,time,organ").unwrap();

        let previous = PreviousReport::read(&path).unwrap();
        assert!(previous.torn_line());
        let mut writer = ReportWriter::append(&previous, run.clone()).unwrap();
        writer
            .write(&outcome(&run, "222222222222", Status::Done))
            .unwrap();
        drop(writer);

        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(&format!("{}\n", CsvRow::HEADER.join(","))),
            "{text}"
        );
        assert_eq!(text.matches("run_id,time").count(), 1, "{text}");
        assert_eq!(CsvRow::read_all(&path).unwrap().len(), 1);
    }

    #[test]
    fn append_keeps_existing_header() {
        let folder = tempfile::tempdir().unwrap();
        let run = run(TaskName::Audit, Mode::Read);
        let path = folder.path().join("report.csv");
        ReportWriter::create(&path, run.clone()).unwrap();

        let previous = PreviousReport::read(&path).unwrap();
        let mut writer = ReportWriter::append(&previous, run.clone()).unwrap();
        writer
            .write(&outcome(&run, "222222222222", Status::Done))
            .unwrap();
        drop(writer);

        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("run_id,time").count(), 1, "{text}");
    }

    #[test]
    fn append_rejects_other_run_kind() {
        let folder = tempfile::tempdir().unwrap();
        let audit = run(TaskName::Audit, Mode::Read);
        let path = folder.path().join("report.jsonl");
        let mut writer = ReportWriter::create(&path, audit.clone()).unwrap();
        writer
            .write(&outcome(&audit, "222222222222", Status::Done))
            .unwrap();
        drop(writer);

        let previous = PreviousReport::read(&path).unwrap();
        let delete = run(TaskName::DeleteCredentials, Mode::Execute);
        let error = ReportWriter::append(&previous, delete).unwrap_err();
        assert!(error.is_usage(), "{error}");
    }

    #[test]
    fn append_rejects_changed_file() {
        let folder = tempfile::tempdir().unwrap();
        let run = run(TaskName::Audit, Mode::Read);
        let path = folder.path().join("report.jsonl");
        let mut writer = ReportWriter::create(&path, run.clone()).unwrap();
        writer
            .write(&outcome(&run, "222222222222", Status::Done))
            .unwrap();

        let previous = PreviousReport::read(&path).unwrap();
        writer
            .write(&outcome(&run, "333333333333", Status::Done))
            .unwrap();
        let error = ReportWriter::append(&previous, run).unwrap_err();
        assert!(
            error.to_string().contains("changed since it was read"),
            "{error}"
        );
        assert_eq!(ReportRecord::read_all(&path).unwrap().len(), 2);
    }
}
