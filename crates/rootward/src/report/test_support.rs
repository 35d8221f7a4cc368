//! Runs and outcomes for the report tests.

use time::macros::datetime;

use crate::account::{Account, AccountState};
use crate::credentials::{AccessKey, KeyLastUse, MfaDevice, MfaKind, RootCredentials};
use crate::outcome::{
    Detail, Mode, Outcome, Reason, Removed, RunInfo, Status, Step, StepResult, TaskName,
};

/// Builds a run of `task` in `mode` in organization `o-aaa`.
pub(super) fn run(task: TaskName, mode: Mode) -> RunInfo {
    RunInfo {
        run_id: "8b4f3c1e-0000-4000-8000-000000000001".to_owned(),
        started: datetime!(2025-03-01 09:30:00.123456789 UTC),
        caller_arn: "arn:aws:iam::111111111111:role/Admin".to_owned(),
        organization_id: "o-aaa".to_owned(),
        rootward_version: "0.1.0".to_owned(),
        task,
        task_policy_arn: "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
            .to_owned(),
        mode,
    }
}

/// Builds an outcome of `run`'s task for `account_id` with `status` and no steps.
pub(super) fn outcome(run: &RunInfo, account_id: &str, status: Status) -> Outcome {
    Outcome {
        account: Account::active(account_id.parse().unwrap(), "Production"),
        task: run.task,
        mode: run.mode,
        status,
        reason: None,
        steps: Vec::new(),
        detail: Detail::None,
        sessions: 1,
        started: datetime!(2025-03-01 09:31:02.5 UTC),
        elapsed_ms: 1234,
    }
}

/// Builds a deletion that kept one recently used key, as the user asked, with every step kind.
pub(super) fn requested_partial(run: &RunInfo, account_id: &str) -> Outcome {
    let mut outcome = outcome(run, account_id, Status::Partial);
    outcome.reason = Some(Reason::KeptRecentKeys { days: 30, count: 1 });
    outcome.steps = vec![
        Step::new("DeleteLoginProfile", None, StepResult::Ok),
        Step::new(
            "DeleteAccessKey",
            Some("AKIAOLD"),
            StepResult::AlreadyAbsent,
        ),
        Step::new(
            "DeleteVirtualMFADevice",
            Some("arn:aws:iam::222222222222:mfa/root"),
            StepResult::LeftInPlace,
        ),
        Step::new(
            "DeleteSigningCertificate",
            Some("CERT1"),
            StepResult::Retried {
                code: "ExpiredToken".to_owned(),
                message: "The security token included in the request is expired".to_owned(),
            },
        ),
    ];
    let key = AccessKey {
        id: "AKIARECENT".to_owned(),
        status: "Active".to_owned(),
        created: Some(datetime!(2020-01-01 0:00 UTC)),
        last_used: Some(KeyLastUse {
            date: Some(datetime!(2025-02-27 12:00 UTC)),
            service: "s3".to_owned(),
            region: "us-east-1".to_owned(),
        }),
    };
    let serial = "arn:aws:iam::222222222222:mfa/root".to_owned();
    outcome.detail = Detail::Delete {
        found: RootCredentials {
            login_profile: None,
            access_keys: vec![key],
            signing_certificates: Vec::new(),
            mfa_devices: vec![MfaDevice {
                serial: serial.clone(),
                kind: MfaKind::Virtual,
                enabled: None,
            }],
        },
        removed: Removed {
            login_profile: true,
            mfa_devices: vec![serial.clone()],
            virtual_mfa_devices_left: vec![serial],
            ..Removed::default()
        },
        kept_access_keys: vec!["AKIARECENT".to_owned()],
        recently_used_access_keys: vec!["AKIARECENT".to_owned()],
        remaining: None,
    };
    outcome
}

/// Builds a failed deletion with two failed steps and an account state unknown to rootward.
pub(super) fn failed(run: &RunInfo, account_id: &str) -> Outcome {
    let mut outcome = outcome(run, account_id, Status::Failed);
    outcome.account.name = "=HYPERLINK(\"http://x\",\"click\"), a\nb".to_owned();
    outcome.account.state = AccountState::Other("FROZEN".to_owned());
    outcome.steps = vec![
        Step::new(
            "DeleteAccessKey",
            Some("AKIA1"),
            StepResult::Failed {
                code: "AccessDenied".to_owned(),
                message: "-not allowed, \"really\"".to_owned(),
            },
        ),
        Step::new(
            "DeleteLoginProfile",
            None,
            StepResult::Failed {
                code: "Throttling".to_owned(),
                message: "Rate exceeded".to_owned(),
            },
        ),
    ];
    outcome
}
