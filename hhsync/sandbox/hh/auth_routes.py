"""hh.ru OAuth endpoints: the token endpoint and its invalidation, plus the authorize pages.

The authorize pages (login, consent) live in :mod:`.authorize_routes`. The token endpoint is
served at ``POST /token`` (current) and ``POST /oauth/token`` (legacy host path, still used by
most code), takes form bodies only and answers errors in the RFC 6749 shape.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hhsync.sandbox.hh import oauth
from hhsync.sandbox.hh.access import current_pair
from hhsync.sandbox.hh.authorize_routes import authorize_routes
from hhsync.sandbox.hh.errors import TokenError
from hhsync.sandbox.hh.guard import JsonBody, guarded, sandbox_of


async def token(request: Request) -> Response:
    """``POST /token``: authorization_code and refresh_token grants (form-encoded only)."""
    sandbox = sandbox_of(request)
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        # hh.ru documents only form bodies; anything else is refused (our wording).
        raise TokenError("invalid_request", "body must be application/x-www-form-urlencoded")
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    grant = form.get("grant_type", "")
    if grant == "authorization_code":
        pair = oauth.exchange_code(sandbox.store, sandbox.oauth, form, sandbox.now_s())
    elif grant == "refresh_token":
        pair = oauth.refresh(sandbox.store, sandbox.oauth, form, sandbox.now_s())
    else:
        # client_credentials (application tokens) is not needed by hhsync and refused here.
        raise TokenError("unsupported_grant_type", "unsupported grant_type")
    request.state.manager_id = pair.manager_id
    return JsonBody(
        {
            "access_token": pair.access_token,
            "token_type": "bearer",
            "expires_in": int(sandbox.config.access_token_lifetime_s),
            "refresh_token": pair.refresh_token,
        }
    )


async def invalidate_token(request: Request) -> Response:
    """``DELETE /token``: kills the caller's pair (the refresh token stops working too)."""
    current_pair(request)
    sandbox = sandbox_of(request)
    raw = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    sandbox.store.tokens_by_access[raw].revoked = True
    return Response(status_code=204)


def auth_routes() -> list[Route]:
    """OAuth routes; the authorize pages are browser pages, so they skip the API's rules."""
    return [
        *authorize_routes(),
        Route("/token", guarded(token), methods=["POST"]),
        Route("/token", guarded(invalidate_token), methods=["DELETE"]),
        Route("/oauth/token", guarded(token), methods=["POST"]),
    ]
