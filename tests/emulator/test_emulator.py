"""Tests of the local AWS emulator: serve.py driven through boto3, the AWS CLI and raw HTTP.

Every client here points at 127.0.0.1 with dummy credentials. Each emulator runs as its own
serve.py process on a free port and is stopped by the fixture that started it.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = Path(__file__).resolve().parent
SERVE = HERE / "serve.py"
SCENARIOS = HERE / "scenarios"
REPO_ROOT = HERE.parent.parent
# The shell script that operators run today; the project keeps it beside the repository.
REFERENCE_SCRIPT = Path(os.environ.get("ROOTWARD_REFERENCE_SCRIPT", REPO_ROOT.parent / "shared" / "peers" / "reference-script.sh"))

READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
REFERENCE_TIMEOUT_SECONDS = 420

MANAGEMENT_KEY = "AKIAEXAMPLEEXAMPLE01"  # not in any scenario, so it acts as the management account
DELEGATED_ADMIN_KEY = "AKIADELEGATEDADMIN01"
MEMBER_KEY = "AKIAPLAINMEMBER00001"
OUTSIDER_KEY = "AKIAOUTSIDEORG000001"

MANAGEMENT = "111111111111"
DELEGATED_ADMIN = "300000000001"
FULL = "300000000002"
STORAGE = "300000000003"
SUSPENDED = "300000000004"
CLOSING = "300000000005"
MEMBER = "300000000006"
FULL_KEY_USED = "AKIAMINIMALFULLKEY01"
FULL_KEY_UNUSED = "AKIAMINIMALFULLKEY02"
FULL_VIRTUAL_MFA = f"arn:aws:iam::{FULL}:mfa/root-account-mfa-device"
FULL_PASSKEY = f"arn:aws:iam::{FULL}:u2f/root-account-mfa-device/MINIMALPASSKEY0001"
FULL_HARDWARE_MFA = "GAHT12345678"
LOCKED_BUCKET = "rw-minimal-locked-bucket"
OPEN_BUCKET = "rw-minimal-open-bucket"
LOCKED_QUEUE = "rw-minimal-locked-queue"

AUDIT = "IAMAuditRootUserCredentials"
DELETE = "IAMDeleteRootUserCredentials"
CREATE_PASSWORD = "IAMCreateRootUserPassword"
S3_UNLOCK = "S3UnlockBucketPolicy"
SQS_UNLOCK = "SQSUnlockQueuePolicy"

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=64)


def task_policy_arn(name: str) -> dict[str, str]:
    return {"arn": f"arn:aws:iam::aws:policy/root-task/{name}"}


class Emulator:
    """A running serve.py process and helpers to reach it."""

    def __init__(self, process: subprocess.Popen[str], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path

    def client(self, service: str, key: str = MANAGEMENT_KEY, secret: str = "dummy-secret", token: str | None = None):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=NO_RETRIES,
        )

    def root_client(self, service: str, target: str, policy: str, key: str = MANAGEMENT_KEY, **assume_args: Any):
        """Start a root session in `target` with `policy` and return a client that uses it."""
        credentials = self.client("sts", key).assume_root(
            TargetPrincipal=target, TaskPolicyArn=task_policy_arn(policy), **assume_args
        )["Credentials"]
        return self.client(service, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])

    def control(self, path: str, method: str = "GET") -> Any:
        request = Request(f"{self.url}/_emulator/{path}", method=method, data=b"" if method == "POST" else None)
        with urlopen(request, timeout=10) as response:
            return json.load(response)

    def state(self) -> dict[str, Any]:
        return self.control("state")

    def requests(self) -> list[dict[str, Any]]:
        return self.control("requests")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def launch(*args: str, log_dir: Path) -> subprocess.Popen[str]:
    log_file = open(log_dir / f"emulator-{time.monotonic_ns()}.log", "w")
    process = subprocess.Popen(
        [sys.executable, str(SERVE), *args],
        stdout=subprocess.PIPE,
        stderr=log_file,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    process.log_path = Path(log_file.name)  # type: ignore[attr-defined]
    log_file.close()
    return process


def read_ready_line(process: subprocess.Popen[str], timeout: float = READY_TIMEOUT_SECONDS) -> str:
    """Return the first stdout line of `process`, or "" if none arrives within `timeout` seconds."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout).strip()
    except queue.Empty:
        return ""


def start_emulator(*args: str, scenario: str = "minimal.json", log_dir: Path) -> Emulator:
    process = launch("--port", "0", "--scenario", str(SCENARIOS / scenario), *args, log_dir=log_dir)
    line = read_ready_line(process)
    if not line.startswith("ready http://127.0.0.1:"):
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
        raise AssertionError(f"serve.py did not print its ready line (got {line!r}); log:\n{process.log_path.read_text()}")
    return Emulator(process, line.split(" ", 1)[1], process.log_path)


@pytest.fixture(scope="module")
def log_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="rootward-emulator-") as directory:
        yield Path(directory)


@pytest.fixture
def emulators(log_dir: Path) -> Iterator[Any]:
    """Start emulators on demand for one test and stop them all afterwards."""
    started: list[Emulator] = []

    def start(*args: str, scenario: str = "minimal.json") -> Emulator:
        emulator = start_emulator(*args, scenario=scenario, log_dir=log_dir)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture(scope="module")
def minimal(log_dir: Path) -> Iterator[Emulator]:
    """One emulator on minimal.json shared by the read-only tests of this module."""
    emulator = start_emulator(log_dir=log_dir)
    yield emulator
    emulator.stop()


@contextmanager
def background_reference_run(log_dir: Path) -> Iterator[dict[str, Any]]:
    """Run the reference script against a fresh demo.json emulator in the background."""
    run: dict[str, Any] = {}
    if not REFERENCE_SCRIPT.is_file() or shutil.which("aws") is None:
        run["skip"] = f"needs {REFERENCE_SCRIPT} and the aws command (pip install -r tests/emulator/requirements.txt)"
        yield run
        return
    emulator = start_emulator(scenario="demo.json", log_dir=log_dir)
    report = log_dir / "reference-report.csv"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("AWS_")
    } | {
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_ACCESS_KEY_ID": MANAGEMENT_KEY,
        "AWS_SECRET_ACCESS_KEY": "dummy-secret",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(log_dir / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(log_dir / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "REPORT": str(report),
    }
    output = open(log_dir / "reference-output.txt", "w")
    process = subprocess.Popen(
        ["bash", str(REFERENCE_SCRIPT)], cwd=log_dir, env=environment, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    run.update(emulator=emulator, process=process, report=report, output=Path(output.name))
    try:
        yield run
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        output.close()
        emulator.stop()


@pytest.fixture(scope="module", autouse=True)
def reference_run(request: pytest.FixtureRequest, log_dir: Path) -> Iterator[dict[str, Any]]:
    # The reference script starts one AWS CLI process per call (about 200 calls on demo.json),
    # so it runs in the background from the start of the module and the last test waits for it.
    selected = any(item.name == "test_reference_script_cleans_demo_accounts" for item in request.session.items)
    if not selected:
        yield {"skip": "the reference script test is not selected"}
        return
    with background_reference_run(log_dir) as run:
        yield run


def error_of(call, *args: Any, **kwargs: Any) -> tuple[str, int]:
    """Call a boto3 method that must fail and return (error code, HTTP status)."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def raw_caller_identity(url: str, timeout: float = 10) -> int:
    """Send a SigV4-shaped GetCallerIdentity over plain HTTP and return the HTTP status."""
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        connection.request(
            "POST",
            "/",
            body="Action=GetCallerIdentity&Version=2011-06-15",
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Authorization": f"AWS4-HMAC-SHA256 Credential={MANAGEMENT_KEY}/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


# --- serve.py itself -----------------------------------------------------------------------


def test_serve_rejects_other_moto_pin(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("moto[server]==0.0.1\n")
    process = launch("--port", "0", "--requirements", str(requirements), log_dir=tmp_path)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert stdout == ""
    message = process.log_path.read_text()
    assert f"moto {importlib.metadata.version('moto')} is installed" in message
    assert "pins moto 0.0.1" in message


def test_requirements_pin_installed_moto() -> None:
    text = (HERE / "requirements.txt").read_text()
    assert f"moto[server]=={importlib.metadata.version('moto')}" in text


def test_serve_rejects_invalid_scenario(tmp_path: Path) -> None:
    scenario = json.loads((SCENARIOS / "minimal.json").read_text())
    scenario["accounts"][2]["root"]["access_keys"][0]["status"] = "active"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(scenario))
    process = launch("--port", "0", "--scenario", str(path), log_dir=tmp_path)
    process.communicate(timeout=30)
    assert process.returncode == 2
    message = process.log_path.read_text()
    assert "accounts[2].root.access_keys[0].status" in message
    assert "'active'" in message

    scenario = json.loads((SCENARIOS / "minimal.json").read_text())
    scenario["accounts"][2]["root"]["acess_keys"] = []
    path.write_text(json.dumps(scenario))
    process = launch("--port", "0", "--scenario", str(path), log_dir=tmp_path)
    process.communicate(timeout=30)
    assert process.returncode == 2
    assert "accounts[2].root.acess_keys: unknown member" in process.log_path.read_text()


def test_serve_stops_on_sigterm(log_dir: Path) -> None:
    emulator = start_emulator(log_dir=log_dir)
    assert raw_caller_identity(emulator.url) == 200
    assert emulator.stop() == 0


def test_serve_stops_on_sigint(log_dir: Path) -> None:
    emulator = start_emulator(log_dir=log_dir)
    emulator.process.send_signal(signal.SIGINT)
    assert emulator.process.wait(timeout=STOP_TIMEOUT_SECONDS) == 0
    emulator.stop()


def load_scenario(name: str):
    sys.path.insert(0, str(HERE))
    try:
        from rootemu import scenario
    finally:
        sys.path.remove(str(HERE))
    return scenario.load(SCENARIOS / name, datetime.now(timezone.utc))


def test_shipped_scenarios_load() -> None:
    paths = sorted(SCENARIOS.glob("*.json"))
    assert len(paths) == 7
    for path in paths:
        assert load_scenario(path.name).organization.management_account_id == MANAGEMENT, path.name


def test_side_by_side_scenario_shape() -> None:
    plan = load_scenario("side-by-side.json")
    members = [account for account in plan.accounts if account.id != MANAGEMENT]
    assert len(members) == 20
    for account in members:
        root = account.root
        assert account.state == "ACTIVE", account.id
        assert root.password is not None, account.id
        assert len(root.access_keys) == 2, account.id
        assert len(root.signing_certificates) == 1, account.id
        assert [device.device_type for device in root.mfa_devices] == ["virtual"], account.id


def test_demo_scenario_shape() -> None:
    plan = load_scenario("demo.json")
    members = [account for account in plan.accounts if account.id != MANAGEMENT]
    assert len(members) == 25
    assert [account.state for account in members].count("SUSPENDED") == 1
    assert [account.state for account in members].count("PENDING_CLOSURE") == 1

    active = [account for account in members if account.state == "ACTIVE"]
    holding = [
        account
        for account in active
        if account.root.password or account.root.access_keys or account.root.signing_certificates or account.root.mfa_devices
    ]
    assert len(holding) >= 15
    assert len(active) - len(holding) >= 1

    week_ago = datetime.now(timezone.utc).timestamp() - 7 * 86400
    keys = [key for account in holding for key in account.root.access_keys]
    assert any(key.last_used and key.last_used.date.timestamp() > week_ago for key in keys)
    assert all(1 <= len(account.root.access_keys) <= 2 for account in holding if account.root.access_keys)
    device_types = {device.device_type for account in holding for device in account.root.mfa_devices}
    assert device_types == {"virtual", "passkey", "hardware"}
    assert any(account.root.signing_certificates for account in holding)

    parents = {unit.id: unit.parent for unit in plan.organizational_units}
    depths = []
    for unit_id in parents:
        depth, parent = 1, parents[unit_id]
        while parent in parents:
            depth, parent = depth + 1, parents[parent]
        depths.append(depth)
    assert max(depths) >= 3

    locked_buckets = [bucket for account in members for bucket in account.buckets if bucket.policy and '"Deny"' in bucket.policy]
    locked_queues = [queue for account in members for queue in account.queues if '"Deny"' in queue.attributes.get("Policy", "")]
    assert locked_buckets
    assert locked_queues


# --- callers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "account", "arn"),
    [
        (MANAGEMENT_KEY, MANAGEMENT, f"arn:aws:iam::{MANAGEMENT}:user/admin"),
        (DELEGATED_ADMIN_KEY, DELEGATED_ADMIN, f"arn:aws:iam::{DELEGATED_ADMIN}:user/delegated-admin"),
        (MEMBER_KEY, MEMBER, f"arn:aws:iam::{MEMBER}:user/member"),
    ],
)
def test_caller_identity_per_access_key(minimal: Emulator, key: str, account: str, arn: str) -> None:
    identity = minimal.client("sts", key).get_caller_identity()
    assert identity["Account"] == account
    assert identity["Arn"] == arn
    assert identity["UserId"].startswith("AIDA")


def test_caller_identity_of_root_session(minimal: Emulator) -> None:
    identity = minimal.root_client("sts", FULL, AUDIT).get_caller_identity()
    assert identity["Account"] == FULL
    assert identity["Arn"] == f"arn:aws:iam::{FULL}:root"
    assert identity["UserId"] == FULL


# --- sts:AssumeRoot ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "policy_arn", "duration", "expected"),
    [
        (FULL, task_policy_arn(AUDIT), 901, ("ValidationError", 400)),
        (FULL, {"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}, 900, ("ValidationError", 400)),
        (FULL, {"arn": "arn:aws:iam::aws:policy/root-task/NoSuchTask"}, 900, ("ValidationError", 400)),
        (FULL, {"arn": "arn:aws-cn:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}, 900, ("ValidationError", 400)),
        (f"arn:aws:iam::{FULL}:user/alice", task_policy_arn(AUDIT), 900, ("ValidationError", 400)),
        ("1234567890123", task_policy_arn(AUDIT), 900, ("ValidationError", 400)),
        (MANAGEMENT, task_policy_arn(AUDIT), 900, ("AccessDenied", 403)),
        (SUSPENDED, task_policy_arn(AUDIT), 900, ("AccessDenied", 403)),
        (CLOSING, task_policy_arn(AUDIT), 900, ("AccessDenied", 403)),
        ("999999999999", task_policy_arn(AUDIT), 900, ("AccessDenied", 403)),
    ],
    ids=[
        "duration-over-900",
        "not-a-task-policy",
        "unknown-task-policy",
        "other-partition",
        "iam-user-target",
        "thirteen-digit-account-id",
        "management-target",
        "suspended-target",
        "pending-closure-target",
        "outside-organization",
    ],
)
def test_assume_root_rejects(minimal: Emulator, target: str, policy_arn: dict[str, str], duration: int, expected: tuple[str, int]) -> None:
    sts = minimal.client("sts")
    assert error_of(sts.assume_root, TargetPrincipal=target, TaskPolicyArn=policy_arn, DurationSeconds=duration) == expected


@pytest.mark.parametrize("key", [MEMBER_KEY, OUTSIDER_KEY])
def test_assume_root_rejects_plain_callers(minimal: Emulator, key: str) -> None:
    sts = minimal.client("sts", key)
    assert error_of(sts.assume_root, TargetPrincipal=FULL, TaskPolicyArn=task_policy_arn(AUDIT)) == ("AccessDenied", 403)


@pytest.mark.parametrize("scenario", ["trusted-access-off.json", "features-off.json"])
def test_assume_root_needs_enabled_features(emulators, scenario: str) -> None:
    sts = emulators(scenario=scenario).client("sts")
    assert error_of(sts.assume_root, TargetPrincipal=FULL, TaskPolicyArn=task_policy_arn(AUDIT)) == ("AccessDenied", 403)


def test_assume_root_issues_session_credentials(minimal: Emulator) -> None:
    before = time.time()
    result = minimal.client("sts").assume_root(
        TargetPrincipal=f"arn:aws:iam::{FULL}:root", TaskPolicyArn=task_policy_arn(AUDIT), DurationSeconds=300
    )
    credentials = result["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert len(credentials["AccessKeyId"]) == 20
    assert credentials["SecretAccessKey"]
    assert credentials["SessionToken"]
    assert before + 290 <= credentials["Expiration"].timestamp() <= time.time() + 310


def test_assume_root_defaults_to_900_seconds(minimal: Emulator) -> None:
    credentials = minimal.client("sts").assume_root(TargetPrincipal=FULL, TaskPolicyArn=task_policy_arn(AUDIT))["Credentials"]
    assert abs(credentials["Expiration"].timestamp() - time.time() - 900) < 30


def test_assume_root_by_delegated_admin(minimal: Emulator) -> None:
    iam = minimal.root_client("iam", FULL, AUDIT, key=DELEGATED_ADMIN_KEY)
    assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{FULL}:root"


# --- root user calls under IAMAuditRootUserCredentials --------------------------------------


def test_root_get_user(minimal: Emulator) -> None:
    user = minimal.root_client("iam", FULL, AUDIT).get_user()["User"]
    assert user["UserId"] == FULL
    assert user["Arn"] == f"arn:aws:iam::{FULL}:root"
    assert "CreateDate" in user
    assert "PasswordLastUsed" in user


def test_root_audit_reads(minimal: Emulator) -> None:
    iam = minimal.root_client("iam", FULL, AUDIT)

    assert "CreateDate" in iam.get_login_profile()["LoginProfile"]

    keys = {key["AccessKeyId"]: key for key in iam.list_access_keys()["AccessKeyMetadata"]}
    assert set(keys) == {FULL_KEY_USED, FULL_KEY_UNUSED}
    assert keys[FULL_KEY_UNUSED]["Status"] == "Inactive"

    used = iam.get_access_key_last_used(AccessKeyId=FULL_KEY_USED)["AccessKeyLastUsed"]
    assert used["ServiceName"] == "s3"
    assert used["Region"] == "us-east-1"
    assert time.time() - used["LastUsedDate"].timestamp() < 3 * 86400

    never = iam.get_access_key_last_used(AccessKeyId=FULL_KEY_UNUSED)["AccessKeyLastUsed"]
    assert never["ServiceName"] == "N/A"
    assert never["Region"] == "N/A"
    assert "LastUsedDate" not in never

    certificates = iam.list_signing_certificates()["Certificates"]
    assert sorted(certificate["Status"] for certificate in certificates) == ["Active", "Inactive"]
    assert all(certificate["CertificateBody"].startswith("-----BEGIN CERTIFICATE-----") for certificate in certificates)

    serials = {device["SerialNumber"] for device in iam.list_mfa_devices()["MFADevices"]}
    assert serials == {FULL_VIRTUAL_MFA, FULL_PASSKEY, FULL_HARDWARE_MFA}


def test_root_account_summary(minimal: Emulator) -> None:
    full = minimal.root_client("iam", FULL, AUDIT).get_account_summary()["SummaryMap"]
    assert full["AccountPasswordPresent"] == 1
    assert full["AccountAccessKeysPresent"] == 1
    assert full["AccountSigningCertificatesPresent"] == 1
    assert full["AccountMFAEnabled"] == 1

    empty = minimal.root_client("iam", DELEGATED_ADMIN, AUDIT).get_account_summary()["SummaryMap"]
    assert empty["AccountPasswordPresent"] == 0
    assert empty["AccountAccessKeysPresent"] == 0
    assert empty["AccountSigningCertificatesPresent"] == 0
    assert empty["AccountMFAEnabled"] == 0


def test_root_missing_entities(minimal: Emulator) -> None:
    iam = minimal.root_client("iam", DELEGATED_ADMIN, AUDIT)
    assert error_of(iam.get_login_profile) == ("NoSuchEntity", 404)
    assert error_of(iam.get_access_key_last_used, AccessKeyId="AKIANOSUCHKEY0000000") == ("NoSuchEntity", 404)
    assert iam.list_access_keys()["AccessKeyMetadata"] == []


def test_root_list_access_keys_paginates(minimal: Emulator) -> None:
    iam = minimal.root_client("iam", FULL, AUDIT)
    first = iam.list_access_keys(MaxItems=1)
    assert len(first["AccessKeyMetadata"]) == 1
    assert first["IsTruncated"] is True
    second = iam.list_access_keys(MaxItems=1, Marker=first["Marker"])
    assert len(second["AccessKeyMetadata"]) == 1
    assert second["IsTruncated"] is False
    assert "Marker" not in second
    seen = {first["AccessKeyMetadata"][0]["AccessKeyId"], second["AccessKeyMetadata"][0]["AccessKeyId"]}
    assert seen == {FULL_KEY_USED, FULL_KEY_UNUSED}

    pages = list(iam.get_paginator("list_mfa_devices").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["MFADevices"]) for page in pages] == [2, 1]


# --- task-policy enforcement -----------------------------------------------------------------


def test_audit_session_denies_changes(minimal: Emulator) -> None:
    iam = minimal.root_client("iam", FULL, AUDIT)
    assert error_of(iam.delete_access_key, AccessKeyId=FULL_KEY_USED) == ("AccessDenied", 403)
    assert error_of(iam.delete_login_profile) == ("AccessDenied", 403)
    assert error_of(iam.deactivate_mfa_device, SerialNumber=FULL_HARDWARE_MFA) == ("AccessDenied", 403)


def test_delete_session_denies_known_mistakes(minimal: Emulator) -> None:
    iam = minimal.root_client("iam", FULL, DELETE)
    assert error_of(iam.update_access_key, AccessKeyId=FULL_KEY_USED, Status="Inactive") == ("AccessDenied", 403)
    assert error_of(iam.list_virtual_mfa_devices) == ("AccessDenied", 403)
    assert error_of(iam.get_account_summary) == ("AccessDenied", 403)
    assert error_of(iam.create_login_profile) == ("AccessDenied", 403)


def test_root_session_denies_user_name(minimal: Emulator) -> None:
    iam = minimal.root_client("iam", FULL, AUDIT)
    assert error_of(iam.list_access_keys, UserName="alice") == ("AccessDenied", 403)
    assert error_of(iam.get_login_profile, UserName="alice") == ("AccessDenied", 403)


def test_root_session_denies_other_services(minimal: Emulator) -> None:
    credentials = minimal.client("sts").assume_root(TargetPrincipal=FULL, TaskPolicyArn=task_policy_arn(DELETE))["Credentials"]
    keys = (credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    sts = minimal.client("sts", *keys)
    assert error_of(sts.assume_root, TargetPrincipal=STORAGE, TaskPolicyArn=task_policy_arn(AUDIT)) == ("AccessDenied", 403)
    organizations = minimal.client("organizations", *keys)
    assert error_of(organizations.list_accounts) == ("AccessDeniedException", 400)
    assert error_of(minimal.client("s3", *keys).list_buckets) == ("AccessDenied", 403)
    assert error_of(minimal.client("sqs", *keys).list_queues) == ("AccessDenied", 403)
    assert error_of(minimal.client("iam", *keys).list_users) == ("AccessDenied", 403)


def test_root_session_rejects_wrong_token(minimal: Emulator) -> None:
    credentials = minimal.client("sts").assume_root(TargetPrincipal=FULL, TaskPolicyArn=task_policy_arn(AUDIT))["Credentials"]
    iam = minimal.client("iam", credentials["AccessKeyId"], credentials["SecretAccessKey"], "not-the-session-token")
    assert error_of(iam.get_user) == ("InvalidClientTokenId", 403)


# --- deleting root credentials --------------------------------------------------------------


def test_delete_removes_every_root_credential(emulators) -> None:
    emulator = emulators()
    iam = emulator.root_client("iam", FULL, DELETE)

    assert error_of(iam.delete_virtual_mfa_device, SerialNumber=FULL_VIRTUAL_MFA) == ("DeleteConflict", 409)
    iam.delete_login_profile()
    for key in iam.list_access_keys()["AccessKeyMetadata"]:
        iam.delete_access_key(AccessKeyId=key["AccessKeyId"])
    for certificate in iam.list_signing_certificates()["Certificates"]:
        iam.delete_signing_certificate(CertificateId=certificate["CertificateId"])
    for device in iam.list_mfa_devices()["MFADevices"]:
        iam.deactivate_mfa_device(SerialNumber=device["SerialNumber"])

    root = emulator.state()["accounts"][FULL]["root_user"]
    assert root["mfa_devices"] == []
    assert root["unassigned_virtual_mfa_devices"] == [FULL_VIRTUAL_MFA]
    iam.delete_virtual_mfa_device(SerialNumber=FULL_VIRTUAL_MFA)

    root = emulator.state()["accounts"][FULL]["root_user"]
    assert root["password"] is None
    assert root["access_keys"] == []
    assert root["signing_certificates"] == []
    assert root["mfa_devices"] == []
    assert root["unassigned_virtual_mfa_devices"] == []

    assert error_of(iam.get_login_profile) == ("NoSuchEntity", 404)
    assert error_of(iam.delete_login_profile) == ("NoSuchEntity", 404)
    assert error_of(iam.delete_access_key, AccessKeyId=FULL_KEY_USED) == ("NoSuchEntity", 404)
    assert error_of(iam.delete_signing_certificate, CertificateId="MINIMALCERTACTIVE0000001") == ("NoSuchEntity", 404)
    assert error_of(iam.deactivate_mfa_device, SerialNumber=FULL_HARDWARE_MFA) == ("NoSuchEntity", 404)
    assert error_of(iam.delete_virtual_mfa_device, SerialNumber=FULL_VIRTUAL_MFA) == ("NoSuchEntity", 404)


def test_delete_virtual_mfa_switch_denies(emulators) -> None:
    emulator = emulators(scenario="virtual-mfa-denied.json")
    iam = emulator.root_client("iam", FULL, DELETE)
    iam.deactivate_mfa_device(SerialNumber=FULL_VIRTUAL_MFA)
    assert error_of(iam.delete_virtual_mfa_device, SerialNumber=FULL_VIRTUAL_MFA) == ("AccessDenied", 403)
    root = emulator.state()["accounts"][FULL]["root_user"]
    assert root["unassigned_virtual_mfa_devices"] == [FULL_VIRTUAL_MFA]
    assert emulator.state()["delete_virtual_mfa"] == "access_denied"


def test_create_password_session(emulators) -> None:
    emulator = emulators()
    iam = emulator.root_client("iam", DELEGATED_ADMIN, CREATE_PASSWORD)
    assert error_of(iam.get_login_profile) == ("NoSuchEntity", 404)
    assert error_of(iam.create_login_profile, Password="Secret-123!") == ("ValidationError", 400)
    profile = iam.create_login_profile()["LoginProfile"]
    assert "CreateDate" in profile
    assert error_of(iam.create_login_profile) == ("EntityAlreadyExists", 409)
    assert error_of(iam.delete_login_profile) == ("AccessDenied", 403)
    assert emulator.state()["accounts"][DELEGATED_ADMIN]["root_user"]["password"] is not None


# --- session expiry ----------------------------------------------------------------------------


def test_root_session_expires(emulators) -> None:
    emulator = emulators("--session-seconds", "1")
    credentials = emulator.client("sts").assume_root(TargetPrincipal=STORAGE, TaskPolicyArn=task_policy_arn(AUDIT))["Credentials"]
    iam = emulator.client("iam", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    iam.get_user()
    time.sleep(1.2)
    assert error_of(iam.get_user) == ("ExpiredToken", 403)
    s3 = emulator.client("s3", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    assert error_of(s3.list_buckets)[0] == "ExpiredToken"
    sqs = emulator.client("sqs", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    assert error_of(sqs.list_queues) == ("ExpiredToken", 403)
    assert emulator.state()["root_sessions"][0]["expired"] is True


def test_zero_duration_session_is_expired(minimal: Emulator) -> None:
    iam = minimal.root_client("iam", FULL, AUDIT, DurationSeconds=0)
    assert error_of(iam.get_user) == ("ExpiredToken", 403)


# --- Organizations ------------------------------------------------------------------------------


def test_list_accounts_paginates(minimal: Emulator) -> None:
    organizations = minimal.client("organizations")
    first = organizations.list_accounts(MaxResults=2)
    assert len(first["Accounts"]) == 2
    assert "NextToken" in first
    pages = list(organizations.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["Accounts"]) for page in pages] == [2, 2, 2, 1]
    ids = [account["Id"] for page in pages for account in page["Accounts"]]
    assert len(ids) == len(set(ids)) == 7
    assert MANAGEMENT in ids
    assert error_of(organizations.list_accounts, MaxResults=21) == ("InvalidInputException", 400)
    assert error_of(organizations.list_accounts, NextToken="not-a-token") == ("InvalidInputException", 400)


def test_list_accounts_default_page_is_20(emulators) -> None:
    organizations = emulators(scenario="demo.json").client("organizations")
    first = organizations.list_accounts()
    assert len(first["Accounts"]) == 20
    second = organizations.list_accounts(NextToken=first["NextToken"])
    assert len(second["Accounts"]) == 6
    assert "NextToken" not in second


def test_accounts_carry_state_and_status(minimal: Emulator) -> None:
    organizations = minimal.client("organizations")
    accounts = {account["Id"]: account for account in organizations.list_accounts()["Accounts"]}
    assert (accounts[SUSPENDED]["State"], accounts[SUSPENDED]["Status"]) == ("SUSPENDED", "SUSPENDED")
    assert (accounts[CLOSING]["State"], accounts[CLOSING]["Status"]) == ("PENDING_CLOSURE", "PENDING_CLOSURE")
    assert (accounts[FULL]["State"], accounts[FULL]["Status"]) == ("ACTIVE", "ACTIVE")
    described = organizations.describe_account(AccountId=CLOSING)["Account"]
    assert described["State"] == "PENDING_CLOSURE"
    assert described["Name"] == "closing"
    listed = organizations.list_accounts_for_parent(ParentId="ou-mn01-workload")["Accounts"]
    assert {account["Id"]: account["State"] for account in listed} == {
        DELEGATED_ADMIN: "ACTIVE",
        SUSPENDED: "SUSPENDED",
        CLOSING: "PENDING_CLOSURE",
    }


def test_organization_structure(minimal: Emulator) -> None:
    organizations = minimal.client("organizations")
    organization = organizations.describe_organization()["Organization"]
    assert organization["Id"] == "o-rwminimal1"
    assert organization["FeatureSet"] == "ALL"
    assert organization["MasterAccountId"] == MANAGEMENT
    assert organization["MasterAccountArn"].endswith(f"/o-rwminimal1/{MANAGEMENT}")
    assert organization["Arn"].endswith("organization/o-rwminimal1")

    roots = organizations.list_roots()["Roots"]
    assert [root["Id"] for root in roots] == ["r-mn01"]

    path = []
    parent = "r-mn01"
    for _ in range(5):
        units = organizations.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]
        if not units:
            break
        parent = units[0]["Id"]
        path.append(parent)
    assert path == ["ou-mn01-workload", "ou-mn01-teamaaaa", "ou-mn01-projaaaa"]

    children = organizations.list_children(ParentId="ou-mn01-projaaaa", ChildType="ACCOUNT")["Children"]
    assert children == [{"Id": FULL, "Type": "ACCOUNT"}]
    assert organizations.list_parents(ChildId=FULL)["Parents"] == [{"Id": "ou-mn01-projaaaa", "Type": "ORGANIZATIONAL_UNIT"}]
    assert organizations.describe_organizational_unit(OrganizationalUnitId="ou-mn01-teamaaaa")["OrganizationalUnit"]["Name"] == "Team A"


def test_organizations_not_found_errors(minimal: Emulator) -> None:
    organizations = minimal.client("organizations")
    assert error_of(organizations.describe_organizational_unit, OrganizationalUnitId="ou-mn01-zzzzzzzz") == (
        "OrganizationalUnitNotFoundException",
        400,
    )
    assert error_of(organizations.describe_account, AccountId="123456789012") == ("AccountNotFoundException", 400)


def test_organizations_access_by_caller(minimal: Emulator) -> None:
    member = minimal.client("organizations", MEMBER_KEY)
    assert member.describe_organization()["Organization"]["Id"] == "o-rwminimal1"
    assert error_of(member.list_accounts) == ("AccessDeniedException", 400)

    admin = minimal.client("organizations", DELEGATED_ADMIN_KEY)
    assert len(admin.list_accounts()["Accounts"]) == 7
    assert admin.describe_organization()["Organization"]["MasterAccountId"] == MANAGEMENT
    assert error_of(admin.enable_aws_service_access, ServicePrincipal="ssm.amazonaws.com") == ("AccessDeniedException", 400)

    outsider = minimal.client("organizations", OUTSIDER_KEY)
    assert error_of(outsider.describe_organization) == ("AWSOrganizationsNotInUseException", 400)


def test_trusted_access_and_delegated_admin(minimal: Emulator) -> None:
    organizations = minimal.client("organizations")
    principals = [item["ServicePrincipal"] for item in organizations.list_aws_service_access_for_organization()["EnabledServicePrincipals"]]
    assert principals == ["iam.amazonaws.com"]
    admins = organizations.list_delegated_administrators(ServicePrincipal="iam.amazonaws.com")["DelegatedAdministrators"]
    assert [admin["Id"] for admin in admins] == [DELEGATED_ADMIN]


# --- IAM organization features ----------------------------------------------------------------


def test_features_listed(minimal: Emulator) -> None:
    for key in (MANAGEMENT_KEY, DELEGATED_ADMIN_KEY):
        features = minimal.client("iam", key).list_organizations_features()
        assert features["OrganizationId"] == "o-rwminimal1"
        assert features["EnabledFeatures"] == ["RootCredentialsManagement", "RootSessions"]


def test_features_error_codes(minimal: Emulator, emulators) -> None:
    assert error_of(minimal.client("iam", MEMBER_KEY).list_organizations_features)[0] == "AccountNotManagementOrDelegatedAdministratorException"
    assert error_of(minimal.client("iam", DELEGATED_ADMIN_KEY).enable_organizations_root_sessions)[0] == "CallerIsNotManagementAccountException"
    assert error_of(minimal.client("iam", DELEGATED_ADMIN_KEY).disable_organizations_root_credentials_management)[0] == "CallerIsNotManagementAccountException"
    assert error_of(minimal.client("iam", OUTSIDER_KEY).list_organizations_features)[0] == "OrganizationNotFoundException"

    off = emulators(scenario="trusted-access-off.json").client("iam")
    assert error_of(off.list_organizations_features) == ("ServiceAccessNotEnabledException", 400)
    assert error_of(off.enable_organizations_root_sessions) == ("ServiceAccessNotEnabledException", 400)

    billing = emulators(scenario="consolidated-billing.json").client("iam")
    assert error_of(billing.list_organizations_features) == ("OrganizationNotInAllFeaturesModeException", 400)


def test_enable_from_scratch(emulators) -> None:
    emulator = emulators(scenario="trusted-access-off.json")
    organizations = emulator.client("organizations")
    iam = emulator.client("iam")
    sts = emulator.client("sts")

    register = organizations.register_delegated_administrator
    assert error_of(register, AccountId=DELEGATED_ADMIN, ServicePrincipal="iam.amazonaws.com") == ("ConstraintViolationException", 400)
    organizations.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    register(AccountId=DELEGATED_ADMIN, ServicePrincipal="iam.amazonaws.com")
    assert iam.list_organizations_features()["EnabledFeatures"] == []
    assert error_of(sts.assume_root, TargetPrincipal=FULL, TaskPolicyArn=task_policy_arn(AUDIT)) == ("AccessDenied", 403)

    assert iam.enable_organizations_root_credentials_management()["EnabledFeatures"] == ["RootCredentialsManagement"]
    enabled = iam.enable_organizations_root_sessions()
    assert enabled["EnabledFeatures"] == ["RootCredentialsManagement", "RootSessions"]
    assert enabled["OrganizationId"] == "o-rwminimal1"
    emulator.root_client("iam", FULL, AUDIT, key=DELEGATED_ADMIN_KEY).get_user()

    assert iam.disable_organizations_root_sessions()["EnabledFeatures"] == ["RootCredentialsManagement"]
    assert iam.disable_organizations_root_credentials_management()["EnabledFeatures"] == []
    state = emulator.state()
    assert state["trusted_access"] == ["iam.amazonaws.com"]
    assert state["delegated_administrators"] == [{"account_id": DELEGATED_ADMIN, "service_principal": "iam.amazonaws.com"}]
    assert state["features"] == []
    organizations.deregister_delegated_administrator(AccountId=DELEGATED_ADMIN, ServicePrincipal="iam.amazonaws.com")
    assert emulator.state()["delegated_administrators"] == []


# --- S3 and SQS unlock --------------------------------------------------------------------------


def test_s3_unlock_under_root_session(emulators) -> None:
    emulator = emulators()
    management = emulator.client("s3")
    assert error_of(management.get_bucket_policy, Bucket=LOCKED_BUCKET) == ("AccessDenied", 403)
    assert error_of(management.delete_bucket_policy, Bucket=LOCKED_BUCKET) == ("AccessDenied", 403)
    assert error_of(management.put_object, Bucket=LOCKED_BUCKET, Key="k", Body=b"x") == ("AccessDenied", 403)

    s3 = emulator.root_client("s3", STORAGE, S3_UNLOCK)
    assert sorted(bucket["Name"] for bucket in s3.list_buckets()["Buckets"]) == [LOCKED_BUCKET, OPEN_BUCKET]
    assert json.loads(s3.get_bucket_policy(Bucket=LOCKED_BUCKET)["Policy"])["Statement"][0]["Effect"] == "Deny"
    assert error_of(s3.get_bucket_acl, Bucket=LOCKED_BUCKET) == ("AccessDenied", 403)
    s3.delete_bucket_policy(Bucket=LOCKED_BUCKET)
    assert error_of(s3.get_bucket_policy, Bucket=LOCKED_BUCKET) == ("NoSuchBucketPolicy", 404)
    assert emulator.state()["accounts"][STORAGE]["buckets"][LOCKED_BUCKET]["policy"] is None
    management.put_object(Bucket=LOCKED_BUCKET, Key="k", Body=b"x")

    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{STORAGE}:root"}, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{OPEN_BUCKET}/*"}]}
    s3.put_bucket_policy(Bucket=OPEN_BUCKET, Policy=json.dumps(policy))
    assert emulator.state()["accounts"][STORAGE]["buckets"][OPEN_BUCKET]["policy"] == policy

    other = emulator.root_client("s3", FULL, S3_UNLOCK)
    assert other.list_buckets()["Buckets"] == []
    assert error_of(other.get_bucket_policy, Bucket=OPEN_BUCKET) == ("AccessDenied", 403)


def test_sqs_unlock_under_root_session(emulators) -> None:
    emulator = emulators()
    sqs = emulator.root_client("sqs", STORAGE, SQS_UNLOCK)
    url = sqs.get_queue_url(QueueName=LOCKED_QUEUE)["QueueUrl"]
    assert f"/{STORAGE}/{LOCKED_QUEUE}" in url
    assert len(sqs.list_queues()["QueueUrls"]) == 2

    management = emulator.client("sqs")
    assert error_of(management.get_queue_attributes, QueueUrl=url, AttributeNames=["All"]) == ("AccessDenied", 403)

    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "45"
    assert json.loads(attributes["Policy"])["Statement"][0]["Effect"] == "Deny"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "Policy" not in attributes
    assert attributes["VisibilityTimeout"] == "45"
    assert "Policy" not in emulator.state()["accounts"][STORAGE]["queues"][LOCKED_QUEUE]["attributes"]
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x") == ("AccessDenied", 403)
    management.send_message(QueueUrl=url, MessageBody="x")

    other = emulator.root_client("sqs", FULL, SQS_UNLOCK)
    assert error_of(other.get_queue_attributes, QueueUrl=url, AttributeNames=["All"]) == ("AccessDenied", 403)


def test_sqs_keeps_policy_on_update(emulators) -> None:
    emulator = emulators()
    sqs = emulator.root_client("sqs", STORAGE, SQS_UNLOCK)
    url = sqs.get_queue_url(QueueName=LOCKED_QUEUE)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "60"
    assert "Policy" in attributes


# --- fault injection --------------------------------------------------------------------------


def fault_pattern(emulator: Emulator, count: int) -> list[str | None]:
    sts = emulator.client("sts")
    for _ in range(count):
        try:
            sts.get_caller_identity()
        except ClientError:
            pass
    return [entry["error_code"] for entry in emulator.requests()]


def test_fault_ratios_and_seed(emulators) -> None:
    args = ("--throttle", "0.3", "--error-5xx", "0.1", "--seed", "7")
    first = fault_pattern(emulators(*args), 300)
    second = fault_pattern(emulators(*args), 300)
    assert first == second
    counts = Counter(first)
    assert 60 <= counts["Throttling"] <= 120, counts
    assert 10 <= counts["InternalFailure"] <= 50, counts
    assert counts[None] + counts["Throttling"] + counts["InternalFailure"] == 300

    other_seed = fault_pattern(emulators("--throttle", "0.3", "--error-5xx", "0.1", "--seed", "8"), 300)
    assert other_seed != first


def test_throttling_codes_per_service(emulators) -> None:
    emulator = emulators("--throttle", "1.0")
    assert error_of(emulator.client("sts").assume_root, TargetPrincipal=FULL, TaskPolicyArn=task_policy_arn(AUDIT)) == ("Throttling", 400)
    assert error_of(emulator.client("iam").list_organizations_features) == ("Throttling", 400)
    assert error_of(emulator.client("organizations").list_accounts) == ("TooManyRequestsException", 400)
    assert error_of(emulator.client("s3").list_buckets) == ("SlowDown", 503)
    assert error_of(emulator.client("sqs").list_queues)[0] == "RequestThrottled"
    assert emulator.state()["organization"]["id"] == "o-rwminimal1"


def test_server_error_codes_per_service(emulators) -> None:
    emulator = emulators("--error-5xx", "1.0")
    assert error_of(emulator.client("sts").get_caller_identity) == ("InternalFailure", 500)
    assert error_of(emulator.client("iam").list_organizations_features) == ("InternalFailure", 500)
    assert error_of(emulator.client("organizations").list_accounts) == ("ServiceException", 500)
    assert error_of(emulator.client("s3").list_buckets) == ("InternalError", 500)
    assert error_of(emulator.client("sqs").list_queues) == ("InternalFailure", 500)


def test_latency_is_concurrent(emulators) -> None:
    emulator = emulators("--latency-ms", "20")
    request_count = 64
    serial_seconds = request_count * 0.020
    with ThreadPoolExecutor(max_workers=request_count) as pool:
        started = time.monotonic()
        statuses = list(pool.map(lambda _: raw_caller_identity(emulator.url), range(request_count)))
        elapsed = time.monotonic() - started
    assert statuses == [200] * request_count
    assert elapsed < serial_seconds / 2, f"{request_count} requests took {elapsed:.2f} s"


# --- control routes --------------------------------------------------------------------------


def test_control_state_contents(minimal: Emulator) -> None:
    state = minimal.state()
    assert state["organization"] == {
        "id": "o-rwminimal1",
        "root_id": "r-mn01",
        "feature_set": "ALL",
        "management_account_id": MANAGEMENT,
    }
    assert set(state["accounts"]) == {MANAGEMENT, DELEGATED_ADMIN, FULL, STORAGE, SUSPENDED, CLOSING, MEMBER}
    full = state["accounts"][FULL]
    assert full["state"] == "ACTIVE"
    assert full["parent"] == "ou-mn01-projaaaa"
    assert full["root_user"]["password"] is not None
    assert {device["type"] for device in full["root_user"]["mfa_devices"]} == {"virtual", "passkey", "hardware"}
    assert state["accounts"][STORAGE]["buckets"][LOCKED_BUCKET]["policy"]["Statement"][0]["Effect"] == "Deny"
    assert state["accounts"][STORAGE]["queues"][LOCKED_QUEUE]["attributes"]["VisibilityTimeout"] == "45"
    assert state["accounts"][CLOSING]["status"] == "PENDING_CLOSURE"


def test_control_request_log(emulators) -> None:
    emulator = emulators()
    assert emulator.control("requests/clear", method="POST") == {"cleared": 0}
    credentials = emulator.client("sts").assume_root(TargetPrincipal=FULL, TaskPolicyArn=task_policy_arn(DELETE))["Credentials"]
    iam = emulator.client("iam", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    iam.list_access_keys()
    error_of(iam.update_access_key, AccessKeyId=FULL_KEY_USED, Status="Inactive")
    emulator.client("organizations", DELEGATED_ADMIN_KEY).list_accounts()
    raw_caller_identity(emulator.url)

    log = emulator.requests()
    assert log[0] == {
        "service": "sts",
        "action": "AssumeRoot",
        "caller_kind": "management",
        "caller_account": MANAGEMENT,
        "target_account": None,
        "task_policy": None,
        "status": 200,
        "error_code": None,
    }
    assert log[1] == {
        "service": "iam",
        "action": "ListAccessKeys",
        "caller_kind": "root_session",
        "caller_account": MANAGEMENT,
        "target_account": FULL,
        "task_policy": DELETE,
        "status": 200,
        "error_code": None,
    }
    assert (log[2]["action"], log[2]["status"], log[2]["error_code"]) == ("UpdateAccessKey", 403, "AccessDenied")
    assert (log[3]["caller_kind"], log[3]["caller_account"]) == ("caller", DELEGATED_ADMIN)
    assert len(log) == 5

    everything = json.dumps(log) + json.dumps(emulator.state())
    assert credentials["SecretAccessKey"] not in everything
    assert credentials["SessionToken"] not in everything
    assert credentials["AccessKeyId"] not in everything

    assert emulator.control("requests/clear", method="POST") == {"cleared": 5}
    assert emulator.requests() == []


def test_control_unknown_route(minimal: Emulator) -> None:
    with pytest.raises(HTTPError) as caught:
        minimal.control("nothing-here")
    caught.value.close()
    assert caught.value.code == 404


# --- the reference script -------------------------------------------------------------------


def test_reference_script_cleans_demo_accounts(reference_run: dict[str, Any]) -> None:
    if "skip" in reference_run:
        pytest.skip(reference_run["skip"])
    process = reference_run["process"]
    try:
        exit_code = process.wait(timeout=REFERENCE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the reference script did not finish within {REFERENCE_TIMEOUT_SECONDS} s")
    output = reference_run["output"].read_text()
    assert exit_code == 0, output

    report = reference_run["report"].read_text().splitlines()
    assert report[0] == "AccountId,RootUserDeleted"
    rows = dict(line.split(",") for line in report[1:])
    state = reference_run["emulator"].state()
    accounts = state["accounts"]
    active_members = [account_id for account_id, account in accounts.items() if account["state"] == "ACTIVE" and account_id != MANAGEMENT]
    assert len(active_members) == 23
    for account_id in active_members:
        assert rows[account_id] == "true"
        root = accounts[account_id]["root_user"]
        assert root["password"] is None, account_id
        assert root["access_keys"] == [], account_id
        assert root["signing_certificates"] == [], account_id
        assert root["mfa_devices"] == [], account_id
        assert root["unassigned_virtual_mfa_devices"] == [], account_id

    assert rows["200000000025"] == "false"
    assert "200000000024" not in rows
    assert accounts["200000000024"]["root_user"]["password"] is not None
    assert accounts["200000000025"]["root_user"]["access_keys"] != []
    assert accounts[MANAGEMENT]["root_user"]["password"] is not None
