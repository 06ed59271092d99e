"""Step 3: ``app.info`` on a trusted OAuth server proves a posted token, cached per token.

The answer says whose app the token is for, which portal (``member_id``, ``domain``,
``client_endpoint``) and which user. A token is accepted only when that is our client id and the
portal the request claims; from then on the portal's REST address and the user come from this
answer, never from the request. Answers are cached until the token expires (at most an hour, and
at most :data:`MAX_ENTRIES` of them, oldest dropped first), keyed by a hash of the token so the
cache holds no token; an uninstall forgets the portal's entries.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import httpx
from pydantic import SecretStr

from hhsync.bitrix.errors import (
    AppUninstalled,
    BitrixError,
    ExpiredToken,
    ServerError,
    TokenRejected,
    UnexpectedResponse,
)
from hhsync.bitrix.models import ServerAppInfo
from hhsync.bitrix.oauth_server import server_app_info
from hhsync.clock import utc
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.bitrix_door.servers import OAuthServer

MAX_ENTRIES: Final = 4096
LONGEST_S: Final = 3600.0
"""A Bitrix24 access token lives an hour; no answer is kept longer, whatever it says."""


@dataclass(frozen=True)
class ProvenToken:
    """What the OAuth server said about a token."""

    client_id: str
    member_id: str
    domain: str
    """Lower case."""
    client_endpoint: str
    user_id: int
    installed: bool
    expires_at: datetime


class AppInfoCache:
    """Bounded cache of ``app.info`` answers, per (server, token hash)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, ProvenToken] = OrderedDict()
        self._max = max_entries

    @staticmethod
    def key(server: OAuthServer, token: SecretStr) -> str:
        """The entry's key: no token is kept, only a digest of it."""
        digest = hashlib.sha256(f"{server.root}\0{token.get_secret_value()}".encode())
        return digest.hexdigest()

    def get(self, key: str, now: datetime) -> ProvenToken | None:
        """A live entry, or None (an expired one is dropped)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: ProvenToken) -> None:
        """Keep ``entry``, dropping the least recently used beyond the bound."""
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def forget_member(self, member_id: str) -> None:
        """Drop every entry of one portal (its app was uninstalled: its tokens are dead)."""
        for key in [k for k, v in self._entries.items() if v.member_id == member_id]:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


async def prove_token(
    http: httpx.AsyncClient,
    cache: AppInfoCache,
    server: OAuthServer,
    token: SecretStr,
    now: datetime,
    lifetime_s: float = LONGEST_S,
) -> ProvenToken:
    """What ``server`` says about ``token`` (cached).

    Raises:
        Refusal: 401 for a token the server does not accept, 403 when the app is not installed
        there, 502 when the server cannot be asked.
    """
    key = cache.key(server, token)
    cached = cache.get(key, now)
    if cached is not None:
        return cached
    try:
        info = await server_app_info(http, server.root, token.get_secret_value())
    except (TokenRejected, ExpiredToken) as exc:
        raise Refusal(401, "token_refused", exc.code or "unauthorised") from exc
    except AppUninstalled as exc:
        raise Refusal(403, "app_not_installed", exc.code) from exc
    except (ServerError, UnexpectedResponse) as exc:
        raise Refusal(502, "oauth_unavailable", type(exc).__name__) from exc
    except BitrixError as exc:
        raise Refusal(401, "token_refused", exc.code or type(exc).__name__) from exc
    entry = _entry(info, now, min(lifetime_s, LONGEST_S))
    cache.put(key, entry)
    return entry


def _entry(info: ServerAppInfo, now: datetime, lifetime_s: float) -> ProvenToken:
    latest = now + timedelta(seconds=lifetime_s)
    expires_at = latest
    if info.expires:
        try:
            expires_at = min(latest, utc(datetime.fromisoformat(info.expires)))
        except ValueError:
            expires_at = latest
    return ProvenToken(
        client_id=info.client_id,
        member_id=info.install.member_id,
        domain=info.install.domain.strip().lower(),
        client_endpoint=info.install.client_endpoint,
        user_id=info.user_id,
        installed=info.install.installed,
        expires_at=expires_at,
    )


def check_claim(proven: ProvenToken, *, client_id: str, member_id: str, domain: str) -> None:
    """The token must be for our app on the portal the request names.

    Raises:
        Refusal: 403 naming what differs (never the token).
    """
    if proven.client_id != client_id:
        raise Refusal(403, "token_mismatch", "another application's token")
    if proven.member_id != member_id:
        raise Refusal(403, "token_mismatch", "another portal's token (member_id)")
    if proven.domain != domain:
        raise Refusal(403, "token_mismatch", "the token's portal has another domain")
