//! One run of a task: its outcomes as a blocking iterator, an async iterator or a list.
//!
//! A [`Run`] starts at the first request for an outcome, so creating one does no I/O. The
//! executor makes progress only while a caller waits for an outcome: the run's stream is polled
//! by whoever holds it, never by a background task.
//!
//! # Interrupts and cancellation
//!
//! A Python signal handler that raises during a blocking call (Ctrl-C raises
//! `KeyboardInterrupt`) stops the run: no new account starts, the accounts in flight get
//! [`INTERRUPT_GRACE`] to finish and reach the report together with the `skipped`
//! (interrupted) outcomes of the accounts never started, and whatever is still in flight after
//! that is cancelled. A cancelled account has no line in the report, so a resume runs it again.
//! The report itself stays whole: every line is written in one call and flushed. Cancelling
//! the awaitable of `collect_async` does the same in the background. Cancelling one
//! `__anext__` awaitable only drops that wait: the run stays usable.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rootward::{StopHandle, TaskName};
use tokio::sync::Mutex as AsyncMutex;

use crate::errors::to_py_err;
use crate::outcome::{outcome_list, Outcome};
use crate::runtime::{runtime, wait, Waited};
use crate::values::{datetime, quote};

/// How long the accounts in flight may take to finish after an interrupt or `close()`.
pub(crate) const INTERRUPT_GRACE: Duration = Duration::from_secs(2);

type StartFuture = Pin<Box<dyn Future<Output = rootward::Result<rootward::Run>> + Send>>;

/// Where a run is in its life.
enum State {
    /// Not started yet. The future does nothing until it is polled.
    Pending(StartFuture),
    /// Started; outcomes come from the core's run.
    Running(Box<rootward::Run>),
    /// Every outcome was delivered, the start or the listing failed, or the run was cancelled.
    Finished,
}

/// What the property getters read without waiting for a caller that holds the run.
#[derive(Default)]
struct Snapshot {
    info: Option<rootward::RunInfo>,
    warnings: Vec<String>,
    summary: rootward::Summary,
    report_path: Option<PathBuf>,
}

/// The parts of a run that any thread may touch at any time.
struct Shared {
    task: TaskName,
    stop_requested: AtomicBool,
    stop_handle: OnceLock<StopHandle>,
    snapshot: Mutex<Snapshot>,
}

impl Shared {
    fn request_stop(&self) {
        self.stop_requested.store(true, Ordering::SeqCst);
        if let Some(handle) = self.stop_handle.get() {
            handle.stop();
        }
    }

    fn started(&self, run: &rootward::Run) {
        let handle = self.stop_handle.get_or_init(|| run.stop_handle());
        // A stop requested before the start completed applies now.
        if self.stop_requested.load(Ordering::SeqCst) {
            handle.stop();
        }
        let mut snapshot = self.snapshot();
        snapshot.info = Some(run.info().clone());
        snapshot.warnings = run.warnings().to_vec();
        snapshot.report_path = run.report_path().map(PathBuf::from);
    }

    fn advanced(&self, run: &rootward::Run) {
        self.snapshot().summary = run.summary().clone();
    }

    fn snapshot(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        // The snapshot holds plain data, so a panic elsewhere cannot leave it half-updated in
        // a way that matters; keep serving it.
        self.snapshot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Moves the run one outcome forward, starting it first if needed.
///
/// # Cancel safety
///
/// Dropping the future keeps the run usable, except while it starts: a start that is dropped
/// leaves the run finished.
async fn advance(
    state: &mut State,
    shared: &Shared,
) -> rootward::Result<Option<rootward::Outcome>> {
    if matches!(state, State::Pending(_)) {
        let State::Pending(start) = std::mem::replace(state, State::Finished) else {
            unreachable!("the state was checked to be pending");
        };
        let run = start.await?;
        shared.started(&run);
        *state = State::Running(Box::new(run));
    }
    let State::Running(run) = state else {
        return Ok(None);
    };
    match run.next().await {
        Some(Ok(outcome)) => {
            shared.advanced(run);
            Ok(Some(outcome))
        }
        Some(Err(error)) => {
            *state = State::Finished;
            Err(error)
        }
        None => {
            *state = State::Finished;
            Ok(None)
        }
    }
}

/// Stops the run, lets the accounts in flight finish for at most `grace`, then cancels the
/// rest. The outcomes that arrive meanwhile go only to the report.
async fn wind_down(state: &mut State, shared: &Shared, grace: Duration) {
    shared.request_stop();
    if matches!(state, State::Pending(_)) {
        // Never started: there is nothing to wind down, and starting now would only make
        // requests to report every account as not started.
        *state = State::Finished;
        return;
    }
    let drain = async { while let Ok(Some(_)) = advance(state, shared).await {} };
    if tokio::time::timeout(grace, drain).await.is_err() {
        tracing::warn!(
            task = %shared.task,
            "accounts still in flight after the grace period were cancelled; they have no outcome in the report, so a resume runs them again"
        );
    }
    *state = State::Finished;
}

/// The outcomes of one run of a task, one per account.
///
/// Iterate with `for` (blocking, releases the GIL) or `async for`, or collect them all with
/// `collect()` or `await collect_async()`. The run starts at the first request for an outcome.
/// Several threads or tasks may read one run at once; each outcome goes to one of them.
#[pyclass(module = "rootward", name = "Run", frozen)]
pub(crate) struct Run {
    state: Arc<AsyncMutex<State>>,
    shared: Arc<Shared>,
}

impl Run {
    pub(crate) fn new(task: TaskName, start: StartFuture) -> Self {
        Self {
            state: Arc::new(AsyncMutex::new(State::Pending(start))),
            shared: Arc::new(Shared {
                task,
                stop_requested: AtomicBool::new(false),
                stop_handle: OnceLock::new(),
                snapshot: Mutex::new(Snapshot::default()),
            }),
        }
    }
}

#[pymethods]
impl Run {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Waits for the next outcome with the GIL released.
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Outcome>> {
        let shared = &*self.shared;
        let state = &self.state;
        let mut locked = false;
        let next = async {
            let mut state = state.lock().await;
            locked = true;
            advance(&mut state, shared).await
        };
        match wait(py, next)? {
            Waited::Done(Ok(outcome)) => Ok(outcome.map(Outcome::from)),
            Waited::Done(Err(error)) => Err(to_py_err(py, &error)),
            Waited::Interrupted(interrupt) => {
                self.wind_down_after(py, locked)?;
                Err(interrupt)
            }
        }
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Returns an awaitable of the next outcome.
    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        runtime()?;
        let state = Arc::clone(&self.state);
        let shared = Arc::clone(&self.shared);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let mut state = state.lock().await;
            match advance(&mut state, &shared).await {
                Ok(Some(outcome)) => Ok(Outcome::from(outcome)),
                Ok(None) => Err(PyStopAsyncIteration::new_err(())),
                Err(error) => Err(Python::attach(|py| to_py_err(py, &error))),
            }
        })
    }

    /// Waits for every remaining outcome with the GIL released and returns them as a list.
    fn collect<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let shared = &*self.shared;
        let state = &self.state;
        let mut outcomes = Vec::new();
        let mut locked = false;
        let all = async {
            let mut state = state.lock().await;
            locked = true;
            loop {
                match advance(&mut state, shared).await {
                    Ok(Some(outcome)) => outcomes.push(outcome),
                    Ok(None) => return Ok(()),
                    Err(error) => return Err(error),
                }
            }
        };
        match wait(py, all)? {
            Waited::Done(Ok(())) => outcome_list(py, outcomes),
            Waited::Done(Err(error)) => Err(to_py_err(py, &error)),
            Waited::Interrupted(interrupt) => {
                self.wind_down_after(py, locked)?;
                Err(interrupt)
            }
        }
    }

    /// Returns an awaitable of every remaining outcome, as a list.
    fn collect_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        runtime()?;
        let state = Arc::clone(&self.state);
        let shared = Arc::clone(&self.shared);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let mut on_cancel = WindDownOnDrop {
                state: Some(Arc::clone(&state)),
                shared: Arc::clone(&shared),
            };
            let mut guard = state.lock().await;
            let mut outcomes = Vec::new();
            let result = loop {
                match advance(&mut guard, &shared).await {
                    Ok(Some(outcome)) => outcomes.push(Outcome::from(outcome)),
                    Ok(None) => break Ok(outcomes),
                    Err(error) => break Err(Python::attach(|py| to_py_err(py, &error))),
                }
            };
            on_cancel.state = None;
            result
        })
    }

    /// Stops starting new accounts. Returns at once; the accounts in flight finish, and each
    /// account not started yet arrives as `skipped` (interrupted), so a resume picks it up.
    fn stop(&self) {
        self.shared.request_stop();
    }

    /// Stops the run and waits up to `timeout` seconds for the accounts in flight, whose
    /// outcomes then reach the report; accounts still in flight after that are cancelled.
    #[pyo3(signature = (timeout = INTERRUPT_GRACE.as_secs_f64()))]
    fn close(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let grace = Duration::try_from_secs_f64(timeout).map_err(|_| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "invalid timeout {timeout}: expected a number of seconds, 0 or more"
            ))
        })?;
        let shared = &*self.shared;
        let state = &self.state;
        let close = async {
            let mut state = state.lock().await;
            wind_down(&mut state, shared, grace).await;
        };
        match wait(py, close)? {
            Waited::Done(()) => Ok(()),
            Waited::Interrupted(interrupt) => {
                self.cancel_now(py)?;
                Err(interrupt)
            }
        }
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc_info))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_info: &Bound<'_, pyo3::types::PyTuple>,
    ) -> PyResult<bool> {
        self.close(py, INTERRUPT_GRACE.as_secs_f64())?;
        Ok(false)
    }

    /// The task, named like the CLI command.
    #[getter]
    fn task(&self) -> &'static str {
        self.shared.task.as_str()
    }

    /// The run's facts once it started (run ID, organization, caller, task policy), else `None`.
    #[getter]
    fn info(&self) -> Option<RunInfo> {
        self.shared
            .snapshot()
            .info
            .clone()
            .map(|inner| RunInfo { inner })
    }

    /// Warnings for the caller once the run started: duplicate IDs, a torn report line.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.shared.snapshot().warnings.clone()
    }

    /// The report being written, once the run started, if any.
    #[getter]
    fn report_path(&self) -> Option<PathBuf> {
        self.shared.snapshot().report_path.clone()
    }

    /// Counts of the outcomes delivered so far.
    #[getter]
    fn summary(&self) -> Summary {
        Summary {
            inner: self.shared.snapshot().summary.clone(),
        }
    }

    /// Whether `stop()` was called or an interrupt stopped the run.
    #[getter]
    fn stopped(&self) -> bool {
        self.shared.stop_requested.load(Ordering::SeqCst)
    }

    fn __repr__(&self) -> String {
        let snapshot = self.shared.snapshot();
        match &snapshot.info {
            Some(info) => format!(
                "Run(task={}, mode={}, organization_id={}, outcomes={})",
                quote(self.shared.task.as_str()),
                quote(info.mode.as_str()),
                quote(&info.organization_id),
                snapshot.summary.total
            ),
            None => format!(
                "Run(task={}, started=False)",
                quote(self.shared.task.as_str())
            ),
        }
    }
}

impl Run {
    /// Winds the run down after an interrupt. `holding` says whether the interrupted call had
    /// the run; if another caller holds it, that caller sees the stop instead.
    fn wind_down_after(&self, py: Python<'_>, holding: bool) -> PyResult<()> {
        if !holding {
            self.shared.request_stop();
            return Ok(());
        }
        let shared = &*self.shared;
        let state = &self.state;
        let grace = async {
            let mut state = state.lock().await;
            wind_down(&mut state, shared, INTERRUPT_GRACE).await;
        };
        // A second interrupt during the grace period cancels the accounts in flight at once.
        if let Waited::Interrupted(_) = wait(py, grace)? {
            self.cancel_now(py)?;
        }
        Ok(())
    }

    /// Cancels every account in flight by dropping the core's run.
    fn cancel_now(&self, py: Python<'_>) -> PyResult<()> {
        self.shared.request_stop();
        let state = &self.state;
        let drop_run = async {
            *state.lock().await = State::Finished;
        };
        // Taking the lock cannot wait on I/O, because every holder of the lock releases it
        // when its own wait ends; a further interrupt here is ignored.
        let _ = wait(py, drop_run)?;
        Ok(())
    }
}

/// Winds a run down in the background when the awaitable of `collect_async` is cancelled.
struct WindDownOnDrop {
    state: Option<Arc<AsyncMutex<State>>>,
    shared: Arc<Shared>,
}

impl Drop for WindDownOnDrop {
    fn drop(&mut self) {
        let Some(state) = self.state.take() else {
            return;
        };
        let shared = Arc::clone(&self.shared);
        shared.request_stop();
        pyo3_async_runtimes::tokio::get_runtime().spawn(async move {
            let mut state = state.lock().await;
            wind_down(&mut state, &shared, INTERRUPT_GRACE).await;
        });
    }
}

/// The facts of a started run, as every report row repeats them.
#[pyclass(module = "rootward", name = "RunInfo", frozen)]
pub(crate) struct RunInfo {
    inner: rootward::RunInfo,
}

#[pymethods]
impl RunInfo {
    /// A random ID for this run.
    #[getter]
    fn run_id(&self) -> &str {
        &self.inner.run_id
    }

    /// When the run started, in UTC.
    #[getter]
    fn started<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.started)
    }

    /// The ARN of the calling principal.
    #[getter]
    fn caller_arn(&self) -> &str {
        &self.inner.caller_arn
    }

    /// The organization ID (`o-…`).
    #[getter]
    fn organization_id(&self) -> &str {
        &self.inner.organization_id
    }

    /// The rootward version that ran the task.
    #[getter]
    fn rootward_version(&self) -> &str {
        &self.inner.rootward_version
    }

    /// The task, named like the CLI command.
    #[getter]
    fn task(&self) -> &'static str {
        self.inner.task.as_str()
    }

    /// The ARN of the task policy that scoped every root session.
    #[getter]
    fn task_policy_arn(&self) -> &str {
        &self.inner.task_policy_arn
    }

    /// `read`, `plan` or `execute`.
    #[getter]
    fn mode(&self) -> &'static str {
        self.inner.mode.as_str()
    }

    fn __repr__(&self) -> String {
        format!(
            "RunInfo(run_id={}, task={}, mode={}, organization_id={})",
            quote(&self.inner.run_id),
            quote(self.inner.task.as_str()),
            quote(self.inner.mode.as_str()),
            quote(&self.inner.organization_id)
        )
    }
}

/// Counts of the outcomes of a run so far.
#[pyclass(module = "rootward", name = "Summary", frozen)]
pub(crate) struct Summary {
    inner: rootward::Summary,
}

#[pymethods]
impl Summary {
    /// Outcomes per status, such as `{"done": 3, "skipped": 2}`.
    #[getter]
    fn by_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let counts = PyDict::new(py);
        for (status, count) in &self.inner.by_status {
            counts.set_item(status, count)?;
        }
        Ok(counts)
    }

    /// Outcomes delivered so far.
    #[getter]
    fn total(&self) -> usize {
        self.inner.total
    }

    /// Accounts that did not reach the goal.
    #[getter]
    fn not_reached(&self) -> usize {
        self.inner.not_reached
    }

    /// Accounts already settled in a resumed report and left untouched.
    #[getter]
    fn settled_before(&self) -> usize {
        self.inner.settled_before
    }

    /// Whether every account so far reached its goal (the CLI's exit status 0).
    #[getter]
    fn all_reached(&self) -> bool {
        self.inner.all_reached()
    }

    /// The first 50 accounts that did not reach the goal, as `(account_id, status, step,
    /// code_or_reason)`.
    #[getter]
    fn failures(&self) -> Vec<(String, &'static str, String, String)> {
        self.inner
            .failures
            .iter()
            .map(|(account, status, step, code)| {
                (account.clone(), status.as_str(), step.clone(), code.clone())
            })
            .collect()
    }

    fn __repr__(&self) -> String {
        let counts: Vec<String> = self
            .inner
            .by_status
            .iter()
            .map(|(status, count)| format!("{}: {count}", quote(status)))
            .collect();
        format!(
            "Summary(total={}, not_reached={}, by_status={{{}}})",
            self.inner.total,
            self.inner.not_reached,
            counts.join(", ")
        )
    }
}
