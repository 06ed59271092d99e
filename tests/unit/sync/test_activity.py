"""The timeline activity layout: the right content, never over Bitrix24's 20-block limit."""

from __future__ import annotations

import json
import re

import pytest

from hhsync.db.tables import EntityType, NegotiationKind
from hhsync.sync.activity import (
    MAX_BLOCKS,
    MAX_LINE_BLOCKS,
    OtherEntity,
    activity_fields,
    build_layout,
    count_blocks,
)
from hhsync.sync.mapping import Applicant

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


@pytest.mark.parametrize("others_count", [0, 1, 5, 6, 21, 500])
def test_other_responses_never_exceed_the_block_limit(others_count: int) -> None:
    others = [OtherEntity(EntityType.LEAD, 100 + i, f"Вакансия {i}") for i in range(others_count)]
    layout = build_layout(
        kind=NegotiationKind.INVITATION,
        vacancy_name="Курьер",
        status_label="Приглашение",
        applicant=APPLICANT,
        others=others,
    )
    top, nested = count_blocks(layout)
    assert top <= MAX_BLOCKS
    assert nested <= MAX_LINE_BLOCKS
    text = json.dumps(layout, ensure_ascii=False)
    if others_count > 5:
        assert f"и ещё {others_count - 5}" in text
        assert layout["footer"]["buttons"]["others"]["title"] == f"Другие отклики ({others_count})"
    if others_count:
        assert "/crm/lead/details/100/" in text
    else:
        assert "others" not in layout["body"]["blocks"]


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
        kind=NegotiationKind.RESPONSE, vacancy_name="V", status_label="Отказ", applicant=applicant
    )
    text = json.dumps(layout, ensure_ascii=False)
    assert "удалено соискателем" in text
    assert "Соискатель скрыл контакты" in text
    assert "footer" not in layout


def test_activity_fields_carry_the_negotiation_for_adoption() -> None:
    fields = activity_fields("1843757424", 7)
    assert fields["originatorId"] == "hhsync"
    assert fields["originId"] == "1843757424"
    assert fields["responsibleId"] == 7
    assert "responsibleId" not in activity_fields("1", None)


def test_blocks_use_only_the_documented_nesting() -> None:
    others = [OtherEntity(EntityType.DEAL, i, "V") for i in range(30)]
    layout = build_layout(
        kind=NegotiationKind.RESPONSE,
        vacancy_name="V",
        status_label="Отклик",
        applicant=APPLICANT,
        others=others,
    )
    for block in layout["body"]["blocks"].values():
        if block["type"] == "withTitle":  # withTitle holds text, link or deadline only
            assert block["properties"]["block"]["type"] in {"text", "link", "deadline"}
        if block["type"] == "lineOfBlocks":
            inner = block["properties"]["blocks"].values()
            assert {b["type"] for b in inner} <= {"text", "link", "deadline"}
