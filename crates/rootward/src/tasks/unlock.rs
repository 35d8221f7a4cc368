//! The shared verdict of the two unlock tasks: a bucket or queue policy read, then removed.

use crate::outcome::{Detail, Mode, Status, Step, StepResult};
use crate::tasks::Verdict;

/// An unlock task's findings so far, kept across root sessions.
#[derive(Debug, Default)]
pub struct UnlockState {
    pub(crate) read: bool,
    pub(crate) policy: Option<String>,
    pub(crate) removed: bool,
}

/// Judges an unlock: `nothing_to_do` without a policy, `planned` in a plan, `done` once the
/// policy is removed.
pub(crate) fn unlock_verdict(
    mode: Mode,
    resource: &str,
    state: UnlockState,
    steps: &[Step],
    completed: bool,
    remove_action: &str,
) -> Verdict {
    let failed = !completed || steps.iter().any(Step::is_failed);
    let removed = state.removed
        || steps
            .iter()
            .any(|step| step.action == remove_action && step.result == StepResult::Ok);
    let status = if removed && !failed {
        Status::Done
    } else if failed {
        Status::Failed
    } else if state.policy.is_none() {
        Status::NothingToDo
    } else if mode == Mode::Plan {
        Status::Planned
    } else {
        Status::Failed
    };
    Verdict {
        status,
        reason: None,
        detail: if state.read {
            Detail::UnlockPolicy {
                resource: resource.to_owned(),
                policy: state.policy,
                removed,
            }
        } else {
            Detail::None
        },
    }
}
