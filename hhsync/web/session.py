"""The app page's session: who opened it, proven once, carried by a signed header afterwards.

Bitrix24 proves a user only when it POSTs the app page (AUTH_ID checked with ``app.info``). The
page's later JSON calls carry the result in the ``X-Hhsync-Session`` header: a token signed for
this purpose, bound to the portal, the Bitrix24 user and the admin flag, valid about an hour.
Cookies are not used: browsers drop them in third-party iframes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from starlette.requests import Request

from hhsync.clock import Clock
from hhsync.web.i18n import LANGUAGES
from hhsync.web.signing import PurposeSigner, SignatureRefused

SESSION_HEADER: Final = "X-Hhsync-Session"
SESSION_TTL_S: Final = 3600.0


@dataclass(frozen=True)
class SessionClaims:
    """What a verified app-page open established."""

    portal_id: int
    member_id: str
    user_id: int
    is_admin: bool
    language: str = "ru"
    """The page's catalogue (:func:`hhsync.web.i18n.language_of` of the portal's ``LANG``)."""


class SessionSigner:
    """Issues and checks session tokens."""

    def __init__(self, key: bytes, clock: Clock, ttl_s: float = SESSION_TTL_S) -> None:
        self._signer = PurposeSigner(key, "session", clock, ttl_s)

    def issue(self, claims: SessionClaims) -> str:
        """A token for ``claims``."""
        return self._signer.dump(
            {
                "p": claims.portal_id,
                "m": claims.member_id,
                "u": claims.user_id,
                "a": claims.is_admin,
                "l": claims.language,
            }
        )

    def verify(self, token: str) -> SessionClaims:
        """The claims of a genuine, unexpired token; :class:`SignatureRefused` otherwise."""
        payload = self._signer.load(token)
        portal_id, member_id = payload.get("p"), payload.get("m")
        user_id, is_admin = payload.get("u"), payload.get("a")
        language = payload.get("l", "ru")
        if not (
            isinstance(portal_id, int)
            and isinstance(member_id, str)
            and isinstance(user_id, int)
            and isinstance(is_admin, bool)
            and language in LANGUAGES
        ):
            raise SignatureRefused("malformed claims")
        return SessionClaims(portal_id, member_id, user_id, is_admin, language)

    def from_request(self, request: Request) -> SessionClaims:
        """The claims of the request's session header; :class:`SignatureRefused` without one."""
        return self.verify(request.headers.get(SESSION_HEADER, ""))
