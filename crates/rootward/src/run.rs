//! A whole run: preflight, selection, resume, executor and report, for every front.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{Stream, StreamExt, TryStreamExt};

use crate::clients::Clients;
use crate::error::{Error, Result};
use crate::executor::{Executor, StopHandle, DEFAULT_CONCURRENCY, DEFAULT_MAX_SESSIONS};
use crate::outcome::{Mode, Outcome, Reason, RunInfo, Status, TaskName};
use crate::plan::{self, PlanWriter};
use crate::preflight::{preflight, Context};
use crate::report::{PreviousReport, ReportFormat, ReportWriter};
use crate::selection::{AccountFilter, Target};
use crate::session::{SessionFactory, DEFAULT_SESSION_DURATION};
use crate::tasks::Task;

/// How many failed accounts a summary lists by name.
const LISTED_FAILURES: usize = 50;

/// The options of a run, as the CLI flags set them.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The accounts and OUs to target and exclude.
    pub filter: AccountFilter,
    /// Accounts in flight at once.
    pub concurrency: usize,
    /// Stop starting new accounts after this many failures.
    pub max_failures: Option<u32>,
    /// Root session length.
    pub duration: Duration,
    /// Root sessions one account may use, retries included.
    pub max_sessions: u32,
    /// Write a new report here (CSV or JSON Lines, by extension).
    pub report: Option<PathBuf>,
    /// Resume from this report and append to it.
    pub resume: Option<PathBuf>,
    /// Write the reviewed plan here (JSON Lines), for a plan run of `delete-credentials`. An
    /// execution of [`DeleteRootCredentials::execute_plan`](crate::DeleteRootCredentials::execute_plan)
    /// then removes exactly what it lists.
    pub plan_out: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            filter: AccountFilter::new(),
            concurrency: DEFAULT_CONCURRENCY,
            max_failures: None,
            duration: DEFAULT_SESSION_DURATION,
            max_sessions: DEFAULT_MAX_SESSIONS,
            report: None,
            resume: None,
            plan_out: None,
        }
    }
}

/// Counts of outcomes so far, and the failed accounts by name (the first 50).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Outcomes per status.
    pub by_status: BTreeMap<&'static str, usize>,
    /// Accounts that did not reach the goal, as `(account ID, status, first failed step, code)`.
    pub failures: Vec<(String, Status, String, String)>,
    /// Accounts that did not reach the goal, including those beyond the listed ones.
    pub not_reached: usize,
    /// Accounts settled in the resumed report and left untouched.
    pub settled_before: usize,
    /// Outcomes in this run.
    pub total: usize,
    /// Accounts never started because the failure budget was spent, and that budget.
    pub not_started_over_budget: Option<(usize, u32)>,
}

impl Summary {
    fn add(&mut self, outcome: &Outcome) {
        self.total += 1;
        *self.by_status.entry(outcome.status.as_str()).or_default() += 1;
        if let Some(Reason::FailureBudget { limit }) = &outcome.reason {
            let (count, _) = self.not_started_over_budget.get_or_insert((0, *limit));
            *count += 1;
        }
        if !outcome.reached_goal() {
            self.not_reached += 1;
            if self.failures.len() < LISTED_FAILURES {
                let (step, code) = match outcome.first_failure() {
                    Some(step) => (
                        step.action.clone(),
                        step.error_code().unwrap_or_default().to_owned(),
                    ),
                    None => (
                        String::new(),
                        outcome
                            .reason
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                    ),
                };
                self.failures
                    .push((outcome.account.id.to_string(), outcome.status, step, code));
            }
        }
    }

    /// Reports whether every account reached its goal (exit status 0).
    pub fn all_reached(&self) -> bool {
        self.not_reached == 0
    }
}

type OutcomeStream = Pin<Box<dyn Stream<Item = Result<Outcome>> + Send>>;

/// A started run: outcomes arrive through [`next`](Self::next), each already in the report.
pub struct Run {
    context: Context,
    info: RunInfo,
    warnings: Vec<String>,
    stop: StopHandle,
    outcomes: OutcomeStream,
    report: Option<ReportWriter>,
    plan: Option<PlanWriter>,
    summary: Summary,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("info", &self.info)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// Checks the local inputs, runs the preflight, resolves the selection and starts the task.
///
/// Nothing is written to AWS before every input is checked: malformed or foreign reports,
/// missing report folders, accounts and OUs outside the organization and a broken setup all
/// return an error first.
///
/// # Errors
///
/// [`Error::InvalidInput`] and [`Error::NotInOrganization`] for usage errors;
/// [`Error::Preflight`] for a setup that cannot start root sessions; any Organizations error.
pub async fn start<T: Task>(clients: Clients, task: T, options: RunOptions) -> Result<Run> {
    if options.concurrency == 0 {
        return Err(Error::invalid(
            "invalid concurrency 0: at least 1 account must be in flight",
        ));
    }
    if let Some(path) = &options.plan_out {
        if task.name() != TaskName::DeleteCredentials || task.mode() != Mode::Plan {
            return Err(Error::invalid(format!(
                "--plan-out writes the plan of delete-credentials without --execute, but this run is task {}, mode {}",
                task.name(),
                task.mode()
            )));
        }
        if options.resume.is_some() {
            return Err(Error::invalid(
                "--plan-out cannot be combined with --resume: a resumed run plans only the accounts left, so its plan would miss the others; write the plan in a run of its own",
            ));
        }
        plan::check_plan_path(path)?;
    }
    let previous = match (&options.resume, &options.report) {
        (Some(resume), Some(report)) if resume != report => {
            return Err(Error::invalid(format!(
                "--resume {} appends to that report, so --report {} cannot name another file; drop --report",
                resume.display(),
                report.display()
            )))
        }
        (Some(resume), _) => Some(PreviousReport::read(resume).map_err(as_usage_error)?),
        (None, Some(report)) => {
            ReportFormat::from_path(report)?;
            check_report_folder(report)?;
            None
        }
        (None, None) => None,
    };
    let sessions = SessionFactory::new(clients.clone(), options.duration)?;

    let context = preflight(&clients).await?;
    if let Some(plan) = task.plan() {
        plan.check_organization(&context.organization.id)?;
    }
    let mut warnings = Vec::new();
    if let Some(previous) = &previous {
        previous.check_compatible(&context.organization.id, task.name(), task.mode())?;
        if previous.torn_line() {
            warnings.push(format!(
                "the last line of {} was incomplete (the run that wrote it was interrupted); it is ignored and that account runs again",
                previous.path().display()
            ));
        }
    }
    for duplicate in options.filter.duplicate_accounts() {
        warnings.push(format!(
            "account {duplicate} was given more than once; it is processed once"
        ));
    }
    let selection = options
        .filter
        .resolve(&clients, &context.organization)
        .await?;

    let info = RunInfo::new(
        context.caller_arn.clone(),
        context.organization.id.clone(),
        task.name(),
        task.task_policy().arn(clients.partition()),
        task.mode(),
    );
    let report = match (&previous, &options.report) {
        (Some(previous), _) => Some(ReportWriter::append(previous, info.clone())?),
        (None, Some(path)) => Some(ReportWriter::create(path, info.clone())?),
        (None, None) => None,
    };
    let plan_writer = match &options.plan_out {
        Some(path) => Some(PlanWriter::create(path, &info)?),
        None => None,
    };

    let executor = Executor::new(sessions)
        .concurrency(options.concurrency)
        .max_failures(options.max_failures)
        .max_sessions(options.max_sessions);
    let settled_before = previous.as_ref().map_or(0, PreviousReport::settled_count);
    let targets = selection.into_targets();
    let mut targets: Pin<Box<dyn Stream<Item = Result<Target>> + Send>> = match previous {
        Some(previous) => {
            let previous = Arc::new(previous);
            Box::pin(targets.try_filter(move |target| {
                futures::future::ready(!previous.settled(&target.account().id))
            }))
        }
        None => Box::pin(targets),
    };
    let task = Arc::new(task);
    if task.plan().is_some() {
        // A plan's execution acts only in the plan's accounts and reports no other.
        // NOTE: an account of the plan that left the organization gets no outcome.
        let task = Arc::clone(&task);
        targets = Box::pin(targets.try_filter(move |target| {
            let planned = task
                .plan()
                .is_some_and(|plan| plan.contains(&target.account().id));
            futures::future::ready(planned)
        }));
    }
    let outcomes = executor.run(task, targets).boxed();

    Ok(Run {
        context,
        info,
        warnings,
        stop: executor.stop_handle(),
        outcomes,
        report,
        plan: plan_writer,
        summary: Summary {
            settled_before,
            ..Summary::default()
        },
    })
}

/// Turns an error reading the report to resume into a usage error: the file is the caller's
/// input, and nothing was written to AWS yet.
fn as_usage_error(error: Error) -> Error {
    match error {
        Error::Report {
            path,
            message,
            source,
        } => {
            let cause = source
                .map(|source| format!(": {source}"))
                .unwrap_or_default();
            Error::invalid(format!("report {path}: {message}{cause}"))
        }
        other => other,
    }
}

fn check_report_folder(path: &std::path::Path) -> Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => return Ok(()),
    };
    if folder.is_dir() {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "folder {} does not exist; create it or choose another --report path",
            folder.display()
        )))
    }
}

impl Run {
    /// Returns the preflight's findings: caller and organization.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Returns the run's facts, as written to the report.
    pub fn info(&self) -> &RunInfo {
        &self.info
    }

    /// Warnings for the user: duplicate IDs, a torn report line.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Returns a handle that stops starting new accounts, for Ctrl-C.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Returns the counts so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Returns the path of the report being written, if any.
    pub fn report_path(&self) -> Option<&std::path::Path> {
        self.report.as_ref().map(ReportWriter::path)
    }

    /// Returns the path of the plan being written and its number of accounts so far, if any.
    pub fn plan_written(&self) -> Option<(&std::path::Path, u64)> {
        self.plan
            .as_ref()
            .map(|plan| (plan.path(), plan.accounts()))
    }

    /// Waits for the next outcome, writes it to the report and returns it; `None` once every
    /// account has its outcome.
    ///
    /// # Errors
    ///
    /// A failure to list accounts (the run cannot go on) or to write the report.
    pub async fn next(&mut self) -> Option<Result<Outcome>> {
        let outcome = match self.outcomes.next().await? {
            Ok(outcome) => outcome,
            Err(error) => return Some(Err(error)),
        };
        if let Some(report) = &mut self.report {
            if let Err(error) = report.write(&outcome) {
                return Some(Err(error));
            }
        }
        if let Some(plan) = &mut self.plan {
            if let Err(error) = plan.write(&outcome) {
                return Some(Err(error));
            }
        }
        self.summary.add(&outcome);
        Some(Ok(outcome))
    }
}
