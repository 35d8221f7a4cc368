//! Result codes.

use std::ffi::c_char;

/// The result of a call. Codes are grouped in ranges by who must act, and a code is never
/// reused for another meaning:
///
/// - 0: success.
/// - 100–199: the caller broke the API's contract (a NULL pointer, invalid UTF-8, a value out
///   of range); nothing was attempted.
/// - 200–299: the input is wrong in a way a user must correct, such as a malformed account ID
///   or an account outside the organization; no AWS write call was made.
/// - 300–399: AWS or the organization's setup stopped the run.
/// - 400–499: reading or writing a report failed.
/// - 500–599: the run was stopped on request.
/// - 900–999: the library failed.
///
/// A failure of one account is not a result code: it arrives as an outcome with the status
/// `ROOTWARD_STATUS_FAILED` or `ROOTWARD_STATUS_PARTIAL`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootwardResult {
    /// The call succeeded.
    Ok = 0,

    /// A required pointer argument was NULL.
    NullArgument = 100,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 101,
    /// An argument was out of range or does not apply to this call.
    InvalidArgument = 102,
    /// The caller's buffer is too small for the output.
    BufferTooSmall = 103,
    /// A run was started from inside an outcome callback, which the library does not allow.
    CalledFromCallback = 104,
    /// The logging subscriber was already installed in this process.
    AlreadyInitialized = 105,

    /// The input is invalid: a malformed account or OU ID, a bad region or endpoint, a report
    /// of another organization, task or mode.
    InvalidInput = 200,
    /// An account or OU named in the options is not in the organization.
    NotInOrganization = 201,

    /// The organization or the caller is not set up for root sessions; no account was tried.
    Preflight = 300,
    /// AWS kept throttling an organization-level request after every retry.
    Throttled = 301,
    /// AWS denied an organization-level request.
    AccessDenied = 302,
    /// `sts:AssumeRoot` failed in a way that stopped the run.
    SessionFailed = 303,
    /// Any other AWS error on an organization-level request.
    Aws = 304,

    /// A report could not be read or written.
    Report = 400,

    /// The run was stopped by the callback or a stop flag. Every account still has its
    /// outcome: accounts never started are `ROOTWARD_STATUS_SKIPPED` (interrupted), and a
    /// resume from the same report picks them up.
    Stopped = 500,

    /// The library panicked; the message says where. Please report it.
    Panic = 900,
    /// The library could not start its async runtime.
    Runtime = 901,
    /// The client was created in another process, before a `fork()`; create a new client in
    /// this process.
    Forked = 902,
    /// An error this version of the C ABI does not classify; the message describes it.
    Other = 999,
}

impl RootwardResult {
    /// Every code, for lookups by number.
    pub(crate) const ALL: [Self; 20] = [
        Self::Ok,
        Self::NullArgument,
        Self::InvalidUtf8,
        Self::InvalidArgument,
        Self::BufferTooSmall,
        Self::CalledFromCallback,
        Self::AlreadyInitialized,
        Self::InvalidInput,
        Self::NotInOrganization,
        Self::Preflight,
        Self::Throttled,
        Self::AccessDenied,
        Self::SessionFailed,
        Self::Aws,
        Self::Report,
        Self::Stopped,
        Self::Panic,
        Self::Runtime,
        Self::Forked,
        Self::Other,
    ];

    /// Classifies a core error.
    pub(crate) fn of(error: &rootward::Error) -> Self {
        use rootward::Error;
        match error {
            Error::InvalidInput { .. } => Self::InvalidInput,
            Error::NotInOrganization { .. } => Self::NotInOrganization,
            Error::Preflight { .. } => Self::Preflight,
            Error::Throttled { .. } => Self::Throttled,
            Error::AccessDenied { .. } => Self::AccessDenied,
            Error::SessionFailed { .. } => Self::SessionFailed,
            Error::Aws { .. } => Self::Aws,
            Error::Report { .. } => Self::Report,
            _ => Self::Other,
        }
    }
}

/// Returns the name of a result code, such as `"ROOTWARD_RESULT_PREFLIGHT"`, or
/// `"ROOTWARD_RESULT_UNKNOWN"` for a number that is no code. The string is static: never free
/// it. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn rootward_result_name(result: u32) -> *const c_char {
    let name: &'static std::ffi::CStr = match RootwardResult::ALL
        .into_iter()
        .find(|code| *code as u32 == result)
    {
        Some(code) => code.name(),
        None => c"ROOTWARD_RESULT_UNKNOWN",
    };
    name.as_ptr()
}

impl RootwardResult {
    /// The code's name as the header spells it.
    pub(crate) fn name(self) -> &'static std::ffi::CStr {
        match self {
            Self::Ok => c"ROOTWARD_RESULT_OK",
            Self::NullArgument => c"ROOTWARD_RESULT_NULL_ARGUMENT",
            Self::InvalidUtf8 => c"ROOTWARD_RESULT_INVALID_UTF8",
            Self::InvalidArgument => c"ROOTWARD_RESULT_INVALID_ARGUMENT",
            Self::BufferTooSmall => c"ROOTWARD_RESULT_BUFFER_TOO_SMALL",
            Self::CalledFromCallback => c"ROOTWARD_RESULT_CALLED_FROM_CALLBACK",
            Self::AlreadyInitialized => c"ROOTWARD_RESULT_ALREADY_INITIALIZED",
            Self::InvalidInput => c"ROOTWARD_RESULT_INVALID_INPUT",
            Self::NotInOrganization => c"ROOTWARD_RESULT_NOT_IN_ORGANIZATION",
            Self::Preflight => c"ROOTWARD_RESULT_PREFLIGHT",
            Self::Throttled => c"ROOTWARD_RESULT_THROTTLED",
            Self::AccessDenied => c"ROOTWARD_RESULT_ACCESS_DENIED",
            Self::SessionFailed => c"ROOTWARD_RESULT_SESSION_FAILED",
            Self::Aws => c"ROOTWARD_RESULT_AWS",
            Self::Report => c"ROOTWARD_RESULT_REPORT",
            Self::Stopped => c"ROOTWARD_RESULT_STOPPED",
            Self::Panic => c"ROOTWARD_RESULT_PANIC",
            Self::Runtime => c"ROOTWARD_RESULT_RUNTIME",
            Self::Forked => c"ROOTWARD_RESULT_FORKED",
            Self::Other => c"ROOTWARD_RESULT_OTHER",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_header_prefix() {
        for code in RootwardResult::ALL {
            let name = code.name().to_str().unwrap();
            assert!(name.starts_with("ROOTWARD_RESULT_"), "{name}");
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut numbers: Vec<u32> = RootwardResult::ALL
            .iter()
            .map(|code| *code as u32)
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), RootwardResult::ALL.len());
    }
}
