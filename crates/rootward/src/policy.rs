//! The five AWS managed root task policies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
    fn delete_policy_omits_known_mistakes() {
        let policy = TaskPolicy::IamDeleteRootUserCredentials;
        assert!(!policy.allows("iam:UpdateAccessKey"));
        assert!(!policy.allows("iam:ListVirtualMFADevices"));
        assert!(!policy.allows("iam:GetAccountSummary"));
        assert!(policy.allows("iam:DeactivateMFADevice"));
    }
}
