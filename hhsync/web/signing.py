"""Signed, expiring tokens handed to browsers: itsdangerous with hhsync's clock.

A browser carries two kinds of signed values: the app page's session token and the hh.ru OAuth
``state``. Both are JSON payloads signed with a key kept for one purpose only (so one can never be
replayed as the other) and stamped with the time from :class:`~hhsync.clock.Clock`, so tests move
time instead of sleeping and nothing here reads the wall clock itself.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from hhsync.clock import Clock
from hhsync.errors import Fatal


class SignatureRefused(Fatal):
    """A signed value that is malformed, tampered with, signed for another purpose or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _clocked_signer(clock: Clock) -> type[TimestampSigner]:
    class ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return ClockedSigner


class PurposeSigner:
    """Signs JSON payloads for one purpose; :meth:`load` refuses them after ``max_age_s``."""

    def __init__(self, key: bytes, purpose: str, clock: Clock, max_age_s: float) -> None:
        self._serializer = URLSafeTimedSerializer(
            key, salt=f"hhsync.{purpose}", signer=_clocked_signer(clock)
        )
        self._max_age_s = max_age_s

    @property
    def max_age_s(self) -> float:
        """How long a signed value is accepted, in seconds."""
        return self._max_age_s

    def dump(self, payload: dict[str, Any]) -> str:
        """The signed, timestamped text of ``payload``."""
        return self._serializer.dumps(payload)

    def load(self, signed: str) -> dict[str, Any]:
        """The payload back, or :class:`SignatureRefused` saying why not."""
        if not signed or len(signed) > 4096:
            raise SignatureRefused("missing or oversized")
        try:
            payload = self._serializer.loads(signed, max_age=int(self._max_age_s))
        except SignatureExpired as exc:
            raise SignatureRefused("expired") from exc
        except BadSignature as exc:
            raise SignatureRefused("bad signature") from exc
        if not isinstance(payload, dict):
            raise SignatureRefused("not an object")
        return payload
