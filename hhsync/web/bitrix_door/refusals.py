"""A request the door will not act on: its HTTP status, a stable reason and words for a person.

Every check of the door raises :class:`Refusal`; the routes turn it into a page (app routes) or a
JSON body (events, the status API) and one log line with the reason, never with the request's
tokens. A refusal is raised before anything is written, so it changes nothing.
"""

from __future__ import annotations

import re
from typing import Final

from hhsync import texts
from hhsync.errors import Fatal

_UNSAFE: Final = re.compile(r"[^\w .:/@()'-]")
DETAIL_CHARS: Final = 120


def _loggable(detail: str) -> str:
    """``detail`` safe for a log line: posted text may carry newlines or control characters."""
    return _UNSAFE.sub("?", detail)[:DETAIL_CHARS]


class Refusal(Fatal):
    """The door refuses this request; ``reason`` is stable (logs, tests), ``message`` Russian."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        detail = _loggable(detail)
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.status = status
        self.reason = reason
        self.detail = detail
        """What the log line adds (never a token or secret; posted text made safe)."""

    @property
    def message(self) -> str:
        """What the page says to the person who opened it."""
        return texts.DOOR_REFUSALS.get(self.reason, texts.DOOR_REFUSAL_DEFAULT)


def bad_request(reason: str, detail: str = "") -> Refusal:
    """400: the request is not what Bitrix24 sends (a field missing, malformed or repeated)."""
    return Refusal(400, reason, detail)
