"""Configurable activities (layout validation, 20-block limit), to-dos, timeline comments."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from b24_sandbox_testkit import PortalHandle, example

from hhsync.sandbox.bitrix.envelope import RestError
from hhsync.sandbox.bitrix.layout import validate_layout

LAYOUT: dict[str, Any] = example("crm.activity.configurable.layout.request-example.json")


def layout_with_blocks(count: int) -> dict[str, Any]:
    layout = copy.deepcopy(LAYOUT)
    layout["body"]["blocks"] = {
        f"other{i}": {"type": "text", "properties": {"value": f"#{i}"}} for i in range(count)
    }
    return layout


def error_of(layout: Any) -> str:
    with pytest.raises(RestError) as caught:
        validate_layout(layout)
    return caught.value.code


def test_documented_layout_is_valid() -> None:
    validate_layout(LAYOUT)
    validate_layout(layout_with_blocks(20))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda lay: lay.clear(), "ERROR_EMPTY_LAYOUT"),
        (
            lambda lay: lay["body"].update(blocks=layout_with_blocks(21)["body"]["blocks"]),
            "TOO_MANY_ITEMS",
        ),
        (lambda lay: lay["body"].update(blocks={}), "FIELD_IS_REQUIRED"),
        (lambda lay: lay["header"]["tags"]["status2"].update(type="lavender"), "ENUM_FIELD"),
        (
            lambda lay: lay["header"]["tags"].update(
                a={"title": "a", "type": "success"}, b={"title": "b", "type": "success"}
            ),
            "TOO_MANY_ITEMS",
        ),
        (lambda lay: lay["header"].update(subtitle="x"), "FIELD_IS_REDUNDANT"),
        (
            lambda lay: lay["body"]["blocks"].update(
                {"ключ": {"type": "text", "properties": {"value": "x"}}}
            ),
            "KEY_CONTAIN_WRONG_SYMBOLS",
        ),
        (lambda lay: lay.pop("icon"), "FIELD_IS_REQUIRED"),
        (lambda lay: lay["footer"]["buttons"]["startCall"].update(type="danger"), "ENUM_FIELD"),
        (lambda lay: lay["body"]["blocks"]["client"].update(type="table"), "ENUM_FIELD"),
    ],
)
def test_invalid_layouts_get_the_documented_codes(change: Any, code: str) -> None:
    layout = copy.deepcopy(LAYOUT)
    change(layout)
    assert error_of(layout) == code


async def test_21_blocks_fail_over_http_and_create_nothing(portal: PortalHandle) -> None:
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "x"}})
    refused = await portal.call(
        "crm.activity.configurable.add",
        {"ownerTypeId": 1, "ownerId": lead_id, "fields": {}, "layout": layout_with_blocks(21)},
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "TOO_MANY_ITEMS"
    assert "may contain no more than 20 values" in refused.json()["error_description"]
    assert portal.sandbox.portals[portal.domain].activities == {}
    ok = await portal.call(
        "crm.activity.configurable.add",
        {
            "ownerTypeId": 1,
            "ownerId": lead_id,
            "layout": layout_with_blocks(20),
            "fields": {"originatorId": "hhsync", "originId": "n1"},
        },
    )
    activity_id = ok.json()["result"]["activity"]["id"]
    listed = await portal.ok(
        "crm.activity.list",
        {
            "filter": {
                "OWNER_TYPE_ID": 1,
                "OWNER_ID": lead_id,
                "PROVIDER_ID": "CONFIGURABLE_REST_APP",
            }
        },
    )
    assert [(a["ID"], a["ORIGIN_ID"]) for a in listed] == [(str(activity_id), "n1")]


async def test_activity_needs_an_existing_owner(portal: PortalHandle) -> None:
    response = await portal.call(
        "crm.activity.configurable.add", {"ownerTypeId": 2, "ownerId": 77, "layout": LAYOUT}
    )
    assert response.json() == example("crm.activity.configurable.add.error.json")
    assert response.status_code == 400


async def test_configurable_update_replaces_the_layout(portal: PortalHandle) -> None:
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "x"}})
    added = await portal.ok(
        "crm.activity.configurable.add",
        {"ownerTypeId": 1, "ownerId": lead_id, "fields": {}, "layout": LAYOUT},
    )
    await portal.ok(
        "crm.activity.configurable.update",
        {"id": added["activity"]["id"], "fields": {}, "layout": layout_with_blocks(3)},
    )
    got = await portal.ok("crm.activity.configurable.get", {"id": added["activity"]["id"]})
    assert len(got["activity"]["layout"]["body"]["blocks"]) == 3


async def test_todo_requires_a_valid_deadline(portal: PortalHandle) -> None:
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "x"}})
    missing = await portal.call("crm.activity.todo.add", {"ownerTypeId": 1, "ownerId": lead_id})
    assert missing.status_code == 400
    bad = await portal.call(
        "crm.activity.todo.add", {"ownerTypeId": 1, "ownerId": lead_id, "deadline": "tomorrow"}
    )
    assert bad.json()["error"] == "WRONG_DATETIME_FORMAT"


async def test_timeline_comment_needs_lowercase_fields_and_type(portal: PortalHandle) -> None:
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "x"}})
    upper = await portal.call(
        "crm.timeline.comment.add",
        {"FIELDS": {"ENTITY_ID": lead_id, "ENTITY_TYPE": "lead", "COMMENT": "hi"}},
    )
    assert upper.status_code == 400
    wrong_type = await portal.call(
        "crm.timeline.comment.add",
        {"fields": {"ENTITY_ID": lead_id, "ENTITY_TYPE": "LEAD", "COMMENT": "hi"}},
    )
    assert wrong_type.json()["error"] == "OWNER_NOT_FOUND"
    empty = await portal.call(
        "crm.timeline.comment.add",
        {"fields": {"ENTITY_ID": lead_id, "ENTITY_TYPE": "lead", "COMMENT": " "}},
    )
    assert empty.json()["error"] == "INVALID_ARG_VALUE"
    assert isinstance(
        await portal.ok(
            "crm.timeline.comment.add",
            {"fields": {"ENTITY_ID": lead_id, "ENTITY_TYPE": "lead", "COMMENT": "hi"}},
        ),
        int,
    )


async def test_activities_are_found_by_origin_and_owner_with_only_the_selected_fields(
    portal: PortalHandle,
) -> None:
    leads = [await portal.ok("crm.lead.add", {"fields": {"TITLE": t}}) for t in ("a", "b")]

    async def add(owner: int, origin_id: str | None, originator: str = "hhsync") -> int:
        fields = {"originatorId": originator, "originId": origin_id} if origin_id else {}
        added = await portal.ok(
            "crm.activity.configurable.add",
            {"ownerTypeId": 1, "ownerId": owner, "layout": LAYOUT, "fields": fields},
        )
        return int(added["activity"]["id"])

    wanted = await add(leads[0], "1001")
    await add(leads[0], "1002")  # another negotiation on the same lead
    await add(leads[0], "1001", originator="other-app")  # another source's item 1001
    await add(leads[0], None)  # added by hand: no origin at all
    elsewhere = await add(leads[1], "1001")  # the same origin on another lead
    origin = {"OWNER_TYPE_ID": 1, "ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "1001"}
    query = {"select": ["ID", "OWNER_ID"], "order": {"ID": "ASC"}, "start": -1}

    on_lead = await portal.ok(
        "crm.activity.list", {"filter": {**origin, "OWNER_ID": leads[0]}, **query}
    )
    assert on_lead == [{"ID": str(wanted), "OWNER_ID": str(leads[0])}]
    anywhere = await portal.ok("crm.activity.list", {"filter": origin, **query})
    assert [(a["ID"], a["OWNER_ID"]) for a in anywhere] == [
        (str(wanted), str(leads[0])),
        (str(elsewhere), str(leads[1])),
    ]
    on_deals = await portal.ok(
        "crm.activity.list", {"filter": {**origin, "OWNER_TYPE_ID": 2}, **query}
    )
    assert on_deals == []


@pytest.mark.parametrize(("kind", "owner_type_id"), [("lead", 1), ("deal", 2)])
async def test_writes_to_a_deleted_entity_answer_not_found(
    portal: PortalHandle, kind: str, owner_type_id: int
) -> None:
    """Bitrix24 REST docs (b24restdocs): crm.lead.delete / crm.deal.delete remove the entity with
    its timeline; a later ``crm.{kind}.update`` or ``crm.{kind}.get`` of that id gets the documented
    answer to a missing id, ``"error": ""`` with ``Not found`` (crm.lead.get, shared example
    ``crm.lead.get.error.not-found.json``), and ``crm.activity.configurable.add`` on it fails
    with its documented error body (the b24restdocs example
    ``crm.activity.configurable.add.error.json``, ``NOT_FOUND`` «Not found.»). Nothing is
    created by either write."""
    doomed = await portal.ok(f"crm.{kind}.add", {"fields": {"TITLE": "doomed"}})
    assert await portal.ok(f"crm.{kind}.delete", {"id": doomed}) is True

    updated = await portal.call(f"crm.{kind}.update", {"id": doomed, "fields": {"TITLE": "x"}})
    assert updated.status_code == 400
    assert updated.json() == example("crm.lead.get.error.not-found.json")
    read = await portal.call(f"crm.{kind}.get", {"id": doomed})
    assert read.json() == example("crm.lead.get.error.not-found.json")
    added = await portal.call(
        "crm.activity.configurable.add",
        {"ownerTypeId": owner_type_id, "ownerId": doomed, "fields": {}, "layout": LAYOUT},
    )
    assert added.status_code == 400
    assert added.json() == example("crm.activity.configurable.add.error.json")
    assert await portal.ok(f"crm.{kind}.list", {"filter": {"ID": doomed}}) == []
    listed = await portal.ok(
        "crm.activity.list", {"filter": {"OWNER_TYPE_ID": owner_type_id, "OWNER_ID": doomed}}
    )
    assert listed == []


@pytest.mark.parametrize(("kind", "owner_type_id"), [("lead", 1), ("deal", 2)])
async def test_deleting_an_entity_deletes_its_activities_and_comments(
    portal: PortalHandle, kind: str, owner_type_id: int
) -> None:
    """issue 14: Bitrix24 REST docs, crm.deal.delete ("Deleting a deal will result in the removal
    of all related objects, such as CRM activities, history, Timeline activities") and
    crm.lead.delete ("removes a lead and all associated objects, such as ... timeline records")."""
    doomed = await portal.ok(f"crm.{kind}.add", {"fields": {"TITLE": "doomed"}})
    kept = await portal.ok(f"crm.{kind}.add", {"fields": {"TITLE": "kept"}})
    activity_ids = {}
    for owner_id in (doomed, kept):
        added = await portal.ok(
            "crm.activity.configurable.add",
            {"ownerTypeId": owner_type_id, "ownerId": owner_id, "fields": {}, "layout": LAYOUT},
        )
        activity_ids[owner_id] = added["activity"]["id"]
        await portal.ok(
            "crm.timeline.comment.add",
            {"fields": {"ENTITY_ID": owner_id, "ENTITY_TYPE": kind, "COMMENT": "note"}},
        )
    assert await portal.ok(f"crm.{kind}.delete", {"id": doomed}) is True

    listed = await portal.ok(
        "crm.activity.list", {"filter": {"OWNER_TYPE_ID": owner_type_id, "OWNER_ID": doomed}}
    )
    assert listed == []
    gone = await portal.call("crm.activity.get", {"id": activity_ids[doomed]})
    assert gone.status_code == 400
    assert gone.json()["error_description"] == "Not found"
    survivor = await portal.ok("crm.activity.get", {"id": activity_ids[kept]})
    assert survivor["OWNER_ID"] == str(kept)
    comments = portal.sandbox.portals.values()
    remaining = [(c.entity_type, c.entity_id) for p in comments for c in p.comments.values()]
    assert (kind, doomed) not in remaining
    assert (kind, kept) in remaining
