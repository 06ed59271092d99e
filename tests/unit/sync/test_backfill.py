"""Which budget priority a pass's resume and PDF fetches go at (pure)."""

from __future__ import annotations

from hhsync.db.tables import EntityType, NegotiationKind
from hhsync.hh.budget import Priority
from hhsync.sync.actions import Action, AddActivity, CreateEntity, UpdateEntity
from hhsync.sync.apply.creates import CREATES_PER_BATCH
from hhsync.sync.backfill import enrich_priority


def creates(count: int) -> list[Action]:
    return [
        CreateEntity(
            str(n), "v1", NegotiationKind.RESPONSE, "response", EntityType.LEAD, "NEW", str(n)
        )
        for n in range(count)
    ]


def test_one_chunk_of_new_responses_stays_incremental() -> None:
    assert enrich_priority(creates(CREATES_PER_BATCH)) == Priority.INCREMENTAL
    assert enrich_priority([]) == Priority.INCREMENTAL


def test_more_than_one_chunk_is_a_backfill() -> None:
    assert enrich_priority(creates(CREATES_PER_BATCH + 1)) == Priority.BACKFILL


def test_activity_adds_fetch_resumes_too_and_updates_fetch_none() -> None:
    adds: list[Action] = [
        AddActivity("a", "v1", NegotiationKind.RESPONSE, "response", EntityType.LEAD, 1)
    ]
    updates: list[Action] = [
        UpdateEntity(str(n), EntityType.LEAD, n) for n in range(3 * CREATES_PER_BATCH)
    ]
    assert enrich_priority([*creates(CREATES_PER_BATCH), *adds]) == Priority.BACKFILL
    assert enrich_priority([*creates(1), *updates]) == Priority.INCREMENTAL


def test_an_operator_may_ask_for_backfill_whatever_the_size() -> None:
    assert enrich_priority(creates(1), forced=True) == Priority.BACKFILL
