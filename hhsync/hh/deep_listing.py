"""Read one hh.ru listing completely where hh.ru allows it, and say how many it could not list.

hh.ru lists no deeper than the depth (:mod:`hhsync.hh.paging`, 2,000 by default). A listing that
fits is one page walk, as before. A deeper one is split by the collection list's filters
(:mod:`hhsync.hh.deep_split`, hh.ru OpenAPI spec ``get-collection-negotiations-list``) until each
part's ``found`` fits, and each part is walked; a part no filter can shrink below the depth (its
applicants leave the fields out, or the part budget is spent) is walked in every order its
listing offers, each walk reaching a different 2,000. Orders come last, not first: a walk in
another order of a listing that gets split anyway would only read again what the parts list, so
the orders are spent where they add something. The union is kept once per id, and what hh.ru
counts beyond it is the gap: ``missing = max(0, total - len(union))``.

Every part is first asked for its page 0, which is both its ``found`` and the start of its walk.
The number of parts is bounded (``max_parts``), so one listing never costs more than
``max_parts`` probes plus the walks of what they found.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from hhsync.hh import deep_split
from hhsync.hh.errors import PageDepthExceeded
from hhsync.hh.models import Negotiation, NegotiationsPage
from hhsync.hh.paging import MAX_PER_PAGE_NEGOTIATIONS, PageWalk

STABLE_ORDER = "created_at"
"""The order no later activity changes ("По дате отклика"), used when the listing offers it."""
DEFAULT_MAX_PARTS = 400
"""Filtered parts one listing may be split into (each costs a request before its walk)."""

PageFetch = Callable[[str, Mapping[str, str]], Awaitable[NegotiationsPage]]
"""Ask hh.ru for one page: the listing's URL and the query (filters, order, page, per_page)."""


@dataclass(frozen=True)
class ListingTarget:
    """One listing to read: id, ``url``, its own ``order_types`` ids and ``counters.total``."""

    id: str
    url: str
    orders: tuple[str, ...]
    total: int


@dataclass(frozen=True)
class DeepRead:
    """What one listing gave: its negotiations (once per id) and what hh.ru would not list."""

    negotiations: list[Negotiation]
    missing: int
    """For a deep listing, ``max(0, total - len(negotiations))``, the total being the larger of
    the counters' and the unfiltered list's ``found``; 0 for one read whole in one walk."""
    requests: int
    parts: int
    """Filtered parts asked for (the unfiltered listing is one)."""
    deep: bool
    """Whether the listing was deeper than the depth (filters or orders were needed, or hh.ru
    refused a page as too deep)."""


def stable_order(offered: Sequence[str]) -> str | None:
    """The ``order_by`` a listing is walked in: :data:`STABLE_ORDER` if offered, else hh.ru's
    default (no ``order_by``): hh.ru refuses an order a listing does not offer."""
    return STABLE_ORDER if STABLE_ORDER in offered else None


async def read_listing(
    fetch: PageFetch,
    target: ListingTarget,
    *,
    depth: int | None,
    per_page: int = MAX_PER_PAGE_NEGOTIATIONS,
    max_parts: int = DEFAULT_MAX_PARTS,
) -> DeepRead:
    """Every negotiation of one listing that hh.ru lets us reach (see the module's text)."""
    reader = _Reader(fetch, target.url, depth, per_page)
    stable = stable_order(target.orders)
    root = deep_split.Part()
    root_first = await reader.first_page(root, stable)
    queue: deque[tuple[deep_split.Part, NegotiationsPage]] = deque([(root, root_first)])
    parts = 1
    while queue:
        part, first = queue.popleft()
        if depth is None or first.found <= depth:
            await reader.walk(part, stable, first)
            continue
        children = deep_split.split(part)
        if children is None or parts + len(children) > max_parts:
            # Nothing left to split on (or the budget is spent): each order reaches its own depth.
            for order in _orders(target.orders, stable):
                await reader.walk(part, order, first if order == stable else None)
            continue
        pages = {child: await reader.first_page(child, stable) for child in children}
        parts += len(children)
        answered = [(child, page.found) for child, page in pages.items()]
        for kept in deep_split.keep(part, first.found, answered, depth):
            queue.append((kept, pages.get(kept, first)))
    deep = reader.cut or (depth is not None and root_first.found > depth)
    found = list(reader.seen.values())
    # A listing read whole in one walk has no depth gap, whatever its counters say (hh.ru's
    # ``hidden_count``, lagging counters: the reconcile's business, not the depth's).
    total = max(target.total, root_first.found) if deep else len(found)
    return DeepRead(
        negotiations=found,
        missing=max(0, total - len(found)),
        requests=reader.requests,
        parts=parts,
        deep=deep,
    )


def _orders(offered: Sequence[str], stable: str | None) -> list[str | None]:
    """The stable order first, then every other order the listing offers."""
    return [stable, *(order for order in offered if order != stable)]


class _Reader:
    """The I/O side: pages of one listing's parts, the union by id, and the requests spent."""

    def __init__(self, fetch: PageFetch, url: str, depth: int | None, per_page: int) -> None:
        self._fetch = fetch
        self._url = url
        self._depth = depth
        self._per_page = min(per_page, MAX_PER_PAGE_NEGOTIATIONS)
        self.seen: dict[str, Negotiation] = {}
        self.requests = 0
        self.cut = False
        """A walk stopped at the depth before the end of its part."""

    async def first_page(self, part: deep_split.Part, order: str | None) -> NegotiationsPage:
        """Page 0 of a part: its ``found``, and the first page of its walk."""
        page = await self._page(part, order, 0)
        self._keep(page)
        return page

    async def walk(
        self, part: deep_split.Part, order: str | None, first: NegotiationsPage | None
    ) -> None:
        """Walk a part in one order as deep as hh.ru allows (``first``: page 0, asked already)."""
        walk = PageWalk(
            self._per_page, max_per_page=MAX_PER_PAGE_NEGOTIATIONS, max_depth_items=self._depth
        )
        request = walk.first()
        answer = first if first is not None else await self._page(part, order, request.page)
        while True:
            self._keep(answer)
            following = walk.next_after(
                page=answer.page, pages=answer.pages, item_ids=[n.id for n in answer.items]
            )
            if following is None:
                self.cut = self.cut or walk.truncated
                return
            try:
                answer = await self._page(part, order, following.page)
            except PageDepthExceeded:
                self.cut = True  # hh.ru's depth is shallower than ours: stop here
                return

    async def _page(self, part: deep_split.Part, order: str | None, page: int) -> NegotiationsPage:
        query = {**part.params(), "page": str(page), "per_page": str(self._per_page)}
        if order is not None:
            query["order_by"] = order
        self.requests += 1
        return await self._fetch(self._url, query)

    def _keep(self, page: NegotiationsPage) -> None:
        for negotiation in page.items:
            known = self.seen.get(negotiation.id)
            if known is None or negotiation.updated_at > known.updated_at:
                self.seen[negotiation.id] = negotiation
