"""What a portal sends an application: the iframe POST, ONAPPINSTALL/UPDATE/UNINSTALL, token bodies.

Endpoints (documented in :mod:`hhsync.sandbox.bitrix.app`): a portal's REST base is
``{base}/p/{domain}/rest/`` (``client_endpoint``); the OAuth server is the sandbox root, so
``server_endpoint`` is ``{base}/rest/`` and the token URL ``{base}/oauth/token/``, the same
relation as ``https://oauth.bitrix.info/rest/`` → ``https://oauth.bitrix.info/oauth/token/``.
``base`` is always the sandbox's own address, also when the request came to a portal's browser
host (:func:`.hosting.public_base`), so server-side clients never need that host.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlsplit

from hhsync.sandbox.bitrix.oauth import AccessGrant
from hhsync.sandbox.bitrix.store import Portal

APP_STATUS = "L"  # a local application


def client_endpoint(base: str, portal: Portal) -> str:
    """The portal's REST base URL, ending in ``/rest/``."""
    return f"{base}/p/{portal.domain}/rest/"


def server_endpoint(base: str) -> str:
    """The OAuth server's REST base (``app.info`` with any token)."""
    return f"{base}/rest/"


def token_url(base: str) -> str:
    """The OAuth token endpoint (refresh, code exchange)."""
    return f"{base}/oauth/token/"


def oauth_host(base: str) -> str:
    """What token responses put in ``domain``: the OAuth server's host, not the portal's."""
    return urlsplit(base).netloc


def token_response(
    base: str, portal: Portal, grant: AccessGrant, lifetime_s: float, with_user: bool = True
) -> dict[str, Any]:
    """The token endpoint's success body (refresh: with ``expires`` and ``user_id``)."""
    body: dict[str, Any] = {
        "access_token": grant.token,
        "client_endpoint": client_endpoint(base, portal),
        "domain": oauth_host(base),
    }
    if with_user:
        body["expires"] = int(grant.expires_at)
    body.update(
        {
            "expires_in": int(lifetime_s),
            "member_id": portal.member_id,
            "refresh_token": grant.refresh_token,
            "scope": grant.scope,
            "server_endpoint": server_endpoint(base),
            "status": APP_STATUS,
        }
    )
    if with_user:
        body["user_id"] = grant.user_id
    return body


def app_sid(rng: random.Random) -> str:
    """A per-render frame session id (not a secret, not a token)."""
    return f"{rng.getrandbits(128):032x}"


def iframe_query(portal: Portal, sid: str) -> dict[str, str]:
    """What the portal puts in the query string of the app URL."""
    return {"DOMAIN": portal.domain, "PROTOCOL": "0", "LANG": portal.lang, "APP_SID": sid}


def iframe_form(
    base: str,
    portal: Portal,
    grant: AccessGrant,
    lifetime_s: float,
    placement: str = "DEFAULT",
    placement_options: str | None = None,
) -> dict[str, str]:
    """The POST body of the app page (``app-page.post-params.DEFAULT.json`` field for field)."""
    form = {
        "AUTH_ID": grant.token,
        "AUTH_EXPIRES": str(int(lifetime_s)),
        "REFRESH_ID": grant.refresh_token,
        "SERVER_ENDPOINT": server_endpoint(base),
        "APPLICATION_TOKEN": portal.application_token,
        "APPLICATION_SCOPE": grant.scope,
        "member_id": portal.member_id,
        "status": APP_STATUS,
        "PLACEMENT": placement,
    }
    if placement_options is not None:
        form["PLACEMENT_OPTIONS"] = placement_options
    return form


def install_event_form(
    base: str, portal: Portal, grant: AccessGrant, lifetime_s: float, ts: int
) -> dict[str, str]:
    """ONAPPINSTALL as the portal POSTs it: form-encoded with bracketed keys."""
    return {
        "event": "ONAPPINSTALL",
        "data[VERSION]": str(portal.app.version),
        "data[ACTIVE]": "Y",
        "data[INSTALLED]": "Y",
        "data[LANGUAGE_ID]": portal.lang,
        "ts": str(ts),
        "auth[domain]": portal.domain,
        "auth[scope]": grant.scope,
        "auth[access_token]": grant.token,
        "auth[refresh_token]": grant.refresh_token,
        "auth[expires_in]": str(int(lifetime_s)),
        "auth[server_endpoint]": server_endpoint(base),
        "auth[status]": APP_STATUS,
        "auth[client_endpoint]": client_endpoint(base, portal),
        "auth[member_id]": portal.member_id,
        "auth[application_token]": portal.application_token,
    }


def update_event_form(
    base: str, portal: Portal, grant: AccessGrant, lifetime_s: float, previous: int, ts: int
) -> dict[str, str]:
    """ONAPPUPDATE: both versions and the (new) application token, with the updater's tokens."""
    return {
        "event": "ONAPPUPDATE",
        "data[VERSION]": str(portal.app.version),
        "data[PREVIOUS_VERSION]": str(previous),
        "data[LANGUAGE_ID]": portal.lang,
        "ts": str(ts),
        "auth[domain]": portal.domain,
        "auth[scope]": grant.scope,
        "auth[access_token]": grant.token,
        "auth[refresh_token]": grant.refresh_token,
        "auth[expires_in]": str(int(lifetime_s)),
        "auth[server_endpoint]": server_endpoint(base),
        "auth[status]": APP_STATUS,
        "auth[client_endpoint]": client_endpoint(base, portal),
        "auth[member_id]": portal.member_id,
        "auth[application_token]": portal.application_token,
    }


def uninstall_event_form(base: str, portal: Portal, clean: bool, ts: int) -> dict[str, str]:
    """ONAPPUNINSTALL: no tokens, only the application token proves it is the portal."""
    return {
        "event": "ONAPPUNINSTALL",
        "data[LANGUAGE_ID]": portal.lang,
        "data[CLEAN]": "1" if clean else "0",
        "ts": str(ts),
        "auth[domain]": portal.domain,
        "auth[server_endpoint]": server_endpoint(base),
        "auth[client_endpoint]": client_endpoint(base, portal),
        "auth[member_id]": portal.member_id,
        "auth[application_token]": portal.application_token,
    }
