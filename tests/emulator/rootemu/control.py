"""Control routes under /_emulator/ for tests: state, request log, and clearing the log.

They are plain JSON over HTTP, need no signature, are never faulted or delayed, and are not
recorded in the request log. They never return secret keys or session tokens.
"""

from __future__ import annotations

import json
from typing import Any

from . import organizations, root_users, storage, wire
from .state import EmulatorState

PREFIX = "/_emulator/"


def handle(state: EmulatorState, method: str, path: str) -> wire.Response:
    routes = {
        ("GET", "/_emulator/state"): _state,
        ("GET", "/_emulator/requests"): _requests,
        ("POST", "/_emulator/requests/clear"): _clear_requests,
    }
    route = routes.get((method, path.rstrip("/")))
    if route is None:
        known = ", ".join(f"{verb} {route_path}" for verb, route_path in routes)
        return _json(404, {"error": f"No control route {method} {path}; known routes: {known}"})
    with state.lock:
        return _json(200, route(state))


def _json(status: int, payload: Any) -> wire.Response:
    return wire.Response(status, json.dumps(payload, indent=1).encode(), [("Content-Type", "application/json")])


def _requests(state: EmulatorState) -> list[dict[str, Any]]:
    return list(state.request_log)


def _clear_requests(state: EmulatorState) -> dict[str, int]:
    cleared = len(state.request_log)
    state.request_log.clear()
    return {"cleared": cleared}


def _state(state: EmulatorState) -> dict[str, Any]:
    management_id = state.management_account_id
    orgs = organizations.backend(management_id)
    now = state.now()
    return {
        "organization": {
            "id": orgs.org.id,
            "root_id": state.scenario.organization.root_id,
            "feature_set": orgs.org.feature_set,
            "management_account_id": management_id,
        },
        "trusted_access": [service["ServicePrincipal"] for service in orgs.services],
        "delegated_administrators": [
            {"account_id": admin.account.id, "service_principal": principal}
            for admin in orgs.admins
            for principal in admin.services
        ],
        "features": sorted(state.features),
        "delete_virtual_mfa": state.scenario.delete_virtual_mfa,
        "root_sessions": [
            {
                "caller_account": session.caller_account,
                "target_account": session.target_account,
                "task_policy": session.task_policy,
                "expiration": wire.format_timestamp(session.expiration),
                "expired": now >= session.ends_at,
            }
            for session in state.sessions.values()
        ],
        "accounts": {
            account.id: {
                "name": account.name,
                "email": account.email,
                "state": account.state,
                "status": account.status,
                "parent": account.parent_id,
                "root_user": root_users.snapshot(state.root_user(account.id)),
                **storage.snapshot(account.id),
            }
            for account in orgs.accounts
        },
    }
