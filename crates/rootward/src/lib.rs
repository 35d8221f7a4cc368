//! rootward: audit and remove AWS member-account root credentials across an organization.
//!
//! AWS Organizations can manage member-account root users centrally. Once the feature is on,
//! the management account (or the delegated administrator for IAM) starts short
//! `sts:AssumeRoot` sessions, each scoped by one AWS managed *task policy*. Such a session can
//! read or delete a member's root password, access keys, signing certificates and MFA devices. rootward does
//! that for hundreds or thousands of accounts at once and reports an exact outcome for each.
//!
//! # The model
//!
//! ```text
//! AccountSource ──accounts──▶ SelectionRules ──Target──▶ Executor ──Outcome──▶ Report
//!                                                          │
//!                                    per account: AssumeRoot(TaskPolicy) → RootSession
//!                                                 → Task::run(session) → Verdict
//! ```
//!
//! - [`TaskPolicy`] is the closed set of the five root task policies; its ARN follows the
//!   region's [`Partition`].
//! - An [`AccountFilter`] names the accounts and OUs to include and exclude. It is checked
//!   against the organization ([`AccountFilter::resolve`]) before any root session starts, and
//!   yields a [`Selection`]: an [`AccountSource`] and the [`SelectionRules`] that skip excluded,
//!   inactive and management accounts with a reason.
//! - A [`RootSession`] holds the session's credentials in memory only (its `Debug` is
//!   redacted) and IAM clients built from them, which address the root user by leaving out
//!   `UserName`.
//! - A [`Task`] ([`AuditRootCredentials`], [`DeleteRootCredentials`]) declares its task policy
//!   and calls only what that policy allows. It records every call as a [`Step`].
//! - The [`Executor`] runs a task over a stream of targets with bounded concurrency, starts a
//!   fresh session when one expires or a call keeps failing transiently, and stops starting
//!   accounts when the failure budget is spent. Each account yields exactly one [`Outcome`].
//! - [`start`] ties it together for the fronts: [`preflight()`], selection, resume from a
//!   previous report, the executor, and a [`ReportWriter`] that writes each outcome as it
//!   arrives.
//!
//! # Example
//!
//! ```no_run
//! use rootward::{AccountFilter, AwsOptions, Clients, DeleteRootCredentials, RunOptions};
//!
//! # async fn example() -> rootward::Result<()> {
//! let clients = Clients::load(&AwsOptions::default()).await?;
//! let options = RunOptions {
//!     filter: AccountFilter::new().exclude_accounts(["123456789012".parse()?]),
//!     report: Some("delete.jsonl".into()),
//!     ..RunOptions::default()
//! };
//! let mut run = rootward::start(clients, DeleteRootCredentials::plan(), options).await?;
//! while let Some(outcome) = run.next().await {
//!     let outcome = outcome?;
//!     println!("{} {}", outcome.account.id, outcome.status);
//! }
//! assert!(run.summary().all_reached());
//! # Ok(())
//! # }
//! ```
//!
//! # Design notes
//!
//! - Per-request retries with jittered backoff are the SDK's standard retry; the executor adds
//!   only what the SDK cannot know: accounts in flight, a fresh session after an expiry, a
//!   per-account deadline inside the session lifetime and the failure budget.
//! - The SDK's per-request backoff cannot know that every request of a run shares the
//!   organization's API quotas. So one send rate covers all clients and root sessions: once AWS
//!   throttles, every request is paced just below the rate AWS accepted, and
//!   [`AwsOptions::max_rps`] caps it for quotas that other automation shares.
//! - A reviewed [`Plan`] (written by [`RunOptions::plan_out`]) makes an execution remove
//!   exactly what the plan lists; an account that changed since is left untouched.
//! - Most `AssumeRoot` and IAM root errors arrive unmodeled, so errors are classified by code
//!   in one place. `NoSuchEntity` on a get or delete means "already absent".
//! - An account whose session or reads failed is never reported as cleaned: a deletion ends
//!   `done` only after a confirming read finds nothing left.
//! - The library installs no tracing subscriber. Fronts that do must apply
//!   [`log_guard::is_safe`], because the SDK logs root session tokens at `trace` level.
//! - S3 and SQS clients are behind the `s3` and `sqs` cargo features, so the default build
//!   compiles neither SDK crate.

pub mod account;
mod aws_error;
pub mod clients;
pub mod credentials;
pub mod error;
pub mod executor;
pub mod log_guard;
pub mod org;
pub mod organization;
pub mod outcome;
pub mod partition;
pub mod plan;
pub mod policy;
pub mod preflight;
mod rate_limit;
pub mod report;
mod root_user;
pub mod run;
pub mod selection;
pub mod session;
pub mod steps;
pub mod tasks;

pub use account::{Account, AccountId, AccountState, OuId};
pub use clients::{AwsOptions, Clients};
pub use credentials::{
    AccessKey, AccountSummary, KeyLastUse, LoginProfile, MfaDevice, MfaKind, RootCredentials,
    SigningCertificate,
};
pub use error::{Error, Result};
pub use executor::{Executor, StopHandle};
pub use organization::OrganizationInfo;
pub use outcome::{
    CredentialCounts, Detail, Mode, Outcome, Reason, Removed, RunInfo, Status, Step, StepResult,
    TaskName,
};
pub use partition::{validate_region, Partition, DEFAULT_REGION};
pub use plan::{CredentialIds, Plan, PlanWriter, PlannedAccount};
pub use policy::{caller_policy, scp_statement, TaskPolicy};
pub use preflight::{preflight, Context};
pub use report::{CsvRow, PreviousReport, PreviousRow, ReportFormat, ReportRecord, ReportWriter};
pub use run::{start, Run, RunOptions, Summary};
pub use selection::{AccountFilter, AccountSource, Selection, SelectionRules, Target};
pub use session::{RootSession, SessionFactory};
pub use steps::StepLog;
#[cfg(feature = "s3")]
pub use tasks::UnlockS3BucketPolicy;
#[cfg(feature = "sqs")]
pub use tasks::UnlockSqsQueuePolicy;
pub use tasks::{AuditRootCredentials, CreateRootPassword, DeleteRootCredentials, Task, Verdict};
