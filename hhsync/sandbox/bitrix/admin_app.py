"""Admin actions and views of the application's lifecycle on a portal (``P`` =
``/_sandbox/portals/{domain}``):

* ``POST P/uninstall {handler_url?, clean?}``: tokens die, ONAPPUNINSTALL to the bound handlers;
* ``POST P/reinstall {user_id?}``: installed and finished again in one step, a fresh token pair;
* ``POST P/install-finish {user_id?}``: what the installer's ``installFinish`` does, without a
  browser (ONAPPINSTALL to the bound handlers); the page flow is :mod:`.portal_pages`;
* ``POST P/install-event {handler_url, user_id?}``: POST an ONAPPINSTALL to any URL;
* ``POST P/update {version, user_id?, new_application_token?}``: a new app version, ONAPPUPDATE;
* ``GET P/app``: installation state, version, ``install_finish_count``, options, every frame
  session with the commands it sent, and every event delivery;
* ``GET P/events``: the event deliveries only, oldest first, each with its HTTP status.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.admin_portals import install_info
from hhsync.sandbox.bitrix.admin_requests import (
    AdminError,
    base_of,
    json_body,
    portal_of,
    sandbox_of,
)
from hhsync.sandbox.bitrix.app_lifecycle import finish_install, uninstall_app, update_app
from hhsync.sandbox.bitrix.app_state import EventDelivery
from hhsync.sandbox.bitrix.events import deliver
from hhsync.sandbox.bitrix.store import now_iso


def _user_id(body: dict[str, Any]) -> int:
    value = body.get("user_id", 1)
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdminError("user_id must be an integer")
    return value


def _rows(deliveries: list[EventDelivery]) -> list[dict[str, Any]]:
    return [d.row() for d in deliveries]


async def uninstall(request: Request) -> Any:
    """POST P/uninstall: the app goes, its tokens die, ONAPPUNINSTALL is sent (never retried)."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    handler_url = str(body["handler_url"]) if body.get("handler_url") else None
    sent = await uninstall_app(
        sandbox, portal, base_of(request), bool(body.get("clean", False)), handler_url
    )
    statuses: dict[str, int | str] = {
        d.handler: d.status if d.status is not None else f"failed: {d.error}" for d in sent
    }
    return {"installed": False, "handler_statuses": statuses, "deliveries": _rows(sent)}


async def reinstall(request: Request) -> Any:
    """POST P/reinstall: install again, finished at once, with a fresh token pair."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    sandbox.reinstall(portal)
    grant = sandbox.issue_tokens(portal, _user_id(body))
    return install_info(request, sandbox, portal, grant)


async def install_finish(request: Request) -> Any:
    """POST P/install-finish: ``installFinish`` without a browser."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    user_id = _user_id(body)
    if user_id not in portal.users:
        raise AdminError(f"no user {user_id}")
    sent = await finish_install(sandbox, portal, user_id, base_of(request))
    return {"install_finished": portal.install_finished, "deliveries": _rows(sent)}


async def send_install_event(request: Request) -> Any:
    """POST P/install-event {handler_url}: an ONAPPINSTALL to that URL, whatever is bound."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    if not body.get("handler_url"):
        raise AdminError("handler_url is required")
    grant = sandbox.issue_tokens(portal, _user_id(body))
    info = install_info(request, sandbox, portal, grant)
    handler = str(body["handler_url"])
    sent = await deliver(
        portal, "ONAPPINSTALL", [handler], info["install_event"], now_iso(sandbox.now())
    )
    info["handler_status"] = sent[0].status if sent[0].status is not None else sent[0].error
    return info


async def update(request: Request) -> Any:
    """POST P/update {version}: the app moves to a new version; ONAPPUPDATE is sent."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise AdminError("version must be an integer")
    previous = portal.app.version
    sent = await update_app(
        sandbox,
        portal,
        version,
        _user_id(body),
        base_of(request),
        bool(body.get("new_application_token", True)),
    )
    return {
        "version": portal.app.version,
        "previous_version": previous,
        "application_token": portal.application_token,
        "deliveries": _rows(sent),
    }


async def app_view(request: Request) -> Any:
    """GET P/app: everything the portal knows about the app, for tests and the demo."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    state = portal.app
    return {
        "installed": portal.installed,
        "install_finished": portal.install_finished,
        "version": state.version,
        "install_finish_count": state.install_finish_count,
        "application_token": portal.application_token,
        "options": state.options,
        "user_options": {str(k): v for k, v in state.user_options.items()},
        "first_run_done": sorted(state.first_run_done),
        "placements": [dict(p) for p in portal.placements],
        "event_handlers": [dict(h) for h in portal.event_handlers],
        "frames": [s.row() for s in sandbox.frames.of_portal(portal.domain)],
        "deliveries": [d.row() for d in state.deliveries],
    }


async def events_view(request: Request) -> Any:
    """GET P/events: every event delivery, oldest first."""
    return [d.row() for d in portal_of(request).app.deliveries]
