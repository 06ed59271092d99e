"""Documented refusals that last until someone acts (blocks), named faults and raw answers."""

from __future__ import annotations

import base64

import pytest
from b24_sandbox_testkit import PortalHandle

LEAD = {"fields": {"TITLE": "x", "ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "neg-1"}}


async def lead_count(portal: PortalHandle) -> int:
    return len(portal.sandbox.portals[portal.domain].entities["lead"])


async def test_overload_limit_refuses_every_call_until_support_lifts_it(
    portal: PortalHandle,
) -> None:
    """Bitrix24 REST docs, _includes/system-errors.md: 503 OVERLOAD_LIMIT "REST API is blocked due
    to overload", a manual block that only Bitrix24 support lifts."""
    await portal.admin("/blocks", {"code": "OVERLOAD_LIMIT"})
    for method, params in (
        ("crm.lead.add", LEAD),
        ("profile", {}),
        ("batch", {"cmd": {"a": "profile"}}),
    ):
        refused = await portal.call(method, params)
        assert refused.status_code == 503
        assert refused.json() == {
            "error": "OVERLOAD_LIMIT",
            "error_description": "REST API is blocked due to overload",
        }
    assert await lead_count(portal) == 0
    log = await portal.admin("/requests", method="GET")
    assert {entry["error"] for entry in log} == {"OVERLOAD_LIMIT"}
    await portal.admin("/blocks", method="DELETE")
    assert (await portal.call("crm.lead.add", LEAD)).status_code == 200


async def test_payment_required_refuses_the_portal(portal: PortalHandle) -> None:
    """Bitrix24 REST docs, settings/oauth/error-codes.md: PAYMENT_REQUIRED when the app's trial
    or paid period ended ("Subscription has been ended" as Bitrix24 SDKs observe it, HTTP 401)."""
    listed = await portal.admin("/blocks", {"code": "PAYMENT_REQUIRED"})
    assert listed == {"blocks": [{"code": "PAYMENT_REQUIRED", "method": "", "status": 401}]}
    refused = await portal.call("crm.lead.list")
    assert refused.status_code == 401
    assert refused.json()["error"] == "PAYMENT_REQUIRED"
    assert refused.json()["error_description"] == "Subscription has been ended"


async def test_method_waiting_for_confirmation_refuses_that_method_only_even_in_a_batch(
    portal: PortalHandle,
) -> None:
    """Bitrix24 REST docs, api-reference/scopes/confirmation.md: 401 METHOD_CONFIRM_WAITING
    "Waiting for confirmation" until the administrator confirms; other methods work."""
    await portal.admin("/blocks", {"code": "METHOD_CONFIRM_WAITING", "method": "crm.lead.add"})
    refused = await portal.call("crm.lead.add", LEAD)
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "METHOD_CONFIRM_WAITING",
        "error_description": "Waiting for confirmation",
    }
    assert (await portal.call("crm.lead.list")).status_code == 200
    batch = await portal.ok(
        "batch",
        {"cmd": {"add": "crm.lead.add?fields[TITLE]=b", "list": "crm.lead.list"}},
    )
    assert batch["result_error"]["add"]["error"] == "METHOD_CONFIRM_WAITING"
    assert "list" in batch["result"]
    assert await lead_count(portal) == 0
    await portal.admin("/blocks?code=METHOD_CONFIRM_WAITING", method="DELETE")  # confirmed
    assert (await portal.call("crm.lead.add", LEAD)).status_code == 200


@pytest.mark.parametrize(
    ("code", "status", "text"),
    [
        # settings/interactivity/push-and-pull/pull-application-config-get.md
        ("WRONG_AUTH_TYPE", 403, "Application context required"),
        # api-reference/crm/timeline/activities/configurable/crm-activity-configurable-add.md
        (
            "ERROR_WRONG_CONTEXT",
            400,
            "Method call is only possible in the context of an application",
        ),
    ],
)
async def test_a_method_called_with_the_wrong_kind_of_auth_is_refused(
    portal: PortalHandle, code: str, status: int, text: str
) -> None:
    """Bitrix24 REST docs (files named in the parameters): app-context methods called by a
    webhook or without the application's context answer WRONG_AUTH_TYPE / ERROR_WRONG_CONTEXT."""
    await portal.admin("/blocks", {"code": code, "method": "crm.activity"})
    refused = await portal.call("crm.activity.list")
    assert (refused.status_code, refused.json()) == (
        status,
        {"error": code, "error_description": text},
    )
    assert (await portal.call("crm.lead.list")).status_code == 200


async def test_an_unknown_block_code_is_refused_with_the_known_ones(portal: PortalHandle) -> None:
    response = await portal.client.post(
        f"/_sandbox/portals/{portal.domain}/blocks", json={"code": "NO_SUCH_THING"}
    )
    assert response.status_code == 400
    assert "OVERLOAD_LIMIT" in response.json()["error"]


async def test_a_named_fault_answers_its_code_for_the_next_calls_only(portal: PortalHandle) -> None:
    """The same documented bodies (Bitrix24 REST docs, _includes/system-errors.md) for N calls."""
    await portal.admin(
        "/faults",
        {
            "fault": {"kind": "named", "code": "OVERLOAD_LIMIT", "path_contains": "crm.lead"},
            "times": 2,
        },
    )
    for _ in range(2):
        refused = await portal.call("crm.lead.add", LEAD)
        assert (refused.status_code, refused.json()["error"]) == (503, "OVERLOAD_LIMIT")
    assert await lead_count(portal) == 0
    assert (await portal.call("crm.lead.add", LEAD)).status_code == 200


async def test_a_raw_fault_answers_any_status_and_bytes(portal: PortalHandle) -> None:
    """Bitrix24 REST docs, _includes/system-errors.md: "HTTP Status: 20x, 40x, 50x" — and what
    the nginx in front of a portal answers is not the JSON envelope at all."""
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    await portal.admin(
        "/faults",
        {"fault": {"kind": "raw", "status": 502, "body_base64": base64.b64encode(page).decode()}},
    )
    html = await portal.call("crm.lead.list")
    assert (html.status_code, html.content) == (502, page)
    assert html.headers["content-type"].startswith("text/html")
    await portal.admin(
        "/faults",
        {
            "fault": {
                "kind": "raw",
                "status": 200,
                "body": '{"result": [1,',
                "content_type": "application/json",
            }
        },
    )
    broken = await portal.call("crm.lead.list")
    assert (broken.status_code, broken.text) == (200, '{"result": [1,')
    await portal.admin("/faults", {"fault": {"kind": "raw", "status": 500}})
    empty = await portal.call("crm.lead.list")
    assert (empty.status_code, empty.content) == (500, b"")


async def test_a_raw_fault_after_the_write_keeps_the_lead(portal: PortalHandle) -> None:
    """The exactly-once case with an HTML answer: the add ran, its answer is an nginx page."""
    await portal.admin(
        "/faults",
        {
            "fault": {
                "kind": "raw",
                "status": 502,
                "body": "<html>502 Bad Gateway</html>",
                "after_write": True,
                "path_contains": "crm.lead.add",
            }
        },
    )
    described = await portal.admin("/faults", method="GET")
    assert described["queue"][0]["after_write"] is True
    response = await portal.call("crm.lead.add", LEAD)
    assert response.status_code == 502
    assert await lead_count(portal) == 1
    log = await portal.admin("/requests", method="GET")
    assert log[-1]["error"] == "fault:raw_after_write"


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        ({"kind": "named"}, "'code'"),
        ({"kind": "named", "code": "NOPE"}, "unknown Bitrix24 error code"),
        ({"kind": "raw", "status": 99}, "200-599"),
        ({"kind": "raw", "body_base64": "%%%"}, "base64"),
    ],
)
async def test_bad_named_and_raw_faults_are_refused(
    portal: PortalHandle, fault: dict[str, object], problem: str
) -> None:
    response = await portal.client.post(
        f"/_sandbox/portals/{portal.domain}/faults", json={"fault": fault}
    )
    assert response.status_code == 400
    assert problem in response.json()["error"]
