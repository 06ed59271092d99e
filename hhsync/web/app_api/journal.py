"""Журнал: the latest synced and failed responses, «Повторить»."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from hhsync.web.app_api.guard import PortalCaller
from hhsync.web.context import WebContext


def routes(ctx: WebContext) -> list[BaseRoute]:
    """This tab's JSON routes."""
    return []


async def page_context(ctx: WebContext, caller: PortalCaller) -> dict[str, Any]:
    """What this tab's template needs when the app page is rendered."""
    return {}
