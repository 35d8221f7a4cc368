"""AWS Organizations: the scenario's organization inside moto, and what moto lacks.

moto stores the organization in the management account's backend, so every Organizations
request is forwarded with the management account ID after the checks here. The emulator
adds: fixed IDs from the scenario, account states, iam.amazonaws.com as a trusted-access and
delegated-administrator principal, the access rules for delegated administrators and plain
members, and ListAccounts pagination as AWS does it (MaxResults 1 to 20, default 20).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.organizations import utils as moto_utils
from moto.organizations.models import (
    FakeAccount,
    FakeDelegatedAdministrator,
    FakeServiceAccess,
    OrganizationsBackend,
    organizations_backends,
)

from . import scenario, wire
from .identity import Caller
from .request import Call

IAM_PRINCIPAL = "iam.amazonaws.com"
LIST_ACCOUNTS_MAX_RESULTS = 20
# The retired Status field for each State value.
STATUS_FOR_STATE = {
    "ACTIVE": "ACTIVE",
    "SUSPENDED": "SUSPENDED",
    "PENDING_CLOSURE": "PENDING_CLOSURE",
    "PENDING_ACTIVATION": "ACTIVE",
    "CLOSED": "SUSPENDED",
}
# Calls a delegated administrator (of any service) may make: the read-only ones.
DELEGATED_ADMIN_ACTIONS = frozenset(
    {
        "DescribeAccount",
        "DescribeOrganization",
        "DescribeOrganizationalUnit",
        "DescribePolicy",
        "ListAccounts",
        "ListAccountsForParent",
        "ListAWSServiceAccessForOrganization",
        "ListChildren",
        "ListDelegatedAdministrators",
        "ListDelegatedServicesForAccount",
        "ListOrganizationalUnitsForParent",
        "ListParents",
        "ListPolicies",
        "ListPoliciesForTarget",
        "ListRoots",
        "ListTagsForResource",
        "ListTargetsForPolicy",
    }
)
MEMBER_ACTIONS = frozenset({"DescribeOrganization"})


def install_moto_patches() -> None:
    """Let moto accept iam.amazonaws.com for trusted access and delegated administration."""
    if IAM_PRINCIPAL not in FakeServiceAccess.TRUSTED_SERVICES:
        FakeServiceAccess.TRUSTED_SERVICES.append(IAM_PRINCIPAL)
    if IAM_PRINCIPAL not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(IAM_PRINCIPAL)


def backend(management_account_id: str) -> OrganizationsBackend:
    return organizations_backends[management_account_id]["aws"]


@contextmanager
def _fixed_id(generator_name: str, value: str) -> Iterator[None]:
    """Make moto's random ID generator `generator_name` return `value` for the duration."""
    original = getattr(moto_utils, generator_name)
    setattr(moto_utils, generator_name, lambda *args: value)
    try:
        yield
    finally:
        setattr(moto_utils, generator_name, original)


def seed(plan: scenario.Scenario) -> None:
    """Create the scenario's organization, OUs, accounts, trusted access and delegated administrators in moto."""
    organization = plan.organization
    management_id = organization.management_account_id
    orgs = backend(management_id)

    with _fixed_id("make_random_org_id", organization.id), _fixed_id("make_random_root_id", organization.root_id):
        orgs.create_organization(region="us-east-1", FeatureSet=organization.feature_set)
    management_entry = plan.account(management_id)
    orgs.org.master_account_email = management_entry.email
    _apply_account_fields(orgs.get_account_by_id(management_id), management_entry)

    for unit in _parents_first(plan.organizational_units):
        with _fixed_id("make_random_ou_id", unit.id):
            orgs.create_organizational_unit(Name=unit.name, ParentId=unit.parent)

    for account in plan.accounts:
        if account.id == management_id:
            continue
        with _fixed_id("make_random_account_id", account.id):
            orgs.create_account(AccountName=account.name, Email=account.email)
        _apply_account_fields(orgs.get_account_by_id(account.id), account)

    for principal in plan.trusted_access:
        try:
            orgs.enable_aws_service_access(ServicePrincipal=principal)
        except Exception as error:
            raise scenario.ScenarioError(f"{plan.source}: trusted_access: {principal}: {getattr(error, 'message', error)}") from None
    for account_id, principal in plan.delegated_administrators:
        try:
            orgs.register_delegated_administrator(AccountId=account_id, ServicePrincipal=principal)
        except Exception as error:
            raise scenario.ScenarioError(
                f"{plan.source}: delegated_administrators: {account_id} for {principal}: {getattr(error, 'message', error)}"
            ) from None


def _apply_account_fields(fake: FakeAccount, account: scenario.Account) -> None:
    fake.name = account.name
    fake.email = account.email
    fake.parent_id = account.parent
    fake.state = account.state
    fake.status = STATUS_FOR_STATE[account.state]
    # moto computes JoinedTimestamp from a naive UTC datetime.
    fake.create_time = account.joined.replace(tzinfo=None)


def _parents_first(units: list[scenario.OrganizationalUnit]) -> list[scenario.OrganizationalUnit]:
    """Order OUs so that every parent comes before its children (the scenario checked that parents exist)."""
    placed: list[scenario.OrganizationalUnit] = []
    placed_ids: set[str] = set()
    remaining = list(units)
    while remaining:
        ready = [unit for unit in remaining if unit.parent.startswith("r-") or unit.parent in placed_ids]
        if not ready:
            cycle = ", ".join(unit.id for unit in remaining)
            raise scenario.ScenarioError(f"organizational units form a cycle: {cycle}")
        for unit in ready:
            placed.append(unit)
            placed_ids.add(unit.id)
            remaining.remove(unit)
    return placed


def find_account(management_account_id: str, account_id: str) -> FakeAccount | None:
    return next((account for account in backend(management_account_id).accounts if account.id == account_id), None)


def feature_set(management_account_id: str) -> str:
    return backend(management_account_id).org.feature_set


def trusted_access_enabled(management_account_id: str, principal: str) -> bool:
    return any(service["ServicePrincipal"] == principal for service in backend(management_account_id).services)


def is_delegated_admin(management_account_id: str, account_id: str, principal: str | None = None) -> bool:
    """Tell whether `account_id` is a delegated administrator, for `principal` or for any service."""
    for admin in backend(management_account_id).admins:
        if admin.account.id == account_id and (principal is None or principal in admin.services):
            return True
    return False


def handle(call: Call, caller: Caller, management_account_id: str) -> wire.Response | None:
    """Return the response to an Organizations call that the emulator overrides, or None to forward it to moto.

    Raise ApiError when the caller may not make the call.
    """
    if caller.account_id != management_account_id:
        _check_non_management_access(call, caller, management_account_id)

    if call.action == "ListAccounts":
        return wire.json_response("organizations", _list_accounts(call, management_account_id))
    if call.action == "RegisterDelegatedAdministrator":
        principal = call.params.get("ServicePrincipal")
        if principal == IAM_PRINCIPAL and not trusted_access_enabled(management_account_id, principal):
            raise wire.ApiError(
                "ConstraintViolationException",
                f"Trusted access for {IAM_PRINCIPAL} is not enabled; call EnableAWSServiceAccess "
                "for it before registering a delegated administrator.",
            )
    return None


def _check_non_management_access(call: Call, caller: Caller, management_account_id: str) -> None:
    if find_account(management_account_id, caller.account_id) is None:
        raise wire.ApiError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
    if call.action in MEMBER_ACTIONS:
        return
    if is_delegated_admin(management_account_id, caller.account_id) and call.action in DELEGATED_ADMIN_ACTIONS:
        return
    raise wire.ApiError(
        "AccessDeniedException",
        f"You don't have permissions to access this resource: account {caller.account_id} may not call "
        f"organizations:{call.action} (only the management account, or a delegated administrator for read calls).",
    )


def _list_accounts(call: Call, management_account_id: str) -> dict[str, Any]:
    max_results = call.params.get("MaxResults", LIST_ACCOUNTS_MAX_RESULTS)
    if not isinstance(max_results, int) or isinstance(max_results, bool) or not 1 <= max_results <= LIST_ACCOUNTS_MAX_RESULTS:
        reason = "MIN_VALUE_EXCEEDED" if isinstance(max_results, int) and max_results < 1 else "MAX_VALUE_EXCEEDED"
        raise wire.ApiError(
            "InvalidInputException",
            f"MaxResults {max_results!r} is invalid: it must be an integer from 1 to {LIST_ACCOUNTS_MAX_RESULTS}.",
            fields={"Reason": reason},
        )

    offset = _decode_token(call.params.get("NextToken"))
    accounts = backend(management_account_id).accounts
    page = accounts[offset : offset + max_results]
    result: dict[str, Any] = {"Accounts": [account.describe() for account in page]}
    if offset + max_results < len(accounts):
        result["NextToken"] = _encode_token(offset + max_results)
    return result


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: Any) -> int:
    if token is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(str(token).encode()))["offset"]
    except (ValueError, KeyError, TypeError):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise wire.ApiError(
            "InvalidInputException",
            "The NextToken is invalid: pass the NextToken of the previous ListAccounts page unchanged.",
            fields={"Reason": "INVALID_NEXT_TOKEN"},
        )
    return offset
