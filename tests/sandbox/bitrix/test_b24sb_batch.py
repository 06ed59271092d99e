"""``batch``: envelope, halt, ``$result`` references, PHP arrays, the 50-command limit."""

from __future__ import annotations

from urllib.parse import urlencode

from b24_sandbox_testkit import PortalHandle, example, shape_errors

from hhsync.sandbox.bitrix.batch import substitute


def test_unresolved_references_stay_literal_text() -> None:
    results = {"a": 5, "b": {"ID": "7", "ITEMS": [{"ID": "9"}]}}
    assert substitute("$result[a]", results) == "5"
    assert substitute({"id": "$result[b][ID]"}, results) == {"id": "7"}
    assert substitute("$result[b][ITEMS][0][ID]", results) == "9"
    assert substitute("x$result[failed]y", results) == "x$result[failed]y"


async def test_references_chain_commands(portal: PortalHandle) -> None:
    body = await portal.ok(
        "batch",
        {
            "halt": 0,
            "cmd": {
                "lead": "crm.lead.add?fields[TITLE]=Иван&fields[PHONE][0][VALUE]=%2B79990001122",
                "get": "crm.lead.get?id=$result[lead]",
                "comment": "crm.timeline.comment.add?fields[ENTITY_TYPE]=lead"
                "&fields[ENTITY_ID]=$result[lead]&fields[COMMENT]=A%26B",
            },
        },
    )
    lead_id = body["result"]["lead"]
    assert body["result"]["get"]["ID"] == str(lead_id)
    assert body["result"]["get"]["TITLE"] == "Иван"
    assert body["result"]["get"]["PHONE"][0]["VALUE"] == "+79990001122"
    comments = portal.sandbox.portals[portal.domain].comments
    assert [c.comment for c in comments.values()] == ["A&B"]
    assert body["result_error"] == []
    assert body["result_next"] == []
    assert set(body["result_time"]) == {"lead", "get", "comment"}


async def test_halt_0_runs_everything_and_halt_1_stops(portal: PortalHandle) -> None:
    cmd = {
        "bad": "crm.lead.get?id=0",
        "missing": "crm.lead.get?id=999",
        "add": "crm.lead.add?fields[TITLE]=after",
    }
    all_run = await portal.ok("batch", {"halt": 0, "cmd": cmd})
    assert set(all_run["result_error"]) == {"bad", "missing"}
    assert all_run["result_error"]["bad"] == example("crm.lead.update.error.invalid-id.json")
    assert "add" in all_run["result"]
    halted = await portal.ok("batch", {"halt": 1, "cmd": cmd})
    assert set(halted["result_error"]) == {"bad"}
    assert halted["result"] == []
    assert halted["result_time"] == []
    assert len(portal.sandbox.portals[portal.domain].entities["lead"]) == 1
    documented = example("batch.error.halt1.json")["result"]
    assert list(halted) == list(documented)
    assert [type(v) for v in halted.values()] == [type(v) for v in documented.values()]


async def test_numeric_keys_become_json_arrays(portal: PortalHandle) -> None:
    body = await portal.ok("batch", {"cmd": ["crm.lead.get?id=0", "crm.status.list"]})
    assert isinstance(body["result_error"], list)
    assert body["result_error"] == [example("crm.lead.update.error.invalid-id.json")]
    # key "1" alone is not 0..n-1, so it stays an object, as in the real mixed response
    assert isinstance(body["result"], dict)
    assert set(body["result"]) == {"1"}
    only_zero = await portal.ok("batch", {"cmd": {"0": "crm.status.entity.items?entityId=STATUS"}})
    documented = example("batch.real.numeric-cmd-keys-become-json-arrays.json")["response"]
    assert shape_errors(documented["result"], only_zero) == []


async def test_list_commands_report_total_and_next(portal: PortalHandle) -> None:
    await portal.ok("batch", {"cmd": {f"a{i}": "crm.lead.add?fields[TITLE]=x" for i in range(50)}})
    await portal.ok("crm.lead.add", {"fields": {"TITLE": "51st"}})
    key = "order0000000000"  # the documented key style, with an empty list result
    response = await portal.call(
        "batch", {"cmd": {"page": "crm.lead.list?select[]=ID", key: "crm.deal.list"}}
    )
    body = response.json()["result"]
    assert body["result_total"] == {"page": 51, key: 0}
    assert body["result_next"] == {"page": 50}
    assert body["result"][key] == []
    documented = example("batch.real.list-empty-result.json")
    without_next = {**response.json(), "result": {**body, "result_next": []}}
    assert shape_errors(documented, without_next) == []


async def test_more_than_50_commands_fail_as_a_whole(portal: PortalHandle) -> None:
    commands = {f"c{i}": "crm.lead.add?fields[TITLE]=x" for i in range(51)}
    response = await portal.call("batch", {"cmd": commands})
    assert response.status_code == 400
    assert response.json() == {
        "error": "ERROR_BATCH_LENGTH_EXCEEDED",
        "error_description": "Max batch length exceeded",
    }
    assert portal.sandbox.portals[portal.domain].entities["lead"] == {}


async def test_nested_batch_and_unknown_methods_are_per_command_errors(
    portal: PortalHandle,
) -> None:
    body = await portal.ok(
        "batch", {"cmd": {"inner": "batch?cmd[a]=profile", "nope": "crm.lead.fly", "ok": "profile"}}
    )
    assert body["result_error"]["inner"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"
    assert body["result_error"]["nope"]["error"] == "ERROR_METHOD_NOT_FOUND"
    assert body["result"]["ok"]["ID"] == "1"


async def test_form_encoded_batch_is_parsed_like_php(portal: PortalHandle) -> None:
    inner = "crm.lead.add?" + urlencode({"fields[TITLE]": "A&B C", "fields[NAME]": "Ёж"})
    form = urlencode({"auth": portal.token, "halt": "0", "cmd[x]": inner})
    response = await portal.client.post(
        f"{portal.endpoint}batch",
        content=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    lead_id = response.json()["result"]["result"]["x"]
    lead = portal.sandbox.portals[portal.domain].entities["lead"][lead_id]
    assert (lead.fields["TITLE"], lead.fields["NAME"]) == ("A&B C", "Ёж")
