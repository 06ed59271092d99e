"""The hh.ru sandbox as a Starlette ASGI app: ``create_app(HhSandboxConfig(...))``.

Serves the hh.ru API methods an employer integration needs, the OAuth consent page and token
endpoint, and an admin API under ``/_sandbox/``. State lives in memory and is reachable as
``app.state.sandbox`` (:class:`~hhsync.sandbox.hh.runtime.HhSandbox`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from hhsync.sandbox.hh.admin import admin_routes
from hhsync.sandbox.hh.admin_bulk import bulk_admin_routes
from hhsync.sandbox.hh.admin_states import state_admin_routes
from hhsync.sandbox.hh.api_routes import api_routes
from hhsync.sandbox.hh.auth_routes import auth_routes
from hhsync.sandbox.hh.errors import ApiError
from hhsync.sandbox.hh.guard import JsonBody
from hhsync.sandbox.hh.runtime import HhSandbox, HhSandboxConfig, new_request_id

__all__ = ["HhSandbox", "HhSandboxConfig", "create_app"]


async def _unknown_path(request: Request, exc: Exception) -> Response:
    """hh.ru answers unknown paths with its JSON ``not_found`` error, not an HTML page."""
    request_id = new_request_id()
    body = ApiError(404, [{"type": "not_found"}], "Not Found").body(request_id)
    return JsonBody(body, status_code=404, headers={"X-Request-ID": request_id})


def create_app(config: HhSandboxConfig | None = None) -> Starlette:
    """Build a fresh sandbox with its own generated world (deterministic for ``config.seed``)."""
    sandbox = HhSandbox.build(config or HhSandboxConfig())
    app = Starlette(
        routes=[
            *api_routes(),
            *auth_routes(),
            *admin_routes(),
            *state_admin_routes(),
            *bulk_admin_routes(),
        ],
        exception_handlers={404: _unknown_path},
    )
    app.state.sandbox = sandbox
    return app
