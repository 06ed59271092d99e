"""The initial import as the settings page shows it: its counters and whether it still runs.

The first save of the settings makes the portal due at once
(:func:`hhsync.db.portals.save_settings`); the import runs until the first pass that started
after that save has ended. While a pass is running with negotiations still on their way, the page
shows that work live too. A parked or
paused portal runs nothing, so its import is shown as it stands. The reasons negotiations wait for
a retry are read through :mod:`hhsync.web.app_api.reasons`, the log tab's parser, grouped by what
they mean (a refusal worded per negotiation is one reason) and said in the reader's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import portals, runs, state
from hhsync.model.import_progress import ImportProgress
from hhsync.model.kinds import PortalStatus, RunStatus
from hhsync.web.app_api.reasons import Translate, describe, explain

RUNNING: Final = "running"
DONE: Final = "done"
IDLE: Final = "idle"
ImportState = Literal["running", "done", "idle"]
REASONS_READ: Final = 50
"""How many distinct stored reasons are read to group; the page shows the commonest groups."""
REASONS_SHOWN: Final = 5


@dataclass(frozen=True)
class ImportView:
    """The import's state and counters for the page."""

    state: ImportState
    progress: ImportProgress
    errors: tuple[tuple[str, int], ...] = ()
    """The commonest reasons negotiations wait for a retry, in words, with how many each."""

    def as_json(self) -> dict[str, object]:
        """The answer of ``GET /app/api/settings/progress``."""
        return {
            "state": self.state,
            "running": self.state == RUNNING,
            "loaded": self.progress.loaded,
            "imported": self.progress.imported,
            "failed": self.progress.failed,
            "pending": self.progress.pending,
            "errors": [{"reason": reason, "count": count} for reason, count in self.errors],
        }


def import_state(
    *,
    configured_at: datetime | None,
    portal_active: bool,
    first_pass_ended: bool,
    pass_running: bool,
    progress: ImportProgress,
) -> ImportState:
    """Pure: ``idle`` before the first save, ``running`` until the first pass after it ends (or
    while a pass moves negotiations still waiting), ``done`` otherwise."""
    if configured_at is None:
        return IDLE
    if not portal_active:
        return DONE
    if not first_pass_ended or (pass_running and progress.pending > 0):
        return RUNNING
    return DONE


def grouped_reasons(
    t: Translate, stored: list[tuple[str, int]], limit: int = REASONS_SHOWN
) -> tuple[tuple[str, int], ...]:
    """Pure: stored failure texts with their counts, grouped by what they mean, in words,
    commonest first."""
    counts: dict[tuple[object, ...], int] = {}
    words: dict[tuple[object, ...], str] = {}
    for text, count in stored:
        reason = explain(text)
        key = reason.group()
        counts[key] = counts.get(key, 0) + count
        words.setdefault(key, describe(t, reason, brief=True))
    ranked = sorted(counts, key=lambda key: -counts[key])
    return tuple((words[key], counts[key]) for key in ranked[:limit])


async def import_view(session: AsyncSession, portal_id: int, t: Translate) -> ImportView:
    """The portal's import as the page shows it (its reasons in ``t``'s language)."""
    portal = await portals.get_portal(session, portal_id)
    saved = await portals.get_settings(session, portal_id)
    progress = await state.import_progress(session, portal_id)
    configured_at = saved.configured_at if saved is not None else None
    latest = await state.latest_run(session, portal_id)
    ended = configured_at is not None and await runs.finished_since(
        session, portal_id, configured_at
    )
    return ImportView(
        import_state(
            configured_at=configured_at,
            portal_active=portal is not None and portal.status == PortalStatus.ACTIVE,
            first_pass_ended=ended,
            pass_running=latest is not None and latest.status == RunStatus.RUNNING,
            progress=progress,
        ),
        progress,
        grouped_reasons(t, await state.failure_reasons(session, portal_id, REASONS_READ))
        if progress.failed
        else (),
    )
