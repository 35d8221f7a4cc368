//! The client: AWS clients loaded once, and one method per task.
//!
//! Each task method checks its options and returns an unstarted [`Run`]. Binding a new task of
//! the core takes one method here: build the task value and pass it to [`Client::start`].

use std::path::PathBuf;

use pyo3::prelude::*;
use rootward::org::{self, DisableRequest, EnableRequest};
use rootward::{
    AuditRootCredentials, AwsOptions, Clients, CreateRootPassword, DeleteRootCredentials, Task,
    UnlockS3BucketPolicy, UnlockSqsQueuePolicy,
};

use crate::errors::{raise, to_py_err};
use crate::options::{parse_account_id, parse_features, unlock_options, RunArgs};
use crate::run::Run;
use crate::runtime::{runtime, wait_or_raise};
use crate::setup::{changes, policy_documents, Change, OrganizationStatus};
use crate::values::quote;

/// The AWS clients of the calling principal, loaded through aws-config's standard chain.
///
/// One client serves any number of runs, from any number of threads at once.
#[pyclass(module = "rootward._native", name = "Client", frozen)]
pub(crate) struct Client {
    clients: Clients,
    profile: Option<String>,
    endpoint_url: Option<String>,
    max_attempts: u32,
    max_rps: Option<u32>,
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (profile = None, region = None, endpoint_url = None, max_attempts = rootward::clients::DEFAULT_MAX_ATTEMPTS, max_rps = None))]
    fn new(
        py: Python<'_>,
        profile: Option<String>,
        region: Option<String>,
        endpoint_url: Option<String>,
        max_attempts: u32,
        max_rps: Option<u32>,
    ) -> PyResult<Self> {
        let options = AwsOptions {
            profile,
            region,
            endpoint_url,
            max_attempts,
            max_rps,
            ..AwsOptions::default()
        };
        let clients = raise(py, wait_or_raise(py, Clients::load(&options))?)?;
        Ok(Self {
            clients,
            profile: options.profile,
            endpoint_url: options.endpoint_url,
            max_attempts,
            max_rps,
        })
    }

    /// The region every request goes to.
    #[getter]
    fn region(&self) -> &str {
        self.clients.region()
    }

    /// Returns an unstarted audit of the root credentials of the selected accounts.
    fn audit(&self, py: Python<'_>, options: RunArgs) -> PyResult<Run> {
        self.start(py, AuditRootCredentials, options)
    }

    /// Returns an unstarted removal of the root credentials of the selected accounts: a plan
    /// unless `execute` is true.
    #[pyo3(signature = (options, *, execute, keep_keys_used_within = None))]
    fn delete_credentials(
        &self,
        py: Python<'_>,
        options: RunArgs,
        execute: bool,
        keep_keys_used_within: Option<u32>,
    ) -> PyResult<Run> {
        let mut task = if execute {
            DeleteRootCredentials::execute()
        } else {
            DeleteRootCredentials::plan()
        };
        if let Some(days) = keep_keys_used_within {
            task = task.keep_keys_used_within(days);
        }
        self.start(py, task, options)
    }

    /// Returns an unstarted run that makes root password recovery possible in the selected
    /// accounts: a plan unless `execute` is true. The accounts or OUs must be named.
    #[pyo3(signature = (options, *, execute))]
    fn create_password(&self, py: Python<'_>, options: RunArgs, execute: bool) -> PyResult<Run> {
        if !options.names_targets() {
            return Err(to_py_err(
                py,
                &rootward::Error::InvalidInput {
                    message: "create_password needs the accounts to act on: pass accounts or ous"
                        .to_owned(),
                },
            ));
        }
        let task = if execute {
            CreateRootPassword::execute()
        } else {
            CreateRootPassword::plan()
        };
        self.start(py, task, options)
    }

    /// Returns an unstarted run that shows the policy of one bucket and, when `execute` is
    /// true, deletes it.
    #[pyo3(signature = (account, bucket, *, execute, report = None, duration = 300))]
    fn unlock_s3(
        &self,
        py: Python<'_>,
        account: &str,
        bucket: String,
        execute: bool,
        report: Option<PathBuf>,
        duration: u64,
    ) -> PyResult<Run> {
        let options = raise(py, unlock_options(account, report, duration))?;
        let task = if execute {
            UnlockS3BucketPolicy::execute(bucket)
        } else {
            UnlockS3BucketPolicy::plan(bucket)
        };
        Ok(self.start_checked(task, options))
    }

    /// Returns an unstarted run that shows the policy of one queue and, when `execute` is
    /// true, removes it (and only it: every other queue attribute stays).
    #[pyo3(signature = (account, queue_url, *, execute, report = None, duration = 300))]
    fn unlock_sqs(
        &self,
        py: Python<'_>,
        account: &str,
        queue_url: String,
        execute: bool,
        report: Option<PathBuf>,
        duration: u64,
    ) -> PyResult<Run> {
        let options = raise(py, unlock_options(account, report, duration))?;
        let task = if execute {
            UnlockSqsQueuePolicy::execute(queue_url)
        } else {
            UnlockSqsQueuePolicy::plan(queue_url)
        };
        Ok(self.start_checked(task, options))
    }

    /// Reads whether the organization is set up for centralized root access.
    fn status(&self, py: Python<'_>) -> PyResult<OrganizationStatus> {
        let status = raise(py, wait_or_raise(py, org::status(&self.clients))?)?;
        Ok(status.into())
    }

    /// Returns an awaitable of [`Client::status`].
    fn status_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        runtime()?;
        let clients = self.clients.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match org::status(&clients).await {
                Ok(status) => Ok(OrganizationStatus::from(status)),
                Err(error) => Err(Python::attach(|py| to_py_err(py, &error))),
            }
        })
    }

    /// Turns on trusted access for IAM, the delegated administrator if given and the features
    /// (both when `features` is empty), or with `execute` false only lists those changes.
    #[pyo3(signature = (*, execute, features, delegated_admin = None))]
    fn enable(
        &self,
        py: Python<'_>,
        execute: bool,
        features: Vec<String>,
        delegated_admin: Option<String>,
    ) -> PyResult<Vec<Change>> {
        let request = raise(py, enable_request(execute, &features, delegated_admin))?;
        let made = raise(py, wait_or_raise(py, org::enable(&self.clients, &request))?)?;
        Ok(changes(made))
    }

    /// Returns an awaitable of [`Client::enable`].
    #[pyo3(signature = (*, execute, features, delegated_admin = None))]
    fn enable_async<'py>(
        &self,
        py: Python<'py>,
        execute: bool,
        features: Vec<String>,
        delegated_admin: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        runtime()?;
        let request = raise(py, enable_request(execute, &features, delegated_admin))?;
        let clients = self.clients.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match org::enable(&clients, &request).await {
                Ok(made) => Ok(changes(made)),
                Err(error) => Err(Python::attach(|py| to_py_err(py, &error))),
            }
        })
    }

    /// Turns off the features (both when `features` is empty), and trusted access or the
    /// delegated administrator only when asked; with `execute` false only lists the changes.
    #[pyo3(signature = (*, execute, features, trusted_access, delegated_admin = None))]
    fn disable(
        &self,
        py: Python<'_>,
        execute: bool,
        features: Vec<String>,
        trusted_access: bool,
        delegated_admin: Option<String>,
    ) -> PyResult<Vec<Change>> {
        let request = raise(
            py,
            disable_request(execute, &features, trusted_access, delegated_admin),
        )?;
        let made = raise(
            py,
            wait_or_raise(py, org::disable(&self.clients, &request))?,
        )?;
        Ok(changes(made))
    }

    /// Returns an awaitable of [`Client::disable`].
    #[pyo3(signature = (*, execute, features, trusted_access, delegated_admin = None))]
    fn disable_async<'py>(
        &self,
        py: Python<'py>,
        execute: bool,
        features: Vec<String>,
        trusted_access: bool,
        delegated_admin: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        runtime()?;
        let request = raise(
            py,
            disable_request(execute, &features, trusted_access, delegated_admin),
        )?;
        let clients = self.clients.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match org::disable(&clients, &request).await {
                Ok(made) => Ok(changes(made)),
                Err(error) => Err(Python::attach(|py| to_py_err(py, &error))),
            }
        })
    }

    /// Builds the caller-side IAM policy and the SCP statement for root sessions, as a dict
    /// with the members `caller_policy` and `scp_statement`. Makes no AWS call.
    #[pyo3(signature = (*, task_policies, accounts, partition = None))]
    fn policy<'py>(
        &self,
        py: Python<'py>,
        task_policies: Vec<String>,
        accounts: Vec<String>,
        partition: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let region = self.clients.region().to_owned();
        policy_documents(py, &task_policies, &accounts, partition.as_deref(), &region)
    }

    fn __repr__(&self) -> String {
        format!(
            "Client(profile={}, region={}, endpoint_url={}, max_attempts={}, max_rps={})",
            python_str(self.profile.as_deref()),
            quote(self.clients.region()),
            python_str(
                self.endpoint_url
                    .as_deref()
                    .map(without_userinfo)
                    .as_deref()
            ),
            self.max_attempts,
            self.max_rps
                .map_or_else(|| "None".to_owned(), |rps| rps.to_string())
        )
    }
}

impl Client {
    /// Checks the options and wraps the task in an unstarted run.
    fn start<T: Task>(&self, py: Python<'_>, task: T, options: RunArgs) -> PyResult<Run> {
        let options = raise(py, options.into_options())?;
        Ok(self.start_checked(task, options))
    }

    /// Wraps the task in an unstarted run, with options already checked.
    fn start_checked<T: Task>(&self, task: T, options: rootward::RunOptions) -> Run {
        let name = task.name();
        let clients = self.clients.clone();
        Run::new(name, Box::pin(rootward::start(clients, task, options)))
    }
}

fn enable_request(
    execute: bool,
    features: &[String],
    delegated_admin: Option<String>,
) -> rootward::Result<EnableRequest> {
    Ok(EnableRequest {
        features: parse_features(features)?,
        delegated_admin: delegated_admin
            .as_deref()
            .map(parse_account_id)
            .transpose()?,
        plan_only: !execute,
    })
}

fn disable_request(
    execute: bool,
    features: &[String],
    trusted_access: bool,
    delegated_admin: Option<String>,
) -> rootward::Result<DisableRequest> {
    Ok(DisableRequest {
        features: parse_features(features)?,
        trusted_access,
        delegated_admin: delegated_admin
            .as_deref()
            .map(parse_account_id)
            .transpose()?,
        plan_only: !execute,
    })
}

/// Formats an optional string as Python's `repr` would.
fn python_str(value: Option<&str>) -> String {
    match value {
        Some(text) => quote(text),
        None => "None".to_owned(),
    }
}

/// Removes `user:password@` from a URL, so a `repr` never shows a password given in it.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_owned(),
    }
}
