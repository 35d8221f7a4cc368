"""The WSGI application: emulator rules in front of moto's server application.

The control routes are handled directly. Any other request is identified and delayed by the
added latency. It is then handled under the state lock, step by step: injected fault,
root-session token and expiry, task policy (root sessions) or lockout policy (other callers),
the emulator's own handlers, and finally moto with the account the caller acts in.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable
from typing import Any, Callable

from moto.utilities.utils import get_partition

from . import assume_root, control, faults, identity, org_features, organizations, policies, request, root_users, storage, wire
from .identity import Caller
from .request import Call
from .state import EmulatorState

logger = logging.getLogger("rootemu")
XML_CODE_PATTERN = re.compile(rb"<Code>([^<]+)</Code>")


class EmulatorApp:
    def __init__(self, state: EmulatorState, injector: faults.FaultInjector, moto_app: Callable[..., Iterable[bytes]]) -> None:
        self.state = state
        self.faults = injector
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path.startswith(control.PREFIX) or path == control.PREFIX.rstrip("/"):
            return _send(control.handle(self.state, environ.get("REQUEST_METHOD", "GET"), path), start_response)

        body = _read_body(environ)
        call = request.parse(environ, body)
        self.faults.delay()
        with self.state.lock:
            caller = identity.resolve(self.state, call)
            response = self._respond(call, caller, environ, body)
            code = error_code(response)
            self.state.record(call, caller, response.status, code)
        logger.info(
            "%s:%s from %s %s: HTTP %d %s",
            call.service, call.action, caller.kind, caller.account_id, response.status, code or "",
        )
        return _send(response, start_response)

    def _respond(self, call: Call, caller: Caller, environ: dict[str, Any], body: bytes) -> wire.Response:
        fault = self.faults.pick()
        if fault is not None:
            return request.render_error(call, faults.fault_error(call.service, fault))
        try:
            return self._dispatch(call, caller, environ, body)
        except wire.ApiError as error:
            return request.render_error(call, error)
        except Exception:
            logger.exception("Emulator failure while handling %s:%s", call.service, call.action)
            failure = wire.ApiError("InternalFailure", "The emulator failed to handle this request. Its log on stderr has the traceback.", 500)
            return request.render_error(call, failure)

    def _dispatch(self, call: Call, caller: Caller, environ: dict[str, Any], body: bytes) -> wire.Response:
        now = self.state.now()
        identity.check_session(call, caller, now)
        if caller.session is not None:
            policies.check(call, caller.session, self.state.scenario.delete_virtual_mfa)
        else:
            storage.check_lockout(call)

        response = self._respond_locally(call, caller, now)
        if response is not None:
            return response
        return self._forward_to_moto(call, caller, environ, body)

    def _respond_locally(self, call: Call, caller: Caller, now: Any) -> wire.Response | None:
        """Return the response to a call the emulator implements itself, or None to forward the call to moto."""
        state = self.state
        management_id = state.management_account_id
        if call.service == "sts" and call.action == "GetCallerIdentity":
            return request.render_result(call, identity.get_caller_identity(call, caller))
        if call.service == "sts" and call.action == "AssumeRoot":
            result, session = assume_root.assume_root(
                call, caller, management_id, state.features, state.options.session_seconds, now
            )
            state.sessions[session.access_key_id] = session
            return request.render_result(call, result)
        if call.service == "iam" and caller.session is not None:
            context = root_users.Context(call=call, partition=get_partition(call.region), now=now)
            return request.render_result(call, root_users.handle(state.root_user(caller.account_id), context))
        if call.service == "iam" and call.action in org_features.ACTIONS:
            return request.render_result(call, org_features.handle(call.action, caller, state.features, management_id))
        if call.service == "organizations":
            return organizations.handle(call, caller, management_id)
        return None

    def _forward_to_moto(self, call: Call, caller: Caller, environ: dict[str, Any], body: bytes) -> wire.Response:
        # moto keeps the organization in the management account's backend. An SQS call that
        # names a queue URL acts in the queue's account, as SQS resolves queues by URL. Every
        # other call acts in the caller's account (the target account for a root session).
        account_id = caller.account_id
        if call.service == "organizations":
            account_id = self.state.management_account_id
        elif call.service == "sqs":
            account_id = storage.queue_url_account(call.param("QueueUrl")) or caller.account_id
        forwarded = dict(environ)
        forwarded["HTTP_X_MOTO_ACCOUNT_ID"] = account_id
        forwarded["wsgi.input"] = io.BytesIO(body)
        forwarded["CONTENT_LENGTH"] = str(len(body))

        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return chunks.append

        iterable = self.moto_app(forwarded, start_response)
        try:
            chunks.extend(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        response = wire.Response(captured["status"], b"".join(chunks), captured["headers"])
        if call.protocol == "json":
            _set_json_content_type(response, call.service)
        return response


def _set_json_content_type(response: wire.Response, service: str) -> None:
    # moto's Flask views send some awsJson results as text/html.
    content_type = response.header("Content-Type") or ""
    if "json" not in content_type:
        response.headers = [(key, value) for key, value in response.headers if key.lower() != "content-type"]
        response.headers.append(("Content-Type", wire.JSON_CONTENT_TYPES.get(service, "application/x-amz-json-1.1")))


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    return b""


def _send(response: wire.Response, start_response: Callable[..., Any]) -> list[bytes]:
    headers = list(response.headers)
    if response.header("Content-Length") is None:
        headers.append(("Content-Length", str(len(response.body))))
    start_response(response.status_line(), headers)
    return [response.body]


def error_code(response: wire.Response) -> str | None:
    """Return the AWS error code of an error response in any of the emulated protocols."""
    if response.status < 400:
        return None
    query_error = response.header("x-amzn-query-error")
    if query_error:
        return query_error.split(";", 1)[0]
    body = response.body.strip()
    if body.startswith(b"{"):
        try:
            error_type = json.loads(body).get("__type")
        except (ValueError, AttributeError):
            error_type = None
        if error_type:
            return str(error_type).rsplit("#", 1)[-1].split(":", 1)[0]
    match = XML_CODE_PATTERN.search(body)
    if match:
        return match.group(1).decode()
    return response.header("X-Amzn-Errortype")
