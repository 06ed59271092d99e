"""The import bound prices what the Bitrix24 sandbox books: one lead create of the benchmark's
world, its resume PDF in ``fileData``, sent as a batch to the sandbox over HTTP, takes the seconds
``hhsync.testing.bench_bound`` priced it at, command by command.

Source: b24restdocs ``settings/how-to-call-rest-api/batch.md`` (each command's own
``result_time``) and limits.md "Request Execution Time Limit" (data volume drives a request's
duration: the sandbox's per-KB cost, ``cost_profiles.py``)."""

from __future__ import annotations

import httpx
import pytest

from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.bitrix.cost_profiles import named_profile
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.testing.bench_bound import Create, method_seconds, world_commands
from hhsync.testing.server import serve


@pytest.mark.parametrize("profile", ["documented", "light"])
async def test_a_priced_create_takes_what_the_sandbox_books(profile: str) -> None:
    world = HhSandbox.build(
        HhSandboxConfig(
            seed=5,
            employers=1,
            managers_per_employer=1,
            vacancies_per_employer=1,
            archived_vacancies_per_employer=0,
            applicants=5,
            negotiations_per_vacancy=2,
        )
    )
    # one with its PDF (a deleted resume's lead has none)
    commands = next(c for c in world_commands(world, 300_000) if len(c[0].encode()) > 300_000)
    priced = method_seconds(named_profile(profile), [Create.of(commands)])
    app = create_bitrix(BitrixSandboxConfig(seed=5, demo_portals=(), cost_profile=profile))
    with serve(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            made = await http.post("/_sandbox/portals", json={"domain": "bound.bitrix24.ru"})
            assert made.status_code == 200, made.text
            info = made.json()
            answer = await http.post(
                f"{info['client_endpoint']}batch.json",
                json={
                    "auth": info["access_token"],
                    "cmd": {"e0": commands[0].encode(), "a0": commands[1].encode()},
                },
            )
    assert answer.status_code == 200, answer.text
    body = answer.json()["result"]
    assert body["result_error"] in ({}, []), body["result_error"]
    booked = body["result_time"]
    assert booked["e0"]["processing"] == pytest.approx(priced["crm.lead.add"], rel=0.01)
    assert booked["a0"]["processing"] == pytest.approx(
        priced["crm.activity.configurable.add"], rel=0.01
    )
    # the PDF is what makes the lead heavy: about 400 KB of Base64
    assert priced["crm.lead.add"] > named_profile(profile).cost("crm.lead.add", 390)
