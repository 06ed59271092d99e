"""Pure: whether a negotiation is a response or an invitation, from how it started.

hh.ru's ``state`` is the applicant's side of the negotiation *now*: a response becomes
``invitation`` (or ``discard``) as soon as the employer moves it with a message (hh.ru OpenAPI
spec, ``put-negotiations-collection-to-next-state``). So ``state`` tells the kind only while it is
still ``response``; otherwise the conversation's opener does: the applicant's cover letter opens a
response, the employer's letter (or silence) an invitation. What was stored first never changes.
"""

from __future__ import annotations

from enum import StrEnum

from hhsync.hh.models import Negotiation
from hhsync.model.kinds import NegotiationKind


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
    return None


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
