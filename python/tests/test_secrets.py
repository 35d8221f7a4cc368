"""No credential in any repr, str, exception text or log line, and the opt-in logging."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from support import FULL_CREDENTIALS, MANAGEMENT_SECRET, Emulator, emulator_environment

import rootward

# A root session's secret key is 40 random base64 characters and its token several hundred.
# Names such as DisableOrganizationsRootCredentialsManagement are as long, but a random run of
# that length also contains digits and both cases.
BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{40,}")


def looks_random(run: str) -> bool:
    return any(c.isdigit() for c in run) and any(c.islower() for c in run) and any(c.isupper() for c in run)


# The emulator's request IDs are random too; the SDK logs them at debug level.
REQUEST_ID = re.compile(r'request_id=Some\("[^"]*"\)')


def assert_clean(text: str) -> None:
    assert MANAGEMENT_SECRET not in text
    assert "x-amz-security-token" not in text.lower()
    suspicious = [run for run in BASE64_RUN.findall(REQUEST_ID.sub("", text)) if looks_random(run)]
    assert suspicious == [], f"a credential-like string was printed: {suspicious[0][:12]}…"


def test_reprs_and_errors_hold_no_secret(minimal: Emulator) -> None:
    client = rootward.Client()
    run = client.iter_audit(report=None)
    outcomes = list(run)
    texts = [repr(client), repr(run), repr(run.info), repr(run.summary), repr(client.status())]
    for outcome in outcomes:
        texts += [repr(outcome), outcome.to_json(), repr(outcome.counts), *map(repr, outcome.steps)]
    texts += [repr(change) for change in client.disable()]
    try:
        client.audit(accounts=["999999999999"])
    except rootward.RootwardError as error:
        texts += [str(error), repr(error)]
    for text in texts:
        assert_clean(text)
    assert any(FULL_CREDENTIALS in text for text in texts)


def test_client_repr_hides_password_in_endpoint() -> None:
    client = rootward.Client(endpoint_url="http://user:hunter2@127.0.0.1:9/path")

    assert "hunter2" not in repr(client)
    assert "http://***@127.0.0.1:9/path" in repr(client)


LOGGING_SCRIPT = """
import rootward
assert rootward.init_logging() is True
assert rootward.init_logging() is False
outcomes = rootward.Client().audit()
print(len(outcomes))
"""


def test_trace_logging_keeps_credentials_out(minimal: Emulator) -> None:
    environment = emulator_environment(minimal.url)
    environment["RUST_LOG"] = "trace"
    environment["AWS_SECRET_ACCESS_KEY"] = MANAGEMENT_SECRET

    result = subprocess.run(
        [sys.executable, "-c", LOGGING_SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "7"
    assert "account finished" in result.stderr, "the subscriber logged nothing of rootward's"
    lines = result.stderr.splitlines()
    # The SDK's own debug events pass, so the filter is open below trace …
    assert [line for line in lines if " DEBUG " in line and "aws_smithy_runtime" in line]
    # … and its trace events, which print the signed request and the AssumeRoot response, do not.
    assert not [line for line in lines if " TRACE " in line and ("aws_" in line or "hyper" in line)]
    assert_clean(result.stderr)


def test_invalid_default_filter_is_rejected() -> None:
    with pytest.raises(ValueError, match="invalid log filter"):
        rootward.init_logging("[not a filter")


def test_secret_detector_flags_session_credentials() -> None:
    # The check above must be able to fail: an AssumeRoot response as the SDK would log it.
    response = (
        "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>"
        "<SessionToken>IQoJb3JpZ2luX2VjEMj//////////wEaCXVzLWVhc3QtMSJHMEUCIQDtest</SessionToken>"
    )
    with pytest.raises(AssertionError, match="credential-like"):
        assert_clean(response)
