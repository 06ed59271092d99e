"""Employer states beyond the fixed pipeline, and the employer-defined funnel stages of a vacancy.

hh.ru says the list of employer states "depends on the vacancy and the employer" and warns not to
rely on a state always mapping to one collection (hh.ru OpenAPI spec, "Отклики/приглашения
работодателя"). This module models both:

* the ``discard_*`` family public integrations meet (``discard_by_applicant``,
  ``discard_no_interaction``, ``discard_vacancy_closed``, ``discard_to_other_vacancy``; neither
  the spec nor the hhru/api docs name them: ``discard_vacancy_closed`` is the ``to_state`` of
  hh.ru's ``NEGOTIATION_EMPLOYER_STATE_CHANGE`` webhook in wygnd/bitrix24, the others are known
  from third-party clients' state tables only): no action reaches them (hh.ru sets them), and
  they all live in the refusal collection next to ``discard_by_employer``, so a collection id
  is not a state id;
* per-vacancy funnel stages (``funnel_stage`` and ``sub_collections`` in the spec's
  ``NegotiationsEmployerListResponse`` and collection-list examples): an employer adds a named
  sub-state to one collection of one vacancy; the collection then lists ``sub_collections``,
  exactly one of them the ``root_collection`` («Остальные») holding the members in no sub-state.
  The spec says nothing of what the collection's own ``url`` lists then; the stricter reading is
  taken: only the root sub-collection's members, while its ``counters.total`` counts them all (the
  spec's example: 5 = 2 + 3). A client reading only ``collections[].url`` misses the rest.

Pure data and rules; the store keeps a :class:`FunnelBook` and ``payloads`` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

# hh.ru sets these itself (no action leads to them); names are ours, ids as public integrations
# see them (see the module's docstring).
SYSTEM_DISCARD_STATES: Final[dict[str, str]] = {
    "discard_by_applicant": "Отказ соискателя",
    "discard_no_interaction": "Не выходит на связь",
    "discard_vacancy_closed": "Вакансия закрыта",
    "discard_to_other_vacancy": "Перевод на другую вакансию",
}
REFUSAL_COLLECTION: Final = "discard_by_employer"
"""The refusal collection («Отказ»): every ``discard_*`` state is listed there."""
WITHDRAWN_STATE: Final = "discard_by_applicant"
"""What the employer sees once the applicant withdraws a response."""
WITHDRAWN_APPLICANT_STATE: Final = "hidden"
"""Our reading of the applicant's side after a withdrawal: the applicant hid the response."""
ROOT_SUB_COLLECTION_NAME: Final = "Остальные"
"""The root sub-collection's name in the spec's examples."""
FIRST_FUNNEL_STAGE_ID: Final = 50_000


def collection_of(employer_state: str) -> str:
    """The collection a negotiation in ``employer_state`` is listed in."""
    if employer_state in SYSTEM_DISCARD_STATES:
        return REFUSAL_COLLECTION
    return employer_state


@dataclass(frozen=True)
class FunnelStage:
    """An employer-defined sub-state of one collection of one vacancy."""

    id: str
    vacancy_id: str
    collection: str
    name: str
    position: int
    """1-based among the collection's stages; its sub-collection id is ``<collection>_<n+1>``
    (``_1`` is the root sub-collection, as in the spec's example ``somecollection_1``)."""

    @property
    def sub_collection_id(self) -> str:
        """The id of the sub-collection that lists this stage's members."""
        return f"{self.collection}_{self.position + 1}"


def root_sub_collection_id(collection: str) -> str:
    """The id of a collection's root sub-collection."""
    return f"{collection}_1"


@dataclass
class FunnelBook:
    """The vacancies' funnel stages and which negotiation sits in which."""

    stages: dict[str, FunnelStage] = field(default_factory=dict)
    placement: dict[str, str] = field(default_factory=dict)
    """Negotiation id → funnel stage id; absent means the collection's root."""
    next_id: int = FIRST_FUNNEL_STAGE_ID

    def add_stage(self, vacancy_id: str, collection: str, name: str) -> FunnelStage:
        """A new sub-state of ``collection`` on ``vacancy_id``."""
        self.next_id += 1
        position = 1 + len(self.stages_of(vacancy_id, collection))
        stage = FunnelStage(str(self.next_id), vacancy_id, collection, name, position)
        self.stages[stage.id] = stage
        return stage

    def stages_of(self, vacancy_id: str, collection: str) -> list[FunnelStage]:
        """The stages of one collection of one vacancy, in the order they were added."""
        found = [
            s
            for s in self.stages.values()
            if s.vacancy_id == vacancy_id and s.collection == collection
        ]
        return sorted(found, key=lambda s: s.position)

    def stage_of(self, negotiation_id: str) -> FunnelStage | None:
        """The stage a negotiation sits in, if any."""
        stage_id = self.placement.get(negotiation_id)
        return None if stage_id is None else self.stages.get(stage_id)

    def place(self, negotiation_id: str, stage: FunnelStage) -> None:
        """Put a negotiation into a stage (the caller moved it to the stage's collection)."""
        self.placement[negotiation_id] = stage.id

    def leave(self, negotiation_id: str) -> None:
        """A negotiation changed state: it is in no sub-state any more."""
        self.placement.pop(negotiation_id, None)

    def sub_collection(self, vacancy_id: str, sub_id: str) -> tuple[str, FunnelStage | None] | None:
        """``(collection, stage)`` a sub-collection id names on a vacancy (stage None: the root),
        or None when the vacancy has no such sub-collection."""
        collection, _, number = sub_id.rpartition("_")
        if not collection or not number.isdigit():
            return None
        stages = self.stages_of(vacancy_id, collection)
        if not stages:
            return None
        if number == "1":
            return collection, None
        for stage in stages:
            if stage.sub_collection_id == sub_id:
                return collection, stage
        return None


def default_funnel_stage_id(employer_id: str, employer_state: str, states: list[str]) -> str:
    """The employer's stage id of a plain state (funnel stage ids are employer-specific)."""
    index = states.index(employer_state) if employer_state in states else len(states)
    return f"{employer_id}{index:02d}"
