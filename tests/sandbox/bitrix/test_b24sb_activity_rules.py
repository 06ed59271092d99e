"""Strict configurable-activity rules: ``fields``, icon and logo codes, text colours, the knob."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from b24_sandbox_testkit import PortalHandle, example

from hhsync.sandbox.bitrix.activity_layout_rules import ICON_CODES, LOGO_CODES, TEXT_COLORS

LAYOUT: dict[str, Any] = example("crm.activity.configurable.layout.request-example.json")


def _with_text_colour(colour: str) -> dict[str, Any]:
    layout = copy.deepcopy(LAYOUT)
    layout["body"]["blocks"]["client"]["properties"]["block"]["properties"]["color"] = colour
    return layout


async def _add(portal: PortalHandle, params: dict[str, Any]) -> Any:
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "x"}})
    return await portal.call(
        "crm.activity.configurable.add", {"ownerTypeId": 1, "ownerId": lead_id, **params}
    )


async def test_fields_are_required(portal: PortalHandle) -> None:
    """b24restdocs crm/timeline/activities/configurable/crm-activity-configurable-add.md:
    ``fields*`` is required (``100``, «Required fields are not filled»); every key inside it
    is optional, so an empty object passes."""
    refused = await _add(portal, {"layout": LAYOUT})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "100",
        "error_description": "Could not find value for parameter {fields}",
    }
    assert portal.sandbox.portals[portal.domain].activities == {}
    assert (await _add(portal, {"layout": LAYOUT, "fields": {}})).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"completed": "maybe"},
        {"isIncomingChannel": "yes"},
        {"deadline": "tomorrow"},
        {"pingOffsets": "60"},
        {"pingOffsets": [60, "soon"]},
    ],
)
async def test_field_values_have_the_documented_types(
    portal: PortalHandle, fields: dict[str, Any]
) -> None:
    """crm-activity-configurable-add.md, «Parameter fields»: ``completed`` and
    ``isIncomingChannel`` take Y/N, 1/0 or true/false, ``deadline`` is a date-time,
    ``pingOffsets`` an array of minutes; anything else is ``WRONG_FIELD_VALUE``."""
    refused = await _add(portal, {"layout": LAYOUT, "fields": fields})
    assert refused.status_code == 400
    assert refused.json()["error"] == "WRONG_FIELD_VALUE"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda lay: lay["icon"].update(code="rocket"), "IconDto"),
        (lambda lay: lay["body"]["logo"].update(code="rocket"), "LogoDto"),
        # a logo code is not an icon code and back: call-completed is an icon only
        (lambda lay: lay["body"]["logo"].update(code="call-completed"), "LogoDto"),
        (lambda lay: lay["icon"].update(code="notification"), "IconDto"),
    ],
)
async def test_icon_and_logo_codes_come_from_the_portal_lists(
    portal: PortalHandle, change: Any, where: str
) -> None:
    """structure/icon.md (``code`` from crm.timeline.icon.list) and structure/body.md (``code``
    from crm.timeline.logo.list); a value outside the list is ``ENUM_FIELD``."""
    layout = copy.deepcopy(LAYOUT)
    change(layout)
    refused = await _add(portal, {"layout": layout, "fields": {}})
    assert refused.status_code == 400
    assert refused.json()["error"] == "ENUM_FIELD"
    assert where in refused.json()["error_description"]


def test_the_documented_example_codes_are_in_the_lists() -> None:
    """The codes b24restdocs' own examples use (layout.md, content-block.md, examples.md,
    crm-timeline-icon-list.md, crm-timeline-logo-list.md) are accepted."""
    assert {"call-completed", "info", "call", "arrow-down"} <= ICON_CODES
    assert {"call-incoming", "notification", "document"} <= LOGO_CODES


@pytest.mark.parametrize("colour", sorted(TEXT_COLORS))
async def test_documented_text_colours_pass(portal: PortalHandle, colour: str) -> None:
    """structure/content-block.md, Text: ``color`` is base_50, base_60, base_70 or base_90."""
    added = await _add(portal, {"layout": _with_text_colour(colour), "fields": {}})
    assert added.status_code == 200, added.text


@pytest.mark.parametrize("colour", ["red", "#ff0000", "base_80", ""])
async def test_other_text_colours_are_refused(portal: PortalHandle, colour: str) -> None:
    """structure/content-block.md, Text: any other ``color`` is outside the list: ``ENUM_FIELD``."""
    refused = await _add(portal, {"layout": _with_text_colour(colour), "fields": {}})
    assert refused.status_code == 400
    assert refused.json()["error"] == "ENUM_FIELD"
    assert "TextDto" in refused.json()["error_description"]


async def test_nested_text_in_a_line_is_checked_too(portal: PortalHandle) -> None:
    """structure/content-block.md: ``lineOfBlocks`` holds text blocks with the same rules."""
    layout = copy.deepcopy(LAYOUT)
    layout["body"]["blocks"]["responsible"]["properties"]["blocks"]["phone"]["properties"][
        "color"
    ] = "pink"
    refused = await _add(portal, {"layout": layout, "fields": {}})
    assert refused.json()["error"] == "ENUM_FIELD"


async def test_update_follows_the_same_rules(portal: PortalHandle) -> None:
    """crm-activity-configurable-update.md takes the same ``fields`` and ``layout``."""
    added = (await _add(portal, {"layout": LAYOUT, "fields": {}})).json()["result"]
    activity_id = added["activity"]["id"]
    layout = copy.deepcopy(LAYOUT)
    layout["icon"]["code"] = "rocket"
    refused = await portal.call(
        "crm.activity.configurable.update", {"id": activity_id, "fields": {}, "layout": layout}
    )
    assert refused.json()["error"] == "ENUM_FIELD"
    got = await portal.ok("crm.activity.configurable.get", {"id": activity_id})
    assert got["activity"]["layout"]["icon"]["code"] == "call-completed"


async def test_strictness_is_a_per_portal_knob(portal: PortalHandle) -> None:
    """Strict by default (the admin API's ``activity-validation``); turned off, the codes,
    colours and ``fields`` are not checked, while the structural rules still are."""
    assert await portal.admin("/activity-validation", method="GET") == {"strict": True}
    layout = _with_text_colour("red")
    layout["icon"]["code"] = "rocket"
    assert (await _add(portal, {"layout": layout})).status_code == 400
    assert await portal.admin("/activity-validation", {"strict": False}) == {"strict": False}
    assert (await _add(portal, {"layout": layout})).status_code == 200
    layout["header"]["tags"]["status2"]["type"] = "lavender"
    assert (await _add(portal, {"layout": layout})).json()["error"] == "ENUM_FIELD"
    bad = await portal.client.post(
        f"/_sandbox/portals/{portal.domain}/activity-validation", json={"strict": "no"}
    )
    assert bad.status_code == 400
