//! `UnlockS3BucketPolicy`: remove a bucket policy that locks everyone out.

use crate::account::Account;
use crate::aws_error::AwsError;
use crate::outcome::{Mode, Step, StepResult, TaskName};
use crate::policy::TaskPolicy;
use crate::session::RootSession;
use crate::steps::StepLog;
use crate::tasks::unlock::{unlock_verdict, UnlockState};
use crate::tasks::{Task, Verdict};

/// Reads the policy of one bucket in one `S3UnlockBucketPolicy` session and, with
/// [`Mode::Execute`], deletes it. The policy read first is kept in the outcome and the report,
/// so the change can be undone by hand.
#[derive(Debug, Clone)]
pub struct UnlockS3BucketPolicy {
    bucket: String,
    mode: Mode,
}

impl UnlockS3BucketPolicy {
    /// Creates a plan that only shows the bucket's policy.
    pub fn plan(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            mode: Mode::Plan,
        }
    }

    /// Creates the task that deletes the bucket's policy.
    pub fn execute(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            mode: Mode::Execute,
        }
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

impl Task for UnlockS3BucketPolicy {
    type State = UnlockState;

    fn name(&self) -> TaskName {
        TaskName::UnlockS3
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn task_policy(&self) -> TaskPolicy {
        TaskPolicy::S3UnlockBucketPolicy
    }

    async fn run<'a>(
        &'a self,
        _account: &'a Account,
        session: &'a RootSession,
        state: &'a mut UnlockState,
        log: &'a StepLog,
    ) {
        let bucket = self.bucket.as_str();
        let read = session.s3().get_bucket_policy().bucket(bucket).send().await;
        let policy = match read {
            Ok(output) => {
                log.record(Step::new("GetBucketPolicy", Some(bucket), StepResult::Ok));
                output.policy().map(str::to_owned)
            }
            Err(error) => {
                let error = AwsError::from_sdk(&error);
                if error.code == "NoSuchBucketPolicy" {
                    log.record(Step::new(
                        "GetBucketPolicy",
                        Some(bucket),
                        StepResult::AlreadyAbsent,
                    ));
                    None
                } else {
                    log.call::<()>("GetBucketPolicy", Some(bucket), Err(error))
                        .ok();
                    return;
                }
            }
        };
        if !state.read {
            state.read = true;
            state.policy.clone_from(&policy);
        }
        if policy.is_none() || self.mode != Mode::Execute {
            return;
        }

        let result = session
            .s3()
            .delete_bucket_policy()
            .bucket(bucket)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&error));
        if log.call("DeleteBucketPolicy", Some(bucket), result).is_ok() {
            state.removed = true;
        }
    }

    fn finish(&self, state: UnlockState, steps: &[Step], completed: bool) -> Verdict {
        unlock_verdict(
            self.mode,
            &self.bucket,
            state,
            steps,
            completed,
            "DeleteBucketPolicy",
        )
    }
}
