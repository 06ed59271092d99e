"""The settings page's JSON API behind the app page's session (``/app/api/...``).

One module a tab: ``settings`` (Настройки: the form, the portal's choices, required fields, the
save that starts the import, its live progress), ``inbox`` (Новые отклики: what is not in the CRM
yet, the next pass, «Проверить сейчас»), ``journal`` (Журнал: the latest synced and failed
responses, «Повторить»), ``others`` (the «Другие отклики» view of one applicant). Every route
proves its caller with :func:`hhsync.web.app_api.guard.portal_caller`, which also binds it to the
session's portal: no route takes a portal id from the request. Each module also gives the app
page what its tab shows when the page is rendered (``page_context``).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from hhsync.web.app_api import auth, inbox, journal, others, settings
from hhsync.web.app_api.guard import PortalCaller
from hhsync.web.context import WebContext

TABS = (auth, settings, inbox, journal, others)


def app_api_routes(ctx: WebContext) -> list[BaseRoute]:
    """Every route of the settings page's API."""
    return [route for tab in TABS for route in tab.routes(ctx)]


async def page_context(ctx: WebContext, caller: PortalCaller) -> dict[str, Any]:
    """What every tab's template needs, merged (each tab prefixes its own keys)."""
    merged: dict[str, Any] = {}
    for tab in TABS:
        merged.update(await tab.page_context(ctx, caller))
    return merged
