//! What a root user holds: the inventory that audits report and deletions work through.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The root user's password, as IAM's login profile describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfile {
    /// When the password was created.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created: Option<OffsetDateTime>,
    /// When the password was last used to sign in (`GetUser` → `PasswordLastUsed`); absent
    /// when it was never used or was not read.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub last_used: Option<OffsetDateTime>,
}

/// The last use of an access key, from `GetAccessKeyLastUsed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLastUse {
    /// When the key was last used; absent when it never was.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub date: Option<OffsetDateTime>,
    /// The service it was used with, or `N/A`.
    pub service: String,
    /// The region it was used in, or `N/A`.
    pub region: String,
}

/// An access key of the root user. The key ID is not a secret; the secret key is never read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    /// The access key ID (`AKIA…`).
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// When the key was created.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created: Option<OffsetDateTime>,
    /// The key's last use, when it was read.
    #[serde(default)]
    pub last_used: Option<KeyLastUse>,
}

impl AccessKey {
    /// Reports whether the key was used at or after `since`.
    pub fn used_since(&self, since: OffsetDateTime) -> bool {
        self.last_used
            .as_ref()
            .and_then(|last_use| last_use.date)
            .is_some_and(|date| date >= since)
    }
}

/// An X.509 signing certificate of the root user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningCertificate {
    /// The certificate ID.
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// When the certificate was uploaded.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub uploaded: Option<OffsetDateTime>,
}

/// The kind of an MFA device, read from its serial number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaKind {
    /// A virtual authenticator app: serial `arn:…:mfa/…`.
    Virtual,
    /// A passkey or FIDO security key: serial `arn:…:u2f/…`.
    Passkey,
    /// A hardware TOTP token: any other serial.
    Hardware,
}

impl MfaKind {
    /// Derives the device kind from its serial number.
    pub fn from_serial(serial: &str) -> Self {
        if serial.starts_with("arn:") {
            let resource = serial.rsplit(':').next().unwrap_or_default();
            if resource.starts_with("u2f/") {
                return Self::Passkey;
            }
            if resource.starts_with("mfa/") {
                return Self::Virtual;
            }
        }
        Self::Hardware
    }

    /// Returns the kind's name as reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Virtual => "virtual",
            Self::Passkey => "passkey",
            Self::Hardware => "hardware",
        }
    }
}

/// An MFA device of the root user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDevice {
    /// The serial number (an ARN for virtual and passkey devices).
    pub serial: String,
    /// The device kind, read from the serial.
    pub kind: MfaKind,
    /// When the device was enabled.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub enabled: Option<OffsetDateTime>,
}

/// Everything a root user holds, as read in one root session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCredentials {
    /// The password, when one exists.
    pub login_profile: Option<LoginProfile>,
    /// The access keys.
    pub access_keys: Vec<AccessKey>,
    /// The signing certificates.
    pub signing_certificates: Vec<SigningCertificate>,
    /// The MFA devices that are enabled.
    pub mfa_devices: Vec<MfaDevice>,
}

impl RootCredentials {
    /// Reports whether the root user holds no credential at all.
    pub fn is_empty(&self) -> bool {
        self.login_profile.is_none()
            && self.access_keys.is_empty()
            && self.signing_certificates.is_empty()
            && self.mfa_devices.is_empty()
    }
}

/// The quick flags of `GetAccountSummary`, as 0 or 1 counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// `AccountPasswordPresent`.
    pub password_present: bool,
    /// `AccountAccessKeysPresent`.
    pub access_keys_present: bool,
    /// `AccountSigningCertificatesPresent`.
    pub signing_certificates_present: bool,
    /// `AccountMFAEnabled`.
    pub mfa_enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_kind_from_serial() {
        assert_eq!(
            MfaKind::from_serial("arn:aws:iam::123456789012:mfa/root-account-mfa-device"),
            MfaKind::Virtual
        );
        assert_eq!(
            MfaKind::from_serial("arn:aws:iam::123456789012:u2f/root-account-mfa-device/ABC"),
            MfaKind::Passkey
        );
        assert_eq!(MfaKind::from_serial("GAHT12345678"), MfaKind::Hardware);
    }
}
