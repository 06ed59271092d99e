"""Pure: the timeline activity of a new entity, as a Bitrix24 configurable-activity layout.

One activity per response or invitation, titled «Отклик» or «Приглашение», with the vacancy, the
applicant's name, city, phones, e-mails, the hh.ru status and a link to the resume. The layout
lists no other responses: a list written at creation goes stale (responses imported in the same
pass miss each other, and an old activity never learns of a new one), and the official app's list
fails above 20 values. Instead its «Другие отклики» button (``openRestApp``) opens the app in a
slider with the negotiation's id, and the app reads that applicant's responses from the database
at click time (``web/app_api/others.py``). Bitrix24 refuses more than 20 blocks; this builder
stays far below.
"""

from __future__ import annotations

from typing import Any, Final

from hhsync.model import others_link
from hhsync.model.kinds import NegotiationKind
from hhsync.sync.mapping import KIND_LABELS, ORIGINATOR_ID, Applicant

MAX_BLOCKS: Final = 20
MAX_LINE_BLOCKS: Final = 20
OTHERS_TITLE: Final = "Другие отклики"
OTHERS_SLIDER_WIDTH_PX: Final = 900
# Icon and logo codes come from crm.timeline.icon.list / crm.timeline.logo.list; the reference has
# only the call codes of its examples, so these are the generic ones and easy to change.
ICON_CODE: Final = "info"
LOGO_CODE: Final = "document"


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
    negotiation_id: str,
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
    if applicant.contacts_note:
        blocks["contacts"] = _titled("Контакты", _text(applicant.contacts_note))
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
    buttons["others"] = {
        "title": OTHERS_TITLE,
        "type": "secondary",
        "action": others_action(negotiation_id),
    }
    layout["footer"] = {"buttons": buttons}
    return layout


def others_action(negotiation_id: str) -> dict[str, Any]:
    """The «Другие отклики» button's action: open the app's slider on this negotiation.

    Bitrix24 passes ``actionParams`` (scalars, at most 20, sent on as strings) to the slider in
    ``PLACEMENT_OPTIONS`` with ``entityTypeId``, ``entityId`` and ``activityId`` (b24restdocs,
    ``api-reference/crm/timeline/activities/structure/action.md``). The negotiation id is what
    stays true: the app finds the applicant's responses from it when the button is clicked.
    """
    return {
        "type": "openRestApp",
        "actionParams": others_link.action_params(negotiation_id),
        "sliderParams": {"title": OTHERS_TITLE, "width": OTHERS_SLIDER_WIDTH_PX},
    }


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
