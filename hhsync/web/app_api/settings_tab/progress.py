"""The initial import as the settings page shows it: its counters and whether it still runs.

The first save of the settings makes the portal due at once
(:func:`hhsync.db.portals.save_settings`); the import runs until the first pass that started
after that save has ended. While a pass is running with negotiations still on their way, the page
shows that work live too. A parked or
paused portal runs nothing, so its import is shown as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import portals, runs, state
from hhsync.model.import_progress import ImportProgress
from hhsync.model.kinds import PortalStatus, RunStatus

RUNNING: Final = "running"
DONE: Final = "done"
IDLE: Final = "idle"
ImportState = Literal["running", "done", "idle"]


@dataclass(frozen=True)
class ImportView:
    """The import's state and counters for the page."""

    state: ImportState
    progress: ImportProgress
    errors: tuple[tuple[str, int], ...] = ()
    """The commonest reasons negotiations wait for a retry, with how many each."""

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


async def import_view(session: AsyncSession, portal_id: int) -> ImportView:
    """The portal's import as the page shows it."""
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
        tuple(await state.failure_reasons(session, portal_id)) if progress.failed else (),
    )
