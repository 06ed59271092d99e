"""Новые отклики: responses not in the CRM yet, the next pass, «Проверить сейчас».

``GET /app/api/inbox`` reads the stored state only (hh.ru is never called from a page's request:
its counters are the ones the last pass stored). ``POST /app/api/inbox/check`` makes the portal
due now; the daemon's claim tick runs it under the portal's lease, so a second click, or a click
while a pass runs, starts nothing more (:func:`hhsync.db.waiting.request_pass_now`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hhsync.db import portals, runs, state, waiting
from hhsync.db.gaps import vacancy_gaps
from hhsync.db.tables import Portal, PortalStatus
from hhsync.errors import DatabaseError
from hhsync.hh.paging import DEFAULT_MAX_DEPTH_ITEMS
from hhsync.log import get_logger
from hhsync.web.app_api.guard import (
    EVENT_REFUSED,
    PortalCaller,
    json_answer,
    json_error,
    portal_caller,
    refuse,
)
from hhsync.web.context import WebContext
from hhsync.web.i18n import Translator

EVENT_CHECK: Final = "app_api.check_requested"
CHECK_MESSAGES: Final = {
    waiting.CheckOutcome.QUEUED: "inbox.check_queued",
    waiting.CheckOutcome.ALREADY_QUEUED: "inbox.check_already_queued",
    waiting.CheckOutcome.RUNNING: "inbox.check_running",
}

log = get_logger(__name__)


def routes(ctx: WebContext) -> list[BaseRoute]:
    """This tab's JSON routes."""

    async def show(request: Request) -> Response:
        caller = await portal_caller(ctx, request)
        if isinstance(caller, Response):
            return caller
        try:
            async with ctx.database.session() as session:
                view = await inbox_view(session, caller, ctx.clock.now())
        except DatabaseError as exc:
            return refuse(request, caller.t, 503, "common.storage_unavailable", type(exc).__name__)
        return json_answer(view)

    async def check(request: Request) -> Response:
        caller = await portal_caller(ctx, request, write=True)
        if isinstance(caller, Response):
            return caller
        now = ctx.clock.now()
        try:
            async with ctx.database.session() as session:
                refusal = await _check_refusal(session, caller.portal)
                if refusal is not None:
                    key, reason = refusal
                    return _cannot_check(request, caller.t, key, reason, caller.portal)
                outcome = await waiting.request_pass_now(
                    session, caller.portal_id, now, user_id=caller.claims.user_id
                )
            async with ctx.database.session() as session:
                view = await inbox_view(session, caller, now)
        except DatabaseError as exc:
            return refuse(request, caller.t, 503, "common.storage_unavailable", type(exc).__name__)
        if outcome == waiting.CheckOutcome.NOT_ACTIVE:  # paused between the two reads
            return _cannot_check(request, caller.t, "inbox.paused", "not_active", caller.portal)
        log.info(EVENT_CHECK, portal=caller.portal_id, user=caller.claims.user_id, result=outcome)
        return json_answer(
            {"result": outcome.value, "message": caller.t(CHECK_MESSAGES[outcome]), "inbox": view}
        )

    return [
        Route("/app/api/inbox", show, methods=["GET"]),
        Route("/app/api/inbox/check", check, methods=["POST"]),
    ]


async def page_context(ctx: WebContext, caller: PortalCaller) -> dict[str, Any]:
    """What this tab's template needs when the app page is rendered."""
    async with ctx.database.session() as session:
        return {"inbox": await inbox_view(session, caller, ctx.clock.now())}


async def _check_refusal(session: AsyncSession, portal: Portal) -> tuple[str, str] | None:
    """Why no pass would run for this portal (message key, stable reason), or None."""
    if portal.status != PortalStatus.ACTIVE:
        return _BLOCKED_KEYS.get(portal.status, "inbox.paused"), portal.status
    if portal.id is None:
        raise ValueError("a stored portal has an id")
    saved = await portals.get_settings(session, portal.id)
    if saved is None or saved.configured_at is None:
        return "inbox.not_configured", "not_configured"
    return None


_BLOCKED_KEYS: Final[dict[str, str]] = {
    PortalStatus.PAUSED: "inbox.paused",
    PortalStatus.NEEDS_REAUTH: "inbox.needs_reauth",
    PortalStatus.UNINSTALLED: "inbox.uninstalled",
}


def blocked_text(t: Translator, key: str, portal: Portal) -> str:
    """The words for a portal no pass would run for (a paused one names its reason)."""
    if key == "inbox.paused":
        return t(key, reason=portal.status_reason or t("inbox.no_reason"))
    return t(key)


def _cannot_check(
    request: Request, t: Translator, key: str, reason: str, portal: Portal
) -> Response:
    """A 409 saying why «Проверить сейчас» cannot run (nothing was changed)."""
    log.warning(EVENT_REFUSED, route=request.url.path, status=409, reason=reason)
    return json_error(409, blocked_text(t, key, portal), reason)


async def inbox_view(session: AsyncSession, caller: PortalCaller, now: datetime) -> dict[str, Any]:
    """The tab's figures from the stored rows: plain JSON, instants as ISO strings."""
    portal_id = caller.portal_id
    t = caller.t
    portal = await session.get(Portal, portal_id)
    if portal is None:
        raise LookupError(f"portal {portal_id} is gone")
    counts = await waiting.waiting_counts(session, portal_id)
    counters = await waiting.hh_counters(session, portal_id)
    running = await waiting.pass_running(session, portal_id, now)
    last = await state.latest_run(session, portal_id)
    saved = await portals.get_settings(session, portal_id)
    configured = saved is not None and saved.configured_at is not None
    refusal = await _check_refusal(session, portal)
    blocked = None
    if refusal is not None and refusal[1] != "not_configured":
        blocked = blocked_text(t, refusal[0], portal)
    next_at = portal.next_pass_at
    due = (
        portal.status == PortalStatus.ACTIVE and configured and (next_at is None or next_at <= now)
    )
    if running:
        check_status = t("inbox.check_running")
    elif due and blocked is None:
        check_status = t("inbox.check_queued")
    else:
        check_status = ""
    return {
        "waiting": {
            "total": counts.total,
            "pending": counts.pending,
            "in_flight": counts.in_flight,
            "failed": counts.failed,
        },
        "hh": (
            {
                "vacancies": counters.vacancies,
                "responses": counters.responses,
                "invitations": counters.invitations,
                "unread": counters.unread,
                "read_at": counters.read_at.isoformat() if counters.read_at else None,
                "text": t(
                    "inbox.hh_counters",
                    vacancies=counters.vacancies,
                    responses=counters.responses,
                    invitations=counters.invitations,
                    unread=counters.unread,
                ),
            }
            if counters is not None
            else None
        ),
        "next_pass_at": next_at.isoformat() if next_at is not None and not due else None,
        "next_pass_text": (
            t("inbox.next_pass_due")
            if due
            else ("" if next_at is not None and blocked is None else t("inbox.next_pass_none"))
        ),
        "due": due,
        "running": running,
        "configured": configured,
        "blocked": blocked,
        "not_configured": None if configured else t("inbox.not_configured"),
        # the last pass wrote nothing: the settings say leads, the portal keeps none
        "leads_off": (
            t("inbox.leads_off")
            if last is not None and last.error == runs.SKIPPED_LEADS_OFF
            else None
        ),
        # deep vacancies hh.ru will not list completely: named, with the gap
        "gaps": [
            {
                "vacancy_id": gap.hh_vacancy_id,
                "name": gap.name,
                "missing": gap.missing,
                "text": t(
                    "inbox.deep_gap",
                    name=gap.name or gap.hh_vacancy_id,
                    vacancy_id=gap.hh_vacancy_id,
                    missing=gap.missing,
                    depth=DEFAULT_MAX_DEPTH_ITEMS,
                ),
            }
            for gap in await vacancy_gaps(session, portal_id)
        ],
        "can_check": caller.claims.is_admin and blocked is None and configured,
        "check_status": check_status,
        "last_pass": (
            {
                "status": last.status,
                "label": t(f"inbox.run_{last.status}"),
                "started_at": last.started_at.isoformat(),
                "finished_at": last.finished_at.isoformat() if last.finished_at else None,
                "figures": t(
                    "inbox.last_pass_figures",
                    created=last.entities_created,
                    failed=last.negotiations_failed,
                ),
            }
            if last is not None
            else None
        ),
    }
