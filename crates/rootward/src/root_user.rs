//! IAM calls on a member account's root user inside a root session.
//!
//! Every call leaves out `UserName`, which is how a root session addresses the root user, and
//! records a step. `NoSuchEntity` on a get or delete means the thing is already absent.

use aws_sdk_iam::types::SummaryKeyType;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::future::join_all;
use time::OffsetDateTime;

use crate::aws_error::AwsError;
use crate::credentials::{
    AccessKey, AccountSummary, KeyLastUse, LoginProfile, MfaDevice, MfaKind, RootCredentials,
    SigningCertificate,
};
use crate::outcome::{Step, StepResult};
use crate::steps::StepLog;

fn to_time(date: &aws_smithy_types::DateTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(date.secs()).ok()
}

/// The outcome of a change that tolerates absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// The call succeeded.
    Applied,
    /// `NoSuchEntity`: already gone.
    AlreadyAbsent,
    /// Denied where AWS's sources disagree, so the thing stays, harmlessly.
    LeftInPlace,
    /// The call failed, and its step records the error code.
    Failed,
}

/// The root user of the session's account.
pub(crate) struct RootUser<'a> {
    iam: &'a aws_sdk_iam::Client,
    log: &'a StepLog,
}

/// The result of one round of reads: the credentials read, and whether every read succeeded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reads {
    pub(crate) credentials: RootCredentials,
    pub(crate) complete: bool,
}

impl<'a> RootUser<'a> {
    pub(crate) fn new(iam: &'a aws_sdk_iam::Client, log: &'a StepLog) -> Self {
        Self { iam, log }
    }

    /// Reads the login profile; `None` when the root user has no password.
    pub(crate) async fn login_profile(&self) -> Result<Option<LoginProfile>, AwsError> {
        match self.iam.get_login_profile().send().await {
            Ok(output) => {
                self.log
                    .record(Step::new("GetLoginProfile", None, StepResult::Ok));
                Ok(output.login_profile().map(|profile| LoginProfile {
                    created: to_time(profile.create_date()),
                    last_used: None,
                }))
            }
            Err(error) => {
                let error = AwsError::from_sdk(&error);
                if error.is_no_such_entity() {
                    self.log.record(Step::new(
                        "GetLoginProfile",
                        None,
                        StepResult::AlreadyAbsent,
                    ));
                    Ok(None)
                } else {
                    self.log.call("GetLoginProfile", None, Err(error))
                }
            }
        }
    }

    /// Reads `PasswordLastUsed` with `GetUser`.
    pub(crate) async fn password_last_used(&self) -> Result<Option<OffsetDateTime>, AwsError> {
        let result = self
            .iam
            .get_user()
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&error));
        let output = self.log.call("GetUser", None, result)?;
        Ok(output
            .user()
            .and_then(|user| user.password_last_used())
            .and_then(to_time))
    }

    /// Lists every access key, following `Marker` while `IsTruncated`.
    pub(crate) async fn access_keys(&self) -> Result<Vec<AccessKey>, AwsError> {
        let mut keys = Vec::new();
        let mut marker = None;
        loop {
            let result = self
                .iam
                .list_access_keys()
                .set_marker(marker)
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(&error));
            let output = self.log.call("ListAccessKeys", None, result)?;
            keys.extend(output.access_key_metadata().iter().filter_map(|key| {
                Some(AccessKey {
                    id: key.access_key_id()?.to_owned(),
                    status: key
                        .status()
                        .map(|status| status.as_str().to_owned())
                        .unwrap_or_default(),
                    created: key.create_date().and_then(to_time),
                    last_used: None,
                })
            }));
            match (output.is_truncated(), output.marker()) {
                (true, Some(next)) => marker = Some(next.to_owned()),
                _ => return Ok(keys),
            }
        }
    }

    /// Reads when, where and with which service an access key was last used.
    pub(crate) async fn key_last_use(&self, key_id: &str) -> Result<KeyLastUse, AwsError> {
        let result = self
            .iam
            .get_access_key_last_used()
            .access_key_id(key_id)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&error));
        let output = self
            .log
            .call("GetAccessKeyLastUsed", Some(key_id), result)?;
        let last_use = output.access_key_last_used();
        Ok(KeyLastUse {
            date: last_use
                .and_then(|last_use| last_use.last_used_date())
                .and_then(to_time),
            service: last_use
                .map(|last_use| last_use.service_name().to_owned())
                .unwrap_or_else(|| "N/A".to_owned()),
            region: last_use
                .map(|last_use| last_use.region().to_owned())
                .unwrap_or_else(|| "N/A".to_owned()),
        })
    }

    /// Lists every signing certificate, following `Marker` while `IsTruncated`.
    pub(crate) async fn signing_certificates(&self) -> Result<Vec<SigningCertificate>, AwsError> {
        let mut certificates = Vec::new();
        let mut marker = None;
        loop {
            let result = self
                .iam
                .list_signing_certificates()
                .set_marker(marker)
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(&error));
            let output = self.log.call("ListSigningCertificates", None, result)?;
            certificates.extend(output.certificates().iter().map(|certificate| {
                SigningCertificate {
                    id: certificate.certificate_id().to_owned(),
                    status: certificate.status().as_str().to_owned(),
                    uploaded: certificate.upload_date().and_then(to_time),
                }
            }));
            match (output.is_truncated(), output.marker()) {
                (true, Some(next)) => marker = Some(next.to_owned()),
                _ => return Ok(certificates),
            }
        }
    }

    /// Lists every enabled MFA device, following `Marker` while `IsTruncated`.
    pub(crate) async fn mfa_devices(&self) -> Result<Vec<MfaDevice>, AwsError> {
        let mut devices = Vec::new();
        let mut marker = None;
        loop {
            let result = self
                .iam
                .list_mfa_devices()
                .set_marker(marker)
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(&error));
            let output = self.log.call("ListMFADevices", None, result)?;
            devices.extend(output.mfa_devices().iter().map(|device| MfaDevice {
                serial: device.serial_number().to_owned(),
                kind: MfaKind::from_serial(device.serial_number()),
                enabled: to_time(device.enable_date()),
            }));
            match (output.is_truncated(), output.marker()) {
                (true, Some(next)) => marker = Some(next.to_owned()),
                _ => return Ok(devices),
            }
        }
    }

    /// Reads `GetAccountSummary`'s credential flags.
    pub(crate) async fn account_summary(&self) -> Result<AccountSummary, AwsError> {
        let result = self
            .iam
            .get_account_summary()
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&error));
        let output = self.log.call("GetAccountSummary", None, result)?;
        let flag = |key: SummaryKeyType| {
            output
                .summary_map()
                .and_then(|map| map.get(&key))
                .is_some_and(|value| *value > 0)
        };
        Ok(AccountSummary {
            password_present: flag(SummaryKeyType::AccountPasswordPresent),
            access_keys_present: flag(SummaryKeyType::AccountAccessKeysPresent),
            signing_certificates_present: flag(SummaryKeyType::AccountSigningCertificatesPresent),
            mfa_enabled: flag(SummaryKeyType::AccountMfaEnabled),
        })
    }

    /// Reads the four kinds of credential concurrently; with `key_last_use`, also each access
    /// key's last use. A failed read leaves its part empty and `complete` false.
    pub(crate) async fn read_credentials(&self, key_last_use: bool) -> Reads {
        let keys = async {
            let mut keys = self.access_keys().await?;
            if key_last_use {
                self.fill_key_last_use(&mut keys).await;
            }
            Ok::<_, AwsError>(keys)
        };
        let (login_profile, keys, certificates, devices) = futures::join!(
            self.login_profile(),
            keys,
            self.signing_certificates(),
            self.mfa_devices()
        );
        let complete =
            login_profile.is_ok() && keys.is_ok() && certificates.is_ok() && devices.is_ok();
        Reads {
            credentials: RootCredentials {
                login_profile: login_profile.ok().flatten(),
                access_keys: keys.unwrap_or_default(),
                signing_certificates: certificates.unwrap_or_default(),
                mfa_devices: devices.unwrap_or_default(),
            },
            complete,
        }
    }

    /// Fills in each key's last use concurrently; a failed lookup leaves it empty (its step
    /// records the error).
    pub(crate) async fn fill_key_last_use(&self, keys: &mut [AccessKey]) -> bool {
        let lookups = keys.iter().map(|key| self.key_last_use(&key.id));
        let results = join_all(lookups).await;
        let mut complete = true;
        for (key, result) in keys.iter_mut().zip(results) {
            match result {
                Ok(last_use) => key.last_used = Some(last_use),
                Err(_) => complete = false,
            }
        }
        complete
    }

    /// Records the result of a change, classifying absence and tolerated denials.
    fn change<T, E>(
        &self,
        action: &str,
        target: Option<&str>,
        result: Result<T, SdkError<E, HttpResponse>>,
        denied_means_left: bool,
    ) -> Change
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (step_result, change) = match result {
            Ok(_) => (StepResult::Ok, Change::Applied),
            Err(error) => {
                let error = AwsError::from_sdk(&error);
                if error.is_no_such_entity() {
                    (StepResult::AlreadyAbsent, Change::AlreadyAbsent)
                } else if denied_means_left && error.is_access_denied() {
                    (StepResult::LeftInPlace, Change::LeftInPlace)
                } else {
                    let failed = StepResult::Failed {
                        code: error.code,
                        message: error.message,
                    };
                    (failed, Change::Failed)
                }
            }
        };
        self.log.record(Step::new(action, target, step_result));
        change
    }

    pub(crate) async fn delete_login_profile(&self) -> Change {
        let result = self.iam.delete_login_profile().send().await;
        self.change("DeleteLoginProfile", None, result, false)
    }

    pub(crate) async fn delete_access_key(&self, key_id: &str) -> Change {
        let result = self
            .iam
            .delete_access_key()
            .access_key_id(key_id)
            .send()
            .await;
        self.change("DeleteAccessKey", Some(key_id), result, false)
    }

    pub(crate) async fn delete_signing_certificate(&self, certificate_id: &str) -> Change {
        let result = self
            .iam
            .delete_signing_certificate()
            .certificate_id(certificate_id)
            .send()
            .await;
        self.change(
            "DeleteSigningCertificate",
            Some(certificate_id),
            result,
            false,
        )
    }

    pub(crate) async fn deactivate_mfa_device(&self, serial: &str) -> Change {
        let result = self
            .iam
            .deactivate_mfa_device()
            .serial_number(serial)
            .send()
            .await;
        self.change("DeactivateMFADevice", Some(serial), result, false)
    }

    /// Deletes a deactivated virtual MFA device. Whether root sessions may still call this is
    /// disputed between AWS's sources, so `AccessDenied` leaves the device in place, unusable,
    /// and counts as success.
    pub(crate) async fn delete_virtual_mfa_device(&self, serial: &str) -> Change {
        let result = self
            .iam
            .delete_virtual_mfa_device()
            .serial_number(serial)
            .send()
            .await;
        self.change("DeleteVirtualMFADevice", Some(serial), result, true)
    }
}
