"""Admin knob of a portal's method time: its cost profile and operating seconds already spent."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.admin_requests import AdminError, json_body, portal_of, sandbox_of
from hhsync.sandbox.bitrix.cost_profiles import named_profile


def _non_negative(body: dict[str, Any], key: str) -> float | None:
    if key not in body:
        return None
    value = float(body[key])
    if value < 0:
        raise AdminError(f"{key} must be >= 0")
    return value


async def method_time(request: Request) -> Any:
    """GET/POST /_sandbox/portals/{domain}/method_time.

    POST ``{profile?, base_s?: {method: s}, default_s?, per_kb_s?, busy_s?: {method: s}}``:
    ``profile`` picks a named profile (``documented``, ``light``); the figures then adjust it;
    ``busy_s`` books operating seconds now, as if another caller of the same budget spent them.
    """
    sandbox = sandbox_of(request)
    portal = portal_of(request)
    busy: dict[str, float] = {}
    if request.method == "POST":
        body = await json_body(request)
        profile = named_profile(str(body["profile"])) if body.get("profile") else None
        profile = (profile or portal.cost_profile).with_changes(
            base_s={str(k): float(v) for k, v in dict(body.get("base_s", {})).items()},
            default_s=_non_negative(body, "default_s"),
            per_kb_s=_non_negative(body, "per_kb_s"),
        )
        if any(v < 0 for v in profile.base_s.values()):
            raise AdminError("base_s figures must be >= 0")
        if profile.name != portal.cost_profile.name:
            portal.method_costs.clear()  # a new profile replaces fixed per-method costs too
        portal.cost_profile = profile
        busy = sandbox.preload_operating(
            portal, {str(k): float(v) for k, v in dict(body.get("busy_s", {})).items()}
        )
    return {
        "profile": portal.cost_profile.name,
        "base_s": dict(portal.cost_profile.base_s),
        "default_s": portal.cost_profile.default_s,
        "per_kb_s": portal.cost_profile.per_kb_s,
        "fixed_costs": portal.method_costs,
        "request_cutoff_s": sandbox.config.request_cutoff_s,
        "busy_s": busy,
        "operating": portal.operating.snapshot(sandbox.now_s()),
    }
