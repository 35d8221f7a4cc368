//! Turning `rootward::Error` into the exception classes of `rootward.errors`.
//!
//! The classes are plain Python (typed, documented, with keyword-only fields), so this module
//! imports them and calls them. The message is the whole error chain, because `Display` of a
//! core error leaves out its source.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rootward::Error;

/// The Python module that defines the exception classes.
const ERRORS_MODULE: &str = "rootward.errors";

/// Formats an error with its sources, joined by `": "`.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The exception class and its structured fields for one core error.
struct Mapped {
    class: &'static str,
    code: Option<String>,
    account_id: Option<String>,
    step: Option<String>,
    extra: Vec<(&'static str, String)>,
}

impl Mapped {
    fn new(class: &'static str) -> Self {
        Self {
            class,
            code: None,
            account_id: None,
            step: None,
            extra: Vec::new(),
        }
    }
}

fn map(error: &Error) -> Mapped {
    let code = error.code().map(str::to_owned);
    match error {
        Error::InvalidInput { .. } => Mapped::new("UsageError"),
        Error::NotInOrganization {
            kind,
            id,
            organization_id,
        } => {
            let mut mapped = Mapped::new("NotInOrganizationError");
            if *kind == "account" {
                mapped.account_id = Some(id.clone());
            } else {
                mapped.extra.push(("ou_id", id.clone()));
            }
            mapped
                .extra
                .push(("organization_id", organization_id.clone()));
            mapped
        }
        Error::Preflight { .. } => Mapped {
            code,
            ..Mapped::new("PreflightError")
        },
        Error::Throttled { operation, .. } => Mapped {
            code,
            step: Some((*operation).to_owned()),
            ..Mapped::new("ThrottledError")
        },
        Error::AccessDenied { operation, .. } => Mapped {
            code,
            step: Some((*operation).to_owned()),
            ..Mapped::new("AccessDeniedError")
        },
        Error::SessionFailed { account_id, .. } => Mapped {
            code,
            account_id: Some(account_id.clone()),
            step: Some("AssumeRoot".to_owned()),
            ..Mapped::new("SessionFailedError")
        },
        Error::Aws { operation, .. } => Mapped {
            code,
            step: Some((*operation).to_owned()),
            ..Mapped::new("AwsError")
        },
        Error::Report { path, .. } => {
            let mut mapped = Mapped::new("ReportError");
            mapped.extra.push(("path", path.clone()));
            mapped
        }
        // A variant added to the core after this binding was written still reaches Python,
        // as the base class with its code.
        _ => Mapped {
            code,
            ..Mapped::new("RootwardError")
        },
    }
}

/// Builds the Python exception for a core error.
pub(crate) fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    let message = error_chain(error);
    match build(py, error, &message) {
        Ok(exception) => exception,
        // Only a broken installation gets here (the package's errors module is missing); the
        // message still reaches the caller.
        Err(import_error) => PyRuntimeError::new_err(format!(
            "{message} (rootward.errors could not be used: {import_error})"
        )),
    }
}

fn build(py: Python<'_>, error: &Error, message: &str) -> PyResult<PyErr> {
    let mapped = map(error);
    let class = py.import(ERRORS_MODULE)?.getattr(mapped.class)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", mapped.code)?;
    kwargs.set_item("account_id", mapped.account_id)?;
    kwargs.set_item("step", mapped.step)?;
    for (key, value) in mapped.extra {
        kwargs.set_item(key, value)?;
    }
    let exception = class.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(exception))
}

/// Converts a core result, raising the mapped exception on error.
pub(crate) fn raise<T>(py: Python<'_>, result: rootward::Result<T>) -> PyResult<T> {
    result.map_err(|error| to_py_err(py, &error))
}
