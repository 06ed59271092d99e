"""PURE: how many commands fit in one batch, by the time each method takes on this portal.

A Bitrix24 cloud request must finish within 60 s or it is interrupted and the front end answers
504 (Bitrix24 REST docs, limits.md, "Request Execution Time Limit"); a batch runs its commands one
after another, so its time is their sum. A batch of 50 creates at the documented 3.3 s each
(crm-lead-add.md) would take almost three minutes, so batches are sized by time, not count.

Seconds per call are learned per method from the ``duration`` of every answer's ``time`` block
(``result_time`` for batch commands), starting from a cautious prior. A slower answer is believed
at once, a faster one gradually, so one quick call does not fill the next batch with slow ones.
A batch cut off at 60 s scales its methods' estimates up until it would have taken 60 s (at
least doubling them), so the next batch is small enough; a write the client gave up on sooner
(``bitrix.request_timeout_s``) scales them to the time it was given, not to 60 s.

Batches aim at a third of the cut-off: room for a portal that slows down between two batches,
and less than the 10 % operating-time headroom (48 of 480 s), so one batch never carries a method
from under the paced limit to over the portal's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

REQUEST_CUTOFF_S: Final = 60.0
"""A cloud request's limit in the portal's own seconds (the ``time`` blocks' unit)."""
TARGET_S: Final = REQUEST_CUTOFF_S / 3
"""The seconds one batch is planned to take."""
PRIOR_WRITE_S: Final = 2.5
"""Before any answer: a write. Two creates (three writes each) then make the first batch, which
finishes within the cut-off even on a portal three times slower than that (the documented
crm.lead.add takes 3.3 s)."""
PRIOR_READ_S: Final = 0.5
"""Before any answer: a read (the documented reads take 0.2-0.3 s)."""
_SETTLE: Final = 0.3
"""Weight of a faster observation (a slower one replaces the estimate outright)."""


def prior_s(method: str) -> float:
    """The cautious guess for a method never answered yet."""
    verb = method.rsplit(".", 1)[-1].lower()
    return PRIOR_WRITE_S if verb in {"add", "update", "delete", "set"} else PRIOR_READ_S


def seconds_from_time(time_block: Mapping[str, Any] | None) -> float | None:
    """A call's own seconds from its ``time`` block (``duration``, else ``processing``)."""
    if not time_block:
        return None
    for key in ("duration", "processing"):
        try:
            value = float(time_block[key])
        except (KeyError, TypeError, ValueError):
            continue
        if value >= 0:
            return value
    return None


@dataclass
class MethodTimes:
    """One portal's learned seconds per call, per method."""

    target_s: float = TARGET_S
    _seconds: dict[str, float] = field(default_factory=dict)

    def estimate(self, method: str) -> float:
        """Seconds one call of ``method`` is expected to take."""
        return self._seconds.get(method.lower(), prior_s(method))

    def observe(self, method: str, seconds: float) -> None:
        """An answer said ``method`` took ``seconds``."""
        name = method.lower()
        known = self._seconds.get(name)
        if known is None or seconds >= known:
            self._seconds[name] = seconds
        else:
            self._seconds[name] = known + _SETTLE * (seconds - known)

    def timed_out(self, methods: Sequence[str], took_s: float = REQUEST_CUTOFF_S) -> None:
        """A request whose commands had these methods (one entry per command) ran out of time:
        together they took over ``took_s`` (the portal's 60 s cut-off, or the client's own
        shorter bound on a write), so each is at least that much slower than believed, and at
        least twice as slow."""
        believed = sum(self.estimate(m) for m in methods)
        if believed <= 0:
            return
        factor = max(2.0, took_s / believed)
        for method in set(methods):
            self._seconds[method.lower()] = factor * self.estimate(method)

    def fitting(self, items: Sequence[Sequence[str]]) -> int:
        """How many leading ``items`` (each the methods of its commands) fit in one batch: at
        least one, whose time is then whatever it is."""
        total = 0.0
        for count, methods in enumerate(items):
            total += sum(self.estimate(m) for m in methods)
            if total > self.target_s:
                return max(1, count)
        return len(items)
