"""Per-portal health: ok, failing or parked, and the edges between them that deserve a log line.

A poller that logs every failed pass buries the one line an operator needs among hundreds; like
Home Assistant's update coordinator, hhsync says once that a portal started failing and once that
it recovered, and counts the passes in between without a word. Pure: the daemon, the CLI and the
settings page share these rules; ``hhsync.service.health`` stores the state and logs the events.

What a pass says about its portal (:func:`judge`): a ``failed`` pass means the portal could not be
synced (Bitrix24 unreachable or refusing, the pass crashed); a ``partial`` one had record-level or
account-level failures, which are kept for retry or parked on their hh.ru account, so the portal
itself is fine; a portal whose Bitrix24 tokens died is ``parked`` until someone re-authorises it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from hhsync.model.kinds import HealthState, PortalStatus, RunStatus

EVENT_FAILING: Final = "portal.health_failing"
EVENT_RECOVERED: Final = "portal.health_recovered"
EVENT_PARKED: Final = "portal.health_parked"


class Verdict(StrEnum):
    """What one finished pass says about its portal."""

    OK = "ok"
    FAILED = "failed"
    PARKED = "parked"


@dataclass(frozen=True)
class PassResult:
    """One finished pass as health sees it."""

    verdict: Verdict
    at: datetime
    """When the pass finished."""
    reason: str | None = None


@dataclass(frozen=True)
class Health:
    """A portal's health; ``since`` is None only before its first recorded pass."""

    state: HealthState = HealthState.UNKNOWN
    since: datetime | None = None
    """When the portal entered this state (for failing: when the first failed pass ended)."""
    failing_passes: int = 0
    """Failed passes in a row (failing only)."""
    reason: str | None = None
    """Why the latest failed pass failed, or why the portal was parked."""

    @property
    def failing_since(self) -> datetime | None:
        """When the current failing streak began (None unless failing)."""
        return self.since if self.state is HealthState.FAILING else None


@dataclass(frozen=True)
class Transition:
    """One pass applied to a portal's health, and the event it is worth (None: say nothing)."""

    before: Health
    after: Health
    event: str | None

    def fields(self, at: datetime) -> dict[str, Any]:
        """What the event's log line carries besides its name."""
        if self.event == EVENT_RECOVERED:
            since = self.before.since
            return {
                "was": self.before.state.value,
                "failing_passes": self.before.failing_passes,
                "failing_s": round((at - since).total_seconds(), 1) if since else None,
                "last_reason": self.before.reason,
            }
        if self.event in (EVENT_FAILING, EVENT_PARKED):
            return {"reason": self.after.reason}
        return {}


def judge(
    status: str, *, ran: bool, portal_status: str | None, interrupted: bool = False
) -> Verdict | None:
    """The verdict of a pass that ended with ``status``; None when it says nothing.

    Args:
        status: the pass's RunStatus.
        ran: whether the pass started at all (a paused or removed portal is skipped first).
        portal_status: the portal's status once the pass ended (None: the portal is gone).
        interrupted: the pass was told to stop early (a shutdown), so a good end proves little.
    """
    if portal_status == PortalStatus.NEEDS_REAUTH:
        return Verdict.PARKED
    if portal_status == PortalStatus.UNINSTALLED and ran:
        return Verdict.PARKED  # the pass that found the app gone (later ones are skipped)
    if not ran or portal_status is None or status == RunStatus.RUNNING:
        return None
    if status == RunStatus.FAILED:
        return Verdict.FAILED
    return None if interrupted else Verdict.OK


def step(before: Health, result: PassResult) -> Transition:
    """Apply one finished pass: a log event only when the state changes."""
    match result.verdict:
        case Verdict.FAILED if before.state is HealthState.FAILING:
            # failing → failing: count it, keep the newest reason, say nothing
            counted = replace(
                before, failing_passes=before.failing_passes + 1, reason=result.reason
            )
            return Transition(before, counted, None)
        case Verdict.FAILED:
            # unknown, ok or parked → failing: the one warning of this streak
            failing = Health(HealthState.FAILING, result.at, 1, result.reason)
            return Transition(before, failing, EVENT_FAILING)
        case Verdict.PARKED if before.state is HealthState.PARKED:
            return Transition(before, before, None)
        case Verdict.PARKED:
            parked = Health(HealthState.PARKED, result.at, 0, result.reason)
            return Transition(before, parked, EVENT_PARKED)
        case Verdict.OK if before.state is HealthState.OK:
            return Transition(before, before, None)
        case Verdict.OK:
            # failing or parked → ok is a recovery; a portal's first good pass is no news
            recovered = before.state in (HealthState.FAILING, HealthState.PARKED)
            ok = Health(HealthState.OK, result.at)
            return Transition(before, ok, EVENT_RECOVERED if recovered else None)
