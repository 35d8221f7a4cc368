//! `DeleteRootCredentials`: remove the root user's password, access keys, signing certificates
//! and MFA devices.

use std::collections::HashSet;
use std::sync::Arc;

use futures::future::join_all;
use time::{Duration, OffsetDateTime};

use crate::account::Account;
use crate::credentials::{MfaKind, RootCredentials};
use crate::outcome::{Detail, Mode, Reason, Removed, Status, Step, StepResult, TaskName};
use crate::plan::{CredentialIds, Plan};
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
///
/// Built with [`execute_plan`](Self::execute_plan), it removes only what a reviewed [`Plan`]
/// lists, and leaves an account untouched (`skipped`, plan stale) when its credentials differ
/// from what the plan found.
#[derive(Debug, Clone)]
pub struct DeleteRootCredentials {
    mode: Mode,
    keep_keys_used_within_days: Option<u32>,
    plan: Option<Arc<Plan>>,
}

impl DeleteRootCredentials {
    /// Creates a plan: read only, report what would be removed.
    pub fn plan() -> Self {
        Self {
            mode: Mode::Plan,
            keep_keys_used_within_days: None,
            plan: None,
        }
    }

    /// Creates a deletion that makes the changes.
    pub fn execute() -> Self {
        Self {
            mode: Mode::Execute,
            keep_keys_used_within_days: None,
            plan: None,
        }
    }

    /// Creates a deletion of exactly what `plan` lists, in the plan's accounts only.
    ///
    /// An account whose credentials differ from what the plan run found is left untouched and
    /// ends `skipped` with [`Reason::PlanStale`]. Access keys the plan kept stay, and the
    /// account ends `partial` as requested.
    pub fn execute_plan(plan: Plan) -> Self {
        Self {
            mode: Mode::Execute,
            keep_keys_used_within_days: None,
            plan: Some(Arc::new(plan)),
        }
    }

    /// Keeps access keys used within the last `days` days; such accounts end `partial`, which
    /// counts as reaching the goal. A deletion that executes a plan keeps what the plan kept
    /// instead.
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
    /// The `--keep-keys-used-within` window behind `kept_access_keys`, when a plan set it.
    planned_keep_days: Option<u32>,
    /// Whether a complete read matched the plan, so later sessions may finish its removals.
    matched_plan: bool,
    /// The difference between the account and the plan, when there is one.
    stale: Option<String>,
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
    // A virtual device that no session managed to delete stays in the account, unusable.
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

/// Virtual MFA devices that an earlier session deactivated but did not delete. `ListMFADevices`
/// no longer lists them, so only the steps remember them.
fn unfinished_virtual_devices(steps: &[Step], current: &RootCredentials) -> Vec<String> {
    let mut deactivated = Vec::new();
    let mut settled = HashSet::new();
    for step in steps {
        let Some(serial) = &step.target else {
            continue;
        };
        match (step.action.as_str(), &step.result) {
            ("DeactivateMFADevice", StepResult::Ok | StepResult::AlreadyAbsent)
                if MfaKind::from_serial(serial) == MfaKind::Virtual =>
            {
                deactivated.push(serial.clone());
            }
            (
                "DeleteVirtualMFADevice",
                StepResult::Ok | StepResult::AlreadyAbsent | StepResult::LeftInPlace,
            ) => {
                settled.insert(serial.clone());
            }
            _ => {}
        }
    }
    deactivated.sort();
    deactivated.dedup();
    deactivated.retain(|serial| {
        !settled.contains(serial) && !current.mfa_devices.iter().any(|d| &d.serial == serial)
    });
    deactivated
}

/// Keeps only the credentials that `planned` lists.
fn only_planned(credentials: &RootCredentials, planned: &CredentialIds) -> RootCredentials {
    RootCredentials {
        login_profile: credentials
            .login_profile
            .clone()
            .filter(|_| planned.login_profile),
        access_keys: credentials
            .access_keys
            .iter()
            .filter(|key| planned.access_keys.contains(&key.id))
            .cloned()
            .collect(),
        signing_certificates: credentials
            .signing_certificates
            .iter()
            .filter(|certificate| planned.signing_certificates.contains(&certificate.id))
            .cloned()
            .collect(),
        mfa_devices: credentials
            .mfa_devices
            .iter()
            .filter(|device| planned.mfa_devices.contains(&device.serial))
            .cloned()
            .collect(),
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
    /// Makes every change concurrently: one chain per credential, plus the deletion of virtual
    /// MFA devices that an earlier session deactivated (`unfinished`).
    async fn remove(
        &self,
        user: &RootUser<'_>,
        found: &RootCredentials,
        kept: &[String],
        unfinished: &[String],
    ) {
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
        let unfinished = join_all(
            unfinished
                .iter()
                .map(|serial| user.delete_virtual_mfa_device(serial)),
        );
        futures::join!(login_profile, keys, certificates, devices, unfinished);
    }

    /// Removes `targets` except the kept keys, then checks with a confirming read that none of
    /// `targets` is left (`planned` narrows the check to a plan's credentials).
    async fn remove_and_confirm(
        &self,
        user: &RootUser<'_>,
        log: &StepLog,
        state: &mut DeleteState,
        targets: &RootCredentials,
        planned: Option<&CredentialIds>,
    ) {
        let unfinished = unfinished_virtual_devices(&log.snapshot(), targets);
        self.remove(user, targets, &state.kept_access_keys, &unfinished)
            .await;

        let confirm = user.read_credentials(false).await;
        if confirm.complete {
            let relevant = match planned {
                Some(ids) => only_planned(&confirm.credentials, ids),
                None => confirm.credentials.clone(),
            };
            if let Some(leftovers) = describe_leftovers(&relevant, &state.kept_access_keys) {
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

    /// Executes the plan in one account: a complete read must match what the plan found
    /// before anything is removed.
    async fn run_plan(
        &self,
        plan: &Plan,
        account: &Account,
        user: &RootUser<'_>,
        state: &mut DeleteState,
        log: &StepLog,
    ) {
        let reads = user.read_credentials(false).await;
        merge_found(
            state.found.get_or_insert_with(RootCredentials::default),
            &reads.credentials,
        );
        if !reads.complete {
            // The failed read is in the log, so the executor tries a fresh session.
            return;
        }
        let Some(planned) = plan.account(&account.id) else {
            state.stale = Some("the account is not in the plan".to_owned());
            return;
        };
        // Only the first complete read is compared: a later session finds what an earlier
        // one already removed gone.
        if !state.matched_plan {
            let current = CredentialIds::of(&reads.credentials);
            if let Some(difference) = planned.found.difference(&current) {
                state.stale = Some(difference);
                return;
            }
            state.matched_plan = true;
        }
        state.kept_access_keys = planned.kept_access_keys();
        state.planned_keep_days = planned.keep_keys_used_within_days;

        let targets = only_planned(&reads.credentials, &planned.remove);
        self.remove_and_confirm(user, log, state, &targets, Some(&planned.remove))
            .await;
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

    fn plan(&self) -> Option<&Plan> {
        self.plan.as_deref()
    }

    async fn run<'a>(
        &'a self,
        account: &'a Account,
        session: &'a RootSession,
        state: &'a mut DeleteState,
        log: &'a StepLog,
    ) {
        let user = RootUser::new(session.iam(), log);
        if let Some(plan) = &self.plan {
            self.run_plan(plan, account, &user, state, log).await;
            return;
        }
        let needs_last_use = self.mode == Mode::Plan || self.keep_keys_used_within_days.is_some();
        let reads = user.read_credentials(needs_last_use).await;
        if !reads.complete && log.has_transient_failure() {
            // An expired session or a throttled read: a fresh session starts over with a full
            // picture instead of acting on a partial one.
            return;
        }
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

        self.remove_and_confirm(&user, log, state, &current, None)
            .await;
    }

    fn finish(&self, mut state: DeleteState, steps: &[Step], completed: bool) -> Verdict {
        if let Some(difference) = state.stale.take() {
            return stale_verdict(difference, state.found);
        }
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
            days: state
                .planned_keep_days
                .or(self.keep_keys_used_within_days)
                .unwrap_or_default(),
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

/// Builds the verdict on an account that differs from the plan, in which nothing was changed.
fn stale_verdict(difference: String, found: Option<RootCredentials>) -> Verdict {
    let detail = match found {
        Some(found) => Detail::Delete {
            found,
            removed: Removed::default(),
            kept_access_keys: Vec::new(),
            recently_used_access_keys: Vec::new(),
            remaining: None,
        },
        None => Detail::None,
    };
    Verdict {
        status: Status::Skipped,
        reason: Some(Reason::PlanStale { detail: difference }),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::MfaDevice;

    const VIRTUAL: &str = "arn:aws:iam::222222222222:mfa/root-account-mfa-device";
    const HARDWARE: &str = "GAHT12345678";

    fn step(action: &str, target: &str, result: StepResult) -> Step {
        Step::new(action, Some(target), result)
    }

    fn device(serial: &str) -> MfaDevice {
        MfaDevice {
            serial: serial.to_owned(),
            kind: MfaKind::from_serial(serial),
            enabled: None,
        }
    }

    #[test]
    fn virtual_device_deactivated_earlier_is_unfinished() {
        let retried = StepResult::Retried {
            code: "ExpiredToken".to_owned(),
            message: "expired".to_owned(),
        };
        let steps = [
            step("DeactivateMFADevice", VIRTUAL, StepResult::Ok),
            step("DeactivateMFADevice", HARDWARE, StepResult::Ok),
            step("DeleteVirtualMFADevice", VIRTUAL, retried),
        ];
        let nothing_listed = RootCredentials::default();
        assert_eq!(
            unfinished_virtual_devices(&steps, &nothing_listed),
            [VIRTUAL],
            "hardware devices have nothing to delete"
        );

        // Still listed: the ordinary removal deactivates and deletes it.
        let listed = RootCredentials {
            mfa_devices: vec![device(VIRTUAL)],
            ..RootCredentials::default()
        };
        assert!(unfinished_virtual_devices(&steps, &listed).is_empty());

        let mut settled = steps.to_vec();
        settled.push(step("DeleteVirtualMFADevice", VIRTUAL, StepResult::Ok));
        assert!(unfinished_virtual_devices(&settled, &nothing_listed).is_empty());
    }

    #[test]
    fn only_planned_keeps_listed_credentials() {
        let credentials = RootCredentials {
            mfa_devices: vec![device(VIRTUAL), device(HARDWARE)],
            ..RootCredentials::default()
        };
        let planned = CredentialIds {
            mfa_devices: vec![HARDWARE.to_owned()],
            ..CredentialIds::default()
        };
        let kept = only_planned(&credentials, &planned);
        assert_eq!(kept.mfa_devices, [device(HARDWARE)]);
        assert!(kept.login_profile.is_none());
    }
}
