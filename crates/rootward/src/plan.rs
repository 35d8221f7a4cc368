//! Reviewed plans: what a plan run of `delete-credentials` found in each account and would
//! remove, written to a file for review, and read back so that an execution removes exactly
//! that.
//!
//! A plan file is JSON Lines. The first line names the run that wrote it (organization, task,
//! caller, time) under the member `rootward_plan`; every further line is one
//! [`PlannedAccount`]. Only accounts whose reads all succeeded are written, so an account that
//! failed in the plan run is not in the plan and an execution of it leaves that account alone.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::account::AccountId;
use crate::credentials::RootCredentials;
use crate::error::{Error, Result};
use crate::outcome::{Detail, Mode, Outcome, Reason, RunInfo, Status, TaskName};

/// The version of the plan file format that this rootward writes and reads.
const FORMAT_VERSION: u32 = 1;

/// The IDs of a root user's credentials, as a plan lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialIds {
    /// Whether there is a password (login profile).
    pub login_profile: bool,
    /// Access key IDs, sorted.
    pub access_keys: Vec<String>,
    /// Signing certificate IDs, sorted.
    pub signing_certificates: Vec<String>,
    /// MFA device serial numbers, sorted.
    pub mfa_devices: Vec<String>,
}

impl CredentialIds {
    /// Lists the IDs of the credentials in `credentials`.
    pub fn of(credentials: &RootCredentials) -> Self {
        let sorted = |mut ids: Vec<String>| {
            ids.sort();
            ids
        };
        Self {
            login_profile: credentials.login_profile.is_some(),
            access_keys: sorted(
                credentials
                    .access_keys
                    .iter()
                    .map(|k| k.id.clone())
                    .collect(),
            ),
            signing_certificates: sorted(
                credentials
                    .signing_certificates
                    .iter()
                    .map(|c| c.id.clone())
                    .collect(),
            ),
            mfa_devices: sorted(
                credentials
                    .mfa_devices
                    .iter()
                    .map(|d| d.serial.clone())
                    .collect(),
            ),
        }
    }

    /// Reports whether no credential is listed.
    pub fn is_empty(&self) -> bool {
        !self.login_profile
            && self.access_keys.is_empty()
            && self.signing_certificates.is_empty()
            && self.mfa_devices.is_empty()
    }

    /// Describes how `current` differs from these IDs, or `None` when they are the same.
    pub fn difference(&self, current: &CredentialIds) -> Option<String> {
        let mut changes = Vec::new();
        match (self.login_profile, current.login_profile) {
            (false, true) => changes.push("a password was added".to_owned()),
            (true, false) => changes.push("the password is gone".to_owned()),
            _ => {}
        }
        let kinds = [
            ("access key", &self.access_keys, &current.access_keys),
            (
                "signing certificate",
                &self.signing_certificates,
                &current.signing_certificates,
            ),
            ("MFA device", &self.mfa_devices, &current.mfa_devices),
        ];
        for (kind, planned, found) in kinds {
            for id in found.iter().filter(|id| !planned.contains(id)) {
                changes.push(format!("{kind} {id} is not in the plan"));
            }
            for id in planned.iter().filter(|id| !found.contains(id)) {
                changes.push(format!("{kind} {id} is gone"));
            }
        }
        (!changes.is_empty()).then(|| changes.join("; "))
    }
}

/// One account of a plan: what the plan run found, and what an execution removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAccount {
    /// The member account.
    pub account_id: AccountId,
    /// The account's name when the plan was made.
    pub account_name: String,
    /// Every credential the plan run found.
    pub found: CredentialIds,
    /// The credentials an execution removes: everything found, except access keys kept
    /// because they were used recently (`--keep-keys-used-within`).
    pub remove: CredentialIds,
    /// The `--keep-keys-used-within` window of the plan run, in days, when it kept keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_keys_used_within_days: Option<u32>,
}

impl PlannedAccount {
    /// Returns the access keys found but kept.
    pub fn kept_access_keys(&self) -> Vec<String> {
        self.found
            .access_keys
            .iter()
            .filter(|id| !self.remove.access_keys.contains(id))
            .cloned()
            .collect()
    }

    /// Builds the plan entry of a plan run's outcome. Returns `None` unless the account was read
    /// completely (`planned` or `nothing_to_do`).
    pub fn from_outcome(outcome: &Outcome) -> Option<Self> {
        if !matches!(outcome.status, Status::Planned | Status::NothingToDo) {
            return None;
        }
        let Detail::Delete { found, removed, .. } = &outcome.detail else {
            return None;
        };
        let sorted = |ids: &[String]| {
            let mut ids = ids.to_vec();
            ids.sort();
            ids
        };
        let keep_days = match &outcome.reason {
            Some(Reason::KeptRecentKeys { days, .. }) => Some(*days),
            _ => None,
        };
        Some(Self {
            account_id: outcome.account.id.clone(),
            account_name: outcome.account.name.clone(),
            found: CredentialIds::of(found),
            remove: CredentialIds {
                login_profile: removed.login_profile,
                access_keys: sorted(&removed.access_keys),
                signing_certificates: sorted(&removed.signing_certificates),
                mfa_devices: sorted(&removed.mfa_devices),
            },
            keep_keys_used_within_days: keep_days,
        })
    }
}

/// The first line of a plan file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    /// The format version; its presence marks the file as a plan.
    rootward_plan: u32,
    #[serde(flatten)]
    run: RunInfo,
}

/// A reviewed plan, read back to be executed.
#[derive(Debug, Clone)]
pub struct Plan {
    path: PathBuf,
    run: RunInfo,
    accounts: HashMap<AccountId, PlannedAccount>,
}

impl Plan {
    /// Reads and checks a plan file.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`], naming the file, when it cannot be read, is not a rootward plan
    /// (a report, say), was written for another task or by a newer format, lists an account
    /// twice, or ends in an incomplete line.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| {
            Error::invalid(format!(
                "could not read plan {}: {error}; check the path, or write a plan with `delete-credentials --plan-out FILE`",
                path.display()
            ))
        })?;
        let invalid = |line: usize, problem: String| {
            Error::invalid(format!("plan {} line {line}: {problem}", path.display()))
        };

        if !text.is_empty() && !text.ends_with('\n') {
            let line = text.lines().count();
            return Err(invalid(
                line,
                "the last line is incomplete, so the run that wrote the plan was interrupted; write the plan again".to_owned(),
            ));
        }
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(index, line)| (index + 1, line));
        let Some((_, first)) = lines.next() else {
            return Err(Error::invalid(format!(
                "plan {} is empty; write a plan with `delete-credentials --plan-out FILE`",
                path.display()
            )));
        };
        let header = parse_header(first).map_err(|problem| invalid(1, problem))?;
        if header.run.task != TaskName::DeleteCredentials || header.run.mode != Mode::Plan {
            return Err(invalid(
                1,
                format!(
                    "the plan was written for task {} in mode {}; only a plan of delete-credentials (without --execute) can be executed",
                    header.run.task, header.run.mode
                ),
            ));
        }

        let mut accounts = HashMap::new();
        for (number, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let account: PlannedAccount = serde_json::from_str(line)
                .map_err(|error| invalid(number, format!("not a planned account: {error}")))?;
            let id = account.account_id.clone();
            if accounts.insert(id.clone(), account).is_some() {
                return Err(invalid(number, format!("account {id} is listed twice")));
            }
        }
        Ok(Self {
            path: path.to_owned(),
            run: header.run,
            accounts,
        })
    }

    /// Returns the plan file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the plan run that wrote the file.
    pub fn run(&self) -> &RunInfo {
        &self.run
    }

    /// Returns the planned account, if the plan has it.
    pub fn account(&self, id: &AccountId) -> Option<&PlannedAccount> {
        self.accounts.get(id)
    }

    /// Reports whether the plan has the account.
    pub fn contains(&self, id: &AccountId) -> bool {
        self.accounts.contains_key(id)
    }

    /// Returns the number of accounts in the plan.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Reports whether the plan has no account.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Returns [`Error::InvalidInput`] unless the plan was made in `organization_id`.
    pub fn check_organization(&self, organization_id: &str) -> Result<()> {
        if self.run.organization_id == organization_id {
            return Ok(());
        }
        Err(Error::invalid(format!(
            "plan {} was written for organization {}, but the caller is in organization {organization_id}; write a plan in this organization with --plan-out",
            self.path.display(),
            self.run.organization_id
        )))
    }
}

fn parse_header(line: &str) -> std::result::Result<Header, String> {
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|_| "not a rootward plan: the first line is not JSON".to_owned())?;
    if value.get("rootward_plan").is_none() {
        let hint = if value.get("run_id").is_some() && value.get("account_id").is_some() {
            "it is a rootward report; write a plan with `delete-credentials --plan-out FILE`"
        } else {
            "write a plan with `delete-credentials --plan-out FILE`"
        };
        return Err(format!(
            "not a rootward plan (the first line has no rootward_plan member); {hint}"
        ));
    }
    let header: Header = serde_json::from_value(value)
        .map_err(|error| format!("not a rootward plan header: {error}"))?;
    if header.rootward_plan > FORMAT_VERSION {
        return Err(format!(
            "plan format {} is newer than this rootward reads ({FORMAT_VERSION}); use the rootward version that wrote it",
            header.rootward_plan
        ));
    }
    Ok(header)
}

/// Writes a plan file as the plan run's outcomes arrive, one complete line per account.
#[derive(Debug)]
pub struct PlanWriter {
    path: PathBuf,
    file: File,
    accounts: u64,
}

impl PlanWriter {
    /// Creates the file, or truncates an existing one, and writes the header line.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] unless `run` is a plan of `delete-credentials` and the folder
    /// exists; [`Error::Report`] when the file cannot be created or written.
    pub fn create(path: impl AsRef<Path>, run: &RunInfo) -> Result<Self> {
        let path = path.as_ref();
        check_plan_run(run)?;
        check_plan_path(path)?;
        let file = File::create(path).map_err(|error| Error::Report {
            path: path.display().to_string(),
            message: "could not create the plan file; check that its folder is writable".to_owned(),
            source: Some(Box::new(error)),
        })?;
        let mut writer = Self {
            path: path.to_owned(),
            file,
            accounts: 0,
        };
        let header = Header {
            rootward_plan: FORMAT_VERSION,
            run: run.clone(),
        };
        writer.write_line(&header)?;
        Ok(writer)
    }

    /// Adds the account of a plan run's outcome, when it was read completely.
    ///
    /// # Errors
    ///
    /// [`Error::Report`] when the write fails.
    pub fn write(&mut self, outcome: &Outcome) -> Result<()> {
        if let Some(account) = PlannedAccount::from_outcome(outcome) {
            self.write_line(&account)?;
            self.accounts += 1;
        }
        Ok(())
    }

    /// Returns the plan file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the number of accounts written.
    pub fn accounts(&self) -> u64 {
        self.accounts
    }

    fn write_line(&mut self, value: &impl Serialize) -> Result<()> {
        let mut line = serde_json::to_vec(value).map_err(|error| Error::Report {
            path: self.path.display().to_string(),
            message: "could not encode a plan line".to_owned(),
            source: Some(Box::new(error)),
        })?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(|error| Error::Report {
            path: self.path.display().to_string(),
            message: "could not write to the plan file; check the free disk space, then plan again"
                .to_owned(),
            source: Some(Box::new(error)),
        })
    }
}

/// Returns [`Error::InvalidInput`] unless `run` is a plan run of `delete-credentials`.
pub(crate) fn check_plan_run(run: &RunInfo) -> Result<()> {
    if run.task == TaskName::DeleteCredentials && run.mode == Mode::Plan {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "--plan-out writes the plan of delete-credentials without --execute, but this run is task {}, mode {}",
        run.task, run.mode
    )))
}

/// Returns [`Error::InvalidInput`] unless the folder that should contain the plan exists.
pub(crate) fn check_plan_path(path: &Path) -> Result<()> {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() && !folder.is_dir() => {
            Err(Error::invalid(format!(
                "invalid plan path {}: folder {} does not exist; create it or choose another --plan-out path",
                path.display(),
                folder.display()
            )))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Account;
    use crate::outcome::Removed;

    fn run(task: TaskName, mode: Mode) -> RunInfo {
        RunInfo::new(
            "arn:aws:iam::111111111111:user/admin",
            "o-aaa",
            task,
            "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
            mode,
        )
    }

    fn planned(id: &str) -> Outcome {
        let credentials: RootCredentials = serde_json::from_value(serde_json::json!({
            "login_profile": {"created": null, "last_used": null},
            "access_keys": [{"id": "AKIA2", "status": "Active", "created": null, "last_used": null},
                            {"id": "AKIA1", "status": "Active", "created": null, "last_used": null}],
            "signing_certificates": [],
            "mfa_devices": []
        }))
        .unwrap();
        let mut outcome = Outcome::skipped(
            Account::active(id.parse().unwrap(), "member"),
            TaskName::DeleteCredentials,
            Mode::Plan,
            Reason::Excluded,
        );
        outcome.status = Status::Planned;
        outcome.reason = Some(Reason::KeptRecentKeys { days: 7, count: 1 });
        outcome.detail = Detail::Delete {
            found: credentials,
            removed: Removed {
                login_profile: true,
                access_keys: vec!["AKIA2".to_owned()],
                ..Removed::default()
            },
            kept_access_keys: vec!["AKIA1".to_owned()],
            recently_used_access_keys: vec!["AKIA1".to_owned()],
            remaining: None,
        };
        outcome
    }

    #[test]
    fn written_plan_reads_back() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("plan.jsonl");
        let mut writer =
            PlanWriter::create(&path, &run(TaskName::DeleteCredentials, Mode::Plan)).unwrap();
        writer.write(&planned("222222222222")).unwrap();
        let mut failed = planned("333333333333");
        failed.status = Status::Failed;
        writer.write(&failed).unwrap();
        assert_eq!(writer.accounts(), 1);
        drop(writer);

        let plan = Plan::read(&path).unwrap();
        assert_eq!(plan.len(), 1);
        let account = plan.account(&"222222222222".parse().unwrap()).unwrap();
        assert_eq!(account.found.access_keys, ["AKIA1", "AKIA2"]);
        assert_eq!(account.remove.access_keys, ["AKIA2"]);
        assert!(account.remove.login_profile);
        assert_eq!(account.kept_access_keys(), ["AKIA1"]);
        assert_eq!(account.keep_keys_used_within_days, Some(7));
        assert!(!plan.contains(&"333333333333".parse().unwrap()));
        plan.check_organization("o-aaa").unwrap();
        let error = plan.check_organization("o-bbb").unwrap_err();
        assert!(error.is_usage(), "{error}");
        assert!(error.to_string().contains("o-aaa"), "{error}");
    }

    #[test]
    fn other_files_are_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let cases = [
            ("empty.jsonl", String::new(), "empty"),
            ("text.jsonl", "hello\n".to_owned(), "not a rootward plan"),
            (
                "report.jsonl",
                "{\"run_id\":\"x\",\"account_id\":\"222222222222\"}\n".to_owned(),
                "rootward report",
            ),
            (
                "torn.jsonl",
                "{\"rootward_plan\":1".to_owned(),
                "incomplete",
            ),
        ];
        for (name, content, needle) in cases {
            let path = folder.path().join(name);
            std::fs::write(&path, content).unwrap();
            let error = Plan::read(&path).unwrap_err();
            assert!(error.is_usage(), "{name}: {error}");
            let message = error.to_string();
            assert!(message.contains(needle), "{name}: {message}");
            assert!(message.contains(name), "{name}: {message}");
        }
        let missing = Plan::read(folder.path().join("missing.jsonl")).unwrap_err();
        assert!(missing.is_usage());
        assert!(missing.to_string().contains("missing.jsonl"), "{missing}");
    }

    #[test]
    fn plan_of_other_task_is_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("plan.jsonl");
        let header = Header {
            rootward_plan: FORMAT_VERSION,
            run: run(TaskName::Audit, Mode::Read),
        };
        std::fs::write(
            &path,
            format!("{}\n", serde_json::to_string(&header).unwrap()),
        )
        .unwrap();
        let error = Plan::read(&path).unwrap_err();
        assert!(error.is_usage(), "{error}");
        assert!(error.to_string().contains("task audit"), "{error}");

        let error = PlanWriter::create(&path, &run(TaskName::DeleteCredentials, Mode::Execute))
            .unwrap_err();
        assert!(error.is_usage(), "{error}");
    }

    #[test]
    fn difference_names_each_change() {
        let planned = CredentialIds {
            login_profile: true,
            access_keys: vec!["AKIA1".to_owned()],
            ..CredentialIds::default()
        };
        assert_eq!(planned.difference(&planned), None);
        let current = CredentialIds {
            login_profile: false,
            access_keys: vec!["AKIA1".to_owned(), "AKIA9".to_owned()],
            ..CredentialIds::default()
        };
        let difference = planned.difference(&current).unwrap();
        assert!(difference.contains("the password is gone"), "{difference}");
        assert!(
            difference.contains("access key AKIA9 is not in the plan"),
            "{difference}"
        );
    }
}
