"""Blocking calls release the GIL, and calls from several threads at once work."""

from __future__ import annotations

import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

from support import MINIMAL_ACCOUNTS, Emulator

import rootward


def test_calls_from_several_threads(minimal: Emulator) -> None:
    client = rootward.Client()

    with ThreadPoolExecutor(max_workers=4) as pool:
        audits = [pool.submit(client.audit) for _ in range(4)]
        statuses = [pool.submit(client.status) for _ in range(2)]
        results = [future.result(timeout=120) for future in audits]
        ready = [future.result(timeout=120).is_ready for future in statuses]

    assert [len(outcomes) for outcomes in results] == [len(MINIMAL_ACCOUNTS)] * 4
    assert ready == [True, True]


def test_blocking_call_releases_the_gil(slow: Emulator) -> None:
    client = rootward.Client()
    finished = threading.Event()
    outcomes: list[rootward.Outcome] = []

    def audit() -> None:
        outcomes.extend(client.audit(accounts=["200000000003", "200000000005"]))
        finished.set()

    worker = threading.Thread(target=audit)
    worker.start()
    # With the emulator's latency the audit takes well over a second; count how often this
    # thread runs Python code meanwhile. A call that kept the GIL would leave it near zero.
    spins = 0
    started = time.monotonic()
    while not finished.is_set() and time.monotonic() - started < 60:
        spins += 1
        time.sleep(0.001)
    elapsed = time.monotonic() - started
    worker.join()

    assert len(outcomes) == 2
    assert elapsed > 0.5
    assert spins > elapsed * 100


def test_one_run_shared_by_threads(minimal: Emulator) -> None:
    run = rootward.Client().iter_audit()
    seen: list[str] = []
    lock = threading.Lock()

    def consume() -> None:
        for outcome in run:
            with lock:
                seen.append(outcome.account_id)

    threads = [threading.Thread(target=consume) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(seen) == sorted(MINIMAL_ACCOUNTS)


def test_forked_child_gets_clear_error(minimal: Emulator) -> None:
    client = rootward.Client()
    client.status()  # starts the runtime in this process

    with warnings.catch_warnings():
        # Python 3.12 and later warn that forking a process with threads is unsafe, which is
        # the reason for the guard under test.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:
        try:
            client.status()
        except RuntimeError as error:
            os._exit(0 if "forked" in str(error) else 2)
        except BaseException:
            os._exit(3)
        os._exit(1)

    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
