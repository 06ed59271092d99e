"""Message history of a sandbox negotiation, as ``GET /negotiations/{nid}/messages`` shows it.

hh.ru keeps one conversation per negotiation (hh.ru OpenAPI spec, ``get-negotiation-messages``):
the applicant's cover letter of a response, the employer's letter sent with a state change, and
free messages of either side. Each message carries the author (``author.participant_type``) and
the applicant-side state it set (``text`` for a free message, as in the spec's example). The
list is oldest first, as in the spec's example; :mod:`message_payloads` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hhsync.sandbox.hh.store import Negotiation

# The applicant-side states a message can carry, with the names hh.ru gives them.
MESSAGE_STATES: dict[str, str] = {
    "response": "Отклик",
    "invitation": "Приглашение",
    "discard": "Отказ",
    "text": "Текст",
}
COVER_LETTER = "Здравствуйте! Меня заинтересовала ваша вакансия, буду рад обсудить детали."


@dataclass(frozen=True)
class Message:
    """One message of the conversation."""

    id: str
    author: str  # "applicant" | "employer" (``author.participant_type``)
    state: str  # a key of MESSAGE_STATES
    text: str | None  # a cover letter may be empty (``text: null`` in the spec)
    at: datetime


def _next_id(negotiation: Negotiation) -> str:
    return f"{negotiation.id}{len(negotiation.history) + 1:03d}"


def open_conversation(negotiation: Negotiation) -> None:
    """A response starts with the applicant's cover letter (empty for some, as hh.ru allows)."""
    if negotiation.initiator != "applicant" or negotiation.history:
        return
    letter = None if int(negotiation.id) % 5 == 0 else COVER_LETTER
    negotiation.history.append(
        Message(_next_id(negotiation), "applicant", "response", letter, negotiation.created_at)
    )


def employer_wrote(negotiation: Negotiation, text: str, at: datetime) -> None:
    """The employer's letter sent with a state change; it carries the new applicant state."""
    negotiation.history.append(
        Message(_next_id(negotiation), "employer", negotiation.applicant_state, text, at)
    )
    negotiation.messages += 1


def applicant_wrote(negotiation: Negotiation, text: str, at: datetime) -> None:
    """The applicant wrote in the conversation: it is their activity, so the negotiation moves up
    the default order (``last_change_time_except_employer_inbox``, "По дате создания и активности
    соискателя") and needs the employer's attention again (``has_updates``)."""
    negotiation.history.append(Message(_next_id(negotiation), "applicant", "text", text, at))
    negotiation.messages += 1
    negotiation.applicant_activity_at = at
    negotiation.updated_at = at
    negotiation.has_updates = True
