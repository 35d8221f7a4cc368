//! The result of one task in one account, and of the run around it.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::account::Account;
use crate::credentials::{AccountSummary, RootCredentials};

/// The final status of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A plan run found something to change; nothing was changed.
    Planned,
    /// The task completed, and for a deletion a confirming read found nothing left.
    Done,
    /// There was nothing to change.
    NothingToDo,
    /// The account was left out, for the reason in [`Outcome::reason`].
    Skipped,
    /// Nothing was achieved: the session, the reads or every change failed.
    Failed,
    /// Some steps succeeded and some failed, or the user asked to keep something.
    Partial,
}

impl Status {
    /// Returns the status as reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Done => "done",
            Self::NothingToDo => "nothing_to_do",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
            Self::Partial => "partial",
        }
    }

    /// Parses the report spelling of a status.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Planned,
            Self::Done,
            Self::NothingToDo,
            Self::Skipped,
            Self::Failed,
            Self::Partial,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The task a run performs, named like the CLI command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskName {
    /// Read the root user's credentials.
    Audit,
    /// Remove the root user's credentials.
    DeleteCredentials,
    /// Create a root login profile so that password recovery works.
    CreatePassword,
    /// Remove a bucket policy that locks everyone out.
    UnlockS3,
    /// Remove a queue policy that locks everyone out.
    UnlockSqs,
}

impl TaskName {
    /// Returns the name as reports and the CLI write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audit => "audit",
            Self::DeleteCredentials => "delete-credentials",
            Self::CreatePassword => "create-password",
            Self::UnlockS3 => "unlock-s3",
            Self::UnlockSqs => "unlock-sqs",
        }
    }

    /// Parses the report spelling of a task name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Audit,
            Self::DeleteCredentials,
            Self::CreatePassword,
            Self::UnlockS3,
            Self::UnlockSqs,
        ]
        .into_iter()
        .find(|task| task.as_str() == text)
    }
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a run may change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A read-only task, such as an audit.
    Read,
    /// Report what would change and make no write call.
    Plan,
    /// Make the changes.
    Execute,
}

impl Mode {
    /// Returns the mode as reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Plan => "plan",
            Self::Execute => "execute",
        }
    }

    /// Parses the report spelling of a mode.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Read, Self::Plan, Self::Execute]
            .into_iter()
            .find(|mode| mode.as_str() == text)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reason an account was skipped, or why its result is partial by the user's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The account ID is on the exclusion list.
    Excluded,
    /// The account sits under an excluded OU.
    ExcludedOu {
        /// The excluded OU (or root) that contains the account.
        ou: String,
    },
    /// The account is not active.
    NotActive {
        /// The account's state, such as `SUSPENDED`.
        state: String,
    },
    /// The account is the management account, which cannot be the target of a root session.
    ManagementAccount,
    /// The failure budget was used up before the account was started.
    FailureBudget {
        /// The number of failures allowed.
        limit: u32,
    },
    /// The run was interrupted before the account was started.
    Interrupted,
    /// The account no longer matches the reviewed plan, so nothing was changed.
    PlanStale {
        /// The difference from the plan.
        detail: String,
    },
    /// Access keys used recently were kept, as the user asked.
    KeptRecentKeys {
        /// The `--keep-keys-used-within` window, in days.
        days: u32,
        /// How many keys were kept.
        count: usize,
    },
}

impl Reason {
    /// Reports whether an account with this reason was left out by the selection rules, as
    /// opposed to never being reached.
    pub fn is_selection(&self) -> bool {
        matches!(
            self,
            Self::Excluded
                | Self::ExcludedOu { .. }
                | Self::NotActive { .. }
                | Self::ManagementAccount
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Excluded => f.write_str("excluded by account ID"),
            Self::ExcludedOu { ou } => write!(f, "excluded: under {ou}"),
            Self::NotActive { state } => write!(f, "not active: {state}"),
            Self::ManagementAccount => {
                f.write_str("management account: root sessions cannot target it")
            }
            Self::FailureBudget { limit } => write!(
                f,
                "not started: the failure budget of {limit} was reached; rerun with --resume"
            ),
            Self::Interrupted => {
                f.write_str("not started: the run was interrupted; rerun with --resume")
            }
            Self::PlanStale { detail } => write!(f, "plan stale: {detail}"),
            Self::KeptRecentKeys { days, count } => write!(
                f,
                "kept {count} access key(s) used within {days} days, as requested"
            ),
        }
    }
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum StepResult {
    /// The call succeeded.
    Ok,
    /// `NoSuchEntity`: the thing was already gone, which counts as success.
    AlreadyAbsent,
    /// The device was deactivated but `DeleteVirtualMFADevice` was denied, so it stays in the
    /// account, unusable. Counts as success.
    LeftInPlace,
    /// The call failed, and a later root session repeated the work.
    Retried {
        /// The AWS error code, or a transport error kind.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The call failed.
    Failed {
        /// The AWS error code, or a transport error kind.
        code: String,
        /// AWS's message.
        message: String,
    },
}

/// One API call made for an account, and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The API action, such as `DeleteAccessKey`.
    pub action: String,
    /// The resource the call acted on: an access key ID, a certificate ID or an MFA serial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The result.
    #[serde(flatten)]
    pub result: StepResult,
}

impl Step {
    /// Creates a step.
    pub fn new(action: &str, target: Option<&str>, result: StepResult) -> Self {
        Self {
            action: action.to_owned(),
            target: target.map(str::to_owned),
            result,
        }
    }

    /// Reports whether the step failed.
    pub fn is_failed(&self) -> bool {
        matches!(self.result, StepResult::Failed { .. })
    }

    /// Returns the error code of a failed step.
    pub fn error_code(&self) -> Option<&str> {
        match &self.result {
            StepResult::Failed { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The credentials a deletion removed, or in a plan would remove.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    /// The login profile (password) was deleted.
    pub login_profile: bool,
    /// Deleted access key IDs.
    pub access_keys: Vec<String>,
    /// Deleted signing certificate IDs.
    pub signing_certificates: Vec<String>,
    /// Deactivated MFA device serials.
    pub mfa_devices: Vec<String>,
    /// Virtual MFA devices that were also deleted.
    pub virtual_mfa_devices_deleted: Vec<String>,
    /// Virtual MFA devices that were deactivated but could not be deleted.
    pub virtual_mfa_devices_left: Vec<String>,
}

impl Removed {
    /// Reports whether nothing was (or would be) removed.
    pub fn is_empty(&self) -> bool {
        !self.login_profile
            && self.access_keys.is_empty()
            && self.signing_certificates.is_empty()
            && self.mfa_devices.is_empty()
    }
}

/// The task-specific part of an outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
// One detail is built per account and moved once into its report row, never held in bulk, so
// the size gap between variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Detail {
    /// No task ran (skipped accounts, or a session that never started).
    #[default]
    None,
    /// The findings of an audit.
    Audit {
        /// The root user's credentials.
        credentials: RootCredentials,
        /// `GetAccountSummary`'s flags, when that call succeeded.
        summary: Option<AccountSummary>,
    },
    /// The findings, removals and leftovers of a deletion.
    Delete {
        /// The credentials found before any change.
        found: RootCredentials,
        /// The credentials removed (or, in a plan, to be removed).
        removed: Removed,
        /// Access keys kept because they were used within the `--keep-keys-used-within` window.
        kept_access_keys: Vec<String>,
        /// Keys used within the last 30 days, flagged in plans for the reviewer.
        recently_used_access_keys: Vec<String>,
        /// The credentials the confirming read still found, when it ran.
        remaining: Option<RootCredentials>,
    },
    /// The result of making password recovery possible.
    CreatePassword {
        /// The root user already had a login profile, so nothing was created.
        existed: bool,
        /// A login profile was created (false in a plan).
        created: bool,
    },
    /// The result of unlocking a bucket or queue whose policy locks everyone out.
    UnlockPolicy {
        /// The bucket name or queue URL.
        resource: String,
        /// The policy found before any change, kept so the change can be undone by hand.
        policy: Option<String>,
        /// The policy was removed (false in a plan).
        removed: bool,
    },
}

/// Counts of credentials in an outcome: found by an audit, removed (or planned) by a deletion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CredentialCounts {
    /// Login profiles (0 or 1).
    pub login_profile: usize,
    /// Access keys.
    pub access_keys: usize,
    /// Signing certificates.
    pub signing_certificates: usize,
    /// MFA devices.
    pub mfa_devices: usize,
}

/// The outcome of one account in a run: exactly one per account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The member account.
    pub account: Account,
    /// The task.
    pub task: TaskName,
    /// Read, plan or execute.
    pub mode: Mode,
    /// The final status.
    pub status: Status,
    /// The reason the account was skipped, or why a partial result was requested.
    #[serde(default)]
    pub reason: Option<Reason>,
    /// Every API call made in the account, in order, with its result.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// The task's findings and changes.
    #[serde(default)]
    pub detail: Detail,
    /// How many root sessions were started (more than one after an expiry or a retry).
    #[serde(default)]
    pub sessions: u32,
    /// When work on the account started.
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// How long the account took, in milliseconds.
    pub elapsed_ms: u64,
}

impl Outcome {
    /// Creates the outcome of an account that was left out.
    pub fn skipped(account: Account, task: TaskName, mode: Mode, reason: Reason) -> Self {
        Self {
            account,
            task,
            mode,
            status: Status::Skipped,
            reason: Some(reason),
            steps: Vec::new(),
            detail: Detail::None,
            sessions: 0,
            started: OffsetDateTime::now_utc(),
            elapsed_ms: 0,
        }
    }

    /// Reports whether the account reached the goal the user set: done, nothing to do,
    /// planned, left out by the selection rules, or partial because the user asked to keep
    /// something.
    pub fn reached_goal(&self) -> bool {
        match self.status {
            Status::Done | Status::NothingToDo | Status::Planned => true,
            Status::Skipped => self.reason.as_ref().is_some_and(Reason::is_selection),
            Status::Partial => self.is_requested_partial(),
            Status::Failed => false,
        }
    }

    /// Reports whether the outcome is partial only because the user asked to keep keys.
    pub fn is_requested_partial(&self) -> bool {
        self.status == Status::Partial
            && matches!(self.reason, Some(Reason::KeptRecentKeys { .. }))
            && !self.steps.iter().any(Step::is_failed)
    }

    /// Reports whether the outcome counts against the failure budget.
    pub fn counts_as_failure(&self) -> bool {
        matches!(self.status, Status::Failed | Status::Partial) && !self.is_requested_partial()
    }

    /// Returns the first failed step, if any.
    pub fn first_failure(&self) -> Option<&Step> {
        self.steps.iter().find(|step| step.is_failed())
    }

    /// Formats every failure as one `action [target]: code: message` line.
    pub fn failure_messages(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter_map(|step| match &step.result {
                StepResult::Failed { code, message } => Some(match &step.target {
                    Some(target) => format!("{} {target}: {code}: {message}", step.action),
                    None => format!("{}: {code}: {message}", step.action),
                }),
                _ => None,
            })
            .collect()
    }

    /// Counts of credentials: found for an audit, removed (or planned) for a deletion.
    pub fn counts(&self) -> CredentialCounts {
        match &self.detail {
            Detail::None | Detail::UnlockPolicy { .. } => CredentialCounts::default(),
            Detail::CreatePassword { created, .. } => CredentialCounts {
                login_profile: usize::from(*created),
                ..CredentialCounts::default()
            },
            Detail::Audit { credentials, .. } => CredentialCounts {
                login_profile: usize::from(credentials.login_profile.is_some()),
                access_keys: credentials.access_keys.len(),
                signing_certificates: credentials.signing_certificates.len(),
                mfa_devices: credentials.mfa_devices.len(),
            },
            Detail::Delete { removed, .. } => CredentialCounts {
                login_profile: usize::from(removed.login_profile),
                access_keys: removed.access_keys.len(),
                signing_certificates: removed.signing_certificates.len(),
                mfa_devices: removed.mfa_devices.len(),
            },
        }
    }
}

/// Facts about a whole run, written with every report row so that each row is self-contained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// A random ID for this run.
    pub run_id: String,
    /// When the run started.
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// The ARN of the calling principal.
    pub caller_arn: String,
    /// The organization ID (`o-…`).
    pub organization_id: String,
    /// The rootward version that wrote the report.
    pub rootward_version: String,
    /// The task.
    pub task: TaskName,
    /// The ARN of the task policy that scoped every root session.
    pub task_policy_arn: String,
    /// Read, plan or execute.
    pub mode: Mode,
}

impl RunInfo {
    /// Creates the facts of a new run with a fresh run ID.
    pub fn new(
        caller_arn: impl Into<String>,
        organization_id: impl Into<String>,
        task: TaskName,
        task_policy_arn: impl Into<String>,
        mode: Mode,
    ) -> Self {
        Self {
            run_id: uuid::Uuid::new_v4().to_string(),
            started: OffsetDateTime::now_utc(),
            caller_arn: caller_arn.into(),
            organization_id: organization_id.into(),
            rootward_version: env!("CARGO_PKG_VERSION").to_owned(),
            task,
            task_policy_arn: task_policy_arn.into(),
            mode,
        }
    }
}
