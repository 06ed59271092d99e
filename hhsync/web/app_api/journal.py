"""Журнал: the latest synced and failed responses, «Повторить».

``GET /app/api/journal?status=&before=&limit=`` pages through the log (newest outcome first);
``POST /app/api/journal/{id}/retry`` and ``POST /app/api/journal/retry-all`` make failures due
now and bring the portal's next pass forward, so the daemon's next claim tick retries them under
the portal's lease. A negotiation id is looked up within the session's portal only: another
portal's id is not found and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hhsync.db import journal, retries, state, waiting
from hhsync.db.retries import AskedBy, RetryOutcome
from hhsync.db.tables import SyncStatus
from hhsync.errors import DatabaseError
from hhsync.log import get_logger
from hhsync.model.crm_links import portal_origin
from hhsync.web.app_api.guard import PortalCaller, json_answer, json_error, portal_caller, refuse
from hhsync.web.app_api.journal_view import (
    DEFAULT_PAGE,
    MAX_ID_DIGITS,
    MAX_PAGE,
    BadCursor,
    decode_cursor,
    encode_cursor,
    row_json,
)
from hhsync.web.context import WebContext
from hhsync.web.request_numbers import ascii_decimal

FILTERS: Final = {
    "": journal.SHOWN,
    "synced": (SyncStatus.SYNCED,),
    "failed": (SyncStatus.FAILED,),
    "deleted": (SyncStatus.CRM_DELETED,),
}
EVENT_RETRIED: Final = "app_api.retry_requested"

log = get_logger(__name__)

Handler = Callable[[Request, PortalCaller], Awaitable[Response]]


def routes(ctx: WebContext) -> list[BaseRoute]:
    """This tab's JSON routes."""

    def proven(handler: Handler, *, write: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            caller = await portal_caller(ctx, request, write=write)
            if isinstance(caller, Response):
                return caller
            try:
                return await handler(request, caller)
            except DatabaseError as exc:
                reason = type(exc).__name__
                return refuse(request, caller.t, 503, "common.storage_unavailable", reason)

        return endpoint

    async def show(request: Request, caller: PortalCaller) -> Response:
        query = request.query_params
        status = query.get("status", "")
        if status not in FILTERS or len(query.getlist("status")) > 1:
            return refuse(request, caller.t, 400, "journal.bad_status", "bad_status")
        before = None
        if query.get("before"):
            try:
                before = decode_cursor(query["before"])
            except BadCursor:
                return refuse(request, caller.t, 400, "journal.bad_cursor", "bad_cursor")
        limit = ascii_decimal(query.get("limit", str(DEFAULT_PAGE)), max_digits=3)
        if limit is None or not 1 <= limit <= MAX_PAGE:
            return json_error(400, caller.t("journal.bad_limit", max=MAX_PAGE), "bad_limit")
        async with ctx.database.session() as session:
            view = await journal_view(session, caller, status=status, before=before, limit=limit)
        return json_answer(view)

    async def retry_one(request: Request, caller: PortalCaller) -> Response:
        negotiation_id = ascii_decimal(
            request.path_params["negotiation_id"], max_digits=MAX_ID_DIGITS
        )
        if negotiation_id is None:
            return refuse(request, caller.t, 404, "common.not_found", "no_such_negotiation")
        now = ctx.clock.now()
        user_id = caller.claims.user_id
        async with ctx.database.session() as session:
            outcome = await retries.retry_failed(
                session,
                caller.portal_id,
                negotiation_id,
                now,
                asked_by=AskedBy.JOURNAL,
                user_id=user_id,
            )
            if outcome == RetryOutcome.DUE:
                await waiting.make_due(session, caller.portal_id, now)
        if outcome == RetryOutcome.NOT_FOUND:
            return refuse(request, caller.t, 404, "common.not_found", "no_such_negotiation")
        if outcome == RetryOutcome.NOT_FAILED:
            return refuse(request, caller.t, 409, "journal.not_failed", "not_failed")
        log.info(EVENT_RETRIED, portal=caller.portal_id, user=user_id, count=1)
        return json_answer({"result": "due", "count": 1, "message": caller.t("journal.retried")})

    async def retry_all(request: Request, caller: PortalCaller) -> Response:
        now = ctx.clock.now()
        user_id = caller.claims.user_id
        async with ctx.database.session() as session:
            count = await retries.retry_all_failed(
                session, caller.portal_id, now, asked_by=AskedBy.JOURNAL, user_id=user_id
            )
            if count:
                await waiting.make_due(session, caller.portal_id, now)
        log.info(EVENT_RETRIED, portal=caller.portal_id, user=user_id, count=count)
        message = (
            caller.t("journal.retried_all", count=count)
            if count
            else caller.t("journal.retried_none")
        )
        return json_answer({"result": "due", "count": count, "message": message})

    return [
        Route("/app/api/journal", proven(show, write=False), methods=["GET"]),
        Route("/app/api/journal/retry-all", proven(retry_all, write=True), methods=["POST"]),
        Route(
            "/app/api/journal/{negotiation_id}/retry",
            proven(retry_one, write=True),
            methods=["POST"],
        ),
    ]


async def journal_view(
    session: AsyncSession,
    caller: PortalCaller,
    *,
    status: str = "",
    before: journal.Cursor | None = None,
    limit: int = DEFAULT_PAGE,
) -> dict[str, Any]:
    """One page of the log as plain JSON, with the cursor of the next and the failure count."""
    page = await journal.journal_page(
        session, caller.portal_id, statuses=FILTERS[status], before=before, limit=limit
    )
    counts = await state.count_by_status(session, caller.portal_id)
    origin = portal_origin(caller.portal.domain, caller.portal.client_endpoint)
    return {
        "status": status,
        "rows": [row_json(caller.t, origin, row) for row in page.rows],
        "next_before": encode_cursor(page.next_cursor) if page.next_cursor else None,
        "failed": counts[SyncStatus.FAILED],
        "synced": counts[SyncStatus.SYNCED],
        "can_retry": caller.claims.is_admin,
    }


async def page_context(ctx: WebContext, caller: PortalCaller) -> dict[str, Any]:
    """What this tab's template needs when the app page is rendered: the log's first page."""
    async with ctx.database.session() as session:
        return {"journal": await journal_view(session, caller)}
