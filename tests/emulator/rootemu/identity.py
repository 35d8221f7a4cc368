"""Callers and root sessions: who signed a request, and sts:GetCallerIdentity.

An access key issued by sts:AssumeRoot is a root session in its target account. An access
key listed under "callers" in the scenario acts in that caller's account. Any other access
key acts as the management account, so dummy credentials work out of the box. A request
without a SigV4 signature is an "unknown" caller and also acts as the management account.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from moto.utilities.utils import get_partition

from . import wire
from .request import Call

MANAGEMENT = "management"
CALLER = "caller"
ROOT_SESSION = "root_session"
UNKNOWN = "unknown"


@dataclass
class RootSession:
    """Temporary root credentials issued by sts:AssumeRoot, kept in memory only."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    caller_account: str
    target_account: str
    task_policy: str
    issued_at: datetime
    expiration: datetime
    # Moment from which requests get ExpiredToken: the expiration, or earlier with --session-seconds.
    ends_at: datetime


@dataclass(frozen=True)
class Caller:
    kind: str
    account_id: str
    name: str
    session: RootSession | None = None

    def principal_arn(self, partition: str) -> str:
        if self.session is not None:
            return f"arn:{partition}:iam::{self.account_id}:root"
        return f"arn:{partition}:iam::{self.account_id}:user/{self.name}"

    def user_id(self) -> str:
        """Return a stable IAM-style unique ID (AIDA...) for a user, or the account ID for a root session."""
        if self.session is not None:
            return self.account_id
        digest = hashlib.sha256(f"{self.account_id}/{self.name}".encode()).hexdigest().upper()
        letters = "".join(ch for ch in digest if ch.isalnum())
        return "AIDA" + letters[:17]


def resolve(state, call: Call) -> Caller:
    """Return the caller that signed `call` (see the module documentation for the rules)."""
    management = state.scenario.organization.management_account_id
    if not call.signed:
        return Caller(UNKNOWN, management, state.scenario.management_user)
    session = state.sessions.get(call.access_key)
    if session is not None:
        return Caller(ROOT_SESSION, session.target_account, "root", session)
    registered = state.callers.get(call.access_key)
    if registered is not None:
        return Caller(CALLER, registered.account_id, registered.name)
    return Caller(MANAGEMENT, management, state.scenario.management_user)


def check_session(call: Call, caller: Caller, now: datetime) -> None:
    """Reject a root-session request whose token does not match or whose session has ended."""
    session = caller.session
    if session is None:
        return
    if call.session_token != session.session_token:
        if call.service == "s3":
            raise wire.ApiError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)
        raise wire.ApiError("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    if now >= session.ends_at:
        if call.service == "s3":
            # S3 reports an expired token with HTTP 400, unlike IAM and STS.
            raise wire.ApiError("ExpiredToken", "The provided token has expired.", 400)
        if call.service == "organizations":
            raise wire.ApiError("ExpiredTokenException", "The security token included in the request is expired", 400)
        raise wire.ApiError("ExpiredToken", "The security token included in the request is expired", 403)


def get_caller_identity(call: Call, caller: Caller) -> dict[str, str]:
    """Return the GetCallerIdentity result for `caller`."""
    partition = get_partition(call.region)
    return {
        "UserId": caller.user_id(),
        "Account": caller.account_id,
        "Arn": caller.principal_arn(partition),
    }
