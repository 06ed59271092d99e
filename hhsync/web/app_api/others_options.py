"""Pure: what the «Другие отклики» button's ``PLACEMENT_OPTIONS`` ask for, or why they cannot.

Bitrix24 opens the app's slider with the button's ``actionParams`` sent on as strings, plus
``entityTypeId``, ``entityId`` and ``activityId`` of the timeline item and ``bx24_*`` slider
settings (b24restdocs ``api-reference/crm/timeline/activities/structure/action.md`` and
``sdk/bx24-js-sdk/additional-functions/bx24-open-application.md``). Only ``view`` and
``negotiation`` matter here; whatever else comes is ignored, never trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from hhsync.errors import HhsyncError
from hhsync.model.others_link import NEGOTIATION_KEY, OTHERS_VIEW, VIEW_KEY

_NEGOTIATION_ID: Final = re.compile(r"^[0-9]{1,32}$")
"""hh.ru negotiation ids are decimal (the stored column holds 32 characters)."""


@dataclass(frozen=True)
class OthersAsked:
    """The view was asked for one negotiation (not yet looked up: that needs the portal)."""

    hh_negotiation_id: str


class OthersOptionsRefused(HhsyncError):
    """The options name the view but no usable negotiation; ``reason`` is stable for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def wants_others(options: dict[str, Any]) -> bool:
    """Whether the app page was opened by the «Другие отклики» button."""
    return options.get(VIEW_KEY) == OTHERS_VIEW


def parse_others(options: dict[str, Any]) -> OthersAsked:
    """The negotiation the view is for; raises :class:`OthersOptionsRefused` on anything else."""
    raw = options.get(NEGOTIATION_KEY)
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # Bitrix24 sends strings; a number would still name the same one
    if raw is None:
        raise OthersOptionsRefused("no_negotiation")
    if not isinstance(raw, str) or not _NEGOTIATION_ID.match(raw.strip()):
        raise OthersOptionsRefused("bad_negotiation")
    return OthersAsked(raw.strip())
