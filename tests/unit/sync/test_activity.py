"""The timeline activity layout: the right content, never over Bitrix24's 20-block limit, and a
«Другие отклики» button that carries only the negotiation (the list is read at click time)."""

from __future__ import annotations

import json
import re

import pytest

from hhsync.db.tables import NegotiationKind
from hhsync.sandbox.bitrix.layout import validate_layout
from hhsync.sync.activity import (
    MAX_BLOCKS,
    MAX_LINE_BLOCKS,
    activity_fields,
    build_layout,
    count_blocks,
)
from hhsync.sync.mapping import CONTACTS_NOTES, Applicant, ContactsHidden

KEY = re.compile(r"^[A-Za-z0-9_-]+$")
APPLICANT = Applicant(
    display_name="Иванов Иван",
    first_name="Иван",
    last_name="Иванов",
    middle_name="",
    phones=(("+74955527367", "MOBILE"), ("+78120000000", "HOME")),
    emails=("my-email@example.com",),
    city="Москва",
    resume_url="https://hh.ru/resume/09866c49",
)


def keys(value: object) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append(key)
            found.extend(keys(inner))
    return found


def test_response_layout_shows_what_the_hr_person_needs() -> None:
    layout = build_layout(
        kind=NegotiationKind.RESPONSE,
        vacancy_name="Python-разработчик",
        status_label="Отклик",
        applicant=APPLICANT,
        negotiation_id="1843757424",
    )
    text = json.dumps(layout, ensure_ascii=False)
    assert layout["header"]["title"] == "Отклик"
    for expected in (
        "Python-разработчик",
        "Иванов Иван",
        "Москва",
        "tel:+74955527367",
        "mailto:my-email@example.com",
        "https://hh.ru/resume/09866c49",
    ):
        assert expected in text
    assert layout["footer"]["buttons"]["resume"]["action"]["uri"] == APPLICANT.resume_url
    assert all(KEY.match(k) for k in keys(layout))  # Bitrix24 accepts only these key characters


def test_the_others_button_opens_the_app_with_the_negotiation_alone() -> None:
    layout = build_layout(
        kind=NegotiationKind.INVITATION,
        vacancy_name="Курьер",
        status_label="Приглашение",
        applicant=APPLICANT,
        negotiation_id="1400000007",
    )
    button = layout["footer"]["buttons"]["others"]
    assert button["title"] == "Другие отклики"  # no count: a count written today goes stale
    # b24restdocs api-reference/crm/timeline/activities/structure/action.md: openRestApp with
    # actionParams (scalars, at most 20) and sliderParams (title, width)
    assert button["action"] == {
        "type": "openRestApp",
        "actionParams": {"view": "others", "negotiation": "1400000007"},
        "sliderParams": {"title": "Другие отклики", "width": 900},
    }
    assert all(isinstance(v, str) for v in button["action"]["actionParams"].values())
    text = json.dumps(layout, ensure_ascii=False)
    assert "/crm/" not in text  # no list of other entities is written into the activity
    assert "others" not in layout["body"]["blocks"]
    assert validate_layout(layout) is layout  # the sandbox's strict LayoutDto rules accept it


def test_the_fullest_layout_stays_within_the_limits() -> None:
    applicant = Applicant(
        display_name="Иванов Иван",
        first_name="Иван",
        last_name="Иванов",
        middle_name="",
        phones=tuple((f"+7900000000{i}", "MOBILE") for i in range(10)),
        emails=tuple(f"a{i}@example.com" for i in range(10)),
        city="Москва",
        resume_url="https://hh.ru/resume/1",
        contacts_hidden=True,
    )
    layout = build_layout(
        kind=NegotiationKind.RESPONSE,
        vacancy_name="V",
        status_label="Отклик",
        applicant=applicant,
        negotiation_id="1",
    )
    top, nested = count_blocks(layout)
    assert top <= MAX_BLOCKS
    assert nested <= MAX_LINE_BLOCKS
    assert len(layout["footer"]["buttons"]) <= 2  # Bitrix24 allows two footer buttons
    validate_layout(layout)


def test_deleted_resume_and_hidden_contacts() -> None:
    applicant = Applicant(
        display_name="Резюме удалено",
        first_name="Резюме удалено",
        last_name="",
        middle_name="",
        resume_deleted=True,
        contacts_hidden=True,
    )
    layout = build_layout(
        kind=NegotiationKind.RESPONSE,
        vacancy_name="V",
        status_label="Отказ",
        applicant=applicant,
        negotiation_id="5",
    )
    text = json.dumps(layout, ensure_ascii=False)
    assert "удалено соискателем" in text
    assert "Соискатель скрыл контакты" in text
    assert list(layout["footer"]["buttons"]) == ["others"]  # no resume to open, others still


def test_activity_fields_carry_the_negotiation_for_adoption() -> None:
    fields = activity_fields("1843757424", 7)
    assert fields["originatorId"] == "hhsync"
    assert fields["originId"] == "1843757424"
    assert fields["responsibleId"] == 7
    assert "responsibleId" not in activity_fields("1", None)


def test_blocks_use_only_the_documented_nesting() -> None:
    layout = build_layout(
        kind=NegotiationKind.RESPONSE,
        vacancy_name="V",
        status_label="Отклик",
        applicant=APPLICANT,
        negotiation_id="9",
    )
    for block in layout["body"]["blocks"].values():
        if block["type"] == "withTitle":  # withTitle holds text, link or deadline only
            assert block["properties"]["block"]["type"] in {"text", "link", "deadline"}
        if block["type"] == "lineOfBlocks":
            inner = block["properties"]["blocks"].values()
            assert {b["type"] for b in inner} <= {"text", "link", "deadline"}


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        (ContactsHidden.INSIDE_HH, "только внутри hh.ru, в чате отклика"),
        (ContactsHidden.NO_ACCESS, "приглашение соискателя на вакансию"),
        (ContactsHidden.BY_APPLICANT, "Соискатель скрыл контакты"),
    ],
)
def test_the_activity_says_why_contacts_are_missing(reason: ContactsHidden, words: str) -> None:
    """hh.ru OpenAPI spec, ``contact_view_status``: ``IPC`` talks only inside hh.ru, ``NONE`` has
    no channel until a view with contacts or an invitation; the applicant's own hiding is a third
    case. The activity's «Контакты» block names the one that holds."""
    applicant = Applicant(
        display_name="Соискатель скрыл ФИО (#3fa90a)",
        first_name="Соискатель скрыл ФИО",
        last_name="",
        middle_name="",
        contacts_hidden=True,
        contacts_reason=reason,
    )
    layout = build_layout(
        kind=NegotiationKind.RESPONSE,
        vacancy_name="V",
        status_label="Отклик",
        applicant=applicant,
        negotiation_id="5",
    )
    validate_layout(layout)
    block = layout["body"]["blocks"]["contacts"]
    assert block["properties"]["title"] == "Контакты"
    assert words in block["properties"]["block"]["properties"]["value"]
    others = [n for r, n in CONTACTS_NOTES.items() if r != reason]
    text = json.dumps(layout, ensure_ascii=False)
    assert not any(note in text for note in others)
