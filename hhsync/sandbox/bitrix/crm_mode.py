"""The portal's CRM mode: classic (with leads) or simple (no leads), and what a lead add does there.

b24restdocs ``api-reference/crm/crm-settings-mode-get.md``: ``crm.settings.mode.get`` (no
parameters, any user, scope ``crm``) answers the integer ``1`` for classic and ``2`` for simple
mode (``crm/auxiliary/enum/crm-enum-settings-mode.md``: ``1`` «Classic CRM», ``2`` «Simple CRM»).

What ``crm.lead.add`` does in simple mode is documented, and it is not a refusal:
``crm/leads/index.md`` («Leads in CRM may be absent — this happens if the simple mode of CRM
operation is activated») and the tutorial
``tutorials/crm/how-to-add-crm-objects/how-to-add-objects-with-crm-mode.md`` say the portal
converts the new lead into a deal at once: the add answers the lead's id, ``crm.lead.get`` shows
the status ``CONVERTED``, and the deal is found by ``crm.deal.list`` filtered by ``LEAD_ID``. An
integration that keeps writing leads there therefore gets no error at all, only entities that are
not where it thinks: that is what :func:`convert_new_lead` does, so a client that skips the mode
check is caught by what it finds afterwards. Where the docs are silent the sandbox is strict:

* the tutorial converts a lead whose first name is filled; the sandbox converts every new lead
  (nothing stays a lead);
* which fields the deal takes is not documented: it gets the title, responsible person, source,
  comment and amount (what any deal starts with), its ``LEAD_ID`` and the default pipeline's
  first stage, but neither ``ORIGINATOR_ID``/``ORIGIN_ID``, nor any user field, nor the lead's
  contact: a lookup by origin finds the lead only, never the deal;
* the lead stays (``CONVERTED``) with everything it had, its timeline included: an activity
  added to it later stays on the lead.
The portal's mode is set with the admin API (``POST P/crm-mode {mode: 1|2}``).
"""

from __future__ import annotations

from typing import Any, Final

from hhsync.sandbox.bitrix.context import CallContext, MethodRegistry
from hhsync.sandbox.bitrix.crm_defaults import default_fields
from hhsync.sandbox.bitrix.crm_write import apply_fields
from hhsync.sandbox.bitrix.envelope import MethodResult
from hhsync.sandbox.bitrix.store import CrmEntity

CLASSIC: Final = 1
SIMPLE: Final = 2
MODES: Final = {CLASSIC: "classic", SIMPLE: "simple"}
CONVERTED_STATUS: Final = "CONVERTED"
_CARRIED: Final = ("TITLE", "ASSIGNED_BY_ID", "SOURCE_ID", "COMMENTS", "OPPORTUNITY", "CURRENCY_ID")
"""The lead's fields its deal starts with."""


def settings_mode_get(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.settings.mode.get``: ``1`` classic, ``2`` simple."""
    del params
    return MethodResult(ctx.portal.crm_mode)


def convert_new_lead(ctx: CallContext, lead: CrmEntity) -> None:
    """Simple mode: the stored lead becomes ``CONVERTED`` and a deal is made from it."""
    portal = ctx.portal
    if portal.crm_mode != SIMPLE:
        return
    lead.fields["STATUS_ID"] = CONVERTED_STATUS
    lead.fields["STATUS_SEMANTIC_ID"] = "S"
    deal = CrmEntity("deal", 0, default_fields(ctx, "deal", 0))
    carried = {name: lead.fields[name] for name in _CARRIED if lead.fields.get(name) is not None}
    apply_fields(ctx, "deal", deal, carried, creating=True)
    deal_id = portal.next_id("deal")
    deal.id = deal_id
    deal.fields["ID"] = str(deal_id)
    deal.fields["LEAD_ID"] = str(lead.id)
    portal.entities["deal"][deal_id] = deal


def register(registry: MethodRegistry) -> None:
    """Add ``crm.settings.mode.get``."""
    registry.add("crm.settings.mode.get", settings_mode_get, "crm")
