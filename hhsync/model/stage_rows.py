"""Pure: the rows of the settings page's stage table, shared by the page and the planner.

Simple mode has a row per way a negotiation starts; extended mode a row per employer state the
official app's guide lists, by hh.ru's state ids (hh.ru OpenAPI, ``employer_states``), plus the
invitation row for invitations in states without a row. hh.ru says the list of states depends on
the vacancy and the employer, so a state with no row is expected, not an error: the planner routes
it by :data:`FALLBACK_FAMILIES` or by its kind (:mod:`hhsync.sync.routing`) and says so once.
"""

from __future__ import annotations

from typing import Final

from hhsync.model.kinds import NegotiationKind

SIMPLE_KEYS: Final = (NegotiationKind.RESPONSE.value, NegotiationKind.INVITATION.value)
EXTENDED_KEYS: Final = (
    "response",
    NegotiationKind.INVITATION.value,
    "consider",
    "phone_interview",
    "assessment",
    "interview",
    "offer",
    "hired",
    "discard_by_employer",
    "discard_by_applicant",
)
FALLBACK_FAMILIES: Final = (("discard", "discard_by_employer"),)
"""``(family id, row)``: a state with no row of its own whose id is the family's or starts with it
and ``_`` uses that row (every refusal hh.ru names ``discard`` or ``discard_*`` goes where the
employer's refusal goes; the spec's ``employer_states`` example has ``discard`` «Отказ» and
``discard_after_interview`` «Отказ после интервью»)."""


def has_row(employer_state: str) -> bool:
    """Whether the extended stage table has a row of this state's own."""
    return employer_state in EXTENDED_KEYS


def family_row(employer_state: str) -> str | None:
    """The row a state without one of its own borrows from its family, if it has a family."""
    for family, row in FALLBACK_FAMILIES:
        member = employer_state == family or employer_state.startswith(f"{family}_")
        if member and employer_state != row:
            return row
    return None
