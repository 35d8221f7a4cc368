//! The per-account record of every call, shared by the tasks and the executor.

use std::sync::{Arc, Mutex, PoisonError};

use crate::aws_error::AwsError;
use crate::outcome::{Step, StepResult};

/// The steps of one account, in the order they finished.
///
/// It outlives a session that timed out or expired, so calls made before the deadline are
/// still reported.
#[derive(Debug, Clone, Default)]
pub struct StepLog {
    steps: Arc<Mutex<Vec<Step>>>,
}

impl StepLog {
    /// Appends a step.
    pub fn record(&self, step: Step) {
        self.lock().push(step);
    }

    /// Appends the result of one call and passes the result on.
    pub(crate) fn call<T>(
        &self,
        action: &str,
        target: Option<&str>,
        result: Result<T, AwsError>,
    ) -> Result<T, AwsError> {
        let step_result = match &result {
            Ok(_) => StepResult::Ok,
            Err(error) => StepResult::Failed {
                code: error.code.clone(),
                message: error.message.clone(),
            },
        };
        self.record(Step::new(action, target, step_result));
        result
    }

    /// Marks every failed step as retried, before a fresh session repeats the work.
    pub(crate) fn retire_failures(&self) {
        for step in self.lock().iter_mut() {
            if let StepResult::Failed { code, message } = &step.result {
                step.result = StepResult::Retried {
                    code: code.clone(),
                    message: message.clone(),
                };
            }
        }
    }

    /// Reports whether a failed step is worth a fresh session: throttling, a server or
    /// transport error, or an expired session.
    pub(crate) fn has_transient_failure(&self) -> bool {
        self.lock().iter().any(|step| match &step.result {
            StepResult::Failed { code, message } => AwsError {
                code: code.clone(),
                message: message.clone(),
            }
            .is_transient(),
            _ => false,
        })
    }

    /// Returns a copy of the steps so far.
    pub fn snapshot(&self) -> Vec<Step> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Step>> {
        // A panic while pushing cannot leave the vector inconsistent, so a poisoned lock is safe.
        self.steps.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
