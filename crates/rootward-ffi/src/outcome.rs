//! `rootward_outcome`: the result of one account, as a callback receives it.

use std::ffi::{c_char, c_void, CString};

use rootward::{Outcome, Status, StepResult};

use crate::strings::c_string;

/// The final status of one account.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootwardStatus {
    /// A plan found something to change; nothing was changed.
    Planned = 1,
    /// The task completed; for a deletion, a confirming read found nothing left.
    Done = 2,
    /// There was nothing to change.
    NothingToDo = 3,
    /// The account was left out or not started; `reason` gives the cause.
    Skipped = 4,
    /// Nothing was achieved; `error_step` and `error_code` name what failed.
    Failed = 5,
    /// Some steps succeeded and some failed, or the caller asked to keep something.
    Partial = 6,
}

impl From<Status> for RootwardStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Planned => Self::Planned,
            Status::Done => Self::Done,
            Status::NothingToDo => Self::NothingToDo,
            Status::Skipped => Self::Skipped,
            Status::Failed => Self::Failed,
            Status::Partial => Self::Partial,
        }
    }
}

/// Counts of root credentials: found by an audit, removed (or in a plan, to be removed) by a
/// deletion.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct RootwardCredentialCounts {
    /// Login profiles (passwords): 0 or 1.
    pub login_profile: u32,
    /// Access keys.
    pub access_keys: u32,
    /// Signing certificates.
    pub signing_certificates: u32,
    /// MFA devices.
    pub mfa_devices: u32,
}

/// The outcome of one task in one member account, exactly one per account in a run.
///
/// Ownership: the library owns the outcome and every string in it. They are valid only during
/// the callback that receives them; copy what you need to keep.
///
/// Strings are NUL-terminated UTF-8. A field documented as "or NULL" is NULL when it does not
/// apply. Later versions only append fields at the end of this struct.
#[repr(C)]
#[derive(Debug)]
pub struct RootwardOutcome {
    /// The member account ID, 12 digits.
    pub account_id: *const c_char,
    /// The account name; empty when Organizations gave none.
    pub account_name: *const c_char,
    /// The task, named like the CLI command: "audit", "delete-credentials" …
    pub task: *const c_char,
    /// "read" for an audit, else "plan" or "execute".
    pub mode: *const c_char,
    /// The final status.
    pub status: RootwardStatus,
    /// The status as reports write it: "planned", "done", "nothing_to_do", "skipped",
    /// "failed" or "partial".
    pub status_name: *const c_char,
    /// Whether the account reached the goal the caller set (done, nothing to do, planned, left
    /// out by the selection rules, or partial because keys were kept on request).
    pub reached_goal: bool,
    /// The reason the account was skipped or is partial by request, as a sentence; or NULL.
    pub reason: *const c_char,
    /// Credentials found (audit) or removed (deletion).
    pub counts: RootwardCredentialCounts,
    /// The API action of the first failed step, such as "DeleteAccessKey"; or NULL.
    pub error_step: *const c_char,
    /// The AWS error code of the first failed step, such as "AccessDenied"; or NULL.
    pub error_code: *const c_char,
    /// Every failed step, one "action [target]: code: message" line each; or NULL.
    pub error_message: *const c_char,
    /// Root sessions started for the account.
    pub sessions: u32,
    /// How long the account took, in milliseconds.
    pub elapsed_ms: u64,
    /// The whole outcome as one line of JSON: `account`, `task`, `mode`, `status`, `reason`,
    /// `steps`, `detail`, `sessions`, `started` and `elapsed_ms`. A report line contains the
    /// same facts in another layout, together with the run's.
    pub json: *const c_char,
}

/// Receives each outcome as its account finishes, on the thread that started the run.
///
/// `userdata` is the pointer given to the run function. Return 0 to go on; any other value
/// stops the run (no new account starts, and the accounts not started arrive as skipped). The
/// callback must return normally: unwinding or `longjmp` out of it is undefined behavior.
pub type RootwardOutcomeCallback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, outcome: *const RootwardOutcome) -> i32>;

/// An outcome with the strings its pointers refer to.
pub(crate) struct OwnedOutcome {
    view: RootwardOutcome,
    _strings: Vec<CString>,
}

impl OwnedOutcome {
    pub(crate) fn new(outcome: &Outcome) -> Self {
        let mut strings = Vec::new();
        let mut keep = |text: &str| -> *const c_char {
            let owned = c_string(text);
            // The heap buffer of a CString does not move when the CString itself moves into
            // the vector, so the pointer stays valid while `strings` lives.
            let pointer = owned.as_ptr();
            strings.push(owned);
            pointer
        };

        let first_failure = outcome.first_failure();
        let failures = outcome.failure_messages();
        let error_message = if failures.is_empty() {
            std::ptr::null()
        } else {
            keep(&failures.join("\n"))
        };
        let json = serde_json::to_string(outcome)
            .unwrap_or_else(|error| format!("{{\"error\":\"could not serialize: {error}\"}}"));
        let counts = outcome.counts();
        let count = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);

        let view = RootwardOutcome {
            account_id: keep(outcome.account.id.as_str()),
            account_name: keep(&outcome.account.name),
            task: keep(outcome.task.as_str()),
            mode: keep(outcome.mode.as_str()),
            status: outcome.status.into(),
            status_name: keep(outcome.status.as_str()),
            reached_goal: outcome.reached_goal(),
            reason: match &outcome.reason {
                Some(reason) => keep(&reason.to_string()),
                None => std::ptr::null(),
            },
            counts: RootwardCredentialCounts {
                login_profile: count(counts.login_profile),
                access_keys: count(counts.access_keys),
                signing_certificates: count(counts.signing_certificates),
                mfa_devices: count(counts.mfa_devices),
            },
            error_step: match first_failure {
                Some(step) => keep(&step.action),
                None => std::ptr::null(),
            },
            error_code: match first_failure.map(|step| &step.result) {
                Some(StepResult::Failed { code, .. }) => keep(code),
                _ => std::ptr::null(),
            },
            error_message,
            sessions: outcome.sessions,
            elapsed_ms: outcome.elapsed_ms,
            json: keep(&json),
        };
        Self {
            view,
            _strings: strings,
        }
    }

    pub(crate) fn as_ptr(&self) -> *const RootwardOutcome {
        &self.view
    }
}
