"""The emulator's own state: root users, root sessions, features and the request log.

One re-entrant lock guards this state and moto's backends together: the application holds
it while it handles a request (but not while it sleeps for added latency).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from . import scenario
from .identity import Caller, RootSession
from .request import Call
from .root_users import RootUser


@dataclass(frozen=True)
class Options:
    # Upper bound on a root session's lifetime in seconds; None keeps DurationSeconds.
    session_seconds: float | None = None


class EmulatorState:
    def __init__(self, plan: scenario.Scenario, options: Options) -> None:
        self.lock = threading.RLock()
        self.scenario = plan
        self.options = options
        self.root_users = {account.id: RootUser.from_spec(account.id, account.root) for account in plan.accounts}
        self.features = set(plan.features)
        self.sessions: dict[str, RootSession] = {}
        self.callers = {caller.access_key_id: caller for caller in plan.callers}
        self.request_log: list[dict[str, Any]] = []

    @property
    def management_account_id(self) -> str:
        return self.scenario.organization.management_account_id

    @staticmethod
    def now() -> datetime:
        return datetime.now(timezone.utc)

    def root_user(self, account_id: str) -> RootUser:
        """Return the account's root user; an account created after start gets one without credentials."""
        user = self.root_users.get(account_id)
        if user is None:
            user = RootUser(account_id=account_id, created=self.now())
            self.root_users[account_id] = user
        return user

    def record(self, call: Call, caller: Caller, status: int, error_code: str | None) -> None:
        """Append one request to the log; entries never contain keys, secrets or tokens."""
        session = caller.session
        self.request_log.append(
            {
                "service": call.service,
                "action": call.action,
                "caller_kind": caller.kind,
                "caller_account": session.caller_account if session else caller.account_id,
                "target_account": session.target_account if session else None,
                "task_policy": session.task_policy if session else None,
                "status": status,
                "error_code": error_code,
            }
        )
