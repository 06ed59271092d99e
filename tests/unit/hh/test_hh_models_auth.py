"""Payload models (tolerant of new keys, strict on the ones we need) and the pure OAuth helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from hhsync import __version__
from hhsync.hh.auth import TokenPair, authorization_url, token_pair_from
from hhsync.hh.client import user_agent
from hhsync.hh.models import (
    Contact,
    Negotiation,
    NegotiationsPage,
    Resume,
    UserTokenResponse,
    VacanciesPage,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "hh" / "hh_examples"


def _example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_unknown_keys_are_ignored() -> None:
    body = _example("negotiations.item.employer.response.json")
    body["brand_new_field"] = {"hh.ru": "adds these"}
    body["state"]["extra"] = 1
    assert Negotiation.model_validate(body).id == body["id"]


def test_missing_needed_field_fails_validation() -> None:
    body = _example("employers.vacancies.active.response.json")
    del body["items"][0]["counters"]["responses"]
    with pytest.raises(ValidationError, match=r"items\.0\.counters\.responses"):
        VacanciesPage.model_validate(body)


def test_wrongly_typed_field_fails_validation() -> None:
    body = _example("negotiations.collection-list.response.json")
    body["items"][0]["created_at"] = "yesterday"
    with pytest.raises(ValidationError, match="created_at"):
        NegotiationsPage.model_validate(body)


def test_deleted_resume_is_null_in_a_negotiation() -> None:
    body = _example("negotiations.item.employer.response.json")
    body["resume"] = None
    assert Negotiation.model_validate(body).resume is None


def test_hidden_contacts_have_no_text() -> None:
    contact = Contact.model_validate(
        {"type": {"id": "cell", "name": "Мобильный телефон"}, "preferred": True, "value": None}
    )
    assert contact.text is None


def test_phone_without_formatted_is_assembled_from_its_parts() -> None:
    contact = Contact.model_validate(
        {
            "type": {"id": "cell", "name": "Мобильный телефон"},
            "value": {"country": "7", "city": "495", "number": "5527367", "formatted": None},
        }
    )
    assert contact.text == "+74955527367"


def test_full_resume_without_contacts_parses() -> None:
    body = _example("resumes.item.employer.response.json")
    del body["contact"]
    assert Resume.model_validate(body).contact == []


def test_token_answer_becomes_a_pair_with_an_expiry_instant() -> None:
    answer = UserTokenResponse.model_validate(_example("token.user.response.json"))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    pair = token_pair_from(answer, now)
    assert pair.expires_at == now + timedelta(days=14)
    assert pair.expired(now + timedelta(days=14))
    assert not pair.expired(now + timedelta(days=13, hours=23))


def test_unknown_expiry_is_never_expired() -> None:
    assert not TokenPair("a", "r", None).expired(datetime(2100, 1, 1, tzinfo=UTC))


def test_token_pair_repr_hides_the_tokens() -> None:
    pair = TokenPair("secret-access", "secret-refresh", None)
    assert "secret" not in repr(pair)


def test_authorization_url_carries_the_documented_parameters() -> None:
    url = authorization_url(
        "https://hh.ru/",
        client_id="app",
        state="signed-state",
        redirect_uri="https://hhsync.example.com/oauth/hh",
        code_challenge="abc",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hh.ru", "/oauth/authorize")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["app"],
        "state": ["signed-state"],
        "redirect_uri": ["https://hhsync.example.com/oauth/hh"],
        "code_challenge": ["abc"],
        "code_challenge_method": ["S256"],
    }


def test_authorization_url_can_ask_for_the_employer_role() -> None:
    """hh.ru OpenAPI spec, "Запрос авторизации под другим пользователем": role and force_role."""
    url = authorization_url("https://hh.ru", client_id="app", state="s", role="employer")
    assert parse_qs(urlsplit(url).query)["role"] == ["employer"]
    assert "force_role" not in parse_qs(urlsplit(url).query)
    forced = authorization_url(
        "https://hh.ru", client_id="app", state="s", role="employer", force_role=True
    )
    assert parse_qs(urlsplit(forced).query)["force_role"] == ["true"]


def test_user_agent_names_app_version_and_contact() -> None:
    assert user_agent(" ops@example.com ") == f"hhsync/{__version__} (ops@example.com)"
    with pytest.raises(ValueError, match="contact"):
        user_agent("  ")
