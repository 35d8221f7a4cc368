//! Reports: CSV and JSON Lines, written as outcomes arrive and read back to resume.
//!
//! Each outcome becomes one JSON line or one CSV row, written to the file in a single write
//! that ends with `\n`. A killed process therefore leaves at worst a torn last line, which
//! [`PreviousReport::read`] ignores and [`ReportWriter::append`] cuts off before appending.

mod csv;
mod escape;
mod jsonl;
mod resume;
#[cfg(test)]
mod test_support;
mod writer;

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};

pub use self::csv::CsvRow;
pub use self::jsonl::ReportRecord;
pub use self::resume::{PreviousReport, PreviousRow};
pub use self::writer::ReportWriter;

/// The file format of a report, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// One JSON object per line (`.jsonl`, `.ndjson` or `.json`).
    JsonLines,
}

impl ReportFormat {
    /// Chooses the format from the extension of `path`, ignoring case.
    ///
    /// Returns [`Error::InvalidInput`] for any other extension.
    pub fn from_path(path: &Path) -> Result<Self> {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(Self::Csv),
            Some("jsonl" | "ndjson" | "json") => Ok(Self::JsonLines),
            _ => Err(Error::invalid(format!(
                "invalid report path {}: the file name must end in .csv for CSV, or in .jsonl, .ndjson or .json for JSON Lines",
                path.display()
            ))),
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Csv => "CSV",
            Self::JsonLines => "JSON Lines",
        })
    }
}

/// The complete rows of a report file, and where its valid content ends.
struct ParsedFile<T> {
    /// The rows that parsed, in file order.
    rows: Vec<T>,
    /// The line number where each row starts.
    lines: Vec<u64>,
    /// The line number of a torn last line that was ignored.
    torn_line: Option<u64>,
    /// Whether the file starts with a CSV header; always false for JSON Lines.
    has_header: bool,
    /// The length in bytes of the content before the torn last line, if any.
    valid_len: u64,
}

impl<T> ParsedFile<T> {
    fn empty() -> Self {
        Self {
            rows: Vec::new(),
            lines: Vec::new(),
            torn_line: None,
            has_header: false,
            valid_len: 0,
        }
    }

    fn push(&mut self, line: u64, row: T) {
        self.lines.push(line);
        self.rows.push(row);
    }

    fn map_rows<U>(self, convert: impl FnMut(T) -> U) -> ParsedFile<U> {
        ParsedFile {
            rows: self.rows.into_iter().map(convert).collect(),
            lines: self.lines,
            torn_line: self.torn_line,
            has_header: self.has_header,
            valid_len: self.valid_len,
        }
    }
}

/// Reads a whole report file for resuming or for tools.
fn read_report_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            Error::invalid(format!(
                "report {} does not exist; check the path, or start a new report with --report",
                path.display()
            ))
        } else {
            report_error(
                path,
                "could not read the file; check that it is a readable file",
                error,
            )
        }
    })
}

/// Creates an [`Error::Report`] for `path` with the error behind it.
fn report_error(
    path: &Path,
    message: impl Into<String>,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::Report {
        path: path.display().to_string(),
        message: message.into(),
        source: Some(Box::new(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        let cases = [
            ("out/report.csv", ReportFormat::Csv),
            ("REPORT.CSV", ReportFormat::Csv),
            ("report.jsonl", ReportFormat::JsonLines),
            ("report.ndjson", ReportFormat::JsonLines),
            ("report.json", ReportFormat::JsonLines),
            ("report.JSONL", ReportFormat::JsonLines),
        ];
        for (path, format) in cases {
            assert_eq!(
                ReportFormat::from_path(Path::new(path)).unwrap(),
                format,
                "{path}"
            );
        }
    }

    #[test]
    fn format_rejects_other_extensions() {
        for path in [
            "report",
            "report.txt",
            "report.csv.gz",
            "report.xlsx",
            ".csv",
        ] {
            let error = ReportFormat::from_path(Path::new(path)).unwrap_err();
            assert!(error.is_usage(), "{path}: {error}");
            let message = error.to_string();
            assert!(message.contains(path), "{path}: {message}");
            assert!(message.contains(".jsonl"), "{path}: {message}");
        }
    }

    #[test]
    fn missing_report_names_path() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("absent.csv");
        let error = read_report_bytes(&path).unwrap_err();
        assert!(error.is_usage(), "{error}");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
    }

    #[test]
    fn unreadable_report_names_path() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("folder.csv");
        std::fs::create_dir(&path).unwrap();
        let error = read_report_bytes(&path).unwrap_err();
        assert!(matches!(error, Error::Report { .. }), "{error:?}");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
    }
}
