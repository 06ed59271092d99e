"""Pure watermark maths for reading a collection newest-first and stopping where we stopped before.

The watermark is inclusive: it remembers the newest ``created_at`` fully processed and the ids seen
at exactly that instant (hh.ru timestamps have one-second resolution, so several negotiations share
one). Paging stops at the first page that reaches back to the watermark. A watermark never moves
past the start of the pass that produced it (items stamped later may still be arriving), and it
moves only when the pass read the collection to that point completely.

Not wired yet: no pass reads or writes a watermark today (``Vacancy.watermark_at`` and
``watermark_ids`` stay empty), and a vacancy whose counters changed has its negotiations listed in
full. The change-tracking work is to page with :func:`page_reaches` and store :func:`promote`'s
result in those columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# hh.ru stamps whole seconds and lists may lag writes slightly: keep a margin behind the pass start.
SAFETY_MARGIN = timedelta(seconds=5)


@dataclass(frozen=True)
class Watermark:
    """Newest instant fully processed and the ids at exactly that instant."""

    at: datetime | None = None
    boundary_ids: frozenset[str] = frozenset()

    def covers(self, stamped_at: datetime, item_id: str) -> bool:
        """Whether an item was already processed by the pass that set this watermark."""
        if self.at is None:
            return False
        return stamped_at < self.at or (stamped_at == self.at and item_id in self.boundary_ids)


def page_reaches(watermark: Watermark, page: Iterable[tuple[datetime, str]]) -> bool:
    """Whether a newest-first page reaches back to items the watermark covers: stop after it."""
    return any(watermark.covers(stamped_at, item_id) for stamped_at, item_id in page)


@dataclass
class CursorProgress:
    """What one pass saw of a collection, to promote into the next watermark."""

    pass_started_at: datetime
    newest_at: datetime | None = None
    ids_at_newest: set[str] = field(default_factory=set)

    def see(self, stamped_at: datetime, item_id: str) -> None:
        """Record one listed item (only those at or before the cap can become the watermark)."""
        cap = self.pass_started_at - SAFETY_MARGIN
        if stamped_at > cap:
            return
        if self.newest_at is None or stamped_at > self.newest_at:
            self.newest_at = stamped_at
            self.ids_at_newest = {item_id}
        elif stamped_at == self.newest_at:
            self.ids_at_newest.add(item_id)


def promote(old: Watermark, progress: CursorProgress, *, complete: bool) -> Watermark:
    """The next watermark: the old one unless this pass read completely to something newer."""
    if not complete or progress.newest_at is None:
        return old
    if old.at is not None and progress.newest_at < old.at:
        return old
    if old.at is not None and progress.newest_at == old.at:
        return Watermark(old.at, old.boundary_ids | frozenset(progress.ids_at_newest))
    return Watermark(progress.newest_at, frozenset(progress.ids_at_newest))
