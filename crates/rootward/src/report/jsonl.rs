//! The JSON Lines report: one flat object per outcome, with the facts of its run.

use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{read_report_bytes, report_error, ParsedFile};
use crate::account::{Account, AccountId, AccountState};
use crate::error::{Error, Result};
use crate::outcome::{Detail, Mode, Outcome, Reason, RunInfo, Status, Step, StepResult, TaskName};

/// Every record line starts with this text, because `run_id` is the first field.
const RECORD_START: &[u8] = br#"{"run_id":"#;

/// One line of a JSON Lines report: an outcome and the facts of the run that produced it.
///
/// It serializes to one flat object with the fields `run_id`, `run_started`, `caller_arn`,
/// `organization_id`, `rootward_version`, `task_policy_arn`, `task`, `mode`, `account_id`,
/// `account_name`, `account_state`, `status`, `reason`, `reason_text`, `steps`, `detail`,
/// `sessions`, `started` and `elapsed_ms`, in that order. Each step has the fields `action`,
/// `target`, `result`, `code` and `message`, with null where a field does not apply.
/// Deserializing gives back the same [`RunInfo`] and [`Outcome`]; `reason_text` is derived
/// from `reason` and ignored on reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "FlatRecord", from = "FlatRecord")]
pub struct ReportRecord {
    run: RunInfo,
    outcome: Outcome,
}

impl ReportRecord {
    /// Pairs an outcome with the facts of its run.
    ///
    /// Returns [`Error::InvalidInput`] when the outcome's task or mode differs from the run's,
    /// because a record has one `task` and one `mode` field.
    pub fn new(run: &RunInfo, outcome: &Outcome) -> Result<Self> {
        check_same_task(run, outcome)?;
        Ok(Self {
            run: run.clone(),
            outcome: outcome.clone(),
        })
    }

    /// The facts of the run that wrote the record.
    pub fn run(&self) -> &RunInfo {
        &self.run
    }

    /// The outcome of one account.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// Splits the record into the run facts and the outcome.
    pub fn into_parts(self) -> (RunInfo, Outcome) {
        (self.run, self.outcome)
    }

    /// Reads every complete record of a JSON Lines report, ignoring a torn last line.
    ///
    /// Use [`super::PreviousReport::read`] to also learn whether there was a torn line.
    pub fn read_all(path: &Path) -> Result<Vec<Self>> {
        let data = read_report_bytes(path)?;
        Ok(parse_json_lines(path, &data)?.rows)
    }

    /// Serializes the record as one line that ends with `\n`.
    pub(super) fn to_line(&self, path: &Path) -> Result<Vec<u8>> {
        let mut line = serde_json::to_vec(self).map_err(|error| {
            report_error(
                path,
                format!(
                    "could not serialize the outcome of account {}",
                    self.outcome.account.id
                ),
                error,
            )
        })?;
        line.push(b'\n');
        Ok(line)
    }
}

/// Returns [`Error::InvalidInput`] unless the outcome belongs to the run's task and mode.
pub(super) fn check_same_task(run: &RunInfo, outcome: &Outcome) -> Result<()> {
    if outcome.task == run.task && outcome.mode == run.mode {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "the outcome of account {} is for task {}, mode {}, but the report is for task {}, mode {}; write it to a report of its own run",
        outcome.account.id, outcome.task, outcome.mode, run.task, run.mode
    )))
}

/// The serialized form of [`ReportRecord`].
#[derive(Serialize, Deserialize)]
struct FlatRecord {
    run_id: String,
    #[serde(with = "time::serde::rfc3339")]
    run_started: OffsetDateTime,
    caller_arn: String,
    organization_id: String,
    rootward_version: String,
    task_policy_arn: String,
    task: TaskName,
    mode: Mode,
    account_id: AccountId,
    account_name: String,
    account_state: AccountState,
    status: Status,
    reason: Option<Reason>,
    #[serde(default)]
    reason_text: Option<String>,
    steps: Vec<StepRecord>,
    detail: Detail,
    sessions: u32,
    #[serde(with = "time::serde::rfc3339")]
    started: OffsetDateTime,
    elapsed_ms: u64,
}

impl From<ReportRecord> for FlatRecord {
    fn from(record: ReportRecord) -> Self {
        let ReportRecord { run, outcome } = record;
        Self {
            run_id: run.run_id,
            run_started: run.started,
            caller_arn: run.caller_arn,
            organization_id: run.organization_id,
            rootward_version: run.rootward_version,
            task_policy_arn: run.task_policy_arn,
            task: run.task,
            mode: run.mode,
            account_id: outcome.account.id,
            account_name: outcome.account.name,
            account_state: outcome.account.state,
            status: outcome.status,
            reason_text: outcome.reason.as_ref().map(ToString::to_string),
            reason: outcome.reason,
            steps: outcome.steps.into_iter().map(StepRecord::from).collect(),
            detail: outcome.detail,
            sessions: outcome.sessions,
            started: outcome.started,
            elapsed_ms: outcome.elapsed_ms,
        }
    }
}

impl From<FlatRecord> for ReportRecord {
    fn from(flat: FlatRecord) -> Self {
        let run = RunInfo {
            run_id: flat.run_id,
            started: flat.run_started,
            caller_arn: flat.caller_arn,
            organization_id: flat.organization_id,
            rootward_version: flat.rootward_version,
            task: flat.task,
            task_policy_arn: flat.task_policy_arn,
            mode: flat.mode,
        };
        let outcome = Outcome {
            account: Account {
                id: flat.account_id,
                name: flat.account_name,
                state: flat.account_state,
            },
            task: flat.task,
            mode: flat.mode,
            status: flat.status,
            reason: flat.reason,
            steps: flat.steps.into_iter().map(Step::from).collect(),
            detail: flat.detail,
            sessions: flat.sessions,
            started: flat.started,
            elapsed_ms: flat.elapsed_ms,
        };
        Self { run, outcome }
    }
}

/// The serialized form of a [`Step`], with the same fields for every result.
#[derive(Serialize, Deserialize)]
#[serde(try_from = "StepFields")]
struct StepRecord {
    action: String,
    target: Option<String>,
    result: StepKind,
    code: Option<String>,
    message: Option<String>,
}

/// The `result` field of a step.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StepKind {
    Ok,
    AlreadyAbsent,
    LeftInPlace,
    Retried,
    Failed,
}

/// The fields of a step as read, before the check that a retried or failed step has a code
/// and a message.
#[derive(Deserialize)]
struct StepFields {
    action: String,
    #[serde(default)]
    target: Option<String>,
    result: StepKind,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl TryFrom<StepFields> for StepRecord {
    type Error = String;

    fn try_from(fields: StepFields) -> Result<Self, String> {
        let has_error = matches!(fields.result, StepKind::Retried | StepKind::Failed);
        if has_error && (fields.code.is_none() || fields.message.is_none()) {
            return Err(format!(
                "step {} failed but has no code or no message",
                fields.action
            ));
        }
        Ok(Self {
            action: fields.action,
            target: fields.target,
            result: fields.result,
            code: fields.code,
            message: fields.message,
        })
    }
}

impl From<Step> for StepRecord {
    fn from(step: Step) -> Self {
        let (result, code, message) = match step.result {
            StepResult::Ok => (StepKind::Ok, None, None),
            StepResult::AlreadyAbsent => (StepKind::AlreadyAbsent, None, None),
            StepResult::LeftInPlace => (StepKind::LeftInPlace, None, None),
            StepResult::Retried { code, message } => (StepKind::Retried, Some(code), Some(message)),
            StepResult::Failed { code, message } => (StepKind::Failed, Some(code), Some(message)),
        };
        Self {
            action: step.action,
            target: step.target,
            result,
            code,
            message,
        }
    }
}

impl From<StepRecord> for Step {
    fn from(record: StepRecord) -> Self {
        let result = match record.result {
            StepKind::Ok => StepResult::Ok,
            StepKind::AlreadyAbsent => StepResult::AlreadyAbsent,
            StepKind::LeftInPlace => StepResult::LeftInPlace,
            // `TryFrom<StepFields>` rejects a retried or failed step without a code and a message.
            StepKind::Retried => StepResult::Retried {
                code: record.code.unwrap_or_default(),
                message: record.message.unwrap_or_default(),
            },
            StepKind::Failed => StepResult::Failed {
                code: record.code.unwrap_or_default(),
                message: record.message.unwrap_or_default(),
            },
        };
        Self {
            action: record.action,
            target: record.target,
            result,
        }
    }
}

/// Parses the lines of a JSON Lines report.
///
/// A last line that lacks its `\n` or does not parse is a torn line and is ignored, provided
/// it starts like a record. Blank lines are skipped. Any other line that does not parse is an
/// error naming its line number.
pub(super) fn parse_json_lines(path: &Path, data: &[u8]) -> Result<ParsedFile<ReportRecord>> {
    let lines: Vec<&[u8]> = data.split_inclusive(|&byte| byte == b'\n').collect();
    let last_content_index = lines.iter().rposition(|line| !is_blank(line));
    let mut parsed = ParsedFile::empty();
    let mut offset = 0u64;

    for (index, line) in lines.iter().enumerate() {
        let line_number = index as u64 + 1;
        let complete = line.ends_with(b"\n");
        if is_blank(line) {
            if complete {
                offset += line.len() as u64;
            }
            continue;
        }

        let result = serde_json::from_slice::<ReportRecord>(line);
        let is_last = Some(index) == last_content_index;
        match result {
            Ok(record) if complete => parsed.push(line_number, record),
            Ok(_) if starts_like_record(line) => {
                parsed.torn_line = Some(line_number);
                break;
            }
            Err(_) if is_last && starts_like_record(line) => {
                parsed.torn_line = Some(line_number);
                break;
            }
            Ok(_) => return Err(not_a_record(path, line_number, None)),
            Err(error) => return Err(not_a_record(path, line_number, Some(error))),
        }
        offset += line.len() as u64;
    }

    parsed.valid_len = offset;
    Ok(parsed)
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Reports whether a line begins like a rootward record, or is a cut-off start of one, so
/// that a foreign file is not mistaken for a report with a torn line and then truncated.
fn starts_like_record(line: &[u8]) -> bool {
    let line = line.trim_ascii_start();
    line.starts_with(RECORD_START) || RECORD_START.starts_with(line)
}

fn not_a_record(path: &Path, line_number: u64, source: Option<serde_json::Error>) -> Error {
    let message = format!(
        "line {line_number} is not a rootward report record; remove that line, or start a new report with --report"
    );
    match source {
        Some(source) => report_error(path, message, source),
        None => Error::Report {
            path: path.display().to_string(),
            message,
            source: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Mode, Status, TaskName};
    use crate::report::test_support::{failed, outcome, requested_partial, run};

    fn path() -> &'static Path {
        Path::new("report.jsonl")
    }

    #[test]
    fn record_round_trips() {
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        for outcome in [
            requested_partial(&run, "222222222222"),
            failed(&run, "333333333333"),
        ] {
            let line = ReportRecord::new(&run, &outcome)
                .unwrap()
                .to_line(path())
                .unwrap();
            assert!(line.ends_with(b"\n"));
            assert_eq!(line.iter().filter(|&&byte| byte == b'\n').count(), 1);

            let record: ReportRecord = serde_json::from_slice(&line).unwrap();
            assert_eq!(record.into_parts(), (run.clone(), outcome));
        }
    }

    #[test]
    fn record_is_flat_in_field_order() {
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        let record = ReportRecord::new(&run, &requested_partial(&run, "222222222222")).unwrap();
        let line = record.to_line(path()).unwrap();
        assert!(line.starts_with(RECORD_START));

        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let expected = [
            "run_id",
            "run_started",
            "caller_arn",
            "organization_id",
            "rootward_version",
            "task_policy_arn",
            "task",
            "mode",
            "account_id",
            "account_name",
            "account_state",
            "status",
            "reason",
            "reason_text",
            "steps",
            "detail",
            "sessions",
            "started",
            "elapsed_ms",
        ];
        assert_eq!(keys, expected);
        assert_eq!(value["task"], "delete-credentials");
        assert_eq!(value["status"], "partial");
        assert_eq!(value["reason"]["kind"], "kept_recent_keys");
        assert_eq!(
            value["reason_text"],
            "kept 1 access key(s) used within 30 days, as requested"
        );
        assert_eq!(value["detail"]["kept_access_keys"][0], "AKIARECENT");
    }

    #[test]
    fn steps_have_every_field() {
        let run = run(TaskName::DeleteCredentials, Mode::Execute);
        let record = ReportRecord::new(&run, &requested_partial(&run, "222222222222")).unwrap();
        let value: serde_json::Value =
            serde_json::from_slice(&record.to_line(path()).unwrap()).unwrap();

        let first = &value["steps"][0];
        assert_eq!(first["action"], "DeleteLoginProfile");
        assert!(first["target"].is_null());
        assert_eq!(first["result"], "ok");
        assert!(first["code"].is_null());
        assert!(first["message"].is_null());

        let retried = &value["steps"][3];
        assert_eq!(retried["target"], "CERT1");
        assert_eq!(retried["result"], "retried");
        assert_eq!(retried["code"], "ExpiredToken");
    }

    #[test]
    fn record_without_reason_has_nulls() {
        let run = run(TaskName::Audit, Mode::Read);
        let record = ReportRecord::new(&run, &outcome(&run, "222222222222", Status::Done)).unwrap();
        let value: serde_json::Value =
            serde_json::from_slice(&record.to_line(path()).unwrap()).unwrap();
        assert!(value["reason"].is_null());
        assert!(value["reason_text"].is_null());
    }

    #[test]
    fn failed_step_without_code_rejected() {
        let line = br#"{"action":"DeleteAccessKey","target":null,"result":"failed","code":null,"message":"x"}"#;
        assert!(serde_json::from_slice::<StepRecord>(line).is_err());
    }

    #[test]
    fn record_rejects_other_task() {
        let audit = run(TaskName::Audit, Mode::Read);
        let plan = run(TaskName::DeleteCredentials, Mode::Plan);
        let error = ReportRecord::new(&audit, &outcome(&plan, "222222222222", Status::Planned))
            .unwrap_err();
        assert!(error.is_usage(), "{error}");
        assert!(error.to_string().contains("delete-credentials"), "{error}");
    }

    fn two_lines() -> Vec<u8> {
        let run = run(TaskName::Audit, Mode::Read);
        let mut data = Vec::new();
        for account in ["222222222222", "333333333333"] {
            let record = ReportRecord::new(&run, &outcome(&run, account, Status::Done)).unwrap();
            data.extend(record.to_line(path()).unwrap());
        }
        data
    }

    #[test]
    fn parse_reads_every_line() {
        let data = two_lines();
        let parsed = parse_json_lines(path(), &data).unwrap();
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.lines, [1, 2]);
        assert_eq!(parsed.torn_line, None);
        assert_eq!(parsed.valid_len, data.len() as u64);
    }

    #[test]
    fn parse_ignores_torn_last_line() {
        let complete = two_lines();
        let first_len = complete.iter().position(|&byte| byte == b'\n').unwrap() + 1;
        // Each cut falls inside the second line, after the line break of the first.
        for cut in [
            first_len + 1,
            first_len + 5,
            first_len + 40,
            complete.len() - 1,
        ] {
            let parsed = parse_json_lines(path(), &complete[..cut]).unwrap();
            assert_eq!(parsed.rows.len(), 1, "cut at {cut}");
            assert_eq!(parsed.torn_line, Some(2), "cut at {cut}");
            assert_eq!(parsed.valid_len, first_len as u64, "cut at {cut}");
        }
    }

    #[test]
    fn parse_skips_blank_lines() {
        let mut data = two_lines();
        data.extend(b"\n  \n");
        let parsed = parse_json_lines(path(), &data).unwrap();
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.torn_line, None);
    }

    #[test]
    fn parse_rejects_bad_middle_line() {
        let mut data = b"{\"run_id\":\"x\"}\n".to_vec();
        data.extend(two_lines());
        let error = parse_json_lines(path(), &data).err().unwrap();
        let message = error.to_string();
        assert!(message.contains("report.jsonl"), "{message}");
        assert!(message.contains("line 1 "), "{message}");
    }

    #[test]
    fn parse_rejects_foreign_last_line() {
        // A one-line JSON file that is not a report must not pass for a torn report.
        for data in [&b"{\"name\": \"config\"}"[..], b"[1, 2, 3]\n"] {
            let error = parse_json_lines(path(), data).err().unwrap();
            assert!(error.to_string().contains("line 1 "), "{error}");
        }
    }
}
