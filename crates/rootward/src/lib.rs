//! rootward: audit and remove AWS member-account root credentials across an organization.
//! (The full crate documentation is written once the modules settle.)

pub mod account;
mod aws_error;
pub mod clients;
pub mod credentials;
pub mod error;
pub mod executor;
pub mod log_guard;
pub mod organization;
pub mod outcome;
pub mod partition;
pub mod policy;
pub mod preflight;
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
pub use policy::TaskPolicy;
pub use preflight::{preflight, Context};
pub use report::{CsvRow, PreviousReport, PreviousRow, ReportFormat, ReportRecord, ReportWriter};
pub use run::{start, Run, RunOptions, Summary};
pub use selection::{AccountFilter, AccountSource, Selection, SelectionRules, Target};
pub use session::{RootSession, SessionFactory};
pub use steps::StepLog;
pub use tasks::{AuditRootCredentials, DeleteRootCredentials, Task, Verdict};
