"""The root user of each account and the IAM calls a root session makes on it.

A root session addresses its account's root user by leaving out UserName. The handlers
below return IAM results (dicts rendered by wire.to_xml) or raise wire.ApiError with the
codes IAM uses: NoSuchEntity (404) for a missing entity, EntityAlreadyExists and
DeleteConflict (409), ValidationError (400) for invalid input. UserName is left out of
every result, as IAM does in GetUser for the root user; the SDKs default it to "".
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import scenario, wire
from .request import Call

DEFAULT_MAX_ITEMS = 100
MAX_MAX_ITEMS = 1000


@dataclass
class RootUser:
    """The credentials of one account's root user, which root sessions read and change."""

    account_id: str
    created: datetime
    login_profile: scenario.LoginProfile | None = None
    password_last_used: datetime | None = None
    access_keys: list[scenario.AccessKey] = field(default_factory=list)
    signing_certificates: list[scenario.SigningCertificate] = field(default_factory=list)
    mfa_devices: list[scenario.MfaDevice] = field(default_factory=list)
    unassigned_virtual_mfa_devices: list[str] = field(default_factory=list)

    @classmethod
    def from_spec(cls, account_id: str, spec: scenario.RootUserSpec) -> RootUser:
        spec = copy.deepcopy(spec)
        return cls(
            account_id=account_id,
            created=spec.created,
            login_profile=spec.password,
            password_last_used=spec.password_last_used,
            access_keys=spec.access_keys,
            signing_certificates=spec.signing_certificates,
            mfa_devices=spec.mfa_devices,
            unassigned_virtual_mfa_devices=spec.unassigned_virtual_mfa_devices,
        )

    def arn(self, partition: str) -> str:
        return f"arn:{partition}:iam::{self.account_id}:root"

    def describe(self, partition: str) -> dict[str, Any]:
        return {
            "UserId": self.account_id,
            "Arn": self.arn(partition),
            "CreateDate": self.created,
            "PasswordLastUsed": self.password_last_used,
        }


@dataclass
class Context:
    """What a handler needs besides the root user: the request, its partition and the time."""

    call: Call
    partition: str
    now: datetime


Handler = Callable[[RootUser, Context], "dict[str, Any] | None"]


def handle(user: RootUser, context: Context) -> dict[str, Any] | None:
    """Run the IAM action of `context.call` on `user`; return its result (None for no output)."""
    handler = HANDLERS.get(context.call.action)
    if handler is None:
        raise wire.ApiError(
            "AccessDenied",
            f"The emulator does not implement iam:{context.call.action} for the root user.",
            403,
        )
    return handler(user, context)


def _required(context: Context, name: str) -> str:
    value = context.call.param(name)
    if value is None:
        raise wire.ApiError("ValidationError", f"1 validation error detected: Value null at '{name[0].lower()}{name[1:]}' failed to satisfy constraint: Member must not be null")
    return value


def _paginate(items: list[Any], key: Callable[[Any], str], context: Context) -> tuple[list[Any], bool, str | None]:
    """Return one page of `items` in key order, whether more follow, and the next marker.

    The marker encodes the key of the first item of the next page, so deleting items that
    were already returned does not make a later page skip anything.
    """
    raw_max_items = context.call.param("MaxItems")
    try:
        max_items = int(raw_max_items) if raw_max_items is not None else DEFAULT_MAX_ITEMS
    except ValueError:
        raise wire.ApiError("ValidationError", f"Invalid MaxItems {raw_max_items!r}: expected an integer from 1 to {MAX_MAX_ITEMS}") from None
    if not 1 <= max_items <= MAX_MAX_ITEMS:
        raise wire.ApiError(
            "ValidationError",
            f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy constraint: "
            f"Member must have value between 1 and {MAX_MAX_ITEMS}",
        )

    ordered = sorted(items, key=key)
    marker = context.call.param("Marker")
    if marker is not None:
        try:
            start_key = base64.urlsafe_b64decode(marker.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            raise wire.ApiError("ValidationError", f"Invalid Marker {marker!r}: pass the Marker of the previous page unchanged") from None
        ordered = [item for item in ordered if key(item) >= start_key]

    page = ordered[:max_items]
    if len(ordered) > max_items:
        next_marker = base64.urlsafe_b64encode(key(ordered[max_items]).encode()).decode()
        return page, True, next_marker
    return page, False, None


def _page_result(list_name: str, page: list[dict[str, Any]], truncated: bool, marker: str | None) -> dict[str, Any]:
    return {list_name: page, "IsTruncated": truncated, "Marker": marker}


def get_login_profile(user: RootUser, context: Context) -> dict[str, Any]:
    if user.login_profile is None:
        raise wire.ApiError("NoSuchEntity", "Login Profile for User root cannot be found.", 404)
    return {"LoginProfile": _login_profile(user.login_profile)}


def _login_profile(profile: scenario.LoginProfile) -> dict[str, Any]:
    return {"CreateDate": profile.created, "PasswordResetRequired": profile.reset_required}


def create_login_profile(user: RootUser, context: Context) -> dict[str, Any]:
    if context.call.param("Password") is not None:
        raise wire.ApiError(
            "ValidationError",
            "A root session creates the root user's login profile without a Password; "
            "the root user then sets one through password recovery.",
        )
    if user.login_profile is not None:
        raise wire.ApiError("EntityAlreadyExists", "Login Profile for user root already exists.", 409)
    user.login_profile = scenario.LoginProfile(created=context.now)
    return {"LoginProfile": _login_profile(user.login_profile)}


def delete_login_profile(user: RootUser, context: Context) -> None:
    if user.login_profile is None:
        raise wire.ApiError("NoSuchEntity", "Login Profile for User root cannot be found.", 404)
    user.login_profile = None


def list_access_keys(user: RootUser, context: Context) -> dict[str, Any]:
    page, truncated, marker = _paginate(user.access_keys, lambda key: key.id, context)
    metadata = [{"AccessKeyId": key.id, "Status": key.status, "CreateDate": key.created} for key in page]
    return _page_result("AccessKeyMetadata", metadata, truncated, marker)


def _find_access_key(user: RootUser, context: Context) -> scenario.AccessKey:
    key_id = _required(context, "AccessKeyId")
    key = next((key for key in user.access_keys if key.id == key_id), None)
    if key is None:
        raise wire.ApiError("NoSuchEntity", f"The Access Key with id {key_id} cannot be found.", 404)
    return key


def get_access_key_last_used(user: RootUser, context: Context) -> dict[str, Any]:
    # NOTE: IAM's model lists no NoSuchEntity for this action. The emulator returns it for an
    # unknown key because no real response for that case was ever recorded.
    key = _find_access_key(user, context)
    if key.last_used is None:
        return {"AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}}
    last_used = key.last_used
    return {
        "AccessKeyLastUsed": {
            "LastUsedDate": last_used.date,
            "ServiceName": last_used.service,
            "Region": last_used.region,
        }
    }


def delete_access_key(user: RootUser, context: Context) -> None:
    key = _find_access_key(user, context)
    user.access_keys.remove(key)


def update_access_key(user: RootUser, context: Context) -> None:
    key = _find_access_key(user, context)
    status = _required(context, "Status")
    if status not in scenario.CREDENTIAL_STATUSES:
        raise wire.ApiError(
            "ValidationError",
            f"1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: "
            "Member must satisfy enum value set: [Active, Inactive]",
        )
    key.status = status


def list_signing_certificates(user: RootUser, context: Context) -> dict[str, Any]:
    page, truncated, marker = _paginate(user.signing_certificates, lambda certificate: certificate.id, context)
    certificates = [
        {
            "CertificateId": certificate.id,
            "CertificateBody": certificate.body,
            "Status": certificate.status,
            "UploadDate": certificate.uploaded,
        }
        for certificate in page
    ]
    return _page_result("Certificates", certificates, truncated, marker)


def delete_signing_certificate(user: RootUser, context: Context) -> None:
    certificate_id = _required(context, "CertificateId")
    certificate = next((item for item in user.signing_certificates if item.id == certificate_id), None)
    if certificate is None:
        raise wire.ApiError("NoSuchEntity", f"The Certificate with id {certificate_id} cannot be found.", 404)
    user.signing_certificates.remove(certificate)


def list_mfa_devices(user: RootUser, context: Context) -> dict[str, Any]:
    page, truncated, marker = _paginate(user.mfa_devices, lambda device: device.serial, context)
    devices = [{"SerialNumber": device.serial, "EnableDate": device.enabled} for device in page]
    return _page_result("MFADevices", devices, truncated, marker)


def deactivate_mfa_device(user: RootUser, context: Context) -> None:
    """Remove an MFA device from the root user; a virtual device stays, unassigned, until deleted."""
    serial = _required(context, "SerialNumber")
    device = next((item for item in user.mfa_devices if item.serial == serial), None)
    if device is None:
        raise wire.ApiError("NoSuchEntity", f"MFA Device with serial number {serial} does not exist.", 404)
    user.mfa_devices.remove(device)
    if device.device_type == "virtual":
        user.unassigned_virtual_mfa_devices.append(serial)


def delete_virtual_mfa_device(user: RootUser, context: Context) -> None:
    serial = _required(context, "SerialNumber")
    if any(device.serial == serial for device in user.mfa_devices):
        raise wire.ApiError("DeleteConflict", "MFA device is still in use; deactivate it first.", 409)
    if serial not in user.unassigned_virtual_mfa_devices:
        raise wire.ApiError("NoSuchEntity", f"VirtualMFADevice with serial number {serial} doesn't exist.", 404)
    user.unassigned_virtual_mfa_devices.remove(serial)


def list_virtual_mfa_devices(user: RootUser, context: Context) -> dict[str, Any]:
    status = context.call.param("AssignmentStatus") or "Any"
    if status not in ("Assigned", "Unassigned", "Any"):
        raise wire.ApiError("ValidationError", f"Invalid AssignmentStatus {status!r}: expected Assigned, Unassigned or Any")
    devices: list[dict[str, Any]] = []
    if status in ("Assigned", "Any"):
        devices += [
            {"SerialNumber": device.serial, "User": user.describe(context.partition), "EnableDate": device.enabled}
            for device in user.mfa_devices
            if device.device_type == "virtual"
        ]
    if status in ("Unassigned", "Any"):
        devices += [{"SerialNumber": serial} for serial in user.unassigned_virtual_mfa_devices]
    page, truncated, marker = _paginate(devices, lambda device: device["SerialNumber"], context)
    return _page_result("VirtualMFADevices", page, truncated, marker)


def get_user(user: RootUser, context: Context) -> dict[str, Any]:
    return {"User": user.describe(context.partition)}


def get_account_summary(user: RootUser, context: Context) -> dict[str, Any]:
    virtual_devices = [device for device in user.mfa_devices if device.device_type == "virtual"]
    summary = wire.XmlMap(
        AccountAccessKeysPresent=int(bool(user.access_keys)),
        AccountMFAEnabled=int(bool(user.mfa_devices)),
        AccountPasswordPresent=int(user.login_profile is not None),
        AccountSigningCertificatesPresent=int(bool(user.signing_certificates)),
        AccessKeysPerUserQuota=2,
        SigningCertificatesPerUserQuota=2,
        MFADevices=len(virtual_devices) + len(user.unassigned_virtual_mfa_devices),
        MFADevicesInUse=len(user.mfa_devices),
        Users=0,
        UsersQuota=5000,
        Groups=0,
        GroupsQuota=300,
        Roles=0,
        RolesQuota=1000,
        Policies=0,
        PoliciesQuota=1500,
    )
    return {"SummaryMap": summary}


HANDLERS: dict[str, Handler] = {
    "GetLoginProfile": get_login_profile,
    "CreateLoginProfile": create_login_profile,
    "DeleteLoginProfile": delete_login_profile,
    "ListAccessKeys": list_access_keys,
    "GetAccessKeyLastUsed": get_access_key_last_used,
    "DeleteAccessKey": delete_access_key,
    "UpdateAccessKey": update_access_key,
    "ListSigningCertificates": list_signing_certificates,
    "DeleteSigningCertificate": delete_signing_certificate,
    "ListMFADevices": list_mfa_devices,
    "DeactivateMFADevice": deactivate_mfa_device,
    "DeleteVirtualMFADevice": delete_virtual_mfa_device,
    "ListVirtualMFADevices": list_virtual_mfa_devices,
    "GetUser": get_user,
    "GetAccountSummary": get_account_summary,
}


def snapshot(user: RootUser) -> dict[str, Any]:
    """Describe the root user's credentials for the /_emulator/state route (no secrets exist here)."""
    profile = user.login_profile
    return {
        "created": wire.format_timestamp(user.created),
        "password": None
        if profile is None
        else {"created": wire.format_timestamp(profile.created), "reset_required": profile.reset_required},
        "password_last_used": _optional_timestamp(user.password_last_used),
        "access_keys": [
            {
                "id": key.id,
                "status": key.status,
                "created": wire.format_timestamp(key.created),
                "last_used": None
                if key.last_used is None
                else {
                    "date": wire.format_timestamp(key.last_used.date),
                    "service": key.last_used.service,
                    "region": key.last_used.region,
                },
            }
            for key in user.access_keys
        ],
        "signing_certificates": [
            {"id": certificate.id, "status": certificate.status, "uploaded": wire.format_timestamp(certificate.uploaded)}
            for certificate in user.signing_certificates
        ],
        "mfa_devices": [
            {"serial": device.serial, "type": device.device_type, "enabled": wire.format_timestamp(device.enabled)}
            for device in user.mfa_devices
        ],
        "unassigned_virtual_mfa_devices": list(user.unassigned_virtual_mfa_devices),
    }


def _optional_timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else wire.format_timestamp(moment)
