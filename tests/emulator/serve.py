#!/usr/bin/env python3
"""Run the local AWS emulator for rootward: the moto server plus the rootemu extension.

Serves STS, IAM, Organizations, S3 and SQS on one endpoint on 127.0.0.1 and prints
`ready http://127.0.0.1:PORT` on stdout once it accepts requests. See README.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import re
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent
DEFAULT_SCENARIO = HERE / "scenarios" / "demo.json"
DEFAULT_REQUIREMENTS = HERE / "requirements.txt"
MOTO_PIN_PATTERN = re.compile(r"^\s*moto(\[[^\]]*\])?\s*==\s*([^\s;#]+)", re.MULTILINE)

logger = logging.getLogger("rootemu")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run the rootward AWS emulator (moto plus root-access extensions) on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free port (default: 0)")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO, help="scenario JSON file (default: scenarios/demo.json)")
    parser.add_argument("--throttle", type=float, default=0.0, metavar="RATIO", help="share of requests answered with the service's throttling error, 0 to 1")
    parser.add_argument("--error-5xx", type=float, default=0.0, metavar="RATIO", help="share of requests answered with HTTP 500, 0 to 1")
    parser.add_argument("--latency-ms", type=int, default=0, metavar="N", help="delay every response by N milliseconds")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="seed for the fault choices, for repeatable runs")
    parser.add_argument("--session-seconds", type=float, default=None, metavar="N", help="end root sessions after min(N, DurationSeconds) seconds")
    parser.add_argument("--requirements", type=Path, default=DEFAULT_REQUIREMENTS, help="requirements file holding the moto pin (default: requirements.txt beside serve.py)")
    parser.add_argument("--credentials-log", type=Path, default=None, metavar="FILE", help="append every issued root session's key, secret and token to FILE, for tests that check nothing leaks them (never use outside tests)")
    parser.add_argument("--verbose", action="store_true", help="log every request and the emulator's progress on stderr")
    return parser.parse_args(argv)


def moto_version_problem(requirements: Path) -> str | None:
    """Return why the installed moto does not match the pin in `requirements`, or None when it does."""
    try:
        text = requirements.read_text(encoding="utf-8")
    except OSError as error:
        return f"Cannot read the moto pin from {requirements}: {error.strerror}."
    match = MOTO_PIN_PATTERN.search(text)
    if match is None:
        return f"{requirements} has no exact moto pin (a line such as moto[server]==5.2.1)."
    pinned = match.group(2)
    try:
        installed = importlib.metadata.version("moto")
    except importlib.metadata.PackageNotFoundError:
        return f"moto is not installed, but {requirements} pins moto {pinned}; run: pip install -r {requirements}"
    if installed != pinned:
        return (
            f"moto {installed} is installed, but {requirements} pins moto {pinned}; "
            f"run: pip install -r {requirements}"
        )
    return None


def build_app(args: argparse.Namespace):
    """Load the scenario, seed moto, and return the emulator's WSGI application."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from rootemu import app, faults, organizations, scenario, state, storage

    settings = faults.FaultSettings(
        throttle_ratio=args.throttle,
        server_error_ratio=args.error_5xx,
        latency_ms=args.latency_ms,
        seed=args.seed,
    )
    organizations.install_moto_patches()
    storage.install_moto_patches()

    plan = scenario.load(args.scenario, datetime.now(timezone.utc))
    emulator_state = state.EmulatorState(plan, state.Options(session_seconds=args.session_seconds))
    organizations.seed(plan)
    for account in plan.accounts:
        storage.seed(account)
    logger.info(
        "Loaded scenario %s: organization %s with %d accounts",
        args.scenario, plan.organization.id, len(plan.accounts),
    )
    return app.EmulatorApp(emulator_state, faults.FaultInjector(settings), DomainDispatcherApplication(create_backend_app))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)

    problem = moto_version_problem(args.requirements)
    if problem is not None:
        print(f"serve.py: {problem}", file=sys.stderr)
        return 2
    if args.session_seconds is not None and args.session_seconds < 0:
        print(f"serve.py: --session-seconds {args.session_seconds} is invalid: expected 0 or more seconds", file=sys.stderr)
        return 2
    if "MOTO_ACCOUNT_ID" in os.environ:
        # moto would let this variable override the account of every request.
        logger.warning("Ignoring MOTO_ACCOUNT_ID=%s: the emulator chooses the account per request", os.environ["MOTO_ACCOUNT_ID"])
        del os.environ["MOTO_ACCOUNT_ID"]

    from rootemu import assume_root
    from rootemu.scenario import ScenarioError

    assume_root.CREDENTIALS_LOG = args.credentials_log

    try:
        application = build_app(args)
    except (ScenarioError, ValueError) as error:
        print(f"serve.py: {error}", file=sys.stderr)
        return 2

    from werkzeug.serving import make_server

    try:
        server = make_server("127.0.0.1", args.port, application, threaded=True)
    except OSError as error:
        print(f"serve.py: cannot listen on 127.0.0.1:{args.port}: {error.strerror}", file=sys.stderr)
        return 1

    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("Received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    worker = threading.Thread(target=server.serve_forever, name="emulator-server", daemon=True)
    worker.start()
    print(f"ready http://127.0.0.1:{server.server_port}", flush=True)
    logger.info("Serving on 127.0.0.1:%d", server.server_port)

    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    worker.join(timeout=5)
    logger.info("Stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
