"""Documented hh.ru refusals on demand: captcha_required, a spontaneous ``token deactivated`` on
refresh, the managers list refused to a manager without the right, and raw answers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, MANAGER_ID, bearer

from hhsync.clock import FrozenClock
from hhsync.sandbox.hh.errors import CAPTCHA_URL


async def _inject(client: httpx.AsyncClient, times: int = 1, **fault: Any) -> None:
    answer = await client.post("/_sandbox/faults", json={"fault": fault, "times": times})
    assert answer.status_code == 200, answer.text


async def test_captcha_required_carries_the_page_to_solve_it_on(
    client: httpx.AsyncClient, tokens: Any, spec: Any
) -> None:
    """hh.ru OpenAPI spec, ``ErrorsCommonCaptchaError`` (403, ``captcha_url`` and
    ``fallback_url``; the app appends ``backurl``); hhru/api docs/errors.md."""
    headers = bearer(await tokens(ADMIN_ID))
    await _inject(
        client, times=2, kind="named", code="captcha_required", path_contains="/vacancies"
    )
    for _ in range(2):
        answer = await client.get(f"/employers/{EMPLOYER_ID}/vacancies/active", headers=headers)
        assert answer.status_code == 403
        body = answer.json()
        spec.check(body, "ErrorsCommonBadAuthorizationErrors")
        [item] = body["errors"]
        assert (item["type"], item["value"]) == ("captcha_required", "captcha_required")
        assert item["captcha_url"] == CAPTCHA_URL
        assert item["fallback_url"].startswith("https://hh.ru/")
        assert body["request_id"] == answer.headers["x-request-id"]
    assert (await client.get("/me", headers=headers)).status_code == 200  # others unaffected
    answer = await client.get(f"/employers/{EMPLOYER_ID}/vacancies/active", headers=headers)
    assert answer.status_code == 200  # solved: answers again


async def test_a_refresh_may_answer_token_deactivated_although_the_pair_is_valid(
    client: httpx.AsyncClient, tokens: Any, frozen: FrozenClock
) -> None:
    """hhru/api#869 (and #619: "token deactivated" for a pair refreshed that day): the refresh
    answers 400 invalid_grant "token deactivated" though no password changed."""
    pair = await tokens(ADMIN_ID)
    frozen.advance(pair["expires_in"] + 1)
    await _inject(client, kind="named", code="token_deactivated", path_contains="/token")
    grant = {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    refused = await client.post("/token", data=grant)
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "token deactivated"},
    )
    # nothing was revoked: the same refresh token still works afterwards
    again = await client.post("/token", data=grant)
    assert again.status_code == 200, again.text
    assert again.json()["access_token"] != pair["access_token"]


async def test_the_managers_list_is_refused_to_a_manager_without_the_right(
    client: httpx.AsyncClient, tokens: Any, spec: Any
) -> None:
    """hh.ru OpenAPI spec, ``get-employer-managers``: 403 "Текущий пользователь не имеет прав на
    просмотр менеджеров данного работодателя" (``ErrorsCommonBadAuthorizationErrors``)."""
    headers = bearer(await tokens(MANAGER_ID))
    await _inject(client, kind="named", code="managers_forbidden", path_contains="/managers")
    answer = await client.get(f"/employers/{EMPLOYER_ID}/managers", headers=headers)
    assert answer.status_code == 403
    spec.check(answer.json(), "ErrorsCommonBadAuthorizationErrors")
    assert answer.json()["errors"] == [{"type": "forbidden"}]
    assert (await client.get("/me", headers=headers)).status_code == 200


async def test_a_raw_fault_answers_any_status_and_body(
    client: httpx.AsyncClient, tokens: Any
) -> None:
    """hhru/api docs/errors.md («Системная ошибка»): 5xx bodies may not be valid JSON; the
    application must rely on the status code alone."""
    headers = bearer(await tokens(ADMIN_ID))
    await _inject(client, kind="raw", status=502, body="<html>502 Bad Gateway</html>")
    answer = await client.get("/me", headers=headers)
    assert (answer.status_code, answer.text) == (502, "<html>502 Bad Gateway</html>")


@pytest.mark.parametrize(
    ("fault", "problem"),
    [({"kind": "named", "code": "nope"}, "captcha_required"), ({"kind": "named"}, "'code'")],
)
async def test_unknown_named_faults_are_refused(
    client: httpx.AsyncClient, fault: dict[str, Any], problem: str
) -> None:
    answer = await client.post("/_sandbox/faults", json={"fault": fault})
    assert answer.status_code == 400
    assert problem in answer.json()["error"]
