//! The tasks a root session can run, one type each, with typed input and output.
//!
//! A task declares its task policy and calls only the actions that policy allows. It runs once
//! per root session and may run again in a fresh session after an expiry or a transient error,
//! so every task re-reads before it changes anything.

use std::future::Future;

use crate::account::Account;
use crate::outcome::{Detail, Mode, Reason, Status, Step, TaskName};
use crate::plan::Plan;
use crate::policy::TaskPolicy;
use crate::session::RootSession;
use crate::steps::StepLog;

mod audit;
mod create_password;
mod delete;
#[cfg(any(feature = "s3", feature = "sqs"))]
mod unlock;
#[cfg(feature = "s3")]
mod unlock_s3;
#[cfg(feature = "sqs")]
mod unlock_sqs;

pub use audit::{AuditRootCredentials, AuditState};
pub use create_password::{CreatePasswordState, CreateRootPassword};
pub use delete::{DeleteRootCredentials, DeleteState, RECENT_USE_DAYS};
#[cfg(any(feature = "s3", feature = "sqs"))]
pub use unlock::UnlockState;
#[cfg(feature = "s3")]
pub use unlock_s3::UnlockS3BucketPolicy;
#[cfg(feature = "sqs")]
pub use unlock_sqs::UnlockSqsQueuePolicy;

/// How one account ended, as a task judges it from its state and steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The account's status.
    pub status: Status,
    /// Why, when the status needs a reason.
    pub reason: Option<Reason>,
    /// What the task found and changed.
    pub detail: Detail,
}

/// Work done in one member account inside a root session.
pub trait Task: Send + Sync + 'static {
    /// What the task remembers about an account across root sessions.
    type State: Default + Send + 'static;

    /// The task's name in reports and on the command line.
    fn name(&self) -> TaskName;

    /// Read, plan or execute.
    fn mode(&self) -> Mode;

    /// The task policy that scopes every root session of this task.
    fn task_policy(&self) -> TaskPolicy;

    /// The reviewed plan the task executes, if any. A run then checks that the plan belongs
    /// to the caller's organization and acts only in the plan's accounts.
    fn plan(&self) -> Option<&Plan> {
        None
    }

    /// Does the work in one session, recording every call in `log`.
    ///
    /// # Cancel safety
    ///
    /// The executor drops this future when the account's deadline passes. Changes to `state`
    /// and steps recorded before that point are kept; a fresh session then calls `run` again.
    fn run<'a>(
        &'a self,
        account: &'a Account,
        session: &'a RootSession,
        state: &'a mut Self::State,
        log: &'a StepLog,
    ) -> impl Future<Output = ()> + Send + 'a;

    /// Judges the account once no more sessions will run. `completed` is false when the last
    /// session did not run to the end (its start failed or the deadline passed).
    fn finish(&self, state: Self::State, steps: &[Step], completed: bool) -> Verdict;
}
