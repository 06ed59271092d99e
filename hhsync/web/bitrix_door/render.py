"""How the door answers: framed pages for the portal, JSON for events and the status API, and
one log line per refusal.

A page the portal frames names its origin in ``Content-Security-Policy: frame-ancestors``: the
verified portal for a page with content, and for a refusal page (a sentence, no data, nothing to
click) the origin the request claims, so a person whose open failed reads why inside the portal.
A request without a plain ``DOMAIN`` gets a page nobody may frame (:mod:`hhsync.web.guard`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from hhsync import texts
from hhsync.log import get_logger
from hhsync.model.hosts import is_host_port
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.templating import render

NO_STORE: Final = {"Cache-Control": "no-store"}
EVENT_REFUSED: Final = "b24.request_refused"

log = get_logger(__name__)


def frame_headers(origin: str | None) -> dict[str, str]:
    """Headers of a page the portal at ``origin`` may frame (None: nobody may)."""
    headers = dict(NO_STORE)
    if origin is not None:
        # Only the app's own scripts, styles and API: the page shows much hostile text (names,
        # vacancy titles, portal labels) and carries an admin's session, so an escaping slip must
        # not become a running script.
        headers["Content-Security-Policy"] = (
            f"frame-ancestors {origin}; default-src 'none'; script-src 'self'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "form-action 'none'; object-src 'none'; base-uri 'none'"
        )
    return headers


def page(name: str, origin: str | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The template ``name`` as a page framed by ``origin``."""
    return render(name, status_code=status_code, headers=frame_headers(origin), **context)


def claimed_origin(query: Mapping[str, str]) -> str | None:
    """The origin the query string claims, if its ``DOMAIN`` is a plain host (else None)."""
    domain = query.get("DOMAIN", "").strip().lower()
    protocol = query.get("PROTOCOL", "1")
    if not is_host_port(domain) or protocol not in {"0", "1"}:
        return None
    return f"{'https' if protocol == '1' else 'http'}://{domain}"


def refused(request: Request, refusal: Refusal, member_id: str | None = None) -> None:
    """The one log line of a refusal: route, status, reason, never a token."""
    log.warning(
        EVENT_REFUSED,
        route=request.url.path,
        status=refusal.status,
        reason=refusal.reason,
        detail=refusal.detail or None,
        member_id=member_id,
    )


def refusal_page(request: Request, refusal: Refusal, static_url: str) -> HTMLResponse:
    """A refusal as a page: the reason in words, framed by the claimed origin, styled like the
    app (``static_url`` serves its stylesheets)."""
    refused(request, refusal)
    return page(
        "door_message.html",
        claimed_origin(request.query_params),
        refusal.status,
        heading=texts.DOOR_REFUSED_HEADING,
        message=refusal.message,
        static_url=static_url,
    )


def refusal_json(request: Request, refusal: Refusal, member_id: str | None = None) -> JSONResponse:
    """A refusal as JSON (events, the status API)."""
    refused(request, refusal, member_id)
    return JSONResponse({"error": refusal.reason}, status_code=refusal.status, headers=NO_STORE)
