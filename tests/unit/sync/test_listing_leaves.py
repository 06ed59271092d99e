"""The leaf listings of a vacancy: funnel sub-collections, or collections without any (hh.ru
OpenAPI spec, ``NegotiationsObjectsStates``: a collection's total counts its sub-collections')."""

from __future__ import annotations

from typing import Any

from hhsync.hh.models import NegotiationCollections
from hhsync.sync.listing_reads import Leaf, leaves_of

CREATED = {"id": "created_at", "name": "По дате отклика"}


def listing(listing_id: str, total: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": listing_id,
        "name": listing_id,
        "url": f"https://api.hh.ru/negotiations/{listing_id}?vacancy_id=1",
        "counters": {"total": total},
        **extra,
    }


def test_sub_collections_replace_their_collection_as_leaves() -> None:
    collections = NegotiationCollections.model_validate(
        {
            "collections": [
                listing("response", 7, order_types=[CREATED]),
                listing(
                    "interview",
                    5,
                    order_types=[CREATED],
                    sub_collections=[
                        listing("interview_1", 2, root_collection=True),
                        listing("interview_2", 3, order_types=[CREATED]),
                    ],
                ),
            ]
        }
    )
    leaves = leaves_of(collections)
    assert [(leaf.id, leaf.total, leaf.order_by) for leaf in leaves] == [
        ("response", 7, "created_at"),
        ("interview_1", 2, None),  # offers no created_at order: hh.ru's default
        ("interview_2", 3, "created_at"),
    ]
    assert all(isinstance(leaf, Leaf) and leaf.url.startswith("https://") for leaf in leaves)
