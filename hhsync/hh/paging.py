"""hh.ru page walking: 0-based ``page``/``pages``, a ``per_page`` cap and a depth limit.

hh.ru refuses to list deeper than ``page * per_page`` items into a list (2000 in the spec for
its searches, 10,000 for negotiations in hhru/api #98 of 2015; today's limit for negotiation lists
is not documented, so 2000 is the default), and the walk stops before that depth and says the
listing was truncated instead of failing. The
walk also refuses to loop: a page hh.ru answers with another number than asked, or the very same
items as the page before, ends it with :class:`PagingLoop`. :class:`PageWalk` is pure;
:func:`walk_pages` drives it with an async fetch function.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from hhsync.hh.errors import PageDepthExceeded, PagingLoop
from hhsync.hh.models import Page

# The largest per_page each list accepts (hh.ru OpenAPI spec, the lists' ``per_page``).
MAX_PER_PAGE_NEGOTIATIONS = 50
MAX_PER_PAGE_ACTIVE_VACANCIES = 50
MAX_PER_PAGE_ARCHIVED_VACANCIES = 1000
MAX_PER_PAGE_MANAGERS = 200
# The stricter reading: hh.ru's spec states 2000 for its searches and nothing for negotiation
# lists; hhru/api#98 (2015) raised those to 10,000, which may no longer hold.
DEFAULT_MAX_DEPTH_ITEMS = 2000


@dataclass(frozen=True)
class PageRequest:
    """The page to ask for next."""

    page: int
    per_page: int


class PageWalk:
    """State of one walk through an hh.ru list (pure: no I/O, no clock)."""

    def __init__(self, per_page: int, *, max_per_page: int, max_depth_items: int | None) -> None:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        self.per_page = min(per_page, max_per_page)
        self.max_depth_items = max_depth_items
        self.truncated = False
        self._expected_page = 0
        self._previous_ids: tuple[str, ...] | None = None

    def first(self) -> PageRequest:
        """The first page to ask for."""
        return PageRequest(0, self.per_page)

    def within_depth(self, page: int) -> bool:
        """Whether hh.ru will serve ``page`` at this ``per_page`` (all of it inside the depth)."""
        if self.max_depth_items is None:
            return True
        return (page + 1) * self.per_page <= self.max_depth_items

    def next_after(self, *, page: int, pages: int, item_ids: Sequence[str]) -> PageRequest | None:
        """The page after the one hh.ru just answered, or ``None`` when the walk is over.

        Raises:
            PagingLoop: hh.ru answered another page than asked, or repeated the previous page.
        """
        if page != self._expected_page:
            raise PagingLoop(f"asked hh.ru for page {self._expected_page}, got page {page}")
        ids = tuple(item_ids)
        if ids and ids == self._previous_ids:
            raise PagingLoop(f"hh.ru answered page {page} with the same items as the page before")
        self._previous_ids = ids
        following = page + 1
        if following >= pages or not ids:
            return None
        if not self.within_depth(following):
            self.truncated = True
            return None
        self._expected_page = following
        return PageRequest(following, self.per_page)

    def refused_as_too_deep(self) -> None:
        """hh.ru refused a page as too deep although our limit allowed it: stop, say truncated."""
        self.truncated = True


_PageT = TypeVar("_PageT", bound=Page[Any])


async def walk_pages(
    walk: PageWalk, fetch: Callable[[PageRequest], Awaitable[_PageT]]
) -> AsyncIterator[_PageT]:
    """Yield every page ``fetch`` returns, as far as ``walk`` allows; a too-deep answer ends it."""
    request: PageRequest | None = walk.first()
    while request is not None:
        try:
            answer = await fetch(request)
        except PageDepthExceeded:
            if request.page == 0:
                raise
            walk.refused_as_too_deep()
            return
        yield answer
        request = walk.next_after(
            page=answer.page, pages=answer.pages, item_ids=[_item_id(i) for i in answer.items]
        )


def _item_id(item: BaseModel) -> str:
    return str(getattr(item, "id", ""))
