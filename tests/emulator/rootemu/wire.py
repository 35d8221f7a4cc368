"""Response bodies in the wire formats that the AWS SDKs parse.

IAM and STS use the awsQuery protocol (XML results and ErrorResponse documents),
Organizations uses awsJson1_1, SQS uses awsJson1_0 with the awsQueryCompatible error
header, and S3 uses restXml with a bare <Error> document.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from xml.sax.saxutils import escape

QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sqs": "http://queue.amazonaws.com/doc/2012-11-05/",
}
JSON_CONTENT_TYPES = {
    "organizations": "application/x-amz-json-1.1",
    "sqs": "application/x-amz-json-1.0",
}
# SQS error types whose awsJson1_0 `__type` comes from the shared AWS namespace rather
# than from the SQS model.
SQS_COMMON_ERROR_TYPES = {
    "AccessDenied": "com.amazon.coral.service#AccessDeniedException",
    "ExpiredToken": "com.amazon.coral.service#ExpiredTokenException",
    "InvalidClientTokenId": "com.amazon.coral.service#UnrecognizedClientException",
    "InternalFailure": "com.amazon.coral.service#InternalFailure",
}


class ApiError(Exception):
    """An AWS error response: error code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400, fields: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        # Further members of an awsJson error body, such as Organizations' Reason.
        self.fields = fields or {}

    @property
    def fault(self) -> str:
        """Return "Sender" for client errors and "Receiver" for server errors."""
        return "Receiver" if self.status >= 500 else "Sender"


class XmlMap(dict):
    """A mapping serialized as awsQuery map entries (<entry><key/><value/></entry>)."""


@dataclass
class Response:
    """A complete HTTP response, ready to send through WSGI."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    def status_line(self) -> str:
        """Return the WSGI status line, for example "404 Not Found"."""
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}"

    def header(self, name: str) -> str | None:
        """Return the first header called `name` (case-insensitive), or None."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def new_request_id() -> str:
    return str(uuid.uuid4())


def format_timestamp(moment: datetime) -> str:
    """Format a UTC timestamp as ISO 8601 with a Z suffix, as the XML protocols send it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_timestamp(value)
    return escape(str(value))


def to_xml(tag: str, value: Any) -> str:
    """Serialize `value` as the awsQuery element `tag`.

    Dicts become child elements in insertion order, lists become <member> items,
    XmlMap becomes <entry> items, and None members are left out as AWS does.
    """
    if isinstance(value, XmlMap):
        entries = "".join(
            f"<entry><key>{escape(str(key))}</key><value>{_xml_text(item)}</value></entry>"
            for key, item in value.items()
        )
        return f"<{tag}>{entries}</{tag}>"
    if isinstance(value, dict):
        children = "".join(to_xml(key, item) for key, item in value.items() if item is not None)
        return f"<{tag}>{children}</{tag}>"
    if isinstance(value, list):
        members = "".join(to_xml("member", item) for item in value)
        return f"<{tag}>{members}</{tag}>"
    return f"<{tag}>{_xml_text(value)}</{tag}>"


def query_response(service: str, action: str, result: dict[str, Any] | None) -> Response:
    """Build an awsQuery success document; `result` None means the action has no output."""
    request_id = new_request_id()
    namespace = QUERY_NAMESPACES.get(service, QUERY_NAMESPACES["iam"])
    result_xml = to_xml(f"{action}Result", result) if result is not None else ""
    body = (
        f'<{action}Response xmlns="{namespace}">'
        f"{result_xml}"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return Response(200, body.encode(), _query_headers(request_id))


def query_error(service: str, error: ApiError) -> Response:
    request_id = new_request_id()
    namespace = QUERY_NAMESPACES.get(service, QUERY_NAMESPACES["iam"])
    body = (
        f'<ErrorResponse xmlns="{namespace}">'
        f"<Error><Type>{error.fault}</Type><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId>"
        f"</ErrorResponse>"
    )
    return Response(error.status, body.encode(), _query_headers(request_id))


def _query_headers(request_id: str) -> list[tuple[str, str]]:
    return [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]


def json_response(service: str, payload: dict[str, Any]) -> Response:
    request_id = new_request_id()
    headers = [
        ("Content-Type", JSON_CONTENT_TYPES.get(service, "application/x-amz-json-1.1")),
        ("x-amzn-RequestId", request_id),
    ]
    return Response(200, json.dumps(payload).encode(), headers)


def json_error(service: str, error: ApiError) -> Response:
    """Build an awsJson error; SQS also gets the awsQueryCompatible x-amzn-query-error header."""
    request_id = new_request_id()
    headers = [
        ("Content-Type", JSON_CONTENT_TYPES.get(service, "application/x-amz-json-1.1")),
        ("x-amzn-RequestId", request_id),
    ]
    if service == "sqs":
        error_type = SQS_COMMON_ERROR_TYPES.get(error.code, f"com.amazonaws.sqs#{error.code}")
        payload = {"__type": error_type, "message": error.message}
        headers.append(("x-amzn-query-error", f"{error.code};{error.fault}"))
    else:
        payload = {"__type": error.code, "Message": error.message, **error.fields}
    return Response(error.status, json.dumps(payload).encode(), headers)


def s3_error(error: ApiError, head_request: bool = False) -> Response:
    """Build an S3 <Error> document; a HEAD response carries no body, as in S3."""
    request_id = uuid.uuid4().hex[:16].upper()
    host_id = uuid.uuid4().hex
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
    )
    headers = [
        ("Content-Type", "application/xml"),
        ("x-amz-request-id", request_id),
        ("x-amz-id-2", host_id),
    ]
    return Response(error.status, b"" if head_request else body.encode(), headers)
