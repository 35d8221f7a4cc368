//! rootward: audit and remove AWS member-account root credentials across an organization.
//! (The full crate documentation is written once the modules settle.)

pub mod account;
mod aws_error;
pub mod credentials;
pub mod error;
pub mod outcome;
pub mod partition;
pub mod policy;
pub mod report;

pub use account::{Account, AccountId, AccountState, OuId};
pub use credentials::{
    AccessKey, AccountSummary, KeyLastUse, LoginProfile, MfaDevice, MfaKind, RootCredentials,
    SigningCertificate,
};
pub use error::{Error, Result};
pub use outcome::{
    CredentialCounts, Detail, Mode, Outcome, Reason, Removed, RunInfo, Status, Step, StepResult,
    TaskName,
};
pub use partition::{validate_region, Partition, DEFAULT_REGION};
pub use policy::TaskPolicy;
