"""JSON of ``GET /negotiations/{nid}/messages`` (fields of the hh.ru OpenAPI spec's example
``NegotiationsMessageGet``)."""

from __future__ import annotations

from typing import Any

from hhsync.sandbox.hh.generator import msk_offset_format as fmt
from hhsync.sandbox.hh.messages import MESSAGE_STATES, Message
from hhsync.sandbox.hh.store import Negotiation


def message_item(negotiation: Negotiation, message: Message) -> dict[str, Any]:
    """One message as hh.ru renders it to the employer."""
    return {
        "id": message.id,
        "text": message.text,
        "created_at": fmt(message.at),
        "author": {"participant_type": message.author},
        "state": {"id": message.state, "name": MESSAGE_STATES[message.state]},
        "viewed_by_me": True,
        "viewed_by_opponent": message.author == "applicant" or negotiation.viewed_by_opponent,
        "editable": False,
        "read": True,
        "address": None,
        "assessments": [],
    }


def conversation(negotiation: Negotiation, *, with_text_only: bool) -> list[dict[str, Any]]:
    """The whole conversation oldest first; ``with_text_only`` keeps messages with a text."""
    return [
        message_item(negotiation, m)
        for m in negotiation.history
        if not with_text_only or m.text is not None
    ]
