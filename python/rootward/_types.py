"""Type aliases for the string values of outcomes."""

from typing import Literal, TypeAlias

__all__ = ["Mode", "Status", "StepResult"]

Status: TypeAlias = Literal["planned", "done", "nothing_to_do", "skipped", "failed", "partial"]
"""The final status of one account."""

Mode: TypeAlias = Literal["read", "plan", "execute"]
"""Whether a run may change anything: ``read`` for an audit, else ``plan`` or ``execute``."""

StepResult: TypeAlias = Literal["ok", "already_absent", "left_in_place", "retried", "failed"]
"""The result of one API call in an account."""
