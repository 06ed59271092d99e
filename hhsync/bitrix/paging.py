"""PURE paginators for Bitrix24 list methods (Bitrix24 REST docs, list-methods-pecularities.md).

* :class:`StartPager`: the documented ``start``/``next``/``total`` paging, 50 rows a page; a
  ``next`` seen twice is a loop and stops with an error instead of spinning forever.
* :class:`IdCursorPager`: the fast way for large lists: ``order={"ID": "ASC"}``, ``filter={">ID":
  last}``, ``start=-1`` (no counting), until a page has fewer than 50 rows; a cursor that does not
  advance is a stall and stops with an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from hhsync.errors import Fatal

PAGE_SIZE: Final = 50


class PagingError(Fatal):
    """The portal's paging went round in a circle or stopped advancing.

    Fatal, not Retriable: the pagers are pure and see only the pages; a page asked for twice or
    a cursor that does not move means the portal and this client disagree about the list, and
    listing it again from the start would meet the same page (hh.ru's ``PagingLoop`` is Fatal
    for the same reason). Reading on would spin forever or count rows twice.
    """


@dataclass
class StartPager:
    """``start`` paging; call :meth:`next_start` with each page's ``next`` (None when absent)."""

    _seen: set[int] = field(default_factory=lambda: {0})

    def first_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Params of the first page."""
        return {**params, "start": 0}

    def next_params(
        self, params: Mapping[str, Any], next_start: int | None
    ) -> dict[str, Any] | None:
        """Params of the following page, or None when the list is complete."""
        if next_start is None:
            return None
        if next_start in self._seen:
            raise PagingError(f"list paging loops: start={next_start} was already read")
        self._seen.add(next_start)
        return {**params, "start": next_start}


@dataclass
class IdCursorPager:
    """Keyset paging on ``ID`` with ``start=-1``; ``id_field`` names the id column.

    The docs' recipe for large lists (Bitrix24 REST docs, settings/performance/huge-data.md).
    """

    id_field: str = "ID"
    after_id: int = 0

    def first_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Params of the first page (rows with ``ID > after_id``)."""
        return self._params(params)

    def next_params(
        self, params: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any] | None:
        """Params after ``rows``, or None when that page was the last one."""
        if len(rows) < PAGE_SIZE:
            return None
        last = max(int(row[self.id_field]) for row in rows)
        if last <= self.after_id:
            raise PagingError(f"id cursor stalled at {self.id_field}={last}")
        self.after_id = last
        return self._params(params)

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        base_filter = dict(params.get("filter") or {})
        base_filter[f">{self.id_field}"] = self.after_id
        return {**params, "filter": base_filter, "order": {self.id_field: "ASC"}, "start": -1}
