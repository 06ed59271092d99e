"""Pure: where a lead hhsync wrote went on a simple-CRM portal, and what its deal must carry.

A portal in simple CRM mode keeps no leads: ``crm.lead.add`` still answers the lead's id, the
lead's ``STATUS_ID`` becomes ``CONVERTED`` and a deal with ``LEAD_ID`` = that id appears; the
deal is found with ``crm.deal.list`` filtered by ``LEAD_ID`` (b24restdocs
``tutorials/crm/how-to-add-crm-objects/how-to-add-objects-with-crm-mode.md``,
``api-reference/crm/leads/index.md``). The docs do not say which of the lead's fields the deal
takes, so hhsync assumes none but the link: the deal is given hhsync's origin
(``ORIGINATOR_ID``/``ORIGIN_ID``, so a lookup by origin finds it), hhsync's user fields as the
lead shows them, the applicant's contact (the one recorded, else one of this origin found on the
portal, else one made from the lead's name, phones and e-mails, carrying the origin so that a
repeat finds it instead of making another), and the lead's title, comment, source and
responsible person where the deal has none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from hhsync.sync import mapping

CONVERTED: Final = "CONVERTED"
"""A converted lead's ``STATUS_ID``."""

CARRIED_UF: Final = (
    mapping.UF_NEGOTIATION_ID,
    mapping.UF_VACANCY,
    mapping.UF_STATUS,
    mapping.UF_CREATED_AT,
    mapping.UF_RESUME_URL,
)
"""hhsync's user fields copied from the lead (the resume file stays on the lead: a file field is
read back as a download link, not as a file to attach)."""

FILLED_IF_EMPTY: Final = ("TITLE", "COMMENTS", "SOURCE_ID", "ASSIGNED_BY_ID")
"""The lead's fields a deal gets only when it shows none (a person may have set them)."""

DEAL_SELECT: Final = (
    "ID",
    "LEAD_ID",
    "ORIGINATOR_ID",
    "ORIGIN_ID",
    "STAGE_ID",
    "CONTACT_ID",
    *FILLED_IF_EMPTY,
)
"""What a deal made from a lead is read with."""

PERSON: Final = ("NAME", "SECOND_NAME", "LAST_NAME")
MULTI: Final = ("PHONE", "EMAIL")


@dataclass(frozen=True)
class Follow:
    """The lead became this deal: write ``fields`` on it and link the negotiation to it."""

    deal_id: int
    fields: dict[str, Any]
    stage: str | None
    """The stage the deal shows (recorded as the one hhsync last saw)."""
    contact_id: int | None
    new_contact: dict[str, Any] | None = None
    """A contact to make first (then linked to the deal) when the deal has none to link."""


@dataclass(frozen=True)
class StaysLead:
    """The lead is still a lead (not converted): nothing to follow."""


@dataclass(frozen=True)
class NotYet:
    """Nothing to go on now (converted with no deal found yet, or a lookup failed): asked again."""

    reason: str
    lasting: bool = False
    """Nothing fails: the portal shows a converted lead (or none) and no deal of it, which may
    stay so for good (a person deleted the deal): given up after :data:`GIVE_UP_AFTER`."""


@dataclass(frozen=True)
class Gone:
    """The portal answered «Not found» for the lead and lists no deal made from it: a person
    deleted it; the negotiation is deleted in the CRM (final)."""

    reason: str


Decision = Follow | StaysLead | NotYet | Gone

GIVE_UP_AFTER: Final = timedelta(hours=24)
"""How long a converted lead with no deal is looked for (every pass) before the follow gives up
on it: the row stays as it is, checked, with an audit line."""


def decide(
    hh_id: str,
    lead: Mapping[str, Any] | None,
    deals: Sequence[Mapping[str, Any]] | None,
    contact_id: int | None,
    contacts: Sequence[Mapping[str, Any]] | None = (),
    *,
    lead_gone: bool = False,
) -> Decision:
    """Where the negotiation's lead went.

    ``lead`` is ``crm.lead.get``'s answer (None when the portal did not return it), ``deals``
    the deals whose ``LEAD_ID`` is the lead's (None when that lookup failed), ``contact_id`` the
    contact hhsync recorded for the negotiation, ``contacts`` the portal's contacts of this
    origin (None when that lookup failed), ``lead_gone`` whether the portal answered «Not
    found» for the lead. A deal already carrying this negotiation's
    origin (given it by an earlier follow cut short) is taken first, then the oldest.
    """
    if deals is None:
        return NotYet("the deals made from the lead could not be listed")
    if not deals:
        if lead_gone:
            return Gone("the lead is not found on the portal and no deal was made of it")
        if lead is None:
            return NotYet("the lead could not be read")
        if str(lead.get("STATUS_ID") or "") == CONVERTED:
            return NotYet("the lead is converted, its deal not listed yet", lasting=True)
        return StaysLead()
    deal = min(deals, key=lambda d: (not _ours(d, hh_id), _int(d.get("ID")) or 0))
    deal_id = _int(deal.get("ID"))
    if deal_id is None:
        return NotYet("the deal made from the lead has no id")
    contact = contact_id if contact_id is not None else _int((lead or {}).get("CONTACT_ID"))
    if contact is None and contacts:
        contact = min((c for c in (_int(r.get("ID")) for r in contacts) if c), default=None)
    new_contact = None
    if contact is None and _int(deal.get("CONTACT_ID")) is None:
        if contacts is None:
            return NotYet("the contacts of the negotiation could not be listed")
        new_contact = contact_fields(hh_id, lead or {})
    return Follow(
        deal_id,
        deal_fields(hh_id, lead or {}, deal, contact),
        _text(deal.get("STAGE_ID")),
        contact,
        new_contact,
    )


def contact_fields(hh_id: str, lead: Mapping[str, Any]) -> dict[str, Any] | None:
    """The applicant's contact made from the lead (None when the lead names nobody)."""
    fields: dict[str, Any] = {n: lead[n] for n in PERSON if lead.get(n) not in (None, "")}
    for name in MULTI:
        values = [
            {"VALUE": v["VALUE"], "VALUE_TYPE": v.get("VALUE_TYPE") or "WORK"}
            for v in lead.get(name) or []
            if isinstance(v, Mapping) and v.get("VALUE")
        ]
        if values:
            fields[name] = values
    if not fields:
        return None
    return {**fields, "ORIGINATOR_ID": mapping.ORIGINATOR_ID, "ORIGIN_ID": hh_id}


def deal_fields(
    hh_id: str, lead: Mapping[str, Any], deal: Mapping[str, Any], contact_id: int | None
) -> dict[str, Any]:
    """What the deal made from the lead is given so hhsync can follow it."""
    fields: dict[str, Any] = {"ORIGINATOR_ID": mapping.ORIGINATOR_ID, "ORIGIN_ID": hh_id}
    for name in CARRIED_UF:
        value = lead.get(name)
        if value not in (None, ""):
            fields[name] = value
    for name in FILLED_IF_EMPTY:
        value = lead.get(name)
        if value not in (None, "") and deal.get(name) in (None, ""):
            fields[name] = value
    if contact_id is not None and _int(deal.get("CONTACT_ID")) is None:
        fields["CONTACT_IDS"] = [contact_id]
    return fields


def _ours(deal: Mapping[str, Any], hh_id: str) -> bool:
    return (
        str(deal.get("ORIGINATOR_ID") or "") == mapping.ORIGINATOR_ID
        and str(deal.get("ORIGIN_ID") or "") == hh_id
    )


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
