"""The kind of a negotiation comes from how it started, never from its current ``state``."""

from __future__ import annotations

from typing import Any

import pytest

from hhsync.hh.models import Negotiation
from hhsync.model.kinds import NegotiationKind
from hhsync.sync.negotiation_kind import guess_from_state, kind_from_opener, known_kind


def listed(state: str, employer_state: str = "phone_interview") -> Negotiation:
    payload: dict[str, Any] = {
        "id": "1400000123",
        "created_at": "2026-11-30T10:00:00+03:00",
        "updated_at": "2026-11-30T12:00:00+03:00",
        "state": {"id": state, "name": state},
        "employer_state": {"id": employer_state, "name": employer_state},
    }
    return Negotiation.model_validate(payload)


def test_a_stored_kind_wins_over_any_state() -> None:
    # Stored as a response, then invited: still a response; stored as an invitation, then the
    # applicant's state reads "response" somehow: still an invitation.
    assert known_kind(listed("invitation"), NegotiationKind.RESPONSE) is NegotiationKind.RESPONSE
    assert known_kind(listed("response"), NegotiationKind.INVITATION) is (
        NegotiationKind.INVITATION
    )


def test_an_untouched_applicant_state_is_a_response_without_asking() -> None:
    assert known_kind(listed("response", "response"), None) is NegotiationKind.RESPONSE


@pytest.mark.parametrize("state", ["invitation", "discard", "hidden"])
def test_a_moved_state_needs_the_opener(state: str) -> None:
    assert known_kind(listed(state), None) is None


@pytest.mark.parametrize(
    ("state", "employer_state"),
    [
        ("discard", "discard_no_interaction"),
        ("discard", "discard_vacancy_closed"),
        ("discard", "discard_to_other_vacancy"),
        ("hidden", "discard_by_applicant"),
    ],
)
def test_a_refusal_hh_ru_set_itself_is_a_response_without_reading(
    state: str, employer_state: str
) -> None:
    # Reading the conversation would mark an unread response viewed; nobody took these up.
    assert known_kind(listed(state, employer_state), None) is NegotiationKind.RESPONSE


def test_an_applicant_refusal_still_showing_an_invitation_needs_the_opener() -> None:
    assert known_kind(listed("invitation", "discard_by_applicant"), None) is None


@pytest.mark.parametrize(
    ("author", "kind"),
    [
        ("applicant", NegotiationKind.RESPONSE),
        ("employer", NegotiationKind.INVITATION),
        (None, NegotiationKind.INVITATION),
    ],
)
def test_the_opener_tells_the_kind(author: str | None, kind: NegotiationKind) -> None:
    assert kind_from_opener(author) is kind


def test_the_fallback_guess_reads_the_state() -> None:
    assert guess_from_state(listed("invitation")) is NegotiationKind.INVITATION
    assert guess_from_state(listed("discard", "discard_by_employer")) is NegotiationKind.RESPONSE
    assert guess_from_state(listed("response", "invitation")) is NegotiationKind.INVITATION
