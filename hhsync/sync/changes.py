"""Pure: which vacancies a pass watches or reads in full, and which of their listings it reads.

hh.ru's vacancy ``counters`` move when a response arrives or is read, but not when the employer
moves a negotiation on the website, the applicant withdraws, or hh.ru moves it to another
vacancy. So besides the counters, every vacancy is *watched* once per
``sync.state_watch_period_s``: one ``GET /negotiations?vacancy_id=`` gives each listing's
``counters.total``. A **leaf listing** (a funnel sub-collection, or a collection without any) whose
total differs from the negotiations stored as listed there is *dirty* and read, newest first, only
as far as the difference needs. A full read (new vacancy, forced pass, reconcile period over,
negotiations stored before their listing was recorded) reads every listing to the end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

# Counters that change when negotiations appear or change. Not `views`, and not
# `unread_responses`: fetching a resume for its contacts marks the response read, so our own pass
# would move that counter and make the next pass re-read the vacancy for nothing.
WATCHED_COUNTERS = (
    "responses",
    "invitations",
    "invitations_and_responses",
    "resumes_in_progress",
    "total_responses",
)
NOT_LISTED: Final = ""
"""``negotiation.hh_listing`` of a negotiation a complete read no longer found (hidden, deleted,
moved to another vacancy): counted in no listing. ``None`` means "stored before listings were
recorded" and asks for one full read."""


class ReadMode(StrEnum):
    """What a pass does for one vacancy."""

    FULL = "full"
    """Every listing to the end (the watch's request comes first, its totals are stored)."""
    WATCH = "watch"
    """The collections' totals, then only the dirty leaf listings."""


class DueReason(StrEnum):
    """Why a vacancy is read this pass (for the log and the tests)."""

    FORCED = "forced"
    NEW = "new"
    NOT_FULLY_READ = "not_fully_read"
    RECONCILE = "reconcile"
    COUNTERS = "counters"
    UNWATCHED = "unwatched"
    PERIOD = "period"


@dataclass(frozen=True)
class VacancySeen:
    """A vacancy as hh.ru lists it now, with what we stored for it."""

    hh_id: str
    counters: Mapping[str, Any]
    stored_counters: Mapping[str, Any] | None
    """None when the vacancy is new to us."""
    last_full_read_at: datetime | None
    watched_at: datetime | None = None
    """When its listings' totals were last read; None: never, or to be read at once."""
    last_seen_at: datetime | None = None
    """When a pass last listed it (the stored row's ``updated_at``): how long passes are apart."""
    archived: bool = False
    """In hh.ru's archive: watched :data:`ARCHIVED_WATCH_FACTOR` times less often."""


@dataclass(frozen=True)
class VacancyDue:
    """One vacancy this pass reads, how, and why."""

    hh_id: str
    mode: ReadMode
    reason: DueReason


def watched(counters: Mapping[str, Any]) -> dict[str, Any]:
    """The counters that matter for change detection."""
    return {key: counters.get(key) for key in WATCHED_COUNTERS}


ARCHIVED_WATCH_FACTOR = 10
"""An archived vacancy takes no new negotiations and sees few moves, while an account's archive
only grows: its state watch runs this many times less often (30 min at the default 180 s), so
the followed archive costs a tenth of the active vacancies' watch."""


def vacancies_due(
    seen: Sequence[VacancySeen],
    now: datetime,
    *,
    reconcile_s: float,
    watch_s: float,
    force: bool = False,
) -> list[VacancyDue]:
    """The vacancies this pass reads: urgent ones first in hh.ru's order, then the ones whose
    watch period ran out, most overdue first, at most as many as keep the watches spread.

    Watches due only by their period are capped at ``ceil(V x gap / watch_s)`` (``gap``: the time
    since the previous pass): vacancies first read in one pass would otherwise all fall due in the
    same later pass, every period. Over a few periods they spread evenly across passes, so the cost
    stays 3600 / ``watch_s`` requests per vacancy per hour, smoothly.
    """
    reconcile = timedelta(seconds=reconcile_s)
    watch = timedelta(seconds=watch_s)
    urgent: list[VacancyDue] = []
    periodic: list[tuple[timedelta, int, VacancySeen]] = []
    for index, vacancy in enumerate(seen):
        if force:
            # Case: an operator's resync: read everything to the end.
            urgent.append(VacancyDue(vacancy.hh_id, ReadMode.FULL, DueReason.FORCED))
        elif vacancy.stored_counters is None:
            # Case: a vacancy new to us: nothing of it is stored, read it all.
            urgent.append(VacancyDue(vacancy.hh_id, ReadMode.FULL, DueReason.NEW))
        elif vacancy.last_full_read_at is None:
            # Case: never read to the end (cut by the depth, or a kind left to ask again).
            urgent.append(VacancyDue(vacancy.hh_id, ReadMode.FULL, DueReason.NOT_FULLY_READ))
        elif now - vacancy.last_full_read_at >= reconcile:
            # Case: the safety net: whatever the counters and totals say, read it all again.
            urgent.append(VacancyDue(vacancy.hh_id, ReadMode.FULL, DueReason.RECONCILE))
        elif watched(vacancy.counters) != watched(vacancy.stored_counters):
            # Case: the vacancy counters moved (a new response, most often): watch it now.
            urgent.append(VacancyDue(vacancy.hh_id, ReadMode.WATCH, DueReason.COUNTERS))
        elif vacancy.watched_at is None:
            # Case: never watched, or its last watch left something to read again at once.
            urgent.append(VacancyDue(vacancy.hh_id, ReadMode.WATCH, DueReason.UNWATCHED))
        elif now - vacancy.watched_at >= (
            watch * ARCHIVED_WATCH_FACTOR if vacancy.archived else watch
        ):
            # Case: its watch period ran out: a state change may hide behind still counters.
            periodic.append((now - vacancy.watched_at, index, vacancy))
        # Case: watched within the period and nothing moved: no request at all.
    periodic.sort(key=lambda entry: (-entry[0], entry[1]))
    cap = _spread_cap(seen, now, watch_s)
    chosen = periodic if cap is None else periodic[:cap]
    return urgent + [
        VacancyDue(vacancy.hh_id, ReadMode.WATCH, DueReason.PERIOD) for _, _, vacancy in chosen
    ]


def _spread_cap(seen: Sequence[VacancySeen], now: datetime, watch_s: float) -> int | None:
    """How many period-due watches this pass takes: its share of one period's watches."""
    gaps = [(now - v.last_seen_at).total_seconds() for v in seen if v.last_seen_at is not None]
    if not gaps:
        return None
    gap_s = max(gaps)
    if gap_s >= watch_s:
        return None
    return max(1, math.ceil(len(seen) * max(gap_s, 0.0) / watch_s))


# --- one watched vacancy's leaf listings ---------------------------------------------------------


@dataclass(frozen=True)
class LeafState:
    """One leaf listing of a vacancy as the watch found it, against what is stored there."""

    remote: int
    """hh.ru's ``counters.total`` now."""
    stored: int
    """Negotiations stored as listed there (moves found by this pass's reads included)."""
    gap: int = 0
    """What the last read of the listing could not list (a listing deeper than hh.ru pages):
    the total then, less what was stored then. Not counted as missing again."""

    @property
    def delta(self) -> int:
        """Above 0: negotiations new to the listing; below 0: some left it."""
        return self.remote - self.stored - self.gap


class LeafReadMode(StrEnum):
    """How one leaf listing is read."""

    NEWEST = "newest"
    """Newest first, only until the negotiations new to it are found (:func:`walk_done`)."""
    FULL = "full"
    """To the end: it lists fewer than we store, and the ones that left are found only so."""


@dataclass(frozen=True)
class LeafRead:
    """One leaf listing to read, and (newest first) how many new negotiations to look for."""

    listing: str
    mode: LeafReadMode
    wanted: int = 0


def needs_full_read(stored_counts: Mapping[str | None, int]) -> bool:
    """Whether a watched vacancy still holds negotiations stored before listings were recorded
    (``hh_listing`` NULL): their listing is unknown, so only a full read can count them."""
    return stored_counts.get(None, 0) > 0


def leaf_states(
    remote_totals: Mapping[str, int],
    stored_counts: Mapping[str | None, int],
    settled_totals: Mapping[str, Any],
) -> dict[str, LeafState]:
    """Each leaf's state at the watch. ``settled_totals`` is the vacancy's ``listing_totals``: a
    listing's total when it was last read as far as it goes (or found clean)."""
    states: dict[str, LeafState] = {}
    for listing, remote in remote_totals.items():
        stored = stored_counts.get(listing, 0)
        settled = settled_totals.get(listing)
        gap = max(0, settled - stored) if isinstance(settled, int) else 0
        states[listing] = LeafState(remote, stored, gap)
    return states


def dirty(states: Mapping[str, LeafState]) -> list[str]:
    """The leaf listings whose total differs from what is stored there (beyond a known gap)."""
    return [listing for listing, leaf in states.items() if leaf.delta != 0]


def leaf_reads(
    states: Mapping[str, LeafState], done: Mapping[str, frozenset[LeafReadMode]]
) -> list[LeafRead]:
    """The leaf reads to do next; empty when the vacancy is settled. Each listing is read at
    most once each way, so the loop that follows this ends.

    Gaining listings come first: a negotiation that moved is found where it went, which also
    fixes the count of the listing it left. Only then does a listing still counting more stored
    than hh.ru lists get read in full, to find which ones left it for a place we do not see.
    """
    gaining = [
        LeafRead(listing, LeafReadMode.NEWEST, leaf.delta)
        for listing, leaf in states.items()
        if leaf.delta > 0 and not done.get(listing)
    ]
    if gaining:
        # Case: negotiations new to a listing (a response, a move into it): look for them.
        return gaining
    # Case: a listing lists fewer than we store there: read it to the end.
    return [
        LeafRead(listing, LeafReadMode.FULL)
        for listing, leaf in states.items()
        if leaf.delta < 0 and LeafReadMode.FULL not in done.get(listing, frozenset())
    ]


def walk_done(*, wanted: int, found_new: int, saw_unchanged: bool) -> bool:
    """Whether a newest-first walk of a listing may stop after this page: it found as many
    negotiations new to the listing as its total grew, and the page held one stored there
    unchanged, so what follows is what we have (a move lands at the negotiation's creation
    place, which the count still makes the walk reach)."""
    return found_new >= wanted and saw_unchanged


@dataclass(frozen=True)
class Move:
    """A negotiation this pass found in ``to`` that was stored in ``from_`` (None: not stored)."""

    from_: str | None
    to: str


def after_moves(states: Mapping[str, LeafState], moves: Iterable[Move]) -> dict[str, LeafState]:
    """The leaf states once the found negotiations are counted where they were found."""
    stored = {listing: leaf.stored for listing, leaf in states.items()}
    for move in moves:
        if move.from_ == move.to:
            continue
        if move.from_ in stored:
            stored[move.from_] -= 1
        if move.to in stored:
            stored[move.to] += 1
    return {listing: replace(leaf, stored=stored[listing]) for listing, leaf in states.items()}


@dataclass
class LeafProgress:
    """Bookkeeping of one vacancy's leaf reads (which ones ran, how)."""

    done: dict[str, set[LeafReadMode]] = field(default_factory=dict)

    def ran(self, read: LeafRead) -> None:
        """Note that ``read`` ran (a full read also counts as a newest-first one)."""
        modes = self.done.setdefault(read.listing, set())
        modes.add(read.mode)
        if read.mode == LeafReadMode.FULL:
            modes.add(LeafReadMode.NEWEST)

    def frozen(self) -> dict[str, frozenset[LeafReadMode]]:
        """The reads done so far, as :func:`leaf_reads` takes them."""
        return {listing: frozenset(modes) for listing, modes in self.done.items()}
