"""Helpers for the binding tests: the local emulator, and the environment of a process that
talks to it only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
SERVE = REPOSITORY / "tests" / "emulator" / "serve.py"
SCENARIOS = REPOSITORY / "tests" / "emulator" / "scenarios"
MANAGEMENT_KEY = "AKIAEMULATORMANAGER1"
DELEGATED_ADMIN_KEY = "AKIADELEGATEDADMIN01"
# A secret that must never show up in any output of the bindings.
MANAGEMENT_SECRET = "emulator-secret-Zq7xWv3Lp9"
# Port 9 (discard) on loopback: a request without an explicit endpoint fails at once here
# instead of going anywhere else.
NOWHERE = "http://127.0.0.1:9"

# The minimal scenario's accounts.
MANAGEMENT = "111111111111"
SECURITY_ADMIN = "300000000001"
FULL_CREDENTIALS = "300000000002"
STORAGE = "300000000003"
SUSPENDED = "300000000004"
CLOSING = "300000000005"
PLAIN_MEMBER = "300000000006"
MINIMAL_ACCOUNTS = {MANAGEMENT, SECURITY_ADMIN, FULL_CREDENTIALS, STORAGE, SUSPENDED, CLOSING, PLAIN_MEMBER}


def emulator_environment(url: str, access_key: str = MANAGEMENT_KEY) -> dict[str, str]:
    """The environment of a process that talks to the emulator at `url` only."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": MANAGEMENT_SECRET,
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


class Emulator:
    """A running emulator on a free loopback port."""

    def __init__(self, scenario: str, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SERVE), "--port", "0", "--scenario", str(SCENARIOS / scenario), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("ready http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = line.removeprefix("ready ")

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return json.loads(response.read())

    def state(self) -> dict[str, Any]:
        """The emulator's state: accounts, root users, features."""
        state: dict[str, Any] = self._get("/_emulator/state")
        return state

    def requests(self) -> list[dict[str, Any]]:
        """The request log, in order."""
        log: list[dict[str, Any]] = self._get("/_emulator/requests")
        return log

    def holdings(self, account_id: str) -> list[str]:
        """The root credentials an account's root user holds, as `password`, `access_keys:ID` …"""
        root = self.state()["accounts"][account_id]["root_user"]
        credentials = ["password"] if root.get("password") else []
        for kind, field in (("access_keys", "id"), ("signing_certificates", "id"), ("mfa_devices", "serial")):
            credentials.extend(f"{kind}:{item[field]}" for item in root.get(kind) or [])
        return sorted(credentials)

    def use(self, monkeypatch: pytest.MonkeyPatch, access_key: str = MANAGEMENT_KEY) -> None:
        """Point this process's AWS settings at the emulator for one test."""
        for name, value in emulator_environment(self.url, access_key).items():
            monkeypatch.setenv(name, value)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_emulator(scenario: str, *options: str) -> Emulator:
    """Start an emulator that the caller stops."""
    return Emulator(scenario, *options)


def report_lines(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON Lines report."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
