"""Admin API under ``/_sandbox/``: create installed portals, inspect entities, set limits, inject
faults, mark fields required, read the request log, move sandbox time.

All bodies are JSON. Errors are ``{"error": text}`` with 400 (bad input) or 404 (no such portal).
Nothing here goes through the leaky bucket or the request log: it is not part of Bitrix24.

``P = /_sandbox/portals/{domain}``:

* ``POST /_sandbox/portals`` ``{domain?, domain_is_host?, plan?, lang?, user_id?, installed?,
  install_finished?}`` → an installed portal in one step: tokens, ``client_endpoint``,
  ``server_endpoint``, ``token_url``, ``pages`` (where a browser opens it), the iframe form/query
  and the ONAPPINSTALL form. ``domain_is_host: true`` names it ``localhost:<this port>``, a
  browser origin (see :mod:`.hosting`); ``installed: false`` leaves the app for the
  administrator to install from the install page (no tokens then). ``GET /_sandbox/portals``
  lists them.
* ``GET P`` summary (counts, plan, bucket levels, method time used, required fields, users);
  ``GET P/entities/{leads|deals|contacts|activities|comments|userfields|files}``.
* ``POST P/tokens {user_id}`` a token pair for a user; ``POST P/code {user_id}`` an auth code.
* ``POST P/lang {lang}``: the interface language the application's frame gets as ``LANG``.
* ``POST P/plan {plan | drain_per_s, burst, operating_limit_s, method_costs}``.
* ``GET|POST P/method_time {profile?, base_s?, default_s?, per_kb_s?, busy_s?}``: the cost
  profile (``documented``/``light``) and operating seconds already spent
  (:mod:`.admin_method_time`).
* ``POST|DELETE P/required {entity, field, label?, stage?}``.
* ``GET|POST|DELETE P/faults`` ``{fault: {kind, status, delay_s, path_contains, code, body,
  body_base64, content_type, after_write}, times}`` or ``{rates: {kind: fraction}, rate_status,
  rate_delay_s}``; DELETE clears. ``named`` answers a documented error code, ``raw`` any status
  and body (:mod:`.blocks`).
* ``GET|POST|DELETE P/blocks`` ``{code, method?, status?}``: a documented refusal answered until
  lifted (OVERLOAD_LIMIT, PAYMENT_REQUIRED, METHOD_CONFIRM_WAITING, WRONG_AUTH_TYPE...).
* ``GET P/requests?limit=N`` the request log; ``POST P/permissions {managers_see_own_only}``.
* ``GET|POST P/crm-mode {mode: 1|2}`` (classic / simple CRM), ``GET|POST
  P/activity-validation {strict}`` (:mod:`.admin_crm`).
* ``POST P/uninstall {handler_url?, clean?}``, ``P/reinstall``, ``P/install-finish``,
  ``P/install-event {handler_url}``, ``P/update {version}``; ``GET P/app`` (frames, counts,
  deliveries), ``GET P/events`` (:mod:`.admin_app`).
* ``POST P/rename {domain}``, ``P/users {id?, admin, active…}``.
* ``POST P/activities/{id}/buttons/{key}/open {user_id?}``: a click on an activity's
  ``openRestApp`` button, as the slider's frame request (:mod:`.admin_activity`).
* ``POST /_sandbox/time/advance {seconds}``, ``GET /_sandbox/time``.

This module is the route table; the endpoints are in ``admin_portals`` (creation, tokens,
users), ``admin_app`` (the app's lifecycle and events), ``admin_inspect`` (state views) and
``admin_limits`` (plan, required fields, faults, time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hhsync.sandbox.bitrix.admin_activity import open_button
from hhsync.sandbox.bitrix.admin_app import (
    app_view,
    events_view,
    install_finish,
    reinstall,
    send_install_event,
    uninstall,
    update,
)
from hhsync.sandbox.bitrix.admin_blocks import blocks
from hhsync.sandbox.bitrix.admin_crm import activity_validation, crm_mode
from hhsync.sandbox.bitrix.admin_inspect import (
    list_portals,
    portal_entities,
    portal_summary,
    request_log,
)
from hhsync.sandbox.bitrix.admin_limits import (
    advance_time,
    current_time,
    faults,
    mark_required,
    permissions,
    set_plan,
    unmark_required,
)
from hhsync.sandbox.bitrix.admin_method_time import method_time
from hhsync.sandbox.bitrix.admin_portals import (
    create_portal,
    issue_code,
    issue_tokens,
    rename,
    set_lang,
    users,
)
from hhsync.sandbox.bitrix.admin_requests import AdminError

Endpoint = Callable[[Request], Awaitable[Any]]


def _admin(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def wrapped(request: Request) -> Response:
        try:
            result = await endpoint(request)
        except AdminError as error:
            return JSONResponse({"error": str(error)}, status_code=error.status)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return result if isinstance(result, Response) else JSONResponse(result)

    return wrapped


def routes() -> list[BaseRoute]:
    """The admin routes."""
    prefix = "/_sandbox/portals/{domain}"
    return [
        Route("/_sandbox/portals", _admin(create_portal), methods=["POST"]),
        Route("/_sandbox/portals", _admin(list_portals), methods=["GET"]),
        Route(prefix, _admin(portal_summary), methods=["GET"]),
        Route(prefix + "/entities/{kind}", _admin(portal_entities), methods=["GET"]),
        Route(prefix + "/tokens", _admin(issue_tokens), methods=["POST"]),
        Route(prefix + "/code", _admin(issue_code), methods=["POST"]),
        Route(prefix + "/lang", _admin(set_lang), methods=["POST"]),
        Route(prefix + "/plan", _admin(set_plan), methods=["POST"]),
        Route(prefix + "/method_time", _admin(method_time), methods=["GET", "POST"]),
        Route(prefix + "/required", _admin(mark_required), methods=["POST"]),
        Route(prefix + "/required", _admin(unmark_required), methods=["DELETE"]),
        Route(prefix + "/faults", _admin(faults), methods=["GET", "POST", "DELETE"]),
        Route(prefix + "/blocks", _admin(blocks), methods=["GET", "POST", "DELETE"]),
        Route(prefix + "/permissions", _admin(permissions), methods=["POST"]),
        Route(prefix + "/crm-mode", _admin(crm_mode), methods=["GET", "POST"]),
        Route(
            prefix + "/activity-validation",
            _admin(activity_validation),
            methods=["GET", "POST"],
        ),
        Route(prefix + "/requests", _admin(request_log), methods=["GET"]),
        Route(prefix + "/uninstall", _admin(uninstall), methods=["POST"]),
        Route(prefix + "/reinstall", _admin(reinstall), methods=["POST"]),
        Route(prefix + "/install-finish", _admin(install_finish), methods=["POST"]),
        Route(prefix + "/install-event", _admin(send_install_event), methods=["POST"]),
        Route(prefix + "/update", _admin(update), methods=["POST"]),
        Route(prefix + "/app", _admin(app_view), methods=["GET"]),
        Route(prefix + "/events", _admin(events_view), methods=["GET"]),
        Route(prefix + "/rename", _admin(rename), methods=["POST"]),
        Route(prefix + "/users", _admin(users), methods=["POST"]),
        Route(
            prefix + "/activities/{activity_id}/buttons/{key}/open",
            _admin(open_button),
            methods=["POST"],
        ),
        Route("/_sandbox/time/advance", _admin(advance_time), methods=["POST"]),
        Route("/_sandbox/time", _admin(current_time), methods=["GET"]),
    ]
