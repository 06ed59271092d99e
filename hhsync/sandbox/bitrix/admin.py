"""Admin API under ``/_sandbox/``: create installed portals, inspect entities, set limits, inject
faults, mark fields required, read the request log, move sandbox time.

All bodies are JSON. Errors are ``{"error": text}`` with 400 (bad input) or 404 (no such portal).
Nothing here goes through the leaky bucket or the request log: it is not part of Bitrix24.

``P = /_sandbox/portals/{domain}``:

* ``POST /_sandbox/portals`` ``{domain?, plan?, lang?, user_id?, install_finished?}`` → an installed
  portal in one step: tokens, ``client_endpoint``, ``server_endpoint``, ``token_url``, the iframe
  form/query and the ONAPPINSTALL form; ``GET /_sandbox/portals`` lists them.
* ``GET P`` summary (counts, plan, bucket levels, method time used, required fields, users);
  ``GET P/entities/{leads|deals|contacts|activities|comments|userfields|files}``.
* ``POST P/tokens {user_id}`` a token pair for a user; ``POST P/code {user_id}`` an auth code.
* ``POST P/plan {plan | drain_per_s, burst, operating_limit_s, method_costs}``.
* ``POST|DELETE P/required {entity, field, label?, stage?}``.
* ``GET|POST|DELETE P/faults`` ``{fault: {kind, status, delay_s, path_contains}, times}`` or
  ``{rates: {kind: fraction}, rate_status, rate_delay_s}``; DELETE clears.
* ``GET P/requests?limit=N`` the request log; ``POST P/permissions {managers_see_own_only}``.
* ``POST P/uninstall {handler_url?, clean?}``, ``P/reinstall``, ``P/install-finish``,
  ``P/install-event {handler_url}``, ``P/rename {domain}``, ``P/users {id?, admin, active…}``.
* ``POST /_sandbox/time/advance {seconds}``, ``GET /_sandbox/time``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hhsync.sandbox.bitrix.activity import activity_row
from hhsync.sandbox.bitrix.context import CallContext
from hhsync.sandbox.bitrix.crm import render
from hhsync.sandbox.bitrix.fields import spec_map
from hhsync.sandbox.bitrix.http import base_url
from hhsync.sandbox.bitrix.install import (
    app_sid,
    client_endpoint,
    iframe_form,
    iframe_query,
    install_event_form,
    oauth_host,
    server_endpoint,
    token_url,
    uninstall_event_form,
)
from hhsync.sandbox.bitrix.limits import RatePlan
from hhsync.sandbox.bitrix.oauth import AccessGrant
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import Portal, User
from hhsync.sandbox.bitrix.userfields import describe_userfield, normalise_field_name
from hhsync.sandbox.faults import Fault, FaultKind


class AdminError(Exception):
    """Bad admin input: answered as ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _sandbox(request: Request) -> BitrixSandbox:
    sandbox: BitrixSandbox = request.app.state.sandbox
    return sandbox


def _portal(request: Request) -> Portal:
    portal = _sandbox(request).portal(request.path_params["domain"])
    if portal is None:
        raise AdminError(f"no portal {request.path_params['domain']}", 404)
    return portal


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise AdminError("body must be JSON") from exc
    if not isinstance(body, dict):
        raise AdminError("body must be a JSON object")
    return body


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


def admin_context(sandbox: BitrixSandbox, portal: Portal) -> CallContext:
    """A context with the portal's first administrator, for rendering entities."""
    admin = next((u for u in portal.users.values() if u.admin), next(iter(portal.users.values())))
    grant = AccessGrant("", portal.domain, admin.id, 0.0, sandbox.config.app_scope, "")
    return CallContext(
        portal=portal,
        user=admin,
        grant=grant,
        client_id=sandbox.config.client_id,
        now=sandbox.now(),
        zone=sandbox.zone,
        oauth_host="",
    )


def install_info(
    request: Request, sandbox: BitrixSandbox, portal: Portal, grant: AccessGrant
) -> dict[str, Any]:
    """Tokens and endpoints of an installed portal, plus what its iframe and ONAPPINSTALL send."""
    base = base_url(request, sandbox.config.public_url)
    lifetime = sandbox.config.access_token_lifetime_s
    return {
        "domain": portal.domain,
        "member_id": portal.member_id,
        "application_token": portal.application_token,
        "user_id": grant.user_id,
        "access_token": grant.token,
        "refresh_token": grant.refresh_token,
        "expires_in": int(lifetime),
        "expires": int(grant.expires_at),
        "scope": grant.scope,
        "client_endpoint": client_endpoint(base, portal),
        "server_endpoint": server_endpoint(base),
        "token_url": token_url(base),
        "client_id": sandbox.config.client_id,
        "app_url": sandbox.config.app_url,
        "app_query": iframe_query(portal, app_sid(sandbox.rng)),
        "app_form": iframe_form(base, portal, grant, lifetime),
        "install_event": install_event_form(base, portal, grant, lifetime, int(sandbox.now_s())),
    }


async def create_portal(request: Request) -> Any:
    """POST /_sandbox/portals: a new portal with the app installed, in one step."""
    sandbox = _sandbox(request)
    body = await _json(request)
    plan = RatePlan.named(str(body["plan"])) if body.get("plan") else None
    portal = sandbox.create_portal(body.get("domain"), plan, body.get("lang"))
    if body.get("install_finished") is False:
        portal.install_finished = False
    grant = sandbox.issue_tokens(portal, int(body.get("user_id", 1)))
    return install_info(request, sandbox, portal, grant)


async def list_portals(request: Request) -> Any:
    """GET /_sandbox/portals."""
    return [
        {"domain": p.domain, "member_id": p.member_id, "installed": p.installed, **p.counts()}
        for p in _sandbox(request).portals.values()
    ]


async def portal_summary(request: Request) -> Any:
    """GET /_sandbox/portals/{domain}: counts, limits, bucket levels, method time used."""
    sandbox, portal = _sandbox(request), _portal(request)
    now = sandbox.now_s()
    return {
        "domain": portal.domain,
        "member_id": portal.member_id,
        "installed": portal.installed,
        "install_finished": portal.install_finished,
        "counts": portal.counts(),
        "plan": {"drain_per_s": portal.plan.drain_per_s, "capacity": portal.plan.capacity},
        "buckets": {ip: round(b.current(now), 3) for ip, b in portal.buckets.items()},
        "operating_limit_s": portal.operating.limit_s,
        "operating_used_s": portal.operating.snapshot(now),
        "required": portal.required,
        "users": [u.__dict__ | {"departments": list(u.departments)} for u in portal.users.values()],
    }


async def portal_entities(request: Request) -> Any:
    """GET /_sandbox/portals/{domain}/entities/{kind}: CRM entities, activities… as JSON."""
    sandbox, portal = _sandbox(request), _portal(request)
    kind = request.path_params["kind"]
    ctx = admin_context(sandbox, portal)
    if kind in {"lead", "deal", "contact", "leads", "deals", "contacts"}:
        entity_kind = kind.rstrip("s")
        rows = [render(ctx, e) for e in portal.entities[entity_kind].values()]
        if entity_kind != "contact":
            # REST ``get`` shows only the first contact (CONTACT_ID); the admin view shows them all
            for row, e in zip(rows, portal.entities[entity_kind].values(), strict=True):
                row["CONTACT_IDS"] = list(e.contact_ids)
        return rows
    if kind in {"activity", "activities"}:
        return [
            activity_row(a) | {"LAYOUT": a.layout, "FIELDS": a.fields}
            for a in portal.activities.values()
        ]
    if kind in {"comment", "comments"}:
        return [c.__dict__ for c in portal.comments.values()]
    if kind in {"userfield", "userfields"}:
        return [describe_userfield(u, portal.lang) for u in portal.userfields.values()]
    if kind in {"file", "files"}:
        return [
            {
                "id": f.id,
                "name": f.name,
                "size": len(f.content),
                "owner_kind": f.owner_kind,
                "owner_id": f.owner_id,
                "field_name": f.field_name,
            }
            for f in portal.files.values()
        ]
    raise AdminError(f"unknown entity kind {kind}", 404)


async def issue_tokens(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/tokens {user_id}: a pair as if that user opened the app."""
    sandbox, portal = _sandbox(request), _portal(request)
    body = await _json(request)
    grant = sandbox.issue_tokens(portal, int(body.get("user_id", 1)))
    return install_info(request, sandbox, portal, grant)


async def issue_code(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/code {user_id}: an authorization code (lives 30 s)."""
    sandbox, portal = _sandbox(request), _portal(request)
    body = await _json(request)
    user_id = int(body.get("user_id", 1))
    if user_id not in portal.users:
        raise AdminError(f"no user {user_id}")
    code = sandbox.tokens.issue_code(
        portal.domain, user_id, sandbox.config.app_scope, sandbox.now_s()
    )
    base = base_url(request, sandbox.config.public_url)
    return {
        "code": code,
        "domain": portal.domain,
        "member_id": portal.member_id,
        "scope": sandbox.config.app_scope,
        "server_domain": oauth_host(base),
    }


async def set_plan(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/plan: rate plan, operating-time limit, method costs."""
    portal = _portal(request)
    body = await _json(request)
    plan = RatePlan.named(str(body["plan"])) if body.get("plan") else portal.plan
    plan = RatePlan(
        float(body.get("drain_per_s", plan.drain_per_s)),
        float(body.get("burst", body.get("capacity", plan.capacity))),
    )
    if plan.drain_per_s <= 0 or plan.capacity < 1:
        raise AdminError("drain_per_s must be > 0 and burst >= 1")
    portal.set_plan(plan)
    if "operating_limit_s" in body:
        portal.operating.limit_s = float(body["operating_limit_s"])
    for method, cost in dict(body.get("method_costs", {})).items():
        portal.method_costs[str(method).lower()] = float(cost)
    return {
        "drain_per_s": plan.drain_per_s,
        "burst": plan.capacity,
        "operating_limit_s": portal.operating.limit_s,
        "method_costs": portal.method_costs,
    }


def _required_target(portal: Portal, body: dict[str, Any]) -> tuple[str, str, str]:
    kind = str(body.get("entity", "lead")).lower()
    if kind not in {"lead", "deal", "contact"}:
        raise AdminError("entity must be 'lead', 'deal' or 'contact'")
    name = str(body.get("field", "")).upper()
    if not name:
        raise AdminError("field is required")
    if name.startswith("UF_"):
        name = normalise_field_name(name)
        uf = portal.userfields.get(name)
        default_label = uf.label if uf else name
    else:
        spec = spec_map(kind).get(name)
        if spec is None or spec.read_only:
            raise AdminError(f"{name} is not a writable {kind} field")
        default_label = spec.title
    return kind, name, str(body.get("label") or default_label)


async def mark_required(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/required {entity, field, label?, stage?}: make mandatory.

    With ``stage`` (a lead status or deal stage id) the field is required only in that stage.
    """
    portal = _portal(request)
    body = await _json(request)
    kind, name, label = _required_target(portal, body)
    if body.get("stage"):
        portal.stage_required[kind].setdefault(str(body["stage"]), {})[name] = label
        return portal.stage_required
    portal.required[kind][name] = label
    return portal.required


async def unmark_required(request: Request) -> Any:
    """DELETE /_sandbox/portals/{domain}/required {entity, field}: no longer mandatory."""
    portal = _portal(request)
    body = await _json(request)
    kind, name, _ = _required_target(portal, body)
    if body.get("stage"):
        portal.stage_required[kind].get(str(body["stage"]), {}).pop(name, None)
        return portal.stage_required
    portal.required[kind].pop(name, None)
    return portal.required


async def permissions(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/permissions {managers_see_own_only}: CRM read rights."""
    portal = _portal(request)
    body = await _json(request)
    portal.managers_see_own_only = bool(body.get("managers_see_own_only", False))
    return {"managers_see_own_only": portal.managers_see_own_only}


async def faults(request: Request) -> Any:
    """GET/POST/DELETE /_sandbox/portals/{domain}/faults: one-shot faults, rates, clear."""
    portal = _portal(request)
    if request.method == "DELETE":
        portal.faults.clear()
    elif request.method == "POST":
        body = await _json(request)
        if "fault" in body:
            portal.faults.push(Fault.from_json(dict(body["fault"])), int(body.get("times", 1)))
        for kind, rate in dict(body.get("rates", {})).items():
            portal.faults.set_rate(FaultKind(kind), float(rate))
        if "rate_status" in body:
            portal.faults.rate_status = int(body["rate_status"])
        if "rate_delay_s" in body:
            portal.faults.rate_delay_s = float(body["rate_delay_s"])
    return portal.faults.describe()


async def request_log(request: Request) -> Any:
    """GET /_sandbox/portals/{domain}/requests?limit=N: the latest requests, oldest first."""
    portal = _portal(request)
    limit = int(request.query_params.get("limit", "1000"))
    return [r.__dict__ for r in list(portal.log)[-limit:]]


async def _post_event(url: str, form: dict[str, str]) -> int:
    async with httpx.AsyncClient(timeout=10.0) as client:
        response = await client.post(url, data=form)
        return response.status_code


async def uninstall(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/uninstall {handler_url?, clean?}: tokens die."""
    sandbox, portal = _sandbox(request), _portal(request)
    body = await _json(request)
    bound = sandbox.uninstall(portal)
    handlers = [str(body["handler_url"])] if body.get("handler_url") else bound
    form = uninstall_event_form(
        base_url(request, sandbox.config.public_url),
        portal,
        bool(body.get("clean", False)),
        int(sandbox.now_s()),
    )
    statuses: dict[str, int | str] = {}
    for handler in handlers:
        try:
            statuses[handler] = await _post_event(handler, form)
        except httpx.HTTPError as error:
            # the portal never retries an event: a handler that is down just misses it
            statuses[handler] = f"failed: {error.__class__.__name__}"
    return {"installed": False, "handler_statuses": statuses}


async def reinstall(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/reinstall: install again, with a fresh token pair."""
    sandbox, portal = _sandbox(request), _portal(request)
    body = await _json(request)
    sandbox.reinstall(portal)
    grant = sandbox.issue_tokens(portal, int(body.get("user_id", 1)))
    return install_info(request, sandbox, portal, grant)


async def install_finish(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/install-finish: what ``BX24.installFinish()`` does."""
    portal = _portal(request)
    portal.install_finished = True
    return {"install_finished": True}


async def send_install_event(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/install-event {handler_url, user_id?}: POST ONAPPINSTALL."""
    sandbox, portal = _sandbox(request), _portal(request)
    body = await _json(request)
    if not body.get("handler_url"):
        raise AdminError("handler_url is required")
    grant = sandbox.issue_tokens(portal, int(body.get("user_id", 1)))
    info = install_info(request, sandbox, portal, grant)
    info["handler_status"] = await _post_event(str(body["handler_url"]), info["install_event"])
    return info


async def rename(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/rename {domain}: the old domain answers 302 from now on."""
    sandbox, portal = _sandbox(request), _portal(request)
    body = await _json(request)
    sandbox.rename(portal, str(body.get("domain") or ""))
    return {
        "domain": portal.domain,
        "client_endpoint": client_endpoint(base_url(request, sandbox.config.public_url), portal),
    }


async def users(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/users {id?, name, last_name, admin, active}: add/change."""
    portal = _portal(request)
    body = await _json(request)
    user_id = int(body.get("id") or max(portal.users) + 1)
    current = portal.users.get(user_id)
    user = User(
        id=user_id,
        name=str(body.get("name", current.name if current else "Новый")),
        last_name=str(body.get("last_name", current.last_name if current else "Сотрудник")),
        email=str(body.get("email", current.email if current else f"user{user_id}@example.ru")),
        admin=bool(body.get("admin", current.admin if current else False)),
        active=bool(body.get("active", current.active if current else True)),
    )
    # a deactivated user's tokens stay valid tokens; calls fail with authorization_error
    portal.users[user_id] = user
    return user.__dict__ | {"departments": list(user.departments)}


async def advance_time(request: Request) -> Any:
    """POST /_sandbox/time/advance {seconds}: move sandbox time forward (expire tokens, drain)."""
    sandbox = _sandbox(request)
    body = await _json(request)
    sandbox.clock.advance(float(body.get("seconds", 0)))
    return {"now": sandbox.now().isoformat()}


async def current_time(request: Request) -> Any:
    """GET /_sandbox/time: sandbox time and speed."""
    sandbox = _sandbox(request)
    return {"now": sandbox.now().isoformat(), "speed": sandbox.clock.speed}


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
        Route(prefix + "/plan", _admin(set_plan), methods=["POST"]),
        Route(prefix + "/required", _admin(mark_required), methods=["POST"]),
        Route(prefix + "/required", _admin(unmark_required), methods=["DELETE"]),
        Route(prefix + "/faults", _admin(faults), methods=["GET", "POST", "DELETE"]),
        Route(prefix + "/permissions", _admin(permissions), methods=["POST"]),
        Route(prefix + "/requests", _admin(request_log), methods=["GET"]),
        Route(prefix + "/uninstall", _admin(uninstall), methods=["POST"]),
        Route(prefix + "/reinstall", _admin(reinstall), methods=["POST"]),
        Route(prefix + "/install-finish", _admin(install_finish), methods=["POST"]),
        Route(prefix + "/install-event", _admin(send_install_event), methods=["POST"]),
        Route(prefix + "/rename", _admin(rename), methods=["POST"]),
        Route(prefix + "/users", _admin(users), methods=["POST"]),
        Route("/_sandbox/time/advance", _admin(advance_time), methods=["POST"]),
        Route("/_sandbox/time", _admin(current_time), methods=["GET"]),
    ]
