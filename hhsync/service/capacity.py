"""This instance's capacity as of now: the fleet counted from the database, then the maths.

The scheduler measures it every heartbeat and stretches intervals by it; `hhsync status`,
`hhsync doctor` and ``/metrics`` show the same figures (:mod:`hhsync.model.capacity`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.config import Settings
from hhsync.db import fleet
from hhsync.model.capacity import Capacity, capacity
from hhsync.sync.apply.creates import CREATES_PER_BATCH

LIVE_WINDOW_PASSES = 3
"""An instance that started no pass in this many (stretched) default intervals is not live."""
MIN_LIVE_WINDOW = timedelta(minutes=5)


def live_window(settings: Settings, stretch: float = 1.0) -> timedelta:
    """How far back a pass keeps its instance counted as live."""
    interval = timedelta(seconds=settings.sync.poll_interval_s * stretch)
    return max(MIN_LIVE_WINDOW, interval * LIVE_WINDOW_PASSES)


async def measure(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    instance_id: str | None,
    *,
    stretch: float = 1.0,
) -> Capacity:
    """The fleet's cost against this instance's budget (``stretch``: the one applied now, which
    spaces every instance's passes out, so the live window is as long). ``instance_id`` None:
    an operator's command, which runs no passes itself, asks about the daemons."""
    sync = settings.sync
    # A pass of more creates than one chunk is a back-fill: its resumes queue behind the rest.
    found = await fleet.read_fleet(
        session,
        sync.poll_interval_s,
        max_creates=CREATES_PER_BATCH,
        live_since=now - live_window(settings, stretch),
        own_id=instance_id,
    )
    return capacity(
        found.loads,
        instances=found.instances,
        requests_per_s=settings.hh.requests_per_s,
        watch_period_s=sync.state_watch_period_s,
        base_interval_s=sync.poll_interval_s,
    )
