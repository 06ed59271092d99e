"""Настройки: the form, the portal's choices, required fields, saving, the import's progress.

The work is in :mod:`hhsync.web.app_api.settings_tab`; this module is the tab's entry: its routes
and what its template needs when the app page is rendered (from the database alone, so the page
opens without waiting for the portal; the choices load when the tab is shown).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from hhsync.db import portals
from hhsync.web.app_api.guard import PortalCaller
from hhsync.web.app_api.settings_tab import routes as tab_routes
from hhsync.web.app_api.settings_tab.progress import import_view
from hhsync.web.app_api.settings_tab.saved import SavedSettings
from hhsync.web.app_api.settings_tab.stages import ALL_KEYS, modes_of
from hhsync.web.context import WebContext


def routes(ctx: WebContext) -> list[BaseRoute]:
    """This tab's JSON routes."""
    return tab_routes.routes(ctx)


async def page_context(ctx: WebContext, caller: PortalCaller) -> dict[str, Any]:
    """What this tab's template needs when the app page is rendered."""
    async with ctx.database.session() as session:
        saved = SavedSettings.of(await portals.get_settings(session, caller.portal_id))
        progress = await import_view(session, caller.portal_id, caller.t)
    return {
        "settings_form": saved,
        "settings_form_json": saved.as_json(),
        "settings_stage_rows": [(key, modes_of(key)) for key in ALL_KEYS],
        "settings_import": progress,
        "settings_messages": caller.t.area("settings"),
    }
