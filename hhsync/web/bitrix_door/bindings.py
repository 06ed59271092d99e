"""What the installer registers on the portal, each step idempotent: read first, add what lacks.

* ``event.bind`` of ONAPPUNINSTALL and ONAPPUPDATE to ``{public_url}/b24/events`` (Bitrix24 REST
  docs, api-reference/events/event-bind.md): the uninstall event is the only notice that the app
  was removed, and it is never retried.
* ``placement.bind`` of the lead and deal list toolbars to the app page
  (widgets/crm/list-toolbar.md), so the HR team reaches hhsync from the CRM lists.
* hhsync's user fields on leads and deals (:mod:`hhsync.sync.userfields`).

``event.get`` and ``placement.get`` are read before binding, so a reinstall or a second run of
the installer binds nothing twice. A step that fails says why and the others still run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from hhsync.bitrix.client import BitrixClient
from hhsync.bitrix.errors import BitrixError
from hhsync.sync.userfields import ensure_user_fields
from hhsync.web.bitrix_door.refusals import Refusal

EVENTS: Final = ("ONAPPUNINSTALL", "ONAPPUPDATE")
LIST_TOOLBARS: Final = ("CRM_LEAD_LIST_TOOLBAR", "CRM_DEAL_LIST_TOOLBAR")


@dataclass
class StepOutcome:
    """One install step: what it added, what was there already, why it failed."""

    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the step did all it had to."""
        return self.error is None


def _failure(exc: Exception) -> str:
    if isinstance(exc, BitrixError):
        return exc.code or type(exc).__name__
    return getattr(exc, "reason", type(exc).__name__)


async def bind_events(client: BitrixClient, handler: str) -> StepOutcome:
    """ONAPPUNINSTALL and ONAPPUPDATE bound to ``handler``, once each."""
    outcome = StepOutcome()
    try:
        bound = {(h.event.upper(), h.handler) for h in await client.event_get()}
        for event in EVENTS:
            if (event, handler) in bound:
                outcome.present.append(event)
            else:
                await client.event_bind(event, handler)
                outcome.added.append(event)
    except (BitrixError, Refusal) as exc:
        outcome.error = _failure(exc)
    return outcome


async def bind_toolbars(
    client: BitrixClient, handler: str, title: str, description: str
) -> StepOutcome:
    """The lead and deal list toolbars bound to the app page, once each."""
    outcome = StepOutcome()
    try:
        bound = {(p.placement.upper(), p.handler) for p in await client.placement_get()}
        for placement in LIST_TOOLBARS:
            if (placement, handler) in bound:
                outcome.present.append(placement)
            else:
                await client.placement_bind(placement, handler, title, description)
                outcome.added.append(placement)
    except (BitrixError, Refusal) as exc:
        outcome.error = _failure(exc)
    return outcome


async def create_user_fields(client: BitrixClient) -> StepOutcome:
    """hhsync's user fields on leads and deals, where missing."""
    outcome = StepOutcome()
    try:
        for kind in ("lead", "deal"):
            created = await ensure_user_fields(client, kind)
            outcome.added.extend(f"{kind}:{name}" for name in created)
    except (BitrixError, Refusal) as exc:
        outcome.error = _failure(exc)
    return outcome
