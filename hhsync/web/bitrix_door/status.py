"""The portal's minimal status, as the app page shows it and ``/app/api/status`` returns it.

Read from the database only (the daemon's passes write it): the portal's status, its latest
pass, whether its settings were ever saved, and how many negotiations are in the CRM, waiting
for a retry or still queued, labelled in the reader's language. Nothing in it is a token or a
secret; the status reason is hhsync's own wording.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import portals, state
from hhsync.db.tables import Portal, SyncStatus
from hhsync.web.i18n import MissingMessage, Translator


@dataclass(frozen=True)
class PortalStatusView:
    """What the page shows about syncing."""

    status: str
    status_label: str
    reason: str | None
    last_pass_at: str | None
    last_pass_status: str | None
    last_pass_label: str
    synced: int
    failed: int
    queued: int
    configured: bool = False
    """The settings were saved once (the «Авторизация» tab's sync line needs it)."""

    def as_json(self) -> dict[str, Any]:
        """Plain data for the status API."""
        return asdict(self)


def _label(t: Translator, key: str, fallback: str) -> str:
    """A status's words, or the status itself should a new one have none yet."""
    try:
        return t(key)
    except MissingMessage:
        return fallback


async def portal_status(session: AsyncSession, portal: Portal, t: Translator) -> PortalStatusView:
    """The portal's status view from its stored rows, labelled by ``t``."""
    if portal.id is None:
        raise ValueError("a stored portal has an id")
    counts = await state.count_by_status(session, portal.id)
    last = await state.latest_run(session, portal.id)
    saved = await portals.get_settings(session, portal.id)
    at = (last.finished_at or last.started_at) if last is not None else None
    return PortalStatusView(
        status=portal.status,
        status_label=_label(t, f"auth.portal_status_{portal.status}", portal.status),
        reason=portal.status_reason,
        last_pass_at=at.isoformat() if at is not None else None,
        last_pass_status=last.status if last is not None else None,
        last_pass_label=(
            _label(t, f"auth.run_status_{last.status}", last.status)
            if last is not None
            else t("auth.no_sync_yet")
        ),
        synced=counts[SyncStatus.SYNCED],
        failed=counts[SyncStatus.FAILED],
        queued=counts[SyncStatus.PENDING] + counts[SyncStatus.IN_FLIGHT],
        configured=saved is not None and saved.configured_at is not None,
    )
