//! Property tests: every outcome written to a report reads back exactly, in both formats, and
//! no raw CSV cell starts like a spreadsheet formula.

use proptest::prelude::*;
use rootward::report::{CsvRow, PreviousReport, ReportRecord, ReportWriter};
use rootward::{
    Account, AccountState, Detail, Mode, Outcome, Reason, Removed, RunInfo, Status, Step,
    StepResult, TaskName,
};
use time::{OffsetDateTime, UtcOffset};

/// Text that spreadsheets, CSV and JSON treat specially, or any string at all.
fn tricky_text() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        Just(""),
        Just("="),
        Just("+"),
        Just("-"),
        Just("@"),
        Just("\t"),
        Just("\r"),
        Just("\0"),
        Just("'"),
        Just("''"),
    ];
    let body = prop_oneof![
        "[a-zA-Z0-9 ,;\"'=+@\t\r\n\\\\é€日本😀-]{0,16}",
        any::<String>(),
    ];
    (prefix, body).prop_map(|(prefix, body)| format!("{prefix}{body}"))
}

fn time_strategy() -> impl Strategy<Value = OffsetDateTime> {
    // From 2001 to 2033, at any nanosecond, in a whole-minute offset as RFC 3339 requires.
    (
        1_000_000_000i128..2_000_000_000,
        0i128..1_000_000_000,
        -23i8..=23,
        0i8..60,
    )
        .prop_map(|(seconds, nanos, hours, minutes)| {
            let minutes = if hours < 0 { -minutes } else { minutes };
            let offset = UtcOffset::from_hms(hours, minutes, 0).unwrap();
            OffsetDateTime::from_unix_timestamp_nanos(seconds * 1_000_000_000 + nanos)
                .unwrap()
                .to_offset(offset)
        })
}

fn run_strategy() -> impl Strategy<Value = RunInfo> {
    let task = prop_oneof![
        Just(TaskName::Audit),
        Just(TaskName::DeleteCredentials),
        Just(TaskName::CreatePassword),
        Just(TaskName::UnlockS3),
        Just(TaskName::UnlockSqs),
    ];
    let mode = prop_oneof![Just(Mode::Read), Just(Mode::Plan), Just(Mode::Execute)];
    (
        tricky_text(),
        time_strategy(),
        tricky_text(),
        tricky_text(),
        tricky_text(),
        task,
        tricky_text(),
        mode,
    )
        .prop_map(
            |(
                run_id,
                started,
                caller_arn,
                organization_id,
                rootward_version,
                task,
                task_policy_arn,
                mode,
            )| {
                RunInfo {
                    run_id,
                    started,
                    caller_arn,
                    organization_id,
                    rootward_version,
                    task,
                    task_policy_arn,
                    mode,
                }
            },
        )
}

fn step_strategy() -> impl Strategy<Value = Step> {
    let result = prop_oneof![
        Just(StepResult::Ok),
        Just(StepResult::AlreadyAbsent),
        Just(StepResult::LeftInPlace),
        (tricky_text(), tricky_text())
            .prop_map(|(code, message)| StepResult::Retried { code, message }),
        (tricky_text(), tricky_text())
            .prop_map(|(code, message)| StepResult::Failed { code, message }),
    ];
    (tricky_text(), proptest::option::of(tricky_text()), result).prop_map(
        |(action, target, result)| Step {
            action,
            target,
            result,
        },
    )
}

fn reason_strategy() -> impl Strategy<Value = Option<Reason>> {
    proptest::option::of(prop_oneof![
        Just(Reason::Excluded),
        tricky_text().prop_map(|ou| Reason::ExcludedOu { ou }),
        tricky_text().prop_map(|state| Reason::NotActive { state }),
        tricky_text().prop_map(|detail| Reason::PlanStale { detail }),
        (any::<u32>(), 0usize..5).prop_map(|(days, count)| Reason::KeptRecentKeys { days, count }),
    ])
}

fn detail_strategy() -> impl Strategy<Value = Detail> {
    let ids = || proptest::collection::vec(tricky_text(), 0..3);
    prop_oneof![
        Just(Detail::None),
        (any::<bool>(), ids(), ids(), ids()).prop_map(
            |(login_profile, access_keys, mfa_devices, kept_access_keys)| Detail::Delete {
                found: Default::default(),
                removed: Removed {
                    login_profile,
                    access_keys,
                    mfa_devices,
                    ..Removed::default()
                },
                recently_used_access_keys: kept_access_keys.clone(),
                kept_access_keys,
                remaining: None,
            }
        ),
    ]
}

fn status_strategy() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Planned),
        Just(Status::Done),
        Just(Status::NothingToDo),
        Just(Status::Skipped),
        Just(Status::Failed),
        Just(Status::Partial),
    ]
}

/// Outcomes of one account each, built for the task and mode of `run`.
fn outcomes_strategy(run: &RunInfo) -> impl Strategy<Value = Vec<Outcome>> {
    let (task, mode) = (run.task, run.mode);
    let outcome = (
        "[0-9]{12}",
        tricky_text(),
        tricky_text(),
        status_strategy(),
        reason_strategy(),
        proptest::collection::vec(step_strategy(), 0..4),
        detail_strategy(),
        any::<u32>(),
        time_strategy(),
        any::<u64>(),
    )
        .prop_map(
            move |(
                id,
                name,
                state,
                status,
                reason,
                steps,
                detail,
                sessions,
                started,
                elapsed_ms,
            )| {
                Outcome {
                    account: Account {
                        id: id.parse().unwrap(),
                        name,
                        state: AccountState::from(state),
                    },
                    task,
                    mode,
                    status,
                    reason,
                    steps,
                    detail,
                    sessions,
                    started,
                    elapsed_ms,
                }
            },
        );
    proptest::collection::vec(outcome, 1..5)
}

fn case_strategy() -> impl Strategy<Value = (RunInfo, Vec<Outcome>)> {
    run_strategy().prop_flat_map(|run| {
        let outcomes = outcomes_strategy(&run);
        (Just(run), outcomes)
    })
}

/// Reports whether a raw cell starts like a spreadsheet formula.
fn starts_like_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0'])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn json_lines_read_back_exactly((run, outcomes) in case_strategy()) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("report.jsonl");
        let mut writer = ReportWriter::create(&path, run.clone()).unwrap();
        for outcome in &outcomes {
            writer.write(outcome).unwrap();
        }
        prop_assert_eq!(writer.rows_written(), outcomes.len() as u64);
        drop(writer);

        let records = ReportRecord::read_all(&path).unwrap();
        prop_assert_eq!(records.len(), outcomes.len());
        for (record, outcome) in records.into_iter().zip(&outcomes) {
            let (read_run, read_outcome) = record.into_parts();
            prop_assert_eq!(&read_run, &run);
            prop_assert_eq!(&read_outcome, outcome);
        }

        let previous = PreviousReport::read(&path).unwrap();
        prop_assert!(!previous.torn_line());
        prop_assert_eq!(previous.rows().len(), outcomes.len());
    }

    #[test]
    fn csv_reads_back_exactly((run, outcomes) in case_strategy()) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("report.csv");
        let mut writer = ReportWriter::create(&path, run.clone()).unwrap();
        for outcome in &outcomes {
            writer.write(outcome).unwrap();
        }
        drop(writer);

        let expected: Vec<CsvRow> = outcomes
            .iter()
            .map(|outcome| CsvRow::new(&run, outcome).unwrap())
            .collect();
        let rows = CsvRow::read_all(&path).unwrap();
        prop_assert_eq!(&rows, &expected);

        let previous = PreviousReport::read(&path).unwrap();
        prop_assert!(!previous.torn_line());
        prop_assert_eq!(previous.rows().len(), outcomes.len());

        let mut raw = csv::ReaderBuilder::new().has_headers(false).from_path(&path).unwrap();
        let mut records = 0;
        for record in raw.records() {
            let record = record.unwrap();
            prop_assert_eq!(record.len(), CsvRow::HEADER.len());
            for cell in record.iter() {
                prop_assert!(!starts_like_formula(cell), "raw cell {:?} starts like a formula", cell);
            }
            records += 1;
        }
        prop_assert_eq!(records, outcomes.len() + 1);
    }
}
