//! The boundary every exported function goes through: result codes, the last error message,
//! and panics caught before they reach C.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::last_error;
use crate::result::RootwardResult;

/// A failed call: its code and its message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: RootwardResult,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: RootwardResult, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn null(argument: &str) -> Self {
        Self::new(
            RootwardResult::NullArgument,
            format!("{argument} is NULL; pass a valid pointer"),
        )
    }

    pub(crate) fn invalid_utf8(argument: &str) -> Self {
        Self::new(
            RootwardResult::InvalidUtf8,
            format!("{argument} is not valid UTF-8"),
        )
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(RootwardResult::InvalidArgument, message)
    }

    /// Classifies a core error, with its whole chain as the message.
    pub(crate) fn core(error: &rootward::Error) -> Self {
        Self::new(RootwardResult::of(error), error_chain(error))
    }
}

/// Formats an error with its sources, which `Display` leaves out.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Runs the body of an exported function: clears the thread's last error, catches a panic,
/// and stores the message of a failure.
pub(crate) fn call(function: &str, body: impl FnOnce() -> Result<(), Failure>) -> RootwardResult {
    last_error::clear();
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return RootwardResult::Ok,
        Ok(Err(failure)) => failure,
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            Failure::new(
                RootwardResult::Panic,
                format!("internal error: rootward panicked ({detail}); please report this"),
            )
        }
    };
    last_error::set(&format!("{function}: {}", failure.message));
    failure.code
}

/// Writes `value` through an output pointer that [`call`]'s caller checked for NULL.
///
/// # Safety
///
/// `out` must be valid for writes.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: forwarded from the caller.
    unsafe { out.write(value) }
}
