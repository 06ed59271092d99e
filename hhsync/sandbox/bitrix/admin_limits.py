"""Admin settings that provoke behaviour: rate plan and method costs, required fields, read
permissions, injected faults, and sandbox time."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.admin_requests import AdminError, json_body, portal_of, sandbox_of
from hhsync.sandbox.bitrix.blocks import documented_error
from hhsync.sandbox.bitrix.fields import spec_map
from hhsync.sandbox.bitrix.limits import RatePlan
from hhsync.sandbox.bitrix.store import Portal
from hhsync.sandbox.bitrix.userfields import normalise_field_name
from hhsync.sandbox.faults import Fault, FaultKind


async def set_plan(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/plan: rate plan, operating-time limit, method costs."""
    portal = portal_of(request)
    body = await json_body(request)
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
        uf = portal.userfield(kind, name)
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
    portal = portal_of(request)
    body = await json_body(request)
    kind, name, label = _required_target(portal, body)
    if body.get("stage"):
        portal.stage_required[kind].setdefault(str(body["stage"]), {})[name] = label
        return portal.stage_required
    portal.required[kind][name] = label
    uf = portal.userfield(kind, name) if name.startswith("UF_") else None
    if uf is not None:
        # Assumed (not documented): a user field required for the whole card is its MANDATORY
        # flag, which crm.*.fields reports as isRequired; a standard field's is not (crm.py).
        uf.mandatory = True
    return portal.required


async def unmark_required(request: Request) -> Any:
    """DELETE /_sandbox/portals/{domain}/required {entity, field}: no longer mandatory."""
    portal = portal_of(request)
    body = await json_body(request)
    kind, name, _ = _required_target(portal, body)
    if body.get("stage"):
        portal.stage_required[kind].get(str(body["stage"]), {}).pop(name, None)
        return portal.stage_required
    portal.required[kind].pop(name, None)
    uf = portal.userfield(kind, name) if name.startswith("UF_") else None
    if uf is not None:
        uf.mandatory = False
    return portal.required


async def permissions(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/permissions {managers_see_own_only}: CRM read rights."""
    portal = portal_of(request)
    body = await json_body(request)
    portal.managers_see_own_only = bool(body.get("managers_see_own_only", False))
    return {"managers_see_own_only": portal.managers_see_own_only}


async def faults(request: Request) -> Any:
    """GET/POST/DELETE /_sandbox/portals/{domain}/faults: one-shot faults, rates, clear."""
    portal = portal_of(request)
    if request.method == "DELETE":
        portal.faults.clear()
    elif request.method == "POST":
        body = await json_body(request)
        if "fault" in body:
            fault = Fault.from_json(dict(body["fault"]))
            if fault.kind is FaultKind.NAMED:
                documented_error(fault.code)  # an unknown code is refused now, not when it strikes
            portal.faults.push(fault, int(body.get("times", 1)))
        for kind, rate in dict(body.get("rates", {})).items():
            portal.faults.set_rate(FaultKind(kind), float(rate))
        if "rate_status" in body:
            portal.faults.rate_status = int(body["rate_status"])
        if "rate_delay_s" in body:
            portal.faults.rate_delay_s = float(body["rate_delay_s"])
    return portal.faults.describe()


async def advance_time(request: Request) -> Any:
    """POST /_sandbox/time/advance {seconds}: move sandbox time forward (expire tokens, drain)."""
    sandbox = sandbox_of(request)
    body = await json_body(request)
    sandbox.clock.advance(float(body.get("seconds", 0)))
    return {"now": sandbox.now().isoformat()}


async def current_time(request: Request) -> Any:
    """GET /_sandbox/time: sandbox time and speed."""
    sandbox = sandbox_of(request)
    return {"now": sandbox.now().isoformat(), "speed": sandbox.clock.speed}
