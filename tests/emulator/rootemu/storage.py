"""S3 buckets and SQS queues: seeding into moto, ownership, and policies that lock everyone out.

moto keeps buckets and queues per account, and the emulator forwards each request with the
account of its caller (the target account for a root session). moto does not enforce bucket
or queue policies on these calls, so the emulator enforces the one case that matters here: a
policy statement that denies an action to every principal without a condition. Every caller
except a root session then gets AccessDenied, which is how AWS lets the root user remove such
a policy.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any
from urllib.parse import urlparse

from moto.s3.models import s3_backends
from moto.sqs.models import SQSBackend, sqs_backends
from moto.utilities.utils import get_partition

from . import scenario, wire
from .request import Call

_original_set_queue_attributes = SQSBackend.set_queue_attributes


def _set_queue_attributes_keeping_policy(self: SQSBackend, queue_name: str, attributes: dict[str, Any]) -> Any:
    # moto 5.2.1 clears the queue policy when SetQueueAttributes leaves Policy out; SQS keeps it.
    if "Policy" not in attributes:
        attributes = {**attributes, "Policy": self.get_queue(queue_name).policy}
    return _original_set_queue_attributes(self, queue_name, attributes)


def install_moto_patches() -> None:
    SQSBackend.set_queue_attributes = _set_queue_attributes_keeping_policy


def seed(account: scenario.Account) -> None:
    """Create the account's buckets and queues in moto, with their policies and attributes."""
    for bucket in account.buckets:
        backend = s3_backends[account.id][get_partition(bucket.region)]
        backend.create_bucket(bucket.name, bucket.region)
        if bucket.policy is not None:
            backend.put_bucket_policy(bucket.name, bucket.policy.encode())
    for queue in account.queues:
        sqs_backends[account.id][queue.region].create_queue(queue.name, **queue.attributes)


def bucket_owner(bucket_name: str) -> str | None:
    """Return the account that owns a bucket, or None when no such bucket exists."""
    entry = s3_backends.bucket_accounts.get(bucket_name)
    return None if entry is None else entry[1]


def queue_url_account(queue_url: str | None) -> str | None:
    """Return the account ID in a queue URL (http://HOST/ACCOUNT/NAME), or None for a bare name."""
    if not queue_url or "://" not in queue_url:
        return None
    parts = urlparse(queue_url).path.strip("/").split("/")
    return parts[0] if len(parts) == 2 else None


def check_lockout(call: Call) -> None:
    """Raise AccessDenied when the bucket or queue policy denies this action to everyone.

    The caller here is never a root session, because root sessions bypass this check.
    """
    if call.service == "s3" and call.bucket:
        _check_bucket(call)
    elif call.service == "sqs" and call.param("QueueUrl"):
        _check_queue(call)


def _check_bucket(call: Call) -> None:
    owner = bucket_owner(call.bucket)
    if owner is None:
        return
    bucket = s3_backends[owner][get_partition(call.region)].buckets.get(call.bucket)
    if bucket is None or not bucket.policy:
        return
    resource = f"arn:{get_partition(call.region)}:s3:::{call.bucket}"
    if call.object_key:
        resource += f"/{call.object_key}"
    if denies_everyone(bucket.policy, call.iam_action, resource):
        raise wire.ApiError("AccessDenied", "Access Denied", 403)


def _check_queue(call: Call) -> None:
    queue_url = call.param("QueueUrl")
    owner = queue_url_account(queue_url)
    if owner is None:
        return
    name = urlparse(queue_url).path.rstrip("/").rsplit("/", 1)[-1]
    queue = sqs_backends[owner][call.region].queues.get(name)
    if queue is None or not queue.policy:
        return
    action = call.iam_action
    if denies_everyone(queue.policy, action, queue.queue_arn):
        raise wire.ApiError(
            "AccessDenied",
            f"Access to the resource {queue_url} is denied: its queue policy denies {action} to every principal.",
            403,
        )


def denies_everyone(policy_text: str | bytes, action: str, resource: str) -> bool:
    """Return True when a statement denies `action` on `resource` to every principal, unconditionally."""
    try:
        document = json.loads(policy_text)
    except ValueError:
        return False
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return any(_statement_denies_everyone(statement, action, resource) for statement in statements if isinstance(statement, dict))


def _statement_denies_everyone(statement: dict[str, Any], action: str, resource: str) -> bool:
    if statement.get("Effect") != "Deny" or "Condition" in statement or "NotPrincipal" in statement:
        return False
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    principals = principal if isinstance(principal, list) else [principal]
    if "*" not in principals:
        return False
    return _matches_any(statement.get("Action"), action) and _matches_any(statement.get("Resource", "*"), resource)


def _matches_any(patterns: Any, value: str) -> bool:
    items = patterns if isinstance(patterns, list) else [patterns]
    return any(isinstance(item, str) and fnmatch.fnmatchcase(value.lower(), item.lower()) for item in items)


def snapshot(account_id: str) -> dict[str, Any]:
    """Describe an account's buckets (with policies) and queues (with attributes) for /_emulator/state."""
    buckets = {}
    for partition_backend in list(s3_backends[account_id].values()):
        for name, bucket in list(partition_backend.buckets.items()):
            policy = bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy
            buckets[name] = {"region": bucket.region_name, "policy": json.loads(policy) if policy else None}
    queues = {}
    for region, backend in list(sqs_backends[account_id].items()):
        for name, queue in list(backend.queues.items()):
            attributes = {key: str(value) for key, value in queue.attributes.items() if value is not None}
            queues[name] = {"region": region, "attributes": attributes}
    return {"buckets": buckets, "queues": queues}
