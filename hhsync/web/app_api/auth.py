"""Авторизация: the status card, the hh.ru accounts and the banners that say what to fix.

The tab has no JSON routes of its own: the accounts are listed, linked and logged out by
:mod:`hhsync.web.hh_login`, and the status refreshes through ``/app/api/status``. What it shows
is worked out by :mod:`hhsync.web.app_api.auth_state` from the stored rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute

from hhsync.db import health as stored_health
from hhsync.db import portals, runs, state
from hhsync.model.kinds import HealthState
from hhsync.web.app_api.auth_state import (
    SCRIPT_KEYS,
    AccountState,
    PortalBanner,
    needs_relogin,
    portal_banner,
    sync_state_key,
)
from hhsync.web.app_api.guard import PortalCaller
from hhsync.web.context import WebContext
from hhsync.web.hh_login import account_views
from hhsync.web.i18n import Translator


@dataclass(frozen=True)
class AuthTab:
    """What ``tabs/auth.html`` shows besides the status and the accounts the page already has."""

    configured: bool
    """The portal's settings were saved once (no pass syncs before)."""
    sync_key: str
    relogin: bool
    portal_banner: PortalBanner | None
    script_texts: dict[str, str]
    leads_off: bool = False
    """The last pass wrote nothing: leads are chosen and the portal runs simple CRM."""


def routes(ctx: WebContext) -> list[BaseRoute]:
    """This tab's JSON routes: none (the hh.ru login's routes serve it)."""
    return []


def script_texts(t: Translator) -> dict[str, str]:
    """The words ``static/hh_login.js`` shows, in the reader's language."""
    return {name: t(f"auth.{key}") for name, key in SCRIPT_KEYS.items()}


async def page_context(ctx: WebContext, caller: PortalCaller) -> dict[str, Any]:
    """``auth_tab``: the sync line, the banners and the script's words."""
    portal = caller.portal
    async with ctx.database.session() as session:
        saved = await portals.get_settings(session, caller.portal_id)
        last = await state.latest_run(session, caller.portal_id)
        health = await stored_health.get_health(session, caller.portal_id)
    failing_reason = health.reason if health and health.state == HealthState.FAILING else None
    linked = [
        AccountState(view.needs_reauth) for view in await account_views(ctx, caller.portal_id)
    ]
    configured = saved is not None and saved.configured_at is not None
    can_write = caller.claims.is_admin
    leads_off = last is not None and last.error == runs.SKIPPED_LEADS_OFF
    return {
        "auth_tab": AuthTab(
            configured=configured,
            leads_off=leads_off,
            sync_key=sync_state_key(portal.status, configured, linked, can_write, leads_off),
            relogin=needs_relogin(linked),
            portal_banner=portal_banner(
                portal.status, portal.status_reason, can_write, failing_reason
            ),
            script_texts=script_texts(caller.t),
        )
    }
