"""Loading and validation of scenario files (the organization the emulator starts with).

The format is documented in README.md beside serve.py. Every error names the file and the
JSON path of the offending value, e.g. `accounts[3].root.access_keys[0].status`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ACCOUNT_ID_PATTERN = re.compile(r"^\d{12}$")
ORGANIZATION_ID_PATTERN = re.compile(r"^o-[a-z0-9]{10,32}$")
ROOT_ID_PATTERN = re.compile(r"^r-[a-z0-9]{4,32}$")
OU_ID_PATTERN = re.compile(r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$")
RELATIVE_DATE_PATTERN = re.compile(r"^-(\d+)([smhdw])$")
RELATIVE_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

ACCOUNT_STATES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "PENDING_ACTIVATION", "CLOSED")
FEATURE_SETS = ("ALL", "CONSOLIDATED_BILLING")
ROOT_FEATURES = ("RootCredentialsManagement", "RootSessions")
CREDENTIAL_STATUSES = ("Active", "Inactive")
DELETE_VIRTUAL_MFA_MODES = ("allowed", "access_denied")


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded, with the location of the problem."""


@dataclass
class LastUse:
    date: datetime
    service: str
    region: str


@dataclass
class AccessKey:
    id: str
    status: str
    created: datetime
    last_used: LastUse | None = None


@dataclass
class SigningCertificate:
    id: str
    status: str
    uploaded: datetime
    body: str


@dataclass
class MfaDevice:
    """An MFA device, whose serial determines its type: virtual `:mfa/`, passkey or FIDO `:u2f/`, else hardware."""

    serial: str
    enabled: datetime

    @property
    def device_type(self) -> str:
        if ":mfa/" in self.serial:
            return "virtual"
        if ":u2f/" in self.serial:
            return "passkey"
        return "hardware"


@dataclass
class LoginProfile:
    created: datetime
    reset_required: bool = False


@dataclass
class RootUserSpec:
    created: datetime
    password: LoginProfile | None = None
    password_last_used: datetime | None = None
    access_keys: list[AccessKey] = field(default_factory=list)
    signing_certificates: list[SigningCertificate] = field(default_factory=list)
    mfa_devices: list[MfaDevice] = field(default_factory=list)
    unassigned_virtual_mfa_devices: list[str] = field(default_factory=list)


@dataclass
class Bucket:
    name: str
    region: str
    policy: str | None


@dataclass
class Queue:
    name: str
    region: str
    attributes: dict[str, str]


@dataclass
class Account:
    id: str
    name: str
    email: str
    state: str
    parent: str
    joined: datetime
    root: RootUserSpec
    buckets: list[Bucket] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)


@dataclass
class OrganizationalUnit:
    id: str
    name: str
    parent: str


@dataclass
class Caller:
    access_key_id: str
    account_id: str
    name: str


@dataclass
class Organization:
    id: str
    feature_set: str
    management_account_id: str
    root_id: str


@dataclass
class Scenario:
    source: Path
    organization: Organization
    trusted_access: list[str]
    features: list[str]
    delegated_administrators: list[tuple[str, str]]
    delete_virtual_mfa: str
    management_user: str
    callers: list[Caller]
    organizational_units: list[OrganizationalUnit]
    accounts: list[Account]

    def account(self, account_id: str) -> Account | None:
        return next((account for account in self.accounts if account.id == account_id), None)


# Marks a scenario member that has no default value.
_REQUIRED = object()


class _Reader:
    """Typed access to one JSON object, with the JSON path kept for error messages."""

    def __init__(self, source: Path, path: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise ScenarioError(f"{source}: {path or 'top level'}: expected an object, got {type(value).__name__}")
        self.source = source
        self.path = path
        self.value = value

    def allow(self, *keys: str) -> _Reader:
        """Raise ScenarioError for a member not in `keys`, which catches misspelled names."""
        for key in self.value:
            if key not in keys:
                raise self.fail(key, f"unknown member; expected one of {', '.join(keys)}")
        return self

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {self._where(key)}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = _REQUIRED) -> Any:
        if key not in self.value or self.value[key] is None:
            if default is _REQUIRED:
                raise self.fail(key, "missing required value")
            return default
        value = self.value[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(key, f"expected {expected}, got {type(value).__name__} {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: Any = _REQUIRED) -> str:
        value = self.get(key, str, default)
        if value not in choices:
            raise self.fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def matching(self, key: str, pattern: re.Pattern[str], description: str, default: Any = _REQUIRED) -> str:
        value = self.get(key, str, default)
        if value is not None and not pattern.match(value):
            raise self.fail(key, f"{value!r} is not {description}")
        return value

    def child(self, key: str) -> _Reader | None:
        value = self.get(key, dict, None)
        return None if value is None else _Reader(self.source, self._where(key), value)

    def children(self, key: str) -> list[_Reader]:
        items = self.get(key, list, [])
        return [_Reader(self.source, f"{self._where(key)}[{index}]", item) for index, item in enumerate(items)]

    def date(self, key: str, now: datetime, default: Any = _REQUIRED) -> datetime | None:
        value = self.get(key, str, default)
        if value is None or isinstance(value, datetime):
            return value
        try:
            return parse_date(value, now)
        except ValueError as error:
            raise self.fail(key, str(error)) from None


def parse_date(text: str, now: datetime) -> datetime:
    """Parse an ISO 8601 UTC date or a date relative to `now` such as "-3d" or "-2h"."""
    if text == "now":
        return now
    relative = RELATIVE_DATE_PATTERN.match(text)
    if relative:
        amount, unit = relative.groups()
        return now - timedelta(**{RELATIVE_UNITS[unit]: int(amount)})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither an ISO 8601 date (2024-05-01T12:00:00Z) "
            "nor a relative date such as -3d, -2h, -30m or -45s"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def load(path: Path, now: datetime) -> Scenario:
    """Load and validate the scenario file at `path`. Relative dates count back from `now`."""
    document = _read_with_extends(path, seen=[])
    top = _Reader(path, "", document).allow(
        "organization",
        "trusted_access",
        "features",
        "delegated_administrators",
        "delete_virtual_mfa",
        "management_user",
        "callers",
        "organizational_units",
        "accounts",
    )

    organization = _organization(top)
    accounts = [_account(reader, now) for reader in top.children("accounts")]
    units = [_organizational_unit(reader) for reader in top.children("organizational_units")]
    scenario = Scenario(
        source=path,
        organization=organization,
        trusted_access=_strings(top, "trusted_access"),
        features=[_feature(top, name) for name in _strings(top, "features")],
        delegated_administrators=[
            (
                reader.allow("account_id", "service_principal").matching("account_id", ACCOUNT_ID_PATTERN, "a 12-digit account ID"),
                reader.get("service_principal", str),
            )
            for reader in top.children("delegated_administrators")
        ],
        delete_virtual_mfa=top.choice("delete_virtual_mfa", DELETE_VIRTUAL_MFA_MODES, "allowed"),
        management_user=top.get("management_user", str, "admin"),
        callers=[_caller(reader) for reader in top.children("callers")],
        organizational_units=units,
        accounts=accounts,
    )
    _check_references(scenario)
    return scenario


def _read_with_extends(path: Path, seen: list[Path]) -> dict[str, Any]:
    """Read a scenario file, laid over its base file when an "extends" member names one."""
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(item) for item in [*seen, resolved])
        raise ScenarioError(f"{path}: circular \"extends\" chain: {chain}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read scenario file: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{path}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    if not isinstance(document, dict):
        raise ScenarioError(f"{path}: expected a JSON object at the top level")
    base_name = document.pop("extends", None)
    if base_name is None:
        return document
    if not isinstance(base_name, str):
        raise ScenarioError(f"{path}: extends: expected the file name of a base scenario")
    base = _read_with_extends(path.parent / base_name, [*seen, resolved])
    base.update(document)
    return base


def _organization(top: _Reader) -> Organization:
    reader = top.child("organization")
    if reader is None:
        raise top.fail("organization", "missing required value")
    reader.allow("id", "feature_set", "management_account_id", "root_id")
    return Organization(
        id=reader.matching("id", ORGANIZATION_ID_PATTERN, "an organization ID (o- and 10 to 32 lower-case letters or digits)"),
        feature_set=reader.choice("feature_set", FEATURE_SETS, "ALL"),
        management_account_id=reader.matching("management_account_id", ACCOUNT_ID_PATTERN, "a 12-digit account ID"),
        root_id=reader.matching("root_id", ROOT_ID_PATTERN, "a root ID (r- and 4 to 32 lower-case letters or digits)"),
    )


def _strings(reader: _Reader, key: str) -> list[str]:
    values = reader.get(key, list, [])
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise reader.fail(f"{key}[{index}]", f"expected a string, got {value!r}")
    return list(values)


def _feature(top: _Reader, name: str) -> str:
    if name not in ROOT_FEATURES:
        raise top.fail("features", f"unknown feature {name!r}; expected {' or '.join(ROOT_FEATURES)}")
    return name


def _caller(reader: _Reader) -> Caller:
    reader.allow("access_key_id", "secret_access_key", "account_id", "name")
    return Caller(
        access_key_id=reader.get("access_key_id", str),
        account_id=reader.matching("account_id", ACCOUNT_ID_PATTERN, "a 12-digit account ID"),
        name=reader.get("name", str, "caller"),
    )


def _organizational_unit(reader: _Reader) -> OrganizationalUnit:
    reader.allow("id", "name", "parent")
    return OrganizationalUnit(
        id=reader.matching("id", OU_ID_PATTERN, "an OU ID (ou-, the root ID suffix, -, and 8 to 32 lower-case letters or digits)"),
        name=reader.get("name", str),
        parent=reader.get("parent", str),
    )


def _account(reader: _Reader, now: datetime) -> Account:
    reader.allow("id", "name", "email", "state", "parent", "joined", "root", "buckets", "queues")
    joined = reader.date("joined", now, None) or now - timedelta(days=1000)
    root_reader = reader.child("root")
    account_id = reader.matching("id", ACCOUNT_ID_PATTERN, "a 12-digit account ID")
    return Account(
        id=account_id,
        name=reader.get("name", str),
        email=reader.get("email", str, f"{account_id}@example.com"),
        state=reader.choice("state", ACCOUNT_STATES, "ACTIVE"),
        parent=reader.get("parent", str, ""),
        joined=joined,
        root=_root_user(root_reader, account_id, joined, now),
        buckets=[_bucket(item) for item in reader.children("buckets")],
        queues=[_queue(item) for item in reader.children("queues")],
    )


def _root_user(reader: _Reader | None, account_id: str, joined: datetime, now: datetime) -> RootUserSpec:
    if reader is None:
        return RootUserSpec(created=joined)
    reader.allow("created", "password", "access_keys", "signing_certificates", "mfa_devices", "unassigned_virtual_mfa_devices")
    spec = RootUserSpec(created=reader.date("created", now, None) or joined)

    password = reader.child("password")
    if password is not None:
        password.allow("created", "last_used", "reset_required")
        spec.password = LoginProfile(
            created=password.date("created", now, None) or spec.created,
            reset_required=password.get("reset_required", bool, False),
        )
        spec.password_last_used = password.date("last_used", now, None)

    for item in reader.children("access_keys"):
        item.allow("id", "status", "created", "last_used")
        last_used = item.child("last_used")
        if last_used is not None:
            last_used.allow("date", "service", "region")
        spec.access_keys.append(
            AccessKey(
                id=item.get("id", str),
                status=item.choice("status", CREDENTIAL_STATUSES, "Active"),
                created=item.date("created", now, None) or spec.created,
                last_used=None
                if last_used is None
                else LastUse(
                    date=last_used.date("date", now),
                    service=last_used.get("service", str),
                    region=last_used.get("region", str, "us-east-1"),
                ),
            )
        )

    for item in reader.children("signing_certificates"):
        item.allow("id", "status", "uploaded", "body")
        certificate_id = item.get("id", str)
        spec.signing_certificates.append(
            SigningCertificate(
                id=certificate_id,
                status=item.choice("status", CREDENTIAL_STATUSES, "Active"),
                uploaded=item.date("uploaded", now, None) or spec.created,
                body=item.get("body", str, None) or placeholder_certificate(certificate_id),
            )
        )

    for item in reader.children("mfa_devices"):
        item.allow("serial", "enabled")
        serial = item.get("serial", str)
        _check_serial_account(item, serial, account_id)
        spec.mfa_devices.append(MfaDevice(serial=serial, enabled=item.date("enabled", now, None) or spec.created))

    for index, serial in enumerate(_strings(reader, "unassigned_virtual_mfa_devices")):
        if ":mfa/" not in serial:
            raise reader.fail(f"unassigned_virtual_mfa_devices[{index}]", f"{serial!r} is not a virtual MFA device ARN (arn:aws:iam::ACCOUNT:mfa/NAME)")
        spec.unassigned_virtual_mfa_devices.append(serial)
    return spec


def _check_serial_account(reader: _Reader, serial: str, account_id: str) -> None:
    if serial.startswith("arn:") and serial.split(":")[4:5] != [account_id]:
        raise reader.fail("serial", f"{serial!r} names another account than {account_id}")


def placeholder_certificate(certificate_id: str) -> str:
    """Return a PEM-shaped certificate body derived from the ID (not a parseable certificate)."""
    digest = b"".join(hashlib.sha256(f"{certificate_id}:{index}".encode()).digest() for index in range(12))
    encoded = base64.b64encode(digest).decode()
    lines = [encoded[offset : offset + 64] for offset in range(0, len(encoded), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def _policy_text(reader: _Reader, key: str) -> str | None:
    policy = reader.get(key, (dict, str), None)
    if policy is None or isinstance(policy, str):
        return policy
    return json.dumps(policy)


def _bucket(reader: _Reader) -> Bucket:
    reader.allow("name", "region", "policy")
    return Bucket(
        name=reader.get("name", str),
        region=reader.get("region", str, "us-east-1"),
        policy=_policy_text(reader, "policy"),
    )


def _queue(reader: _Reader) -> Queue:
    reader.allow("name", "region", "attributes", "policy")
    attributes = {key: str(value) for key, value in reader.get("attributes", dict, {}).items()}
    policy = _policy_text(reader, "policy")
    if policy is not None:
        attributes["Policy"] = policy
    return Queue(name=reader.get("name", str), region=reader.get("region", str, "us-east-1"), attributes=attributes)


def _check_references(scenario: Scenario) -> None:
    """Raise ScenarioError unless IDs are unique and every parent and delegated administrator exists.

    Also make the root the parent of accounts that name none.
    """
    source = scenario.source
    organization = scenario.organization
    containers = {organization.root_id}
    for unit in scenario.organizational_units:
        if unit.id in containers:
            raise ScenarioError(f"{source}: organizational_units: duplicate ID {unit.id}")
        containers.add(unit.id)
    for unit in scenario.organizational_units:
        if unit.parent not in containers:
            raise ScenarioError(f"{source}: organizational unit {unit.id}: parent {unit.parent} is neither the root nor a listed OU")

    account_ids: set[str] = set()
    for account in scenario.accounts:
        if account.id in account_ids:
            raise ScenarioError(f"{source}: accounts: duplicate account ID {account.id}")
        account_ids.add(account.id)
        if not account.parent:
            account.parent = organization.root_id
        if account.parent not in containers:
            raise ScenarioError(f"{source}: account {account.id}: parent {account.parent} is neither the root nor a listed OU")
    if organization.management_account_id not in account_ids:
        raise ScenarioError(
            f"{source}: the management account {organization.management_account_id} must have its own entry in accounts"
        )

    for account_id, principal in scenario.delegated_administrators:
        if account_id not in account_ids:
            raise ScenarioError(f"{source}: delegated administrator {account_id} for {principal} is not an account of the organization")
        if account_id == organization.management_account_id:
            raise ScenarioError(f"{source}: the management account cannot be a delegated administrator")

    keys = [caller.access_key_id for caller in scenario.callers]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ScenarioError(f"{source}: callers: duplicate access key IDs {', '.join(duplicates)}")
    if any(key.startswith("ASIA") for key in keys):
        raise ScenarioError(f"{source}: callers: access key IDs starting with ASIA are reserved for root sessions")
