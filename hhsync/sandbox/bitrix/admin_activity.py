"""Admin API: click a timeline activity's button without a browser.

``POST /_sandbox/portals/{domain}/activities/{id}/buttons/{key}/open {user_id?}`` answers what the
portal would post into the application's slider for that click (:mod:`.activity_buttons`): the
``placement_options`` object, and the frame's ``app_query`` and ``app_form`` (``PLACEMENT=DEFAULT``,
``PLACEMENT_OPTIONS`` JSON, a fresh token pair of that user), ready to POST to the app URL.
Only the application that created the activity has its slider opened, and only an
``openRestApp`` button opens it (400 otherwise; 404 for no such activity or button).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.activity_buttons import ButtonRefused, button_action, open_app_params
from hhsync.sandbox.bitrix.admin_requests import (
    AdminError,
    base_of,
    json_body,
    portal_of,
    sandbox_of,
)
from hhsync.sandbox.bitrix.install import app_sid, iframe_form, iframe_query
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import Activity, Portal


def clicked_options(sandbox: BitrixSandbox, portal: Portal, activity_id: str, key: str) -> str:
    """``PLACEMENT_OPTIONS`` (JSON) of a click on the button, or :class:`AdminError`."""
    activity = portal.activities.get(int(activity_id)) if activity_id.isdigit() else None
    if activity is None:
        raise AdminError(f"no activity {activity_id}", 404)
    return json.dumps(options_of(sandbox, activity, key), ensure_ascii=False)


def options_of(sandbox: BitrixSandbox, activity: Activity, key: str) -> dict[str, Any]:
    """The slider's parameters for the click (the creating application's activities only)."""
    try:
        action = button_action(activity, key)
    except ButtonRefused as exc:
        raise AdminError(str(exc), 404) from exc
    if activity.client_id != sandbox.config.client_id:
        raise AdminError(f"activity {activity.id} was not created by the application")
    try:
        return open_app_params(activity, action)
    except ButtonRefused as exc:
        raise AdminError(str(exc)) from exc


async def open_button(request: Request) -> Any:
    """POST P/activities/{id}/buttons/{key}/open: the slider's frame request for that click."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    user_id = body.get("user_id", 1)
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id not in portal.users:
        raise AdminError(f"no user {user_id}")
    raw = clicked_options(
        sandbox, portal, request.path_params["activity_id"], request.path_params["key"]
    )
    grant = sandbox.issue_tokens(portal, user_id)
    lifetime = sandbox.config.access_token_lifetime_s
    return {
        "placement": "DEFAULT",
        "placement_options": json.loads(raw),
        "app_query": iframe_query(portal, app_sid(sandbox.rng)),
        "app_form": iframe_form(base_of(request), portal, grant, lifetime, "DEFAULT", raw),
    }
