"""The typed client over the compiled module."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, TypedDict, Unpack

from rootward import _native
from rootward._native import Change, OrganizationStatus, Outcome, Run
from rootward.errors import RootwardError

__all__ = ["Client", "RunOptions"]


class RunOptions(TypedDict, total=False):
    """Options of a run over many accounts; every key is optional.

    Attributes:
        accounts: Member account IDs to target, as a list or one comma-separated string.
            Default: every account of the organization.
        exclude_accounts: Account IDs to leave out. Exclusion wins over targets.
        ous: OU or root IDs whose accounts (nested OUs included) to target.
        exclude_ous: OU IDs whose accounts (nested OUs included) to leave out.
        concurrency: Member accounts in flight at once. Default: 16.
        max_failures: Stop starting new accounts after this many failed; the rest come back
            ``skipped``. Default: no limit.
        duration: Root session length in seconds, 1 to 900. Default: 300.
        report: Write a report to this file: CSV for ``.csv``, JSON Lines for ``.jsonl``,
            ``.ndjson`` or ``.json``.
        resume: Resume from this previous report of the same organization, task and mode,
            appending to it; accounts already settled there are left untouched.
    """

    accounts: str | Iterable[str] | None
    exclude_accounts: str | Iterable[str] | None
    ous: str | Iterable[str] | None
    exclude_ous: str | Iterable[str] | None
    concurrency: int
    max_failures: int | None
    duration: int
    report: str | os.PathLike[str] | None
    resume: str | os.PathLike[str] | None


_ID_LISTS = ("accounts", "exclude_accounts", "ous", "exclude_ous")
_DEFAULTS: dict[str, Any] = {
    "concurrency": 16,
    "max_failures": None,
    "duration": 300,
    "report": None,
    "resume": None,
}


def _id_list(name: str, value: str | Iterable[str] | None) -> list[str]:
    """Accept a comma-separated string or an iterable of IDs, as the CLI accepts both forms."""
    if value is None:
        return []
    if isinstance(value, str):
        items: Iterable[str] = value.split(",")
    else:
        items = value
    ids = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must contain strings, got {type(item).__name__}: {item!r}")
        if item.strip():
            ids.append(item.strip())
    return ids


def _path(value: str | os.PathLike[str] | None) -> str | None:
    return None if value is None else os.fspath(value)


def _native_options(method: str, options: RunOptions) -> dict[str, Any]:
    """Check the keywords of a run method and fill in the defaults."""
    known = RunOptions.__optional_keys__
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(
            f"{method}() got an unexpected keyword argument {unknown[0]!r}; "
            f"run options are: {', '.join(sorted(known))}"
        )
    values: dict[str, Any] = {**_DEFAULTS, **options}
    for name in _ID_LISTS:
        values[name] = _id_list(name, values.get(name))
    values["report"] = _path(values["report"])
    values["resume"] = _path(values["resume"])
    return values


def _features(value: str | Iterable[str] | None) -> list[str]:
    return _id_list("features", value)


def _single(outcomes: list[Outcome]) -> Outcome:
    """Return the only outcome of a one-account run."""
    if len(outcomes) != 1:
        raise RootwardError(f"expected the outcome of one account, got {len(outcomes)} outcomes")
    return outcomes[0]


class Client:
    """The AWS clients of the calling principal, and one method per rootward command.

    Credentials, region and endpoint come from aws-config's standard chain (``AWS_PROFILE``,
    ``AWS_REGION``, ``AWS_ENDPOINT_URL``, SSO, instance metadata …) unless given here.

    Each run method comes in three forms: ``audit()`` returns the outcomes as a list,
    ``audit_async()`` is its awaitable twin, and ``iter_audit()`` returns a :class:`Run` that
    yields outcomes as accounts finish, with ``for`` or ``async for``. Blocking calls release
    the GIL. One client may serve calls from many threads at once.

    Args:
        profile: A named profile from the shared AWS configuration files.
        region: The region for STS, IAM and Organizations; default: the configured region,
            else ``us-east-1``.
        endpoint_url: Send every request to this endpoint, such as a local emulator.
        max_attempts: Attempts per AWS request, retries with jittered backoff included.
        max_rps: A cap on AWS requests per second across every account of a run, retries
            included; default: no cap.

    Raises:
        UsageError: A malformed region or endpoint, or ``max_attempts`` of 0.
    """

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = _native.DEFAULT_MAX_ATTEMPTS,
        max_rps: int | None = None,
    ) -> None:
        self._native = _native.Client(profile, region, endpoint_url, max_attempts, max_rps)

    @property
    def region(self) -> str:
        """The region every request goes to."""
        return self._native.region

    def __repr__(self) -> str:
        return repr(self._native)

    # audit

    def iter_audit(self, **options: Unpack[RunOptions]) -> Run:
        """Audit the root credentials of the selected member accounts, lazily.

        Returns a :class:`Run` that starts at the first request for an outcome and yields one
        :class:`Outcome` per account as accounts finish.
        """
        return self._native.audit(_native_options("iter_audit", options))

    def audit(self, **options: Unpack[RunOptions]) -> list[Outcome]:
        """Audit the root credentials (password, access keys, signing certificates, MFA
        devices) of the selected member accounts; one :class:`Outcome` per account."""
        return self._native.audit(_native_options("audit", options)).collect()

    async def audit_async(self, **options: Unpack[RunOptions]) -> list[Outcome]:
        """Awaitable twin of :meth:`audit`."""
        return await self._native.audit(_native_options("audit_async", options)).collect_async()

    # delete-credentials

    def iter_delete_credentials(
        self,
        *,
        execute: bool = False,
        keep_keys_used_within: int | None = None,
        **options: Unpack[RunOptions],
    ) -> Run:
        """Lazy form of :meth:`delete_credentials`."""
        return self._native.delete_credentials(
            _native_options("iter_delete_credentials", options),
            execute=execute,
            keep_keys_used_within=keep_keys_used_within,
        )

    def delete_credentials(
        self,
        *,
        execute: bool = False,
        keep_keys_used_within: int | None = None,
        **options: Unpack[RunOptions],
    ) -> list[Outcome]:
        """Remove the root credentials of the selected member accounts.

        Plans unless ``execute`` is true: a plan reads and reports what it would remove
        (status ``planned``) and makes no write call.

        Args:
            execute: Make the changes.
            keep_keys_used_within: Keep access keys used within the last this many days; such
                accounts end ``partial``, which counts as reaching the goal.
        """
        return self._native.delete_credentials(
            _native_options("delete_credentials", options),
            execute=execute,
            keep_keys_used_within=keep_keys_used_within,
        ).collect()

    async def delete_credentials_async(
        self,
        *,
        execute: bool = False,
        keep_keys_used_within: int | None = None,
        **options: Unpack[RunOptions],
    ) -> list[Outcome]:
        """Awaitable twin of :meth:`delete_credentials`."""
        run = self._native.delete_credentials(
            _native_options("delete_credentials_async", options),
            execute=execute,
            keep_keys_used_within=keep_keys_used_within,
        )
        return await run.collect_async()

    # create-password

    def iter_create_password(self, *, execute: bool = False, **options: Unpack[RunOptions]) -> Run:
        """Lazy form of :meth:`create_password`."""
        return self._native.create_password(
            _native_options("iter_create_password", options), execute=execute
        )

    def create_password(
        self, *, execute: bool = False, **options: Unpack[RunOptions]
    ) -> list[Outcome]:
        """Make root password recovery possible in the named accounts or OUs, by creating a
        login profile without a password. An account that has one is ``nothing_to_do``.

        Plans unless ``execute`` is true. ``accounts`` or ``ous`` is required.
        """
        return self._native.create_password(
            _native_options("create_password", options), execute=execute
        ).collect()

    async def create_password_async(
        self, *, execute: bool = False, **options: Unpack[RunOptions]
    ) -> list[Outcome]:
        """Awaitable twin of :meth:`create_password`."""
        run = self._native.create_password(
            _native_options("create_password_async", options), execute=execute
        )
        return await run.collect_async()

    # unlock-s3 and unlock-sqs: one account each, so one outcome

    def unlock_s3(
        self,
        account: str,
        bucket: str,
        *,
        execute: bool = False,
        report: str | os.PathLike[str] | None = None,
        duration: int = 300,
    ) -> Outcome:
        """Show the policy of a bucket that locks everyone out and, with ``execute``, delete
        it. The outcome's ``detail`` keeps the policy read first, so the change can be undone.
        """
        run = self._native.unlock_s3(
            account, bucket, execute=execute, report=_path(report), duration=duration
        )
        return _single(run.collect())

    async def unlock_s3_async(
        self,
        account: str,
        bucket: str,
        *,
        execute: bool = False,
        report: str | os.PathLike[str] | None = None,
        duration: int = 300,
    ) -> Outcome:
        """Awaitable twin of :meth:`unlock_s3`."""
        run = self._native.unlock_s3(
            account, bucket, execute=execute, report=_path(report), duration=duration
        )
        return _single(await run.collect_async())

    def unlock_sqs(
        self,
        account: str,
        queue_url: str,
        *,
        execute: bool = False,
        report: str | os.PathLike[str] | None = None,
        duration: int = 300,
    ) -> Outcome:
        """Show the policy of a queue that locks everyone out and, with ``execute``, remove
        it; every other queue attribute stays as it was."""
        run = self._native.unlock_sqs(
            account, queue_url, execute=execute, report=_path(report), duration=duration
        )
        return _single(run.collect())

    async def unlock_sqs_async(
        self,
        account: str,
        queue_url: str,
        *,
        execute: bool = False,
        report: str | os.PathLike[str] | None = None,
        duration: int = 300,
    ) -> Outcome:
        """Awaitable twin of :meth:`unlock_sqs`."""
        run = self._native.unlock_sqs(
            account, queue_url, execute=execute, report=_path(report), duration=duration
        )
        return _single(await run.collect_async())

    # organization setup

    def status(self) -> OrganizationStatus:
        """Read whether the organization is set up for centralized root access, and what is
        missing."""
        return self._native.status()

    async def status_async(self) -> OrganizationStatus:
        """Awaitable twin of :meth:`status`."""
        return await self._native.status_async()

    def enable(
        self,
        *,
        execute: bool = False,
        features: str | Iterable[str] | None = None,
        delegated_admin: str | None = None,
    ) -> list[Change]:
        """Turn on trusted access for IAM and the root access features; only what is missing.

        Plans unless ``execute`` is true. Only the management account may enable.

        Args:
            execute: Make the changes.
            features: ``RootCredentialsManagement``, ``RootSessions`` or both (the default).
            delegated_admin: Also register this account as the delegated administrator for IAM.
        """
        return self._native.enable(
            execute=execute, features=_features(features), delegated_admin=delegated_admin
        )

    async def enable_async(
        self,
        *,
        execute: bool = False,
        features: str | Iterable[str] | None = None,
        delegated_admin: str | None = None,
    ) -> list[Change]:
        """Awaitable twin of :meth:`enable`."""
        return await self._native.enable_async(
            execute=execute, features=_features(features), delegated_admin=delegated_admin
        )

    def disable(
        self,
        *,
        execute: bool = False,
        features: str | Iterable[str] | None = None,
        trusted_access: bool = False,
        delegated_admin: str | None = None,
    ) -> list[Change]:
        """Turn off root access features (both by default); trusted access and the delegated
        administrator only when asked. Plans unless ``execute`` is true."""
        return self._native.disable(
            execute=execute,
            features=_features(features),
            trusted_access=trusted_access,
            delegated_admin=delegated_admin,
        )

    async def disable_async(
        self,
        *,
        execute: bool = False,
        features: str | Iterable[str] | None = None,
        trusted_access: bool = False,
        delegated_admin: str | None = None,
    ) -> list[Change]:
        """Awaitable twin of :meth:`disable`."""
        return await self._native.disable_async(
            execute=execute,
            features=_features(features),
            trusted_access=trusted_access,
            delegated_admin=delegated_admin,
        )

    def policy(
        self,
        *,
        task_policies: str | Iterable[str] | None = None,
        accounts: str | Iterable[str] | None = None,
        partition: str | None = None,
    ) -> dict[str, Any]:
        """Build the caller-side IAM policy and the SCP statement that root sessions need.

        Returns a dict with the members ``caller_policy`` and ``scp_statement``, the same JSON
        as ``rootward policy`` prints. Makes no AWS call, so it has no awaitable twin.

        Args:
            task_policies: Task policy names or ARNs the caller may start; default: all five.
            accounts: Member accounts the caller may target; default: every member account.
            partition: ``aws``, ``aws-cn`` or ``aws-us-gov``; default: the region's.
        """
        document: dict[str, Any] = self._native.policy(
            task_policies=_id_list("task_policies", task_policies),
            accounts=_id_list("accounts", accounts),
            partition=partition,
        )
        return document
