"""«Другие отклики»: which options open the view, and the view rendered in both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hhsync import texts
from hhsync.db.applicant_responses import ApplicantResponse
from hhsync.db.tables import EntityType, NegotiationKind, SyncStatus
from hhsync.model.others_link import action_params
from hhsync.web.app_api.others import OtherRow, OthersView, view_row
from hhsync.web.app_api.others_options import (
    OthersOptionsRefused,
    parse_others,
    wants_others,
)
from hhsync.web.i18n import LANGUAGES, translator
from hhsync.web.templating import environment

ORIGIN = "https://hr.bitrix24.ru"


def response(**changes: Any) -> ApplicantResponse:
    fields: dict[str, Any] = {
        "negotiation_id": 41,
        "hh_negotiation_id": "1400000002",
        "vacancy_name": "Курьер",
        "kind": NegotiationKind.RESPONSE,
        "employer_state": "interview",
        "hh_created_at": datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
        "sync_status": SyncStatus.SYNCED,
        "entity_type": EntityType.DEAL,
        "entity_id": 77,
    }
    return ApplicantResponse(**{**fields, **changes})


def test_the_buttons_params_open_the_view_and_name_the_negotiation() -> None:
    # as Bitrix24 posts them: actionParams as strings, the timeline context, bx24_* settings
    options = {
        **action_params("1400000001"),
        "entityTypeId": 1,
        "entityId": 5,
        "activityId": 9,
        "bx24_width": 900,
    }
    assert wants_others(options)
    assert parse_others(options).hh_negotiation_id == "1400000001"
    assert parse_others({"view": "others", "negotiation": 1400000001}).hh_negotiation_id == (
        "1400000001"
    )
    assert not wants_others({})
    assert not wants_others({"view": "settings"})


@pytest.mark.parametrize(
    ("negotiation", "reason"),
    [
        (None, "no_negotiation"),
        ("", "bad_negotiation"),
        ("12a", "bad_negotiation"),
        ("9" * 33, "bad_negotiation"),
        (True, "bad_negotiation"),
        (["1"], "bad_negotiation"),
        (1.5, "bad_negotiation"),
    ],
)
def test_anything_but_a_negotiation_id_is_refused(negotiation: object, reason: str) -> None:
    options: dict[str, object] = {"view": "others"}
    if negotiation is not None:
        options["negotiation"] = negotiation
    with pytest.raises(OthersOptionsRefused) as refused:
        parse_others(options)
    assert refused.value.reason == reason


def test_rows_say_the_state_in_words_and_link_the_entity() -> None:
    t = translator("ru")
    row = view_row(response(), t, ORIGIN)
    assert row.entity_url == "https://hr.bitrix24.ru/crm/deal/details/77/"
    assert (row.kind, row.state, row.entity_label, row.date) == (
        "Отклик",
        "Интервью",
        "Сделка №77",
        "04.03.2026",
    )
    pending = view_row(response(entity_type=None, entity_id=None), t, ORIGIN)
    assert (pending.entity_url, pending.entity_label) == (None, "ещё не в CRM")
    failed = view_row(
        response(entity_type=None, entity_id=None, sync_status=SyncStatus.FAILED), t, ORIGIN
    )
    assert failed.entity_label == "не удалось перенести в CRM"
    unknown = view_row(response(employer_state="new_state_of_2030"), t, ORIGIN)
    assert unknown.state == "new_state_of_2030"


def render(view: OthersView, language: str) -> str:
    template = environment().get_template("others.html")
    return template.render(
        t=translator(language), language=language, view=view, texts=texts, static_url="/static"
    )


HOSTILE = "</script><img src=x onerror=alert(1)>"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_state_of_the_view_renders_in_both_languages(language: str) -> None:
    t = translator(language)
    current = view_row(response(hh_negotiation_id="1"), t, ORIGIN)
    other = view_row(response(vacancy_name=HOSTILE), t, ORIGIN)
    listed = render(OthersView(current=current, rows=(other,)), language)
    # hhsync's row id and hh.ru's negotiation id, each in its own attribute (as in the journal)
    assert '<li data-negotiation-id="41" data-hh-negotiation-id="1400000002">' in listed
    assert 'data-negotiation-id="41" data-hh-negotiation-id="1"' in listed  # the current one
    assert 'class="others-entity" href="https://hr.bitrix24.ru/crm/deal/details/77/"' in listed
    assert 'target="_top"' in listed
    assert HOSTILE not in listed
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in listed
    alone = render(OthersView(current=current, rows=(), no_resume=True), language)
    assert t("others.none") in alone
    assert t("others.no_resume") in alone
    refused = render(OthersView(message=t("others.bad_options")), language)
    assert 'id="others"' in refused
    assert "data-negotiation-id" not in refused
    assert isinstance(other, OtherRow)
