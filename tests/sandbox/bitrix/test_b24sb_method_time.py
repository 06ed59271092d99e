"""Method time: cost profiles, request size, batches, the 60 s cut-off and preloaded busy time."""

from __future__ import annotations

import base64

import httpx
import pytest
from b24_sandbox_testkit import PortalHandle, example

from hhsync.clock import FrozenClock
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app
from hhsync.sandbox.bitrix.cost_profiles import DOCUMENTED, LIGHT, named_profile

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 400  # about 100 KB, 137 KB once base64-encoded


async def _file_field(portal: PortalHandle) -> None:
    await portal.ok(
        "crm.lead.userfield.add",
        {"fields": {"FIELD_NAME": "UF_HH_RESUME", "USER_TYPE_ID": "file"}},
    )


async def test_documented_profile_takes_the_examples_processing_time(
    portal: PortalHandle,
) -> None:
    """crm-lead-add.md and crm-deal-add.md show ``time.processing`` 3.31 s and 0.68 s; on the
    ``documented`` profile a bare create takes that long and books it as ``operating``."""
    await portal.admin("/method_time", {"profile": "documented"})
    lead = (await portal.call("crm.lead.add", {"fields": {"TITLE": "a"}})).json()["time"]
    deal = (await portal.call("crm.deal.add", {"fields": {"TITLE": "a"}})).json()["time"]
    documented_lead = example("crm.lead.add.response.json")["time"]["processing"]
    documented_deal = example("crm.deal.add.response.json")["time"]["processing"]
    assert lead["processing"] == pytest.approx(documented_lead, abs=0.01)
    assert deal["processing"] == pytest.approx(documented_deal, abs=0.01)
    assert lead["finish"] - lead["start"] == pytest.approx(lead["duration"], abs=1e-5)
    assert lead["operating"] == pytest.approx(lead["processing"], abs=1e-5)
    assert set(example("crm.lead.add.response.json")["time"]) <= set(lead)


async def test_a_create_carrying_a_pdf_costs_more_than_one_without(portal: PortalHandle) -> None:
    """limits.md ("Request Execution Time Limit"): data volume drives a request's duration; a
    lead with a resume in ``fileData`` takes base + per-KB time of its encoded parameters."""
    await portal.admin("/method_time", {"profile": "documented"})
    await _file_field(portal)
    bare = (await portal.call("crm.lead.add", {"fields": {"TITLE": "a"}})).json()["time"]
    encoded = base64.b64encode(PDF).decode()
    with_pdf = await portal.call(
        "crm.lead.add",
        {"fields": {"TITLE": "b", "UF_CRM_HH_RESUME": {"fileData": ["cv.pdf", encoded]}}},
    )
    heavy = with_pdf.json()["time"]
    extra_kb = len(encoded) / 1024
    assert heavy["processing"] - bare["processing"] == pytest.approx(
        extra_kb * DOCUMENTED.per_kb_s, rel=0.05
    )
    assert heavy["processing"] > bare["processing"] + 0.5


async def test_batch_takes_the_sum_of_its_commands(portal: PortalHandle) -> None:
    """batch.md: commands run one after another, each with its own ``result_time`` entry; the
    outer ``time`` spans them all (limits.md: the outer batch books no operating time)."""
    await portal.admin("/method_time", {"profile": "documented"})
    cmd = {f"l{i}": f"crm.lead.add?fields[TITLE]=L{i}" for i in range(3)}
    body = (await portal.call("batch", {"cmd": cmd})).json()
    times = body["result"]["result_time"]
    assert [times[f"l{i}"]["start"] for i in (1, 2)] == [times[f"l{i}"]["finish"] for i in (0, 1)]
    total = sum(t["processing"] for t in times.values())
    assert body["time"]["duration"] == pytest.approx(total, abs=1e-4)
    assert times["l2"]["operating"] == pytest.approx(total, abs=1e-4)
    assert "batch" not in portal.sandbox.portals[portal.domain].operating.snapshot(
        portal.sandbox.now_s()
    )


async def test_a_batch_running_past_60_seconds_answers_504_keeping_finished_writes(
    portal: PortalHandle,
) -> None:
    """limits.md: a cloud request must finish within 60 s or "is interrupted by timeout"; the
    front end answers nginx's 504 page. Commands finished before the cut-off keep their writes
    (each is its own transaction); the one running at the cut-off and later ones never happen.
    The time spent still counts as the method's operating time."""
    await portal.admin("/method_time", {"profile": "documented", "base_s": {"crm.lead.add": 25}})
    cmd = {f"l{i}": f"crm.lead.add?fields[TITLE]=L{i}&fields[ORIGIN_ID]=n{i}" for i in range(4)}
    response = await portal.call("batch", {"cmd": cmd})
    assert response.status_code == 504
    assert "504 Gateway Time-out" in response.text
    leads = portal.sandbox.portals[portal.domain].entities["lead"].values()
    assert sorted(lead.fields["ORIGIN_ID"] for lead in leads) == ["n0", "n1"]
    used = await portal.admin("/method_time", method="GET")
    assert used["operating"]["crm.lead.add"] == pytest.approx(60.0)
    log = await portal.admin("/requests", method="GET")
    assert log[-1]["status"] == 504


async def test_a_single_call_over_the_cut_off_writes_nothing(portal: PortalHandle) -> None:
    """limits.md: the 60 s limit holds for one call too; interrupted, its write never commits."""
    await portal.admin("/method_time", {"base_s": {"crm.lead.add": 61}})
    response = await portal.call("crm.lead.add", {"fields": {"TITLE": "slow"}})
    assert response.status_code == 504
    assert not portal.sandbox.portals[portal.domain].entities["lead"]
    assert (await portal.call("crm.lead.list")).status_code == 200


async def test_preloaded_busy_seconds_block_the_method_until_its_basket_resets(
    portal: PortalHandle,
) -> None:
    """limits.md (Resource Intensity Limits): time already spent on a method's budget blocks its
    next call with 429 OPERATION_TIME_LIMIT; other methods go on; calls resume once the basket
    holding that time drops out ten minutes after its first call."""
    shown = await portal.admin("/method_time", {"busy_s": {"crm.lead.add": 480}})
    assert shown["busy_s"] == {"crm.lead.add": 480.0}
    blocked = await portal.call("crm.lead.add", {"fields": {"TITLE": "a"}})
    assert (blocked.status_code, blocked.json()["error"]) == (429, "OPERATION_TIME_LIMIT")
    assert (await portal.call("crm.deal.add", {"fields": {"TITLE": "a"}})).status_code == 200
    portal.clock.advance(601)
    assert (await portal.call("crm.lead.add", {"fields": {"TITLE": "b"}})).status_code == 200


async def test_profiles_are_named_and_unknown_ones_refused(portal: PortalHandle) -> None:
    """The sandbox's own knob (no Bitrix24 counterpart): ``documented`` and ``light`` profiles."""
    assert named_profile("Light") is LIGHT
    with pytest.raises(ValueError, match="known: documented, light"):
        named_profile("turbo")
    refused = await portal.client.post(
        f"/_sandbox/portals/{portal.domain}/method_time", json={"profile": "turbo"}
    )
    assert refused.status_code == 400
    assert (await portal.admin("/method_time", method="GET"))["profile"] == "light"


async def test_the_config_picks_the_profile_of_every_portal() -> None:
    """BitrixSandboxConfig.cost_profile: every new portal starts on that profile."""
    app = create_app(
        BitrixSandboxConfig(base_clock=FrozenClock(), cost_profile="documented", demo_portals=())
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sb") as client:
        await client.post("/_sandbox/portals", json={"domain": "d.bitrix24.ru"})
        shown = (await client.get("/_sandbox/portals/d.bitrix24.ru/method_time")).json()
    assert shown["profile"] == "documented"
    assert shown["base_s"]["crm.deal.add"] == DOCUMENTED.base_s["crm.deal.add"]


async def test_an_answer_arrives_only_after_its_method_time_has_passed() -> None:
    """crm-lead-add.md: ``time.finish`` is when the portal finished; on the sandbox's own
    (scaled) clock the answer therefore cannot arrive before it."""
    config = BitrixSandboxConfig(
        speed=500.0, cost_profile="documented", demo_portals=(), real_latency=True
    )
    app = create_app(config)
    sandbox = app.state.sandbox
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sb") as client:
        info = (await client.post("/_sandbox/portals", json={"domain": "w.bitrix24.ru"})).json()
        response = await client.post(
            f"{info['client_endpoint']}crm.lead.add.json",
            json={"auth": info["access_token"], "fields": {"TITLE": "a"}},
        )
        answered_at = sandbox.now_s()
    block = response.json()["time"]
    assert block["finish"] - block["start"] > 3.0
    assert answered_at >= block["finish"]
