"""Exceptions raised by rootward.

Every exception derives from :class:`RootwardError`. A failure inside one member account is not
an exception: it is an :class:`~rootward.Outcome` with status ``failed`` or ``partial``, and its
``step`` and ``error_code`` say what failed. The exceptions here stop a whole call: bad input, a
preflight that finds the organization not ready, an organization-level AWS error, a report that
cannot be read or written.

The message of each exception is the whole error chain, and it never contains a credential.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccessDeniedError",
    "AwsError",
    "NotInOrganizationError",
    "PreflightError",
    "ReportError",
    "RootwardError",
    "SessionFailedError",
    "ThrottledError",
    "UsageError",
]


class RootwardError(Exception):
    """Base class of every rootward exception.

    Attributes:
        message: What failed and what to do, with the causes appended.
        code: The AWS error code behind the error, such as ``AccessDenied``, when there is one.
        account_id: The member account the error concerns, when there is one.
        step: The API action that failed, such as ``ListAccounts`` or ``AssumeRoot``.
    """

    message: str
    code: str | None
    account_id: str | None
    step: str | None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        account_id: str | None = None,
        step: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.account_id = account_id
        self.step = step

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        fields = [repr(self.message)]
        for name in ("code", "account_id", "step"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(fields)})"

    def __reduce__(self) -> tuple[Any, ...]:
        # The fields are keyword-only, so pickling (for multiprocessing) must carry them as
        # state rather than as constructor arguments.
        return (type(self), (self.message,), self.__dict__)


class UsageError(RootwardError, ValueError):
    """The caller passed an invalid value: a malformed account or OU ID, a bad region, an
    unreadable or foreign report. No AWS write call was made. The CLI exits with status 2."""


class NotInOrganizationError(UsageError):
    """An account or OU named by the caller is not part of the organization.

    Attributes:
        account_id: The account ID, when an account was not found.
        ou_id: The OU or root ID, when an organizational unit was not found.
        organization_id: The organization that was searched.
    """

    ou_id: str | None
    organization_id: str | None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        account_id: str | None = None,
        step: str | None = None,
        ou_id: str | None = None,
        organization_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, account_id=account_id, step=step)
        self.ou_id = ou_id
        self.organization_id = organization_id


class PreflightError(RootwardError):
    """The organization or the caller is not set up for root sessions, so no account was
    tried. The message names what is missing and which command or permission fixes it."""


class ThrottledError(RootwardError):
    """AWS kept throttling an organization-level request after every retry."""


class AccessDeniedError(RootwardError):
    """AWS denied an organization-level request."""


class SessionFailedError(RootwardError):
    """``sts:AssumeRoot`` failed in a way that stops the whole call."""


class AwsError(RootwardError):
    """Any other AWS error on an organization-level request."""


class ReportError(RootwardError):
    """Reading or writing a report failed.

    Attributes:
        path: The report file.
    """

    path: str | None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        account_id: str | None = None,
        step: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, code=code, account_id=account_id, step=step)
        self.path = path
