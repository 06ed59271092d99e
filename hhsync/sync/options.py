"""What a caller asks of one pass: plain values, decided before it starts and never changed by it.

The daemon's scheduler, an operator's resync and retry-failed all build one :class:`PassOptions`
and hand it to :func:`hhsync.sync.engine.run_pass` unchanged through every layer between. What
the pass needs while it runs (its progress figures, the daemon's stop event) is passed beside it:
those are shared, changing objects, not options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PassOptions:
    """How to run one pass; the defaults are the daemon's regular pass without a lease fence."""

    force: bool = False
    """An operator's resync: read every vacancy's negotiations, not only those whose hh.ru
    counters changed, and lift the planner's guard against a vacancy that suddenly lists none."""
    dry_run: bool = False
    """Read hh.ru and plan, write nothing: neither to Bitrix24 nor to our database (only a token
    refresh is stored, since hh.ru and Bitrix24 accept each refresh token once)."""
    only_vacancies: tuple[str, ...] | None = None
    """Only these hh.ru vacancy ids (``None``: all of them)."""
    backfill: bool = False
    """Open resumes and PDFs at the request budget's back-fill priority whatever the backlog's
    size. Without it a pass does so by itself when it has more new responses than one create
    chunk (:func:`hhsync.sync.backfill.enrich_priority`); lists, watches and listing pages are
    read at incremental priority either way."""
    watch_stretch: float = 1.0
    """Factor on ``sync.state_watch_period_s``: the scheduler stretches poll intervals and watch
    periods alike when the fleet's hh.ru cost is over this instance's budget
    (:mod:`hhsync.model.capacity`); 1 is as set."""
    since: datetime | None = None
    """Plan only negotiations hh.ru changed at or after this instant; everything listed is still
    stored, so nothing seen is lost."""
    lease_owner: str | None = None
    """Fence every CRM write batch: it is sent only while this owner still holds the portal's
    lease (``None``: no fence, for tests and dry runs)."""
