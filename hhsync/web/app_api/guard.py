"""Who calls the settings page's API: the session header, its portal still there, admin to write.

A session lives an hour, so its portal may have been deleted, reinstalled under another row or
uninstalled meanwhile: each call reloads the portal and checks ``member_id``. Every answer is JSON
that no cache keeps, with an ``error`` message in the caller's language the page shows as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse

from hhsync.db import portals
from hhsync.db.tables import Portal, PortalStatus
from hhsync.errors import DatabaseError
from hhsync.log import get_logger
from hhsync.web.context import WebContext
from hhsync.web.i18n import Translator, translator
from hhsync.web.session import SessionClaims
from hhsync.web.signing import SignatureRefused

NO_STORE: Final = {"Cache-Control": "no-store"}
EVENT_REFUSED: Final = "app_api.refused"

log = get_logger(__name__)


@dataclass(frozen=True)
class PortalCaller:
    """A proven caller and the portal their session is bound to."""

    claims: SessionClaims
    portal: Portal
    t: Translator

    @property
    def portal_id(self) -> int:
        """The session's portal (the only one a route may read or change)."""
        return self.claims.portal_id


def json_answer(body: Any, status: int = 200) -> JSONResponse:
    """An answer that no cache keeps."""
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def json_error(status: int, message: str, reason: str) -> JSONResponse:
    """A refusal: ``error`` for the person, ``reason`` stable for scripts and tests."""
    return JSONResponse({"error": message, "reason": reason}, status_code=status, headers=NO_STORE)


def refuse(request: Request, t: Translator, status: int, key: str, reason: str) -> JSONResponse:
    """A refusal with its one log line (route, status, reason; never a token)."""
    log.warning(EVENT_REFUSED, route=request.url.path, status=status, reason=reason)
    return json_error(status, t(key), reason)


async def portal_caller(
    ctx: WebContext, request: Request, *, write: bool = False
) -> PortalCaller | JSONResponse:
    """The proven caller, or the 401/403/503 to answer; ``write`` needs a portal admin."""
    try:
        claims = ctx.sessions.from_request(request)
    except SignatureRefused as exc:
        return refuse(request, translator("ru"), 401, "common.no_session", exc.reason)
    t = translator(claims.language)
    try:
        async with ctx.database.session() as session:
            portal = await portals.get_portal(session, claims.portal_id)
    except DatabaseError as exc:
        return refuse(request, t, 503, "common.storage_unavailable", type(exc).__name__)
    if (
        portal is None
        or portal.member_id != claims.member_id
        or portal.status == PortalStatus.UNINSTALLED
    ):
        return refuse(request, t, 401, "common.no_session", "portal gone")
    if write and not claims.is_admin:
        return refuse(request, t, 403, "common.admin_only", "not_admin")
    return PortalCaller(claims, portal, t)
