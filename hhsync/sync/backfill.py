"""Which budget priority a pass's resume and PDF fetches queue at: a big backlog goes behind.

hh.ru's per-address budget is shared by every portal of the process (:mod:`hhsync.hh.budget`).
A pass with more new responses than one create chunk (an initial import, a reconnected
account's backlog) opens a resume and a PDF for each of them: queued at back-fill priority they
take only what incremental work leaves, so every other portal's next pass is served first. A
small batch stays incremental: it is what the latency goal is about. Vacancy lists, watches and
listing pages always stay incremental: they are bounded and decide what is new.
"""

from __future__ import annotations

from collections.abc import Sequence

from hhsync.hh.budget import Priority
from hhsync.sync.actions import Action, AddActivity, CreateEntity
from hhsync.sync.apply.creates import CREATES_PER_BATCH


def enrich_priority(actions: Sequence[Action], *, forced: bool = False) -> Priority:
    """Back-fill when the pass fetches resumes for more than one create chunk (or ``forced``)."""
    fetching = sum(isinstance(a, CreateEntity | AddActivity) for a in actions)
    if forced or fetching > CREATES_PER_BATCH:
        return Priority.BACKFILL
    return Priority.INCREMENTAL
