"""Fault injection in the hh.ru sandbox, by admin call and by config: 5xx (often not JSON),
garbage and truncated JSON, slow answers, an error after the write, and rates."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, UA, bearer

from hhsync.clock import FrozenClock
from hhsync.sandbox.faults import FaultKind, FaultPlan
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.sandbox.hh.runtime import HhSandbox


async def _inject(client: httpx.AsyncClient, times: int = 1, **fault: Any) -> None:
    answer = await client.post("/_sandbox/faults", json={"fault": fault, "times": times})
    assert answer.status_code == 200, answer.text


async def test_503_has_a_non_json_body(client: httpx.AsyncClient, tokens: Any) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    await _inject(client, kind="error", status=503)
    answer = await client.get("/me", headers=headers)
    assert answer.status_code == 503
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.text)
    assert (await client.get("/me", headers=headers)).status_code == 200  # one-shot


async def test_502_is_the_observed_bad_gateway_body(
    client: httpx.AsyncClient, tokens: Any, example: Any
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    await _inject(client, kind="error", status=502)
    answer = await client.get("/me", headers=headers)
    assert answer.status_code == 502
    assert answer.json() == example("observed.error.5xx.bad_gateway.json")


@pytest.mark.parametrize("kind", ["garbage", "truncated"])
async def test_broken_json_with_status_200(
    client: httpx.AsyncClient, tokens: Any, kind: str
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    intact = await client.get("/me", headers=headers)
    await _inject(client, kind=kind)
    broken = await client.get("/me", headers=headers)
    assert broken.status_code == 200
    with pytest.raises(ValueError, match=r"Expecting|Unterminated|decode|delimiter"):
        json.loads(broken.content)  # JSONDecodeError, or UnicodeDecodeError mid-character
    if kind == "truncated":
        assert intact.content.startswith(broken.content)
        assert 0 < len(broken.content) < len(intact.content)


async def test_slow_answer_is_still_correct(client: httpx.AsyncClient, tokens: Any) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    await _inject(client, kind="slow", delay_s=0.01)
    answer = await client.get("/me", headers=headers)
    assert answer.status_code == 200
    assert answer.json()["manager"]["id"] == ADMIN_ID


async def test_error_after_write_still_applies_the_change(
    client: httpx.AsyncClient,
    tokens: Any,
    sandbox: HhSandbox,
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    negotiation = next(
        n
        for n in sandbox.store.negotiations.values()
        if n.employer_state == "response"
        and not sandbox.store.vacancies[n.vacancy_id].archived
        and sandbox.store.vacancies[n.vacancy_id].employer_id == "1455"
    )
    await _inject(client, kind="error_after_write", path_contains="/negotiations/consider/")
    answer = await client.put(f"/negotiations/consider/{negotiation.id}", headers=headers)
    assert answer.status_code == 500
    assert sandbox.store.negotiations[negotiation.id].employer_state == "consider"


async def test_path_filter_spares_other_paths(client: httpx.AsyncClient, tokens: Any) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    await _inject(client, kind="error", status=500, path_contains="/resumes/")
    assert (await client.get("/me", headers=headers)).status_code == 200
    described = (await client.get("/_sandbox/faults")).json()
    assert described["queue"][0]["path_contains"] == "/resumes/"


async def test_fault_rate_from_config_and_clear(frozen: FrozenClock) -> None:
    plan = FaultPlan(rates={FaultKind.ERROR: 1.0}, rate_status=500)
    app = create_app(HhSandboxConfig(base_clock=frozen, rate_limit_per_s=0, faults=plan))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hh.test", headers=UA
    ) as client:
        assert (await client.get("/me")).status_code == 500
        assert (await client.get("/me")).status_code == 500
        await client.delete("/_sandbox/faults")
        assert (await client.get("/me")).status_code == 403  # back to normal (no token)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"fault": {"kind": "explode"}}, "fault needs 'kind'"),
        ({"fault": {"kind": "error", "status": 200}}, "HTTP error code"),
        ({"fault": {"kind": "error"}, "times": 0}, "'times' must be a positive integer"),
        ({}, "body needs 'fault'"),
        ({"rates": {"error": 2}}, "between 0 and 1"),
    ],
)
async def test_fault_admin_refuses_bad_input(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    answer = await client.post("/_sandbox/faults", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
