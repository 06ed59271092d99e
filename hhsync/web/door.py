"""The app's routes: static assets, the Bitrix24 side (install, app page, events) and the hh.ru
login; :func:`door_routes` is what the daemon mounts beside its probes."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from hhsync.web.app_api import app_api_routes
from hhsync.web.bitrix_door import bitrix_door_routes
from hhsync.web.context import WebContext
from hhsync.web.hh_login import hh_login_routes

STATIC_PREFIX = "/static"


def door_routes(ctx: WebContext) -> list[BaseRoute]:
    """Every route of the app behind ``web.public_url``."""
    return [
        *bitrix_door_routes(ctx),
        Mount(STATIC_PREFIX, app=StaticFiles(packages=[("hhsync.web", "static")]), name="static"),
        *hh_login_routes(ctx),
        *app_api_routes(ctx),
    ]
