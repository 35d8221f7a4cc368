"""Fixtures for the binding tests: the local emulator, and an environment that reaches nothing
but loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from support import NOWHERE, Emulator, emulator_environment


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """Point this process's AWS settings at loopback for the whole session."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(emulator_environment(NOWHERE))
    os.environ.pop("RUST_LOG", None)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def minimal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A fresh emulator with the minimal scenario, which the environment points at."""
    emulator = Emulator("minimal.json")
    emulator.use(monkeypatch)
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def shared_minimal() -> Iterator[Emulator]:
    """An emulator with the minimal scenario shared by a module's read-only tests."""
    emulator = Emulator("minimal.json")
    yield emulator
    emulator.stop()


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The demo scenario with 300 ms added to every response, for interrupts and threads."""
    emulator = Emulator("demo.json", "--latency-ms", "300")
    emulator.use(monkeypatch)
    yield emulator
    emulator.stop()
