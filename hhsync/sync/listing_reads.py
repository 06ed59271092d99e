"""One vacancy's negotiations as the state watch reads them: the collections' totals first, then
only the dirty leaf listings, newest first and only as far as needed; or every listing in full.

The decisions are :mod:`hhsync.sync.changes` (pure); this module asks hh.ru and the stored
listings, and hands back what it found for :mod:`hhsync.sync.reading` to tell kinds and store.
Nothing is written here, so a failing request (429, 5xx after the client's retries) leaves the
vacancy exactly as due as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from hhsync.db import state
from hhsync.db.session import Database
from hhsync.hh.client import HhClient, stable_order
from hhsync.hh.models import Negotiation, NegotiationCollections
from hhsync.sync.changes import (
    NOT_LISTED,
    LeafProgress,
    LeafReadMode,
    LeafState,
    Move,
    after_moves,
    leaf_reads,
    leaf_states,
    needs_full_read,
    walk_done,
)


@dataclass(frozen=True)
class Leaf:
    """A leaf listing of a vacancy: a funnel sub-collection, or a collection without any."""

    id: str
    url: str
    order_by: str | None
    total: int


def leaves_of(collections: NegotiationCollections) -> list[Leaf]:
    """The vacancy's leaf listings with hh.ru's totals, each once.

    A collection with funnel ``sub_collections`` counts their members in its own total and need
    not list them at its own URL (hh.ru OpenAPI spec, ``NegotiationsObjectsStates``), so its
    sub-collections are the leaves; a collection without any is a leaf itself.
    """
    leaves: dict[str, Leaf] = {}
    for collection in collections.collections:
        if not collection.sub_collections:
            leaves.setdefault(
                collection.id,
                Leaf(
                    collection.id,
                    collection.url,
                    stable_order(collection.order_types),
                    collection.counters.total,
                ),
            )
            continue
        for sub in collection.sub_collections:
            leaves.setdefault(
                sub.id, Leaf(sub.id, sub.url, stable_order(sub.order_types), sub.counters.total)
            )
    return list(leaves.values())


@dataclass
class VacancyListing:
    """What one vacancy's read found on hh.ru."""

    totals: dict[str, int]
    """Each leaf listing's ``counters.total`` at the watch."""
    full: bool
    """Every listing was read (a full read): stored negotiations it did not list are listed
    nowhere now (see :attr:`unlist_all`)."""
    found: dict[str, Negotiation] = field(default_factory=dict)
    """Every negotiation the reads listed, the latest copy of each."""
    listing_of: dict[str, str] = field(default_factory=dict)
    """Negotiation id -> the leaf listing it was found in."""
    truncated: list[str] = field(default_factory=list)
    """Listings a gap remains in after the deepest read hh.ru allows."""
    missing: int | None = None
    """A full read's gap: negotiations hh.ru counts that no read could list (None: not a full
    read, so the stored gap stands)."""
    unlisted: set[str] = field(default_factory=set)
    """Stored negotiations a complete read of their leaf no longer found."""
    leaves_read: int = 0
    """Leaf listings paged (0: the watch alone)."""

    @property
    def unlist_all(self) -> bool:
        """A full read: whatever of the vacancy it did not list is listed nowhere we read."""
        return self.full


async def read_vacancy(
    hh: HhClient,
    database: Database,
    *,
    portal_id: int,
    vacancy_id: int | None,
    hh_vacancy_id: str,
    settled_totals: Mapping[str, Any],
    full: bool,
) -> VacancyListing:
    """Watch one vacancy (``GET /negotiations?vacancy_id=``), then read what it needs.

    ``vacancy_id``: the stored vacancy row (None: not stored, so it is read in full);
    ``settled_totals``: its ``listing_totals``. A watched vacancy still holding negotiations
    stored before listings were recorded is read in full once.
    """
    collections = await hh.negotiation_collections(hh_vacancy_id)
    leaves = leaves_of(collections)
    totals = {leaf.id: leaf.total for leaf in leaves}
    counts: dict[str | None, int] = {}
    if not full and vacancy_id is not None:
        async with database.session() as session:
            counts = await state.listing_counts(session, vacancy_id)
    if full or vacancy_id is None or needs_full_read(counts):
        listing = await hh.vacancy_negotiations(hh_vacancy_id, collections)
        return VacancyListing(
            totals,
            full=True,
            found={n.id: n for n in listing.negotiations},
            listing_of=dict(listing.listed_in),
            truncated=list(listing.truncated_collections),
            missing=listing.missing,
            leaves_read=len(leaves),
        )
    reader = _DirtyReader(hh, database, portal_id, vacancy_id, leaves)
    return await reader.read(leaf_states(totals, counts, settled_totals), totals)


class _DirtyReader:
    """The leaf reads of one watched vacancy until its stored counts match hh.ru's totals."""

    def __init__(
        self,
        hh: HhClient,
        database: Database,
        portal_id: int,
        vacancy_id: int,
        leaves: Iterable[Leaf],
    ) -> None:
        self._hh = hh
        self._database = database
        self._portal_id = portal_id
        self._vacancy_id = vacancy_id
        self._leaves = {leaf.id: leaf for leaf in leaves}
        self._current: dict[str, str] = {}
        """Where this pass found (or stopped finding) each negotiation it touched."""

    async def read(self, states: dict[str, LeafState], totals: dict[str, int]) -> VacancyListing:
        result = VacancyListing(totals, full=False)
        progress = LeafProgress()
        while reads := leaf_reads(states, progress.frozen()):
            for read in reads:
                leaf = self._leaves[read.listing]
                if read.mode == LeafReadMode.NEWEST:
                    items, stored, cut = await self._newest(leaf, read.wanted)
                else:
                    items, stored, cut = await self._everything(leaf)
                progress.ran(read)
                result.leaves_read += 1
                if cut:
                    result.truncated.append(leaf.id)
                moves = self._found(result, leaf, items, stored)
                if read.mode == LeafReadMode.FULL and not cut:
                    moves += await self._gone(result, leaf, items)
                states = after_moves(states, moves)
        return result

    def _found(
        self,
        result: VacancyListing,
        leaf: Leaf,
        items: Iterable[Negotiation],
        stored: Mapping[str, state.Listed],
    ) -> list[Move]:
        moves = []
        for negotiation in items:
            known = stored.get(negotiation.id)
            before = self._current.get(negotiation.id, known.hh_listing if known else None)
            moves.append(Move(before, leaf.id))
            self._current[negotiation.id] = leaf.id
            result.unlisted.discard(negotiation.id)
            kept = result.found.get(negotiation.id)
            if kept is None or negotiation.updated_at >= kept.updated_at:
                result.found[negotiation.id] = negotiation
                result.listing_of[negotiation.id] = leaf.id
        return moves

    async def _gone(
        self, result: VacancyListing, leaf: Leaf, items: Iterable[Negotiation]
    ) -> list[Move]:
        """Stored in ``leaf`` but not listed by its complete read: they left for a place we do
        not see (hidden, deleted, another vacancy), so they are counted nowhere now."""
        async with self._database.session() as session:
            stored_there = await state.listed_in(session, self._vacancy_id, leaf.id)
        listed = {n.id for n in items}
        moves = []
        for hh_id in sorted(stored_there - listed):
            if self._current.get(hh_id, leaf.id) != leaf.id:
                continue  # found elsewhere by this pass already
            moves.append(Move(leaf.id, NOT_LISTED))
            self._current[hh_id] = NOT_LISTED
            result.unlisted.add(hh_id)
        return moves

    async def _newest(
        self, leaf: Leaf, wanted: int
    ) -> tuple[list[Negotiation], dict[str, state.Listed], bool]:
        """Newest first until ``wanted`` negotiations new to the leaf are found and a page held
        one stored there unchanged (:func:`hhsync.sync.changes.walk_done`)."""
        items: dict[str, Negotiation] = {}
        stored: dict[str, state.Listed] = {}
        found_new = 0
        pages = self._hh.listing_pages(leaf.url, order_by=leaf.order_by)
        async with aclosing(pages):
            async for page in pages:
                ids = [n.id for n in page.items if n.id not in items]
                async with self._database.session() as session:
                    known = await state.listed_as(session, self._portal_id, ids)
                stored.update(known)
                saw_unchanged = False
                for negotiation in page.items:
                    if negotiation.id in items:
                        continue  # a page shift showed it twice
                    items[negotiation.id] = negotiation
                    listed = known.get(negotiation.id)
                    if listed is None or listed.hh_listing != leaf.id:
                        found_new += 1
                    elif listed.hh_updated_at == negotiation.updated_at:
                        saw_unchanged = True
                if walk_done(wanted=wanted, found_new=found_new, saw_unchanged=saw_unchanged):
                    break
        return list(items.values()), stored, pages.truncated

    async def _everything(
        self, leaf: Leaf
    ) -> tuple[list[Negotiation], dict[str, state.Listed], bool]:
        """The whole leaf, as far as the depth allows."""
        items: dict[str, Negotiation] = {}
        pages = self._hh.listing_pages(leaf.url, order_by=leaf.order_by)
        async for page in pages:
            for negotiation in page.items:
                kept = items.get(negotiation.id)
                if kept is None or negotiation.updated_at > kept.updated_at:
                    items[negotiation.id] = negotiation
        async with self._database.session() as session:
            stored = await state.listed_as(session, self._portal_id, list(items))
        return list(items.values()), stored, pages.truncated
