//! `CreateRootPassword`: make password recovery possible for a member account's root user.

use crate::account::Account;
use crate::aws_error::AwsError;
use crate::outcome::{Detail, Mode, Status, Step, StepResult, TaskName};
use crate::policy::TaskPolicy;
use crate::root_user::RootUser;
use crate::session::RootSession;
use crate::steps::StepLog;
use crate::tasks::{Task, Verdict};

/// Creates a login profile without a password in one `IAMCreateRootUserPassword` session, so
/// that the root user's email owner can recover the password. An account whose root user
/// already has a login profile is `nothing_to_do`. In [`Mode::Plan`] it only reads.
#[derive(Debug, Clone, Copy)]
pub struct CreateRootPassword {
    mode: Mode,
}

impl CreateRootPassword {
    /// Creates a plan: read only, report which accounts would get a login profile.
    pub fn plan() -> Self {
        Self { mode: Mode::Plan }
    }

    /// Creates the task that makes the change.
    pub fn execute() -> Self {
        Self {
            mode: Mode::Execute,
        }
    }
}

/// A password task's findings so far, kept across root sessions.
#[derive(Debug, Default)]
pub struct CreatePasswordState {
    existed: Option<bool>,
    created: bool,
}

impl Task for CreateRootPassword {
    type State = CreatePasswordState;

    fn name(&self) -> TaskName {
        TaskName::CreatePassword
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn task_policy(&self) -> TaskPolicy {
        TaskPolicy::IamCreateRootUserPassword
    }

    async fn run<'a>(
        &'a self,
        _account: &'a Account,
        session: &'a RootSession,
        state: &'a mut CreatePasswordState,
        log: &'a StepLog,
    ) {
        let user = RootUser::new(session.iam(), log);
        let Ok(profile) = user.login_profile().await else {
            return;
        };
        if state.existed.is_none() {
            state.existed = Some(profile.is_some());
        }
        if profile.is_some() || self.mode != Mode::Execute {
            return;
        }

        let result = session.iam().create_login_profile().send().await;
        match result {
            Ok(_) => {
                log.record(Step::new("CreateLoginProfile", None, StepResult::Ok));
                state.created = true;
            }
            Err(error) => {
                let error = AwsError::from_sdk(&error);
                if error.code == "EntityAlreadyExists" {
                    // Another session or person created it in the meantime: the goal holds.
                    log.record(Step::new(
                        "CreateLoginProfile",
                        None,
                        StepResult::AlreadyAbsent,
                    ));
                } else {
                    log.call::<()>("CreateLoginProfile", None, Err(error)).ok();
                }
            }
        }
    }

    fn finish(&self, state: CreatePasswordState, steps: &[Step], completed: bool) -> Verdict {
        let failed = !completed || steps.iter().any(Step::is_failed);
        let existed = state.existed.unwrap_or(false);
        let status = if failed && !state.created {
            Status::Failed
        } else if state.created {
            Status::Done
        } else if existed
            || steps.iter().any(|step| {
                step.result == StepResult::AlreadyAbsent && step.action == "CreateLoginProfile"
            })
        {
            Status::NothingToDo
        } else {
            Status::Planned
        };
        Verdict {
            status,
            reason: None,
            detail: match state.existed {
                Some(existed) => Detail::CreatePassword {
                    existed,
                    created: state.created,
                },
                None => Detail::None,
            },
        }
    }
}
