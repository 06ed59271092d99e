"""A configurable activity's actions as Bitrix24 checks them, and a click on its ``openRestApp``
button opening the app's slider.

Sources: b24restdocs ``api-reference/crm/timeline/activities/structure/action.md`` (the action
types, ``actionParams``, ``ActionSliderParamsDto``: ``width`` or ``leftBoundary``, ``labelBgColor``
one of eight colours, ``labelColor`` ``#112233``; the slider gets ``entityTypeId``, ``entityId``,
``activityId``), ``sdk/bx24-js-sdk/additional-functions/bx24-open-application.md`` (the app
receives the parameters as ``PLACEMENT_OPTIONS`` JSON, slider settings prefixed ``bx24_``), and
Bitrix24's ``ActionDto`` validators (``actionParams``: at most 20 scalars).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from b24_sandbox_testkit import PortalHandle, example

from hhsync.sandbox.bitrix.envelope import RestError
from hhsync.sandbox.bitrix.layout import validate_layout

LAYOUT: dict[str, Any] = example("crm.activity.configurable.layout.request-example.json")


def with_button_action(action: dict[str, Any]) -> dict[str, Any]:
    layout = copy.deepcopy(LAYOUT)
    layout["footer"]["buttons"]["startCall"]["action"] = action
    return layout


def error_of(layout: Any) -> str:
    with pytest.raises(RestError) as caught:
        validate_layout(layout)
    return caught.value.code


def test_the_documented_open_rest_app_action_is_valid() -> None:
    validate_layout(LAYOUT)  # {"type": "openRestApp", "actionParams": {"clientId": 456}}
    documented = {  # the action.md example, every sliderParams field
        "type": "openRestApp",
        "actionParams": {"myId": 123, "someImportant": "qwerty"},
        "sliderParams": {
            "labelText": "this application",
            "labelColor": "#c3b3ff",
            "labelBgColor": "violet",
            "title": "This is the application slider title",
            "width": 700,
        },
    }
    validate_layout(with_button_action(documented))
    validate_layout(with_button_action({"type": "openRestApp"}))  # actionParams is optional


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (
            {"type": "openRestApp", "actionParams": {f"p{i}": i for i in range(21)}},
            "TOO_MANY_ITEMS",
        ),
        ({"type": "openRestApp", "actionParams": {"a": {"nested": 1}}}, "WRONG_FIELD_VALUE"),
        ({"type": "openRestApp", "actionParams": {"a": [1, 2]}}, "WRONG_FIELD_VALUE"),
        ({"type": "openRestApp", "actionParams": {"ключ": "1"}}, "KEY_CONTAIN_WRONG_SYMBOLS"),
        ({"type": "openRestApp", "actionParams": "negotiation=1"}, "WRONG_FIELD_VALUE"),
        (
            {"type": "restEvent", "id": "x", "actionParams": {f"p{i}": i for i in range(21)}},
            "TOO_MANY_ITEMS",
        ),
        ({"type": "openRestApp", "sliderParams": {"height": 10}}, "FIELD_IS_REDUNDANT"),
        (
            {"type": "openRestApp", "sliderParams": {"width": 700, "leftBoundary": 100}},
            "WRONG_FIELD_VALUE",
        ),
        ({"type": "openRestApp", "sliderParams": {"width": "wide"}}, "WRONG_FIELD_VALUE"),
        ({"type": "openRestApp", "sliderParams": {"width": True}}, "WRONG_FIELD_VALUE"),
        ({"type": "openRestApp", "sliderParams": {"labelBgColor": "red"}}, "ENUM_FIELD"),
        ({"type": "openRestApp", "sliderParams": {"labelColor": "red"}}, "WRONG_FIELD_VALUE"),
        ({"type": "redirect", "uri": "/crm/", "sliderParams": {"width": 1}}, "FIELD_IS_REDUNDANT"),
    ],
)
def test_bad_actions_get_the_documented_codes(action: dict[str, Any], code: str) -> None:
    assert error_of(with_button_action(action)) == code


async def activity_with_button(portal: PortalHandle, action: dict[str, Any]) -> tuple[int, int]:
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "x"}})
    layout = with_button_action(action)
    created = await portal.ok(
        "crm.activity.configurable.add",
        {"ownerTypeId": 1, "ownerId": lead_id, "fields": {}, "layout": layout},
    )
    return int(lead_id), int(created["activity"]["id"])


async def test_a_click_opens_the_apps_slider_with_the_context_and_string_params(
    portal: PortalHandle,
) -> None:
    action = {
        "type": "openRestApp",
        "actionParams": {"view": "others", "negotiation": 1400000001, "flag": True},
        "sliderParams": {"title": "Другие отклики", "width": 900, "labelBgColor": "blue"},
    }
    lead_id, activity_id = await activity_with_button(portal, action)

    path = f"/_sandbox/portals/{portal.domain}/activities/{activity_id}/buttons/startCall/open"
    opened = await portal.client.post(path, json={"user_id": 1})

    assert opened.status_code == 200, opened.text
    body = opened.json()
    expected = {
        "entityTypeId": 1,
        "entityId": lead_id,
        "activityId": activity_id,
        "view": "others",
        "negotiation": "1400000001",  # actionParams arrive as strings
        "flag": "1",
        "bx24_title": "Другие отклики",
        "bx24_width": 900,
        "bx24_label": {"bgColor": "blue"},
    }
    assert body["placement_options"] == expected
    form = body["app_form"]
    assert form["PLACEMENT"] == "DEFAULT"
    assert json.loads(form["PLACEMENT_OPTIONS"]) == expected
    assert form["member_id"] == portal.info["member_id"]
    assert body["app_query"]["DOMAIN"] == portal.domain


async def test_only_open_rest_app_buttons_of_existing_activities_open_the_app(
    portal: PortalHandle,
) -> None:
    _, redirect_id = await activity_with_button(portal, {"type": "redirect", "uri": "/crm/"})
    base = f"/_sandbox/portals/{portal.domain}/activities"
    not_an_app = await portal.client.post(f"{base}/{redirect_id}/buttons/startCall/open", json={})
    assert not_an_app.status_code == 400
    assert "openRestApp" in not_an_app.json()["error"]
    no_button = await portal.client.post(f"{base}/{redirect_id}/buttons/nope/open", json={})
    assert no_button.status_code == 404
    no_activity = await portal.client.post(f"{base}/999999/buttons/startCall/open", json={})
    assert no_activity.status_code == 404


async def test_the_crm_page_links_the_button_to_the_slider(portal: PortalHandle) -> None:
    _, activity_id = await activity_with_button(
        portal, {"type": "openRestApp", "actionParams": {"view": "others", "negotiation": "7"}}
    )
    page = await portal.client.get(f"/_sandbox/portal/{portal.domain}/crm")
    button = f"/_sandbox/portal/{portal.domain}/activity/{activity_id}/buttons/startCall"
    assert f'href="{button}"' in page.text

    clicked = await portal.client.get(button, params={"user_id": "1"})

    assert clicked.status_code == 303
    location = clicked.headers["location"]
    assert location.startswith(f"/_sandbox/portal/{portal.domain}/app?")
    app_page = await portal.client.get(location)
    assert app_page.status_code == 200
    assert 'name="PLACEMENT" value="DEFAULT"' in app_page.text
    assert "&quot;negotiation&quot;: &quot;7&quot;" in app_page.text


async def test_an_entity_card_opens_on_the_portals_own_host(portal: PortalHandle) -> None:
    lead_id, _ = await activity_with_button(
        portal, {"type": "openRestApp", "actionParams": {"view": "others", "negotiation": "7"}}
    )
    card = await portal.client.get(f"/crm/lead/details/{lead_id}/", headers={"Host": portal.domain})
    assert card.status_code == 200
    assert f'data-entity-id="{lead_id}"' in card.text
    assert "activity-button" in card.text  # the card's timeline with the activity's buttons
    missing = await portal.client.get("/crm/lead/details/999999/", headers={"Host": portal.domain})
    assert missing.status_code == 404
