"""Pure: what clicking a configurable activity's button does, as a Bitrix24 portal does it.

A ``redirect`` goes to its ``uri`` (a relative one opens the CRM slider). An ``openRestApp`` opens
the slider of the application that created the activity: the portal hands
``BX.rest.AppLayout.openApplication`` the activity's context (``entityTypeId``, ``entityId``,
``activityId``, integers), every ``actionParams`` entry cast to a string, and the
``sliderParams`` as ``bx24_title``, ``bx24_width``, ``bx24_leftBoundary`` and ``bx24_label``
(b24restdocs ``api-reference/crm/timeline/activities/structure/action.md``; Bitrix24's
``RestAppConfigurable\\ActionFactory``). ``BX24.openApplication`` then posts those parameters to
the app as ``PLACEMENT_OPTIONS`` JSON with ``PLACEMENT=DEFAULT``
(``sdk/bx24-js-sdk/additional-functions/bx24-open-application.md``).
"""

from __future__ import annotations

from typing import Any, Final

from hhsync.sandbox.bitrix.layout import php_string
from hhsync.sandbox.bitrix.store import Activity

OPEN_APP: Final = "openRestApp"


class ButtonRefused(ValueError):
    """The button cannot be clicked: no such button, or not one that opens the application."""


def button_action(activity: Activity, key: str) -> dict[str, Any]:
    """The action of the activity's footer button ``key``."""
    buttons = ((activity.layout or {}).get("footer") or {}).get("buttons") or {}
    button = buttons.get(key) if isinstance(buttons, dict) else None
    if not isinstance(button, dict) or not isinstance(button.get("action"), dict):
        raise ButtonRefused(f"activity {activity.id} has no button {key!r}")
    action: dict[str, Any] = button["action"]
    return action


def open_app_params(activity: Activity, action: dict[str, Any]) -> dict[str, Any]:
    """The parameters an ``openRestApp`` click gives the application's slider."""
    if action.get("type") != OPEN_APP:
        raise ButtonRefused(f"the button's action is {action.get('type')!r}, not {OPEN_APP}")
    params: dict[str, Any] = {
        "entityTypeId": activity.owner_type_id,
        "entityId": activity.owner_id,
        "activityId": activity.id,
    }
    for name, value in (action.get("actionParams") or {}).items():
        params[str(name)] = php_string(value)
    slider = action.get("sliderParams") or {}
    if slider.get("title"):
        params["bx24_title"] = str(slider["title"])
    if slider.get("width"):
        params["bx24_width"] = int(slider["width"])
    if slider.get("leftBoundary"):
        params["bx24_leftBoundary"] = int(slider["leftBoundary"])
    label = {
        name: slider[key]
        for name, key in (
            ("text", "labelText"),
            ("color", "labelColor"),
            ("bgColor", "labelBgColor"),
        )
        if slider.get(key)
    }
    if label:
        params["bx24_label"] = label
    return params
