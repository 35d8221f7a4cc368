//! `UnlockSqsQueuePolicy`: remove a queue policy that locks everyone out.

use aws_sdk_sqs::types::QueueAttributeName;

use crate::account::Account;
use crate::aws_error::AwsError;
use crate::outcome::{Mode, Step, TaskName};
use crate::policy::TaskPolicy;
use crate::session::RootSession;
use crate::steps::StepLog;
use crate::tasks::unlock::{unlock_verdict, UnlockState};
use crate::tasks::{Task, Verdict};

/// Reads the `Policy` attribute of one queue in one `SQSUnlockQueuePolicy` session and, with
/// [`Mode::Execute`], removes only that attribute: every other queue attribute stays as it
/// was. The policy read first is kept in the outcome and the report.
#[derive(Debug, Clone)]
pub struct UnlockSqsQueuePolicy {
    queue_url: String,
    mode: Mode,
}

impl UnlockSqsQueuePolicy {
    /// Creates a plan that only shows the queue's policy.
    pub fn plan(queue_url: impl Into<String>) -> Self {
        Self {
            queue_url: queue_url.into(),
            mode: Mode::Plan,
        }
    }

    /// Creates the task that removes the queue's policy.
    pub fn execute(queue_url: impl Into<String>) -> Self {
        Self {
            queue_url: queue_url.into(),
            mode: Mode::Execute,
        }
    }

    /// The queue URL.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

impl Task for UnlockSqsQueuePolicy {
    type State = UnlockState;

    fn name(&self) -> TaskName {
        TaskName::UnlockSqs
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn task_policy(&self) -> TaskPolicy {
        TaskPolicy::SqsUnlockQueuePolicy
    }

    async fn run<'a>(
        &'a self,
        _account: &'a Account,
        session: &'a RootSession,
        state: &'a mut UnlockState,
        log: &'a StepLog,
    ) {
        let queue = self.queue_url.as_str();
        let read = session
            .sqs()
            .get_queue_attributes()
            .queue_url(queue)
            .attribute_names(QueueAttributeName::Policy)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&error));
        let Ok(output) = log.call("GetQueueAttributes", Some(queue), read) else {
            return;
        };
        let policy = output
            .attributes()
            .and_then(|attributes| attributes.get(&QueueAttributeName::Policy))
            .filter(|policy| !policy.is_empty())
            .cloned();
        if !state.read {
            state.read = true;
            state.policy.clone_from(&policy);
        }
        if policy.is_none() || self.mode != Mode::Execute {
            return;
        }

        // SQS removes an attribute that is set to the empty string; only Policy is sent, so
        // every other attribute keeps its value.
        let result = session
            .sqs()
            .set_queue_attributes()
            .queue_url(queue)
            .attributes(QueueAttributeName::Policy, "")
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&error));
        if log.call("SetQueueAttributes", Some(queue), result).is_ok() {
            state.removed = true;
        }
    }

    fn finish(&self, state: UnlockState, steps: &[Step], completed: bool) -> Verdict {
        unlock_verdict(
            self.mode,
            &self.queue_url,
            state,
            steps,
            completed,
            "SetQueueAttributes",
        )
    }
}
