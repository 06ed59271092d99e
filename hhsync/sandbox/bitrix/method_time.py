"""PURE: the wall time of one request and its 60-second cut-off.

Bitrix24 cloud requests must finish within 60 s; a longer one "is interrupted by timeout"
(limits.md, "Request Execution Time Limit"), which the front end answers with nginx's 504 page.
The sandbox takes that literally: every command of a batch that *finished* before the cut-off
keeps its write (each command is its own transaction on the portal), the command running at the
cut-off and those after it never happen. The time already spent still counts against each
method's operating time, as the docs count execution time, not successful calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CUTOFF_S = 60.0
"""A cloud REST request's wall-time limit (limits.md)."""


def params_kb(params: Any) -> float:
    """KB of a call's parameters as they travel encoded (``fileData`` base64 included)."""
    text = json.dumps(params, ensure_ascii=False, separators=(",", ":"), default=str)
    return len(text.encode("utf-8")) / 1024.0


@dataclass
class RequestTimer:
    """Sandbox seconds one request has spent, against its cut-off."""

    start: float
    cutoff_s: float = CUTOFF_S
    spent_s: float = 0.0
    timed_out: bool = False

    @property
    def now(self) -> float:
        """Sandbox time at which the next command of the request starts."""
        return self.start + self.spent_s

    def left_s(self) -> float:
        """Seconds left before the cut-off."""
        return max(0.0, self.cutoff_s - self.spent_s)

    def fits(self, cost_s: float) -> bool:
        """Whether a command of ``cost_s`` finishes before the cut-off."""
        return not self.timed_out and cost_s <= self.left_s()

    def spend(self, cost_s: float) -> float:
        """Book a finished command's seconds; returns them."""
        self.spent_s += cost_s
        return cost_s

    def cut(self) -> float:
        """The cut-off strikes during the next command: returns the seconds it ran."""
        ran = self.left_s()
        self.spent_s = self.cutoff_s
        self.timed_out = True
        return ran
