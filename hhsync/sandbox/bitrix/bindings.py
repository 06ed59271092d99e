"""``placement.bind/get/unbind`` and ``event.bind/get/unbind``: what an installer registers.

Both need an administrator's token in application context (Bitrix24 REST docs, placement.bind
and event.bind). The application's own events are delivered to the handlers bound here, once
the installation is finished (:mod:`.app_lifecycle`): ONAPPINSTALL when the installer calls
``installFinish``, ONAPPUPDATE on the admin's update, ONAPPUNINSTALL on uninstall. CRM events
are registered but not delivered. A bound widget is what the portal page opens for its
placement (:mod:`.portal_pages`). Bitrix24 refuses handler URLs that are not publicly reachable;
the sandbox cannot (everything runs on localhost), so it accepts them.
"""

from __future__ import annotations

from typing import Any

from hhsync.sandbox.bitrix.context import CallContext, MethodRegistry
from hhsync.sandbox.bitrix.envelope import MethodResult, RestError
from hhsync.sandbox.bitrix.params import lower_keys

# The widget codes a portal accepts; the CRM list toolbars are in the Bitrix24 REST docs'
# widgets/crm/list-toolbar.md.
PLACEMENTS = frozenset(
    {
        "DEFAULT",
        "REST_APP_URI",
        "CRM_LEAD_DETAIL_TAB",
        "CRM_DEAL_DETAIL_TAB",
        "CRM_CONTACT_DETAIL_TAB",
        "CRM_COMPANY_DETAIL_TAB",
        "CRM_LEAD_DETAIL_TOOLBAR",
        "CRM_DEAL_DETAIL_TOOLBAR",
        "CRM_LEAD_LIST_MENU",
        "CRM_DEAL_LIST_MENU",
        "CRM_LEAD_LIST_TOOLBAR",
        "CRM_DEAL_LIST_TOOLBAR",
        "CRM_LEAD_DETAIL_ACTIVITY",
        "CRM_DEAL_DETAIL_ACTIVITY",
        "CRM_LEAD_ACTIVITY_TIMELINE_MENU",
        "CRM_DEAL_ACTIVITY_TIMELINE_MENU",
    }
)
EVENTS = frozenset(
    {
        "ONAPPINSTALL",
        "ONAPPUNINSTALL",
        "ONAPPUPDATE",
        "ONCRMLEADADD",
        "ONCRMLEADUPDATE",
        "ONCRMLEADDELETE",
        "ONCRMDEALADD",
        "ONCRMDEALUPDATE",
        "ONCRMDEALDELETE",
        "ONCRMTIMELINEITEMACTION",
    }
)


def _require_admin(ctx: CallContext) -> None:
    if not ctx.user.admin:
        raise RestError("ACCESS_DENIED", "Access denied! Administrator authorization required", 403)


def placement_bind(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """Register a widget handler; returns true."""
    _require_admin(ctx)
    upper = {k.upper(): v for k, v in params.items()}
    placement = str(upper.get("PLACEMENT") or "").upper()
    if not placement:
        # the docs list this error with HTTP 200; we answer 400, the stricter reading
        raise RestError(
            "ERROR_ARGUMENT",
            "Argument 'PLACEMENT' is null or empty",
            400,
            {"argument": "PLACEMENT"},
        )
    handler = str(upper.get("HANDLER") or "")
    if not handler:
        raise RestError("EMPTY_ERROR_HANDLER_URL", "Handler URL is empty", 400)
    if placement not in PLACEMENTS:
        raise RestError("ERROR_PLACEMENT_NOT_FOUND", "Placement not found", 400)
    ctx.portal.placements.append(
        {
            "placement": placement,
            "handler": handler,
            "title": str(upper.get("TITLE") or ""),
            "description": str(upper.get("DESCRIPTION") or ""),
            "options": [],
        }
    )
    return MethodResult(True)


def placement_get(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """The application's registered placements."""
    del params
    return MethodResult([dict(p) for p in ctx.portal.placements])


def placement_unbind(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """Remove placements (of one handler, or all of the code); returns ``{"count": n}``."""
    _require_admin(ctx)
    upper = {k.upper(): v for k, v in params.items()}
    placement = str(upper.get("PLACEMENT") or "").upper()
    handler = upper.get("HANDLER")
    keep = [
        p
        for p in ctx.portal.placements
        if p["placement"] != placement or (handler and p["handler"] != handler)
    ]
    count = len(ctx.portal.placements) - len(keep)
    ctx.portal.placements[:] = keep
    return MethodResult({"count": count})


def event_bind(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """Register an event handler; returns true."""
    lowered = lower_keys(params)
    event = str(lowered.get("event") or "").upper()
    if event not in EVENTS:
        raise RestError("ERROR_EVENT_NOT_FOUND", "Event not found", 400)
    offline = str(lowered.get("event_type") or "online").lower() == "offline"
    if (offline or lowered.get("auth_type")) and not ctx.user.admin:
        raise RestError("ACCESS_DENIED", "Access denied", 403)
    handler = str(lowered.get("handler") or "")
    if not handler and not offline:
        raise RestError("ERROR_HANDLER_URL", "Handler URL is empty", 400)
    ctx.portal.event_handlers.append(
        {
            "event": event,
            "handler": handler,
            "auth_type": str(lowered.get("auth_type") or "0"),
            "offline": 1 if offline else 0,
        }
    )
    return MethodResult(True)


def event_get(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """The application's registered event handlers."""
    del params
    return MethodResult([dict(h) for h in ctx.portal.event_handlers])


def event_unbind(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """Remove handlers of an event (optionally one handler URL); returns ``{"count": n}``."""
    lowered = lower_keys(params)
    event = str(lowered.get("event") or "").upper()
    handler = lowered.get("handler")
    keep = [
        h
        for h in ctx.portal.event_handlers
        if h["event"] != event or (handler and h["handler"] != handler)
    ]
    count = len(ctx.portal.event_handlers) - len(keep)
    ctx.portal.event_handlers[:] = keep
    return MethodResult({"count": count})


def register(registry: MethodRegistry) -> None:
    """Add the binding methods."""
    registry.add("placement.bind", placement_bind, "placement")
    registry.add("placement.get", placement_get, "placement")
    registry.add("placement.unbind", placement_unbind, "placement")
    registry.add("event.bind", event_bind, None)
    registry.add("event.get", event_get, None)
    registry.add("event.unbind", event_unbind, None)
