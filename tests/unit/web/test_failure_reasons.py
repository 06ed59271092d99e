"""Every failure the engine can store reads back as a known code with words in both languages.

The stored texts are built here exactly as the engine builds them (``sync/apply/enrich.py``,
``sender.py``, ``updates.py``: ``f"{type(exc).__name__}: {exc}"``; ``outcomes.refusal`` for a
command the portal refused in a batch), from the real error classes and classifiers of
``bitrix/errors.py`` and ``hh/errors.py``, so a reworded message there fails here.
"""

from __future__ import annotations

import inspect
import json

import pytest

from hhsync.bitrix import errors as bitrix_errors
from hhsync.bitrix.batch import CommandFailed
from hhsync.hh import errors as hh_errors
from hhsync.sync.apply.outcomes import refusal
from hhsync.sync.mapping import MappingError
from hhsync.web.app_api.journal_view import reason_text
from hhsync.web.app_api.reasons import REASON_CODES, UNKNOWN, explain
from hhsync.web.i18n import LANGUAGES, catalogue, translator


def _classes(module: object, root: type) -> list[type]:
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, root) and cls.__module__ == getattr(module, "__name__", "")
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_has_words_in_both_languages(language: str) -> None:
    messages = catalogue(language)
    for code in REASON_CODES:
        assert messages[f"journal.reason_{code}"].strip(), code


@pytest.mark.parametrize("cls", _classes(hh_errors, hh_errors.HhError), ids=lambda c: c.__name__)
def test_every_hh_error_class_the_engine_names_is_known(cls: type) -> None:
    error = cls("hh.ru said no (test)")
    stored = f"{type(error).__name__}: {error}"
    reason = explain(stored)
    assert reason.code != UNKNOWN, stored
    assert reason.code.startswith("hh_"), (stored, reason.code)


@pytest.mark.parametrize(
    "cls", _classes(bitrix_errors, bitrix_errors.BitrixError), ids=lambda c: c.__name__
)
def test_every_bitrix_error_class_the_engine_names_is_known(cls: type) -> None:
    error = cls("Bitrix24 crm.lead.add: something (TEST)")
    stored = f"activity not added: {type(error).__name__}: {error}"
    reason = explain(stored)
    assert reason.code != UNKNOWN, stored
    assert reason.code.startswith("crm_"), (stored, reason.code)
    assert reason.stage == "activity"


# What each Bitrix24 error code classifies into, put in a refused batch command's reason.
BITRIX_ANSWERS = [
    ("QUERY_LIMIT_EXCEEDED", "Too many requests", "crm_rate_limit"),
    ("OVERLOAD_LIMIT", "REST API is blocked due to overload", "crm_portal_blocked"),
    ("METHOD_CONFIRM_WAITING", "Waiting for confirmation", "crm_method_confirm"),
    ("WRONG_AUTH_TYPE", "Application context required", "crm_wrong_auth"),
    ("ERROR_WRONG_CONTEXT", "Method call is only possible in the context", "crm_wrong_auth"),
    ("OPERATION_TIME_LIMIT", "Method is blocked", "crm_time_limit"),
    ("expired_token", "The access token provided has expired.", "crm_token"),
    ("INVALID_TOKEN", "invalid", "crm_token"),
    ("PAYMENT_REQUIRED", "Payment required", "crm_payment_required"),
    ("APPLICATION_NOT_FOUND", "gone", "crm_app_uninstalled"),
    ("PORTAL_DELETED", "deleted", "crm_portal_gone"),
    ("INSUFFICIENT_SCOPE", "scope", "crm_permission"),
    ("ACCESS_DENIED", "Access denied", "crm_permission"),
    ("ERROR_METHOD_NOT_FOUND", "Method not found!", "crm_protocol"),
    ("INTERNAL_SERVER_ERROR", "boom", "crm_unavailable"),
    ("NOT_FOUND", "Not found", "crm_not_found"),
    ("", "Not found", "crm_not_found"),
    ("", "Invalid value of STATUS_ID", "crm_rejected"),
    ("ERROR_CORE", "Some core error", "crm_rejected"),
]


@pytest.mark.parametrize(("code", "description", "expected"), BITRIX_ANSWERS)
def test_a_refused_command_reads_back_as_its_code(
    code: str, description: str, expected: str
) -> None:
    body = {"error": code, "error_description": description}
    error = bitrix_errors.classify(400, body, method="crm.lead.add")
    stored = refusal(CommandFailed("e0", "crm.lead.add", error))
    assert explain(stored).code == expected, stored
    for language in LANGUAGES:
        assert reason_text(translator(language), explain(stored))


def test_a_required_field_is_named_as_bitrix24_names_it() -> None:
    # The legacy CRM answer: "error": "" and one line per field (Bitrix24 REST docs' examples).
    description = (
        "The required field 'Название компании' is missing.<br />"
        "The required field 'Телефон' is missing.<br />"
    )
    error = bitrix_errors.classify(400, {"error": "", "error_description": description})
    stored = refusal(CommandFailed("e0", "crm.lead.add", error))
    reason = explain(stored)
    assert reason.code == "required_field"
    assert reason.fields == ("Название компании", "Телефон")
    ru = reason_text(translator("ru"), reason)
    assert "«Название компании», «Телефон»" in ru
    assert "обязательное поле" in ru
    assert "«Название компании»" in reason_text(translator("en"), reason)


def test_the_engine_s_own_texts_are_known() -> None:
    assert explain("not executed: an earlier command of its group failed").code == (
        "crm_not_executed"
    )
    view_limit = hh_errors.ViewLimitExceeded("the manager's daily hh.ru resume-view limit")
    assert explain(f"hh.ru daily resume-view limit reached: {view_limit}").code == ("hh_view_limit")
    quota = hh_errors.ResumeQuotaExceeded("the hh.ru resume-view quota the company set is spent")
    reason = explain(f"{type(quota).__name__}: {quota}")
    assert reason.code == "hh_view_quota"
    assert "квота просмотров резюме" in reason_text(translator("ru"), reason)
    assert "quota the company set" in reason_text(translator("en"), reason)
    mapping = MappingError("vacancy 7 has no name to put in TITLE")
    reason = explain(f"{type(mapping).__name__}: {mapping}")
    assert reason.code == "bad_payload"
    assert "vacancy 7 has no name" in reason_text(translator("ru"), reason)
    window = bitrix_errors.SendWindowMissed("the batch could not leave in time")
    assert explain(f"{type(window).__name__}: {window}").code == "crm_send_window"
    lookup = bitrix_errors.classify(503, {"error": "QUERY_LIMIT_EXCEEDED"}, method="batch")
    stored = (
        f"looking up an earlier create: {refusal(CommandFailed('l0', 'crm.lead.list', lookup))}"
    )
    reason = explain(stored)
    assert (reason.code, reason.stage) == ("crm_rate_limit", "lookup")
    assert reason_text(translator("ru"), reason).startswith("Не удалось проверить")


def test_hh_and_bitrix_errors_of_the_same_class_name_are_told_apart() -> None:
    hh_gone = hh_errors.NotFound("not found on hh.ru (resumes/not_found)")
    b24_gone = bitrix_errors.classify(404, {"error": "NOT_FOUND", "error_description": "x"})
    assert explain(f"NotFound: {hh_gone}").code == "hh_not_found"
    assert explain(f"NotFound: {b24_gone}").code == "crm_not_found"


def test_an_unknown_text_keeps_its_code_in_the_generic_words() -> None:
    stored = "crm.lead.add: SOMETHING_NEW: the portal changed its mind"
    reason = explain(stored)
    assert reason.code == UNKNOWN
    for language in LANGUAGES:
        assert "SOMETHING_NEW" in reason_text(translator(language), reason)
    assert explain(None).code == UNKNOWN
    json.dumps(reason_text(translator("ru"), explain(None)))
