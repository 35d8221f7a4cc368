"""Fault injection: added latency, throttling and server errors in each service's own format."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from . import wire

THROTTLE = "throttle"
SERVER_ERROR = "server_error"


@dataclass(frozen=True)
class FaultSettings:
    throttle_ratio: float = 0.0
    server_error_ratio: float = 0.0
    latency_ms: int = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name, ratio in (("--throttle", self.throttle_ratio), ("--error-5xx", self.server_error_ratio)):
            if not 0.0 <= ratio <= 1.0:
                raise ValueError(f"{name} {ratio} is invalid: expected a ratio from 0 to 1")
        if self.throttle_ratio + self.server_error_ratio > 1.0:
            raise ValueError("--throttle plus --error-5xx must not exceed 1")
        if self.latency_ms < 0:
            raise ValueError(f"--latency-ms {self.latency_ms} is invalid: expected 0 or more milliseconds")


class FaultInjector:
    """Draws one random number per request from a single seeded generator, under a lock."""

    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._random = random.Random(settings.seed)
        self._lock = threading.Lock()

    def delay(self) -> None:
        """Sleep for the configured latency; the caller must not hold the state lock."""
        if self.settings.latency_ms:
            time.sleep(self.settings.latency_ms / 1000)

    def pick(self) -> str | None:
        """Return THROTTLE, SERVER_ERROR or None for the next request."""
        if not (self.settings.throttle_ratio or self.settings.server_error_ratio):
            return None
        with self._lock:
            draw = self._random.random()
        if draw < self.settings.throttle_ratio:
            return THROTTLE
        if draw < self.settings.throttle_ratio + self.settings.server_error_ratio:
            return SERVER_ERROR
        return None


def fault_error(service: str, fault: str) -> wire.ApiError:
    """Return the throttling or server error that `service` sends for `fault`."""
    if fault == THROTTLE:
        if service == "organizations":
            return wire.ApiError(
                "TooManyRequestsException",
                "You have sent too many requests in too short a period of time. Try again later.",
                400,
                fields={"Type": "RequestThrottled"},
            )
        if service == "s3":
            return wire.ApiError("SlowDown", "Please reduce your request rate.", 503)
        if service == "sqs":
            return wire.ApiError("RequestThrottled", "Rate exceeded", 400)
        return wire.ApiError("Throttling", "Rate exceeded", 400)
    if service == "s3":
        return wire.ApiError("InternalError", "We encountered an internal error. Please try again.", 500)
    if service == "organizations":
        return wire.ApiError("ServiceException", "AWS Organizations can't complete your request because of an internal service error. Try again later.", 500)
    return wire.ApiError("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", 500)
