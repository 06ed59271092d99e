"""The JSON API of the account block: start a login, list the accounts, log one out.

Each call proves its caller with the app page's session header; logging in and out is for portal
admins, and every account lookup is scoped to the session's portal, so another portal's account
id is simply not found (ARCHITECTURE.md invariant 4). Tokens never leave the server.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from hhsync import texts
from hhsync.db import accounts, oauth_states, portals
from hhsync.db.tables import AccountStatus, PortalStatus
from hhsync.hh.auth import authorization_url
from hhsync.hh.errors import HhError, TokenPersistFailed
from hhsync.log import get_logger
from hhsync.web.hh_login.deps import LoginDeps
from hhsync.web.hh_login.guard import admin_caller, caller, json_answer, json_error
from hhsync.web.hh_login.state import STATE_TTL, StateClaims, new_nonce
from hhsync.web.hh_login.views import account_views
from hhsync.web.request_numbers import ascii_decimal

MAX_OPEN_LOGINS: Final = 20
"""Unfinished logins one user may have at a time (each is a row until it expires)."""
EVENT_LOGIN_STARTED: Final = "hh_login.started"
EVENT_LOGGED_OUT: Final = "hh_login.logged_out"
log = get_logger(__name__)


async def start_login(deps: LoginDeps, request: Request) -> Response:
    """``POST /app/api/hh/login``: the hh.ru authorize URL the page opens in a popup."""
    claims = admin_caller(deps.ctx, request)
    if isinstance(claims, Response):
        return claims
    if not deps.app.configured:
        return json_error(503, texts.HH_API_NOT_CONFIGURED)
    now = deps.ctx.clock.now()
    nonce = new_nonce()
    async with deps.ctx.database.session() as session:
        # A session lives an hour: its portal may have been deleted or uninstalled meanwhile.
        portal = await portals.get_portal(session, claims.portal_id)
        if portal is None:
            return json_error(401, texts.HH_API_NO_SESSION)
        if portal.status == PortalStatus.UNINSTALLED:
            return json_error(409, texts.HH_API_PORTAL_UNINSTALLED)
        if (
            await oauth_states.live_states(session, claims.portal_id, claims.user_id, now)
            >= MAX_OPEN_LOGINS
        ):
            return json_error(429, texts.HH_API_TOO_MANY_LOGINS)
        await oauth_states.issue_state(
            session,
            portal_id=claims.portal_id,
            user_id=claims.user_id,
            nonce=nonce,
            now=now,
            expires_at=now + STATE_TTL,
        )
    state = deps.states.issue(StateClaims(nonce, claims.portal_id, claims.user_id, claims.language))
    url = authorization_url(
        deps.app.oauth_url,
        client_id=deps.app.client_id,
        state=state,
        redirect_uri=deps.app.redirect_uri,
        # hhsync reads an employer's negotiations: a user logged in on hh.ru as an applicant is
        # asked to log in as an employer (hh.ru OpenAPI spec, role and force_role).
        role="employer",
        force_role=True,
    )
    log.info(EVENT_LOGIN_STARTED, portal=claims.portal_id, user=claims.user_id)
    return json_answer({"authorize_url": url})


async def list_accounts(deps: LoginDeps, request: Request) -> Response:
    """``GET /app/api/hh/accounts``: the portal's accounts (any user of the portal may look)."""
    claims = caller(deps.ctx, request)
    if isinstance(claims, Response):
        return claims
    views = await account_views(deps.ctx, claims.portal_id)
    return json_answer({"accounts": [view.as_json() for view in views]})


def _account_id(raw: str) -> int | None:
    """The path's account id; None for anything a row's id (PostgreSQL's bigint) cannot be."""
    return ascii_decimal(raw, max_digits=18)


async def log_out(deps: LoginDeps, request: Request) -> Response:
    """``POST /app/api/hh/accounts/{id}/logout``: kill the pair on hh.ru, stop polling.

    The pair dies on hh.ru first (``DELETE /token``; an already dead one is fine); if hh.ru does
    not answer, nothing changes and the page may try again, so no live pair is ever forgotten.
    """
    claims = admin_caller(deps.ctx, request)
    if isinstance(claims, Response):
        return claims
    account_id = _account_id(request.path_params["account_id"])
    if account_id is None:
        return json_error(404, texts.HH_API_ACCOUNT_NOT_FOUND)
    async with deps.ctx.database.session() as session:
        account = await accounts.get_account(session, claims.portal_id, account_id)
    if account is None or account.status == AccountStatus.LOGGED_OUT:
        return json_error(404, texts.HH_API_ACCOUNT_NOT_FOUND)
    try:
        killed = await deps.calls.drop_account(account)
    except TokenPersistFailed:
        return json_error(409, texts.HH_API_LOGOUT_RACE)
    except HhError:
        return json_error(502, texts.HH_API_LOGOUT_HH_DOWN)
    async with deps.ctx.database.session() as session:
        done = await accounts.log_out_account(
            session, claims.portal_id, account_id, killed, deps.ctx.clock.now()
        )
    if not done:
        # A pass refreshed the pair meanwhile (a live one, not killed yet), or another logout
        # came first: the page may simply press «Выйти» again.
        return json_error(409, texts.HH_API_LOGOUT_RACE)
    log.info(EVENT_LOGGED_OUT, portal=claims.portal_id, account=account_id, user=claims.user_id)
    return json_answer({"logged_out": account_id})
