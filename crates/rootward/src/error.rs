//! The public error type.
//!
//! One enum of meaning-based variants. SDK errors are classified by error code in one private
//! module and never appear in this public API. Following smithy-rs RFC-0022, `Display` does not
//! repeat a source error, so the fronts print the whole chain.

use thiserror::Error as ThisError;

/// Errors that stop a whole run (per-account failures become [`crate::Outcome`]s instead).
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed an invalid value: a malformed account ID, an unknown task-policy name,
    /// a bad region, an unreadable or foreign report. Nothing was changed in AWS.
    #[error("{message}")]
    InvalidInput {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// An account or OU named by the caller is not part of the organization.
    #[error("{kind} {id} is not in organization {organization_id}; check the ID or remove it from the selection")]
    NotInOrganization {
        /// `account` or `organizational unit`.
        kind: &'static str,
        /// The ID the caller gave.
        id: String,
        /// The organization that was searched.
        organization_id: String,
    },

    /// The organization or the caller is not set up for root sessions, so no account was tried.
    #[error("{message}")]
    Preflight {
        /// What is missing and which command or permission fixes it.
        message: String,
        /// The AWS error code behind the finding, when there is one.
        code: Option<String>,
    },

    /// AWS kept throttling the request after every retry.
    #[error("{operation} was throttled by AWS ({code}) after all retries; lower --concurrency or --max-rps, or raise --max-attempts")]
    Throttled {
        /// The API action, such as `ListAccounts`.
        operation: &'static str,
        /// The throttling error code AWS returned.
        code: String,
    },

    /// AWS denied the request.
    #[error("{operation} was denied ({code}): {message}")]
    AccessDenied {
        /// The API action, such as `ListAccounts`.
        operation: &'static str,
        /// The error code AWS returned.
        code: String,
        /// AWS's message.
        message: String,
    },

    /// `sts:AssumeRoot` failed for an account.
    #[error("could not start a root session in account {account_id} ({code}): {message}")]
    SessionFailed {
        /// The target member account.
        account_id: String,
        /// The error code AWS returned.
        code: String,
        /// AWS's message.
        message: String,
    },

    /// Any other AWS error on an organization-level call.
    #[error("{operation} failed ({code}): {message}")]
    Aws {
        /// The API action, such as `DescribeOrganization`.
        operation: &'static str,
        /// The error code AWS returned, or a transport error kind.
        code: String,
        /// AWS's message.
        message: String,
    },

    /// Reading or writing a report failed.
    #[error("report {path}: {message}")]
    Report {
        /// The report file.
        path: String,
        /// What went wrong and what to do.
        message: String,
        /// The I/O or parse error behind it.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl Error {
    /// Reports whether the error is a usage error: bad input that the caller must correct, with
    /// no AWS write call made. The CLI maps these to exit status 2.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::InvalidInput { .. } | Self::NotInOrganization { .. }
        )
    }

    /// The AWS error code behind this error, when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Throttled { code, .. }
            | Self::AccessDenied { code, .. }
            | Self::SessionFailed { code, .. }
            | Self::Aws { code, .. } => Some(code),
            Self::Preflight { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
        }
    }
}

/// A shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
