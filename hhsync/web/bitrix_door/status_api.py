"""``GET /app/api/status``: the app page's status refresh, behind its session token.

The ``X-Hhsync-Session`` header (:mod:`hhsync.web.session`) names the portal the page was opened
for; the answer is that portal's status and nothing else, whatever the request asks. A missing,
forged, expired or stale token (its portal gone or reinstalled under another id) gets 401.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hhsync.db import portals
from hhsync.errors import DatabaseError
from hhsync.web.bitrix_door.context import DoorContext
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.bitrix_door.render import NO_STORE, refusal_json
from hhsync.web.bitrix_door.status import portal_status
from hhsync.web.i18n import translator
from hhsync.web.signing import SignatureRefused


async def status_endpoint(door: DoorContext, request: Request) -> Response:
    """The session's portal status as JSON."""
    try:
        claims = door.web.sessions.from_request(request)
    except SignatureRefused as exc:
        return refusal_json(request, Refusal(401, "session_refused", exc.reason))
    try:
        async with door.web.database.session() as session:
            portal = await portals.get_portal(session, claims.portal_id)
            if portal is None or portal.member_id != claims.member_id:
                return refusal_json(request, Refusal(401, "session_refused", "portal gone"))
            view = await portal_status(session, portal, translator(claims.language))
    except DatabaseError as exc:
        return refusal_json(request, Refusal(503, "storage_unavailable", type(exc).__name__))
    return JSONResponse(view.as_json(), headers=NO_STORE)
