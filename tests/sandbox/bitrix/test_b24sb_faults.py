"""Injected faults (the exactly-once case, 503 bursts, HTML pages, garbage), request log, 302."""

from __future__ import annotations

import json

import pytest
from b24_sandbox_testkit import PortalHandle


async def test_500_after_the_write_leaves_the_lead_created(portal: PortalHandle) -> None:
    await portal.admin(
        "/faults",
        {"fault": {"kind": "error_after_write", "status": 500, "path_contains": "crm.lead.add"}},
    )
    response = await portal.call(
        "crm.lead.add", {"fields": {"ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "neg-1"}}
    )
    assert response.status_code == 500
    # the write happened: a client must adopt by ORIGIN_ID instead of adding again
    found = await portal.ok(
        "crm.lead.list",
        {"filter": {"ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "neg-1"}, "select": ["ID"]},
    )
    assert found == [{"ID": "1"}]
    log = await portal.admin("/requests", method="GET")
    assert (log[0]["status"], log[0]["error"]) == (500, "fault:error_after_write")


async def test_timeout_answers_the_gateway_page_and_does_nothing(portal: PortalHandle) -> None:
    await portal.admin("/faults", {"fault": {"kind": "timeout", "delay_s": 0}})
    response = await portal.call("crm.lead.add", {"fields": {"TITLE": "x"}})
    assert response.status_code == 504
    assert "Gateway Time-out" in response.text
    assert portal.sandbox.portals[portal.domain].entities["lead"] == {}


async def test_503_burst_then_recovery_without_side_effects(portal: PortalHandle) -> None:
    await portal.admin("/faults", {"fault": {"kind": "error", "status": 503}, "times": 3})
    for _ in range(3):
        refused = await portal.call("crm.lead.add", {"fields": {"TITLE": "x"}})
        assert (refused.status_code, refused.json()["error"]) == (503, "QUERY_LIMIT_EXCEEDED")
    assert portal.sandbox.portals[portal.domain].entities["lead"] == {}
    assert (await portal.call("crm.lead.add", {"fields": {"TITLE": "x"}})).status_code == 200


@pytest.mark.parametrize("status", [502, 504])
async def test_gateway_errors_are_html(portal: PortalHandle, status: int) -> None:
    await portal.admin("/faults", {"fault": {"kind": "error", "status": status}})
    response = await portal.call("profile")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "nginx" in response.text


async def test_garbage_and_truncated_bodies_are_not_json(portal: PortalHandle) -> None:
    await portal.admin("/faults", {"fault": {"kind": "garbage"}})
    garbage = await portal.call("crm.lead.add", {"fields": {"TITLE": "g"}})
    assert garbage.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(garbage.text)
    await portal.admin("/faults", {"fault": {"kind": "truncated"}})
    truncated = await portal.call("crm.lead.add", {"fields": {"TITLE": "t"}})
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.text)
    titles = [
        e.fields["TITLE"] for e in portal.sandbox.portals[portal.domain].entities["lead"].values()
    ]
    assert titles == ["t"]  # garbage came before the work, truncation after it


async def test_slow_answer_is_still_correct(portal: PortalHandle) -> None:
    await portal.admin("/faults", {"fault": {"kind": "slow", "delay_s": 0.01}})
    assert (await portal.call("profile")).json()["result"]["ID"] == "1"


async def test_faults_match_batch_commands_and_rates_can_be_cleared(portal: PortalHandle) -> None:
    await portal.admin(
        "/faults", {"fault": {"kind": "error", "status": 500, "path_contains": "crm.deal.add"}}
    )
    assert (await portal.call("batch", {"cmd": {"a": "crm.lead.list"}})).status_code == 200
    assert (await portal.call("batch", {"cmd": {"a": "crm.deal.add"}})).status_code == 500
    await portal.admin("/faults", {"rates": {"error": 1.0}, "rate_status": 500})
    assert (await portal.call("profile")).status_code == 500
    await portal.admin("/faults", method="DELETE")
    assert (await portal.call("profile")).status_code == 200


async def test_request_log_records_methods_statuses_and_commands(portal: PortalHandle) -> None:
    await portal.call("profile")
    await portal.call("crm.lead.get", {"id": 5})
    await portal.call("batch", {"cmd": {"a": "crm.lead.list", "b": "profile"}})
    log = await portal.admin("/requests", method="GET")
    assert [(r["method"], r["status"], r["error"]) for r in log] == [
        ("profile", 200, None),
        ("crm.lead.get", 400, ""),
        ("batch", 200, None),
    ]
    assert log[-1]["commands"] == ["crm.lead.list", "profile"]
    assert log[0]["client_ip"] == "127.0.0.1"


async def test_renamed_portal_redirects_with_302(portal: PortalHandle) -> None:
    moved = await portal.admin("/rename", {"domain": "new.bitrix24.ru"})
    old = await portal.call("profile")
    assert old.status_code == 302
    assert old.headers["location"].endswith("/p/new.bitrix24.ru/rest/profile.json")
    response = await portal.client.post(
        f"{moved['client_endpoint']}profile.json", json={"auth": portal.token}
    )
    assert response.status_code == 200


async def test_admin_inspects_entities_and_counts(portal: PortalHandle) -> None:
    await portal.ok("crm.lead.add", {"fields": {"TITLE": "seen"}})
    summary = await portal.admin("", method="GET")
    assert summary["counts"]["leads"] == 1
    assert summary["plan"] == {"drain_per_s": 2.0, "capacity": 50.0}
    leads = await portal.admin("/entities/leads", method="GET")
    assert [lead["TITLE"] for lead in leads] == ["seen"]
    bad = await portal.client.post(
        f"/_sandbox/portals/{portal.domain}/faults", json={"fault": {"kind": "meteor"}}
    )
    assert bad.status_code == 400
