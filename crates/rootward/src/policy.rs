//! The five AWS managed root task policies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use serde_json::json;

use crate::account::AccountId;
use crate::error::Error;
use crate::partition::Partition;

/// An AWS managed root task policy: the only kind of policy that can scope an `sts:AssumeRoot`
/// session. Each is a deny-only guard: any action it does not list is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskPolicy {
    /// Read the root user's credentials: `IAMAuditRootUserCredentials`.
    #[serde(rename = "IAMAuditRootUserCredentials")]
    IamAuditRootUserCredentials,
    /// Read and delete the root user's credentials: `IAMDeleteRootUserCredentials`.
    #[serde(rename = "IAMDeleteRootUserCredentials")]
    IamDeleteRootUserCredentials,
    /// Create a login profile so that password recovery works: `IAMCreateRootUserPassword`.
    #[serde(rename = "IAMCreateRootUserPassword")]
    IamCreateRootUserPassword,
    /// Read or remove a bucket policy that locks everyone out: `S3UnlockBucketPolicy`.
    #[serde(rename = "S3UnlockBucketPolicy")]
    S3UnlockBucketPolicy,
    /// Read or remove a queue policy that locks everyone out: `SQSUnlockQueuePolicy`.
    #[serde(rename = "SQSUnlockQueuePolicy")]
    SqsUnlockQueuePolicy,
}

impl TaskPolicy {
    /// All five task policies, in a stable order.
    pub const ALL: [TaskPolicy; 5] = [
        Self::IamAuditRootUserCredentials,
        Self::IamDeleteRootUserCredentials,
        Self::IamCreateRootUserPassword,
        Self::S3UnlockBucketPolicy,
        Self::SqsUnlockQueuePolicy,
    ];

    /// Returns the policy's name, the last segment of its ARN.
    pub fn name(self) -> &'static str {
        match self {
            Self::IamAuditRootUserCredentials => "IAMAuditRootUserCredentials",
            Self::IamDeleteRootUserCredentials => "IAMDeleteRootUserCredentials",
            Self::IamCreateRootUserPassword => "IAMCreateRootUserPassword",
            Self::S3UnlockBucketPolicy => "S3UnlockBucketPolicy",
            Self::SqsUnlockQueuePolicy => "SQSUnlockQueuePolicy",
        }
    }

    /// Builds the policy's ARN in `partition`: `arn:PARTITION:iam::aws:policy/root-task/NAME`.
    pub fn arn(self, partition: Partition) -> String {
        format!(
            "arn:{}:iam::aws:policy/root-task/{}",
            partition.as_str(),
            self.name()
        )
    }

    /// Returns the actions the policy allows, as `service:Action`.
    pub fn allowed_actions(self) -> &'static [&'static str] {
        match self {
            Self::IamAuditRootUserCredentials => &[
                "iam:GetLoginProfile",
                "iam:ListAccessKeys",
                "iam:GetAccessKeyLastUsed",
                "iam:ListSigningCertificates",
                "iam:ListMFADevices",
                "iam:GetUser",
                "iam:GetAccountSummary",
            ],
            Self::IamDeleteRootUserCredentials => &[
                "iam:GetLoginProfile",
                "iam:ListAccessKeys",
                "iam:GetAccessKeyLastUsed",
                "iam:ListSigningCertificates",
                "iam:ListMFADevices",
                "iam:GetUser",
                "iam:DeleteLoginProfile",
                "iam:DeleteAccessKey",
                "iam:DeleteSigningCertificate",
                "iam:DeactivateMFADevice",
                "iam:DeleteVirtualMFADevice",
            ],
            Self::IamCreateRootUserPassword => &["iam:CreateLoginProfile", "iam:GetLoginProfile"],
            Self::S3UnlockBucketPolicy => &[
                "s3:GetBucketPolicy",
                "s3:PutBucketPolicy",
                "s3:DeleteBucketPolicy",
                "s3:ListAllMyBuckets",
            ],
            Self::SqsUnlockQueuePolicy => &[
                "sqs:GetQueueAttributes",
                "sqs:SetQueueAttributes",
                "sqs:ListQueues",
                "sqs:GetQueueUrl",
            ],
        }
    }

    /// Reports whether the policy allows `action` (written `service:Action`).
    pub fn allows(self, action: &str) -> bool {
        self.allowed_actions().contains(&action)
    }
}

/// Builds the caller-side IAM policy that allows `sts:AssumeRoot` only for `task_policies`
/// (a `StringEquals` condition on `sts:TaskPolicyArn`), on every member account's root user or,
/// when `accounts` is not empty, on those accounts' root users only.
pub fn caller_policy(
    task_policies: &[TaskPolicy],
    accounts: &[AccountId],
    partition: Partition,
) -> serde_json::Value {
    let resources: Vec<String> = if accounts.is_empty() {
        vec![format!("arn:{partition}:iam::*:root")]
    } else {
        accounts
            .iter()
            .map(|account| format!("arn:{partition}:iam::{account}:root"))
            .collect()
    };
    let arns: Vec<String> = task_policies
        .iter()
        .map(|policy| policy.arn(partition))
        .collect();
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowRootSessionsForChosenTasks",
            "Effect": "Allow",
            "Action": "sts:AssumeRoot",
            "Resource": resources,
            "Condition": {"StringEquals": {"sts:TaskPolicyArn": arns}},
        }],
    })
}

/// Builds the service control policy statement that denies every action to member-account root
/// users except in root sessions.
///
/// An SCP that denies actions to `arn:PARTITION:iam::*:root` also blocks `sts:AssumeRoot`
/// sessions unless it exempts them, and the key `aws:AssumedRoot` is present only in such
/// sessions, so the `Null` condition limits the denial to the root user's own credentials.
pub fn scp_statement(partition: Partition) -> serde_json::Value {
    json!({
        "Sid": "DenyRootUserExceptRootSessions",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "ArnLike": {"aws:PrincipalArn": format!("arn:{partition}:iam::*:root")},
            "Null": {"aws:AssumedRoot": "true"},
        },
    })
}

impl FromStr for TaskPolicy {
    type Err = Error;

    /// Parses a policy name or ARN, ignoring ASCII case in the name.
    fn from_str(text: &str) -> Result<Self, Error> {
        let name = text.rsplit('/').next().unwrap_or(text);
        Self::ALL
            .into_iter()
            .find(|policy| policy.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|policy| policy.name()).collect();
                Error::invalid(format!(
                    "unknown task policy {text:?}: expected one of {}",
                    known.join(", ")
                ))
            })
    }
}

impl fmt::Display for TaskPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_follows_partition() {
        let policy = TaskPolicy::IamDeleteRootUserCredentials;
        assert_eq!(
            policy.arn(Partition::Aws),
            "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
        );
        assert_eq!(
            policy.arn(Partition::AwsCn),
            "arn:aws-cn:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
        );
        assert_eq!(
            policy.arn(Partition::AwsUsGov),
            "arn:aws-us-gov:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
        );
    }

    #[test]
    fn parse_accepts_names_and_arns() {
        for policy in TaskPolicy::ALL {
            assert_eq!(policy.name().parse::<TaskPolicy>().unwrap(), policy);
            assert_eq!(
                policy.arn(Partition::AwsCn).parse::<TaskPolicy>().unwrap(),
                policy
            );
        }
    }

    #[test]
    fn parse_rejects_unknown_names() {
        let error = "IAMDeleteEverything".parse::<TaskPolicy>().unwrap_err();
        assert!(error.to_string().contains("IAMDeleteRootUserCredentials"));
    }

    #[test]
    fn caller_policy_limits_task_policies_and_accounts() {
        let account: AccountId = "123456789012".parse().unwrap();
        let document = caller_policy(
            &[TaskPolicy::IamAuditRootUserCredentials],
            &[account],
            Partition::AwsUsGov,
        );
        let statement = &document["Statement"][0];
        assert_eq!(document["Version"], "2012-10-17");
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(statement["Action"], "sts:AssumeRoot");
        assert_eq!(
            statement["Resource"],
            json!(["arn:aws-us-gov:iam::123456789012:root"])
        );
        assert_eq!(
            statement["Condition"]["StringEquals"]["sts:TaskPolicyArn"],
            json!(["arn:aws-us-gov:iam::aws:policy/root-task/IAMAuditRootUserCredentials"])
        );
    }

    #[test]
    fn scp_statement_exempts_root_sessions() {
        let statement = scp_statement(Partition::AwsCn);
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(
            statement["Condition"]["ArnLike"]["aws:PrincipalArn"],
            "arn:aws-cn:iam::*:root"
        );
        assert_eq!(statement["Condition"]["Null"]["aws:AssumedRoot"], "true");
    }

    #[test]
    fn delete_policy_omits_known_mistakes() {
        let policy = TaskPolicy::IamDeleteRootUserCredentials;
        assert!(!policy.allows("iam:UpdateAccessKey"));
        assert!(!policy.allows("iam:ListVirtualMFADevices"));
        assert!(!policy.allows("iam:GetAccountSummary"));
        assert!(policy.allows("iam:DeactivateMFADevice"));
    }
}
