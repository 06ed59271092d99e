"""Pure: the timeline activity of a new entity, as a Bitrix24 configurable-activity layout.

One activity per response or invitation, titled «Отклик» or «Приглашение», with the vacancy, the
applicant's name, city, phones, e-mails, the hh.ru status and links to the resume and to the
applicant's other entities in this portal. Bitrix24 refuses a layout with more than 20 blocks (the
official app breaks on «Другие отклики» above 20); this builder never exceeds the limit: it shows
the first others and «и ещё N».
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from hhsync.model.kinds import EntityType, NegotiationKind
from hhsync.sync.mapping import KIND_LABELS, ORIGINATOR_ID, Applicant

MAX_BLOCKS: Final = 20
MAX_LINE_BLOCKS: Final = 20
OTHERS_SHOWN: Final = 5
# Icon and logo codes come from crm.timeline.icon.list / crm.timeline.logo.list; the reference has
# only the call codes of its examples, so these are the generic ones and easy to change.
ICON_CODE: Final = "info"
LOGO_CODE: Final = "document"


@dataclass(frozen=True)
class OtherEntity:
    """Another CRM entity of the same applicant (found by resume or contacts)."""

    entity_type: EntityType
    entity_id: int
    vacancy_name: str


def details_uri(entity_type: EntityType, entity_id: int) -> str:
    """The relative URI of an entity card (opens in a slider inside Bitrix24)."""
    return f"/crm/{entity_type.value}/details/{entity_id}/"


def _text(value: str, *, bold: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {"value": value}
    if bold:
        props["bold"] = True
    return {"type": "text", "properties": props}


def _titled(title: str, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "withTitle", "properties": {"title": title, "inline": True, "block": block}}


def _link(text: str, uri: str) -> dict[str, Any]:
    return {
        "type": "link",
        "properties": {"text": text, "action": {"type": "redirect", "uri": uri}},
    }


def build_layout(
    *,
    kind: NegotiationKind,
    vacancy_name: str,
    status_label: str,
    applicant: Applicant,
    others: Sequence[OtherEntity] = (),
) -> dict[str, Any]:
    """The LayoutDto for ``crm.activity.configurable.add`` (at most 20 blocks, by construction)."""
    blocks: dict[str, dict[str, Any]] = {
        "vacancy": _titled("Вакансия", _text(vacancy_name, bold=True)),
        "name": _titled("Соискатель", _text(applicant.display_name)),
    }
    if applicant.city:
        blocks["city"] = _titled("Город", _text(applicant.city))
    for index, (number, _) in enumerate(applicant.phones[:3]):
        blocks[f"phone_{index}"] = _titled("Телефон", _link(number, f"tel:{number}"))
    for index, address in enumerate(applicant.emails[:3]):
        blocks[f"email_{index}"] = _titled("E-mail", _link(address, f"mailto:{address}"))
    if applicant.resume_deleted:
        blocks["resume"] = _titled("Резюме", _text("удалено соискателем"))
    elif applicant.resume_url:
        blocks["resume"] = _titled("Резюме", _link("Открыть на hh.ru", applicant.resume_url))
    if applicant.contacts_hidden:
        blocks["contacts"] = _text("Соискатель скрыл контакты")
    if others:
        # withTitle holds only text, link or deadline blocks: the line of links stands on its own
        blocks["others_title"] = _text("Другие отклики этого соискателя:", bold=True)
        blocks["others"] = _others_line(others)
    layout: dict[str, Any] = {
        "icon": {"code": ICON_CODE},
        "header": {
            "title": KIND_LABELS[kind],
            "tags": {"status": {"title": status_label[:60], "type": "primary"}},
        },
        "body": {"logo": {"code": LOGO_CODE}, "blocks": blocks},
    }
    buttons: dict[str, Any] = {}
    if applicant.resume_url and not applicant.resume_deleted:
        buttons["resume"] = {
            "title": "Резюме",
            "type": "primary",
            "action": {"type": "redirect", "uri": applicant.resume_url},
        }
    if others:
        first = others[0]
        buttons["others"] = {
            "title": f"Другие отклики ({len(others)})",
            "type": "secondary",
            "action": {"type": "redirect", "uri": details_uri(first.entity_type, first.entity_id)},
        }
    if buttons:
        layout["footer"] = {"buttons": buttons}
    return layout


def _others_line(others: Sequence[OtherEntity]) -> dict[str, Any]:
    shown = others[:OTHERS_SHOWN]
    line: dict[str, Any] = {
        f"other_{index}": _link(
            other.vacancy_name or f"#{other.entity_id}",
            details_uri(other.entity_type, other.entity_id),
        )
        for index, other in enumerate(shown)
    }
    if len(others) > len(shown):
        line["more"] = _text(f"и ещё {len(others) - len(shown)}")
    return {"type": "lineOfBlocks", "properties": {"blocks": line}}


def activity_fields(negotiation_id: str, responsible_user_id: int | None) -> dict[str, Any]:
    """The ``fields`` of the activity: completed, incoming, tied to the negotiation for adoption."""
    fields: dict[str, Any] = {
        "completed": True,
        "isIncomingChannel": "Y",
        "originatorId": ORIGINATOR_ID,
        "originId": negotiation_id,
    }
    if responsible_user_id is not None:
        fields["responsibleId"] = responsible_user_id
    return fields


def count_blocks(layout: dict[str, Any]) -> tuple[int, int]:
    """(top-level blocks, largest nested line): both must stay within Bitrix24's limit of 20."""
    blocks = layout["body"]["blocks"]
    nested = [
        len(b["properties"]["blocks"]) for b in blocks.values() if b["type"] == "lineOfBlocks"
    ]
    return len(blocks), max(nested, default=0)
