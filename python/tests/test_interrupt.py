"""Ctrl-C (KeyboardInterrupt) stops a running call promptly and leaves a whole report."""

from __future__ import annotations

import _thread
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support import Emulator, emulator_environment, report_lines

import rootward

DEMO_ACCOUNTS = 26


def interrupt_after(seconds: float) -> threading.Timer:
    """Deliver a KeyboardInterrupt to the main thread after `seconds`, as Ctrl-C would."""
    timer = threading.Timer(seconds, _thread.interrupt_main)
    timer.start()
    return timer


def check_resume_completes(client: rootward.Client, report: Path) -> None:
    """The interrupted report is whole, and a resume gives every account a final outcome."""
    before = report_lines(report)
    accounts = [record["account_id"] for record in before]
    assert len(accounts) == len(set(accounts)), "an account appears twice in one run's report"

    client.audit(concurrency=8, resume=report)
    last = {record["account_id"]: record for record in report_lines(report)}
    assert len(last) == DEMO_ACCOUNTS
    assert all((record["reason"] or {}).get("kind") != "interrupted" for record in last.values())


def test_interrupt_stops_collect_promptly(slow: Emulator, tmp_path: Path) -> None:
    client = rootward.Client()
    report = tmp_path / "audit.jsonl"

    timer = interrupt_after(3.0)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        client.audit(concurrency=2, report=report)
    waited = time.monotonic() - started - 3.0
    timer.join()

    # The accounts in flight get the grace period, then the call returns.
    assert waited < rootward._native.INTERRUPT_GRACE_SECONDS + 1.0
    check_resume_completes(client, report)


def test_interrupt_stops_iteration(slow: Emulator, tmp_path: Path) -> None:
    client = rootward.Client()
    report = tmp_path / "audit.jsonl"
    seen = 0

    timer = interrupt_after(3.0)
    with pytest.raises(KeyboardInterrupt):
        # The interrupt lands inside a wait for the next outcome, or rarely in this loop's own
        # code. Leaving the `with` block stops the run in both cases.
        with client.iter_audit(concurrency=2, report=report) as run:
            for _ in run:
                seen += 1
    timer.join()

    assert run.stopped
    assert list(run) == [], "an interrupted run is finished"
    assert run.summary.total >= seen
    check_resume_completes(client, report)


def test_interrupt_during_start(slow: Emulator) -> None:
    run = rootward.Client().iter_audit()

    timer = interrupt_after(0.2)
    with pytest.raises(KeyboardInterrupt):
        next(run)
    timer.join()

    assert run.info is None
    assert list(run) == []


SCRIPT = """
import sys, time
import rootward

client = rootward.Client()
print("started", flush=True)
started = time.monotonic()
try:
    client.audit(concurrency=2, report=sys.argv[1])
except KeyboardInterrupt:
    print(f"interrupted after {time.monotonic() - started:.2f}", flush=True)
    sys.exit(130)
print("finished", flush=True)
"""


def test_sigint_in_a_real_process(slow: Emulator, tmp_path: Path) -> None:
    report = tmp_path / "audit.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(report)],
        env=emulator_environment(slow.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    time.sleep(3.0)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    returned = time.monotonic() - sent

    assert process.returncode == 130, stdout + stderr
    assert stdout.startswith("interrupted after"), stdout + stderr
    assert returned < rootward._native.INTERRUPT_GRACE_SECONDS + 2.0
    check_resume_completes(rootward.Client(endpoint_url=slow.url), report)


def test_second_interrupt_cancels_at_once(slow: Emulator, tmp_path: Path) -> None:
    client = rootward.Client()
    report = tmp_path / "audit.jsonl"
    running = threading.Event()

    def interrupt_twice() -> None:
        time.sleep(3.0)
        _thread.interrupt_main()
        time.sleep(0.1)
        # Only while the call still runs, so the interrupt cannot hit the test itself.
        if running.is_set():
            _thread.interrupt_main()

    running.set()
    timer = threading.Thread(target=interrupt_twice)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.audit(concurrency=2, report=report)
    finally:
        running.clear()
    waited = time.monotonic() - started - 3.0
    timer.join()

    # The accounts in flight need several 300 ms requests each, so a single interrupt would
    # wait for them. The second one makes the call return within a few signal checks.
    assert waited < 1.0
    check_resume_completes(client, report)
