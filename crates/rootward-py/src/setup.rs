//! Organization setup (`status`, `enable`, `disable`) and the policy documents, as Python sees
//! them.

use pyo3::prelude::*;
use rootward::org::{self, Feature};
use rootward::{AccountId, Partition, TaskPolicy};

use crate::errors::raise;
use crate::values::{json_to_py, quote, to_py};

/// The state of centralized root access in the organization, as the caller can see it.
#[pyclass(module = "rootward", name = "OrganizationStatus", frozen)]
pub(crate) struct OrganizationStatus {
    inner: org::Status,
}

impl From<org::Status> for OrganizationStatus {
    fn from(inner: org::Status) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl OrganizationStatus {
    /// The organization ID (`o-…`).
    #[getter]
    fn organization_id(&self) -> &str {
        &self.inner.organization_id
    }

    /// The management account ID.
    #[getter]
    fn management_account_id(&self) -> &str {
        &self.inner.management_account_id
    }

    /// The calling account ID.
    #[getter]
    fn caller_account_id(&self) -> &str {
        &self.inner.caller_account_id
    }

    /// The caller's ARN.
    #[getter]
    fn caller_arn(&self) -> &str {
        &self.inner.caller_arn
    }

    /// Whether the caller is in the management account.
    #[getter]
    fn caller_is_management(&self) -> bool {
        self.inner.caller_is_management()
    }

    /// Whether the organization has all features enabled.
    #[getter]
    fn all_features(&self) -> bool {
        self.inner.all_features
    }

    /// Whether trusted access for `iam.amazonaws.com` is on; `None` when the caller may not
    /// read it.
    #[getter]
    fn trusted_access(&self) -> Option<bool> {
        self.inner.trusted_access
    }

    /// The delegated administrators for IAM; `None` when the caller may not read them.
    #[getter]
    fn delegated_administrators(&self) -> Option<Vec<String>> {
        self.inner.delegated_administrators.clone()
    }

    /// The enabled features (`RootCredentialsManagement`, `RootSessions`); `None` when IAM
    /// would not list them (see `features_error`).
    #[getter]
    fn enabled_features(&self) -> Option<Vec<&'static str>> {
        self.inner
            .enabled_features
            .as_ref()
            .map(|features| features.iter().map(|feature| feature.as_str()).collect())
    }

    /// The error code of `iam:ListOrganizationsFeatures`, when it failed.
    #[getter]
    fn features_error(&self) -> Option<&str> {
        self.inner.features_error.as_deref()
    }

    /// What is missing and the command that fixes it, one sentence each; empty when ready.
    #[getter]
    fn findings(&self) -> Vec<String> {
        self.inner.findings.clone()
    }

    /// Whether everything root sessions need is in place.
    #[getter]
    fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    /// Whether `feature` (`RootCredentialsManagement` or `RootSessions`) is on.
    fn has_feature(&self, py: Python<'_>, feature: &str) -> PyResult<bool> {
        let feature: Feature = raise(py, feature.parse())?;
        Ok(self.inner.has_feature(feature))
    }

    /// Returns the status as plain Python objects, as `rootward status --json` prints it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "OrganizationStatus(organization_id={}, is_ready={}, findings={})",
            quote(&self.inner.organization_id),
            if self.inner.is_ready() {
                "True"
            } else {
                "False"
            },
            self.inner.findings.len()
        )
    }
}

/// One change that `enable` or `disable` made, or in a plan would make.
#[pyclass(module = "rootward", name = "Change", frozen)]
pub(crate) struct Change {
    /// The API action, such as `EnableAWSServiceAccess`.
    #[pyo3(get)]
    action: &'static str,
    /// A description of the change.
    #[pyo3(get)]
    description: String,
    /// Whether the change was made (False in a plan).
    #[pyo3(get)]
    applied: bool,
}

#[pymethods]
impl Change {
    fn __repr__(&self) -> String {
        format!(
            "Change(action={}, applied={}, description={})",
            quote(self.action),
            if self.applied { "True" } else { "False" },
            quote(&self.description)
        )
    }
}

/// Converts the core's changes.
pub(crate) fn changes(made: Vec<org::Change>) -> Vec<Change> {
    made.into_iter()
        .map(|change| Change {
            action: change.action,
            description: change.description,
            applied: change.applied,
        })
        .collect()
}

/// Builds `{"caller_policy": …, "scp_statement": …}` for the chosen task policies (all five
/// when empty) and accounts (every member account when empty), in `partition` or else the
/// partition of `region`.
pub(crate) fn policy_documents<'py>(
    py: Python<'py>,
    task_policies: &[String],
    accounts: &[String],
    partition: Option<&str>,
    region: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let policies: Vec<TaskPolicy> = if task_policies.is_empty() {
        TaskPolicy::ALL.to_vec()
    } else {
        raise(py, task_policies.iter().map(|name| name.parse()).collect())?
    };
    let accounts: Vec<AccountId> = raise(py, accounts.iter().map(|id| id.parse()).collect())?;
    let partition = match partition {
        Some(name) => raise(py, name.parse::<Partition>())?,
        None => Partition::for_region(region),
    };
    let document = serde_json::json!({
        "caller_policy": rootward::caller_policy(&policies, &accounts, partition),
        "scp_statement": rootward::scp_statement(partition),
    });
    json_to_py(py, &document)
}
