"""The IAM calls that turn centralized root access on and off for the organization.

ListOrganizationsFeatures, EnableOrganizationsRootCredentialsManagement,
EnableOrganizationsRootSessions and their Disable twins. The checks run in this order:
all-features mode, caller (management account or IAM delegated administrator), Enable or
Disable from a delegated administrator, then trusted access for iam.amazonaws.com.
"""

from __future__ import annotations

from typing import Any

from . import organizations, wire
from .identity import Caller

ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
ROOT_SESSIONS = "RootSessions"
# Each changing action: (feature, True to enable or False to disable).
FEATURE_CHANGES = {
    "EnableOrganizationsRootCredentialsManagement": (ROOT_CREDENTIALS_MANAGEMENT, True),
    "DisableOrganizationsRootCredentialsManagement": (ROOT_CREDENTIALS_MANAGEMENT, False),
    "EnableOrganizationsRootSessions": (ROOT_SESSIONS, True),
    "DisableOrganizationsRootSessions": (ROOT_SESSIONS, False),
}
ACTIONS = frozenset({"ListOrganizationsFeatures", *FEATURE_CHANGES})


def handle(action: str, caller: Caller, features: set[str], management_account_id: str) -> dict[str, Any]:
    """Run one organization-feature action, changing `features` in place; return the IAM result."""
    if organizations.find_account(management_account_id, caller.account_id) is None:
        raise wire.ApiError(
            "OrganizationNotFoundException",
            f"Account {caller.account_id} is not a member of an organization.",
        )
    if organizations.feature_set(management_account_id) != "ALL":
        raise wire.ApiError(
            "OrganizationNotInAllFeaturesModeException",
            "The organization does not have all features enabled; centralized root access needs all features.",
        )

    is_management = caller.account_id == management_account_id
    if not is_management and not organizations.is_delegated_admin(
        management_account_id, caller.account_id, organizations.IAM_PRINCIPAL
    ):
        raise wire.ApiError(
            "AccountNotManagementOrDelegatedAdministratorException",
            f"Account {caller.account_id} is neither the management account nor a delegated administrator for IAM.",
        )
    if action in FEATURE_CHANGES and not is_management:
        raise wire.ApiError(
            "CallerIsNotManagementAccountException",
            f"Only the management account {management_account_id} can call {action}; "
            f"account {caller.account_id} is a delegated administrator.",
        )
    if not organizations.trusted_access_enabled(management_account_id, organizations.IAM_PRINCIPAL):
        raise wire.ApiError(
            "ServiceAccessNotEnabledException",
            f"Trusted access for {organizations.IAM_PRINCIPAL} is not enabled in the organization; "
            "call organizations:EnableAWSServiceAccess for it first.",
        )

    if action in FEATURE_CHANGES:
        feature, enable = FEATURE_CHANGES[action]
        if enable:
            features.add(feature)
        else:
            features.discard(feature)

    organization_id = organizations.backend(management_account_id).org.id
    enabled = [feature for feature in (ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS) if feature in features]
    return {"OrganizationId": organization_id, "EnabledFeatures": enabled}
