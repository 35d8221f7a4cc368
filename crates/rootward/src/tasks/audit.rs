//! `AuditRootCredentials`: what credentials each root user holds.

use crate::account::Account;
use crate::credentials::{AccountSummary, RootCredentials};
use crate::outcome::{Detail, Mode, Status, Step, TaskName};
use crate::policy::TaskPolicy;
use crate::root_user::RootUser;
use crate::session::RootSession;
use crate::steps::StepLog;
use crate::tasks::{Task, Verdict};

/// Reads the root user's password, access keys (with last use), signing certificates and MFA
/// devices in one `IAMAuditRootUserCredentials` session, and `GetAccountSummary`'s flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditRootCredentials;

/// An audit's findings so far, kept across root sessions.
#[derive(Debug, Default)]
pub struct AuditState {
    credentials: Option<RootCredentials>,
    summary: Option<AccountSummary>,
}

impl Task for AuditRootCredentials {
    type State = AuditState;

    fn name(&self) -> TaskName {
        TaskName::Audit
    }

    fn mode(&self) -> Mode {
        Mode::Read
    }

    fn task_policy(&self) -> TaskPolicy {
        TaskPolicy::IamAuditRootUserCredentials
    }

    async fn run<'a>(
        &'a self,
        _account: &'a Account,
        session: &'a RootSession,
        state: &'a mut AuditState,
        log: &'a StepLog,
    ) {
        let user = RootUser::new(session.iam(), log);
        let (reads, password_last_used, summary) = futures::join!(
            user.read_credentials(true),
            user.password_last_used(),
            user.account_summary()
        );

        let mut credentials = reads.credentials;
        if let (Some(profile), Ok(last_used)) =
            (credentials.login_profile.as_mut(), password_last_used)
        {
            profile.last_used = last_used;
        }
        state.credentials = Some(credentials);
        state.summary = summary.ok();
    }

    fn finish(&self, state: AuditState, steps: &[Step], completed: bool) -> Verdict {
        let failed = !completed || steps.iter().any(Step::is_failed);
        let status = match (&state.credentials, failed) {
            (Some(_), false) => Status::Done,
            (Some(_), true)
                if steps
                    .iter()
                    .any(|step| step.action != "AssumeRoot" && !step.is_failed()) =>
            {
                Status::Partial
            }
            _ => Status::Failed,
        };
        let detail = match state.credentials {
            Some(credentials) => Detail::Audit {
                credentials,
                summary: state.summary,
            },
            None => Detail::None,
        };
        Verdict {
            status,
            reason: None,
            detail,
        }
    }
}
