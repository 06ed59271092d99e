"""Orders of a negotiation collection (``order_by``, from the collection's ``order_types``).

hh.ru names its default order ``last_change_time_except_employer_inbox`` "По дате создания и
активности соискателя" (hh.ru OpenAPI spec, example ``NegotiationsEmployerListResponse``): a
negotiation moves up when it is created or the applicant acts, never when the employer moves it.
``created_at`` ("По дате отклика") and ``relevance`` ("лучшие") are the other order types the spec
lists. Newest first in every order, ties broken by id so pages never overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from hhsync.sandbox.hh.payloads import DEFAULT_ORDER, ORDER_TYPES
from hhsync.sandbox.hh.store import Negotiation

__all__ = ["DEFAULT_ORDER", "ORDER_TYPES", "applicant_activity", "ordered"]


def applicant_activity(negotiation: Negotiation) -> datetime:
    """When the applicant last acted: the response itself, or a later message of theirs."""
    return negotiation.applicant_activity_at or negotiation.created_at


_KEYS: dict[str, Callable[[Negotiation], Any]] = {
    DEFAULT_ORDER: lambda n: (applicant_activity(n), int(n.id)),
    "created_at": lambda n: (n.created_at, int(n.id)),
    "relevance": lambda n: (n.relevance, int(n.id)),
}


def ordered(negotiations: Iterable[Negotiation], order_by: str) -> list[Negotiation]:
    """The collection in ``order_by`` order (a key of :data:`ORDER_TYPES`, checked by the route)."""
    return sorted(negotiations, key=_KEYS[order_by], reverse=True)
