"""The one reader of failure reasons (:mod:`hhsync.web.app_api.reasons`): the portal's
required-field refusal in each wording Bitrix24 uses, whose command it was, and the settings
progress's grouped, worded reasons."""

from __future__ import annotations

import pytest

from hhsync.web.app_api.reasons import describe, explain
from hhsync.web.app_api.settings_tab.progress import grouped_reasons
from hhsync.web.i18n import translator

# The engine's stored text: the refused method, then the portal's words, ``<br />`` turned to
# ``; `` (bitrix/errors.portal_message).
PREFIX = "crm.deal.add: Bitrix24 crm.deal.add rejected the record: "


@pytest.mark.parametrize(
    "words",
    [
        # CRM_ERROR_FIELD_IS_MISSING, Bitrix24 crm/lang/en|ru/classes/general/crm_lead.php
        "The required field 'Бюджет' is missing.; The required field 'Город' is missing.",
        'Не введено значение обязательного поля "Бюджет"; Не введено значение обязательного '
        'поля "Город"',
        # CRM_FIELD_VALUE_REQUIRED_ERROR, crm/lang/en|ru/lib/field.php
        'The field "Бюджет" is required; The field "Город" is required',
        'Поле "Бюджет" обязательно для заполнения; Поле «Город» обязательно для заполнения',
    ],
)
def test_every_wording_of_a_required_field_refusal_names_its_fields(words: str) -> None:
    reason = explain(PREFIX + words)
    assert (reason.code, reason.entity, reason.fields) == (
        "required_field",
        "deal",
        ("Бюджет", "Город"),
    )


def test_a_contacts_refusal_is_said_to_be_the_contacts_in_both_languages() -> None:
    stored = (
        "crm.contact.add: Bitrix24 crm.contact.add rejected the record: "
        'Не введено значение обязательного поля "Должность"'
    )
    reason = explain(stored)
    assert reason.entity == "contact"
    assert "контакта «Должность»" in describe(translator("ru"), reason)
    assert "«Должность» of the contact" in describe(translator("en"), reason)


def test_the_progress_groups_failures_by_what_they_mean_and_quotes_no_service_text() -> None:
    stored = [
        (PREFIX + "The required field 'Бюджет' is missing.", 4),
        (PREFIX + 'Не введено значение обязательного поля "Бюджет"', 3),  # the same, in Russian
        ("crm.deal.add: Bitrix24 crm.deal.add rejected the record: Stage 'X' is not found.", 2),
        ("crm.deal.add: Bitrix24 crm.deal.add rejected the record: <b>odd</b><br />", 1),
        ("QueryLimitExceeded: Bitrix24 crm.deal.add: request rate limit exceeded", 5),
    ]
    t = translator("ru")
    grouped = grouped_reasons(t, stored)
    assert [count for _, count in grouped] == [7, 5, 3]
    words = [text for text, _ in grouped]
    assert words[0] == "Не заполнено обязательное поле «Бюджет»"
    assert words[2] == t("settings.progress_reason_crm_rejected")
    for text in words:
        assert "crm.deal.add" not in text
        assert "<br" not in text
        assert "rejected the record" not in text
