"""Admin knobs of a portal's CRM behaviour: its CRM mode and how strictly activities are checked.

* ``GET|POST P/crm-mode {mode: 1|2 | "classic"|"simple"}``: what ``crm.settings.mode.get``
  answers and whether a new lead is converted into a deal at once (:mod:`.crm_mode`).
* ``GET|POST P/activity-validation {strict: bool}``: whether ``crm.activity.configurable.*``
  checks icon and logo codes, text colours and ``fields`` (:mod:`.activity_layout_rules`);
  strict by default.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.admin_requests import AdminError, json_body, portal_of
from hhsync.sandbox.bitrix.crm_mode import MODES


def _mode_of(value: Any) -> int:
    by_name = {name: number for number, name in MODES.items()}
    if isinstance(value, str) and value in by_name:
        return by_name[value]
    if isinstance(value, int) and not isinstance(value, bool) and value in MODES:
        return value
    raise AdminError("mode must be 1 (classic), 2 (simple), 'classic' or 'simple'")


async def crm_mode(request: Request) -> Any:
    """GET/POST P/crm-mode: the portal's CRM mode."""
    portal = portal_of(request)
    if request.method == "POST":
        portal.crm_mode = _mode_of((await json_body(request)).get("mode"))
    return {"mode": portal.crm_mode, "name": MODES[portal.crm_mode]}


async def activity_validation(request: Request) -> Any:
    """GET/POST P/activity-validation: strict (default) or structural-only activity checks."""
    portal = portal_of(request)
    if request.method == "POST":
        strict = (await json_body(request)).get("strict")
        if not isinstance(strict, bool):
            raise AdminError("strict must be true or false")
        portal.strict_activity_layout = strict
    return {"strict": portal.strict_activity_layout}
