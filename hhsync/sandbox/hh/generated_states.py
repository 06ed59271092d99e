"""The generator's share of the less common states: refusals hh.ru sets itself, applicants who
withdrew, and employer-defined funnel stages (:mod:`hhsync.sandbox.hh.states`).

Run after the main generator with its own seeded ``random.Random``, so the rest of the world stays
what the seed always made.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Final

from hhsync.sandbox.hh.states import (
    REFUSAL_COLLECTION,
    SYSTEM_DISCARD_STATES,
    WITHDRAWN_APPLICANT_STATE,
    WITHDRAWN_STATE,
)
from hhsync.sandbox.hh.store import HhStore

# Employer-defined stage names (the kind HR teams add); which collection each refines.
FUNNEL_STAGE_NAMES: Final = (
    ("interview", "Интервью с руководителем"),
    ("phone_interview", "Не дозвонились"),
    (REFUSAL_COLLECTION, "Кадровый резерв"),
)
SYSTEM_STATE_SHARE: Final = 0.1
"""About one negotiation in ten ends in a refusal hh.ru set."""


def add_generated_states(store: HhStore, rng: random.Random) -> None:
    """Move a share of the responses into the ``discard_*`` states (some left unread, as nobody
    took them up) and give every second active vacancy a funnel stage with members."""
    system_states = sorted(SYSTEM_DISCARD_STATES)
    for negotiation in sorted(store.negotiations.values(), key=lambda n: int(n.id)):
        if rng.random() >= SYSTEM_STATE_SHARE:
            continue
        state = system_states[rng.randrange(len(system_states))]
        hours = rng.randint(1, 72)
        if negotiation.initiator != "applicant":
            continue  # hh.ru refuses (or the applicant withdraws) responses nobody took up
        negotiation.employer_state = state
        # The employer did nothing: a response still unread stays unread every second time.
        left_unread = int(negotiation.id) % 2 == 0
        negotiation.viewed_by_employer = negotiation.viewed_by_employer or not left_unread
        negotiation.updated_at = negotiation.created_at + timedelta(hours=hours)
        if state == WITHDRAWN_STATE:
            negotiation.applicant_state = WITHDRAWN_APPLICANT_STATE
    active = sorted((v for v in store.vacancies.values() if not v.archived), key=lambda v: v.id)
    for index, vacancy in enumerate(active[::2]):
        collection, name = FUNNEL_STAGE_NAMES[index % len(FUNNEL_STAGE_NAMES)]
        stage = store.funnels.add_stage(vacancy.id, collection, name)
        members = [
            n
            for n in sorted(store.negotiations_of(vacancy.id), key=lambda n: int(n.id))
            if n.employer_state in ("consider", collection)
        ]
        for negotiation in members[: max(1, len(members) // 3)]:
            if collection != REFUSAL_COLLECTION or not negotiation.employer_state.startswith(
                "discard"
            ):
                negotiation.employer_state = collection
            store.funnels.place(negotiation.id, stage)
            negotiation.viewed_by_employer = True
