"""Audit and remove AWS member-account root credentials across an organization.

rootward runs one task per member account inside a short ``sts:AssumeRoot`` session scoped by
an AWS managed task policy, and returns one :class:`Outcome` per account::

    import rootward

    client = rootward.Client()
    for outcome in client.audit(accounts=["123456789012"]):
        print(outcome.account_id, outcome.status, outcome.counts)

See :class:`Client` for every command, :mod:`rootward.errors` for the exceptions, and
:func:`init_logging` to see the library's logs.
"""

from rootward._client import Client, RunOptions
from rootward._types import Mode, Status, StepResult
from rootward._native import (
    Change,
    CredentialCounts,
    OrganizationStatus,
    Outcome,
    Run,
    RunInfo,
    Step,
    Summary,
    __version__,
    init_logging,
)
from rootward.errors import (
    AccessDeniedError,
    AwsError,
    NotInOrganizationError,
    PreflightError,
    ReportError,
    RootwardError,
    SessionFailedError,
    ThrottledError,
    UsageError,
)

__all__ = [
    "AccessDeniedError",
    "AwsError",
    "Change",
    "Client",
    "CredentialCounts",
    "Mode",
    "NotInOrganizationError",
    "OrganizationStatus",
    "Outcome",
    "PreflightError",
    "ReportError",
    "RootwardError",
    "Run",
    "RunInfo",
    "RunOptions",
    "SessionFailedError",
    "Status",
    "Step",
    "StepResult",
    "Summary",
    "ThrottledError",
    "UsageError",
    "__version__",
    "init_logging",
]
