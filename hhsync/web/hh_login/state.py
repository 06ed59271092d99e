"""The ``state`` of an hh.ru login: signed, bound to a portal and a Bitrix24 user, ten minutes,
once.

RFC 6749 §10.12 asks for a ``state`` that ties the callback to the browser session that started
the login; hh.ru returns it untouched (hh.ru OpenAPI spec, "Авторизация пользователя"). The app
page's session lives in a header, not a cookie, and the callback opens in a popup, so the
``state`` itself carries who started the login: a random nonce, the portal id and the user id,
signed with a key kept for this purpose only (itsdangerous, stamped with hhsync's clock). The
nonce is also stored (``oauth_state``) and consumed once by the callback.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from hhsync.clock import Clock
from hhsync.web.i18n import LANGUAGES
from hhsync.web.signing import PurposeSigner, SignatureRefused

STATE_PURPOSE: Final = "hh_oauth_state"
STATE_TTL: Final = timedelta(minutes=10)


@dataclass(frozen=True)
class StateClaims:
    """Who started a login: the nonce to consume, the portal and the Bitrix24 user."""

    nonce: str
    portal_id: int
    user_id: int
    language: str = "ru"
    """The app page's language, so the popup's result page speaks it too."""


def new_nonce() -> str:
    """A fresh random nonce (URL-safe, 32 characters)."""
    return secrets.token_urlsafe(24)


class StateSigner:
    """Signs and checks login states."""

    def __init__(self, key: bytes, clock: Clock) -> None:
        self._signer = PurposeSigner(key, STATE_PURPOSE, clock, STATE_TTL.total_seconds())

    def issue(self, claims: StateClaims) -> str:
        """The ``state`` to send to hh.ru."""
        return self._signer.dump(
            {"n": claims.nonce, "p": claims.portal_id, "u": claims.user_id, "l": claims.language}
        )

    def verify(self, state: str) -> StateClaims:
        """The claims of a genuine, unexpired ``state``; :class:`SignatureRefused` otherwise."""
        payload = self._signer.load(state)
        nonce, portal_id, user_id = payload.get("n"), payload.get("p"), payload.get("u")
        language = payload.get("l", "ru")
        if not (
            isinstance(nonce, str)
            and 0 < len(nonce) <= 64
            and isinstance(portal_id, int)
            and not isinstance(portal_id, bool)
            and isinstance(user_id, int)
            and not isinstance(user_id, bool)
            and language in LANGUAGES
        ):
            raise SignatureRefused("malformed claims")
        return StateClaims(nonce, portal_id, user_id, language)
