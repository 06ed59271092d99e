"""``POST /b24/install`` and ``POST /b24/app``: the two pages a portal opens in its frame.

Both run the five checks of :mod:`.opening` on every open. The installer then needs an
administrator: it stores the portal, binds the events and toolbars and creates the user fields.
Its page calls ``installFinish()`` once, and only when the bindings are in place: a failed one
leaves the app unfinished in Bitrix24's eyes, so the admin sees the installer again, and a second
run repeats nothing (missing user fields are created by the first pass anyway).

The app page issues a session token for the page's own requests and shows the portal's status
with the hh.ru accounts; non-administrators get it read-only. Opened by a timeline activity's
«Другие отклики» button (``PLACEMENT_OPTIONS`` ``view=others``), it shows that view instead.
An administrator opening the app on a portal we lack, lost (uninstalled) or cannot reach
(``needs_reauth``) repairs it with their own tokens, as the installer would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from hhsync import texts
from hhsync.db import portals
from hhsync.errors import DatabaseError, TokenDecryptError
from hhsync.web.app_api import page_context as tabs_context
from hhsync.web.app_api.guard import PortalCaller
from hhsync.web.app_api.others import others_view
from hhsync.web.app_api.others_options import wants_others
from hhsync.web.bitrix_door.bindings import LIST_TOOLBARS
from hhsync.web.bitrix_door.context import STATUS_API_PATH, DoorContext
from hhsync.web.bitrix_door.events import RESTORABLE, handle_event
from hhsync.web.bitrix_door.forms import read_form
from hhsync.web.bitrix_door.frame import token_field
from hhsync.web.bitrix_door.installing import Grant, InstallReport, install
from hhsync.web.bitrix_door.opening import VerifiedOpen, verify_open
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.bitrix_door.render import page, refusal_page
from hhsync.web.bitrix_door.status import portal_status
from hhsync.web.hh_login import account_views
from hhsync.web.i18n import language_of, translator
from hhsync.web.session import SessionClaims

INSTALL_PLACEMENTS: Final = frozenset({"DEFAULT"})
APP_PLACEMENTS: Final = frozenset({"DEFAULT", *LIST_TOOLBARS})

Handler = Callable[[DoorContext, Request], Awaitable[Response]]


def framed(door: DoorContext, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The route of a framed page: a refusal becomes a page saying why, never a 500."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(door, request)
        except Refusal as refusal:
            return refusal_page(request, refusal, door.static_url)
        except (DatabaseError, TokenDecryptError) as exc:
            unavailable = Refusal(503, "storage_unavailable", type(exc).__name__)
            return refusal_page(request, unavailable, door.static_url)

    return endpoint


def grant_of(opened: VerifiedOpen) -> Grant:
    """The opener's tokens as an install grant (the caller made sure REFRESH_ID was posted)."""
    if opened.post.refresh_id is None:
        raise Refusal(400, "missing_token", "REFRESH_ID")
    return Grant(
        opened.server,
        opened.proven,
        opened.post.auth_id,
        opened.post.refresh_id,
        opened.post.auth_expires_s,
        opened.post.application_token,
        opened.post.lang,
    )


async def install_page(door: DoorContext, request: Request) -> Response:
    """The installer: only an administrator may run it."""
    form = await read_form(request)
    if "event" in form:
        # An API-only install posts ONAPPINSTALL to the installer URL instead.
        return await handle_event(door, form)
    token_field(form, "REFRESH_ID", required=True)  # stored below: refuse its absence first
    opened = await verify_open(door, request, form, placements=INSTALL_PLACEMENTS)
    if not opened.is_admin:
        raise Refusal(403, "not_admin")
    report = await install(door, grant_of(opened))
    return page(
        "install.html",
        opened.post.origin,
        report=report,
        steps=_steps(report),
        static_url=door.static_url,
    )


def _steps(report: InstallReport) -> list[tuple[str, str]]:
    """Each step's label and what it did, in words."""
    return [
        (label, texts.install_step_result(step.added, step.present, step.error))
        for label, step in (
            (texts.INSTALL_STEP_EVENTS, report.events),
            (texts.INSTALL_STEP_TOOLBARS, report.toolbars),
            (texts.INSTALL_STEP_FIELDS, report.user_fields),
        )
    ]


async def app_page(door: DoorContext, request: Request) -> Response:
    """The app page (main view and the CRM list toolbars)."""
    form = await read_form(request)
    opened = await verify_open(door, request, form, placements=APP_PLACEMENTS)
    portal = opened.portal
    language = language_of(opened.post.lang)
    t = translator(language)
    notice: str | None = None
    if (
        opened.is_admin
        and opened.post.refresh_id is not None
        and (portal is None or portal.status in RESTORABLE)
    ):
        report = await install(door, grant_of(opened))
        notice = t("common.repaired") if report.complete else t("common.repair_incomplete")
        async with door.web.database.session() as session:
            portal = await portals.get_portal(session, report.portal_id)
    if portal is None or portal.id is None:
        return page(
            "door_message.html",
            opened.post.origin,
            heading=t("common.app_title"),
            message=t("common.not_installed"),
            static_url=door.static_url,
        )
    claims = SessionClaims(
        portal.id, portal.member_id, opened.proven.user_id, opened.is_admin, language
    )
    caller = PortalCaller(claims, portal, t)
    if wants_others(opened.post.placement_options):
        # the timeline activity's «Другие отклики» button (openRestApp): that view alone
        view, status_code = await others_view(door.web, caller, opened.post.placement_options)
        return page(
            "others.html",
            opened.post.origin,
            status_code,
            t=caller.t,
            language=language,
            view=view,
            texts=texts,
            static_url=door.static_url,
        )
    async with door.web.database.session() as session:
        status = await portal_status(session, portal, caller.t)
    accounts = await account_views(door.web, portal.id)
    tabs = await tabs_context(door.web, caller)
    return page(
        "app.html",
        opened.post.origin,
        t=caller.t,
        language=language,
        tabs=tabs,
        status=status,
        notice=notice,
        accounts=accounts,
        session_token=door.web.sessions.issue(claims),
        can_write=opened.is_admin,
        texts=texts,
        static_url=door.static_url,
        status_url=door.url(STATUS_API_PATH),
        hh_api_url=door.url("/app/api/hh"),
        api_url=door.url("/app/api"),
    )
