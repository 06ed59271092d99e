"""hh.ru login of an HR person from the Bitrix24 app page: «Войти», the popup's callback, «Выйти».

The app page (hhsync.web.bitrix_door) shows the account block (``templates/hh_accounts.html``
with ``static/hh_login.js``); «Войти» asks ``POST /app/api/hh/login`` for hh.ru's authorize URL
and opens it in a popup; hh.ru sends the popup back to ``GET /oauth/hh/callback``, which links
the employer account and tells the app page. Modules: ``api`` (the JSON calls), ``callback``,
``state`` (the signed single-use ``state``), ``hh_calls`` (code exchange, ``/me``, ``DELETE
/token``), ``views`` (accounts as the page shows them), ``pages``, ``guard``, ``app_config``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hhsync.web.context import WebContext
from hhsync.web.hh_login import api
from hhsync.web.hh_login.app_config import CALLBACK_PATH
from hhsync.web.hh_login.callback import callback
from hhsync.web.hh_login.deps import LoginDeps
from hhsync.web.hh_login.views import AccountView, account_views

__all__ = ["CALLBACK_PATH", "AccountView", "account_views", "hh_login_routes"]


def hh_login_routes(ctx: WebContext) -> list[BaseRoute]:
    """The routes of the hh.ru login, for the app's composition to mount."""
    deps = LoginDeps.build(ctx)

    async def start_login(request: Request) -> Response:
        return await api.start_login(deps, request)

    async def list_accounts(request: Request) -> Response:
        return await api.list_accounts(deps, request)

    async def log_out(request: Request) -> Response:
        return await api.log_out(deps, request)

    async def oauth_callback(request: Request) -> Response:
        return await callback(deps, request)

    return [
        Route("/app/api/hh/login", start_login, methods=["POST"]),
        Route("/app/api/hh/accounts", list_accounts, methods=["GET"]),
        Route("/app/api/hh/accounts/{account_id}/logout", log_out, methods=["POST"]),
        Route(CALLBACK_PATH, oauth_callback, methods=["GET"]),
    ]
