"""Every blocking Client method against the emulator's minimal scenario."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

import pytest
from support import (
    CLOSING,
    FULL_CREDENTIALS,
    MANAGEMENT,
    MINIMAL_ACCOUNTS,
    PLAIN_MEMBER,
    SECURITY_ADMIN,
    STORAGE,
    SUSPENDED,
    Emulator,
    report_lines,
)

import rootward


def by_account(outcomes: list[rootward.Outcome]) -> dict[str, rootward.Outcome]:
    return {outcome.account_id: outcome for outcome in outcomes}


def write_calls(emulator: Emulator) -> list[str]:
    """The write actions the emulator received, such as `DeleteAccessKey`."""
    prefixes = ("Delete", "Create", "Deactivate", "Put", "Set", "Enable", "Disable", "Register", "Deregister")
    return [entry["action"] for entry in emulator.requests() if entry["action"].startswith(prefixes)]


def test_audit_returns_one_typed_outcome_per_account(minimal: Emulator) -> None:
    outcomes = by_account(rootward.Client().audit())

    assert set(outcomes) == MINIMAL_ACCOUNTS
    full = outcomes[FULL_CREDENTIALS]
    assert full.status == "done"
    assert full.task == "audit"
    assert full.mode == "read"
    assert full.account_name == "full-credentials"
    assert full.account_state == "ACTIVE"
    assert isinstance(full.counts, rootward.CredentialCounts)
    assert (full.counts.login_profile, full.counts.access_keys) == (1, 2)
    assert (full.counts.signing_certificates, full.counts.mfa_devices) == (2, 3)
    assert full.counts.total == 8
    assert full.reached_goal
    assert full.step is None
    assert full.error_code is None
    assert full.error_message is None
    assert full.sessions == 1
    assert isinstance(full.started, datetime.datetime) and full.started.tzinfo is not None
    assert full.elapsed_ms >= 0
    assert "GetLoginProfile" in [step.action for step in full.steps]
    assert all(step.result == "ok" for step in full.steps if step.action != "GetLoginProfile")
    assert full.detail["kind"] == "audit"
    assert len(full.detail["credentials"]["access_keys"]) == 2

    assert outcomes[MANAGEMENT].status == "skipped"
    assert outcomes[MANAGEMENT].reason_kind == "management_account"
    assert outcomes[SUSPENDED].reason == "not active: SUSPENDED"
    assert outcomes[CLOSING].reason_kind == "not_active"
    assert outcomes[SECURITY_ADMIN].counts.total == 0


def test_outcome_to_dict_matches_to_json(shared_minimal: Emulator) -> None:
    client = rootward.Client(endpoint_url=shared_minimal.url)
    outcome = by_account(client.audit(accounts=[PLAIN_MEMBER]))[PLAIN_MEMBER]

    record = outcome.to_dict()
    assert record == json.loads(outcome.to_json())
    assert record["account"]["id"] == PLAIN_MEMBER
    assert record["status"] == "done"


def test_iter_audit_starts_lazily(minimal: Emulator) -> None:
    run = rootward.Client().iter_audit(accounts=f"{FULL_CREDENTIALS},{PLAIN_MEMBER}")
    assert run.info is None
    assert run.task == "audit"
    assert minimal.requests() == []

    first = next(run)
    assert first.account_id in {FULL_CREDENTIALS, PLAIN_MEMBER}
    assert run.info is not None
    assert run.info.organization_id == "o-rwminimal1"
    assert run.info.mode == "read"
    assert run.info.task_policy_arn.endswith("root-task/IAMAuditRootUserCredentials")
    rest = list(run)
    assert len(rest) == 1
    assert run.summary.total == 2
    assert run.summary.by_status == {"done": 2}
    assert run.summary.all_reached
    assert list(run) == []


def test_audit_selection_options(shared_minimal: Emulator) -> None:
    client = rootward.Client(endpoint_url=shared_minimal.url)

    only = client.audit(ous=["ou-mn01-teamaaaa"], exclude_accounts=[STORAGE])
    statuses = {outcome.account_id: outcome.status for outcome in only}
    assert statuses == {FULL_CREDENTIALS: "done", STORAGE: "skipped"}

    excluded = by_account(client.audit(exclude_ous="ou-mn01-workload", concurrency=1, duration=60))
    assert excluded[SECURITY_ADMIN].reason_kind == "excluded_ou"
    assert excluded[PLAIN_MEMBER].status == "done"


def test_audit_writes_csv_and_resumes(shared_minimal: Emulator, tmp_path: Path) -> None:
    client = rootward.Client(endpoint_url=shared_minimal.url)
    report = tmp_path / "audit.csv"

    run = client.iter_audit(accounts=[FULL_CREDENTIALS, PLAIN_MEMBER], report=report)
    next(run)
    assert run.report_path == report
    run.close()
    with report.open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) >= 1

    resumed = client.audit(accounts=[FULL_CREDENTIALS, PLAIN_MEMBER], resume=report)
    with report.open() as file:
        accounts = sorted(row["account_id"] for row in csv.DictReader(file) if row["status"] == "done")
    assert accounts == sorted([FULL_CREDENTIALS, PLAIN_MEMBER])
    assert len(resumed) + len(rows) == 2


def test_delete_plan_writes_nothing(minimal: Emulator, tmp_path: Path) -> None:
    report = tmp_path / "plan.jsonl"
    outcomes = by_account(rootward.Client().delete_credentials(report=report))

    assert outcomes[FULL_CREDENTIALS].status == "planned"
    assert outcomes[FULL_CREDENTIALS].mode == "plan"
    assert outcomes[FULL_CREDENTIALS].counts.total == 8
    assert outcomes[SECURITY_ADMIN].status == "nothing_to_do"
    assert write_calls(minimal) == []
    assert len(report_lines(report)) == len(MINIMAL_ACCOUNTS)
    assert minimal.holdings(FULL_CREDENTIALS) != []


def test_delete_execute_removes_credentials(minimal: Emulator) -> None:
    client = rootward.Client()
    outcomes = by_account(client.delete_credentials(accounts=[FULL_CREDENTIALS, PLAIN_MEMBER], execute=True))

    assert outcomes[FULL_CREDENTIALS].status == "done"
    assert outcomes[FULL_CREDENTIALS].mode == "execute"
    assert outcomes[FULL_CREDENTIALS].counts.access_keys == 2
    assert outcomes[PLAIN_MEMBER].status == "done"
    assert minimal.holdings(FULL_CREDENTIALS) == []
    assert minimal.holdings(PLAIN_MEMBER) == []
    assert minimal.holdings(CLOSING) != []

    again = client.audit(accounts=[FULL_CREDENTIALS])
    assert again[0].counts.total == 0


def test_delete_keeps_recent_keys_on_request(minimal: Emulator) -> None:
    outcome = rootward.Client().delete_credentials(accounts=[PLAIN_MEMBER], execute=True, keep_keys_used_within=7)[0]

    assert outcome.status == "partial"
    assert outcome.reason_kind == "kept_recent_keys"
    assert outcome.reached_goal
    assert minimal.holdings(PLAIN_MEMBER) == ["access_keys:AKIAMINIMALMEMBER001"]


def test_create_password_plan_and_execute(minimal: Emulator) -> None:
    client = rootward.Client()

    plan = by_account(client.create_password(accounts=[FULL_CREDENTIALS, PLAIN_MEMBER]))
    assert plan[FULL_CREDENTIALS].status == "nothing_to_do"
    assert plan[PLAIN_MEMBER].status == "planned"
    assert "password" not in minimal.holdings(PLAIN_MEMBER)

    done = client.create_password(accounts=[PLAIN_MEMBER], execute=True)
    assert done[0].status == "done"
    assert done[0].detail == {"kind": "create_password", "existed": False, "created": True}
    assert "password" in minimal.holdings(PLAIN_MEMBER)


def test_create_password_needs_named_accounts(shared_minimal: Emulator) -> None:
    with pytest.raises(rootward.UsageError, match="accounts to act on"):
        rootward.Client(endpoint_url=shared_minimal.url).create_password()


def test_unlock_s3_shows_then_deletes_policy(minimal: Emulator) -> None:
    client = rootward.Client()
    bucket = "rw-minimal-locked-bucket"

    plan = client.unlock_s3(STORAGE, bucket)
    assert plan.status == "planned"
    assert plan.detail["resource"] == bucket
    assert "DenyEveryone" in plan.detail["policy"]
    assert not plan.detail["removed"]

    done = client.unlock_s3(STORAGE, bucket, execute=True)
    assert done.status == "done"
    assert done.detail["removed"]
    assert minimal.state()["accounts"][STORAGE]["buckets"][bucket]["policy"] is None


def test_unlock_sqs_removes_only_the_policy(minimal: Emulator) -> None:
    client = rootward.Client()
    queue = "rw-minimal-locked-queue"
    url = f"{minimal.url}/{STORAGE}/{queue}"

    plan = client.unlock_sqs(STORAGE, url)
    assert plan.status == "planned"
    assert "DenyEveryone" in plan.detail["policy"]

    done = client.unlock_sqs(STORAGE, url, execute=True)
    assert done.status == "done"
    attributes = minimal.state()["accounts"][STORAGE]["queues"][queue]["attributes"]
    assert "Policy" not in attributes
    assert attributes["VisibilityTimeout"] == "45"


def test_status_reports_ready(shared_minimal: Emulator) -> None:
    status = rootward.Client(endpoint_url=shared_minimal.url).status()

    assert status.organization_id == "o-rwminimal1"
    assert status.management_account_id == MANAGEMENT
    assert status.caller_is_management
    assert status.all_features
    assert status.trusted_access is True
    assert status.delegated_administrators == [SECURITY_ADMIN]
    assert status.enabled_features == ["RootCredentialsManagement", "RootSessions"]
    assert status.has_feature("RootSessions")
    assert status.is_ready
    assert status.findings == []
    assert status.to_dict()["organization_id"] == "o-rwminimal1"


def test_enable_plans_then_applies_only_the_difference() -> None:
    from support import start_emulator

    emulator = start_emulator("features-off.json")
    try:
        client = rootward.Client(endpoint_url=emulator.url)
        assert not client.status().is_ready

        plan = client.enable()
        assert plan and all(not change.applied for change in plan)
        assert write_calls(emulator) == []

        applied = client.enable(execute=True)
        assert [change.action for change in applied] == [change.action for change in plan]
        assert all(change.applied for change in applied)
        assert client.status().is_ready
        assert client.enable(execute=True) == []
    finally:
        emulator.stop()


def test_disable_plans_by_default(minimal: Emulator) -> None:
    client = rootward.Client()

    plan = client.disable(features="RootSessions")
    assert [change.action for change in plan] == ["DisableOrganizationsRootSessions"]
    assert not plan[0].applied
    assert write_calls(minimal) == []

    done = client.disable(features=["RootSessions"], execute=True)
    assert done[0].applied
    assert not client.status().has_feature("RootSessions")


def test_policy_documents(shared_minimal: Emulator) -> None:
    client = rootward.Client(endpoint_url=shared_minimal.url)

    everything = client.policy()
    statement = everything["caller_policy"]["Statement"][0]
    assert statement["Action"] == "sts:AssumeRoot"
    assert statement["Resource"] == ["arn:aws:iam::*:root"]
    assert len(statement["Condition"]["StringEquals"]["sts:TaskPolicyArn"]) == 5
    assert everything["scp_statement"]["Condition"]["Null"] == {"aws:AssumedRoot": "true"}

    narrow = client.policy(task_policies="IAMAuditRootUserCredentials", accounts=[PLAIN_MEMBER], partition="aws-cn")
    statement = narrow["caller_policy"]["Statement"][0]
    assert statement["Resource"] == [f"arn:aws-cn:iam::{PLAIN_MEMBER}:root"]
    assert statement["Condition"]["StringEquals"]["sts:TaskPolicyArn"] == [
        "arn:aws-cn:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
    ]


def test_failed_outcome_carries_step_and_code() -> None:
    from support import start_emulator

    # Root sessions that end at once make every IAM call return ExpiredToken.
    emulator = start_emulator("minimal.json", "--session-seconds", "0.001")
    try:
        outcome = rootward.Client(endpoint_url=emulator.url).audit(accounts=[PLAIN_MEMBER])[0]
    finally:
        emulator.stop()

    # The root session started, so the core reports the account partial rather than failed.
    assert outcome.status in {"failed", "partial"}
    assert not outcome.reached_goal
    assert outcome.step is not None
    assert outcome.error_code == "ExpiredToken"
    assert outcome.error_message
    assert outcome.failure_messages
    assert outcome.sessions > 1
    failed = [step for step in outcome.steps if step.failed]
    assert failed and failed[0].error_code == "ExpiredToken"


def test_stop_skips_accounts_not_started(minimal: Emulator) -> None:
    client = rootward.Client()
    run = client.iter_delete_credentials(
        accounts=[FULL_CREDENTIALS, PLAIN_MEMBER, PLAIN_MEMBER], concurrency=1, execute=True
    )

    first = next(run)
    run.stop()
    rest = list(run)

    assert first.status == "done"
    assert run.stopped
    assert run.warnings == [f"account {PLAIN_MEMBER} was given more than once; it is processed once"]
    assert [outcome.reason_kind for outcome in rest] == ["interrupted"]
    assert rest[0].status == "skipped"
    assert minimal.holdings(rest[0].account_id) != []
    summary = run.summary
    assert summary.total == 2
    assert summary.not_reached == 1
    assert not summary.all_reached
    assert summary.settled_before == 0
    assert [failure[:2] for failure in summary.failures] == [(rest[0].account_id, "skipped")]


def test_iter_create_password_plans(shared_minimal: Emulator) -> None:
    run = rootward.Client(endpoint_url=shared_minimal.url).iter_create_password(accounts=PLAIN_MEMBER)

    outcomes = list(run)

    assert [outcome.status for outcome in outcomes] == ["planned"]
    assert run.info is not None
    assert run.info.mode == "plan"
    assert run.info.task == "create-password"
    assert run.info.task_policy_arn.endswith("root-task/IAMCreateRootUserPassword")
    assert run.info.caller_arn.startswith("arn:aws:iam::111111111111:")
    assert run.info.run_id


def test_closing_an_unstarted_run_makes_no_request(minimal: Emulator) -> None:
    with rootward.Client().iter_audit() as run:
        pass

    assert run.stopped
    assert list(run) == []
    assert run.info is None
    assert minimal.requests() == []
