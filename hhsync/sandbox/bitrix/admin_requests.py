"""Reading sandbox requests: the sandbox and portal a path names, the base URL to hand out, JSON
bodies, bad-input errors."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.hosting import public_base
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import Portal


class AdminError(Exception):
    """Bad admin input: answered as ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def sandbox_of(request: Request) -> BitrixSandbox:
    """The sandbox serving ``request``."""
    sandbox: BitrixSandbox = request.app.state.sandbox
    return sandbox


def base_of(request: Request) -> str:
    """The base URL clients of this sandbox get (see :func:`.hosting.public_base`)."""
    sandbox = sandbox_of(request)
    return public_base(request, sandbox.config.public_url, sandbox.portals)


def portal_of(request: Request) -> Portal:
    """The portal named by the path's ``{domain}``; 404 when there is none."""
    portal = sandbox_of(request).portal(request.path_params["domain"])
    if portal is None:
        raise AdminError(f"no portal {request.path_params['domain']}", 404)
    return portal


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object (an empty body is ``{}``)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise AdminError("body must be JSON") from exc
    if not isinstance(body, dict):
        raise AdminError("body must be a JSON object")
    return body
