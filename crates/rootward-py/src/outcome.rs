//! The outcome of one account, as Python receives it.
//!
//! Each class wraps the core value and exposes read-only properties; `to_dict` and `to_json`
//! give the core's serialized outcome. Nothing here can hold a credential: outcomes carry
//! access key IDs and certificate IDs, which are not secrets, and never session credentials.

use pyo3::prelude::*;
use pyo3::types::PyList;
use rootward::StepResult;

use crate::values::{datetime, quote, to_py};

/// The result of one task in one member account: exactly one per account in a run.
#[pyclass(module = "rootward", name = "Outcome", frozen)]
pub(crate) struct Outcome {
    inner: rootward::Outcome,
}

impl From<rootward::Outcome> for Outcome {
    fn from(inner: rootward::Outcome) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl Outcome {
    /// The member account ID, 12 digits.
    #[getter]
    fn account_id(&self) -> &str {
        self.inner.account.id.as_str()
    }

    /// The account name, empty when Organizations gave none.
    #[getter]
    fn account_name(&self) -> &str {
        &self.inner.account.name
    }

    /// The account state, such as `ACTIVE` or `SUSPENDED`.
    #[getter]
    fn account_state(&self) -> &str {
        self.inner.account.state.as_str()
    }

    /// The task, named like the CLI command: `audit`, `delete-credentials`.
    #[getter]
    fn task(&self) -> &'static str {
        self.inner.task.as_str()
    }

    /// `read` for an audit, `plan` or `execute` for a task that changes something.
    #[getter]
    fn mode(&self) -> &'static str {
        self.inner.mode.as_str()
    }

    /// `planned`, `done`, `nothing_to_do`, `skipped`, `failed` or `partial`.
    #[getter]
    fn status(&self) -> &'static str {
        self.inner.status.as_str()
    }

    /// The reason the account was skipped or is partial by request, as a sentence.
    #[getter]
    fn reason(&self) -> Option<String> {
        self.inner.reason.as_ref().map(ToString::to_string)
    }

    /// The kind of `reason`, such as `excluded`, `not_active` or `interrupted`.
    #[getter]
    fn reason_kind<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(reason) = &self.inner.reason else {
            return Ok(None);
        };
        let record = to_py(py, reason)?;
        Ok(Some(record.get_item("kind")?))
    }

    /// Every API call made in the account, in order.
    #[getter]
    fn steps(&self) -> Vec<Step> {
        self.inner.steps.iter().cloned().map(Step::from).collect()
    }

    /// The API action of the first failed step, such as `DeleteAccessKey`.
    #[getter]
    fn step(&self) -> Option<&str> {
        self.inner.first_failure().map(|step| step.action.as_str())
    }

    /// The AWS error code of the first failed step, such as `AccessDenied`.
    #[getter]
    fn error_code(&self) -> Option<&str> {
        self.inner
            .first_failure()
            .and_then(rootward::Step::error_code)
    }

    /// AWS's message for the first failed step.
    #[getter]
    fn error_message(&self) -> Option<&str> {
        match self.inner.first_failure().map(|step| &step.result) {
            Some(StepResult::Failed { message, .. }) => Some(message),
            _ => None,
        }
    }

    /// Every failed step, one `action [target]: code: message` line each.
    #[getter]
    fn failure_messages(&self) -> Vec<String> {
        self.inner.failure_messages()
    }

    /// Credentials found by an audit, or removed (in a plan: to be removed) by a deletion.
    #[getter]
    fn counts(&self) -> CredentialCounts {
        self.inner.counts().into()
    }

    /// What the task found and changed, as the report's `detail` record.
    #[getter]
    fn detail<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.detail)
    }

    /// Root sessions started for the account (more than one after an expiry or a retry).
    #[getter]
    fn sessions(&self) -> u32 {
        self.inner.sessions
    }

    /// When work on the account started, in UTC.
    #[getter]
    fn started<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.started)
    }

    /// How long the account took, in milliseconds.
    #[getter]
    fn elapsed_ms(&self) -> u64 {
        self.inner.elapsed_ms
    }

    /// Whether the account reached the goal the caller set: done, nothing to do, planned, left
    /// out by the selection rules, or partial because the caller asked to keep keys.
    #[getter]
    fn reached_goal(&self) -> bool {
        self.inner.reached_goal()
    }

    /// Returns the outcome as plain Python objects: `account`, `task`, `mode`, `status`,
    /// `reason`, `steps`, `detail`, `sessions`, `started` and `elapsed_ms`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    /// Returns the outcome as one line of JSON, with the members of `to_dict`.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|error| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "could not serialize the outcome: {error}"
            ))
        })
    }

    fn __repr__(&self) -> String {
        let mut text = format!(
            "Outcome(account_id={}, task={}, status={}",
            quote(self.account_id()),
            quote(self.task()),
            quote(self.status())
        );
        if let Some(step) = self.step() {
            text.push_str(&format!(", step={}", quote(step)));
        }
        if let Some(code) = self.error_code() {
            text.push_str(&format!(", error_code={}", quote(code)));
        }
        if let Some(reason) = self.reason() {
            text.push_str(&format!(", reason={}", quote(&reason)));
        }
        text.push(')');
        text
    }
}

/// One API call made in an account, and its result.
#[pyclass(module = "rootward", name = "Step", frozen)]
pub(crate) struct Step {
    inner: rootward::Step,
}

impl From<rootward::Step> for Step {
    fn from(inner: rootward::Step) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl Step {
    /// The API action, such as `DeleteAccessKey`.
    #[getter]
    fn action(&self) -> &str {
        &self.inner.action
    }

    /// What the call acted on: an access key ID, a certificate ID, an MFA serial.
    #[getter]
    fn target(&self) -> Option<&str> {
        self.inner.target.as_deref()
    }

    /// `ok`, `already_absent`, `left_in_place`, `retried` or `failed`.
    #[getter]
    fn result(&self) -> &'static str {
        match self.inner.result {
            StepResult::Ok => "ok",
            StepResult::AlreadyAbsent => "already_absent",
            StepResult::LeftInPlace => "left_in_place",
            StepResult::Retried { .. } => "retried",
            StepResult::Failed { .. } => "failed",
        }
    }

    /// The AWS error code of a failed or retried call.
    #[getter]
    fn error_code(&self) -> Option<&str> {
        match &self.inner.result {
            StepResult::Failed { code, .. } | StepResult::Retried { code, .. } => Some(code),
            _ => None,
        }
    }

    /// AWS's message for a failed or retried call.
    #[getter]
    fn message(&self) -> Option<&str> {
        match &self.inner.result {
            StepResult::Failed { message, .. } | StepResult::Retried { message, .. } => {
                Some(message)
            }
            _ => None,
        }
    }

    /// Whether the call failed.
    #[getter]
    fn failed(&self) -> bool {
        self.inner.is_failed()
    }

    fn __repr__(&self) -> String {
        let mut text = format!("Step(action={}", quote(self.action()));
        if let Some(target) = self.target() {
            text.push_str(&format!(", target={}", quote(target)));
        }
        text.push_str(&format!(", result={}", quote(self.result())));
        if let Some(code) = self.error_code() {
            text.push_str(&format!(", error_code={}", quote(code)));
        }
        text.push(')');
        text
    }
}

/// Counts of root credentials: found by an audit, removed (or planned) by a deletion.
#[pyclass(module = "rootward", name = "CredentialCounts", frozen, eq)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CredentialCounts {
    /// Login profiles (passwords): 0 or 1.
    #[pyo3(get)]
    login_profile: usize,
    /// Access keys.
    #[pyo3(get)]
    access_keys: usize,
    /// Signing certificates.
    #[pyo3(get)]
    signing_certificates: usize,
    /// MFA devices.
    #[pyo3(get)]
    mfa_devices: usize,
}

impl From<rootward::CredentialCounts> for CredentialCounts {
    fn from(counts: rootward::CredentialCounts) -> Self {
        Self {
            login_profile: counts.login_profile,
            access_keys: counts.access_keys,
            signing_certificates: counts.signing_certificates,
            mfa_devices: counts.mfa_devices,
        }
    }
}

#[pymethods]
impl CredentialCounts {
    /// The sum of all four counts.
    #[getter]
    fn total(&self) -> usize {
        self.login_profile + self.access_keys + self.signing_certificates + self.mfa_devices
    }

    fn __repr__(&self) -> String {
        format!(
            "CredentialCounts(login_profile={}, access_keys={}, signing_certificates={}, mfa_devices={})",
            self.login_profile, self.access_keys, self.signing_certificates, self.mfa_devices
        )
    }
}

/// Builds a Python list of outcomes.
pub(crate) fn outcome_list(
    py: Python<'_>,
    outcomes: Vec<rootward::Outcome>,
) -> PyResult<Bound<'_, PyList>> {
    let objects = outcomes
        .into_iter()
        .map(|outcome| Py::new(py, Outcome::from(outcome)))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, objects)
}
