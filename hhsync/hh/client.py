"""The typed hh.ru client: every hh.ru API call hhsync makes, parsed into :mod:`hhsync.hh.models`.

Requests go out through :class:`hhsync.hh.rest.HhRest` (budget, auth, retries, error mapping);
this module knows the endpoints, their parameters and how their lists are paged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from hhsync.hh import deep_listing
from hhsync.hh.budget import Priority, RequestBudget
from hhsync.hh.deep_listing import DEFAULT_MAX_PARTS, DeepRead, ListingTarget, read_listing
from hhsync.hh.models import (
    IdName,
    Manager,
    ManagersPage,
    Me,
    Negotiation,
    NegotiationCollection,
    NegotiationCollections,
    NegotiationMessagesPage,
    NegotiationsPage,
    NegotiationSubCollection,
    Page,
    Resume,
    VacanciesPage,
    Vacancy,
)
from hhsync.hh.paging import (
    DEFAULT_MAX_DEPTH_ITEMS,
    MAX_PER_PAGE_ACTIVE_VACANCIES,
    MAX_PER_PAGE_ARCHIVED_VACANCIES,
    MAX_PER_PAGE_MANAGERS,
    MAX_PER_PAGE_NEGOTIATIONS,
    PageRequest,
    PageWalk,
    walk_pages,
)
from hhsync.hh.rest import (
    DEFAULT_BASE_URL,
    DEFAULT_TRUSTED_HOSTS,
    EVENT_HH_RETRY,
    PDF_MAGIC,
    HhRest,
    RetryPolicy,
    new_http_client,
    user_agent,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_PDF_MAX_BYTES",
    "DEFAULT_TRUSTED_HOSTS",
    "EVENT_HH_RETRY",
    "PDF_MAGIC",
    "HhClient",
    "Listing",
    "ListingPages",
    "RetryPolicy",
    "new_http_client",
    "user_agent",
]

DEFAULT_PDF_MAX_BYTES = 10 * 1024 * 1024
FIRST_MESSAGES_PER_PAGE = 20
"""Messages read to find who opened a conversation (hh.ru's default page size)."""
STABLE_ORDER = deep_listing.STABLE_ORDER
"""The collection order no later activity changes ("По дате отклика")."""

_PageT = TypeVar("_PageT", bound=Page[Any])


def stable_order(offered: Sequence[IdName]) -> str | None:
    """The ``order_by`` to list one collection or sub-collection with: :data:`STABLE_ORDER` if its
    own ``order_types`` offer it, else hh.ru's default (no ``order_by`` at all)."""
    return deep_listing.stable_order([order.id for order in offered])


def _merge(
    seen: dict[str, Negotiation],
    listed_in: dict[str, str],
    negotiations: Sequence[Negotiation],
    listing_id: str,
) -> None:
    """Keep each negotiation once, its later-updated copy, with the listing that copy was found
    in. Sub-collections are merged before their collection, so a negotiation both list (a
    collection's own url may list its sub-collections' members too) keeps its sub-collection,
    the precise leaf."""
    for negotiation in negotiations:
        known = seen.get(negotiation.id)
        if known is None or negotiation.updated_at > known.updated_at:
            seen[negotiation.id] = negotiation
            listed_in[negotiation.id] = listing_id


@dataclass(frozen=True)
class Listing:
    """All negotiations of a vacancy, deduplicated by id, and what hh.ru would not list."""

    negotiations: list[Negotiation]
    truncated_collections: list[str] = field(default_factory=list)
    """Listings a gap remains in: hh.ru counts more than the deepest read it allows gave."""
    missing: int = 0
    """Negotiations hh.ru counts that no read could list, summed over the collections."""
    listed_in: dict[str, str] = field(default_factory=dict)
    """Negotiation id -> the leaf listing it was found in: its funnel sub-collection if one
    listed it, else its collection (``negotiation.hh_listing``)."""


class ListingPages:
    """One listing's pages in one order, as far as the depth allows; iterate with ``async for``
    (stop early by leaving the loop) and then ask :attr:`truncated`."""

    def __init__(
        self, walk: PageWalk, fetch: Callable[[PageRequest], Awaitable[NegotiationsPage]]
    ) -> None:
        self._walk = walk
        self._pages = self._walked(fetch)

    async def _walked(
        self, fetch: Callable[[PageRequest], Awaitable[NegotiationsPage]]
    ) -> AsyncGenerator[NegotiationsPage, None]:
        async for page in walk_pages(self._walk, fetch):
            yield page

    def __aiter__(self) -> AsyncIterator[NegotiationsPage]:
        return self._pages

    async def aclose(self) -> None:
        """End a walk left early (``contextlib.aclosing``)."""
        await self._pages.aclose()

    @property
    def truncated(self) -> bool:
        """Whether the walk stopped at the depth limit with pages left."""
        return self._walk.truncated


class HhClient:
    """hh.ru API calls of one account, parsed into models; errors are :mod:`hhsync.hh.errors`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        auth: httpx.Auth | None,
        budget: RequestBudget,
        account_key: str,
        priority: Priority = Priority.INCREMENTAL,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_depth_items: int | None = DEFAULT_MAX_DEPTH_ITEMS,
        trusted_hosts: frozenset[str] = DEFAULT_TRUSTED_HOSTS,
        base_url: str | None = None,
        deep_max_parts: int = DEFAULT_MAX_PARTS,
    ) -> None:
        own_hosts = {http.base_url.host} | ({httpx.URL(base_url).host} if base_url else set())
        self._rest = HhRest(
            http,
            auth=auth,
            budget=budget,
            account_key=account_key,
            priority=priority,
            retry=retry or RetryPolicy(),
            sleep=sleep,
            trusted_hosts=trusted_hosts | own_hosts,
            base_url=base_url,
        )
        self._max_depth_items = max_depth_items
        self._deep_max_parts = deep_max_parts

    def with_priority(self, priority: Priority) -> HhClient:
        """The same account's client, queued at another budget priority (back-fills)."""
        rest = self._rest
        return HhClient(
            rest.http,
            auth=rest.auth,
            budget=rest.budget,
            account_key=rest.account_key,
            priority=priority,
            retry=rest.retry,
            sleep=rest.sleep,
            max_depth_items=self._max_depth_items,
            trusted_hosts=rest.trusted_hosts,
            base_url=rest.base_url,
            deep_max_parts=self._deep_max_parts,
        )

    # --- who am I ---------------------------------------------------------------------------

    async def me(self) -> Me:
        """The logged-in manager: ``employer.id`` and ``manager.id`` drive every later call."""
        return await self._rest.get_model("/me", Me)

    async def invalidate_token(self) -> None:
        """``DELETE /token``: hh.ru kills the account's pair; its refresh token stops working too.

        hh.ru invalidates only a live access token (hh.ru OpenAPI spec, ``invalidate-token``), so
        an expired one is refreshed first by the account's auth, like any other call.
        """
        await self._rest.send("DELETE", "/token")

    async def managers(self, employer_id: str) -> list[Manager]:
        """Every manager of the company (for per-manager vacancy lists and routing)."""
        path = f"/employers/{employer_id}/managers"
        walk = self._walk(MAX_PER_PAGE_MANAGERS, MAX_PER_PAGE_MANAGERS)
        return [
            manager
            async for page in walk_pages(walk, self._pager(path, ManagersPage))
            for manager in page.items
        ]

    # --- vacancies --------------------------------------------------------------------------

    async def active_vacancies(
        self, employer_id: str, *, all_accessible: bool = True, manager_id: str | None = None
    ) -> list[Vacancy]:
        """The employer's active vacancies with counters, all pages (50 a page, hh.ru's cap).

        ``all_accessible`` lists the vacancies of every manager this one may see; hh.ru forbids
        combining it with ``manager_id`` (hh.ru OpenAPI spec, vacancy list parameters), so a
        given ``manager_id`` wins.
        """
        params: dict[str, str] = {}
        if manager_id is not None:
            params["manager_id"] = manager_id
        elif all_accessible:
            params["all_accessible"] = "true"
        path = f"/employers/{employer_id}/vacancies/active"
        walk = self._walk(MAX_PER_PAGE_ACTIVE_VACANCIES, MAX_PER_PAGE_ACTIVE_VACANCIES)
        return [
            vacancy
            async for page in walk_pages(walk, self._pager(path, VacanciesPage, params))
            for vacancy in page.items
        ]

    async def archived_vacancies(
        self, employer_id: str, *, manager_id: str | None = None, per_page: int = 100
    ) -> list[Vacancy]:
        """The employer's archived vacancies (counters: responses and invitations only)."""
        params = {"manager_id": manager_id} if manager_id is not None else {}
        path = f"/employers/{employer_id}/vacancies/archived"
        walk = self._walk(per_page, MAX_PER_PAGE_ARCHIVED_VACANCIES)
        return [
            vacancy
            async for page in walk_pages(walk, self._pager(path, VacanciesPage, params))
            for vacancy in page.items
        ]

    # --- negotiations -----------------------------------------------------------------------

    async def negotiation_collections(self, vacancy_id: str) -> NegotiationCollections:
        """The collections of one vacancy, with totals to compare against the last pass."""
        return await self._rest.get_model(
            "/negotiations", NegotiationCollections, {"vacancy_id": vacancy_id}
        )

    async def negotiation_pages(
        self, collection_url: str, *, order_by: str | None = None, per_page: int = 50
    ) -> AsyncIterator[NegotiationsPage]:
        """Page through one collection (its ``url`` as hh.ru gave it), 50 a page at most."""
        params = {"order_by": order_by} if order_by is not None else {}
        walk = self._walk(per_page, MAX_PER_PAGE_NEGOTIATIONS)
        async for page in walk_pages(walk, self._pager(collection_url, NegotiationsPage, params)):
            yield page

    async def collection_negotiations(
        self, collection_url: str, *, order_by: str | None = None
    ) -> tuple[list[Negotiation], bool]:
        """Every negotiation of one collection, and whether the depth limit cut the list short."""
        params = {"order_by": order_by} if order_by is not None else {}
        walk = self._walk(MAX_PER_PAGE_NEGOTIATIONS, MAX_PER_PAGE_NEGOTIATIONS)
        items = [
            negotiation
            async for page in walk_pages(
                walk, self._pager(collection_url, NegotiationsPage, params)
            )
            for negotiation in page.items
        ]
        return items, walk.truncated

    def listing_pages(self, listing_url: str, *, order_by: str | None = None) -> ListingPages:
        """The pages of one collection or sub-collection (its ``url`` as hh.ru gave it), 50 a
        page, in ``order_by`` (hh.ru's default when None): for a walk that stops as soon as it
        has what it came for (:mod:`hhsync.sync.listing_reads`)."""
        params = {"order_by": order_by} if order_by is not None else {}
        walk = self._walk(MAX_PER_PAGE_NEGOTIATIONS, MAX_PER_PAGE_NEGOTIATIONS)
        return ListingPages(walk, self._pager(listing_url, NegotiationsPage, params))

    async def vacancy_negotiations(
        self, vacancy_id: str, collections: NegotiationCollections | None = None
    ) -> Listing:
        """Every negotiation of a vacancy: all its collections and their funnel sub-collections,
        deduplicated by id, each listing read as deep as hh.ru allows
        (:func:`hhsync.hh.deep_listing.read_listing`: filters, then orders, past the depth).

        hh.ru does not say whether a collection's own ``url`` lists the members of its
        ``sub_collections`` (hh.ru OpenAPI spec, ``NegotiationsObjectsStates``), so both are read
        and each negotiation is kept once; a collection's gap is what its ``counters.total``
        counts beyond everything read from it and its sub-collections.

        hh.ru computes each page per request (it documents no stable paging). Its default order
        follows the applicant's activity, so an applicant writing while we page would jump to a
        page already read; a collection or sub-collection whose own ``order_types`` offer
        ``created_at`` is listed in that order, which nothing re-sorts (hh.ru answers 400
        ``bad_argument`` for an order a listing does not offer, and a sub-collection's orders need
        not be its parent's). A new negotiation then lands on page 0 (seen next pass, its counters
        moved) and shifts the rest down (seen twice, kept once, the later-updated copy). A
        negotiation that *leaves* the collection while we page (a state change) shifts the rest up,
        so one may be missed until the vacancy's next full read (ARCHITECTURE.md, "Reading hh.ru").

        ``collections``: the vacancy's collections as just read (the state watch), so they are
        not asked again.
        """
        if collections is None:
            collections = await self.negotiation_collections(vacancy_id)
        listed_in: dict[str, str] = {}
        seen: dict[str, Negotiation] = {}
        truncated: list[str] = []
        missing = 0
        for collection in collections.collections:
            read = await self._read_listing(collection)
            union = {n.id for n in read.negotiations}
            subs_missing = 0
            deep = read.deep
            for sub in collection.sub_collections:
                sub_read = await self._read_listing(sub)
                union.update(n.id for n in sub_read.negotiations)
                subs_missing += sub_read.missing
                deep = deep or sub_read.deep
                _merge(seen, listed_in, sub_read.negotiations, sub.id)
                if sub_read.missing:
                    truncated.append(sub.id)
            _merge(seen, listed_in, read.negotiations, collection.id)
            gap = read.missing
            if collection.sub_collections:
                # its own url may list only part of what it counts; the sub-collections list it
                counted = collection.counters.total - len(union) if deep else 0
                gap = max(subs_missing, counted, 0)
            if gap:
                truncated.append(collection.id)
            missing += gap
        return Listing(list(seen.values()), list(dict.fromkeys(truncated)), missing, listed_in)

    async def _read_listing(
        self, listing: NegotiationCollection | NegotiationSubCollection
    ) -> DeepRead:
        """One collection or sub-collection, as deep as hh.ru allows."""
        target = ListingTarget(
            listing.id,
            listing.url,
            tuple(order.id for order in listing.order_types),
            listing.counters.total,
        )

        async def fetch(url: str, query: Mapping[str, str]) -> NegotiationsPage:
            return await self._rest.get_model(url, NegotiationsPage, query)

        return await read_listing(
            fetch, target, depth=self._max_depth_items, max_parts=self._deep_max_parts
        )

    async def negotiation(self, negotiation_id: str) -> Negotiation:
        """One negotiation with its vacancy (``GET /negotiations/{id}``)."""
        return await self._rest.get_model(f"/negotiations/{negotiation_id}", Negotiation)

    async def first_message_author(self, negotiation_id: str) -> str | None:
        """Who opened the negotiation's conversation (``applicant``/``employer``), or ``None``
        when it has no message: one request, the first page of ``GET /negotiations/{nid}/messages``.

        hh.ru lists the conversation oldest first (hh.ru OpenAPI spec, example
        ``NegotiationsMessageGet``); the earliest ``created_at`` of the page is taken anyway, so a
        page in the other order still names the opener whenever the page holds the whole talk.
        Reading the conversation marks a response viewed by the employer (hh.ru OpenAPI spec);
        the sync asks only when the applicant-side state moved on by the employer's own move (or
        invitation), never for the ``discard_*`` states hh.ru sets itself
        (:func:`hhsync.sync.negotiation_kind.known_kind`), so nothing unread is marked.
        """
        page = await self._rest.get_model(
            f"/negotiations/{negotiation_id}/messages",
            NegotiationMessagesPage,
            {"page": "0", "per_page": str(FIRST_MESSAGES_PER_PAGE)},
        )
        if not page.items:
            return None
        first = min(enumerate(page.items), key=lambda pair: (pair[1].created_at, pair[0]))[1]
        return first.author.participant_type

    async def change_state(self, action_url: str, *, message: str | None = None) -> None:
        """Apply an action from ``negotiation.actions`` (``PUT`` its ``url``; 204 on success).

        Without ``message`` the move is silent for the applicant; an empty message is refused by
        hh.ru (``403 empty_message``), so it is not sent at all.
        """
        form = {"message": message} if message else None
        await self._rest.send("PUT", action_url, data=form)

    # --- resumes ----------------------------------------------------------------------------

    async def resume(self, resume_url: str) -> Resume:
        """The full resume with contacts, from the negotiation's ``resume.url``.

        That URL carries ``topic_id``: fetching it marks the response viewed and counts against
        the manager's daily view limit (``ViewLimitExceeded``), so a 5xx or a broken answer is not
        repeated here (:class:`~hhsync.hh.rest.RetryPolicy`: at most one view per call).
        """
        return await self._rest.get_model(resume_url, Resume, counted=True)

    async def resume_pdf(self, pdf_url: str, *, max_bytes: int = DEFAULT_PDF_MAX_BYTES) -> bytes:
        """Download the resume PDF (``resume.actions.download.pdf.url``), streamed and size-capped;
        an open hh.ru counts, so retried only where it cannot have been counted.

        Raises:
            ResumePdfTooLarge: the file is bigger than ``max_bytes``.
            InvalidPayload: the body is not a PDF.
        """
        return await self._rest.download_pdf(pdf_url, max_bytes)

    # --- paging ----------------------------------------------------------------------------

    def _walk(self, per_page: int, max_per_page: int) -> PageWalk:
        return PageWalk(per_page, max_per_page=max_per_page, max_depth_items=self._max_depth_items)

    def _pager(
        self, url: str, model: type[_PageT], params: Mapping[str, str] | None = None
    ) -> Callable[[PageRequest], Awaitable[_PageT]]:
        async def fetch(request: PageRequest) -> _PageT:
            query = {**(params or {}), "page": str(request.page), "per_page": str(request.per_page)}
            return await self._rest.get_model(url, model, query)

        return fetch
