"""Identification of an incoming AWS request: service, action, protocol and credentials.

The service comes from the SigV4 credential scope (`Credential=KEY/DATE/REGION/SERVICE/...`
in the Authorization header, or X-Amz-Credential in a presigned query string). The action
comes from `Action=` for awsQuery, from X-Amz-Target for awsJson, and from the method, path
and sub-resource for S3. Signatures are not verified.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from . import wire

CREDENTIAL_PATTERN = re.compile(
    r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request"
)
DEFAULT_REGION = "us-east-1"

# S3 bucket sub-resources and the name they give an operation, e.g. ?policy -> GetBucketPolicy.
S3_BUCKET_SUBRESOURCES = {
    "accelerate": "AccelerateConfiguration",
    "acl": "Acl",
    "analytics": "AnalyticsConfiguration",
    "cors": "Cors",
    "encryption": "Encryption",
    "intelligent-tiering": "IntelligentTieringConfiguration",
    "inventory": "InventoryConfiguration",
    "lifecycle": "LifecycleConfiguration",
    "location": "Location",
    "logging": "Logging",
    "metrics": "MetricsConfiguration",
    "notification": "NotificationConfiguration",
    "object-lock": "ObjectLockConfiguration",
    "ownershipControls": "OwnershipControls",
    "policy": "Policy",
    "policyStatus": "PolicyStatus",
    "publicAccessBlock": "PublicAccessBlock",
    "replication": "Replication",
    "requestPayment": "RequestPayment",
    "tagging": "Tagging",
    "versioning": "Versioning",
    "website": "Website",
}
S3_OBJECT_SUBRESOURCES = {
    "acl": "Acl",
    "attributes": "Attributes",
    "legal-hold": "LegalHold",
    "retention": "Retention",
    "tagging": "Tagging",
}
S3_VERBS = {"GET": "Get", "HEAD": "Get", "PUT": "Put", "DELETE": "Delete", "POST": "Put"}
# API operations whose IAM action has another name.
IAM_ACTION_NAMES = {("s3", "ListBuckets"): "ListAllMyBuckets"}


@dataclass
class Call:
    """One identified AWS request: service, action, protocol, credentials and parameters."""

    service: str
    action: str
    protocol: str
    region: str
    access_key: str | None
    session_token: str | None
    params: dict[str, Any] = field(default_factory=dict)
    method: str = "POST"
    bucket: str | None = None
    object_key: str | None = None

    @property
    def signed(self) -> bool:
        return self.access_key is not None

    @property
    def iam_action(self) -> str:
        """Return the IAM action the call needs, e.g. "s3:ListAllMyBuckets" for S3 ListBuckets."""
        name = IAM_ACTION_NAMES.get((self.service, self.action), self.action)
        return f"{self.service}:{name}"

    def param(self, name: str) -> Any:
        """Return a request parameter, or None when it is absent or empty."""
        value = self.params.get(name)
        return None if value in (None, "") else value


def parse(environ: dict[str, Any], body: bytes) -> Call:
    """Identify the AWS call carried by a WSGI request whose body was already read."""
    query = _flat_query(environ.get("QUERY_STRING", ""))
    access_key, region, service = _credential_scope(environ.get("HTTP_AUTHORIZATION", ""), query)
    session_token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN") or query.get("X-Amz-Security-Token")
    method = environ.get("REQUEST_METHOD", "GET").upper()
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    content_type = environ.get("CONTENT_TYPE", "")

    call = Call(
        service=service or "unknown",
        action="unknown",
        protocol="unknown",
        region=region or DEFAULT_REGION,
        access_key=access_key,
        session_token=session_token,
        method=method,
    )

    if service == "s3":
        _describe_s3_call(call, environ, query)
    elif target and "." in target:
        call.protocol = "json"
        call.action = target.rsplit(".", 1)[1]
        call.params = _json_body(body)
    else:
        form = dict(query)
        if content_type.startswith("application/x-www-form-urlencoded") and body:
            form.update(_flat_query(body.decode("utf-8", errors="replace")))
        if "Action" in form:
            call.protocol = "query"
            call.action = form["Action"]
            call.params = form
            call.session_token = call.session_token or form.get("X-Amz-Security-Token")
    return call


def _flat_query(text: str) -> dict[str, str]:
    parsed = parse_qs(text, keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def _credential_scope(authorization: str, query: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    """Return (access key, region, service) from the SigV4 credential scope, if any."""
    match = CREDENTIAL_PATTERN.search(authorization)
    if match is None and "X-Amz-Credential" in query:
        match = CREDENTIAL_PATTERN.search("Credential=" + query["X-Amz-Credential"])
    if match is None:
        return None, None, None
    access_key, _date, region, service = match.groups()
    return access_key, region, service.lower()


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        payload = json.loads(body)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _describe_s3_call(call: Call, environ: dict[str, Any], query: dict[str, str]) -> None:
    """Fill in the bucket and the S3 operation name for a path-style S3 request."""
    call.protocol = "rest-xml"
    call.params = query
    path = unquote(environ.get("PATH_INFO", "/"))
    bucket, _, key = path.lstrip("/").partition("/")
    call.bucket = bucket or None
    call.object_key = key or None
    call.action = s3_operation(call.method, bucket, key, query, environ)


def s3_operation(method: str, bucket: str, key: str, query: dict[str, str], environ: dict[str, Any]) -> str:
    """Name the S3 operation of a path-style request, e.g. DELETE /bucket?policy -> DeleteBucketPolicy."""
    verb = S3_VERBS.get(method, method.title())
    if not bucket:
        return "ListBuckets" if method == "GET" else f"{verb}Service"

    if not key:
        for name, suffix in S3_BUCKET_SUBRESOURCES.items():
            if name in query:
                return f"{verb}Bucket{suffix}"
        if "uploads" in query:
            return "ListMultipartUploads"
        if "versions" in query:
            return "ListObjectVersions"
        if "delete" in query and method == "POST":
            return "DeleteObjects"
        simple = {
            "GET": "ListObjectsV2" if query.get("list-type") == "2" else "ListObjects",
            "HEAD": "HeadBucket",
            "PUT": "CreateBucket",
            "DELETE": "DeleteBucket",
        }
        return simple.get(method, f"{verb}Bucket")

    for name, suffix in S3_OBJECT_SUBRESOURCES.items():
        if name in query:
            return f"{verb}Object{suffix}"
    if "uploads" in query and method == "POST":
        return "CreateMultipartUpload"
    if "uploadId" in query:
        multipart = {"PUT": "UploadPart", "POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload", "GET": "ListParts"}
        return multipart.get(method, "UploadPart")
    if method == "PUT" and environ.get("HTTP_X_AMZ_COPY_SOURCE"):
        return "CopyObject"
    simple = {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}
    return simple.get(method, f"{verb}Object")


def render_error(call: Call, error: wire.ApiError) -> wire.Response:
    """Render `error` in the protocol of the service that `call` addressed."""
    if call.service == "s3":
        return wire.s3_error(error, head_request=call.method == "HEAD")
    if call.protocol == "json" or (call.service == "organizations" and call.protocol != "query"):
        return wire.json_error(call.service, error)
    return wire.query_error(call.service, error)


def render_result(call: Call, result: dict[str, Any] | None) -> wire.Response:
    """Render a successful result in the protocol of `call` (awsQuery or awsJson)."""
    if call.protocol == "json":
        return wire.json_response(call.service, result or {})
    return wire.query_response(call.service, call.action, result)
