"""``GET|POST|DELETE /_sandbox/portals/{domain}/blocks``: standing refusals (:mod:`.blocks`).

``POST {code, method?, status?}`` starts answering ``code`` (``OVERLOAD_LIMIT``,
``METHOD_CONFIRM_WAITING``...) until ``DELETE`` (``?code=`` lifts only that code) — the support
lifting a block, the administrator confirming a method.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.admin_requests import json_body, portal_of, sandbox_of
from hhsync.sandbox.bitrix.blocks import Block


async def blocks(request: Request) -> Any:
    """Add, lift or list the portal's blocks; answers the blocks in force."""
    portal = portal_of(request)
    registry = sandbox_of(request).blocks
    if request.method == "DELETE":
        registry.lift(portal.domain, request.query_params.get("code", ""))
    elif request.method == "POST":
        body = await json_body(request)
        code = str(body.get("code") or "")
        if not code:
            raise ValueError("a block needs 'code', the documented error to answer")
        status = int(body.get("status", 0))
        registry.add(portal.domain, Block(code, str(body.get("method", "")), status))
    return {"blocks": [b.describe() for b in registry.of(portal.domain)]}
