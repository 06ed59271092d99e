"""Mapping to CRM fields, from the documented resume example to hostile and missing data."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from hhsync.db.tables import EntityType, NegotiationKind
from hhsync.hh.models import Negotiation, Resume, ShortResume
from hhsync.sync.mapping import (
    DELETED_NAME,
    HIDDEN_NAME,
    NAME_MAX,
    TITLE_MAX,
    UF_CREATED_AT,
    UF_RESUME_FILE,
    UF_RESUME_URL,
    UF_STATUS,
    UF_VACANCY,
    EntityChoices,
    MappingError,
    NegotiationView,
    ResumePdf,
    VacancyView,
    build_draft,
    clean_text,
    normalize_phone,
)
from hhsync.sync.reading import to_remote

MSK = timezone(timedelta(hours=3))
CREATED = datetime(2026, 3, 1, 23, 30, tzinfo=MSK)
NEGOTIATION = NegotiationView("1843757424", NegotiationKind.RESPONSE, "response", CREATED)
VACANCY = VacancyView("93353083", "Python-разработчик", "Москва")
LEAD = EntityChoices(EntityType.LEAD, stage="NEW", source_id="UC_HH", responsible_user_id=1)
DEAL = EntityChoices(EntityType.DEAL, stage="C3:NEW", category_id=3, responsible_user_id=9)


def documented_resume() -> Resume:
    """The official resume example's names and contacts (hh_examples/resumes.item.employer)."""
    raw: dict[str, Any] = {
        "id": "09866c49",
        "first_name": "Иван",
        "last_name": "Иванов",
        "middle_name": None,
        "alternate_url": "https://hh.ru/resume/09866c49",
        "area": {"id": "1", "name": "Москва", "url": "https://api.hh.ru/areas/1"},
        "hidden_fields": [],
        "can_view_full_info": True,
        "contact": [
            {
                "contact_value": "+7 (495) 552-73-67",
                "kind": "phone",
                "preferred": False,
                "type": {"id": "cell", "name": "Мобильный телефон"},
            },
            {
                "contact_value": "my-email@example.com",
                "kind": "email",
                "preferred": True,
                "type": {"id": "email", "name": "Эл. почта"},
            },
            {
                "contact_value": "@nickname",
                "kind": "primary",
                "preferred": False,
                "type": {"id": "telegram", "name": "telegram"},
            },
            {
                "contact_value": "https://linked.in/1231232131",
                "kind": "secondary",
                "preferred": False,
                "type": {"id": "other", "name": "MyLinkedIn"},
            },
        ],
    }
    return Resume.model_validate(raw)


def test_lead_from_the_documented_resume() -> None:
    pdf = ResumePdf("resume-09866c49.pdf", b"%PDF-1.4 tiny")
    draft = build_draft(NEGOTIATION, VACANCY, documented_resume(), "09866c49", LEAD, pdf)
    f = draft.fields
    assert draft.contact_fields is None
    assert f["TITLE"] == "Python-разработчик — Иванов Иван"
    assert (f["NAME"], f["LAST_NAME"]) == ("Иван", "Иванов")
    assert "SECOND_NAME" not in f
    assert f["PHONE"] == [{"VALUE": "+74955527367", "VALUE_TYPE": "MOBILE"}]
    assert f["EMAIL"] == [{"VALUE": "my-email@example.com", "VALUE_TYPE": "WORK"}]
    assert f["IM"] == [{"VALUE": "@nickname", "VALUE_TYPE": "TELEGRAM"}]
    assert f["ADDRESS_CITY"] == "Москва"
    assert (f["STATUS_ID"], f["SOURCE_ID"], f["ASSIGNED_BY_ID"]) == ("NEW", "UC_HH", 1)
    assert (f["ORIGINATOR_ID"], f["ORIGIN_ID"]) == ("hhsync", "1843757424")
    assert f[UF_VACANCY] == "Python-разработчик"
    assert f[UF_STATUS] == "Отклик"
    assert f[UF_CREATED_AT] == "2026-03-01"  # the day in hh.ru's own offset, not UTC's
    assert f[UF_RESUME_URL] == "https://hh.ru/resume/09866c49"
    name, content = f[UF_RESUME_FILE]["fileData"]
    assert name == "resume-09866c49.pdf"
    assert base64.b64decode(content) == b"%PDF-1.4 tiny"
    assert "Резюме: https://hh.ru/resume/09866c49" in f["COMMENTS"]


def test_deal_puts_the_applicant_on_a_contact() -> None:
    draft = build_draft(NEGOTIATION, VACANCY, documented_resume(), "09866c49", DEAL)
    assert "NAME" not in draft.fields
    assert "PHONE" not in draft.fields
    assert (draft.fields["CATEGORY_ID"], draft.fields["STAGE_ID"]) == (3, "C3:NEW")
    assert "STATUS_ID" not in draft.fields
    contact = draft.contact_fields
    assert contact is not None
    assert contact["NAME"] == "Иван"
    assert contact["PHONE"][0]["VALUE"] == "+74955527367"
    assert contact["ASSIGNED_BY_ID"] == 9
    assert contact["ORIGIN_ID"] == "1843757424"


def test_hidden_name_and_contacts_get_explicit_placeholders() -> None:
    resume = Resume.model_validate(
        {
            "id": "abc123",
            "first_name": None,
            "last_name": None,
            "hidden_fields": [
                {"id": "names_and_photo", "name": "ФИО и фото"},
                {"id": "phones", "name": "Телефоны"},
                {"id": "email", "name": "Эл. почта"},
            ],
            "contact": [],
        }
    )
    draft = build_draft(NEGOTIATION, VACANCY, resume, "abc123", LEAD)
    assert draft.fields["NAME"] == HIDDEN_NAME
    assert draft.fields["TITLE"] == "Python-разработчик — Соискатель скрыл ФИО (#abc123)"
    assert "PHONE" not in draft.fields
    assert "EMAIL" not in draft.fields
    assert draft.applicant.contacts_hidden
    assert "Соискатель скрыл контакты" in draft.fields["COMMENTS"]


@pytest.mark.parametrize(
    ("status", "note"),
    [
        ("NONE", "откроет просмотр резюме с контактами на hh.ru"),
        ("IPC", "можно только внутри hh.ru, в чате отклика"),
    ],
)
def test_a_resume_without_full_view_still_makes_a_lead(status: str, note: str) -> None:
    """hh.ru OpenAPI spec: without full view (``can_view_full_info: false``, ``contact_view_status``
    ``NONE`` or ``IPC``) names, photo and contacts come back null. ``ResumeEmployerFields``:
    ``IPC`` is «общение доступно только внутри платформы, внешние контакты скрыты», ``NONE``
    «каналы связи недоступны», opened by a view with contacts or an invitation (tag «Просмотр
    резюме», «Просмотр резюме с контактами»): the recruiter is told which, not that the
    applicant hid them."""
    resume = Resume.model_validate(
        {
            "id": "33fa90",
            "title": None,
            "first_name": None,
            "last_name": None,
            "middle_name": None,
            "photo": None,
            "area": None,
            "alternate_url": None,
            "birth_date": None,
            "hidden_fields": None,
            "can_view_full_info": False,
            "contact_view_status": status,
            "contact": None,
        }
    )
    assert resume.contact == []
    draft = build_draft(NEGOTIATION, VACANCY, resume, "33fa90", LEAD)
    assert draft.fields["TITLE"] == "Python-разработчик — Соискатель скрыл ФИО (#33fa90)"
    assert draft.fields["NAME"] == HIDDEN_NAME
    for absent in ("PHONE", "EMAIL", "IM", "ADDRESS_CITY", UF_RESUME_URL):
        assert absent not in draft.fields
    assert draft.applicant.contacts_hidden
    assert note in draft.fields["COMMENTS"]
    assert "Соискатель скрыл контакты" not in draft.fields["COMMENTS"]
    other = "в чате отклика" if status == "NONE" else "просмотр резюме с контактами"
    assert other not in draft.fields["COMMENTS"]
    deal = build_draft(NEGOTIATION, VACANCY, resume, "33fa90", DEAL)
    assert deal.contact_fields is not None
    assert deal.contact_fields["NAME"] == HIDDEN_NAME


def test_hidden_name_title_is_scannable_not_the_38_character_resume_id() -> None:
    """issue 14: the title names the vacancy and a short tag, never hh.ru's whole resume id."""
    resume_id = "39aa8db3000ee1ba1b0039ed1f6e7a4d33fa90"
    assert len(resume_id) == 38
    hidden = {"first_name": None, "last_name": None, "middle_name": None}
    hidden_fields = [{"id": "names_and_photo", "name": "ФИО и фото"}]
    resume = Resume.model_validate(
        {"id": resume_id, **hidden, "hidden_fields": hidden_fields, "contact": []}
    )
    draft = build_draft(NEGOTIATION, VACANCY, resume, resume_id, LEAD)

    assert draft.fields["TITLE"] == "Python-разработчик — Соискатель скрыл ФИО (#33fa90)"
    assert resume_id not in draft.fields["TITLE"]
    assert draft.fields["NAME"] == HIDDEN_NAME
    assert "LAST_NAME" not in draft.fields
    assert draft.linkable_contact["NAME"] == HIDDEN_NAME

    # The journal and «Другие отклики» show the stored applicant_name, read from the list's
    # short resume: the same short form as the CRM title.
    listed = Negotiation.model_validate(
        {
            "id": NEGOTIATION.hh_id,
            "created_at": CREATED.isoformat(),
            "updated_at": CREATED.isoformat(),
            "state": {"id": "response", "name": "Отклик"},
            "resume": {
                "id": resume_id,
                "url": f"https://api.hh.ru/resumes/{resume_id}",
                **hidden,
                "hidden_fields": hidden_fields,
            },
        }
    )
    remote = to_remote(listed, VACANCY.hh_id, NegotiationKind.RESPONSE)
    assert remote.applicant_name == draft.applicant.display_name
    assert draft.applicant.display_name == "Соискатель скрыл ФИО (#33fa90)"


def test_two_hidden_name_applicants_of_one_vacancy_get_different_titles() -> None:
    """The short tag still tells two hidden-name responses to one vacancy apart."""
    titles = set()
    for tail in ("111111", "222222"):
        resume_id = "0123456789abcdef0123456789abcdef" + tail
        resume = ShortResume.model_validate(
            {
                "id": resume_id,
                "url": f"https://api.hh.ru/resumes/{resume_id}",
                "first_name": None,
                "last_name": None,
                "hidden_fields": [],
            }
        )
        titles.add(build_draft(NEGOTIATION, VACANCY, resume, resume_id, LEAD).fields["TITLE"])
    assert len(titles) == 2


def test_deleted_resume_is_marked_not_invented() -> None:
    draft = build_draft(NEGOTIATION, VACANCY, None, None, LEAD)
    assert draft.fields["NAME"] == DELETED_NAME
    assert draft.fields["TITLE"] == "Python-разработчик — Резюме удалено"
    assert UF_RESUME_URL not in draft.fields
    assert "Резюме удалено соискателем" in draft.fields["COMMENTS"]
    assert draft.applicant.resume_deleted


def test_short_resume_before_contacts_are_fetched_has_names_only() -> None:
    short = ShortResume.model_validate(
        {
            "id": "r1",
            "first_name": "Анна",
            "last_name": "Петрова",
            "url": "https://api.hh.ru/resumes/r1?topic_id=1",
        }
    )
    draft = build_draft(NEGOTIATION, VACANCY, short, "r1", LEAD)
    assert draft.fields["NAME"] == "Анна"
    assert "PHONE" not in draft.fields
    assert draft.notes == ("contacts hidden by the applicant or not yet available",)


def test_hostile_and_odd_input_maps_to_valid_fields() -> None:
    resume = Resume.model_validate(
        {
            "id": "x",
            "first_name": "<script>alert(1)</script>Иван\u0000\u202e",
            "last_name": "Д'Артаньян-Оглы 🦊 " + "я" * 10_000,
            "middle_name": "[URL=http://evil]клик[/URL]",
            "area": {"id": "2", "name": "<b>Санкт-Петербург</b>"},
            "contact": [
                {"contact_value": "+7 (999) 111-22-33", "type": {"id": "cell", "name": "m"}},
                {"contact_value": "8 (812) 000-00-00", "type": {"id": "home", "name": "h"}},
                {"contact_value": "+7 999 111 22 33", "type": {"id": "work", "name": "w"}},
                {"contact_value": "12", "type": {"id": "cell", "name": "m"}},
                {"contact_value": "not an email", "type": {"id": "email", "name": "e"}},
                {
                    "value": {"country": "7", "city": "495", "number": "5527367"},
                    "type": {"id": "work", "name": "w"},
                },
            ],
        }
    )
    vacancy = VacancyView("1", "Курьер 🚲 " + "x" * 5000)
    draft = build_draft(NEGOTIATION, vacancy, resume, "x", LEAD)
    f = draft.fields
    assert "<" not in f["NAME"]
    assert "\u0000" not in f["NAME"]
    assert "\u202e" not in f["NAME"]
    assert len(f["LAST_NAME"]) == NAME_MAX
    assert f["LAST_NAME"].startswith("Д'Артаньян-Оглы 🦊")
    assert "[" not in f["SECOND_NAME"]
    assert f["ADDRESS_CITY"] == "Санкт-Петербург"
    assert len(f["TITLE"]) <= TITLE_MAX
    assert [p["VALUE"] for p in f["PHONE"]] == ["+79991112233", "+78120000000", "+74955527367"]
    assert [p["VALUE_TYPE"] for p in f["PHONE"]] == ["MOBILE", "HOME", "WORK"]
    assert "EMAIL" not in f
    json.dumps(f)  # every value is plain JSON


@pytest.mark.parametrize(
    ("state", "hh_name", "label"),
    [
        ("interview", None, "Интервью"),
        ("discard_by_employer", None, "Отказ"),
        ("custom_42", None, "custom_42"),
        ("interview", "Собеседование", "Собеседование"),
    ],
)
def test_status_labels_are_russian(state: str, hh_name: str | None, label: str) -> None:
    negotiation = NegotiationView("5", NegotiationKind.INVITATION, state, CREATED, hh_name)
    draft = build_draft(negotiation, VACANCY, documented_resume(), "r", LEAD)
    assert draft.fields[UF_STATUS] == label
    assert draft.fields["COMMENTS"].startswith("Приглашение с hh.ru")


def test_unmappable_input_is_a_clear_error() -> None:
    with pytest.raises(MappingError, match="vacancy 7 has no name"):
        build_draft(NEGOTIATION, VacancyView("7", "<br>"), None, None, LEAD)
    bad = NegotiationView("12;DROP", NegotiationKind.RESPONSE, "response", CREATED)
    with pytest.raises(MappingError, match=r"not hh\.ru's numeric id"):
        build_draft(bad, VACANCY, None, None, LEAD)


def test_helpers() -> None:
    assert normalize_phone("+7 (495) 552-73-67") == "+74955527367"
    assert normalize_phone("123") is None
    assert clean_text("  a \n\t b  ", 10) == "a b"
    assert clean_text("abcdef", 4) == "abc…"
    assert clean_text(None, 5) == ""
