//! `DeleteRootCredentials`: remove the root user's password, access keys, signing certificates
//! and MFA devices.

use std::collections::HashSet;

use futures::future::join_all;
use time::{Duration, OffsetDateTime};

use crate::account::Account;
use crate::credentials::{MfaKind, RootCredentials};
use crate::outcome::{Detail, Mode, Reason, Removed, Status, Step, StepResult, TaskName};
use crate::policy::TaskPolicy;
use crate::root_user::RootUser;
use crate::session::RootSession;
use crate::steps::StepLog;
use crate::tasks::{Task, Verdict};

/// Access keys used within this many days are flagged in a plan for the reviewer.
pub const RECENT_USE_DAYS: u32 = 30;

/// The name of the check that a confirming read found nothing left.
const CONFIRM_STEP: &str = "ConfirmRemoval";

/// Removes every root credential in one `IAMDeleteRootUserCredentials` session per account.
///
/// The four reads run concurrently. Then, all at once, the login profile, access keys and
/// signing certificates are deleted and every MFA device is deactivated (virtual devices are
/// then deleted too). Finally a confirming read checks that nothing is left before the account
/// is reported `done`. In [`Mode::Plan`] it makes no write call and reports what it
/// would remove.
#[derive(Debug, Clone, Copy)]
pub struct DeleteRootCredentials {
    mode: Mode,
    keep_keys_used_within_days: Option<u32>,
}

impl DeleteRootCredentials {
    /// Creates a plan: read only, report what would be removed.
    pub fn plan() -> Self {
        Self {
            mode: Mode::Plan,
            keep_keys_used_within_days: None,
        }
    }

    /// Creates a deletion that makes the changes.
    pub fn execute() -> Self {
        Self {
            mode: Mode::Execute,
            keep_keys_used_within_days: None,
        }
    }

    /// Keeps access keys used within the last `days` days; such accounts end `partial`, which
    /// counts as reaching the goal.
    pub fn keep_keys_used_within(mut self, days: u32) -> Self {
        self.keep_keys_used_within_days = Some(days);
        self
    }
}

/// A deletion's knowledge of an account so far, kept across root sessions.
#[derive(Debug, Default)]
pub struct DeleteState {
    found: Option<RootCredentials>,
    kept_access_keys: Vec<String>,
    recently_used_access_keys: Vec<String>,
    remaining: Option<RootCredentials>,
}

fn used_within(days: u32, now: OffsetDateTime) -> OffsetDateTime {
    now - Duration::days(i64::from(days))
}

/// Adds the credentials in `seen` to `found`, so a later session's reads complete an earlier one's.
fn merge_found(found: &mut RootCredentials, seen: &RootCredentials) {
    if found.login_profile.is_none() {
        found.login_profile.clone_from(&seen.login_profile);
    }
    for key in &seen.access_keys {
        match found
            .access_keys
            .iter_mut()
            .find(|known| known.id == key.id)
        {
            Some(known) if known.last_used.is_none() => known.last_used.clone_from(&key.last_used),
            Some(_) => {}
            None => found.access_keys.push(key.clone()),
        }
    }
    for certificate in &seen.signing_certificates {
        if !found
            .signing_certificates
            .iter()
            .any(|known| known.id == certificate.id)
        {
            found.signing_certificates.push(certificate.clone());
        }
    }
    for device in &seen.mfa_devices {
        if !found
            .mfa_devices
            .iter()
            .any(|known| known.serial == device.serial)
        {
            found.mfa_devices.push(device.clone());
        }
    }
}

/// Works out what was removed from the successful change steps of every session.
fn removed_from_steps(steps: &[Step]) -> Removed {
    let mut removed = Removed::default();
    let mut settled_virtual = HashSet::new();
    for step in steps {
        let target = step.target.clone().unwrap_or_default();
        match (&step.result, step.action.as_str()) {
            (StepResult::Ok, "DeleteLoginProfile") => removed.login_profile = true,
            (StepResult::Ok, "DeleteAccessKey") => removed.access_keys.push(target),
            (StepResult::Ok, "DeleteSigningCertificate") => {
                removed.signing_certificates.push(target)
            }
            (StepResult::Ok, "DeactivateMFADevice") => removed.mfa_devices.push(target),
            (StepResult::Ok | StepResult::AlreadyAbsent, "DeleteVirtualMFADevice") => {
                settled_virtual.insert(target.clone());
                removed.virtual_mfa_devices_deleted.push(target);
            }
            (StepResult::LeftInPlace, "DeleteVirtualMFADevice") => {
                settled_virtual.insert(target.clone());
                removed.virtual_mfa_devices_left.push(target);
            }
            _ => {}
        }
    }
    // A virtual device deactivated in a session that then expired no longer shows in
    // ListMFADevices, so a later session cannot delete it: it stays, unusable.
    for serial in &removed.mfa_devices {
        if MfaKind::from_serial(serial) == MfaKind::Virtual && !settled_virtual.contains(serial) {
            removed.virtual_mfa_devices_left.push(serial.clone());
        }
    }
    removed
}

/// Lists the credentials a plan would remove: everything found except the kept keys.
fn planned_removal(found: &RootCredentials, kept: &[String]) -> Removed {
    let virtual_devices = found
        .mfa_devices
        .iter()
        .filter(|device| device.kind == MfaKind::Virtual)
        .map(|device| device.serial.clone())
        .collect();
    Removed {
        login_profile: found.login_profile.is_some(),
        access_keys: found
            .access_keys
            .iter()
            .filter(|key| !kept.contains(&key.id))
            .map(|key| key.id.clone())
            .collect(),
        signing_certificates: found
            .signing_certificates
            .iter()
            .map(|certificate| certificate.id.clone())
            .collect(),
        mfa_devices: found
            .mfa_devices
            .iter()
            .map(|device| device.serial.clone())
            .collect(),
        virtual_mfa_devices_deleted: virtual_devices,
        virtual_mfa_devices_left: Vec::new(),
    }
}

/// Describes what a confirming read still found, ignoring the kept keys.
fn describe_leftovers(remaining: &RootCredentials, kept: &[String]) -> Option<String> {
    let mut parts = Vec::new();
    if remaining.login_profile.is_some() {
        parts.push("a password".to_owned());
    }
    let keys: Vec<&str> = remaining
        .access_keys
        .iter()
        .filter(|key| !kept.contains(&key.id))
        .map(|key| key.id.as_str())
        .collect();
    if !keys.is_empty() {
        parts.push(format!("access keys {}", keys.join(", ")));
    }
    if !remaining.signing_certificates.is_empty() {
        let ids: Vec<&str> = remaining
            .signing_certificates
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        parts.push(format!("signing certificates {}", ids.join(", ")));
    }
    if !remaining.mfa_devices.is_empty() {
        let serials: Vec<&str> = remaining
            .mfa_devices
            .iter()
            .map(|d| d.serial.as_str())
            .collect();
        parts.push(format!("MFA devices {}", serials.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

impl DeleteRootCredentials {
    /// Makes every change concurrently: one chain per credential.
    async fn remove(&self, user: &RootUser<'_>, found: &RootCredentials, kept: &[String]) {
        let login_profile = async {
            if found.login_profile.is_some() {
                user.delete_login_profile().await;
            }
        };
        let keys = join_all(
            found
                .access_keys
                .iter()
                .filter(|key| !kept.contains(&key.id))
                .map(|key| user.delete_access_key(&key.id)),
        );
        let certificates = join_all(
            found
                .signing_certificates
                .iter()
                .map(|certificate| user.delete_signing_certificate(&certificate.id)),
        );
        let devices = join_all(found.mfa_devices.iter().map(|device| async move {
            let deactivated = user.deactivate_mfa_device(&device.serial).await;
            let gone = deactivated == crate::root_user::Change::Applied
                || deactivated == crate::root_user::Change::AlreadyAbsent;
            if gone && device.kind == MfaKind::Virtual {
                user.delete_virtual_mfa_device(&device.serial).await;
            }
        }));
        futures::join!(login_profile, keys, certificates, devices);
    }
}

impl Task for DeleteRootCredentials {
    type State = DeleteState;

    fn name(&self) -> TaskName {
        TaskName::DeleteCredentials
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn task_policy(&self) -> TaskPolicy {
        TaskPolicy::IamDeleteRootUserCredentials
    }

    async fn run<'a>(
        &'a self,
        _account: &'a Account,
        session: &'a RootSession,
        state: &'a mut DeleteState,
        log: &'a StepLog,
    ) {
        let user = RootUser::new(session.iam(), log);
        let needs_last_use = self.mode == Mode::Plan || self.keep_keys_used_within_days.is_some();
        let reads = user.read_credentials(needs_last_use).await;
        let current = reads.credentials;
        merge_found(
            state.found.get_or_insert_with(RootCredentials::default),
            &current,
        );

        let now = OffsetDateTime::now_utc();
        let recent = used_within(RECENT_USE_DAYS, now);
        state.recently_used_access_keys = current
            .access_keys
            .iter()
            .filter(|key| key.used_since(recent))
            .map(|key| key.id.clone())
            .collect();
        state.kept_access_keys = match self.keep_keys_used_within_days {
            Some(days) => current
                .access_keys
                .iter()
                .filter(|key| key.used_since(used_within(days, now)))
                .map(|key| key.id.clone())
                .collect(),
            None => Vec::new(),
        };
        if self.mode != Mode::Execute {
            return;
        }

        self.remove(&user, &current, &state.kept_access_keys).await;

        let confirm = user.read_credentials(false).await;
        if confirm.complete {
            if let Some(leftovers) =
                describe_leftovers(&confirm.credentials, &state.kept_access_keys)
            {
                log.record(Step::new(
                    CONFIRM_STEP,
                    None,
                    StepResult::Failed {
                        code: "CredentialsRemain".to_owned(),
                        message: format!("the confirming read still found {leftovers}"),
                    },
                ));
            }
        }
        state.remaining = Some(confirm.credentials);
    }

    fn finish(&self, state: DeleteState, steps: &[Step], completed: bool) -> Verdict {
        let failed = !completed || steps.iter().any(Step::is_failed);
        let found = state.found.clone().unwrap_or_default();
        let kept = state.kept_access_keys.clone();

        let (status, removed) = if self.mode == Mode::Plan {
            let removed = planned_removal(&found, &kept);
            let status = if failed || state.found.is_none() {
                Status::Failed
            } else if removed.is_empty() {
                Status::NothingToDo
            } else {
                Status::Planned
            };
            (status, removed)
        } else {
            let removed = removed_from_steps(steps);
            let wrote = !removed.is_empty() || !removed.virtual_mfa_devices_deleted.is_empty();
            let status = if failed {
                if wrote {
                    Status::Partial
                } else {
                    Status::Failed
                }
            } else if !kept.is_empty() {
                Status::Partial
            } else if wrote || !found.is_empty() {
                Status::Done
            } else {
                Status::NothingToDo
            };
            (status, removed)
        };

        let reason = (!kept.is_empty() && !failed).then(|| Reason::KeptRecentKeys {
            days: self.keep_keys_used_within_days.unwrap_or_default(),
            count: kept.len(),
        });
        let detail = if state.found.is_some() {
            Detail::Delete {
                found,
                removed,
                kept_access_keys: kept,
                recently_used_access_keys: state.recently_used_access_keys,
                remaining: state.remaining,
            }
        } else {
            Detail::None
        };
        Verdict {
            status,
            reason,
            detail,
        }
    }
}
