"""Admin views of a portal's state: the portal list, one portal's summary, its entities, the
request log."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.activity import activity_row
from hhsync.sandbox.bitrix.admin_requests import AdminError, portal_of, sandbox_of
from hhsync.sandbox.bitrix.context import CallContext
from hhsync.sandbox.bitrix.crm import render
from hhsync.sandbox.bitrix.oauth import AccessGrant
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import Portal
from hhsync.sandbox.bitrix.userfields import describe_userfield


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


async def list_portals(request: Request) -> Any:
    """GET /_sandbox/portals."""
    return [
        {"domain": p.domain, "member_id": p.member_id, "installed": p.installed, **p.counts()}
        for p in sandbox_of(request).portals.values()
    ]


async def portal_summary(request: Request) -> Any:
    """GET /_sandbox/portals/{domain}: counts, limits, bucket levels, method time used."""
    sandbox, portal = sandbox_of(request), portal_of(request)
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
    sandbox, portal = sandbox_of(request), portal_of(request)
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


async def request_log(request: Request) -> Any:
    """GET /_sandbox/portals/{domain}/requests?limit=N: the latest requests, oldest first."""
    portal = portal_of(request)
    limit = int(request.query_params.get("limit", "1000"))
    return [r.__dict__ for r in list(portal.log)[-limit:]]
