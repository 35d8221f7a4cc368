"""sts:AssumeRoot: validation, authorization and issuing of root sessions.

Validation errors (HTTP 400 ValidationError) come first: DurationSeconds outside 0 to 900,
a TaskPolicyArn that is not one of the five root task policies of the request's partition,
and a TargetPrincipal that is neither a 12-digit account ID nor arn:PARTITION:iam::ACCOUNT:root.
Authorization errors (HTTP 403 AccessDenied) follow. The caller must be the management account
or a delegated administrator for iam.amazonaws.com, and trusted access and the RootSessions
feature must be on. The target must not be the management account, and must be an ACTIVE
account of the organization. Real AWS responses were recorded only for some of these cases, as
README.md lists.
"""

from __future__ import annotations

import base64
import re
import secrets
import string
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from moto.utilities.utils import get_partition

from . import organizations, policies, wire
from .identity import Caller, RootSession
from .request import Call

MAX_DURATION_SECONDS = 900
ACCOUNT_ID_PATTERN = re.compile(r"^\d{12}$")
ROOT_PRINCIPAL_PATTERN = re.compile(r"^arn:([a-z-]+):iam::(\d{12}):root$")
ACCESS_KEY_ALPHABET = string.ascii_uppercase + "234567"

# When set (serve.py --credentials-log), every issued session's key, secret and token is
# appended here, so leak tests know exactly which strings must never appear in logs or reports.
CREDENTIALS_LOG: Path | None = None


def assume_root(
    call: Call,
    caller: Caller,
    management_account_id: str,
    features: set[str],
    session_seconds: float | None,
    now: datetime,
) -> tuple[dict[str, Any], RootSession]:
    """Validate and authorize an AssumeRoot call; return its result and the new session."""
    partition = get_partition(call.region)
    duration = _duration_seconds(call)
    task_policy = _task_policy(call, partition)
    target = _target_account(call, partition)

    denied = _denial_reason(caller, target, management_account_id, features)
    if denied:
        raise wire.ApiError(
            "AccessDenied",
            f"User: {caller.principal_arn(partition)} is not authorized to perform: sts:AssumeRoot "
            f"on resource: arn:{partition}:iam::{target}:root because {denied}",
            403,
        )

    expiration = now + timedelta(seconds=duration)
    lifetime = duration if session_seconds is None else min(duration, session_seconds)
    session = RootSession(
        access_key_id="ASIA" + "".join(secrets.choice(ACCESS_KEY_ALPHABET) for _ in range(16)),
        secret_access_key=base64.b64encode(secrets.token_bytes(30)).decode(),
        session_token=base64.b64encode(secrets.token_bytes(300)).decode(),
        caller_account=caller.account_id,
        target_account=target,
        task_policy=task_policy,
        issued_at=now,
        expiration=expiration,
        ends_at=now + timedelta(seconds=lifetime),
    )
    if CREDENTIALS_LOG is not None:
        with open(CREDENTIALS_LOG, "a", encoding="ascii") as log:
            log.write(f"{session.access_key_id}\t{session.secret_access_key}\t{session.session_token}\n")
    result = {
        "Credentials": {
            "AccessKeyId": session.access_key_id,
            "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token,
            "Expiration": expiration,
        }
    }
    return result, session


def _validation_error(message: str) -> wire.ApiError:
    return wire.ApiError("ValidationError", message, 400)


def _duration_seconds(call: Call) -> int:
    raw = call.param("DurationSeconds")
    if raw is None:
        return MAX_DURATION_SECONDS
    try:
        duration = int(raw)
    except ValueError:
        raise _validation_error(f"Invalid DurationSeconds {raw!r}: expected an integer from 0 to {MAX_DURATION_SECONDS}") from None
    if duration > MAX_DURATION_SECONDS:
        raise _validation_error(
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
            f"Member must have value less than or equal to {MAX_DURATION_SECONDS}"
        )
    if duration < 0:
        raise _validation_error(
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value greater than or equal to 0"
        )
    return duration


def _task_policy(call: Call, partition: str) -> str:
    arn = call.param("TaskPolicyArn.arn")
    if arn is None:
        raise _validation_error("1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null")
    name = policies.task_policy_name(arn, partition)
    if name is None:
        allowed = ", ".join(f"arn:{partition}:iam::aws:policy/root-task/{policy}" for policy in policies.TASK_POLICY_ACTIONS)
        raise _validation_error(f"The TaskPolicyArn {arn} is not a root task policy; use one of {allowed}")
    return name


def _target_account(call: Call, partition: str) -> str:
    target = call.param("TargetPrincipal")
    if target is None:
        raise _validation_error("1 validation error detected: Value null at 'targetPrincipal' failed to satisfy constraint: Member must not be null")
    if ACCOUNT_ID_PATTERN.match(target):
        return target
    match = ROOT_PRINCIPAL_PATTERN.match(target)
    if match and match.group(1) == partition:
        return match.group(2)
    raise _validation_error(
        f"The TargetPrincipal {target} is invalid: expected a 12-digit account ID or the account's "
        f"root principal ARN arn:{partition}:iam::ACCOUNT:root"
    )


def _denial_reason(caller: Caller, target: str, management_account_id: str, features: set[str]) -> str | None:
    """Return why the caller may not start a root session in `target`, or None if it may."""
    is_management = caller.account_id == management_account_id
    if not is_management and not organizations.is_delegated_admin(
        management_account_id, caller.account_id, organizations.IAM_PRINCIPAL
    ):
        return f"account {caller.account_id} is neither the management account nor a delegated administrator for iam.amazonaws.com"
    if not organizations.trusted_access_enabled(management_account_id, organizations.IAM_PRINCIPAL):
        return "trusted access for iam.amazonaws.com is not enabled in the organization"
    if "RootSessions" not in features:
        return "the RootSessions feature is not enabled in the organization"
    if target == management_account_id:
        return "the target is the management account, which root sessions cannot address"
    account = organizations.find_account(management_account_id, target)
    if account is None:
        return f"account {target} is not a member of the organization"
    if account.state != "ACTIVE":
        return f"account {target} is {account.state}, not ACTIVE"
    return None
