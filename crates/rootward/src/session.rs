//! Root sessions: `sts:AssumeRoot` scoped by one task policy, and the clients built from them.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_sts::types::PolicyDescriptorType;

use crate::account::AccountId;
use crate::aws_error::AwsError;
use crate::clients::Clients;
use crate::error::{Error, Result};
use crate::partition::Partition;
use crate::policy::TaskPolicy;

/// The maximum root session duration that AWS grants.
pub const MAX_SESSION_DURATION: Duration = Duration::from_secs(900);

/// The default root session length: long enough for one account's work with retries, short
/// enough that leaked credentials soon stop working.
pub const DEFAULT_SESSION_DURATION: Duration = Duration::from_secs(300);

/// Checks a root session duration: 1 to 900 seconds.
pub fn validate_duration(duration: Duration) -> Result<()> {
    if duration.is_zero() || duration > MAX_SESSION_DURATION {
        return Err(Error::invalid(format!(
            "invalid session duration {} s: sts:AssumeRoot accepts 1 to 900 seconds",
            duration.as_secs()
        )));
    }
    Ok(())
}

/// A privileged root session in one member account, scoped by one task policy.
///
/// The credentials live in memory only and never appear in `Debug` output, logs or reports.
/// Clients built from them can call only what the task policy allows.
pub struct RootSession {
    account_id: AccountId,
    task_policy: TaskPolicy,
    expiration: SystemTime,
    iam: aws_sdk_iam::Client,
    #[cfg(feature = "s3")]
    s3: aws_sdk_s3::Client,
    #[cfg(feature = "sqs")]
    sqs: aws_sdk_sqs::Client,
}

impl fmt::Debug for RootSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootSession")
            .field("account_id", &self.account_id)
            .field("task_policy", &self.task_policy)
            .field("expiration", &self.expiration)
            .field("credentials", &"** redacted **")
            .finish()
    }
}

impl RootSession {
    /// The member account the session acts in.
    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }

    /// The task policy that scopes the session.
    pub fn task_policy(&self) -> TaskPolicy {
        self.task_policy
    }

    /// When the session's credentials expire.
    pub fn expiration(&self) -> SystemTime {
        self.expiration
    }

    /// The time left before the credentials expire (zero once expired).
    pub fn remaining(&self) -> Duration {
        self.expiration
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }

    /// An IAM client acting as the account's root user. Address the root user by leaving out
    /// `UserName`.
    pub fn iam(&self) -> &aws_sdk_iam::Client {
        &self.iam
    }

    /// An S3 client acting as the account's root user.
    #[cfg(feature = "s3")]
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        &self.s3
    }

    /// An SQS client acting as the account's root user.
    #[cfg(feature = "sqs")]
    pub fn sqs(&self) -> &aws_sdk_sqs::Client {
        &self.sqs
    }
}

/// Starts root sessions for one task policy.
#[derive(Debug, Clone)]
pub struct SessionFactory {
    clients: Clients,
    duration: Duration,
}

impl SessionFactory {
    /// Creates a factory whose sessions last `duration` (1 to 900 seconds).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a duration outside that range.
    pub fn new(clients: Clients, duration: Duration) -> Result<Self> {
        validate_duration(duration)?;
        Ok(Self { clients, duration })
    }

    /// The requested session length.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The partition of every ARN the sessions use.
    pub fn partition(&self) -> Partition {
        self.clients.partition()
    }

    /// Starts a root session in `account_id` scoped by `task_policy`.
    pub(crate) async fn assume_root(
        &self,
        account_id: &AccountId,
        task_policy: TaskPolicy,
    ) -> Result<RootSession, AwsError> {
        let policy_arn = task_policy.arn(self.partition());
        let duration_seconds = i32::try_from(self.duration.as_secs()).unwrap_or(900);
        let output = self
            .clients
            .sts
            .assume_root()
            .target_principal(account_id.as_str())
            .task_policy_arn(PolicyDescriptorType::builder().arn(policy_arn).build())
            .duration_seconds(duration_seconds)
            .send()
            .await
            .map_err(|error| {
                let mut error = AwsError::from_sdk(&error);
                if error.code == "InvalidAction" {
                    error.message = format!(
                        "{} (sts:AssumeRoot exists only on regional STS endpoints; set --region and do not point --endpoint-url at the global endpoint)",
                        error.message
                    );
                }
                error
            })?;
        let Some(credentials) = output.credentials() else {
            return Err(AwsError {
                code: "MissingCredentials".to_owned(),
                message: "sts:AssumeRoot returned no credentials".to_owned(),
            });
        };

        let expiration = SystemTime::try_from(*credentials.expiration())
            .unwrap_or_else(|_| SystemTime::now() + self.duration);
        let provider = SharedCredentialsProvider::new(Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_owned()),
            Some(expiration),
            "rootward-root-session",
        ));
        // Static credentials need no identity cache, and the cache the clients share would keep
        // root credentials after the session ends.
        let iam = aws_sdk_iam::Client::from_conf(
            self.clients
                .iam
                .config()
                .to_builder()
                .credentials_provider(provider.clone())
                .identity_cache(aws_sdk_iam::config::IdentityCache::no_cache())
                .build(),
        );
        Ok(RootSession {
            account_id: account_id.clone(),
            task_policy,
            expiration,
            #[cfg(feature = "s3")]
            s3: aws_sdk_s3::Client::from_conf(
                self.clients
                    .s3
                    .config()
                    .to_builder()
                    .credentials_provider(provider.clone())
                    .identity_cache(aws_sdk_s3::config::IdentityCache::no_cache())
                    .build(),
            ),
            #[cfg(feature = "sqs")]
            sqs: aws_sdk_sqs::Client::from_conf(
                self.clients
                    .sqs
                    .config()
                    .to_builder()
                    .credentials_provider(provider)
                    .identity_cache(aws_sdk_sqs::config::IdentityCache::no_cache())
                    .build(),
            ),
            iam,
        })
    }
}
