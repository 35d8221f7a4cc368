"""The awaitable twins of every Client method, `async for`, and cancellation.

Each test runs its coroutine with `asyncio.run`, in a fresh event loop.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support import FULL_CREDENTIALS, MINIMAL_ACCOUNTS, PLAIN_MEMBER, STORAGE, Emulator, report_lines

import rootward


def test_audit_async(minimal: Emulator) -> None:
    async def scenario() -> None:
        outcomes = await rootward.Client().audit_async()

        assert {outcome.account_id for outcome in outcomes} == MINIMAL_ACCOUNTS
        full = next(outcome for outcome in outcomes if outcome.account_id == FULL_CREDENTIALS)
        assert full.counts.total == 8

    asyncio.run(scenario())


def test_async_for_yields_outcomes(minimal: Emulator) -> None:
    async def scenario() -> None:
        run = rootward.Client().iter_audit(accounts=[FULL_CREDENTIALS, PLAIN_MEMBER])
        seen = [outcome.account_id async for outcome in run]

        assert sorted(seen) == [FULL_CREDENTIALS, PLAIN_MEMBER]
        assert run.summary.total == 2

    asyncio.run(scenario())


def test_delete_credentials_async(minimal: Emulator) -> None:
    async def scenario() -> None:
        client = rootward.Client()

        plan = await client.delete_credentials_async(accounts=[PLAIN_MEMBER])
        assert plan[0].status == "planned"
        done = await client.delete_credentials_async(accounts=[PLAIN_MEMBER], execute=True)
        assert done[0].status == "done"
        assert minimal.holdings(PLAIN_MEMBER) == []

    asyncio.run(scenario())


def test_create_password_async(minimal: Emulator) -> None:
    async def scenario() -> None:
        outcomes = await rootward.Client().create_password_async(accounts=[PLAIN_MEMBER], execute=True)

        assert outcomes[0].status == "done"
        assert "password" in minimal.holdings(PLAIN_MEMBER)

    asyncio.run(scenario())


def test_unlock_async(minimal: Emulator) -> None:
    async def scenario() -> None:
        client = rootward.Client()

        bucket = await client.unlock_s3_async(STORAGE, "rw-minimal-locked-bucket", execute=True)
        assert bucket.status == "done"
        queue_url = f"{minimal.url}/{STORAGE}/rw-minimal-locked-queue"
        queue = await client.unlock_sqs_async(STORAGE, queue_url)
        assert queue.status == "planned"

    asyncio.run(scenario())


def test_setup_async(minimal: Emulator) -> None:
    async def scenario() -> None:
        client = rootward.Client()

        status = await client.status_async()
        assert status.is_ready
        assert await client.enable_async() == []
        plan = await client.disable_async(trusted_access=True)
        assert {change.action for change in plan} >= {"DisableAWSServiceAccess"}
        assert not any(change.applied for change in plan)

    asyncio.run(scenario())


def test_concurrent_async_runs(minimal: Emulator) -> None:
    async def scenario() -> None:
        client = rootward.Client()

        results = await asyncio.gather(*(client.audit_async() for _ in range(4)))

        assert [len(outcomes) for outcomes in results] == [len(MINIMAL_ACCOUNTS)] * 4

    asyncio.run(scenario())


def test_async_errors_raise_mapped_exceptions(minimal: Emulator) -> None:
    async def scenario() -> None:
        client = rootward.Client()

        with pytest.raises(rootward.NotInOrganizationError) as raised:
            await client.audit_async(accounts=["999999999999"])
        assert raised.value.account_id == "999999999999"

        with pytest.raises(rootward.NotInOrganizationError):
            async for _ in client.iter_audit(accounts=["999999999999"]):
                pass

    asyncio.run(scenario())


def test_cancelled_collect_keeps_report_whole(slow: Emulator, tmp_path: Path) -> None:
    async def scenario() -> None:
        client = rootward.Client()
        report = tmp_path / "audit.jsonl"

        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.audit_async(concurrency=2, report=report), timeout=4)
        # The cancelled run winds down in the background for at most the grace period.
        await asyncio.sleep(rootward._native.INTERRUPT_GRACE_SECONDS + 1)

        records = report_lines(report)
        accounts = [record["account_id"] for record in records]
        assert records, "no outcome reached the report before the cancellation"
        assert len(accounts) == len(set(accounts))

        resumed = await client.audit_async(concurrency=8, resume=report)
        total = report_lines(report)
        assert len(total) == len(records) + len(resumed)
        last = {record["account_id"]: record for record in total}
        assert len(last) == 26
        interrupted = [account for account, record in last.items() if (record["reason"] or {}).get("kind") == "interrupted"]
        assert interrupted == []

    asyncio.run(scenario())
