"""Pure: whether a negotiation is a response or an invitation, from how it started.

hh.ru's ``state`` is the applicant's side of the negotiation *now*: a response becomes
``invitation`` (or ``discard``) as soon as the employer moves it with a message (hh.ru OpenAPI
spec, ``put-negotiations-collection-to-next-state``). So ``state`` tells the kind only while it is
still ``response``; otherwise the conversation's opener does: the applicant's cover letter opens a
response, the employer's letter (or silence) an invitation. What was stored first never changes.

Reading the conversation marks a response viewed by the employer (hh.ru OpenAPI spec, tag
«Отклики/приглашения работодателя»), so it is asked only where the employer has acted already.
The ``discard_*`` employer states hh.ru sets by itself (not in the spec; known from public
integrations, ``tests/sandbox/hh/test_hh_sandbox_states.py`` names them) are not such an act:
``discard_no_interaction`` (nobody answered the applicant), ``discard_vacancy_closed`` (the
vacancy closed under it), ``discard_to_other_vacancy`` (hh.ru moved the applicant elsewhere) and
a withdrawal (``discard_by_applicant`` with the applicant's side ``hidden``). They refuse what an
applicant sent and the employer never took up, so they are read as responses without a request;
an invitation is the employer's own act and keeps the employer states it was sent or moved with.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from hhsync.hh.models import Negotiation
from hhsync.model.kinds import NegotiationKind

SYSTEM_REFUSALS: Final = frozenset(
    {"discard_no_interaction", "discard_vacancy_closed", "discard_to_other_vacancy"}
)
"""Employer states hh.ru sets itself on a response nobody took up."""
WITHDRAWN_STATE: Final = "discard_by_applicant"
WITHDRAWN_APPLICANT_STATE: Final = "hidden"
"""The applicant's side of a withdrawn response: the applicant hid it."""


class KindSource(StrEnum):
    """How the kind of a negotiation was told (for the log)."""

    STORED = "stored"
    STATE = "state"
    OPENER = "opener"
    GUESS = "guess"


def known_kind(negotiation: Negotiation, stored: NegotiationKind | None) -> NegotiationKind | None:
    """The kind without asking hh.ru anything more, or ``None`` when its opener must be read."""
    if stored is not None:
        return stored  # the database knows what we saw first: a kind never flips
    if negotiation.state.id == "response":
        return NegotiationKind.RESPONSE  # the applicant's side untouched: the applicant started it
    if is_system_refusal(negotiation):
        return NegotiationKind.RESPONSE  # refused by hh.ru or withdrawn, never taken up
    return None


def is_system_refusal(negotiation: Negotiation) -> bool:
    """Whether hh.ru itself (or the applicant's withdrawal) refused it, with no employer act."""
    employer_state = negotiation.employer_state.id if negotiation.employer_state else ""
    if employer_state in SYSTEM_REFUSALS:
        return True
    return employer_state == WITHDRAWN_STATE and negotiation.state.id == WITHDRAWN_APPLICANT_STATE


def kind_from_opener(author: str | None) -> NegotiationKind:
    """The applicant's first message is a response's cover letter; an employer's first message,
    or none at all, is an invitation."""
    return NegotiationKind.RESPONSE if author == "applicant" else NegotiationKind.INVITATION


def guess_from_state(negotiation: Negotiation) -> NegotiationKind:
    """The fallback when the conversation cannot be read: an applicant state or employer state
    ``invitation`` is taken for an invitation (wrong for a response invited since)."""
    employer_state = negotiation.employer_state.id if negotiation.employer_state else ""
    if negotiation.state.id == "invitation" or employer_state == "invitation":
        return NegotiationKind.INVITATION
    return NegotiationKind.RESPONSE
