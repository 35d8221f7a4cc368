//! Classification of AWS SDK errors by error code, in one place.
//!
//! Most errors of `sts:AssumeRoot` and of the IAM root calls arrive unmodeled, so rootward
//! classifies by the error code string rather than by modeled variants.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::Error;

/// The code and message of one failed AWS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwsError {
    pub(crate) code: String,
    pub(crate) message: String,
}

/// Error codes that mean "slow down": the SDK retries them, and the executor treats an account
/// that still ends with one as retryable.
pub(crate) const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "RequestLimitExceeded",
];

impl AwsError {
    /// Extracts the code and message of an SDK error.
    ///
    /// Transport failures get a descriptive code (`DispatchFailure`, `TimeoutError`), and a
    /// response without a code gets `HttpStatus<N>`.
    pub(crate) fn from_sdk<E>(error: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match error {
            SdkError::ServiceError(context) => {
                let service_error = context.err();
                let code = service_error
                    .code()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("HttpStatus{}", context.raw().status().as_u16()));
                let message = service_error.message().unwrap_or_default().to_owned();
                Self { code, message }
            }
            SdkError::TimeoutError(_) => Self {
                code: "TimeoutError".to_owned(),
                message: "the request timed out".to_owned(),
            },
            SdkError::DispatchFailure(failure) => Self {
                code: "DispatchFailure".to_owned(),
                message: describe_dispatch_failure(failure),
            },
            SdkError::ResponseError(_) => Self {
                code: "ResponseError".to_owned(),
                message: "the response could not be read".to_owned(),
            },
            SdkError::ConstructionFailure(_) => Self {
                code: "ConstructionFailure".to_owned(),
                message: "the request could not be built".to_owned(),
            },
            _ => Self {
                code: "Unknown".to_owned(),
                message: "an unknown SDK error occurred".to_owned(),
            },
        }
    }

    pub(crate) fn is_throttling(&self) -> bool {
        THROTTLING_CODES.contains(&self.code.as_str())
    }

    /// An expired root session: IAM answers `ExpiredToken`, STS `ExpiredTokenException`.
    pub(crate) fn is_expired_session(&self) -> bool {
        matches!(
            self.code.as_str(),
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired"
        )
    }

    pub(crate) fn is_no_such_entity(&self) -> bool {
        self.code == "NoSuchEntity"
    }

    pub(crate) fn is_access_denied(&self) -> bool {
        matches!(self.code.as_str(), "AccessDenied" | "AccessDeniedException")
    }

    /// Worth starting the account over: throttling that outlived the SDK's retries, a server
    /// error, a transport failure or an expired session.
    pub(crate) fn is_transient(&self) -> bool {
        self.is_throttling()
            || self.is_expired_session()
            || matches!(
                self.code.as_str(),
                "DispatchFailure"
                    | "TimeoutError"
                    | "ResponseError"
                    | "InternalFailure"
                    | "InternalError"
                    | "ServiceUnavailable"
                    | "ServiceUnavailableException"
            )
            || self.code.starts_with("HttpStatus5")
    }

    /// Converts an error of an organization-level call into the public error.
    pub(crate) fn into_error(self, operation: &'static str) -> Error {
        if self.is_throttling() {
            Error::Throttled {
                operation,
                code: self.code,
            }
        } else if self.is_access_denied() {
            Error::AccessDenied {
                operation,
                code: self.code,
                message: self.message,
            }
        } else {
            Error::Aws {
                operation,
                code: self.code,
                message: self.message,
            }
        }
    }
}

fn describe_dispatch_failure(
    failure: &aws_smithy_runtime_api::client::result::DispatchFailure,
) -> String {
    let kind = if failure.is_io() {
        "an I/O error"
    } else if failure.is_timeout() {
        "a timeout"
    } else if failure.is_user() {
        "an invalid request"
    } else {
        "a connection error"
    };
    let detail = failure
        .as_connector_error()
        .and_then(|error| std::error::Error::source(error))
        .map(|source| format!(": {source}"))
        .unwrap_or_default();
    format!(
        "the request could not be sent ({kind}{detail}); check the network and the endpoint URL"
    )
}
