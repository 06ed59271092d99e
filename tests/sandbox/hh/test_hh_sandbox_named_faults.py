"""Documented hh.ru refusals on demand or by role: captcha_required, a spontaneous ``token
deactivated`` on refresh (and what it leaves behind), the managers list refused to a manager
without the right, and raw answers."""

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


async def _refresh(client: httpx.AsyncClient, pair: dict[str, Any]) -> httpx.Response:
    grant = {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    return await client.post("/token", data=grant)


DEACTIVATED = {"error": "invalid_grant", "error_description": "token deactivated"}


async def test_a_spontaneous_token_deactivated_leaves_the_pair_dead_by_default(
    client: httpx.AsyncClient, tokens: Any, frozen: FrozenClock
) -> None:
    """hhru/api#869 (2025: "token deactivated" on refreshing a naturally expired pair) and #619
    (2022: the same for a pair refreshed that day, no password changed; hh.ru answered only that
    it means a password change). Neither says whether the refresh token works afterwards; the
    sandbox's default is the stricter reading: the pair is dead, like after a password change."""
    assert (await client.get("/_sandbox/oauth")).json() == {"spontaneous_deactivation": "dead"}
    pair = await tokens(ADMIN_ID)
    frozen.advance(pair["expires_in"] + 1)
    await _inject(client, kind="named", code="token_deactivated", path_contains="/token")
    refused = await _refresh(client, pair)
    assert (refused.status_code, refused.json()) == (400, DEACTIVATED)
    for _ in range(3):  # no fault queued any more: the pair itself is refused now
        again = await _refresh(client, pair)
        assert (again.status_code, again.json()) == (400, DEACTIVATED)
    other = await tokens(ADMIN_ID)  # a new login of the same manager works
    frozen.advance(other["expires_in"] + 1)
    assert (await _refresh(client, other)).status_code == 200


async def test_a_spontaneous_token_deactivated_may_leave_the_pair_working(
    client: httpx.AsyncClient, tokens: Any, frozen: FrozenClock
) -> None:
    """hhru/api#869 and #619, the other reading (``pair_survives``): nothing was revoked, so the
    same refresh token refreshes afterwards, once."""
    knob = {"spontaneous_deactivation": "pair_survives"}
    chosen = await client.post("/_sandbox/oauth", json=knob)
    assert chosen.json() == {"spontaneous_deactivation": "pair_survives"}
    pair = await tokens(ADMIN_ID)
    frozen.advance(pair["expires_in"] + 1)
    await _inject(client, kind="named", code="token_deactivated", path_contains="/token")
    refused = await _refresh(client, pair)
    assert (refused.status_code, refused.json()) == (400, DEACTIVATED)
    again = await _refresh(client, pair)
    assert again.status_code == 200, again.text
    assert again.json()["access_token"] != pair["access_token"]
    spent = await _refresh(client, pair)  # still single use
    assert spent.json()["error_description"] == "token has already been refreshed"


@pytest.mark.parametrize(
    "body",
    [{"spontaneous_deactivation": "maybe"}, {"spontaneous_deactivation": 1}, {"other": "dead"}],
)
async def test_unknown_oauth_rules_are_refused(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    answer = await client.post("/_sandbox/oauth", json=body)
    assert answer.status_code == 400
    assert (await client.get("/_sandbox/oauth")).json() == {"spontaneous_deactivation": "dead"}


async def test_the_managers_list_is_refused_to_a_manager_without_the_right(
    client: httpx.AsyncClient, tokens: Any, spec: Any
) -> None:
    """hh.ru OpenAPI spec, ``get-employer-managers``: 403 "Текущий пользователь не имеет прав на
    просмотр менеджеров данного работодателя" (``ErrorsCommonBadAuthorizationErrors``), with no
    fault injected. The spec names no right; the sandbox reads it as ``has_admin_rights``
    (``MeEmployerProfileManager``), or a right the company granted the manager."""
    me = (await client.get("/me", headers=bearer(await tokens(MANAGER_ID)))).json()
    assert me["manager"]["has_admin_rights"] is False
    headers = bearer(await tokens(MANAGER_ID))
    answer = await client.get(f"/employers/{EMPLOYER_ID}/managers", headers=headers)
    assert answer.status_code == 403
    spec.check(answer.json(), "ErrorsCommonBadAuthorizationErrors")
    assert answer.json()["errors"] == [{"type": "forbidden"}]
    assert (await client.get("/me", headers=headers)).status_code == 200
    admin = await client.get(
        f"/employers/{EMPLOYER_ID}/managers", headers=bearer(await tokens(ADMIN_ID))
    )
    assert admin.status_code == 200
    spec.check(admin.json(), "EmployerManagersResponse")
    granted = await client.post(
        f"/_sandbox/managers/{MANAGER_ID}/rights", json={"list_managers": True}
    )
    assert granted.json() == {"manager_id": MANAGER_ID, "list_managers": True}
    assert (
        await client.get(f"/employers/{EMPLOYER_ID}/managers", headers=headers)
    ).status_code == 200


async def test_the_managers_list_fault_still_refuses_anyone(
    client: httpx.AsyncClient, tokens: Any
) -> None:
    """The named fault stays, for an admin refused the list (the same spec answer)."""
    headers = bearer(await tokens(ADMIN_ID))
    await _inject(client, kind="named", code="managers_forbidden", path_contains="/managers")
    answer = await client.get(f"/employers/{EMPLOYER_ID}/managers", headers=headers)
    assert answer.status_code == 403
    assert answer.json()["errors"] == [{"type": "forbidden"}]


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
