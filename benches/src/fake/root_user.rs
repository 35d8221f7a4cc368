//! The member accounts and their root users, generated from the account number.
//!
//! Account number `n` (1 to N) has the ID `200000000000 + n`. Its root user has the benchmark
//! workload: a password, two access keys, a signing certificate and a virtual MFA device, all
//! named from the account ID. Deletions are remembered in a fixed-size table keyed by account
//! number, so the fake's memory does not grow with N.

use std::sync::atomic::{AtomicU64, Ordering};

use super::wire::{Reply, IAM_NAMESPACE};

/// The first member account ID minus one.
pub(crate) const FIRST_ACCOUNT_BASE: u64 = 200_000_000_000;

/// The management account, which the fake lists nowhere but names as the organization's.
pub(crate) const MANAGEMENT_ACCOUNT_ID: &str = "111111111111";

/// A fixed date for every credential's creation.
const CREATED: &str = "2023-03-01T09:00:00Z";

/// A fixed date for every credential's last use.
const LAST_USED: &str = "2025-01-15T12:00:00Z";

/// The credentials of one root user, as bits of a change mask: a set bit means removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Credential {
    Password = 1,
    FirstKey = 1 << 1,
    SecondKey = 1 << 2,
    Certificate = 1 << 3,
    /// The virtual MFA device is deactivated (no longer assigned to the root user).
    MfaAssignment = 1 << 4,
    /// The virtual MFA device itself is deleted.
    MfaDevice = 1 << 5,
}

/// The number of slots in the change table. It only has to exceed by far the number of
/// accounts whose changes matter at once (those in flight), because an account reuses the slot
/// of the account `SLOTS` numbers before it.
const SLOTS: usize = 1 << 16;

/// A fixed-size table of the credentials removed from each recently changed account.
///
/// Each slot packs `account number + 1` above 8 bits of [`Credential`] flags. A slot that
/// contains another account means "nothing removed yet".
pub(crate) struct ChangeTable {
    slots: Box<[AtomicU64]>,
}

impl std::fmt::Debug for ChangeTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeTable")
            .field("slots", &self.slots.len())
            .finish()
    }
}

impl ChangeTable {
    pub(crate) fn new() -> Self {
        Self {
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn slot(&self, number: u64) -> &AtomicU64 {
        // The remainder is below SLOTS, which fits in usize.
        &self.slots[(number % SLOTS as u64) as usize]
    }

    fn removed(&self, number: u64) -> u8 {
        let value = self.slot(number).load(Ordering::Acquire);
        if value >> 8 == number + 1 {
            (value & 0xff) as u8
        } else {
            0
        }
    }

    fn remove(&self, number: u64, credential: Credential) {
        let tag = (number + 1) << 8;
        let _ = self
            .slot(number)
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |value| {
                let base = if value >> 8 == number + 1 { value } else { tag };
                Some(base | credential as u64)
            });
    }
}

/// The root user of one member account, as its root sessions read and change it.
pub(crate) struct RootUser<'a> {
    number: u64,
    account_id: String,
    changes: &'a ChangeTable,
}

impl<'a> RootUser<'a> {
    pub(crate) fn new(number: u64, changes: &'a ChangeTable) -> Self {
        Self {
            number,
            account_id: (FIRST_ACCOUNT_BASE + number).to_string(),
            changes,
        }
    }

    fn present(&self, credential: Credential) -> bool {
        self.changes.removed(self.number) & credential as u8 == 0
    }

    fn key_id(&self, credential: Credential) -> String {
        let suffix = if credential == Credential::FirstKey {
            "KEY1"
        } else {
            "KEY2"
        };
        format!("AKIA{}{suffix}", self.account_id)
    }

    fn certificate_id(&self) -> String {
        format!("CERT{}00000000000000000000", self.account_id)
    }

    fn mfa_serial(&self) -> String {
        format!(
            "arn:aws:iam::{}:mfa/root-account-mfa-device",
            self.account_id
        )
    }

    fn not_found(what: &str) -> Reply {
        Reply::query_error(
            IAM_NAMESPACE,
            404,
            "NoSuchEntity",
            &format!("{what} cannot be found."),
        )
    }

    /// Runs one IAM action of a root session and builds its response. `param` reads a request
    /// parameter.
    pub(crate) fn answer(&self, action: &str, param: impl Fn(&str) -> Option<String>) -> Reply {
        let ok = |result: &str| Reply::query(IAM_NAMESPACE, action, result);
        match action {
            "GetLoginProfile" => {
                if self.present(Credential::Password) {
                    ok(&format!(
                        "<LoginProfile><CreateDate>{CREATED}</CreateDate><PasswordResetRequired>false</PasswordResetRequired></LoginProfile>"
                    ))
                } else {
                    Self::not_found("Login Profile for User root")
                }
            }
            "DeleteLoginProfile" => self.delete(Credential::Password, "Login Profile", ok),
            "GetUser" => ok(&format!(
                "<User><Path>/</Path><UserId>{id}</UserId><Arn>arn:aws:iam::{id}:root</Arn><CreateDate>{CREATED}</CreateDate><PasswordLastUsed>{LAST_USED}</PasswordLastUsed></User>",
                id = self.account_id
            )),
            "GetAccountSummary" => ok(&self.account_summary()),
            "ListAccessKeys" => {
                let mut members = String::new();
                for key in [Credential::FirstKey, Credential::SecondKey] {
                    if self.present(key) {
                        members.push_str(&format!(
                            "<member><AccessKeyId>{}</AccessKeyId><Status>Active</Status><CreateDate>{CREATED}</CreateDate></member>",
                            self.key_id(key)
                        ));
                    }
                }
                ok(&format!(
                    "<AccessKeyMetadata>{members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>"
                ))
            }
            "GetAccessKeyLastUsed" => match self.find_key(param("AccessKeyId")) {
                Some(_) => ok(&format!(
                    "<UserName>root</UserName><AccessKeyLastUsed><LastUsedDate>{LAST_USED}</LastUsedDate><ServiceName>s3</ServiceName><Region>us-east-1</Region></AccessKeyLastUsed>"
                )),
                None => Self::not_found("The Access Key"),
            },
            "DeleteAccessKey" => match self.find_key(param("AccessKeyId")) {
                Some(key) => self.delete(key, "The Access Key", ok),
                None => Self::not_found("The Access Key"),
            },
            "ListSigningCertificates" => {
                let members = if self.present(Credential::Certificate) {
                    format!(
                        "<member><CertificateId>{}</CertificateId><CertificateBody>-----BEGIN CERTIFICATE-----</CertificateBody><Status>Active</Status><UploadDate>{CREATED}</UploadDate></member>",
                        self.certificate_id()
                    )
                } else {
                    String::new()
                };
                ok(&format!(
                    "<Certificates>{members}</Certificates><IsTruncated>false</IsTruncated>"
                ))
            }
            "DeleteSigningCertificate" => {
                if param("CertificateId").as_deref() == Some(&self.certificate_id()) {
                    self.delete(Credential::Certificate, "The Certificate", ok)
                } else {
                    Self::not_found("The Certificate")
                }
            }
            "ListMFADevices" => {
                let members = if self.present(Credential::MfaAssignment) {
                    format!(
                        "<member><SerialNumber>{}</SerialNumber><EnableDate>{CREATED}</EnableDate></member>",
                        self.mfa_serial()
                    )
                } else {
                    String::new()
                };
                ok(&format!(
                    "<MFADevices>{members}</MFADevices><IsTruncated>false</IsTruncated>"
                ))
            }
            "DeactivateMFADevice" => {
                if param("SerialNumber").as_deref() == Some(&self.mfa_serial()) {
                    self.delete(Credential::MfaAssignment, "MFA Device", ok)
                } else {
                    Self::not_found("MFA Device")
                }
            }
            "DeleteVirtualMFADevice" => {
                if param("SerialNumber").as_deref() != Some(&self.mfa_serial()) {
                    Self::not_found("VirtualMFADevice")
                } else if self.present(Credential::MfaAssignment) {
                    Reply::query_error(
                        IAM_NAMESPACE,
                        409,
                        "DeleteConflict",
                        "MFA device is still in use.",
                    )
                } else {
                    self.delete(Credential::MfaDevice, "VirtualMFADevice", ok)
                }
            }
            _ => Reply::query_error(
                IAM_NAMESPACE,
                403,
                "AccessDenied",
                &format!("the fake does not answer iam:{action} for a root user"),
            ),
        }
    }

    fn find_key(&self, id: Option<String>) -> Option<Credential> {
        let id = id?;
        [Credential::FirstKey, Credential::SecondKey]
            .into_iter()
            .find(|&key| self.present(key) && self.key_id(key) == id)
    }

    fn delete(&self, credential: Credential, what: &str, ok: impl Fn(&str) -> Reply) -> Reply {
        if !self.present(credential) {
            return Self::not_found(what);
        }
        self.changes.remove(self.number, credential);
        ok("")
    }

    fn account_summary(&self) -> String {
        let flag = |present: bool| u8::from(present);
        let entries = [
            (
                "AccountPasswordPresent",
                flag(self.present(Credential::Password)),
            ),
            (
                "AccountAccessKeysPresent",
                flag(self.present(Credential::FirstKey) || self.present(Credential::SecondKey)),
            ),
            (
                "AccountSigningCertificatesPresent",
                flag(self.present(Credential::Certificate)),
            ),
            (
                "AccountMFAEnabled",
                flag(self.present(Credential::MfaAssignment)),
            ),
        ];
        let mut map = String::from("<SummaryMap>");
        for (key, value) in entries {
            map.push_str(&format!(
                "<entry><key>{key}</key><value>{value}</value></entry>"
            ));
        }
        map.push_str("</SummaryMap>");
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_table_keeps_one_account_per_slot() {
        let table = ChangeTable::new();
        table.remove(7, Credential::Password);
        table.remove(7, Credential::FirstKey);
        assert_eq!(table.removed(7), 0b11);
        assert_eq!(table.removed(8), 0);

        // An account that maps to the same slot starts with nothing removed.
        let same_slot = 7 + SLOTS as u64;
        assert_eq!(table.removed(same_slot), 0);
        table.remove(same_slot, Credential::Certificate);
        assert_eq!(table.removed(same_slot), Credential::Certificate as u8);
        assert_eq!(table.removed(7), 0);
    }

    #[test]
    fn deleting_twice_is_not_found() {
        let table = ChangeTable::new();
        let user = RootUser::new(1, &table);
        let key = format!("AKIA{}KEY1", FIRST_ACCOUNT_BASE + 1);
        let param = |name: &str| (name == "AccessKeyId").then(|| key.clone());
        assert_eq!(user.answer("DeleteAccessKey", param).status(), 200);
        assert_eq!(user.answer("DeleteAccessKey", param).status(), 404);
    }
}
