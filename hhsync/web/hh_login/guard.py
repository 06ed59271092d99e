"""Who is calling the JSON API: the app page's signed session header, and whether they may write.

The header is the only proof (hhsync.web.session): a request without it, with a forged or expired
one, is 401; a Bitrix24 user who is not a portal admin may look but not log accounts in or out
(403). The answers are JSON with a Russian message the page can show as it is.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse

from hhsync import texts
from hhsync.web.context import WebContext
from hhsync.web.session import SessionClaims
from hhsync.web.signing import SignatureRefused

NO_STORE: Final = {"Cache-Control": "no-store"}


def json_error(status: int, message: str) -> JSONResponse:
    """A refusal the page shows as it is."""
    return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)


def json_answer(body: dict[str, object], status: int = 200) -> JSONResponse:
    """An answer that no cache keeps."""
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def caller(ctx: WebContext, request: Request) -> SessionClaims | JSONResponse:
    """The verified session, or the 401 to answer."""
    try:
        return ctx.sessions.from_request(request)
    except SignatureRefused:
        return json_error(401, texts.HH_API_NO_SESSION)


def admin_caller(ctx: WebContext, request: Request) -> SessionClaims | JSONResponse:
    """The verified session of a portal admin, or the 401/403 to answer."""
    claims = caller(ctx, request)
    if isinstance(claims, SessionClaims) and not claims.is_admin:
        return json_error(403, texts.HH_API_ADMIN_ONLY)
    return claims
