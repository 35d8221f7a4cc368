"""The five AWS managed root task policies and their enforcement on root-session requests.

Each task policy is a deny-only guard: a root session may call only the actions listed for
its policy, and only on its own account's root user, buckets or queues. Everything else
(other services, IAM calls that name a UserName, resources of another account) gets
AccessDenied. sts:GetCallerIdentity needs no permission in AWS, so it is always allowed.
"""

from __future__ import annotations

import re

from moto.utilities.utils import get_partition

from . import storage, wire
from .identity import RootSession
from .request import Call

TASK_POLICY_ACTIONS: dict[str, frozenset[str]] = {
    "IAMAuditRootUserCredentials": frozenset(
        {
            "iam:GetLoginProfile",
            "iam:ListAccessKeys",
            "iam:GetAccessKeyLastUsed",
            "iam:ListSigningCertificates",
            "iam:ListMFADevices",
            "iam:GetUser",
            "iam:GetAccountSummary",
        }
    ),
    "IAMDeleteRootUserCredentials": frozenset(
        {
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
        }
    ),
    "IAMCreateRootUserPassword": frozenset({"iam:CreateLoginProfile", "iam:GetLoginProfile"}),
    "S3UnlockBucketPolicy": frozenset(
        {"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:ListAllMyBuckets"}
    ),
    "SQSUnlockQueuePolicy": frozenset(
        {"sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:ListQueues", "sqs:GetQueueUrl"}
    ),
}
TASK_POLICY_ARN_PATTERN = re.compile(r"^arn:([a-z-]+):iam::aws:policy/root-task/([A-Za-z0-9]+)$")
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})
# SQS actions that address one queue through QueueUrl.
SQS_QUEUE_ACTIONS = frozenset({"GetQueueAttributes", "SetQueueAttributes"})


def task_policy_name(arn: str, partition: str) -> str | None:
    """Return the short name of a root task policy ARN in `partition`, or None if it is not one."""
    match = TASK_POLICY_ARN_PATTERN.match(arn)
    if match is None:
        return None
    arn_partition, name = match.groups()
    if arn_partition != partition or name not in TASK_POLICY_ACTIONS:
        return None
    return name


def check(call: Call, session: RootSession, delete_virtual_mfa: str) -> None:
    """Raise AccessDenied unless the session's task policy allows `call`.

    `delete_virtual_mfa` is the scenario switch: "access_denied" removes
    iam:DeleteVirtualMFADevice from IAMDeleteRootUserCredentials.
    """
    action = call.iam_action
    if action in ALWAYS_ALLOWED:
        return
    partition = get_partition(call.region)
    principal = f"arn:{partition}:iam::{session.target_account}:root"

    allowed = TASK_POLICY_ACTIONS[session.task_policy]
    if delete_virtual_mfa == "access_denied":
        allowed = allowed - {"iam:DeleteVirtualMFADevice"}
    if action not in allowed:
        raise _denied(call, action, principal, f"no session policy allows the {action} action")

    if call.service == "iam" and call.param("UserName") is not None:
        raise _denied(
            call,
            action,
            principal,
            "a root session may act only on its own root user (leave out UserName)",
            resource=f"arn:{partition}:iam::{session.target_account}:user/{call.param('UserName')}",
        )
    if call.service == "s3" and call.bucket:
        owner = storage.bucket_owner(call.bucket)
        if owner is not None and owner != session.target_account:
            raise _denied(call, action, principal, f"the bucket belongs to account {owner}", resource=f"arn:{partition}:s3:::{call.bucket}")
    if call.service == "sqs":
        owner = _sqs_queue_account(call)
        if owner is not None and owner != session.target_account:
            queue_name = (call.param("QueueUrl") or call.param("QueueName") or "").rstrip("/").rsplit("/", 1)[-1]
            queue_arn = f"arn:{partition}:sqs:{call.region}:{owner}:{queue_name}"
            raise _denied(call, action, principal, f"the queue belongs to account {owner}", resource=queue_arn)


def _sqs_queue_account(call: Call) -> str | None:
    if call.action in SQS_QUEUE_ACTIONS:
        return storage.queue_url_account(call.param("QueueUrl"))
    if call.action == "GetQueueUrl":
        return call.param("QueueOwnerAWSAccountId")
    return None


def _denied(call: Call, action: str, principal: str, reason: str, resource: str | None = None) -> wire.ApiError:
    if call.service == "s3":
        return wire.ApiError("AccessDenied", f"Access Denied: {principal} may not perform {action} because {reason}.", 403)
    target = resource or principal
    message = f"User: {principal} is not authorized to perform: {action} on resource: {target} because {reason}"
    if call.service == "organizations":
        return wire.ApiError("AccessDeniedException", message, 400)
    return wire.ApiError("AccessDenied", message, 403)
