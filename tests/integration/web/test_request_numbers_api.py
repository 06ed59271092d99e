"""Every number the app's JSON API reads from a request (a path id, a page size, a cursor, a
pipeline, a user id) is ASCII digits with a bound: '²' (``str.isdigit`` says yes, ``int`` says
no), Arabic-Indic or full-width digits and endless digit strings get the route's stable 4xx,
never a 500, and change nothing. Over the door's app, a real PostgreSQL and the Bitrix24 sandbox.
"""

from __future__ import annotations

from typing import Any, Final

import pytest

from hhsync import texts
from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import snapshot
from tests.integration.web.test_settings_api import A_DEAL_SAVE, admin_on, post

pytestmark = pytest.mark.postgres

NOT_NUMBERS: Final = (
    "²",  # superscript two: isdigit() is True, int() raises
    "1²",
    "١٢",  # Arabic-Indic twelve: int() reads 12
    "１２",  # full-width twelve: int() reads 12
    "9" * 40,  # past PostgreSQL's bigint
    "9" * 5000,  # past what int() converts from text at all
    "-1",
    "+1",
    " 1",
)


@pytest.fixture
async def session(door: Door) -> dict[str, str]:
    """An installed portal's administrator session."""
    return await admin_on(door)


@pytest.mark.parametrize("raw", NOT_NUMBERS)
async def test_the_journal_refuses_what_is_no_number_by_its_reason(
    door: Door, session: dict[str, str], raw: str
) -> None:
    before = await snapshot(door.database)
    for params, reason in (
        ({"limit": raw}, "bad_limit"),
        ({"before": f"{raw}.1"}, "bad_cursor"),
        ({"before": f"1.{raw}"}, "bad_cursor"),
    ):
        answer = await door.client.get("/app/api/journal", params=params, headers=session)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["reason"] == reason
        assert answer.json()["error"]
    retried = await door.client.post(f"/app/api/journal/{raw}/retry", headers=session)
    assert retried.status_code == 404, retried.text
    assert retried.json()["reason"] == "no_such_negotiation"
    assert await snapshot(door.database) == before


@pytest.mark.parametrize("raw", NOT_NUMBERS)
async def test_the_settings_refuse_a_pipeline_or_user_that_is_no_number(
    door: Door, session: dict[str, str], raw: str
) -> None:
    before = await snapshot(door.database)
    asked = await door.client.get(
        "/app/api/settings", params={"entity_type": "deal", "category_id": raw}, headers=session
    )
    assert asked.status_code == 400, asked.text
    assert asked.json()["reason"] == "bad_query"
    for field in ("responsible_user_id", "category_id"):
        saved = await post(door, session, A_DEAL_SAVE | {field: raw})
        assert saved.status_code == 400, (field, saved.text)
        assert saved.json()["field"] == field
        assert saved.json()["reason"] == f"invalid {field}"
    assert await snapshot(door.database) == before


@pytest.mark.parametrize("number", [10**10, 10**40, -1])
async def test_the_settings_refuse_a_json_number_no_portal_id_can_be(
    door: Door, session: dict[str, str], number: int
) -> None:
    before = await snapshot(door.database)
    for field in ("responsible_user_id", "category_id"):
        body: dict[str, Any] = A_DEAL_SAVE | {field: number}
        saved = await post(door, session, body)
        assert saved.status_code == 400, (field, saved.text)
        assert saved.json()["field"] == field
    assert await snapshot(door.database) == before


@pytest.mark.parametrize("raw", NOT_NUMBERS)
async def test_an_hh_account_that_is_no_number_is_not_found(
    door: Door, session: dict[str, str], raw: str
) -> None:
    before = await snapshot(door.database)
    answer = await door.client.post(f"/app/api/hh/accounts/{raw}/logout", headers=session)
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"] == texts.HH_API_ACCOUNT_NOT_FOUND
    assert await snapshot(door.database) == before
