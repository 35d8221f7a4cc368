"""Exceptions: one base class, a subclass per error kind, structured fields, whole messages."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from support import DELEGATED_ADMIN_KEY, PLAIN_MEMBER, Emulator, start_emulator

import rootward
from rootward import errors


def test_hierarchy() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), rootward.RootwardError)
        assert getattr(rootward, name) is getattr(errors, name)
    assert issubclass(rootward.UsageError, ValueError)
    assert issubclass(rootward.NotInOrganizationError, rootward.UsageError)


@pytest.mark.parametrize(
    "name",
    ["PreflightError", "ThrottledError", "AccessDeniedError", "SessionFailedError", "AwsError"],
)
def test_fields_survive_pickling(name: str) -> None:
    cls = getattr(rootward, name)
    error = cls("ListAccounts failed", code="Code", account_id="123456789012", step="ListAccounts")

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is cls
    assert (copy.message, copy.code, copy.account_id, copy.step) == (
        "ListAccounts failed",
        "Code",
        "123456789012",
        "ListAccounts",
    )
    assert str(copy) == "ListAccounts failed"
    assert repr(copy) == f"{name}('ListAccounts failed', code='Code', account_id='123456789012', step='ListAccounts')"


def test_malformed_account_is_usage_error_before_any_request(minimal: Emulator) -> None:
    client = rootward.Client()

    with pytest.raises(rootward.UsageError, match="exactly 12 digits") as raised:
        client.iter_audit(accounts=["12345"])
    assert raised.value.code is None
    with pytest.raises(rootward.UsageError, match="organizational unit"):
        client.audit(ous=["not-an-ou"])
    with pytest.raises(rootward.UsageError, match="1 to 900 seconds"):
        client.audit(duration=901)
    with pytest.raises(rootward.UsageError, match="concurrency"):
        client.audit(concurrency=0)
    assert minimal.requests() == []


def test_unknown_keyword_is_type_error(minimal: Emulator) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'acounts'"):
        rootward.Client().audit(acounts=["123456789012"])  # type: ignore[call-arg]


def test_account_outside_organization(minimal: Emulator) -> None:
    with pytest.raises(rootward.NotInOrganizationError) as raised:
        rootward.Client().audit(accounts=[PLAIN_MEMBER, "999999999999"])

    error = raised.value
    assert error.account_id == "999999999999"
    assert error.organization_id == "o-rwminimal1"
    assert error.ou_id is None
    assert "999999999999 is not in organization o-rwminimal1" in str(error)


def test_ou_outside_organization(minimal: Emulator) -> None:
    with pytest.raises(rootward.NotInOrganizationError) as raised:
        rootward.Client().audit(ous=["ou-mn01-zzzzzzzz"])

    assert raised.value.ou_id == "ou-mn01-zzzzzzzz"
    assert raised.value.account_id is None


def test_preflight_names_what_is_missing() -> None:
    emulator = start_emulator("trusted-access-off.json")
    try:
        with pytest.raises(rootward.PreflightError) as raised:
            rootward.Client(endpoint_url=emulator.url).audit()
    finally:
        emulator.stop()

    assert raised.value.code == "ServiceAccessNotEnabledException"
    assert "trusted access for iam.amazonaws.com is off" in str(raised.value)
    assert "rootward enable --execute" in str(raised.value)


def test_delegated_admin_cannot_enable(minimal: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    minimal.use(monkeypatch, DELEGATED_ADMIN_KEY)

    with pytest.raises(rootward.PreflightError) as raised:
        rootward.Client().enable(execute=True)

    assert raised.value.code == "CallerIsNotManagementAccountException"


def test_aws_error_carries_step_and_code(minimal: Emulator) -> None:
    with pytest.raises(rootward.AwsError) as raised:
        rootward.Client().enable(delegated_admin="999999999999", execute=True)

    assert raised.value.step == "RegisterDelegatedAdministrator"
    assert raised.value.code == "AccountNotFoundException"
    assert str(raised.value).startswith("RegisterDelegatedAdministrator failed (AccountNotFoundException)")


def test_unwritable_report_is_report_error(minimal: Emulator, tmp_path: Path) -> None:
    report = tmp_path / "taken.jsonl"
    report.mkdir()

    with pytest.raises(rootward.ReportError) as raised:
        rootward.Client().audit(report=report)

    assert raised.value.path == str(report)
    assert "could not create the file" in str(raised.value)
    # The message ends with the operating system's error, which the chain appends.
    assert "Is a directory" in str(raised.value)


def test_foreign_report_is_usage_error(minimal: Emulator, tmp_path: Path) -> None:
    report = tmp_path / "broken.jsonl"
    report.write_text("this is not a report\n")

    with pytest.raises(rootward.UsageError, match="is not a rootward report record"):
        rootward.Client().audit(resume=report)


def test_missing_report_folder_is_usage_error(minimal: Emulator, tmp_path: Path) -> None:
    with pytest.raises(rootward.UsageError, match="does not exist"):
        rootward.Client().audit(report=tmp_path / "missing" / "audit.csv")


def test_bad_region_fails_at_construction() -> None:
    with pytest.raises(rootward.UsageError, match="region"):
        rootward.Client(region="not a region!")
    with pytest.raises(rootward.UsageError, match="global STS endpoint"):
        rootward.Client(endpoint_url="https://sts.amazonaws.com")


def test_throttled_listing_is_throttled_error() -> None:
    # With seed 17 the emulator's fault draws let the three preflight requests through and
    # throttle the first ListAccounts, which stops the run when a request has one attempt. The
    # draws are the emulator's, so a change there can need another seed that gives this error.
    emulator = start_emulator("minimal.json", "--throttle", "0.5", "--seed", "17")
    try:
        with pytest.raises(rootward.ThrottledError) as raised:
            rootward.Client(endpoint_url=emulator.url, max_attempts=1).audit()
    finally:
        emulator.stop()

    assert raised.value.step == "ListAccounts"
    assert raised.value.code == "TooManyRequestsException"
    assert "lower --concurrency" in str(raised.value)
