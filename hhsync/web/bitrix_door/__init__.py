"""The Bitrix24 side of the app's front door: the installer, the app page, the lifecycle events
and the page's status API.

Every request is proven before it acts (:mod:`.opening` for the frame's POSTs, the stored
application token or ``app.info`` for events, a signed session for the API), and every refusal
is a 4xx with a reason that changes nothing. :func:`bitrix_door_routes` is what
:func:`hhsync.web.door.door_routes` mounts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hhsync.web.bitrix_door.context import (
    APP_PATH,
    EVENTS_PATH,
    INSTALL_PATH,
    STATUS_API_PATH,
    DoorContext,
)
from hhsync.web.bitrix_door.events import events_endpoint
from hhsync.web.bitrix_door.pages import app_page, framed, install_page
from hhsync.web.bitrix_door.status_api import status_endpoint
from hhsync.web.context import WebContext

__all__ = ["APP_PATH", "EVENTS_PATH", "INSTALL_PATH", "STATUS_API_PATH", "bitrix_door_routes"]


def _bound(
    door: DoorContext, endpoint: Callable[[DoorContext, Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    async def route(request: Request) -> Response:
        return await endpoint(door, request)

    return route


def bitrix_door_routes(ctx: WebContext) -> list[BaseRoute]:
    """The routes of the Bitrix24 side, sharing one :class:`DoorContext`."""
    door = DoorContext(ctx)
    return [
        Route(INSTALL_PATH, framed(door, install_page), methods=["POST"]),
        Route(APP_PATH, framed(door, app_page), methods=["POST"]),
        Route(EVENTS_PATH, _bound(door, events_endpoint), methods=["POST"]),
        Route(STATUS_API_PATH, _bound(door, status_endpoint), methods=["GET"]),
    ]
