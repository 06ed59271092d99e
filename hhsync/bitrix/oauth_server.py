"""The Bitrix24 OAuth server's ``app.info``: which app, portal and user a token belongs to.

A token posted to the app (the app page's ``AUTH_ID``, an event's ``access_token``) proves nothing
by itself: anyone can post any token with any ``DOMAIN`` and ``member_id``. The OAuth server
(``oauth.bitrix.info``) answers ``app.info`` for a token of any portal with the app's client id,
the portal's ``member_id``, ``domain`` and REST ``client_endpoint``, and the token's user
(Bitrix24 REST docs, settings/oauth/simple-way.md). The caller passes a server it trusts (checked
against ``bitrix.oauth_servers``): this module never chooses where a token goes.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from hhsync.bitrix.errors import ServerError, UnexpectedResponse, classify
from hhsync.bitrix.models import ServerAppInfo

METHOD = "app.info"


async def server_app_info(http: httpx.AsyncClient, server_root: str, token: str) -> ServerAppInfo:
    """Ask the OAuth server at ``server_root`` (``https://host[:port]``) about ``token``.

    The token travels in a POST form, never in the URL, so no access log along the way keeps it.

    Raises:
        TokenRejected, ExpiredToken: the server does not know the token or it expired.
        ServerError, UnexpectedResponse: the server could not be asked or answered nonsense.
        BitrixError: any other refusal, classified.
    """
    url = f"{server_root.rstrip('/')}/rest/{METHOD}"
    try:
        response = await http.post(url, data={"auth": token})
    except httpx.HTTPError as exc:
        raise ServerError(
            f"Bitrix24 OAuth server unreachable ({type(exc).__name__}); try again", method=METHOD
        ) from exc
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or "error" in body:
        raise classify(response.status_code, body, method=METHOD)
    try:
        return ServerAppInfo.model_validate(body.get("result"))
    except ValidationError as exc:
        raise UnexpectedResponse(
            "Bitrix24 OAuth server: app.info answer lacks the app, portal or user", method=METHOD
        ) from exc
